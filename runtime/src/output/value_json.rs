//! Values as JSON, for JSON outputs of values (`infrac facts --format
//! json`): records and maps as objects, enums as `"Type.Variant"`, secrets
//! as `"***"`.

use infrac_vm::value::Value;
use serde_json::json;

/// `value` as JSON; what has only a display form (hosts) is its text.
pub fn value_json(value: &Value) -> serde_json::Value {
    match value {
        Value::None => serde_json::Value::Null,
        Value::Bool(b) => json!(b),
        Value::Int(n) => json!(n),
        Value::Float(x) => json!(x),
        Value::Str(s) => json!(&**s),
        Value::Secret(_) => json!("***"),
        Value::Cmd(c) => json!(c.display),
        Value::List(items) => items.iter().map(value_json).collect(),
        Value::Map(m) | Value::Record(m) => m
            .iter()
            .map(|(k, v)| (k.to_string(), value_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        Value::Enum { ty, variant } => json!(format!("{ty}.{variant}")),
        other => json!(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn values_as_json() {
        let record = Value::Record(Arc::new(
            [
                (Arc::from("mode"), Value::Int(0o644)),
                (
                    Arc::from("kind"),
                    Value::Enum {
                        ty: "FileKind".into(),
                        variant: "File".into(),
                    },
                ),
                (Arc::from("token"), Value::Secret("pw".into())),
            ]
            .into_iter()
            .collect(),
        ));
        assert_eq!(
            value_json(&record),
            json!({"mode": 420, "kind": "FileKind.File", "token": "***"})
        );
    }
}
