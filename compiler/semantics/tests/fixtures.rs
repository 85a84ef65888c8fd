//! Fixture tests: `.infra` files under `tests/fixtures/` whose comments say
//! which diagnostics the checker must report, and where.
//!
//! A fixture file holds several small programs, each starting with a
//! `--- name ---` line. A program may span several files, each starting
//! with `//- path.infra` (the first file is the root; default `main.infra`).
//! Annotations:
//! - `//   ^^^ E0201` under a line: a diagnostic with that code whose span
//!   starts and ends at the carets' columns on the line above;
//! - `// Error: 3-7 E0201` (or `Warning:`): the same for the line below,
//!   with 1-based columns `3` (start) to `7` (end, exclusive), for spans
//!   that start too far left for carets.
//!
//! After the code comes the diagnostic's message, exactly as the user reads
//! it (`//   ^^^ E0401 \`run\` is only allowed in an op, not in a fn`).
//! `UPDATE_FIXTURES=1 cargo test --test fixtures` writes the messages the
//! checker gives into the annotations (review the diff).
//!
//! A diagnostic spanning several lines matches on its start. Every missing
//! or unexpected diagnostic fails the test, and so does a code of
//! `infrac_compiler::codes::CODES` that no fixture covers.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use infrac_compiler::{Database, LineIndex, MemoryFileLoader, check_program};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expected {
    file: String,
    line: usize,
    start: usize,
    end: usize,
    code: String,
    message: String,
}

struct Program {
    name: String,
    /// `(path, text, the line of the fixture file where the text starts)`.
    files: Vec<(String, String, usize)>,
}

/// An annotation: what it expects, and its line (0-based) in its file.
struct Annotation {
    expected: Expected,
    at: usize,
}

fn split_programs(text: &str) -> Vec<Program> {
    let mut programs: Vec<Program> = Vec::new();
    for (number, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim();
        if let Some(name) = trimmed
            .strip_prefix("--- ")
            .and_then(|l| l.strip_suffix(" ---"))
        {
            programs.push(Program {
                name: name.to_string(),
                files: Vec::new(),
            });
            continue;
        }
        let Some(program) = programs.last_mut() else {
            continue;
        };
        if let Some(path) = trimmed.strip_prefix("//- ") {
            let file = (path.trim().to_string(), String::new(), number + 1);
            program.files.push(file);
            continue;
        }
        if program.files.is_empty() {
            program
                .files
                .push(("main.infra".to_string(), String::new(), number));
        }
        if let Some((_, text, _)) = program.files.last_mut() {
            text.push_str(line);
        }
    }
    programs
}

/// The code and the message after it.
fn code_and_message(rest: &str) -> (String, String) {
    let rest = rest.trim();
    let (code, message) = rest.split_once(' ').unwrap_or((rest, ""));
    (code.to_string(), message.trim().to_string())
}

/// The annotations of one file.
fn annotations(file: &str, text: &str) -> Vec<Annotation> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut last_code_line = None;
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let Some(comment) = trimmed.strip_prefix("//") else {
            last_code_line = Some(i);
            continue;
        };
        let body = comment.trim_start();
        if body.starts_with('^') {
            let start = line.find('^').unwrap_or(0);
            let carets = line[start..].chars().take_while(|c| *c == '^').count();
            let (code, message) = code_and_message(&line[start + carets..]);
            let target = last_code_line.unwrap_or_else(|| {
                panic!("{file}:{}: caret annotation without a line above", i + 1)
            });
            let expected = Expected {
                file: file.to_string(),
                line: target + 1,
                start: start + 1,
                end: start + 1 + carets,
                code,
                message,
            };
            out.push(Annotation { expected, at: i });
        } else if let Some(rest) = body
            .strip_prefix("Error:")
            .or_else(|| body.strip_prefix("Warning:"))
        {
            let (range, rest) = rest.trim().split_once(' ').unwrap_or((rest.trim(), ""));
            let (code, message) = code_and_message(rest);
            let (start, end) = range
                .split_once('-')
                .unwrap_or_else(|| panic!("{file}:{}: bad range `{range}`", i + 1));
            let parse = |s: &str| {
                s.parse::<usize>()
                    .unwrap_or_else(|_| panic!("{file}:{}: bad column `{s}`", i + 1))
            };
            let expected = Expected {
                file: file.to_string(),
                line: i + 2,
                start: parse(start),
                end: parse(end),
                code,
                message,
            };
            out.push(Annotation { expected, at: i });
        } else {
            last_code_line = Some(i);
        }
    }
    out
}

