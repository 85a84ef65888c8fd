//! `infrac exec` and `infrac facts` against the test bed, and the SSH
//! host key policy (`--known-hosts`).

use std::path::Path;
use std::process::{Command, Output};

mod fleet_common;
use fleet_common::{OwnContainer, Testbed, assert_exit, json_lines, stderr, testbed};

/// An inventory of the test bed's hosts (ssh config aliases), a container
/// of the test's own and a host that nothing answers for.
fn inventory(dir: &Path, container: &str) -> String {
    let path = dir.join("hosts.ini");
    let text = format!(
        "[web]\ninfrac-host-1\ninfrac-host-2\n\n[db]\ninfrac-host-3\n\n\
         [boxes]\nbox ansible_connection=docker ansible_host={container}\n\n\
         [gone]\nnobody ansible_host=127.0.0.1 ansible_port={}\n",
        free_port()
    );
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write the inventory: {e}"));
    path.display().to_string()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("cannot find a free port: {e}"))
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Setup {
    bed: Testbed,
    folder: tempfile::TempDir,
    own: OwnContainer,
    inventory: String,
}

fn setup() -> Option<Setup> {
    let bed = testbed()?;
    let folder = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary folder: {e}"));
    let own = OwnContainer::start();
    let inventory = inventory(folder.path(), &own.name);
    Some(Setup {
        bed,
        folder,
        own,
        inventory,
    })
}

impl Setup {
    fn infrac(&self, subcommand: &str, args: &[&str]) -> Output {
        let mut all = vec!["--inventory", self.inventory.as_str()];
        all.extend_from_slice(args);
        self.bed.infrac(self.folder.path(), subcommand, &all)
    }
}

