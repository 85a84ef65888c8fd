//! `server.service` without systemd, and `server.script`, on this machine.
//!
//! `server.service`: each scenario runs its `infrac run`s in one mount
//! namespace (`unshare --mount`) with tmpfs on `/run` (no
//! `/run/systemd/system`: `facts.systemd` is false), on `/etc/init.d` and
//! on `/etc/rc[2-5].d`, so that the init script `app` and its runlevel
//! links are the test's own. System V: a fake `/etc/init.d/app` and
//! `update-rc.d`; OpenRC: a fake `rc-service` and `rc-update`. The fakes
//! record their changing calls in `ROOT/calls`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

mod run_common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use run_common::{Program, has_command, summary_of};
use serde_json::Value as Json;

const INIT_SCRIPT: &str = r#"#!/bin/sh
S=@ROOT@
case $1 in
  status) [ -e "$S/running" ]; exit ;;
esac
echo "init.d $1" >>"$S/calls"
case $1 in
  start|restart) : >"$S/running" ;;
  stop) rm -f "$S/running" ;;
  reload) [ -e "$S/running" ] ;;
esac
"#;

const UPDATE_RC_D: &str = r#"#!/bin/sh
S=@ROOT@
echo "update-rc.d $*" >>"$S/calls"
case $2 in
  defaults) [ -e "/etc/rc2.d/S01$1" ] || [ -e "/etc/rc2.d/K01$1" ] || ln -s "../init.d/$1" "/etc/rc2.d/S01$1" ;;
  enable) if [ -e "/etc/rc2.d/K01$1" ]; then mv "/etc/rc2.d/K01$1" "/etc/rc2.d/S01$1"; fi ;;
  disable) if [ -e "/etc/rc2.d/S01$1" ]; then mv "/etc/rc2.d/S01$1" "/etc/rc2.d/K01$1"; fi ;;
esac
"#;

const RC_SERVICE: &str = r#"#!/bin/sh
S=@ROOT@
if [ "$1" = -e ]; then [ "$2" = app ]; exit; fi
if [ "$2" = status ]; then [ -e "$S/running" ]; exit; fi
echo "rc-service $*" >>"$S/calls"
case $2 in
  start|restart) : >"$S/running" ;;
  stop) rm -f "$S/running" ;;
  reload) [ -e "$S/running" ] ;;
esac
"#;

const RC_UPDATE: &str = r#"#!/bin/sh
S=@ROOT@
case $1 in
  show) if [ -e "$S/enabled" ]; then echo "                  app | default"; fi
        echo "                 sshd | default" ;;
  add) echo "rc-update $*" >>"$S/calls"; : >"$S/enabled" ;;
  del) echo "rc-update $*" >>"$S/calls"; rm -f "$S/enabled" ;;
esac
"#;

/// `name` in `DIR/bin` (or at `path`), executable, with `@ROOT@` replaced.
fn install(p: &Program, path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        path,
        text.replace("@ROOT@", &p.root().display().to_string()),
    )
    .unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// One run's exit status, JSON events and the fakes' calls during it.
struct Run {
    ok: bool,
    events: Vec<Json>,
    calls: Vec<String>,
}

impl Run {
    fn changed(&self) -> i64 {
        summary_of_events(&self.events)
    }
}

fn summary_of_events(events: &[Json]) -> i64 {
    events
        .iter()
        .find(|e| e["event"] == "summary")
        .and_then(|e| e["changed"].as_i64())
        .unwrap_or(-1)
}

