//! Inventories from outside: an Ansible INI inventory, an Ansible YAML
//! inventory, or a JSON list of hosts, read into one neutral form — the
//! hosts of each group, with how to reach them and their variables.
//!
//! The format is chosen by extension: `.json`, `.yml`/`.yaml`, anything
//! else is INI (Ansible's `hosts` file has no extension).

mod ini;
mod json;
mod pattern;
mod resolve;
pub(crate) mod tree;
mod yaml;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use infrac_vm::controller::InventoryHost;
use infrac_vm::value::{HostSpec, HostValue, SudoPassword};
use serde_json::{Map, Value};

/// A host of an inventory.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    pub name: String,
    /// Where to connect (`ansible_host`); the name when absent.
    pub address: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    /// The private key (`ansible_ssh_private_key_file`).
    pub identity: Option<PathBuf>,
    /// `ansible_connection`: `ssh` (default), `local` or `docker`.
    pub connection: Option<String>,
    /// `ansible_become`: every command runs through sudo (as root).
    pub sudo: bool,
    /// `ansible_become_password` (or `ansible_become_pass`,
    /// `ansible_sudo_pass`): the host's sudo password.
    pub sudo_password: Option<SudoPassword>,
    /// Every other variable, after group and host variables are merged
    /// (Ansible's order: `all`, then parent groups before child groups,
    /// same depth by name, then the host's own).
    pub vars: Map<String, Value>,
    /// The groups the host belongs to, directly or through children, with
    /// `all`, sorted.
    pub groups: Vec<String>,
    /// Where the host is first defined.
    pub origin: Origin,
}

/// A place in an inventory file (1-based line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: PathBuf,
    pub line: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// A problem in an inventory file. Displays as `file:line: message`
/// (`file: message` when it is not about one line).
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryError {
    pub file: PathBuf,
    /// 1-based; 0 when the error is about the whole file.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for InventoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
        }
    }
}

impl std::error::Error for InventoryError {}

/// The hosts of an inventory, in order of first definition, and its groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Inventory {
    pub file: PathBuf,
    pub hosts: Vec<Host>,
    /// Every group (with `all` and `ungrouped`) and the names of its hosts,
    /// those of its children included, in host order.
    pub groups: BTreeMap<String, Vec<String>>,
}

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Ini,
    Yaml,
    Json,
}

impl Format {
    /// By the file's extension; without a known one, a list of objects
    /// (`[{` or `[]`) is JSON, anything else INI (whose `[group]` headers
    /// also start with a bracket).
    pub fn of(path: &Path, text: &str) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Format::Json,
            Some("yml" | "yaml") => Format::Yaml,
            Some("ini") => Format::Ini,
            _ => {
                let mut start = text.trim_start().chars();
                let list = start.next() == Some('[');
                match start.find(|c| !c.is_whitespace()) {
                    Some('{' | ']') if list => Format::Json,
                    _ => Format::Ini,
                }
            }
        }
    }
}

/// The largest inventory file read (a device or a runaway generator must
/// not fill the controller's memory).
const MAX_INVENTORY: u64 = 256 << 20;

impl Inventory {
    /// Reads and parses the inventory at `path`.
    pub fn load(path: &Path) -> Result<Inventory, InventoryError> {
        let text = infrac_vm::local_files::read_regular_text(path, MAX_INVENTORY).map_err(|e| {
            InventoryError {
                file: path.to_owned(),
                line: 0,
                message: format!("cannot read the inventory: {e}"),
            }
        })?;
        Self::parse(path, &text, Format::of(path, &text))
    }

    /// Parses `text`; `file` is only used in messages and origins.
    pub fn parse(file: &Path, text: &str, format: Format) -> Result<Inventory, InventoryError> {
        let fail = |line: usize, message: String| InventoryError {
            file: file.to_owned(),
            line,
            message,
        };
        let raw = match format {
            Format::Ini => ini::parse(text),
            Format::Yaml => yaml::parse(text),
            Format::Json => json::parse(text),
        }
        .map_err(|e| fail(e.line, e.message))?;
        resolve::resolve(raw, file).map_err(|e| fail(e.line, e.message))
    }

    /// The hosts of `group`, in inventory order. An unknown group is an
    /// error that lists the known ones.
    pub fn group(&self, group: &str) -> Result<Vec<&Host>, InventoryError> {
        let Some(names) = self.groups.get(group) else {
            let known: Vec<&str> = self.groups.keys().map(String::as_str).collect();
            return Err(InventoryError {
                file: self.file.clone(),
                line: 0,
                message: format!(
                    "no group `{group}` in the inventory (groups: {})",
                    known.join(", ")
                ),
            });
        };
        Ok(self
            .hosts
            .iter()
            .filter(|h| names.contains(&h.name))
            .collect())
    }

    /// `inventory(path, group:)` in a program's groups: the hosts of the
    /// inventory file at `path` (all of them without `group`).
    pub fn program_hosts(path: &Path, group: Option<&str>) -> Result<Vec<InventoryHost>, String> {
        let inventory = Inventory::load(path).map_err(|e| e.to_string())?;
        let hosts = match group {
            Some(group) => inventory.group(group).map_err(|e| e.to_string())?,
            None => inventory.hosts.iter().collect(),
        };
        Ok(hosts.into_iter().map(Host::program_host).collect())
    }
}

