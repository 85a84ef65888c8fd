//! Syntax of the `.infra` language: lexer, parser, AST and the formatter.
//!
//! Architecture invariant: this crate knows nothing about salsa, types,
//! hosts or the language server. Parsing never fails: [`parse`] always
//! returns a tree plus the syntax errors found, whatever the input bytes.

pub mod ast;
pub mod format;
mod lexer;
mod parser;
mod shift;
mod token;
pub mod visit;

pub use ast::Span;
pub use shift::Shift;

/// The result of parsing one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parse {
    pub file: ast::SourceFile,
    pub errors: Vec<SyntaxError>,
}

/// A syntax error, owned (no borrow of the source) so that it can live in
/// the semantic database.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SyntaxError {
    /// Stable code: `E0001` invalid byte / character, `E0002` unterminated
    /// string or comment, `E0003` unexpected token, `E0004` unclosed
    /// delimiter, `E0005` invalid number literal, `E0006` invalid escape.
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    /// A short label for the primary span ("expected `}`").
    pub label: Option<String>,
    /// "while parsing this stage" and the span of the thing being parsed.
    pub context: Option<(String, Span)>,
}

/// Parses one file. Files are read with `String::from_utf8_lossy`; the
/// lexer reports each U+FFFD replacement character as `E0001` (invalid
/// UTF-8), so invalid bytes are diagnosed, never fatal.
pub fn parse(source: &str) -> Parse {
    let lexed = lexer::lex(source);
    let (file, parse_errors) = parser::parse_tokens(&lexed.tokens, source.len());
    let mut errors = lexed.errors;
    errors.extend(parse_errors);
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    Parse { file, errors }
}

impl SyntaxError {
    pub fn new(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        SyntaxError {
            code,
            message: message.into(),
            span,
            label: None,
            context: None,
        }
    }
}

/// An [`ast::Span`] from byte offsets (files over 4 GiB saturate).
pub(crate) fn byte_span(start: usize, end: usize) -> Span {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Span::new(clamp(start), clamp(end))
}
