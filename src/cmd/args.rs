//! Flags several subcommands share: `--format`, params (`--set`...), SSH
//! settings, the bound on output, the sudo password, and how `exec` and
//! `facts` pick and reach their hosts.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use infrac_runtime::connection::SshDefaults;
use infrac_runtime::fleet::FleetOptions;
use infrac_runtime::select::Limit;
use infrac_runtime::{InputOrigin, InputValue, ParamInput};
use infrac_runtime::{KnownHostsPolicy, SshOptions, SudoPassword};

/// `--format`: what a subcommand prints.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// `--known-hosts`: what to do with a host key missing from known_hosts.
#[derive(Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum KnownHosts {
    /// Refuse unknown and changed keys.
    #[default]
    Strict,
    /// Record unknown keys, refuse changed ones.
    AcceptNew,
    /// Accept any key (throwaway test machines only).
    Off,
}

/// How SSH hosts are reached, for every subcommand that connects.
#[derive(clap::Args, Clone, Default)]
pub struct SshArgs {
    /// Use this ssh config file instead of `~/.ssh/config` (`ssh -F`).
    #[arg(long, value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
    /// Host key policy for SSH hosts: `strict` (default), `accept-new` or `off`.
    #[arg(long, value_enum, default_value = "strict")]
    pub known_hosts: KnownHosts,
    /// Seconds to wait for an SSH connection (default 10).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub connect_timeout: Option<u64>,
    /// Keep each SSH connection open this many seconds after the run, for
    /// the next run to the same host to reuse without a new handshake;
    /// 0 closes them at the end of the run.
    #[arg(long, value_name = "SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u32).range(0..=604_800))]
    pub ssh_persist: u32,
}

impl SshArgs {
    /// The runtime's SSH settings; prints a warning when the host key
    /// policy is relaxed. An `--ssh-config` that is not a readable file is
    /// an error (ssh would fail every host with it).
    pub fn defaults(&self) -> Result<SshDefaults, String> {
        if let Some(config) = &self.ssh_config
            && let Err(e) = std::fs::File::open(config)
        {
            return Err(format!("--ssh-config {}: {e}", config.display()));
        }
        let known_hosts = match self.known_hosts {
            KnownHosts::Strict => KnownHostsPolicy::Strict,
            KnownHosts::AcceptNew => KnownHostsPolicy::AcceptNew,
            KnownHosts::Off => KnownHostsPolicy::Off,
        };
        let options = SshOptions {
            known_hosts,
            ..SshOptions::default()
        };
        for warning in options.warnings() {
            eprintln!("warning: {warning}");
        }
        Ok(SshDefaults {
            config_file: self.ssh_config.clone(),
            known_hosts,
            connect_timeout: self.connect_timeout.map(Duration::from_secs),
            persist: usize::try_from(self.ssh_persist)
                .ok()
                .and_then(NonZeroUsize::new),
        })
    }
}

/// The bound on what hosts send back, for every subcommand that runs
/// commands (a host printing without end must not exhaust our memory).
#[derive(clap::Args, Clone)]
pub struct OutputArgs {
    /// MiB of output kept per command, for each of stdout and stderr; a
    /// command that prints more is stopped and its host fails.
    #[arg(long, value_name = "MIB", default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub max_output: u32,
    /// The summary after a run: `short` lists the hosts that failed or did
    /// not run and counts the others past 20 hosts; `full` lists every host.
    #[arg(long, value_enum, default_value = "short")]
    pub summary: SummaryStyle,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SummaryStyle {
    Short,
    Full,
}

impl OutputArgs {
    /// Sets the bound for the commands of this process.
    pub fn apply(&self) {
        let mib = usize::try_from(self.max_output).unwrap_or(usize::MAX);
        infrac_runtime::set_output_limit(mib.saturating_mul(1 << 20));
    }
}

/// The sudo password, for every subcommand that may run commands through
/// sudo on hosts whose sudoers rule asks for one.
#[derive(clap::Args, Clone, Default)]
pub struct SudoArgs {
    /// Ask for the sudo password once, before connecting (it is handed to
    /// sudo on stdin, never on a command line); or set INFRAC_SUDO_PASSWORD.
    #[arg(short = 'K', long)]
    pub ask_sudo_password: bool,
}

/// The environment variable that may hold the sudo password.
pub const SUDO_PASSWORD_VAR: &str = "INFRAC_SUDO_PASSWORD";

/// The value of [`SUDO_PASSWORD_VAR`] as infrac started.
static SUDO_PASSWORD_ENV: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// Takes [`SUDO_PASSWORD_VAR`] out of infrac's environment, so that no
/// child inherits it (local commands, the docker client, a kept ssh
/// master, a `ProxyCommand`). Called first thing in `main`.
pub fn take_sudo_password_env() {
    let value = std::env::var(SUDO_PASSWORD_VAR).ok();
    if value.is_some() {
        // SAFETY: called at the start of `main`, before any thread exists,
        // so nothing reads the environment concurrently.
        unsafe { std::env::remove_var(SUDO_PASSWORD_VAR) };
    }
    let _ = SUDO_PASSWORD_ENV.set(value);
}

impl SudoArgs {
    /// The password: asked on the terminal with `-K`, else from
    /// INFRAC_SUDO_PASSWORD, else none (sudo then runs with `-n`).
    pub fn password(&self) -> Result<Option<SudoPassword>, String> {
        let password = if self.ask_sudo_password {
            rpassword::prompt_password("sudo password: ").map_err(|e| {
                format!(
                    "--ask-sudo-password needs a terminal ({e}); set {SUDO_PASSWORD_VAR} instead"
                )
            })?
        } else {
            match SUDO_PASSWORD_ENV.get().cloned().flatten() {
                Some(p) => p,
                None => return Ok(None),
            }
        };
        if password.contains('\n') {
            return Err("the sudo password cannot contain a newline".into());
        }
        Ok(Some(SudoPassword(password.into())))
    }
}

/// Which hosts `exec` and `facts` reach and how.
#[derive(clap::Args)]
pub struct HostSelectArgs {
    /// Only these hosts: a host name, a group name or a glob (`web-*`);
    /// repeatable or comma-separated.
    #[arg(long, value_name = "PATTERN")]
    pub limit: Vec<String>,
    /// At most N hosts at once (default: all).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub parallel: Option<u32>,
    /// Seconds the command (`exec`) or the fact read (`facts`) may take on
    /// a host before that host fails (0: no limit).
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub timeout: u64,
    #[command(flatten)]
    pub ssh: SshArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

impl HostSelectArgs {
    pub fn limit(&self) -> Limit {
        Limit::new(&self.limit)
    }

