//! End-to-end: facts are read as the user in force where they are read
//! (language.md §2.12). Run as root on this machine: a file in a private
//! folder is there for root and absent for `nobody` (through `sudo -u`).

use std::os::unix::fs::PermissionsExt;
use std::process::Output;

mod run_common;
use run_common::{Program, has_command, summary_of};

const SOURCE: &str = r#"
param root: str

group here = [local()]

fact visible(path: str): bool { facts.file(path) != none }

op expect(path: str, present: bool) changes nothing {
  let f = facts.file(path)
  if present and f == none { fail "{path} is absent" }
  if not present and f != none { fail "{path} is visible" }
  if facts.visible(path) != present { fail "visible({path}) is wrong" }
}

stage s on here {
  expect("{root}/secret", true)
  expect("{root}/secret", false, sudo_user: "nobody")
  expect("{root}/secret", true, sudo: true)
}
"#;

/// Runs only as root with `sudo` installed (else says why and passes).
fn can_run() -> bool {
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if !root || !has_command("sudo") {
        eprintln!("skipped: needs root and sudo");
        return false;
    }
    true
}

fn assert_ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_private_file_is_absent_for_another_sudo_user() {
    if !can_run() {
        return;
    }
    let program = Program::new(SOURCE);
    // A private folder: nobody else can even see what is in it.
    let root = program.root();
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700))
        .unwrap_or_else(|e| panic!("cannot make {} private: {e}", root.display()));
    std::fs::write(root.join("secret"), "s3cret\n")
        .unwrap_or_else(|e| panic!("cannot write the secret: {e}"));
    let out = program.run_json(&[]);
    assert_ok(&out);
    assert_eq!(summary_of(&out)["failed"], 0);
}
