//! A sudo password (`--ask-sudo-password` / INFRAC_SUDO_PASSWORD) over SSH,
//! on the loopback test bed as user `sudoer`, whose sudo asks for the
//! password `infrac-pw`: root-only files are written and read as root, a
//! second run changes nothing, and the password shows nowhere. Skipped
//! when the test bed is not up; a failure when `INFRAC_TESTBED=1`.

mod run_common;
use run_common::{Program, ssh_config, summary_of};

const PASSWORD: &str = "infrac-pw";

const SOURCE: &str = r#"
use std::{files, server}

param root: str // set by the test harness; unused on the SSH host
param tag: str
param cleanup: bool = false

group box = [ssh("infrac-host-2", user: "sudoer")]

stage s on box (sudo: true) {
  let dir = "/root/infrac-{tag}"
  if cleanup {
    files.directory(dir, present: false)
  } else {
    files.directory(dir, mode: 0o700)
    files.file("{dir}/secret", content: "token=3\n", mode: 0o600)
    files.line("{dir}/conf", "more=1")
    server.shell("id -un > {dir}/who", creates: "{dir}/who")
  }
}
"#;

#[test]
fn a_sudo_password_is_given_to_sudo_and_never_shown() {
    let Some(config) = ssh_config() else { return };
    let config = config.to_string_lossy().into_owned();
    let program = Program::new(SOURCE);
    let tag = format!("tag=e2e-sudo-pw-{}", std::process::id());
    let base = [
        "--format",
        "json",
        "--ssh-config",
        config.as_str(),
        "--set",
        tag.as_str(),
    ];
    let run = |env: &[(&str, &str)], extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        let out = program.run_with_env(env, &args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.contains(PASSWORD), "the password was shown: {text}");
        (out, text)
    };
    let with_password = [("INFRAC_SUDO_PASSWORD", PASSWORD)];

    // Without the password, sudo refuses: the host fails, clearly.
    let (out, text) = run(&[], &[]);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("password"), "{text}");

    let (out, text) = run(&with_password, &[]);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(summary_of(&out)["changed"], 4, "{text}");
    let (out, text) = run(&with_password, &[]);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(summary_of(&out)["changed"], 0, "read as root: {text}");

    let (out, text) = run(&with_password, &["--set", "cleanup=true"]);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(summary_of(&out)["changed"], 1, "{text}");
}
