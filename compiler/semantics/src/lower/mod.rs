//! Lowering of checked `.infra` modules to bytecode.
//!
//! The input is well-typed (the checker ran first), so lowering resolves
//! names again by scope but needs no types, except to fill in defaults:
//! record-literal fields from the expected record type, and call arguments
//! from the callee's signature. Everything that depends on a value's kind
//! (`+` on ints, strings or lists; methods; `==`) is dispatched at run time.
//!
//! Architecture invariant: no I/O; the only inputs are syntax trees.

mod builder;
mod calls;
mod decls;
mod exprs;
mod items;
mod order;
mod prefetch;
mod strings;
mod types;

use infrac_bytecode::Program;
use infrac_syntax::ast::{SourceFile, Span};

/// One parsed module of the program.
pub struct ModuleInput<'a> {
    /// The display path (`site.infra`, `<std>/files.infra`).
    pub path: String,
    pub is_std: bool,
    /// The syntax tree, with absolute spans.
    pub ast: &'a SourceFile,
    /// The modules this one uses: alias -> index into the module list.
    pub imports: Vec<(String, usize)>,
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
    Ok(l.finish())
}
