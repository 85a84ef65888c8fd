//! `server.sysctl` on this machine, inside a network namespace the test
//! makes (`unshare --net`): `net.ipv4.*` parameters there are the
//! namespace's own, so the machine's kernel settings are never touched.
//! Each scenario runs its `infrac run`s in one namespace, in order.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

const PROGRAM: &str = r#"use std::server
param file: str
param persist: bool = true
group here = [local()]
stage tune on here {
  server.sysctl("net.ipv4.ip_default_ttl", "77", file: file, persist: persist)
  server.sysctl("net.ipv4.ip_local_port_range", "20000	40000", file: file, persist: persist)
}
"#;

/// What one scenario saw: each run's JSON events and exit status, then
/// the parameters' values in the namespace at the end.
struct Scenario {
    runs: Vec<(bool, Vec<Json>, String)>,
    values: String,
}

/// Runs `infrac run site.infra` once per entry of `sets` (extra `--set`s),
/// in one fresh network namespace, then reads the parameters.
fn scenario(dir: &Path, program: &str, sets: &[&[&str]]) -> Scenario {
    std::fs::write(dir.join("site.infra"), program).unwrap();
    let infrac = env!("CARGO_BIN_EXE_infrac");
    let mut script = String::from("cd \"$1\"\n");
    for (i, extra) in sets.iter().enumerate() {
        let sets: Vec<String> = extra.iter().map(|s| format!("--set '{s}'")).collect();
        script.push_str(&format!(
            "\"$2\" run site.infra --yes --format json --set file=\"$1/99-test.conf\" {} \
             >run{i}.json 2>run{i}.err; echo $? >run{i}.code\n",
            sets.join(" ")
        ));
    }
    script.push_str("sysctl -n net.ipv4.ip_default_ttl net.ipv4.ip_local_port_range >values\n");
    let status = Command::new("unshare")
        .args(["--net", "sh", "-c", &script, "sh"])
        .arg(dir)
        .arg(infrac)
        .status()
        .expect("unshare runs");
    assert!(status.success(), "the namespace script failed");
    let read = |name: String| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let runs = (0..sets.len())
        .map(|i| {
            let events = read(format!("run{i}.json"))
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            let ok = read(format!("run{i}.code")).trim() == "0";
            (ok, events, read(format!("run{i}.err")))
        })
        .collect();
    Scenario {
        runs,
        values: read("values".into()),
    }
}

fn summary(events: &[Json]) -> &Json {
    events
        .iter()
        .find(|e| e["event"] == "summary")
        .expect("a summary event")
}

fn ops(events: &[Json]) -> Vec<&Json> {
    events.iter().filter(|e| e["event"] == "op").collect()
}

#[test]
fn sysctl_sets_and_persists_then_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A line for the key with other spacing is replaced, not doubled.
    std::fs::write(
        dir.path().join("99-test.conf"),
        "# kept\nnet.ipv4.ip_default_ttl=50\n",
    )
    .unwrap();
    let seen = scenario(dir.path(), PROGRAM, &[&[], &[]]);
    let (ok, first, err) = &seen.runs[0];
    assert!(ok, "first run failed: {err}");
    assert_eq!(summary(first)["changed"], 2, "{first:?}");
    let (ok, second, err) = &seen.runs[1];
    assert!(ok, "second run failed: {err}");
    assert_eq!(summary(second)["changed"], 0);
    for op in ops(second) {
        assert_eq!(op["commands"], serde_json::json!([]), "{op}");
    }
    // The fields as the kernel prints them (a tab between).
    assert_eq!(seen.values, "77\n20000\t40000\n");
    let file = std::fs::read_to_string(dir.path().join("99-test.conf")).unwrap();
    assert_eq!(
        file,
        "# kept\nnet.ipv4.ip_default_ttl = 77\nnet.ipv4.ip_local_port_range = 20000 40000\n"
    );
}

#[test]
fn sysctl_without_persist_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let seen = scenario(dir.path(), PROGRAM, &[&["persist=false"]]);
    let (ok, first, err) = &seen.runs[0];
    assert!(ok, "{err}");
    assert_eq!(summary(first)["changed"], 2);
    assert_eq!(seen.values, "77\n20000\t40000\n");
    assert!(!dir.path().join("99-test.conf").exists());
}

#[test]
fn sysctl_refuses_unknown_and_malformed_names() {
    for (key, message) in [
        (
            "net.ipv4.no_such_parameter",
            "the kernel has no parameter net.ipv4.no_such_parameter",
        ),
        ("net.ipv4 -p", "is not a kernel parameter name"),
        ("-p", "is not a kernel parameter name"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let program = format!(
            "use std::server\nparam file: str\ngroup here = [local()]\n\
             stage tune on here {{ server.sysctl(\"{key}\", \"1\", file: file) }}\n"
        );
        let seen = scenario(dir.path(), &program, &[&[]]);
        let (ok, events, _) = &seen.runs[0];
        assert!(!ok, "{key}: the run should fail");
        let text = serde_json::to_string(events).unwrap();
        assert!(text.contains(message), "{key}: {text}");
        assert!(!dir.path().join("99-test.conf").exists(), "{key}");
    }
}
