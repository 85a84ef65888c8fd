//! Master connections that outlive a run, like Ansible's ControlPersist:
//! the next run to the same host with the same options reuses the
//! connection instead of paying for a new handshake (most of a short run's
//! time with OpenSSH's post-quantum key exchange).
//!
//! A persisted master lives in `<root>/<key>/.ssh-connectionXXXXXX/`
//! (socket `master`, ssh's log `log`), where `key` hashes every option that
//! decides to whom and as whom the connection authenticates, so a run with
//! other options never borrows it. `root` is the user's runtime directory
//! (or `~/.cache`), owner-only. While a run uses a master, infrac keeps a
//! mux client connected to it: ssh counts that as activity, so its idle
//! timeout only starts when the run ends, however long the run waits
//! between two commands to that host.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use openssh::Session;
use openssh_mux_client::Connection;

use super::SshOptions;

/// Prefix of the directories `openssh` creates for a master.
const MASTER_PREFIX: &str = ".ssh-connection";

/// Unix socket paths hold about 108 bytes; beyond this root length the
/// master's socket path could not be bound.
const MAX_ROOT_LEN: usize = 80;

/// How long a check of a persisted master may take before it counts as
/// gone (it answers from the local socket: milliseconds).
const CHECK_LIMIT: Duration = Duration::from_secs(2);

/// A master that a run uses: the session, and the mux client that keeps
/// the master from timing out while the run holds it.
pub(super) struct Held {
    pub session: Session,
    pub hold: Connection,
}

/// The directory of the persisted masters for `address` with `opts`, made
/// owner-only; `None` when there is no safe place for them (no runtime
/// directory or home, a directory not owned by this user, a path too long
/// for a socket).
pub(super) fn directory(address: &str, opts: &SshOptions) -> Option<PathBuf> {
    directory_in(&root()?, address, opts)
}

fn directory_in(root: &Path, address: &str, opts: &SshOptions) -> Option<PathBuf> {
    if root.as_os_str().len() > MAX_ROOT_LEN {
        return None;
    }
    let dir = root.join(format!("{:016x}", key(address, opts)));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .ok()?;
    // Anyone who can reach a master's socket runs commands on the host as
    // its user: only this user's own directories will do, made private.
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let private = |d: &Path| {
        let Ok(meta) = std::fs::symlink_metadata(d) else {
            return false;
        };
        if !meta.is_dir() || meta.uid() != me {
            return false;
        }
        meta.mode() & 0o077 == 0
            || std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).is_ok()
    };
    (private(root) && private(&dir)).then_some(dir)
}

fn root() -> Option<PathBuf> {
    if let Some(run) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(run).join("infrac-ssh"));
    }
    let home = std::env::var_os("HOME").filter(|d| !d.is_empty())?;
    Some(PathBuf::from(home).join(".cache/infrac/ssh"))
}

/// Everything that decides where the connection goes and how it
/// authenticates. The ssh config file's modification time is part of it:
/// editing the config must not leave a run on a connection made under the
/// old one.
fn key(address: &str, opts: &SshOptions) -> u64 {
    let config = opts
        .config_file
        .clone()
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".ssh/config")));
    let config_time = config
        .as_deref()
        .and_then(|c| std::fs::metadata(c).ok())
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok());
    // DefaultHasher::new() has fixed keys: the same options give the same
    // key in every run of the same build (a new build may start afresh).
    let mut h = DefaultHasher::new();
    (
        address,
        &opts.user,
        opts.port,
        &opts.identity_file,
        &opts.config_file,
        config_time,
        &opts.jump_hosts,
        opts.known_hosts,
        &opts.known_hosts_file,
    )
        .hash(&mut h);
    h.finish()
}

/// A live master of `dir`, held; the leftovers of masters that are gone
/// (older than `stale_after`, so that a master another run is starting
/// right now is left alone) are removed.
pub(super) async fn resume(dir: &Path, stale_after: Duration) -> Option<Held> {
    let entries = std::fs::read_dir(dir).ok()?;
    for entry in entries.filter_map(Result::ok) {
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(MASTER_PREFIX)
        {
            continue;
        }
        let path = entry.path();
        let ctl = path.join("master");
        if let Some(held) = hold(&ctl, &path).await {
            return Some(held);
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > stale_after);
        if old {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
    None
}

/// Takes hold of the master whose socket is `ctl` (in `dir`): connects a
/// mux client, which the master answers only when it is alive.
pub(super) async fn hold(ctl: &Path, dir: &Path) -> Option<Held> {
    let check = async {
        let mut hold = Connection::connect(ctl).await.ok()?;
        hold.send_alive_check().await.ok()?;
        Some(hold)
    };
    let hold = tokio::time::timeout(CHECK_LIMIT, check).await.ok()??;
    let session = Session::resume_mux(ctl.into(), Some(dir.join("log").into()));
    Some(Held { session, hold })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KnownHostsPolicy;

    fn opts() -> SshOptions {
        SshOptions::default()
    }

    #[test]
    fn masters_live_in_a_private_directory_per_destination_and_options() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("infrac-ssh");
        let dir = directory_in(&root, "web-1", &opts()).unwrap();
        assert!(dir.starts_with(&root));
        for d in [&root, &dir] {
            let mode = std::fs::metadata(d).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "{}", d.display());
        }
        // Same destination and options: the same directory.
        assert_eq!(directory_in(&root, "web-1", &opts()), Some(dir.clone()));
        // Another host, user, key or host key policy: another one.
        let others = [
            ("web-2", opts()),
            (
                "web-1",
                SshOptions {
                    user: Some("root".into()),
                    ..opts()
                },
            ),
            (
                "web-1",
                SshOptions {
                    identity_file: Some("/k".into()),
                    ..opts()
                },
            ),
            (
                "web-1",
                SshOptions {
                    known_hosts: KnownHostsPolicy::Off,
                    ..opts()
                },
            ),
            (
                "web-1",
                SshOptions {
                    jump_hosts: vec!["bastion".into()],
                    ..opts()
                },
            ),
        ];
        for (address, o) in others {
            assert_ne!(
                directory_in(&root, address, &o),
                Some(dir.clone()),
                "{address} {o:?}"
            );
        }
    }

    #[test]
    fn a_directory_of_ours_is_made_private_and_one_of_another_user_is_not_used() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("shared");
        std::fs::create_dir(&root).unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(directory_in(&root, "web-1", &opts()).is_some());
        let mode = std::fs::metadata(&root).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);

        // Only root can give a directory away.
        if unsafe { libc::geteuid() } == 0 {
            std::os::unix::fs::chown(&root, Some(65534), None).unwrap();
            assert_eq!(directory_in(&root, "web-1", &opts()), None);
        }
    }

    #[test]
    fn a_root_too_long_for_a_socket_path_is_not_used() {
        let root = PathBuf::from(format!("/tmp/{}", "x".repeat(MAX_ROOT_LEN)));
        assert_eq!(directory_in(&root, "web-1", &opts()), None);
        assert!(!root.exists());
    }
}
