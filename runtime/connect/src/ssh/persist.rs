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
use std::time::Duration;

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
    let key = key(address, opts, home.as_deref()).await?;
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .filter(|d| !d.is_empty())
        .map(|d| PathBuf::from(d).join("infrac-ssh"));
    let cache = home.as_ref().map(|h| h.join(".cache/infrac/ssh"));
    let (root, dir) = [runtime, cache].into_iter().flatten().find_map(|root| {
        let dir = directory_in(&root, key)?;
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
fn directory_in(root: &Path, key: u64) -> Option<PathBuf> {
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
    let dir = root.join(format!("{key:016x}"));
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
/// authenticates: ssh's own resolution of the destination with our options
/// (`ssh -G`: host, port, user, proxies, keys, known_hosts files, whatever
/// the config and its includes say), the content of every file it names
/// that decides whom we trust and as whom we log in (editing a
/// `UserKnownHostsFile`, replacing a key must not leave a run on a
/// connection made under the old ones), the agent, the host key policy
/// and how long the master stays. `None` when ssh cannot tell: then no
/// connection is kept.
async fn key(address: &str, opts: &SshOptions, home: Option<&Path>) -> Option<u64> {
    let config = effective_config(address, opts).await?;
    // DefaultHasher::new() has fixed keys: the same settings give the same
    // key in every run of the same build (a new build may start afresh).
    let mut h = DefaultHasher::new();
    config.hash(&mut h);
    for file in named_files(&config, home) {
        file.hash(&mut h);
        digest(&file).hash(&mut h);
    }
    (
        opts.known_hosts,
        std::env::var_os("SSH_AUTH_SOCK"),
        opts.persist,
    )
        .hash(&mut h);
    Some(h.finish())
}

/// `ssh -G`'s output for `address` with the options that decide the
/// destination and the trust (those `SshOptions::builder` gives ssh).
async fn effective_config(address: &str, opts: &SshOptions) -> Option<String> {
    let mut cmd = tokio::process::Command::new("ssh");
    cmd.arg("-G");
    if let Some(config) = &opts.config_file {
        cmd.arg("-F").arg(config);
    }
    if let Some(user) = &opts.user {
        cmd.arg("-l").arg(user);
    }
    if let Some(port) = opts.port {
        cmd.arg("-p").arg(port.to_string());
    }
    if let Some(key) = &opts.identity_file {
        cmd.arg("-i").arg(key);
    }
    if !opts.jump_hosts.is_empty() {
        cmd.arg("-J").arg(opts.jump_hosts.join(","));
    }
    if let Some(file) = &opts.known_hosts_file {
        cmd.arg("-o")
            .arg(format!("UserKnownHostsFile={}", file.display()));
    }
    cmd.arg(address)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(CHECK_LIMIT, cmd.output())
        .await
        .ok()?
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The files an `ssh -G` output names whose content decides trust or
/// identity: identity and certificate files, known_hosts files, revoked
/// host keys (`~/` expanded).
fn named_files(config: &str, home: Option<&Path>) -> Vec<PathBuf> {
    const KEYS: [&str; 5] = [
        "identityfile",
        "certificatefile",
        "userknownhostsfile",
        "globalknownhostsfile",
        "revokedhostkeys",
    ];
    let mut files = Vec::new();
    for line in config.lines() {
        let Some((key, value)) = line.split_once(' ') else {
            continue;
        };
        if !KEYS.contains(&key) {
            continue;
        }
        for word in value.split_whitespace() {
            let path = match (word.strip_prefix("~/"), home) {
                (Some(rest), Some(home)) => home.join(rest),
                _ => PathBuf::from(word),
            };
            files.push(path);
        }
    }
    files
}

/// The SHA-256 of a file's content, or `None` when it cannot be read.
fn digest(path: &Path) -> Option<[u8; 32]> {
    use sha2::Digest;
    let bytes = std::fs::read(path).ok()?;
    Some(sha2::Sha256::digest(&bytes).into())
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

    fn key_of(address: &str, o: &SshOptions) -> Option<u64> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(key(address, o, None))
    }

    #[test]
    fn masters_live_in_a_private_directory_per_key() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("infrac-ssh");
        let dir = directory_in(&root, 7).unwrap();
        assert!(dir.starts_with(&root));
        for d in [&root, &dir] {
            let mode = std::fs::metadata(d).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "{}", d.display());
        }
        assert_eq!(directory_in(&root, 7), Some(dir.clone()));
        assert_ne!(directory_in(&root, 8), Some(dir));
    }

    /// A config of its own, so that the user's does not matter.
    fn isolated(tmp: &Path) -> SshOptions {
        let config = tmp.join("config");
        let known = tmp.join("known_hosts");
        std::fs::write(
            &config,
            format!("Host *\n    UserKnownHostsFile {}\n", known.display()),
        )
        .unwrap();
        std::fs::write(&known, "web-1 ssh-ed25519 AAAA\n").unwrap();
        SshOptions {
            config_file: Some(config),
            ..opts()
        }
    }

    #[test]
    fn another_destination_user_key_or_policy_gives_another_key() {
        let tmp = tempfile::tempdir().unwrap();
        let o = isolated(tmp.path());
        // ssh leaves out a key file that does not exist.
        let key_file = tmp.path().join("k");
        std::fs::write(&key_file, "k").unwrap();
        let Some(base) = key_of("web-1", &o) else {
            eprintln!("skipped: no ssh -G here");
            return;
        };
        assert_eq!(
            key_of("web-1", &o),
            Some(base),
            "the same settings, the same key"
        );
        let others = [
            ("web-2", o.clone()),
            (
                "web-1",
                SshOptions {
                    user: Some("alice".into()),
                    ..o.clone()
                },
            ),
            (
                "web-1",
                SshOptions {
                    identity_file: Some(key_file.clone()),
                    ..o.clone()
                },
            ),
            (
                "web-1",
                SshOptions {
                    known_hosts: KnownHostsPolicy::Off,
                    ..o.clone()
                },
            ),
            (
                "web-1",
                SshOptions {
                    jump_hosts: vec!["bastion".into()],
                    ..o.clone()
                },
            ),
        ];
        for (address, other) in others {
            assert_ne!(key_of(address, &other), Some(base), "{address} {other:?}");
        }
    }

    #[test]
    fn editing_a_known_hosts_file_the_config_names_or_the_key_changes_the_key() {
        let tmp = tempfile::tempdir().unwrap();
        let identity = tmp.path().join("id");
        std::fs::write(&identity, "key").unwrap();
        let o = SshOptions {
            identity_file: Some(identity.clone()),
            ..isolated(tmp.path())
        };
        let Some(before) = key_of("web-1", &o) else {
            return;
        };
        // Same length and mtime tricks do not matter: the content does.
        std::fs::write(tmp.path().join("known_hosts"), "web-1 ssh-ed25519 BBBB\n").unwrap();
        let after = key_of("web-1", &o);
        assert_ne!(after, Some(before), "known_hosts edited");
        std::fs::write(&identity, "kez").unwrap();
        assert_ne!(key_of("web-1", &o), after, "key replaced");
        let config = tmp.path().join("config");
        let text = std::fs::read_to_string(&config).unwrap() + "    Port 2222\n";
        std::fs::write(&config, text).unwrap();
        assert_ne!(key_of("web-1", &o), after, "config edited");
    }

    #[test]
    fn a_directory_of_ours_is_made_private_and_one_of_another_user_is_not_used() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("shared");
        std::fs::create_dir(&root).unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(directory_in(&root, 1).is_some());
        let mode = std::fs::metadata(&root).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);

        // Only root can give a directory away.
        if unsafe { libc::geteuid() } == 0 {
            std::os::unix::fs::chown(&root, Some(65534), None).unwrap();
            assert_eq!(directory_in(&root, 1), None);
        }
    }

    #[test]
    fn a_root_too_long_for_a_socket_path_is_not_used() {
        let root = PathBuf::from(format!("/tmp/{}", "x".repeat(MAX_ROOT_LEN)));
        assert_eq!(directory_in(&root, 1), None);
        assert!(!root.exists());
    }
}
