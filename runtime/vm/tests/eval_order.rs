//! Arguments and record fields are evaluated in source order (they may be
//! op calls with effects), then bound by name.

mod support;

use infrac_vm::value::Value;
use support::*;

const DEFS: &str = r#"
    op mark(name: str) { run(sh"mark {name}") }
    op both(first: OpResult, second: OpResult, flag: bool = false) changes nothing {}
    fn sub(a: int, b: int): int { a - b }
    type Pair = { first: OpResult, second: OpResult, n: int = 1 }
    group g = [local()]
"#;

fn commands(body: &str) -> (Value, Vec<String>) {
    let src = format!("{DEFS}\nstage s on g -> str {{\n{body}\n}}");
    let mut vm = vm(compile(&src));
    let mut host = FakeHost::default();
    let value = host
        .run(&mut vm, 0)
        .unwrap_or_else(|e| panic!("{}", e.message));
    (value, host.commands())
}

#[test]
fn named_arguments_run_in_source_order() {
    let (value, commands) = commands(
        r#"both(second: mark("b"), first: mark("a"))
        "{sub(b: 1, a: 5)}""#,
    );
    assert_eq!(commands, ["mark b", "mark a"]);
    assert_eq!(value, s("4"));
}

#[test]
fn sudo_and_named_arguments_keep_their_order() {
    let (_, commands) = commands(
        r#"both(mark("a"), sudo: mark("s").changed, second: mark("b"))
        "done""#,
    );
    assert_eq!(commands, ["mark a", "mark s", "mark b"]);
}

#[test]
fn record_fields_run_in_source_order() {
    let (value, commands) = commands(
        r#"let p: Pair = { second: mark("b"), first: mark("a") }
        "{p.first.commands} {p.second.commands} {p.n}""#,
    );
    assert_eq!(commands, ["mark b", "mark a"]);
    assert_eq!(value, s(r#"["mark a"] ["mark b"] 1"#));
}

#[test]
fn arguments_written_in_order_run_in_order() {
    let (_, commands) = commands(
        r#"both(mark("a"), second: mark("b"), flag: true)
        "done""#,
    );
    assert_eq!(commands, ["mark a", "mark b"]);
}

#[test]
fn builtins_take_their_documented_argument_names() {
    let (value, _) = commands(r#""{len(x: "abc")} {env(name: "INFRAC_SURELY_UNSET") ?? "-"}""#);
    assert_eq!(value, s("3 -"));
}
