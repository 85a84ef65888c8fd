//! Connectors: how commands and files reach a host. The local, SSH and
//! Docker connectors implement the same trait.
//!
//! Each connector is a [`Transport`]: it only knows how to run one `sh -c`
//! command line with some stdin. Everything else — environment, sudo,
//! timeouts, atomic uploads, downloads — is shell text built once in
//! [`shell`] and shared by all of them through the blanket [`Connector`]
//! implementation.

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

mod any;
pub mod docker;
mod error;
pub mod limits;
pub mod local;
pub mod output;
pub mod shell;
pub mod ssh;

pub use any::{AnyConnector, Target};
pub use docker::DockerConnector;
pub use error::{ConnectorError, ErrorKind};
pub use local::LocalConnector;
pub use ssh::{KnownHostsPolicy, SshConnector, SshOptions};

/// Options of one command.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions<'a> {
    pub stdin: Option<&'a [u8]>,
    /// Exported inside the script, so they survive sudo.
    pub env: &'a [(String, String)],
    /// The values of the shell variables `infrac_s0`, `infrac_s1`, ... the
    /// script refers to: sent on stdin (after the sudo password) and read
    /// by the script's first lines, exported (so that nested `sh -c` see
    /// them) — never on a command line (see [`shell`]).
    pub secrets: &'a [std::sync::Arc<str>],
    /// Export the secrets' variables (a nested shell of the command needs
    /// them); else they stay out of every child's environment.
    pub export_secrets: bool,
    /// Run through `sudo -n` as this user (`Some(None)`: root); directly
    /// when already that user.
    pub sudo: Option<Option<&'a str>>,
    /// For sudo: sent on stdin ahead of the command's input and handed to
    /// sudo by a private askpass helper — never in argv, never seen by
    /// the command (see [`shell`]).
    pub sudo_password: Option<&'a str>,
    /// Enforced on the host with coreutils `timeout` (the command's
    /// process group is killed there), or by the transport itself where it
    /// can ([`Transport::stops_commands_at_limit`]); past it the call
    /// returns an error of kind [`ErrorKind::Timeout`].
    pub timeout: Option<std::time::Duration>,
    /// The script this command is part of has set the shell variable
    /// `infrac_login` to the login user's name (a batch of commands does,
    /// once), so sudo's wrapper need not run `id` to compare it.
    pub login_name_set: bool,
}

/// Options of one upload.
#[derive(Debug, Clone, Default)]
pub struct UploadOptions<'a> {
    /// The mode of the file; an existing file's mode is kept when absent.
    pub mode: Option<u32>,
    pub owner: Option<&'a str>,
    pub group: Option<&'a str>,
    /// Write as this user through sudo (`Some(None)`: root).
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

    /// Writes `content` to `remote` atomically and safely in a directory
    /// other users can write to: see [`shell::upload`].
    fn upload(
        &self,
        content: &[u8],
        remote: &str,
        mode: Option<u32>,
        owner: Option<&str>,
        group: Option<&str>,
        sudo: Option<Option<&str>>,
    ) -> impl Future<Output = Result<(), ConnectorError>> + Send;

    /// [`Connector::upload`] with every option: also a sudo password and
    /// a timeout.
    fn upload_with(
        &self,
        content: &[u8],
        remote: &str,
        opts: UploadOptions<'_>,
    ) -> impl Future<Output = Result<(), ConnectorError>> + Send;

    fn download(
        &self,
        remote: &str,
        local: &Path,
    ) -> impl Future<Output = Result<(), ConnectorError>> + Send;

    fn close(self) -> impl Future<Output = Result<(), ConnectorError>> + Send;
}

/// Exit status and output (as text) of one command.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommandOutput {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Exit status and raw output of one command line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawOutput {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl RawOutput {
    /// As text (invalid UTF-8 replaced).
    pub fn into_output(self) -> CommandOutput {
        CommandOutput {
            code: self.code,
            stdout: String::from_utf8_lossy(&self.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&self.stderr).into_owned(),
        }
    }
}

/// The one primitive a connector provides: run a command line with `sh -c`
/// on its host. [`Connector`] is implemented on top of it for every
/// transport.
pub trait Transport: Send + Sync {
    /// The host's name, for error messages.
    fn host(&self) -> &str;

    /// Runs `command` with `sh -c`, writes `stdin` to it and closes stdin.
    /// `limit` is a last-resort bound: past it the transport abandons (and
    /// where it can, kills) the command and returns an error of kind
    /// [`ErrorKind::Timeout`].
    fn run(
        &self,
        command: &str,
        stdin: Vec<u8>,
        limit: Option<Duration>,
    ) -> impl Future<Output = Result<RawOutput, ConnectorError>> + Send;

