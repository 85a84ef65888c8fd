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

/// F15: work on the controller is bounded: a template loop that does not
/// end, an inventory or an upload source that is a device or a FIFO, a
/// YAML alias bomb. Each is a clear error in a few seconds.
#[test]
fn controller_side_work_is_bounded() {
    use crate::run_common::Program;
    let program = Program::new(
        r#"
use std::files
param root: str
param what: str
group here = [local()]
stage s on here {
  if what == "template" { files.template("loop.j2", "{root}/out") }
  // Not a literal: read when it runs (a literal is checked first, below).
  let zero = "zero"
  if what == "put" { files.put(zero, "{root}/out") }
}
"#,
    );
    program.write(
        "loop.j2",
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
    );
    let dir = program
        .root()
        .parent()
        .map(|d| d.to_path_buf())
        .unwrap_or_default();
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero")).unwrap_or_else(|e| panic!("{e}"));
    for (what, expect) in [
        ("template", "rendering took more than 10000000 steps"),
        ("put", "zero: it is not a regular file"),
    ] {
        let started = std::time::Instant::now();
        let out = program.run(&["--set", &format!("what={what}")]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(3), "{what}: {stdout}");
        assert!(stdout.contains(expect), "{what}: {stdout}");
        assert!(
            started.elapsed().as_secs() < 30,
            "{what}: {:?}",
            started.elapsed()
        );
    }

    // A literal path to a device is refused by the check, unread.
    let literal = Program::new(
        "use std::files\nop o() { files.put(\"zero\", \"/x\") files.template(\"zero\", \"/y\") }\n",
    );
    std::os::unix::fs::symlink(
        "/dev/zero",
        literal
            .root()
            .parent()
            .map(|d| d.join("zero"))
            .unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = literal.check();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr
            .matches("controller file `zero` not found (or not a regular file)")
            .count(),
        2,
        "{stderr}"
    );

    // Inventories: a device, a FIFO, an alias bomb.
    let fifo = dir.join("fifo.ini");
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (i, name) in "bcdefghij".chars().enumerate() {
        let prev = "abcdefghij".as_bytes()[i] as char;
        bomb.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 10].join(", ")
        ));
    }
    bomb.push_str("all:\n  hosts:\n    h1:\n      data: *j\n");
    std::fs::write(dir.join("bomb.yml"), bomb).unwrap_or_else(|e| panic!("{e}"));
    // Given as literals, a device and a FIFO are refused by the check
    // (exit 1), unread; given as values, when the run reads them.
    for inventory in ["/dev/zero", "fifo.ini"] {
        let source =
            format!("group g = inventory(\"{inventory}\")\nstage s on g {{ let _x = 1 }}\n");
        std::fs::write(dir.join("lit.infra"), source).unwrap_or_else(|e| panic!("{e}"));
        let out = infrac(&["check", "lit.infra"], &dir);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{inventory}: {stderr}");
        assert!(
            stderr.contains("not found (or not a regular file)"),
            "{inventory}: {stderr}"
        );
    }
    for (inventory, expect) in [
        ("/dev/zero", "it is not a regular file"),
        ("fifo.ini", "it is not a regular file"),
        ("bomb.yml", "expands to more than 1000000 values"),
    ] {
        let source = format!(
            "param p: str = \"{inventory}\"\ngroup g = inventory(p)\nstage s on g {{ let _x = 1 }}\n"
        );
        std::fs::write(dir.join("inv.infra"), source).unwrap_or_else(|e| panic!("{e}"));
        let started = std::time::Instant::now();
        let out = infrac(&["run", "inv.infra", "--yes"], &dir);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(2), "{inventory}: {text}");
        assert!(text.contains(expect), "{inventory}: {text}");
        assert!(
            started.elapsed().as_secs() < 10,
            "{inventory}: {:?}",
            started.elapsed()
        );
    }
}
