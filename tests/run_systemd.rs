//! `systemd.service` on this machine with a fake `systemctl`: containers
//! here cannot boot systemd, so each `infrac run` runs in a mount
//! namespace (`unshare --mount`) with a tmpfs on `/run` holding
//! `/run/systemd/system` (what `facts.systemd` tests), and a `systemctl`
//! script first on the PATH that records its calls and answers `show`
//! from files under the test's root (a unit exists once a daemon-reload
//! saw its unit file). What is tested is the op's logic: which commands it
//! runs, and when it reads the unit's state.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

mod run_common;

use std::process::{Command, Output};

use run_common::{Program, json_lines, op_events, summary_of};

/// The fake: `$ROOT/units/NAME.service` are the unit files,
/// `$ROOT/loaded/NAME` the units systemd knows (copied at daemon-reload),
/// `$ROOT/active/NAME` and `$ROOT/enabled/NAME` their states, and
/// `$ROOT/calls` one line per call.
const SYSTEMCTL: &str = r#"#!/bin/sh
S=@ROOT@
mkdir -p "$S/loaded" "$S/active" "$S/enabled"
echo "$*" >>"$S/calls"
verb=$1
for last; do :; done
n=${last%.service}
case $verb in
  daemon-reload)
    for f in "$S"/units/*.service; do
      [ -e "$f" ] || continue
      u=${f##*/}; : >"$S/loaded/${u%.service}"
    done ;;
  show)
    if [ -e "$S/loaded/$n" ]; then
      echo LoadState=loaded
      if [ -e "$S/active/$n" ]; then echo ActiveState=active; else echo ActiveState=inactive; fi
      if [ -e "$S/enabled/$n" ]; then echo UnitFileState=enabled; else echo UnitFileState=disabled; fi
    else
      printf 'LoadState=not-found\nActiveState=inactive\nUnitFileState=\n'
    fi ;;
  start|restart) [ -e "$S/loaded/$n" ] || exit 5; : >"$S/active/$n" ;;
  stop) rm -f "$S/active/$n" ;;
  reload) [ -e "$S/active/$n" ] || exit 1 ;;
  enable) [ -e "$S/loaded/$n" ] || exit 1; : >"$S/enabled/$n" ;;
  disable) rm -f "$S/enabled/$n" ;;
  *) exit 1 ;;
esac
"#;

