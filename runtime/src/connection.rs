//! One open connection per host, whatever its connector: an enum over the
//! connectors of `infrac-connect` (whose trait is not object-safe).

use std::path::PathBuf;

use infrac_connect::{
    CommandOutput, Connector, ConnectorError, ErrorKind, ExecOptions, LocalConnector, SshConnector,
    SshOptions,
};
use infrac_vm::value::{HostSpec, HostValue};

pub enum Connection {
    Local(LocalConnector),
    Ssh(SshConnector),
}

impl Connection {
    /// Connects to `host` as its spec says (`local()`, `ssh(...)`).
    pub async fn open(host: &HostValue) -> Result<Connection, ConnectorError> {
        match &host.spec {
            HostSpec::Local => Ok(Connection::Local(LocalConnector::new(&host.name))),
            HostSpec::Ssh {
                address,
                user,
                port,
                identity,
                jump,
            } => {
                let opts = SshOptions {
                    user: user.clone(),
                    port: *port,
                    identity_file: identity.as_ref().map(PathBuf::from),
                    jump_hosts: jump
                        .iter()
                        .flat_map(|j| j.split(','))
                        .map(|j| j.trim().to_string())
                        .collect(),
                    ..SshOptions::default()
                };
                Ok(Connection::Ssh(
                    SshConnector::connect(&host.name, address, &opts).await?,
                ))
            }
            HostSpec::Docker { .. } => Err(ConnectorError::new(
                &host.name,
                ErrorKind::Invalid,
                "the Docker connector is not available in this build yet",
            )),
        }
    }

    pub async fn exec(
        &self,
        script: &str,
        opts: ExecOptions<'_>,
    ) -> Result<CommandOutput, ConnectorError> {
        match self {
            Connection::Local(c) => c.exec(script, opts).await,
            Connection::Ssh(c) => c.exec(script, opts).await,
        }
    }

    pub async fn upload(
        &self,
        content: &[u8],
        remote: &str,
        target: UploadTarget<'_>,
    ) -> Result<(), ConnectorError> {
        let UploadTarget {
            mode,
            owner,
            group,
            sudo,
        } = target;
        match self {
            Connection::Local(c) => c.upload(content, remote, mode, owner, group, sudo).await,
            Connection::Ssh(c) => c.upload(content, remote, mode, owner, group, sudo).await,
        }
    }

    pub async fn close(self) -> Result<(), ConnectorError> {
        match self {
            Connection::Local(c) => c.close().await,
            Connection::Ssh(c) => c.close().await,
        }
    }
}

/// Attributes and privileges of an upload.
#[derive(Debug, Clone, Copy, Default)]
pub struct UploadTarget<'a> {
    pub mode: Option<u32>,
    pub owner: Option<&'a str>,
    pub group: Option<&'a str>,
    pub sudo: Option<Option<&'a str>>,
}
