//! End-to-end tests of `infrac plan` and `infrac apply` on this machine
//! (`local()` hosts, temporary folders): the plan says what will change,
//! apply changes exactly that, a new plan says nothing; drifted hosts,
//! changed programs and edited plans are refused; secrets never appear.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value as Json;

mod run_common;
use run_common::{Program, normalize, op_events};

/// Four file ops, each with something to do on a fresh root, none
/// depending on another's change.
const FILES: &str = r#"
use std::files

param root: str

group here = [local()]

stage site on here {
  files.directory("{root}/d", mode: 0o750)
  files.file("{root}/d/f.txt", content: "hello\n", mode: 0o640)
  files.link("{root}/current", "{root}/d")
  files.line("{root}/d/lines.txt", "first line")
}
"#;

/// `infrac plan site.infra --set root=ROOT ARGS...`.
fn plan(program: &Program, args: &[&str]) -> Output {
    let root = format!("root={}", program.root().display());
    let mut all = vec!["plan", "site.infra", "--set", &root];
    all.extend_from_slice(args);
    program.infrac(&all)
}

fn plan_json(program: &Program, args: &[&str]) -> Json {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = plan(program, &all);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a plan ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn plan_path(program: &Program) -> String {
    let dir = program.root().parent().unwrap_or(program.root());
    dir.join("plan.json").display().to_string()
}

#[test]
fn plan_then_apply_changes_exactly_the_plan_and_a_new_plan_is_empty() {
    let program = Program::new(FILES);
    let first = plan(&program, &["-o", "plan.json", "--detailed-exitcode"]);
    assert_eq!(first.status.code(), Some(2), "{}", text(&first));
    let doc: Json = serde_json::from_str(&read(Path::new(&plan_path(&program))))
        .unwrap_or_else(|e| panic!("plan.json: {e}"));
    assert_eq!(doc["summary"]["will_change"], 4, "{doc:#}");
    assert_eq!(doc["summary"]["undetermined"], 0, "{doc:#}");
    // Planning changed nothing.
    assert!(!program.root().join("d").exists());

    let apply = program.infrac(&["apply", "plan.json", "--format", "json"]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    let changed: Vec<Json> = op_events(&apply)
        .into_iter()
        .filter(|op| op["status"] == "changed")
        .collect();
    assert_eq!(changed.len(), 4, "{changed:#?}");
    assert_eq!(read(&program.root().join("d/f.txt")), "hello\n");

    let again = plan(&program, &["--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        text(&again).contains("0 ops will change, 0 undetermined, 4 unchanged"),
        "{}",
        text(&again)
    );
}

/// Apply sends the planned commands together, and a fact the plan read
/// after a change is read again (not checked against a checkpoint, which
/// would move the plan's cursor back).
#[test]
fn apply_of_a_fact_read_after_a_change_runs_every_planned_command() {
    let program = Program::new(
        r#"
use std::{files, server}

param root: str

group here = [local()]

stage s on here {
  let before = facts.file("{root}/dir")
  files.directory("{root}/dir")
  let f = facts.file("{root}/dir")
  server.shell("echo hi >> {root}/log")
}
"#,
    );
    let made = plan(&program, &["-o", "plan.json"]);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made));
    let apply = program.infrac(&["apply", "plan.json", "--format", "json"]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    assert_eq!(read(&program.root().join("log")), "hi\n");
}

/// A plan reads facts ahead, but relies only on those the program read:
/// a fact on a branch not taken may change before apply.
#[test]
fn a_plan_relies_only_on_the_facts_the_program_read() {
    let program = Program::new(
        r#"
use std::server

param root: str

group here = [local()]

stage s on here {
  if facts.file("{root}/never-there") != none {
    let t = facts.command("date +%s%N")
    if t.code != 0 { fail "date failed" }
  }
  server.shell("echo ran >> {root}/log")
}
"#,
    );
    let made = plan(&program, &["-o", "plan.json"]);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made));
    let doc: Json = serde_json::from_str(&read(Path::new(&plan_path(&program))))
        .unwrap_or_else(|e| panic!("plan.json: {e}"));
    assert!(!doc.to_string().contains("date +%s%N"), "{doc:#}");
    let apply = program.infrac(&["apply", "plan.json"]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    assert_eq!(read(&program.root().join("log")), "ran\n");
}

#[test]
fn an_unpredicted_change_makes_later_reads_unknown_a_predicted_one_stays_exact() {
    let program = Program::new(
        r#"
use std::files

param root: str

group here = [local()]

stage site on here {
  files.line("{root}/l.txt", "one")
  files.line("{root}/l.txt", "two")
  files.directory("{root}/d", mode: 0o750)
  files.directory("{root}/d", mode: 0o750)
  files.directory("{root}/d", mode: 0o700)
}
"#,
    );
    let doc = plan_json(&program, &[]);
    let steps = &doc["hosts"][0]["steps"];
    let status: Vec<&str> = (0..5)
        .map(|i| steps[i]["status"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        status,
        [
            "will_change",
            "may_change",
            "will_change",
            "no_change",
            "will_change"
        ],
        "{steps:#}"
    );
    // The second line depends on the first one's change (line 9).
    assert_eq!(steps[1]["depends_on"]["line"], 9, "{steps:#}");
    // The mode is set through a descriptor checked to be the entry itself
    // (see files.on_entry).
    let chmod = steps[4]["commands"][0]["display"]
        .as_str()
        .unwrap_or_default();
    let dir = format!("set -e\ninfrac_p={}/d\n", program.root().display());
    assert!(
        chmod.starts_with(&dir) && chmod.ends_with("\nchmod 700 /proc/self/fd/3"),
        "{chmod}"
    );
    let human = text(&plan(&program, &[]));
    assert!(
        human.contains("may change: depends on the change at line 9"),
        "{human}"
    );
}

#[test]
fn a_host_that_drifted_is_refused_the_others_are_applied() {
    let program = Program::new(
        r#"
use std::files

param root: str

type Box = { name: str }

group here: Box = [local(name: "a", data: { name: "a" }), local(name: "b", data: { name: "b" })]

stage site on here {
  files.file("{root}/{host.data.name}.txt", content: "new\n")
}
"#,
    );
    let (a, b) = (program.root().join("a.txt"), program.root().join("b.txt"));
    for path in [&a, &b] {
        std::fs::write(path, "old\n").unwrap_or_else(|e| panic!("{e}"));
    }
    let made = plan(&program, &["-o", "plan.json"]);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made));
    std::fs::write(&a, "changed by hand\n").unwrap_or_else(|e| panic!("{e}"));

    let apply = program.infrac(&["apply", "plan.json"]);
    let out = text(&apply);
    assert_eq!(apply.status.code(), Some(3), "{out}");
    assert!(out.contains("host `a` failed"), "{out}");
    let fact = format!("facts.file({:?})", a.display().to_string());
    assert!(
        out.contains(&format!("the host drifted since the plan: {fact} was")),
        "{out}"
    );
    assert_eq!(read(&a), "changed by hand\n");
    assert_eq!(read(&b), "new\n");
}

