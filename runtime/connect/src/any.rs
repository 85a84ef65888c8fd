//! One type for a connector of any kind, chosen at run time per host (the
//! [`crate::Connector`] trait has async methods, so it is not object safe).

use std::time::Duration;

use crate::{
    ConnectorError, DockerConnector, LocalConnector, RawOutput, SshConnector, SshOptions, Transport,
};

/// How to reach one host.
#[derive(Debug, Clone)]
pub enum Target {
    /// This machine.
    Local,
    /// `address` is a host name, an IP address or an ssh config alias.
    Ssh {
        address: String,
        options: SshOptions,
    },
    /// A running container, by name or id; `user` for `docker exec -u`.
    Docker {
        container: String,
        user: Option<String>,
    },
    /// A throwaway container started from a local image, removed at close.
    DockerImage { image: String, user: Option<String> },
}

/// A connector of any kind. It implements [`crate::Connector`] like the
/// connectors it wraps.
#[derive(Debug)]
pub enum AnyConnector {
    Local(LocalConnector),
    Ssh(SshConnector),
    Docker(DockerConnector),
}

impl AnyConnector {
    /// Opens a connection to `target`. `name` is the host's inventory name,
    /// used in every error message.
    pub async fn open(name: &str, target: &Target) -> Result<Self, ConnectorError> {
        Ok(match target {
            Target::Local => AnyConnector::Local(LocalConnector::new(name)),
            Target::Ssh { address, options } => {
                AnyConnector::Ssh(SshConnector::connect(name, address, options).await?)
            }
            Target::Docker { container, user } => AnyConnector::Docker(
                DockerConnector::attach(name, container, user.as_deref()).await?,
            ),
            Target::DockerImage { image, user } => {
                AnyConnector::Docker(DockerConnector::start(name, image, user.as_deref()).await?)
            }
        })
    }
}

impl Transport for AnyConnector {
    fn host(&self) -> &str {
        match self {
            AnyConnector::Local(c) => c.host(),
            AnyConnector::Ssh(c) => c.host(),
            AnyConnector::Docker(c) => c.host(),
        }
    }

    async fn run(
        &self,
        command: &str,
        stdin: Vec<u8>,
        limit: Option<Duration>,
    ) -> Result<RawOutput, ConnectorError> {
        match self {
            AnyConnector::Local(c) => c.run(command, stdin, limit).await,
            AnyConnector::Ssh(c) => c.run(command, stdin, limit).await,
            AnyConnector::Docker(c) => c.run(command, stdin, limit).await,
        }
    }

    async fn shutdown(self) -> Result<(), ConnectorError> {
        match self {
            AnyConnector::Local(c) => c.shutdown().await,
            AnyConnector::Ssh(c) => c.shutdown().await,
            AnyConnector::Docker(c) => c.shutdown().await,
        }
    }

    fn stops_commands_at_limit(&self) -> bool {
        match self {
            AnyConnector::Local(c) => c.stops_commands_at_limit(),
            AnyConnector::Ssh(c) => c.stops_commands_at_limit(),
            AnyConnector::Docker(c) => c.stops_commands_at_limit(),
        }
    }
}
