//! The SSH connector: one OpenSSH master connection per host (ControlMaster,
//! driven by the `openssh` crate with its native mux client); every command
//! is a new channel on that connection.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use openssh::{ControlPersist, KnownHosts, Session, SessionBuilder, Stdio};
use tokio::io::AsyncWriteExt;

mod handshake;
mod persist;

use crate::output::read_capped;
use crate::shell::quote;
use crate::{ConnectorError, ErrorKind, RawOutput, Transport};

/// What to do with a host key that is not in known_hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KnownHostsPolicy {
    /// Refuse unknown and changed keys (`StrictHostKeyChecking=yes`).
    #[default]
    Strict,
    /// Record unknown keys, refuse changed ones (`accept-new`).
    AcceptNew,
    /// Accept any key (`no`). Only for throwaway test machines.
    Off,
}

/// How to reach one SSH host. Unset fields fall back to the user's
/// `~/.ssh/config` (or `config_file`) and then to ssh's defaults.
#[derive(Debug, Clone)]
pub struct SshOptions {
    pub user: Option<String>,
    pub port: Option<u16>,
    pub identity_file: Option<PathBuf>,
    /// Replaces `~/.ssh/config` (like `ssh -F`).
    pub config_file: Option<PathBuf>,
    /// ProxyJump hosts, in order (`ssh -J a,b`).
    pub jump_hosts: Vec<String>,
    pub connect_timeout: Duration,
    /// How often ssh checks that the server still answers; after three
    /// unanswered checks the connection counts as lost (instead of
    /// commands hanging on a dead link). `None`: ssh's setting.
    pub server_alive_interval: Option<Duration>,
    pub known_hosts: KnownHostsPolicy,
    /// Replaces `~/.ssh/known_hosts`.
    pub known_hosts_file: Option<PathBuf>,
    /// Where the control socket lives (default: ssh state dir of the user).
    /// Unix socket paths are short (about 100 bytes): keep this short.
    /// Not used for persisted connections (see `persist`).
    pub control_directory: Option<PathBuf>,
    /// Keep the master connection this long after the run's last use, for
    /// the next run with the same options to reuse (`ControlPersist`);
    /// `None`: close it at the end of the run.
    pub persist: Option<NonZeroUsize>,
}

impl Default for SshOptions {
    fn default() -> Self {
        SshOptions {
            user: None,
            port: None,
            identity_file: None,
            config_file: None,
            jump_hosts: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            server_alive_interval: Some(Duration::from_secs(15)),
            known_hosts: KnownHostsPolicy::Strict,
            known_hosts_file: None,
            control_directory: None,
            persist: None,
        }
    }
}

impl SshOptions {
    /// Warnings the caller should show before connecting (a relaxed
    /// host key policy).
    pub fn warnings(&self) -> Vec<String> {
        match self.known_hosts {
            KnownHostsPolicy::Strict => vec![],
            KnownHostsPolicy::AcceptNew => {
                vec![
                    "host keys not in known_hosts are accepted and recorded without verification"
                        .into(),
                ]
            }
            KnownHostsPolicy::Off => {
                vec!["host key checking is off: connections can be intercepted".into()]
            }
        }
    }

    fn builder(&self) -> SessionBuilder {
        let mut b = SessionBuilder::default();
        if let Some(user) = &self.user {
            b.user(user.clone());
        }
        if let Some(port) = self.port {
            b.port(port);
        }
        if let Some(key) = &self.identity_file {
            b.keyfile(key);
        }
        if let Some(config) = &self.config_file {
            b.config_file(config);
        }
        if !self.jump_hosts.is_empty() {
            b.jump_hosts(&self.jump_hosts);
        }
        if let Some(file) = &self.known_hosts_file {
            b.user_known_hosts_file(file);
        }
        if self.known_hosts == KnownHostsPolicy::Off {
            // Accepting any key must not record it: a later strict run would
            // trust what it recorded.
            b.user_known_hosts_file("/dev/null");
        }
        if let Some(dir) = &self.control_directory {
            b.control_directory(dir);
        }
        b.connect_timeout(self.connect_timeout);
        if let Some(interval) = self.server_alive_interval {
            b.server_alive_interval(interval);
        }
        b.known_hosts_check(match self.known_hosts {
            KnownHostsPolicy::Strict => KnownHosts::Strict,
            KnownHostsPolicy::AcceptNew => KnownHosts::Add,
            KnownHostsPolicy::Off => KnownHosts::Accept,
        });
        b
    }
}

