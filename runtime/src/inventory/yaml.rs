//! Ansible's YAML inventory format.
//!
//! ```yaml
//! all:
//!   vars: { ntp_server: ntp.example.com }
//!   hosts:
//!     mail.example.com:
//!   children:
//!     web:
//!       hosts:
//!         web[01:03].example.com: { http_port: 8080 }
//!       vars: { ansible_user: deploy }
//! ```
//!
//! The top level maps group names to groups; a group has optional `hosts`
//! (host name → its variables, or nothing), `vars` and `children` (group
//! name → group).

use serde_json::{Map, Value};

use super::pattern::expand;
use super::tree::{self, Node};
use super::{LineError, Raw, line_error};

pub(super) fn parse(text: &str) -> Result<Raw, LineError> {
    let mut raw = Raw::default();
    let Some(root) = tree::load(text)? else { return Ok(raw) };
    for (name, group) in root.entries("the top level of a YAML inventory (groups)")? {
        read_group(&mut raw, name, group)?;
    }
    Ok(raw)
}

fn read_group(raw: &mut Raw, name: &str, group: &Node) -> Result<(), LineError> {
    raw.group(name, group.line);
    for (key, value) in group.entries(&format!("group `{name}`"))? {
        match key.as_str() {
            "hosts" => {
                for (pattern, vars) in value.entries(&format!("`hosts` of group `{name}`"))? {
                    let vars = variables(vars, &format!("host `{pattern}`"))?;
                    for host in expand(pattern).map_err(|m| line_error(vars_line(value, pattern), m))? {
                        raw.add_host(Some(name), &host, vars_line(value, pattern), vars.clone());
                    }
                }
            }
            "vars" => {
                let vars = variables(value, &format!("`vars` of group `{name}`"))?;
                raw.group(name, group.line).vars.extend(vars);
            }
            "children" => {
                for (child, child_group) in value.entries(&format!("`children` of group `{name}`"))? {
                    raw.add_child(name, child, child_group.line);
                    read_group(raw, child, child_group)?;
                }
            }
            other => {
                return Err(line_error(
                    value.line,
                    format!("unknown key `{other}` in group `{name}` (expected hosts, vars or children)"),
                ));
            }
        }
    }
    Ok(())
}

/// The line of the entry `key` in `map` (the key's line: a host with no
/// variables has no node of its own worth pointing at).
fn vars_line(map: &Node, key: &str) -> usize {
    match &map.kind {
        tree::Kind::Map(entries) => entries.iter().find(|(k, _)| k == key).map_or(map.line, |(_, v)| v.line),
        _ => map.line,
    }
}

fn variables(node: &Node, what: &str) -> Result<Map<String, Value>, LineError> {
    Ok(node.entries(&format!("the variables of {what}"))?.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
}
