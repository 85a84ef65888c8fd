//! Fewer round trips (`Vm::batch_requests`): commands whose results are
//! unused travel with the next request, and a fact read brings the facts
//! the rest of the stage will read — without changing what the program
//! does or where it fails.

mod support;

use infrac_vm::Event;
use infrac_vm::request::{FactKey, Request};
use infrac_vm::value::Value;
use support::*;

fn batching(src: &str) -> infrac_vm::Vm {
    let mut vm = vm(compile(src));
    vm.batch_requests(true);
    vm
}

/// A record of one field (enough for the facts these programs read).
fn record1(name: &str, value: Value) -> Value {
    let field = (std::sync::Arc::from(name), value);
    Value::Record(std::sync::Arc::new([field].into_iter().collect()))
}

fn read_keys(host: &FakeHost) -> Vec<FactKey> {
    fn keys(r: &Request, out: &mut Vec<FactKey>) {
        match r {
            Request::ReadFacts(q) => out.extend(q.iter().map(|q| q.key.clone())),
            Request::Batch(b) => b.then.iter().for_each(|t| keys(t, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    host.requests.iter().for_each(|r| keys(r, &mut out));
    out
}

const DEPLOY: &str = r#"
    use std::{files, server}
    param root: str = "/srv"
    group g = [local()]
    stage s on g {
      files.directory("{root}/a")
      files.directory("{root}/b")
      server.shell("touch {root}/stamp", creates: "{root}/stamp")
    }
"#;

#[test]
fn a_stage_reads_its_facts_once_and_sends_its_commands_once() {
    let mut vm = batching(DEPLOY);
    let mut host = FakeHost::default()
        .fact(key("file", &["/srv/a"]), Value::None)
        .fact(key("file", &["/srv/b"]), Value::None)
        .fact(key("file", &["/srv/stamp"]), Value::None);
    assert_eq!(host.run(&mut vm, 0), Ok(Value::None));
    // The look-ahead found all three facts (their paths are computed).
    assert_eq!(shape(&host), ["read(3)", "defer+defer+defer"]);
    assert_eq!(
        host.commands(),
        [
            "mkdir -p -- /srv/a",
            "mkdir -p -- /srv/b",
            "touch /srv/stamp"
        ]
    );
    // Every op is reported, as changed, once its command ran.
    let ends: Vec<bool> = host
        .events
        .iter()
        .filter_map(|e| match e {
            Event::OpEnd {
                depth: 0, changed, ..
            } => Some(*changed),
            _ => None,
        })
        .collect();
    assert_eq!(ends, [true, true, true]);
}

#[test]
fn without_batching_every_read_and_command_is_a_round_trip() {
    let mut vm = vm(compile(DEPLOY));
    let mut host = FakeHost::default()
        .fact(key("file", &["/srv/a"]), Value::None)
        .fact(key("file", &["/srv/b"]), Value::None)
        .fact(key("file", &["/srv/stamp"]), Value::None);
    assert_eq!(host.run(&mut vm, 0), Ok(Value::None));
    assert_eq!(shape(&host).len(), 6);
}

#[test]
fn a_deferred_command_that_fails_fails_the_host_at_its_own_op() {
    let mut vm = batching(DEPLOY);
    let mut host = FakeHost::default()
        .fact(key("file", &["/srv/a"]), Value::None)
        .fact(key("file", &["/srv/b"]), Value::None)
        .fact(key("file", &["/srv/stamp"]), Value::None)
        .output("mkdir -p -- /srv/b", 1, "");
    let err = host.run(&mut vm, 0).expect_err("the host fails");
    assert!(
        err.message.contains("mkdir -p -- /srv/b"),
        "{}",
        err.message
    );
    // Placed at the `mkdir` in files.directory, called from line 7 (the
    // second op), not at the op the VM had reached.
    let called_from = err.notes.last().map(|n| n.span).unwrap_or_default();
    let (start, end) = (called_from.start as usize, called_from.end as usize);
    assert_eq!(&DEPLOY[start..end], "files.directory(\"{root}/b\")");
    // The command after it did not run, and no op after it is reported.
    assert_eq!(shape(&host), ["read(3)", "defer+defer+defer"]);
    let ended: Vec<&Event> = host
        .events
        .iter()
        .filter(|e| matches!(e, Event::OpEnd { depth: 0, .. }))
        .collect();
    assert_eq!(ended.len(), 1, "only the first op ended: {ended:?}");
}

#[test]
fn a_used_result_waits_for_its_command() {
    let src = r#"
        use std::{files, server}
        group g = [local()]
        stage s on g -> str {
          files.directory("/srv/a")
          let v = server.shell("cat /etc/version")
          files.file("/srv/a/version", content: v.stdout)
          v.stdout
        }
    "#;
    let mut vm = batching(src);
    let mut host = FakeHost::default()
        .fact(key("file", &["/srv/a"]), Value::None)
        .fact(key("file", &["/srv/a/version"]), Value::None)
        .output("cat /etc/version", 0, "7\n");
    assert_eq!(host.run(&mut vm, 0), Ok(s("7\n")));
    // The shell's result is used: the batch before it ends there (with the
    // file's fact, dropped by the shell's op and read after it), and the
    // upload (after the command making the new file's parents) waits for
    // the stage's end.
    assert_eq!(
        shape(&host),
        ["read(2)", "defer+defer+read(1)", "defer+defer-upload"]
    );
}

#[test]
fn a_failure_after_deferred_commands_lets_them_run_first() {
    let src = r#"
        use std::files
        group g = [local()]
        stage s on g {
          files.directory("/srv/a")
          fail "stop here"
        }
    "#;
    let mut vm = batching(src);
    let mut host = FakeHost::default().fact(key("file", &["/srv/a"]), Value::None);
    let err = host.run(&mut vm, 0).expect_err("the host fails");
    assert_eq!(err.message, "stop here");
    assert_eq!(host.commands(), ["mkdir -p -- /srv/a"]);
}

#[test]
fn the_look_ahead_follows_both_ways_of_a_fact_dependent_branch() {
    let src = r#"
        use std::files
        group g = [local()]
        stage s on g {
          if facts.os.id == "debian" {
            files.directory("/srv/deb")
          } else {
            files.directory("/srv/other")
          }
          files.directory("/srv/last")
        }
    "#;
    let mut vm = batching(src);
    let os = record1("id", s("debian"));
    let mut host = FakeHost::default()
        .fact(key("os", &[]), os)
        .fact(key("file", &["/srv/deb"]), Value::None)
        .fact(key("file", &["/srv/other"]), Value::None)
        .fact(key("file", &["/srv/last"]), Value::None);
    assert_eq!(host.run(&mut vm, 0), Ok(Value::None));
    assert_eq!(shape(&host), ["read(4)", "defer+defer"]);
    assert_eq!(
        read_keys(&host),
        [
            key("os", &[]),
            key("file", &["/srv/deb"]),
            key("file", &["/srv/other"]),
            key("file", &["/srv/last"]),
        ]
    );
}

#[test]
fn a_fact_changed_by_an_op_is_read_again_after_its_command() {
    let src = r#"
        use std::{files, server}
        group g = [local()]
        stage s on g -> bool {
          server.shell("make-it")
          facts.file("/srv/made") != none
        }
    "#;
    let mut vm = batching(src);
    let mut host = FakeHost::default().fact(key("file", &["/srv/made"]), Value::None);
    assert_eq!(host.run(&mut vm, 0), Ok(Value::Bool(false)));
    // Read ahead at the start; the shell command may change anything, so
    // the batch checks on the host, after it, that the file is still as
    // it was: one round trip for the command and the check.
    assert_eq!(shape(&host), ["read(1)", "defer+check"]);
}

#[test]
fn a_checked_fact_that_changed_takes_the_host_back_to_where_it_was_read() {
    let src = r#"
        use std::{files, server}
        group g = [local()]
        stage s on g -> bool {
          server.shell("make-it")
          let made = facts.file("/srv/made") != none
          if made { files.directory("/srv/after-made") }
          made
        }
    "#;
    let mut vm = batching(src);
    let made = record1("kind", s("file"));
    let mut host = FakeHost::default()
        .fact(key("file", &["/srv/made"]), Value::None)
        .fact(key("file", &["/srv/after-made"]), Value::None)
        .changed_by_commands(key("file", &["/srv/made"]), made);
    // The program sees the file the shell made, as if read after it.
    assert_eq!(host.run(&mut vm, 0), Ok(Value::Bool(true)));
    assert_eq!(host.commands(), ["make-it", "mkdir -p -- /srv/after-made"]);
    // The first batch stopped at the check; the branch it took with the
    // old value (nothing to make) was dropped and taken again.
    assert_eq!(shape(&host)[..2], ["read(2)", "defer+check"]);
    let ends = host
        .events
        .iter()
        .filter(|e| matches!(e, Event::OpEnd { depth: 0, .. }))
        .count();
    assert_eq!(ends, 2, "each op reported once: {:?}", host.events);
}
