//! `infrac run` over SSH against the loopback test bed (tests/testbed):
//! three real sshd hosts, user `deploy` with passwordless sudo. Skipped
//! when the test bed is not up; a failure when `INFRAC_TESTBED=1`.

mod run_common;
use run_common::{Program, op_events, ssh_config, summary_of};

/// `root` is a folder on the hosts; `/opt` is writable by root only.
const FLEET: &str = r#"
use std::files

param root: str
param cleanup: bool = false

group web = [ssh("infrac-host-1"), ssh("infrac-host-2"), ssh("infrac-host-3")]

stage first on one(web) -> str { host.name }

stage deploy on web (serial: 2) {
  let marker = "/opt/{host.name}-{len(root)}"
  if cleanup {
    files.file(marker, present: false, sudo: true)
    files.directory(root, present: false)
  } else {
    files.directory(root, mode: 0o755)
    files.file("{root}/motd", content: "managed by infrac, first host {first}\n")
    files.line("{root}/hosts", host.name)
    files.file(marker, content: "written as root\n", mode: 0o644, sudo: true)
    if facts.file(marker)?.owner != "root" { fail "sudo did not write as root" }
  }
}
"#;

#[test]
fn a_fleet_over_ssh_changes_once_then_nothing() {
    let Some(config) = ssh_config() else { return };
    let config = config.to_string_lossy().into_owned();
    let program = Program::new(FLEET);
    let root = format!("root=/tmp/infrac-e2e-{}", std::process::id());
    let run = |extra: &[&str]| {
        let mut args = vec!["--ssh-config", config.as_str(), "--set", root.as_str()];
        args.extend_from_slice(extra);
        let out = program.run_json(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        out
    };

    let first = run(&[]);
    let deploy: Vec<_> = op_events(&first)
        .into_iter()
        .filter(|op| op["stage"] == "deploy")
        .collect();
    assert_eq!(deploy.len(), 12, "4 ops on 3 hosts: {deploy:#?}");
    assert!(
        deploy.iter().all(|op| op["status"] == "changed"),
        "{deploy:#?}"
    );

    let second = run(&[]);
    assert_eq!(
        summary_of(&second)["changed"],
        0,
        "second run: nothing to do"
    );
    assert!(
        op_events(&second)
            .iter()
            .all(|op| op["commands"] == serde_json::json!([]))
    );

    let removed = run(&["--set", "cleanup=true"]);
    assert_eq!(
        summary_of(&removed)["changed"],
        6,
        "marker and folder on 3 hosts"
    );
}
