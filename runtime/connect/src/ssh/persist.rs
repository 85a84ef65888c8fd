//! Master connections that outlive a run, like Ansible's ControlPersist:
//! the next run to the same host with the same options reuses the
//! connection instead of paying for a new handshake (most of a short run's
//! time with OpenSSH's post-quantum key exchange).
//!
//! A persisted master lives in `<root>/<key>/.ssh-connectionXXXXXX/`
//! (socket `master`, ssh's log `log`), where `key` hashes every option and
//! file that decides to whom and as whom the connection authenticates, so
//! a run with other settings never borrows it. `root` is the user's
//! runtime directory (or `~/.cache`), owner-only. While a run uses a
//! master, infrac keeps a mux client connected to it: ssh counts that as
//! activity, so its idle timeout only starts when the run ends, however
//! long the run waits between two commands to that host.

use std::collections::hash_map::DefaultHasher;
use std::ffi::{CStr, OsStr};
use std::hash::{Hash, Hasher};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use openssh::Session;
use openssh_mux_client::Connection;
use tokio::sync::OnceCell;

use super::SshOptions;

/// Prefix of the directories `openssh` creates for a master.
const MASTER_PREFIX: &str = ".ssh-connection";

/// ssh first binds its socket as `<dir>/master.<16 random characters>`:
/// with `/<16-digit key>/.ssh-connectionXXXXXX` that is the root's length
/// plus 63 bytes, and a socket path holds at most 107.
const MAX_ROOT_LEN: usize = 44;

/// How long a check of a persisted master may take before it counts as
/// busy (it answers from the local socket: milliseconds).
const CHECK_LIMIT: Duration = Duration::from_secs(2);

/// A master directory without a socket, or a key directory without
/// masters, younger than this may be one another run is starting right
/// now: left alone.
const STARTING_LIMIT: Duration = Duration::from_secs(600);

/// A master that a run uses: the session, and the mux client that keeps
/// the master from timing out while the run holds it.
pub(super) struct Held {
    pub session: Session,
    pub hold: Connection,
}

/// The directory of the persisted masters for `address` with `opts`;
/// `None` when there is no safe place for them (see [`directory_in`]).
/// The first call of a process also removes what masters that are gone
/// left behind.
pub(super) async fn directory(address: &str, opts: &SshOptions) -> Option<PathBuf> {
    static SWEPT: OnceCell<()> = OnceCell::const_new();
    let home = home_dir();
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .filter(|d| !d.is_empty())
        .map(|d| PathBuf::from(d).join("infrac-ssh"));
    let cache = home.as_ref().map(|h| h.join(".cache/infrac/ssh"));
    let (root, dir) = [runtime, cache].into_iter().flatten().find_map(|root| {
        let dir = directory_in(&root, address, opts, home.as_deref())?;
        Some((root, dir))
    })?;
    SWEPT.get_or_init(|| sweep(root)).await;
    Some(dir)
}

/// `<root>/<key>`, both made owner-only directories of this user; `None`
/// when the root's path is too long for a socket, when its parent may be
/// changed by another user, or when the root or the key directory is not
/// a directory of this user's (a symlink, another user's). Anyone who can
/// reach a master's socket runs commands on the host as its user.
fn directory_in(
    root: &Path,
    address: &str,
    opts: &SshOptions,
    home: Option<&Path>,
) -> Option<PathBuf> {
    if root.as_os_str().len() > MAX_ROOT_LEN {
        return None;
    }
    let me = euid();
    let parent = root.parent()?;
    std::fs::create_dir_all(parent).ok()?;
    let trusted = std::fs::metadata(parent)
        .is_ok_and(|m| (m.uid() == me || m.uid() == 0) && m.mode() & 0o022 == 0);
    if !trusted {
        return None;
    }
    private_dir(root, me)?;
    let dir = root.join(format!("{:016x}", key(address, opts, home)));
    private_dir(&dir, me)?;
    Some(dir)
}

