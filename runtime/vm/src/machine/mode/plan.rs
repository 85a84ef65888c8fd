//! Plan mode: changing commands are recorded, not run; what depends on
//! them is unknown; facts read after a planned change are read through it
//! (the standard file ops' effects predicted, `crate::plan::predict`).

use std::sync::Arc;

use infrac_bytecode::{Builtin, FactKind, Instr, Span};

use super::{ModeState, ModeStep, first_unknown, unknown_result};
use crate::context::RunContext;
use crate::facts;
use crate::machine::{Flow, FrameKind, Halt, Pending, Vm, fact_def};
use crate::plan::{OpArgs, Outcome, PlanSession, PlanStep, PlannedCommand, predict};
use crate::request::{CommandOutput, ExecRequest, FactArg, FactKey, FactQuery, Request};
use crate::shell;
use crate::value::{Unknown, Value};

#[derive(Debug)]
pub(in crate::machine) struct PlanHost {
    pub(super) session: Arc<PlanSession>,
    pub(super) host: String,
    /// The planned changes, in order: facts read after them are read
    /// through them.
    pub(super) changes: Vec<Change>,
    /// A response to finish handling at the next instruction.
    pub(super) awaiting: Option<Awaiting>,
    /// Per op call in progress: the changing commands it ran itself (its
    /// nested ops' not counted).
    pub(super) own: Vec<u32>,
    /// The stage body's op call in progress.
    pub(super) current: Option<PlanStep>,
    /// Why that op call's decision is undetermined (its epilogue runs).
    pub(super) undetermined: Option<Arc<Unknown>>,
}

#[derive(Debug)]
pub(super) struct Change {
    /// `None`: every fact.
    fact: Option<String>,
    /// `None`: every entry of the fact.
    args: Option<Vec<FactArg>>,
    /// The op (its index in `Program::ops`) and its arguments, when its
    /// effect may be predicted.
    effect: Option<(u32, Vec<Value>)>,
    /// The op call of the stage body that makes the change.
    module: u32,
    span: Span,
}

impl Change {
    /// A change made at `(module, span)` that declares nothing: every fact
    /// may have changed.
    pub(super) fn everything(module: u32, span: Span) -> Change {
        Change {
            fact: None,
            args: None,
            effect: None,
            module,
            span,
        }
    }

    fn touches(&self, key: &FactKey) -> bool {
        self.fact.as_ref().is_none_or(|f| *f == key.name)
            && self.args.as_ref().is_none_or(|a| *a == key.args)
    }

    fn unknown(&self, what: String) -> Value {
        Value::Unknown(Arc::new(Unknown {
            module: self.module,
            span: self.span,
            what,
        }))
    }
}

#[derive(Debug)]
pub(super) enum Awaiting {
    /// A fact read from the host, to read through the planned changes.
    Fact(FactKey),
    /// The current content of the file an upload would replace.
    Current(PlannedCommand),
}

impl PlanHost {
    pub(super) fn new(session: &Arc<PlanSession>, host: &str) -> PlanHost {
        PlanHost {
            session: Arc::clone(session),
            host: host.to_string(),
            changes: Vec::new(),
            awaiting: None,
            own: Vec::new(),
            current: None,
            undetermined: None,
        }
    }
}

impl Vm {
    pub(super) fn plan_mut(&mut self) -> Result<&mut PlanHost, String> {
        match &mut self.mode {
            ModeState::Plan(plan) => Ok(plan),
            _ => Err("internal: not planning".into()),
        }
    }

