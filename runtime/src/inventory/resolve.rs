//! From what a parser read to the neutral inventory: group membership
//! through children, `all` and `ungrouped`, variable precedence, and the
//! connection settings taken out of the variables.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{Host, Inventory, LineError, Origin, Raw, RawGroup, line_error};
use infrac_vm::value::SudoPassword;

const ALL: &str = "all";
const UNGROUPED: &str = "ungrouped";

pub(super) fn resolve(mut raw: Raw, file: &Path) -> Result<Inventory, LineError> {
    raw.group(ALL, 1);
    raw.group(UNGROUPED, 1);
    let index: HashMap<&str, usize> = raw
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.name.as_str(), i))
        .collect();
    check_cycles(&raw.groups, &index)?;

    let members: Vec<BTreeSet<&str>> = (0..raw.groups.len())
        .map(|g| descendants_hosts(&raw.groups, &index, g))
        .collect();
    let depth = depths(&raw.groups, &index);

    // Each host's groups, from each group's members: linear in the
    // memberships, not hosts × groups.
    let mut groups_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for (g, names) in members.iter().enumerate() {
        for name in names {
            groups_of.entry(name).or_default().push(g);
        }
    }

    let mut hosts = Vec::with_capacity(raw.hosts.len());
    for host in &raw.hosts {
        let mut in_groups: Vec<usize> = groups_of.remove(host.name.as_str()).unwrap_or_default();
        let named_groups = in_groups
            .iter()
            .filter(|&&g| ![ALL, UNGROUPED].contains(&raw.groups[g].name.as_str()));
        if named_groups.count() == 0 {
            in_groups.push(index[UNGROUPED]);
        }
        in_groups.push(index[ALL]);
        in_groups.sort_by(|&a, &b| {
            (depth[a], &raw.groups[a].name).cmp(&(depth[b], &raw.groups[b].name))
        });
        in_groups.dedup();

        let mut vars = Map::new();
        for &g in &in_groups {
            vars.extend(raw.groups[g].vars.clone());
        }
        vars.extend(host.vars.clone());
        let mut groups: Vec<String> = in_groups
            .iter()
            .map(|&g| raw.groups[g].name.clone())
            .collect();
        groups.sort();
        hosts.push(connection_settings(
            &host.name, vars, groups, host.line, file,
        )?);
    }

    let mut groups: BTreeMap<String, Vec<String>> = raw
        .groups
        .iter()
        .map(|g| (g.name.clone(), Vec::new()))
        .collect();
    for host in &hosts {
        for group in &host.groups {
            if let Some(names) = groups.get_mut(group) {
                names.push(host.name.clone());
            }
        }
    }
    Ok(Inventory {
        file: file.to_owned(),
        hosts,
        groups,
    })
}

/// A group that contains itself through its children cannot be resolved.
fn check_cycles(groups: &[RawGroup], index: &HashMap<&str, usize>) -> Result<(), LineError> {
    // 0: not visited, 1: on the current path, 2: done.
    fn visit(
        g: usize,
        groups: &[RawGroup],
        index: &HashMap<&str, usize>,
        state: &mut [u8],
        path: &mut Vec<usize>,
    ) -> Result<(), LineError> {
        match state[g] {
            2 => return Ok(()),
            1 => {
                let start = path.iter().position(|&p| p == g).unwrap_or(0);
                let cycle: Vec<&str> = path[start..]
                    .iter()
                    .chain([&g])
                    .map(|&p| groups[p].name.as_str())
                    .collect();
                return Err(line_error(
                    groups[g].line,
                    format!(
                        "group `{}` contains itself: {}",
                        groups[g].name,
                        cycle.join(" → ")
                    ),
                ));
            }
            _ => {}
        }
        state[g] = 1;
        path.push(g);
        for child in &groups[g].children {
            if let Some(&c) = index.get(child.as_str()) {
                visit(c, groups, index, state, path)?;
            }
        }
        path.pop();
        state[g] = 2;
        Ok(())
    }
    let mut state = vec![0u8; groups.len()];
    for g in 0..groups.len() {
        visit(g, groups, index, &mut state, &mut Vec::new())?;
    }
    Ok(())
}

/// The hosts of group `g` and of all its descendants (no cycles here).
fn descendants_hosts<'a>(
    groups: &'a [RawGroup],
    index: &HashMap<&str, usize>,
    g: usize,
) -> BTreeSet<&'a str> {
    let mut hosts: BTreeSet<&str> = groups[g].hosts.iter().map(String::as_str).collect();
    for child in &groups[g].children {
        if let Some(&c) = index.get(child.as_str()) {
            hosts.extend(descendants_hosts(groups, index, c));
        }
    }
    hosts
}