/// Creates `d` owner-only if it is missing; `Some` when it is a directory
/// (not a symlink) of user `me`, made owner-only if it was not.
fn private_dir(d: &Path, me: u32) -> Option<()> {
    match std::fs::DirBuilder::new().mode(0o700).create(d) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(_) => return None,
    }
    let meta = std::fs::symlink_metadata(d).ok()?;
    if !meta.is_dir() || meta.uid() != me {
        return None;
    }
    if meta.mode() & 0o077 != 0 {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).ok()?;
    }
    Some(())
}

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// This user's home directory as ssh finds it (the password database, not
/// `$HOME`, which sudo may keep from the calling user); `$HOME` when the
/// database has no entry.
fn home_dir() -> Option<PathBuf> {
    let mut buf = vec![0u8; 16 * 1024];
    // SAFETY: getpwuid_r writes only into `pwd` and `buf` (whose length
    // it is given); `result` is null unless it filled `pwd`, whose string
    // pointers then point into `buf`, alive until the end of this function.
    let dir = unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(
            euid(),
            &mut pwd,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut result,
        );
        (rc == 0 && !result.is_null() && !pwd.pw_dir.is_null())
            .then(|| PathBuf::from(OsStr::from_bytes(CStr::from_ptr(pwd.pw_dir).to_bytes())))
    };
    dir.filter(|d| !d.as_os_str().is_empty()).or_else(|| {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
    })
}

