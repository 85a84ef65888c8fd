//! Performs one VM request over a host's connection.

use std::time::{Duration, Instant};

use infrac_connect::{Connector, ConnectorError, ErrorKind, ExecOptions, Transport, UploadOptions};
use infrac_vm::local_files::{MAX_PROGRAM_FILE, read_regular};
use infrac_vm::request::{
    Batch as BatchRequest, CommandOutput, ExecRequest, FactKey, FactQuery, Request, Response, Sudo,
    UploadRequest, UploadSource,
};
use infrac_vm::value::Value;

use crate::batch::perform_batch;
use crate::connection::Connection;
use crate::facts::FactRead;

/// How every command of a host runs, from the command line.
#[derive(Debug, Clone, Copy, Default)]
pub struct CommandSettings<'a> {
    pub timeout: Option<Duration>,
    /// When this host's time in the stage is up (`--host-timeout`): no
    /// command may outlive it on the host.
    pub deadline: Option<Instant>,
    /// For sudo (`--ask-sudo-password`): handed to sudo on stdin, never in
    /// argv (see `infrac_connect::shell`).
    pub sudo_password: Option<&'a str>,
}

impl CommandSettings<'_> {
    /// `limit` (a command's or a script's time limit), cut to what is left
    /// before the host's deadline.
    pub fn bound(&self, limit: Option<Duration>) -> Option<Duration> {
        let left = self.deadline.map(|d| {
            d.saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1))
        });
        match (limit, left) {
            (Some(limit), Some(left)) => Some(limit.min(left)),
            (limit, left) => limit.or(left),
        }
    }
}

/// Performs `request`. An `Err` means the host cannot go on (unreachable,
/// lost connection, timeout); a command or an upload that fails on the
/// host is a normal response, which the VM judges.
pub async fn perform(
    conn: &Connection,
    request: Request,
    settings: &CommandSettings<'_>,
) -> Result<Response, ConnectorError> {
    match request {
        Request::Exec(exec) => perform_exec(conn, &exec, settings)
            .await
            .map(Response::Done),
        Request::Upload(upload) => perform_upload(conn, upload, settings)
            .await
            .map(Response::Done),
        Request::ReadFacts(queries) => match by_user(&queries).as_slice() {
            [(sudo, _)] => read_facts(conn, &queries, *sudo, settings)
                .await
                .map(Response::Facts),
            // Several users' facts: their sections in one script.
            _ => read_facts_of_users(conn, queries, settings).await,
        },
        Request::Batch(batch) => perform_batch(conn, batch, settings).await,
        // Between two attempts of a retried call: nothing runs on the host.
        // The host's time in the stage (`--host-timeout`) bounds it too.
        Request::Sleep(seconds) => {
            let wanted = Duration::from_secs(seconds);
            match settings.bound(Some(wanted)) {
                Some(left) if left < wanted => {
                    tokio::time::sleep(left).await;
                    Err(ConnectorError::new(
                        Transport::host(conn),
                        ErrorKind::Timeout,
                        format!(
                            "the host's time in the stage ran out during the {seconds} s before its next attempt"
                        ),
                    ))
                }
                _ => {
                    tokio::time::sleep(wanted).await;
                    Ok(Response::Done(CommandOutput::default()))
                }
            }
        }
    }
}

/// Reads `queries`, all as the same user (through sudo like a command's);
/// one result per query, in order.
async fn read_facts(
    conn: &Connection,
    queries: &[FactQuery],
    sudo: Option<&Sudo>,
    settings: &CommandSettings<'_>,
) -> Result<Vec<Result<Value, String>>, ConnectorError> {
    let keys: Vec<FactKey> = queries.iter().map(|q| q.key.clone()).collect();
    let read = FactRead::new(&keys);
    let opts = ExecOptions {
        sudo: sudo.map(|s| s.user.as_deref()),
        sudo_password: settings.sudo_password.filter(|_| sudo.is_some()),
        timeout: settings.bound(settings.timeout),
        ..ExecOptions::default()
    };
    let out = conn.exec(read.script(), opts).await?;
    Ok(read.results(&out.stdout, &out.stderr))
}

