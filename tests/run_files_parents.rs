//! The standard library's file writes create missing parent directories
//! (`create_dirs: true`, the default) on `local()` hosts: what they make,
//! a second run, `create_dirs: false`, the plan's predictions, and a link
//! planted where another user can write.

use std::os::unix::fs::PermissionsExt;
use std::process::Output;

mod run_common;
use run_common::{Program, op_events};

const WRITES: &str = r#"
use std::files

param root: str

group here = [local()]

stage s on here {
  files.file("{root}/a/b/file.txt", content: "x\n")
  files.file("{root}/touched/empty")
  files.put("src.txt", "{root}/p/q/put.txt")
  files.template("page.j2", "{root}/t/page.txt", vars: { name: "Ada" })
  files.link("{root}/l/m/current", "{root}/a")
  files.line("{root}/n/lines.txt", "first")
}
"#;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn writes() -> Program {
    let program = Program::new(WRITES);
    program.write("src.txt", "uploaded\n");
    program.write("page.j2", "Hello {{ name }}!\n");
    program
}

#[test]
fn writes_make_their_missing_parents_and_a_second_run_changes_nothing() {
    let program = writes();
    let out = program.run_json(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let root = program.root();
    for dir in ["a", "a/b", "touched", "p/q", "t", "l/m", "n"] {
        assert!(root.join(dir).is_dir(), "{dir} was made");
    }
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_default();
    assert_eq!(read("a/b/file.txt"), "x\n");
    assert_eq!(read("p/q/put.txt"), "uploaded\n");
    assert_eq!(read("t/page.txt"), "Hello Ada!\n");
    assert_eq!(read("n/lines.txt"), "first\n");
    assert!(root.join("touched/empty").is_file());
    let link = std::fs::read_link(root.join("l/m/current")).unwrap_or_default();
    assert_eq!(link, root.join("a"));

    let again = program.run_json(&[]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let changed: Vec<_> = op_events(&again)
        .into_iter()
        .filter(|e| e["changed"] == true)
        .collect();
    assert!(changed.is_empty(), "{changed:?}");
}

#[test]
fn without_create_dirs_a_missing_parent_fails_and_nothing_is_made() {
    let program = Program::new(
        r#"
use std::files
param root: str
group here = [local()]
stage s on here {
  files.file("{root}/missing/f.txt", content: "x", create_dirs: false)
}
"#,
    );
    let out = program.run(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("f.txt failed: sh: 14: cd: can't cd to "),
        "{}",
        stderr(&out)
    );
    assert!(!program.root().join("missing").exists());
}

#[test]
fn the_plan_knows_the_parents_are_directories_after_a_write() {
    let program = Program::new(
        r#"
use std::files
param root: str
group here = [local()]
stage s on here {
  files.file("{root}/new/dir/f.txt", content: "x")
  files.directory("{root}/new/dir")
  files.directory("{root}/new")
}
"#,
    );
    let root = format!("root={}", program.root().display());
    let out = program.infrac(&["plan", "site.infra", "--format", "json", "--set", &root]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("plan JSON: {e}"));
    let summary = &doc["summary"];
    assert_eq!(
        (
            &summary["will_change"],
            &summary["undetermined"],
            &summary["no_change"]
        ),
        (&1.into(), &0.into(), &2.into()),
        "the directories are predicted, not undetermined: {summary}"
    );
    assert!(!program.root().join("new").exists(), "a plan makes nothing");
}

#[test]
fn a_link_planted_where_others_can_write_is_not_followed() {
    let program = Program::new(
        r#"
use std::files
param root: str
group here = [local()]
stage s on here {
  files.file("{root}/shared/app/conf/f.txt", content: "x")
}
"#,
    );
    let root = program.root();
    let shared = root.join("shared");
    let victim = root.join("victim");
    for dir in [&shared, &victim] {
        std::fs::create_dir(dir).unwrap_or_else(|e| panic!("mkdir: {e}"));
    }
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777))
        .unwrap_or_else(|e| panic!("chmod: {e}"));
    std::os::unix::fs::symlink(&victim, shared.join("app"))
        .unwrap_or_else(|e| panic!("symlink: {e}"));
    let out = program.run(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("is a symbolic link in a directory other users can write to: refused"),
        "{}",
        stderr(&out)
    );
    let made: Vec<_> = std::fs::read_dir(&victim)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(made.is_empty(), "made through the link: {made:?}");
}
