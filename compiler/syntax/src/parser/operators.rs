//! Operators: repeated prefix `-` and `not`, and the binary operators by
//! precedence climbing (docs/language.md §3).
//!
//! Imperative `custom` parsers: the next token decides, so no alternative is
//! tried and failed per operator and precedence level (that cost dominated
//! the parse time), and the recursion depth is bounded by the number of
//! precedence levels, whatever the input.

use chumsky::prelude::*;

use super::common::{Error, Inp, MAX_CHAIN, MAX_NESTING, P, custom_error, span, take_span};
use crate::ast::{BinaryOp, Expr, ExprKind, UnaryOp};
use crate::token::{Keyword, Punct, Tok, TokenKind};

/// Binding powers, loosest first.
const COALESCE: u8 = 1;
const OR: u8 = 2;
const AND: u8 = 3;
/// `not` takes a comparison: `not a == b` is `not (a == b)`.
const NOT: u8 = 4;
const COMPARE: u8 = 5;
const ADD: u8 = 6;
const MUL: u8 = 7;

fn binary_op(tok: &Tok) -> Option<(BinaryOp, u8)> {
    use BinaryOp::*;
    Some(match &tok.kind {
        TokenKind::Punct(p) => match p {
            Punct::QuestionQuestion => (Coalesce, COALESCE),
            Punct::EqEq => (Eq, COMPARE),
            Punct::NotEq => (Ne, COMPARE),
            Punct::Lt => (Lt, COMPARE),
            Punct::Le => (Le, COMPARE),
            Punct::Gt => (Gt, COMPARE),
            Punct::Ge => (Ge, COMPARE),
            Punct::Plus => (Add, ADD),
            // A `-` starting a line starts a new statement (`-x` on its own).
            Punct::Minus if !tok.nl => (Sub, ADD),
            Punct::Star => (Mul, MUL),
            Punct::Slash => (Div, MUL),
            Punct::Percent => (Rem, MUL),
            _ => return None,
        },
        TokenKind::Kw(Keyword::Or) => (Or, OR),
        TokenKind::Kw(Keyword::And) => (And, AND),
        _ => return None,
    })
}

/// Binary operators over `operand` (a unary expression), with `not`.
pub(crate) fn binary<'t>(operand: impl P<'t, Expr>) -> impl P<'t, Expr> {
    custom(move |inp: &mut Inp<'t, '_>| climb(inp, &operand, 0))
}

/// An expression whose operators bind at least as tightly as `min_bp`.
fn climb<'t>(
    inp: &mut Inp<'t, '_>,
    operand: &impl P<'t, Expr>,
    min_bp: u8,
) -> Result<Expr, Error<'t>> {
    let not = |t: &Tok| t.kind == TokenKind::Kw(Keyword::Not);
    let mut lhs = if min_bp <= NOT && inp.peek_ref().is_some_and(not) {
        let nots = prefix_run(inp, not);
        let inner = climb(inp, operand, COMPARE)?;
        wrap(inp, nots, UnaryOp::Not, inner)
    } else {
        inp.parse(operand)?
    };
    let mut after_comparison = false;
    let mut chain = 0usize;
    while let Some((op, bp)) = inp.peek_ref().and_then(binary_op) {
        if bp < min_bp {
            break;
        }
        let at = take_span(inp);
        chain += 1;
        if chain == MAX_CHAIN + 1 {
            let message = format!(
                "too many operators in a row (more than {MAX_CHAIN}); split the expression with `let`"
            );
            inp.emit(custom_error("E0003", message, None, at));
        }
        if bp == COMPARE && after_comparison {
            let message = format!("comparison operators cannot be chained: `{}`", op.as_str());
            let label = Some("use `and` to combine comparisons".to_string());
            inp.emit(custom_error("E0003", message, label, at));
        }
        after_comparison = bp == COMPARE;
        // Left-associative: the right operand binds tighter.
        let rhs = climb(inp, operand, bp + 1)?;
        if chain > MAX_CHAIN {
            // Reported above; not built, so that the tree stays shallow.
            continue;
        }
        lhs = Expr {
            span: lhs.span.to(rhs.span),
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
        };
    }
    Ok(lhs)
}

/// Unary `-` (any number of them) before `operand`.
pub(crate) fn unary<'t>(operand: impl P<'t, Expr>) -> impl P<'t, Expr> {
    custom(move |inp: &mut Inp<'t, '_>| {
        let minuses = prefix_run(inp, |t| t.is_punct(Punct::Minus));
        let inner = inp.parse(&operand)?;
        Ok(wrap(inp, minuses, UnaryOp::Neg, inner))
    })
}

/// Consumes the tokens matching `is_op` in a row; returns their spans.
fn prefix_run(inp: &mut Inp<'_, '_>, is_op: impl Fn(&Tok) -> bool) -> Vec<SimpleSpan> {
    let mut spans = Vec::new();
    while inp.peek_ref().is_some_and(&is_op) {
        spans.push(take_span(inp));
    }
    spans
}

/// Applies prefix operators; more than [`MAX_NESTING`] in a row are
/// reported (and dropped) so that the tree stays shallow.
fn wrap(inp: &mut Inp<'_, '_>, ops: Vec<SimpleSpan>, op: UnaryOp, operand: Expr) -> Expr {
    if let Some(at) = ops.get(MAX_NESTING) {
        let message = format!("too many prefix operators in a row (more than {MAX_NESTING})");
        inp.emit(custom_error("E0003", message, None, *at));
    }
    ops.iter()
        .take(MAX_NESTING)
        .rev()
        .fold(operand, |inner, at| Expr {
            span: span(*at).to(inner.span),
            kind: ExprKind::Unary {
                op,
                operand: Box::new(inner),
            },
        })
}
