//! String and command literals: the lexer's `StrStart (StrText | InterpStart
//! <expression> InterpEnd)* StrEnd` tokens become [`ExprKind::Str`] or
//! [`ExprKind::Sh`]; interpolated expressions use the ordinary expression
//! parser.

use chumsky::prelude::*;

use super::common::{P, Rec, span};
use super::exprs::error_expr;
use super::recovery::{Until, skip};
use crate::ast::{Expr, ExprKind, StrPart};
use crate::token::{Tok, TokenKind};

pub(crate) fn string<'t>(expr: Rec<'t, Expr>) -> impl P<'t, Expr> {
    let start =
        select_ref! { Tok { kind: TokenKind::StrStart { sh }, .. } => *sh }.labelled("string");
    let text = select_ref! {
        Tok { kind: TokenKind::StrText(text), .. } = e => StrPart::Text(text.clone(), span(e.span())),
    };
    let end = select_ref! { Tok { kind: TokenKind::InterpEnd(format), .. } => format.clone() }
        .labelled("`}`");
    let interp = just(Tok::new(TokenKind::InterpStart))
        .ignore_then(expr.recover_with(via_parser(skip(Until::Interp).map(error_expr))))
        .then(
            end.clone()
                .recover_with(via_parser(skip(Until::Interp).ignore_then(end))),
        )
        .map_with(|(expr, format), e| StrPart::Interp {
            expr,
            format,
            span: span(e.span()),
        });
    start
        .then(text.or(interp).repeated().collect::<Vec<_>>())
        .then_ignore(just(Tok::new(TokenKind::StrEnd)))
        .map_with(|(sh, parts), e| Expr {
            kind: if sh {
                ExprKind::Sh(parts)
            } else {
                ExprKind::Str(parts)
            },
            span: span(e.span()),
        })
        .boxed()
}