    /// Ends the connection.
    fn shutdown(self) -> impl Future<Output = Result<(), ConnectorError>> + Send;

    /// Whether [`Transport::run`] itself stops the whole command at `limit`
    /// (the local transport kills its process group). Then commands are not
    /// wrapped in the host-side `timeout`, which costs two more processes
    /// per command.
    fn stops_commands_at_limit(&self) -> bool {
        false
    }
}

/// How long past the host-side `timeout` the transport waits before
/// abandoning the command itself.
const TIMEOUT_GRACE: Duration = Duration::from_secs(5);

impl<T: Transport> Connector for T {
    async fn exec(
        &self,
        script: &str,
        opts: ExecOptions<'_>,
    ) -> Result<CommandOutput, ConnectorError> {
        Ok(run_checked(self, script, &opts).await?.into_output())
    }

    async fn upload(
        &self,
        content: &[u8],
        remote: &str,
        mode: Option<u32>,
        owner: Option<&str>,
        group: Option<&str>,
        sudo: Option<Option<&str>>,
    ) -> Result<(), ConnectorError> {
        let opts = UploadOptions {
            mode,
            owner,
            group,
            sudo,
            ..Default::default()
        };
        self.upload_with(content, remote, opts).await
    }

    async fn upload_with(
        &self,
        content: &[u8],
        remote: &str,
        opts: UploadOptions<'_>,
    ) -> Result<(), ConnectorError> {
        let upload = shell::upload(remote, content, opts.mode, opts.owner, opts.group, true);
        let exec = ExecOptions {
            stdin: Some(&upload.stdin),
            sudo: opts.sudo,
            sudo_password: opts.sudo_password,
            timeout: opts.timeout,
            ..Default::default()
        };
        let raw = run_checked(self, &upload.command, &exec).await?;
        if raw.code != 0 {
            return Err(ConnectorError::new(
                self.host(),
                ErrorKind::Transfer,
                format!("cannot upload to {remote}: {}", failure_text(&raw)),
            ));
        }
        Ok(())
    }

    async fn download(&self, remote: &str, local: &Path) -> Result<(), ConnectorError> {
        let script = shell::download_script(remote);
        let raw = run_checked(self, &script, &ExecOptions::default()).await?;
        if raw.code != 0 {
            return Err(ConnectorError::new(
                self.host(),
                ErrorKind::Transfer,
                format!("cannot download {remote}: {}", failure_text(&raw)),
            ));
        }
        write_atomically(local, &raw.stdout).await.map_err(|e| {
            ConnectorError::new(
                self.host(),
                ErrorKind::Io,
                format!("cannot write {}: {e}", local.display()),
            )
        })
    }

    async fn close(self) -> Result<(), ConnectorError> {
        self.shutdown().await
    }
}

/// Runs `script` with its options and turns a host-side timeout into an error.
async fn run_checked<T: Transport>(
    t: &T,
    script: &str,
    opts: &ExecOptions<'_>,
) -> Result<RawOutput, ConnectorError> {
    if t.stops_commands_at_limit() {
        let unwrapped = ExecOptions {
            timeout: None,
            ..opts.clone()
        };
        let inv = shell::invocation(script, &unwrapped)
            .map_err(|e| ConnectorError::new(t.host(), ErrorKind::Invalid, e.to_string()))?;
        return t.run(&inv.command, inv.stdin, opts.timeout).await;
    }
    let inv = shell::invocation(script, opts)
        .map_err(|e| ConnectorError::new(t.host(), ErrorKind::Invalid, e.to_string()))?;
    let started = Instant::now();
    let raw = t
        .run(
            &inv.command,
            inv.stdin,
            opts.timeout.map(|d| d + TIMEOUT_GRACE),
        )
        .await?;
    match opts.timeout {
        // `timeout` exits 124 when it had to stop the command; a command
        // that exits 124 by itself before the limit is not a timeout.
        Some(limit) if raw.code == shell::TIMEOUT_STATUS && started.elapsed() >= limit => {
            Err(ConnectorError::timeout(t.host(), limit))
        }
        _ => Ok(raw),
    }
}

fn failure_text(raw: &RawOutput) -> String {
    let stderr = String::from_utf8_lossy(&raw.stderr);
    let stderr = stderr.trim();
    if stderr.is_empty() {
        format!("exit status {}", raw.code)
    } else {
        format!("{stderr} (exit status {})", raw.code)
    }
}

/// Writes `content` to `path` through a temporary file in the same directory.
async fn write_atomically(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let content = content.to_vec();
    let path = path.to_owned();
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
        tmp.write_all(&content)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    })
    .await
    .map_err(std::io::Error::other)?
}
