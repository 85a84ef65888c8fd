//! Built-in methods (§6), dispatched on the receiver's kind. Only what the
//! table of built-ins lists is dispatched (`infrac_bytecode::builtins`).

use std::sync::Arc;

use infrac_bytecode::builtins::{self, Recv};

use crate::arith::order;
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
        ("find", [Value::Str(p)]) => match s.find(&**p) {
            Some(at) => Value::Int(s[..at].chars().count() as i64),
            None => Value::None,
        },
        ("split_once", [Value::Str(sep)]) => match s.split_once(&**sep) {
            Some((a, b)) => str_list([a, b].into_iter()),
            None => Value::None,
        },
        ("pad_start" | "pad_end", [Value::Int(width), rest @ ..]) if rest.len() <= 1 => {
            let fill = match rest {
                [Value::Str(f)] => &**f,
                _ => " ",
            };
            return Some(pad(s, *width, fill, name == "pad_start"));
        }
        ("upper", []) => string(s.to_uppercase()),
        ("lower", []) => string(s.to_lowercase()),
        ("to_int", []) => s.trim().parse::<i64>().map_or(Value::None, Value::Int),
        ("to_float", []) => s.trim().parse::<f64>().map_or(Value::None, Value::Float),
        _ => return None,
    };
    Some(Ok(v))
}

/// `s` padded to `width` characters with `fill` repeated (its start when
/// `start`).
fn pad(s: &str, width: i64, fill: &str, start: bool) -> Result<Value, String> {
    const MAX: i64 = 1 << 20;
    if fill.is_empty() || !(0..=MAX).contains(&width) {
        return Err(format!(
            "cannot pad to {width} characters with {fill:?} (a width from 0 to {MAX}, a fill that is not empty)"
        ));
    }
    let missing = usize::try_from(width)
        .unwrap_or(0)
        .saturating_sub(s.chars().count());
    let padding: String = fill.chars().cycle().take(missing).collect();
    Ok(string(if start {
        padding + s
    } else {
        format!("{s}{padding}")
    }))
}

/// `items` sorted (stably) by the key `key` gives each.
fn sorted(
    items: &[Value],
    key: impl Fn(&Value) -> Result<&Value, String>,
) -> Result<Value, String> {
    let mut keyed: Vec<(&Value, &Value)> = items
        .iter()
        .map(|v| key(v).map(|k| (k, v)))
        .collect::<Result<_, _>>()?;
    let mut error = None;
    keyed.sort_by(|(a, _), (b, _)| {
        order(a, b).unwrap_or_else(|e| {
            error.get_or_insert(e);
            std::cmp::Ordering::Equal
        })
    });
    match error {
        Some(e) => Err(e),
        None => Ok(Value::List(Arc::new(
            keyed.into_iter().map(|(_, v)| v.clone()).collect(),
        ))),
    }
}

