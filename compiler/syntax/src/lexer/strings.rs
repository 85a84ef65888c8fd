//! String and command literals: `"..."`, `"""..."""`, `sh"..."`,
//! `sh"""..."""`, with escapes and `{expr}` / `{expr:fmt}` interpolation.
//!
//! A literal becomes the tokens `StrStart (StrText | InterpStart <tokens>
//! InterpEnd)* StrEnd`. An unterminated literal still gets its `StrEnd`
//! (zero-width) so that the parser sees a complete string.

use super::{Lexer, Mode, Stop};
use crate::token::TokenKind;

/// Strings inside interpolations inside strings... deeper than this are
/// not interpolated (and reported), which bounds the lexer's recursion.
const MAX_STRING_NESTING: usize = 16;

/// The text of a literal collected so far.
struct Text {
    value: String,
    start: usize,
}

impl Lexer<'_> {
    /// Lexes a literal whose opening quote is at `self.pos`; `start` is the
    /// start of the literal (the `s` of `sh"`).
    pub(super) fn string(&mut self, start: usize, sh: bool) {
        let multiline = self.rest().starts_with("\"\"\"");
        self.pos += if multiline { 3 } else { 1 };
        let open_end = self.pos;
        self.push(TokenKind::StrStart { sh }, start, open_end);

        let mut indent = 0;
        let mut at_line_start = false;
        if multiline {
            // The newline right after the opening quotes is not part of the text.
            let rest = self.rest();
            let newline = if rest.starts_with("\r\n") {
                2
            } else {
                usize::from(rest.starts_with('\n'))
            };
            if newline > 0 {
                self.pos += newline;
                at_line_start = true;
            }
            indent = common_indent(self.rest(), at_line_start);
        }

        let mut text = Text {
            value: String::new(),
            start: self.pos,
        };
        loop {
            if at_line_start {
                self.strip_indent(indent);
                at_line_start = false;
                text.start = text.start.min(self.pos);
            }
            let Some(c) = self.peek() else {
                self.unterminated(start, open_end, text);
                return;
            };
            match c {
                '"' if !multiline || self.rest().starts_with("\"\"\"") => {
                    self.flush(&mut text);
                    let end = self.pos + if multiline { 3 } else { 1 };
                    self.pos = end;
                    self.push(TokenKind::StrEnd, end - if multiline { 3 } else { 1 }, end);
                    return;
                }
                '\n' if !multiline => {
                    self.unterminated(start, open_end, text);
                    return;
                }
                '\n' => {
                    self.pos += 1;
                    text.value.push('\n');
                    at_line_start = true;
                }
                '\\' => self.escape(&mut text.value),
                '{' if self.string_depth < MAX_STRING_NESTING => {
                    self.flush(&mut text);
                    if !self.interpolation(multiline) {
                        self.unterminated(
                            start,
                            open_end,
                            Text {
                                value: String::new(),
                                start: self.pos,
                            },
                        );
                        return;
                    }
                    text.start = self.pos;
                }
                '{' => {
                    self.error(
                        "E0003",
                        "string interpolations are nested too deeply",
                        self.pos,
                        self.pos + 1,
                    );
                    self.pos += 1;
                    text.value.push('{');
                }
                c => {
                    if c == char::REPLACEMENT_CHARACTER {
                        self.invalid_char(c, self.pos);
                    }
                    self.pos += c.len_utf8();
                    text.value.push(c);
                }
            }
        }
    }

    /// Emits the pending text, if any, as one token.
    fn flush(&mut self, text: &mut Text) {
        if !text.value.is_empty() {
            let value = std::mem::take(&mut text.value);
            self.push(
                TokenKind::StrText(value.into_boxed_str()),
                text.start,
                self.pos,
            );
        }
        text.start = self.pos;
    }

    fn unterminated(&mut self, start: usize, open_end: usize, mut text: Text) {
        self.flush(&mut text);
        self.error("E0002", "unterminated string literal", start, open_end);
        self.push(TokenKind::StrEnd, self.pos, self.pos);
    }

    /// Skips up to `indent` spaces or tabs; a blank line loses all of them.
    fn strip_indent(&mut self, indent: usize) {
        let line = self.rest();
        let ws = line.len() - line.trim_start_matches([' ', '\t']).len();
        let after = &line[ws..];
        let blank =
            after.starts_with('\n') || after.starts_with("\r\n") || after.starts_with("\"\"\"");
        self.pos += if blank { ws } else { ws.min(indent) };
    }

    fn escape(&mut self, out: &mut String) {
        let start = self.pos;
        self.pos += 1;
        let Some(c) = self.peek() else { return };
        self.pos += c.len_utf8();
        let resolved = match c {
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            '0' => Some('\0'),
            '\\' | '"' | '{' | '}' => Some(c),
            'u' => self.unicode_escape(),
            _ => None,
        };
        match resolved {
            Some(r) => out.push(r),
            None => {
                let text = self.src[start..self.pos].to_string();
                self.error("E0006", format!("invalid escape `{text}`"), start, self.pos);
                out.push_str(&text);
            }
        }
    }

    /// `\u{1F600}`; `self.pos` is after the `u`.
    fn unicode_escape(&mut self) -> Option<char> {
        let rest = self.rest();
        let body = rest.strip_prefix('{')?;
        let close = body.find('}')?;
        let hex = &body[..close];
        if hex.is_empty() || hex.len() > 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let c = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)?;
        self.pos += close + 2;
        Some(c)
    }

    /// Lexes `{expr}` or `{expr:fmt}` starting at the `{`. Returns false
    /// when the string ended (end of line or file) inside it.
    fn interpolation(&mut self, multiline: bool) -> bool {
        let open = self.pos;
        self.pos += 1;
        self.push(TokenKind::InterpStart, open, open + 1);
        self.string_depth += 1;
        let stop = self.run(Mode::Interp { multiline });
        self.string_depth -= 1;
        match stop {
            Stop::InterpClose => {
                self.pos += 1;
                self.push(TokenKind::InterpEnd(None), self.pos - 1, self.pos);
                true
            }
            Stop::InterpFormat => {
                let colon = self.pos;
                let rest = &self.src[colon + 1..];
                match rest.find(['}', '\n', '"']) {
                    Some(end) if rest[end..].starts_with('}') => {
                        let format = rest[..end].to_string();
                        self.pos = colon + 1 + end + 1;
                        self.push(
                            TokenKind::InterpEnd(Some(format.into_boxed_str())),
                            colon,
                            self.pos,
                        );
                        true
                    }
                    _ => {
                        self.error(
                            "E0002",
                            "unterminated interpolation: expected `}`",
                            open,
                            open + 1,
                        );
                        self.push(TokenKind::InterpEnd(None), colon, colon);
                        self.pos = colon + 1;
                        true
                    }
                }
            }
            Stop::Eof | Stop::LineEnd => {
                self.push(TokenKind::InterpEnd(None), self.pos, self.pos);
                false
            }
        }
    }
}

/// The common indentation (spaces and tabs) of the non-blank lines of a
/// `"""` literal whose body starts `body`. The first line counts only when
/// it starts right after the dropped newline.
fn common_indent(body: &str, first_line_counts: bool) -> usize {
    let end = closing_quotes(body).unwrap_or(body.len());
    body[..end]
        .split('\n')
        .enumerate()
        .filter(|(i, _)| *i > 0 || first_line_counts)
        .map(|(_, line)| line.trim_end_matches('\r'))
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0)
}

/// The offset of the closing `"""`, skipping escaped characters.
fn closing_quotes(body: &str) -> Option<usize> {
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' if body[i..].starts_with("\"\"\"") => return Some(i),
            _ => i += 1,
        }
    }
    None
}