/// Runs each program of `programs` in order, in one mount namespace (see
/// the file's docs), with `DIR/bin` first on the PATH and `DIR/init.d/*`
/// copied into the namespace's `/etc/init.d`.
fn scenario(p: &Program, programs: &[&str]) -> Vec<Run> {
    let dir = p.root().parent().unwrap();
    let mut script = String::from(
        "mount -t tmpfs tmpfs /run || exit 1\n\
         for d in /etc/init.d /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d; do\n\
           mkdir -p \"$d\" 2>/dev/null; mount -t tmpfs tmpfs \"$d\" || exit 1\n\
         done\n\
         if [ -d \"$1/init.d\" ]; then cp \"$1\"/init.d/* /etc/init.d/; fi\n\
         cd \"$1\" && export PATH=\"$1/bin:$PATH\"\n",
    );
    for (i, program) in programs.iter().enumerate() {
        std::fs::write(dir.join(format!("site{i}.infra")), program).unwrap();
        script.push_str(&format!(
            "\"$2\" run site{i}.infra --yes --format json --set root=\"$1/root\" \
             >run{i}.json 2>run{i}.err; echo $? >run{i}.code\n\
             mv root/calls calls{i} 2>/dev/null || true\n"
        ));
    }
    let status = Command::new("unshare")
        .args(["--mount", "sh", "-c", &script, "sh"])
        .arg(dir)
        .arg(env!("CARGO_BIN_EXE_infrac"))
        .status()
        .expect("unshare runs");
    assert!(status.success(), "the namespace script failed");
    let read = |name: String| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    (0..programs.len())
        .map(|i| Run {
            ok: read(format!("run{i}.code")).trim() == "0",
            events: read(format!("run{i}.json"))
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect(),
            calls: read(format!("calls{i}"))
                .lines()
                .map(str::to_string)
                .collect(),
        })
        .collect()
}

fn service_program(args: &str) -> String {
    format!(
        "use std::server\nparam root: str\ngroup here = [local()]\n\
         stage s on here {{ server.service({args}) }}\n"
    )
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn assert_ok(run: &Run, what: &str) {
    assert!(run.ok, "{what}: {:?}", run.events);
}

#[test]
fn service_with_system_v_init_scripts() {
    let p = Program::new("");
    let init = p.root().parent().unwrap().join("init.d/app");
    install(&p, &init, INIT_SCRIPT);
    let bin = p.root().parent().unwrap().join("bin");
    install(&p, &bin.join("update-rc.d"), UPDATE_RC_D);
    let on = service_program("\"app\", running: true, enabled: true");
    let off = service_program("\"app\", running: false, enabled: false");
    let restart = service_program("\"app\", restarted: true");
    let ghost_noop = service_program("\"ghost\", restarted: false");
    let ghost = service_program("\"ghost\", running: true");
    let runs = scenario(&p, &[&on, &on, &restart, &off, &off, &ghost_noop, &ghost]);
    assert_ok(&runs[0], "on");
    assert_eq!(runs[0].changed(), 1);
    assert_eq!(
        runs[0].calls,
        strings(&[
            "init.d start",
            "update-rc.d app defaults",
            "update-rc.d app enable"
        ])
    );
    assert_ok(&runs[1], "on again");
    assert_eq!(runs[1].changed(), 0);
    assert_eq!(runs[1].calls, Vec::<String>::new());
    assert_ok(&runs[2], "restart");
    assert_eq!(runs[2].calls, strings(&["init.d restart"]));
    assert_ok(&runs[3], "off");
    assert_eq!(
        runs[3].calls,
        strings(&["init.d stop", "update-rc.d app disable"])
    );
    assert_ok(&runs[4], "off again");
    assert_eq!(runs[4].changed(), 0);
    assert_ok(&runs[5], "nothing asked of a missing service");
    assert_eq!(runs[5].changed(), 0);
    assert!(!runs[6].ok);
    let text = serde_json::to_string(&runs[6].events).unwrap();
    assert!(
        text.contains("server.service: there is no System V init service ghost"),
        "{text}"
    );
}

#[test]
fn service_with_openrc() {
    let p = Program::new("");
    let bin = p.root().parent().unwrap().join("bin");
    install(&p, &bin.join("rc-service"), RC_SERVICE);
    install(&p, &bin.join("rc-update"), RC_UPDATE);
    let on = service_program("\"app\", running: true, enabled: true");
    let reload = service_program("\"app\", reloaded: true");
    let off = service_program("\"app\", running: false, enabled: false");
    let bad = service_program("\"-x\", running: true");
    let runs = scenario(&p, &[&on, &on, &reload, &off, &off, &bad]);
    assert_ok(&runs[0], "on");
    assert_eq!(
        runs[0].calls,
        strings(&["rc-service app start", "rc-update add app default"])
    );
    assert_ok(&runs[1], "on again");
    assert_eq!(runs[1].changed(), 0);
    assert_eq!(runs[1].calls, Vec::<String>::new());
    assert_ok(&runs[2], "reload");
    assert_eq!(runs[2].calls, strings(&["rc-service app reload"]));
    assert_ok(&runs[3], "off");
    assert_eq!(
        runs[3].calls,
        strings(&["rc-service app stop", "rc-update del app default"])
    );
    assert_ok(&runs[4], "off again");
    assert_eq!(runs[4].changed(), 0);
    assert!(!runs[5].ok);
    let text = serde_json::to_string(&runs[5].events).unwrap();
    assert!(
        text.contains("server.service: \\\"-x\\\" is not a service name"),
        "{text}"
    );
}

#[test]
fn script_runs_once_then_when_it_changed_or_failed() {
    if !has_command("sha256sum") {
        return eprintln!("skipped: no sha256sum");
    }
    let p = Program::new(
        "use std::server\nparam root: str\ngroup here = [local()]\n\
         stage s on here { server.script(\"setup.sh\", \"{root}/bin/setup\") }\n",
    );
    let log = p.root().join("log");
    let script = |body: &str| {
        p.write(
            "setup.sh",
            &format!("#!/bin/sh\necho {body} >>'{}'\n{body}\n", log.display()),
        );
    };
    let lines = || std::fs::read_to_string(&log).unwrap_or_default();
    script("true");
    let first = p.run_json(&[]);
    assert!(first.status.success(), "{first:?}");
    assert_eq!(summary_of(&first)["changed"], 1);
    assert_eq!(lines(), "true\n");
    let again = p.run_json(&[]);
    assert!(again.status.success());
    assert_eq!(summary_of(&again)["changed"], 0);
    assert_eq!(lines(), "true\n");

    // A new version that fails: run, and run again next time.
    script("false");
    let failed = p.run_json(&[]);
    assert!(!failed.status.success());
    let retried = p.run_json(&[]);
    assert!(!retried.status.success());
    assert_eq!(lines(), "true\nfalse\nfalse\n");
    // Back to the version that ran to the end: it is not run again.
    script("true");
    assert!(p.run_json(&[]).status.success());
    assert_eq!(lines(), "true\nfalse\nfalse\n");
    script(":");
    assert!(p.run_json(&[]).status.success());
    assert!(p.run_json(&[]).status.success());
    assert_eq!(lines(), "true\nfalse\nfalse\n:\n");
    let marker = std::fs::read_to_string(p.root().join("bin/setup.done")).unwrap();
    assert_eq!(marker.len(), 65, "{marker}");
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// A user of this machine with its home in the test's folder, removed
/// when dropped.
struct TempUser(String);

impl Drop for TempUser {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.0).status();
    }
}

