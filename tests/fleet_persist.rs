//! SSH connections that outlive a run (`--ssh-persist`): the next run to
//! the same host reuses the connection, a connection that has gone is
//! replaced, a run keeps its connections however long it waits between two
//! commands, and `--ssh-persist 0` leaves nothing behind.
//!
//! Each test keeps its masters in a runtime directory of its own
//! (`XDG_RUNTIME_DIR`), so tests do not share them.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

mod fleet_common;
use fleet_common::{Program, Testbed, assert_exit, json_lines, testbed};

/// Prints the pid of the sshd process above the shell: the per-connection
/// sshd, however deep the command's shells are nested.
const SSHD_PID: &str = "p=$$; while [ \"$(cat /proc/$p/comm)\" != sshd ] && [ $p -gt 1 ]; \
     do p=$(cut -d' ' -f4 /proc/$p/stat); done; echo $p";

struct Setup {
    bed: Testbed,
    folder: tempfile::TempDir,
    runtime: tempfile::TempDir,
}

fn setup() -> Option<Setup> {
    let bed = testbed()?;
    let folder = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary folder: {e}"));
    std::fs::write(folder.path().join("hosts.ini"), "infrac-host-1\n")
        .unwrap_or_else(|e| panic!("cannot write the inventory: {e}"));
    let runtime = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary folder: {e}"));
    Some(Setup {
        bed,
        folder,
        runtime,
    })
}

impl Setup {
    fn env(&self) -> [(&'static str, &Path); 1] {
        [("XDG_RUNTIME_DIR", self.runtime.path())]
    }

    /// The pid of the sshd process that serves the connection (the same
    /// for every command of one connection), printed by [`SSHD_PID`].
    fn connection_pid(&self, extra: &[&str]) -> String {
        let mut args = vec!["-i", "hosts.ini", "--format", "json"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", SSHD_PID]);
        let out = self
            .bed
            .infrac_with_env(self.folder.path(), &self.env(), "exec", &args);
        assert_exit(&out, 0);
        let lines = json_lines(&out);
        let line = lines
            .iter()
            .find(|l| l["host"] == "infrac-host-1" && l["stdout"].is_string())
            .unwrap_or_else(|| panic!("no output from infrac-host-1: {lines:?}"));
        line["stdout"]
            .as_str()
            .unwrap_or_default()
            .trim()
            .to_string()
    }

    /// One run, then `ssh -O OP` on the master it left: the connection's
    /// pid, the master's socket and ssh's output.
    fn run_then_control(&self, op: &str) -> (String, PathBuf, Output) {
        let pid = self.connection_pid(&[]);
        let sockets = self.sockets();
        assert_eq!(sockets.len(), 1, "{sockets:?}");
        let socket = sockets[0].clone();
        let out = std::process::Command::new("ssh")
            .arg("-S")
            .arg(&socket)
            .args(["-O", op, "unused"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run ssh: {e}"));
        (pid, socket, out)
    }

    /// The control sockets left under the test's runtime directory.
    fn sockets(&self) -> Vec<PathBuf> {
        let root = self.runtime.path().join("infrac-ssh");
        let mut found = Vec::new();
        for key in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            for master in std::fs::read_dir(key.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let socket = master.path().join("master");
                if socket.exists() {
                    found.push(socket);
                }
            }
        }
        found
    }
}

#[test]
fn a_second_run_reuses_the_connection() {
    let Some(s) = setup() else { return };
    let first = s.connection_pid(&[]);
    assert_eq!(s.sockets().len(), 1, "one master persists after the run");
    let second = s.connection_pid(&[]);
    assert_eq!(first, second, "the second run used the same connection");

    // Without persistence: a connection of its own, closed at the end.
    let own = s.connection_pid(&["--ssh-persist", "0"]);
    assert_ne!(own, first);
    assert_eq!(s.sockets().len(), 1, "--ssh-persist 0 left a master behind");
}

#[test]
fn a_connection_that_has_gone_is_replaced() {
    let Some(s) = setup() else { return };
    // Stop the master the way its host would end it.
    let (first, _, stop) = s.run_then_control("exit");
    assert!(stop.status.success(), "{stop:?}");

    let second = s.connection_pid(&[]);
    assert_ne!(first, second, "a new connection");
    assert_eq!(s.sockets().len(), 1, "{:?}", s.sockets());
}

#[test]
fn a_killed_master_is_replaced_and_its_directory_removed() {
    let Some(s) = setup() else { return };
    // `ssh -O check` says "Master running (pid=N)".
    let (first, socket, check) = s.run_then_control("check");
    let text = String::from_utf8_lossy(&check.stderr).into_owned();
    let pid = text
        .split("pid=")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no pid in {text:?}"));
    // SIGKILL: the master leaves its socket behind, nobody listening.
    let kill = std::process::Command::new("kill")
        .args(["-KILL", pid])
        .status()
        .unwrap_or_else(|e| panic!("cannot run kill: {e}"));
    assert!(kill.success());
    std::thread::sleep(Duration::from_millis(200));
    assert!(socket.exists());

    let second = s.connection_pid(&[]);
    assert_ne!(first, second, "a new connection");
    assert!(!socket.exists(), "the dead master's directory is removed");
    assert_eq!(s.sockets().len(), 1, "{:?}", s.sockets());
}

#[test]
fn a_run_keeps_its_connection_longer_than_the_idle_time() {
    let Some(s) = setup() else { return };
    // host 1 idles while host 2 takes longer than --ssh-persist; its
    // master must still be there for the last stage.
    let pid = SSHD_PID.replace('"', "\\\"");
    let program = Program::new(&format!(
        r#"use std::server

param dir: str = "/tmp/unset"

group idle = [ssh("infrac-host-1")]
group slow = [ssh("infrac-host-2")]

stage first on idle {{ server.shell("mkdir -p {{dir}} && ({pid}) > {{dir}}/first") }}
stage wait on slow {{ server.shell("sleep 4") }}
stage last on idle {{ server.shell("({pid}) > {{dir}}/last") }}
"#
    ));
    let out = program.run_with_env(&s.bed, &s.env(), &["--ssh-persist", "1"]);
    assert_exit(&out, 0);
    let read =
        |name: &str| fleet_common::read_in("infrac-host-1", &format!("{}/{name}", program.dir));
    assert_eq!(
        read("first"),
        read("last"),
        "one connection for both stages"
    );

    // Once the run has let go, the masters time out.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(s.sockets(), Vec::<PathBuf>::new());
}
