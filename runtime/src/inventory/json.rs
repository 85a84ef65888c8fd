//! infrac's JSON inventory: a list of hosts.
//!
//! ```json
//! [
//!   { "name": "web-1", "address": "10.0.0.11", "port": 22, "user": "deploy",
//!     "identity": "keys/deploy", "groups": ["web"], "data": { "workers": 4 } },
//!   { "name": "box", "connection": "docker" }
//! ]
//! ```
//!
//! Only `name` is required; `connection` is `ssh` (default), `local` or
//! `docker`; `data` holds the host's variables.

use serde_json::{Map, Value};

use super::tree::{self, Kind, Node};
use super::{LineError, Raw, line_error};

/// The fields of a host entry and the Ansible variable each one sets (the
/// resolver reads connection settings from those variables for every format).
const CONNECTION_FIELDS: [(&str, &str); 5] = [
    ("address", "ansible_host"),
    ("port", "ansible_port"),
    ("user", "ansible_user"),
    ("identity", "ansible_ssh_private_key_file"),
    ("connection", "ansible_connection"),
];

pub(super) fn parse(text: &str) -> Result<Raw, LineError> {
    // serde_json says precisely what is wrong with malformed JSON; the tree
    // (JSON is YAML) then gives each host its line.
    if let Err(e) = serde_json::from_str::<Value>(text) {
        return Err(line_error(e.line(), format!("invalid JSON: {e}")));
    }
    let mut raw = Raw::default();
    let Some(root) = tree::load(text)? else {
        return Ok(raw);
    };
    let Kind::Seq(entries) = &root.kind else {
        return Err(line_error(root.line, "a JSON inventory is a list of hosts"));
    };
    for entry in entries {
        read_host(&mut raw, entry)?;
    }
    Ok(raw)
}

fn read_host(raw: &mut Raw, entry: &Node) -> Result<(), LineError> {
    let fields = match &entry.kind {
        Kind::Map(fields) => fields,
        _ => {
            return Err(line_error(
                entry.line,
                "each host is an object with at least a `name`",
            ));
        }
    };
    let mut name = None;
    let mut vars = Map::new();
    let mut groups = Vec::new();
    for field in fields {
        let value = field.value.to_json();
        match field.key.as_str() {
            "name" => match value {
                Value::String(s) if !s.is_empty() => name = Some(s),
                _ => return Err(line_error(field.line, "`name` must be a non-empty string")),
            },
            "groups" => match value {
                Value::Array(items) => {
                    for item in items {
                        match item {
                            Value::String(g) => groups.push(g),
                            _ => {
                                return Err(line_error(
                                    field.line,
                                    "`groups` must be a list of group names",
                                ));
                            }
                        }
                    }
                }
                _ => {
                    return Err(line_error(
                        field.line,
                        "`groups` must be a list of group names",
                    ));
                }
            },
            "data" => match value {
                Value::Object(data) => vars.extend(data),
                _ => return Err(line_error(field.line, "`data` must be an object")),
            },
            key => match CONNECTION_FIELDS.iter().find(|(f, _)| *f == key) {
                Some((_, variable)) => {
                    vars.insert((*variable).to_owned(), value);
                }
                None => {
                    return Err(line_error(
                        field.line,
                        format!(
                            "unknown field `{key}` (expected name, address, port, user, identity, connection, groups, data)"
                        ),
                    ));
                }
            },
        }
    }
    let name = name.ok_or_else(|| line_error(entry.line, "a host has no `name`"))?;
    if raw.has_host(&name) {
        return Err(line_error(
            entry.line,
            format!("host `{name}` is listed twice"),
        ));
    }
    raw.add_host(None, &name, entry.line, vars);
    for group in groups {
        raw.add_host(Some(&group), &name, entry.line, Map::new());
    }
    Ok(())
}
