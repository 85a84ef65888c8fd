//! `infrac build FILE [--emit bytecode]`: check a program, lower it and
//! print what the compiler produced (the bytecode's disassembly).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use infrac_compiler::{Database, OsFileLoader, Program};

use super::exit;
use super::report::{eprint_diagnostics, usage};

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

pub fn run(args: Args) -> u8 {
    let program = match compile(&args.file) {
        Ok(program) => program,
        Err(code) => return code,
    };
    let text = match args.emit {
        Emit::Bytecode => program.to_string(),
    };
    // A closed pipe (`| head`) is not an error.
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            usage(&format!("cannot write the output: {e}"))
        }
        _ => exit::OK,
    }
}

/// Reads, checks and lowers the program `file`. Diagnostics go to stderr;
/// on failure, the exit code to return.
fn compile(file: &Path) -> Result<Program, u8> {
    let text = match std::fs::read(file) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => return Err(usage(&format!("cannot read `{}`: {e}", file.display()))),
    };
    let mut db = Database::new(Arc::new(OsFileLoader));
    let root = db.set_file_text(file, text);
    infrac_compiler::compile(&db, root).map_err(|diags| {
        eprint_diagnostics(&db, &diags);
        exit::PROGRAM_ERRORS
    })
}
