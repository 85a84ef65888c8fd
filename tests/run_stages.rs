//! End-to-end tests of stages across several hosts (distinct `local()`
//! hosts and an inventory of local hosts): cross-stage values, serial
//! order, failure isolation, `--limit`.

mod run_common;
use run_common::{Program, summary_of};

const STAGES: &str = r#"
use std::server

param root: str

group web = [local(name: "web-1"), local(name: "web-2"), local(name: "web-3")]
group ctl = [local(name: "ctl")]

stage token on one(ctl) -> str { "tok-" + host.name }

stage names on web -> str { host.name }

stage app on web (serial: 1) {
  if host.name == "web-2" { fail "web-2 refuses" }
  server.shell("echo {host.name} {token} {len(names)} >> {root}/log")
}

stage after on web, ctl {
  server.shell("echo after {host.name} >> {root}/after")
}
"#;

fn lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn values_flow_to_later_stages_and_a_failed_host_is_out() {
    let program = Program::new(STAGES);
    let out = program.run_json(&[]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // serial: 1 keeps the hosts' order; web-2 failed and runs nothing more.
    assert_eq!(
        lines(&program.root().join("log")),
        vec!["web-1 tok-ctl 3", "web-3 tok-ctl 3"]
    );
    let mut after = lines(&program.root().join("after"));
    after.sort();
    assert_eq!(after, vec!["after ctl", "after web-1", "after web-3"]);
    let summary = summary_of(&out);
    assert_eq!(summary["failed"], 1);
    assert_eq!(
        summary["hosts"]["web-2"]["error"]["message"],
        "web-2 refuses"
    );
    assert_eq!(summary["hosts"]["web-2"]["error"]["stage"], "app");
    assert_eq!(summary["hosts"]["web-2"]["error"]["line"], 14);
}

#[test]
fn limit_by_host_group_and_glob() {
    let program = Program::new(STAGES);
    let out = program.run_json(&["--limit", "web-3", "--limit", "ctl"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines(&program.root().join("log")), vec!["web-3 tok-ctl 1"]);
    let hosts = summary_of(&out)["hosts"]
        .as_object()
        .map(|h| h.keys().cloned().collect::<Vec<_>>());
    assert_eq!(hosts, Some(vec!["ctl".to_string(), "web-3".to_string()]));

    let globbed = Program::new(STAGES);
    let out = globbed.run_json(&["--limit", "web-[13]*,ctl", "--limit", "*-1"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "`[` is not a wildcard: web-[13]* matches nothing"
    );
    let out = globbed.run_json(&["--limit", "*-1,ctl"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines(&globbed.root().join("log")), vec!["web-1 tok-ctl 1"]);
}

#[test]
fn hosts_from_an_inventory() {
    let program = Program::new(
        r#"
use std::server

param root: str

group web = inventory("hosts.ini", group: "web")

stage s on web {
  server.shell("echo {host.name} >> {root}/seen")
}
"#,
    );
    program.write(
        "hosts.ini",
        "[web]\nalpha ansible_connection=local\nbeta ansible_connection=local\n\n[db]\ngamma\n",
    );
    let out = program.run_json(&["--limit", "web"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut seen = lines(&program.root().join("seen"));
    seen.sort();
    assert_eq!(seen, vec!["alpha", "beta"]);
}

#[test]
fn parallel_one_runs_hosts_one_at_a_time() {
    let program = Program::new(
        r#"
use std::server

param root: str

group web = [local(name: "a"), local(name: "b"), local(name: "c")]

stage s on web {
  server.shell("mkdir {root}/lock && sleep 0.1 && rmdir {root}/lock")
}
"#,
    );
    // Two hosts at once would find the lock held and fail.
    let out = program.run_json(&["--parallel", "1"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(summary_of(&out)["changed"], 3);
    assert_eq!(
        program.run_json(&["--parallel", "0"]).status.code(),
        Some(2),
        "--parallel 0 is a usage error"
    );
}

#[test]
fn a_stage_value_whose_host_is_left_out_is_a_clear_error() {
    let program = Program::new(STAGES);
    let out = program.run_json(&["--limit", "web-1"]);
    assert_eq!(out.status.code(), Some(3));
    let error = &summary_of(&out)["hosts"]["web-1"]["error"];
    assert_eq!(
        error["message"],
        "stage `token` has no value here (it has not run, or it failed)"
    );
    assert_eq!(error["stage"], "app");
}

#[test]
fn an_unreachable_host_fails_and_the_others_go_on() {
    if !run_common::has_command("ssh") {
        eprintln!("skipped: no ssh client");
        return;
    }
    // Port 1 on loopback refuses at once.
    let program = Program::new(
        r#"
use std::server

param root: str

group web = [ssh("127.0.0.1", port: 1, name: "gone"), local(name: "here")]

stage s on web {
  server.shell("touch {root}/{host.name}")
}
"#,
    );
    let out = program.run_json(&[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(program.root().join("here").exists());
    let summary = summary_of(&out);
    let error = &summary["hosts"]["gone"]["error"];
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("127.0.0.1")),
        "{error}"
    );
    assert_eq!(error["line"], 8, "the stage's header");
    assert_eq!(summary["hosts"]["here"]["failed"], false);
}
