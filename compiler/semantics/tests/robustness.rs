//! Property test: random mutations of the stdlib and example files (bytes
//! and tokens deleted, inserted, swapped) go through the whole check
//! without panicking or hanging, and every diagnostic points inside its
//! file.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use infrac_compiler::{Database, LineIndex, MemoryFileLoader, check_program};
use proptest::prelude::*;

fn corpus() -> &'static [Vec<u8>] {
    static CORPUS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CORPUS.get_or_init(read_corpus)
}

fn read_corpus() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["stdlib", "examples", "examples/multi", "examples/multi/lib"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            files.extend(entries.filter_map(Result::ok).map(|e| e.path()));
        }
    }
    files.retain(|p| p.extension().is_some_and(|e| e == "infra"));
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "\"\"\"",
    "sh\"",
    "?.",
    "??",
    ",",
    ":",
    "->",
    "=>",
    "|",
    "fn",
    "op",
    "fact",
    "stage",
    "group",
    "match",
    "if",
    "else",
    "for",
    "in",
    "let",
    "return",
    "fail",
    "none",
    "facts.",
    "host.data",
    "use std::",
    "x",
    "0o",
    "1_0",
    "/*",
    "*/",
    "//",
    "\\",
    "{raw(",
    "notify:",
    "for x in xs if",
    "secret_env(",
    "retries:",
    "\u{FFFD}",
    "\n",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    InsertByte { at: usize, byte: u8 },
    InsertToken { at: usize, token: usize },
    Swap { a: usize, b: usize, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::InsertByte { at, byte }),
        (any::<usize>(), 0..TOKENS.len())
            .prop_map(|(at, token)| Mutation::InsertToken { at, token }),
        (any::<usize>(), any::<usize>(), 1usize..30).prop_map(|(a, b, len)| Mutation::Swap {
            a,
            b,
            len
        }),
    ]
}

fn apply(text: &mut Vec<u8>, m: &Mutation) {
    let n = text.len().max(1);
    match *m {
        Mutation::Delete { at, len } => {
            let at = at % n;
            let end = (at + len).min(text.len());
            text.drain(at.min(end)..end);
        }
        Mutation::InsertByte { at, byte } => text.insert(at % (text.len() + 1), byte),
        Mutation::InsertToken { at, token } => {
            let at = at % (text.len() + 1);
            text.splice(at..at, TOKENS[token].bytes());
        }
        Mutation::Swap { a, b, len } => {
            let (a, b) = ((a % n).min(b % n), (a % n).max(b % n));
            let len = len.min(b - a).min(text.len().saturating_sub(b));
            for i in 0..len {
                text.swap(a + i, b + i);
            }
        }
    }
}

thread_local! {
    static DB: RefCell<Database> = RefCell::new(Database::new(Arc::new(MemoryFileLoader::default())));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_programs_check_without_panics(
        pick in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let corpus = corpus();
        let mut bytes = pick.get(corpus).clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        // One database for all cases: each case is an edit of the same
        // file, which also exercises incremental re-checking.
        let started = Instant::now();
        let diags = DB.with_borrow_mut(|db| {
            let file = db.set_file_text(Path::new("mutated.infra"), text.clone());
            check_program(db, file)
        });
        prop_assert!(started.elapsed() < Duration::from_secs(5), "check took {:?}", started.elapsed());
        let index = LineIndex::new(&text);
        let lines = text.lines().count() + 1;
        for d in &diags {
            prop_assert!(d.span.start <= d.span.end && d.span.end as usize <= text.len(), "{d:?} in {} bytes", text.len());
            prop_assert!(text.is_char_boundary(d.span.start as usize) && text.is_char_boundary(d.span.end as usize), "{d:?}");
            let (line, column) = index.line_col(d.span.start);
            prop_assert!(line >= 1 && line <= lines && column >= 1, "{d:?}: {line}:{column}");
        }
    }
}
