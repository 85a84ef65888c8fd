//! The lexer: source text to tokens with byte spans (docs/language.md §1).
//!
//! Hand-written, one pass, never fails: every problem becomes a
//! [`SyntaxError`] and lexing goes on. String literals are lexed by
//! [`strings`] into several tokens, with the tokens of each interpolated
//! expression in between.

mod numbers;
mod strings;

use chumsky::span::SimpleSpan;

use crate::token::{Keyword, Punct, Tok, TokenKind};
use crate::{SyntaxError, byte_span};

/// The lexer's output.
#[derive(Debug, Clone)]
pub struct Lexed<'s> {
    pub tokens: Vec<(Tok<'s>, SimpleSpan)>,
    pub errors: Vec<SyntaxError>,
}

pub fn lex(src: &str) -> Lexed<'_> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        // About one token per 3 bytes: no reallocation on most files.
        tokens: Vec::with_capacity(src.len() / 3 + 16),
        errors: Vec::new(),
        saw_newline: true,
        docs: None,
        brackets: Vec::new(),
        string_depth: 0,
    };
    lexer.run(Mode::Top);
    Lexed {
        tokens: lexer.tokens,
        errors: lexer.errors,
    }
}

/// What the token loop is lexing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The file.
    Top,
    /// The expression of a `{...}` in a string; `multiline` for `"""`.
    Interp { multiline: bool },
}

/// Why the token loop stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Eof,
    /// At the `}` closing an interpolation (not consumed).
    InterpClose,
    /// At the `:` starting an interpolation's format (not consumed).
    InterpFormat,
    /// At a newline inside the interpolation of a one-line string.
    LineEnd,
}

struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    tokens: Vec<(Tok<'s>, SimpleSpan)>,
    errors: Vec<SyntaxError>,
    /// The trivia since the last token contained a newline.
    saw_newline: bool,
    /// `///` lines waiting for the next token.
    docs: Option<String>,
    /// Open `(`, `[` and `{` of the file (not of interpolations), used only to
    /// compute [`Tok::nl`].
    brackets: Vec<u8>,
    /// How many string interpolations enclose the current position.
    string_depth: usize,
}

