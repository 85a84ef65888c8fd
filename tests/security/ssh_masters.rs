//! SSH: a master started for one run must not outlive a killed infrac
//! (F10), and `--known-hosts off` must not record the keys it accepted
//! (S2). Against the loopback test bed.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::run_common::{Program, ssh_config};

/// The test bed's ssh config for `infrac-host-1`, with its known_hosts
/// file replaced by `known_hosts` (the copy's path also tells this test's
/// ssh processes from others').
fn config_copy(program: &Program, known_hosts: Option<&Path>) -> Option<String> {
    let original = std::fs::read_to_string(ssh_config()?).ok()?;
    let mut text = original;
    if let Some(file) = known_hosts {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("UserKnownHostsFile"))?
            .to_string();
        text = text.replace(&line, &format!("    UserKnownHostsFile {}", file.display()));
    }
    let dir = program.root().parent()?;
    let path = dir.join("ssh_config");
    std::fs::write(&path, text).ok()?;
    Some(path.display().to_string())
}

/// The pids of processes whose command line mentions `needle`.
fn processes_with(needle: &str) -> Vec<String> {
    crate::support::command_lines()
        .into_iter()
        .filter(|(_, line)| line.contains(needle))
        .map(|(pid, _)| pid)
        .collect()
}

const SLEEP: &str = r#"
use std::server
param root: str
group g = [ssh("infrac-host-1")]
stage s on g { server.shell("sleep 8") }
"#;

#[test]
fn a_master_not_kept_ends_soon_after_infrac_is_killed() {
    let program = Program::new(SLEEP);
    let Some(config) = config_copy(&program, None) else {
        return;
    };
    let mut run = program.spawn_json(&["--ssh-config", &config, "--ssh-persist", "0"]);
    let started = Instant::now();
    while processes_with(&config).len() < 2 && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    // infrac and its master are up; the command runs.
    std::thread::sleep(Duration::from_millis(500));
    let _ = run.kill();
    let _ = run.wait();
    // The command's channel lives on until it ends (8 s), then the master
    // waits for its idle time.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !processes_with(&config).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        processes_with(&config),
        Vec::<String>::new(),
        "a master outlived the killed run"
    );
}

const ECHO: &str = r#"
use std::server
param root: str
group g = [ssh("infrac-host-1")]
stage s on g { server.shell("true") }
"#;

#[test]
fn known_hosts_off_records_no_key() {
    let program = Program::new(ECHO);
    let known = program.root().parent().map(|d| d.join("known_hosts"));
    let Some(known) = known else { return };
    std::fs::write(&known, "").unwrap_or_else(|e| panic!("{e}"));
    let Some(config) = config_copy(&program, Some(&known)) else {
        return;
    };
    let out = program.run(&[
        "--ssh-config",
        &config,
        "--known-hosts",
        "off",
        "--ssh-persist",
        "0",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let recorded = std::fs::read_to_string(&known).unwrap_or_default();
    assert_eq!(recorded, "", "--known-hosts off recorded a key");
}

const DROP: &str = r#"
use std::files
use std::server
param root: str
param dir: str
group g = [ssh("infrac-host-1")]
stage s on g {
  files.directory(dir)
  files.file("{dir}/drop-a", content: "a\n")
  server.shell("sleep 4")
  files.file("{dir}/drop-b", content: "b\n")
}
"#;

/// F13: when the connection dies during a batch, the ops whose part had
/// finished are reported done, and the failure is placed at the command
/// that was running.
#[test]
fn a_connection_lost_mid_batch_keeps_the_finished_ops_and_places_the_loss() {
    let program = Program::new(DROP);
    let Some(config) = config_copy(&program, None) else {
        return;
    };
    let dir = format!("dir=/tmp/infrac-f13-{}", std::process::id());
    let mut run =
        program.spawn_json(&["--ssh-config", &config, "--ssh-persist", "0", "--set", &dir]);
    // The master of this run is the ssh process with the copied config
    // (once `ssh -f` has forked it); kill it while `sleep 4` runs.
    std::thread::sleep(Duration::from_millis(1500));
    let started = Instant::now();
    let master = loop {
        let ssh: Vec<String> = processes_with(&config)
            .into_iter()
            .filter(|pid| {
                std::fs::read_to_string(format!("/proc/{pid}/comm"))
                    .is_ok_and(|c| c.trim() == "ssh")
            })
            .collect();
        if let Some(pid) = ssh.first() {
            break pid.clone();
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no master");
        std::thread::sleep(Duration::from_millis(50));
    };
    let killed = std::process::Command::new("kill")
        .args(["-9", &master])
        .status();
    assert!(killed.is_ok_and(|s| s.success()));
    let _ = run.wait();
    let out = run.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let events = crate::run_common::op_events(&out);
    let status: Vec<(i64, String)> = events
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap_or(0),
                e["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        status,
        [
            (8, "changed".to_string()),
            (9, "changed".to_string()),
            (10, "failed".to_string())
        ],
        "{stdout}"
    );
    assert!(stdout.contains("connection lost"), "{stdout}");
}

/// S1: a kept connection is not reused once a host key is removed from a
/// known_hosts file that the user's ssh config names (not only
/// `~/.ssh/known_hosts`): the next run checks the key afresh and refuses.
#[test]
fn removing_a_host_key_from_a_configured_known_hosts_file_ends_reuse() {
    let program = Program::new(ECHO);
    let Some(original) = ssh_config() else { return };
    let dir = program
        .root()
        .parent()
        .map(|d| d.to_path_buf())
        .unwrap_or_default();
    let known = dir.join("known_hosts");
    let testbed_known = original.with_file_name("known_hosts");
    std::fs::copy(&testbed_known, &known).unwrap_or_else(|e| panic!("{e}"));
    let Some(config) = config_copy(&program, Some(&known)) else {
        return;
    };
    let first = program.run(&["--ssh-config", &config, "--ssh-persist", "30"]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stdout)
    );
    std::fs::write(&known, "").unwrap_or_else(|e| panic!("{e}"));
    let second = program.run(&["--ssh-config", &config, "--ssh-persist", "30"]);
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert_eq!(
        second.status.code(),
        Some(3),
        "the kept connection was reused: {stdout}"
    );
    assert!(stdout.contains("host key"), "{stdout}");
}