/// How long a master that is not kept outlives a run that died without
/// closing it.
const ORPHAN_IDLE: NonZeroUsize = NonZeroUsize::MIN.saturating_add(4);

/// How often a kept master checks that the server still answers.
const KEPT_ALIVE_INTERVAL: Duration = Duration::from_secs(5);

/// An open master connection to one host.
pub struct SshConnector {
    name: String,
    session: Session,
    /// The mux client that keeps the master from timing out while this
    /// run holds it. For a persisted master, dropping it, not closing the
    /// session, ends the run's use.
    hold: openssh_mux_client::Connection,
    /// The master is kept for later runs (`--ssh-persist`).
    persisted: bool,
}

impl std::fmt::Debug for SshConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshConnector")
            .field("name", &self.name)
            .field("session", &self.session)
            .field("persisted", &self.persisted)
            .finish()
    }
}

impl SshConnector {
    /// Opens the master connection. `name` is the inventory name (used in
    /// messages); `address` is what `ssh` connects to (a host name, an IP
    /// address or a `Host` alias of the ssh config).
    pub async fn connect(
        name: &str,
        address: &str,
        opts: &SshOptions,
    ) -> Result<Self, ConnectorError> {
        refuse_option_like(name, opts, address)?;
        // ssh applies ConnectTimeout itself; this bound only guards against
        // a master that never finishes authenticating.
        let limit = opts
            .connect_timeout
            .saturating_mul(2)
            .saturating_add(Duration::from_secs(5));
        let persisted = match opts.persist {
            Some(idle) => persist::directory(address, opts)
                .await
                .map(|dir| (idle, dir)),
            None => None,
        };
        let Some((idle, dir)) = persisted else {
            // Not kept, yet the master ends by itself once idle, and this run
            // holds it until it closes it: killed, infrac must not leave an
            // authenticated master behind for ever (`ControlPersist=yes`).
            let mut builder = opts.builder();
            builder.control_persist(ControlPersist::IdleFor(ORPHAN_IDLE));
            let master = handshake::launch(&builder, name, address, limit).await?;
            let hold = persist::hold_connection(&master.path().join("master")).await;
            let session = Session::new_native_mux(master);
            let Some(hold) = hold else {
                let _ = session.close().await;
                return Err(ConnectorError::new(
                    name,
                    ErrorKind::ConnectionLost,
                    format!(
                        "connection lost: the new master connection to {address} does not answer"
                    ),
                ));
            };
            return Ok(SshConnector {
                name: name.to_owned(),
                session,
                hold,
                persisted: false,
            });
        };
        let held = match persist::resume(&dir).await {
            Some(held) => held,
            None => {
                let mut builder = opts.builder();
                // A kept master whose link died silently (a laptop that
                // slept, a NAT that forgot) would hold up the next run
                // until ssh notices: it checks often, so that it notices
                // within 3 checks and exits, and the next run starts afresh.
                let interval = opts
                    .server_alive_interval
                    .map_or(KEPT_ALIVE_INTERVAL, |i| i.min(KEPT_ALIVE_INTERVAL));
                builder
                    .control_directory(&dir)
                    .control_persist(ControlPersist::IdleFor(idle))
                    .server_alive_interval(interval);
                let master = handshake::launch(&builder, name, address, limit)
                    .await?
                    // The master outlives this run: so does its directory.
                    .keep();
                match persist::hold(&master).await {
                    Some(held) => held,
                    None => {
                        let _ = std::fs::remove_dir_all(&master);
                        return Err(ConnectorError::new(
                            name,
                            ErrorKind::ConnectionLost,
                            format!(
                                "connection lost: the new master connection to {address} does not answer"
                            ),
                        ));
                    }
                }
            }
        };
        Ok(SshConnector {
            name: name.to_owned(),
            session: held.session,
            hold: held.hold,
            persisted: true,
        })
    }

