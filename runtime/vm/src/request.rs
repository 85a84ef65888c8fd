//! What a VM asks its driver to do. The VM never performs I/O itself: it
//! halts with a [`Request`], the async driver performs it over the host's
//! connector and resumes the VM with the [`Response`].

use crate::value::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Run a command on the host. `changing` is false for `probe`.
    Exec(ExecRequest),
    /// Read native facts (declared without a body in the standard library)
    /// that are not in the VM's cache, each as the user it names: one round
    /// trip per distinct user. The response is `Response::Facts` with one
    /// result per entry, in order.
    ReadFacts(Vec<FactQuery>),
    /// Upload a controller file (or literal content) to the host, atomically.
    Upload(UploadRequest),
    /// Commands the VM went past without waiting for (nothing reads their
    /// results), then the request it halted for: to perform in order, in
    /// one round trip where the connection allows. The response is
    /// `Response::Batch`.
    Batch(Batch),
    /// Wait this many seconds (on the controller) before the next attempt
    /// of a retried call; the response is `Response::Done` (its output
    /// unused).
    Sleep(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub deferred: Vec<Deferred>,
    /// `None`: only the deferred commands (before an op returns a result
    /// that is used, before the stage ends or the host fails).
    pub then: Option<Box<Request>>,
}

/// A changing command whose result nothing reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Deferred {
    /// `check`: a non-zero exit status fails the host (and stops the batch).
    Exec {
        exec: ExecRequest,
        check: bool,
    },
    Upload(UploadRequest),
    /// Check that a fact the commands before it may have changed is as it
    /// was when the batch began (the VM went on with that value). A
    /// changed fact stops the batch; the response carries its new value.
    Verify(FactQuery),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExecRequest {
    /// Shell text, run with `sh -c`. Secrets are references to shell
    /// variables (`"$infrac_s0"`) set from `secrets`.
    pub script: String,
    /// The values of the secrets the script refers to, in order: sent on
    /// the command's stdin, never on a command line.
    pub secrets: CommandSecrets,
    /// The text to show (secrets redacted).
    pub display: String,
    pub stdin: Option<String>,
    pub sudo: Option<Sudo>,
    pub changing: bool,
}

/// The secret values of a command ([`ExecRequest::secrets`]); their
/// `Debug` shows only how many there are.
#[derive(Clone, PartialEq, Default)]
pub struct CommandSecrets {
    pub values: Vec<std::sync::Arc<str>>,
    /// A nested shell of the command refers to them (`sh -c {inner}`):
    /// exported. Otherwise they stay variables of the command's own shell,
    /// out of every child's environment.
    pub exported: bool,
}

impl std::fmt::Debug for CommandSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CommandSecrets({} secrets)", self.values.len())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sudo {
    /// `None`: root.
    pub user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FactKey {
    pub name: String,
    /// The arguments, rendered as JSON-like text so that keys compare and
    /// hash (they are only str / int / bool values in practice).
    pub args: Vec<FactArg>,
}

impl FactKey {
    /// `facts.NAME` or `facts.NAME(args)`, as a program writes it (strings
    /// quoted): how messages and plans name a fact.
    pub fn label(&self) -> String {
        if self.args.is_empty() {
            return format!("facts.{}", self.name);
        }
        let args: Vec<String> = self
            .args
            .iter()
            .map(|a| match a {
                FactArg::Str(s) => format!("{s:?}"),
                FactArg::Int(n) => n.to_string(),
                FactArg::Bool(b) => b.to_string(),
            })
            .collect();
        format!("facts.{}({})", self.name, args.join(", "))
    }
}

/// A fact read as one user: what a fact read asks for, and the key of the
/// VM's fact cache (the same fact may differ between users: a file only
/// root can read, `crontab -l` of another user).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FactQuery {
    pub key: FactKey,
    /// Read through sudo, like a command's (`None`: as the login user).
    pub sudo: Option<Sudo>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FactArg {
    Str(String),
    Int(i64),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub struct UploadRequest {
    pub source: UploadSource,
    pub remote: String,
    pub mode: Option<u32>,
    pub owner: Option<String>,
    pub group: Option<String>,
    pub sudo: Option<Sudo>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UploadSource {
    LocalFile(std::path::PathBuf),
    Content(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// Result of `Exec` or `Upload`.
    Done(CommandOutput),
    Facts(Vec<Result<Value, String>>),
    /// The outputs of a `Request::Batch`'s deferred commands, in order, up
    /// to and including the first that failed (a checked command with a
    /// non-zero status, an upload refused); then the response to `then`,
    /// performed only when none failed.
    Batch {
        done: Vec<CommandOutput>,
        /// The host went away (the connection, the container) while it ran
        /// the command after those `done` (the deferred one at
        /// `done.len()`, else `then`): why.
        lost: Option<String>,
        /// The last of `done` is a `Deferred::Verify` whose fact changed:
        /// its value now (or why it cannot be read).
        changed: Option<Result<Value, String>>,
        then: Option<Box<Response>>,
    },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommandOutput {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}
