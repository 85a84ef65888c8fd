//! The interpreter: runs one host's stage bodies, halting for I/O.

use std::sync::Arc;

use infrac_bytecode::{FactDef, Span};

use crate::context::RunContext;
use crate::error::{Note, RuntimeError};
use crate::event::Event;
use crate::facts::{self, FactCache};
use crate::format::kind_name;
use crate::ops::OpState;
use crate::request::{FactArg, FactKey, FactQuery, Request, Response};
use crate::value::{HostValue, Value};

mod defer;
mod discover;
mod io;
mod mode;
mod retry;
mod step;

use defer::{DeferState, Settled};

use mode::ModeState;
use retry::Retry;

/// Calls nested deeper than this stop the host (runaway recursion).
const MAX_FRAMES: usize = 512;

/// Why [`Vm::resume`] returned.
#[derive(Debug, Clone, PartialEq)]
pub enum Halt {
    /// Perform this and call `resume(Some(response), ..)`.
    Request(Request),
    /// The instruction budget is spent; call `resume(None, ..)` to go on.
    Budget,
    /// The stage body ended with this value (`none` for stages without `-> T`).
    Done(Value),
    /// The host failed (a `fail`, a command that failed, a bad value...).
    Failed(RuntimeError),
}

/// One host's virtual machine. It keeps the host's fact cache from stage to
/// stage; everything else is reset by [`Vm::start_stage`].
#[derive(Debug)]
pub struct Vm {
    ctx: Arc<RunContext>,
    /// `None` on the controller (params, groups).
    host: Option<Arc<HostValue>>,
    stack: Vec<Value>,
    frames: Vec<Frame>,
    ops: Vec<OpState>,
    facts: FactCache,
    stage_values: Vec<Option<Value>>,
    stage_sudo: bool,
    /// What the response to the last request is for.
    pending: Pending,
    /// A request to return on the next `resume` (the stage prefetch).
    queued: Option<Request>,
    events: Vec<Event>,
    /// An `inventory(path, group)` call waiting for the controller.
    inventory_call: Option<(String, Option<String>)>,
    /// Plan or apply state (see `crate::plan`).
    mode: ModeState,
    /// Commands sent later (see `defer`).
    defer: DeferState,
    /// The serial number of the next op call.
    next_op: u64,
    /// The handlers notified on this host and not run yet, by op index
    /// (the order they run in).
    notified: std::collections::BTreeMap<u32, Notified>,
    /// The handler whose call comes next (`TakeNotified` found it
    /// notified), and why.
    handler_call: Option<(u32, Notified)>,
    /// Retried calls in progress, innermost last (see `retry`).
    retries: Vec<Retry>,
}

/// Why a handler is notified: the first op call that notified it.
#[derive(Debug, Clone)]
struct Notified {
    module: u32,
    span: Span,
    /// Only a plan's: the call may change or not; what it depends on.
    maybe: Option<Arc<crate::value::Unknown>>,
}

#[derive(Debug, Clone)]
struct Frame {
    func: u32,
    pc: usize,
    base: usize,
    kind: FrameKind,
}

#[derive(Debug, Clone)]
enum FrameKind {
    Plain,
    Op,
    /// A fact body; its result is cached under the key (when it has one).
    Fact(Option<FactQuery>),
}

#[derive(Debug)]
enum Pending {
    Nothing,
    Prefetch(Vec<FactQuery>),
    /// A fact, and those read ahead with it.
    Fact(FactQuery, Vec<FactQuery>),
    Exec {
        changing: bool,
        check: bool,
        display: String,
    },
    Upload {
        display: String,
    },
    /// A `poll(...)`: its result is whether the check succeeded in time.
    Poll,
    /// The delay before a retried call's next attempt.
    Sleep,
    /// Deferred commands, then the request `Pending` is for.
    Batch(Box<Pending>),
}

enum Flow {
    Continue,
    Halt(Halt),
    /// Send the deferred commands, then run the same instruction again.
    Flush,
}

type Step = Result<Flow, String>;

impl Vm {
    /// A VM for `host`. Create one per host for the whole run: it owns the
    /// host's fact cache.
    pub fn new(ctx: Arc<RunContext>, host: Arc<HostValue>) -> Self {
        Vm::with_host(ctx, Some(host))
    }

