//! The orchestrator: stages in order; within a stage, every target host
//! runs the body on its own task (bounded by `parallel`), batch after batch
//! (`serial`); the next stage starts when this one has ended on all its
//! hosts. A failed host is out for the rest of the run.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use infrac_bytecode::{StageDef, StageTarget};
use infrac_vm::value::{HostValue, Value};
use infrac_vm::{RunContext, Vm};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::cancel::Cancel;
use crate::connection::{self, Connection, SshDefaults};
use crate::driver::{StageRun, run_stage};
use crate::event::{HostError, Place, RunEvent, RunSummary};
use crate::output::Sink;
use crate::perform::CommandSettings;
use crate::report::Reporter;
use crate::select::{Limit, Selected, batch_size, host_permits, open_files, within_open_files};
use infrac_connect::Connector;

/// How a run goes, from the command line.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// At most this many hosts at once (`--parallel`); `None`: no bound.
    pub parallel: Option<usize>,
    pub limit: Limit,
    /// Per-command timeout.
    pub command_timeout: Option<Duration>,
    /// Longest time one host may spend running one stage's body.
    pub host_timeout: Option<Duration>,
    /// Settings of every SSH host (config file, host key policy).
    pub ssh: SshDefaults,
    /// For sudo, on every host (`--ask-sudo-password`).
    pub sudo_password: Option<SudoPassword>,
    /// The stages that run (`--stage`, `--tags`, `--skip-tags`).
    pub stages: Selected,
    /// `--force-handlers`: a host that fails runs the handlers notified
    /// before its failure.
    pub force_handlers: bool,
}

pub use infrac_vm::value::SudoPassword;

/// One host of the run, with what it keeps from stage to stage.
struct Host {
    value: Arc<HostValue>,
    /// Names of the groups it belongs to (for `--limit`).
    groups: Vec<String>,
    /// Its VM (created at its first stage: it owns the host's fact cache).
    vm: Option<Vm>,
    conn: Option<Connection>,
    failed: bool,
}

/// What a host task hands back when it ends.
struct HostOutcome {
    index: usize,
    vm: Vm,
    conn: Option<Connection>,
    result: Result<Value, HostError>,
}

/// Runs every stage of the program on `groups` (from
/// `infrac_vm::controller::eval_groups`, in `Program::groups` order).
pub async fn run(
    ctx: Arc<RunContext>,
    groups: Vec<Vec<Arc<HostValue>>>,
    options: RunOptions,
    sink: Box<dyn Sink>,
    cancel: Cancel,
) -> RunSummary {
    // The sudo password is a secret of the run too: a command may print it
    // (its environment, a shell's trace).
    let mut secrets = crate::secrets::secrets(ctx.params(), &groups);
    if let Some(password) = options.sudo_password.as_ref().filter(|p| !p.0.is_empty()) {
        secrets.push(password.0.to_string());
        secrets = crate::secrets::with_trimmed(secrets);
    }
    let reporter = Reporter::new(sink, secrets);
    let mut run = Run {
        ctx: Arc::clone(&ctx),
        hosts: Vec::new(),
        group_hosts: Vec::new(),
        options,
        reporter,
        cancel,
        open_files: open_files(),
        capped_told: false,
    };
    run.register(&groups);
    let stages = &ctx.program().stages;
    let mut stage_values: Vec<Option<Value>> = vec![None; stages.len()];
    let mut stopped = false;
    for (index, def) in stages.iter().enumerate() {
        if !run.options.stages.runs(index) {
            run.reporter.emit(RunEvent::StageSkipped {
                stage: def.name.clone(),
            });
            continue;
        }
        if stopped || run.cancel.is_cancelled() {
            run.reporter.skip_stage(&def.name);
            continue;
        }
        let (value, go_on) = run.stage(index, def, &stage_values).await;
        stage_values[index] = value;
        stopped = !go_on;
    }
    if run.cancel.is_cancelled() {
        run.reporter.emit(RunEvent::Interrupted);
    }
    for host in &mut run.hosts {
        if let Some(conn) = host.conn.take() {
            // Closing is best effort: the run's outcome is already known.
            let _ = conn.close().await;
        }
    }
    run.reporter.finish()
}

