//! The standard library and the examples parse without errors.

mod support;

use support::infra_files;

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
