//! Facts through sudo over SSH (language.md §2.12), on the loopback test
//! bed as user `deploy` (passwordless sudo): root-only files managed with
//! `sudo: true` are read as root, so a second run changes nothing. Skipped
//! when the test bed is not up; a failure when `INFRAC_TESTBED=1`.

mod run_common;
use run_common::{Program, op_events, ssh_config, summary_of};

/// `/opt` is readable by everyone, `/root` by root only; `tag` keeps
/// concurrent runs apart.
const SOURCE: &str = r#"
use std::files

param root: str // set by the test harness; unused on the SSH host
param tag: str
param cleanup: bool = false

group box = [ssh("infrac-host-1")]

stage by_op on box {
  let env = "/opt/infrac-{tag}.env"
  if cleanup {
    files.file(env, present: false, sudo: true)
  } else {
    files.file(env, content: "token=1\n", mode: 0o600, sudo: true)
  }
}

stage by_stage on box (sudo: true) {
  let hidden = "/root/infrac-{tag}.env"
  if cleanup {
    files.file(hidden, present: false)
  } else {
    files.file(hidden, content: "token=2\n", mode: 0o600)
    if facts.file(hidden) == none { fail "{hidden} is not visible to root" }
  }
}
"#;

#[test]
fn root_only_files_over_ssh_change_once_then_nothing() {
    let Some(config) = ssh_config() else { return };
    let config = config.to_string_lossy().into_owned();
    let program = Program::new(SOURCE);
    let tag = format!("tag=e2e-sudo-facts-{}", std::process::id());
    let run = |extra: &[&str]| {
        let mut args = vec!["--ssh-config", config.as_str(), "--set", tag.as_str()];
        args.extend_from_slice(extra);
        let out = program.run_json(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };

    let first = run(&[]);
    assert_eq!(summary_of(&first)["changed"], 2, "both files written");
    let second = run(&[]);
    assert_eq!(
        summary_of(&second)["changed"],
        0,
        "second run: the files were read as root"
    );
    assert!(
        op_events(&second)
            .iter()
            .all(|op| op["commands"] == serde_json::json!([])),
        "{:#?}",
        op_events(&second)
    );
    let removed = run(&["--set", "cleanup=true"]);
    assert_eq!(summary_of(&removed)["changed"], 2, "both files removed");
}
