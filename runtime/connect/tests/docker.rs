//! The Docker connector against the test bed's engine and image.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

mod common;

use std::time::Duration;

use infrac_connect::{Connector, DockerConnector, ErrorKind, ExecOptions, Transport};

use common::testbed;

const IMAGE: &str = "infrac-testbed:latest";

#[tokio::test]
async fn exec_upload_download_in_an_existing_container() {
    let Some(_tb) = testbed() else { return };
    let c = DockerConnector::attach("box", "infrac-host-1", None)
        .await
        .unwrap();
    let opts = ExecOptions {
        stdin: Some(b"abc"),
        ..Default::default()
    };
    let out = c.exec("id -un; wc -c", opts).await.unwrap();
    assert_eq!(out.stdout, "root\n3\n");

    let remote = format!("/tmp/infrac-docker-{}", std::process::id());
    c.upload(b"hello", &remote, Some(0o600), Some("deploy"), None, None)
        .await
        .unwrap();
    let out = c
        .exec(&format!("stat -c '%a %U' {remote}"), ExecOptions::default())
        .await
        .unwrap();
    assert_eq!(out.stdout, "600 deploy\n");

    let dir = tempfile::tempdir().unwrap();
    c.download(&remote, &dir.path().join("copy")).await.unwrap();
    assert_eq!(std::fs::read(dir.path().join("copy")).unwrap(), b"hello");
    c.exec(&format!("rm {remote}"), ExecOptions::default())
        .await
        .unwrap();
    c.close().await.unwrap();
}

#[tokio::test]
async fn exec_as_a_user_with_sudo() {
    let Some(_tb) = testbed() else { return };
    let c = DockerConnector::attach("box", "infrac-host-2", Some("deploy"))
        .await
        .unwrap();
    let out = c.exec("id -un", ExecOptions::default()).await.unwrap();
    assert_eq!(out.stdout, "deploy\n");
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
}

#[tokio::test]
async fn throwaway_container_has_no_network_and_is_removed_at_close() {
    let Some(_tb) = testbed() else { return };
    let c = DockerConnector::start("tmp", IMAGE, None).await.unwrap();
    let id = c.container().to_owned();
    // Only the loopback interface.
    let out = c
        .exec("ls /sys/class/net", ExecOptions::default())
        .await
        .unwrap();
    assert_eq!(out.stdout, "lo\n");
    c.close().await.unwrap();
    let gone = std::process::Command::new("docker")
        .args(["inspect", &id])
        .output()
        .unwrap();
    assert!(!gone.status.success(), "container {id} still exists");
}

#[tokio::test]
async fn stopped_container_is_a_clear_error() {
    let Some(_tb) = testbed() else { return };
    // Attaching to a container that is not running fails up front.
    let c = DockerConnector::start("tmp", IMAGE, None).await.unwrap();
    let id = c.container().to_owned();
    docker(&["stop", "-t", "0", &id]);
    let err = DockerConnector::attach("web", &id, None).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unreachable);
    assert_eq!(
        err.to_string(),
        format!("web: cannot connect to container {id}: it is not running")
    );

    // A container that stops during the run: the connection is lost.
    let err = c.exec("true", ExecOptions::default()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::ConnectionLost);
    assert_eq!(
        err.to_string(),
        format!("tmp: container {id}: it is not running")
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn missing_container_is_a_clear_error() {
    let Some(_tb) = testbed() else { return };
    let err = DockerConnector::attach("web", "no-such-container-infrac", None)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unreachable);
    assert_eq!(
        err.to_string(),
        "web: cannot connect to container no-such-container-infrac: No such object: no-such-container-infrac"
    );
}

#[tokio::test]
async fn timeout_stops_the_command_in_the_container() {
    let Some(_tb) = testbed() else { return };
    let c = DockerConnector::start("tmp", IMAGE, None).await.unwrap();
    let opts = ExecOptions {
        timeout: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    let err = c
        .exec("sleep 60 & echo $! > /tmp/pid; wait", opts)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout);
    let out = c
        .run(
            "kill -0 $(cat /tmp/pid) 2>/dev/null && echo alive || echo gone",
            Vec::new(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(out.stdout, b"gone\n");
    c.close().await.unwrap();
}

fn docker(args: &[&str]) {
    let status = std::process::Command::new("docker")
        .args(args)
        .output()
        .unwrap()
        .status;
    assert!(status.success(), "docker {args:?} failed");
}

#[tokio::test]
async fn dropped_throwaway_container_is_removed_too() {
    let Some(_tb) = testbed() else { return };
    let c = DockerConnector::start("tmp", IMAGE, None).await.unwrap();
    let id = c.container().to_owned();
    drop(c);
    for _ in 0..50 {
        let inspect = std::process::Command::new("docker")
            .args(["inspect", &id])
            .output()
            .unwrap();
        if !inspect.status.success() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("container {id} survived its connector");
}

/// F18: values that docker would read as options are refused, before the
/// docker client sees them.
#[tokio::test]
async fn option_like_container_and_image_names_are_refused() {
    let Some(_tb) = testbed() else { return };
    let err = DockerConnector::attach("web", "--privileged", None)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert_eq!(
        err.to_string(),
        "web: \"--privileged\" is not a docker container name"
    );
    let err = DockerConnector::start("box", "--help", None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "box: \"--help\" is not a docker image name"
    );
}
