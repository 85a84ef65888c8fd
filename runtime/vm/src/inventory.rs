//! Hosts of `inventory(path, group:)`: the runtime reads the file, this
//! module types each host's variables with the group's data type.

use std::sync::Arc;

use infrac_bytecode::TypeDesc;
use serde_json::Value as Json;

use crate::context::RunContext;
use crate::controller::{parse_text, run_function};
use crate::value::{HostSpec, HostValue, SudoPassword, Value};

/// A host as an inventory reader found it.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryHost {
    pub name: String,
    pub spec: HostSpec,
    /// `ansible_become` and the like: run every command through sudo.
    pub sudo: bool,
    /// `ansible_become_password` and the like.
    pub sudo_password: Option<SudoPassword>,
    /// Where the inventory defines it (`hosts.ini:12`), for messages.
    pub origin: String,
    /// Its variables (group and host variables merged). Those named like
    /// the fields of the group's data type become `host.data`; the others
    /// are ignored.
    pub vars: serde_json::Map<String, Json>,
}

/// The host values of an inventory's hosts, their data of type `data`.
pub fn host_values(
    ctx: &Arc<RunContext>,
    hosts: Vec<InventoryHost>,
    data: &TypeDesc,
) -> Result<Value, String> {
    let mut out = Vec::with_capacity(hosts.len());
    for h in hosts {
        let data = match data {
            TypeDesc::Unit => Value::None,
            ty => from_json(ctx, &Json::Object(h.vars), ty)
                .map_err(|e| format!("{}: host `{}`: {e}", h.origin, h.name))?,
        };
        out.push(Value::Host(Arc::new(HostValue {
            name: h.name,
            spec: h.spec,
            data,
            sudo: h.sudo,
            sudo_password: h.sudo_password,
        })));
    }
    Ok(Value::List(Arc::new(out)))
}

/// Converts inventory data to a value of type `ty`. Text is accepted
/// wherever a scalar is expected (INI inventories only have text).
fn from_json(ctx: &Arc<RunContext>, json: &Json, ty: &TypeDesc) -> Result<Value, String> {
    let program = Arc::clone(ctx.program());
    match (ty, json) {
        (TypeDesc::Optional(_), Json::Null) => Ok(Value::None),
        (TypeDesc::Optional(inner), j) => from_json(ctx, j, inner),
        (TypeDesc::Record(r), Json::Object(fields)) => {
            let def = program
                .records
                .get(*r as usize)
                .ok_or("internal: unknown record type")?;
            let mut out = std::collections::BTreeMap::new();
            for f in &def.fields {
                let value = match (fields.get(&*f.name), f.default, &f.ty) {
                    (Some(j), _, ty) => {
                        from_json(ctx, j, ty).map_err(|e| format!("`{}`: {e}", f.name))?
                    }
                    (None, Some(func), _) => run_function(ctx, func).map_err(|e| e.message)?,
                    (None, None, TypeDesc::Optional(_)) => Value::None,
                    (None, None, _) => return Err(format!("the variable `{}` is missing", f.name)),
                };
                out.insert(Arc::clone(&f.name), value);
            }
            Ok(Value::Record(Arc::new(out)))
        }
        (TypeDesc::List(elem), Json::Array(items)) => {
            let items = items
                .iter()
                .map(|j| from_json(ctx, j, elem))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::List(Arc::new(items)))
        }
        (TypeDesc::Map(_) | TypeDesc::Any, Json::Object(m)) => {
            let elem = match ty {
                TypeDesc::Map(e) => e,
                _ => ty,
            };
            let mut out = std::collections::BTreeMap::new();
            for (k, j) in m {
                out.insert(Arc::from(k.as_str()), from_json(ctx, j, elem)?);
            }
            Ok(Value::Map(Arc::new(out)))
        }
        (TypeDesc::Int, Json::Number(n)) => n
            .as_i64()
            .map(Value::Int)
            .ok_or_else(|| format!("{n} is not an int")),
        (TypeDesc::Float, Json::Number(n)) => n
            .as_f64()
            .map(Value::Float)
            .ok_or_else(|| format!("{n} is not a float")),
        (TypeDesc::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
        (TypeDesc::Any, Json::Null) => Ok(Value::None),
        (TypeDesc::Any, Json::Bool(b)) => Ok(Value::Bool(*b)),
        (TypeDesc::Any, Json::Number(n)) => Ok(n
            .as_i64()
            .map_or(Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int)),
        (TypeDesc::Any, Json::String(s)) => Ok(Value::Str(s.as_str().into())),
        (TypeDesc::Any, Json::Array(_)) => {
            from_json(ctx, json, &TypeDesc::List(Box::new(TypeDesc::Any)))
        }
        (ty, Json::String(s)) => parse_text(s, ty, &program),
        (ty, Json::Number(n)) => parse_text(&n.to_string(), ty, &program),
        (ty, Json::Bool(b)) => parse_text(&b.to_string(), ty, &program),
        (_, j) => Err(format!("unexpected {j}")),
    }
}
