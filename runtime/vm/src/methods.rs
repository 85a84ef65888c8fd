//! Built-in methods (§6), dispatched on the receiver's kind. Only what the
//! table of built-ins lists is dispatched (`infrac_bytecode::builtins`).

use std::sync::Arc;

use infrac_bytecode::builtins::{self, Recv};

use crate::format::kind_name;
use crate::value::Value;

fn recv(v: &Value) -> Option<Recv> {
    Some(match v {
        Value::Str(_) => Recv::Str,
        Value::List(_) => Recv::List,
        Value::Map(_) => Recv::Map,
        Value::Int(_) => Recv::Int,
        Value::Float(_) => Recv::Float,
        _ => return None,
    })
}

pub fn call(receiver: &Value, name: &str, args: &[Value]) -> Result<Value, String> {
    let listed = recv(receiver).and_then(|r| builtins::method(r, name));
    let result = match receiver {
        _ if listed.is_none() => None,
        Value::Str(s) => str_method(s, name, args),
        Value::List(items) => list_method(items, name, args),
        Value::Map(m) => map_method(m, name, args),
        Value::Int(n) => match (name, args) {
            ("to_str", []) => Some(Ok(Value::Str(n.to_string().into()))),
            ("to_float", []) => Some(Ok(Value::Float(*n as f64))),
            _ => None,
        },
        Value::Float(x) => match (name, args) {
            ("to_str", []) => Some(Ok(Value::Str(format!("{x:?}").into()))),
            ("round", []) => Some(round(*x)),
            _ => None,
        },
        _ => None,
    };
    result.unwrap_or_else(|| Err(format!("a {} has no method `{name}`", kind_name(receiver))))
}

fn round(x: f64) -> Result<Value, String> {
    let r = x.round();
    if r.is_finite() && r >= i64::MIN as f64 && r <= i64::MAX as f64 {
        Ok(Value::Int(r as i64))
    } else {
        Err(format!("{x} cannot be rounded to an int"))
    }
}

fn string(s: impl Into<Arc<str>>) -> Value {
    Value::Str(s.into())
}

fn str_list<'a>(items: impl Iterator<Item = &'a str>) -> Value {
    Value::List(Arc::new(items.map(string).collect()))
}

fn str_method(s: &Arc<str>, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
    let v = match (name, args) {
        ("len", []) => Value::Int(s.chars().count() as i64),
        ("trim", []) => string(s.trim()),
        ("trim_start", []) => string(s.trim_start()),
        ("trim_end", []) => string(s.trim_end()),
        ("lines", []) => str_list(s.lines()),
        ("split", [Value::Str(sep)]) if sep.is_empty() => str_list(s.split_whitespace()),
        ("split", [Value::Str(sep)]) => str_list(s.split(&**sep)),
        ("starts_with", [Value::Str(p)]) => Value::Bool(s.starts_with(&**p)),
        ("ends_with", [Value::Str(p)]) => Value::Bool(s.ends_with(&**p)),
        ("contains", [Value::Str(p)]) => Value::Bool(s.contains(&**p)),
        ("replace", [Value::Str(a), Value::Str(b)]) => string(s.replace(&**a, b)),
        ("upper", []) => string(s.to_uppercase()),
        ("lower", []) => string(s.to_lowercase()),
        ("to_int", []) => s.trim().parse::<i64>().map_or(Value::None, Value::Int),
        ("to_float", []) => s.trim().parse::<f64>().map_or(Value::None, Value::Float),
        _ => return None,
    };
    Some(Ok(v))
}

fn list_method(
    items: &Arc<Vec<Value>>,
    name: &str,
    args: &[Value],
) -> Option<Result<Value, String>> {
    let v = match (name, args) {
        ("len", []) => Value::Int(items.len() as i64),
        ("first", []) => items.first().cloned().unwrap_or(Value::None),
        ("last", []) => items.last().cloned().unwrap_or(Value::None),
        ("contains", [x]) => Value::Bool(items.contains(x)),
        ("reverse", []) => Value::List(Arc::new(items.iter().rev().cloned().collect())),
        ("join", [Value::Str(sep)]) => {
            let mut parts = Vec::with_capacity(items.len());
            for item in items.iter() {
                match item {
                    Value::Str(s) => parts.push(&**s),
                    other => {
                        return Some(Err(format!(
                            "`join` needs a list of str, found a {}",
                            kind_name(other)
                        )));
                    }
                }
            }
            string(parts.join(sep))
        }
        _ => return None,
    };
    Some(Ok(v))
}

fn map_method(
    m: &Arc<std::collections::BTreeMap<Arc<str>, Value>>,
    name: &str,
    args: &[Value],
) -> Option<Result<Value, String>> {
    let v = match (name, args) {
        ("len", []) => Value::Int(m.len() as i64),
        ("get", [Value::Str(k)]) => m.get(k).cloned().unwrap_or(Value::None),
        ("contains", [Value::Str(k)]) => Value::Bool(m.contains_key(k)),
        ("keys", []) => Value::List(Arc::new(
            m.keys().map(|k| Value::Str(Arc::clone(k))).collect(),
        )),
        ("values", []) => Value::List(Arc::new(m.values().cloned().collect())),
        _ => return None,
    };
    Some(Ok(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::Str(x.into())
    }

    /// A value of the kind a table type names (`T`: a string).
    fn sample(ty: &str) -> Value {
        match ty {
            "int" => Value::Int(1),
            "float" => Value::Float(1.5),
            "bool" => Value::Bool(true),
            _ => s("x"),
        }
    }

    #[test]
    fn every_method_of_the_table_is_dispatched() {
        for method in builtins::METHODS {
            let receiver = match method.recv {
                Recv::Str => s("a b"),
                Recv::List => str_list(["a", "b"].into_iter()),
                Recv::Map => Value::Map(Arc::new([(Arc::from("k"), s("v"))].into())),
                Recv::Int => Value::Int(3),
                Recv::Float => Value::Float(2.5),
            };
            let args: Vec<Value> = method.params.iter().map(|p| sample(p.ty)).collect();
            let result = call(&receiver, method.name, &args);
            assert!(
                result.is_ok(),
                "{:?}.{}: {result:?}",
                method.recv,
                method.name
            );
        }
    }

    #[test]
    fn string_methods() {
        assert_eq!(call(&s(" a "), "trim", &[]), Ok(s("a")));
        assert_eq!(
            call(&s("nginx/1.2"), "split", &[s("/")]),
            Ok(str_list(["nginx", "1.2"].into_iter()))
        );
        assert_eq!(call(&s("42"), "to_int", &[]), Ok(Value::Int(42)));
        assert_eq!(call(&s("x"), "to_int", &[]), Ok(Value::None));
        assert_eq!(call(&s("héllo"), "len", &[]), Ok(Value::Int(5)));
        assert!(call(&s("x"), "nope", &[]).is_err());
    }

    #[test]
    fn list_and_map_methods() {
        let list = str_list(["a", "b"].into_iter());
        assert_eq!(call(&list, "last", &[]), Ok(s("b")));
        assert_eq!(call(&list, "join", &[s(",")]), Ok(s("a,b")));
        assert_eq!(
            call(&Value::List(Arc::new(vec![])), "first", &[]),
            Ok(Value::None)
        );
        let map = Value::Map(Arc::new(
            [(Arc::from("k"), Value::Int(1))].into_iter().collect(),
        ));
        assert_eq!(call(&map, "get", &[s("k")]), Ok(Value::Int(1)));
        assert_eq!(call(&map, "get", &[s("z")]), Ok(Value::None));
    }
}
