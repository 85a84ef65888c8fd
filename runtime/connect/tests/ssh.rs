//! The SSH connector against the test bed (tests/testbed/up.sh).

mod common;

use std::time::{Duration, Instant};

use infrac_connect::{
    Connector, ErrorKind, ExecOptions, KnownHostsPolicy, SshConnector, SshOptions, UploadOptions,
};

use common::testbed;

fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("infrac-{tag}-{}-{nanos}", std::process::id())
}

#[tokio::test]
async fn exec_with_stdin_and_env() {
    let Some(tb) = testbed() else { return };
    let c = tb.ssh(1, "deploy").await;
    let env = [("WORD".to_owned(), "it's $HOME".to_owned())];
    let opts = ExecOptions {
        stdin: Some(b"line one\nline two\n"),
        env: &env,
        ..Default::default()
    };
    let out = c
        .exec("id -un; printf '%s\\n' \"$WORD\"; wc -l; exit 7", opts)
        .await
        .unwrap();
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (7, "deploy\nit's $HOME\n2\n")
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn sudo_to_root_as_deploy() {
    let Some(tb) = testbed() else { return };
    let c = tb.ssh(1, "deploy").await;
    let opts = ExecOptions {
        sudo: Some(None),
        stdin: Some(b"in"),
        ..Default::default()
    };
    let out = c.exec("id -un; cat", opts).await.unwrap();
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "root\nin", "")
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn atomic_upload_with_mode_and_owner_then_download() {
    let Some(tb) = testbed() else { return };
    let c = tb.ssh(2, "deploy").await;
    let dir = format!("/etc/{}", unique("up"));
    let sudo = ExecOptions {
        sudo: Some(None),
        ..Default::default()
    };
    c.exec(&format!("mkdir {dir}"), sudo.clone()).await.unwrap();
    let remote = format!("{dir}/app.conf");
    let content: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    c.upload(
        &content,
        &remote,
        Some(0o640),
        Some("root"),
        Some("deploy"),
        Some(None),
    )
    .await
    .unwrap();

    let out = c
        .exec(
            &format!("stat -c '%a %U %G' {remote}; ls -A {dir}"),
            sudo.clone(),
        )
        .await
        .unwrap();
    assert_eq!(
        out.stdout, "640 root deploy\napp.conf\n",
        "no temporary file may be left"
    );

    // deploy can read it through its group: download without sudo.
    let local = tempfile::tempdir().unwrap();
    let copy = local.path().join("copy");
    c.download(&remote, &copy).await.unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), content);

    // Without sudo, deploy cannot write into /etc: a clear transfer error,
    // and no temporary file left behind.
    let err = c
        .upload(b"x", &format!("{dir}/other"), None, None, None, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transfer);
    assert!(
        err.to_string()
            .starts_with(&format!("infrac-host-2: cannot upload to {dir}/other: ")),
        "{err}"
    );
    let out = c
        .exec(&format!("ls -A {dir}; rm -r {dir}"), sudo)
        .await
        .unwrap();
    assert_eq!(out.stdout, "app.conf\n");
    c.close().await.unwrap();
}