#[test]
fn authorized_keys_added_then_exclusive() {
    if !is_root() || !has_command("useradd") {
        return eprintln!("skipped: needs root and useradd");
    }
    let mut p = Program::new("");
    let name = format!("infrac-keys-{}", std::process::id());
    let home = p.root().join("home");
    let made = Command::new("useradd")
        .args(["--no-create-home", "--home-dir"])
        .arg(&home)
        .arg(&name)
        .status();
    assert!(made.is_ok_and(|s| s.success()), "useradd");
    let _user = TempUser(name.clone());
    std::fs::create_dir(&home).unwrap();
    let chown = Command::new("chown").arg(&name).arg(&home).status();
    assert!(chown.is_ok_and(|s| s.success()));
    let ssh = home.join(".ssh");
    std::fs::create_dir(&ssh).unwrap();
    std::fs::write(ssh.join("authorized_keys"), "ssh-rsa OLD old@host\n").unwrap();
    let program = |keys: &str, exclusive: bool| {
        format!(
            "use std::server\nparam root: str\ngroup here = [local()]\n\
             stage s on here {{ server.authorized_keys(\"{name}\", [{keys}], exclusive: {exclusive}) }}\n"
        )
    };
    let two = "\"ssh-ed25519 AAAA1 a@x\", \"ssh-ed25519 AAAA2 b@x\"";
    p.rewrite(&program(two, false));
    let first = p.run_json(&[]);
    assert!(first.status.success(), "{first:?}");
    assert_eq!(summary_of(&first)["changed"], 1);
    let file = ssh.join("authorized_keys");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "ssh-rsa OLD old@host\nssh-ed25519 AAAA1 a@x\nssh-ed25519 AAAA2 b@x\n"
    );
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(
        std::fs::metadata(&ssh).unwrap().permissions().mode() & 0o777,
        0o700
    );
    use std::os::unix::fs::MetadataExt;
    let uid = Command::new("id").args(["-u", &name]).output().unwrap();
    assert_eq!(
        meta.uid().to_string(),
        String::from_utf8_lossy(&uid.stdout).trim()
    );
    let again = p.run_json(&[]);
    assert!(again.status.success());
    assert_eq!(summary_of(&again)["changed"], 0);

    p.rewrite(&program("\"ssh-ed25519 AAAA2 b@x\"", true));
    let exclusive = p.run_json(&[]);
    assert!(exclusive.status.success(), "{exclusive:?}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "ssh-ed25519 AAAA2 b@x\n"
    );
    assert_eq!(summary_of(&p.run_json(&[]))["changed"], 0);

    let missing = program("\"k\"", false).replace(&name, "infrac-no-such-user");
    p.rewrite(&missing);
    let out = p.run_json(&[]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("server.authorized_keys: there is no user infrac-no-such-user"),
        "{out:?}"
    );
}

