//! From a checked program to bytecode: collects the loaded modules (the
//! standard library's included) and hands them to the lowering.

use infrac_bytecode::Program;
use crate::lower::{LowerError, ModuleInput, lower};

use crate::db::{Db, SourceFile};
use crate::diagnostic::{Diag, Diagnostic};
use crate::items::parse;
use crate::modules::{imports, program_modules};

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
    let inputs = module_inputs(db, &files);
    lower(&inputs, 0).map_err(|e| vec![lowering_diagnostic(db, &files, e)])
}

/// The root first, then every module it uses and the implicit standard
/// modules, each once.
pub fn program_files(db: &dyn Db, root: SourceFile) -> Vec<SourceFile> {
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

/// The lowering input of each file (absolute spans, imports as indexes).
pub fn module_inputs<'db>(db: &'db dyn Db, files: &[SourceFile]) -> Vec<ModuleInput<'db>> {
    files
        .iter()
        .map(|&file| ModuleInput {
            path: file.display_path(db),
            is_std: file.is_std(db),
            ast: &parse(db, file).file,
            imports: imports(db, file)
                .modules
                .iter()
                .filter_map(|(alias, target)| {
                    files
                        .iter()
                        .position(|f| f == target)
                        .map(|i| (alias.clone(), i))
                })
                .collect(),
        })
        .collect()
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
