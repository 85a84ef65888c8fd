//! Lowering of checked `.infra` modules to bytecode.
//!
//! The input is well-typed (the checker ran first), and every name comes
//! with what the checker resolved it to ([`ModuleInput::names`]): the
//! lowering resolves nothing itself. It needs no types either, except to
//! fill in defaults: record-literal fields from the expected record type,
//! and call arguments from the callee's signature. Everything that depends
//! on a value's kind (`+` on ints, strings or lists; methods; `==`) is
//! dispatched at run time.
//!
//! Architecture invariant: no I/O; the only inputs are syntax trees and
//! the checker's resolutions.

mod builder;
mod calls;
mod decls;
mod exprs;
mod handlers;
mod items;
mod order;
mod prefetch;
mod strings;
mod types;

use std::collections::HashMap;

use infrac_bytecode::Program;
use infrac_syntax::ast::{SourceFile, Span};

use crate::def::Def;
use crate::items::ItemId;

/// One parsed and checked module of the program.
pub struct ModuleInput<'a> {
    /// The display path (`site.infra`, `<std>/files.infra`).
    pub path: String,
    pub is_std: bool,
    /// The syntax tree, with absolute spans.
    pub ast: &'a SourceFile,
    /// The item each entry of `ast.items` is (`None`: a `use`, or an item
    /// that failed to parse).
    pub items: Vec<Option<ItemId>>,
    /// What the checker resolved the name at each (absolute) span to.
    pub names: HashMap<Span, Def>,
    /// The string literals that name a controller file, by (absolute)
    /// span: the path the checker resolved, relative to the program's
    /// directory.
    pub paths: HashMap<Span, String>,
}

/// A construct lowering cannot translate (the checker should have rejected
/// it first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowerError {
    /// Index into the module list.
    pub module: usize,
    pub span: Span,
    pub message: String,
}

impl std::fmt::Display for LowerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LowerError {}

/// Lowers the program whose entry file is `modules[root]`. Params, groups
/// and stages of every user module are merged (the other modules' first, in
/// list order, then the root's).
pub fn lower(modules: &[ModuleInput<'_>], root: usize) -> Result<Program, LowerError> {
    let mut l = items::Lowerer::new(modules);
    l.register_items(root)?;
    l.declare()?;
    l.drain_jobs()?;
    l.lower_handlers()?;
    Ok(l.finish())
}
