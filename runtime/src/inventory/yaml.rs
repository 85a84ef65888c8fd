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
use super::tree::{self, Entry, Node};
use super::{LineError, Raw, line_error};

pub(super) fn parse(text: &str) -> Result<Raw, LineError> {
    let mut raw = Raw::default();
    let Some(root) = tree::load(text)? else {
        return Ok(raw);
    };
    for entry in root.entries("the top level of a YAML inventory (groups)")? {
        read_group(&mut raw, &entry.key, &entry.value)?;
    }
    Ok(raw)
}

fn read_group(raw: &mut Raw, name: &str, group: &Node) -> Result<(), LineError> {
    raw.group(name, group.line);
    for Entry { key, line, value } in group.entries(&format!("group `{name}`"))? {
        match key.as_str() {
            "hosts" => {
                for host in value.entries(&format!("`hosts` of group `{name}`"))? {
                    let vars = variables(&host.value, &format!("host `{}`", host.key))?;
                    for expanded in expand(&host.key).map_err(|m| line_error(host.line, m))? {
                        raw.add_host(Some(name), &expanded, host.line, vars.clone());
                    }
                }
            }
            "vars" => {
                let vars = variables(value, &format!("`vars` of group `{name}`"))?;
                raw.group(name, group.line).vars.extend(vars);
            }
            "children" => {
                for child in value.entries(&format!("`children` of group `{name}`"))? {
                    raw.add_child(name, &child.key, child.line);
                    read_group(raw, &child.key, &child.value)?;
                }
            }
            other => {
                return Err(line_error(
                    *line,
                    format!(
                        "unknown key `{other}` in group `{name}` (expected hosts, vars or children)"
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn variables(node: &Node, what: &str) -> Result<Map<String, Value>, LineError> {
    let entries = node.entries(&format!("the variables of {what}"))?;
    Ok(entries
        .iter()
        .map(|e| (e.key.clone(), e.value.to_json()))
        .collect())
}
