//! F20: a second Ctrl-C stops infrac at once, saying what may be left.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::run_common::Program;

const SLEEP: &str = r#"
use std::server
param root: str
group here = [local()]
stage s on here { server.shell("sleep 20") }
"#;

fn interrupt(pid: u32) {
    let sent = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status();
    assert!(sent.is_ok_and(|s| s.success()), "cannot send SIGINT");
}

#[test]
fn a_second_interrupt_stops_at_once() {
    let program = Program::new(SLEEP);
    let mut run = program.spawn_json(&[]);
    std::thread::sleep(Duration::from_millis(800));
    interrupt(run.id());
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        run.try_wait().ok().flatten().is_none(),
        "the first Ctrl-C waits for the running command"
    );
    let started = Instant::now();
    interrupt(run.id());
    let out = run.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(130));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("interrupted again: stopping now"),
        "{stderr}"
    );
}
