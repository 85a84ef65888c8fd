//! Items (docs/language.md §2): `use`, `type`, `enum`, `param`, `group`,
//! `stage`, `fact`, `op`, `fn`, each optionally `pub` and documented.

use chumsky::prelude::*;

use super::common::{
    Inp, P, Rec, docs, expected, ident, kw, name, opt, opt_at, peek_span, punct, span,
};
use super::exprs::{args, comma_list};
use super::recovery::{Until, delimited, skip};
use super::types::{record_fields, typed_binding};
use crate::ast::*;
use crate::token::{Keyword, Punct, Tok, TokenKind};

/// The grammar rules items are made of.
#[derive(Clone)]
pub(crate) struct Rules<'t> {
    pub expr: Rec<'t, Expr>,
    pub ty: Rec<'t, TypeExpr>,
    pub block: Rec<'t, Block>,
}

/// One item; a broken item is skipped up to the next item keyword and
/// becomes an [`ItemKind::Error`].
pub(crate) fn item<'t>(r: Rules<'t>) -> impl P<'t, Item> {
    let use_ = use_item().labelled("use item").as_context();
    let type_ = type_decl(r.clone())
        .labelled("type declaration")
        .as_context();
    let enum_ = enum_decl().labelled("enum").as_context();
    let param = param_decl(r.clone()).labelled("param").as_context();
    let group = group_decl(r.clone()).labelled("group").as_context();
    let stage = stage_decl(r.clone()).labelled("stage").as_context();
    let fact = fact_decl(r.clone()).labelled("fact").as_context();
    let op = op_decl(r.clone()).labelled("op").as_context();
    let fn_ = fn_decl(r).labelled("fn").as_context();
    // The keyword decides the kind of item.
    let kind = custom(
        move |inp: &mut Inp<'t, '_>| match inp.peek_ref().map(|t| &t.kind) {
            Some(TokenKind::Kw(Keyword::Use)) => inp.parse(&use_),
            Some(TokenKind::Kw(Keyword::Type)) => inp.parse(&type_),
            Some(TokenKind::Kw(Keyword::Enum)) => inp.parse(&enum_),
            Some(TokenKind::Kw(Keyword::Param)) => inp.parse(&param),
            Some(TokenKind::Kw(Keyword::Group)) => inp.parse(&group),
            Some(TokenKind::Kw(Keyword::Stage)) => inp.parse(&stage),
            Some(TokenKind::Kw(Keyword::Fact)) => inp.parse(&fact),
            Some(TokenKind::Kw(Keyword::Op)) => inp.parse(&op),
            Some(TokenKind::Kw(Keyword::Fn)) => inp.parse(&fn_),
            _ => {
                let found = inp.peek_ref();
                Err(expected(["item"], found, peek_span(inp)))
            }
        },
    );
    docs()
        .then(opt(Tok::kw(Keyword::Pub), empty()))
        .then(kind)
        .map_with(|((docs, is_pub), kind), e| Item {
            kind,
            docs,
            is_pub: is_pub.is_some(),
            span: span(e.span()),
        })
        .recover_with(via_parser(skip(Until::Item).map(|s| Item {
            kind: ItemKind::Error,
            docs: None,
            is_pub: false,
            span: span(s),
        })))
}

/// `use a::b::c [as x]` or `use a::b::{c, d as e}`.
fn use_item<'t>() -> impl P<'t, ItemKind> {
    let use_name = ident()
        .then(
            select_ref! { Tok { kind: TokenKind::Ident(a), .. } if *a == "as" => () }
                .ignore_then(ident())
                .or_not(),
        )
        .map(|(name, alias)| UseName { name, alias });
    let braced = delimited(
        Punct::LBrace,
        comma_list(use_name.clone(), |_| None),
        Punct::RBrace,
        "`,` or `}`",
    );
    kw(Keyword::Use)
        .ignore_then(
            ident()
                .separated_by(punct(Punct::ColonColon))
                .at_least(1)
                .collect::<Vec<_>>(),
        )
        .then(opt(Tok::punct(Punct::ColonColon), braced))
        .then(
            select_ref! { Tok { kind: TokenKind::Ident(a), .. } if *a == "as" => () }
                .ignore_then(ident())
                .or_not(),
        )
        .map(|((mut path, braced), alias)| match braced {
            Some(names) => ItemKind::Use(UseItem {
                prefix: path,
                names,
            }),
            None => {
                // `at_least(1)` guarantees a last segment.
                let name = path.pop().unwrap_or_else(|| Ident {
                    name: String::new(),
                    span: Span::default(),
                });
                ItemKind::Use(UseItem {
                    prefix: path,
                    names: vec![UseName { name, alias }],
                })
            }
        })
}

fn type_decl<'t>(r: Rules<'t>) -> impl P<'t, ItemKind> {
    let body = record_fields(r.ty.clone(), r.expr.clone())
        .map(TypeDeclBody::Record)
        .or(r.ty.clone().map(TypeDeclBody::Alias));
    kw(Keyword::Type)
        .ignore_then(ident())
        .then_ignore(punct(Punct::Eq))
        .then(body)
        .map(|(name, body)| ItemKind::Type(TypeDecl { name, body }))
}

