//! The language's expressions and statements, run on the VM.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

mod support;

use infrac_vm::value::Value;
use support::*;

/// The value of `body` as the body of a `-> T` stage.
fn value(ty: &str, body: &str) -> Value {
    let src = format!("group g = [local()]\nstage s on g -> {ty} {{\n{body}\n}}");
    match eval(&src) {
        Ok(v) => v,
        Err(e) => panic!("{}: {:?}", e.message, e.span),
    }
}

fn error(body: &str) -> (String, String) {
    let src = format!("group g = [local()]\nstage s on g -> int {{\n{body}\n}}");
    let e = eval(&src).expect_err("the stage should fail");
    let at = src
        .get(e.span.start as usize..e.span.end as usize)
        .unwrap_or("?")
        .to_string();
    (e.message, at)
}

#[test]
fn arithmetic() {
    assert_eq!(value("int", "1 + 2 * 3 - 8 / 2 % 3"), Value::Int(6));
    assert_eq!(value("int", "-(2 + 3)"), Value::Int(-5));
    assert_eq!(value("float", "1.5 * 2.0"), Value::Float(3.0));
    assert_eq!(
        value("bool", "1 < 2 and not (3 >= 4) or false"),
        Value::Bool(true)
    );
    assert_eq!(value("int", "0x1f + 0o10 + 0b11"), Value::Int(42));
}

#[test]
fn strings_and_formats() {
    assert_eq!(
        value(
            "str",
            r#"let n = 493
"{n:o} {255:x} {7:03} {"a" + "b"} {true} {[1, 2]}""#
        ),
        s("755 ff 007 ab true [1, 2]")
    );
    assert_eq!(
        value(
            "str",
            r#"" a,b ".trim().split(",").reverse().join("-").upper()"#
        ),
        s("B-A")
    );
    assert_eq!(
        value("int", r#""héllo".len() + len([1, 2]) + len({ "k": 1 })"#),
        Value::Int(8)
    );
    assert_eq!(value("int?", r#""12".to_int()"#), Value::Int(12));
    assert_eq!(value("int?", r#""x".to_int()"#), Value::None);
}

#[test]
fn control_flow() {
    let body = r#"
        let xs = [1, 2, 3, 4]
        let total = if xs.len() > 3 { "many" } else { "few" }
        let m = { "a": 1, "b": 2 }
        let ks = m.keys().join(",")
        let kind = match xs[1] { 1 => "one", 2 | 3 => "two-three", _ => "other" }
        "{total} {ks} {kind} {m.get("b")} {m["zz"] ?? 9}"
    "#;
    assert_eq!(value("str", body), s("many a,b two-three 2 9"));
}

#[test]
fn loops_and_functions() {
    let src = r#"
        fn sum(xs: list<int>): int {
          let total = 0
          for x in xs { if x > 100 { return -1 } }
          xs.len() * 10
        }
        fn fact_of(n: int): int { if n <= 1 { 1 } else { n * fact_of(n - 1) } }
        fn pairs(m: map<str, int>): str {
          let out = ""
          for k, v in m { if v == 2 { return "found {k}" } }
          "none"
        }
        group g = [local()]
        stage s on g -> str { "{sum([1, 2])} {sum([1, 200])} {fact_of(5)} {pairs({ "a": 1, "b": 2 })}" }
    "#;
    assert_eq!(eval(src), Ok(s("20 -1 120 found b")));
}

#[test]
fn records_enums_and_optional_chaining() {
    let src = r#"
        enum Tier { frontend, backend }
        type Web = { port: int, workers: int = 4, tier: Tier = Tier.backend, tags: list<str> = [] }
        fn describe(w: Web?): str { "{w?.port ?? 0}/{w?.workers ?? 0}" }
        group g = [local()]
        stage s on g -> str {
          let w: Web = { port: 80 }
          let tier = match w.tier { Tier.frontend => "f", Tier.backend => "b" }
          "{describe(w)} {describe(none)} {tier} {w.tags.len()} {w.tier == Tier.backend}"
        }
    "#;
    assert_eq!(eval(src), Ok(s("80/4 0/0 b 0 true")));
}

#[test]
fn named_arguments_and_defaults() {
    let src = r#"
        type Opts = { verbose: bool = false, level: int = 1 }
        fn f(a: int, b: int = 10, o: Opts = {}): str { "{a} {b} {o.verbose} {o.level}" }
        group g = [local()]
        stage s on g -> str { f(1) + " / " + f(2, o: { level: 3 }, b: 5) }
    "#;
    assert_eq!(eval(src), Ok(s("1 10 false 1 / 2 5 false 3")));
}

#[test]
fn run_time_errors_point_at_their_source() {
    assert_eq!(
        error("let z = 0\n10 / z"),
        ("division by zero".into(), "10 / z".into())
    );
    let (msg, at) = error("let xs = [1]\nxs[3]");
    assert_eq!(msg, "index 3 is out of range (the list has 1 elements)");
    assert_eq!(at, "xs[3]");
    let (msg, at) = error(
        r#"let n = 2
if n > 1 { fail "too many: {n}" }
n"#,
    );
    assert_eq!(msg, "too many: 2");
    assert_eq!(at, r#"fail "too many: {n}""#);
}

#[test]
fn errors_in_functions_note_their_callers() {
    let src = "fn inner(x: int): int { x / 0 }\nfn outer(): int { inner(1) }\ngroup g = [local()]\nstage s on g -> int { outer() }";
    let e = eval(src).expect_err("fails");
    let text = |span: infrac_vm::Span| &src[span.start as usize..span.end as usize];
    assert_eq!(text(e.span), "x / 0");
    let notes: Vec<&str> = e.notes.iter().map(|n| text(n.span)).collect();
    assert_eq!(notes, ["inner(1)", "outer()"]);
}

#[test]
fn runaway_recursion_fails_the_host() {
    let src = "fn f(n: int): int { f(n + 1) }\ngroup g = [local()]\nstage s on g -> int { f(0) }";
    let e = eval(src).expect_err("fails");
    assert!(
        e.message.starts_with("calls nested too deeply"),
        "{}",
        e.message
    );
}
