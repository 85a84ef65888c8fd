//! The semantic model as tools see it, in rust-analyzer's fixture style: a
//! program with a `$0` cursor, and what the model says about the name
//! there as a snapshot.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

use std::path::Path;
use std::sync::Arc;

use expect_test::{Expect, expect};
use infrac_compiler::def::Def;
use infrac_compiler::{Database, MemoryFileLoader, Semantics, SourceFile};

/// The program without its `$0` marker, and the marker's offset.
fn cursor(fixture: &str) -> (String, u32) {
    let at = fixture.find("$0").expect("a $0 cursor");
    (fixture.replacen("$0", "", 1), at as u32)
}

fn database(text: &str) -> (Database, SourceFile) {
    let mut db = Database::new(Arc::new(MemoryFileLoader::default()));
    let file = db.set_file_text(Path::new("site.infra"), text.to_string());
    (db, file)
}

/// What a definition is, in words a test can pin.
fn show(db: &Database, def: &Def) -> String {
    let sema = Semantics::new(db);
    let place = match sema.definition(def) {
        Some((file, span)) => {
            let text = file.text(db).clone().unwrap_or_default();
            let line = text[..span.start as usize].matches('\n').count() + 1;
            let name = text.get(span.range()).unwrap_or("");
            let std = if sema.is_std(file) { "std " } else { "" };
            format!(" at {std}line {line} `{name}`")
        }
        None => String::new(),
    };
    let name = sema.def_name(def).unwrap_or_default();
    let what = match def {
        Def::Item(id) => format!("{} {name}", id.tag(db).describe()),
        Def::Local { .. } => "local".to_string(),
        Def::Param { owner, .. } => format!("param {name} of {}", owner.name(db)),
        Def::Module(_) => "module".to_string(),
        Def::Field { record, .. } => format!("field {}.{name}", record.name(db)),
        Def::Variant { enum_, .. } => format!("variant {}.{name}", enum_.name(db)),
        Def::Builtin(_) => format!("builtin {name}"),
        Def::HostField(_) => format!("host field {name}"),
        Def::Method(method) => format!("method {:?}.{name}", method.recv),
    };
    format!("{what}{place}")
}

/// The site and definition of the name at the cursor, and the type of
/// the expression spanning exactly that name.
fn check(fixture: &str, expected: Expect) {
    let (text, offset) = cursor(fixture);
    let (db, file) = database(&text);
    let sema = Semantics::new(&db);
    let actual = match sema.name_at(file, offset) {
        None => "no name".to_string(),
        Some(name) => {
            let def = name
                .def
                .as_ref()
                .map_or("unresolved".into(), |d| show(&db, d));
            let ty = sema
                .type_of(file, name.span)
                .map_or(String::new(), |t| format!(": {t}"));
            format!("{:?} -> {def}{ty}", site_name(&name.site))
        }
    };
    expected.assert_eq(&actual);
}

fn site_name(site: &infrac_compiler::def::Site) -> String {
    let debug = format!("{site:?}");
    debug.split('(').next().unwrap_or(&debug).to_string()
}

const PROGRAM: &str = r#"use std::files

type Web = { port: int, workers: int = 4 }
enum Tier { frontend, backend }

group web: Web = [local(data: { port: 80 })]
param release: str = "2.4.0"

fn conf_path(name: str): str { "/etc/{name}.conf" }

stage base on web {
  let conf = files.directory(conf_path("app"), mode: 0o755)
  let os = facts.os
  for tier in [Tier.frontend] {
    let id = os.id.trim()
  }
  host.data.port
}
"#;

fn at(needle: &str, nth: usize) -> String {
    let (i, _) = PROGRAM.match_indices(needle).nth(nth).expect("needle");
    format!("{}$0{}", &PROGRAM[..i + 1], &PROGRAM[i + 1..])
}