#[test]
fn a_changed_program_an_edited_plan_or_missing_secret_are_refused() {
    let mut program = Program::new(FILES);
    let made = plan(&program, &["-o", "plan.json"]);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made));
    let path = plan_path(&program);
    let saved = read(Path::new(&path));

    // A command edited by hand.
    let edited = saved.replacen("mkdir -p", "rm -rf /", 1);
    assert_ne!(edited, saved);
    std::fs::write(&path, &edited).unwrap_or_else(|e| panic!("{e}"));
    let out = program.infrac(&["apply", "plan.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("refused: the plan was edited"),
        "{}",
        text(&out)
    );

    // The program changed since the plan.
    std::fs::write(&path, &saved).unwrap_or_else(|e| panic!("{e}"));
    program.rewrite(&FILES.replace("first line", "another line"));
    let out = program.infrac(&["apply", "plan.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("changed since the plan was made"),
        "{}",
        text(&out)
    );
    assert!(!program.root().join("d").exists(), "nothing may change");
}

const SECRETS: &str = r#"
use std::files

param root: str
param pw: secret

group here = [local()]

/// Writes the secret (every time).
op secret_file(path: str, pw: secret) changes facts.file(path) {
  run(sh"printf %s {pw} > {path}")
}

stage site on here {
  files.template("t.j2", "{root}/t.txt", vars: { pw: pw })
  secret_file("{root}/pw.txt", pw)
}
"#;

#[test]
fn secrets_never_appear_in_plans_diffs_or_scripts_and_apply_asks_for_them() {
    let program = Program::new(SECRETS);
    program.write("t.j2", "password = {{ pw }}\n");
    let pw = "--set=pw=hunter2-secret";
    let human = plan(
        &program,
        &[pw, "--diff", "-o", "plan.json", "--emit-sh", "sh"],
    );
    assert_eq!(human.status.code(), Some(0), "{}", text(&human));
    let json = plan(&program, &[pw, "--diff", "--format", "json"]);
    let dir = program
        .root()
        .parent()
        .unwrap_or(program.root())
        .to_path_buf();
    for (what, content) in [
        ("human plan", text(&human)),
        ("JSON plan", text(&json)),
        ("plan file", read(&dir.join("plan.json"))),
        ("script", read(&dir.join("sh/local.sh"))),
    ] {
        assert!(!content.contains("hunter2"), "{what}: {content}");
    }
    // A file that holds a secret is not diffed at all (its current
    // content may hold the secret's old value).
    assert!(
        text(&human).contains("(content with a secret: not shown)"),
        "{}",
        text(&human)
    );
    assert!(text(&human).contains("printf %s *** >"), "{}", text(&human));

    let refused = program.infrac(&["apply", "plan.json"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        text(&refused)
            .contains("give it again with --set-file pw=PATH, --set-env pw=VAR or --set pw="),
        "{}",
        text(&refused)
    );
    let apply = program.infrac(&["apply", "plan.json", pw]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    assert_eq!(read(&program.root().join("pw.txt")), "hunter2-secret");
}

/// A secret the program `reveal`s is a plain `str` by then; the plan
/// still never shows or saves it: not in a fact's arguments (F06), not in
/// an emitted script, and `apply` given the secret again puts it back.
#[test]
fn a_revealed_secret_stays_out_of_plan_files_and_scripts() {
    let program = Program::new(
        r#"
use std::files

param root: str
param pw: secret

group here = [local()]

stage site on here {
  files.line("{root}/app.env", "PASSWORD={reveal(pw)}")
}
"#,
    );
    // An existing file: the op reads `facts.has_line` with the line.
    std::fs::write(program.root().join("app.env"), "OTHER=1\n").unwrap_or_default();
    let pw = "--set=pw=Zebra-77";
    let human = plan(&program, &[pw, "-o", "plan.json", "--emit-sh", "sh"]);
    assert_eq!(human.status.code(), Some(0), "{}", text(&human));
    let json = plan(&program, &[pw, "--format", "json"]);
    let dir = program
        .root()
        .parent()
        .unwrap_or(program.root())
        .to_path_buf();
    let saved = read(&dir.join("plan.json"));
    for (what, content) in [
        ("human plan", text(&human)),
        ("JSON plan", text(&json)),
        ("plan file", saved.clone()),
        ("script", read(&dir.join("sh/local.sh"))),
    ] {
        assert!(!content.contains("Zebra"), "{what}: {content}");
    }
    let doc: Json = serde_json::from_str(&saved).unwrap_or_default();
    let args = &doc["hosts"][0]["facts"];
    assert!(
        args.as_array()
            .into_iter()
            .flatten()
            .any(|f| f["args"][1] == serde_json::json!({ "with_secrets": ["PASSWORD=", 0] })),
        "{saved}"
    );
    let apply = program.infrac(&["apply", "plan.json", pw]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    assert_eq!(
        read(&program.root().join("app.env")),
        "OTHER=1\nPASSWORD=Zebra-77\n"
    );
}

/// `plan --emit-sh scripts`, then `sh scripts/local.sh`: the script's text.
fn emit_and_run(program: &Program) -> String {
    let made = plan(program, &["--emit-sh", "scripts"]);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made));
    let script = program
        .root()
        .parent()
        .unwrap_or(program.root())
        .join("scripts/local.sh");
    let sh = Command::new("sh")
        .arg(&script)
        .output()
        .unwrap_or_else(|e| panic!("cannot run sh: {e}"));
    assert!(sh.status.success(), "{}", text(&sh));
    read(&script)
}

#[test]
fn emitted_scripts_converge_like_apply() {
    let program = Program::new(FILES);
    let script = emit_and_run(&program);
    assert!(script.starts_with("#!/bin/sh\n"), "{script}");
    assert!(script.contains("set -eu"), "{script}");
    assert!(
        script.contains("# site.infra:9 files.directory"),
        "{script}"
    );
    let again = plan(&program, &["--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
}

#[test]
fn run_without_a_terminal_shows_the_plan_and_changes_nothing() {
    let program = Program::new(FILES);
    let root = format!("root={}", program.root().display());
    let refused = program.infrac(&["run", "site.infra", "--set", &root]);
    let out = text(&refused);
    assert_eq!(refused.status.code(), Some(2), "{out}");
    assert!(out.contains("Plan: 1 host, 4 ops will change"), "{out}");
    assert!(
        out.contains("no terminal to ask for approval: nothing was changed"),
        "{out}"
    );
    assert!(out.contains("infrac run site.infra --yes"), "{out}");
    assert!(!program.root().join("d").exists(), "nothing may change");

    let applied = program.infrac(&["run", "site.infra", "--yes", "--set", &root]);
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));
    let again = program.infrac(&["run", "site.infra", "--set", &root]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        text(&again).contains("Nothing to change."),
        "{}",
        text(&again)
    );
}

#[test]
fn human_plan_snapshot() {
    let program = Program::new(FILES);
    let out = plan(&program, &["--diff"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    expect_test::expect![[r#"
        stage site
          site.infra:9  files.directory
            local: will change
              $ mkdir -p -m 750 -- <root>/d
          site.infra:10  files.file
            local: will change
              $ set -e
                infrac_q=<root>/d
                infrac_m=
                while [ ! -e "$infrac_q" ] && [ ! -L "$infrac_q" ]; do
                  infrac_m=${infrac_q##*/}${infrac_m:+/$infrac_m}
                  case $infrac_q in */*) infrac_q=${infrac_q%/*}; [ -n "$infrac_q" ] || infrac_q=/ ;; *) infrac_q=. ;; esac
                done
                if [ -n "$infrac_m" ]; then
                infrac_p=$infrac_q/${infrac_m%%/*}
                case $infrac_p in */*) infrac_d=${infrac_p%/*}; infrac_b=${infrac_p##*/} ;; *) infrac_d=.; infrac_b=$infrac_p ;; esac
                [ -n "$infrac_d" ] || infrac_d=/
                case $infrac_d in /*) infrac_w=$infrac_d ;; *) cd -P -- . || exit 1; infrac_w=$PWD/$infrac_d ;; esac
                cd -P -- "$infrac_d" || exit 1
                if [ "$PWD" != "$infrac_w" ]; then
                  infrac_u=$(id -u) infrac_c= infrac_r=$infrac_w infrac_h=0
                  while [ -n "$infrac_r" ]; do
                    infrac_x=${infrac_r%%/*}
                    case $infrac_r in */*) infrac_r=${infrac_r#*/} ;; *) infrac_r= ;; esac
                    case $infrac_x in ''|.) continue ;; ..) infrac_c=${infrac_c%/*}; continue ;; esac
                    infrac_n=$infrac_c/$infrac_x
                    if [ -L "$infrac_n" ]; then
                      set -- $(stat -c '%u %a' -- "${infrac_c:-/}")
                      if { [ "$1" != 0 ] && [ "$1" != "$infrac_u" ]; } || [ $((0$2 & 022)) -ne 0 ]; then echo "$infrac_n is a symbolic link in a directory other users can write to: refused" >&2; exit 1; fi
                      infrac_h=$((infrac_h + 1)); [ "$infrac_h" -le 40 ] || { echo "$infrac_w: too many links" >&2; exit 1; }
                      infrac_l=$(readlink -- "$infrac_n" && echo x) || exit 1; infrac_l=${infrac_l%?x}
                      case $infrac_l in /*) infrac_c= ;; esac
                      infrac_r=$infrac_l/$infrac_r
                      continue
                    fi
                    infrac_c=$infrac_n
                  done
                  if [ "${infrac_c:-/}" != "$PWD" ]; then echo "$infrac_w changed while it was resolved: refused" >&2; exit 1; fi
                fi

                infrac_v=$(id -u)
                while [ -n "$infrac_m" ]; do
                  infrac_y=${infrac_m%%/*}
                  case $infrac_m in */*) infrac_m=${infrac_m#*/} ;; *) infrac_m= ;; esac
                  # `infrac_o` empty: the directory was there already (made meanwhile).
                  if mkdir -- "$infrac_y" 2>/dev/null; then infrac_o=$infrac_v
                  elif [ -e "$infrac_y" ] || [ -L "$infrac_y" ]; then infrac_o=
                  else mkdir -- "$infrac_y"; infrac_o=$infrac_v
                  fi
                  if [ -L "$infrac_y" ] || [ ! -d "$infrac_y" ]; then echo "$PWD/$infrac_y is not a directory (a link?): refused" >&2; exit 1; fi
                  infrac_j=$(stat -c %d:%i -- "$infrac_y")
                  cd -P -- "$infrac_y"
                  if [ "$(stat -c %d:%i .)" != "$infrac_j" ]; then echo "$infrac_y in $OLDPWD was replaced while it was made: refused" >&2; exit 1; fi
                  if [ -z "$infrac_o" ]; then
                    infrac_o=$(stat -c %u .)
                    if [ "$infrac_o" != 0 ] && [ "$infrac_o" != "$infrac_v" ]; then echo "$PWD was made by another user meanwhile: refused" >&2; exit 1; fi
                  fi
                done
                fi
              upload <root>/d/f.txt (mode 0640)
                --- /dev/null
                +++ <root>/d/f.txt (planned)
                @@ -0,0 +1 @@
                +hello
          site.infra:11  files.link
            local: will change
              $ set -e
                infrac_q=<root>
                infrac_m=
                while [ ! -e "$infrac_q" ] && [ ! -L "$infrac_q" ]; do
                  infrac_m=${infrac_q##*/}${infrac_m:+/$infrac_m}
                  case $infrac_q in */*) infrac_q=${infrac_q%/*}; [ -n "$infrac_q" ] || infrac_q=/ ;; *) infrac_q=. ;; esac
                done
                if [ -n "$infrac_m" ]; then
                infrac_p=$infrac_q/${infrac_m%%/*}
                case $infrac_p in */*) infrac_d=${infrac_p%/*}; infrac_b=${infrac_p##*/} ;; *) infrac_d=.; infrac_b=$infrac_p ;; esac
                [ -n "$infrac_d" ] || infrac_d=/
                case $infrac_d in /*) infrac_w=$infrac_d ;; *) cd -P -- . || exit 1; infrac_w=$PWD/$infrac_d ;; esac
                cd -P -- "$infrac_d" || exit 1
                if [ "$PWD" != "$infrac_w" ]; then
                  infrac_u=$(id -u) infrac_c= infrac_r=$infrac_w infrac_h=0
                  while [ -n "$infrac_r" ]; do
                    infrac_x=${infrac_r%%/*}
                    case $infrac_r in */*) infrac_r=${infrac_r#*/} ;; *) infrac_r= ;; esac
                    case $infrac_x in ''|.) continue ;; ..) infrac_c=${infrac_c%/*}; continue ;; esac
                    infrac_n=$infrac_c/$infrac_x
                    if [ -L "$infrac_n" ]; then
                      set -- $(stat -c '%u %a' -- "${infrac_c:-/}")
                      if { [ "$1" != 0 ] && [ "$1" != "$infrac_u" ]; } || [ $((0$2 & 022)) -ne 0 ]; then echo "$infrac_n is a symbolic link in a directory other users can write to: refused" >&2; exit 1; fi
                      infrac_h=$((infrac_h + 1)); [ "$infrac_h" -le 40 ] || { echo "$infrac_w: too many links" >&2; exit 1; }
                      infrac_l=$(readlink -- "$infrac_n" && echo x) || exit 1; infrac_l=${infrac_l%?x}
                      case $infrac_l in /*) infrac_c= ;; esac
                      infrac_r=$infrac_l/$infrac_r
                      continue
                    fi
                    infrac_c=$infrac_n
                  done
                  if [ "${infrac_c:-/}" != "$PWD" ]; then echo "$infrac_w changed while it was resolved: refused" >&2; exit 1; fi
                fi

                infrac_v=$(id -u)
                while [ -n "$infrac_m" ]; do
                  infrac_y=${infrac_m%%/*}
                  case $infrac_m in */*) infrac_m=${infrac_m#*/} ;; *) infrac_m= ;; esac
                  # `infrac_o` empty: the directory was there already (made meanwhile).
                  if mkdir -- "$infrac_y" 2>/dev/null; then infrac_o=$infrac_v
                  elif [ -e "$infrac_y" ] || [ -L "$infrac_y" ]; then infrac_o=
                  else mkdir -- "$infrac_y"; infrac_o=$infrac_v
                  fi
                  if [ -L "$infrac_y" ] || [ ! -d "$infrac_y" ]; then echo "$PWD/$infrac_y is not a directory (a link?): refused" >&2; exit 1; fi
                  infrac_j=$(stat -c %d:%i -- "$infrac_y")
                  cd -P -- "$infrac_y"
                  if [ "$(stat -c %d:%i .)" != "$infrac_j" ]; then echo "$infrac_y in $OLDPWD was replaced while it was made: refused" >&2; exit 1; fi
                  if [ -z "$infrac_o" ]; then
                    infrac_o=$(stat -c %u .)
                    if [ "$infrac_o" != 0 ] && [ "$infrac_o" != "$infrac_v" ]; then echo "$PWD was made by another user meanwhile: refused" >&2; exit 1; fi
                  fi
                done
                fi
              $ infrac_p=<root>/current
                case $infrac_p in */*) infrac_d=${infrac_p%/*}; infrac_b=${infrac_p##*/} ;; *) infrac_d=.; infrac_b=$infrac_p ;; esac
                [ -n "$infrac_d" ] || infrac_d=/
                case $infrac_d in /*) infrac_w=$infrac_d ;; *) cd -P -- . || exit 1; infrac_w=$PWD/$infrac_d ;; esac
                cd -P -- "$infrac_d" || exit 1
                if [ "$PWD" != "$infrac_w" ]; then
                  infrac_u=$(id -u) infrac_c= infrac_r=$infrac_w infrac_h=0
                  while [ -n "$infrac_r" ]; do
                    infrac_x=${infrac_r%%/*}
                    case $infrac_r in */*) infrac_r=${infrac_r#*/} ;; *) infrac_r= ;; esac
                    case $infrac_x in ''|.) continue ;; ..) infrac_c=${infrac_c%/*}; continue ;; esac
                    infrac_n=$infrac_c/$infrac_x
                    if [ -L "$infrac_n" ]; then
                      set -- $(stat -c '%u %a' -- "${infrac_c:-/}")
                      if { [ "$1" != 0 ] && [ "$1" != "$infrac_u" ]; } || [ $((0$2 & 022)) -ne 0 ]; then echo "$infrac_n is a symbolic link in a directory other users can write to: refused" >&2; exit 1; fi
                      infrac_h=$((infrac_h + 1)); [ "$infrac_h" -le 40 ] || { echo "$infrac_w: too many links" >&2; exit 1; }
                      infrac_l=$(readlink -- "$infrac_n" && echo x) || exit 1; infrac_l=${infrac_l%?x}
                      case $infrac_l in /*) infrac_c= ;; esac
                      infrac_r=$infrac_l/$infrac_r
                      continue
                    fi
                    infrac_c=$infrac_n
                  done
                  if [ "${infrac_c:-/}" != "$PWD" ]; then echo "$infrac_w changed while it was resolved: refused" >&2; exit 1; fi
                fi

                ln -sfn -- <root>/d "./$infrac_b"
          site.infra:12  files.line
            local: will change
              $ set -e
                infrac_q=<root>/d
                infrac_m=
                while [ ! -e "$infrac_q" ] && [ ! -L "$infrac_q" ]; do
                  infrac_m=${infrac_q##*/}${infrac_m:+/$infrac_m}
                  case $infrac_q in */*) infrac_q=${infrac_q%/*}; [ -n "$infrac_q" ] || infrac_q=/ ;; *) infrac_q=. ;; esac
                done
                if [ -n "$infrac_m" ]; then
                infrac_p=$infrac_q/${infrac_m%%/*}
                case $infrac_p in */*) infrac_d=${infrac_p%/*}; infrac_b=${infrac_p##*/} ;; *) infrac_d=.; infrac_b=$infrac_p ;; esac
                [ -n "$infrac_d" ] || infrac_d=/
                case $infrac_d in /*) infrac_w=$infrac_d ;; *) cd -P -- . || exit 1; infrac_w=$PWD/$infrac_d ;; esac
                cd -P -- "$infrac_d" || exit 1
                if [ "$PWD" != "$infrac_w" ]; then
                  infrac_u=$(id -u) infrac_c= infrac_r=$infrac_w infrac_h=0
                  while [ -n "$infrac_r" ]; do
                    infrac_x=${infrac_r%%/*}
                    case $infrac_r in */*) infrac_r=${infrac_r#*/} ;; *) infrac_r= ;; esac
                    case $infrac_x in ''|.) continue ;; ..) infrac_c=${infrac_c%/*}; continue ;; esac
                    infrac_n=$infrac_c/$infrac_x
                    if [ -L "$infrac_n" ]; then
                      set -- $(stat -c '%u %a' -- "${infrac_c:-/}")
                      if { [ "$1" != 0 ] && [ "$1" != "$infrac_u" ]; } || [ $((0$2 & 022)) -ne 0 ]; then echo "$infrac_n is a symbolic link in a directory other users can write to: refused" >&2; exit 1; fi
                      infrac_h=$((infrac_h + 1)); [ "$infrac_h" -le 40 ] || { echo "$infrac_w: too many links" >&2; exit 1; }
                      infrac_l=$(readlink -- "$infrac_n" && echo x) || exit 1; infrac_l=${infrac_l%?x}
                      case $infrac_l in /*) infrac_c= ;; esac
                      infrac_r=$infrac_l/$infrac_r
                      continue
                    fi
                    infrac_c=$infrac_n
                  done
                  if [ "${infrac_c:-/}" != "$PWD" ]; then echo "$infrac_w changed while it was resolved: refused" >&2; exit 1; fi
                fi

                infrac_v=$(id -u)
                while [ -n "$infrac_m" ]; do
                  infrac_y=${infrac_m%%/*}
                  case $infrac_m in */*) infrac_m=${infrac_m#*/} ;; *) infrac_m= ;; esac
                  # `infrac_o` empty: the directory was there already (made meanwhile).
                  if mkdir -- "$infrac_y" 2>/dev/null; then infrac_o=$infrac_v
                  elif [ -e "$infrac_y" ] || [ -L "$infrac_y" ]; then infrac_o=
                  else mkdir -- "$infrac_y"; infrac_o=$infrac_v
                  fi
                  if [ -L "$infrac_y" ] || [ ! -d "$infrac_y" ]; then echo "$PWD/$infrac_y is not a directory (a link?): refused" >&2; exit 1; fi
                  infrac_j=$(stat -c %d:%i -- "$infrac_y")
                  cd -P -- "$infrac_y"
                  if [ "$(stat -c %d:%i .)" != "$infrac_j" ]; then echo "$infrac_y in $OLDPWD was replaced while it was made: refused" >&2; exit 1; fi
                  if [ -z "$infrac_o" ]; then
                    infrac_o=$(stat -c %u .)
                    if [ "$infrac_o" != 0 ] && [ "$infrac_o" != "$infrac_v" ]; then echo "$PWD was made by another user meanwhile: refused" >&2; exit 1; fi
                  fi
                done
                fi
              upload <root>/d/lines.txt
                --- /dev/null
                +++ <root>/d/lines.txt (planned)
                @@ -0,0 +1 @@
                +first line
        Plan: 1 host, 4 ops will change, 0 undetermined, 0 unchanged."#]]
    .assert_eq(&normalize(&text(&out), program.root()));
}