    pub(crate) fn with_host(ctx: Arc<RunContext>, host: Option<Arc<HostValue>>) -> Self {
        let mode = ModeState::new(&ctx, host.as_deref());
        Vm {
            ctx,
            host,
            stack: Vec::new(),
            frames: Vec::new(),
            ops: Vec::new(),
            facts: FactCache::default(),
            stage_values: Vec::new(),
            stage_sudo: false,
            pending: Pending::Nothing,
            queued: None,
            events: Vec::new(),
            inventory_call: None,
            mode,
            defer: DeferState::default(),
            next_op: 0,
            notified: Default::default(),
            handler_call: None,
            retries: Vec::new(),
        }
    }

    /// Fewer round trips: commands whose results nothing reads are sent
    /// later, together with the next request (see `defer`), and a fact
    /// read brings the facts the rest of the stage will read (see
    /// `discover`). Off by default.
    pub fn batch_requests(&mut self, on: bool) {
        self.defer.enabled = on;
    }

    /// Whether requests are batched here: on a host, in run, plan and
    /// apply modes (a plan runs no command, so it only reads ahead).
    fn batching(&self) -> bool {
        let copy = matches!(self.mode, ModeState::Discover(_));
        // Inside a retried call, a failure must be known before the next
        // attempt.
        self.defer.enabled && self.host.is_some() && !copy && !self.retrying()
    }

    /// Whether a dropped fact may be checked instead of read (run mode: an
    /// apply's plan cursor does not go back with a checkpoint).
    fn checking_facts(&self) -> bool {
        self.batching() && matches!(self.mode, ModeState::Run)
    }

    /// Prepares stage `stage` (index into `Program::stages`).
    /// `stage_values[i]` is the value of stage `i` when it has one (`T` for
    /// a `one(...)` stage, else a map from host name to `T`). The first
    /// `resume(None, ..)` asks for the stage's prefetch facts not yet cached.
    pub fn start_stage(
        &mut self,
        stage: usize,
        stage_values: &[Option<Value>],
    ) -> Result<(), RuntimeError> {
        let ctx = Arc::clone(&self.ctx);
        let Some(def) = ctx.program().stages.get(stage) else {
            return Err(self.error_at(
                0,
                Span::default(),
                format!("internal: there is no stage #{stage}"),
            ));
        };
        self.reset();
        self.notified.clear();
        self.stage_values = stage_values.to_vec();
        self.stage_sudo = def.options.sudo;
        // Read as the stage's body reads them (outside any op): under the
        // stage's or the host's sudo.
        let sudo = self.current_sudo();
        let mut keys: Vec<FactQuery> = Vec::new();
        for p in &def.prefetch {
            let Some(fact) = ctx.program().facts.get(p.fact as usize) else {
                continue;
            };
            let args = p.args.iter().map(prefetch_arg).collect();
            let key = facts::query(
                FactKey {
                    name: fact.name.clone(),
                    args,
                },
                sudo.clone(),
            );
            if !self.facts.contains(&key) && !keys.contains(&key) {
                keys.push(key);
            }
        }
        self.call(def.body, 0, FrameKind::Plain)
            .map_err(|m| self.error_at(def.module, def.span, m))?;
        if self.batching() {
            let ahead = self.discover(None, &keys);
            keys.extend(ahead);
        }
        if !keys.is_empty() {
            self.queued = Some(Request::ReadFacts(keys.clone()));
            self.pending = Pending::Prefetch(keys);
        }
        Ok(())
    }

    /// After the host failed in a stage (`--force-handlers`): prepares a
    /// run of the handlers notified before the failure. `false`: there
    /// are none.
    pub fn start_handlers(&mut self) -> bool {
        let Some(func) = self.ctx.program().handlers else {
            return false;
        };
        !self.notified.is_empty() && self.start_function(func, Vec::new()).is_ok()
    }

    /// Prepares a call of function `func` with `args` (controller use).
    pub(crate) fn start_function(&mut self, func: u32, args: Vec<Value>) -> Result<(), String> {
        self.reset();
        let argc = args.len() as u32;
        self.stack.extend(args);
        self.call(func, argc, FrameKind::Plain)
    }

