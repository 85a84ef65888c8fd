//! Blocks and statements. Statements are separated by newlines or `;`: a
//! statement ends where it could end and the next token starts a line (see
//! [`Tok::nl`]), is `;` or `}`.

use chumsky::prelude::*;

use super::common::{Inp, P, Rec, at, binding_name, custom_error, expected, kw, opt, punct, span};
use super::recovery::{Until, delimited, nested, skip};
use crate::ast::{Block, Expr, ExprKind, Stmt, StmtKind, TypeExpr};
use crate::token::{Keyword, Punct, Tok, TokenKind};

pub(crate) fn block<'t>(
    block: Rec<'t, Block>,
    expr: Rec<'t, Expr>,
    ty: Rec<'t, TypeExpr>,
) -> impl P<'t, Block> {
    let let_ = kw(Keyword::Let)
        .ignore_then(binding_name())
        .then(opt(Tok::punct(Punct::Colon), ty))
        .then_ignore(punct(Punct::Eq))
        .then(expr.clone())
        .map(|((name, ty), value)| StmtKind::Let { name, ty, value });
    let for_ = kw(Keyword::For)
        .ignore_then(binding_name())
        .then(opt(Tok::punct(Punct::Comma), binding_name()))
        .then_ignore(kw(Keyword::In))
        .then(expr.clone())
        .then(block)
        .map(|(((first, second), iter), body)| StmtKind::For {
            first,
            second,
            iter,
            body,
        });
    // `n = n + 1` is no statement: bindings are immutable. Said once, with
    // the value read (so that `n` is not also reported unused).
    let expr_stmt = expr
        .clone()
        .then(punct(Punct::Eq).then(expr).or_not())
        .validate(|(target, assign), _, emitter| match assign {
            None => StmtKind::Expr(target),
            Some((eq, value)) => {
                let name = match &target.kind {
                    ExprKind::Name(n) => n.name.as_str(),
                    _ => "name",
                };
                let message = format!(
                    "`{name} = ...` cannot assign: bindings are immutable; write `let {name} = ...` (a new binding that shadows it), or compute the value in one expression (a comprehension, `.sum()`, `.any()`)"
                );
                emitter.emit(custom_error("E0003", message, Some("not an assignment".into()), eq));
                StmtKind::Expr(value)
            }
        });
    // The first token decides the kind of statement.
    let kind = custom(
        move |inp: &mut Inp<'t, '_>| match inp.peek_ref().map(|t| &t.kind) {
            Some(TokenKind::Kw(Keyword::Let)) => inp.parse(&let_),
            Some(TokenKind::Kw(Keyword::For)) => inp.parse(&for_),
            _ => inp.parse(&expr_stmt),
        },
    );
    let stmt = kind
        .then_ignore(end_of_statement())
        .map_with(|kind, e| Stmt {
            kind,
            span: span(e.span()),
        })
        .recover_with(via_parser(skip(Until::Stmt).map(|s| Stmt {
            kind: StmtKind::Error,
            span: span(s),
        })));
    let stmts = custom(move |inp: &mut Inp<'t, '_>| {
        let mut stmts = Vec::new();
        loop {
            while at(inp, &Tok::punct(Punct::Semi)) {
                inp.skip();
            }
            // The block ends at `}`; at the end of the file or an item it
            // was left open (reported by `delimited`).
            match inp.peek_ref() {
                None => break,
                Some(t)
                    if t.is_punct(Punct::RBrace) || (t.starts_item() && !t.is_soft_keyword()) =>
                {
                    break;
                }
                Some(_) => {}
            }
            let before = inp.save();
            match inp.parse(&stmt) {
                Ok(s) => stmts.push(s),
                Err(_) => {
                    inp.rewind(before);
                    break;
                }
            }
        }
        Ok(stmts)
    });
    // Blocks nest through `for` bodies too, not only through expressions.
    nested(
        delimited(Punct::LBrace, stmts, Punct::RBrace, "`}`")
            .map_with(|stmts, e| Block {
                stmts,
                span: span(e.span()),
            })
            .labelled("block"),
    )
    .boxed()
}

/// Succeeds (consuming nothing) when the statement may end here. When a
/// new statement starts on the same line (`let a = 1 let b = 2`), reports
/// the missing separator and succeeds too, so that both statements are
/// kept; anything else fails, and the statement's recovery reports the
/// furthest error ("expected expression, found ...") and skips the line.
fn end_of_statement<'t>() -> impl P<'t, ()> {
    custom(|inp: &mut Inp<'t, '_>| {
        let start = inp.cursor();
        let Some(next) = inp.peek_ref() else {
            return Ok(());
        };
        if next.nl || next.is_punct(Punct::Semi) || next.is_punct(Punct::RBrace) {
            return Ok(());
        }
        let starts_statement = starts_statement(next);
        let found = next.clone();
        let before = inp.save();
        inp.skip();
        let at = inp.span_since(&start);
        inp.rewind(before);
        if starts_statement {
            let message = format!("expected `;` or newline, found {found}");
            inp.emit(custom_error(
                "E0003",
                message,
                Some("expected `;` or newline".to_string()),
                at,
            ));
            Ok(())
        } else {
            Err(expected(["`;`", "newline"], Some(&found), at))
        }
    })
}

/// Tokens that can begin a statement (other than `(`, `[` and `-`, which
/// would have continued the previous one on the same line).
fn starts_statement(tok: &Tok) -> bool {
    match &tok.kind {
        TokenKind::Ident(_)
        | TokenKind::Int(_)
        | TokenKind::Float(_)
        | TokenKind::StrStart { .. } => true,
        TokenKind::Punct(p) => *p == Punct::LBrace,
        TokenKind::Kw(k) => {
            k.is_soft()
                || matches!(
                    k,
                    Keyword::Let
                        | Keyword::For
                        | Keyword::If
                        | Keyword::Match
                        | Keyword::Fail
                        | Keyword::Return
                        | Keyword::Not
                        | Keyword::True
                        | Keyword::False
                        | Keyword::None
                )
        }
        _ => false,
    }
}
