//! `infrac check [PATH...] [--format human|json]`: parse, resolve and
//! type-check programs without touching any host.

use super::stdout::outln;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use infrac_compiler::{Database, Diagnostic, OsFileLoader, SourceFile};

use super::exit;
use super::report::usage;
use super::report::{diagnostics_json, eprint_diagnostics};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// Files or folders (every `*.infra` below, each a program); default: the current folder.
    paths: Vec<PathBuf>,
    /// `human` (rustc-style, on stderr) or `json` (an array on stdout).
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

pub fn run(args: Args) -> u8 {
    let files = match infra_files(args.paths) {
        Ok(files) => files,
        Err(message) => return usage(&message),
    };
    let mut db = Database::new(Arc::new(OsFileLoader));
    let mut roots = Vec::new();
    for path in &files {
        match load_root(&mut db, path) {
            Ok(root) => roots.push(root),
            Err(message) => return usage(&message),
        }
    }
    let diags = db.check_programs_parallel(&roots);
    match args.format {
        Format::Json => outln!("{}", diagnostics_json(&db, &diags)),
        Format::Human => {
            eprint_diagnostics(&db, &diags);
            if let Some(line) = summary(&diags, &files) {
                eprintln!("{line}");
            }
        }
    }
    let failed = diags.iter().any(Diagnostic::is_error);
    // The process ends here: freeing every syntax tree and query result
    // one by one would only add to the time a check takes.
    std::mem::forget(db);
    if failed {
        exit::PROGRAM_ERRORS
    } else {
        exit::OK
    }
}

/// The files `paths` name (a file, or every `*.infra` below a folder);
/// no paths: the current folder.
pub(super) fn infra_files(paths: Vec<PathBuf>) -> Result<Vec<PathBuf>, String> {
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths
    };
    let mut files = Vec::new();
    for path in &paths {
        collect(path, &mut files)?;
    }
    Ok(files)
}

/// Adds `path` (a file, or every `*.infra` below a folder) to `out`.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    if !meta.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| format!("cannot read folder `{}`: {e}", path.display()))?;
    let mut children: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    children.sort();
    for child in children {
        let hidden = child
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if child.is_dir() && !hidden && child.file_name().is_some_and(|n| n != "target") {
            collect(&child, out)?;
        } else if child.extension().is_some_and(|e| e == "infra") {
            out.push(child);
        }
    }
    Ok(())
}

/// Loads a program root. A file of a `stdlib` folder is checked as the
/// standard-library module it is (replacing the embedded copy).
fn load_root(db: &mut Database, path: &Path) -> Result<SourceFile, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let in_stdlib = path
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|n| n == "stdlib");
    match path.file_stem().and_then(|s| s.to_str()) {
        Some(name) if in_stdlib => Ok(db.set_std_text(name, path, text)),
        _ => Ok(db.set_file_text(path, text)),
    }
}

/// rustc-style closing line.
pub(super) fn summary(diags: &[Diagnostic], files: &[PathBuf]) -> Option<String> {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let what = match files {
        [one] => format!("`{}`", one.display()),
        many => format!("{} files", many.len()),
    };
    let count = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => None,
        (0, w) => Some(format!("warning: {what} generated {}", count(w, "warning"))),
        (e, 0) => Some(format!(
            "error: could not check {what} due to {}",
            count(e, "previous error")
        )),
        (e, w) => Some(format!(
            "error: could not check {what} due to {}; {} emitted",
            count(e, "previous error"),
            count(w, "warning")
        )),
    }
}
