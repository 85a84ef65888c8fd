//! Expressions (docs/language.md §3). Precedence, loosest first: `??`,
//! `or`, `and`, `not`, comparisons (not chained), `+ -`, `* / %`, unary
//! `-`, postfix (`.f`, `?.f`, call, index).

use chumsky::prelude::*;

use super::common::{
    MAX_NESTING, P, Rec, custom_error, ident, kw, name, punct, same_line, soft_keyword_name, span,
};
use super::recovery::{Until, delimited, nested, skip};
use super::{patterns, strings};
use crate::ast::*;
use crate::token::{Keyword, Punct, Tok, TokenKind};

pub(crate) fn expr<'t>(expr: Rec<'t, Expr>, block: Rec<'t, Block>) -> impl P<'t, Expr> {
    let postfix = postfix(
        atom(expr.clone(), block).labelled("expression").boxed(),
        expr,
    );
    let unary = prefix(punct(Punct::Minus), UnaryOp::Neg, postfix);
    let product = binary(
        unary,
        choice((
            punct(Punct::Star).to(BinaryOp::Mul),
            punct(Punct::Slash).to(BinaryOp::Div),
            punct(Punct::Percent).to(BinaryOp::Rem),
        )),
    );
    let sum = binary(
        product,
        // A `-` starting a line starts a new statement (`-x` on its own).
        punct(Punct::Plus)
            .to(BinaryOp::Add)
            .or(same_line(Punct::Minus).to(BinaryOp::Sub)),
    );
    let not = prefix(kw(Keyword::Not), UnaryOp::Not, comparison(sum));
    let and = binary(not, kw(Keyword::And).to(BinaryOp::And));
    let or = binary(and, kw(Keyword::Or).to(BinaryOp::Or));
    let coalesce = binary(or, punct(Punct::QuestionQuestion).to(BinaryOp::Coalesce));
    // The label goes inside `nested`: a label would replace its error.
    nested(coalesce.labelled("expression"))
}

pub(crate) fn error_expr(s: SimpleSpan) -> Expr {
    Expr {
        kind: ExprKind::Error,
        span: span(s),
    }
}

/// A comma-separated list whose broken elements are skipped (and reported)
/// up to the next `,` or closing bracket; `fallback` gives what stands in
/// for a broken element (`None` drops it).
pub(crate) fn comma_list<'t, O: 't>(
    elem: impl P<'t, O>,
    fallback: impl Fn(SimpleSpan) -> Option<O> + Clone + 't,
) -> impl P<'t, Vec<O>> {
    elem.map(Some)
        .recover_with(via_parser(skip(Until::Elem).map(fallback)))
        .separated_by(punct(Punct::Comma))
        .allow_trailing()
        .collect::<Vec<_>>()
        .map(|items| items.into_iter().flatten().collect())
}

/// Call arguments: positional, then `name: value`.
pub(crate) fn args<'t>(expr: Rec<'t, Expr>) -> impl P<'t, Vec<Arg>> {
    let arg = name()
        .then_ignore(punct(Punct::Colon))
        .or_not()
        .then(expr)
        .map(|(name, value)| Arg { name, value });
    delimited(
        Punct::LParen,
        comma_list(arg, |s| {
            Some(Arg {
                name: None,
                value: error_expr(s),
            })
        }),
        Punct::RParen,
        "`,` or `)`",
    )
}

fn binary<'t>(operand: impl P<'t, Expr>, op: impl P<'t, BinaryOp>) -> impl P<'t, Expr> {
    operand
        .clone()
        .foldl(op.then(operand).repeated(), |lhs, (op, rhs)| Expr {
            span: lhs.span.to(rhs.span),
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
        })
        .boxed()
}

/// `a < b`; `a < b < c` is reported (comparisons do not chain) and parsed
/// left to right.
fn comparison<'t>(operand: impl P<'t, Expr>) -> impl P<'t, Expr> {
    let op = choice((
        punct(Punct::EqEq).to(BinaryOp::Eq),
        punct(Punct::NotEq).to(BinaryOp::Ne),
        punct(Punct::Le).to(BinaryOp::Le),
        punct(Punct::Ge).to(BinaryOp::Ge),
        punct(Punct::Lt).to(BinaryOp::Lt),
        punct(Punct::Gt).to(BinaryOp::Gt),
    ))
    .map_with(|op, e| (op, e.span()));
    operand
        .clone()
        .then(op.then(operand).repeated().collect::<Vec<_>>())
        .map_with(|(first, rest), e| {
            if let Some(((op, at), _)) = rest.get(1) {
                let message = format!("comparison operators cannot be chained: `{}`", op.as_str());
                let label = Some("use `and` to combine comparisons".to_string());
                e.emit(custom_error("E0003", message, label, *at));
            }
            rest.into_iter().fold(first, |lhs, ((op, _), rhs)| Expr {
                span: lhs.span.to(rhs.span),
                kind: ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
            })
        })
        .boxed()
}