struct Run {
    ctx: Arc<RunContext>,
    hosts: Vec<Host>,
    /// `group_hosts[g]`: indexes into `hosts` of group `g`'s hosts.
    group_hosts: Vec<Vec<usize>>,
    options: RunOptions,
    reporter: Reporter,
    cancel: Cancel,
    /// How many hosts the open-files limit lets be connected at once, and
    /// the limit (see `infrac_connect::limits`).
    open_files: Option<(usize, u64)>,
    /// The notice that the limit caps a stage was given.
    capped_told: bool,
}

impl Run {
    /// Hosts are identified by name: a host in several groups is one host.
    fn register(&mut self, groups: &[Vec<Arc<HostValue>>]) {
        let program = Arc::clone(self.ctx.program());
        let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
        for (g, members) in groups.iter().enumerate() {
            let group_name = program
                .groups
                .get(g)
                .map(|d| d.name.clone())
                .unwrap_or_default();
            let mut indexes = Vec::with_capacity(members.len());
            for value in members {
                let index = *by_name.entry(value.name.clone()).or_insert_with(|| {
                    self.hosts.push(Host {
                        value: Arc::clone(value),
                        groups: Vec::new(),
                        vm: None,
                        conn: None,
                        failed: false,
                    });
                    self.hosts.len() - 1
                });
                if let Some(host) = self.hosts.get_mut(index) {
                    host.groups.push(group_name.clone());
                }
                indexes.push(index);
            }
            self.group_hosts.push(indexes);
        }
    }

    fn allowed(&self, index: usize) -> bool {
        self.hosts.get(index).is_some_and(|h| {
            let groups: Vec<&str> = h.groups.iter().map(String::as_str).collect();
            self.options.limit.allows(&h.value.name, &groups)
        })
    }

