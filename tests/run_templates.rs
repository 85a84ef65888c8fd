//! End-to-end tests of templates and controller files with `local()`
//! hosts: a module's files are relative to the module, what a template
//! sees (host, params, groups, earlier stages, facts), the dialect, and
//! the problems `infrac check` (and `infrac run`, before any host is
//! touched) reports.

use std::process::Output;

mod run_common;
use run_common::Program;

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn read(program: &Program, name: &str) -> String {
    std::fs::read_to_string(program.root().join(name))
        .unwrap_or_else(|e| panic!("cannot read {name}: {e}"))
}

#[test]
fn a_modules_files_are_relative_to_the_module() {
    let program = Program::new(
        r#"
use lib::nginx
use std::{files, local}

param root: str

group here = [local()]

stage site on here {
  nginx.site("{root}/a.conf")
  nginx.vhost(local.path("sites/own.j2"), "{root}/b.conf")
  files.template("lib/templates/site.j2", "{root}/c.conf", vars: { port: 3 })
}
"#,
    );
    program.write(
        "lib/nginx.infra",
        r#"
use std::files
pub op site(dest: str) {
  files.template("templates/site.j2", dest, vars: { port: 1 })
  files.put("static/robots.txt", "{dest}.robots")
}
pub op vhost(src: str, dest: str) {
  files.template(src, dest, vars: { port: 2 })
}
"#,
    );
    program.write("lib/templates/site.j2", "listen {{ port }};\n");
    program.write("lib/static/robots.txt", "User-agent: *\n");
    program.write("sites/own.j2", "own {{ port }}\n");
    let out = program.check();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = program.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(read(&program, "a.conf"), "listen 1;\n");
    assert_eq!(read(&program, "a.conf.robots"), "User-agent: *\n");
    assert_eq!(read(&program, "b.conf"), "own 2\n");
    assert_eq!(read(&program, "c.conf"), "listen 3;\n");
}

#[test]
fn a_template_sees_host_params_groups_stages_and_facts() {
    let program = Program::new(
        r#"
use std::files

param root: str
param release: str = "2.4.1"
param token: secret = secret_env("TEMPLATE_TOKEN")

type Web = { port: int }
group here: Web = [local(data: { port: 8080 })]

stage first on one(here) -> str { "from-first" }

stage site on here {
  files.template("all.j2", "{root}/all.txt",
                 vars: { token: token },
                 host_facts: { hostname: facts.hostname, os: facts.os })
}
"#,
    );
    program.write(
        "all.j2",
        "{{ host.name }} {{ host.data.port }} {{ params.release }}\n\
         {% for h in groups.here %}\n\
         - {{ h.name }}:{{ h.data.port }}\n\
         {% endfor %}\n\
         {{ stages.first }} {{ facts.hostname }} {{ facts.os.id }}\n\
         token={{ token }} {{ params.token }}\n",
    );
    let out = program.run_with_env(&[("TEMPLATE_TOKEN", "s3cr3t")], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!text(&out).contains("s3cr3t"), "{}", text(&out));
    let hostname = std::process::Command::new("uname")
        .arg("-n")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let os = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let id = os
        .lines()
        .find_map(|l| l.strip_prefix("ID="))
        .unwrap_or("")
        .trim_matches('"')
        .to_string();
    assert_eq!(
        read(&program, "all.txt"),
        format!(
            "local 8080 2.4.1\n- local:8080\nfrom-first {hostname} {id}\ntoken=s3cr3t s3cr3t\n"
        )
    );
}

#[test]
fn the_dialect_trims_blocks_keeps_the_final_newline_and_has_ansibles_filters() {
    let program = Program::new(
        r#"
use std::files

param root: str

group here = [local()]

stage site on here {
  files.template("f.j2", "{root}/f.txt", vars: {
    names: ["a", "b"],
    conf: { port: 80, tls: true },
    flag: "yes",
    count: "42",
    shout: "Hi",
  })
}
"#,
    );
    program.write(
        "f.j2",
        "{% if true %}\n\
         {{ conf.missing | default('dflt') }}\n\
         {% endif %}\n\
         {{ names | join(',') }} {{ shout | upper }} {{ shout | lower }}\n\
         {{ conf | to_json }}\n\
         {{ conf | to_yaml }}\
         {{ 'pw' | b64encode }} {{ 'web-01' | regex_replace('-(\\\\d+)', '_\\\\1') }}\n\
         {{ flag | bool }} {{ count | int + 1 }}\n\
         {{ 'x\\ny' | indent(2) }}\n\n",
    );
    let out = program.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        read(&program, "f.txt"),
        "dflt\na,b HI hi\n{\"port\": 80, \"tls\": true}\nport: 80\ntls: true\ncHc= web_01\nTrue 43\nx\n  y\n\n"
    );
}

#[test]
fn check_reports_template_problems_and_run_touches_nothing() {
    let program = Program::new(
        r#"
use std::files

param root: str

group here = [local()]

stage site on here {
  files.file("{root}/touched", content: "x")
  files.template("gone.j2", "{root}/a")
  files.template("bad.j2", "{root}/b")
  files.template("vars.j2", "{root}/c", vars: { port: 1 })
}
"#,
    );
    program.write("bad.j2", "line one\n{% for x in %}\n");
    program.write("vars.j2", "{{ port }} {{ name }}\n");
    let out = program.check();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = text(&out);
    for want in [
        "E0113",
        "controller file `gone.j2` not found (or not a regular file)",
        "E0114",
        "syntax error in template `bad.j2:2`",
        "E0115",
        "template `vars.j2` uses `name`, which the call does not give",
    ] {
        assert!(shown.contains(want), "{want:?} not in:\n{shown}");
    }
    let out = program.run(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        !program.root().join("touched").exists(),
        "a host was touched"
    );
}

#[test]
fn a_render_error_names_the_template_its_line_and_the_expression() {
    let program = Program::new(
        r#"
use std::files

param root: str

group here = [local()]

stage site on here {
  files.template("t.j2", "{root}/t", vars: { conf: { port: 1 } })
}
"#,
    );
    program.write("t.j2", "ok\n{{ conf.host }}\n");
    let out = program.run(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains("template t.j2:2: undefined value (`conf.host`)"),
        "{shown}"
    );
}