    fn lost(&self, e: &openssh::Error) -> ConnectorError {
        ConnectorError::new(
            &self.name,
            ErrorKind::ConnectionLost,
            format!("connection lost: {}", describe(e)),
        )
    }
}

impl Transport for SshConnector {
    fn host(&self) -> &str {
        &self.name
    }

    async fn run(
        &self,
        command: &str,
        stdin: Vec<u8>,
        limit: Option<Duration>,
    ) -> Result<RawOutput, ConnectorError> {
        // sshd hands the command to the login shell of the user; `sh -c`
        // makes the script's dialect independent of that shell.
        let mut child = match self
            .session
            .raw_command(format!("sh -c {}", quote(command)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .await
        {
            Ok(child) => child,
            Err(e) => return Err(self.lost(&e)),
        };
        let pipe = child.stdin().take();
        let feed = async move {
            if let Some(mut pipe) = pipe {
                // A command that exits without reading its stdin breaks the
                // pipe: not an error of ours.
                let _ = pipe.write_all(&stdin).await;
                let _ = pipe.shutdown().await;
            }
        };
        // Both streams at once, each bounded (see `output`); on too much
        // output the child is dropped, which closes the channel (the
        // command dies of SIGPIPE on its next write).
        let (stdout, stderr) = (child.stdout().take(), child.stderr().take());
        let cap = crate::output::limit();
        let name = self.name.as_str();
        let finished = async {
            let (_, streams) = tokio::join!(feed, async {
                tokio::try_join!(
                    read_capped(name, "stdout", stdout, cap),
                    read_capped(name, "stderr", stderr, cap),
                )
            });
            let (stdout, stderr) = streams?;
            Ok::<_, ConnectorError>((
                child.wait().await,
                RawOutput {
                    code: 255,
                    stdout,
                    stderr,
                },
            ))
        };
        let output = match limit {
            None => finished.await,
            // Dropping the channel abandons the command; the host-side
            // `timeout` of the shell layer is what kills it there.
            Some(limit) => tokio::time::timeout(limit, finished)
                .await
                .map_err(|_| ConnectorError::timeout(&self.name, limit))?,
        }?;
        // What was printed before a loss stays with the error (see
        // `ConnectorError::partial`).
        match output {
            (Ok(status), out) => Ok(RawOutput {
                code: status.code().unwrap_or(255),
                ..out
            }),
            // The mux protocol cannot tell a process killed by a signal
            // from a lost connection: ask the master.
            (Err(openssh::Error::RemoteProcessTerminated), mut out) => {
                match self.session.check().await {
                    Ok(()) => {
                        out.stderr.extend_from_slice(
                            b"infrac: the remote process was terminated by a signal\n",
                        );
                        Ok(out)
                    }
                    Err(e) => Err(self.lost(&e).with_partial(out)),
                }
            }
            (Err(e), out) => Err(self.lost(&e).with_partial(out)),
        }
    }

    async fn shutdown(self) -> Result<(), ConnectorError> {
        let SshConnector {
            name,
            session,
            hold,
            persisted,
        } = self;
        if persisted {
            // The master's idle timeout starts when the hold drops.
            drop(hold);
            return Ok(());
        }
        let closed = session.close().await;
        drop(hold);
        closed.map_err(|e| {
            ConnectorError::new(
                name,
                ErrorKind::ConnectionLost,
                format!("closing: {}", describe(&e)),
            )
        })
    }
}

/// Classifies a failed master connection from ssh's own message.
fn connect_error(name: &str, address: &str, e: &openssh::Error) -> ConnectorError {
    let text = match e {
        // openssh says NotFound both when `ssh` is missing and when ssh
        // exited before writing its log (it refused its arguments).
        openssh::Error::Connect(io)
            if io.kind() == std::io::ErrorKind::NotFound && !ssh_installed() =>
        {
            format!("cannot run the local `ssh` program (is openssh-client installed?): {io}")
        }
        openssh::Error::Connect(io) if io.kind() == std::io::ErrorKind::NotFound => {
            "ssh exited at once without a message (`ssh -v` with the same host and settings shows why)".to_string()
        }
        // ssh's own message, without openssh's generic prefix.
        openssh::Error::Connect(io) => io.to_string().replace(['\r', '\n'], " "),
        other => describe(other),
    };
    let kind = if text.contains("Host key verification failed")
        || text.contains("IDENTIFICATION HAS CHANGED")
    {
        return ConnectorError::new(
            name,
            ErrorKind::HostKey,
            format!("cannot connect to {address}: {}", host_key_problem(&text)),
        );
    } else if text.contains("Permission denied")
        || text.contains("Too many authentication failures")
    {
        ErrorKind::Authentication
    } else {
        ErrorKind::Unreachable
    };
    ConnectorError::new(name, kind, format!("cannot connect to {address}: {text}"))
}

/// Whether an `ssh` program is on the `PATH`.
fn ssh_installed() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("ssh").is_file()))
}