    /// The stage's hosts: the union of its targets, each host once, in
    /// order; `one(g)` is the first host of `g` that `--limit` keeps.
    fn targets(&self, targets: &[StageTarget]) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for t in targets {
            let members = self
                .group_hosts
                .get(t.group as usize)
                .map_or(&[][..], Vec::as_slice);
            let allowed = members.iter().copied().filter(|&i| self.allowed(i));
            let chosen: Vec<usize> = if t.one {
                allowed.take(1).collect()
            } else {
                allowed.collect()
            };
            for i in chosen {
                if !out.contains(&i) {
                    out.push(i);
                }
            }
        }
        out
    }

    /// Runs one stage on its hosts. Returns the stage's value (for `-> T`
    /// stages) and whether the run goes on (`max_failures`, Ctrl-C).
    async fn stage(
        &mut self,
        index: usize,
        def: &StageDef,
        stage_values: &[Option<Value>],
    ) -> (Option<Value>, bool) {
        let active: Vec<usize> = self
            .targets(&def.targets)
            .into_iter()
            .filter(|&i| !self.hosts[i].failed)
            .collect();
        let names: Vec<String> = active
            .iter()
            .map(|&i| self.hosts[i].value.name.clone())
            .collect();
        self.reporter.emit(RunEvent::StageStarted {
            stage: def.name.clone(),
            hosts: names,
        });
        let parallel = [
            self.options.parallel,
            def.options.parallel.map(|p| p as usize),
        ];
        let wanted = parallel.into_iter().flatten().min();
        let (parallel, notice) = within_open_files(wanted, active.len(), self.open_files);
        if let Some(message) = notice
            && !std::mem::replace(&mut self.capped_told, true)
        {
            self.reporter.emit(RunEvent::Notice { message });
        }
        let semaphore = host_permits(parallel);
        let stage_values: Arc<[Option<Value>]> = stage_values.into();
        let place = Place {
            module: def.module,
            span: def.span,
        };
        let stage = StageJob {
            def,
            index,
            place,
            stage_values,
            semaphore,
        };
        let mut values: BTreeMap<Arc<str>, Value> = BTreeMap::new();
        let mut failures = 0u32;
        let mut go_on = true;
        let batches: Vec<&[usize]> = active
            .chunks(batch_size(def.options.serial, active.len()))
            .collect();
        for (n, batch) in batches.iter().enumerate() {
            let stop = if self.cancel.is_cancelled() {
                Some("interrupted (Ctrl-C) before its batch started".to_string())
            } else if self.too_many_failures(def, failures) {
                Some(format!(
                    "the stage stopped after {failures} failed host{} (max_failures: {})",
                    if failures == 1 { "" } else { "s" },
                    def.options.max_failures.unwrap_or_default()
                ))
            } else {
                None
            };
            if let Some(reason) = stop {
                go_on = false;
                for &i in batches[n..].iter().copied().flatten() {
                    self.reporter.emit(RunEvent::HostSkipped {
                        host: self.hosts[i].value.name.clone(),
                        stage: def.name.clone(),
                        reason: reason.clone(),
                    });
                }
                break;
            }
            failures += self.run_batch(batch, &stage, &mut values).await;
        }
        self.reporter.emit(RunEvent::StageFinished {
            stage: def.name.clone(),
        });
        if self.too_many_failures(def, failures) {
            go_on = false;
        }
        (
            def.has_value.then(|| stage_value(def, values)).flatten(),
            go_on && !self.cancel.is_cancelled(),
        )
    }

    /// Runs one batch of hosts concurrently; collects their values and
    /// returns how many failed.
    async fn run_batch(
        &mut self,
        batch: &[usize],
        stage: &StageJob<'_>,
        values: &mut BTreeMap<Arc<str>, Value>,
    ) -> u32 {
        let mut tasks = JoinSet::new();
        for &i in batch {
            let job = HostJob {
                index: i,
                host: Arc::clone(&self.hosts[i].value),
                vm: self.hosts[i].vm.take(),
                conn: self.hosts[i].conn.take(),
                ctx: Arc::clone(&self.ctx),
                stage: stage.def.name.clone(),
                stage_index: stage.index,
                place: stage.place,
                stage_values: Arc::clone(&stage.stage_values),
                timeout: self.options.command_timeout,
                sudo_password: (self.hosts[i].value.sudo_password.clone())
                    .or_else(|| self.options.sudo_password.clone()),
                force_handlers: self.options.force_handlers,
                host_timeout: self.options.host_timeout,
                ssh: self.options.ssh.clone(),
                reporter: self.reporter.clone(),
                cancel: self.cancel.clone(),
                semaphore: Arc::clone(&stage.semaphore),
            };
            tasks.spawn(job.run());
        }
        let mut failed = Vec::new();
        let mut returned = Vec::with_capacity(batch.len());
        while let Some(joined) = tasks.join_next().await {
            // A panicking host task loses its host, not the run (below).
            let Ok(outcome) = joined else { continue };
            returned.push(outcome.index);
            let host = &mut self.hosts[outcome.index];
            host.vm = Some(outcome.vm);
            host.conn = outcome.conn;
            match outcome.result {
                Ok(value) => {
                    values.insert(Arc::from(host.value.name.as_str()), value);
                }
                Err(error) => failed.push((outcome.index, error)),
            }
        }
        for &i in batch.iter().filter(|i| !returned.contains(i)) {
            let error = HostError::new(
                "internal error: the host's task panicked",
                Some(stage.place),
            );
            failed.push((i, error));
        }
        let count = failed.len() as u32;
        let modules = &self.ctx.program().modules;
        for (i, error) in failed {
            let host = &mut self.hosts[i];
            host.failed = true;
            let error =
                error.focus_user_code(|m| modules.get(m as usize).is_some_and(|x| x.is_std));
            self.reporter.emit(RunEvent::HostFailed {
                host: host.value.name.clone(),
                stage: stage.def.name.clone(),
                error,
            });
        }
        count
    }

    fn too_many_failures(&self, def: &StageDef, failures: u32) -> bool {
        def.options
            .max_failures
            .is_some_and(|max| failures > 0 && failures >= max)
    }
}

