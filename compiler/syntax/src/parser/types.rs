//! Type expressions: `int`, `a.B`, `list<T>`, `map<str, T>`, `Host<T>`,
//! `T?`, `{ a: int, b: str = "x" }`, `()`.

use chumsky::prelude::*;

use super::common::{P, Rec, docs, ident, name, opt, opt_at, punct, span};
use super::exprs::comma_list;
use super::recovery::{delimited, nested};
use crate::ast::{Expr, FieldDecl, Ident, Span, TypeExpr, TypeExprKind};
use crate::token::{Punct, Tok};

pub(crate) fn ty<'t>(ty: Rec<'t, TypeExpr>, expr: Rec<'t, Expr>) -> impl P<'t, TypeExpr> {
    let type_args = delimited(
        Punct::Lt,
        comma_list(ty.clone(), |s| {
            Some(TypeExpr {
                kind: TypeExprKind::Error,
                span: span(s),
            })
        }),
        Punct::Gt,
        "`,` or `>`",
    );
    let named = ident()
        .then(
            punct(Punct::Dot)
                .ignore_then(ident())
                .repeated()
                .collect::<Vec<_>>(),
        )
        .then(opt_at(Tok::punct(Punct::Lt), type_args))
        .map(|((first, mut rest), args)| {
            rest.insert(0, first);
            TypeExprKind::Named {
                path: rest,
                args: args.unwrap_or_default(),
            }
        });
    let unit = punct(Punct::LParen)
        .then(punct(Punct::RParen))
        .to(TypeExprKind::Unit);
    let record = record_fields(ty, expr).map(TypeExprKind::Record);
    let atom = choice((named, unit, record)).map_with(|kind, e| TypeExpr {
        kind,
        span: span(e.span()),
    });
    let optional = atom.foldl_with(punct(Punct::Question).repeated(), |inner, _, e| TypeExpr {
        span: span(e.span()).to(inner.span),
        kind: TypeExprKind::Optional(Box::new(inner)),
    });
    nested(optional.labelled("type"))
}

/// `/// docs` then `name: T` with an optional `= default`: a record field
/// or a parameter, which `make` builds.
pub(crate) fn typed_binding<'t, N: 't>(
    ty: Rec<'t, TypeExpr>,
    expr: Rec<'t, Expr>,
    make: fn(Option<String>, Ident, TypeExpr, Option<Expr>, Span) -> N,
) -> impl P<'t, N> {
    docs()
        .then(name())
        .then_ignore(punct(Punct::Colon))
        .then(ty)
        .then(opt(Tok::punct(Punct::Eq), expr))
        .map_with(move |(((docs, name), ty), default), e| {
            make(docs, name, ty, default, span(e.span()))
        })
}

/// `{ /// docs
///    name: T = default, ... }`, in `type` declarations and inline types.
pub(crate) fn record_fields<'t>(
    ty: Rec<'t, TypeExpr>,
    expr: Rec<'t, Expr>,
) -> impl P<'t, Vec<FieldDecl>> {
    let field = typed_binding(ty, expr, |docs, name, ty, default, span| FieldDecl {
        docs,
        name,
        ty,
        default,
        span,
    });
    delimited(
        Punct::LBrace,
        comma_list(field, |_| None),
        Punct::RBrace,
        "`,` or `}`",
    )
    .boxed()
}
