//! Semantic analysis of `.infra`: the salsa database, module and name
//! resolution, type checking, diagnostics, the semantic model for tools,
//! and compilation to bytecode.
//!
//! Architecture invariant: typing inside one item's body never invalidates
//! anything but that item's check (`check::check_item`): items are stored
//! with item-relative spans (`items`), signatures depend on item trees only
//! (`scope`, `sigs`), and spans become absolute only in [`diagnostics`]
//! and [`Semantics`].
//!
//! API boundary: everything else is private. Create a [`Database`], get a
//! [`SourceFile`] with [`Db::file`] (or [`Database::set_file_text`]), then
//! call [`diagnostics`] (one file), [`check_program`] (a file and every
//! module it uses) or [`compile`]; render with [`render::render_human`] /
//! [`render::render_json`]. Tools ask [`Semantics`] what names mean.

mod check;
pub mod codes;
mod compile;
mod db;
pub mod def;
mod diagnostic;
mod items;
mod lower;
mod modules;
mod parallel;
pub mod render;
pub mod run_errors;
mod scope;
pub mod semantics;
mod sigs;
use infrac_bytecode::suggest;
pub mod ty;

pub use compile::compile;
pub use db::{Database, Db, FileLoader, MemoryFileLoader, Origin, OsFileLoader, SourceFile};
pub use diagnostic::{Diagnostic, Label, LineIndex, Severity};
/// What [`compile`] produces, for its callers.
pub use infrac_bytecode::Program;
/// The formatter (`infrac fmt`, the language server's formatting).
pub use infrac_syntax::format;
pub use items::{ItemId, ItemTag};
pub use semantics::Semantics;

use diagnostic::Diag as RelDiag;
use infrac_syntax::ast::Span;

/// Every diagnostic of one file (syntax, imports, items), absolute spans,
/// sorted by position.
#[salsa::tracked(returns(ref))]
pub fn diagnostics(db: &dyn Db, file: SourceFile) -> Vec<Diagnostic> {
    let path = file.display_path(db);
    let mut out: Vec<Diagnostic> = Vec::new();
    for error in &items::parse(db, file).errors {
        let mut diag = RelDiag::error(error.code, error.span, error.message.clone());
        diag.label = error.label.clone();
        if let Some((message, span)) = &error.context {
            diag = diag.with_secondary(*span, message.clone());
        }
        out.push(diag.into_diagnostic(&path, 0));
    }
    let imports = modules::imports(db, file);
    out.extend(
        imports
            .diags
            .iter()
            .map(|d| d.clone().into_diagnostic(&path, 0)),
    );
    for decl in items::uses(db, file) {
        let Some(Some(target)) = imports.by_alias.get(&decl.alias) else {
            continue;
        };
        if *target == file || modules::reaches(db, *target, file) {
            out.push(
                RelDiag::error(
                    "E0106",
                    decl.span,
                    format!("module `{}` is part of an import cycle", decl.alias),
                )
                .with_note("modules cannot use each other in a circle")
                .into_diagnostic(&path, 0),
            );
        }
    }
    for (duplicate, first) in &scope::module_scope(db, file).duplicates {
        let name_span = |id: items::ItemId| {
            items::item_ast(db, id)
                .as_ref()
                .and_then(|item| item.kind.name().map(|n| n.span))
                .map(|s| {
                    Span::new(
                        s.start + items::item_origin(db, id),
                        s.end + items::item_origin(db, id),
                    )
                })
                .unwrap_or_default()
        };
        let (a, b) = (duplicate.tag(db), first.tag(db));
        let mut diag = RelDiag::error(
            "E0107",
            name_span(*duplicate),
            format!("`{}` is defined twice", duplicate.name(db)),
        )
        .with_secondary(name_span(*first), "first defined here");
        if a != b {
            diag = diag.with_note(format!(
                "a {} and a {} share one namespace (docs/language.md §2): rename one",
                a.describe(),
                b.describe()
            ));
        }
        out.push(diag.into_diagnostic(&path, 0));
    }
    for item in &items::item_tree(db, file).items {
        let origin = items::item_origin(db, item.id);
        out.extend(
            check::check_item(db, item.id)
                .diags
                .iter()
                .map(|d| d.clone().into_diagnostic(&path, origin)),
        );
    }
    out.sort_by_key(|d| (d.span.start, d.span.end));
    out
}

/// The diagnostics of `root` and of every user module it loads (the
/// standard library is included only when `root` is part of it).
pub fn check_program(db: &dyn Db, root: SourceFile) -> Vec<Diagnostic> {
    check_programs(db, &[root])
}

/// [`check_program`] for several roots; a module shared by several roots is
/// reported once.
pub fn check_programs(db: &dyn Db, roots: &[SourceFile]) -> Vec<Diagnostic> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for root in roots {
        let root_is_std = root.is_std(db);
        for file in modules::program_modules(db, *root) {
            if (root_is_std || !file.is_std(db)) && seen.insert(file) {
                out.extend(diagnostics(db, file).iter().cloned());
            }
        }
    }
    out
}
