//! The controller's open-files limit. Every host connected at once holds a
//! few descriptors here (its control socket, the pipes of a command in
//! flight), so a fleet of thousands needs more than the usual soft limit
//! of 1,024: it is raised to the hard limit when a run starts, and what
//! remains bounds how many hosts are connected at once.

/// Descriptors one host connected at once may hold on the controller, with
/// margin (measured: 4 while a command runs over SSH).
pub const FDS_PER_HOST: u64 = 8;

/// Descriptors kept for everything else (the terminal, the runtime, logs).
const RESERVED: u64 = 64;

/// The soft open-files limit, after raising it to the hard limit when the
/// hard one is higher; `None` when it cannot be read.
pub fn raise_open_files_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` writes the struct we own; no other memory.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: `setrlimit` reads the struct we own.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            return Some(raised.rlim_cur);
        }
    }
    Some(limit.rlim_cur)
}

/// How many hosts may be connected at once under a limit of `open_files`
/// descriptors (at least one).
pub fn hosts_within(open_files: u64) -> usize {
    let hosts = open_files.saturating_sub(RESERVED) / FDS_PER_HOST;
    usize::try_from(hosts).unwrap_or(usize::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_bounds_hosts_at_once() {
        assert_eq!(hosts_within(1024), 120);
        assert_eq!(hosts_within(10), 1);
        assert_eq!(hosts_within(1_048_576), 131_064);
    }

    #[test]
    fn the_soft_limit_is_raised_to_the_hard_one() {
        let soft = raise_open_files_limit();
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: as above.
        let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
        assert_eq!(read, 0);
        assert_eq!(soft, Some(limit.rlim_max));
        assert_eq!(limit.rlim_cur, limit.rlim_max);
    }
}
