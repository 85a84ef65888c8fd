//! `infrac exec` and `infrac facts`: one job (a command, or a read of
//! facts) on many hosts, at most `parallel` at once; each host's result is
//! handed back as soon as that host is done. The hosts come from an
//! inventory or a program's groups, cut by `--limit`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use infrac_bytecode::Program;
use infrac_connect::{CommandOutput, Connector, ExecOptions};
use infrac_vm::request::FactKey;
use infrac_vm::value::{HostValue, Value};

use crate::SudoPassword;
use crate::connection::{self, Connection, SshDefaults};
use crate::facts::FactRead;
use crate::inventory::Inventory;
use crate::select::Limit;

/// A host to connect to, with the names of its groups (for `--limit`).
pub struct FleetHost {
    pub value: Arc<HostValue>,
    pub groups: Vec<String>,
}

/// The hosts of an inventory, in its order.
pub fn inventory_hosts(inventory: &Inventory) -> Vec<FleetHost> {
    let host = |h: &crate::inventory::Host| FleetHost {
        value: Arc::new(h.host_value()),
        groups: h.groups.clone(),
    };
    inventory.hosts.iter().map(host).collect()
}

/// The hosts of a program's groups (`groups`: their evaluated members, in
/// `Program::groups` order), each once, in group order.
pub fn program_hosts(program: &Program, groups: Vec<Vec<Arc<HostValue>>>) -> Vec<FleetHost> {
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
    hosts
}

/// The hosts `limit` keeps; a pattern that matches no host and no group
/// is an error.
pub fn limit_hosts(hosts: Vec<FleetHost>, limit: &Limit) -> Result<Vec<FleetHost>, String> {
    let mut names: Vec<&str> = hosts.iter().map(|h| h.value.name.as_str()).collect();
    names.extend(
        hosts
            .iter()
            .flat_map(|h| h.groups.iter().map(String::as_str)),
    );
    limit.check(&names)?;
    Ok(hosts
        .into_iter()
        .filter(|h| {
            let groups: Vec<&str> = h.groups.iter().map(String::as_str).collect();
            limit.allows(&h.value.name, &groups)
        })
        .collect())
}

/// How the hosts are reached and how many at once.
pub struct FleetOptions {
    /// At most this many hosts at once; `None`: all.
    pub parallel: Option<usize>,
    pub ssh: SshDefaults,
    /// Per-command limit.
    pub timeout: Option<Duration>,
}

/// At most how many of `hosts` hosts run at once, given `--parallel` and
/// the open-files limit (raised to its hard limit first), with the notice
/// to show when the limit lowered it.
pub fn open_files_cap(parallel: Option<usize>, hosts: usize) -> (Option<usize>, Option<String>) {
    crate::select::within_open_files(parallel, hosts, crate::select::open_files())
}

/// One shell command for every host (`infrac exec`).
pub struct CommandJob {
    pub command: String,
    /// Through sudo as root on every host (else on hosts marked `sudo`).
    pub sudo: bool,
    /// For hosts without a sudo password of their own.
    pub sudo_password: Option<SudoPassword>,
}

/// A host's run of the command.
pub struct CommandRun {
    pub output: CommandOutput,
    pub duration: Duration,
}

/// Runs `job` on every host; `done` gets each host's outcome (a connection
/// error is one) as soon as the host has finished.
pub fn run_command(
    hosts: Vec<FleetHost>,
    options: FleetOptions,
    job: CommandJob,
    done: impl FnMut(&HostValue, Result<CommandRun, String>),
) -> Result<(), String> {
    let timeout = options.timeout;
    let job = Arc::new(job);
    let each = move |host: Arc<HostValue>, conn: Arc<Connection>| {
        let job = Arc::clone(&job);
        async move {
            let opts = ExecOptions {
                sudo: (job.sudo || host.sudo).then_some(None),
                sudo_password: (host.sudo_password.as_ref())
                    .or(job.sudo_password.as_ref())
                    .map(|p| &*p.0),
                timeout,
                ..ExecOptions::default()
            };
            let started = Instant::now();
            let output = conn.exec(&job.command, opts).await.map_err(|e| e.message)?;
            let duration = started.elapsed();
            Ok(CommandRun { output, duration })
        }
    };
    for_each_host(hosts, options, each, done)
}

/// Each fact's value on a host, or why it cannot be read.
pub type HostFacts = Vec<Result<Value, String>>;

/// Reads `keys` on every host in one round trip each (the readers and
/// batching of a run); `done` gets each host's values as soon as it has
/// them.
pub fn read_facts(
    hosts: Vec<FleetHost>,
    options: FleetOptions,
    keys: Arc<[FactKey]>,
    done: impl FnMut(&HostValue, Result<HostFacts, String>),
) -> Result<(), String> {
    let timeout = options.timeout;
    let each = move |_host: Arc<HostValue>, conn: Arc<Connection>| {
        let keys = Arc::clone(&keys);
        async move {
            let read = FactRead::new(&keys);
            let opts = ExecOptions {
                timeout,
                ..ExecOptions::default()
            };
            let out = conn
                .exec(read.script(), opts)
                .await
                .map_err(|e| e.message)?;
            Ok(read.results(&out.stdout, &out.stderr))
        }
    };
    for_each_host(hosts, options, each, done)
}

/// Connects to every host (at most `parallel` at once), runs `job` on each
/// connection, closes it, and hands each host's result to `done` as soon
/// as that host has finished. A connection error is the host's result.
fn for_each_host<T, Job, Fut>(
    hosts: Vec<FleetHost>,
    options: FleetOptions,
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
        let (parallel, _) = open_files_cap(options.parallel, hosts.len());
        let permits = crate::select::host_permits(parallel);
        let job = Arc::new(job);
        let ssh = Arc::new(options.ssh);
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