/// `T` for a stage on `one(g)` (none when its host failed: reading it is
/// then an error), else a map from host name to `T`.
fn stage_value(def: &StageDef, values: BTreeMap<Arc<str>, Value>) -> Option<Value> {
    if let [StageTarget { one: true, .. }] = def.targets.as_slice() {
        values.into_values().next()
    } else {
        Some(Value::Map(Arc::new(values)))
    }
}

/// What every host task of a stage shares.
struct StageJob<'a> {
    def: &'a StageDef,
    index: usize,
    place: Place,
    stage_values: Arc<[Option<Value>]>,
    semaphore: Arc<Semaphore>,
}

/// Everything a host task owns while it runs a stage.
struct HostJob {
    index: usize,
    host: Arc<HostValue>,
    vm: Option<Vm>,
    conn: Option<Connection>,
    ctx: Arc<RunContext>,
    stage: String,
    stage_index: usize,
    place: Place,
    stage_values: Arc<[Option<Value>]>,
    timeout: Option<Duration>,
    sudo_password: Option<SudoPassword>,
    force_handlers: bool,
    host_timeout: Option<Duration>,
    ssh: SshDefaults,
    reporter: Reporter,
    cancel: Cancel,
    semaphore: Arc<Semaphore>,
}

impl HostJob {
    async fn run(self) -> HostOutcome {
        let HostJob {
            index,
            host,
            vm,
            conn,
            ctx,
            stage,
            stage_index,
            place,
            stage_values,
            timeout,
            sudo_password,
            force_handlers,
            host_timeout,
            ssh,
            reporter,
            cancel,
            semaphore,
        } = self;
        let mut vm = vm.unwrap_or_else(|| Vm::new(ctx, Arc::clone(&host)));
        // Fewer round trips.
        vm.batch_requests(true);
        // The semaphore is never closed; without a permit the host runs unbounded.
        let _permit = semaphore.acquire_owned().await.ok();
        let started = Instant::now();
        let (conn, result) = match conn {
            Some(conn) => (Some(conn), Ok(())),
            None if cancel.is_cancelled() => (
                None,
                Err(HostError::new(
                    "interrupted (Ctrl-C) before connecting",
                    Some(place),
                )),
            ),
            None => match connection::open_with(&host, &ssh).await {
                Ok(conn) => (Some(conn), Ok(())),
                Err(e) => (None, Err(HostError::new(e.message, Some(place)))),
            },
        };
        let result = match (&conn, result) {
            (Some(conn), Ok(())) => {
                let run = StageRun {
                    host: &host.name,
                    stage: &stage,
                    index: stage_index,
                    place,
                    stage_values: &stage_values,
                    commands: CommandSettings {
                        timeout,
                        deadline: host_timeout.map(|limit| Instant::now() + limit),
                        sudo_password: sudo_password.as_ref().map(|p| &*p.0),
                    },
                    force_handlers,
                };
                let work = run_stage(&mut vm, conn, &run, &reporter, &cancel);
                match host_timeout {
                    Some(limit) => tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
                        Err(HostError::new(
                            format!(
                                "host timeout: the stage did not end within {}s",
                                limit.as_secs()
                            ),
                            Some(place),
                        ))
                    }),
                    None => work.await,
                }
            }
            (_, Err(e)) => Err(e),
            (None, Ok(())) => Err(HostError::new("no connection", Some(place))),
        };
        reporter.add_elapsed(&host.name, started.elapsed());
        HostOutcome {
            index,
            vm,
            conn,
            result,
        }
    }
}
