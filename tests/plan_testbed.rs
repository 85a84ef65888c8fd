//! `infrac plan` and `infrac apply` against the SSH hosts of the test bed
//! (tests/testbed): a plan on fresh hosts, a host that drifts before the
//! apply is refused while the other is applied, then a new plan is empty
//! on the applied host.

mod fleet_common;
use fleet_common::{Program, docker, read_in, stderr, testbed};

use serde_json::Value as Json;

const SITE: &str = r#"
use std::files

param dir: str

group remote = [ssh("infrac-host-1"), ssh("infrac-host-2")]

stage site on remote {
  files.directory(dir, mode: 0o750)
  files.file("{dir}/motd", content: "hello from {host.name}\n", mode: 0o640)
}
"#;

fn plan_doc(out: &std::process::Output) -> Json {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not a plan ({e}): {}", stderr(out)))
}

/// `host`'s steps as `op: status`.
fn statuses(doc: &Json, host: &str) -> Vec<String> {
    let hosts = doc["hosts"].as_array().cloned().unwrap_or_default();
    let Some(h) = hosts.iter().find(|h| h["name"] == host) else {
        panic!("{host} is not in the plan: {doc:#}");
    };
    h["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|s| {
            format!(
                "{}: {}",
                s["op"].as_str().unwrap_or("?"),
                s["status"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

#[test]
fn plan_apply_with_a_drifted_host_then_an_empty_plan() {
    let Some(bed) = testbed() else { return };
    let program = Program::new(SITE);
    let dir = format!("dir={}", program.dir);
    let plan = |extra: &[&str]| {
        let mut args = vec!["site.infra", "--set", &dir, "--format", "json"];
        args.extend_from_slice(extra);
        bed.infrac(program.folder(), "plan", &args)
    };

    let first = plan(&["-o", "plan.json"]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}{}",
        stderr(&first),
        String::from_utf8_lossy(&first.stdout)
    );
    let doc = plan_doc(&first);
    assert_eq!(doc["summary"]["will_change"], 4, "{doc:#}");
    for host in ["infrac-host-1", "infrac-host-2"] {
        assert_eq!(
            statuses(&doc, host),
            ["files.directory: will_change", "files.file: will_change"]
        );
    }

    // infrac-host-2 changes after the plan.
    let drift = docker(&[
        "exec",
        "infrac-host-2",
        "sh",
        "-c",
        &format!("mkdir -p {0} && echo by hand > {0}/motd", program.dir),
    ]);
    assert!(drift.status.success(), "{}", stderr(&drift));

    let apply = bed.infrac(program.folder(), "apply", &["plan.json"]);
    let out = stderr(&apply) + &String::from_utf8_lossy(&apply.stdout);
    assert_eq!(apply.status.code(), Some(3), "{out}");
    assert!(out.contains("host `infrac-host-2` failed"), "{out}");
    assert!(
        out.contains(&format!(
            "the host drifted since the plan: facts.file({:?}) was none",
            program.dir
        )),
        "{out}"
    );
    let motd = format!("{}/motd", program.dir);
    assert_eq!(
        read_in("infrac-host-1", &motd),
        "hello from infrac-host-1\n"
    );
    assert_eq!(read_in("infrac-host-2", &motd), "by hand\n");

    let again = plan_doc(&plan(&[]));
    assert_eq!(
        statuses(&again, "infrac-host-1"),
        ["files.directory: no_change", "files.file: no_change"]
    );
}
