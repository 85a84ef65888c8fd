//! End-to-end tests of waiting and retrying on this machine (`local()`):
//! `std::wait` against a TCP listener the test opens late on 127.0.0.1,
//! waits that time out, retried op calls and probes over a counter file,
//! and plans, which do not wait.

use std::net::TcpListener;
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

mod run_common;
use run_common::{Program, json_lines, op_events};

/// The events of kind `kind` (`"waiting"`, `"retry"`, `"host_failed"`).
fn events(out: &Output, kind: &str) -> Vec<Json> {
    json_lines(out)
        .into_iter()
        .filter(|l| l["event"] == kind)
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A TCP port of 127.0.0.1 that nothing listens on (the kernel's choice).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    listener
        .local_addr()
        .unwrap_or_else(|e| panic!("local_addr: {e}"))
        .port()
}

/// The failure message of the run's only failed host.
fn failure(out: &Output) -> String {
    let failed = events(out, "host_failed");
    assert_eq!(failed.len(), 1, "{failed:?} {}", stderr(out));
    failed[0]["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_wait_for_a_port_ends_when_the_service_listens() {
    let port = free_port();
    let program = Program::new(
        "use std::wait\nparam root: str\nparam port: int\ngroup here = [local()]\n\
         stage s on here {\n  wait.port(port, timeout: 20)\n}\n",
    );
    // The service starts listening 2 s after the run begins, until the
    // run ends.
    let (done, ended) = std::sync::mpsc::channel::<()>();
    let service = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(2));
        let listener = TcpListener::bind(("127.0.0.1", port));
        let _ = ended.recv_timeout(Duration::from_secs(30));
        drop(listener);
    });
    let started = Instant::now();
    let out = program.run_json(&["--set", &format!("port={port}")]);
    let took = started.elapsed();
    let _ = done.send(());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        took >= Duration::from_millis(1500),
        "did not wait: {took:?}"
    );
    assert!(took < Duration::from_secs(15), "waited too long: {took:?}");
    let waiting = events(&out, "waiting");
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["op"], "wait.port");
    assert_eq!(waiting[0]["line"], 6);
    assert_eq!(
        waiting[0]["what"],
        format!("port {port} on 127.0.0.1 to open")
    );
    assert_eq!(waiting[0]["timeout_s"], 20);
    let ops = op_events(&out);
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert_eq!(ops[0]["status"], "ok", "a wait changes nothing");
    let _ = service.join();
}

#[test]
fn the_live_lines_say_what_a_host_waits_for() {
    let program = Program::new(
        "use std::wait\nparam root: str\ngroup here = [local()]\n\
         stage s on here {\n  wait.file(\"{root}\", timeout: 5)\n  wait.sleep(1)\n}\n",
    );
    let out = program.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let root = program.root().display().to_string();
    assert!(
        text.contains(&format!(
            "[local] wait.file (site.infra:5): waiting for {root} to exist (up to 5 s)"
        )),
        "{text}"
    );
    assert!(
        text.contains("[local] wait.sleep (site.infra:6): waiting for 1 s to pass (up to 1 s)"),
        "{text}"
    );
}

#[test]
fn a_wait_that_times_out_fails_the_host_saying_what_it_waited_for() {
    let port = free_port();
    let program = Program::new(
        "use std::wait\nparam root: str\nparam port: int\ngroup here = [local()]\n\
         stage s on here {\n  wait.port(port, open: false, timeout: 1)\n  \
         wait.file(\"{root}/never\", timeout: 1)\n  wait.sleep(0)\n}\n",
    );
    let started = Instant::now();
    let out = program.run_json(&["--set", &format!("port={port}")]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(10));
    let root = program.root().display().to_string();
    assert_eq!(
        failure(&out),
        format!("timed out after 1 s waiting for {root}/never to exist")
    );
    // The closed port was closed at once; the file's wait failed there.
    let ops = op_events(&out);
    let statuses: Vec<&Json> = ops.iter().map(|o| &o["status"]).collect();
    assert_eq!(statuses, ["ok", "failed"], "{ops:?}");
    assert_eq!(events(&out, "host_failed")[0]["error"]["line"], 7);
}

