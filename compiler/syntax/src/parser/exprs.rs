//! Expressions (docs/language.md §3). Precedence, loosest first: `??`,
//! `or`, `and`, `not`, comparisons (not chained), `+ -`, `* / %`, unary
//! `-`, postfix (`.f`, `?.f`, call, index).

use chumsky::prelude::*;

use super::common::{
    Inp, MAX_CHAIN, P, Rec, at, binding_name, custom_error, expected, kw, name, opt, peek_span,
    punct, soft_keyword_name, span, take_span,
};
use super::recovery::{Until, delimited, nested, skip};
use super::{operators, patterns, strings};
use crate::ast::*;
use crate::token::{Keyword, Punct, Tok, TokenKind};

pub(crate) fn expr<'t>(expr: Rec<'t, Expr>, block: Rec<'t, Block>) -> impl P<'t, Expr> {
    let operand = operators::unary(postfix(atom(expr.clone(), block).boxed(), expr)).boxed();
    nested(operators::binary(operand))
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
    let elem = elem
        .map(Some)
        .recover_with(via_parser(skip(Until::Elem).map(fallback)));
    custom(move |inp: &mut Inp<'t, '_>| {
        let mut items = Vec::new();
        loop {
            let closer = |t: &Tok| {
                matches!(
                    t.kind,
                    TokenKind::Punct(Punct::RParen | Punct::RBracket | Punct::RBrace)
                )
            };
            if inp.peek_ref().is_none_or(closer) {
                break;
            }
            let before = inp.save();
            match inp.parse(&elem) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => {}
                // Left for the closing delimiter to report.
                Err(_) => {
                    inp.rewind(before);
                    break;
                }
            }
            if !at(inp, &Tok::punct(Punct::Comma)) {
                break;
            }
            inp.skip();
        }
        Ok(items)
    })
}

/// Call arguments: positional, then `name: value`.
pub(crate) fn args<'t>(expr: Rec<'t, Expr>) -> impl P<'t, Vec<Arg>> {
    let value = expr;
    let arg = custom(move |inp: &mut Inp<'t, '_>| {
        let name = named_arg_name(inp);
        Ok(Arg {
            name,
            value: inp.parse(&value)?,
        })
    });
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

/// Consumes `name:` when the next two tokens are a name and a colon.
fn named_arg_name(inp: &mut Inp<'_, '_>) -> Option<Ident> {
    let before = inp.save();
    let name = match inp.peek_ref().map(|t| &t.kind) {
        Some(TokenKind::Ident(n)) => n.to_string(),
        Some(TokenKind::Kw(k)) => k.as_str().to_string(),
        _ => return None,
    };
    let at_name = take_span(inp);
    if at(inp, &Tok::punct(Punct::Colon)) {
        inp.skip();
        Some(Ident {
            name,
            span: span(at_name),
        })
    } else {
        inp.rewind(before);
        None
    }
}

/// An atom followed by `.f`, `?.f`, `(args)` and `[index]` (the last two
/// only on the same line).
fn postfix<'t>(atom: impl P<'t, Expr>, expr: Rec<'t, Expr>) -> impl P<'t, Expr> {
    let field = name();
    let call = args(expr.clone());
    let index = delimited(
        Punct::LBracket,
        expr.recover_with(via_parser(skip(Until::Elem).map(error_expr))),
        Punct::RBracket,
        "`]`",
    );
    custom(move |inp: &mut Inp<'t, '_>| {
        let start = inp.cursor();
        let mut e = inp.parse(&atom)?;
        let mut links = 0usize;
        while let Some(tok) = inp.peek_ref() {
            let link = inp.cursor();
            let kind = match &tok.kind {
                TokenKind::Punct(p @ (Punct::Dot | Punct::QuestionDot)) => {
                    let optional = *p == Punct::QuestionDot;
                    inp.skip();
                    let name = inp.parse(&field)?;
                    ExprKind::Field {
                        base: Box::new(e),
                        name,
                        optional,
                    }
                }
                TokenKind::Punct(Punct::LParen) if !tok.nl => ExprKind::Call {
                    callee: Box::new(e),
                    args: inp.parse(&call)?,
                },
                TokenKind::Punct(Punct::LBracket) if !tok.nl => ExprKind::Index {
                    base: Box::new(e),
                    index: Box::new(inp.parse(&index)?),
                },
                _ => break,
            };
            links += 1;
            if links == MAX_CHAIN + 1 {
                let message = format!(
                    "too many calls, fields and indexes in a row (more than {MAX_CHAIN}); split the expression with `let`"
                );
                let at = inp.span_since(&link);
                inp.emit(custom_error("E0003", message, None, at));
            }
            if links > MAX_CHAIN {
                // Reported above; not built, so that the tree stays shallow.
                e = take_base(kind);
                continue;
            }
            e = Expr {
                kind,
                span: span(inp.span_since(&start)),
            };
        }
        Ok(e)
    })
}