#[test]
fn json_plan_snapshot() {
    let program = Program::new(FILES);
    let mut doc = plan_json(&program, &[]);
    // Hashes and digests differ from machine to machine.
    mask(&mut doc);
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    expect_test::expect![[r#"
        {
          "hosts": [
            {
              "facts": "<facts>",
              "failed": null,
              "name": "local",
              "steps": [
                {
                  "commands": [
                    {
                      "digest": "<hash>",
                      "display": "mkdir -p -m 750 -- <root>/d",
                      "kind": "exec",
                      "secret": false,
                      "sudo": null
                    }
                  ],
                  "depends_on": null,
                  "file": "site.infra",
                  "line": 9,
                  "module": 0,
                  "op": "files.directory",
                  "span": [
                    81,
                    121
                  ],
                  "stage": 0,
                  "status": "will_change"
                },
                {
                  "commands": [
                    {
                      "digest": "<hash>",
                      "display": "set -e\ninfrac_q=<root>/d\ninfrac_m=\nwhile [ ! -e \"$infrac_q\" ] && [ ! -L \"$infrac_q\" ]; do\n  infrac_m=${infrac_q##*/}${infrac_m:+/$infrac_m}\n  case $infrac_q in */*) infrac_q=${infrac_q%/*}; [ -n \"$infrac_q\" ] || infrac_q=/ ;; *) infrac_q=. ;; esac\ndone\nif [ -n \"$infrac_m\" ]; then\ninfrac_p=$infrac_q/${infrac_m%%/*}\ncase $infrac_p in */*) infrac_d=${infrac_p%/*}; infrac_b=${infrac_p##*/} ;; *) infrac_d=.; infrac_b=$infrac_p ;; esac\n[ -n \"$infrac_d\" ] || infrac_d=/\ncase $infrac_d in /*) infrac_w=$infrac_d ;; *) cd -P -- . || exit 1; infrac_w=$PWD/$infrac_d ;; esac\ncd -P -- \"$infrac_d\" || exit 1\nif [ \"$PWD\" != \"$infrac_w\" ]; then\n  infrac_u=$(id -u) infrac_c= infrac_r=$infrac_w infrac_h=0\n  while [ -n \"$infrac_r\" ]; do\n    infrac_x=${infrac_r%%/*}\n    case $infrac_r in */*) infrac_r=${infrac_r#*/} ;; *) infrac_r= ;; esac\n    case $infrac_x in ''|.) continue ;; ..) infrac_c=${infrac_c%/*}; continue ;; esac\n    infrac_n=$infrac_c/$infrac_x\n    if [ -L \"$infrac_n\" ]; then\n      set -- $(stat -c '%u %a' -- \"${infrac_c:-/}\")\n      if { [ \"$1\" != 0 ] && [ \"$1\" != \"$infrac_u\" ]; } || [ $((0$2 & 022)) -ne 0 ]; then echo \"$infrac_n is a symbolic link in a directory other users can write to: refused\" >&2; exit 1; fi\n      infrac_h=$((infrac_h + 1)); [ \"$infrac_h\" -le 40 ] || { echo \"$infrac_w: too many links\" >&2; exit 1; }\n      infrac_l=$(readlink -- \"$infrac_n\" && echo x) || exit 1; infrac_l=${infrac_l%?x}\n      case $infrac_l in /*) infrac_c= ;; esac\n      infrac_r=$infrac_l/$infrac_r\n      continue\n    fi\n    infrac_c=$infrac_n\n  done\n  if [ \"${infrac_c:-/}\" != \"$PWD\" ]; then echo \"$infrac_w changed while it was resolved: refused\" >&2; exit 1; fi\nfi\n\ninfrac_v=$(id -u)\nwhile [ -n \"$infrac_m\" ]; do\n  infrac_y=${infrac_m%%/*}\n  case $infrac_m in */*) infrac_m=${infrac_m#*/} ;; *) infrac_m= ;; esac\n  # `infrac_o` empty: the directory was there already (made meanwhile).\n  if mkdir -- \"$infrac_y\" 2>/dev/null; then infrac_o=$infrac_v\n  elif [ -e \"$infrac_y\" ] || [ -L \"$infrac_y\" ]; then infrac_o=\n  else mkdir -- \"$infrac_y\"; infrac_o=$infrac_v\n  fi\n  if [ -L \"$infrac_y\" ] || [ ! -d \"$infrac_y\" ]; then echo \"$PWD/$infrac_y is not a directory (a link?): refused\" >&2; exit 1; fi\n  infrac_j=$(stat -c %d:%i -- \"$infrac_y\")\n  cd -P -- \"$infrac_y\"\n  if [ \"$(stat -c %d:%i .)\" != \"$infrac_j\" ]; then echo \"$infrac_y in $OLDPWD was replaced while it was made: refused\" >&2; exit 1; fi\n  if [ -z \"$infrac_o\" ]; then\n    infrac_o=$(stat -c %u .)\n    if [ \"$infrac_o\" != 0 ] && [ \"$infrac_o\" != \"$infrac_v\" ]; then echo \"$PWD was made by another user meanwhile: refused\" >&2; exit 1; fi\n  fi\ndone\nfi",
                      "kind": "exec",
                      "secret": false,
                      "sudo": null
                    },
                    {
                      "digest": "<hash>",
                      "display": "upload <root>/d/f.txt (mode 0640)",
                      "kind": "upload",
                      "secret": false,
                      "sudo": null
                    }
                  ],
                  "depends_on": null,
                  "file": "site.infra",
                  "line": 10,
                  "module": 0,
                  "op": "files.file",
                  "span": [
                    124,
                    185
                  ],
                  "stage": 0,
                  "status": "will_change"
                },
                {
                  "commands": [
                    {
                      "digest": "<hash>",
                      "display": "set -e\ninfrac_q=<root>\ninfrac_m=\nwhile [ ! -e \"$infrac_q\" ] && [ ! -L \"$infrac_q\" ]; do\n  infrac_m=${infrac_q##*/}${infrac_m:+/$infrac_m}\n  case $infrac_q in */*) infrac_q=${infrac_q%/*}; [ -n \"$infrac_q\" ] || infrac_q=/ ;; *) infrac_q=. ;; esac\ndone\nif [ -n \"$infrac_m\" ]; then\ninfrac_p=$infrac_q/${infrac_m%%/*}\ncase $infrac_p in */*) infrac_d=${infrac_p%/*}; infrac_b=${infrac_p##*/} ;; *) infrac_d=.; infrac_b=$infrac_p ;; esac\n[ -n \"$infrac_d\" ] || infrac_d=/\ncase $infrac_d in /*) infrac_w=$infrac_d ;; *) cd -P -- . || exit 1; infrac_w=$PWD/$infrac_d ;; esac\ncd -P -- \"$infrac_d\" || exit 1\nif [ \"$PWD\" != \"$infrac_w\" ]; then\n  infrac_u=$(id -u) infrac_c= infrac_r=$infrac_w infrac_h=0\n  while [ -n \"$infrac_r\" ]; do\n    infrac_x=${infrac_r%%/*}\n    case $infrac_r in */*) infrac_r=${infrac_r#*/} ;; *) infrac_r= ;; esac\n    case $infrac_x in ''|.) continue ;; ..) infrac_c=${infrac_c%/*}; continue ;; esac\n    infrac_n=$infrac_c/$infrac_x\n    if [ -L \"$infrac_n\" ]; then\n      set -- $(stat -c '%u %a' -- \"${infrac_c:-/}\")\n      if { [ \"$1\" != 0 ] && [ \"$1\" != \"$infrac_u\" ]; } || [ $((0$2 & 022)) -ne 0 ]; then echo \"$infrac_n is a symbolic link in a directory other users can write to: refused\" >&2; exit 1; fi\n      infrac_h=$((infrac_h + 1)); [ \"$infrac_h\" -le 40 ] || { echo \"$infrac_w: too many links\" >&2; exit 1; }\n      infrac_l=$(readlink -- \"$infrac_n\" && echo x) || exit 1; infrac_l=${infrac_l%?x}\n      case $infrac_l in /*) infrac_c= ;; esac\n      infrac_r=$infrac_l/$infrac_r\n      continue\n    fi\n    infrac_c=$infrac_n\n  done\n  if [ \"${infrac_c:-/}\" != \"$PWD\" ]; then echo \"$infrac_w changed while it was resolved: refused\" >&2; exit 1; fi\nfi\n\ninfrac_v=$(id -u)\nwhile [ -n \"$infrac_m\" ]; do\n  infrac_y=${infrac_m%%/*}\n  case $infrac_m in */*) infrac_m=${infrac_m#*/} ;; *) infrac_m= ;; esac\n  # `infrac_o` empty: the directory was there already (made meanwhile).\n  if mkdir -- \"$infrac_y\" 2>/dev/null; then infrac_o=$infrac_v\n  elif [ -e \"$infrac_y\" ] || [ -L \"$infrac_y\" ]; then infrac_o=\n  else mkdir -- \"$infrac_y\"; infrac_o=$infrac_v\n  fi\n  if [ -L \"$infrac_y\" ] || [ ! -d \"$infrac_y\" ]; then echo \"$PWD/$infrac_y is not a directory (a link?): refused\" >&2; exit 1; fi\n  infrac_j=$(stat -c %d:%i -- \"$infrac_y\")\n  cd -P -- \"$infrac_y\"\n  if [ \"$(stat -c %d:%i .)\" != \"$infrac_j\" ]; then echo \"$infrac_y in $OLDPWD was replaced while it was made: refused\" >&2; exit 1; fi\n  if [ -z \"$infrac_o\" ]; then\n    infrac_o=$(stat -c %u .)\n    if [ \"$infrac_o\" != 0 ] && [ \"$infrac_o\" != \"$infrac_v\" ]; then echo \"$PWD was made by another user meanwhile: refused\" >&2; exit 1; fi\n  fi\ndone\nfi",
                      "kind": "exec",
                      "secret": false,
                      "sudo": null
                    },
                    {
                      "digest": "<hash>",
                      "display": "infrac_p=<root>/current\ncase $infrac_p in */*) infrac_d=${infrac_p%/*}; infrac_b=${infrac_p##*/} ;; *) infrac_d=.; infrac_b=$infrac_p ;; esac\n[ -n \"$infrac_d\" ] || infrac_d=/\ncase $infrac_d in /*) infrac_w=$infrac_d ;; *) cd -P -- . || exit 1; infrac_w=$PWD/$infrac_d ;; esac\ncd -P -- \"$infrac_d\" || exit 1\nif [ \"$PWD\" != \"$infrac_w\" ]; then\n  infrac_u=$(id -u) infrac_c= infrac_r=$infrac_w infrac_h=0\n  while [ -n \"$infrac_r\" ]; do\n    infrac_x=${infrac_r%%/*}\n    case $infrac_r in */*) infrac_r=${infrac_r#*/} ;; *) infrac_r= ;; esac\n    case $infrac_x in ''|.) continue ;; ..) infrac_c=${infrac_c%/*}; continue ;; esac\n    infrac_n=$infrac_c/$infrac_x\n    if [ -L \"$infrac_n\" ]; then\n      set -- $(stat -c '%u %a' -- \"${infrac_c:-/}\")\n      if { [ \"$1\" != 0 ] && [ \"$1\" != \"$infrac_u\" ]; } || [ $((0$2 & 022)) -ne 0 ]; then echo \"$infrac_n is a symbolic link in a directory other users can write to: refused\" >&2; exit 1; fi\n      infrac_h=$((infrac_h + 1)); [ \"$infrac_h\" -le 40 ] || { echo \"$infrac_w: too many links\" >&2; exit 1; }\n      infrac_l=$(readlink -- \"$infrac_n\" && echo x) || exit 1; infrac_l=${infrac_l%?x}\n      case $infrac_l in /*) infrac_c= ;; esac\n      infrac_r=$infrac_l/$infrac_r\n      continue\n    fi\n    infrac_c=$infrac_n\n  done\n  if [ \"${infrac_c:-/}\" != \"$PWD\" ]; then echo \"$infrac_w changed while it was resolved: refused\" >&2; exit 1; fi\nfi\n\nln -sfn -- <root>/d \"./$infrac_b\"",
                      "kind": "exec",
                      "secret": false,
                      "sudo": null
                    }
                  ],
                  "depends_on": null,
                  "file": "site.infra",
                  "line": 11,
                  "module": 0,
                  "op": "files.link",
                  "span": [
                    188,
                    228
                  ],
                  "stage": 0,
                  "status": "will_change"
                },
                {
                  "commands": [
                    {
                      "digest": "<hash>",
                      "display": "set -e\ninfrac_q=<root>/d\ninfrac_m=\nwhile [ ! -e \"$infrac_q\" ] && [ ! -L \"$infrac_q\" ]; do\n  infrac_m=${infrac_q##*/}${infrac_m:+/$infrac_m}\n  case $infrac_q in */*) infrac_q=${infrac_q%/*}; [ -n \"$infrac_q\" ] || infrac_q=/ ;; *) infrac_q=. ;; esac\ndone\nif [ -n \"$infrac_m\" ]; then\ninfrac_p=$infrac_q/${infrac_m%%/*}\ncase $infrac_p in */*) infrac_d=${infrac_p%/*}; infrac_b=${infrac_p##*/} ;; *) infrac_d=.; infrac_b=$infrac_p ;; esac\n[ -n \"$infrac_d\" ] || infrac_d=/\ncase $infrac_d in /*) infrac_w=$infrac_d ;; *) cd -P -- . || exit 1; infrac_w=$PWD/$infrac_d ;; esac\ncd -P -- \"$infrac_d\" || exit 1\nif [ \"$PWD\" != \"$infrac_w\" ]; then\n  infrac_u=$(id -u) infrac_c= infrac_r=$infrac_w infrac_h=0\n  while [ -n \"$infrac_r\" ]; do\n    infrac_x=${infrac_r%%/*}\n    case $infrac_r in */*) infrac_r=${infrac_r#*/} ;; *) infrac_r= ;; esac\n    case $infrac_x in ''|.) continue ;; ..) infrac_c=${infrac_c%/*}; continue ;; esac\n    infrac_n=$infrac_c/$infrac_x\n    if [ -L \"$infrac_n\" ]; then\n      set -- $(stat -c '%u %a' -- \"${infrac_c:-/}\")\n      if { [ \"$1\" != 0 ] && [ \"$1\" != \"$infrac_u\" ]; } || [ $((0$2 & 022)) -ne 0 ]; then echo \"$infrac_n is a symbolic link in a directory other users can write to: refused\" >&2; exit 1; fi\n      infrac_h=$((infrac_h + 1)); [ \"$infrac_h\" -le 40 ] || { echo \"$infrac_w: too many links\" >&2; exit 1; }\n      infrac_l=$(readlink -- \"$infrac_n\" && echo x) || exit 1; infrac_l=${infrac_l%?x}\n      case $infrac_l in /*) infrac_c= ;; esac\n      infrac_r=$infrac_l/$infrac_r\n      continue\n    fi\n    infrac_c=$infrac_n\n  done\n  if [ \"${infrac_c:-/}\" != \"$PWD\" ]; then echo \"$infrac_w changed while it was resolved: refused\" >&2; exit 1; fi\nfi\n\ninfrac_v=$(id -u)\nwhile [ -n \"$infrac_m\" ]; do\n  infrac_y=${infrac_m%%/*}\n  case $infrac_m in */*) infrac_m=${infrac_m#*/} ;; *) infrac_m= ;; esac\n  # `infrac_o` empty: the directory was there already (made meanwhile).\n  if mkdir -- \"$infrac_y\" 2>/dev/null; then infrac_o=$infrac_v\n  elif [ -e \"$infrac_y\" ] || [ -L \"$infrac_y\" ]; then infrac_o=\n  else mkdir -- \"$infrac_y\"; infrac_o=$infrac_v\n  fi\n  if [ -L \"$infrac_y\" ] || [ ! -d \"$infrac_y\" ]; then echo \"$PWD/$infrac_y is not a directory (a link?): refused\" >&2; exit 1; fi\n  infrac_j=$(stat -c %d:%i -- \"$infrac_y\")\n  cd -P -- \"$infrac_y\"\n  if [ \"$(stat -c %d:%i .)\" != \"$infrac_j\" ]; then echo \"$infrac_y in $OLDPWD was replaced while it was made: refused\" >&2; exit 1; fi\n  if [ -z \"$infrac_o\" ]; then\n    infrac_o=$(stat -c %u .)\n    if [ \"$infrac_o\" != 0 ] && [ \"$infrac_o\" != \"$infrac_v\" ]; then echo \"$PWD was made by another user meanwhile: refused\" >&2; exit 1; fi\n  fi\ndone\nfi",
                      "kind": "exec",
                      "secret": false,
                      "sudo": null
                    },
                    {
                      "digest": "<hash>",
                      "display": "upload <root>/d/lines.txt",
                      "kind": "upload",
                      "secret": false,
                      "sudo": null
                    }
                  ],
                  "depends_on": null,
                  "file": "site.infra",
                  "line": 12,
                  "module": 0,
                  "op": "files.line",
                  "span": [
                    231,
                    277
                  ],
                  "stage": 0,
                  "status": "will_change"
                }
              ]
            }
          ],
          "infrac_plan": 1,
          "inputs": {
            "hash": "<hash>",
            "limit": [],
            "secret_set": [],
            "set": {
              "root": "<root>"
            }
          },
          "plan_hash": "<hash>",
          "program": {
            "hash": "<hash>",
            "path": "site.infra"
          },
          "stages": [
            "site"
          ],
          "summary": {
            "failed": 0,
            "hosts": 1,
            "no_change": 0,
            "undetermined": 0,
            "will_change": 4
          }
        }"#]]
    .assert_eq(&normalize(&text, program.root()));
}

fn mask(value: &mut Json) {
    match value {
        Json::Object(fields) => {
            for (key, v) in fields.iter_mut() {
                if key.ends_with("hash") || key == "digest" {
                    *v = Json::from("<hash>");
                } else if key == "facts" {
                    *v = Json::from("<facts>");
                } else {
                    mask(v);
                }
            }
        }
        Json::Array(items) => items.iter_mut().for_each(mask),
        _ => {}
    }
}

#[test]
fn apply_stops_a_host_before_a_command_the_plan_did_not_record() {
    let program = Program::new(
        r#"
use std::server

param root: str

group here = [local()]

stage site on here {
  server.shell("touch {root}/made", unless: "test -e {root}/flag")
}
"#,
    );
    let flag = program.root().join("flag");
    std::fs::write(&flag, "").unwrap_or_else(|e| panic!("{e}"));
    let made = plan(&program, &["-o", "plan.json", "--detailed-exitcode"]);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made));
    // What the probe sees changes after the plan: the op now wants to run.
    std::fs::remove_file(&flag).unwrap_or_else(|e| panic!("{e}"));
    let apply = program.infrac(&["apply", "plan.json"]);
    let out = text(&apply);
    assert_eq!(apply.status.code(), Some(3), "{out}");
    assert!(out.contains("is not in the plan"), "{out}");
    assert!(
        !program.root().join("made").exists(),
        "the unplanned command ran"
    );
}

