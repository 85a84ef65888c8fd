//! The parser: chumsky 0.13 over the lexer's tokens (as in chumsky's
//! `examples/nano_rust.rs`), with recovery so that it never fails.

mod common;
mod errors;
mod exprs;
mod items;
mod operators;
mod patterns;
mod recovery;
mod stmts;
mod strings;
mod types;

use chumsky::input::Input as _;
use chumsky::inspector::SimpleState;
use chumsky::prelude::*;

use self::common::{Nesting, P};
use self::items::Rules;
use crate::SyntaxError;
use crate::ast::SourceFile;
use crate::token::Tok;

/// Parses the tokens of a file of `len` bytes.
pub(crate) fn parse_tokens<'t>(
    tokens: &'t [(Tok<'t>, SimpleSpan)],
    len: usize,
) -> (SourceFile, Vec<SyntaxError>) {
    let input = tokens.split_token_span(SimpleSpan::from(len..len));
    let mut state = SimpleState(Nesting::default());
    let (file, errors) = file()
        .parse_with_state(input, &mut state)
        .into_output_errors();
    (
        file.unwrap_or_default(),
        errors.into_iter().map(errors::convert).collect(),
    )
}

fn file<'t>() -> impl P<'t, SourceFile> {
    let mut expr = Recursive::declare();
    let mut ty = Recursive::declare();
    let mut block = Recursive::declare();
    ty.define(types::ty(ty.clone(), expr.clone()));
    block.define(stmts::block(block.clone(), expr.clone(), ty.clone()));
    expr.define(exprs::expr(expr.clone(), block.clone()));
    items::item(Rules { expr, ty, block })
        .repeated()
        .collect::<Vec<_>>()
        .then_ignore(end())
        .map(|items| SourceFile { items })
}
