//! Error recovery: skipping broken input, closing delimiters, bounding the
//! nesting depth.
//!
//! Every skipper is an imperative `custom` parser that walks tokens with a
//! bracket counter (no recursion, no backtracking), always consumes at least
//! one token, and stops in front of the tokens that a surrounding rule can
//! resume at: an item keyword starting a line, a closing bracket of an
//! enclosing construct, a statement separator.

use chumsky::prelude::*;

use super::common::{Inp, MAX_NESTING, P, custom_error, describe, expected, peek_span};
use crate::token::{Punct, Tok, TokenKind};

/// Where a skip must stop (the token is left for the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Until {
    /// The next item: an item keyword starting a line, or any item keyword
    /// outside brackets.
    Item,
    /// The end of a statement: a newline, `;` (consumed), a `}` closing the
    /// block, or an item keyword.
    Stmt,
    /// The end of a list element: `,` or the list's closing bracket.
    Elem,
    /// The end of an interpolation; may skip nothing.
    Interp,
}

/// Skips at least one token up to (not including) the stopping point of
/// `until`. Fails without consuming when the next token is itself a stopping
/// point (or the end of input), so that the enclosing rule can go on.
pub(crate) fn skip<'t>(until: Until) -> impl P<'t, SimpleSpan> {
    custom(move |inp: &mut Inp<'t, '_>| {
        let start = inp.cursor();
        let mut depth = 0usize;
        // Strings nest their own brackets: count them apart.
        let mut interp_depth = 0usize;
        let mut consumed = false;
        while let Some(tok) = inp.peek_ref() {
            let stop = if consumed || until == Until::Item {
                stops(until, tok, depth, interp_depth, consumed)
            } else {
                stops(until, tok, depth, interp_depth, false) || refuses_first(until, tok)
            };
            if stop {
                break;
            }
            match &tok.kind {
                TokenKind::Punct(Punct::LParen | Punct::LBracket | Punct::LBrace) => depth += 1,
                TokenKind::Punct(Punct::RParen | Punct::RBracket | Punct::RBrace) => {
                    depth = depth.saturating_sub(1)
                }
                TokenKind::InterpStart => interp_depth += 1,
                TokenKind::InterpEnd(_) => interp_depth = interp_depth.saturating_sub(1),
                _ => {}
            }
            let is_semi = tok.is_punct(Punct::Semi) && depth == 0;
            inp.skip();
            consumed = true;
            if until == Until::Stmt && is_semi {
                break;
            }
        }
        if consumed || until == Until::Interp {
            Ok(inp.span_since(&start))
        } else {
            let found = inp.peek_ref();
            Err(expected(
                ["something to skip"],
                found,
                inp.span_since(&start),
            ))
        }
    })
}

/// Whether `tok` ends a skip (`consumed`: the skip already took a token).
fn stops(until: Until, tok: &Tok, depth: usize, interp_depth: usize, consumed: bool) -> bool {
    let top = depth == 0 && interp_depth == 0;
    let closer = matches!(
        tok.kind,
        TokenKind::Punct(Punct::RParen | Punct::RBracket | Punct::RBrace)
    );
    let line_item = tok.nl && tok.starts_item();
    match until {
        Until::Item => consumed && (line_item || (top && tok.starts_item())),
        // A stray `)` or `]` in a block is skipped with the statement.
        Until::Stmt => {
            line_item
                || (top
                    && (tok.is_punct(Punct::RBrace) || tok.starts_item() || (consumed && tok.nl)))
        }
        // In `(` and `[`, a token starting a line means the lexer saw the
        // bracket left open (see `Tok::nl`).
        Until::Elem => {
            line_item
                || (top && (closer || tok.is_punct(Punct::Comma) || tok.starts_item()))
                || (top && consumed && tok.nl)
                || (interp_depth == 0 && matches!(tok.kind, TokenKind::InterpEnd(_)))
        }
        Until::Interp => interp_depth == 0 && matches!(tok.kind, TokenKind::InterpEnd(_)),
    }
}

/// A statement skip never starts on a `;` handled by the block itself, and
/// an element skip never starts on a string's end.
fn refuses_first(until: Until, tok: &Tok) -> bool {
    match until {
        Until::Stmt => tok.is_punct(Punct::Semi),
        Until::Elem | Until::Interp => matches!(tok.kind, TokenKind::StrEnd),
        Until::Item => false,
    }
}

