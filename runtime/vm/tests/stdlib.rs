//! The standard library's ops, lowered and run against a fake host.

mod support;

use std::sync::Arc;

use infrac_vm::request::Request;
use infrac_vm::value::Value;
use support::*;

fn file(kind: &str, mode: i64) -> Value {
    let fields = [
        (
            "kind",
            Value::Enum {
                ty: "FileKind".into(),
                variant: kind.into(),
            },
        ),
        ("mode", Value::Int(mode)),
        ("owner", s("root")),
        ("group", s("root")),
        ("size", Value::Int(0)),
        ("sha256", Value::None),
        ("target", Value::None),
    ];
    Value::Record(Arc::new(
        fields.into_iter().map(|(k, v)| (Arc::from(k), v)).collect(),
    ))
}

#[test]
fn every_standard_module_lowers() {
    let program = compile(
        "use std::{apt, files, systemd, server, local}\ngroup g = [local()]\nstage s on g { }",
    );
    for op in [
        "files.directory",
        "files.template",
        "apt.packages",
        "systemd.service",
        "server.user",
    ] {
        assert!(program.ops.iter().any(|o| o.name == op), "{op} missing");
    }
}

#[test]
fn directory_creates_with_its_mode() {
    let src = r#"
        use std::files
        group g = [local()]
        stage s on g -> bool { files.directory("/srv/app", mode: 0o755).changed }
    "#;
    let mut vm = vm(compile(src));
    let mut host = FakeHost::default().fact(key("file", &["/srv/app"]), Value::None);
    assert_eq!(host.run(&mut vm, 0), Ok(Value::Bool(true)));
    assert_eq!(host.commands(), ["mkdir -p -m 755 -- /srv/app"]);
    // The op's read of the file came with the stage's prefetch, first.
    let first = host.requests.first();
    assert_eq!(
        first,
        Some(&Request::ReadFacts(vec![login(key("file", &["/srv/app"]))]))
    );
}

#[test]
fn directory_in_place_changes_nothing() {
    let src = r#"
        use std::files
        group g = [local()]
        stage s on g -> bool { files.directory("/srv/app", mode: 0o755).changed }
    "#;
    let mut vm = vm(compile(src));
    let mut host = FakeHost::default().fact(key("file", &["/srv/app"]), file("dir", 0o755));
    assert_eq!(host.run(&mut vm, 0), Ok(Value::Bool(false)));
    assert!(host.commands().is_empty());
}

#[test]
fn server_shell_runs_unless_its_guard_holds() {
    let src = r#"
        use std::server
        group g = [local()]
        stage s on g -> str { server.shell("app --version", creates: "/opt/app").stdout.trim() }
    "#;
    let mut vm = vm(compile(src));
    // The `creates:` guard reads the file's fact: not there, so the script runs.
    let mut host = FakeHost::default()
        .fact(key("file", &["/opt/app"]), Value::None)
        .output("app --version", 0, " 2.1\n");
    assert_eq!(host.run(&mut vm, 0), Ok(s("2.1")));
    assert_eq!(host.commands(), ["app --version"]);
}

#[test]
fn the_prefetch_follows_constant_arguments_into_ops() {
    let program = compile(
        r#"
        use std::{server, files, apt}
        group g = [local()]
        stage s on g {
          server.group("app", system: true)
          files.directory("/srv/app", mode: 0o755)
          apt.packages(["nginx"])
          let dynamic = "/tmp/" + host.name
          files.directory(dynamic)
        }
    "#,
    );
    let reads: Vec<String> = program.stages[0]
        .prefetch
        .iter()
        .map(|p| format!("{}{:?}", program.facts[p.fact as usize].name, p.args))
        .collect();
    assert_eq!(
        reads,
        [
            r#"group[Str("app")]"#,
            r#"file[Str("/srv/app")]"#,
            "packages[]"
        ]
    );
}

/// Plan predictions read the standard file ops' arguments by parameter
/// name: renaming or removing one of those parameters in
/// `stdlib/files.infra` must change `predict` too.
#[test]
fn predicted_ops_have_the_parameters_predictions_read() {
    let program = compile("use std::files\ngroup g = [local()]\nstage s on g { }");
    for (op, read) in infrac_vm::plan::PREDICTED {
        let def = program.ops.iter().find(|o| o.name == op);
        let def =
            def.unwrap_or_else(|| panic!("{op} is predicted but not in the standard library"));
        assert_eq!(def.params.len(), def.arity as usize, "{op}");
        for name in read {
            assert!(
                def.params.iter().any(|p| p == name),
                "{op} has no parameter `{name}` (it has {:?}), but its prediction reads it",
                def.params
            );
        }
    }
}
