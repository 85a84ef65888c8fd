//! The standard library's own self-test program (`stdlib/tests/ops_local.infra`,
//! every `files` op and `server.shell` on this machine, with a `verify`
//! stage that fails when an op left anything else than documented): the
//! first run succeeds, the second changes nothing and runs no changing
//! command.

mod run_common;

use std::process::{Command, Output};

use run_common::{op_events, summary_of};

fn run_selftest(root: &std::path::Path) -> Output {
    let program = concat!(env!("CARGO_MANIFEST_DIR"), "/stdlib/tests/ops_local.infra");
    let out = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(["run", program, "--yes", "--format", "json", "--set"])
        .arg(format!("root={}", root.display()))
        .output()
        .unwrap_or_else(|e| panic!("cannot run infrac: {e}"));
    assert!(
        out.status.success(),
        "the self-test failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn the_files_self_test_converges_then_changes_nothing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("cannot make a temporary folder: {e}"));
    let root = dir.path().join("root");

    let first = run_selftest(&root);
    assert!(summary_of(&first)["changed"].as_u64().unwrap_or(0) > 0);

    let second = run_selftest(&root);
    assert_eq!(summary_of(&second)["changed"], 0);
    for op in op_events(&second) {
        assert_eq!(
            op["commands"],
            serde_json::json!([]),
            "second run ran a changing command: {op}"
        );
    }
}