/// `infrac run ...` on a pseudo-terminal (`script`), typing `answer`.
fn run_on_terminal(program: &Program, answer: &str) -> Output {
    let root = format!("root={}", program.root().display());
    let command = format!(
        "{} run site.infra --set {}",
        env!("CARGO_BIN_EXE_infrac"),
        infrac_shell::quote(&root)
    );
    // The answer waits in the terminal until the question reads it; the
    // input stays open while infrac runs.
    let feed = format!(
        "(echo {answer}; sleep 5) | script -qec {} /dev/null",
        infrac_shell::quote(&command)
    );
    let dir = program.root().parent().unwrap_or(program.root());
    Command::new("sh")
        .current_dir(dir)
        .args(["-c", &feed])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run script: {e}"))
}

#[test]
fn run_on_a_terminal_asks_and_applies_only_when_approved() {
    if !run_common::has_command("script") {
        eprintln!("skipped: no `script` command to make a terminal");
        return;
    }
    let program = Program::new(FILES);
    let declined = run_on_terminal(&program, "n");
    let out = text(&declined);
    assert!(out.contains("Apply these changes? [y/N]"), "{out}");
    assert!(out.contains("Not applied: nothing was changed."), "{out}");
    assert!(!program.root().join("d").exists(), "declined, yet changed");

    let approved = run_on_terminal(&program, "y");
    let out = text(&approved);
    assert!(out.contains("4 changed, 0 hosts failed"), "{out}");
    assert_eq!(read(&program.root().join("d/f.txt")), "hello\n");
}

