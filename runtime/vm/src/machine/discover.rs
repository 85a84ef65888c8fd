//! Looking ahead for fact reads. When the VM must ask its host for a fact
//! anyway (at the start of a stage, or at a fact it does not have), a copy
//! of it runs the rest of the stage without touching the host: every fact
//! it would read whose arguments are known, and that is not cached, joins
//! the same request. Commands are not run (their results are unknown),
//! `changes` are ignored (a fact read early is read again if an op really
//! changes it), and a decision that depends on an unknown value is looked
//! past both ways: the copy goes on one way, a new copy takes the other —
//! to the end of the op call when the decision is inside one, else to the
//! end of the stage (a bounded number of copies). A `fail` inside an op
//! call ends only that call. Facts are read-only, so reading one the run
//! then does not need costs a few bytes of output, never a change.

use std::sync::Arc;

use infrac_bytecode::{Builtin, FactKind, Instr};

use super::mode::{ModeState, unknown_result};
use super::{Flow, Halt, Pending, Vm, fact_def};
use crate::context::RunContext;
use crate::facts;
use crate::request::FactQuery;
use crate::value::{Unknown, Value};

/// Instructions all copies of one look-ahead may run together. The fleet
/// benchmark's stage (14 ops, `files.line` with its branches on three
/// facts) needs between 200,000 and 400,000: with 200,000 its no-change
/// run took a second round trip (measured: 2 sshd sessions instead of 1,
/// and 96 ms instead of 84 ms on the test bed, with no more CPU).
const BUDGET: u32 = 1_000_000;
/// Copies made at decisions of the stage body, at most.
const MAX_FORKS: usize = 16;
/// Copies made at decisions inside op calls, at most (each ends with its
/// op call).
const MAX_OP_FORKS: usize = 256;

type ModeStep = Result<Option<Flow>, String>;

#[derive(Debug, Default)]
pub(crate) struct Discovery {
    /// Native facts to read, in the order they were met.
    found: Vec<FactQuery>,
    /// Copies that take the other way at a decision, to run next.
    forks: Vec<Vm>,
    /// This copy ends when the stage body's op call in progress returns.
    within_op: bool,
}

impl Vm {
    /// The native facts the rest of the stage may read, not cached and not
    /// `except`, looked ahead from here (see the module's documentation).
    /// `pushed`: the value the copy finds on its stack first (the unknown
    /// value of the fact being read now).
    pub(super) fn discover(&self, pushed: Option<Value>, except: &[FactQuery]) -> Vec<FactQuery> {
        let mut first = self.look_ahead_copy();
        first.stack.extend(pushed);
        let mut queue = vec![first];
        let mut found: Vec<FactQuery> = Vec::new();
        let mut budget = BUDGET;
        let (mut forks, mut op_forks) = (0, 0);
        while let Some(mut vm) = queue.pop() {
            while budget > 0 {
                let step = budget.min(1_000);
                budget -= step;
                match vm.run(step) {
                    Halt::Budget => continue,
                    Halt::Request(_) | Halt::Done(_) | Halt::Failed(_) => break,
                }
            }
            let ModeState::Discover(d) = &mut vm.mode else {
                continue;
            };
            for q in d.found.drain(..) {
                if !found.contains(&q) && !except.contains(&q) {
                    found.push(q);
                }
            }
            for fork in d.forks.drain(..) {
                let (count, max) = match &fork.mode {
                    ModeState::Discover(f) if f.within_op => (&mut op_forks, MAX_OP_FORKS),
                    _ => (&mut forks, MAX_FORKS),
                };
                if *count < max {
                    *count += 1;
                    queue.push(fork);
                }
            }
        }
        found
    }

    /// A copy of this VM, in look-ahead mode.
    fn look_ahead_copy(&self) -> Vm {
        self.copy_with_mode(ModeState::Discover(Box::default()))
    }

