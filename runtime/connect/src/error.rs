//! Failures to reach or talk to a host (not commands that exit non-zero).

use std::time::Duration;

/// A failure to reach or talk to a host (not a command that exited non-zero).
/// Displays as `host: message`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorError {
    pub host: String,
    pub kind: ErrorKind,
    pub message: String,
    /// What the command had printed when its connection was lost: a
    /// script of several parts can tell which of them had finished.
    pub partial: Option<Box<crate::RawOutput>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Nothing answers: refused, no route, name unknown, connect timeout.
    Unreachable,
    /// The host answered but refused our credentials.
    Authentication,
    /// The host key is unknown or does not match known_hosts.
    HostKey,
    /// The connection (or container) went away during the run.
    ConnectionLost,
    /// A command ran past its timeout and was stopped.
    Timeout,
    /// An upload or download failed on the host.
    Transfer,
    /// A local I/O failure (spawning a process, writing a file).
    Io,
    /// The request itself cannot be expressed (bad env name, bad user name).
    Invalid,
    /// A command printed more than the output bound allows
    /// ([`crate::output::limit`]) and was stopped.
    OutputLimit,
}

impl ConnectorError {
    pub fn new(host: impl Into<String>, kind: ErrorKind, message: impl Into<String>) -> Self {
        ConnectorError {
            host: host.into(),
            kind,
            message: message.into(),
            partial: None,
        }
    }

    /// This error with the output received before it.
    pub fn with_partial(mut self, output: crate::RawOutput) -> Self {
        self.partial = Some(Box::new(output));
        self
    }

    pub fn timeout(host: impl Into<String>, limit: Duration) -> Self {
        Self::new(
            host,
            ErrorKind::Timeout,
            format!("command timed out after {:.1}s", limit.as_secs_f64()),
        )
    }
}

impl std::fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.host, self.message)
    }
}

impl std::error::Error for ConnectorError {}