#[test]
fn exec_groups_outputs_by_host_and_limits_by_group_and_glob() {
    let Some(s) = setup() else { return };
    let out = s.infrac(
        "exec",
        &[
            "--limit",
            "web,box",
            "--",
            "echo",
            "$(id -un)",
            ";",
            "echo",
            "oops",
            ">&2",
        ],
    );
    assert_exit(&out, 0);
    let text = stdout(&out);
    // One block per host: a header line, then its output and error output.
    for (host, user) in [
        ("infrac-host-1", "deploy"),
        ("infrac-host-2", "deploy"),
        ("box", "root"),
    ] {
        let block = text
            .split("── ")
            .find(|b| b.starts_with(&format!("{host}: exit 0 (")))
            .unwrap_or_else(|| panic!("no block for {host}:\n{text}"));
        assert!(block.lines().nth(1) == Some(user), "{block}");
        let err = text
            .split("── ")
            .find(|b| b.starts_with(&format!("{host}: stderr")));
        assert_eq!(err.map(|b| b.lines().nth(1)), Some(Some("oops")), "{text}");
    }
    assert!(!text.contains("infrac-host-3"), "{text}");
    assert!(text.ends_with("3 host(s): 3 ok, 0 failed\n"), "{text}");

    let out = s.infrac(
        "exec",
        &["--limit", "infrac-host-*", "--format", "json", "--", "true"],
    );
    assert_exit(&out, 0);
    let mut hosts: Vec<String> = json_lines(&out)
        .iter()
        .filter(|l| l["event"] == "host")
        .filter_map(|l| l["host"].as_str().map(str::to_string))
        .collect();
    hosts.sort();
    assert_eq!(hosts, ["infrac-host-1", "infrac-host-2", "infrac-host-3"]);

    let out = s.infrac("exec", &["--limit", "nothing-*", "--", "true"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("--limit nothing-* matches no host or group"));
}

#[test]
fn exec_reports_failed_and_unreachable_hosts_with_exit_3() {
    let Some(s) = setup() else { return };
    let out = s.infrac(
        "exec",
        &["--format", "json", "--", "test \"$(id -un)\" = root"],
    );
    assert_exit(&out, 3);
    let lines = json_lines(&out);
    let host = |name: &str| {
        lines
            .iter()
            .find(|l| l["host"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no line for {name}: {lines:?}"))
    };
    assert_eq!(host("box")["exit_code"], 0);
    assert_eq!(host("infrac-host-1")["exit_code"], 1);
    let nobody = host("nobody");
    assert!(
        nobody["error"]
            .as_str()
            .unwrap_or_default()
            .contains("cannot connect"),
        "{nobody}"
    );
    let summary = lines.last().cloned().unwrap_or_default();
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["ok"], 1);
    assert_eq!(
        summary["failed"],
        serde_json::json!(["infrac-host-1", "infrac-host-2", "infrac-host-3", "nobody"])
    );
}

#[test]
fn exec_with_sudo_runs_as_root() {
    let Some(s) = setup() else { return };
    let out = s.infrac(
        "exec",
        &[
            "--sudo", "--limit", "web,db", "--format", "json", "--", "id", "-u",
        ],
    );
    assert_exit(&out, 0);
    let uids: Vec<String> = json_lines(&out)
        .iter()
        .filter(|l| l["event"] == "host")
        .filter_map(|l| l["stdout"].as_str().map(str::to_string))
        .collect();
    assert_eq!(uids, ["0\n", "0\n", "0\n"]);
}

#[test]
fn exec_timeout_fails_the_slow_host_only() {
    let Some(s) = setup() else { return };
    let script = "if [ \"$(id -un)\" = root ]; then sleep 30; fi";
    let out = s.infrac(
        "exec",
        &["--limit", "web,box", "--timeout", "2", "--", script],
    );
    assert_exit(&out, 3);
    let text = stdout(&out);
    assert!(
        text.contains("── box: failed: command timed out after 2.0s"),
        "{text}"
    );
    assert!(
        text.ends_with("3 host(s): 2 ok, 1 failed (box)\n"),
        "{text}"
    );
}

#[test]
fn a_host_without_timeout_runs_commands_unbounded_there() {
    let Some(s) = setup() else { return };
    let box_ = s.own.name.as_str();
    let rm = fleet_common::docker(&["exec", box_, "rm", "/usr/bin/timeout"]);
    assert!(rm.status.success(), "{rm:?}");

    let out = s.infrac(
        "exec",
        &["--limit", "box", "--timeout", "5", "--", "echo", "in"],
    );
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("in"), "{}", stdout(&out));

    // A run's batched commands and fact reads too.
    let program = format!(
        "use std::{{files, server}}\n\ngroup g = [docker(\"{box_}\")]\n\n\
         stage s on g {{\n  server.shell(\"echo ran > /tmp/ran\")\n  \
         files.file(\"/tmp/put\", content: \"put\\n\")\n}}\n"
    );
    std::fs::write(s.folder.path().join("box.infra"), program).unwrap_or_else(|e| panic!("{e}"));
    let out = s.bed.infrac(
        s.folder.path(),
        "run",
        &["box.infra", "--yes", "--timeout", "5"],
    );
    assert_exit(&out, 0);
    assert_eq!(fleet_common::read_in(box_, "/tmp/ran"), "ran\n");
    assert_eq!(fleet_common::read_in(box_, "/tmp/put"), "put\n");
}

#[test]
fn facts_per_host_human_and_json() {
    let Some(s) = setup() else { return };
    let out = s.infrac(
        "facts",
        &[
            "--limit",
            "infrac-host-1,box",
            "os",
            "user:deploy",
            "file:/nonexistent",
        ],
    );
    assert_exit(&out, 0);
    expect_test::expect![[r#"
        box:
          os: {codename: "bookworm", family: "debian", id: "debian", id_like: [], major: 12, pretty_name: "Debian GNU/Linux 12 (bookworm)", version_id: "12"}
          user:deploy: {gid: 1000, groups: [], home: "/home/deploy", name: "deploy", shell: "/bin/bash", uid: 1000}
          file:/nonexistent: none
        infrac-host-1:
          os: {codename: "bookworm", family: "debian", id: "debian", id_like: [], major: 12, pretty_name: "Debian GNU/Linux 12 (bookworm)", version_id: "12"}
          user:deploy: {gid: 1000, groups: [], home: "/home/deploy", name: "deploy", shell: "/bin/bash", uid: 1000}
          file:/nonexistent: none
    "#]]
    .assert_eq(&stdout(&out));

    let out = s.infrac(
        "facts",
        &[
            "--limit",
            "db,gone",
            "--format",
            "json",
            "facts.arch",
            "dir:/etc/ssh/infrac",
        ],
    );
    assert_exit(&out, 3);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)));
    let host3 = &json["infrac-host-3"];
    assert_eq!(host3["error"], serde_json::Value::Null);
    assert!(host3["facts"]["facts.arch"].is_string(), "{json}");
    let entries = host3["facts"]["dir:/etc/ssh/infrac"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert!(entries >= 2, "{json}");
    assert!(
        json["nobody"]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("cannot connect"),
        "{json}"
    );
}

#[test]
fn facts_of_a_program_s_groups_and_bad_fact_names() {
    let Some(s) = setup() else { return };
    let program = s.folder.path().join("site.infra");
    let text = "group web = [ssh(\"infrac-host-2\"), docker(\"gone-container\", name: \"ghost\")]\n\nstage s on web { }\n";
    std::fs::write(&program, text).unwrap_or_else(|e| panic!("{e}"));
    let out = s.bed.infrac(
        s.folder.path(),
        "facts",
        &["site.infra", "--limit", "infrac-host-2", "kernel"],
    );
    assert_exit(&out, 0);
    assert!(
        stdout(&out).starts_with("infrac-host-2:\n  kernel: \""),
        "{}",
        stdout(&out)
    );

    let out = s
        .bed
        .infrac(s.folder.path(), "facts", &["site.infra", "hostname"]);
    assert_exit(&out, 3);
    assert!(
        stdout(&out).contains("ghost:\n  error: cannot connect"),
        "{}",
        stdout(&out)
    );

    let out = s.infrac("facts", &["nope"]);
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("facts.nope: no native reader for facts.nope"),
        "{}",
        stderr(&out)
    );
    let out = s.infrac("facts", &["file"]);
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("expected 1 argument(s), got 0"),
        "{}",
        stderr(&out)
    );
}

