//! Params of lists, maps and records, from `--set` (JSON) and from params
//! files (`--params vars.yaml`), run end to end on `local()` hosts: the
//! values a program sees, and the usage errors (exit 2, nothing run) of
//! bad values and files.

use std::os::unix::fs::PermissionsExt;

mod run_common;
use run_common::Program;

const PROGRAM: &str = r#"
use std::files

enum Tier { web, db }
type Login = { user: str, password: secret, port: int = 5432 }

param root: str
param users: list<str> = []
param limits: map<str, int> = {}
param tiers: list<Tier?> = []
param login: Login? = none
param release: str = "2.4.0"

group here = [local()]

op remember(path: str, password: secret) changes nothing {
  run(sh"printf %s {password} > {path}")
}

stage s on here {
  files.file("{root}/seen.txt", content: "{users} {limits} {tiers} {release}")
  let l = login
  if l != none {
    files.file("{root}/login.txt", content: "{l.user}:{l.port}")
    remember("{root}/password.txt", l.password)
  }
}
"#;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn seen(program: &Program) -> String {
    std::fs::read_to_string(program.root().join("seen.txt"))
        .unwrap_or_else(|e| panic!("seen.txt: {e}"))
}

/// `name` in the program's folder with `text`, mode `mode`.
fn write_private(program: &Program, name: &str, text: &str, mode: u32) {
    program.write(name, text);
    let path = program.root().parent().map(|d| d.join(name));
    let Some(path) = path else {
        panic!("no folder")
    };
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {name}: {e}"));
}

#[test]
fn lists_maps_and_records_are_set_as_json_and_scalars_stay_text() {
    let program = Program::new(PROGRAM);
    let out = program.run(&[
        "--set",
        r#"users=["ada","bob"]"#,
        "--set",
        r#"limits={"web": 3}"#,
        "--set",
        r#"tiers=["db", null]"#,
        "--set",
        "release=[2.4.1]",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        seen(&program),
        r#"["ada", "bob"] {"web": 3} [db, none] [2.4.1]"#
    );
}

#[test]
fn params_files_set_values_and_set_wins_over_them() {
    let program = Program::new(PROGRAM);
    program.write(
        "vars.yaml",
        "users: [ada, bob]\nlimits:\n  web: 3\n  db: 1\nrelease: '2.5'\n",
    );
    program.write("more.json", r#"{"users": ["eve"], "tiers": ["web"]}"#);
    let out = program.run(&[
        "--params",
        "vars.yaml",
        "--params",
        "more.json",
        "--set",
        "release=2.6",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(seen(&program), r#"["eve"] {"db": 1, "web": 3} [web] 2.6"#);
}

#[test]
fn a_secret_from_a_params_file_is_used_and_never_shown() {
    let program = Program::new(PROGRAM);
    let secret = "hunter2-from-a-file";
    let vars = format!("login:\n  user: ada\n  password: {secret}\n");
    write_private(&program, "vars.yaml", &vars, 0o600);
    for format in ["human", "json"] {
        let out = program.run(&["--params", "vars.yaml", "--format", format]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(!all.contains(secret), "the secret leaked: {all}");
        assert!(!all.contains("warning"), "a private file: {all}");
    }
    let read = |name: &str| std::fs::read_to_string(program.root().join(name)).unwrap_or_default();
    assert_eq!(read("login.txt"), "ada:5432");
    assert_eq!(read("password.txt"), secret);

    write_private(&program, "vars.yaml", &vars, 0o644);
    let out = program.run(&["--params", "vars.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "warning: vars.yaml:1: the secret param `login` is in a file other users can read: make it private (chmod 600 vars.yaml)"
        ),
        "{}",
        stderr(&out)
    );
}

/// Each bad value or file: exit 2, this message (a bad value is shown at
/// the param's declaration), nothing run.
#[test]
fn bad_values_and_files_are_usage_errors_and_nothing_runs() {
    let program = Program::new(PROGRAM);
    program.write("unknown.yaml", "users: []\nuser: [ada]\n");
    program.write("typed.yaml", "limits:\n  web: three\n");
    program.write(
        "record.json",
        "{\n  \"login\": {\"user\": \"ada\", \"pasword\": \"x\"}\n}\n",
    );
    program.write("broken.json", "{\n  \"users\": [\"ada\",]\n}\n");
    program.write("broken.yaml", "users: [ada\nlimits: {}\n");
    program.write("list.yaml", "- users\n");
    let cases: [(&[&str], &str); 9] = [
        (
            &["--set", "users=ada,bob"],
            "--set users=ada,bob: not JSON (expected value at line 1 column 1); a list is written as JSON",
        ),
        (
            &["--set", r#"limits={"web": "3"}"#],
            r#"--set limits={"web": "3"}: `web`: expected an int, found the string "3""#,
        ),
        (
            &["--set", r#"tiers=["cache"]"#],
            r#"--set tiers=["cache"]: `[0]`: `cache` is not a variant of Tier (web, db)"#,
        ),
        (
            &["--params", "unknown.yaml"],
            "unknown.yaml:2: there is no param `user` (params: root, users, limits, tiers, login, release)",
        ),
        (
            &["--params", "typed.yaml"],
            "typed.yaml:1: `limits`: `web`: expected an int, found the string \"three\"",
        ),
        (
            &["--params", "record.json"],
            "record.json:2: `login`: `Login` has no field `pasword` (fields: user, password, port)",
        ),
        (
            &["--params", "broken.json"],
            "broken.json:2: invalid JSON: trailing comma at line 2 column 19",
        ),
        (
            &["--params", "list.yaml"],
            "list.yaml:1: a params file maps param names to values (`release: 2.4.1`)",
        ),
        (
            &["--params", "missing.yaml"],
            "missing.yaml: cannot read the params file:",
        ),
    ];
    for (args, message) in cases {
        let out = program.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
        assert!(!program.root().join("seen.txt").exists(), "{args:?} ran");
    }
    let out = program.run(&["--params", "broken.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("error: broken.yaml:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_plan_keeps_no_secret_of_a_params_file_and_apply_reads_it_again() {
    let program = Program::new(PROGRAM);
    let secret = "hunter2-planned";
    let vars = format!("users: [ada]\nlogin: {{user: ada, password: {secret}}}\n");
    write_private(&program, "vars.yaml", &vars, 0o600);
    let dir = program
        .root()
        .parent()
        .map(|d| d.to_path_buf())
        .unwrap_or_default();
    let root = format!("root={}", program.root().display());
    let infrac = |args: &[&str]| program.infrac(args);
    let plan = infrac(&[
        "plan",
        "site.infra",
        "--set",
        &root,
        "--params",
        "vars.yaml",
        "-o",
        "p.json",
    ]);
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let saved = std::fs::read_to_string(dir.join("p.json")).unwrap_or_default();
    assert!(!saved.contains(secret), "the plan holds the secret");
    assert!(saved.contains(r#""users": "[\"ada\"]""#), "{saved}");

    let refused = infrac(&["apply", "p.json"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("the plan was made with the secret param `login`"),
        "{}",
        stderr(&refused)
    );
    let apply = infrac(&["apply", "p.json", "--params", "vars.yaml"]);
    assert_eq!(apply.status.code(), Some(0), "{}", stderr(&apply));
    assert_eq!(seen(&program), r#"["ada"] {} [] 2.4.0"#);
    let password = std::fs::read_to_string(program.root().join("password.txt"));
    assert_eq!(password.unwrap_or_default(), secret);
}