impl<'s> Lexer<'s> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, byte_offset: usize) -> Option<char> {
        self.src.get(self.pos + byte_offset..)?.chars().next()
    }

    fn rest(&self) -> &'s str {
        &self.src[self.pos..]
    }

    fn error(&mut self, code: &'static str, message: impl Into<String>, start: usize, end: usize) {
        self.errors
            .push(SyntaxError::new(code, message, byte_span(start, end)));
    }

    fn push(&mut self, kind: TokenKind<'s>, start: usize, end: usize) {
        let in_string = self.string_depth > 0;
        if !in_string && self.saw_newline && self.inside_parens() && self.starts_statement(&kind) {
            // A line that starts with `let`, `for` or an item keyword cannot
            // continue a parenthesised expression: the `(` or `[` was left
            // open. Forget it so that newlines separate statements again
            // and the parser can recover.
            while self.inside_parens() {
                self.brackets.pop();
            }
        }
        // The parts of a string never start a statement.
        let string_part = matches!(
            kind,
            TokenKind::StrText(_)
                | TokenKind::InterpStart
                | TokenKind::InterpEnd(_)
                | TokenKind::StrEnd
        );
        let nl = self.saw_newline && !in_string && !string_part && !self.inside_parens();
        if !in_string {
            self.track_bracket(&kind);
        }
        let docs = self.docs.take().map(String::into_boxed_str);
        self.tokens.push((Tok { kind, nl, docs }, span(start, end)));
        self.saw_newline = false;
    }

    fn inside_parens(&self) -> bool {
        matches!(self.brackets.last(), Some(b'(' | b'['))
    }

    fn starts_statement(&self, kind: &TokenKind) -> bool {
        let TokenKind::Kw(k) = kind else { return false };
        // `group web = ...` starts an item; `group: "x"` and `f(a,\n group)`
        // use `group` as a name.
        let followed_by_name = self
            .rest()
            .trim_start_matches([' ', '\t'])
            .starts_with(|c: char| c == '_' || c.is_ascii_alphabetic());
        (k.starts_item() || matches!(k, Keyword::Let | Keyword::For)) && followed_by_name
    }

    fn track_bracket(&mut self, kind: &TokenKind) {
        let TokenKind::Punct(p) = kind else { return };
        let (open, close) = match p {
            Punct::LParen => (Some(b'('), None),
            Punct::LBracket => (Some(b'['), None),
            Punct::LBrace => (Some(b'{'), None),
            Punct::RParen => (None, Some(b'(')),
            Punct::RBracket => (None, Some(b'[')),
            Punct::RBrace => (None, Some(b'{')),
            _ => return,
        };
        if let Some(open) = open {
            self.brackets.push(open);
        } else if let Some(close) = close {
            // Pop up to the matching opener; a stray closer changes nothing.
            if let Some(at) = self.brackets.iter().rposition(|&b| b == close) {
                self.brackets.truncate(at);
            }
        }
    }

    /// Lexes tokens until the end of the file or, in an interpolation, the
    /// end of the interpolated expression.
    fn run(&mut self, mode: Mode) -> Stop {
        // Brackets opened inside the current interpolation.
        let mut depth = 0usize;
        loop {
            if let Some(stop) = self.skip_trivia(mode) {
                return stop;
            }
            let Some(&first) = self.src.as_bytes().get(self.pos) else {
                return Stop::Eof;
            };
            // Non-ASCII characters only appear in strings and comments.
            let c = if first.is_ascii() {
                char::from(first)
            } else {
                self.peek().unwrap_or('\0')
            };
            let start = self.pos;
            if let Mode::Interp { .. } = mode {
                match c {
                    '}' if depth == 0 => return Stop::InterpClose,
                    ':' if depth == 0 && !self.rest().starts_with("::") => {
                        return Stop::InterpFormat;
                    }
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            if c == '_' || c.is_ascii_alphabetic() {
                self.ident_or_keyword();
            } else if c.is_ascii_digit() {
                self.number();
            } else if c == '"' {
                self.string(start, false);
            } else if let Some((p, len)) = punct_at(self.rest()) {
                self.pos += len;
                self.push(TokenKind::Punct(p), start, self.pos);
            } else {
                self.pos += c.len_utf8();
                self.invalid_char(c, start);
            }
        }
    }

    fn invalid_char(&mut self, c: char, start: usize) {
        let message = if c == char::REPLACEMENT_CHARACTER {
            "invalid UTF-8 in source".to_string()
        } else {
            format!("unexpected character `{}`", c.escape_debug())
        };
        self.error("E0001", message, start, self.pos);
    }

    fn ident_or_keyword(&mut self) {
        let start = self.pos;
        let src = self.src;
        let len = src.as_bytes()[start..]
            .iter()
            .position(|&b| !(b == b'_' || b.is_ascii_alphanumeric()))
            .unwrap_or(src.len() - start);
        self.pos += len;
        let word = &src[start..self.pos];
        if word == "sh" && self.peek() == Some('"') {
            self.string(start, true);
            return;
        }
        let kind = match Keyword::from_word(word) {
            Some(k) => TokenKind::Kw(k),
            None => TokenKind::Ident(word),
        };
        self.push(kind, start, self.pos);
    }

    /// Skips whitespace and comments, collecting `///` docs. Returns a
    /// [`Stop`] when a newline ends a one-line string's interpolation.
    fn skip_trivia(&mut self, mode: Mode) -> Option<Stop> {
        // Bytes, not chars: trivia is ASCII, and this loop sees every byte
        // of indentation.
        let bytes = self.src.as_bytes();
        while let Some(&b) = bytes.get(self.pos) {
            match b {
                b'\n' => {
                    if mode == (Mode::Interp { multiline: false }) {
                        return Some(Stop::LineEnd);
                    }
                    self.saw_newline = true;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'/' if bytes.get(self.pos + 1) == Some(&b'/') => self.line_comment(),
                b'/' if bytes.get(self.pos + 1) == Some(&b'*') => self.block_comment(),
                _ => return None,
            }
        }
        None
    }

    fn line_comment(&mut self) {
        let start = self.pos;
        let len = self.rest().find('\n').unwrap_or(self.rest().len());
        self.pos += len;
        let text = &self.src[start..self.pos];
        self.report_replacement_chars(text, start);
        // `///` is a doc comment, `////...` an ordinary one (as in Rust).
        if let Some(doc) = text.strip_prefix("///").filter(|d| !d.starts_with('/')) {
            let doc = doc.strip_prefix(' ').unwrap_or(doc).trim_end_matches('\r');
            match &mut self.docs {
                Some(docs) => {
                    docs.push('\n');
                    docs.push_str(doc);
                }
                None => self.docs = Some(doc.to_string()),
            }
        }
    }

    fn block_comment(&mut self) {
        let start = self.pos;
        self.pos += 2;
        let mut depth = 1usize;
        while depth > 0 {
            let rest = self.rest();
            if rest.is_empty() {
                self.error("E0002", "unterminated block comment", start, start + 2);
                return;
            }
            if rest.starts_with("/*") {
                depth += 1;
                self.pos += 2;
            } else if rest.starts_with("*/") {
                depth -= 1;
                self.pos += 2;
            } else {
                let c = rest.chars().next().unwrap_or(' ');
                if c == '\n' {
                    self.saw_newline = true;
                }
                if c == char::REPLACEMENT_CHARACTER {
                    self.invalid_char(c, self.pos);
                }
                self.pos += c.len_utf8();
            }
        }
    }

    /// Every U+FFFD stands for invalid UTF-8 in the file, even in comments.
    fn report_replacement_chars(&mut self, text: &str, offset: usize) {
        for (i, c) in text.char_indices() {
            if c == char::REPLACEMENT_CHARACTER {
                self.error(
                    "E0001",
                    "invalid UTF-8 in source",
                    offset + i,
                    offset + i + c.len_utf8(),
                );
            }
        }
    }
}

/// The punctuation token at the start of `text`, longest first.
fn punct_at(text: &str) -> Option<(Punct, usize)> {
    use Punct::*;
    let bytes = text.as_bytes();
    let two = match (bytes.first()?, bytes.get(1)) {
        (b':', Some(b':')) => Some(ColonColon),
        (b'?', Some(b'.')) => Some(QuestionDot),
        (b'?', Some(b'?')) => Some(QuestionQuestion),
        (b'=', Some(b'=')) => Some(EqEq),
        (b'!', Some(b'=')) => Some(NotEq),
        (b'<', Some(b'=')) => Some(Le),
        (b'>', Some(b'=')) => Some(Ge),
        (b'-', Some(b'>')) => Some(Arrow),
        (b'=', Some(b'>')) => Some(FatArrow),
        _ => None,
    };
    if let Some(p) = two {
        return Some((p, 2));
    }
    let p = match bytes.first()? {
        b'(' => LParen,
        b')' => RParen,
        b'[' => LBracket,
        b']' => RBracket,
        b'{' => LBrace,
        b'}' => RBrace,
        b',' => Comma,
        b':' => Colon,
        b';' => Semi,
        b'.' => Dot,
        b'?' => Question,
        b'+' => Plus,
        b'-' => Minus,
        b'*' => Star,
        b'/' => Slash,
        b'%' => Percent,
        b'<' => Lt,
        b'>' => Gt,
        b'=' => Eq,
        b'|' => Pipe,
        _ => return None,
    };
    Some((p, 1))
}

fn span(start: usize, end: usize) -> SimpleSpan {
    SimpleSpan::from(start..end)
}

#[cfg(test)]
mod tests;
