//! Types shared by the grammar modules and small token-level parsers.

use std::fmt;

use chumsky::input::{InputRef, MappedInput};
use chumsky::inspector::SimpleState;
use chumsky::label::LabelError;
use chumsky::prelude::*;
use chumsky::recursive::Indirect;
use chumsky::util::MaybeRef;

use crate::ast::{Ident, Span};
use crate::byte_span;
use crate::token::{Keyword, Punct, Tok, TokenKind};

/// The parser's input: the lexer's tokens with their spans.
pub(crate) type In<'t> = MappedInput<'t, Tok<'t>, SimpleSpan, &'t [(Tok<'t>, SimpleSpan)]>;
pub(crate) type Error<'t> = Rich<'t, Tok<'t>, SimpleSpan, CustomError>;
pub(crate) type Extra<'t> = extra::Full<Error<'t>, SimpleState<Nesting>, ()>;
/// A grammar rule declared before it is defined (expressions, blocks, types).
pub(crate) type Rec<'t, O> = Recursive<Indirect<'t, 't, In<'t>, O, Extra<'t>>>;

/// The input as seen by `custom` parsers.
pub(crate) type Inp<'t, 'p> = InputRef<'t, 'p, In<'t>, Extra<'t>>;

/// Parsers of this grammar: over tokens, with our error and state.
pub(crate) trait P<'t, O>: Parser<'t, In<'t>, O, Extra<'t>> + Clone + 't {}
impl<'t, O, T: Parser<'t, In<'t>, O, Extra<'t>> + Clone + 't> P<'t, O> for T {}

/// How deeply expressions and types are nested at the current position;
/// bounded so that no input can overflow the stack.
#[derive(Debug, Default)]
pub(crate) struct Nesting {
    pub depth: usize,
}

/// Deeper nesting than this is reported instead of parsed.
pub(crate) const MAX_NESTING: usize = 64;

/// Each link of a chain (`a + b + c ...`, `x.f().g()...`, `else if ...`)
/// deepens the tree by one; longer chains are reported, so that no input
/// makes a tree deep enough to overflow a recursive walk.
pub(crate) const MAX_CHAIN: usize = 256;

/// An error the grammar reports itself (not an "expected X, found Y").
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CustomError {
    pub code: &'static str,
    pub message: String,
    pub label: Option<String>,
}

impl fmt::Display for CustomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub(crate) fn custom_error<'t>(
    code: &'static str,
    message: impl Into<String>,
    label: Option<String>,
    span: SimpleSpan,
) -> Error<'t> {
    Rich::custom(
        span,
        CustomError {
            code,
            message: message.into(),
            label,
        },
    )
}

pub(crate) fn span(s: SimpleSpan) -> Span {
    // Chumsky spans what consumed no token from the end of the previous
    // token to the start of the next one: inverted across whitespace.
    byte_span(s.start, s.end.max(s.start))
}

pub(crate) fn punct<'t>(p: Punct) -> impl P<'t, SimpleSpan> {
    just(Tok::punct(p)).map_with(|_, e| e.span())
}

pub(crate) fn kw<'t>(k: Keyword) -> impl P<'t, SimpleSpan> {
    just(Tok::kw(k)).map_with(|_, e| e.span())
}

/// A plain identifier (never a keyword).
pub(crate) fn ident<'t>() -> impl P<'t, Ident> {
    select_ref! {
        Tok { kind: TokenKind::Ident(name), .. } = e => Ident { name: name.to_string(), span: span(e.span()) },
    }
    .labelled("identifier")
}

/// A name in a position where keywords cannot be meant: after `.`, record
/// fields, named arguments, parameters and fact/op/fn names
/// (`facts.group(...)`, `group: "web"`).
pub(crate) fn name<'t>() -> impl P<'t, Ident> {
    select_ref! {
        Tok { kind: TokenKind::Ident(name), .. } = e => Ident { name: name.to_string(), span: span(e.span()) },
        Tok { kind: TokenKind::Kw(k), .. } = e => Ident { name: k.as_str().to_string(), span: span(e.span()) },
    }
    .labelled("identifier")
}

/// An item keyword used as an ordinary name in an expression: a parameter
/// may be called `group` or `type`. Not when a name follows, as in
/// `group web = ...`, which starts an item.
pub(crate) fn soft_keyword_name<'t>() -> impl P<'t, Ident> {
    soft_keyword().then_ignore(ident().or(soft_keyword()).not())
}

/// An item keyword, as a name.
fn soft_keyword<'t>() -> impl P<'t, Ident> {
    select_ref! {
        Tok { kind: TokenKind::Kw(k), .. } = e if k.is_soft() => Ident { name: k.as_str().to_string(), span: span(e.span()) },
    }
}

/// A name that `let`, `for` or a comprehension binds: an identifier, or an
/// item keyword (`let group = ...`, `for type in types`), since no item
/// can start there.
pub(crate) fn binding_name<'t>() -> impl P<'t, Ident> {
    ident().or(soft_keyword()).labelled("identifier")
}

/// The `///` docs attached to the next token (consumes nothing).
pub(crate) fn docs<'t>() -> impl P<'t, Option<String>> {
    custom(|inp| {
        Ok(inp
            .peek_ref()
            .and_then(|t: &Tok| t.docs.as_deref().map(str::to_string)))
    })
}

/// Describes a token for "found ..." in messages.
pub(crate) fn describe(tok: Option<&Tok>) -> String {
    match tok {
        Some(t) => t.to_string(),
        None => "end of file".to_string(),
    }
}

/// "expected {labels}, found {tok}" at `at`.
pub(crate) fn expected<'t, const N: usize>(
    labels: [&'static str; N],
    found: Option<&Tok<'t>>,
    at: SimpleSpan,
) -> Error<'t> {
    <Error<'t> as LabelError<'t, In<'t>, &'static str>>::expected_found(
        labels,
        found.cloned().map(MaybeRef::Val),
        at,
    )
}

/// Consumes the next token and returns its span.
pub(crate) fn take_span(inp: &mut Inp<'_, '_>) -> SimpleSpan {
    let start = inp.cursor();
    inp.skip();
    inp.span_since(&start)
}

/// The span of the next token (zero-width at the end), consuming nothing.
pub(crate) fn peek_span(inp: &mut Inp<'_, '_>) -> SimpleSpan {
    let before = inp.save();
    let at = take_span(inp);
    inp.rewind(before);
    at
}

/// `lead p` when the next token is `lead`, else nothing (no alternative is
/// tried and failed: optional parts are decided by one token).
pub(crate) fn opt<'t, O: 't>(lead: Tok<'static>, p: impl P<'t, O>) -> impl P<'t, Option<O>> {
    custom(move |inp: &mut Inp<'t, '_>| {
        if inp.peek_ref() != Some(&lead) {
            return Ok(None);
        }
        inp.skip();
        inp.parse(&p).map(Some)
    })
}

/// `p` when the next token is `first` (left for `p` to consume), else
/// nothing.
pub(crate) fn opt_at<'t, O: 't>(first: Tok<'static>, p: impl P<'t, O>) -> impl P<'t, Option<O>> {
    custom(move |inp: &mut Inp<'t, '_>| {
        if inp.peek_ref() != Some(&first) {
            return Ok(None);
        }
        inp.parse(&p).map(Some)
    })
}

/// Whether the next token is `tok`.
pub(crate) fn at(inp: &mut Inp<'_, '_>, tok: &Tok<'_>) -> bool {
    inp.peek_ref() == Some(tok)
}
