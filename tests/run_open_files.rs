//! The open-files limit (docs/cli.md, "Thousands of hosts"): infrac raises
//! its soft limit to the hard one, and when even that is too low for all
//! hosts at once it runs fewer at a time and says so, instead of failing
//! hosts with "too many open files".

mod run_common;

use std::process::Command;

use run_common::{Program, has_command, summary_of};

#[test]
fn a_low_hard_limit_runs_fewer_hosts_at_once_and_says_so() {
    if !has_command("prlimit") {
        eprintln!("skipped: no prlimit");
        return;
    }
    let hosts: Vec<String> = (0..12).map(|i| format!("local(name: \"h{i}\")")).collect();
    let program = Program::new(&format!(
        r#"
use std::files
param root: str
group many = [{}]
stage s on many {{ files.file("{{root}}/{{host.name}}", content: "x\n") }}
"#,
        hosts.join(", ")
    ));
    let root = format!("root={}", program.root().display());
    let dir = program
        .root()
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    // 100 descriptors: (100 - 64 kept) / 8 per host = 4 hosts at once.
    let out = Command::new("prlimit")
        .args(["--nofile=60:100", "--"])
        .arg(env!("CARGO_BIN_EXE_infrac"))
        .args([
            "run",
            "site.infra",
            "--yes",
            "--format",
            "json",
            "--set",
            &root,
        ])
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run prlimit: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(r#""event":"notice""#)
            && stdout.contains("the open-files limit (100) lets 4 hosts be connected at once"),
        "{stdout}"
    );
    assert_eq!(summary_of(&out)["changed"], 12, "{stdout}");
    for i in 0..12 {
        assert!(program.root().join(format!("h{i}")).exists());
    }
}