    /// Runs at most `budget` instructions. Pass the response to the request
    /// of the previous halt, else `None`.
    pub fn resume(&mut self, response: Option<Response>, budget: u32) -> Halt {
        let halt = self.resume_inner(response, budget);
        if let Halt::Request(_) = halt {
            // Facts dropped before this request cannot be checked by a
            // later batch (see `defer`).
            self.facts.tick();
        }
        halt
    }

    fn resume_inner(&mut self, mut response: Option<Response>, budget: u32) -> Halt {
        if let Some(halt) = self.mode_resume(&mut response) {
            return halt;
        }
        if let Some(request) = self.queued.take() {
            return Halt::Request(request);
        }
        let pending = std::mem::replace(&mut self.pending, Pending::Nothing);
        let (pending, response) = match (pending, response) {
            (
                Pending::Batch(inner),
                Some(Response::Batch {
                    done,
                    lost,
                    changed,
                    then,
                }),
            ) => match self.settle(done, lost, changed, then) {
                Ok(Settled::Go(then)) => (*inner, then),
                Ok(Settled::RolledBack) => (Pending::Nothing, None),
                Ok(Settled::End(Halt::Failed(err))) | Err(err) => {
                    self.reset();
                    return Halt::Failed(err);
                }
                Ok(Settled::End(end)) => return end,
            },
            other => other,
        };
        let delivered = match (pending, response) {
            (Pending::Nothing, None) => Ok(()),
            (Pending::Nothing, Some(_)) => {
                Err("internal: a response without a request".to_string())
            }
            (pending, Some(r)) => self.deliver(pending, r),
            (pending, None) => {
                self.pending = pending;
                Err("internal: resumed without the response to the last request".to_string())
            }
        };
        if let Err(message) = delivered {
            return self.fail(message);
        }
        if self.frames.is_empty() {
            return self.fail("internal: no stage is running".into());
        }
        self.run(budget.max(1))
    }

    /// The op starts and ends since the last call.
    pub fn take_events(&mut self) -> Vec<Event> {
        // Events after a command that has not run yet wait for it.
        let n = self.defer.releasable(self.events.len());
        self.defer.released(n);
        self.events.drain(..n).collect()
    }

    /// The cached value of a fact read as a user (for tests and for plan
    /// output).
    pub fn cached_fact(&self, key: &FactQuery) -> Option<Value> {
        self.facts.get(key)
    }

    fn reset(&mut self) {
        self.stack.clear();
        self.frames.clear();
        self.ops.clear();
        self.facts.abandon_bodies();
        self.pending = Pending::Nothing;
        self.queued = None;
        self.inventory_call = None;
        self.mode.abandon();
        self.defer.clear();
        self.retries.clear();
    }

    /// The pending `inventory(path, group)` call, if the VM paused for one.
    pub(crate) fn take_inventory_call(&mut self) -> Option<(String, Option<String>)> {
        self.inventory_call.take()
    }

    /// Supplies the result of the call the VM paused for.
    pub(crate) fn push_result(&mut self, value: Value) {
        self.stack.push(value);
    }

    /// An error at the current instruction, ending the run (controller use).
    pub(crate) fn fail_here(&mut self, message: String) -> RuntimeError {
        let err = self.error(message);
        self.reset();
        err
    }

    /// The host fails with `message`, unless a retried call goes back
    /// (see `retry`).
    fn fail(&mut self, message: String) -> Halt {
        match self.retry_or_fail(message) {
            Ok(again) => again,
            Err(message) => {
                let err = self.error(message);
                self.reset();
                Halt::Failed(err)
            }
        }
    }

    /// An error at the instruction the VM stopped at — the one whose
    /// request could not be served — with its call chain as notes: for
    /// failures outside the VM (a lost connection, a timeout, Ctrl-C).
    pub fn error_here(&self, message: String) -> RuntimeError {
        self.error(message)
    }

    /// An error at the current instruction, with the call chain as notes.
    fn error(&self, message: String) -> RuntimeError {
        let mut places = self.frames.iter().rev().map(|f| self.place(f));
        let (module, span) = places.next().unwrap_or_default();
        let notes = places
            .map(|(module, span)| Note {
                message: "called from here".into(),
                module,
                span,
            })
            .collect();
        RuntimeError {
            message,
            module,
            span,
            notes,
        }
    }