/// A destination, user, key or jump host that ssh would read as an option
/// (`-oProxyCommand=...`), or that holds whitespace or control characters,
/// is refused before ssh runs: ssh takes no `--` before its destination.
fn refuse_option_like(name: &str, opts: &SshOptions, address: &str) -> Result<(), ConnectorError> {
    let identity = opts
        .identity_file
        .as_ref()
        .map(|p| p.to_string_lossy().into_owned());
    let values = [
        ("address", Some(address.to_string())),
        ("user", opts.user.clone()),
        ("identity file", identity),
    ];
    let jumps = opts
        .jump_hosts
        .iter()
        .map(|j| ("jump host", Some(j.clone())));
    for (what, value) in values.into_iter().chain(jumps) {
        let Some(value) = value else { continue };
        // A key file's path may have spaces; nothing else may.
        let space = what != "identity file" && value.chars().any(char::is_whitespace);
        let bad = value.is_empty()
            || value.starts_with('-')
            || space
            || value.chars().any(char::is_control);
        if bad {
            return Err(ConnectorError::new(
                name,
                ErrorKind::Invalid,
                format!(
                    "the ssh {what} {value:?} is not valid (empty, an option, or with spaces or control characters)"
                ),
            ));
        }
    }
    Ok(())
}

/// ssh's host-key refusal without its banner of `@` lines: the sentence
/// that names the host and the known_hosts line to look at.
fn host_key_problem(text: &str) -> String {
    let changed = text.contains("IDENTIFICATION HAS CHANGED");
    let offending = text
        .split("  ")
        .map(str::trim)
        .find(|part| part.starts_with("Offending"));
    match (changed, offending) {
        (true, Some(place)) => format!(
            "its host key has changed since it was recorded ({place}); \
             if the host was reinstalled, remove that line"
        ),
        (true, None) => "its host key has changed since it was recorded".to_string(),
        (false, _) => "its host key is not in known_hosts and strict checking is on \
                       (record it, or run with `--known-hosts accept-new`)"
            .to_string(),
    }
}

/// The error with its sources, on one line (ssh's stderr is the useful part).
fn describe(e: &openssh::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        let s_text = s_text.trim();
        if !s_text.is_empty() {
            text.push_str(": ");
            text.push_str(&s_text.replace(['\r', '\n'], " "));
        }
        source = s.source();
    }
    text
}