#[test]
fn the_stdlib_self_test_plans_applies_and_then_plans_nothing() {
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = format!("root={}", work.path().join("root").display());
    let saved = work.path().join("plan.json").display().to_string();
    let infrac = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_infrac"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run infrac: {e}"))
    };
    let program = "stdlib/tests/ops_local.infra";
    let made = infrac(&["plan", program, "--set", &root, "-o", &saved]);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made));
    let apply = infrac(&["apply", &saved]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply));
    let again = infrac(&["plan", program, "--set", &root, "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        text(&again).contains("0 ops will change, 0 undetermined"),
        "{}",
        text(&again)
    );
}

#[test]
fn emitted_scripts_carry_large_files() {
    let program = Program::new(
        "use std::files\n\nparam root: str\n\ngroup here = [local()]\n\n\
         stage site on here {\n  files.put(\"big.txt\", \"{root}/big.txt\")\n}\n",
    );
    // Over the kernel's 128 KiB limit for one command-line argument.
    let big = "y".repeat(300_000) + "\n";
    program.write("big.txt", &big);
    emit_and_run(&program);
    assert_eq!(read(&program.root().join("big.txt")), big);
}

/// A template that sees an earlier stage's value a plan cannot know (the
/// output of a command that has not run) is not rendered with an empty
/// value: its call may change, and says why.
#[test]
fn a_template_seeing_an_unknown_stage_value_may_change() {
    let program = Program::new(
        r#"
use std::files

param root: str

group here = [local()]

// Changes no fact the template's call reads: only the value is unknown.
op mint() changes facts.hostname { run(sh"echo t0k") }

stage token on one(here) -> str { mint().stdout }

stage site on here {
  files.template("t.j2", "{root}/t.txt")
}
"#,
    );
    program.write("t.j2", "token={{ stages.token }}\n");
    let doc = plan_json(&program, &[]);
    let steps = &doc["hosts"][0]["steps"];
    let status: Vec<&str> = steps
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["status"].as_str())
        .collect();
    assert_eq!(status, ["will_change", "may_change"], "{steps:#}");
    assert_eq!(steps[1]["depends_on"]["line"], 11, "{steps:#}");
    let human = text(&plan(&program, &[]));
    assert!(
        human.contains("the output of a planned command is unknown until then"),
        "{human}"
    );
}
