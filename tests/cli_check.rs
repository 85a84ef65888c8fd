//! `infrac check`: exit codes, JSON output and the summary line, through
//! the built binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

use std::path::Path;
use std::process::{Command, Output};

fn infrac_check(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_infrac"))
        .arg("check")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run infrac")
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write fixture");
}

const CLEAN: &str = "group web = [local()]\nstage s on web { let _x = facts.hostname }\n";
const BROKEN: &str = "fn f(): str { 42 }\nfn g(): int { nope }\n";

#[test]
fn clean_program_exits_zero_silently() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "site.infra", CLEAN);
    let out = infrac_check(dir.path(), &["site.infra"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn warnings_alone_exit_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "site.infra",
        "fn f(): int {\n  let unused = 1\n  2\n}\n",
    );
    let out = infrac_check(dir.path(), &["site.infra"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("W0101"), "{stderr}");
    assert!(
        stderr.contains("warning: `site.infra` generated 1 warning"),
        "{stderr}"
    );
}

#[test]
fn errors_exit_one_with_a_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "site.infra", BROKEN);
    let out = infrac_check(dir.path(), &["site.infra"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("[E0201] Error: expected `str`, found `int`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: could not check `site.infra` due to 2 previous errors"),
        "{stderr}"
    );
    // Not a terminal: no colour codes.
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
}

#[test]
fn json_output_has_one_based_positions() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "site.infra", BROKEN);
    let out = infrac_check(dir.path(), &["site.infra", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    let expected = serde_json::json!([
        {"file": "site.infra", "line": 1, "column": 15, "end_line": 1, "end_column": 17,
         "severity": "error", "code": "E0201", "message": "expected `str`, found `int`"},
        {"file": "site.infra", "line": 2, "column": 15, "end_line": 2, "end_column": 19,
         "severity": "error", "code": "E0101", "message": "unknown name `nope`"},
    ]);
    assert_eq!(json, expected);
}

#[test]
fn folders_check_every_infra_file_and_modules_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "a.infra",
        "use lib::common\nfn f(): int { common.one() }\n",
    );
    write(
        dir.path(),
        "b.infra",
        "use lib::common\nfn g(): int { common.one() }\n",
    );
    write(
        dir.path(),
        "lib/common.infra",
        "pub fn one(): int { \"1\" }\n",
    );
    let out = infrac_check(dir.path(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let files: Vec<&str> = json
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["file"].as_str())
        .collect();
    assert_eq!(files, ["lib/common.infra"], "{json}");
}

#[test]
fn missing_path_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = infrac_check(dir.path(), &["nothere.infra"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot read `nothere.infra`"),
        "{stderr}"
    );
}

#[test]
fn bad_format_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "site.infra", CLEAN);
    let out = infrac_check(dir.path(), &["site.infra", "--format", "xml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_stdlib_and_examples_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = infrac_check(root, &["stdlib", "examples"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_closed_stdout_is_not_a_crash() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(dir.path(), "bad.infra", "let x: int = \"no\"\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .current_dir(dir.path())
        .args(["check", "bad.infra", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run infrac: {e}"));
    // The reader goes away before infrac writes (`infrac check | head -0`).
    drop(child.stdout.take());
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("cannot wait for infrac: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
}
