//! Reading a command's output with a bound: a host that prints without end
//! (`cat /dev/zero`, a runaway log, a hostile host) must not run the
//! controller out of memory. Each stream keeps at most [`limit`] bytes;
//! past it the command is abandoned (and killed where the transport can)
//! and the call fails with [`ErrorKind::OutputLimit`].

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::{ConnectorError, ErrorKind};

/// The default bound of one command's stdout, and of its stderr.
pub const DEFAULT_LIMIT: usize = 64 << 20;

static LIMIT: AtomicUsize = AtomicUsize::new(DEFAULT_LIMIT);

/// Sets the bound for every command of this process (`--max-output`).
pub fn set_limit(bytes: usize) {
    LIMIT.store(bytes.max(1), Ordering::Relaxed);
}

/// The bound of one stream of one command.
pub fn limit() -> usize {
    LIMIT.load(Ordering::Relaxed)
}

/// Everything `stream` gives until its end, or an error once it gave more
/// than `limit` bytes (`name`: "stdout" or "stderr", for the message).
pub async fn read_capped<R: AsyncRead + Unpin>(
    host: &str,
    name: &str,
    stream: Option<R>,
    limit: usize,
) -> Result<Vec<u8>, ConnectorError> {
    let Some(stream) = stream else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    // One byte more than allowed tells "exactly the limit" from "more".
    let allowed = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    stream
        .take(allowed)
        .read_to_end(&mut out)
        .await
        .map_err(|e| ConnectorError::new(host, ErrorKind::Io, format!("reading {name}: {e}")))?;
    if out.len() > limit {
        return Err(ConnectorError::new(
            host,
            ErrorKind::OutputLimit,
            format!(
                "a command printed more than {} on {name}: it was stopped (raise --max-output to allow more)",
                size(limit)
            ),
        ));
    }
    Ok(out)
}

/// `bytes` in the largest whole unit: "64 MiB", "512 KiB", "10 bytes".
pub fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8], limit: usize) -> Result<Vec<u8>, ConnectorError> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| ConnectorError::new("h", ErrorKind::Io, e.to_string()))?
            .block_on(read_capped("h", "stdout", Some(input), limit))
    }

    #[test]
    fn keeps_output_up_to_the_limit_and_refuses_more() {
        assert_eq!(read(b"abc", 3), Ok(b"abc".to_vec()));
        let err = read(b"abcd", 3).unwrap_err();
        assert_eq!(err.kind, ErrorKind::OutputLimit);
        assert_eq!(
            err.message,
            "a command printed more than 3 bytes on stdout: it was stopped (raise --max-output to allow more)"
        );
        assert_eq!(size(64 << 20), "64 MiB");
        assert_eq!(size(1536), "3 bytes".replace('3', "1536"));
    }
}