#[tokio::test]
async fn download_of_a_missing_file_names_it() {
    let Some(tb) = testbed() else { return };
    let c = tb.ssh(2, "deploy").await;
    let local = tempfile::tempdir().unwrap();
    let err = c
        .download("/no/such/file", &local.path().join("x"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Transfer);
    assert!(
        err.to_string()
            .starts_with("infrac-host-2: cannot download /no/such/file: "),
        "{err}"
    );
    c.close().await.unwrap();
}

/// Every command is a channel of the one master connection: the server sees
/// the same client address and port for all of them. Also prints the
/// connect time and the per-command latency.
#[tokio::test]
async fn commands_share_one_master_connection() {
    let Some(tb) = testbed() else { return };
    let started = Instant::now();
    let c = tb.ssh(1, "deploy").await;
    let connect_time = started.elapsed();

    let started = Instant::now();
    let mut seen = Vec::new();
    for _ in 0..10 {
        let out = c
            .exec("echo \"$SSH_CONNECTION\"", ExecOptions::default())
            .await
            .unwrap();
        seen.push(out.stdout);
    }
    let sequential = started.elapsed() / 10;

    let started = Instant::now();
    let concurrent = futures::future::join_all(
        (0..10).map(|_| c.exec("echo \"$SSH_CONNECTION\"", ExecOptions::default())),
    )
    .await;
    let concurrent_time = started.elapsed();
    for out in concurrent {
        seen.push(out.unwrap().stdout);
    }
    seen.dedup();
    assert_eq!(seen.len(), 1, "more than one connection: {seen:?}");
    assert!(!seen[0].trim().is_empty());
    eprintln!(
        "ssh timing: connect {connect_time:?}, sequential {sequential:?} per command, 10 concurrent in {concurrent_time:?}"
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn unreachable_host_fails_fast_and_names_the_host() {
    let Some(tb) = testbed() else { return };
    let mut opts = tb.ssh_options(1, "deploy");
    opts.port = Some(2299); // nothing listens there
    let started = Instant::now();
    let err = SshConnector::connect("web-9", "127.0.0.1", &opts)
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(err.kind, ErrorKind::Unreachable);
    assert!(
        err.to_string()
            .starts_with("web-9: cannot connect to 127.0.0.1: "),
        "{err}"
    );
    assert!(err.message.contains("Connection refused"), "{err}");
}

#[tokio::test]
async fn unknown_user_is_an_authentication_failure() {
    let Some(tb) = testbed() else { return };
    let err = SshConnector::connect("h", "127.0.0.1", &tb.ssh_options(1, "nobody-here"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Authentication, "{err}");
    assert!(err.message.contains("Permission denied"), "{err}");
}

#[tokio::test]
async fn unknown_host_key_is_refused_by_default() {
    let Some(tb) = testbed() else { return };
    let empty = tempfile::NamedTempFile::new().unwrap();
    let opts = SshOptions {
        known_hosts_file: Some(empty.path().to_owned()),
        ..tb.ssh_options(1, "deploy")
    };
    assert!(opts.warnings().is_empty());
    let err = SshConnector::connect("h", "127.0.0.1", &opts)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::HostKey, "{err}");

    // accept-new records the key (with a warning to show), then connects.
    let opts = SshOptions {
        known_hosts: KnownHostsPolicy::AcceptNew,
        ..opts
    };
    assert_eq!(opts.warnings().len(), 1);
    let c = SshConnector::connect("h", "127.0.0.1", &opts)
        .await
        .unwrap();
    c.close().await.unwrap();
    let recorded = std::fs::read_to_string(empty.path()).unwrap();
    assert!(
        recorded.contains("[127.0.0.1]:2201 ssh-ed25519 "),
        "{recorded}"
    );
}

#[tokio::test]
async fn ssh_config_aliases_are_honoured() {
    let Some(tb) = testbed() else { return };
    let opts = SshOptions {
        config_file: Some(tb.state.join("ssh_config")),
        ..SshOptions::default()
    };
    let c = SshConnector::connect("alias", "infrac-host-3", &opts)
        .await
        .unwrap();
    let out = c
        .exec("id -un; echo \"$SSH_CONNECTION\"", ExecOptions::default())
        .await
        .unwrap();
    assert!(
        out.stdout.starts_with("deploy\n") && out.stdout.trim_end().ends_with(" 2203"),
        "{}",
        out.stdout
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn jump_host_reaches_the_target_through_another_host() {
    let Some(tb) = testbed() else { return };
    // The jump host is infrac-host-1 (an alias of the config file).
    let opts = SshOptions {
        config_file: Some(tb.state.join("ssh_config")),
        jump_hosts: vec!["infrac-host-1".into()],
        ..SshOptions::default()
    };
    let c = SshConnector::connect("via-jump", "infrac-host-2", &opts)
        .await
        .unwrap();
    let out = c
        .exec("echo \"$SSH_CONNECTION\"", ExecOptions::default())
        .await
        .unwrap();
    assert!(out.stdout.trim_end().ends_with(" 2202"), "{}", out.stdout);
    c.close().await.unwrap();
}

#[tokio::test]
async fn command_past_its_timeout_is_stopped_on_the_host() {
    let Some(tb) = testbed() else { return };
    let c = tb.ssh(3, "deploy").await;
    let pidfile = format!("/tmp/{}", unique("pid"));
    let opts = ExecOptions {
        timeout: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    let started = Instant::now();
    let err = c
        .exec(&format!("sleep 60 & echo $! > {pidfile}; wait"), opts)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        err.to_string(),
        "infrac-host-3: command timed out after 1.0s"
    );
    let out = c
        .exec(&format!("sleep 0.2; kill -0 $(cat {pidfile}) 2>/dev/null && echo alive || echo gone; rm {pidfile}"), ExecOptions::default())
        .await
        .unwrap();
    assert_eq!(out.stdout, "gone\n");
    // The connection still works after a timeout.
    assert_eq!(
        c.exec("echo ok", ExecOptions::default())
            .await
            .unwrap()
            .stdout,
        "ok\n"
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn lost_connection_is_reported() {
    let Some(tb) = testbed() else { return };
    let c = tb.ssh(3, "deploy").await;
    // $PPID is the sshd process serving this connection: killing it drops
    // the connection under our feet.
    let first = c
        .exec("kill -9 $PPID; sleep 5", ExecOptions::default())
        .await;
    let err = match first {
        Err(e) => e,
        Ok(_) => c.exec("true", ExecOptions::default()).await.unwrap_err(),
    };
    assert_eq!(err.kind, ErrorKind::ConnectionLost, "{err}");
    assert!(
        err.to_string()
            .starts_with("infrac-host-3: connection lost"),
        "{err}"
    );
}

#[tokio::test]
async fn any_connector_opens_an_ssh_target() {
    let Some(tb) = testbed() else { return };
    let target = infrac_connect::Target::Ssh {
        address: "127.0.0.1".into(),
        options: tb.ssh_options(2, "root"),
    };
    let c = infrac_connect::AnyConnector::open("db", &target)
        .await
        .unwrap();
    let out = c
        .exec(
            "id -un",
            ExecOptions {
                sudo: Some(None),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(out.stdout, "root\n");
    c.close().await.unwrap();
}

/// `sudoer` needs its password for sudo: it goes on stdin, read by the
/// wrapper, and never reaches the command.
#[tokio::test]
async fn sudo_with_a_password() {
    let Some(tb) = testbed() else { return };
    let c = tb.ssh(2, "sudoer").await;
    let opts = ExecOptions {
        sudo: Some(None),
        sudo_password: Some("infrac-pw"),
        stdin: Some(b"data"),
        ..Default::default()
    };
    let out = c.exec("id -un; cat", opts.clone()).await.unwrap();
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "root\ndata"),
        "stderr: {}",
        out.stderr
    );

    // The helper is gone afterwards.
    let out = c
        .exec("ls /tmp | grep -c tmp || true", ExecOptions::default())
        .await
        .unwrap();
    assert_eq!(out.stdout, "0\n");

    let no_password = ExecOptions {
        sudo_password: None,
        ..opts.clone()
    };
    let out = c.exec("id -un", no_password).await.unwrap();
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("password is required"),
        "{}",
        out.stderr
    );

    // Uploads take the password too.
    let remote = format!("/etc/{}", unique("pw"));
    let upload = UploadOptions {
        mode: Some(0o600),
        sudo: Some(None),
        sudo_password: Some("infrac-pw"),
        ..Default::default()
    };
    c.upload_with(b"secret", &remote, upload).await.unwrap();
    let root = ExecOptions {
        sudo_password: Some("infrac-pw"),
        ..opts.clone()
    };
    let out = c
        .exec(
            &format!("stat -c '%a %U' {remote}; cat {remote}; rm {remote}"),
            root,
        )
        .await
        .unwrap();
    assert_eq!(out.stdout, "600 root\nsecret");

    let wrong = ExecOptions {
        sudo_password: Some("wrong"),
        ..opts
    };
    let out = c.exec("id -un", wrong).await.unwrap();
    assert_ne!(out.code, 0);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("incorrect password"), "{}", out.stderr);
    c.close().await.unwrap();
}

/// A server that accepts the TCP connection but never speaks SSH: the
/// connect timeout still applies (to the banner exchange).
#[tokio::test]
async fn silent_server_times_out_at_connect() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept and hold the connections, say nothing.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let opts = SshOptions {
        port: Some(port),
        connect_timeout: Duration::from_secs(1),
        config_file: Some("/dev/null".into()),
        control_directory: Some(std::env::temp_dir()),
        ..SshOptions::default()
    };
    let started = Instant::now();
    let err = SshConnector::connect("mute", "127.0.0.1", &opts)
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(err.kind, ErrorKind::Unreachable, "{err}");
    assert!(
        err.to_string()
            .starts_with("mute: cannot connect to 127.0.0.1: "),
        "{err}"
    );
    assert!(err.message.contains("timed out"), "{err}");
}

/// F19: destinations, users and jump hosts that ssh would read as options
/// are refused before ssh runs, and an ssh that exits without a message is
/// not reported as a missing ssh.
#[tokio::test]
async fn option_like_destinations_are_refused_and_early_failures_not_misread() {
    let Some(tb) = testbed() else { return };
    let opts = tb.ssh_options(1, "deploy");
    let err = SshConnector::connect("a1", "-oProxyCommand=touch /tmp/pwned", &opts)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert_eq!(
        err.to_string(),
        "a1: the ssh address \"-oProxyCommand=touch /tmp/pwned\" is not valid (empty, an option, or with spaces or control characters)"
    );
    for (user, jump) in [
        (Some("-oProxyCommand=x"), None),
        (None, Some("-oProxyCommand=x")),
    ] {
        let mut opts = tb.ssh_options(1, "deploy");
        if let Some(user) = user {
            opts.user = Some(user.into());
        }
        opts.jump_hosts = jump.into_iter().map(String::from).collect();
        let err = SshConnector::connect("a2", "127.0.0.1", &opts)
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
    }
    // ssh refuses this host name itself (OpenSSH 9.2 checks it) and exits
    // before writing its log.
    let err = SshConnector::connect("a3", "a$(touch${IFS}/tmp/pwned)", &opts)
        .await
        .unwrap_err();
    assert!(
        !err.message.contains("is openssh-client installed"),
        "{err}"
    );
    assert!(!std::path::Path::new("/tmp/pwned").exists());
}