/// What the fixture expects, what the checker reported, the codes the
/// fixture covers, and, for a program that checks clean, why it does not
/// compile (the lowering reads what the checker resolved, so it must
/// compile every program the checker accepts).
fn check(
    program: &Program,
) -> (
    Vec<Expected>,
    Vec<Expected>,
    BTreeSet<String>,
    Option<String>,
) {
    let mut db = Database::new(Arc::new(MemoryFileLoader::default()));
    let mut expected = Vec::new();
    let mut roots = Vec::new();
    for (path, text, _) in &program.files {
        roots.push(db.set_file_text(Path::new(path), text.clone()));
        expected.extend(annotations(path, text).into_iter().map(|a| a.expected));
    }
    let codes = expected.iter().map(|e| e.code.clone()).collect();
    let mut actual = Vec::new();
    let diags = check_program(&db, roots[0]);
    let clean = !diags.iter().any(infrac_compiler::Diagnostic::is_error);
    let lowering = clean
        .then(|| infrac_compiler::compile(&db, roots[0]).err())
        .flatten()
        .map(|diags| format!("{diags:?}"));
    for diag in diags {
        let text = &program
            .files
            .iter()
            .find(|(p, _, _)| *p == diag.file)
            .map(|(_, t, _)| t.as_str())
            .unwrap_or("");
        let index = LineIndex::new(text);
        let (line, start) = index.line_col(diag.span.start);
        let (end_line, end) = index.line_col(diag.span.end);
        let matching_end = expected
            .iter()
            .find(|e| {
                e.file == diag.file && e.line == line && e.start == start && e.code == diag.code
            })
            .map(|e| e.end);
        // A multi-line span matches on its start.
        let end = if end_line != line {
            matching_end.unwrap_or(end)
        } else {
            end
        };
        actual.push(Expected {
            file: diag.file.clone(),
            line,
            start,
            end,
            code: diag.code.to_string(),
            message: diag.message.clone(),
        });
    }
    expected.sort();
    actual.sort();
    (expected, actual, codes, lowering)
}

#[test]
fn fixtures() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "infra"))
        .collect();
    paths.sort();
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    let update = std::env::var_os("UPDATE_FIXTURES").is_some();
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("fixture file");
        if update {
            std::fs::write(path, with_messages(&text)).expect("fixture file");
        }
        let text = std::fs::read_to_string(path).expect("fixture file");
        for program in split_programs(&text) {
            let (expected, actual, codes, lowering) = check(&program);
            covered.extend(codes);
            if let Some(error) = lowering {
                failures.push(format!(
                    "{}: checks clean but does not compile: {error}",
                    program.name
                ));
            }
            if expected != actual {
                let missing: Vec<_> = expected.iter().filter(|e| !actual.contains(e)).collect();
                let unexpected: Vec<_> = actual.iter().filter(|a| !expected.contains(a)).collect();
                failures.push(format!(
                    "{} / {}:\n  missing:    {missing:?}\n  unexpected: {unexpected:?}",
                    path.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    program.name
                ));
            }
        }
    }
    let uncovered: Vec<&str> = infrac_compiler::codes::CODES
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| !covered.contains(*c))
        .collect();
    if !uncovered.is_empty() {
        failures.push(format!("codes without a fixture: {uncovered:?}"));
    }
    assert!(
        failures.is_empty(),
        "{} fixture failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `text` with each annotation's message replaced by the one the checker
/// gives for the annotated place and code.
fn with_messages(text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for program in split_programs(text) {
        let (_, actual, _, _) = check(&program);
        for (path, file_text, first) in &program.files {
            for annotation in annotations(path, file_text) {
                let e = &annotation.expected;
                let Some(found) = actual.iter().find(|a| {
                    (&a.file, a.line, a.start, a.end, &a.code)
                        == (&e.file, e.line, e.start, e.end, &e.code)
                }) else {
                    continue;
                };
                let Some(line) = lines.get_mut(first + annotation.at) else {
                    continue;
                };
                if let Some(at) = line.find(&format!(" {}", e.code)) {
                    let head = &line[..at + 1 + e.code.len()];
                    *line = format!("{head} {}", found.message);
                }
            }
        }
    }
    lines.join("\n") + "\n"
}
