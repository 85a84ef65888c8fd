//! F03: a secret in a command is never on a command line: not in the
//! target's process list (`/proc/*/cmdline`, what sudo logs), not in the
//! controller's (`docker exec`'s argv, infrac's own `--set`). Pollers read
//! every process's command line during runs on the local machine, over
//! SSH with sudo, and in a container.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::run_common::{Program, ssh_config};

const SECRET: &str = "Tr0ub4dor&3-infrac-test";

/// Reads every process's command line on this machine until stopped; the
/// lines that held `needle`.
fn poll_controller(
    needle: &'static str,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        let mut hits = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            for (_, line) in crate::support::command_lines() {
                let shown: String = line.chars().take(300).collect();
                if line.contains(needle) && !hits.contains(&shown) {
                    hits.push(shown);
                }
            }
        }
        hits
    })
}

/// The same poller in the container `container`, for `seconds` (Perl is
/// part of every Debian): it prints what it saw, once per line.
fn poll_container(container: &str, seconds: u32) -> std::process::Child {
    // Reversed: the poller's own command line must not hold the secret.
    let reversed: String = SECRET.chars().rev().collect();
    let script = format!(
        r#"my $end = time + {seconds}; my %seen;
        while (time < $end) {{ for my $f (glob "/proc/[0-9]*/cmdline") {{
          open(my $h, "<", $f) or next; my $l = do {{ local $/; <$h> }} // "";
          $l =~ s/\0/ /g; print "$l\n" if index($l, scalar reverse "{reversed}") >= 0 && !$seen{{$l}}++; }} }}"#
    );
    Command::new("docker")
        .args(["exec", container, "perl", "-e", &script])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the poller: {e}"))
}

fn program(group: &str) -> Program {
    let program = Program::new(&format!(
        r#"
param root: str
param pw: secret
param out: str = "/tmp/infrac-f03-pw"
group g = [{group}]
op use_secret(pw: secret) changes nothing {{
  run(sh"sleep 2; printf '%s' {{pw}} > {{out}}")
  run(sh"sh -c {{sh"sleep 1; printf '%s' {{pw}} >> {{out}}"}}")
}}
stage s on g {{ use_secret(pw) }}
"#
    ));
    program.write("pw.txt", &format!("{SECRET}\n"));
    program
}

#[test]
fn a_secret_never_reaches_a_command_line_on_the_controller_or_a_local_target() {
    let program = program("local()");
    let stop = Arc::new(AtomicBool::new(false));
    let poller = poll_controller(SECRET, Arc::clone(&stop));
    let out = program.run(&[
        "--set-file",
        "pw=pw.txt",
        "--set",
        "out=/tmp/infrac-f03-local",
    ]);
    stop.store(true, Ordering::Relaxed);
    let hits = poller.join().unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        std::fs::read_to_string("/tmp/infrac-f03-local").unwrap_or_default(),
        format!("{SECRET}{SECRET}"),
        "the commands got the secret"
    );
    let _ = std::fs::remove_file("/tmp/infrac-f03-local");
    assert_eq!(
        hits,
        Vec::<String>::new(),
        "the secret was on a command line"
    );
}

#[test]
fn a_secret_never_reaches_a_command_line_over_ssh_with_sudo_or_in_docker() {
    let Some(config) = ssh_config() else { return };
    let config = config.display().to_string();
    for (group, via) in [
        (r#"ssh("infrac-host-2", sudo: true)"#, "ssh"),
        (r#"docker("infrac-host-3")"#, "docker"),
    ] {
        let container = if via == "ssh" {
            "infrac-host-2"
        } else {
            "infrac-host-3"
        };
        let program = program(group);
        let target_poller = poll_container(container, 6);
        std::thread::sleep(Duration::from_millis(300));
        let stop = Arc::new(AtomicBool::new(false));
        let poller = poll_controller(SECRET, Arc::clone(&stop));
        let out = program.run_with_env(
            &[("INFRAC_TEST_F03", SECRET)],
            &["--ssh-config", &config, "--set-env", "pw=INFRAC_TEST_F03"],
        );
        stop.store(true, Ordering::Relaxed);
        let hits = poller.join().unwrap_or_default();
        let seen = target_poller
            .wait_with_output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{via}: {stdout}");
        let written = Command::new("docker")
            .args(["exec", container, "cat", "/tmp/infrac-f03-pw"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        assert_eq!(
            written,
            format!("{SECRET}{SECRET}"),
            "{via}: the commands got the secret"
        );
        assert_eq!(
            hits,
            Vec::<String>::new(),
            "{via}: on the controller's command lines"
        );
        let seen = String::from_utf8_lossy(&seen.stdout);
        assert_eq!(seen, "", "{via}: on the target's command lines");
    }
}

const QUOTED: &str = r#"
param root: str
param pw: secret
group here = [local()]
op use_secret(pw: secret) changes nothing {
  run(sh"printf '%s\n' \"in double quotes: {pw}\" > {root}/double")
  run(sh"env > {root}/env; printf %s {pw} > /dev/null")
}
stage s on here { use_secret(pw) }
"#;

/// The review's findings on F03's fix: a secret interpolated inside the
/// program's double quotes gets its value (not the variable's name), one
/// inside single quotes is refused (text or code for another shell: no
/// form is right for both), and a command's children do not inherit it.
#[test]
fn a_secret_fits_the_programs_quotes_and_stays_out_of_childrens_environment() {
    let program = Program::new(QUOTED);
    let value = "it's \"a\" $x `y` \\z";
    let out = program.run_with_env(&[("PW", value)], &["--set-env", "pw=PW"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let read = |name: &str| std::fs::read_to_string(program.root().join(name)).unwrap_or_default();
    assert_eq!(read("double"), format!("in double quotes: {value}\n"));
    assert!(
        !read("env").contains("infrac_s0"),
        "exported: {}",
        read("env")
    );
}

#[test]
fn a_secret_inside_single_quotes_is_refused() {
    let program = Program::new(
        r#"
param root: str
param pw: secret
group here = [local()]
op use_secret(pw: secret) changes nothing { run(sh"sh -c 'printf %s {pw} > {root}/out'") }
stage s on here { use_secret(pw) }
"#,
    );
    let out = program.run_with_env(&[("PW", "a;touch PWNED")], &["--set-env", "pw=PW"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("a secret is inside '...' in this command"),
        "{stdout}"
    );
    assert!(!program.root().join("out").exists());
}
