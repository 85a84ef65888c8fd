//! How the run reaches a host: its spec (`local()`, `ssh(...)`,
//! `docker(...)`) as a connector target of `infrac-connect`.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use infrac_connect::{AnyConnector, ConnectorError, KnownHostsPolicy, SshOptions, Target};
use infrac_vm::value::{HostSpec, HostValue};

/// One open connection per host, whatever its kind.
pub type Connection = AnyConnector;

/// Settings shared by every SSH host of a run (from the command line);
/// a host's own `ssh(...)` options win over them.
#[derive(Debug, Clone, Default)]
pub struct SshDefaults {
    /// Replaces `~/.ssh/config` (`--ssh-config`).
    pub config_file: Option<PathBuf>,
    pub known_hosts: KnownHostsPolicy,
    /// `None`: the connector's default (10 s).
    pub connect_timeout: Option<Duration>,
    /// Seconds an SSH master connection stays open after the run for the
    /// next run to reuse (`--ssh-persist`); `None`: closed at the end.
    pub persist: Option<NonZeroUsize>,
}

/// Connects to `host` as its spec says.
pub async fn open(host: &HostValue) -> Result<Connection, ConnectorError> {
    open_with(host, &SshDefaults::default()).await
}

/// Connects to `host` as its spec says, SSH hosts with `defaults`.
pub async fn open_with(
    host: &HostValue,
    defaults: &SshDefaults,
) -> Result<Connection, ConnectorError> {
    AnyConnector::open(&host.name, &target(&host.spec, defaults)).await
}

/// `docker(container)` attaches to a running container;
/// `docker(container, image: I)` starts a throwaway container from image
/// `I` for the run.
fn target(spec: &HostSpec, defaults: &SshDefaults) -> Target {
    match spec {
        HostSpec::Local => Target::Local,
        HostSpec::Ssh {
            address,
            user,
            port,
            identity,
            jump,
        } => Target::Ssh {
            address: address.clone(),
            options: SshOptions {
                user: user.clone(),
                port: *port,
                identity_file: identity.as_ref().map(PathBuf::from),
                jump_hosts: jump
                    .iter()
                    .flat_map(|j| j.split(','))
                    .map(|j| j.trim().to_string())
                    .collect(),
                config_file: defaults.config_file.clone(),
                known_hosts: defaults.known_hosts,
                connect_timeout: defaults
                    .connect_timeout
                    .unwrap_or(SshOptions::default().connect_timeout),
                persist: defaults.persist,
                ..SshOptions::default()
            },
        },
        HostSpec::Docker {
            container,
            image: None,
        } => Target::Docker {
            container: container.clone(),
            user: None,
        },
        HostSpec::Docker {
            image: Some(image), ..
        } => Target::DockerImage {
            image: image.clone(),
            user: None,
        },
    }
}
