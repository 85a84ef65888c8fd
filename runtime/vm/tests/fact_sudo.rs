//! Facts are read as the user in force where they are read (§2.12), and
//! cached per user.

mod support;

use std::sync::Arc;

use infrac_vm::Vm;
use infrac_vm::request::{FactQuery, Request, Sudo};
use infrac_vm::value::Value;
use support::*;

const SECRET: &str = "/etc/secret";

const DEFS: &str = r#"
    fact seen(path: str): bool { facts.file(path) != none }
    op need(path: str) changes nothing {
      if not facts.seen(path) { fail "{path} is absent" }
    }
    op touch(path: str) changes facts.file(path) {
      if facts.file(path) == none { run(sh"touch {path}") }
    }
    group g = [local()]
"#;

fn root() -> Option<Sudo> {
    Some(Sudo { user: None })
}

fn as_root(path: &str) -> FactQuery {
    FactQuery {
        key: key("file", &[path]),
        sudo: root(),
    }
}

fn as_login(path: &str) -> FactQuery {
    login(key("file", &[path]))
}

/// The fact reads, one list per request.
fn reads(host: &FakeHost) -> Vec<Vec<FactQuery>> {
    host.requests
        .iter()
        .filter_map(|r| match r {
            Request::ReadFacts(queries) => Some(queries.clone()),
            _ => None,
        })
        .collect()
}

/// A host where only root sees `path`.
fn root_only(path: &str) -> FakeHost {
    let file = Value::Record(Arc::new(
        [(Arc::from("mode"), Value::Int(0o600))]
            .into_iter()
            .collect(),
    ));
    FakeHost::default()
        .fact(key("file", &[path]), Value::None)
        .fact_as(key("file", &[path]), root(), file)
}

#[test]
fn reads_inside_a_sudo_call_go_through_sudo_and_are_cached_apart() {
    let src = format!(
        r#"{DEFS}
        stage s on g -> str {{
          let before = facts.seen("{SECRET}")
          need("{SECRET}", sudo: true)
          let after = facts.seen("{SECRET}")
          "{{before}} {{after}}"
        }}
    "#
    );
    let mut vm = vm(compile(&src));
    let mut host = root_only(SECRET);
    // `need` fails if its read shares the login user's cache entries
    // (native or of the fact body `seen`).
    assert_eq!(host.run(&mut vm, 0), Ok(s("false false")));
    assert_eq!(
        reads(&host),
        [vec![as_login(SECRET)], vec![as_root(SECRET)]]
    );
    assert!(vm.cached_fact(&as_root(SECRET)).is_some());
}

#[test]
fn a_call_with_its_own_sudo_is_not_prefetched_as_the_stage() {
    let src = format!(
        r#"{DEFS}
        stage s on g {{ need("{SECRET}", sudo: true) }}
    "#
    );
    let mut vm = vm(compile(&src));
    let mut host = root_only(SECRET);
    assert_eq!(host.run(&mut vm, 0), Ok(Value::None));
    assert_eq!(reads(&host), [vec![as_root(SECRET)]]);
}

#[test]
fn sudo_user_reads_as_that_user() {
    let src = format!(
        r#"{DEFS}
        stage s on g {{ need("{SECRET}", sudo_user: "app") }}
    "#
    );
    let mut vm = vm(compile(&src));
    let mut host = root_only(SECRET);
    let err = host.run(&mut vm, 0).expect_err("app cannot see it");
    assert_eq!(err.message, format!("{SECRET} is absent"));
    let app = Some(Sudo {
        user: Some("app".into()),
    });
    let last = reads(&host).pop().unwrap_or_default();
    assert_eq!(last.first().map(|q| &q.sudo), Some(&app));
}

#[test]
fn a_sudo_stage_prefetches_and_reads_as_root() {
    let src = format!(
        r#"{DEFS}
        stage s on g (sudo: true) -> bool {{ facts.seen("{SECRET}") }}
    "#
    );
    let mut vm = vm(compile(&src));
    let mut host = root_only(SECRET);
    assert_eq!(host.run(&mut vm, 0), Ok(Value::Bool(true)));
    assert_eq!(reads(&host), [vec![as_root(SECRET)]]);
}

#[test]
fn a_sudo_host_prefetches_and_reads_as_root() {
    let src = format!(
        r#"{DEFS}
        stage s on g -> bool {{ facts.seen("{SECRET}") }}
    "#
    );
    let ctx = context(compile(&src), &[]);
    let mut vm = Vm::new(Arc::new(ctx), host(true));
    let mut fake = root_only(SECRET);
    assert_eq!(fake.run(&mut vm, 0), Ok(Value::Bool(true)));
    assert_eq!(reads(&fake), [vec![as_root(SECRET)]]);
}

#[test]
fn a_change_as_root_drops_the_fact_for_every_user() {
    let src = format!(
        r#"{DEFS}
        stage s on g -> bool {{
          let before = facts.seen("/a")
          touch("/a", sudo: true)
          facts.seen("/a") == before
        }}
    "#
    );
    let mut vm = vm(compile(&src));
    let mut host = FakeHost::default().fact(key("file", &["/a"]), Value::None);
    assert_eq!(host.run(&mut vm, 0), Ok(Value::Bool(true)));
    assert_eq!(host.commands(), ["touch /a"]);
    // The login user's entry was dropped with root's: read again.
    assert_eq!(
        reads(&host),
        [
            vec![as_login("/a")],
            vec![as_root("/a")],
            vec![as_login("/a")]
        ]
    );
}