    pub(super) fn plan_step(&mut self, ctx: &RunContext, instr: Instr) -> ModeStep {
        self.finish_awaiting()?;
        if let Some(flow) = self.unknown_operands(ctx, instr)? {
            return Ok(Some(flow));
        }
        match instr {
            Instr::ReadFact { fact, argc } => self.plan_read_fact(ctx, fact, argc),
            Instr::CallBuiltin {
                builtin: Builtin::Probe,
                argc: 2,
            } => self.plan_probe(),
            // A plan does not wait: it takes the wait as succeeded, and
            // `infrac apply` waits (docs/language.md, "Waiting and retrying").
            Instr::CallBuiltin {
                builtin: Builtin::Poll,
                argc,
            } => {
                self.pop_n(argc)?;
                self.stack.push(Value::Bool(true));
                Ok(Some(Flow::Continue))
            }
            Instr::CallBuiltin {
                builtin: builtin @ (Builtin::Run | Builtin::Upload),
                argc,
            } => self.plan_change(ctx, builtin, argc),
            Instr::CallOp { op, .. } => {
                if self.ops.is_empty() {
                    let name = ctx.program().ops.get(op as usize).map(|o| o.name.clone());
                    let (module, span, handler) = self.op_call_place(op)?;
                    let name = name.map(|n| if handler { format!("handler {n}") } else { n });
                    let stage = self.stage_index(ctx);
                    let maybe = (self.handler_call.as_ref())
                        .filter(|(handler, _)| *handler == op)
                        .and_then(|(_, n)| n.maybe.clone());
                    let plan = self.plan_mut()?;
                    plan.undetermined = maybe;
                    plan.current = Some(PlanStep {
                        stage,
                        op: name.unwrap_or_default(),
                        module,
                        span,
                        outcome: Outcome::NoChange,
                        commands: Vec::new(),
                    });
                }
                self.plan_mut()?.own.push(0);
                Ok(None)
            }
            Instr::Invalidate { fact, argc } => {
                let name = fact_def(ctx, fact)?.name.clone();
                let at = self.top_start(argc)?;
                let args = match self.stack[at..].iter().any(|v| first_unknown(v).is_some()) {
                    true => None,
                    false => facts::key(&name, &self.stack[at..]).map(|k| k.args),
                };
                self.plan_change_facts(ctx, Some(name), args)?;
                Ok(None)
            }
            Instr::InvalidateFact(fact) => {
                let name = fact_def(ctx, fact)?.name.clone();
                self.plan_change_facts(ctx, Some(name), None)?;
                Ok(None)
            }
            Instr::InvalidateAll => {
                self.plan_change_facts(ctx, None, None)?;
                Ok(None)
            }
            Instr::Return if matches!(self.frame()?.kind, FrameKind::Op) => self.plan_return_op(),
            _ => Ok(None),
        }
    }

    /// In plan mode: the program read the native fact `query` from the
    /// host with `value`; the plan relies on it (apply reads it again).
    pub(in crate::machine) fn plan_relies(&mut self, query: &FactQuery, value: &Value) {
        if let ModeState::Plan(plan) = &mut self.mode {
            let (query, value) = (query.clone(), value.clone());
            plan.session.update(&plan.host, |h| {
                h.relied.entry(query).or_insert(value);
            });
        }
    }

    /// A fact whose value planned changes may have changed.
    fn plan_read_fact(&mut self, ctx: &RunContext, fact: u32, argc: u32) -> ModeStep {
        let def = fact_def(ctx, fact)?;
        let at = self.top_start(argc)?;
        let Some(key) = facts::key(&def.name, &self.stack[at..]) else {
            return Ok(None);
        };
        if !self.plan_mut()?.changes.iter().any(|c| c.touches(&key)) {
            return Ok(None);
        }
        let query = self.fact_query(key.clone());
        if let Some(value) = self.facts.read(&query) {
            if def.kind == FactKind::Native {
                self.plan_relies(&query, &value);
            }
            self.stack.truncate(at);
            let value = self.through_changes(&key, value)?;
            self.stack.push(value);
            return Ok(Some(Flow::Continue));
        }
        match def.kind {
            FactKind::Native => {
                self.stack.truncate(at);
                let ahead = self.read_ahead(&query);
                let mut keys = vec![query.clone()];
                keys.extend(ahead.iter().cloned());
                self.pending = Pending::Fact(query, ahead);
                self.plan_mut()?.awaiting = Some(Awaiting::Fact(key));
                Ok(Some(Flow::Halt(Halt::Request(Request::ReadFacts(keys)))))
            }
            // The body reads its facts through the changes.
            FactKind::Body(_) => Ok(None),
        }
    }