/// The expression a postfix link was applied to.
fn take_base(kind: ExprKind) -> Expr {
    match kind {
        ExprKind::Field { base, .. } | ExprKind::Index { base, .. } => *base,
        ExprKind::Call { callee, .. } => *callee,
        other => Expr {
            kind: other,
            span: Span::default(),
        },
    }
}

/// The next token decides which atom this is (no alternatives are tried).
fn atom<'t>(expr: Rec<'t, Expr>, block: Rec<'t, Block>) -> impl P<'t, Expr> {
    let string = strings::string(expr.clone());
    let paren = delimited(
        Punct::LParen,
        expr.clone()
            .recover_with(via_parser(skip(Until::Elem).map(error_expr))),
        Punct::RParen,
        "`)`",
    );
    let items = comma_list(expr.clone(), |s| Some(error_expr(s))).map(ExprKind::List);
    let comprehension = expr
        .clone()
        .then_ignore(kw(Keyword::For))
        .then(binding_name())
        .then(opt(Tok::punct(Punct::Comma), binding_name()))
        .then_ignore(kw(Keyword::In))
        .then(expr.clone())
        .then(opt(Tok::kw(Keyword::If), expr.clone()))
        .map(|((((elem, first), second), iter), cond)| {
            ExprKind::Comprehension(Box::new(Comprehension {
                elem,
                first,
                second,
                iter,
                cond,
            }))
        });
    // A comprehension is told from a list by the `for` after its first
    // element: the element is read again as a list's when there is none.
    let contents = custom(move |inp: &mut Inp<'t, '_>| {
        let start = inp.save();
        if let Ok(kind) = inp.parse(&comprehension) {
            return Ok(kind);
        }
        inp.rewind(start);
        inp.parse(&items)
    });
    let list =
        delimited(Punct::LBracket, contents, Punct::RBracket, "`,` or `]`").map_with(|kind, e| {
            Expr {
                kind,
                span: span(e.span()),
            }
        });
    let fail = kw(Keyword::Fail)
        .ignore_then(expr.clone())
        .map_with(|value, e| Expr {
            kind: ExprKind::Fail(Box::new(value)),
            span: span(e.span()),
        });
    // `return` takes a value only on the same line.
    let value = expr.clone();
    let ret = kw(Keyword::Return)
        .ignore_then(custom(move |inp: &mut Inp<'t, '_>| {
            let has_value = inp.peek_ref().is_some_and(|t| {
                !t.nl
                    && !matches!(
                        t.kind,
                        TokenKind::Punct(
                            Punct::RBrace
                                | Punct::RParen
                                | Punct::RBracket
                                | Punct::Semi
                                | Punct::Comma
                        ) | TokenKind::InterpEnd(_)
                    )
            });
            if has_value {
                inp.parse(&value).map(Some)
            } else {
                Ok(None)
            }
        }))
        .map_with(|value, e| Expr {
            kind: ExprKind::Return(value.map(Box::new)),
            span: span(e.span()),
        });
    let braces = braces(expr.clone(), block.clone());
    let if_ = if_expr(expr.clone(), block);
    let match_ = match_expr(expr);
    let soft_name = soft_keyword_name();

    custom(move |inp: &mut Inp<'t, '_>| {
        let Some(tok) = inp.peek_ref() else {
            return Err(expected(["expression"], None, peek_span(inp)));
        };
        let literal = match &tok.kind {
            TokenKind::Int(v) => Some(ExprKind::Int(*v)),
            TokenKind::Float(v) => Some(ExprKind::Float(*v)),
            TokenKind::Kw(Keyword::True) => Some(ExprKind::Bool(true)),
            TokenKind::Kw(Keyword::False) => Some(ExprKind::Bool(false)),
            TokenKind::Kw(Keyword::None) => Some(ExprKind::None),
            TokenKind::Ident(name) => {
                let at = span(peek_span(inp));
                Some(ExprKind::Name(Ident {
                    name: name.to_string(),
                    span: at,
                }))
            }
            _ => None,
        };
        if let Some(kind) = literal {
            let at = take_span(inp);
            return Ok(Expr {
                kind,
                span: span(at),
            });
        }
        match &tok.kind {
            TokenKind::StrStart { .. } => inp.parse(&string),
            TokenKind::Punct(Punct::LParen) => inp.parse(&paren),
            TokenKind::Punct(Punct::LBracket) => inp.parse(&list),
            TokenKind::Punct(Punct::LBrace) => inp.parse(&braces),
            TokenKind::Kw(Keyword::If) => inp.parse(&if_),
            TokenKind::Kw(Keyword::Match) => inp.parse(&match_),
            TokenKind::Kw(Keyword::Fail) => inp.parse(&fail),
            TokenKind::Kw(Keyword::Return) => inp.parse(&ret),
            TokenKind::Kw(k) if k.is_soft() => match inp.parse(&soft_name) {
                Ok(id) => Ok(Expr {
                    span: id.span,
                    kind: ExprKind::Name(id),
                }),
                Err(_) => Err(expected(["expression"], Some(tok), peek_span(inp))),
            },
            _ => Err(expected(["expression"], Some(tok), peek_span(inp))),
        }
    })
}

