//! One program against SSH hosts, a Docker container and the local machine
//! together (the real test bed: sshd in containers, the Docker engine);
//! a second run changes nothing anywhere. Also `server.user`,
//! `apt.packages` and `systemd.service` in the Debian containers.

mod fleet_common;
use fleet_common::{
    OwnContainer, Program, assert_exit, docker, json_lines, read_in, stderr, summary_of, testbed,
};

const CONVERGE: &str = r#"
use std::files

param dir: str
param box: str

group remote = [ssh("infrac-host-1"), ssh("infrac-host-2")]
group boxes = [docker(box, name: "box")]
group here = [local(name: "here")]

stage converge on remote, boxes, here {
  files.directory(dir, mode: 0o750)
  files.file("{dir}/motd", content: "hello from {host.name}\n", mode: 0o640)
  files.line("{dir}/app.conf", line: "port = 8080")
  files.link("{dir}/current", target: "{dir}/motd")
}
"#;

#[test]
fn ssh_docker_and_local_hosts_converge_and_a_second_run_changes_nothing() {
    let Some(bed) = testbed() else { return };
    let own = OwnContainer::start();
    let program = Program::new(CONVERGE);
    let box_arg = format!("box={}", own.name);

    let first = program.run(&bed, &["--set", &box_arg]);
    assert_exit(&first, 0);
    let summary = summary_of(&first);
    let mut hosts: Vec<&String> = summary["hosts"]
        .as_object()
        .map(|h| h.keys().collect())
        .unwrap_or_default();
    hosts.sort();
    assert_eq!(hosts, ["box", "here", "infrac-host-1", "infrac-host-2"]);
    for host in &hosts {
        assert_eq!(
            summary["hosts"][host.as_str()]["changed"],
            4,
            "{host}: {summary}"
        );
    }
    // Each host has its own files (the containers' file systems are theirs).
    assert_eq!(
        read_in("infrac-host-1", &format!("{}/motd", program.dir)),
        "hello from infrac-host-1\n"
    );
    assert_eq!(
        read_in("infrac-host-2", &format!("{}/motd", program.dir)),
        "hello from infrac-host-2\n"
    );
    assert_eq!(
        read_in(&own.name, &format!("{}/motd", program.dir)),
        "hello from box\n"
    );
    let local = std::fs::read_to_string(format!("{}/motd", program.dir)).unwrap_or_default();
    assert_eq!(local, "hello from here\n");
    // SSH hosts log in as `deploy`; the container is entered as root.
    let owner = |container: &str| {
        let out = docker(&["exec", container, "stat", "-c", "%U %a", &program.dir]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(owner("infrac-host-1"), "deploy 750");
    assert_eq!(owner(&own.name), "root 750");

    let second = program.run(&bed, &["--set", &box_arg]);
    assert_exit(&second, 0);
    let summary = summary_of(&second);
    assert_eq!(summary["changed"], 0, "{summary}");
    for op in json_lines(&second).iter().filter(|l| l["event"] == "op") {
        assert_eq!(op["status"], "ok", "{op}");
        assert_eq!(op["commands"].as_array().map(Vec::len), Some(0), "{op}");
    }
}

#[test]
fn a_throwaway_container_is_removed_after_the_run() {
    let Some(bed) = testbed() else { return };
    // Without a network of its own, the container's host name is its short
    // id: the host fails with it, so the test can look for the container.
    let program = Program::new(
        r#"
use std::files

param dir: str

group tmp = [docker("scratch", image: "infrac-testbed:latest")]

stage s on tmp {
  files.directory("/srv/app")
  fail "id={facts.hostname}"
}
"#,
    );
    let out = program.run(&bed, &[]);
    assert_exit(&out, 3);
    let summary = summary_of(&out);
    let message = summary["hosts"]["scratch"]["error"]["message"]
        .as_str()
        .unwrap_or_default();
    let id = message.strip_prefix("id=").unwrap_or_default();
    assert_eq!(id.len(), 12, "{message}");
    assert_eq!(summary["hosts"]["scratch"]["changed"], 1);
    let inspect = docker(&["inspect", id]);
    assert!(!inspect.status.success(), "container {id} is still there");
}

#[test]
fn users_in_the_containers_through_sudo() {
    let Some(bed) = testbed() else { return };
    let user = fleet_common::unique("fl").replace('-', "");
    let program = Program::new(&format!(
        r#"
use std::server

param dir: str

group all = [ssh("infrac-host-1"), ssh("infrac-host-2")]

stage users on all (sudo: true) {{
  server.user("{user}", shell: "/bin/sh", home: "/home/{user}")
}}

stage gone on all (sudo: true) {{
  server.user("{user}", present: false)
}}
"#
    ));
    let out = program.run(&bed, &["--limit", "infrac-host-1,infrac-host-2"]);
    assert_exit(&out, 0);
    let ops: Vec<_> = json_lines(&out)
        .into_iter()
        .filter(|l| l["event"] == "op" && l["stage"] == "users")
        .collect();
    assert_eq!(ops.len(), 2);
    for op in &ops {
        assert_eq!(op["status"], "changed", "{op}");
    }
    // Removed again by the second stage: nothing left behind.
    let passwd = read_in("infrac-host-1", "/etc/passwd");
    assert!(!passwd.contains(&user), "{passwd}");
}

#[test]
fn systemd_service_without_systemd_is_a_clear_error() {
    let Some(bed) = testbed() else { return };
    let program = Program::new(
        r#"
use std::systemd

param dir: str

group all = [ssh("infrac-host-3")]

stage s on all (sudo: true) { systemd.service("ssh", running: true) }
"#,
    );
    let out = program.run(&bed, &[]);
    assert_exit(&out, 3);
    let error = &summary_of(&out)["hosts"]["infrac-host-3"]["error"];
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("systemd"), "{message}");
    assert_eq!(error["line"], 8, "{error}");
}

/// The containers' apt would reach the Debian mirror on the Internet; the
/// test bed's traffic stays on loopback, so this installs a package built
/// on the spot into a local `file:` repository of a throwaway container
/// (`--network none`), after checking that packages of the image count as
/// installed.
#[test]
fn apt_packages_from_a_local_repository() {
    let Some(bed) = testbed() else { return };
    let program = Program::new(
        r#"
use std::apt
use std::files
use std::server

param dir: str

group tmp = [docker("apt-box", image: "infrac-testbed:latest")]

stage prepare on tmp {
  files.put("repo.sh", "/root/repo.sh")
  server.shell("sh /root/repo.sh", creates: "/srv/repo/Packages")
}

stage install on tmp -> str {
  apt.packages(["sudo", "openssh-server"])
  apt.packages(["infrac-probe"])
  apt.packages(["infrac-probe"])
  facts.package("infrac-probe") ?? "missing"
}
"#,
    );
    program.write("repo.sh", REPO_SCRIPT);
    let out = program.run(&bed, &[]);
    assert_exit(&out, 0);
    let statuses: Vec<String> = json_lines(&out)
        .into_iter()
        .filter(|l| l["event"] == "op" && l["stage"] == "install")
        .filter_map(|o| o["status"].as_str().map(str::to_string))
        .collect();
    assert_eq!(statuses, ["ok", "changed", "ok"], "{}", stderr(&out));
}

/// Builds `infrac-probe_1.0_all.deb` into /srv/repo, makes it apt's only
/// source and reads the lists.
const REPO_SCRIPT: &str = r#"set -e
mkdir -p /tmp/pkg/DEBIAN /srv/repo
printf 'Package: infrac-probe\nVersion: 1.0\nArchitecture: all\nMaintainer: infrac <infrac@localhost>\nDescription: test package\n' > /tmp/pkg/DEBIAN/control
dpkg-deb --build /tmp/pkg /srv/repo/infrac-probe_1.0_all.deb >/dev/null
cd /srv/repo
size=$(stat -c %s infrac-probe_1.0_all.deb)
sum=$(sha256sum infrac-probe_1.0_all.deb | cut -d' ' -f1)
(cat /tmp/pkg/DEBIAN/control; printf 'Filename: ./infrac-probe_1.0_all.deb\nSize: %s\nSHA256: %s\n' "$size" "$sum") > Packages
echo 'deb [trusted=yes] file:/srv/repo ./' > /etc/apt/sources.list
rm -f /etc/apt/sources.list.d/*
apt-get update -qq
"#;

#[test]
fn the_fleet_example_runs_and_a_second_run_changes_only_the_new_container() {
    let Some(bed) = testbed() else { return };
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fleet.infra");
    let example = example.display().to_string();
    let program = Program::new("");
    let root = format!("root={}", program.dir);
    let run = || {
        bed.infrac(
            program.folder(),
            "run",
            &[&example, "--yes", "--format", "json", "--set", &root],
        )
    };
    assert_exit(&run(), 0);
    let second = run();
    assert_exit(&second, 0);
    let summary = summary_of(&second);
    for host in ["infrac-host-1", "infrac-host-2", "infrac-host-3", "here"] {
        assert_eq!(summary["hosts"][host]["changed"], 0, "{host}: {summary}");
    }
    assert_eq!(summary["hosts"]["scratch"]["changed"], 4, "{summary}");
}

/// A smoke run of the fleet benchmark's program (benches/fleet): it
/// converges on the test bed's hosts and a second run changes nothing.
#[test]
fn the_fleet_benchmark_program_converges() {
    let Some(bed) = testbed() else { return };
    let bench = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fleet");
    let read = |name: &str| {
        std::fs::read_to_string(bench.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let program = Program::new(&read("fleet.infra"));
    program.write("motd.j2", &read("motd.j2"));
    program.write("app.conf", &read("app.conf"));
    program.write("hosts.ini", "infrac-host-1\ninfrac-host-2\ninfrac-host-3\n");
    // What the program makes outside its folder, left by an earlier run.
    for host in ["infrac-host-1", "infrac-host-2", "infrac-host-3"] {
        let clean = "userdel -r fleetapp 2>/dev/null; crontab -r -u deploy 2>/dev/null; true";
        assert!(docker(&["exec", host, "sh", "-c", clean]).status.success());
    }
    let root = format!("root={}", program.dir);
    // The benchmark's program has a `root` param, no `dir`.
    let run = || {
        let args = ["site.infra", "--yes", "--format", "json", "--set", &root];
        bed.infrac(program.folder(), "run", &args)
    };
    let first = run();
    assert_exit(&first, 0);
    assert_eq!(summary_of(&first)["changed"], 3 * 13, "{}", stderr(&first));
    let motd = read_in("infrac-host-2", &format!("{}/conf/motd", program.dir));
    assert!(motd.starts_with("Welcome to infrac-host-2 ("), "{motd}");
    let second = run();
    assert_exit(&second, 0);
    assert_eq!(summary_of(&second)["changed"], 0);
}
