//! What the attacks share: an unprivileged user on the target (`nobody`),
//! folders it owns, and a decoy file it must never get at.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The attacker's uid and gid: `nobody`/`nogroup`, on every Debian.
pub const NOBODY: u32 = 65534;

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// A folder for one attack, readable by the attacker: `dir/app` is
/// owned by the attacker, `dir/decoy` is root's (0600).
pub struct Arena {
    pub dir: tempfile::TempDir,
}

pub const DECOY_TEXT: &str = "ROOT ONLY SECRET\n";

impl Arena {
    pub fn new() -> Arena {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("cannot make a folder: {e}"));
        set_mode(dir.path(), 0o755);
        let arena = Arena { dir };
        std::fs::create_dir(arena.app()).unwrap_or_else(|e| panic!("cannot make app: {e}"));
        std::os::unix::fs::chown(arena.app(), Some(NOBODY), Some(NOBODY))
            .unwrap_or_else(|e| panic!("cannot chown app: {e}"));
        std::fs::write(arena.decoy(), DECOY_TEXT).unwrap_or_else(|e| panic!("decoy: {e}"));
        set_mode(&arena.decoy(), 0o600);
        arena
    }

    /// The folder the attacker owns, where root deploys.
    pub fn app(&self) -> PathBuf {
        self.dir.path().join("app")
    }

    pub fn decoy(&self) -> PathBuf {
        self.dir.path().join("decoy")
    }

    /// Fails when the decoy is not exactly as it was made.
    pub fn assert_decoy_intact(&self, context: &str) {
        let meta = std::fs::symlink_metadata(self.decoy())
            .unwrap_or_else(|e| panic!("{context}: the decoy is gone: {e}"));
        let text = std::fs::read_to_string(self.decoy()).unwrap_or_default();
        assert!(
            meta.file_type().is_file()
                && meta.uid() == 0
                && meta.gid() == 0
                && meta.mode() & 0o7777 == 0o600
                && text == DECOY_TEXT,
            "{context}: the attacker won: decoy uid {} gid {} mode {:o}, content {text:?}",
            meta.uid(),
            meta.gid(),
            meta.mode() & 0o7777
        );
    }
}

/// Every process of this machine: its pid and its command line (the
/// arguments separated by spaces), as any user can read them.
pub fn command_lines() -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let pid = e.file_name().to_string_lossy().into_owned();
            if !pid.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let line = std::fs::read(e.path().join("cmdline")).ok()?;
            Some((pid, String::from_utf8_lossy(&line).replace('\0', " ")))
        })
        .collect()
}

pub fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("cannot chmod {}: {e}", path.display()));
}

/// Runs the Perl program `script` as the attacker, with `args`; killed
/// when dropped. Perl is part of every Debian (perl-base is essential),
/// and fast enough to race a shell: no process per attempt.
pub struct Attacker {
    child: Child,
}

impl Attacker {
    pub fn start(script: &str, args: &[&Path]) -> Attacker {
        let child = Command::new("perl")
            .arg("-e")
            .arg(script)
            .args(args)
            .uid(NOBODY)
            .gid(NOBODY)
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the attacker: {e}"));
        Attacker { child }
    }
}

impl Drop for Attacker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
