//! `infrac fmt [--check] [PATH...]`: lays out `.infra` files (indentation
//! by brackets, spaces, blank lines; comments kept). See
//! `infrac_lsp::format`.

use super::stdout::outln;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Change nothing; list the files that are not formatted and exit 1 if any.
    #[arg(long)]
    check: bool,
    /// Files or folders (every `*.infra` below); default: the current folder.
    paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> u8 {
    let files = match super::check::infra_files(args.paths) {
        Ok(files) => files,
        Err(message) => return super::report::usage(&message),
    };
    let mut code = super::exit::OK;
    for file in &files {
        match format_file(file, args.check) {
            Ok(false) => {}
            Ok(true) if args.check => {
                outln!("{}: not formatted", file.display());
                code = code.max(super::exit::PROGRAM_ERRORS);
            }
            Ok(true) => outln!("{}: formatted", file.display()),
            Err(Failure::Format(e)) => {
                eprintln!("{}: {e}", file.display());
                code = code.max(super::exit::PROGRAM_ERRORS);
            }
            Err(Failure::Io(e)) => {
                eprintln!("error: {}: {e}", file.display());
                code = super::exit::USAGE;
            }
        }
    }
    code
}

enum Failure {
    Format(infrac_compiler::format::FormatError),
    Io(std::io::Error),
}

/// Whether the file's layout changes (written unless `check`).
fn format_file(path: &Path, check: bool) -> Result<bool, Failure> {
    let bytes = std::fs::read(path).map_err(Failure::Io)?;
    let source = String::from_utf8_lossy(&bytes);
    let formatted = infrac_compiler::format::format(&source).map_err(Failure::Format)?;
    if formatted == source {
        return Ok(false);
    }
    if !check {
        // Written next to the file, then renamed: never half-written.
        let tmp = path.with_extension("infra.fmt-tmp");
        std::fs::write(&tmp, &formatted).map_err(Failure::Io)?;
        std::fs::rename(&tmp, path).map_err(Failure::Io)?;
    }
    Ok(true)
}
