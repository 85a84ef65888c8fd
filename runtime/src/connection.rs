//! How the run reaches a host: its spec (`local()`, `ssh(...)`,
//! `docker(...)`) as a connector target of `infrac-connect`.

use std::path::PathBuf;

use infrac_connect::{AnyConnector, ConnectorError, SshOptions, Target};
use infrac_vm::value::{HostSpec, HostValue};

/// One open connection per host, whatever its kind.
pub type Connection = AnyConnector;

/// Connects to `host` as its spec says.
pub async fn open(host: &HostValue) -> Result<Connection, ConnectorError> {
    AnyConnector::open(&host.name, &target(&host.spec)).await
}

/// `docker(container)` attaches to a running container;
/// `docker(container, image: I)` starts a throwaway container from image
/// `I` for the run.
fn target(spec: &HostSpec) -> Target {
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