    /// A copy of this VM's state (nothing deferred, no events), in `mode`.
    pub(super) fn copy_with_mode(&self, mode: ModeState) -> Vm {
        Vm {
            ctx: Arc::clone(&self.ctx),
            host: self.host.clone(),
            stack: self.stack.clone(),
            frames: self.frames.clone(),
            ops: self.ops.clone(),
            facts: self.facts.clone(),
            stage_values: self.stage_values.clone(),
            stage_sudo: self.stage_sudo,
            pending: Pending::Nothing,
            queued: None,
            events: Vec::new(),
            inventory_call: None,
            mode,
            defer: Default::default(),
            next_op: self.next_op,
            notified: self.notified.clone(),
            handler_call: self.handler_call.clone(),
            retries: self.retries.clone(),
        }
    }

    fn discovery(&mut self) -> Result<&mut Discovery, String> {
        match &mut self.mode {
            ModeState::Discover(d) => Ok(d),
            _ => Err("internal: not looking ahead".into()),
        }
    }

    pub(super) fn discover_step(&mut self, ctx: &RunContext, instr: Instr) -> ModeStep {
        if let Some(flow) = self.unknown_operands(ctx, instr)? {
            return Ok(Some(flow));
        }
        match instr {
            Instr::ReadFact { fact, argc } => {
                let def = fact_def(ctx, fact)?;
                if def.kind != FactKind::Native {
                    return Ok(None); // the body runs and reads its facts
                }
                let args = self.pop_n(argc)?;
                let cached = facts::key(&def.name, &args)
                    .map(|k| self.fact_query(k))
                    .map(|q| (self.facts.get(&q), q));
                let value = match cached {
                    Some((Some(v), _)) => v,
                    Some((None, query)) => {
                        let d = self.discovery()?;
                        if !d.found.contains(&query) {
                            d.found.push(query);
                        }
                        self.unknown("a fact not read yet")
                    }
                    None => self.unknown("a fact read with unusual arguments"),
                };
                self.stack.push(value);
                Ok(Some(Flow::Continue))
            }
            Instr::CallBuiltin {
                builtin: Builtin::Probe | Builtin::Poll | Builtin::Run | Builtin::Upload,
                argc,
            } => {
                self.pop_n(argc)?;
                let (module, span) = self.place(self.frame()?);
                self.stack
                    .push(unknown_result(module, span, "a command not run yet"));
                Ok(Some(Flow::Continue))
            }
            Instr::Invalidate { argc, .. } => {
                self.pop_n(argc)?;
                Ok(Some(Flow::Continue))
            }
            Instr::InvalidateFact(_) | Instr::InvalidateAll => Ok(Some(Flow::Continue)),
            // Inside an op call, the rest of the stage is still looked at.
            Instr::Fail => {
                self.pop()?;
                match self.skip_to_op_epilogue(ctx)? {
                    true => Ok(Some(Flow::Continue)),
                    false => Ok(Some(Flow::Halt(Halt::Done(Value::None)))),
                }
            }
            Instr::Return if self.ops.len() == 1 && self.discovery()?.within_op => {
                let op_frame = matches!(self.frame()?.kind, super::FrameKind::Op);
                match op_frame {
                    true => Ok(Some(Flow::Halt(Halt::Done(Value::None)))),
                    false => Ok(None),
                }
            }
            _ => Ok(None),
        }
    }

    /// A decision depends on an unknown value: both ways are looked at (a
    /// loop over an unknown list is skipped).
    pub(super) fn discover_decision(&mut self, instr: Instr) -> ModeStep {
        let target = match instr {
            Instr::JumpIfFalse(t) | Instr::JumpIfTrue(t) => t,
            Instr::IterNext { exit, .. } => return Ok(Some(self.jump(exit)?)),
            _ => return Err("internal: not a decision".into()),
        };
        let mut other = self.look_ahead_copy();
        if let Some(frame) = other.frames.last_mut() {
            frame.pc = target as usize;
        }
        let within_op = !self.ops.is_empty() || self.discovery()?.within_op;
        if let ModeState::Discover(d) = &mut other.mode {
            d.within_op = within_op;
        }
        self.discovery()?.forks.push(other);
        Ok(Some(Flow::Continue))
    }

    pub(super) fn unknown(&self, what: &str) -> Value {
        let (module, span) = self
            .frames
            .last()
            .map(|f| self.place(f))
            .unwrap_or_default();
        Value::Unknown(Arc::new(Unknown {
            module,
            span,
            what: what.to_string(),
        }))
    }
}
