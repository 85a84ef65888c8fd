//! Plan and apply modes of the VM, against a scripted host: what a plan
//! records, how unknown values spread, and what apply lets through.

use std::sync::Arc;

use infrac_vm::Vm;
use infrac_vm::plan::{ApplySession, HostExpect, Mode, Outcome, PlanSession};
use infrac_vm::request::Request;
use infrac_vm::value::Value;

mod support;
use support::{FakeHost, compile, context, key, local_host, s};

const TOUCH: &str = r#"
group here = [local()]

op touch(path: str) changes facts.file(path) {
  let f = facts.file(path)
  if f == none { run(sh"touch {path}") }
}

stage s on here {
  touch("/r/a")
  touch("/r/a")
  let r = touch("/r/b")
  if r.stdout == "" { touch("/r/c") }
  touch("/r/d")
}
"#;

/// Line (1-based) of byte `offset` in `src`.
fn line_of(src: &str, offset: u32) -> usize {
    src[..offset as usize].matches('\n').count() + 1
}

fn fresh_host() -> FakeHost {
    FakeHost::default()
        .fact(key("file", &["/r/a"]), Value::None)
        .fact(key("file", &["/r/b"]), Value::None)
}

#[test]
fn plan_records_commands_and_spreads_unknowns() {
    let session = Arc::new(PlanSession::new(false));
    let ctx = context(compile(TOUCH), &[]).with_mode(Mode::Plan(Arc::clone(&session)));
    let mut vm = Vm::new(Arc::new(ctx), local_host());
    let mut host = fresh_host();
    let value = host.run(&mut vm, 0);
    assert!(matches!(value, Ok(Value::Unknown(_))), "{value:?}");
    // Nothing that changes was sent to the host.
    assert!(
        host.requests
            .iter()
            .all(|r| matches!(r, Request::ReadFacts(_))),
        "{:?}",
        host.requests
    );
    let plans = session.take();
    let plan = plans.values().next().expect("one host planned");
    let outcomes: Vec<(usize, String)> = plan
        .steps
        .iter()
        .map(|step| {
            let what = match &step.outcome {
                Outcome::NoChange => "no change".to_string(),
                Outcome::WillChange => format!("will change: {}", step.commands[0].display()),
                Outcome::MayChange(u) => {
                    format!(
                        "may change: line {} ({})",
                        line_of(TOUCH, u.span.start),
                        u.what
                    )
                }
                Outcome::RestUndetermined(u) => {
                    format!(
                        "undetermined: line {} ({})",
                        line_of(TOUCH, u.span.start),
                        u.what
                    )
                }
            };
            (line_of(TOUCH, step.span.start), what)
        })
        .collect();
    expect_test::expect![[r#"
        [
            (
                10,
                "will change: touch /r/a",
            ),
            (
                11,
                "may change: line 10 (facts.file(\"/r/a\"))",
            ),
            (
                12,
                "will change: touch /r/b",
            ),
            (
                13,
                "undetermined: line 12 (the output of a planned command)",
            ),
        ]
    "#]]
    .assert_debug_eq(&outcomes);
    // The plan relied on the two files it read.
    assert_eq!(plan.relied.len(), 2, "{:?}", plan.relied);
}

#[test]
fn apply_runs_the_planned_commands_and_refuses_drift() {
    let src = r#"
group here = [local()]

op touch(path: str) changes facts.file(path) {
  let f = facts.file(path)
  if f == none { run(sh"touch {path}") }
}

stage s on here {
  touch("/r/a")
}
"#;
    let session = Arc::new(PlanSession::new(false));
    let ctx = context(compile(src), &[]).with_mode(Mode::Plan(Arc::clone(&session)));
    let mut vm = Vm::new(Arc::new(ctx), local_host());
    fresh_host().run(&mut vm, 0).expect("plan");
    let plans = session.take();
    let (name, plan) = plans.iter().next().expect("one host planned");
    let apply = Arc::new(ApplySession {
        hosts: [(name.clone(), HostExpect::from_plan(plan))].into(),
    });
    let ctx = Arc::new(context(compile(src), &[]).with_mode(Mode::Apply(apply)));

    let mut same = fresh_host();
    let mut vm = Vm::new(Arc::clone(&ctx), local_host());
    same.run(&mut vm, 0).expect("apply");
    assert_eq!(same.commands(), ["touch /r/a"]);

    let mut drifted = FakeHost::default().fact(key("file", &["/r/a"]), s("a file now"));
    let mut vm = Vm::new(ctx, local_host());
    let err = drifted.run(&mut vm, 0).expect_err("drift");
    assert!(
        err.message.starts_with(
            r#"the host drifted since the plan: facts.file("/r/a") was none, now a file now"#
        ),
        "{}",
        err.message
    );
    assert!(drifted.commands().is_empty());
}
