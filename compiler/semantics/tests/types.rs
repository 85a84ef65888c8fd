//! The types the checker records, as an editor asks for them.

use std::path::Path;
use std::sync::Arc;

use infrac_compiler::{Database, MemoryFileLoader, Semantics};
use infrac_syntax::Span;

fn type_of(source: &str, needle: &str) -> Option<String> {
    let mut db = Database::new(Arc::new(MemoryFileLoader::default()));
    let file = db.set_file_text(Path::new("site.infra"), source.to_string());
    let start = source.find(needle)? as u32;
    Semantics::new(&db)
        .type_of(file, Span::new(start, start + needle.len() as u32))
        .map(|t| t.to_string())
}

#[test]
fn expression_and_binding_types() {
    let source = r#"
fn f(path: str): int {
  let entry = facts.file(path)
  if entry == none { fail "missing" }
  let size = entry.size
  size + len(path.split("/"))
}
"#;
    assert_eq!(
        type_of(source, "facts.file(path)").as_deref(),
        Some("File?")
    );
    assert_eq!(type_of(source, "entry").as_deref(), Some("File?"));
    assert_eq!(type_of(source, "entry.size").as_deref(), Some("int"));
    assert_eq!(
        type_of(source, "path.split(\"/\")").as_deref(),
        Some("list<str>")
    );
    assert_eq!(type_of(source, "nothing here"), None);
}
