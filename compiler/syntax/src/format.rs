//! The `.infra` formatter (`infrac fmt`, LSP formatting).
//!
//! It changes layout only, never tokens: it re-indents each line by
//! bracket depth (two spaces a level, one more for a continuation line
//! that starts with `changes`, `.`, `?.` or an operator), collapses runs
//! of spaces between tokens, removes trailing whitespace, keeps at most
//! one blank line in a row (none at the start or end of a block) and
//! ends the file with one newline. Comments
//! stay where they are; lines inside multi-line strings and block comments
//! are kept verbatim. Because only whitespace outside strings and comments
//! changes and no line break is added or removed between tokens, the
//! program means the same; [`format`] still checks it by comparing the
//! trees parsed before and after, and refuses to change a file whose tree
//! would differ.

use crate::parse;

const INDENT: &str = "  ";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// The file has syntax errors: formatting it could guess wrong.
    SyntaxErrors(usize),
    /// The formatted text would parse to another tree (a formatter bug).
    WouldChangeMeaning,
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatError::SyntaxErrors(n) => write!(f, "not formatted: {n} syntax error(s); `infrac check` shows them"),
            FormatError::WouldChangeMeaning => {
                f.write_str("not formatted: the result would parse differently (a formatter bug; please report it)")
            }
        }
    }
}

/// The formatted text of `source`.
pub fn format(source: &str) -> Result<String, FormatError> {
    let before = parse(source);
    if !before.errors.is_empty() {
        return Err(FormatError::SyntaxErrors(before.errors.len()));
    }
    let formatted = layout(source);
    let after = parse(&formatted);
    if !after.errors.is_empty() || without_spans(&before.file) != without_spans(&after.file) {
        return Err(FormatError::WouldChangeMeaning);
    }
    Ok(formatted)
}

/// The tree's debug text with every span blanked, to compare two parses.
fn without_spans(file: &crate::ast::SourceFile) -> String {
    let text = format!("{file:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("Span { start: ") {
        out.push_str(&rest[..at]);
        out.push_str("Span");
        rest = rest[at..].find('}').map_or("", |end| &rest[at + end + 1..]);
    }
    out.push_str(rest);
    out
}

/// Where the scanner is, carried from one line to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Code,
    /// Inside `"..."` (`triple`: `"""..."""`).
    Str {
        triple: bool,
    },
    /// Inside `/* */`, nested this deep.
    BlockComment(u32),
}

/// An open bracket: the indentation level of the line it was opened on.
#[derive(Debug, Clone, Copy)]
struct Open {
    level: usize,
    /// Opened inside a string interpolation (`{expr}`): closing it
    /// returns to the string.
    interpolation: Option<bool>,
}

struct Layout {
    mode: Mode,
    stack: Vec<Open>,
}

fn layout(source: &str) -> String {
    let mut state = Layout {
        mode: Mode::Code,
        stack: Vec::new(),
    };
    let mut out = String::with_capacity(source.len());
    let mut blank_run = 0;
    for line in source.lines() {
        let verbatim = state.mode != Mode::Code;
        let formatted = if verbatim {
            line.to_string()
        } else {
            state.code_line(line)
        };
        if !verbatim {
            // Scanning updates the mode and the brackets for the next line.
            state.scan(line.trim());
        } else {
            state.scan(line);
        }
        if formatted.trim().is_empty() && !verbatim {
            blank_run += 1;
            continue;
        }
        // One blank line at most, and none at the start of the file or
        // of a block, nor at its end.
        let after_open = out.trim_end().ends_with(['{', '(', '[']);
        let before_close = !verbatim && formatted.trim_start().starts_with(['}', ')', ']']);
        if blank_run > 0 && !out.is_empty() && !after_open && !before_close {
            out.push('\n');
        }
        blank_run = 0;
        out.push_str(&formatted);
        out.push('\n');
    }
    out
}

/// Line starts that continue the previous line's expression or header.
fn is_continuation(line: &str) -> bool {
    [
        "changes ", ".", "?.", "??", "+ ", "- ", "* ", "/ ", "% ", "== ", "!= ", "and ", "or ",
        "-> ",
    ]
    .iter()
    .any(|p| line.starts_with(p))
        && !line.starts_with("//")
        && !line.starts_with("/*")
}

