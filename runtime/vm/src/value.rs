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

#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub script: String,
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
