//! Chumsky's errors to owned [`SyntaxError`]s with rustc-like messages:
//! "expected `}`, found keyword `stage`", "while parsing this stage".

use chumsky::error::{RichPattern, RichReason};

use super::common::{Error, describe, span};
use crate::SyntaxError;
use crate::token::{Keyword, Punct, TokenKind};

pub(crate) fn convert(err: Error<'_>) -> SyntaxError {
    let at = span(*err.span());
    // The innermost context comes first.
    let context = err
        .contexts()
        .next()
        .and_then(|(pattern, s)| match pattern {
            RichPattern::Label(label) => Some((format!("while parsing this {label}"), span(*s))),
            _ => None,
        });
    match err.reason() {
        RichReason::Custom(c) => SyntaxError {
            code: c.code,
            message: c.message.clone(),
            span: at,
            label: c.label.clone(),
            context,
        },
        RichReason::ExpectedFound { expected, found } => {
            let expected = expected_list(expected);
            let found = describe(found.as_deref());
            SyntaxError {
                code: "E0003",
                message: format!("expected {expected}, found {found}"),
                span: at,
                label: Some(format!("expected {expected}")),
                context,
            }
        }
    }
}

/// "`}`", "`,` or `)`", "one of `;`, newline or an operator".
fn expected_list(expected: &[RichPattern<'_, crate::token::Tok<'_>>]) -> String {
    let mut names: Vec<String> = Vec::new();
    let mut operator = false;
    for pattern in expected {
        let name = match pattern {
            RichPattern::Token(t) if is_operator(&t.kind) => {
                operator = true;
                continue;
            }
            RichPattern::Token(t) => t.to_string(),
            RichPattern::Label(l) => l.to_string(),
            RichPattern::Identifier(i) => format!("`{i}`"),
            RichPattern::Any => "something".to_string(),
            RichPattern::SomethingElse => continue,
            RichPattern::EndOfInput => "end of file".to_string(),
            _ => continue,
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if operator {
        names.push("an operator".to_string());
    }
    match names.as_slice() {
        [] => "something else".to_string(),
        [one] => one.clone(),
        [init @ .., last] if init.len() == 1 => format!("{} or {last}", init[0]),
        [init @ .., last] => format!("one of {} or {last}", init.join(", ")),
    }
}

fn is_operator(kind: &TokenKind) -> bool {
    use Punct::*;
    match kind {
        TokenKind::Punct(p) => matches!(
            p,
            Plus | Minus
                | Star
                | Slash
                | Percent
                | EqEq
                | NotEq
                | Lt
                | Le
                | Gt
                | Ge
                | QuestionQuestion
        ),
        TokenKind::Kw(k) => matches!(k, Keyword::And | Keyword::Or),
        _ => false,
    }
}
