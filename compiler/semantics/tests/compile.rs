//! `compile`: checked programs become bytecode; programs with errors give
//! their diagnostics.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use infrac_compiler::{Database, OsFileLoader, compile};

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.push(dir.join("multi/site.infra"));
    files.retain(|p| p.extension().is_some_and(|e| e == "infra"));
    files.sort();
    files
}

#[test]
fn every_example_compiles() {
    let examples = examples();
    assert!(examples.len() >= 2, "{examples:?}");
    for path in examples {
        let db = Database::new(Arc::new(OsFileLoader));
        let root = infrac_compiler::Db::file(&db, &path);
        let result = compile(&db, root);
        assert!(result.is_ok(), "{}: {:?}", path.display(), result.err());
    }
}

#[test]
fn errors_are_returned_instead_of_a_program() {
    let mut db = Database::new(Arc::new(infrac_compiler::MemoryFileLoader::default()));
    let root = db.set_file_text(
        Path::new("site.infra"),
        "fn f(): int { \"x\" }\n".to_string(),
    );
    let diags = compile(&db, root).err().unwrap_or_default();
    assert_eq!(diags.iter().map(|d| d.code).collect::<Vec<_>>(), ["E0201"]);
}
