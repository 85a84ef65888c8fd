//! From a checked program to bytecode: collects the loaded modules (the
//! standard library's included) and hands them to the lowering.

use crate::lower::{LowerError, ModuleInput, lower};
use infrac_bytecode::Program;
use infrac_syntax::ast;

use crate::db::{Db, SourceFile};
use crate::diagnostic::{Diag, Diagnostic};
use std::collections::HashMap;
use std::path::Path;

use crate::check::check_item;
use crate::items::{item_origin, item_tree, parse};
use crate::modules::program_modules;
use crate::semantics::Semantics;

/// Standard modules every program uses without `use`.
const IMPLICIT_STD: [&str; 2] = ["prelude", "facts"];

/// Checks the program rooted at `root` and, when it has no errors, lowers
/// it. On failure, returns every diagnostic (warnings included).
pub fn compile(db: &dyn Db, root: SourceFile) -> Result<Program, Vec<Diagnostic>> {
    let diags = crate::check_program(db, root);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    let files = program_files(db, root);
    // The lowering reads absolute spans; the database keeps items relative.
    let trees: Vec<ast::SourceFile> = files.iter().map(|f| parse(db, *f).absolute()).collect();
    let inputs = module_inputs(db, &files, &trees);
    lower(&inputs, 0).map_err(|e| vec![lowering_diagnostic(db, &files, e)])
}

/// The root first, then every module it uses and the implicit standard
/// modules, each once.
fn program_files(db: &dyn Db, root: SourceFile) -> Vec<SourceFile> {
    let implicit = IMPLICIT_STD.iter().filter_map(|name| db.std_module(name));
    let mut files: Vec<SourceFile> = Vec::new();
    for start in std::iter::once(root).chain(implicit) {
        for file in program_modules(db, start) {
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    files
}

/// The lowering input of each file: its tree (absolute spans), its items
/// and what the checker resolved its names to.
fn module_inputs<'a>(
    db: &dyn Db,
    files: &[SourceFile],
    trees: &'a [ast::SourceFile],
) -> Vec<ModuleInput<'a>> {
    let sema = Semantics::new(db);
    let root_dir = files
        .first()
        .and_then(|f| f.path(db).parent().map(Path::to_path_buf))
        .unwrap_or_default();
    files
        .iter()
        .zip(trees)
        .map(|(&file, ast)| {
            let mut items = vec![None; ast.items.len()];
            for item in &item_tree(db, file).items {
                if let Some(slot) = items.get_mut(item.index as usize) {
                    *slot = Some(item.id);
                }
            }
            let names = sema
                .names(file)
                .into_iter()
                .filter_map(|n| Some((n.span, n.def?)))
                .collect();
            let paths = controller_paths(db, file, &root_dir);
            ModuleInput {
                path: file.display_path(db),
                is_std: file.is_std(db),
                ast,
                items,
                names,
                paths,
            }
        })
        .collect()
}

/// The controller paths the checker resolved in `file` (absolute spans),
/// as the run resolves them: relative to the root file's directory
/// `root_dir` (the program's directory, the run's base).
fn controller_paths(db: &dyn Db, file: SourceFile, root_dir: &Path) -> HashMap<ast::Span, String> {
    let mut out = HashMap::new();
    for item in &item_tree(db, file).items {
        let origin = item_origin(db, item.id);
        for (span, path) in &check_item(db, item.id).paths {
            let path = Path::new(path);
            let from_root = path.strip_prefix(root_dir).unwrap_or(path);
            let span = ast::Span::new(span.start + origin, span.end + origin);
            out.insert(span, from_root.display().to_string());
        }
    }
    out
}

/// A lowering failure is a compiler bug (the checker accepted the program).
fn lowering_diagnostic(db: &dyn Db, files: &[SourceFile], e: LowerError) -> Diagnostic {
    let path = files
        .get(e.module)
        .map(|f| f.display_path(db))
        .unwrap_or_default();
    Diag::error(
        "E0900",
        e.span,
        format!("internal error: cannot compile this: {}", e.message),
    )
    .with_note("the program checks, so this is a bug in infrac; please report it")
    .into_diagnostic(&path, 0)
}
