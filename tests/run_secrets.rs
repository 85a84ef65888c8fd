//! Secrets where they are used (docs/language.md §4.1): params read from
//! the controller's sources (`secret_env`, `secret_file`, `secret_cmd`)
//! reach a file's content, a command's stdin and its environment, and a
//! host's own sudo password reaches sudo; no value shows in any output,
//! plan or plan file, nor on any process's command line during the run
//! (this machine's, and the test bed's containers', whose processes this
//! machine sees too).

mod run_common;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use run_common::{Program, ssh_config, summary_of};

const PW: &str = "pw-Aq7xZ3";
const TOKEN: &str = "token-Kp2mW9";
const FROM_CMD: &str = "cmd-Rt5vB8";

/// `dir`: where the host writes (the root of the local test, a folder
/// under /tmp on an SSH host).
const SOURCE: &str = r#"
use std::files

param root: str
param dir: str = root
param pw: secret = secret_env("E2E_PW")
param token: secret = secret_file("token.txt")
// The same command twice: it runs once. (It prints a file, so that the
// secret is not on its own command line either.)
param from_cmd: secret = secret_cmd(sh"echo run >> count; cat from-cmd.txt")
param again: secret = secret_cmd(sh"echo run >> count; cat from-cmd.txt")

group box = [local()]

op deliver(dir: str) {
  run(sh"cat > {dir}/stdin.txt", stdin: pw)
  // Long enough for the watcher to see the command line.
  run(sh"printf '%s' \"$TOKEN\" > {dir}/env.txt; sleep 1", env: { "TOKEN": token })
  run(sh"printf '%s %s' {from_cmd} {again} > {dir}/cmd.txt")
}

stage s on box {
  files.file("{dir}/content.txt", content: pw, mode: 0o600)
  deliver(dir)
}
"#;

/// Reads every process's command line until stopped; returns the lines
/// that held a secret.
struct Watcher {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<String>>,
}

impl Watcher {
    fn start() -> Watcher {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut seen = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let Ok(entries) = std::fs::read_dir("/proc") else {
                    break;
                };
                for entry in entries.flatten() {
                    let Ok(bytes) = std::fs::read(entry.path().join("cmdline")) else {
                        continue;
                    };
                    let line = String::from_utf8_lossy(&bytes).replace('\0', " ");
                    if let Some(s) = [PW, TOKEN, FROM_CMD].iter().find(|s| line.contains(**s)) {
                        let start = line.find(s).unwrap_or(0).saturating_sub(80);
                        seen.push(line.chars().skip(start).take(160).collect());
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            seen
        });
        Watcher { stop, thread }
    }