    fn error_at(&self, module: u32, span: Span, message: String) -> RuntimeError {
        RuntimeError {
            message,
            module,
            span,
            notes: Vec::new(),
        }
    }

    /// The module and span of the instruction a frame is executing.
    fn place(&self, frame: &Frame) -> (u32, Span) {
        match self.ctx.program().functions.get(frame.func as usize) {
            Some(f) => (f.module, f.span_at(frame.pc.saturating_sub(1))),
            None => (0, Span::default()),
        }
    }

    fn run(&mut self, mut budget: u32) -> Halt {
        let ctx = Arc::clone(&self.ctx);
        loop {
            if budget == 0 {
                return Halt::Budget;
            }
            budget -= 1;
            let Some(frame) = self.frames.last_mut() else {
                return self.fail("internal: no frame".into());
            };
            let fidx = frame.func as usize;
            let instr = ctx
                .program()
                .functions
                .get(fidx)
                .and_then(|f| f.code.get(frame.pc))
                .copied();
            frame.pc += 1;
            let Some(instr) = instr else {
                return self.fail("internal: ran past the end of a function".into());
            };
            match self.step(&ctx, fidx, instr) {
                Ok(Flow::Continue) => {}
                Ok(Flow::Halt(halt)) => return self.send_deferred(halt),
                Ok(Flow::Flush) => {
                    if let Some(frame) = self.frames.last_mut() {
                        frame.pc -= 1;
                    }
                    return self.flush();
                }
                // Commands deferred before the failure run first: they
                // came before it.
                Err(message) if !self.defer.is_empty() => {
                    let err = self.error(message);
                    return self.send_deferred(Halt::Failed(err));
                }
                Err(message) => return self.fail(message),
            }
        }
    }

    fn pop(&mut self) -> Result<Value, String> {
        self.stack
            .pop()
            .ok_or_else(|| "internal: stack underflow".to_string())
    }

    /// Where the top `n` values of the stack start.
    fn top_start(&self, n: u32) -> Result<usize, String> {
        self.stack
            .len()
            .checked_sub(n as usize)
            .ok_or_else(|| "internal: stack underflow".to_string())
    }

    fn pop_n(&mut self, n: u32) -> Result<Vec<Value>, String> {
        let at = self.top_start(n)?;
        Ok(self.stack.split_off(at))
    }

    fn frame(&self) -> Result<&Frame, String> {
        self.frames
            .last()
            .ok_or_else(|| "internal: no frame".to_string())
    }

    fn local_slot(&self, slot: u32) -> Result<usize, String> {
        let i = self.frame()?.base + slot as usize;
        if i < self.stack.len() {
            Ok(i)
        } else {
            Err(format!("internal: bad local {slot}"))
        }
    }

    fn jump(&mut self, target: u32) -> Result<Flow, String> {
        self.frames.last_mut().ok_or("internal: no frame")?.pc = target as usize;
        Ok(Flow::Continue)
    }

    fn pop_bool(&mut self) -> Result<bool, String> {
        match self.pop()? {
            Value::Bool(b) => Ok(b),
            other => Err(format!("expected a bool, found a {}", kind_name(&other))),
        }
    }
}

/// Fact `fact` of the program.
fn fact_def(ctx: &RunContext, fact: u32) -> Result<&FactDef, String> {
    ctx.program()
        .facts
        .get(fact as usize)
        .ok_or_else(|| "internal: bad fact".to_string())
}

fn str_const(ctx: &RunContext, fidx: usize, n: u32) -> Result<&str, String> {
    match ctx.consts(fidx).get(n as usize) {
        Some(Value::Str(s)) => Ok(s),
        _ => Err("internal: bad name constant".into()),
    }
}

fn prefetch_arg(a: &infrac_bytecode::PrefetchArg) -> FactArg {
    match a {
        infrac_bytecode::PrefetchArg::Str(s) => FactArg::Str(s.clone()),
        infrac_bytecode::PrefetchArg::Int(n) => FactArg::Int(*n),
        infrac_bytecode::PrefetchArg::Bool(b) => FactArg::Bool(*b),
    }
}