/// A container of the test's own from the test bed's image, without
/// network, removed when dropped; `None` when there is no such image.
struct Container(String);

impl Container {
    fn start(what: &str) -> Option<Container> {
        let name = format!("infrac-ops-{what}-{}", std::process::id());
        let out = Command::new("docker")
            .args(["run", "-d", "--rm", "--network", "none", "--name", &name])
            .args(["infrac-testbed:latest", "sleep", "infinity"])
            .output()
            .ok()?;
        out.status.success().then_some(Container(name))
    }

    fn sh(&self, script: &str) -> String {
        let out = Command::new("docker")
            .args(["exec", &self.0, "sh", "-c", script])
            .output()
            .expect("docker exec runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rm", "-f", &self.0]).output();
    }
}

#[test]
fn timezone_in_a_container() {
    let Some(c) = Container::start("tz") else {
        return eprintln!("skipped: cannot start a container of infrac-testbed:latest");
    };
    // A copy instead of the link, as some images have.
    c.sh("rm /etc/localtime && cp /usr/share/zoneinfo/Etc/UTC /etc/localtime");
    let mut p = Program::new("");
    let program = |zone: &str| {
        format!(
            "use std::server\nparam root: str\ngroup box = [docker(\"{}\")]\n\
             stage s on box {{\n  server.timezone(\"{zone}\")\n  \
             if facts.timezone != \"{zone}\" {{ fail \"facts.timezone is {{facts.timezone}}\" }}\n}}\n",
            c.0
        )
    };
    p.rewrite(&program("Europe/Paris"));
    let first = p.run_json(&[]);
    assert!(first.status.success(), "{first:?}");
    assert_eq!(summary_of(&first)["changed"], 1);
    assert_eq!(
        c.sh("readlink /etc/localtime; cat /etc/timezone"),
        "/usr/share/zoneinfo/Europe/Paris\nEurope/Paris\n"
    );
    let again = p.run_json(&[]);
    assert!(again.status.success(), "{again:?}");
    assert_eq!(summary_of(&again)["changed"], 0);

    p.rewrite(&program("Mars/Olympus_Mons"));
    let out = p.run_json(&[]);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("server.timezone: there is no time zone Mars/Olympus_Mons"),
        "{text}"
    );
}

