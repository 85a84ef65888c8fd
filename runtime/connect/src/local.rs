//! The local connector: commands run with `sh -c` on this machine.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::output::read_capped;
use crate::{ConnectorError, ErrorKind, RawOutput, Transport};

/// Runs commands on the machine infrac runs on.
#[derive(Debug, Clone)]
pub struct LocalConnector {
    name: String,
}

impl LocalConnector {
    /// `name` is the inventory name of the host, used in messages.
    pub fn new(name: impl Into<String>) -> Self {
        LocalConnector { name: name.into() }
    }
}

impl Default for LocalConnector {
    fn default() -> Self {
        Self::new("localhost")
    }
}

impl Transport for LocalConnector {
    fn host(&self) -> &str {
        &self.name
    }

    async fn run(
        &self,
        command: &str,
        stdin: Vec<u8>,
        limit: Option<Duration>,
    ) -> Result<RawOutput, ConnectorError> {
        // An absolute path: no search of $PATH for every command.
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c").arg(command);
        run_process(&self.name, cmd, stdin, limit).await
    }

    async fn shutdown(self) -> Result<(), ConnectorError> {
        Ok(())
    }

    fn stops_commands_at_limit(&self) -> bool {
        true
    }
}

/// Runs a prepared local process in its own process group, feeding `stdin`
/// and collecting its output. Past `limit` the whole group is killed.
/// The Docker connector runs its `docker` client processes through this too.
pub(crate) async fn run_process(
    host: &str,
    mut cmd: Command,
    stdin: Vec<u8>,
    limit: Option<Duration>,
) -> Result<RawOutput, ConnectorError> {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| {
        ConnectorError::new(
            host,
            ErrorKind::Io,
            format!("cannot start a local process: {e}"),
        )
    })?;
    let mut group = GroupGuard(child.id().and_then(|pid| libc::pid_t::try_from(pid).ok()));
    if let Some(mut pipe) = child.stdin.take() {
        // Written concurrently with reading the output, so a command that
        // answers before reading all its input cannot deadlock us. A command
        // that exits without reading stdin makes this fail: that is fine.
        tokio::spawn(async move {
            let _ = pipe.write_all(&stdin).await;
        });
    }
    // Both streams at once, each bounded (see `output`), then the exit.
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let cap = crate::output::limit();
    let collect = async {
        let (stdout, stderr) = tokio::try_join!(
            read_capped(host, "stdout", stdout, cap),
            read_capped(host, "stderr", stderr, cap),
        )?;
        let status = child.wait().await.map_err(|e| {
            ConnectorError::new(host, ErrorKind::Io, format!("local process failed: {e}"))
        })?;
        Ok::<_, ConnectorError>(std::process::Output {
            status,
            stdout,
            stderr,
        })
    };
    // Past the limit, or on too much output, the guard kills the group.
    let output = match limit {
        None => collect.await?,
        Some(limit) => tokio::time::timeout(limit, collect)
            .await
            .map_err(|_| ConnectorError::timeout(host, limit))??,
    };
    // The command is over: what it left running in the background is its
    // business.
    group.disarm();
    Ok(RawOutput {
        code: exit_code(&output.status),
        stdout: output.stdout,
        stderr: output.stderr,
    })
}

/// Kills the command's process group when dropped armed: past the time
/// limit, and when the caller stops waiting (its future is dropped, e.g. a
/// cancelled run).
struct GroupGuard(Option<libc::pid_t>);

impl GroupGuard {
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            // SAFETY: killpg has no memory-safety preconditions; the group
            // is the one made with process_group(0) for a child not yet
            // reaped, so the id cannot have been reused.
            unsafe {
                libc::killpg(pid, libc::SIGKILL);
            }
        }
    }
}

/// The exit code, or 128 + the signal number like a shell reports it.
fn exit_code(status: &std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}
