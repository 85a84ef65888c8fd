//! String and command literals: the lexer's `StrStart (StrText | InterpStart
//! <expression> InterpEnd)* StrEnd` tokens become [`ExprKind::Str`] or
//! [`ExprKind::Sh`]; interpolated expressions use the ordinary expression
//! parser.

use chumsky::prelude::*;

use super::common::{Inp, P, Rec, expected, peek_span, span, take_span};
use super::exprs::error_expr;
use super::recovery::{Until, skip};
use crate::ast::{Expr, ExprKind, StrPart};
use crate::token::TokenKind;

pub(crate) fn string<'t>(expr: Rec<'t, Expr>) -> impl P<'t, Expr> {
    let interp_expr = expr.recover_with(via_parser(skip(Until::Interp).map(error_expr)));
    let garbage = skip(Until::Interp);
    custom(move |inp: &mut Inp<'t, '_>| {
        let start = inp.cursor();
        let sh = match inp.peek_ref().map(|t| &t.kind) {
            Some(TokenKind::StrStart { sh }) => *sh,
            _ => {
                let found = inp.peek_ref();
                return Err(expected(["string"], found, peek_span(inp)));
            }
        };
        inp.skip();
        let mut parts = Vec::new();
        // The lexer always closes a literal with `StrEnd`, and each
        // interpolation with `InterpEnd`.
        while let Some(tok) = inp.peek_ref() {
            match &tok.kind {
                TokenKind::StrText(text) => {
                    let at = take_span(inp);
                    parts.push(StrPart::Text(text.to_string(), span(at)));
                }
                TokenKind::InterpStart => {
                    let open = inp.cursor();
                    inp.skip();
                    let expr = inp.parse(&interp_expr)?;
                    if !matches!(
                        inp.peek_ref().map(|t| &t.kind),
                        Some(TokenKind::InterpEnd(_))
                    ) {
                        // `{x y}`: report, then skip to the interpolation's end.
                        let found = inp.peek_ref();
                        let error = expected(["`}`"], found, peek_span(inp));
                        inp.emit(error);
                        inp.parse(&garbage)?;
                    }
                    let format = match inp.peek_ref().map(|t| &t.kind) {
                        Some(TokenKind::InterpEnd(format)) => format.as_deref().map(str::to_string),
                        _ => None,
                    };
                    inp.skip();
                    parts.push(StrPart::Interp {
                        expr,
                        format,
                        span: span(inp.span_since(&open)),
                    });
                }
                TokenKind::StrEnd => {
                    inp.skip();
                    break;
                }
                _ => break,
            }
        }
        let kind = if sh {
            ExprKind::Sh(parts)
        } else {
            ExprKind::Str(parts)
        };
        Ok(Expr {
            kind,
            span: span(inp.span_since(&start)),
        })
    })
}
