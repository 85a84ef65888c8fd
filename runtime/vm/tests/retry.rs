//! Retried calls (`retries:`, `delay:`, `until:`) against the fake host:
//! what is sent between attempts, and what the last failure says.

mod support;

use infrac_vm::Event;
use infrac_vm::value::Value;
use support::*;

#[test]
fn a_failing_op_is_called_again_after_the_delay_and_fails_with_the_attempts() {
    let src = r#"
        op flaky() changes nothing { run(sh"flaky-command") }
        group g = [local()]
        stage s on g { flaky(retries: 2, delay: 7) }
    "#;
    let mut vm = vm(compile(src));
    vm.batch_requests(true);
    let mut host = FakeHost::default().output("flaky-command", 1, "");
    let err = host.run(&mut vm, 0).err().map(|e| e.message);
    assert_eq!(
        err.as_deref(),
        Some("after 3 attempts: command failed with exit code 1: flaky-command\nboom")
    );
    // Each attempt runs alone (no batching inside a retried call), the
    // delay is the controller's.
    assert_eq!(shape(&host), ["run", "sleep(7)", "run", "sleep(7)", "run"]);
    let retries: Vec<(u64, u64, u64)> = host
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Retry {
                attempt,
                attempts,
                delay,
                ..
            } => Some((*attempt, *attempts, *delay)),
            _ => None,
        })
        .collect();
    assert_eq!(retries, [(1, 3, 7), (2, 3, 7)]);
}

#[test]
fn until_sees_the_result_and_a_delay_of_zero_sends_no_sleep() {
    let src = r#"
        group g = [local()]
        stage s on g -> str {
          probe(sh"status", retries: 3, delay: 0, until: result.stdout == "up").stdout
        }
    "#;
    let mut first = vm(compile(src));
    let mut host = FakeHost::default().output("status", 0, "down");
    let err = host.run(&mut first, 0).err().map(|e| e.message);
    assert_eq!(
        err.as_deref(),
        Some("after 4 attempts: `until:` is still false")
    );
    assert_eq!(shape(&host), ["run", "run", "run", "run"]);
    let mut again = vm(compile(src));
    let mut up = FakeHost::default().output("status", 0, "up");
    assert_eq!(up.run(&mut again, 0), Ok(Value::Str("up".into())));
    assert_eq!(shape(&up), ["run"]);
}

#[test]
fn commands_sent_later_go_before_a_retried_call_starts() {
    let src = r#"
        op touch() changes nothing { run(sh"touch /a") }
        op flaky() changes nothing { run(sh"flaky-command") }
        group g = [local()]
        stage s on g {
          touch()
          flaky(retries: 1, delay: 0)
          touch()
        }
    "#;
    let mut vm = vm(compile(src));
    vm.batch_requests(true);
    let mut host = FakeHost::default().output("flaky-command", 1, "");
    let err = host.run(&mut vm, 0).err().map(|e| e.message);
    assert!(
        err.as_deref()
            .is_some_and(|e| e.starts_with("after 2 attempts: command failed")),
        "{err:?}"
    );
    // The first `touch` is deferred, then sent alone before the retried
    // call; the second never runs.
    assert_eq!(shape(&host), ["defer", "run", "run"]);
    assert_eq!(
        host.commands(),
        ["touch /a", "flaky-command", "flaky-command"]
    );
}

#[test]
fn no_retries_fails_as_an_unretried_call_and_an_inner_call_retries_first() {
    let src = r#"
        param tries: int = 0
        op flaky() changes nothing { run(sh"flaky-command") }
        op outer() changes nothing { flaky(retries: 1, delay: 0) }
        group g = [local()]
        stage s on g { flaky(retries: tries) }
        stage t on g { outer(retries: 1, delay: 0) }
    "#;
    let mut vm = vm(compile(src));
    let mut host = FakeHost::default().output("flaky-command", 1, "");
    let once = host.run(&mut vm, 0).err().map(|e| e.message);
    assert_eq!(
        once.as_deref(),
        Some("command failed with exit code 1: flaky-command\nboom")
    );
    let mut nested = FakeHost::default().output("flaky-command", 1, "");
    let err = nested.run(&mut vm, 1).err().map(|e| e.message);
    assert_eq!(
        err.as_deref(),
        Some(
            "after 2 attempts: after 2 attempts: command failed with exit code 1: flaky-command\nboom"
        )
    );
    assert_eq!(
        nested.commands().len(),
        4,
        "2 outer attempts of 2 inner ones"
    );
}
