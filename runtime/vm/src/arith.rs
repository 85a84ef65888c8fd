//! Unary and binary operators on values.

use std::cmp::Ordering;
use std::sync::Arc;

use infrac_bytecode::Instr;

use crate::format::kind_name;
use crate::value::Value;

pub fn negate(v: Value) -> Result<Value, String> {
    match v {
        Value::Int(n) => n
            .checked_neg()
            .map(Value::Int)
            .ok_or_else(|| "integer overflow in `-`".into()),
        Value::Float(x) => Ok(Value::Float(-x)),
        other => Err(format!("cannot negate a {}", kind_name(&other))),
    }
}

pub fn not(v: Value) -> Result<Value, String> {
    match v {
        Value::Bool(b) => Ok(Value::Bool(!b)),
        other => Err(format!("`not` needs a bool, found {}", kind_name(&other))),
    }
}

/// Applies the binary operator `op` (one of `Add`..`Ge`).
pub fn binary(op: Instr, a: Value, b: Value) -> Result<Value, String> {
    match op {
        Instr::Eq => Ok(Value::Bool(a == b)),
        Instr::Ne => Ok(Value::Bool(a != b)),
        Instr::Lt | Instr::Le | Instr::Gt | Instr::Ge => compare(op, &a, &b),
        Instr::Add => add(a, b),
        Instr::Sub | Instr::Mul | Instr::Div | Instr::Rem => numeric(op, a, b),
        other => Err(format!("internal: {other:?} is not a binary operator")),
    }
}

/// How `a` compares with `b`: two ints, floats or strings (by code point).
pub(crate) fn order(a: &Value, b: &Value) -> Result<Ordering, String> {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        _ => {
            return Err(format!(
                "cannot compare a {} with a {}",
                kind_name(a),
                kind_name(b)
            ));
        }
    })
}

fn compare(op: Instr, a: &Value, b: &Value) -> Result<Value, String> {
    let ord = order(a, b)?;
    Ok(Value::Bool(match op {
        Instr::Lt => ord.is_lt(),
        Instr::Le => ord.is_le(),
        Instr::Gt => ord.is_gt(),
        _ => ord.is_ge(),
    }))
}

fn add(a: Value, b: Value) -> Result<Value, String> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Ok(Value::Str(format!("{x}{y}").into())),
        (Value::List(x), Value::List(y)) => {
            let mut items = Vec::clone(&x);
            items.extend(y.iter().cloned());
            Ok(Value::List(Arc::new(items)))
        }
        (a, b) => numeric(Instr::Add, a, b),
    }
}

fn numeric(op: Instr, a: Value, b: Value) -> Result<Value, String> {
    let sym = match op {
        Instr::Add => "+",
        Instr::Sub => "-",
        Instr::Mul => "*",
        Instr::Div => "/",
        _ => "%",
    };
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => {
            if matches!(op, Instr::Div | Instr::Rem) && y == 0 {
                return Err("division by zero".into());
            }
            let r = match op {
                Instr::Add => x.checked_add(y),
                Instr::Sub => x.checked_sub(y),
                Instr::Mul => x.checked_mul(y),
                Instr::Div => x.checked_div(y),
                _ => x.checked_rem(y),
            };
            r.map(Value::Int)
                .ok_or_else(|| format!("integer overflow in `{x} {sym} {y}`"))
        }
        (Value::Float(x), Value::Float(y)) => Ok(Value::Float(match op {
            Instr::Add => x + y,
            Instr::Sub => x - y,
            Instr::Mul => x * y,
            Instr::Div => x / y,
            _ => x % y,
        })),
        (a, b) => Err(format!(
            "cannot apply `{sym}` to a {} and a {}",
            kind_name(&a),
            kind_name(&b)
        )),
    }
}

/// `base[index]`: a list element (an error when out of range) or a map
/// entry (`none` when absent).
pub fn index(base: &Value, index: &Value) -> Result<Value, String> {
    match (base, index) {
        (Value::List(items), Value::Int(i)) => usize::try_from(*i)
            .ok()
            .and_then(|i| items.get(i))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "index {i} is out of range (the list has {} elements)",
                    items.len()
                )
            }),
        (Value::Map(m), Value::Str(k)) => Ok(m.get(k).cloned().unwrap_or(Value::None)),
        (b, i) => Err(format!(
            "cannot index a {} with a {}",
            kind_name(b),
            kind_name(i)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_errors_are_values() {
        assert_eq!(
            binary(Instr::Div, Value::Int(1), Value::Int(0)),
            Err("division by zero".into())
        );
        assert_eq!(
            binary(Instr::Rem, Value::Int(1), Value::Int(0)),
            Err("division by zero".into())
        );
        assert!(binary(Instr::Add, Value::Int(i64::MAX), Value::Int(1)).is_err());
        assert!(binary(Instr::Div, Value::Int(i64::MIN), Value::Int(-1)).is_err());
        assert_eq!(
            binary(Instr::Div, Value::Int(7), Value::Int(2)),
            Ok(Value::Int(3))
        );
    }

    #[test]
    fn index_out_of_range() {
        let list = Value::List(Arc::new(vec![Value::Int(1)]));
        assert_eq!(index(&list, &Value::Int(0)), Ok(Value::Int(1)));
        assert!(index(&list, &Value::Int(1)).is_err());
        assert!(index(&list, &Value::Int(-1)).is_err());
    }
}