    /// The value of `key` after the planned changes, from its value on
    /// the host.
    fn through_changes(&mut self, key: &FactKey, mut value: Value) -> Result<Value, String> {
        let ctx = Arc::clone(&self.ctx);
        let ops = &ctx.program().ops;
        let plan = self.plan_mut()?;
        let name = key.label();
        for change in plan.changes.iter().filter(|c| c.touches(key)) {
            let field = |f: &str| change.unknown(format!("{name}.{f}"));
            let op = change.effect.as_ref().and_then(|(op, args)| {
                let def = ops.get(*op as usize)?;
                Some((def, args))
            });
            let predicted = match op {
                Some((def, args)) => {
                    let args = OpArgs::new(&def.params, args);
                    predict(&def.name, &args, key, &value, &field)
                }
                None => None,
            };
            value = predicted.unwrap_or_else(|| change.unknown(name.clone()));
        }
        Ok(value)
    }

    /// A response the plan asked for itself.
    fn finish_awaiting(&mut self) -> Result<(), String> {
        let awaiting = match &mut self.mode {
            ModeState::Plan(plan) => plan.awaiting.take(),
            _ => None,
        };
        match awaiting {
            None => {}
            Some(Awaiting::Fact(key)) => {
                let value = self.pop()?;
                let value = self.through_changes(&key, value)?;
                self.stack.push(value);
            }
            Some(Awaiting::Current(mut command)) => {
                let result = self.pop()?;
                if let PlannedCommand::Upload { current, .. } = &mut command {
                    *current = Some(match &result {
                        Value::Record(f) if f.get("code") == Some(&Value::Int(0)) => {
                            match f.get("stdout") {
                                Some(Value::Str(text)) => Some(text.as_bytes().to_vec()),
                                _ => None,
                            }
                        }
                        _ => None,
                    });
                }
                self.plan_record(command)?;
            }
        }
        Ok(())
    }

    /// A `probe` after a planned change has an unknown result: the change
    /// may change its output.
    fn plan_probe(&mut self) -> ModeStep {
        let plan = self.plan_mut()?;
        let Some(last) = plan.changes.last() else {
            return Ok(None);
        };
        let (module, span) = (last.module, last.span);
        self.pop()?; // `env:`
        let cmd = self.pop()?;
        let display = match &cmd {
            Value::Cmd(c) => c.display.clone(),
            other => other.to_string(),
        };
        self.stack.push(unknown_result(module, span, &display));
        Ok(Some(Flow::Continue))
    }

    /// `run` or `upload`: recorded, not performed.
    fn plan_change(&mut self, ctx: &RunContext, builtin: Builtin, argc: u32) -> ModeStep {
        let args = self.pop_n(argc)?;
        if let Some(u) = args.iter().find_map(first_unknown) {
            let u = Arc::clone(u);
            return self.undetermined(ctx, u);
        }
        let command = self.planned_command(ctx, builtin, &args)?;
        let wants_current = matches!(&self.mode, ModeState::Plan(p) if p.session.diff);
        if let PlannedCommand::Upload {
            request,
            secret: false,
            ..
        } = &command
            && wants_current
        {
            // Read the file it would replace (read-only), for the diff.
            let script = format!("cat -- {}", shell::quote(&request.remote));
            let exec = ExecRequest {
                script: script.clone(),
                secrets: Default::default(),
                display: script.clone(),
                stdin: None,
                sudo: request.sudo.clone(),
                changing: false,
            };
            self.pending = Pending::Exec {
                changing: false,
                check: false,
                display: script,
            };
            self.plan_mut()?.awaiting = Some(Awaiting::Current(command));
            return Ok(Some(Flow::Halt(Halt::Request(Request::Exec(exec)))));
        }
        self.plan_record(command)?;
        Ok(Some(Flow::Continue))
    }

