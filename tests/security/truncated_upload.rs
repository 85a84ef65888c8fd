//! F04: a controller killed in the middle of a large upload (which cuts
//! the stream to the host short) must leave the old file intact and no
//! temporary file behind, on the direct path (an upload whose result the
//! program reads) and on the batched one.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::run_common::Program;

const DIRECT: &str = r#"
param root: str
group here = [local()]
op install(dest: str) changes nothing {
  let r = upload(dest, src: "big.bin", mode: 0o644)
  if r.code != 0 { fail "upload failed: {r.stderr}" }
}
stage s on here { install("{root}/big.bin") }
"#;

const BATCHED: &str = r#"
use std::files
param root: str
group here = [local()]
stage s on here { files.put("big.bin", "{root}/big.bin") }
"#;

const OLD: &str = "OLD GOOD CONTENT\n";

/// 256 MiB: long enough to be caught in the middle.
const SIZE: usize = 256 << 20;

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains("infrac"))
                .collect()
        })
        .unwrap_or_default()
}

/// The size of the temporary upload in `dir`, if there is one.
fn temp_size(dir: &Path) -> u64 {
    temp_files(dir)
        .iter()
        .filter_map(|n| std::fs::metadata(dir.join(n)).ok())
        .map(|m| m.len())
        .max()
        .unwrap_or(0)
}

fn killed_mid_upload(source: &str) {
    let program = Program::new(source);
    program.write("big.bin", &"x".repeat(SIZE));
    let dest = program.root().join("big.bin");
    std::fs::write(&dest, OLD).unwrap_or_else(|e| panic!("cannot write the old file: {e}"));
    let mut run = program.spawn_json(&[]);
    let started = Instant::now();
    // The batched path stages the content in a private folder first; the
    // kill must land while the content streams in either way.
    while temp_size(program.root()) < 8 << 20 && !staged_elsewhere(started) {
        assert!(
            run.try_wait().ok().flatten().is_none(),
            "the run ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = run.kill();
    let _ = run.wait();
    // The host side sees the end of its input and cleans up.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !temp_files(program.root()).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let now = std::fs::read(&dest).unwrap_or_default();
    assert!(
        now == OLD.as_bytes(),
        "the old file was replaced by {} bytes",
        now.len()
    );
    assert_eq!(
        temp_files(program.root()),
        Vec::<String>::new(),
        "temporary files left"
    );
}

/// The batched path has no temporary file next to the destination until
/// its content is whole: kill it a moment after the start instead.
fn staged_elsewhere(started: Instant) -> bool {
    started.elapsed() > Duration::from_millis(1500)
}

#[test]
fn a_killed_direct_upload_leaves_the_old_file() {
    killed_mid_upload(DIRECT);
}

#[test]
fn a_killed_batched_upload_leaves_the_old_file() {
    killed_mid_upload(BATCHED);
}

const STAGED: &str = r#"
param root: str
param ignore_term: bool = false
group here = [local()]
op slow() changes nothing {
  run(sh"cat >/dev/null; sleep 6", stdin: "password=Leftover-Secret\n")
}
op stubborn() changes nothing {
  run(sh"trap '' TERM; cat >/dev/null; sleep 6", stdin: "password=Leftover-Secret\n")
}
stage s on here {
  if ignore_term { stubborn() } else { slow() }
  let _after = probe(sh"true")
}
"#;

/// Every file under `dir`, recursively, whose content holds `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_holding(&path, needle));
        } else if std::fs::read_to_string(&path).is_ok_and(|t| t.contains(needle)) {
            found.push(path.display().to_string());
        }
    }
    found
}

/// F12: the payloads a batch stages in `$TMPDIR` (a command's stdin, an
/// upload's content) do not outlive it, also when its shell is killed by
/// the host-side `timeout` (TERM, or KILL for a command that ignores TERM).
#[test]
fn staged_batch_input_is_gone_when_the_batch_is_stopped() {
    for ignore_term in ["false", "true"] {
        let program = Program::new(STAGED);
        let tmp = program.root().join("tmp");
        std::fs::create_dir(&tmp).unwrap_or_else(|e| panic!("{e}"));
        let tmp_env = tmp.display().to_string();
        let out = program.run_with_env(
            &[("TMPDIR", &tmp_env)],
            &[
                "--timeout",
                "1",
                "--set",
                &format!("ignore_term={ignore_term}"),
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(
            files_holding(&tmp, "Leftover-Secret"),
            Vec::<String>::new(),
            "ignore_term={ignore_term}"
        );
    }
}
