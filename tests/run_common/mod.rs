//! Helpers of the `infrac run` end-to-end tests: a program in a temporary
//! folder, run by the real binary.

#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as Json;

/// `site.infra` (and any controller files) in a temporary folder; the
/// program's `root` param is set to `ROOT/root`, an empty folder.
pub struct Program {
    dir: tempfile::TempDir,
    root: PathBuf,
    source: String,
}

impl Program {
    pub fn new(source: &str) -> Program {
        let dir =
            tempfile::tempdir().unwrap_or_else(|e| panic!("cannot make a temporary folder: {e}"));
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap_or_else(|e| panic!("cannot make root: {e}"));
        let program = Program {
            dir,
            root,
            source: source.to_string(),
        };
        program.write("site.infra", source);
        program
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Replaces the program's text (same folder, same root).
    pub fn rewrite(&mut self, source: &str) {
        self.source = source.to_string();
        self.write("site.infra", source);
    }

    /// Writes the controller file `name` (its folders made as needed).
    pub fn write(&self, name: &str, text: &str) {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("cannot make the folder of {name}: {e}"));
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {name}: {e}"));
    }

    /// `infrac ARGS...` in the program's folder (stdin closed).
    pub fn infrac(&self, args: &[&str]) -> Output {
        self.infrac_with_env(&[], args)
    }

    /// [`Program::infrac`] with these environment variables set.
    pub fn infrac_with_env(&self, env: &[(&str, &str)], args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_infrac"))
            .current_dir(self.dir.path())
            .args(args)
            .envs(env.iter().copied())
            .output()
            .unwrap_or_else(|e| panic!("cannot run infrac: {e}"))
    }

    /// `infrac check site.infra` in the program's folder.
    pub fn check(&self) -> Output {
        self.infrac(&["check", "site.infra"])
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `infrac run site.infra --yes --set root=ROOT ARGS...` in the program's folder.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_env(&[], args)
    }

    /// [`Program::run`] with these environment variables set.
    pub fn run_with_env(&self, env: &[(&str, &str)], args: &[&str]) -> Output {
        let root = format!("root={}", self.root().display());
        let mut all = vec!["run", "site.infra", "--yes", "--set", &root];
        all.extend_from_slice(args);
        self.infrac_with_env(env, &all)
    }

    /// Starts `infrac run ... --format json` without waiting (stdout and
    /// stderr piped).
    pub fn spawn_json(&self, args: &[&str]) -> std::process::Child {
        let root = format!("root={}", self.root().display());
        Command::new(env!("CARGO_BIN_EXE_infrac"))
            .current_dir(self.dir.path())
            .args([
                "run",
                "site.infra",
                "--yes",
                "--format",
                "json",
                "--set",
                &root,
            ])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run infrac: {e}"))
    }

    pub fn run_json(&self, args: &[&str]) -> Output {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        self.run(&all)
    }
}

/// Every stdout line as JSON (a line that is not JSON fails the test).
pub fn json_lines(out: &Output) -> Vec<Json> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

pub fn op_events(out: &Output) -> Vec<Json> {
    json_lines(out)
        .into_iter()
        .filter(|l| l["event"] == "op")
        .collect()
}

pub fn summary_of(out: &Output) -> Json {
    let lines = json_lines(out);
    let summary = lines.into_iter().rev().find(|l| l["event"] == "summary");
    summary.unwrap_or_else(|| {
        panic!(
            "no summary line; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The ssh_config of the loopback SSH test bed (tests/testbed), or `None`
/// (the test is skipped) when it is not up; with `INFRAC_TESTBED` set, a
/// test bed that is not up is a failure.
pub fn ssh_config() -> Option<PathBuf> {
    let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/testbed/.state/ssh_config");
    let up = config.exists() && std::net::TcpStream::connect("127.0.0.1:2201").is_ok();
    if !up {
        assert!(
            std::env::var_os("INFRAC_TESTBED").is_none(),
            "INFRAC_TESTBED=1 but the test bed is not up"
        );
        eprintln!("skipped: the SSH test bed is not up (tests/testbed/up.sh)");
        return None;
    }
    Some(config)
}

pub fn has_command(name: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Output with the temporary root as `<root>` and durations as `<t>`, for
/// snapshots.
pub fn normalize(text: &str, root: &Path) -> String {
    let text = text.replace(&root.display().to_string(), "<root>");
    text.lines()
        .map(|line| {
            let mut out = String::new();
            let mut rest = line;
            while !rest.is_empty() {
                let word_end = rest.find(' ').unwrap_or(rest.len());
                let (word, tail) = rest.split_at(word_end);
                out.push_str(if is_duration(word) { "<t>" } else { word });
                let spaces = tail.len() - tail.trim_start_matches(' ').len();
                out.push_str(&tail[..spaces]);
                rest = &tail[spaces..];
            }
            out.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_duration(word: &str) -> bool {
    let number = word.strip_suffix("ms").or_else(|| word.strip_suffix('s'));
    number.is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.'))
}
