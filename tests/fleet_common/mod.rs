//! Helpers of the fleet tests: the SSH/Docker test bed (`tests/testbed`),
//! programs run by the real `infrac` binary against its hosts, containers
//! of a test's own, and reading files back from the hosts.
//!
//! A test calls [`testbed`] first: without the test bed it is skipped with
//! a message, unless `INFRAC_TESTBED=1` says the test bed must be up.

#![allow(dead_code)] // each test file uses its own subset

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::Value as Json;

/// The running test bed: `infrac-host-1..3` over SSH (user `deploy`).
pub struct Testbed {
    pub state: PathBuf,
}

pub fn testbed() -> Option<Testbed> {
    let state = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/testbed/.state");
    let required = std::env::var("INFRAC_TESTBED").is_ok_and(|v| v == "1");
    let problem = if !state.join("ssh_config").exists() {
        Some(format!("{} has no ssh_config", state.display()))
    } else if !(1..=3).all(|n| listening(2200 + n)) {
        Some("nothing listens on 127.0.0.1:2201..2203".to_string())
    } else if !docker(&["info"]).status.success() {
        Some("the Docker engine does not answer".to_string())
    } else {
        None
    };
    match problem {
        None => Some(Testbed { state }),
        Some(problem) if required => {
            panic!("INFRAC_TESTBED=1 but the test bed is not up: {problem}")
        }
        Some(problem) => {
            eprintln!("skipped: the test bed is not up ({problem}); run tests/testbed/up.sh");
            None
        }
    }
}

pub fn listening(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}

impl Testbed {
    pub fn ssh_config(&self) -> String {
        self.state.join("ssh_config").display().to_string()
    }

    /// `infrac SUBCOMMAND --ssh-config <test bed> ARGS...` in `dir`.
    pub fn infrac(&self, dir: &Path, subcommand: &str, args: &[&str]) -> Output {
        self.infrac_with_env(dir, &[], subcommand, args)
    }

    /// [`Testbed::infrac`] with these environment variables set.
    pub fn infrac_with_env(
        &self,
        dir: &Path,
        env: &[(&str, &Path)],
        subcommand: &str,
        args: &[&str],
    ) -> Output {
        Command::new(env!("CARGO_BIN_EXE_infrac"))
            .current_dir(dir)
            .envs(env.iter().copied())
            .args([subcommand, "--ssh-config", &self.ssh_config()])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run infrac: {e}"))
    }
}

/// A folder name unique to this test process and call, for files on the
/// hosts (tests run in parallel against the same containers).
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

/// A program in a temporary folder, with its remote folder `dir` (the
/// program's `dir` param): `/tmp/<unique>` on every host.
pub struct Program {
    folder: tempfile::TempDir,
    pub dir: String,
}

impl Program {
    pub fn new(source: &str) -> Program {
        let folder =
            tempfile::tempdir().unwrap_or_else(|e| panic!("cannot make a temporary folder: {e}"));
        let program = Program {
            folder,
            dir: format!("/tmp/{}", unique("infrac-fleet")),
        };
        program.write("site.infra", source);
        program
    }

    pub fn folder(&self) -> &Path {
        self.folder.path()
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.folder.path().join(name), text)
            .unwrap_or_else(|e| panic!("cannot write {name}: {e}"));
    }

    /// `infrac run site.infra --yes --format json --set dir=DIR ARGS...`.
    pub fn run(&self, bed: &Testbed, args: &[&str]) -> Output {
        self.run_with_env(bed, &[], args)
    }

    /// [`Program::run`] with these environment variables set.
    pub fn run_with_env(&self, bed: &Testbed, env: &[(&str, &Path)], args: &[&str]) -> Output {
        let dir = format!("dir={}", self.dir);
        let mut all = vec!["site.infra", "--yes", "--format", "json", "--set", &dir];
        all.extend_from_slice(args);
        bed.infrac_with_env(self.folder(), env, "run", &all)
    }

    /// Removes `dir` on the test bed's containers and on this machine.
    fn clean(&self) {
        for n in 1..=3 {
            let name = format!("infrac-host-{n}");
            let _ = docker(&["exec", &name, "rm", "-rf", &self.dir]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        self.clean();
    }
}

pub fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run docker: {e}"))
}

/// The text of `path` in a container (empty when absent).
pub fn read_in(container: &str, path: &str) -> String {
    String::from_utf8_lossy(&docker(&["exec", container, "cat", path]).stdout).into_owned()
}

/// A container of the test's own (from the test bed's image, no network),
/// removed when dropped.
pub struct OwnContainer {
    pub name: String,
}

impl OwnContainer {
    pub fn start() -> OwnContainer {
        let name = unique("infrac-fleet-box");
        let out = docker(&[
            "run",
            "-d",
            "--rm",
            "--network",
            "none",
            "--name",
            &name,
            "infrac-testbed:latest",
            "sleep",
            "infinity",
        ]);
        assert!(
            out.status.success(),
            "cannot start a container: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        OwnContainer { name }
    }
}

impl Drop for OwnContainer {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", &self.name]);
    }
}

/// Every stdout line as JSON (a line that is not JSON fails the test).
pub fn json_lines(out: &Output) -> Vec<Json> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

pub fn summary_of(out: &Output) -> Json {
    let summary = json_lines(out)
        .into_iter()
        .rev()
        .find(|l| l["event"] == "summary");
    summary.unwrap_or_else(|| panic!("no summary line; stderr: {}", stderr(out)))
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The exit code, with both outputs in the message when it is not `code`.
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(out)
    );
}

/// Timestamps (`date +%s.%N`) written by hosts, one per line.
pub fn times(text: &str) -> Vec<f64> {
    text.lines().filter_map(|l| l.trim().parse().ok()).collect()
}