#[test]
fn modprobe_loads_what_is_not_loaded_and_persists() {
    // A module this kernel has (sysfs is the machine's, read-only in the
    // container); a fake `modprobe` in the container records its calls.
    let Some(loaded) = std::fs::read_dir("/sys/module")
        .ok()
        .and_then(|mut d| d.find_map(|e| e.ok()?.file_name().into_string().ok()))
    else {
        return eprintln!("skipped: no /sys/module");
    };
    let Some(c) = Container::start("mod") else {
        return eprintln!("skipped: cannot start a container of infrac-testbed:latest");
    };
    c.sh(
        "printf '#!/bin/sh\\necho \"$*\" >>/tmp/modprobe.calls\\n' >/usr/local/sbin/modprobe \
         && chmod 755 /usr/local/sbin/modprobe",
    );
    let p = Program::new(&format!(
        "use std::server\nparam root: str\ngroup box = [docker(\"{}\")]\n\
         stage s on box {{\n  server.modprobe(\"{loaded}\")\n  server.modprobe(\"infrac-no-such-module\")\n}}\n",
        c.0
    ));
    let first = p.run_json(&[]);
    assert!(first.status.success(), "{first:?}");
    assert_eq!(summary_of(&first)["changed"], 2);
    assert_eq!(
        c.sh("cat /tmp/modprobe.calls"),
        "-- infrac-no-such-module\n"
    );
    assert_eq!(
        c.sh(&format!(
            "cat /etc/modules-load.d/{loaded}.conf /etc/modules-load.d/infrac-no-such-module.conf"
        )),
        format!("{loaded}\ninfrac-no-such-module\n")
    );
    // The loaded module: nothing more; the fake one is still not loaded.
    let second = p.run_json(&[]);
    assert!(second.status.success(), "{second:?}");
    assert_eq!(summary_of(&second)["changed"], 1);
    assert_eq!(
        c.sh("cat /tmp/modprobe.calls"),
        "-- infrac-no-such-module\n-- infrac-no-such-module\n"
    );
}

#[test]
fn locale_generated_once_and_made_default() {
    let Some(c) = Container::start("locale") else {
        return eprintln!("skipped: cannot start a container of infrac-testbed:latest");
    };
    // The image has no locales package: a fake `locale-gen` "generates"
    // the uncommented lines of /etc/locale.gen, which a fake `locale -a`
    // lists after the C locales.
    c.sh(
        "printf '# en_US.UTF-8 UTF-8\\n# fr_FR.UTF-8 UTF-8\\n' >/etc/locale.gen\n\
         printf '#!/bin/sh\\necho C; echo C.utf8; echo POSIX; cat /tmp/generated 2>/dev/null; true\\n' \
           >/usr/local/bin/locale\n\
         printf '#!/bin/sh\\necho run >>/tmp/locale-gen.calls\\n\
         grep -v \"^#\" /etc/locale.gen | sed \"s/ .*//; s/UTF-8/utf8/\" >/tmp/generated\\n' \
           >/usr/local/sbin/locale-gen\n\
         chmod 755 /usr/local/bin/locale /usr/local/sbin/locale-gen",
    );
    let mut p = Program::new("");
    let program = |args: &str| {
        format!(
            "use std::server\nparam root: str\ngroup box = [docker(\"{}\")]\n\
             stage s on box {{ server.locale({args}) }}\n",
            c.0
        )
    };
    p.rewrite(&program("\"fr_FR.UTF-8\", default: true"));
    let first = p.run_json(&[]);
    assert!(first.status.success(), "{first:?}");
    assert_eq!(summary_of(&first)["changed"], 1);
    assert_eq!(
        c.sh("cat /etc/locale.gen /tmp/locale-gen.calls /etc/default/locale"),
        "# en_US.UTF-8 UTF-8\nfr_FR.UTF-8 UTF-8\nrun\nLANG=fr_FR.UTF-8\n"
    );
    let again = p.run_json(&[]);
    assert!(again.status.success(), "{again:?}");
    assert_eq!(summary_of(&again)["changed"], 0);
    assert_eq!(c.sh("cat /tmp/locale-gen.calls"), "run\n");

    for (args, message) in [
        (
            "\"french\"",
            "server.locale: \\\"french\\\" is not a locale name",
        ),
        // Without locale-gen: localedef (the image has no charmaps).
        (
            "\"de_DE.UTF-8\"",
            "command failed with exit code 1: localedef -i de_DE -f UTF-8 -- de_DE.UTF-8",
        ),
    ] {
        c.sh("rm -f /usr/local/sbin/locale-gen");
        p.rewrite(&program(args));
        let out = p.run_json(&[]);
        assert!(!out.status.success(), "{args}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(message), "{args}: {text}");
    }
}
