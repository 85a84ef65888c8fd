//! The per-host driver: runs one host's VM through one stage, performing
//! its requests over the host's connection and reporting its op calls.

use std::time::{Duration, Instant};

use infrac_bytecode::Builtin;
use infrac_vm::request::Request;
use infrac_vm::value::Value;
use infrac_vm::{Event, Halt, Vm};

use crate::cancel::Cancel;
use crate::connection::Connection;
use crate::event::{HostError, OpRecord, OpStatus, Place, RunEvent};
use crate::perform::{CommandSettings, perform};
use crate::report::Reporter;

/// Instructions a VM runs before it yields to the other hosts' tasks.
const BUDGET: u32 = 10_000;

/// What one host needs to run a stage.
pub struct StageRun<'a> {
    pub host: &'a str,
    pub stage: &'a str,
    /// Index into `Program::stages`.
    pub index: usize,
    /// Where the stage is declared: the place of errors outside any op.
    pub place: Place,
    pub stage_values: &'a [Option<Value>],
    /// How its commands run (timeout, sudo password).
    pub commands: CommandSettings<'a>,
    /// `--force-handlers`: a host that fails still runs the handlers
    /// notified before.
    pub force_handlers: bool,
}

/// Runs the stage body on one host to its end: its value, or why the host
/// stopped.
pub async fn run_stage(
    vm: &mut Vm,
    conn: &Connection,
    run: &StageRun<'_>,
    reporter: &Reporter,
    cancel: &Cancel,
) -> Result<Value, HostError> {
    if let Err(e) = vm.start_stage(run.index, run.stage_values) {
        return Err(e.into());
    }
    let result = drive(vm, conn, run, reporter, cancel).await;
    if result.is_err() && run.force_handlers && !cancel.is_cancelled() && vm.start_handlers() {
        // The host stays failed, whatever its handlers do.
        let _ = drive(vm, conn, run, reporter, cancel).await;
    }
    result
}

/// Runs what the VM was started on to its end.
async fn drive(
    vm: &mut Vm,
    conn: &Connection,
    run: &StageRun<'_>,
    reporter: &Reporter,
    cancel: &Cancel,
) -> Result<Value, HostError> {
    let mut ops = OpTracker::default();
    let mut response = None;
    loop {
        let halt = vm.resume(response.take(), BUDGET);
        ops.absorb(vm.take_events(), run, reporter);
        match halt {
            Halt::Request(request) => {
                let failure = if cancel.is_cancelled() {
                    "interrupted (Ctrl-C) before the next command".to_string()
                } else {
                    ops.request_sent = Some(Instant::now());
                    // The delay before a retried call's next attempt ends
                    // with Ctrl-C (a command already sent runs to its end).
                    let pause = matches!(request, Request::Sleep(_));
                    let performing = perform(conn, request, &run.commands);
                    let done = match ops.waiting.take() {
                        Some(wait) => Some(waited(performing, wait, reporter).await),
                        None if pause => until_cancelled(performing, cancel).await,
                        None => Some(performing.await),
                    };
                    match done {
                        Some(Ok(r)) => {
                            response = Some(r);
                            continue;
                        }
                        Some(Err(e)) => e.message,
                        None => "interrupted (Ctrl-C) before the next attempt".to_string(),
                    }
                };
                ops.close_failed(run, reporter);
                return Err(vm.error_here(failure).into());
            }
            Halt::Budget => tokio::task::yield_now().await,
            Halt::Done(value) => return Ok(value),
            Halt::Failed(e) => {
                ops.close_failed(run, reporter);
                return Err(e.into());
            }
        }
    }
}

/// Performs a `poll`'s request, reporting `wait` again each second with
/// the time waited so far (the live view shows it).
async fn waited<F: std::future::Future>(
    performing: F,
    wait: RunEvent,
    reporter: &Reporter,
) -> F::Output {
    tokio::pin!(performing);
    let started = Instant::now();
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(1),
        Duration::from_secs(1),
    );
    loop {
        tokio::select! {
            done = &mut performing => return done,
            _ = tick.tick() => {
                let mut progress = wait.clone();
                if let RunEvent::Waiting { elapsed, .. } = &mut progress {
                    *elapsed = started.elapsed().as_secs();
                }
                reporter.emit(progress);
            }
        }
    }
}

/// `future`'s output, or `None` when Ctrl-C comes first.
async fn until_cancelled<F: std::future::Future>(future: F, cancel: &Cancel) -> Option<F::Output> {
    tokio::pin!(future);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tokio::select! {
            done = &mut future => return Some(done),
            _ = tick.tick() => {
                if cancel.is_cancelled() {
                    return None;
                }
            }
        }
    }
}

