//! Every example runs, and its second run changes nothing: the local ones
//! on this machine (in a temporary folder), the fleet ones on the SSH test
//! bed. (`tests/cli_check.rs` checks that they all check clean;
//! `examples/web_db.infra` installs packages from the Debian mirror and
//! `examples/fleet.infra` has its own test in `fleet_converge.rs`.)

mod fleet_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fleet_common::{json_lines, summary_of, testbed};

fn example(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(path)
}

fn infrac(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run infrac: {e}"))
}

/// Runs `program` twice with `args`: both runs succeed, the second changes
/// nothing.
fn converges(program: &str, args: &[String]) {
    let mut all = vec![
        "run".to_string(),
        example(program).display().to_string(),
        "--yes".into(),
        "--format".into(),
        "json".into(),
    ];
    all.extend_from_slice(args);
    for run in ["first", "second"] {
        let out = infrac(&all);
        assert!(
            out.status.success(),
            "{program}: the {run} run failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if run == "second" {
            let changed: Vec<_> = json_lines(&out)
                .into_iter()
                .filter(|l| l["event"] == "op" && l["changed"] == true)
                .collect();
            assert_eq!(summary_of(&out)["changed"], 0, "{program}: {changed:?}");
        }
    }
}

fn set(name: &str, value: &Path) -> [String; 2] {
    ["--set".into(), format!("{name}={}", value.display())]
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("cannot make a temporary folder: {e}"))
}

#[test]
fn quickstart() {
    let dir = temp();
    converges("quickstart.infra", &set("root", &dir.path().join("qs")));
}

#[test]
fn service_with_a_handler_a_secret_and_a_wait() {
    let dir = temp();
    let root = dir.path().join("svc");
    converges("service.infra", &set("root", &root));
    // Two runs, one restart: the handler ran only when the files changed.
    let restarts = std::fs::read_to_string(root.join("restarts")).unwrap_or_default();
    assert_eq!(restarts.lines().count(), 1, "{restarts}");
    let token = std::fs::read_to_string(root.join("token")).unwrap_or_default();
    assert_eq!(token, "example-token-not-a-real-one");
}

#[test]
fn custom_fact() {
    let dir = temp();
    converges(
        "custom_fact.infra",
        &set("report", &dir.path().join("report.txt")),
    );
}

#[test]
fn multi_file_program() {
    let dir = temp();
    converges("multi/site.infra", &set("root", &dir.path().join("multi")));
}

/// The fleet examples, against the test bed: its key, and its host keys
/// through an ssh config of this test's own.
fn on_the_testbed(program: &str, extra: &[&str]) {
    let Some(bed) = testbed() else { return };
    let dir = temp();
    let config = dir.path().join("ssh_config");
    let known = bed.state.join("known_hosts");
    std::fs::write(
        &config,
        format!(
            "Host 127.0.0.1\n    UserKnownHostsFile {}\n    StrictHostKeyChecking yes\n    BatchMode yes\n",
            known.display()
        ),
    )
    .unwrap_or_else(|e| panic!("cannot write the ssh config: {e}"));
    let mut args = set("identity", &bed.state.join("id_ed25519")).to_vec();
    args.extend(["--ssh-config".to_string(), config.display().to_string()]);
    args.extend(extra.iter().map(|a| a.to_string()));
    converges(program, &args);
}

#[test]
fn cross_host_value_on_the_testbed() {
    on_the_testbed("cross_host.infra", &[]);
}

#[test]
fn rolling_update_on_the_testbed() {
    // The example names four hosts; the test bed runs three.
    on_the_testbed("rolling.infra", &["--limit", "app-1,app-2,app-3"]);
}
