//! The Docker connector: commands run with `docker exec -i` in a running
//! container, either an existing one or a throwaway container started from
//! a local image for the run (no network) and removed at close.

use std::time::Duration;

use tokio::process::Command;

use crate::local::run_process;
use crate::shell::quote;
use crate::{ConnectorError, ErrorKind, RawOutput, Transport};

/// A container to run commands in.
#[derive(Debug)]
pub struct DockerConnector {
    name: String,
    container: String,
    /// `docker exec -u`; `None`: the image's user.
    user: Option<String>,
    /// Started by us: removed at close.
    throwaway: bool,
}

impl DockerConnector {
    /// Uses the running container `container` (a name or an id). `name` is
    /// the inventory name, used in messages.
    pub async fn attach(
        name: &str,
        container: &str,
        user: Option<&str>,
    ) -> Result<Self, ConnectorError> {
        refuse_option(name, "container", container)?;
        let connector = DockerConnector {
            name: name.to_owned(),
            container: container.to_owned(),
            user: user.map(str::to_owned),
            throwaway: false,
        };
        connector.ensure_running(ErrorKind::Unreachable).await?;
        Ok(connector)
    }

    /// Starts a throwaway container from the local `image` with no network;
    /// [`Transport::shutdown`] (and so `close`) removes it. The image must
    /// have `sh` and `sleep`. `--init` gives it a PID 1 that reaps orphans,
    /// like a real host.
    pub async fn start(
        name: &str,
        image: &str,
        user: Option<&str>,
    ) -> Result<Self, ConnectorError> {
        refuse_option(name, "image", image)?;
        let out = docker(
            name,
            &[
                "run",
                "-d",
                "--network",
                "none",
                "--init",
                "--label",
                "infrac.throwaway=1",
                "--entrypoint",
                "sleep",
                "--",
                image,
                "infinity",
            ],
        )
        .await?;
        if out.code != 0 {
            return Err(ConnectorError::new(
                name,
                ErrorKind::Unreachable,
                format!(
                    "cannot start a container from image {image}: {}",
                    stderr_line(&out)
                ),
            ));
        }
        let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        Ok(DockerConnector {
            name: name.to_owned(),
            container: id,
            user: user.map(str::to_owned),
            throwaway: true,
        })
    }

    /// The container's name or id.
    pub fn container(&self) -> &str {
        &self.container
    }

    async fn ensure_running(&self, kind: ErrorKind) -> Result<(), ConnectorError> {
        let out = docker(
            &self.name,
            &["inspect", "-f", "{{.State.Running}}", "--", &self.container],
        )
        .await?;
        let running = out.code == 0 && String::from_utf8_lossy(&out.stdout).trim() == "true";
        if running {
            return Ok(());
        }
        let why = if out.code != 0 {
            stderr_line(&out)
        } else {
            "it is not running".to_owned()
        };
        let message = match kind {
            ErrorKind::Unreachable => {
                format!("cannot connect to container {}: {why}", self.container)
            }
            _ => format!("container {}: {why}", self.container),
        };
        Err(ConnectorError::new(&self.name, kind, message))
    }
}

impl Transport for DockerConnector {
    fn host(&self) -> &str {
        &self.name
    }

    async fn run(
        &self,
        command: &str,
        stdin: Vec<u8>,
        limit: Option<Duration>,
    ) -> Result<RawOutput, ConnectorError> {
        let mut cmd = Command::new("docker");
        cmd.arg("exec").arg("-i");
        if let Some(user) = &self.user {
            cmd.arg("-u").arg(user);
        }
        cmd.arg("--")
            .arg(&self.container)
            .arg("sh")
            .arg("-c")
            .arg(command);
        let out = run_process(&self.name, cmd, stdin, limit).await?;
        // The docker client exits non-zero with a daemon error when the
        // container is gone; a command can print that too, so ask docker.
        if out.code != 0 && out.stderr.starts_with(b"Error response from daemon") {
            self.ensure_running(ErrorKind::ConnectionLost).await?;
        }
        Ok(out)
    }

    async fn shutdown(mut self) -> Result<(), ConnectorError> {
        if !self.throwaway {
            return Ok(());
        }
        // Whatever happens now, Drop must not try again.
        self.throwaway = false;
        let out = docker(&self.name, &["rm", "-f", "--", &self.container]).await?;
        if out.code != 0 {
            return Err(ConnectorError::new(
                &self.name,
                ErrorKind::Io,
                format!(
                    "cannot remove container {}: {}",
                    self.container,
                    stderr_line(&out)
                ),
            ));
        }
        Ok(())
    }
}

/// A throwaway container that was not closed (an error or a panic on the
/// way) is still removed, in the background: it must not outlive the run.
impl Drop for DockerConnector {
    fn drop(&mut self) {
        if self.throwaway {
            let _ = std::process::Command::new("docker")
                .args(["rm", "-f", "--", &self.container])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
        }
    }
}

/// A container or image name that docker would read as an option
/// (`--privileged`) is refused: names and references never start with `-`.
fn refuse_option(host: &str, what: &str, value: &str) -> Result<(), ConnectorError> {
    if value.is_empty() || value.starts_with('-') {
        return Err(ConnectorError::new(
            host,
            ErrorKind::Invalid,
            format!("{value:?} is not a docker {what} name"),
        ));
    }
    Ok(())
}

/// Runs the docker client with `args` (a bounded time: these are quick
/// requests to the engine).
async fn docker(host: &str, args: &[&str]) -> Result<RawOutput, ConnectorError> {
    let mut cmd = Command::new("docker");
    cmd.args(args);
    run_process(host, cmd, Vec::new(), Some(Duration::from_secs(60)))
        .await
        .map_err(|e| {
            let line = args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ");
            ConnectorError::new(host, e.kind, format!("docker {line}: {}", e.message))
        })
}

fn stderr_line(out: &RawOutput) -> String {
    let text = String::from_utf8_lossy(&out.stderr);
    let text = text.trim();
    let text = ["Error response from daemon: ", "Error: "]
        .iter()
        .fold(text, |t, prefix| t.strip_prefix(prefix).unwrap_or(t));
    if text.is_empty() {
        format!("docker exited with status {}", out.code)
    } else {
        text.replace('\n', " ")
    }
}