/// Ansible's group depth: `all` is 0, a group without parents 1, a child
/// one more than its deepest parent. Deeper groups' variables win.
fn depths(groups: &[RawGroup], index: &HashMap<&str, usize>) -> Vec<usize> {
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for (p, group) in groups.iter().enumerate() {
        for child in &group.children {
            if let Some(&c) = index.get(child.as_str()) {
                parents[c].push(p);
            }
        }
    }
    fn depth(
        g: usize,
        groups: &[RawGroup],
        parents: &[Vec<usize>],
        memo: &mut [Option<usize>],
    ) -> usize {
        if let Some(d) = memo[g] {
            return d;
        }
        let d = if groups[g].name == ALL {
            0
        } else {
            1 + parents[g]
                .iter()
                .filter(|&&p| groups[p].name != ALL)
                .map(|&p| depth(p, groups, parents, memo))
                .max()
                .unwrap_or(0)
        };
        memo[g] = Some(d);
        d
    }
    let mut memo = vec![None; groups.len()];
    (0..groups.len())
        .map(|g| depth(g, groups, &parents, &mut memo))
        .collect()
}

/// Takes the connection settings out of the merged variables.
fn connection_settings(
    name: &str,
    mut vars: Map<String, Value>,
    groups: Vec<String>,
    line: usize,
    file: &Path,
) -> Result<Host, LineError> {
    let mut take = |names: &[&str]| -> Option<(String, Value)> {
        let mut found = None;
        for n in names {
            if let Some(v) = vars.remove(*n) {
                found.get_or_insert(((*n).to_owned(), v));
            }
        }
        found
    };
    let text = |found: Option<(String, Value)>| -> Result<Option<String>, LineError> {
        match found {
            None => Ok(None),
            Some((_, Value::String(s))) => Ok(Some(s)),
            Some((var, other)) => Err(line_error(
                line,
                format!("host `{name}`: `{var}` must be a string, not {other}"),
            )),
        }
    };
    let address = text(take(&["ansible_host", "ansible_ssh_host"]))?;
    let port = match take(&["ansible_port", "ansible_ssh_port"]) {
        None => None,
        Some((var, value)) => {
            let port = match &value {
                Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
                Value::String(s) => s.trim().parse::<u16>().ok(),
                _ => None,
            };
            match port {
                Some(p) if p > 0 => Some(p),
                _ => {
                    return Err(line_error(
                        line,
                        format!("host `{name}`: `{var}` is not a port number: {value}"),
                    ));
                }
            }
        }
    };
    let user = text(take(&["ansible_user", "ansible_ssh_user"]))?;
    let identity = text(take(&[
        "ansible_ssh_private_key_file",
        "ansible_private_key_file",
    ]))?
    .map(|key| {
        // A relative key path is relative to the inventory file.
        let key = PathBuf::from(key);
        match file.parent() {
            Some(dir) if key.is_relative() && !key.starts_with("~") => dir.join(key),
            _ => key,
        }
    });
    let connection = text(take(&["ansible_connection"]))?;
    if let Some(c) = &connection
        && !["ssh", "local", "docker"].contains(&c.as_str())
    {
        return Err(line_error(
            line,
            format!(
                "host `{name}`: connection `{c}` is not supported (expected ssh, local or docker)"
            ),
        ));
    }
    // `ansible_become` means sudo as root here; another user or method
    // would be silently ignored, so it is refused.
    for (var, supported) in [
        ("ansible_become_user", "root"),
        ("ansible_become_method", "sudo"),
    ] {
        if let Some(value) = vars.get(var)
            && value.as_str() != Some(supported)
        {
            return Err(line_error(
                line,
                format!(
                    "host `{name}`: `{var}={}` is not supported: `ansible_become` runs every \
                     command through sudo as root (ops take `sudo_user:` for another user)",
                    value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_string)
                ),
            ));
        }
    }
    // Kept in `vars` too: a program's `inventory(...)` sees every variable.
    let sudo = vars.get("ansible_become").is_some_and(is_truthy);
    // Taken out of `vars`: it reaches sudo, never a program's `host.data`.
    let sudo_password = [
        "ansible_become_password",
        "ansible_become_pass",
        "ansible_sudo_pass",
    ]
    .map(|var| vars.remove(var))
    .into_iter()
    .flatten()
    .next()
    .map(|value| match value {
        Value::String(s) => Ok(SudoPassword(s.into())),
        _ => Err(line_error(
            line,
            format!("host `{name}`: the sudo password must be a string"),
        )),
    })
    .transpose()?;
    Ok(Host {
        name: name.to_owned(),
        address,
        port,
        user,
        identity,
        connection,
        sudo,
        sudo_password,
        vars,
        groups,
        origin: Origin {
            file: file.to_owned(),
            line,
        },
    })
}

/// Ansible's booleans: `true`, `yes`, `1` (any case).
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64() == Some(1),
        Value::String(s) => ["true", "yes", "1"].contains(&s.to_ascii_lowercase().as_str()),
        _ => false,
    }
}
