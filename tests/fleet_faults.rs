//! Faults on the test bed: an unreachable host, a container stopped in the
//! middle of a stage, a command hanging past `--timeout`, a host past
//! `--host-timeout` — each reported for its host while the others
//! converge; exit code 3.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod fleet_common;
use fleet_common::{OwnContainer, Program, assert_exit, docker, read_in, summary_of, testbed};

/// A loopback port nothing listens on (bound, then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("cannot find a free port: {e}"))
}

const FAULTS: &str = r#"
use std::files
use std::server

param dir: str
param box: str
param port: int

group good = [ssh("infrac-host-1"), ssh("infrac-host-2")]
group bad = [
  ssh("127.0.0.1", port: port, user: "deploy", name: "nobody"),
  docker(box, name: "stopped"),
  ssh("infrac-host-3", name: "hang"),
]

stage s on good, bad {
  files.directory(dir)
  if host.name == "stopped" { server.shell("touch /tmp/started; sleep 60") }
  if host.name == "hang" { server.shell("sleep 60") }
  files.file("{dir}/done", content: "ok\n")
}
"#;

#[test]
fn each_fault_is_reported_for_its_host_while_the_others_converge() {
    let Some(bed) = testbed() else { return };
    let own = OwnContainer::start();
    let program = Program::new(FAULTS);
    let dir = format!("dir={}", program.dir);
    let box_arg = format!("box={}", own.name);
    let port = format!("port={}", free_port());
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .current_dir(program.folder())
        .args([
            "run",
            "site.infra",
            "--yes",
            "--format",
            "json",
            "--timeout",
            "4",
        ])
        .args(["--set", &dir, "--set", &box_arg, "--set", &port])
        .args(["--ssh-config", &bed.ssh_config()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run infrac: {e}"));
    // Stop the container once its long command runs.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !docker(&["exec", &own.name, "test", "-e", "/tmp/started"])
        .status
        .success()
    {
        assert!(
            Instant::now() < deadline,
            "the container's command never started"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(docker(&["kill", &own.name]).status.success());
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("infrac did not finish: {e}"));
    assert_exit(&out, 3);
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "no host waited for its sleep 60"
    );

    let summary = summary_of(&out);
    for host in ["infrac-host-1", "infrac-host-2"] {
        assert_eq!(summary["hosts"][host]["failed"], false, "{summary}");
        assert_eq!(read_in(host, &format!("{}/done", program.dir)), "ok\n");
    }
    let error = |host: &str| {
        summary["hosts"][host]["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        error("nobody").contains("cannot connect"),
        "{}",
        error("nobody")
    );
    assert!(!error("stopped").is_empty(), "{summary}");
    assert!(error("hang").contains("timed out"), "{}", error("hang"));
    // The stopped and hanging hosts failed inside their shell op.
    for (host, line) in [("stopped", 18), ("hang", 19)] {
        assert_eq!(summary["hosts"][host]["error"]["line"], line, "{summary}");
    }
    assert_eq!(summary["failed"], 3);
}

#[test]
fn a_host_past_its_host_timeout_fails_and_the_others_finish() {
    let Some(bed) = testbed() else { return };
    let program = Program::new(
        r#"
use std::server

param dir: str

group all = [ssh("infrac-host-1"), ssh("infrac-host-2")]

stage s on all {
  server.shell("mkdir -p {dir}; touch {dir}/one")
  if host.name == "infrac-host-2" {
    server.shell("sleep 1")
    server.shell("sleep 1")
    server.shell("sleep 1")
  }
  server.shell("touch {dir}/two")
}
"#,
    );
    let out = program.run(&bed, &["--host-timeout", "2"]);
    assert_exit(&out, 3);
    let summary = summary_of(&out);
    assert_eq!(
        summary["hosts"]["infrac-host-1"]["failed"], false,
        "{summary}"
    );
    let message = summary["hosts"]["infrac-host-2"]["error"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("host timeout"), "{message}");
    let two = |host: &str| {
        docker(&["exec", host, "test", "-e", &format!("{}/two", program.dir)])
            .status
            .success()
    };
    assert!(two("infrac-host-1"));
    assert!(!two("infrac-host-2"));
}

#[test]
fn a_host_timeout_stops_the_command_on_the_host_too() {
    let Some(bed) = testbed() else { return };
    let program = Program::new(
        r#"
use std::server

param dir: str

group slow = [ssh("infrac-host-3")]

stage s on slow {
  let _r = probe(sh"sleep 30; echo {dir}")
}
"#,
    );
    let out = program.run(&bed, &["--host-timeout", "2"]);
    assert_exit(&out, 3);
    let summary = summary_of(&out);
    let message = summary["hosts"]["infrac-host-3"]["error"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("host timeout"), "{message}");
    // The command's own limit on the host ends with the host's time (and
    // `timeout -k` kills 2 s later at most).
    std::thread::sleep(std::time::Duration::from_secs(3));
    let left = docker(&["exec", "infrac-host-3", "pgrep", "-f", &program.dir]);
    assert!(
        String::from_utf8_lossy(&left.stdout).trim().is_empty(),
        "still running on the host: {}",
        String::from_utf8_lossy(&left.stdout)
    );
}