    /// Records a planned command in the op call in progress (or as a step
    /// of its own outside any op) and pushes its unknown result.
    fn plan_record(&mut self, command: PlannedCommand) -> Result<(), String> {
        let display = command.display();
        let (module, span) = self.site();
        if let Some(op) = self.ops.last_mut() {
            op.record(display.clone(), &CommandOutput::default());
            let plan = self.plan_mut()?;
            if let Some(own) = plan.own.last_mut() {
                *own += 1;
            }
            if let Some(step) = &mut plan.current {
                step.commands.push(command);
            }
        } else {
            let stage = self.stage_index(&self.ctx);
            let op = match command {
                PlannedCommand::Exec { .. } => "run",
                PlannedCommand::Upload { .. } => "upload",
            };
            let plan = self.plan_mut()?;
            // A command outside any op declares nothing: every fact may
            // have changed.
            plan.changes.push(Change::everything(module, span));
            let step = PlanStep {
                stage,
                op: op.to_string(),
                module,
                span,
                outcome: Outcome::WillChange,
                commands: vec![command],
            };
            plan.session.update(&plan.host, |h| h.steps.push(step));
        }
        self.stack.push(unknown_result(module, span, &display));
        Ok(())
    }

    /// An op's epilogue drops facts: in a plan, they are read through this
    /// change from now on.
    pub(super) fn plan_change_facts(
        &mut self,
        ctx: &RunContext,
        fact: Option<String>,
        args: Option<Vec<FactArg>>,
    ) -> Result<(), String> {
        let (module, span) = self.site();
        let effect = match (self.ops.last(), self.frames.last()) {
            (Some(op), Some(frame)) => {
                let def = ctx.program().ops.get(op.op as usize);
                def.and_then(|def| {
                    let end = frame.base + def.arity as usize;
                    let args = self.stack.get(frame.base..end)?.to_vec();
                    let known = args.iter().all(|a| first_unknown(a).is_none());
                    known.then_some((op.op, args))
                })
            }
            _ => None,
        };
        let plan = self.plan_mut()?;
        // An op that ran no command itself changed things only through its
        // nested ops, which recorded their changes.
        if plan.own.last() == Some(&0) {
            return Ok(());
        }
        // A prediction is the state after a successful call, whichever
        // branch it takes: it holds for an undetermined call too.
        plan.changes.push(Change {
            fact,
            args,
            effect,
            module,
            span,
        });
        Ok(())
    }

    /// An op call returns: its result's outputs are unknown when it
    /// changed something; a call of the stage body becomes a plan step.
    fn plan_return_op(&mut self) -> ModeStep {
        let depth = self.ops.len();
        let changed = self.ops.last().is_some_and(|o| o.changed);
        let (module, span) = self.site();
        self.plan_mut()?.own.pop();
        let flow = self.ret()?;
        if !matches!(flow, Flow::Continue) {
            return Ok(Some(flow));
        }
        let mut undetermined = None;
        if depth == 1 {
            let plan = self.plan_mut()?;
            undetermined = plan.undetermined.take();
            if let Some(mut step) = plan.current.take() {
                step.outcome = match (&undetermined, changed) {
                    (Some(u), _) => Outcome::MayChange((**u).clone()),
                    (None, true) => Outcome::WillChange,
                    (None, false) => Outcome::NoChange,
                };
                plan.session.update(&plan.host, |h| h.steps.push(step));
            }
        }
        let result = self.pop()?;
        let result = match (undetermined, result) {
            (Some(u), _) => Value::Unknown(u),
            (None, Value::Record(fields)) if changed => {
                let mut fields = (*fields).clone();
                let u = Value::Unknown(Arc::new(Unknown {
                    module,
                    span,
                    what: "the output of a planned command".into(),
                }));
                for name in ["stdout", "stderr", "code"] {
                    fields.insert(name.into(), u.clone());
                }
                Value::Record(Arc::new(fields))
            }
            (None, other) => other,
        };
        self.stack.push(result);
        Ok(Some(Flow::Continue))
    }
}