/// `{` starts an empty record `{}`, a record `{ name: ...`, a map
/// `{ "key": ...` or a block; the tokens after the `{` decide.
fn braces<'t>(expr: Rec<'t, Expr>, block: Rec<'t, Block>) -> impl P<'t, Expr> {
    let field = name()
        .then_ignore(punct(Punct::Colon))
        .then(expr.clone())
        .map(|(name, value)| RecordField { name, value });
    let record = delimited(
        Punct::LBrace,
        comma_list(field, |_| None),
        Punct::RBrace,
        "`,` or `}`",
    )
    .map_with(|fields, e| Expr {
        kind: ExprKind::Record(fields),
        span: span(e.span()),
    });

    let entry = strings::string(expr.clone())
        .then_ignore(punct(Punct::Colon))
        .then(expr)
        .map(|(key, value)| MapEntry { key, value });
    let map = delimited(
        Punct::LBrace,
        comma_list(entry, |_| None),
        Punct::RBrace,
        "`,` or `}`",
    )
    .map_with(|entries, e| Expr {
        kind: ExprKind::Map(entries),
        span: span(e.span()),
    });

    let block = block.map(|b| Expr {
        span: b.span,
        kind: ExprKind::Block(b),
    });
    custom(move |inp: &mut Inp<'t, '_>| match brace_kind(inp) {
        BraceKind::Record => inp.parse(&record),
        BraceKind::Map => inp.parse(&map),
        BraceKind::Block => inp.parse(&block),
    })
}

enum BraceKind {
    Record,
    Map,
    Block,
}

/// Looks past the `{` (consuming nothing): `}` or `name:` make a record,
/// `"key":` a map, anything else a block.
fn brace_kind(inp: &mut Inp<'_, '_>) -> BraceKind {
    let before = inp.save();
    inp.skip();
    let first = inp.peek_ref().map(|t| &t.kind);
    let kind = match first {
        Some(TokenKind::Punct(Punct::RBrace)) => BraceKind::Record,
        Some(TokenKind::Ident(_) | TokenKind::Kw(_)) => {
            inp.skip();
            if inp.peek_ref().is_some_and(|t| t.is_punct(Punct::Colon)) {
                BraceKind::Record
            } else {
                BraceKind::Block
            }
        }
        Some(TokenKind::StrStart { .. }) => {
            skip_string(inp);
            if inp.peek_ref().is_some_and(|t| t.is_punct(Punct::Colon)) {
                BraceKind::Map
            } else {
                BraceKind::Block
            }
        }
        _ => BraceKind::Block,
    };
    inp.rewind(before);
    kind
}

/// Skips a whole string literal (with nested ones in interpolations).
fn skip_string(inp: &mut Inp<'_, '_>) {
    let mut depth = 0usize;
    while let Some(tok) = inp.peek_ref() {
        match tok.kind {
            TokenKind::StrStart { .. } => depth += 1,
            TokenKind::StrEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
        inp.skip();
        if depth == 0 {
            break;
        }
    }
}

/// `if c {..} else if c {..} ... else {..}`: the `else if` cases are read
/// in a loop, not by recursion, so that a long chain of cases does not
/// count as nesting; past [`MAX_CHAIN`] cases it is refused (the tree
/// nests one level per case).
fn if_expr<'t>(expr: Rec<'t, Expr>, block: Rec<'t, Block>) -> impl P<'t, Expr> {
    let case = kw(Keyword::If).ignore_then(expr).then(block.clone());
    nested(
        custom(move |inp: &mut Inp<'t, '_>| {
            let first = inp.cursor();
            let (cond, then) = inp.parse(&case)?;
            let mut cases = vec![(inp.span_since(&first).start, cond, then)];
            let mut count = 1usize;
            let mut last = None;
            while at(inp, &Tok::kw(Keyword::Else)) {
                inp.skip();
                if !at(inp, &Tok::kw(Keyword::If)) {
                    let b = inp.parse(&block)?;
                    last = Some(Expr {
                        span: b.span,
                        kind: ExprKind::Block(b),
                    });
                    break;
                }
                let start = inp.cursor();
                let (cond, then) = inp.parse(&case)?;
                let at_case = inp.span_since(&start);
                count += 1;
                if count == MAX_CHAIN + 1 {
                    let message = format!(
                        "too many `else if` cases in a row (more than {MAX_CHAIN}); use `match`"
                    );
                    inp.emit(custom_error("E0003", message, None, at_case));
                }
                if count <= MAX_CHAIN {
                    cases.push((at_case.start, cond, then));
                }
            }
            let end = inp.span_since(&first).end;
            // The innermost case first; each spans from its `if` to the end.
            let mut chain = last;
            for (start, cond, then) in cases.into_iter().rev() {
                chain = Some(Expr {
                    kind: ExprKind::If {
                        cond: Box::new(cond),
                        then,
                        else_: chain.map(Box::new),
                    },
                    span: span(SimpleSpan::new((), start..end)),
                });
            }
            // `cases` has at least the first one.
            Ok(chain.unwrap_or_else(|| error_expr(inp.span_since(&first))))
        })
        .labelled("if expression")
        .as_context(),
    )
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
