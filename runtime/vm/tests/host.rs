//! What a program does to a host: commands, facts, ops, sudo, secrets.

mod support;

use std::sync::Arc;

use infrac_vm::Event;
use infrac_vm::request::{FactKey, Request, Sudo};
use infrac_vm::value::Value;
use support::*;

fn record(fields: &[(&str, Value)]) -> Value {
    Value::Record(Arc::new(
        fields
            .iter()
            .map(|(k, v)| (Arc::from(*k), v.clone()))
            .collect(),
    ))
}

fn os() -> Value {
    record(&[
        ("id", s("debian")),
        ("version_id", s("12")),
        ("pretty_name", s("Debian")),
        ("id_like", Value::List(Arc::default())),
    ])
}

fn fact_reads(host: &FakeHost) -> Vec<Vec<FactKey>> {
    host.requests
        .iter()
        .filter_map(|r| match r {
            Request::ReadFacts(queries) => Some(queries.iter().map(|q| q.key.clone()).collect()),
            _ => None,
        })
        .collect()
}

#[test]
fn commands_quote_interpolations_and_redact_secrets() {
    let src = r#"
        param pw: secret
        group g = [local()]
        stage s on g -> str {
          let name = "it's a $(test)"
          let words = ["a b", "c"]
          let r = probe(sh"echo {name} {raw("| cat")} {pw} {words}")
          r.stdout
        }
    "#;
    let mut vm = vm_with(compile(src), &[("pw", "p w")]);
    let mut host = FakeHost::default().output("echo", 0, "out");
    assert_eq!(host.run(&mut vm, 0), Ok(s("out")));
    let Some(Request::Exec(e)) = host.requests.first() else {
        panic!("no command")
    };
    // The secret is a reference; its value travels apart (on stdin).
    assert_eq!(
        e.script,
        r#"echo 'it'\''s a $(test)' | cat "${infrac_s0?infrac: a secret did not reach this shell}" 'a b' c"#
    );
    assert_eq!(e.secrets.values, [std::sync::Arc::from("p w")]);
    assert_eq!(e.display, r#"echo 'it'\''s a $(test)' | cat *** 'a b' c"#);
    assert!(!e.changing);
}

#[test]
fn facts_are_cached_and_prefetched() {
    let src = r#"
        group g = [local()]
        stage s on g -> str {
          let a = facts.os.id
          let f = facts.file("/etc/hosts")
          let again = facts.os.version_id
          "{a} {again} {f == none}"
        }
    "#;
    let mut vm = vm(compile(src));
    let mut host = FakeHost::default()
        .fact(key("os", &[]), os())
        .fact(key("file", &["/etc/hosts"]), Value::None);
    assert_eq!(host.run(&mut vm, 0), Ok(s("debian 12 true")));
    // One round trip for the stage's prefetch list, none after.
    assert_eq!(
        fact_reads(&host),
        vec![vec![key("os", &[]), key("file", &["/etc/hosts"])]]
    );
    // A later stage on the same VM finds them cached.
    let mut host2 = FakeHost::default();
    assert_eq!(host2.run(&mut vm, 0), Ok(s("debian 12 true")));
    assert!(host2.requests.is_empty());
}

#[test]
fn fact_read_errors_fail_at_the_read() {
    let src = "group g = [local()]\nfn p(): str { \"/x\" }\nstage s on g -> bool { facts.file(p()) == none }";
    let mut vm = vm(compile(src));
    let e = FakeHost::default()
        .run(&mut vm, 0)
        .expect_err("no such fact");
    assert_eq!(e.message, r#"cannot read facts.file("/x"): no such fact"#);
    assert_eq!(
        &src[e.span.start as usize..e.span.end as usize],
        "facts.file(p())"
    );
}

const OPS: &str = r#"
    op touch(path: str) changes facts.file(path) {
      if facts.file(path) == none { run(sh"touch {path}") }
    }
    op noop() changes nothing { probe(sh"true") }
    op anything() { run(sh"do-anything") }
    op both(path: str) { touch(path) }
    fact touched(path: str): bool { facts.file(path) != none }
    group g = [local()]
"#;

#[test]
fn ops_report_changes_and_invalidate_their_facts() {
    let src = format!(
        r#"{OPS}
        stage s on g -> str {{
          let before = facts.touched("/a")
          let r1 = touch("/a")
          let after = facts.touched("/a")
          let r2 = noop()
          "{{before}} {{r1.changed}} {{r1.commands}} {{after}} {{r2.changed}}"
        }}
    "#
    );
    let mut vm = vm(compile(&src));
    let mut host = FakeHost::default().fact(key("file", &["/a"]), Value::None);
    // The fake host's facts never change, so `after` is still false: what
    // matters is that `file("/a")` was read again after `touch` changed it
    // (the fact `touched("/a")`, computed from it, went with it), and that
    // `touch` itself used the cached value.
    assert_eq!(
        host.run(&mut vm, 0),
        Ok(s(r#"false true ["touch /a"] false false"#))
    );
    let reads = fact_reads(&host);
    assert_eq!(
        reads,
        [vec![key("file", &["/a"])], vec![key("file", &["/a"])]]
    );
    assert_eq!(host.commands(), ["touch /a", "true"]);
    let events: Vec<(String, u32, bool)> = host
        .events
        .iter()
        .filter_map(|e| match e {
            Event::OpEnd {
                op, depth, changed, ..
            } => Some((op.clone(), *depth, *changed)),
            _ => None,
        })
        .collect();
    assert_eq!(
        events,
        [
            ("site.touch".into(), 0, true),
            ("site.noop".into(), 0, false)
        ]
    );
}

#[test]
fn an_op_without_changes_clause_drops_every_fact() {
    let src = format!("{OPS}\nstage s on g {{ facts.os\n anything()\n facts.os }}");
    let mut vm = vm(compile(&src));
    let mut host = FakeHost::default().fact(key("os", &[]), os());
    assert!(host.run(&mut vm, 0).is_ok());
    assert_eq!(fact_reads(&host).len(), 2);
}

#[test]
fn nested_changes_count_for_the_caller() {
    let src = format!(
        "{OPS}\nstage s on g -> bool {{ let r = both(\"/b\")\n r.changed and r.commands.len() == 1 }}"
    );
    let mut vm = vm(compile(&src));
    let mut host = FakeHost::default().fact(key("file", &["/b"]), Value::None);
    assert_eq!(host.run(&mut vm, 0), Ok(Value::Bool(true)));
    let starts: Vec<u32> = host
        .events
        .iter()
        .filter_map(|e| {
            if let Event::OpStart { depth, .. } = e {
                Some(*depth)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(starts, [0, 1]);
}

#[test]
fn sudo_reaches_every_command_of_the_call() {
    let src = format!(
        r#"{OPS}
        stage s on g {{
          anything()
          anything(sudo: true)
          both("/c", sudo_user: "app")
          anything(sudo_user: "app", sudo: false)
        }}
        stage t on g (sudo: true) {{ anything()
          anything(sudo: false) }}
    "#
    );
    let program = compile(&src);
    let mut vm = vm(program);
    let mut host = FakeHost::default().fact(key("file", &["/c"]), Value::None);
    host.run(&mut vm, 0).expect("runs");
    host.run(&mut vm, 1).expect("runs");
    let sudo: Vec<Option<Sudo>> = host
        .requests
        .iter()
        .filter_map(|r| {
            if let Request::Exec(e) = r {
                Some(e.sudo.clone())
            } else {
                None
            }
        })
        .collect();
    let root = Some(Sudo { user: None });
    let app = Some(Sudo {
        user: Some("app".into()),
    });
    assert_eq!(sudo, [None, root.clone(), app, None, root, None]);
}

#[test]
fn failed_commands_fail_the_host_unless_unchecked() {
    let src = r#"
        op strict() { run(sh"false") }
        op lenient() changes nothing { let r = run(sh"false", check: false)
          if r.code != 3 { fail "expected 3" } }
        group g = [local()]
        stage a on g { lenient() }
        stage b on g { strict() }
    "#;
    let mut vm = vm(compile(src));
    let mut host = FakeHost::default().output("false", 3, "");
    assert_eq!(host.run(&mut vm, 0), Ok(Value::None));
    let e = host.run(&mut vm, 1).expect_err("strict fails");
    assert_eq!(e.message, "command failed with exit code 3: false\nboom");
    assert_eq!(
        &src[e.span.start as usize..e.span.end as usize],
        r#"run(sh"false")"#
    );
    assert_eq!(
        &src[e.notes[0].span.start as usize..e.notes[0].span.end as usize],
        "strict()"
    );
}

#[test]
fn uploads_carry_content_and_mode() {
    let src = r#"
        op put() changes nothing { upload("/etc/x", content: "hi", mode: 0o600) }
        group g = [local()]
        stage s on g -> bool { put().changed }
    "#;
    let mut vm = vm(compile(src));
    let mut host = FakeHost::default();
    assert_eq!(host.run(&mut vm, 0), Ok(Value::Bool(true)));
    let Some(Request::Upload(u)) = host.requests.first() else {
        panic!("no upload")
    };
    assert_eq!(u.remote, "/etc/x");
    assert_eq!(u.mode, Some(0o600));
    assert_eq!(
        u.source,
        infrac_vm::request::UploadSource::Content(b"hi".to_vec())
    );
}

#[test]
fn stage_values_and_host_are_readable() {
    let src = r#"
        group g = [local()]
        stage token on one(g) -> str { "t-" + host.name }
        stage use_it on g -> str { token + "!" }
    "#;
    let mut vm = vm(compile(src));
    let mut host = FakeHost::default();
    let t = host.run(&mut vm, 0).expect("token");
    assert_eq!(t, s("t-box"));
    vm.start_stage(1, &[Some(t)]).expect("starts");
    assert_eq!(vm.resume(None, 1000), infrac_vm::Halt::Done(s("t-box!")));
}

#[test]
fn the_budget_interrupts_long_loops() {
    let src =
        "group g = [local()]\nstage s on g { for x in [1, 2, 3, 4, 5, 6, 7, 8, 9] { x * 2 } }";
    let mut vm = vm(compile(src));
    vm.start_stage(0, &[]).expect("starts");
    assert_eq!(vm.resume(None, 10), infrac_vm::Halt::Budget);
    let mut halts = 1;
    while vm.resume(None, 10) == infrac_vm::Halt::Budget {
        halts += 1;
    }
    assert!(halts > 3, "{halts}");
}

#[test]
fn bad_fact_data_fails_where_it_is_used() {
    let src = "group g = [local()]\nstage s on g -> str { facts.os.pretty_name }";
    let mut vm = vm(compile(src));
    let mut host = FakeHost::default().fact(key("os", &[]), record(&[("id", s("debian"))]));
    let e = host
        .run(&mut vm, 0)
        .expect_err("the reader's record lacks a field");
    assert_eq!(e.message, "the record has no field `pretty_name`");
    assert_eq!(
        &src[e.span.start as usize..e.span.end as usize],
        "facts.os.pretty_name"
    );
}

#[test]
fn op_events_point_at_the_call() {
    let src = format!("{OPS}\nstage s on g {{ noop() }}");
    let mut vm = vm(compile(&src));
    let mut host = FakeHost::default();
    host.run(&mut vm, 0).expect("runs");
    let Some(Event::OpStart {
        op, span, depth, ..
    }) = host.events.first()
    else {
        panic!("no event")
    };
    assert_eq!((op.as_str(), *depth), ("site.noop", 0));
    assert_eq!(&src[span.start as usize..span.end as usize], "noop()");
}