impl Layout {
    /// A line that starts in code: indented, spaces collapsed.
    fn code_line(&self, line: &str) -> String {
        let content = line.trim();
        if content.is_empty() {
            return String::new();
        }
        let level = if content.starts_with(['}', ')', ']']) {
            self.stack.last().map_or(0, |o| o.level)
        } else {
            let base = self.stack.last().map_or(0, |o| o.level + 1);
            base + usize::from(is_continuation(content))
        };
        format!("{}{}", INDENT.repeat(level), collapse_spaces(content))
    }

    /// Follows strings, comments and brackets through `line`.
    fn scan(&mut self, line: &str) {
        let level = self.current_level(line);
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            // Bytes, not `&line[i..]`: `i` steps through multi-byte
            // characters, and every token looked for is ASCII.
            let rest = &bytes[i..];
            match self.mode {
                Mode::BlockComment(depth) => {
                    if rest.starts_with(b"*/") {
                        self.mode = if depth <= 1 {
                            Mode::Code
                        } else {
                            Mode::BlockComment(depth - 1)
                        };
                        i += 2;
                    } else if rest.starts_with(b"/*") {
                        self.mode = Mode::BlockComment(depth + 1);
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
                Mode::Str { triple } => {
                    if bytes[i] == b'\\' {
                        i += 2;
                    } else if triple && rest.starts_with(b"\"\"\"") || !triple && bytes[i] == b'"' {
                        self.mode = Mode::Code;
                        i += if triple { 3 } else { 1 };
                    } else if bytes[i] == b'{' {
                        self.stack.push(Open {
                            level,
                            interpolation: Some(triple),
                        });
                        self.mode = Mode::Code;
                        i += 1;
                    } else {
                        i += 1;
                    }
                }
                Mode::Code => {
                    if rest.starts_with(b"//") {
                        break;
                    } else if rest.starts_with(b"/*") {
                        self.mode = Mode::BlockComment(1);
                        i += 2;
                    } else if rest.starts_with(b"\"\"\"") {
                        self.mode = Mode::Str { triple: true };
                        i += 3;
                    } else if bytes[i] == b'"' {
                        self.mode = Mode::Str { triple: false };
                        i += 1;
                    } else if matches!(bytes[i], b'{' | b'(' | b'[') {
                        self.stack.push(Open {
                            level,
                            interpolation: None,
                        });
                        i += 1;
                    } else if matches!(bytes[i], b'}' | b')' | b']') {
                        if let Some(open) = self.stack.pop()
                            && let Some(triple) = open.interpolation
                        {
                            self.mode = Mode::Str { triple };
                        }
                        i += 1;
                    } else {
                        i += 1;
                    }
                }
            }
        }
    }

    /// The indentation level `code_line` gives this line (the level new
    /// brackets on it are opened at).
    fn current_level(&self, line: &str) -> usize {
        let content = line.trim();
        if self.mode != Mode::Code {
            return self.stack.last().map_or(0, |o| o.level + 1);
        }
        if content.starts_with(['}', ')', ']']) {
            self.stack.last().map_or(0, |o| o.level)
        } else {
            self.stack.last().map_or(0, |o| o.level + 1) + usize::from(is_continuation(content))
        }
    }
}

/// Runs of spaces and tabs between tokens become one space; strings and
/// comments are kept as written.
fn collapse_spaces(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut mode = Mode::Code;
    let mut interpolation: Vec<(u32, bool)> = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let rest = &line[i..];
        match mode {
            Mode::Code => {
                if rest.starts_with("//") {
                    out.push_str(rest);
                    break;
                }
                if rest.starts_with("/*") {
                    mode = Mode::BlockComment(1);
                    out.push('/');
                    continue;
                }
                if c == ' ' || c == '\t' {
                    while chars.peek().is_some_and(|&(_, n)| n == ' ' || n == '\t') {
                        chars.next();
                    }
                    out.push(' ');
                    continue;
                }
                if rest.starts_with("\"\"\"") {
                    mode = Mode::Str { triple: true };
                    out.push_str("\"\"\"");
                    chars.next();
                    chars.next();
                    continue;
                }
                if c == '"' {
                    mode = Mode::Str { triple: false };
                } else if c == '{' {
                    if let Some(top) = interpolation.last_mut() {
                        top.0 += 1;
                    }
                } else if c == '}' {
                    match interpolation.last_mut() {
                        Some((0, triple)) => {
                            mode = Mode::Str { triple: *triple };
                            interpolation.pop();
                        }
                        Some(top) => top.0 -= 1,
                        None => {}
                    }
                }
                out.push(c);
            }
            Mode::Str { triple } => {
                out.push(c);
                if c == '\\' {
                    if let Some((_, n)) = chars.next() {
                        out.push(n);
                    }
                } else if triple && rest.starts_with("\"\"\"") {
                    out.push_str("\"\"");
                    chars.next();
                    chars.next();
                    mode = Mode::Code;
                } else if !triple && c == '"' {
                    mode = Mode::Code;
                } else if c == '{' {
                    interpolation.push((0, triple));
                    mode = Mode::Code;
                }
            }
            Mode::BlockComment(depth) => {
                out.push(c);
                if rest.starts_with("*/") {
                    out.push('/');
                    chars.next();
                    mode = if depth <= 1 {
                        Mode::Code
                    } else {
                        Mode::BlockComment(depth - 1)
                    };
                } else if rest.starts_with("/*") {
                    out.push('*');
                    chars.next();
                    mode = Mode::BlockComment(depth + 1);
                }
            }
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;

    fn check(source: &str, expected: expect_test::Expect) {
        let formatted = format(source).unwrap_or_else(|e| panic!("{e}"));
        expected.assert_eq(&formatted);
        assert_eq!(
            format(&formatted).as_deref(),
            Ok(formatted.as_str()),
            "idempotent"
        );
    }

    #[test]
    fn reindents_by_brackets_and_keeps_comments() {
        check(
            r#"

use std::files   // the files module


/// Web hosts.
group web = [
      local(),   /* the controller */
  ]
stage s on web {
let x =   "a  b {  1 }"
    if x == "y" {
  files.directory("/tmp/x",
            mode: 0o755)   // trailing
      }
}
"#,
            expect![[r#"
                use std::files // the files module

                /// Web hosts.
                group web = [
                  local(), /* the controller */
                ]
                stage s on web {
                  let x = "a  b { 1 }"
                  if x == "y" {
                    files.directory("/tmp/x",
                      mode: 0o755) // trailing
                  }
                }
            "#]],
        );
    }

    #[test]
    fn keeps_multiline_strings_and_block_comments_verbatim() {
        check(
            "/* a\n    nested /* b */\n  c */\nfn f(): str {\n      \"\"\"\n    keep   this\n  \"\"\"\n}\n",
            expect![[r#"
                /* a
                    nested /* b */
                  c */
                fn f(): str {
                  """
                    keep   this
                  """
                }
            "#]],
        );
    }

    #[test]
    fn continuation_lines_are_indented() {
        check(
            "op o(path: str)\nchanges facts.file(path)\n{\nlet r = probe(sh\"ls\")\n.stdout\n}\n",
            expect![[r#"
                op o(path: str)
                  changes facts.file(path)
                {
                  let r = probe(sh"ls")
                    .stdout
                }
            "#]],
        );
    }

    #[test]
    fn refuses_files_with_syntax_errors() {
        assert_eq!(format("stage {"), Err(FormatError::SyntaxErrors(1)));
    }

    /// Every stdlib module and example formats, and formatting again
    /// changes nothing.
    #[test]
    fn the_stdlib_and_the_examples_format() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut seen = 0;
        for dir in ["stdlib", "examples"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "infra") {
                    let source = std::fs::read_to_string(&path).unwrap_or_default();
                    let once =
                        format(&source).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    assert_eq!(
                        format(&once).as_deref(),
                        Ok(once.as_str()),
                        "{}",
                        path.display()
                    );
                    seen += 1;
                }
            }
        }
        assert!(seen > 5, "found {seen} files");
    }

    #[test]
    fn strings_with_interpolated_strings_are_followed() {
        check(
            "fn f(p: str): str {\n\"{p.split(\"/\").last() ?? \"}\"}\"\n}\n",
            expect![[r#"
                fn f(p: str): str {
                  "{p.split("/").last() ?? "}"}"
                }
            "#]],
        );
    }

    #[test]
    fn text_outside_ascii_in_strings_and_comments() {
        check(
            "param p: str = \"é {1}  ü\"\n/* ñ */  param q: str = \"\"\"ß\n  x\"\"\"\n",
            expect![[r#"
                param p: str = "é {1}  ü"
                /* ñ */ param q: str = """ß
                  x"""
            "#]],
        );
    }
}
