//! Hosts of `inventory(path, group:)`: the runtime reads the file, this
//! module types each host's variables with the group's data type.

use std::sync::Arc;

use infrac_bytecode::TypeDesc;
use serde_json::Value as Json;

use crate::context::RunContext;
use crate::typed_json::{Strictness, from_json};
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
            ty => from_json(ctx, &Json::Object(h.vars), ty, Strictness::Inventory)
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
