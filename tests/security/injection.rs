//! Values from params reaching line-based files and option parsers
//! (F07 crontab fields, F08 `find` operands, F09 apt-get's name suffixes):
//! refused with a placed error, or never read as an option.

use crate::run_common::Program;

fn program(body: &str) -> Program {
    Program::new(&format!(
        "use std::files\nuse std::server\nuse std::apt\n\nparam root: str\nparam v: str\n\n\
         group here = [local()]\n\nstage s on here {{\n  {body}\n}}\n"
    ))
}

/// Runs `body` with the param `v` set to `value`: its exit code and stdout.
fn run(body: &str, value: &str) -> (Option<i32>, String, Program) {
    let program = program(body);
    let out = program.run(&["--set", &format!("v={value}")]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code(), stdout, program)
}

#[test]
fn crontab_fields_with_whitespace_or_line_breaks_are_refused_before_anything_runs() {
    let cases = [
        (
            r#"server.crontab("/bin/true", hour: v, name: "backup")"#,
            "3 * * * /bin/true\n* * * * * touch /tmp/pwned #",
        ),
        (
            r#"server.crontab("/bin/true", minute: v)"#,
            "* * * * touch /tmp/pwned #",
        ),
        (r#"server.crontab("/bin/true", weekday: v)"#, ""),
        (
            r#"server.crontab(v)"#,
            "/bin/true\n* * * * * touch /tmp/pwned",
        ),
        (
            r#"server.crontab("/bin/true", name: v)"#,
            "a\n* * * * * touch /tmp/pwned",
        ),
    ];
    for (body, value) in cases {
        let (code, stdout, _) = run(body, value);
        assert_eq!(code, Some(3), "{body} with {value:?}: {stdout}");
        assert!(stdout.contains("server.crontab: the"), "{stdout}");
        assert!(stdout.contains("site.infra:"), "placed: {stdout}");
        assert!(!stdout.contains("changed in"), "nothing ran: {stdout}");
    }
}

#[test]
fn a_host_name_with_a_line_break_is_refused() {
    let (code, stdout, _) = run("server.hostname(v)", "web\nevil");
    assert_eq!(code, Some(3), "{stdout}");
    assert!(stdout.contains("is not a host name"), "{stdout}");
}

#[test]
fn a_path_that_looks_like_an_option_is_never_read_as_one() {
    // `find -delete ...` would delete the files of the current folder
    // (the program's own, for a local host).
    let (code, stdout, program) = run(
        r#"files.directory(v, mode: 0o750, recursive: true)"#,
        "-delete",
    );
    assert_eq!(code, Some(0), "{stdout}");
    let dir = program
        .root()
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    assert!(dir.join("site.infra").exists(), "find deleted the program");
    assert!(dir.join("-delete").is_dir(), "{stdout}");
}

#[test]
fn apt_package_names_that_apt_get_reads_as_actions_or_patterns_are_refused() {
    for bad in ["cron-", "cron*", "^cron", "a b", "-y", ""] {
        let (code, stdout, _) = run("apt.packages([v])", bad);
        assert_eq!(code, Some(3), "{bad:?}: {stdout}");
        assert!(
            stdout.contains("is not a package name"),
            "{bad:?}: {stdout}"
        );
    }
}