    /// Sets the output bound; the runtime's settings (warnings printed).
    pub fn options(&self) -> Result<FleetOptions, String> {
        self.output.apply();
        Ok(FleetOptions {
            parallel: self.parallel.map(|n| n as usize),
            ssh: self.ssh.defaults()?,
            timeout: seconds(self.timeout),
        })
    }
}

/// `SECONDS` of a timeout flag as a limit (0: none).
pub fn seconds(seconds: u64) -> Option<Duration> {
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

/// Where params' values come from on the command line.
#[derive(clap::Args, Clone, Default)]
pub struct SetArgs {
    /// Read params from a YAML or JSON file mapping names to values
    /// (repeatable; later files and `--set` win). Keep a file holding
    /// secrets private (mode 0600).
    #[arg(long = "params", value_name = "FILE")]
    pub params: Vec<PathBuf>,
    /// Set a param: `--set release=2.4.1` (repeatable). Other users of the
    /// controller see it in the process list: give secrets with
    /// `--set-file` or `--set-env`.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    /// Set a param to a file's content, without its final newline:
    /// `--set-file db_password=secrets/db` (repeatable).
    #[arg(long = "set-file", value_name = "NAME=PATH")]
    pub files: Vec<String>,
    /// Set a param to an environment variable's value:
    /// `--set-env db_password=DB_PASSWORD` (repeatable).
    #[arg(long = "set-env", value_name = "NAME=VAR")]
    pub envs: Vec<String>,
}

/// The params' values given on the command line.
pub struct ParamValues {
    /// In the order `--params` files, `--set`, `--set-file`, `--set-env`:
    /// the last one naming a param wins.
    pub inputs: Vec<ParamInput>,
    /// The `--params` files that users other than their owner may read.
    pub exposed_files: Vec<String>,
}

impl SetArgs {
    /// Every value given, files read.
    pub fn values(&self) -> Result<ParamValues, String> {
        let mut inputs = Vec::new();
        let mut exposed_files = Vec::new();
        for path in &self.params {
            let file = infrac_runtime::params_file::read(path)?;
            if file.readable_by_others {
                exposed_files.push(path.display().to_string());
            }
            inputs.extend(file.inputs);
        }
        let text = |name: String, value: String, origin: InputOrigin| ParamInput {
            name,
            value: InputValue::Text(value),
            origin,
        };
        for (name, value) in parse_pairs("--set", &self.sets)? {
            inputs.push(text(name, value, InputOrigin::Set));
        }
        for (name, path) in parse_pairs("--set-file", &self.files)? {
            let content = infrac_runtime::read_regular_text(Path::new(&path), 1 << 20)
                .map_err(|e| format!("--set-file {name}: {e}"))?;
            let content = content.strip_suffix('\n').unwrap_or(&content);
            let content = content.strip_suffix('\r').unwrap_or(content).to_string();
            inputs.push(text(name, content, InputOrigin::SetFile(path)));
        }
        for (name, var) in parse_pairs("--set-env", &self.envs)? {
            let value = std::env::var(&var)
                .map_err(|_| format!("--set-env {name}={var}: the environment has no {var}"))?;
            inputs.push(text(name, value, InputOrigin::SetEnv(var)));
        }
        Ok(ParamValues {
            inputs,
            exposed_files,
        })
    }
}

/// `NAME=VALUE` pairs of the flag `flag`; the value may contain `=`.
fn parse_pairs(flag: &str, pairs: &[String]) -> Result<Vec<(String, String)>, String> {
    pairs
        .iter()
        .map(|s| match s.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                Ok((name.trim().to_string(), value.to_string()))
            }
            _ => Err(format!("{flag} {s}: expected NAME=VALUE")),
        })
        .collect()
}
