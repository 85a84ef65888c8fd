//! Running a part of a program: `--stage`, `--tags` and `--skip-tags`, end
//! to end on `local()` hosts (what runs, what is shown as skipped, the
//! refusals: unknown names, a stage whose value a selected stage reads).

use std::process::Output;

mod run_common;
use run_common::{Program, json_lines, summary_of};

const PROGRAM: &str = r#"
use std::files

param root: str

group here = [local()]

stage base on here (tags: ["setup"]) {
  files.file("{root}/base", content: "b")
}
stage token on one(here) -> str { "t0k" }
stage app on here (tags: ["deploy"]) {
  files.file("{root}/app", content: token)
}
stage web on here (tags: ["deploy", "web"]) {
  files.file("{root}/web", content: "w")
}
"#;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The files the stages made, in stage order.
fn made(program: &Program) -> Vec<&'static str> {
    ["base", "app", "web"]
        .into_iter()
        .filter(|f| program.root().join(f).exists())
        .collect()
}

#[test]
fn selected_stages_run_and_the_others_are_shown_as_skipped() {
    let cases: [(&[&str], &[&str], &[&str]); 4] = [
        (&["--stage", "base"], &["base"], &["token", "app", "web"]),
        (
            &["--tags", "deploy", "--stage", "token"],
            &["app", "web"],
            &["base"],
        ),
        (&["--skip-tags", "web,setup"], &["app"], &["base", "web"]),
        (
            &["--tags", "web", "--skip-tags", "setup"],
            &["web"],
            &["base", "token", "app"],
        ),
    ];
    for (args, runs, skipped) in cases {
        let program = Program::new(PROGRAM);
        let out = program.run_json(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(made(&program), runs, "{args:?}");
        let events: Vec<String> = json_lines(&out)
            .iter()
            .filter(|l| l["event"] == "stage_skipped")
            .map(|l| l["stage"].as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(events, skipped, "{args:?}");
        assert_eq!(
            summary_of(&out)["unselected_stages"],
            serde_json::json!(skipped)
        );
    }
    let program = Program::new(PROGRAM);
    let out = program.run(&["--stage", "base"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("stage app skipped (not selected)"), "{text}");
    assert!(
        text.contains("; stages skipped (not selected): token, app, web"),
        "{text}"
    );
}

#[test]
fn bad_selections_are_usage_errors_and_nothing_runs() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["--tags", "deploy"],
            "error: stage `app` reads the value of stage `token`, which would not run: select it too (--stage token) or leave `app` out",
        ),
        (
            &["--stage", "app"],
            "error: stage `app` reads the value of stage `token`, which would not run",
        ),
        (
            &["--stage", "ap"],
            "error: --stage ap: no such stage (stages: base, token, app, web); did you mean `app`?",
        ),
        (
            &["--tags", "deplyo"],
            "error: --tags deplyo: no stage has this tag (tags: deploy, setup, web); did you mean `deploy`?",
        ),
        (
            &["--skip-tags", "nope"],
            "error: --skip-tags nope: no stage has this tag (tags: deploy, setup, web)",
        ),
    ];
    for (args, message) in cases {
        let program = Program::new(PROGRAM);
        let out = program.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert!(made(&program).is_empty(), "{args:?} ran");
    }
}

#[test]
fn a_plan_of_some_stages_is_applied_to_those_stages() {
    let program = Program::new(PROGRAM);
    let root = format!("root={}", program.root().display());
    let infrac = |args: &[&str]| program.infrac(args);
    let plan = infrac(&[
        "plan",
        "site.infra",
        "--set",
        &root,
        "--stage",
        "web",
        "-o",
        "p.json",
    ]);
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let text = String::from_utf8_lossy(&plan.stdout);
    assert!(text.starts_with("stage base skipped (not selected)\nstage token skipped (not selected)\nstage app skipped (not selected)\nstage web\n"), "{text}");
    let apply = infrac(&["apply", "p.json"]);
    assert_eq!(apply.status.code(), Some(0), "{}", stderr(&apply));
    assert_eq!(made(&program), ["web"]);
}