/// A fresh known_hosts: strict refuses the unknown key; `accept-new`
/// warns, connects and records it; strict then accepts it.
#[test]
fn known_hosts_policy_from_the_command_line() {
    let Some(s) = setup() else { return };
    let dir = s.folder.path();
    let known = dir.join("known_hosts");
    let config = dir.join("ssh_config");
    let key = s.bed.state.join("id_ed25519");
    std::fs::write(
        &config,
        format!(
            "Host fresh\n  HostName 127.0.0.1\n  Port 2201\n  User deploy\n  IdentityFile {}\n  IdentitiesOnly yes\n  UserKnownHostsFile {}\n  BatchMode yes\n",
            key.display(),
            known.display()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("fresh.ini"), "fresh\n").unwrap_or_else(|e| panic!("{e}"));
    let exec = |policy: &str| {
        Command::new(env!("CARGO_BIN_EXE_infrac"))
            .current_dir(dir)
            .args(["exec", "-i", "fresh.ini", "--ssh-config"])
            .arg(&config)
            .args(["--known-hosts", policy, "--", "echo", "in"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run infrac: {e}"))
    };
    let strict = exec("strict");
    assert_exit(&strict, 3);
    assert!(
        stdout(&strict).contains("its host key is not in known_hosts and strict checking is on"),
        "{}",
        stdout(&strict)
    );
    assert!(
        stderr(&strict).is_empty(),
        "no warning when strict: {}",
        stderr(&strict)
    );

    let accept = exec("accept-new");
    assert_exit(&accept, 0);
    assert!(
        stderr(&accept).contains("warning: host keys not in known_hosts are accepted"),
        "{}",
        stderr(&accept)
    );
    let recorded = std::fs::read_to_string(&known).unwrap_or_default();
    assert!(recorded.contains("[127.0.0.1]:2201"), "{recorded}");

    assert_exit(&exec("strict"), 0);
    let off = exec("off");
    assert_exit(&off, 0);
    assert!(
        stderr(&off).contains("warning: host key checking is off"),
        "{}",
        stderr(&off)
    );
}

/// A jump host: `infrac-host-2` reached through `infrac-host-1` (its sshd
/// forwards to 127.0.0.1:2202); a jump host that does not resolve fails
/// the host, which shows the jump is taken.
#[test]
fn jump_hosts_from_an_inventory_and_a_program() {
    let Some(s) = setup() else { return };
    let dir = s.folder.path();
    std::fs::write(
        dir.join("jump.ini"),
        "via ansible_host=infrac-host-2 ansible_ssh_common_args='-J infrac-host-1'\n\
         broken ansible_host=infrac-host-2 ansible_ssh_common_args='-o ProxyJump=nowhere.invalid'\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = s.bed.infrac(
        dir,
        "exec",
        &["-i", "jump.ini", "--format", "json", "--", "echo", "in"],
    );
    assert_exit(&out, 3);
    let lines = json_lines(&out);
    let host = |name: &str| {
        lines
            .iter()
            .find(|l| l["host"] == name)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(host("via")["stdout"], "in\n", "{lines:?}");
    assert!(
        host("broken")["error"]
            .as_str()
            .unwrap_or_default()
            .contains("cannot connect"),
        "{lines:?}"
    );

    let program = "group g = [ssh(\"infrac-host-2\", jump: \"infrac-host-1\", name: \"jumped\")]\n\n\
        stage s on g -> str { facts.os.id }\n";
    std::fs::write(dir.join("jump.infra"), program).unwrap_or_else(|e| panic!("{e}"));
    let out = s
        .bed
        .infrac(dir, "run", &["jump.infra", "--yes", "--format", "json"]);
    assert_exit(&out, 0);
}

/// `infrac ARGS...` in `dir`, without the test bed.
fn infrac_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_infrac"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run infrac: {e}"))
}

#[test]
fn a_missing_ssh_config_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("hosts.ini"), "web-1\n").unwrap_or_else(|e| panic!("{e}"));
    let out = infrac_in(
        dir.path(),
        &[
            "exec",
            "-i",
            "hosts.ini",
            "--ssh-config",
            "nowhere",
            "--",
            "true",
        ],
    );
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("--ssh-config nowhere:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn facts_of_a_program_with_a_required_param() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("site.infra"),
        "param who: str\n\ngroup here = [local(name: who)]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = infrac_in(dir.path(), &["facts", "site.infra", "kernel"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("--set who="), "{}", stderr(&out));
    let out = infrac_in(
        dir.path(),
        &["facts", "site.infra", "--set", "who=me", "kernel"],
    );
    assert_exit(&out, 0);
    assert!(
        stdout(&out).starts_with("me:\n  kernel: "),
        "{}",
        stdout(&out)
    );
}