/// Repeated prefix operators (`- - x`, `not not x`), without recursion;
/// more than [`MAX_NESTING`] in a row are reported.
fn prefix<'t>(
    op: impl P<'t, SimpleSpan>,
    unary: UnaryOp,
    operand: impl P<'t, Expr>,
) -> impl P<'t, Expr> {
    op.repeated()
        .collect::<Vec<SimpleSpan>>()
        .then(operand)
        .labelled("expression")
        .map_with(move |(ops, operand), e| {
            if let Some(at) = ops.get(MAX_NESTING) {
                let message =
                    format!("too many prefix operators in a row (more than {MAX_NESTING})");
                e.emit(custom_error("E0003", message, None, *at));
            }
            ops.iter()
                .take(MAX_NESTING)
                .rev()
                .fold(operand, |acc, at| Expr {
                    span: span(*at).to(acc.span),
                    kind: ExprKind::Unary {
                        op: unary,
                        operand: Box::new(acc),
                    },
                })
        })
        .boxed()
}

enum Postfix {
    Field(Ident, bool),
    Call(Vec<Arg>),
    Index(Expr),
}

fn postfix<'t>(atom: impl P<'t, Expr>, expr: Rec<'t, Expr>) -> impl P<'t, Expr> {
    let op = choice((
        punct(Punct::Dot)
            .ignore_then(name())
            .map(|n| Postfix::Field(n, false)),
        punct(Punct::QuestionDot)
            .ignore_then(name())
            .map(|n| Postfix::Field(n, true)),
        same_line(Punct::LParen)
            .rewind()
            .ignore_then(args(expr.clone()))
            .map(Postfix::Call),
        same_line(Punct::LBracket)
            .rewind()
            .ignore_then(delimited(
                Punct::LBracket,
                expr.recover_with(via_parser(skip(Until::Elem).map(error_expr))),
                Punct::RBracket,
                "`]`",
            ))
            .map(Postfix::Index),
    ));
    atom.foldl_with(op.repeated(), |base, op, e| {
        let whole = span(e.span()).to(base.span);
        let kind = match op {
            Postfix::Field(name, optional) => ExprKind::Field {
                base: Box::new(base),
                name,
                optional,
            },
            Postfix::Call(args) => ExprKind::Call {
                callee: Box::new(base),
                args,
            },
            Postfix::Index(index) => ExprKind::Index {
                base: Box::new(base),
                index: Box::new(index),
            },
        };
        Expr { kind, span: whole }
    })
}

fn atom<'t>(expr: Rec<'t, Expr>, block: Rec<'t, Block>) -> impl P<'t, Expr> {
    let literal = select_ref! {
        Tok { kind: TokenKind::Int(v), .. } => ExprKind::Int(*v),
        Tok { kind: TokenKind::Float(v), .. } => ExprKind::Float(*v),
        Tok { kind: TokenKind::Kw(Keyword::True), .. } => ExprKind::Bool(true),
        Tok { kind: TokenKind::Kw(Keyword::False), .. } => ExprKind::Bool(false),
        Tok { kind: TokenKind::Kw(Keyword::None), .. } => ExprKind::None,
    }
    .map_with(|kind, e| Expr {
        kind,
        span: span(e.span()),
    });

    let name_ref = ident().or(soft_keyword_name()).map(|id| Expr {
        span: id.span,
        kind: ExprKind::Name(id),
    });

    let paren = delimited(
        Punct::LParen,
        expr.clone()
            .recover_with(via_parser(skip(Until::Elem).map(error_expr))),
        Punct::RParen,
        "`)`",
    );

    let list = delimited(
        Punct::LBracket,
        comma_list(expr.clone(), |s| Some(error_expr(s))),
        Punct::RBracket,
        "`,` or `]`",
    )
    .map_with(|items, e| Expr {
        kind: ExprKind::List(items),
        span: span(e.span()),
    });

    let fail = kw(Keyword::Fail)
        .ignore_then(expr.clone())
        .map_with(|value, e| Expr {
            kind: ExprKind::Fail(Box::new(value)),
            span: span(e.span()),
        });

    // `return` takes a value only on the same line.
    let ret = kw(Keyword::Return)
        .ignore_then(
            any()
                .filter(|t: &Tok| !t.nl)
                .rewind()
                .ignore_then(expr.clone())
                .or_not(),
        )
        .map_with(|value, e| Expr {
            kind: ExprKind::Return(value.map(Box::new)),
            span: span(e.span()),
        });

    choice((
        literal,
        name_ref,
        strings::string(expr.clone()),
        paren,
        list,
        braces(expr.clone(), block.clone()),
        if_expr(expr.clone(), block),
        match_expr(expr),
        fail,
        ret,
    ))
}

