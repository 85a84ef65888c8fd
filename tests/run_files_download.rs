//! `files.download` on `local()` hosts, from an HTTP server the test runs
//! on 127.0.0.1: a first run downloads, a second (with or without
//! `sha256`) fetches nothing; a wrong digest and a failed request leave
//! the destination as it was.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

mod run_common;
use run_common::{Program, op_events};

const BODY: &str = "downloaded body\n";

/// A server on 127.0.0.1 that answers `/file` with [`BODY`] and anything
/// else with 404; its address and the number of requests it had.
fn serve() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("address: {e}"));
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut reader = BufReader::new(&stream);
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let response = if request.starts_with("GET /file ") {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{BODY}",
                    BODY.len()
                )
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into()
            };
            let _ = (&stream).write_all(response.as_bytes());
        }
    });
    (format!("http://{addr}"), hits)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn changes(out: &Output) -> Vec<bool> {
    op_events(out)
        .iter()
        .map(|e| e["changed"] == true)
        .collect()
}

fn program(body: &str) -> Program {
    Program::new(&format!(
        "use std::files\nparam root: str\nparam url: str\ngroup here = [local()]\nstage s on here {{\n{body}\n}}\n"
    ))
}

fn read(program: &Program, name: &str) -> String {
    std::fs::read_to_string(program.root().join(name)).unwrap_or_default()
}

fn sha() -> String {
    let out = std::process::Command::new("sh")
        .args(["-c", "printf '%s' \"$1\" | sha256sum", "sh", BODY])
        .output()
        .unwrap_or_else(|e| panic!("sha256sum: {e}"));
    String::from_utf8_lossy(&out.stdout)
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_download_happens_once_then_is_skipped_without_the_network() {
    let (url, hits) = serve();
    let program = program(&format!(
        r#"
  files.download("{{url}}/file", "{{root}}/d/checked", sha256: "{}", mode: 0o640)
  files.download("{{url}}/file", "{{root}}/unchecked")
"#,
        sha().to_uppercase()
    ));
    let set = format!("url={url}");
    let out = program.run_json(&["--set", &set]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(changes(&out), [true, true]);
    assert_eq!(read(&program, "d/checked"), BODY);
    assert_eq!(read(&program, "unchecked"), BODY);
    let mode = std::fs::metadata(program.root().join("d/checked"))
        .map(|m| m.permissions().mode() & 0o7777);
    assert_eq!(mode.ok(), Some(0o640));
    assert_eq!(hits.load(Ordering::SeqCst), 2);

    let again = program.run_json(&["--set", &set]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(changes(&again), [false, false]);
    assert_eq!(hits.load(Ordering::SeqCst), 2, "no request the second time");
}

#[test]
fn a_file_with_another_digest_is_downloaded_again() {
    let (url, hits) = serve();
    let program = program(&format!(
        r#"  files.download("{{url}}/file", "{{root}}/f", sha256: "{}")"#,
        sha()
    ));
    std::fs::write(program.root().join("f"), "stale\n").unwrap_or_else(|e| panic!("{e}"));
    let out = program.run_json(&["--set", &format!("url={url}")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(read(&program, "f"), BODY);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[test]
fn a_wrong_digest_leaves_the_destination_as_it_was() {
    let (url, _) = serve();
    let wrong = "0".repeat(64);
    let program = program(&format!(
        r#"  files.download("{{url}}/file", "{{root}}/f", sha256: "{wrong}")"#
    ));
    std::fs::write(program.root().join("f"), "old\n").unwrap_or_else(|e| panic!("{e}"));
    let out = program.run(&["--set", &format!("url={url}")]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let expected = format!(
        "/f: the new content's SHA-256 is {}, not {wrong}: nothing changed",
        sha()
    );
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
    assert_eq!(read(&program, "f"), "old\n");
    let left = std::fs::read_dir(program.root())
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 1, "no temporary file left");
}

#[test]
fn a_failed_request_and_bad_arguments_fail_clearly() {
    let (url, _) = serve();
    let program = program(r#"  files.download("{url}/missing", "{root}/f")"#);
    let out = program.run(&["--set", &format!("url={url}")]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("404"), "{}", stderr(&out));
    assert!(!program.root().join("f").exists());

    let program = self::program(r#"  files.download("file:///etc/passwd", "{root}/f")"#);
    let out = program.run(&["--set", "url=x"]);
    assert!(
        stderr(&out)
            .contains("files.download: file:///etc/passwd is not an http, https or ftp URL"),
        "{}",
        stderr(&out)
    );
    let program = self::program(r#"  files.download("{url}/file", "{root}/f", sha256: "abc")"#);
    let out = program.run(&["--set", &format!("url={url}")]);
    assert!(
        stderr(&out).contains("/f is not 64 hexadecimal digits: abc"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_plan_knows_the_downloaded_digest_and_fetches_nothing() {
    let (url, hits) = serve();
    let call = format!(
        r#"  files.download("{{url}}/file", "{{root}}/f", sha256: "{}")"#,
        sha()
    );
    let program = program(&format!("{call}\n{call}"));
    let root = format!("root={}", program.root().display());
    let url = format!("url={url}");
    let out = program.infrac(&[
        "plan",
        "site.infra",
        "--format",
        "json",
        "--set",
        &root,
        "--set",
        &url,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("plan JSON: {e}"));
    let summary = &doc["summary"];
    assert_eq!(
        (
            &summary["will_change"],
            &summary["undetermined"],
            &summary["no_change"]
        ),
        (&1.into(), &0.into(), &1.into()),
        "the second call sees the predicted digest: {summary}"
    );
    assert!(
        !program.root().join("f").exists(),
        "a plan downloads nothing"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

/// A folder with a link to every command of `/usr/bin` and `/bin` but
/// `hidden`, for `PATH`.
fn path_without(hidden: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    for bin in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
        for entry in std::fs::read_dir(bin).into_iter().flatten().flatten() {
            let name = entry.file_name();
            let link = dir.path().join(&name);
            if !hidden.iter().any(|h| name == *h) && !link.exists() {
                let _ = std::os::unix::fs::symlink(entry.path(), link);
            }
        }
    }
    dir
}

#[test]
fn wget_is_used_without_curl_and_neither_fails_clearly() {
    let (url, hits) = serve();
    let program = program(r#"  files.download("{url}/file", "{root}/f")"#);
    let set = format!("url={url}");
    let no_curl = path_without(&["curl"]);
    let path = no_curl.path().display().to_string();
    let out = program.run_with_env(&[("PATH", &path)], &["--set", &set]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(read(&program, "f"), BODY);
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    let program = self::program(r#"  files.download("{url}/file", "{root}/g")"#);
    let neither = path_without(&["curl", "wget"]);
    let path = neither.path().display().to_string();
    let out = program.run_with_env(&[("PATH", &path)], &["--set", &set]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let expected = format!("neither curl nor wget is on the host: cannot download {url}/file");
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
    assert!(!program.root().join("g").exists());
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