    fn lines_with_secrets(self) -> Vec<String> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_no_secret(what: &str, text: &str) {
    for s in [PW, TOKEN, FROM_CMD] {
        assert!(!text.contains(s), "{what} shows a secret: {text}");
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn program() -> Program {
    let program = Program::new(SOURCE);
    program.write("token.txt", &format!("{TOKEN}\n"));
    program.write("from-cmd.txt", FROM_CMD);
    program
}

#[test]
fn secrets_reach_content_stdin_and_env_and_show_nowhere() {
    let program = program();
    let env = [("E2E_PW", PW)];
    let watcher = Watcher::start();
    let first = program.run_with_env(&env, &[]);
    let second = program.run_with_env(&env, &["--format", "json"]);
    let mut seen = watcher.lines_with_secrets();
    assert!(first.status.success(), "{}", text(&first));
    assert!(second.status.success(), "{}", text(&second));
    seen.dedup();
    assert!(seen.is_empty(), "secrets on command lines: {seen:?}");
    assert_no_secret("the first run", &text(&first));
    assert_no_secret("the JSON run", &text(&second));

    let root = program.root();
    assert_eq!(read(&root.join("content.txt")), PW);
    assert_eq!(read(&root.join("stdin.txt")), PW);
    assert_eq!(read(&root.join("env.txt")), TOKEN);
    assert_eq!(
        read(&root.join("cmd.txt")),
        format!("{FROM_CMD} {FROM_CMD}")
    );
    // Once per run, although two params read it: two runs, two lines.
    assert_eq!(read(&root.join("../count")), "run\nrun\n");
    // The file holds the secret already: the second run does not rewrite it.
    let summary = summary_of(&second);
    assert_eq!(summary["changed"], 1, "{summary}");
}

#[test]
fn a_plan_and_its_file_hold_no_secret_and_apply_reads_the_sources_again() {
    let program = program();
    let dir = program
        .root()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let root = format!("root={}", program.root().display());
    let infrac = |args: &[&str]| program.infrac_with_env(&[("E2E_PW", PW)], args);
    let plan = infrac(&[
        "plan",
        "site.infra",
        "--set",
        &root,
        "--diff",
        "--out",
        "p.plan",
    ]);
    assert!(plan.status.success(), "{}", text(&plan));
    assert_no_secret("the plan", &text(&plan));
    assert!(
        text(&plan).contains("TOKEN=*** printf"),
        "the plan shows the command with its environment: {}",
        text(&plan)
    );
    assert_no_secret("the plan file", &read(&dir.join("p.plan")));
    assert!(!program.root().join("content.txt").exists(), "a plan wrote");

    let apply = infrac(&["apply", "p.plan"]);
    assert!(apply.status.success(), "{}", text(&apply));
    assert_no_secret("apply", &text(&apply));
    assert_eq!(read(&program.root().join("stdin.txt")), PW);
}

#[test]
fn a_source_that_fails_stops_the_run_before_any_host_naming_the_param() {
    let program = program();
    let out = program.run(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let message = text(&out);
    assert!(
        message.contains("param `pw`") && message.contains("E2E_PW"),
        "{message}"
    );
    assert!(!program.root().join("content.txt").exists());

    let failing = SOURCE.replace("cat from-cmd.txt\")\nparam again", "exit 7\")\nparam again");
    let program = Program::new(&failing);
    program.write("token.txt", TOKEN);
    let out = program.run_with_env(&[("E2E_PW", PW)], &[]);
    let message = text(&out);
    assert_eq!(out.status.code(), Some(2), "{message}");
    assert!(
        message.contains("param `from_cmd`") && message.contains("exited with status 7"),
        "{message}"
    );
}

/// Over SSH, as user `sudoer` whose sudo asks for a password: the host's
/// `sudo_password:` (from the controller's environment) reaches sudo; the
/// secrets travel to the host and show nowhere, there either.
#[test]
fn over_ssh_a_hosts_sudo_password_and_secrets_reach_the_host() {
    let Some(config) = ssh_config() else { return };
    let config = config.to_string_lossy().into_owned();
    let dir = format!("/root/infrac-e2e-secrets-{}", std::process::id());
    let source = SOURCE
        .replace(
            "group box = [local()]",
            r#"group box = [ssh("infrac-host-2", user: "sudoer", sudo_password: secret_env("E2E_SUDO"))]"#,
        )
        .replace("stage s on box {", "stage s on box (sudo: true) {\n  files.directory(dir, mode: 0o700)");
    let program = Program::new(&source);
    program.write("token.txt", TOKEN);
    program.write("from-cmd.txt", FROM_CMD);
    let set_dir = format!("dir={dir}");
    let env = [("E2E_PW", PW), ("E2E_SUDO", "infrac-pw")];
    let watcher = Watcher::start();
    let out = program.run_with_env(&env, &["--ssh-config", &config, "--set", &set_dir]);
    let mut seen = watcher.lines_with_secrets();
    assert!(out.status.success(), "{}", text(&out));
    seen.dedup();
    assert!(seen.is_empty(), "secrets on command lines: {seen:?}");
    assert_no_secret("the run", &text(&out));
    assert!(!text(&out).contains("infrac-pw"), "{}", text(&out));

    let cat = |name: &str| {
        let out = Command::new("docker")
            .args(["exec", "infrac-host-2", "cat", &format!("{dir}/{name}")])
            .output()
            .unwrap_or_else(|e| panic!("docker exec: {e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(cat("content.txt"), PW);
    assert_eq!(cat("stdin.txt"), PW);
    assert_eq!(cat("env.txt"), TOKEN);
    let _ = Command::new("docker")
        .args(["exec", "infrac-host-2", "rm", "-rf", &dir])
        .status();
}
