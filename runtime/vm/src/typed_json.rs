//! Outside data (JSON, or YAML read as JSON) to values of a declared type:
//! the variables of inventory hosts and the values of params.

use std::collections::BTreeMap;
use std::sync::Arc;

use infrac_bytecode::TypeDesc;
use serde_json::Value as Json;

use crate::context::RunContext;
use crate::controller::{parse_text, run_function};
use crate::value::Value;

/// How strictly data is held to its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strictness {
    /// Inventories: text is accepted wherever a scalar is expected (INI
    /// inventories only have text), and a record takes the variables named
    /// like its fields, ignoring the others.
    Inventory,
    /// Params: each value has the JSON kind of its type, and a record's
    /// unknown keys are errors.
    Params,
}

/// A value that does not fit its type: where in the data, and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JsonError {
    /// `.limits.web`, `[2].name`; empty at the top.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.path.strip_prefix('.').unwrap_or(&self.path) {
            "" => f.write_str(&self.message),
            path => write!(f, "`{path}`: {}", self.message),
        }
    }
}

impl From<String> for JsonError {
    fn from(message: String) -> JsonError {
        JsonError {
            path: String::new(),
            message,
        }
    }
}

/// `result` with `segment` in front of its error's path.
fn under<T>(segment: String, result: Result<T, JsonError>) -> Result<T, JsonError> {
    result.map_err(|e| JsonError {
        path: segment + &e.path,
        message: e.message,
    })
}

/// Converts `json` to a value of type `ty`.
pub(crate) fn from_json(
    ctx: &Arc<RunContext>,
    json: &Json,
    ty: &TypeDesc,
    strictness: Strictness,
) -> Result<Value, JsonError> {
    let program = Arc::clone(ctx.program());
    let lenient = strictness == Strictness::Inventory;
    match (ty, json) {
        (TypeDesc::Optional(_), Json::Null) => Ok(Value::None),
        (TypeDesc::Optional(inner), j) => from_json(ctx, j, inner, strictness),
        (TypeDesc::Record(r), Json::Object(fields)) => {
            let def = program
                .records
                .get(*r as usize)
                .ok_or("internal: unknown record type".to_string())?;
            if !lenient
                && let Some(key) = fields
                    .keys()
                    .find(|k| !def.fields.iter().any(|f| *f.name == ***k))
            {
                let names: Vec<&str> = def.fields.iter().map(|f| &*f.name).collect();
                return Err(format!(
                    "`{}` has no field `{key}` (fields: {})",
                    def.name,
                    names.join(", ")
                )
                .into());
            }
            let mut out = BTreeMap::new();
            for f in &def.fields {
                let value = match (fields.get(&*f.name), f.default, &f.ty) {
                    (Some(j), _, ty) => {
                        under(format!(".{}", f.name), from_json(ctx, j, ty, strictness))?
                    }
                    (None, Some(func), _) => run_function(ctx, func).map_err(|e| e.message)?,
                    (None, None, TypeDesc::Optional(_)) if lenient => Value::None,
                    (None, None, _) if lenient => {
                        return Err(format!("the variable `{}` is missing", f.name).into());
                    }
                    // As in a record literal, a field without default
                    // must be given, even an optional one.
                    (None, None, _) => {
                        return Err(format!("missing field `{}` of `{}`", f.name, def.name).into());
                    }
                };
                out.insert(Arc::clone(&f.name), value);
            }
            Ok(Value::Record(Arc::new(out)))
        }
        (TypeDesc::List(elem), Json::Array(items)) => {
            let items = items
                .iter()
                .enumerate()
                .map(|(i, j)| under(format!("[{i}]"), from_json(ctx, j, elem, strictness)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::List(Arc::new(items)))
        }
        (TypeDesc::Map(_) | TypeDesc::Any, Json::Object(m)) => {
            let elem = match ty {
                TypeDesc::Map(e) => e,
                _ => ty,
            };
            let mut out = BTreeMap::new();
            for (k, j) in m {
                let value = under(format!(".{k}"), from_json(ctx, j, elem, strictness))?;
                out.insert(Arc::from(k.as_str()), value);
            }
            Ok(Value::Map(Arc::new(out)))
        }
        (TypeDesc::Int, Json::Number(n)) => n
            .as_i64()
            .map(Value::Int)
            .ok_or_else(|| format!("{n} is not an int").into()),
        (TypeDesc::Float, Json::Number(n)) => n
            .as_f64()
            .map(Value::Float)
            .ok_or_else(|| format!("{n} is not a float").into()),
        (TypeDesc::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
        (TypeDesc::Any, Json::Null) => Ok(Value::None),
        (TypeDesc::Any, Json::Bool(b)) => Ok(Value::Bool(*b)),
        (TypeDesc::Any, Json::Number(n)) => Ok(n
            .as_i64()
            .map_or(Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int)),
        (TypeDesc::Any, Json::String(s)) => Ok(Value::Str(s.as_str().into())),
        (TypeDesc::Any, Json::Array(_)) => from_json(
            ctx,
            json,
            &TypeDesc::List(Box::new(TypeDesc::Any)),
            strictness,
        ),
        // Text is what str, secret and enums are made of.
        (TypeDesc::Str | TypeDesc::Secret | TypeDesc::Enum { .. }, Json::String(s)) => {
            Ok(parse_text(s, ty, &program)?)
        }
        (ty, Json::String(s)) if lenient => Ok(parse_text(s, ty, &program)?),
        (ty, Json::Number(n)) if lenient => Ok(parse_text(&n.to_string(), ty, &program)?),
        (ty, Json::Bool(b)) if lenient => Ok(parse_text(&b.to_string(), ty, &program)?),
        (_, j) if lenient => Err(format!("unexpected {j}").into()),
        // A secret of the wrong kind (`pin: 1234`) is not shown either.
        (TypeDesc::Secret, j) => {
            Err(format!("expected a secret (a string), found {}", kind(j)).into())
        }
        (ty, j) => Err(format!("expected {}, found {}", expected(ty, &program), found(j)).into()),
    }
}

/// What a value of `ty` is, for "expected ..." messages.
fn expected(ty: &TypeDesc, program: &infrac_bytecode::Program) -> String {
    match ty {
        TypeDesc::Int => "an int".into(),
        TypeDesc::Float => "a float".into(),
        TypeDesc::Bool => "a bool (true or false)".into(),
        TypeDesc::Str => "a str".into(),
        TypeDesc::Secret => "a secret (a string)".into(),
        TypeDesc::Enum { name, .. } => format!("a variant of {name} (a string)"),
        TypeDesc::Optional(inner) => format!("{} or null", expected(inner, program)),
        TypeDesc::List(_) => "a list".into(),
        TypeDesc::Map(_) => "a map (an object)".into(),
        TypeDesc::Record(r) => program
            .records
            .get(*r as usize)
            .map_or("a record (an object)".into(), |r| {
                format!("a `{}` (an object)", r.name)
            }),
        _ => "a value of another type".into(),
    }
}

/// What a JSON value is: its kind, and the value itself when it is short.
fn found(json: &Json) -> String {
    match json {
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) if s.chars().count() <= 40 => format!("the string {json}"),
        other => kind(other).into(),
    }
}

/// The kind of a JSON value.
fn kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}