/// `{` starts an empty record `{}`, a record `{ name: ...`, a map
/// `{ "key": ...` or a block.
fn braces<'t>(expr: Rec<'t, Expr>, block: Rec<'t, Block>) -> impl P<'t, Expr> {
    let empty = punct(Punct::LBrace)
        .then(punct(Punct::RBrace))
        .map_with(|_, e| Expr {
            kind: ExprKind::Record(Vec::new()),
            span: span(e.span()),
        });

    let field = name()
        .then_ignore(punct(Punct::Colon))
        .then(expr.clone())
        .map(|(name, value)| RecordField { name, value });
    let record = punct(Punct::LBrace)
        .then(name())
        .then(punct(Punct::Colon))
        .rewind()
        .ignore_then(delimited(
            Punct::LBrace,
            comma_list(field, |_| None),
            Punct::RBrace,
            "`,` or `}`",
        ))
        .map_with(|fields, e| Expr {
            kind: ExprKind::Record(fields),
            span: span(e.span()),
        });

    let key = strings::string(expr.clone());
    let entry = key
        .clone()
        .then_ignore(punct(Punct::Colon))
        .then(expr)
        .map(|(key, value)| MapEntry { key, value });
    let map = punct(Punct::LBrace)
        .then(key)
        .then(punct(Punct::Colon))
        .rewind()
        .ignore_then(delimited(
            Punct::LBrace,
            comma_list(entry, |_| None),
            Punct::RBrace,
            "`,` or `}`",
        ))
        .map_with(|entries, e| Expr {
            kind: ExprKind::Map(entries),
            span: span(e.span()),
        });

    let block = block.map(|b| Expr {
        span: b.span,
        kind: ExprKind::Block(b),
    });
    choice((empty, record, map, block))
}

fn if_expr<'t>(expr: Rec<'t, Expr>, block: Rec<'t, Block>) -> impl P<'t, Expr> {
    recursive(|if_| {
        let else_ = kw(Keyword::Else).ignore_then(
            block
                .clone()
                .map(|b| Expr {
                    span: b.span,
                    kind: ExprKind::Block(b),
                })
                .or(if_),
        );
        nested(
            kw(Keyword::If)
                .ignore_then(expr)
                .then(block)
                .then(else_.or_not())
                .map_with(|((cond, then), else_), e| Expr {
                    kind: ExprKind::If {
                        cond: Box::new(cond),
                        then,
                        else_: else_.map(Box::new),
                    },
                    span: span(e.span()),
                }),
        )
        .labelled("if expression")
        .as_context()
    })
}

fn match_expr<'t>(expr: Rec<'t, Expr>) -> impl P<'t, Expr> {
    let arm = patterns::pattern(expr.clone())
        .separated_by(punct(Punct::Pipe))
        .at_least(1)
        .collect::<Vec<_>>()
        .then_ignore(punct(Punct::FatArrow))
        .then(expr.clone())
        .map_with(|(patterns, body), e| MatchArm {
            patterns,
            body,
            span: span(e.span()),
        })
        .then_ignore(punct(Punct::Comma).or_not())
        .map(Some)
        .recover_with(via_parser(skip(Until::Stmt).to(None)));
    let arms = arm
        .repeated()
        .collect::<Vec<_>>()
        .map(|arms| arms.into_iter().flatten().collect());
    kw(Keyword::Match)
        .ignore_then(expr)
        .then(delimited(
            Punct::LBrace,
            arms,
            Punct::RBrace,
            "`}` or a match arm",
        ))
        .map_with(|(scrutinee, arms), e| Expr {
            kind: ExprKind::Match {
                scrutinee: Box::new(scrutinee),
                arms,
            },
            span: span(e.span()),
        })
        .labelled("match expression")
        .as_context()
}
