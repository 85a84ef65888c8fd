//! Parses a generated 100,000-line program and reports the speed (run
//! `cargo test --release -p infrac-syntax --test throughput -- --nocapture`
//! for a meaningful number).

use std::fmt::Write as _;
use std::time::Instant;

/// A program of about `lines` lines, made of realistic items.
fn generate(lines: usize) -> String {
    let mut out = String::from("use std::{apt, files}\n\n");
    let mut i = 0;
    let mut count = 2;
    while count < lines {
        let _ = write!(
            out,
            r#"/// Host data number {i}.
pub type Web{i} = {{
  port: int,
  workers: int = 4,
  tags: list<str> = [],
}}

enum Tier{i} {{ frontend, backend, batch }}

/// Ensure the app config {i} exists.
pub op app_config{i}(name: str, mode: int? = none) changes facts.file(name) {{
  let path = "/etc/app/{{name}}.conf"
  let f = facts.file(path)
  if f == none or f?.mode != mode {{
    run(sh"install -m {{mode ?? 0o644:o}} /dev/null {{path}}")
  }} else if f.kind != FileKind.file {{
    fail "{{path}} exists and is not a file"
  }}
}}

fn port_of{i}(t: Tier{i}): int {{
  match t {{
    Tier{i}.frontend => 8080,
    Tier{i}.backend | Tier{i}.batch => 9000 + {i} * 2 - 1,
  }}
}}

stage deploy{i} on web, one(control) (serial: 2) {{
  for pkg in ["nginx", "curl"] {{ apt.package(pkg) }}
  let port = port_of{i}(Tier{i}.frontend)
  files.directory("/srv/app{i}", mode: 0o755)
  app_config{i}("web", mode: 0o600)
}}

"#
        );
        count += 37;
        i += 1;
    }
    out
}

#[test]
fn parses_a_100k_line_program_quickly() {
    let text = generate(100_000);
    let lines = text.lines().count();
    let start = Instant::now();
    let parse = infrac_syntax::parse(&text);
    let elapsed = start.elapsed();
    assert!(
        parse.errors.is_empty(),
        "{:?}",
        &parse.errors[..parse.errors.len().min(3)]
    );
    let rate = lines as f64 / elapsed.as_secs_f64();
    println!("parsed {lines} lines in {elapsed:?}: {rate:.0} lines/s");
}
