//! Property test (a fuzz run that fits the test suite): inventories from
//! the corpus (`tests/corpus/inventory`: typical ones and the adversarial
//! round's inputs), whole and randomly mutated, read as INI, YAML and JSON,
//! never panic or hang, and every error names a line inside the file.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use infrac_runtime::inventory::{Format, Inventory};
use proptest::prelude::*;

fn corpus() -> Vec<(PathBuf, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/inventory");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
        .collect()
}

/// Reads `text` in every format; checks the errors' lines.
fn read_all_ways(path: &Path, text: &str) {
    let lines = text.lines().count().max(1);
    for format in [Format::Ini, Format::Yaml, Format::Json] {
        if let Err(e) = Inventory::parse(path, text, format) {
            assert!(
                e.line <= lines + 1,
                "{}: line {} of {lines}: {}",
                path.display(),
                e.line,
                e.message
            );
        }
    }
}

#[test]
fn the_corpus_reads_or_fails_cleanly_and_quickly() {
    let files = corpus();
    assert!(files.len() >= 5, "the corpus is missing");
    for (path, text) in &files {
        let started = Instant::now();
        read_all_ways(path, text);
        // Generous for a debug build: these took 29 s and for ever before.
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{}: {:?}",
            path.display(),
            started.elapsed()
        );
    }
}

const FRAGMENTS: &[&str] = &[
    "\n",
    "[",
    "]",
    ":",
    "=",
    " ",
    "[a:children]\n",
    "[g:vars]\n",
    "h[0:9]",
    "&a ",
    "*a",
    "- ",
    "{",
    "}",
    "\"",
    "'",
    "ansible_host=",
    "ansible_port=99999",
    "#",
    "\t",
    "\0",
    "é",
    "---\n",
];

/// A small corpus file (the big ones are read whole above) with random
/// edits: bytes cut, fragments inserted.
fn mutated() -> impl Strategy<Value = (PathBuf, String)> {
    let small: Vec<(PathBuf, String)> = corpus()
        .into_iter()
        .filter(|(_, t)| t.len() < 2048 && !t.contains("99999"))
        .collect();
    let edits = prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            prop::option::of(prop::sample::select(FRAGMENTS)),
            0usize..4,
        ),
        0..12,
    );
    (prop::sample::select(small), edits).prop_map(|((path, text), edits)| {
        let mut bytes = text.into_bytes();
        for (at, insert, cut) in edits {
            let i = at.index(bytes.len() + 1);
            let end = (i + cut).min(bytes.len());
            bytes.drain(i..end);
            if let Some(fragment) = insert {
                bytes.splice(i..i, fragment.bytes());
            }
        }
        (path, String::from_utf8_lossy(&bytes).into_owned())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn mutated_inventories_never_panic((path, text) in mutated()) {
        read_all_ways(&path, &text);
    }
}
