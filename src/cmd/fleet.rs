//! What `infrac exec` and `infrac facts` share: choosing hosts (an
//! inventory or a program's groups, `--limit`), SSH settings from the
//! command line, and running one job per host in parallel.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use infrac_compiler::{Database, Db, OsFileLoader};
use infrac_connect::{Connector, KnownHostsPolicy, SshOptions};
use infrac_runtime::SudoPassword;
use infrac_runtime::connection::{self, Connection, SshDefaults};
use infrac_runtime::inventory::Inventory;
use infrac_runtime::select::Limit;
use infrac_vm::RunContext;
use infrac_vm::controller::{eval_groups_with, eval_params};
use infrac_vm::value::{HostValue, Value};
use tokio::sync::Semaphore;

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
}

impl OutputArgs {
    /// Sets the bound for the commands of this process.
    pub fn apply(&self) {
        let mib = usize::try_from(self.max_output).unwrap_or(usize::MAX);
        infrac_connect::output::set_limit(mib.saturating_mul(1 << 20));
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

/// A host to connect to, with the names of its groups (for `--limit`).
pub struct FleetHost {
    pub value: Arc<HostValue>,
    pub groups: Vec<String>,
}

/// The hosts of an inventory file (Ansible INI/YAML or JSON).
pub fn inventory_hosts(path: &Path) -> Result<Vec<FleetHost>, String> {
    let inventory = Inventory::load(path).map_err(|e| e.to_string())?;
    Ok(inventory
        .hosts
        .iter()
        .map(|h| FleetHost {
            value: Arc::new(HostValue {
                name: h.name.clone(),
                spec: h.spec(),
                data: Value::None,
                sudo: h
                    .vars
                    .get("ansible_become")
                    .is_some_and(super::run::is_truthy),
            }),
            groups: h.groups.clone(),
        })
        .collect())
}

/// The hosts of a program's groups (params at their defaults, or as
/// `sets` say), each once, in group order.
pub fn program_hosts(file: &Path, sets: &[(String, String)]) -> Result<Vec<FleetHost>, String> {
    let db = Database::new(Arc::new(OsFileLoader));
    let root = db.file(file);
    let program = infrac_compiler::compile(&db, root).map_err(|diags| {
        format!(
            "`{}` does not check ({} diagnostic(s)); see `infrac check {}`",
            file.display(),
            diags.len(),
            file.display()
        )
    })?;
    let program = Arc::new(program);
    let base_dir = super::run::base_dir(file);
    let ctx = RunContext::new(Arc::clone(&program), Arc::from(Vec::new()), base_dir);
    let ctx = Arc::new(eval_params(&ctx, sets).map_err(|e| e.message)?);
    let groups = eval_groups_with(&ctx, &mut super::run::load_inventory)
        .map_err(|e| format!("cannot evaluate the groups' hosts: {}", e.message))?;
    let mut hosts: Vec<FleetHost> = Vec::new();
    for (def, members) in program.groups.iter().zip(groups) {
        for member in members {
            match hosts.iter_mut().find(|h| h.value.name == member.name) {
                Some(known) => known.groups.push(def.name.clone()),
                None => hosts.push(FleetHost {
                    value: member,
                    groups: vec![def.name.clone()],
                }),
            }
        }
    }
    Ok(hosts)
}

/// The hosts `--limit` keeps. A pattern that matches no host and no group
/// is an error.
pub fn limit_hosts(hosts: Vec<FleetHost>, patterns: &[String]) -> Result<Vec<FleetHost>, String> {
    let limit = Limit::new(patterns);
    let mut names: Vec<&str> = hosts.iter().map(|h| h.value.name.as_str()).collect();
    names.extend(
        hosts
            .iter()
            .flat_map(|h| h.groups.iter().map(String::as_str)),
    );
    let unmatched = limit.unmatched(&names);
    if !unmatched.is_empty() {
        return Err(format!(
            "--limit {} matches no host or group",
            unmatched.join(", ")
        ));
    }
    Ok(hosts
        .into_iter()
        .filter(|h| {
            let groups: Vec<&str> = h.groups.iter().map(String::as_str).collect();
            limit.allows(&h.value.name, &groups)
        })
        .collect())
}

/// Connects to every host (at most `parallel` at once), runs `job` on each
/// connection, closes it, and hands each host's result to `done` as soon
/// as that host has finished. A connection error is the host's result.
pub fn for_each_host<T, Job, Fut>(
    hosts: Vec<FleetHost>,
    parallel: Option<usize>,
    ssh: SshDefaults,
    job: Job,
    mut done: impl FnMut(&HostValue, Result<T, String>),
) -> Result<(), String>
where
    T: Send + 'static,
    Job: Fn(Arc<HostValue>, Arc<Connection>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, String>> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        let permits = Arc::new(Semaphore::new(parallel.unwrap_or(Semaphore::MAX_PERMITS)));
        let job = Arc::new(job);
        let ssh = Arc::new(ssh);
        let mut tasks = tokio::task::JoinSet::new();
        for host in hosts {
            let (permits, job, ssh) = (permits.clone(), job.clone(), ssh.clone());
            tasks.spawn(async move {
                // The semaphore is never closed: a permit always comes.
                let _permit = permits.acquire_owned().await.ok();
                let result = match connection::open_with(&host.value, &ssh).await {
                    Ok(conn) => {
                        let conn = Arc::new(conn);
                        let result = job(Arc::clone(&host.value), Arc::clone(&conn)).await;
                        close(conn, &host.value.name).await;
                        result
                    }
                    Err(e) => Err(e.message),
                };
                (host.value, result)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((host, result)) => done(&host, result),
                Err(e) => eprintln!("error: internal error in a host's task: {e}"),
            }
        }
    });
    Ok(())
}

/// Ends a connection (removes a throwaway container, stops an SSH master).
async fn close(conn: Arc<Connection>, host: &str) {
    // When the job kept a clone, the connection ends when that is dropped.
    if let Ok(conn) = Arc::try_unwrap(conn)
        && let Err(e) = conn.close().await
    {
        eprintln!(
            "warning: [{host}] cannot close the connection: {}",
            e.message
        );
    }
}

/// `--timeout SECONDS` as the connector's per-command limit (0: none).
pub fn command_timeout(seconds: u64) -> Option<Duration> {
    (seconds > 0).then(|| Duration::from_secs(seconds))
}
