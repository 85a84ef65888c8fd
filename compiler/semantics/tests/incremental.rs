//! Incrementality: an edit inside one stage body re-checks that body only.
//! Reads salsa's event log (which queries executed after the edit).

use std::path::Path;
use std::sync::{Arc, Mutex};

use infrac_compiler::{Database, MemoryFileLoader, diagnostics};
use infrac_compiler::{ItemTag, Semantics};

const BEFORE: &str = r#"use std::files
type Web = { port: int }
group web: Web = [local(data: { port: 80 })]
stage first on web { let _a = host.data.port }
stage second on web {
  let _b = "short"
}
stage third on web { files.directory("/srv") }
"#;

fn executed(log: &Mutex<Vec<String>>) -> Vec<String> {
    log.lock()
        .map(|mut l| std::mem::take(&mut *l))
        .unwrap_or_default()
}

#[test]
fn editing_one_stage_body_rechecks_only_that_body() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let log = Arc::clone(&log);
        Box::new(move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind
                && let Ok(mut log) = log.lock()
            {
                log.push(format!("{database_key:?}"));
            }
        })
    };
    let mut db = Database::with_event_sink(Arc::new(MemoryFileLoader::default()), sink);
    let path = Path::new("site.infra");
    let file = db.set_file_text(path, BEFORE.to_string());
    assert!(
        diagnostics(&db, file).is_empty(),
        "{:?}",
        diagnostics(&db, file)
    );
    let first_run = executed(&log);
    assert!(
        first_run
            .iter()
            .filter(|e| e.starts_with("check_item"))
            .count()
            == 5,
        "{first_run:#?}"
    );

    // Longer body: every later offset moves, the stage's own tree changes.
    let after = BEFORE.replace(
        r#"let _b = "short""#,
        r#"let _b = "a much longer string" + "!""#,
    );
    db.set_file_text(path, after);
    let diags = diagnostics(&db, file).clone();
    assert!(diags.is_empty(), "{diags:?}");
    let second_run = executed(&log);

    let two = Semantics::new(&db)
        .items(file)
        .into_iter()
        .find(|id| id.tag(&db) == ItemTag::Stage && id.name(&db) == "second")
        .expect("stage second");
    let checks: Vec<&String> = second_run
        .iter()
        .filter(|e| e.starts_with("check_item"))
        .collect();
    assert_eq!(checks.len(), 1, "only one body re-checked: {second_run:#?}");
    let two_key = format!("check_item({:?})", salsa::plumbing::AsId::as_id(&two));
    assert_eq!(checks[0], &two_key, "{second_run:#?}");
    for reused in [
        "signatures",
        "type_defs",
        "module_scope",
        "imports",
        "check_item",
    ] {
        let runs = second_run.iter().filter(|e| e.starts_with(reused)).count();
        assert!(
            runs <= usize::from(reused == "check_item"),
            "{reused} re-ran: {second_run:#?}"
        );
    }
    // The item tree was recomputed from the new parse but compared equal,
    // so nothing that depends on it re-ran (checked above).
    assert!(
        second_run.iter().any(|e| e.starts_with("parse")),
        "{second_run:#?}"
    );
}

#[test]
fn an_error_in_the_edit_is_reported_at_its_absolute_position() {
    let mut db = Database::new(Arc::new(MemoryFileLoader::default()));
    let path = Path::new("site.infra");
    let file = db.set_file_text(path, BEFORE.to_string());
    assert!(diagnostics(&db, file).is_empty());
    let broken = BEFORE.replace(r#"let _b = "short""#, "let _b = nope");
    let offset = broken.find("nope").unwrap_or_default() as u32;
    db.set_file_text(path, broken);
    let diags = diagnostics(&db, file);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!((diags[0].code, diags[0].span.start), ("E0101", offset));
}
