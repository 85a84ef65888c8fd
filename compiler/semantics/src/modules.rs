//! Module resolution: what each `use` of a file refers to.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::db::{Db, SourceFile};
use crate::diagnostic::Diag;
use crate::items::{UseDecl, uses};
use crate::suggest;

/// The modules a file imports, by the name it uses for them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Imports {
    /// `None` when the module could not be found (already reported).
    pub by_alias: HashMap<String, Option<SourceFile>>,
    /// In declaration order, for lowering and cycle detection.
    pub modules: Vec<(String, SourceFile)>,
    /// Problems with the `use` declarations (absolute spans).
    pub diags: Vec<Diag>,
}

#[salsa::tracked(returns(ref))]
pub fn imports(db: &dyn Db, file: SourceFile) -> Imports {
    let mut out = Imports::default();
    for decl in uses(db, file) {
        let target = resolve_use(db, file, decl, &mut out.diags);
        if out.by_alias.contains_key(&decl.alias) {
            out.diags.push(
                Diag::error(
                    "E0107",
                    decl.span,
                    format!("the module name `{}` is imported twice", decl.alias),
                )
                .with_help("rename one of them with `as`"),
            );
            continue;
        }
        out.by_alias.insert(decl.alias.clone(), target);
        if let Some(target) = target {
            out.modules.push((decl.alias.clone(), target));
        }
    }
    out
}

fn resolve_use(
    db: &dyn Db,
    file: SourceFile,
    decl: &UseDecl,
    diags: &mut Vec<Diag>,
) -> Option<SourceFile> {
    if decl.is_std() {
        let name = decl.path.get(1).map(String::as_str).unwrap_or("");
        if decl.path.len() == 2
            && let Some(module) = db.std_module(name)
        {
            return Some(module);
        }
        let names = db.std_modules().iter().map(|(n, _)| n.as_str());
        diags.push(
            Diag::error(
                "E0104",
                decl.span,
                format!("no standard-library module `{}`", decl.path[1..].join("::")),
            )
            .with_label("not in the standard library")
            .with_help_opt(suggest::did_you_mean(name, names)),
        );
        return None;
    }
    if file.is_std(db) {
        diags.push(Diag::error(
            "E0104",
            decl.span,
            "the standard library can only use `std::` modules",
        ));
        return None;
    }
    let mut path: PathBuf = file
        .path(db)
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    for segment in &decl.path {
        path.push(segment);
    }
    path.set_extension("infra");
    let target = db.file(&path);
    if target.text(db).is_none() {
        diags.push(
            Diag::error(
                "E0105",
                decl.span,
                format!("cannot find module file `{}`", path.display()),
            )
            .with_label("no such file"),
        );
        return None;
    }
    Some(target)
}

/// Whether `from` imports `to`, directly or through other modules.
pub fn reaches(db: &dyn Db, from: SourceFile, to: SourceFile) -> bool {
    let mut seen = HashSet::new();
    let mut stack = vec![from];
    while let Some(file) = stack.pop() {
        if !seen.insert(file) {
            continue;
        }
        for (_, next) in &imports(db, file).modules {
            if *next == to {
                return true;
            }
            stack.push(*next);
        }
    }
    false
}

/// Every module the program rooted at `root` loads (root first, then its
/// imports depth-first, each once).
pub fn program_modules(db: &dyn Db, root: SourceFile) -> Vec<SourceFile> {
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    let mut stack = vec![root];
    while let Some(file) = stack.pop() {
        if !seen.insert(file) {
            continue;
        }
        order.push(file);
        for (_, next) in imports(db, file).modules.iter().rev() {
            stack.push(*next);
        }
    }
    order
}
