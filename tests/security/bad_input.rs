//! Source text that overflowed the stack (F14): `check` and `fmt` refuse
//! it with a placed error, and the longest accepted chains check clean.

use std::process::Command;

fn infrac(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_infrac"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run infrac: {e}"))
}

fn else_ifs(n: usize) -> String {
    let cases: String = (1..=n)
        .map(|i| format!(" else if x == {i} {{ {i} }}"))
        .collect();
    format!("fn f(x: int): int {{\n  if x == 0 {{ 0 }}{cases} else {{ -1 }}\n}}\n")
}

#[test]
fn very_long_chains_are_errors_not_crashes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let chain = format!("fn f(): str {{ \"a\"{} }}\n", ".trim()".repeat(10_000));
    std::fs::write(dir.path().join("chain.infra"), chain).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("cases.infra"), else_ifs(1000))
        .unwrap_or_else(|e| panic!("{e}"));
    for file in ["chain.infra", "cases.infra"] {
        for cmd in ["check", "fmt"] {
            let out = infrac(&[cmd, file], dir.path());
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{cmd} {file}: {stderr}");
            let why = if cmd == "check" {
                "in a row (more than 256)"
            } else {
                "syntax error"
            };
            assert!(stderr.contains(why), "{cmd} {file}: {stderr}");
        }
    }
    // 256 cases (the most accepted) check: every walk of the tree copes.
    std::fs::write(dir.path().join("ok.infra"), else_ifs(255)).unwrap_or_else(|e| panic!("{e}"));
    let out = infrac(&["check", "ok.infra"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