/// A program with the fake `systemctl` installed in `DIR/bin`.
fn program(source: &str) -> Program {
    let p = Program::new(source);
    let bin = p.root().parent().unwrap().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let script = SYSTEMCTL.replace("@ROOT@", &p.root().display().to_string());
    let path = bin.join("systemctl");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// `infrac run site.infra --format json` in a fresh mount namespace where
/// `/run/systemd/system` exists and the fake is first on the PATH.
fn run(p: &Program) -> Output {
    let dir = p.root().parent().unwrap();
    let script = "mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && \
                  cd \"$1\" && PATH=\"$1/bin:$PATH\" exec \"$2\" run site.infra --yes \
                  --format json --set root=\"$1/root\"";
    Command::new("unshare")
        .args(["--mount", "sh", "-c", script, "sh"])
        .arg(dir)
        .arg(env!("CARGO_BIN_EXE_infrac"))
        .output()
        .expect("unshare runs")
}

/// The calls the fake received, then forgets them.
fn take_calls(p: &Program) -> Vec<String> {
    let path = p.root().join("calls");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let _ = std::fs::remove_file(&path);
    text.lines().map(str::to_string).collect()
}

fn calls_of(verbs: &[&str]) -> Vec<String> {
    verbs.iter().map(|s| s.to_string()).collect()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "the run failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
}

const SHOW: &str = "show --property=LoadState,ActiveState,UnitFileState -- app";

/// Item 10 (a): the stage reads the unit's state before its unit file is
/// written; the op reads it again after its own daemon-reload.
#[test]
fn service_reads_the_unit_after_its_own_daemon_reload() {
    let p = program(
        r#"use std::{files, systemd}
param root: str
group here = [local()]
stage deploy on here {
  let unit_before = facts.service("app")
  let unit = files.file("{root}/units/app.service", content: "[Service]\n")
  systemd.service("app", running: true, enabled: true,
                  daemon_reload: unit.changed, restarted: unit.changed)
  if unit_before != none and unit.changed { fail "the unit existed before its file" }
}
"#,
    );
    let first = run(&p);
    ok(&first);
    assert_eq!(summary_of(&first)["changed"], 2, "{:?}", json_lines(&first));
    assert_eq!(
        take_calls(&p),
        calls_of(&[SHOW, "daemon-reload", SHOW, "start -- app", "enable -- app"])
    );
    assert!(p.root().join("active/app").exists());
    assert!(p.root().join("enabled/app").exists());

    let second = run(&p);
    ok(&second);
    assert_eq!(summary_of(&second)["changed"], 0);
    for op in op_events(&second) {
        assert_eq!(op["commands"], serde_json::json!([]), "{op}");
    }
    assert_eq!(take_calls(&p), calls_of(&[SHOW]));
}

/// Item 10 (b): nothing asked of the unit is a no-op, even when the unit
/// does not exist (the stage's prefetch may still read its state).
#[test]
fn service_with_nothing_to_do_ignores_a_missing_unit() {
    let p = program(
        r#"use std::systemd
param root: str
group here = [local()]
stage deploy on here {
  systemd.service("app", restarted: false)
  systemd.service("app", restarted: false, reloaded: false, running: none)
}
"#,
    );
    let out = run(&p);
    ok(&out);
    assert_eq!(summary_of(&out)["changed"], 0);
    assert_eq!(changing(&take_calls(&p)), Vec::<String>::new());
}

/// Asked to do something, a missing unit fails the host, naming it.
#[test]
fn service_fails_on_a_missing_unit_when_asked_to_act() {
    for args in ["running: true", "restarted: true", "enabled: false"] {
        let p = program(&format!(
            "use std::systemd\nparam root: str\ngroup here = [local()]\n\
             stage deploy on here {{ systemd.service(\"app\", {args}) }}\n"
        ));
        let out = run(&p);
        assert!(!out.status.success(), "{args}: the run should fail");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("systemd unit app does not exist"),
            "{args}: {text}"
        );
        assert_eq!(take_calls(&p), calls_of(&[SHOW]), "{args}");
    }
}

/// Restarted and reloaded: a restart when asked, a reload only when it is
/// active, and neither right after this call started it.
#[test]
fn service_restarts_and_reloads_as_asked() {
    let p = program(
        r#"use std::systemd
param root: str
group here = [local()]
stage deploy on here {
  systemd.service("app", daemon_reload: true, running: true, restarted: true)
  systemd.service("app", reloaded: true)
}
"#,
    );
    std::fs::create_dir(p.root().join("units")).unwrap();
    std::fs::write(p.root().join("units/app.service"), "[Service]\n").unwrap();
    let out = run(&p);
    ok(&out);
    // Started (not also restarted), then reloaded: it is active now. The
    // state is read after the reload (a read before it may be prefetched).
    let calls = take_calls(&p);
    assert_eq!(
        changing(&calls),
        calls_of(&["daemon-reload", "start -- app", "reload -- app"])
    );
    let reload = calls.iter().position(|c| c == "daemon-reload");
    assert_eq!(
        calls.get(reload.map_or(0, |i| i + 1)),
        Some(&SHOW.to_string())
    );
    let again = run(&p);
    ok(&again);
    assert_eq!(
        changing(&take_calls(&p)),
        calls_of(&["daemon-reload", "restart -- app", "reload -- app"])
    );
}

/// The calls that change something (every call but `show`).
fn changing(calls: &[String]) -> Vec<String> {
    calls
        .iter()
        .filter(|c| !c.starts_with("show "))
        .cloned()
        .collect()
}

/// `server.service` on a host that runs systemd is `systemd.service`.
#[test]
fn server_service_uses_systemd_when_it_runs() {
    let p = program(
        r#"use std::server
param root: str
group here = [local()]
stage deploy on here { server.service("app", running: true, enabled: false) }
"#,
    );
    std::fs::create_dir_all(p.root().join("loaded")).unwrap();
    std::fs::write(p.root().join("loaded/app"), "").unwrap();
    let out = run(&p);
    ok(&out);
    assert_eq!(changing(&take_calls(&p)), calls_of(&["start -- app"]));
    let again = run(&p);
    ok(&again);
    assert_eq!(summary_of(&again)["changed"], 0);
}
