//! Run-time values: small and cheap to clone (`Arc` inside).

use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `none`, and the value of a block without a final expression.
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    /// A secret string: redacted (`***`) whenever it is displayed.
    Secret(Arc<str>),
    /// A command built by `sh"..."`: the shell text with every
    /// interpolation already quoted, and the same text with secrets
    /// replaced by `***` for display.
    Cmd(Arc<Command>),
    List(Arc<Vec<Value>>),
    Map(Arc<BTreeMap<Arc<str>, Value>>),
    /// Records (named, anonymous, fact schemas, `OpResult`,
    /// `CommandResult`, hosts' data): fields by name.
    Record(Arc<BTreeMap<Arc<str>, Value>>),
    Enum {
        ty: Arc<str>,
        variant: Arc<str>,
    },
    /// A target host as seen by the program (`host.name`, `host.data`).
    Host(Arc<HostValue>),
    /// Plan mode and look-ahead only: a value that cannot be known before
    /// the planned changes are made (see `crate::plan`), or before the
    /// host answers.
    Unknown(Arc<Unknown>),
}

/// Why a value is unknown in a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    /// The op call (in the stage body) whose planned change the value
    /// depends on.
    pub module: u32,
    pub span: infrac_bytecode::Span,
    /// What is unknown, for messages: `facts.file("/etc/app.conf")`.
    pub what: String,
}

/// A command built by `sh"..."`: its shell text, in which the secrets it
/// holds stay apart (so that they reach the host off the command line: see
/// [`crate::shell`]), and its display text (secrets as `***`).
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub(crate) pieces: Vec<crate::shell::Piece>,
    pub display: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HostValue {
    pub name: String,
    pub spec: HostSpec,
    pub data: Value,
    /// `sudo: true` on `ssh(...)`/`docker(...)`/`local(...)`: every command
    /// on this host runs through sudo.
    pub sudo: bool,
    /// The host's own sudo password (`sudo_password:`, an inventory's
    /// `ansible_become_password`); else the run's, if any.
    pub sudo_password: Option<SudoPassword>,
}

/// A sudo password; never printed.
#[derive(Clone, PartialEq)]
pub struct SudoPassword(pub Arc<str>);

impl std::fmt::Debug for SudoPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SudoPassword(***)")
    }
}

/// How to reach a host; built by `local()`, `ssh(...)`, `docker(...)`.
#[derive(Debug, Clone, PartialEq)]
pub enum HostSpec {
    Local,
    Ssh {
        address: String,
        user: Option<String>,
        port: Option<u16>,
        identity: Option<String>,
        jump: Option<String>,
    },
    Docker {
        container: String,
        image: Option<String>,
    },
}

impl HostValue {
    /// How the program builds this host, for messages (see
    /// [`HostSpec::describe`]), with `sudo: true` when set.
    pub fn describe(&self) -> String {
        let spec = self.spec.describe();
        match (self.sudo, spec.strip_suffix(')')) {
            (true, Some(open)) if open.ends_with('(') => format!("{open}sudo: true)"),
            (true, Some(open)) => format!("{open}, sudo: true)"),
            _ => spec,
        }
    }
}

impl HostSpec {
    /// The spec as the program would write it, for messages:
    /// `ssh("web-1", port: 2201)`.
    pub fn describe(&self) -> String {
        match self {
            HostSpec::Local => "local()".to_string(),
            HostSpec::Ssh {
                address,
                user,
                port,
                identity,
                jump,
            } => {
                let mut text = format!("ssh({address:?}");
                if let Some(user) = user {
                    text.push_str(&format!(", user: {user:?}"));
                }
                if let Some(port) = port {
                    text.push_str(&format!(", port: {port}"));
                }
                if let Some(identity) = identity {
                    text.push_str(&format!(", identity: {identity:?}"));
                }
                if let Some(jump) = jump {
                    text.push_str(&format!(", jump: {jump:?}"));
                }
                text + ")"
            }
            HostSpec::Docker { container, image } => match image {
                Some(image) => format!("docker({container:?}, image: {image:?})"),
                None => format!("docker({container:?})"),
            },
        }
    }
}
