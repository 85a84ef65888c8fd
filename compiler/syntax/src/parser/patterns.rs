//! Match patterns: `_`, `Tier.frontend`, `common.Tier.frontend`, `42`,
//! `-1`, `"text"`, `true`, `false`, `none`.

use chumsky::prelude::*;

use super::common::{P, Rec, custom_error, ident, name, punct, span};
use super::strings;
use crate::ast::{Expr, ExprKind, Pattern, PatternKind, StrPart};
use crate::token::{Keyword, Punct, Tok, TokenKind};

pub(crate) fn pattern<'t>(expr: Rec<'t, Expr>) -> impl P<'t, Pattern> {
    let literal = select_ref! {
        Tok { kind: TokenKind::Ident(n), .. } if *n == "_" => PatternKind::Wildcard,
        Tok { kind: TokenKind::Kw(Keyword::True), .. } => PatternKind::Bool(true),
        Tok { kind: TokenKind::Kw(Keyword::False), .. } => PatternKind::Bool(false),
        Tok { kind: TokenKind::Kw(Keyword::None), .. } => PatternKind::None,
    };
    let int = punct(Punct::Minus)
        .or_not()
        .then(select_ref! { Tok { kind: TokenKind::Int(v), .. } => *v })
        .map(|(minus, v)| PatternKind::Int(if minus.is_some() { v.wrapping_neg() } else { v }));
    let path = ident()
        .then(
            punct(Punct::Dot)
                .ignore_then(name())
                .repeated()
                .collect::<Vec<_>>(),
        )
        .map(|(first, mut rest)| {
            rest.insert(0, first);
            PatternKind::Path(rest)
        });
    let string = strings::string(expr).validate(|s, e, emitter| match plain_text(&s) {
        Some(text) => PatternKind::Str(text),
        None => {
            let message = "a string pattern cannot be interpolated or a command";
            emitter.emit(custom_error("E0003", message, None, e.span()));
            PatternKind::Error
        }
    });
    choice((literal, int, path, string))
        .map_with(|kind, e| Pattern {
            kind,
            span: span(e.span()),
        })
        .labelled("pattern")
}

/// The text of a plain string literal (no interpolation, not `sh`).
fn plain_text(s: &Expr) -> Option<String> {
    let ExprKind::Str(parts) = &s.kind else {
        return None;
    };
    parts
        .iter()
        .map(|p| match p {
            StrPart::Text(t, _) => Some(t.as_str()),
            StrPart::Interp { .. } => None,
        })
        .collect()
}