/// The op calls in progress on this host (innermost last), to time them,
/// to report those called by the stage body (and the one a failure
/// stopped).
#[derive(Default)]
struct OpTracker {
    open: Vec<OpenOp>,
    /// When the request whose answer the next events follow was sent.
    request_sent: Option<Instant>,
    /// The wait the next request is (a `poll`), reported again every
    /// second while it runs.
    waiting: Option<RunEvent>,
}

struct OpenOp {
    op: String,
    place: Place,
    depth: u32,
    handler: bool,
    started: Instant,
}

impl OpTracker {
    fn absorb(&mut self, events: Vec<Event>, run: &StageRun<'_>, reporter: &Reporter) {
        // The VM holds back the events of ops whose commands travel
        // together until their script has run: the ops that end here with
        // commands were all confirmed by the request just answered. Each
        // took from its start (at the latest, when the request left) to
        // now, and shares that time with the others.
        let request_sent = self.request_sent.take();
        let now = Instant::now();
        let confirmed = match request_sent {
            Some(_) => events
                .iter()
                .filter(|e| {
                    matches!(e, Event::OpEnd { depth: 0, commands, .. } if !commands.is_empty())
                })
                .count(),
            None => 0,
        };
        for event in events {
            match event {
                Event::OpStart {
                    op,
                    module,
                    span,
                    depth,
                    handler,
                } => {
                    let place = Place { module, span };
                    let op = if handler { format!("handler {op}") } else { op };
                    if depth == 0 {
                        reporter.emit(RunEvent::OpStarted {
                            host: run.host.to_string(),
                            stage: run.stage.to_string(),
                            op: op.clone(),
                            place,
                        });
                    }
                    self.open.push(OpenOp {
                        op,
                        place,
                        depth,
                        handler,
                        started: Instant::now(),
                    });
                }
                Event::Retry {
                    call,
                    module,
                    span,
                    attempt,
                    attempts,
                    error,
                    delay,
                    depth,
                } => {
                    let (op, place) = self.row(&call, Place { module, span });
                    reporter.emit(RunEvent::Retrying {
                        host: run.host.to_string(),
                        stage: run.stage.to_string(),
                        op,
                        place,
                        attempt,
                        attempts,
                        error,
                        delay,
                    });
                    // The failed attempt's op calls are over; the next
                    // attempt starts its own.
                    self.open.truncate(depth as usize);
                }
                Event::Waiting {
                    what,
                    timeout,
                    module,
                    span,
                } => {
                    let (op, place) = self.row(Builtin::Poll.name(), Place { module, span });
                    let wait = RunEvent::Waiting {
                        host: run.host.to_string(),
                        stage: run.stage.to_string(),
                        op,
                        place,
                        what,
                        timeout,
                        elapsed: 0,
                    };
                    reporter.emit(wait.clone());
                    self.waiting = Some(wait);
                }
                Event::OpEnd {
                    depth,
                    changed,
                    commands,
                    ..
                } => {
                    let Some(mut open) = self.open.pop() else {
                        continue;
                    };
                    if depth == 0 {
                        let status = if changed {
                            OpStatus::Changed
                        } else {
                            OpStatus::Ok
                        };
                        let mut sent_with = 0;
                        if let (Some(sent), false) = (request_sent, commands.is_empty()) {
                            open.started = open.started.min(sent);
                            sent_with = confirmed.saturating_sub(1);
                        }
                        let mut op = record(run, open, status, commands, now);
                        op.sent_with = sent_with;
                        reporter.emit(RunEvent::OpFinished(op));
                    }
                }
            }
        }
    }

    /// Where the live view shows something a host does in the call `call`
    /// at `place`: on the row of the op the stage body called, else (a
    /// call of the stage body itself) on the call's own.
    fn row(&self, call: &str, place: Place) -> (String, Place) {
        match self.open.iter().find(|o| o.depth == 0) {
            Some(outer) => (outer.op.clone(), outer.place),
            None => (call.to_string(), place),
        }
    }

    /// The host stopped inside the ops still open: the one the stage body
    /// called is reported as failed.
    fn close_failed(&mut self, run: &StageRun<'_>, reporter: &Reporter) {
        let outer = self.open.drain(..).find(|o| o.depth == 0);
        if let Some(open) = outer {
            reporter.emit(RunEvent::OpFinished(record(
                run,
                open,
                OpStatus::Failed,
                Vec::new(),
                Instant::now(),
            )));
        }
    }
}

fn record(
    run: &StageRun<'_>,
    open: OpenOp,
    status: OpStatus,
    commands: Vec<String>,
    end: Instant,
) -> OpRecord {
    OpRecord {
        host: run.host.to_string(),
        stage: run.stage.to_string(),
        op: open.op,
        place: open.place,
        status,
        commands,
        duration: end.saturating_duration_since(open.started),
        sent_with: 0,
        handler: open.handler,
    }
}
