//! End-to-end tests of `infrac run` on this machine (`local()` hosts): real
//! commands in temporary folders, no mocks. Every program is run by the
//! real binary; its JSON lines (or human output) are read back.

use std::path::Path;
use std::process::Output;

use serde_json::Value as Json;

mod run_common;
use run_common::{Program, json_lines, op_events, summary_of};

/// The standard file ops, each with something to do on a first run.
const FILE_OPS: &str = r#"
use std::{files, server}

param root: str

group here = [local()]

stage site on here {
  files.directory("{root}/d", mode: 0o750)
  files.file("{root}/d/f.txt", content: "hello\n", mode: 0o640)
  files.link("{root}/current", "{root}/d")
  files.line("{root}/d/lines.txt", "first line")
  files.line("{root}/d/lines.txt", "second line")
  files.put("src.txt", "{root}/d/put.txt", mode: 0o600)
  files.template("page.j2", "{root}/d/page.txt", vars: { name: "Ada" })
  server.shell("touch {root}/d/marker", creates: "{root}/d/marker")
}
"#;

/// Runs `program` (with `--yes`), checks the exit code, returns stderr.
fn run_expecting(program: &Program, code: i32) -> String {
    let out = program.run(&[]);
    assert_eq!(out.status.code(), Some(code), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn file_ops_program() -> Program {
    let program = Program::new(FILE_OPS);
    program.write("src.txt", "uploaded\n");
    program.write("page.j2", "Hello {{ name }}!\n");
    program
}

#[test]
fn first_run_changes_second_run_changes_nothing() {
    let program = file_ops_program();
    let first = program.run_json(&[]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let ops = op_events(&first);
    assert_eq!(ops.len(), 8, "{ops:#?}");
    for op in &ops {
        assert_eq!(op["status"], "changed", "first run: {op}");
        assert!(
            !op["commands"].as_array().is_some_and(Vec::is_empty),
            "{op}"
        );
    }
    let root = program.root();
    assert_eq!(read(&root.join("d/f.txt")), "hello\n");
    assert_eq!(read(&root.join("d/lines.txt")), "first line\nsecond line\n");
    assert_eq!(read(&root.join("d/put.txt")), "uploaded\n");
    assert_eq!(read(&root.join("d/page.txt")), "Hello Ada!\n");
    assert_eq!(read(&root.join("current/f.txt")), "hello\n");
    assert_eq!(mode(&root.join("d")), 0o750);
    assert_eq!(mode(&root.join("d/f.txt")), 0o640);
    assert_eq!(mode(&root.join("d/put.txt")), 0o600);

    let second = program.run_json(&[]);
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    for op in op_events(&second) {
        assert_eq!(op["status"], "ok", "second run: {op}");
        assert_eq!(
            op["commands"],
            serde_json::json!([]),
            "no changing command on a second run: {op}"
        );
    }
    assert_eq!(summary_of(&second)["changed"], 0);
}

#[test]
fn facts_are_read_again_after_an_op_changes_them() {
    let program = Program::new(
        r#"
use std::files

param root: str

group here = [local()]

stage s on here {
  let before = facts.file("{root}/f")
  if before != none { fail "expected no file yet" }
  files.file("{root}/f", content: "abc")
  let after = facts.file("{root}/f")
  if after == none { fail "stale fact: the file is still missing" }
  if after.size != 3 { fail "stale fact: size {after.size}" }
}
"#,
    );
    let out = program.run_json(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fact a command may have changed is checked on the host in the same
/// round trip as the command (docs/cli.md, "Few round trips"): when it did
/// change, the host goes back to where the program read it, with the new
/// value — and no command runs twice.
#[test]
fn a_fact_changed_by_a_command_sent_with_others_is_seen_and_nothing_runs_twice() {
    let program = Program::new(
        r#"
use std::{files, server}

param root: str

group here = [local()]

stage s on here {
  files.directory("{root}/d")
  server.shell("echo once >> {root}/d/count")
  let count = facts.file("{root}/d/count")
  if count == none { fail "stale fact: the shell's file is missing" }
  files.file("{root}/d/size", content: "{count.size}\n")
}
"#,
    );
    let out = program.run_json(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(read(&program.root().join("d/count")), "once\n");
    assert_eq!(read(&program.root().join("d/size")), "5\n");
}

/// Commands sent together keep every guarantee of commands sent alone,
/// in the corner cases found in review: a nested op's fact dropped after
/// its caller's own command was sent, the exit status and trailing
/// newlines of a checked fact, an op's output after its fact was checked,
/// and a script longer than a command line may be.
#[test]
fn batched_commands_keep_the_semantics_of_commands_sent_alone() {
    let many: String = (0..60)
        .map(|i| {
            format!(
                "  server.shell(\"echo {} >/dev/null; echo {i} >> {{root}}/many\")\n",
                "x".repeat(2000)
            )
        })
        .collect();
    let program = Program::new(&format!(
        r#"
use std::server

param root: str

group here = [local()]

op mark(p: str) changes facts.file(p) {{
  run(sh"true")
}}

// Its own command goes in one round trip (before the probe), the nested
// op's in the next: the nested op's `changes` must not let the stale
// "missing" through.
op outer(p: str) changes facts.file(p) {{
  run(sh"touch {{p}}")
  probe(sh"true")
  mark(p)
  if facts.file(p) == none {{ fail "stale: {{p}} seen missing" }}
}}

op touch_it(p: str) changes facts.file(p) {{
  run(sh"echo hello; touch {{p}}")
}}

op touched(p: str) {{
  touch_it(p)
  if facts.file(p) == none {{ fail "not there" }}
}}

stage s on here {{
  let before = facts.file("{{root}}/a")
  outer("{{root}}/a")

  let absent = facts.command("test -e {{root}}/flag")
  server.shell("touch {{root}}/flag")
  let present = facts.command("test -e {{root}}/flag")
  if present.code != 0 {{ fail "stale exit status: {{present.code}}" }}

  let old = facts.command("cat {{root}}/a")
  server.shell("printf '\\n\\n' >> {{root}}/a")
  let new = facts.command("cat {{root}}/a")
  if new.stdout == old.stdout {{ fail "stale output: trailing newlines lost" }}

  let r = touched("{{root}}/b")
  if r.stdout != "hello\n" {{ fail "lost output: [{{r.stdout}}]" }}
{many}}}
"#
    ));
    let out = program.run_json(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let many = read(&program.root().join("many"));
    assert_eq!(many.lines().count(), 60, "each of the 60 commands ran once");
}

#[test]
fn an_ops_output_is_used_by_the_next_op() {
    let program = Program::new(
        r#"
use std::{files, server}

param root: str

group here = [local()]

stage s on here {
  let r = server.shell("printf 'from shell'")
  files.file("{root}/out", content: r.stdout + "\n")
}
"#,
    );
    let out = program.run_json(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(read(&program.root().join("out")), "from shell\n");
}

#[test]
fn a_failing_command_stops_the_host_with_the_infra_line() {
    let program = Program::new(
        "use std::{files, server}\n\nparam root: str\n\ngroup here = [local(name: \"box\")]\n\nstage s on here {\n  server.shell(\"echo doomed >&2; exit 7\")\n  files.file(\"{root}/never\")\n}\n",
    );
    let out = program.run_json(&[]);
    assert_eq!(out.status.code(), Some(3));
    let summary = summary_of(&out);
    let host = &summary["hosts"]["box"];
    assert_eq!(host["failed"], true);
    assert_eq!(host["error"]["line"], 8, "{host}");
    assert_eq!(host["error"]["stage"], "s");
    let message = host["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("exit code 7") && message.contains("doomed"),
        "{message}"
    );
    assert!(
        !program.root().join("never").exists(),
        "nothing runs after the failure"
    );
    let host_failed: Vec<Json> = json_lines(&out)
        .into_iter()
        .filter(|l| l["event"] == "host_failed")
        .collect();
    assert_eq!(host_failed.len(), 1);
    assert_eq!(host_failed[0]["host"], "box");
    assert_eq!(host_failed[0]["error"], host["error"]);
    let failed: Vec<Json> = op_events(&out)
        .into_iter()
        .filter(|op| op["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["line"], 8);

    // The human report names the host and shows the .infra line.
    let human = program.run(&[]);
    let stderr = String::from_utf8_lossy(&human.stderr);
    assert!(
        stderr.contains("host `box` failed in stage `s`"),
        "{stderr}"
    );
    assert!(stderr.contains("server.shell(\"echo doomed"), "{stderr}");
}

#[test]
fn exit_codes() {
    let program = Program::new(
        "use std::server\n\nparam root: str\nparam count: int = 1\n\ngroup here = [local()]\n\nstage s on here {\n  server.shell(\"true\")\n}\n",
    );
    assert_eq!(program.run(&[]).status.code(), Some(0));
    assert_eq!(
        program.run(&["--set", "count=many"]).status.code(),
        Some(2),
        "a bad --set value"
    );
    assert_eq!(
        program.run(&["--set", "nope=1"]).status.code(),
        Some(2),
        "an unknown param"
    );
    assert_eq!(
        program.run(&["--set", "count"]).status.code(),
        Some(2),
        "--set without ="
    );
    assert_eq!(
        program.run(&["--limit", "nowhere"]).status.code(),
        Some(2),
        "a --limit matching nothing"
    );
    let broken =
        Program::new("group here = [local()]\n\nstage s on here {\n  let x: int = \"text\"\n}\n");
    let out = broken.run(&[]);
    assert_eq!(out.status.code(), Some(1), "a program that does not check");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("E0201"),
        "diagnostics are printed"
    );
}

#[test]
fn a_program_with_errors_touches_nothing() {
    let program = Program::new(
        "use std::files\n\nparam root: str\n\ngroup here = [local()]\n\nstage s on here {\n  files.directory(\"{root}/made\")\n  files.directory(42)\n}\n",
    );
    let stderr = run_expecting(&program, 1);
    assert!(
        stderr.contains("error: could not check `site.infra` due to 1 previous error"),
        "{stderr}"
    );
    assert!(!program.root().join("made").exists());
}

#[test]
fn json_lines_have_the_documented_shape() {
    let program = file_ops_program();
    let out = program.run_json(&[]);
    let lines = json_lines(&out);
    assert_eq!(
        lines[0],
        serde_json::json!({"event": "stage", "stage": "site", "hosts": ["local"]})
    );
    let op = &lines[1];
    for key in [
        "event",
        "host",
        "stage",
        "op",
        "file",
        "line",
        "changed",
        "status",
        "commands",
        "duration_ms",
        "sent_with",
    ] {
        assert!(op.get(key).is_some(), "op event lacks {key}: {op}");
    }
    // The 8 changes travel in scripts of several ops: each op of a script
    // counts the others.
    let ops: Vec<_> = lines.iter().filter(|l| l["event"] == "op").collect();
    assert_eq!(ops.len(), 8, "{ops:?}");
    let mut rest = ops.as_slice();
    while let Some(first) = rest.first() {
        let together = first["sent_with"].as_u64().unwrap_or_default() as usize + 1;
        assert!(together > 1 && together <= rest.len(), "{ops:?}");
        let (script, after) = rest.split_at(together);
        for op in script {
            assert_eq!(op["sent_with"], first["sent_with"], "{ops:?}");
        }
        rest = after;
    }
    assert_eq!(op["host"], "local");
    assert_eq!(op["op"], "files.directory");
    assert_eq!(op["line"], 9);
    assert!(
        op["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("site.infra")),
        "{op}"
    );
    let summary = lines.last().cloned().unwrap_or_default();
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["changed"], 8);
    assert_eq!(summary["failed"], 0);
    assert_eq!(summary["hosts"]["local"]["changed"], 8);
    assert_eq!(summary["hosts"]["local"]["failed"], false);
}

#[test]
fn human_summary_snapshot() {
    let program = file_ops_program();
    let out = program.run(&[]);
    let text = run_common::normalize(&stdout(&out), program.root());
    insta::assert_snapshot!(text);
}

#[test]
fn crontab_entries_are_idempotent_when_crontab_exists() {
    if !run_common::has_command("crontab") {
        eprintln!("skipped: no crontab command on this machine");
        return;
    }
    let program = Program::new(
        "use std::server\n\nparam root: str\n\ngroup here = [local()]\n\nstage s on here {\n  server.crontab(\"true # {root}\", user: \"root\", name: \"infrac-e2e\", minute: \"5\", present: true)\n}\n",
    );
    let first = program.run_json(&[]);
    assert_eq!(summary_of(&first)["changed"], 1);
    let second = program.run_json(&[]);
    assert_eq!(summary_of(&second)["changed"], 0);
    let cleanup = program.source().replace("present: true", "present: false");
    let mut program = program;
    program.rewrite(&cleanup);
    assert_eq!(summary_of(&program.run_json(&[]))["changed"], 1);
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| format!("<cannot read {}: {e}>", path.display()))
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// The second command uses the first one's result, so it is not sent with
// it (commands whose results are unused travel together and finish
// together).
#[test]
fn ctrl_c_lets_the_running_command_finish_and_starts_no_other() {
    let program = Program::new(
        "use std::server\n\nparam root: str\n\ngroup here = [local()]\n\nstage s on here {\n  let r = server.shell(\"sleep 1 && touch {root}/first\")\n  server.shell(\"touch {root}/second{r.code}\")\n}\n\nstage t on here {\n  server.shell(\"touch {root}/third\")\n}\n",
    );
    let child = program.spawn_json(&[]);
    std::thread::sleep(std::time::Duration::from_millis(400));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(kill.is_ok_and(|s| s.success()));
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(3));
    assert!(
        program.root().join("first").exists(),
        "the running command finished"
    );
    assert!(
        !program.root().join("second0").exists(),
        "no new command started"
    );
    assert!(
        !program.root().join("third").exists(),
        "no later stage started"
    );
    let summary = summary_of(&out);
    assert_eq!(summary["interrupted"], true);
    assert_eq!(summary["skipped_stages"], serde_json::json!(["t"]));
    assert_eq!(summary["hosts"]["local"]["failed"], true);
}

#[test]
fn secrets_never_appear_in_the_output() {
    let program = Program::new(
        r#"
param root: str
param token: secret

group here = [local()]

op login(token: secret) changes nothing {
  run(sh"test -n {token} && touch {root}/ok")
}

op leak(token: secret) changes nothing {
  run(sh"exit 9 # {token}")
}

stage s on here {
  login(token)
  leak(token)
}
"#,
    );
    let secret = "hunter2-very-secret";
    let set = format!("token={secret}");
    let json = program.run_json(&["--set", &set]);
    assert_eq!(json.status.code(), Some(3));
    assert!(
        program.root().join("ok").exists(),
        "the command saw the real value"
    );
    let human = program.run(&["--set", &set]);
    for out in [&json, &human] {
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(secret), "the secret leaked: {all}");
        assert!(all.contains("***"), "the redacted form is shown: {all}");
    }
}

#[test]
fn apt_packages_already_in_the_wanted_state_change_nothing() {
    if !run_common::has_command("dpkg-query") {
        eprintln!("skipped: not a Debian-based machine");
        return;
    }
    let program = Program::new(
        "use std::apt\n\nparam root: str\n\ngroup here = [local()]\n\nstage s on here {\n  apt.packages([\"dash\", \"coreutils\"])\n  apt.packages([\"infrac-surely-not-a-package\"], present: false)\n}\n",
    );
    let out = program.run_json(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for op in op_events(&out) {
        assert_eq!(op["status"], "ok", "{op}");
        assert_eq!(op["commands"], serde_json::json!([]), "{op}");
    }
}

#[test]
fn a_command_past_the_timeout_stops_its_host() {
    let program = Program::new(
        "use std::server\n\nparam root: str\n\ngroup here = [local()]\n\nstage s on here {\n  server.shell(\"sleep 30\")\n  server.shell(\"touch {root}/after\")\n}\n",
    );
    let started = std::time::Instant::now();
    let out = program.run_json(&["--timeout", "1"]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "the command was stopped"
    );
    assert_eq!(out.status.code(), Some(3));
    let error = &summary_of(&out)["hosts"]["local"]["error"];
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("timed out")),
        "{error}"
    );
    assert_eq!(error["line"], 8);
    assert!(!program.root().join("after").exists());
}

#[test]
fn one_name_for_two_different_hosts_is_refused_before_anything_runs() {
    let program = Program::new(
        "use std::files\n\nparam root: str\n\n\
         group here = [local(name: \"x\")]\n\
         group there = [ssh(\"127.0.0.1\", port: 9, name: \"x\")]\n\n\
         stage s on here {\n  files.directory(\"{root}/made\")\n}\n\
         stage t on there {\n  files.directory(\"{root}/made\")\n}\n",
    );
    let stderr = run_expecting(&program, 2);
    assert!(
        stderr.contains(
            "host name `x` names two different hosts: ssh(\"127.0.0.1\", port: 9) here and local() in group `here`"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("site.infra:6"), "{stderr}");
    assert!(!program.root().join("made").exists());
}

#[test]
fn a_timeout_outside_any_op_is_placed_at_its_line() {
    let program = Program::new(
        "param root: str\n\ngroup here = [local()]\n\nstage s on here {\n  let _a = 1\n  let _r = probe(sh\"sleep 5\")\n}\n",
    );
    let out = program.run_json(&["--timeout", "1"]);
    assert_eq!(out.status.code(), Some(3));
    let lines = json_lines(&out);
    let failed = lines
        .iter()
        .find(|l| l["event"] == "host_failed")
        .unwrap_or_else(|| panic!("no host_failed event: {lines:?}"));
    assert_eq!(failed["error"]["line"], 7, "{failed}");
    assert!(
        failed["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("timed out")),
        "{failed}"
    );
}

#[test]
fn a_stage_option_out_of_range_from_a_param_is_shown_at_the_stage() {
    let program = Program::new(
        "param root: str\nparam batch: int = 0\n\ngroup here = [local()]\n\nstage s on here (serial: batch) {\n  let _x = 1\n}\n",
    );
    let stderr = run_expecting(&program, 2);
    assert!(
        stderr.contains("`serial: 0` is not a count (1 or more)"),
        "{stderr}"
    );
    assert!(stderr.contains("site.infra:6"), "{stderr}");
}

#[test]
fn an_invalid_sudo_user_fails_where_it_is_given() {
    let program = Program::new(
        "use std::files\n\nparam root: str\nparam who: str = \"x;id\"\n\ngroup here = [local()]\n\n\
         stage s on here {\n  files.directory(\"{root}/a\")\n  files.file(\"{root}/a/f\", content: \"x\\n\", sudo_user: who)\n}\n",
    );
    let out = program.run_json(&[]);
    assert_eq!(out.status.code(), Some(3));
    let lines = json_lines(&out);
    let failed = lines
        .iter()
        .find(|l| l["event"] == "host_failed")
        .unwrap_or_else(|| panic!("no host_failed event: {lines:?}"));
    assert_eq!(failed["error"]["line"], 10, "{failed}");
    assert!(
        failed["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("invalid sudo user `x;id`")),
        "{failed}"
    );
    assert!(program.root().join("a").is_dir(), "the op before it ran");
}

#[test]
fn a_secret_echoed_by_a_failing_command_is_redacted() {
    let program = Program::new(
        "param root: str\nparam pw: secret\n\ngroup here = [local()]\n\n\
         op leak(pw: secret) changes nothing {\n  run(sh\"echo leaked {pw} >&2; exit 1\")\n}\n\n\
         stage s on here {\n  leak(pw)\n}\n",
    );
    for format in ["human", "json"] {
        let out = program.run(&["--set", "pw=hunter2-secret", "--format", format]);
        assert_eq!(out.status.code(), Some(3));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains("hunter2"), "{all}");
        assert!(all.contains("leaked ***"), "{all}");
    }
}

#[test]
fn apt_packages_refuses_words_that_are_not_package_names() {
    for bad in ["\"\"", "\"-y\"", "\"a b\""] {
        let program = Program::new(&format!(
            "use std::apt\n\nparam root: str\n\ngroup here = [local()]\n\n\
             stage s on here {{\n  apt.packages([\"bash\", {bad}])\n}}\n"
        ));
        let out = program.run(&[]);
        assert_eq!(out.status.code(), Some(3), "{bad}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("is not a package name"), "{bad}: {stdout}");
    }
}

#[test]
fn a_host_of_an_earlier_group_twice_in_a_later_one_is_refused() {
    let program = Program::new(
        "param root: str\nparam n: str = \"x\"\n\ngroup here = [local(name: \"x\")]\n\
         group again = [local(name: n), local(name: n)]\n\n\
         stage s on again {\n  let _a = 1\n}\n",
    );
    let stderr = run_expecting(&program, 2);
    assert!(
        stderr.contains("host name `x` appears twice in group `again`"),
        "{stderr}"
    );
}