/// Reads `queries` of several users in one batch script (a section each).
async fn read_facts_of_users(
    conn: &Connection,
    queries: Vec<FactQuery>,
    settings: &CommandSettings<'_>,
) -> Result<Response, ConnectorError> {
    let batch = BatchRequest {
        deferred: Vec::new(),
        then: Some(Box::new(Request::ReadFacts(queries))),
    };
    match perform_batch(conn, batch, settings).await? {
        Response::Batch {
            then: Some(facts), ..
        } => Ok(*facts),
        Response::Batch { lost, .. } => Err(ConnectorError::new(
            infrac_connect::Transport::host(conn),
            ErrorKind::ConnectionLost,
            lost.unwrap_or_else(|| "the facts got no answer".into()),
        )),
        other => Ok(other),
    }
}

/// The positions of `queries` grouped by the user they read as, users in
/// the order they first appear.
pub(crate) fn by_user(queries: &[FactQuery]) -> Vec<(Option<&Sudo>, Vec<usize>)> {
    let mut groups: Vec<(Option<&Sudo>, Vec<usize>)> = Vec::new();
    for (i, q) in queries.iter().enumerate() {
        let sudo = q.sudo.as_ref();
        match groups.iter_mut().find(|(s, _)| *s == sudo) {
            Some((_, at)) => at.push(i),
            None => groups.push((sudo, vec![i])),
        }
    }
    groups
}

async fn perform_exec(
    conn: &Connection,
    exec: &ExecRequest,
    settings: &CommandSettings<'_>,
) -> Result<CommandOutput, ConnectorError> {
    let opts = ExecOptions {
        stdin: exec.stdin.as_deref().map(str::as_bytes),
        secrets: &exec.secrets.values,
        export_secrets: exec.secrets.exported,
        sudo: exec.sudo.as_ref().map(|s| s.user.as_deref()),
        sudo_password: settings.sudo_password.filter(|_| exec.sudo.is_some()),
        timeout: settings.bound(settings.timeout),
        ..ExecOptions::default()
    };
    conn.exec(&exec.script, opts).await.map(vm_output)
}

/// A connector's command output as the VM's response carries it.
pub(crate) fn vm_output(out: infrac_connect::CommandOutput) -> CommandOutput {
    CommandOutput {
        code: out.code,
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

async fn perform_upload(
    conn: &Connection,
    upload: UploadRequest,
    settings: &CommandSettings<'_>,
) -> Result<CommandOutput, ConnectorError> {
    let content = match local_content(&upload.source).await {
        Ok(bytes) => bytes,
        Err(message) => return Ok(failed(message)),
    };
    let opts = UploadOptions {
        mode: upload.mode,
        owner: upload.owner.as_deref(),
        group: upload.group.as_deref(),
        sudo: upload.sudo.as_ref().map(|s| s.user.as_deref()),
        sudo_password: settings.sudo_password.filter(|_| upload.sudo.is_some()),
        timeout: settings.bound(settings.timeout),
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

/// The bytes an upload sends.
pub(crate) async fn local_content(source: &UploadSource) -> Result<Vec<u8>, String> {
    match source {
        UploadSource::Content(bytes) => Ok(bytes.clone()),
        UploadSource::LocalFile(path) => {
            let path = path.clone();
            let read = move || read_regular(&path, MAX_PROGRAM_FILE);
            tokio::task::spawn_blocking(read)
                .await
                .map_err(|e| format!("cannot read a local file: {e}"))?
        }
    }
}

fn failed(stderr: String) -> CommandOutput {
    CommandOutput {
        code: 1,
        stdout: String::new(),
        stderr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(name: &str, user: Option<Option<&str>>) -> FactQuery {
        FactQuery {
            key: FactKey {
                name: name.into(),
                args: Vec::new(),
            },
            sudo: user.map(|u| Sudo {
                user: u.map(str::to_string),
            }),
        }
    }

    #[test]
    fn one_group_per_user_in_first_appearance_order() {
        let root = Sudo { user: None };
        let app = Sudo {
            user: Some("app".into()),
        };
        let queries = [
            q("os", Some(None)),
            q("users", None),
            q("crontab", Some(Some("app"))),
            q("file", Some(None)),
            q("env", None),
        ];
        assert_eq!(
            by_user(&queries),
            vec![
                (Some(&root), vec![0, 3]),
                (None, vec![1, 4]),
                (Some(&app), vec![2]),
            ]
        );
    }
}
