//! Connectors: how commands and files reach a host. The local, SSH and
//! Docker connectors implement the same trait.

use std::future::Future;
use std::path::Path;

pub use infrac_vm::request::CommandOutput;

/// A failure to reach or talk to a host (not a command that exited non-zero).
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorError {
    pub message: String,
}

impl std::fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Options of one command.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions<'a> {
    pub stdin: Option<&'a [u8]>,
    pub env: &'a [(String, String)],
    /// Run through `sudo -n` (or `sudo -S` with a password on stdin) as
    /// this user (`Some(None)`: root).
    pub sudo: Option<Option<&'a str>>,
    pub sudo_password: Option<&'a str>,
    pub timeout: Option<std::time::Duration>,
}

pub trait Connector: Send + Sync {
    /// Runs `script` with `sh -c` on the host.
    fn exec(
        &self,
        script: &str,
        opts: ExecOptions<'_>,
    ) -> impl Future<Output = Result<CommandOutput, ConnectorError>> + Send;

    /// Writes `content` to `remote` atomically: a temporary name in the same
    /// directory, then mode/owner, then rename.
    fn upload(
        &self,
        content: &[u8],
        remote: &str,
        mode: Option<u32>,
        owner: Option<&str>,
        group: Option<&str>,
        sudo: Option<Option<&str>>,
    ) -> impl Future<Output = Result<(), ConnectorError>> + Send;

    fn download(&self, remote: &str, local: &Path) -> impl Future<Output = Result<(), ConnectorError>> + Send;

    fn close(self) -> impl Future<Output = Result<(), ConnectorError>> + Send;
}
