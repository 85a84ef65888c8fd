//! Handlers (docs/language.md §2.8a) end to end on the local machine:
//! each notified handler runs once per host, at the end of the stage (or
//! at `flush_handlers()`), in declaration order, only after a change; a
//! host that fails skips them unless `--force-handlers`; a plan shows them.

mod run_common;

use run_common::{Program, json_lines};

const SOURCE: &str = r#"
use std::files

param root: str
param stop: bool = false

group box = [local()]

op restart() { run(sh"echo restart >> {root}/log") }
op reload() { run(sh"echo reload >> {root}/log") }
op unused() { run(sh"echo unused >> {root}/log") }

/// Notifies from inside an op.
op site_conf() {
  files.file("{root}/site.conf", content: "site\n", notify: restart)
}

stage s on box {
  files.file("{root}/a", content: "a\n", notify: [reload, restart])
  files.file("{root}/b", content: "b\n", notify: restart)
  site_conf()
  files.file("{root}/c", content: "c\n", notify: unused)
  files.file("{root}/c", content: "c\n", notify: unused)
  if stop { fail "stopped on purpose" }
}

stage t on box {
  files.file("{root}/d", content: "d\n", notify: reload)
  flush_handlers()
  files.line("{root}/log", "after the flush")
}
"#;

fn log(program: &Program) -> String {
    std::fs::read_to_string(program.root().join("log")).unwrap_or_default()
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn handlers_run_once_in_declaration_order_after_a_change() {
    let program = Program::new(SOURCE);
    // `unused` is notified by a call that changed (the first write of c)
    // and by one that did not: it runs once.
    let first = program.run_json(&[]);
    assert!(first.status.success(), "{}", text(&first));
    assert_eq!(
        log(&program),
        "restart\nreload\nunused\nreload\nafter the flush\n"
    );
    let handlers: Vec<String> = json_lines(&first)
        .iter()
        .filter(|e| e["event"] == "op" && e["handler"] == true)
        .map(|e| format!("{} {} line {}", e["stage"], e["op"], e["line"]))
        .collect();
    assert_eq!(
        handlers,
        [
            r#""s" "handler site.restart" line 19"#,
            r#""s" "handler site.reload" line 19"#,
            r#""s" "handler site.unused" line 22"#,
            r#""t" "handler site.reload" line 28"#,
        ]
    );

    // Nothing changes: no handler runs.
    let second = program.run_json(&[]);
    assert!(second.status.success(), "{}", text(&second));
    assert_eq!(
        log(&program),
        "restart\nreload\nunused\nreload\nafter the flush\n"
    );
    let ran = json_lines(&second)
        .iter()
        .filter(|e| e["handler"] == true)
        .count();
    assert_eq!(ran, 0, "{}", text(&second));
}

#[test]
fn a_failed_host_skips_its_handlers_unless_forced() {
    let program = Program::new(SOURCE);
    let out = program.run(&["--set", "stop=true"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(log(&program), "", "handlers ran on a failed host");

    let program = Program::new(SOURCE);
    let out = program.run(&["--set", "stop=true", "--force-handlers"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(log(&program), "restart\nreload\nunused\n");
    assert!(text(&out).contains("stopped on purpose"), "{}", text(&out));
}

/// `infrac plan site.infra` in the program's folder: its output (it must
/// succeed).
fn plan(program: &Program) -> String {
    let root = format!("root={}", program.root().display());
    let out = program.infrac(&["plan", "site.infra", "--set", &root]);
    let plan = text(&out);
    assert!(out.status.success(), "{plan}");
    plan
}

#[test]
fn a_plan_shows_the_handlers_that_will_run() {
    let program = Program::new(SOURCE);
    let plan = plan(&program);
    for expected in [
        "site.infra:19  handler site.restart\n    local: will change\n      $ echo restart >> ",
        "site.infra:19  handler site.reload\n    local: will change",
        "site.infra:22  handler site.unused\n    local: will change",
    ] {
        assert!(
            plan.contains(expected),
            "no `{expected}` in the plan:\n{plan}"
        );
    }
    assert_eq!(log(&program), "", "a plan ran a handler");
}

/// A handler notified by a call that only may change: the plan says it
/// may change too, and why.
#[test]
fn a_plan_says_a_handler_may_run_when_its_notifier_may_change() {
    let program = Program::new(
        r#"
use std::{files, server}
param root: str
group box = [local()]
op restart() { run(sh"echo restart >> {root}/log") }
stage s on box {
  server.shell("true")
  files.file("{root}/a", content: "a\n", notify: restart)
}
"#,
    );
    let plan = plan(&program);
    let expected = "site.infra:8  handler site.restart\n    local: may change: depends on the change at line 7";
    assert!(
        plan.contains(expected),
        "no `{expected}` in the plan:\n{plan}"
    );
}

/// Over SSH, on the test bed: the same order, once per host, on three
/// hosts at once; the second run runs none.
#[test]
fn over_ssh_each_host_runs_its_handlers_once() {
    let Some(config) = run_common::ssh_config() else {
        return;
    };
    let config = config.to_string_lossy().into_owned();
    let dir = format!("/tmp/infrac-e2e-handlers-{}", std::process::id());
    let source = SOURCE.replace(
        "group box = [local()]",
        r#"group box = [ssh("infrac-host-1"), ssh("infrac-host-2"), ssh("infrac-host-3")]"#,
    );
    let program = Program::new(&source);
    let set_root = format!("root={dir}");
    let args = ["--ssh-config", config.as_str(), "--set", set_root.as_str()];
    let first = program.run_json(&args);
    assert!(first.status.success(), "{}", text(&first));
    let second = program.run_json(&args);
    assert!(second.status.success(), "{}", text(&second));
    let ran = json_lines(&second)
        .iter()
        .filter(|e| e["handler"] == true)
        .count();
    assert_eq!(ran, 0, "{}", text(&second));
    for host in ["infrac-host-1", "infrac-host-2", "infrac-host-3"] {
        let out = std::process::Command::new("docker")
            .args(["exec", host, "cat", &format!("{dir}/log")])
            .output()
            .unwrap_or_else(|e| panic!("docker exec: {e}"));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "restart\nreload\nunused\nreload\nafter the flush\n",
            "{host}"
        );
        let _ = std::process::Command::new("docker")
            .args(["exec", host, "rm", "-rf", &dir])
            .status();
    }
}
