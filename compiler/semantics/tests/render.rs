//! Snapshots of the terminal rendering (colour off): the source and the
//! diagnostics together, so a reviewer reads both at once.

use std::path::Path;
use std::sync::Arc;

use infrac_compiler::render::render_human;
use infrac_compiler::{Database, MemoryFileLoader, check_program};

fn render(source: &str) -> String {
    render_with(source, &[])
}

/// [`render`], with these other files (controller files the program
/// names).
fn render_with(source: &str, files: &[(&str, &str)]) -> String {
    let mut db = Database::new(Arc::new(MemoryFileLoader::default()));
    for (path, text) in files {
        db.set_file_text(Path::new(path), (*text).to_string());
    }
    let file = db.set_file_text(Path::new("site.infra"), source.to_string());
    let rendered: Vec<String> = check_program(&db, file)
        .iter()
        .map(|d| render_human(d, source, false))
        .collect();
    format!(
        "----- SOURCE\n{source}\n----- DIAGNOSTICS\n{}",
        rendered.join("\n")
    )
}

#[test]
fn type_mismatch_with_help() {
    insta::assert_snapshot!(render(
        r#"fn port(p: int?): int {
  p
}
"#
    ));
}

#[test]
fn misspelt_fact_field_and_argument() {
    insta::assert_snapshot!(render(
        r#"use std::files
group web = [local()]
stage base on web {
  let os = facts.os
  if os.verison_id == "12" {
    files.directory("/srv/app", mdoe: 0o755)
  }
}
"#
    ));
}

#[test]
fn secret_in_a_string_and_duplicate_item() {
    insta::assert_snapshot!(render(
        r#"param password: secret
fn url(): str { "postgres://app:{password}@db" }
fn url(): str { "x" }
"#
    ));
}

#[test]
fn stage_rules() {
    insta::assert_snapshot!(render(
        r#"group web = [local()]
stage early on web (serail: 2) { let _t = token }
stage token on one(web) -> str { "abc" }
"#
    ));
}

#[test]
fn template_problems_at_the_call() {
    insta::assert_snapshot!(render_with(
        r#"use std::files
op deploy() {
  files.template("lib/gone.j2", "/etc/a")
  files.template("bad.j2", "/etc/b")
  files.template("site.j2", "/etc/c", vars: { port: 80 }, host_facts: { os: facts.os })
}
"#,
        &[
            ("bad.j2", "server {\n  {% if tls %}\n}\n"),
            (
                "site.j2",
                "{{ port }} {{ name }} {{ facts.os.id }} {{ facts.arch }}\n"
            ),
        ]
    ));
}
