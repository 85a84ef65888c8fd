//! The local connector against this machine, in temporary directories.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::{Duration, Instant};

use infrac_connect::{Connector, ErrorKind, ExecOptions, LocalConnector, Transport};

fn conn() -> LocalConnector {
    LocalConnector::new("local-test")
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

#[tokio::test]
async fn exec_reports_status_stdout_and_stderr() {
    let out = conn()
        .exec("echo out; echo err >&2; exit 3", ExecOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (3, "out\n", "err\n")
    );
}

#[tokio::test]
async fn exec_passes_large_stdin_and_env() {
    let input = vec![b'x'; 1 << 20];
    let env = [("GREETING".to_owned(), "it's a \"test\"".to_owned())];
    let opts = ExecOptions {
        stdin: Some(&input),
        env: &env,
        ..Default::default()
    };
    let out = conn()
        .exec("printf '%s ' \"$GREETING\"; wc -c", opts)
        .await
        .unwrap();
    assert_eq!(out.stdout.trim(), "it's a \"test\" 1048576");
}

#[tokio::test]
async fn bad_env_name_is_an_invalid_request() {
    let env = [("NOT-A-NAME".to_owned(), String::new())];
    let err = conn()
        .exec(
            "true",
            ExecOptions {
                env: &env,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert_eq!(
        err.to_string(),
        "local-test: invalid environment variable name `NOT-A-NAME`"
    );
}

#[tokio::test]
async fn sudo_to_root_as_root_needs_no_sudo() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let opts = ExecOptions {
        sudo: Some(None),
        ..Default::default()
    };
    let out = conn().exec("id -un", opts).await.unwrap();
    assert_eq!(out.stdout, "root\n");
}

#[tokio::test]
async fn sudo_password_never_reaches_the_command() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let opts = ExecOptions {
        sudo: Some(None),
        sudo_password: Some("s3cret"),
        stdin: Some(b"payload"),
        ..Default::default()
    };
    let out = conn().exec("cat", opts).await.unwrap();
    assert_eq!(out.stdout, "payload");
}

#[tokio::test]
async fn sudo_to_another_user() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let opts = ExecOptions {
        sudo: Some(Some("nobody")),
        ..Default::default()
    };
    let out = conn().exec("id -un", opts).await.unwrap();
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "nobody\n"),
        "stderr: {}",
        out.stderr
    );
}

#[tokio::test]
async fn timeout_stops_the_command_and_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let script = format!("sleep 30 & echo $! > {}; wait", pidfile.display());
    let opts = ExecOptions {
        timeout: Some(Duration::from_millis(500)),
        ..Default::default()
    };
    let started = Instant::now();
    let err = conn().exec(&script, opts).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_child_gone(&pidfile).await;
}

#[tokio::test]
async fn transport_limit_kills_the_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let script = format!("sleep 30 & echo $! > {}; wait", pidfile.display());
    let err = conn()
        .run(&script, Vec::new(), Some(Duration::from_millis(500)))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout);
    assert_child_gone(&pidfile).await;
}

async fn assert_child_gone(pidfile: &std::path::Path) {
    let pid = std::fs::read_to_string(pidfile).unwrap().trim().to_owned();
    // The kill is asynchronous: give the kernel a moment to reap.
    for _ in 0..50 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Gone, or a zombie waiting for its (dead) parent's reaper.
        if status.is_empty() || status.contains(") Z ") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("process {pid} survived the timeout");
}

#[tokio::test]
async fn upload_writes_content_mode_and_owner() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("conf file");
    let target_s = target.to_str().unwrap();
    let (owner, group) = if is_root() {
        (Some("nobody"), Some("nogroup"))
    } else {
        (None, None)
    };
    conn()
        .upload(b"hello\n", target_s, Some(0o640), owner, group, None)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"hello\n");
    let meta = std::fs::metadata(&target).unwrap();
    assert_eq!(meta.permissions().mode() & 0o7777, 0o640);
    if is_root() {
        let nobody = conn()
            .exec("id -u nobody", ExecOptions::default())
            .await
            .unwrap();
        assert_eq!(meta.uid().to_string(), nobody.stdout.trim());
    }
    assert_only_files(dir.path(), &["conf file"]);
}

