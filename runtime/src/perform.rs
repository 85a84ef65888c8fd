//! Performs one VM request over a host's connection.

use std::time::Duration;

use infrac_connect::{
    CommandOutput, Connector, ConnectorError, ErrorKind, ExecOptions, UploadOptions,
};
use infrac_vm::request::{ExecRequest, Request, Response, UploadRequest, UploadSource};

use crate::connection::Connection;
use crate::facts::FactRead;

/// Performs `request`. An `Err` means the host cannot go on (unreachable,
/// lost connection, timeout); a command or an upload that fails on the
/// host is a normal response, which the VM judges.
pub async fn perform(
    conn: &Connection,
    request: Request,
    timeout: Option<Duration>,
) -> Result<Response, ConnectorError> {
    match request {
        Request::Exec(exec) => perform_exec(conn, &exec, timeout).await.map(Response::Done),
        Request::Upload(upload) => perform_upload(conn, upload, timeout)
            .await
            .map(Response::Done),
        Request::ReadFacts(keys) => {
            let read = FactRead::new(&keys);
            let opts = ExecOptions {
                timeout,
                ..ExecOptions::default()
            };
            let out = conn.exec(read.script(), opts).await?;
            Ok(Response::Facts(read.results(&out.stdout, &out.stderr)))
        }
    }
}

async fn perform_exec(
    conn: &Connection,
    exec: &ExecRequest,
    timeout: Option<Duration>,
) -> Result<CommandOutput, ConnectorError> {
    let opts = ExecOptions {
        stdin: exec.stdin.as_deref().map(str::as_bytes),
        sudo: exec.sudo.as_ref().map(|s| s.user.as_deref()),
        timeout,
        ..ExecOptions::default()
    };
    conn.exec(&exec.script, opts).await
}

async fn perform_upload(
    conn: &Connection,
    upload: UploadRequest,
    timeout: Option<Duration>,
) -> Result<CommandOutput, ConnectorError> {
    let content = match upload.source {
        UploadSource::Content(bytes) => bytes,
        UploadSource::LocalFile(path) => match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(e) => {
                return Ok(failed(format!(
                    "cannot read the local file {}: {e}",
                    path.display()
                )));
            }
        },
    };
    let opts = UploadOptions {
        mode: upload.mode,
        owner: upload.owner.as_deref(),
        group: upload.group.as_deref(),
        sudo: upload.sudo.as_ref().map(|s| s.user.as_deref()),
        sudo_password: None,
        timeout,
    };
    match conn.upload_with(&content, &upload.remote, opts).await {
        Ok(()) => Ok(CommandOutput::default()),
        // Refused on the host (permissions, no space): the op fails where
        // it uploads, like a failed command.
        Err(e) if matches!(e.kind, ErrorKind::Transfer | ErrorKind::Invalid) => {
            Ok(failed(e.message))
        }
        Err(e) => Err(e),
    }
}

fn failed(stderr: String) -> CommandOutput {
    CommandOutput {
        code: 1,
        stdout: String::new(),
        stderr,
    }
}