impl Host {
    /// The host as the runtime connects to it (no data).
    pub fn host_value(&self) -> HostValue {
        HostValue {
            name: self.name.clone(),
            spec: self.spec(),
            data: infrac_vm::value::Value::None,
            sudo: self.sudo,
            sudo_password: self.sudo_password.clone(),
        }
    }

    /// The host as a program's `inventory(...)` sees it: with its variables.
    pub fn program_host(&self) -> InventoryHost {
        InventoryHost {
            name: self.name.clone(),
            spec: self.spec(),
            sudo: self.sudo,
            sudo_password: self.sudo_password.clone(),
            origin: self.origin.to_string(),
            vars: self.vars.clone(),
        }
    }

    /// How to reach the host with infrac's connectors.
    pub fn spec(&self) -> HostSpec {
        let address = self.address.clone().unwrap_or_else(|| self.name.clone());
        match self.connection.as_deref() {
            Some("local") => HostSpec::Local,
            Some("docker") => HostSpec::Docker {
                container: address,
                image: None,
            },
            _ => HostSpec::Ssh {
                address,
                user: self.user.clone(),
                port: self.port,
                identity: self.identity.as_ref().map(|p| p.display().to_string()),
                jump: self.jump(),
            },
        }
    }

    /// The jump hosts of `ansible_ssh_common_args` / `ansible_ssh_extra_args`
    /// (`-J a,b`, `-o ProxyJump=a`), comma-separated as `ssh -J` takes them.
    fn jump(&self) -> Option<String> {
        let args = ["ansible_ssh_common_args", "ansible_ssh_extra_args"]
            .iter()
            .filter_map(|key| self.vars.get(*key)?.as_str())
            .flat_map(str::split_whitespace)
            .collect::<Vec<_>>();
        let mut jumps = Vec::new();
        let mut words = args.iter();
        while let Some(word) = words.next() {
            let value = match *word {
                "-J" => words.next().copied(),
                "-o" => words.next().and_then(|o| proxy_jump(o)),
                w => w
                    .strip_prefix("-J")
                    .filter(|v| !v.is_empty())
                    .or_else(|| w.strip_prefix("-o").and_then(proxy_jump)),
            };
            jumps.extend(value.map(|v| v.trim_matches(['\'', '"'])));
        }
        (!jumps.is_empty()).then(|| jumps.join(","))
    }
}

/// The value of a `ProxyJump=HOST` ssh option (any case, `=` or not).
fn proxy_jump(option: &str) -> Option<&str> {
    let (key, value) = option.split_once('=')?;
    key.eq_ignore_ascii_case("ProxyJump").then_some(value)
}

/// A parse error at a line, before the file name is known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LineError {
    pub(crate) line: usize,
    pub(crate) message: String,
}

pub(crate) fn line_error(line: usize, message: impl Into<String>) -> LineError {
    LineError {
        line,
        message: message.into(),
    }
}

/// What every parser produces: groups with their direct hosts, children
/// and variables, and hosts with their own variables.
#[derive(Debug, Default)]
struct Raw {
    groups: Vec<RawGroup>,
    hosts: Vec<RawHost>,
    /// Indexes by name, and the (group, host) pairs already recorded:
    /// reading stays linear in the inventory's size (a range `h[0:99999]`
    /// adds 100,000 hosts).
    group_index: HashMap<String, usize>,
    host_index: HashMap<String, usize>,
    memberships: HashSet<(usize, usize)>,
}

#[derive(Debug)]
struct RawGroup {
    name: String,
    line: usize,
    hosts: Vec<String>,
    children: Vec<String>,
    vars: Map<String, Value>,
}

#[derive(Debug)]
struct RawHost {
    name: String,
    line: usize,
    vars: Map<String, Value>,
}

impl Raw {
    /// The group `name`, created (empty) on first mention.
    fn group(&mut self, name: &str, line: usize) -> &mut RawGroup {
        let index = self.group_at(name, line);
        &mut self.groups[index]
    }

    /// The index of group `name`, created (empty) on first mention.
    fn group_at(&mut self, name: &str, line: usize) -> usize {
        if let Some(&i) = self.group_index.get(name) {
            return i;
        }
        self.groups.push(RawGroup {
            name: name.to_owned(),
            line,
            hosts: Vec::new(),
            children: Vec::new(),
            vars: Map::new(),
        });
        self.group_index
            .insert(name.to_owned(), self.groups.len() - 1);
        self.groups.len() - 1
    }

    fn has_host(&self, name: &str) -> bool {
        self.host_index.contains_key(name)
    }

    /// Adds `host` to `group` (when given) and merges `vars` into the
    /// host's own variables (a later definition wins).
    fn add_host(&mut self, group: Option<&str>, host: &str, line: usize, vars: Map<String, Value>) {
        let h = match self.host_index.get(host) {
            Some(&h) => {
                self.hosts[h].vars.extend(vars);
                h
            }
            None => {
                self.hosts.push(RawHost {
                    name: host.to_owned(),
                    line,
                    vars,
                });
                self.host_index
                    .insert(host.to_owned(), self.hosts.len() - 1);
                self.hosts.len() - 1
            }
        };
        if let Some(group) = group {
            let g = self.group_at(group, line);
            if self.memberships.insert((g, h)) {
                self.groups[g].hosts.push(host.to_owned());
            }
        }
    }

    fn add_child(&mut self, parent: &str, child: &str, line: usize) {
        self.group(child, line);
        let g = self.group(parent, line);
        if !g.children.iter().any(|c| c == child) {
            g.children.push(child.to_owned());
        }
    }
}

#[cfg(test)]
mod tests;
