//! Ordering across the test bed's hosts, checked with timestamps written by
//! the hosts themselves (the containers share this machine's clock):
//! stages in order across groups, hosts of a stage not in lock-step,
//! `serial` batches, `max_failures`, a value from `one(control)`.

mod fleet_common;
use fleet_common::{Program, assert_exit, read_in, summary_of, testbed, times};

/// The timestamps in `file` of `dir` on a container (`here`: this machine).
fn stamps(host: &str, dir: &str, file: &str) -> Vec<f64> {
    let path = format!("{dir}/{file}");
    let text = if host == "here" {
        std::fs::read_to_string(&path).unwrap_or_default()
    } else {
        read_in(host, &path)
    };
    times(&text)
}

fn first(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn last(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

#[test]
fn the_next_stage_waits_for_every_host_of_the_previous_one() {
    let Some(bed) = testbed() else { return };
    // Group b's hosts (on this machine) check every marker of group a's
    // containers; infrac-host-2 is slow to write its marker.
    let program = Program::new(
        r#"
use std::server

param dir: str

group a = [ssh("infrac-host-1"), ssh("infrac-host-2")]
group b = [local(name: "b1"), local(name: "b2")]

stage mark on a {
  server.shell("mkdir -p {dir}; if [ {host.name} = infrac-host-2 ]; then sleep 2; fi; date +%s.%N > {dir}/marker")
}

stage check on b {
  server.shell("for h in infrac-host-1 infrac-host-2; do docker exec $h test -s {dir}/marker || exit 1; done; mkdir -p {dir}; date +%s.%N >> {dir}/check")
}
"#,
    );
    let out = program.run(&bed, &[]);
    assert_exit(&out, 0);
    let slow_marker = stamps("infrac-host-2", &program.dir, "marker");
    let checks = stamps("here", &program.dir, "check");
    assert_eq!(slow_marker.len(), 1);
    assert_eq!(checks.len(), 2, "both hosts of b found every marker");
    assert!(
        last(&slow_marker) < first(&checks),
        "{slow_marker:?} {checks:?}"
    );
}

#[test]
fn hosts_of_a_stage_are_not_in_lock_step() {
    let Some(bed) = testbed() else { return };
    let program = Program::new(
        r#"
use std::server

param dir: str

group pair = [ssh("infrac-host-1"), ssh("infrac-host-3")]

stage s on pair {
  server.shell("mkdir -p {dir}; if [ {host.name} = infrac-host-3 ]; then sleep 5; fi; date +%s.%N >> {dir}/t")
  server.shell("date +%s.%N >> {dir}/t")
  server.shell("date +%s.%N >> {dir}/t")
}
"#,
    );
    let out = program.run(&bed, &[]);
    assert_exit(&out, 0);
    let fast = stamps("infrac-host-1", &program.dir, "t");
    let slow = stamps("infrac-host-3", &program.dir, "t");
    assert_eq!((fast.len(), slow.len()), (3, 3));
    // The fast host ran its whole body while the slow one was still in its
    // first op.
    assert!(last(&fast) < first(&slow), "{fast:?} {slow:?}");
}

#[test]
fn serial_batches_run_one_after_the_other() {
    let Some(bed) = testbed() else { return };
    let program = Program::new(
        r#"
use std::server

param dir: str

group four = [ssh("infrac-host-1"), ssh("infrac-host-2"), ssh("infrac-host-3"), local(name: "here")]

stage s on four (serial: 2) {
  server.shell("mkdir -p {dir}; date +%s.%N > {dir}/start; sleep 0.5; date +%s.%N > {dir}/end")
}
"#,
    );
    let out = program.run(&bed, &[]);
    assert_exit(&out, 0);
    let span = |host: &str| {
        let start = stamps(host, &program.dir, "start");
        let end = stamps(host, &program.dir, "end");
        assert_eq!((start.len(), end.len()), (1, 1), "{host}");
        (first(&start), last(&end))
    };
    let batch1 = [span("infrac-host-1"), span("infrac-host-2")];
    let batch2 = [span("infrac-host-3"), span("here")];
    let end1 = batch1.iter().map(|s| s.1).fold(f64::NEG_INFINITY, f64::max);
    let start2 = batch2.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
    assert!(end1 < start2, "{batch1:?} then {batch2:?}");
}

#[test]
fn max_failures_stops_new_batches_and_later_stages() {
    let Some(bed) = testbed() else { return };
    let program = Program::new(
        r#"
use std::server

param dir: str

group three = [ssh("infrac-host-1"), ssh("infrac-host-2"), ssh("infrac-host-3")]

stage s on three (serial: 1, max_failures: 1) {
  if host.name == "infrac-host-1" { fail "the first host fails" }
  server.shell("mkdir -p {dir}; touch {dir}/ran")
}

stage later on three {
  server.shell("mkdir -p {dir}; touch {dir}/later")
}
"#,
    );
    let out = program.run(&bed, &[]);
    assert_exit(&out, 3);
    for host in ["infrac-host-2", "infrac-host-3"] {
        let out = fleet_common::docker(&["exec", host, "ls", &program.dir]);
        assert!(
            String::from_utf8_lossy(&out.stdout).trim().is_empty(),
            "{host} ran nothing"
        );
    }
    let summary = summary_of(&out);
    assert_eq!(summary["failed"], 1, "{summary}");
    assert_eq!(
        summary["hosts"]["infrac-host-1"]["error"]["message"],
        "the first host fails"
    );
    let skipped = summary["skipped_stages"].to_string();
    assert!(skipped.contains("later"), "{summary}");
    // The hosts of the batches that never started say so.
    assert_eq!(summary["skipped"], 2, "{summary}");
    for host in ["infrac-host-2", "infrac-host-3"] {
        let entry = &summary["hosts"][host];
        assert_eq!(entry["failed"], false, "{summary}");
        assert_eq!(entry["skipped"]["stage"], "s", "{summary}");
        assert_eq!(
            entry["skipped"]["reason"], "the stage stopped after 1 failed host (max_failures: 1)",
            "{summary}"
        );
    }
    let events = fleet_common::json_lines(&out);
    let skipped_events = events
        .iter()
        .filter(|e| e["event"] == "host_skipped")
        .count();
    assert_eq!(skipped_events, 2, "{events:?}");
}

#[test]
fn a_value_from_one_control_host_reaches_the_workers() {
    let Some(bed) = testbed() else { return };
    let program = Program::new(
        r#"
use std::files
use std::server

param dir: str

group control = [ssh("infrac-host-3")]
group workers = [ssh("infrac-host-1"), ssh("infrac-host-2"), local(name: "here")]

stage token on one(control) -> str {
  server.shell("echo tok-$(id -un)-$(cut -d. -f1 /etc/debian_version)").stdout.trim()
}

stage spread on workers {
  files.directory(dir)
  files.file("{dir}/token", content: token + "\n")
}
"#,
    );
    let out = program.run(&bed, &[]);
    assert_exit(&out, 0);
    for host in ["infrac-host-1", "infrac-host-2"] {
        assert_eq!(
            read_in(host, &format!("{}/token", program.dir)),
            "tok-deploy-12\n"
        );
    }
    let here = std::fs::read_to_string(format!("{}/token", program.dir)).unwrap_or_default();
    assert_eq!(here, "tok-deploy-12\n");
}