fn enum_decl<'t>() -> impl P<'t, ItemKind> {
    let variant = docs()
        .then(name())
        .map(|(docs, name)| Variant { docs, name });
    kw(Keyword::Enum)
        .ignore_then(ident())
        .then(delimited(
            Punct::LBrace,
            comma_list(variant, |_| None),
            Punct::RBrace,
            "`,` or `}`",
        ))
        .map(|(name, variants)| ItemKind::Enum(EnumDecl { name, variants }))
}

fn param_decl<'t>(r: Rules<'t>) -> impl P<'t, ItemKind> {
    kw(Keyword::Param)
        .ignore_then(ident())
        .then_ignore(punct(Punct::Colon))
        .then(r.ty.clone())
        .then(opt(Tok::punct(Punct::Eq), r.expr.clone()))
        .map(|((name, ty), default)| ItemKind::Param(ParamDecl { name, ty, default }))
}

fn group_decl<'t>(r: Rules<'t>) -> impl P<'t, ItemKind> {
    kw(Keyword::Group)
        .ignore_then(ident())
        .then(opt(Tok::punct(Punct::Colon), r.ty.clone()))
        .then_ignore(punct(Punct::Eq))
        .then(r.expr.clone())
        .map(|((name, data_ty), hosts)| {
            ItemKind::Group(GroupDecl {
                name,
                data_ty,
                hosts,
            })
        })
}

/// `stage NAME on TARGETS [(OPTIONS)] [-> T] { BODY }`
fn stage_decl<'t>(r: Rules<'t>) -> impl P<'t, ItemKind> {
    let one = kw(Keyword::One)
        .ignore_then(delimited(Punct::LParen, ident(), Punct::RParen, "`)`"))
        .map_with(|group, e| StageTarget::One(group, span(e.span())));
    let target = one
        .or(ident().map(StageTarget::Group))
        .labelled("group name");
    let targets = target
        .separated_by(punct(Punct::Comma))
        .at_least(1)
        .collect::<Vec<_>>();
    kw(Keyword::Stage)
        .ignore_then(ident())
        .then_ignore(kw(Keyword::On))
        .then(targets)
        .then(opt_at(Tok::punct(Punct::LParen), args(r.expr.clone())))
        .then(opt(Tok::punct(Punct::Arrow), r.ty.clone()))
        .then(r.block.clone())
        .map(|((((name, targets), options), ret), body)| {
            ItemKind::Stage(StageDecl {
                name,
                targets,
                options: options.unwrap_or_default(),
                ret,
                body,
            })
        })
}

/// `fact NAME[(PARAMS)]: T [{ BODY }]`
fn fact_decl<'t>(r: Rules<'t>) -> impl P<'t, ItemKind> {
    kw(Keyword::Fact)
        .ignore_then(name())
        .then(opt_at(Tok::punct(Punct::LParen), params(r.clone())))
        .then_ignore(punct(Punct::Colon))
        .then(r.ty.clone())
        .then(opt_at(Tok::punct(Punct::LBrace), r.block.clone()))
        .map(|(((name, params), ret), body)| {
            ItemKind::Fact(FactDecl {
                name,
                params,
                ret,
                body,
            })
        })
}

/// `op NAME(PARAMS) [changes nothing | changes facts.a, facts.b(x)] { BODY }`
fn op_decl<'t>(r: Rules<'t>) -> impl P<'t, ItemKind> {
    let nothing = select_ref! { Tok { kind: TokenKind::Ident(n), .. } = e if *n == "nothing" => Changes::Nothing(span(e.span())) };
    let facts = r
        .expr
        .clone()
        .separated_by(punct(Punct::Comma))
        .at_least(1)
        .collect::<Vec<_>>()
        .map(Changes::Facts);
    let changes = opt(Tok::kw(Keyword::Changes), nothing.or(facts));
    kw(Keyword::Op)
        .ignore_then(name())
        .then(params(r.clone()))
        .then(changes)
        .then(r.block.clone())
        .map(|(((name, params), changes), body)| {
            ItemKind::Op(OpDecl {
                name,
                params,
                changes,
                body,
            })
        })
}

/// `fn NAME(PARAMS)[: T] [{ BODY }]`
fn fn_decl<'t>(r: Rules<'t>) -> impl P<'t, ItemKind> {
    kw(Keyword::Fn)
        .ignore_then(name())
        .then(params(r.clone()))
        .then(opt(Tok::punct(Punct::Colon), r.ty.clone()))
        .then(opt_at(Tok::punct(Punct::LBrace), r.block.clone()))
        .map(|(((name, params), ret), body)| {
            ItemKind::Fn(FnDecl {
                name,
                params,
                ret,
                body,
            })
        })
}

/// `(/// docs
///   name: T = default, ...)`
fn params<'t>(r: Rules<'t>) -> impl P<'t, Vec<Param>> {
    let param = typed_binding(r.ty, r.expr, |docs, name, ty, default, span| Param {
        docs,
        name,
        ty,
        default,
        span,
    });
    delimited(
        Punct::LParen,
        comma_list(param, |_| None),
        Punct::RParen,
        "`,` or `)`",
    )
    .boxed()
}