/// What followed the contents of a delimited construct.
#[derive(Debug, Clone)]
pub(crate) enum Closing {
    /// The closing delimiter (consumed).
    Closed,
    /// Unexpected tokens, then the closing delimiter: everything up to and
    /// including it was consumed and reported.
    Garbage,
    /// No closing delimiter before the construct had to end: the tokens up
    /// to that point were consumed. `found` describes the first of them.
    Unclosed { found: String },
}

/// The closing delimiter `close`. When something else comes first, skips
/// to a matching `close` in the same construct, reporting
/// "expected {expected}, found X"; when there is none, skips to where the
/// construct must end (a closer of an enclosing construct, a new statement
/// or item, the end of the file), reports nothing and returns
/// [`Closing::Unclosed`] (the caller reports E0004 at the opener).
pub(crate) fn closing<'t>(close: Punct, expected: &'static str) -> impl P<'t, Closing> {
    custom(move |inp: &mut Inp<'t, '_>| {
        let first = inp.peek_ref();
        if first.is_some_and(|t| t.is_punct(close)) {
            inp.skip();
            return Ok(Closing::Closed);
        }
        let found = describe(first);
        let at = peek_span(inp);

        let mut depth = 0usize;
        let mut interp_depth = 0usize;
        // Inside `(`, `[` and `<`, a token that starts a line is one the lexer
        // saw as the start of a statement (see `Tok::nl`): the construct
        // was left open.
        let parenthesised = close != Punct::RBrace;
        while let Some(tok) = inp.peek_ref() {
            let top = depth == 0 && interp_depth == 0;
            if tok.nl && (tok.starts_item() || (parenthesised && top)) {
                break;
            }
            if top && tok.is_punct(close) {
                inp.skip();
                let message = format!("expected {expected}, found {found}");
                inp.emit(custom_error(
                    "E0003",
                    message,
                    Some(format!("expected {expected}")),
                    at,
                ));
                return Ok(Closing::Garbage);
            }
            match &tok.kind {
                TokenKind::Punct(Punct::RParen | Punct::RBracket | Punct::RBrace) if top => break,
                TokenKind::InterpEnd(_) | TokenKind::StrEnd if interp_depth == 0 => break,
                TokenKind::Punct(Punct::LParen | Punct::LBracket | Punct::LBrace) => depth += 1,
                TokenKind::Punct(Punct::RParen | Punct::RBracket | Punct::RBrace) => {
                    depth = depth.saturating_sub(1)
                }
                TokenKind::InterpStart => interp_depth += 1,
                TokenKind::InterpEnd(_) => interp_depth -= 1,
                _ => {}
            }
            inp.skip();
        }
        Ok(Closing::Unclosed { found })
    })
}

/// `open inner close`, reporting a missing `close` as E0004 at `open`.
/// Returns the inner value and the span from `open` to `close`.
pub(crate) fn delimited<'t, O: 't>(
    open: Punct,
    inner: impl P<'t, O>,
    close: Punct,
    expected: &'static str,
) -> impl P<'t, O> {
    just(Tok::punct(open))
        .map_with(|_, e| e.span())
        .then(inner)
        .then(closing(close, expected))
        .map_with(move |((open_span, value), closing), e| {
            if let Closing::Unclosed { found } = closing {
                let message = format!("expected `{}`, found {found}", close.as_str());
                let label = Some(format!("unclosed `{}`", open.as_str()));
                e.emit(custom_error("E0004", message, label, open_span));
            }
            value
        })
}

/// Runs `inner` one nesting level deeper; past [`MAX_NESTING`] levels,
/// fails with an error instead (the caller's recovery skips the rest).
pub(crate) fn nested<'t, O: 't>(inner: impl P<'t, O>) -> impl P<'t, O> {
    custom(move |inp: &mut Inp<'t, '_>| {
        if inp.state().depth >= MAX_NESTING {
            let at = peek_span(inp);
            let message =
                format!("expressions are nested too deeply (more than {MAX_NESTING} levels)");
            return Err(custom_error("E0003", message, None, at));
        }
        inp.state().depth += 1;
        let result = inp.parse(&inner);
        inp.state().depth -= 1;
        result
    })
}