/// Field `field` of a record.
fn record_field<'v>(v: &'v Value, field: &str) -> Result<&'v Value, String> {
    match v {
        Value::Record(fields) => fields
            .get(field)
            .ok_or_else(|| format!("`sort_by`: a record has no field `{field}`")),
        other => Err(format!(
            "`sort_by` needs a list of records, found a {}",
            kind_name(other)
        )),
    }
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
        ("sort", []) => return Some(sorted(items, |v| Ok(v))),
        ("sort_by", [Value::Str(field)]) => return Some(sorted(items, |v| record_field(v, field))),
        ("unique", []) => {
            let mut out: Vec<Value> = Vec::with_capacity(items.len());
            for item in items.iter() {
                if !out.contains(item) {
                    out.push(item.clone());
                }
            }
            Value::List(Arc::new(out))
        }
        ("any" | "all", []) => {
            let mut bools = items.iter().map(|v| match v {
                Value::Bool(b) => Ok(*b),
                other => Err(format!(
                    "`{name}` needs a list of bool, found a {}",
                    kind_name(other)
                )),
            });
            let found = match name {
                "any" => bools.find(|b| !matches!(b, Ok(false))).unwrap_or(Ok(false)),
                _ => bools.find(|b| !matches!(b, Ok(true))).unwrap_or(Ok(true)),
            };
            return Some(found.map(Value::Bool));
        }
        ("sum", []) => {
            let zero = match items.first() {
                Some(Value::Float(_)) => Value::Float(0.0),
                _ => Value::Int(0),
            };
            let total = items.iter().try_fold(zero, |acc, v| {
                crate::arith::binary(infrac_bytecode::Instr::Add, acc, v.clone())
            });
            return Some(total);
        }
        ("min" | "max", []) => {
            let mut best: Option<&Value> = None;
            for item in items.iter() {
                let better = match best {
                    None => true,
                    Some(b) => match order(item, b) {
                        Ok(o) => (name == "min" && o.is_lt()) || (name == "max" && o.is_gt()),
                        Err(e) => return Some(Err(e)),
                    },
                };
                if better {
                    best = Some(item);
                }
            }
            best.cloned().unwrap_or(Value::None)
        }
        ("flatten", []) => {
            let mut out = Vec::new();
            for item in items.iter() {
                match item {
                    Value::List(inner) => out.extend(inner.iter().cloned()),
                    other => {
                        return Some(Err(format!(
                            "`flatten` needs a list of lists, found a {}",
                            kind_name(other)
                        )));
                    }
                }
            }
            Value::List(Arc::new(out))
        }
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
        ("merge", [Value::Map(other)]) => {
            let mut merged = std::collections::BTreeMap::clone(m);
            merged.extend(other.iter().map(|(k, v)| (Arc::clone(k), v.clone())));
            Value::Map(Arc::new(merged))
        }
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
            "map<str, T>" => Value::Map(Arc::new([(Arc::from("k"), s("w"))].into())),
            _ => s("x"),
        }
    }

    /// A list whose elements fit what a method needs of them.
    fn list_for(elem: Option<&str>) -> Value {
        let items = match elem {
            Some("bool") => vec![Value::Bool(true), Value::Bool(false)],
            Some("number") => vec![Value::Int(2), Value::Int(1)],
            Some("list") => vec![str_list(["a"].into_iter()), str_list(["b"].into_iter())],
            Some("record") => vec![Value::Record(Arc::new(
                [(Arc::from("x"), Value::Int(1))].into(),
            ))],
            _ => return str_list(["a", "b"].into_iter()),
        };
        Value::List(Arc::new(items))
    }

    #[test]
    fn every_method_of_the_table_is_dispatched() {
        for method in builtins::METHODS {
            let receiver = match method.recv {
                Recv::Str => s("a b"),
                Recv::List => list_for(method.elem),
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

    fn ints(xs: &[i64]) -> Value {
        Value::List(Arc::new(xs.iter().copied().map(Value::Int).collect()))
    }

    #[test]
    fn collection_methods() {
        assert_eq!(
            call(&ints(&[3, 1, 2, 1]), "sort", &[]),
            Ok(ints(&[1, 1, 2, 3]))
        );
        assert_eq!(call(&ints(&[3, 1, 3, 1]), "unique", &[]), Ok(ints(&[3, 1])));
        assert_eq!(call(&ints(&[3, 1, 2]), "sum", &[]), Ok(Value::Int(6)));
        assert_eq!(call(&ints(&[]), "sum", &[]), Ok(Value::Int(0)));
        assert_eq!(call(&ints(&[3, 1, 2]), "min", &[]), Ok(Value::Int(1)));
        assert_eq!(call(&ints(&[3, 1, 2]), "max", &[]), Ok(Value::Int(3)));
        assert_eq!(call(&ints(&[]), "max", &[]), Ok(Value::None));
        assert!(call(&ints(&[i64::MAX, 1]), "sum", &[]).is_err());
        let bools =
            |b: &[bool]| Value::List(Arc::new(b.iter().copied().map(Value::Bool).collect()));
        assert_eq!(
            call(&bools(&[false, true]), "any", &[]),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            call(&bools(&[false, true]), "all", &[]),
            Ok(Value::Bool(false))
        );
        assert_eq!(call(&bools(&[]), "all", &[]), Ok(Value::Bool(true)));
        let nested = Value::List(Arc::new(vec![ints(&[1]), ints(&[]), ints(&[2, 3])]));
        assert_eq!(call(&nested, "flatten", &[]), Ok(ints(&[1, 2, 3])));
        let rec = |n: &str, a: i64| {
            Value::Record(Arc::new(
                [(Arc::from("name"), s(n)), (Arc::from("age"), Value::Int(a))].into(),
            ))
        };
        let people = Value::List(Arc::new(vec![rec("b", 2), rec("a", 2), rec("c", 1)]));
        let by_age = Value::List(Arc::new(vec![rec("c", 1), rec("b", 2), rec("a", 2)]));
        assert_eq!(call(&people, "sort_by", &[s("age")]), Ok(by_age));
        assert!(call(&people, "sort_by", &[s("nope")]).is_err());
        let mixed = Value::List(Arc::new(vec![Value::Int(1), s("a")]));
        assert!(call(&mixed, "sort", &[]).is_err());
    }

    #[test]
    fn new_string_and_map_methods() {
        assert_eq!(call(&s("héllo"), "find", &[s("l")]), Ok(Value::Int(2)));
        assert_eq!(call(&s("abc"), "find", &[s("z")]), Ok(Value::None));
        assert_eq!(
            call(&s("k=v=w"), "split_once", &[s("=")]),
            Ok(str_list(["k", "v=w"].into_iter()))
        );
        assert_eq!(call(&s("kv"), "split_once", &[s("=")]), Ok(Value::None));
        assert_eq!(
            call(&s("7"), "pad_start", &[Value::Int(3), s("0")]),
            Ok(s("007"))
        );
        assert_eq!(
            call(&s("ab"), "pad_end", &[Value::Int(4), Value::None]),
            Ok(s("ab  "))
        );
        assert_eq!(
            call(&s("abcd"), "pad_start", &[Value::Int(2), Value::None]),
            Ok(s("abcd"))
        );
        assert!(call(&s("a"), "pad_start", &[Value::Int(3), s("")]).is_err());
        let map = |kv: &[(&str, i64)]| {
            Value::Map(Arc::new(
                kv.iter()
                    .map(|(k, v)| (Arc::from(*k), Value::Int(*v)))
                    .collect(),
            ))
        };
        assert_eq!(
            call(
                &map(&[("a", 1), ("b", 2)]),
                "merge",
                &[map(&[("b", 3), ("c", 4)])]
            ),
            Ok(map(&[("a", 1), ("b", 3), ("c", 4)]))
        );
    }
}
