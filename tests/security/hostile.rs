//! A host that prints without end (F05) or sends terminal escapes (F17):
//! its host fails with a clear error, the controller's memory stays
//! bounded, and nothing reaches the terminal raw.

use std::time::{Duration, Instant};

use crate::run_common::Program;

const ENDLESS: &str = r#"
param root: str
group here = [local()]
stage s on here { let _r = probe(sh"cat /dev/zero") }
"#;

/// The peak resident memory of process `pid` so far, in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_host_printing_without_end_fails_with_bounded_memory() {
    let program = Program::new(ENDLESS);
    let mut run = program.spawn_json(&["--max-output", "16"]);
    let started = Instant::now();
    let mut peak = 0;
    let status = loop {
        if let Some(status) = run.try_wait().ok().flatten() {
            break status;
        }
        peak = peak.max(peak_kib(run.id()).unwrap_or(0));
        assert!(started.elapsed() < Duration::from_secs(60), "still running");
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = run.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("a command printed more than 16 MiB on stdout: it was stopped"),
        "{stdout}"
    );
    // 16 MiB kept, at most a few copies of it, plus the program.
    assert!(peak < 200 << 10, "peak memory {peak} KiB");
}

const ESCAPES: &str = r#"
use std::server
param root: str
group here = [local()]
stage s on here { server.shell("printf 'ok\\033]0;PWNED-TITLE\\007\\033[2K\\033[8m hidden\\n' >&2; exit 1") }
"#;

#[test]
fn terminal_escapes_from_a_host_are_written_out() {
    let program = Program::new(ESCAPES);
    let out = program.run(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "a raw escape: {stdout:?}");
    assert!(stdout.contains(r"ok\x1b]0;PWNED-TITLE\x07"), "{stdout}");
}

const NUL: &str = r#"
use std::files
param root: str
group here = [local()]
stage s on here {
  files.file("{root}/innocent", content: "x\n")
  let v = probe(sh"printf 'a\\000b'").stdout
  files.directory("{root}/{v}")
}
"#;

#[test]
fn a_nul_byte_from_a_host_fails_the_op_that_uses_it() {
    let program = Program::new(NUL);
    let out = program.run_json(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("holds a NUL byte"), "{stdout}");
    assert!(!stdout.contains("connection lost"), "{stdout}");
    let failed: Vec<_> = crate::run_common::op_events(&out)
        .into_iter()
        .filter(|e| e["status"] == "failed")
        .map(|e| e["line"].clone())
        .collect();
    assert_eq!(failed, [serde_json::json!(8)], "{stdout}");
}