/// Every kind of mode: read/write bits (given at creation), execute and
/// special bits (chmod), and none (a new file's default).
#[tokio::test]
async fn upload_gives_the_file_exactly_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    for mode in [0o600, 0o644, 0o755, 0o700, 0o2750, 0o444] {
        let target = dir.path().join(format!("f{mode:o}"));
        conn()
            .upload(b"x", target.to_str().unwrap(), Some(mode), None, None, None)
            .await
            .unwrap();
        let got = std::fs::metadata(&target).unwrap().permissions().mode() & 0o7777;
        assert_eq!(got, mode, "{mode:o}");
    }
    let target = dir.path().join("default");
    conn()
        .upload(b"x", target.to_str().unwrap(), None, None, None, None)
        .await
        .unwrap();
    let got = std::fs::metadata(&target).unwrap().permissions().mode() & 0o7777;
    assert_eq!(got & 0o111, 0, "no execute bit by default: {got:o}");
}

#[tokio::test]
async fn upload_replaces_and_keeps_the_existing_mode() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("f");
    std::fs::write(&target, "old").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    conn()
        .upload(b"new", target.to_str().unwrap(), None, None, None, None)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"new");
    assert_eq!(
        std::fs::metadata(&target).unwrap().permissions().mode() & 0o7777,
        0o600
    );
}

#[tokio::test]
async fn failed_upload_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("f");
    let err = conn()
        .upload(
            b"x",
            target.to_str().unwrap(),
            None,
            Some("no-such-user-infrac"),
            None,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transfer);
    assert!(
        err.message
            .starts_with(&format!("cannot upload to {}: ", target.display())),
        "{err}"
    );
    assert_only_files(dir.path(), &[]);
}

#[tokio::test]
async fn upload_into_a_missing_directory_fails_clearly() {
    let err = conn()
        .upload(b"x", "/nonexistent-infrac/dir/f", None, None, None, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transfer);
    assert!(
        err.to_string()
            .starts_with("local-test: cannot upload to /nonexistent-infrac/dir/f: "),
        "{err}"
    );
}

#[tokio::test]
async fn download_copies_bytes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("binary");
    let content: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    std::fs::write(&source, &content).unwrap();
    let local = dir.path().join("copy");
    conn()
        .download(source.to_str().unwrap(), &local)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&local).unwrap(), content);
}

#[tokio::test]
async fn download_of_a_missing_file_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let err = conn()
        .download("/nonexistent-infrac-file", &dir.path().join("x"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transfer);
    assert!(err.message.contains("No such file"), "{err}");
    assert_only_files(dir.path(), &[]);
}

fn assert_only_files(dir: &std::path::Path, expected: &[&str]) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, expected);
}

#[tokio::test]
async fn any_connector_opens_a_local_target() {
    let c = infrac_connect::AnyConnector::open("here", &infrac_connect::Target::Local)
        .await
        .unwrap();
    let out = c
        .exec("echo hi; exit 2", ExecOptions::default())
        .await
        .unwrap();
    assert_eq!((out.code, out.stdout.as_str()), (2, "hi\n"));
    assert_eq!(c.host(), "here");
    c.close().await.unwrap();
}

#[tokio::test]
async fn new_file_without_a_mode_gets_the_umask_default() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("new");
    conn()
        .upload(b"x", target.to_str().unwrap(), None, None, None, None)
        .await
        .unwrap();
    let umask = conn()
        .exec("umask", ExecOptions::default())
        .await
        .unwrap()
        .stdout;
    let umask = u32::from_str_radix(umask.trim(), 8).unwrap();
    assert_eq!(
        std::fs::metadata(&target).unwrap().permissions().mode() & 0o7777,
        0o666 & !umask
    );
}

#[tokio::test]
async fn abandoning_a_command_kills_its_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let script = format!("sleep 30 & echo $! > {}; wait", pidfile.display());
    let c = conn();
    let gave_up = tokio::time::timeout(
        Duration::from_millis(500),
        c.exec(&script, ExecOptions::default()),
    )
    .await;
    assert!(gave_up.is_err());
    assert_child_gone(&pidfile).await;
}
