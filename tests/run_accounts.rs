//! `server.group` and `server.user` end to end: they change the system's
//! account databases, so they run only as root (as on CI), on accounts
//! with unique names that the test removes again.

mod run_common;
use run_common::{Program, has_command, summary_of};

const ACCOUNTS: &str = r#"
use std::server

param root: str
param present: bool
param name: str

group here = [local()]

stage s on here {
  if present {
    server.group("{name}-g", present: true)
    server.user(name, groups: ["{name}-g"], system: true, create_home: false, shell: "/bin/false")
  } else {
    server.user(name, present: false)
    server.group("{name}-g", present: false)
  }
  let u = facts.user(name)
  if present and u?.groups != ["{name}-g"] { fail "facts.user sees {u}" }
  if not present and u != none { fail "the user is still there" }
}
"#;

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

#[test]
fn users_and_groups_are_created_once_and_removed_once() {
    if !is_root() || !has_command("useradd") || !has_command("groupadd") {
        eprintln!("skipped: needs root and the shadow tools (useradd, groupadd)");
        return;
    }
    let program = Program::new(ACCOUNTS);
    let name = format!("infrac-e2e-{}", std::process::id());
    let set_name = format!("name={name}");
    let changed = |present: &str| {
        let out = program.run_json(&["--set", &set_name, "--set", &format!("present={present}")]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        summary_of(&out)["changed"].as_u64()
    };
    let created = changed("true");
    let again = changed("true");
    let removed = changed("false");
    let gone = changed("false");
    assert_eq!(
        (created, again, removed, gone),
        (Some(2), Some(0), Some(2), Some(0))
    );
}
