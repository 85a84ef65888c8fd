//! Opening master connections at scale. A server drops unauthenticated
//! connections past its `MaxStartups` (sshd's default starts dropping at
//! 10 at once), and so does a jump host every connection goes through: at
//! most [`IN_FLIGHT`] handshakes run at once in a run, and a handshake the
//! server dropped is tried again, a little later, a few times.

use std::sync::OnceLock;
use std::time::Duration;

use openssh::SessionBuilder;
use tempfile::TempDir;
use tokio::sync::Semaphore;

use super::connect_error;
use crate::{ConnectorError, ErrorKind};

/// Handshakes in flight at once, over all hosts of the run.
pub(super) const IN_FLIGHT: usize = 32;

/// Tries after the first, for a handshake the server dropped (the pauses
/// add up to about 15 s).
const RETRIES: u32 = 6;

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(IN_FLIGHT))
}

/// `builder.launch_master(address)`, paced and retried; `limit` bounds
/// each try (ssh applies its own `ConnectTimeout` inside it).
pub(super) async fn launch(
    builder: &SessionBuilder,
    name: &str,
    address: &str,
    limit: Duration,
) -> Result<TempDir, ConnectorError> {
    let mut tries = 1;
    loop {
        let result = {
            // The semaphore is never closed: a permit always comes.
            let _permit = permits().acquire().await.ok();
            tokio::time::timeout(limit, builder.launch_master(address)).await
        };
        let e = match result {
            Ok(Ok(master)) => return Ok(master),
            Ok(Err(e)) => connect_error(name, address, &e),
            Err(_) => ConnectorError::new(
                name,
                ErrorKind::Unreachable,
                format!(
                    "cannot connect to {address}: no answer after {}s",
                    limit.as_secs()
                ),
            ),
        };
        if !dropped(&e) {
            return Err(e);
        }
        if tries > RETRIES {
            return Err(ConnectorError {
                message: format!(
                    "{} (tried {tries} times: the server closed the connection during the handshake each time; with many hosts at once its `MaxStartups` may be too low — lower --parallel, or raise it in sshd_config)",
                    e.message
                ),
                ..e
            });
        }
        tokio::time::sleep(backoff(tries, name)).await;
        tries += 1;
    }
}

/// Whether the server closed the connection before authentication (what
/// sshd does past `MaxStartups`), as opposed to refusing it.
fn dropped(e: &ConnectorError) -> bool {
    e.kind == ErrorKind::Unreachable
        && [
            "kex_exchange_identification",
            "Connection closed by",
            "Connection reset by peer",
        ]
        .iter()
        .any(|s| e.message.contains(s))
}

/// The pause before try `tries + 1`: doubling from 250 ms up to 4 s,
/// plus up to as much again, different for each host and try, so that
/// hosts dropped together do not come back together.
fn backoff(tries: u32, name: &str) -> Duration {
    let base = 250u64 << (tries - 1).min(4);
    let hash = name
        .bytes()
        .chain(tries.to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    Duration::from_millis(base + hash % base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(message: &str) -> ConnectorError {
        ConnectorError::new("h", ErrorKind::Unreachable, message)
    }

    #[test]
    fn only_a_connection_the_server_dropped_is_tried_again() {
        let max_startups =
            "cannot connect to h: kex_exchange_identification: read: Connection reset by peer";
        assert!(dropped(&error(max_startups)));
        assert!(dropped(&error(
            "cannot connect to h: Connection closed by 127.0.0.1 port 2201"
        )));
        assert!(!dropped(&error(
            "cannot connect to h: connect to host h port 22: Connection refused"
        )));
        assert!(!dropped(&ConnectorError::new(
            "h",
            ErrorKind::Authentication,
            "Permission denied (publickey). Connection closed by 127.0.0.1"
        )));
    }

    #[test]
    fn pauses_double_and_differ_by_host() {
        let a = backoff(1, "web-1");
        assert!(
            a >= Duration::from_millis(250) && a < Duration::from_millis(500),
            "{a:?}"
        );
        assert!(backoff(2, "web-1") >= Duration::from_millis(500));
        assert_ne!(backoff(1, "web-1"), backoff(1, "web-2"));
    }
}
