//! The standard library's in-place text edits on `local()` hosts:
//! `files.line` (`after:`, `before:`, `last:`, `validate:`, a new file's
//! mode), `files.block` and `files.replace`. Each first run changes what it
//! must, a second changes nothing; failures leave the file as it was and
//! say why.

use std::os::unix::fs::PermissionsExt;
use std::process::Output;

mod run_common;
use run_common::{Program, op_events};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Each op call's `changed`, in order.
fn changes(out: &Output) -> Vec<bool> {
    op_events(out)
        .iter()
        .map(|e| e["changed"] == true)
        .collect()
}

/// `body` as the stage of a program that uses `std::files`.
fn program(body: &str) -> Program {
    Program::new(&format!(
        "use std::files\nparam root: str\ngroup here = [local()]\nstage s on here {{\n{body}\n}}\n"
    ))
}

fn seed(program: &Program, name: &str, text: &str) {
    std::fs::write(program.root().join(name), text).unwrap_or_else(|e| panic!("seed: {e}"));
}

fn read(program: &Program, name: &str) -> String {
    std::fs::read_to_string(program.root().join(name)).unwrap_or_else(|e| panic!("read: {e}"))
}

/// Runs the program twice: the first run succeeds with `first` as each
/// call's `changed`, the second succeeds and changes nothing.
fn converges(program: &Program, first: &[bool]) {
    let out = program.run_json(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(changes(&out), first, "first run");
    let again = program.run_json(&[]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(changes(&again), vec![false; first.len()], "second run");
}

#[test]
fn line_goes_after_or_before_the_first_or_last_match() {
    let program = program(
        r#"
  files.line("{root}/a", "after-first", after: "^x")
  files.line("{root}/b", "after-last", after: "^x", last: true)
  files.line("{root}/c", "before-first", before: "^x")
  files.line("{root}/d", "before-last", before: "^x", last: true)
  files.line("{root}/e", "nowhere", after: "^nothing")
  files.line("{root}/f", "x=9", replace: "^x=", last: true)
"#,
    );
    for name in ["a", "b", "c", "d", "e", "f"] {
        seed(&program, name, "top\nx=1\nmid\nx=2\nend\n");
    }
    converges(&program, &[true; 6]);
    assert_eq!(
        read(&program, "a"),
        "top\nx=1\nafter-first\nmid\nx=2\nend\n"
    );
    assert_eq!(read(&program, "b"), "top\nx=1\nmid\nx=2\nafter-last\nend\n");
    assert_eq!(
        read(&program, "c"),
        "top\nbefore-first\nx=1\nmid\nx=2\nend\n"
    );
    assert_eq!(
        read(&program, "d"),
        "top\nx=1\nmid\nbefore-last\nx=2\nend\n"
    );
    assert_eq!(read(&program, "e"), "top\nx=1\nmid\nx=2\nend\nnowhere\n");
    assert_eq!(read(&program, "f"), "top\nx=1\nmid\nx=9\nend\n");
}

#[test]
fn line_creates_a_missing_file_with_its_mode() {
    let program = program(r#"  files.line("{root}/new/conf", "k=v", mode: 0o640)"#);
    converges(&program, &[true]);
    let path = program.root().join("new/conf");
    let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o7777);
    assert_eq!(mode.ok(), Some(0o640));
    assert_eq!(read(&program, "new/conf"), "k=v\n");
}

#[test]
fn a_failing_validate_leaves_the_file_as_it_was() {
    let program = program(
        r#"
  files.line("{root}/conf", "bad", validate: sh"! grep -q bad \"$INFRAC_FILE\"")
"#,
    );
    seed(&program, "conf", "good\n");
    std::fs::set_permissions(
        program.root().join("conf"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap_or_else(|e| panic!("chmod: {e}"));
    let out = program.run(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/conf: the validate command failed: nothing changed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&program, "conf"), "good\n");
    let left: Vec<_> = std::fs::read_dir(program.root())
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert_eq!(left.len(), 1, "no temporary file left: {left:?}");
}

#[test]
fn a_passing_validate_sees_the_new_content_also_of_a_new_file() {
    let program = program(
        r#"
  files.line("{root}/conf", "second", validate: sh"grep -qx second \"$INFRAC_FILE\"")
  files.line("{root}/fresh", "only", mode: 0o600, validate: sh"grep -qx only \"$INFRAC_FILE\"")
  files.block("{root}/conf", "b", content: "in block", validate: sh"grep -q 'BEGIN infrac b' \"$INFRAC_FILE\"")
"#,
    );
    seed(&program, "conf", "first\n");
    converges(&program, &[true, true, true]);
    assert_eq!(
        read(&program, "conf"),
        "first\nsecond\n# BEGIN infrac b\nin block\n# END infrac b\n"
    );
    assert_eq!(read(&program, "fresh"), "only\n");
    let mode =
        std::fs::metadata(program.root().join("fresh")).map(|m| m.permissions().mode() & 0o7777);
    assert_eq!(mode.ok(), Some(0o600));
}

#[test]
fn a_block_is_inserted_replaced_and_removed() {
    let mut program = program(
        r#"
  files.block("{root}/hosts", "web", content: "10.0.0.1 web\n10.0.0.2 web2", after: "^127")
  files.block("{root}/app.js", "cfg", content: "let a = 1;", marker: "//", before: "^main")
  files.block("{root}/new.conf", "x", content: "made\n")
"#,
    );
    seed(&program, "hosts", "127.0.0.1 localhost\n::1 localhost\n");
    seed(&program, "app.js", "start();\nmain();\n");
    converges(&program, &[true, true, true]);
    assert_eq!(
        read(&program, "hosts"),
        "127.0.0.1 localhost\n# BEGIN infrac web\n10.0.0.1 web\n10.0.0.2 web2\n# END infrac web\n::1 localhost\n"
    );
    assert_eq!(
        read(&program, "app.js"),
        "start();\n// BEGIN infrac cfg\nlet a = 1;\n// END infrac cfg\nmain();\n"
    );
    assert_eq!(
        read(&program, "new.conf"),
        "# BEGIN infrac x\nmade\n# END infrac x\n"
    );

    // New content replaces the block where it is; `present: false` removes it.
    program.rewrite(
        &program
            .source()
            .replace("10.0.0.2 web2", "10.0.0.3 web3")
            .replace(r#""x", content: "made\n")"#, r#""x", present: false)"#),
    );
    converges(&program, &[true, false, true]);
    assert_eq!(
        read(&program, "hosts"),
        "127.0.0.1 localhost\n# BEGIN infrac web\n10.0.0.1 web\n10.0.0.3 web3\n# END infrac web\n::1 localhost\n"
    );
    assert_eq!(read(&program, "new.conf"), "");
}

#[test]
fn replace_changes_every_match_and_converges() {
    let program = program(
        r#"
  files.replace("{root}/all", "[0-9]+", "N")
  files.replace("{root}/anchored", "^a", "b")
  files.replace("{root}/none", "absent", "x")
  files.replace("{root}/same", "keep", "keep")
"#,
    );
    seed(&program, "all", "a1b22\nc333\n");
    seed(&program, "anchored", "aaa\n");
    seed(&program, "none", "text\n");
    seed(&program, "same", "keep me\n");
    converges(&program, &[true, true, false, false]);
    assert_eq!(read(&program, "all"), "aNbN\ncN\n");
    assert_eq!(read(&program, "anchored"), "baa\n");
    assert_eq!(read(&program, "none"), "text\n");
}

#[test]
fn replace_with_count_changes_the_first_matches_in_the_file() {
    let program = program(r#"  files.replace("{root}/two", "o", "0", count: 3)"#);
    seed(&program, "two", "foo\nboo\n");
    let out = program.run_json(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(changes(&out), [true]);
    assert_eq!(read(&program, "two"), "f00\nb0o\n");
}

#[test]
fn replace_in_a_missing_file_fails_saying_so() {
    let program = program(r#"  files.replace("{root}/missing", "a", "b")"#);
    let out = program.run(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("files.replace: ")
            && stderr(&out).contains("/missing does not exist"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn line_with_both_after_and_before_is_refused() {
    let program = program(r#"  files.line("{root}/f", "x", after: "a", before: "b")"#);
    let out = program.run(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("files.line: give after or before for "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn touch_sets_the_time_and_always_counts_as_a_change() {
    let program = program(r#"  files.file("{root}/stamp", touch: true, mode: 0o600)"#);
    let out = program.run_json(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = program.root().join("stamp");
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(86_400);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(old))
        .unwrap_or_else(|e| panic!("set the time: {e}"));
    let again = program.run_json(&[]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(changes(&again), [true]);
    let modified = std::fs::metadata(&path).and_then(|m| m.modified());
    assert!(modified.as_ref().is_ok_and(|t| *t > old), "{modified:?}");
    let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o7777);
    assert_eq!(mode.ok(), Some(0o600));
}

#[test]
fn put_template_and_file_validate_before_they_replace() {
    let mut program = program(
        r#"
  files.file("{root}/f", content: "ok f\n", mode: 0o640, validate: sh"grep -q ok \"$INFRAC_FILE\"")
  files.put("src.txt", "{root}/p", validate: sh"grep -q ok \"$INFRAC_FILE\"")
  files.template("t.j2", "{root}/t", vars: { word: "ok" }, validate: sh"grep -q ok \"$INFRAC_FILE\"")
"#,
    );
    program.write("src.txt", "ok p\n");
    program.write("t.j2", "{{ word }} t\n");
    seed(&program, "p", "old p\n");
    converges(&program, &[true, true, true]);
    assert_eq!(read(&program, "f"), "ok f\n");
    assert_eq!(read(&program, "p"), "ok p\n");
    assert_eq!(read(&program, "t"), "ok t\n");
    let mode = std::fs::metadata(program.root().join("f")).map(|m| m.permissions().mode() & 0o7777);
    assert_eq!(mode.ok(), Some(0o640));

    program.write("src.txt", "bad p\n");
    program.rewrite(&program.source().replace("ok f", "bad f"));
    let out = program.run(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/f: the validate command failed: nothing changed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&program, "f"), "ok f\n");
    assert_eq!(
        read(&program, "p"),
        "ok p\n",
        "the host stopped at the first failure"
    );
}

#[test]
fn edits_refuse_a_link_planted_where_others_can_write() {
    let zeros = "0".repeat(64);
    let calls = [
        r#"files.block("{root}/shared/app/conf", "b", content: "x")"#.to_string(),
        r#"files.replace("{root}/shared/app/conf", "a", "b")"#.to_string(),
        format!(
            r#"files.download("http://127.0.0.1:9/never", "{{root}}/shared/app/conf", sha256: "{zeros}")"#
        ),
    ];
    for call in calls {
        let program = program(&call);
        let root = program.root();
        let (shared, victim) = (root.join("shared"), root.join("victim"));
        for dir in [&shared, &victim] {
            std::fs::create_dir(dir).unwrap_or_else(|e| panic!("mkdir: {e}"));
        }
        std::fs::write(victim.join("conf"), "a\n").unwrap_or_else(|e| panic!("seed: {e}"));
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777))
            .unwrap_or_else(|e| panic!("chmod: {e}"));
        std::os::unix::fs::symlink(&victim, shared.join("app"))
            .unwrap_or_else(|e| panic!("symlink: {e}"));
        let out = program.run(&[]);
        assert_eq!(out.status.code(), Some(3), "{call}: {}", stderr(&out));
        assert!(
            stderr(&out)
                .contains("is a symbolic link in a directory other users can write to: refused"),
            "{call}: {}",
            stderr(&out)
        );
        let conf = std::fs::read_to_string(victim.join("conf"));
        assert_eq!(conf.ok().as_deref(), Some("a\n"), "{call}");
    }
}

#[test]
fn a_block_whose_content_holds_its_marker_is_refused() {
    let program = program(r#"  files.block("{root}/f", "b", content: "x\n# END infrac b\n")"#);
    let out = program.run(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("files.block: the content of block b in ")
            && stderr(&out).contains("/f holds one of its marker lines"),
        "{}",
        stderr(&out)
    );
    assert!(!program.root().join("f").exists());
}
