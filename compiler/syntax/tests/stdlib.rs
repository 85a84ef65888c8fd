//! The standard library and the examples parse without errors.

use std::path::Path;

fn infra_files(dir: &str) -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(dir);
    let Ok(entries) = std::fs::read_dir(&root) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "infra"))
        .collect();
    files.sort();
    files
}

#[test]
fn stdlib_and_examples_parse_cleanly() {
    let files: Vec<_> = infra_files("stdlib")
        .into_iter()
        .chain(infra_files("examples"))
        .collect();
    assert!(!files.is_empty(), "no .infra files found");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let parse = infrac_syntax::parse(&text);
        assert!(
            parse.errors.is_empty(),
            "{}: {:#?}",
            path.display(),
            parse.errors
        );
        assert!(!parse.file.items.is_empty(), "{}: no items", path.display());
    }
}
