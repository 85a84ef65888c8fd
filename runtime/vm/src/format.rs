//! Values as text: string interpolation (with formats) and `Display`.

use std::fmt::{self, Display, Formatter, Write};

use infrac_bytecode::{Fmt, Radix};

use crate::value::Value;

/// The text of `value` in a string interpolation `{value:fmt}`.
pub fn interpolate(value: &Value, fmt: Fmt) -> Result<String, String> {
    if holds_secret_command(value) {
        // Its text would be `***` in the string (and so in a file).
        return Err(
            "a command that holds a secret cannot be interpolated in a string (it would read `***`)"
                .into(),
        );
    }
    match (value, fmt.radix) {
        (Value::Int(n), radix) => Ok(format_int(*n, radix, fmt.width)),
        (_, Radix::Decimal) if fmt.width == 0 => Ok(value.to_string()),
        (other, _) => Err(format!(
            "the format `:{fmt}` needs an int, found {}",
            kind_name(other)
        )),
    }
}

/// Whether `value` is, or holds, a command with a secret in it.
fn holds_secret_command(value: &Value) -> bool {
    match value {
        Value::Cmd(c) => c.holds_secrets(),
        Value::List(items) => items.iter().any(holds_secret_command),
        Value::Map(m) | Value::Record(m) => m.values().any(holds_secret_command),
        _ => false,
    }
}

fn format_int(n: i64, radix: Radix, width: u8) -> String {
    let digits = match radix {
        Radix::Decimal => n.unsigned_abs().to_string(),
        Radix::Octal => format!("{:o}", n.unsigned_abs()),
        Radix::Hex => format!("{:x}", n.unsigned_abs()),
    };
    let sign = if n < 0 { "-" } else { "" };
    let pad = (width as usize).saturating_sub(digits.len() + sign.len());
    format!("{sign}{}{digits}", "0".repeat(pad))
}

/// The name of a value's kind, for error messages.
pub fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::None => "none",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::Str(_) => "str",
        Value::Secret(_) => "secret",
        Value::Cmd(_) => "cmd",
        Value::List(_) => "list",
        Value::Map(_) => "map",
        Value::Record(_) => "record",
        Value::Enum { .. } => "enum",
        Value::Host(_) => "Host",
        Value::Unknown(_) => "unknown",
    }
}

/// Shows a value the way a program's output shows it: strings bare at the
/// top level, quoted inside lists, maps and records; secrets as `***`.
impl Display for Value {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            other => write_nested(f, other),
        }
    }
}

fn write_nested(f: &mut Formatter<'_>, value: &Value) -> fmt::Result {
    match value {
        Value::None => f.write_str("none"),
        Value::Bool(b) => write!(f, "{b}"),
        Value::Int(n) => write!(f, "{n}"),
        Value::Float(x) => write!(f, "{x:?}"),
        Value::Str(s) => write!(f, "{:?}", &**s),
        Value::Secret(_) => f.write_str("***"),
        Value::Cmd(c) => f.write_str(&c.display),
        Value::List(items) => write_seq(f, ('[', ']'), items.iter(), write_nested),
        Value::Map(m) => write_seq(f, ('{', '}'), m.iter(), |f, (k, v)| {
            write!(f, "{:?}: ", &**k)?;
            write_nested(f, v)
        }),
        Value::Record(m) => write_seq(f, ('{', '}'), m.iter(), |f, (k, v)| {
            write!(f, "{k}: ")?;
            write_nested(f, v)
        }),
        // `{kind}` of a `FileKind.dir` reads `dir`, as a command wants it.
        Value::Enum { variant, .. } => f.write_str(variant),
        Value::Host(h) => f.write_str(&h.name),
        Value::Unknown(_) => f.write_str("(unknown)"),
    }
}

/// `items` between the `brackets`, separated by `, `, each written by
/// `item`.
fn write_seq<T>(
    f: &mut Formatter<'_>,
    brackets: (char, char),
    items: impl Iterator<Item = T>,
    mut item: impl FnMut(&mut Formatter<'_>, T) -> fmt::Result,
) -> fmt::Result {
    f.write_char(brackets.0)?;
    for (i, x) in items.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        item(f, x)?;
    }
    f.write_char(brackets.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn fmt(spec: &str) -> Fmt {
        Fmt::parse(spec).unwrap_or_default()
    }

    #[test]
    fn formats_ints() {
        assert_eq!(interpolate(&Value::Int(0o755), fmt("o")), Ok("755".into()));
        assert_eq!(
            interpolate(&Value::Int(0o644), fmt("04o")),
            Ok("0644".into())
        );
        assert_eq!(interpolate(&Value::Int(255), fmt("x")), Ok("ff".into()));
        assert_eq!(interpolate(&Value::Int(7), fmt("03")), Ok("007".into()));
        assert_eq!(interpolate(&Value::Int(-7), fmt("03")), Ok("-07".into()));
        assert_eq!(interpolate(&Value::Int(1234), fmt("02")), Ok("1234".into()));
        assert!(interpolate(&Value::Str("a".into()), fmt("o")).is_err());
    }

    #[test]
    fn displays_values() {
        let list = Value::List(Arc::new(vec![
            Value::Str("a".into()),
            Value::Int(1),
            Value::Secret("pw".into()),
        ]));
        assert_eq!(list.to_string(), r#"["a", 1, ***]"#);
        let map = Value::Map(Arc::new(
            [("b".into(), Value::Int(2)), ("a".into(), list)].into(),
        ));
        assert_eq!(map.to_string(), r#"{"a": ["a", 1, ***], "b": 2}"#);
        assert_eq!(Value::Str("plain".into()).to_string(), "plain");
        assert_eq!(Value::Secret("pw".into()).to_string(), "***");
        assert_eq!(Value::Float(2.0).to_string(), "2.0");
    }
}
