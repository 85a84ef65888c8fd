//! Built-in functions that need no I/O on the host: connectors (`local`,
//! `ssh`, `docker`), `len`, `reveal`, `env`, `read_file`.

use std::path::Path;
use std::sync::Arc;

use infrac_bytecode::Builtin;

use crate::format::kind_name;
use crate::natives;
use crate::value::{HostSpec, HostValue, SudoPassword, Value};

/// Evaluates a pure built-in (not `probe`/`run`/`upload`).
pub fn call(builtin: Builtin, args: &[Value], base_dir: &Path) -> Result<Value, String> {
    match (builtin, args) {
        (Builtin::Len, [v]) => len(v),
        (Builtin::Range, [start, end]) => range(start, end),
        (Builtin::Reveal, [Value::Secret(s)]) => Ok(Value::Str(Arc::clone(s))),
        (Builtin::Env, [Value::Str(name)]) => Ok(natives::env(name)),
        (Builtin::ReadFile, [Value::Str(path)]) => natives::read_file(base_dir, path),
        (Builtin::Local, [name, sudo, password, data]) => host(
            HostSpec::Local,
            opt_str(name, "name")?.unwrap_or_else(|| "local".into()),
            [sudo, password, data],
        ),
        (
            Builtin::Ssh,
            [
                Value::Str(address),
                user,
                port,
                identity,
                jump,
                name,
                sudo,
                password,
                data,
            ],
        ) => {
            let port = opt_int::<u16>(port, "port", "TCP port")?;
            let spec = HostSpec::Ssh {
                address: address.to_string(),
                user: opt_str(user, "user")?,
                port,
                identity: opt_str(identity, "identity")?,
                jump: opt_str(jump, "jump")?,
            };
            host(
                spec,
                opt_str(name, "name")?.unwrap_or_else(|| address.to_string()),
                [sudo, password, data],
            )
        }
        (Builtin::Docker, [Value::Str(container), image, name, sudo, password, data]) => {
            let spec = HostSpec::Docker {
                container: container.to_string(),
                image: opt_str(image, "image")?,
            };
            host(
                spec,
                opt_str(name, "name")?.unwrap_or_else(|| container.to_string()),
                [sudo, password, data],
            )
        }
        (Builtin::Inventory, _) => {
            Err("`inventory(...)` is only allowed in a group's host list".into())
        }
        (b, args) => Err(format!(
            "internal: `{}` called with {} unexpected arguments",
            b.name(),
            args.len()
        )),
    }
}

/// The most ints `range` gives.
const MAX_RANGE: i64 = 1_000_000;

fn range(start: &Value, end: &Value) -> Result<Value, String> {
    let (from, to) = match (start, end) {
        (Value::Int(n), Value::None) => (0, *n),
        (Value::Int(a), Value::Int(b)) => (*a, *b),
        _ => return Err("`range` takes ints".into()),
    };
    if to.saturating_sub(from) > MAX_RANGE {
        return Err(format!(
            "`range({from}, {to})` would have more than {MAX_RANGE} elements"
        ));
    }
    Ok(Value::List(Arc::new((from..to).map(Value::Int).collect())))
}

fn len(v: &Value) -> Result<Value, String> {
    let n = match v {
        Value::Str(s) => s.chars().count(),
        Value::List(items) => items.len(),
        Value::Map(m) => m.len(),
        other => {
            return Err(format!(
                "`len` needs a str, list or map, found a {}",
                kind_name(other)
            ));
        }
    };
    Ok(Value::Int(n as i64))
}

/// An optional int argument `what:` that must fit in `T`; `noun` says what
/// it is (`TCP port`).
pub(crate) fn opt_int<T: TryFrom<i64>>(
    v: &Value,
    what: &str,
    noun: &str,
) -> Result<Option<T>, String> {
    match v {
        Value::None => Ok(None),
        Value::Int(n) => T::try_from(*n)
            .map(Some)
            .map_err(|_| format!("{n} is not a {noun}")),
        other => Err(format!(
            "`{what}:` must be an int, found a {}",
            kind_name(other)
        )),
    }
}

/// An optional str argument `what:`.
pub(crate) fn opt_str(v: &Value, what: &str) -> Result<Option<String>, String> {
    match v {
        Value::None => Ok(None),
        Value::Str(s) => Ok(Some(s.to_string())),
        other => Err(format!(
            "`{what}:` must be a str, found a {}",
            kind_name(other)
        )),
    }
}

/// A host value from the arguments every host constructor ends with.
fn host(
    spec: HostSpec,
    name: String,
    [sudo, password, data]: [&Value; 3],
) -> Result<Value, String> {
    let sudo = match sudo {
        Value::None => false,
        Value::Bool(b) => *b,
        other => {
            return Err(format!(
                "`sudo:` must be a bool, found a {}",
                kind_name(other)
            ));
        }
    };
    let sudo_password = match password {
        Value::None => None,
        Value::Secret(s) | Value::Str(s) => Some(SudoPassword(Arc::clone(s))),
        other => {
            return Err(format!(
                "`sudo_password:` must be a secret, found a {}",
                kind_name(other)
            ));
        }
    };
    Ok(Value::Host(Arc::new(HostValue {
        name,
        spec,
        data: data.clone(),
        sudo,
        sudo_password,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_ints_must_be_ints_in_range() {
        assert_eq!(opt_int::<u16>(&Value::None, "port", "TCP port"), Ok(None));
        assert_eq!(
            opt_int::<u16>(&Value::Int(22), "port", "TCP port"),
            Ok(Some(22))
        );
        assert_eq!(
            opt_int::<u16>(&Value::Int(70000), "port", "TCP port"),
            Err("70000 is not a TCP port".into())
        );
        assert_eq!(
            opt_int::<u32>(&Value::Str("x".into()), "mode", "file mode"),
            Err("`mode:` must be an int, found a str".into())
        );
    }
}
