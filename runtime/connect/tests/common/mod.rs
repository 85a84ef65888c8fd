//! Access to the SSH/Docker test bed of `tests/testbed/up.sh`.
//!
//! Tests that need it call [`testbed`]: when the test bed is not up they are
//! skipped with a message, unless `INFRAC_TESTBED=1` says it must be up, in
//! which case they fail.

#![allow(dead_code)] // each test file uses a different part

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use infrac_connect::{SshConnector, SshOptions};

pub struct Testbed {
    pub state: PathBuf,
}

/// The SSH port of `infrac-host-{n}`.
pub fn port(n: u16) -> u16 {
    2200 + n
}

pub fn testbed() -> Option<Testbed> {
    let state = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/testbed/.state");
    let required = std::env::var("INFRAC_TESTBED").is_ok_and(|v| v == "1");
    let problem = if !state.join("ssh_config").exists() {
        Some(format!("{} has no ssh_config", state.display()))
    } else if !listening(port(1)) {
        Some(format!("nothing listens on 127.0.0.1:{}", port(1)))
    } else {
        None
    };
    match problem {
        None => Some(Testbed { state }),
        Some(problem) if required => {
            panic!("INFRAC_TESTBED=1 but the test bed is not up: {problem}")
        }
        Some(problem) => {
            eprintln!("skipped: the test bed is not up ({problem}); run tests/testbed/up.sh");
            None
        }
    }
}

fn listening(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}

impl Testbed {
    /// Options that reach `infrac-host-{n}` as `user` without the ssh config.
    pub fn ssh_options(&self, n: u16, user: &str) -> SshOptions {
        SshOptions {
            user: Some(user.to_owned()),
            port: Some(port(n)),
            identity_file: Some(self.state.join("id_ed25519")),
            known_hosts_file: Some(self.state.join("known_hosts")),
            // No ~/.ssh/config of whoever runs the tests.
            config_file: Some("/dev/null".into()),
            control_directory: Some(std::env::temp_dir()),
            ..SshOptions::default()
        }
    }

    pub async fn ssh(&self, n: u16, user: &str) -> SshConnector {
        let name = format!("infrac-host-{n}");
        match SshConnector::connect(&name, "127.0.0.1", &self.ssh_options(n, user)).await {
            Ok(c) => c,
            Err(e) => panic!("cannot connect to the test bed: {e}"),
        }
    }
}