#[test]
fn a_wait_with_a_negative_timeout_fails_the_host() {
    let program = Program::new(
        "use std::wait\nparam root: str\nparam t: int\ngroup here = [local()]\n\
         stage s on here {\n  wait.command(sh\"true\", timeout: t)\n}\n",
    );
    let out = program.run_json(&["--set", "t=-3"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(
        failure(&out),
        "waiting for the command to succeed: the timeout must not be negative, got -3"
    );
}

/// A command that counts its runs in `{root}/count` and fails until the
/// third.
const COUNTER: &str =
    "n=$(cat {root}/count 2>/dev/null || echo 0); n=$((n+1)); echo $n > {root}/count; echo run $n";

fn count(program: &Program) -> String {
    std::fs::read_to_string(program.root().join("count"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[test]
fn a_retried_op_succeeds_on_the_third_attempt() {
    let program = Program::new(&format!(
        "use std::server\nparam root: str\ngroup here = [local()]\n\
         stage s on here {{\n  server.shell(\"{COUNTER}; [ $n -ge 3 ]\", retries: 4, delay: 1)\n}}\n"
    ));
    let started = Instant::now();
    let out = program.run_json(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "two delays of 1 s"
    );
    assert_eq!(count(&program), "3");
    let retries = events(&out, "retry");
    assert_eq!(retries.len(), 2, "{retries:?}");
    for (i, retry) in retries.iter().enumerate() {
        assert_eq!(retry["attempt"], i + 1);
        assert_eq!(retry["attempts"], 5);
        assert_eq!(retry["delay_s"], 1);
        assert_eq!(retry["op"], "server.shell");
        assert_eq!(retry["line"], 5);
        let error = retry["error"].as_str().unwrap_or_default();
        assert!(
            error.starts_with("command failed with exit code 1"),
            "{error}"
        );
    }
    let ops = op_events(&out);
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert_eq!(ops[0]["status"], "changed");
}

#[test]
fn the_last_failure_of_a_retried_op_says_how_many_attempts_were_made() {
    let program = Program::new(&format!(
        "use std::server\nparam root: str\ngroup here = [local()]\n\
         stage s on here {{\n  server.shell(\"{COUNTER}; false\", retries: 2, delay: 0)\n}}\n"
    ));
    let out = program.run_json(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(count(&program), "3");
    let message = failure(&out);
    assert!(
        message.starts_with("after 3 attempts: command failed with exit code 1"),
        "{message}"
    );
    assert_eq!(events(&out, "retry").len(), 2);
}

#[test]
fn the_delay_before_an_attempt_ends_with_the_hosts_time() {
    let program = Program::new(
        "use std::server\nparam root: str\ngroup here = [local()]\n\
         stage s on here {\n  server.shell(\"false\", retries: 3, delay: 30)\n}\n",
    );
    let started = Instant::now();
    let out = program.run_json(&["--host-timeout", "2"]);
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let message = failure(&out);
    assert!(
        message.contains(
            "the host's time in the stage ran out during the 30 s before its next attempt"
        ),
        "{message}"
    );
}

#[test]
fn a_probe_is_tried_again_until_its_result_holds() {
    let program = Program::new(&format!(
        "param root: str\ngroup here = [local()]\nstage s on here {{\n  \
         let r = probe(sh\"{COUNTER}\", retries: 5, delay: 0, until: result.stdout.trim() == \"run 3\")\n  \
         if r.stdout.trim() != \"run 3\" {{ fail \"got {{r.stdout}}\" }}\n}}\n"
    ));
    let out = program.run_json(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(count(&program), "3");
    let retries = events(&out, "retry");
    assert_eq!(retries.len(), 2, "{retries:?}");
    assert_eq!(retries[0]["op"], "probe");
    assert_eq!(retries[0]["error"], "`until:` is still false");
}

#[test]
fn an_until_that_never_holds_fails_after_every_attempt() {
    let program = Program::new(&format!(
        "use std::server\nparam root: str\nparam tries: int\ngroup here = [local()]\n\
         stage s on here {{\n  server.shell(\"{COUNTER}\", retries: tries, delay: 0, until: result.stdout == \"never\")\n}}\n"
    ));
    let out = program.run_json(&["--set", "tries=1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(count(&program), "2");
    assert_eq!(failure(&out), "after 2 attempts: `until:` is still false");
    let negative = program.run_json(&["--set", "tries=-1"]);
    assert_eq!(
        failure(&negative),
        "`retries:` must not be negative, got -1"
    );
}

#[test]
fn a_plan_neither_waits_nor_retries() {
    let port = free_port();
    let program = Program::new(&format!(
        "use std::{{server, wait}}\nparam root: str\nparam port: int\ngroup here = [local()]\n\
         stage s on here {{\n  wait.port(port, timeout: 60)\n  wait.sleep(60)\n  \
         server.shell(\"{COUNTER}; false\", retries: 5, delay: 60)\n}}\n"
    ));
    let started = Instant::now();
    let root = format!("root={}", program.root().display());
    let port = format!("port={port}");
    let out = program.infrac(&["plan", "site.infra", "--set", &root, "--set", &port]);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Plan: 1 host, 1 op will change, 0 undetermined, 2 unchanged."),
        "{text}"
    );
    assert_eq!(count(&program), "", "a plan runs no changing command");
}

#[test]
fn ctrl_c_ends_the_delay_before_the_next_attempt() {
    let program = Program::new(&format!(
        "use std::server\nparam root: str\ngroup here = [local()]\n\
         stage s on here {{\n  server.shell(\"{COUNTER}; false\", retries: 5, delay: 60)\n}}\n"
    ));
    let started = Instant::now();
    let child = program.spawn_json(&[]);
    std::thread::sleep(Duration::from_millis(1000));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(kill.is_ok_and(|s| s.success()));
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(count(&program), "1", "no second attempt");
    assert_eq!(
        failure(&out),
        "interrupted (Ctrl-C) before the next attempt"
    );
}

#[test]
fn an_apply_retries_the_planned_commands() {
    let program = Program::new(&format!(
        "use std::server\nparam root: str\ngroup here = [local()]\n\
         stage s on here {{\n  server.shell(\"{COUNTER}; [ $n -ge 3 ]\", retries: 3, delay: 0)\n}}\n"
    ));
    let root = format!("root={}", program.root().display());
    let infrac = |args: &[&str]| program.infrac(args);
    let plan = infrac(&["plan", "site.infra", "--set", &root, "-o", "plan.json"]);
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    assert_eq!(count(&program), "", "the plan ran nothing");
    let apply = infrac(&["apply", "plan.json", "--format", "json"]);
    assert_eq!(apply.status.code(), Some(0), "{}", stderr(&apply));
    assert_eq!(count(&program), "3");
    assert_eq!(events(&apply, "retry").len(), 2);
}
