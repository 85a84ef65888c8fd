//! Property tests: whatever the input, parsing neither panics nor hangs,
//! and every span lies inside the text.

mod support;

use proptest::prelude::*;

fn check_parse(text: &str) {
    let parse = infrac_syntax::parse(text);
    for span in support::all_spans(&parse) {
        assert!(span.start <= span.end, "inverted span {span:?}");
        assert!(
            span.end as usize <= text.len(),
            "span {span:?} past the end ({})",
            text.len()
        );
    }
}

/// The example programs: the standard library and `examples/`.
fn corpus() -> Vec<String> {
    let files = support::infra_files("stdlib")
        .into_iter()
        .chain(support::infra_files("examples"));
    files
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .collect()
}

/// Fragments that steer random input into the grammar's corners.
const FRAGMENTS: &[&str] = &[
    "fn", "op", "fact", "stage", "on", "one(", "type", "enum", "param", "group", "use", "pub",
    "let", "for", "in", "if", "else", "match", "=>", "fail", "return", "changes", "nothing", "{",
    "}", "(", ")", "[", "]", "<", ">", ",", ";", ":", "::", ".", "?.", "??", "?", "-", "+", "==",
    "=", "|", "_", "x", "web", "42", "0x", "1.5", "\"", "\"\"\"", "sh\"", "{x}", "{x:o}", "\\",
    "\\{", "\n", "  ", "///", "//", "/*", "*/", "\u{FFFD}", "é",
];

#[derive(Debug, Clone)]
enum Mutation {
    DeleteBytes(usize, usize),
    InsertFragment(usize, usize),
    SwapBytes(usize, usize),
    DeleteWord(usize),
    DuplicateWord(usize),
    SwapWords(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..8).prop_map(|(at, n)| Mutation::DeleteBytes(at, n)),
        (any::<usize>(), any::<usize>()).prop_map(|(at, f)| Mutation::InsertFragment(at, f)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapBytes(a, b)),
        any::<usize>().prop_map(Mutation::DeleteWord),
        any::<usize>().prop_map(Mutation::DuplicateWord),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapWords(a, b)),
    ]
}

/// Applies mutations to bytes (not chars: the result may be invalid UTF-8,
/// read lossily like a real file).
fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for m in mutations {
        let len = bytes.len().max(1);
        match *m {
            Mutation::DeleteBytes(at, n) => {
                let at = at % len;
                let end = (at + n).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            Mutation::InsertFragment(at, f) => {
                let at = at % (bytes.len() + 1);
                let frag = FRAGMENTS[f % FRAGMENTS.len()].as_bytes();
                bytes.splice(at..at, frag.iter().copied());
            }
            Mutation::SwapBytes(a, b) => {
                let n = bytes.len();
                if n > 0 {
                    bytes.swap(a % n, b % n);
                }
            }
            Mutation::DeleteWord(w) | Mutation::DuplicateWord(w) => {
                let words = word_ranges(&bytes);
                if words.is_empty() {
                    continue;
                }
                let (s, e) = words[w % words.len()];
                if matches!(m, Mutation::DeleteWord(_)) {
                    bytes.drain(s..e);
                } else {
                    let word = bytes[s..e].to_vec();
                    bytes.splice(e..e, word);
                }
            }
            Mutation::SwapWords(a, b) => {
                let words = word_ranges(&bytes);
                if words.len() < 2 {
                    continue;
                }
                let (mut x, mut y) = (words[a % words.len()], words[b % words.len()]);
                if x.0 > y.0 {
                    std::mem::swap(&mut x, &mut y);
                }
                if x.1 <= y.0 {
                    let (first, second) = (bytes[x.0..x.1].to_vec(), bytes[y.0..y.1].to_vec());
                    bytes.splice(y.0..y.1, first);
                    bytes.splice(x.0..x.1, second);
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Byte ranges of whitespace-separated words.
fn word_ranges(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, b) in bytes.iter().enumerate() {
        match (b.is_ascii_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, bytes.len()));
    }
    words
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        check_parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_fragments_never_panic(frags in proptest::collection::vec(0..FRAGMENTS.len(), 0..80)) {
        let text: String = frags.iter().map(|&i| FRAGMENTS[i]).collect::<Vec<_>>().join(" ");
        check_parse(&text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_programs_never_panic(
        file in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..12),
    ) {
        let corpus = corpus();
        prop_assume!(!corpus.is_empty());
        check_parse(&mutate(&corpus[file % corpus.len()], &mutations));
    }
}
