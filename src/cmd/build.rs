//! `infrac build FILE [--emit bytecode]`: check a program, lower it and
//! print what the compiler produced (the bytecode's disassembly).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use infrac_bytecode::Program;
use infrac_compiler::modules::{imports, program_modules};
use infrac_compiler::render::render_human;
use infrac_compiler::{Database, Db, Diagnostic, OsFileLoader, SourceFile, check_program};
use infrac_lower::{LowerError, ModuleInput, lower};

use super::exit;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Emit {
    /// The disassembled bytecode.
    Bytecode,
}

#[derive(clap::Args)]
pub struct Args {
    /// The program file.
    file: PathBuf,
    #[arg(long, value_enum, default_value = "bytecode")]
    emit: Emit,
}

/// Standard modules every program may use without `use`: the prelude, the
/// facts, and `server` (for `shell`).
const IMPLICIT_STD: [&str; 3] = ["prelude", "facts", "server"];

pub fn run(args: Args) -> u8 {
    match (compile(&args.file), args.emit) {
        (Ok(program), Emit::Bytecode) => {
            print!("{program}");
            exit::OK
        }
        (Err(code), _) => code,
    }
}

/// Reads, checks and lowers the program `file`. Diagnostics go to stderr;
/// on failure, the exit code to return. (`infrac run` compiles with this too.)
pub fn compile(file: &Path) -> Result<Program, u8> {
    let text = match std::fs::read(file) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", file.display());
            return Err(exit::USAGE);
        }
    };
    let mut db = Database::new(Arc::new(OsFileLoader));
    let root = db.set_file_text(file, text);
    let diags = check_program(&db, root);
    let color = std::io::stderr().is_terminal();
    for diag in &diags {
        let source = db
            .file_by_display_path(&diag.file)
            .and_then(|f| f.text(&db).clone())
            .unwrap_or_default();
        eprint!("{}", render_human(diag, &source, color));
    }
    if diags.iter().any(Diagnostic::is_error) {
        return Err(exit::PROGRAM_ERRORS);
    }
    let files = program_files(&db, root);
    let inputs = module_inputs(&db, &files);
    lower(&inputs, 0).map_err(|e| {
        eprintln!("{}", describe(&db, &files, &e));
        exit::PROGRAM_ERRORS
    })
}

/// The root first, then every module it uses and the implicit standard
/// modules, each once.
fn program_files(db: &Database, root: SourceFile) -> Vec<SourceFile> {
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

fn module_inputs<'db>(db: &'db Database, files: &[SourceFile]) -> Vec<ModuleInput<'db>> {
    files
        .iter()
        .map(|&file| ModuleInput {
            path: file.display_path(db),
            is_std: file.is_std(db),
            ast: &infrac_compiler::items::parse(db, file).file,
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

/// `error: MESSAGE` and `--> path:line:column` of a lowering error.
fn describe(db: &Database, files: &[SourceFile], e: &LowerError) -> String {
    let Some(file) = files.get(e.module) else {
        return format!("error: {}", e.message);
    };
    let text = file.text(db).clone().unwrap_or_default();
    let before = text.get(..e.span.start as usize).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(
        "error: {}\n  --> {}:{line}:{column}",
        e.message,
        file.display_path(db)
    )
}