#[test]
fn names_resolve_to_what_the_checker_saw() {
    check(
        &at("conf_path", 1),
        expect![[r#""Value" -> fn conf_path at line 9 `conf_path`"#]],
    );
    check(
        &at("name", 1),
        expect![[r#""Value" -> param name of conf_path at line 9 `name`: str"#]],
    );
    check(
        &at("directory", 0),
        expect![[r#""Member" -> op directory at std line 17 `directory`"#]],
    );
    check(
        &at("files", 1),
        expect![[r#""Value" -> module at std line 1 ``"#]],
    );
    check(
        &at("mode", 0),
        expect![[r#""NamedArg" -> param mode of directory at std line 21 `mode`"#]],
    );
    check(
        &at("os", 1),
        expect![[r#""Fact" -> fact os at std line 146 `os`"#]],
    );
    check(
        &at("os", 2),
        expect![[r#""Value" -> local at line 13 `os`: OsRelease"#]],
    );
    check(
        &at("id", 1),
        expect![[r#""Field" -> field OsRelease.id at std line 47 `id`"#]],
    );
    check(&at("trim", 0), expect![[r#""Field" -> method Str.trim"#]]);
    check(
        &at("frontend", 1),
        expect![[r#""Variant" -> variant Tier.frontend at line 4 `frontend`"#]],
    );
    check(
        &at("Tier", 1),
        expect![[r#""Type" -> enum Tier at line 4 `Tier`"#]],
    );
    check(
        &at("port", 1),
        expect![[r#""Field" -> field Web.port at line 3 `port`"#]],
    );
    check(
        &at("port", 2),
        expect![[r#""Field" -> field Web.port at line 3 `port`"#]],
    );
    check(&at("data", 1), expect![[r#""Field" -> host field data"#]]);
    check(
        &at("host", 0),
        expect![[r#""Value" -> builtin host: Host<Web>"#]],
    );
    check(&at("local", 0), expect![[r#""Value" -> builtin local"#]]);
    check(
        &at("web", 1),
        expect![[r#""Group" -> group web at line 6 `web`"#]],
    );
    check(
        &at("Web", 1),
        expect![[r#""Type" -> type Web at line 3 `Web`"#]],
    );
    check(
        &at("tier", 0),
        expect![[r#""Decl" -> local at line 14 `tier`: Tier"#]],
    );
    check(
        &at("files", 0),
        expect![[r#""Use" -> module at std line 1 ``"#]],
    );
}

#[test]
fn unresolved_names_keep_their_site() {
    check(
        "stage s on g { facts.nope$0 }\ngroup g = [local()]",
        expect![[r#""Fact" -> unresolved"#]],
    );
    check(
        "fn f(x: str): int { x.lenn$0() }",
        expect![[r#""Field" -> unresolved"#]],
    );
    check(
        "fn f(): int { nope$0 }",
        expect![[r#""Value" -> unresolved: {unknown}"#]],
    );
}

#[test]
fn references_are_what_resolves_to_the_same_definition() {
    let (text, offset) = cursor(&at("conf_path", 0));
    let (db, file) = database(&text);
    let sema = Semantics::new(&db);
    let def = sema
        .name_at(file, offset)
        .and_then(|n| n.def)
        .expect("a def");
    let lines: Vec<usize> = sema
        .references(&[file], &def)
        .iter()
        .map(|(_, span)| text[..span.start as usize].matches('\n').count() + 1)
        .collect();
    assert_eq!(lines, vec![9, 12]);
}

#[test]
fn completion_sees_the_scope_and_the_site_at_the_cursor() {
    let (db, file) = database(PROGRAM);
    let sema = Semantics::new(&db);
    // The user is typing `os.` where `os.id.trim()` is.
    let edited = PROGRAM.replacen("os.id.trim()", "os.__cursor", 1);
    let cursor = edited.find("__cursor").expect("placeholder") as u32;
    let ast = infrac_syntax::parse(&edited).file;
    let completion = sema.complete(file, &ast, cursor).expect("a completion");
    let scope: Vec<String> = completion
        .scope
        .iter()
        .map(|e| format!("{}: {}", e.name, e.ty))
        .collect();
    expect![[r#"["host: Host<Web>", "conf: OpResult", "os: OsRelease", "tier: Tier"]"#]]
        .assert_eq(&format!("{scope:?}"));
    let site = match &completion.site {
        Some(infrac_compiler::def::Site::Field) => match &completion.receiver {
            Some(ty) => format!("field of {ty}"),
            None => "field of nothing".to_string(),
        },
        other => format!("{other:?}"),
    };
    expect!["field of OsRelease"].assert_eq(&site);
}

#[test]
fn a_host_constructor_takes_data_typed_by_its_group() {
    let (db, _) = database("");
    let sema = Semantics::new(&db);
    let sig = sema
        .signature(&Def::Builtin(&"ssh"))
        .expect("ssh has a signature");
    let params: Vec<String> = sig
        .params
        .iter()
        .map(|p| format!("{}: {}", p.name, p.ty))
        .collect();
    expect![[r#"["address: str", "user: str?", "port: int?", "identity: str?", "jump: str?", "name: str?", "sudo: bool", "sudo_password: secret?", "data: T"]"#]]
        .assert_eq(&format!("{params:?}"));
}

#[test]
fn completion_after_notify_is_a_handler_site() {
    let (db, file) = database(PROGRAM);
    let sema = Semantics::new(&db);
    let site = |edit: &str| {
        let edited = PROGRAM.replacen("mode: 0o755)", edit, 1);
        let cursor = edited.find("__cursor").expect("placeholder") as u32;
        let ast = infrac_syntax::parse(&edited).file;
        let completion = sema.complete(file, &ast, cursor).expect("a completion");
        format!("{:?}", completion.site)
    };
    expect!["Some(Handler)"].assert_eq(&site("notify: __cursor)"));
    expect!["Some(Handler)"].assert_eq(&site("notify: [conf_path, __cursor])"));
    let member = site("notify: files.__cursor)");
    assert!(member.starts_with("Some(Member("), "{member}");
}