/// Everything that decides where the connection goes and how it
/// authenticates: the options (paths made absolute), when the files they
/// name last changed (editing the ssh config, replacing a key or removing
/// a host key must not leave a run on a connection made under the old
/// ones), the agent, and how long the master stays.
fn key(address: &str, opts: &SshOptions, home: Option<&Path>) -> u64 {
    let in_home = |p: &str| home.map(|h| h.join(p));
    let config = opts.config_file.clone().or_else(|| in_home(".ssh/config"));
    let known_hosts = opts
        .known_hosts_file
        .clone()
        .or_else(|| in_home(".ssh/known_hosts"));
    let files = [config, opts.identity_file.clone(), known_hosts];
    let files: Vec<_> = files
        .iter()
        .map(|f| f.as_deref().map(|f| (absolute(f), modified(f))))
        .collect();
    // DefaultHasher::new() has fixed keys: the same settings give the same
    // key in every run of the same build (a new build may start afresh).
    let mut h = DefaultHasher::new();
    (
        address,
        &opts.user,
        opts.port,
        files,
        &opts.jump_hosts,
        opts.known_hosts,
        std::env::var_os("SSH_AUTH_SOCK"),
        opts.persist,
    )
        .hash(&mut h);
    h.finish()
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn modified(path: &Path) -> Option<Duration> {
    let time = std::fs::metadata(path).ok()?.modified().ok()?;
    time.duration_since(SystemTime::UNIX_EPOCH).ok()
}

/// What a master directory holds.
enum State {
    /// A socket of this user's that accepts connections.
    Listening,
    /// A master that is gone: a socket nobody listens on (a killed
    /// master), or no socket long after the directory was made.
    Gone,
    /// Maybe a master another run is starting, or one too busy to
    /// answer: left alone.
    Unsure,
}

async fn state(master: &Path) -> State {
    let socket = master.join("master");
    match tokio::net::UnixStream::connect(&socket).await {
        Ok(_) => {
            let ours = std::fs::symlink_metadata(&socket)
                .is_ok_and(|m| m.file_type().is_socket() && m.uid() == euid());
            if ours {
                State::Listening
            } else {
                State::Unsure
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => State::Gone,
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound && older_than(master, STARTING_LIMIT) =>
        {
            State::Gone
        }
        Err(_) => State::Unsure,
    }
}

fn older_than(path: &Path, age: Duration) -> bool {
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|elapsed| elapsed > age)
}

fn masters(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(MASTER_PREFIX))
        .map(|e| e.path())
        .collect()
}

/// A live master of `dir`, held; the directories of masters that are gone
/// are removed on the way.
pub(super) async fn resume(dir: &Path) -> Option<Held> {
    for master in masters(dir) {
        match state(&master).await {
            State::Listening => {
                if let Some(held) = hold(&master).await {
                    return Some(held);
                }
            }
            State::Gone => {
                let _ = std::fs::remove_dir_all(&master);
            }
            State::Unsure => {}
        }
    }
    None
}

/// Removes what masters that are gone left under `root` (their
/// directories and logs), and key directories left empty long ago: keys
/// change with the files they hash, and old ones are never visited again.
async fn sweep(root: PathBuf) {
    let Ok(keys) = std::fs::read_dir(&root) else {
        return;
    };
    for key in keys.filter_map(Result::ok).map(|k| k.path()) {
        for master in masters(&key) {
            if let State::Gone = state(&master).await {
                let _ = std::fs::remove_dir_all(&master);
            }
        }
        if older_than(&key, STARTING_LIMIT) {
            // Fails, as it should, when the directory is not empty.
            let _ = std::fs::remove_dir(&key);
        }
    }
}

/// Takes hold of the master in directory `master`: connects a mux client,
/// which the master answers only when it is alive.
pub(super) async fn hold(master: &Path) -> Option<Held> {
    let ctl = master.join("master");
    let hold = hold_connection(&ctl).await?;
    let session = Session::resume_mux(ctl.into(), Some(master.join("log").into()));
    Some(Held { session, hold })
}

/// A mux client connected to the master at control socket `ctl`, which
/// keeps a master with an idle `ControlPersist` alive while it is open;
/// `None` when the master does not answer.
pub(super) async fn hold_connection(ctl: &Path) -> Option<Connection> {
    let check = async {
        let mut hold = Connection::connect(ctl).await.ok()?;
        hold.send_alive_check().await.ok()?;
        Some(hold)
    };
    tokio::time::timeout(CHECK_LIMIT, check).await.ok()?
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
        let dir = directory_in(&root, "web-1", &opts(), None).unwrap();
        assert!(dir.starts_with(&root));
        for d in [&root, &dir] {
            let mode = std::fs::metadata(d).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "{}", d.display());
        }
        // Same destination and options: the same directory.
        assert_eq!(
            directory_in(&root, "web-1", &opts(), None),
            Some(dir.clone())
        );
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
                directory_in(&root, address, &o, None),
                Some(dir.clone()),
                "{address} {o:?}"
            );
        }
    }

    #[test]
    fn editing_the_ssh_config_or_replacing_the_key_changes_the_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("infrac-ssh");
        let config = tmp.path().join("config");
        let identity = tmp.path().join("id");
        std::fs::write(&config, "Host *\n").unwrap();
        std::fs::write(&identity, "key").unwrap();
        let o = SshOptions {
            config_file: Some(config.clone()),
            identity_file: Some(identity.clone()),
            ..opts()
        };
        let before = directory_in(&root, "web-1", &o, None);
        let later = SystemTime::now() + Duration::from_secs(5);
        for file in [&config, &identity] {
            let f = std::fs::File::options().write(true).open(file).unwrap();
            f.set_modified(later).unwrap();
            let after = directory_in(&root, "web-1", &o, None);
            assert_ne!(before, after, "{}", file.display());
        }
    }

    #[test]
    fn a_directory_of_ours_is_made_private_and_one_of_another_user_is_not_used() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("shared");
        std::fs::create_dir(&root).unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(directory_in(&root, "web-1", &opts(), None).is_some());
        let mode = std::fs::metadata(&root).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);

        // Only root can give a directory away.
        if unsafe { libc::geteuid() } == 0 {
            std::os::unix::fs::chown(&root, Some(65534), None).unwrap();
            assert_eq!(directory_in(&root, "web-1", &opts(), None), None);
        }
    }

    #[test]
    fn a_root_too_long_for_a_socket_path_is_not_used() {
        let root = PathBuf::from(format!("/tmp/{}", "x".repeat(MAX_ROOT_LEN)));
        assert_eq!(directory_in(&root, "web-1", &opts(), None), None);
        assert!(!root.exists());
    }
}
