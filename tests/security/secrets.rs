//! Secrets that reached outputs (F06: trimmed before redaction; F11: the
//! sudo password in infrac's environment, inherited and not redacted).

use crate::run_common::Program;

const ECHO: &str = r#"
param root: str
param pw: secret
group here = [local()]
op echo_back(pw: secret) changes nothing { run(sh"printf '%s' {pw} >&2; exit 1") }
stage s on here { echo_back(pw) }
"#;

#[test]
fn a_secret_with_surrounding_whitespace_is_redacted_in_trimmed_output() {
    let program = Program::new(ECHO);
    let out = program.run_json(&["--set", "pw= hunter2 "]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(!stdout.contains("hunter2"), "{stdout}");
    assert!(stdout.contains("***"), "{stdout}");
}

const SHELL: &str = r#"
use std::server
param root: str
group here = [local()]
stage s on here { server.shell("env | grep -i sudo_pass >&2; echo Ops-Pass-1 >&2; exit 1") }
"#;

#[test]
fn the_sudo_password_is_not_inherited_by_commands_and_is_redacted() {
    let program = Program::new(SHELL);
    let out = program.run_with_env(
        &[("INFRAC_SUDO_PASSWORD", "Ops-Pass-1")],
        &["--format", "json"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(
        !stdout.contains("INFRAC_SUDO_PASSWORD"),
        "inherited: {stdout}"
    );
    assert!(!stdout.contains("Ops-Pass-1"), "not redacted: {stdout}");
}

const CMD_IN_STR: &str = r#"
use std::files
param root: str
param pw: secret
group here = [local()]
stage s on here {
  let c = sh"app --password {pw}"
  files.file("{root}/note", content: "run {c}\n")
}
"#;

/// B2/F06: a `cmd` holding a secret, interpolated in a string, would write
/// `***` into the file: the op fails instead, and nothing is written.
#[test]
fn a_command_holding_a_secret_cannot_become_text() {
    let program = Program::new(CMD_IN_STR);
    let out = program.run(&["--set", "pw=hunter2"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("a command that holds a secret cannot be interpolated"),
        "{stdout}"
    );
    assert!(!program.root().join("note").exists());
}
