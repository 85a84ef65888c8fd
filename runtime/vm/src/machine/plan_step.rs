//! Plan and apply modes inside the interpreter (see `crate::plan`): the
//! hooks `Vm::resume` and `Vm::step` call before doing their own work.

use std::sync::Arc;

use infrac_bytecode::{Builtin, FactKind, Instr, Span};

use super::discover::Discovery;
use super::io::run_stdin;
use super::{Flow, FrameKind, Halt, Pending, Vm, fact_def};
use crate::context::RunContext;
use crate::facts;
use crate::ops::record;
use crate::plan::{
    HostExpect, Mode, Outcome, PlanSession, PlanStep, PlannedCommand, predict, value_digest,
};
use crate::request::{
    CommandOutput, ExecRequest, FactArg, FactKey, FactQuery, Request, Response, Sudo,
};
use crate::shell;
use crate::value::{HostValue, Unknown, Value};

/// The VM's plan or apply state for its host.
#[derive(Debug, Default)]
pub(super) enum ModeState {
    #[default]
    Run,
    Plan(Box<PlanHost>),
    Apply(Box<ApplyHost>),
    /// A copy of a VM looking ahead for fact reads (see `discover`).
    Discover(Box<Discovery>),
}

#[derive(Debug)]
pub(super) struct PlanHost {
    session: Arc<PlanSession>,
    host: String,
    /// The planned changes, in order: facts read after them are read
    /// through them.
    changes: Vec<Change>,
    /// A response to finish handling at the next instruction.
    awaiting: Option<Awaiting>,
    /// Per op call in progress: the changing commands it ran itself (its
    /// nested ops' not counted).
    own: Vec<u32>,
    /// The stage body's op call in progress.
    current: Option<PlanStep>,
    /// Why that op call's decision is undetermined (its epilogue runs).
    undetermined: Option<Arc<Unknown>>,
}

#[derive(Debug)]
struct Change {
    /// `None`: every fact.
    fact: Option<String>,
    /// `None`: every entry of the fact.
    args: Option<Vec<FactArg>>,
    /// The op and its arguments, when its effect may be predicted.
    effect: Option<(String, Vec<Value>)>,
    /// The op call of the stage body that makes the change.
    module: u32,
    span: Span,
}

impl Change {
    /// A change made at `(module, span)` that declares nothing: every fact
    /// may have changed.
    fn everything(module: u32, span: Span) -> Change {
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
enum Awaiting {
    /// A fact read from the host, to read through the planned changes.
    Fact(FactKey),
    /// The current content of the file an upload would replace.
    Current(PlannedCommand),
}

#[derive(Debug)]
pub(super) struct ApplyHost {
    host: String,
    expect: Option<HostExpect>,
    /// Index of the next expected command.
    next: usize,
    /// The relied-on facts were re-read and match.
    checked: bool,
    /// They are being re-read.
    checking: bool,
}

impl ModeState {
    pub(super) fn new(ctx: &RunContext, host: Option<&HostValue>) -> ModeState {
        match (ctx.mode(), host) {
            (Mode::Plan(session), Some(host)) => ModeState::Plan(Box::new(PlanHost {
                session: Arc::clone(session),
                host: host.name.clone(),
                changes: Vec::new(),
                awaiting: None,
                own: Vec::new(),
                current: None,
                undetermined: None,
            })),
            (Mode::Apply(session), Some(host)) => ModeState::Apply(Box::new(ApplyHost {
                host: host.name.clone(),
                expect: session.hosts.get(&host.name).cloned(),
                next: 0,
                checked: false,
                checking: false,
            })),
            _ => ModeState::Run,
        }
    }

    /// The VM dropped its stack (a new stage, a failure).
    pub(super) fn abandon(&mut self) {
        if let ModeState::Plan(plan) = self {
            plan.awaiting = None;
            plan.own.clear();
            plan.current = None;
            plan.undetermined = None;
        }
    }
}

/// The first unknown value in `v` (inside lists, maps and records too).
pub(super) fn first_unknown(v: &Value) -> Option<&Arc<Unknown>> {
    match v {
        Value::Unknown(u) => Some(u),
        Value::List(items) => items.iter().find_map(first_unknown),
        Value::Map(m) | Value::Record(m) => m.values().find_map(first_unknown),
        _ => None,
    }
}

fn top_unknown(v: &Value) -> Option<&Arc<Unknown>> {
    match v {
        Value::Unknown(u) => Some(u),
        _ => None,
    }
}

/// A `CommandResult` whose fields are unknown until the command runs.
pub(super) fn unknown_result(module: u32, span: Span, display: &str) -> Value {
    let u = Value::Unknown(Arc::new(Unknown {
        module,
        span,
        what: format!("the result of `{display}`"),
    }));
    record([("code", u.clone()), ("stdout", u.clone()), ("stderr", u)])
}

type ModeStep = Result<Option<Flow>, String>;

impl Vm {
    /// Called first by `resume`; `Some`: return that instead.
    pub(super) fn mode_resume(&mut self, response: &mut Option<Response>) -> Option<Halt> {
        match &mut self.mode {
            ModeState::Run | ModeState::Discover(_) => None,
            // A plan records a fact as relied on where the program reads it
            // (`plan_relies`), not when it arrives: facts read ahead may
            // never be read.
            ModeState::Plan(_) => None,
            ModeState::Apply(apply) => {
                if apply.checked {
                    return None;
                }
                let Some(expect) = &apply.expect else {
                    let message = format!(
                        "host `{}` is not in the plan (it failed or was left out when the plan was made); make a new plan",
                        apply.host
                    );
                    return Some(self.refuse(message));
                };
                if !apply.checking && expect.facts.is_empty() {
                    apply.checked = true;
                    return None;
                }
                if !apply.checking {
                    apply.checking = true;
                    // Each as the user the plan read it as.
                    let keys = expect.facts.iter().map(|f| f.key.clone()).collect();
                    return Some(Halt::Request(Request::ReadFacts(keys)));
                }
                apply.checking = false;
                let values = match response.take() {
                    Some(Response::Facts(values)) => values,
                    _ => Vec::new(),
                };
                match drift(expect, &values) {
                    Some(message) => Some(self.refuse(message)),
                    None => {
                        apply.checked = true;
                        None
                    }
                }
            }
        }
    }

    /// Apply refuses the host before its first statement: the error is
    /// placed at the stage.
    fn refuse(&mut self, message: String) -> Halt {
        let ctx = Arc::clone(&self.ctx);
        let stage = ctx.program().stages.get(self.stage_index(&ctx));
        let err = match stage {
            Some(def) => self.error_at(def.module, def.span, message),
            None => self.error(message),
        };
        self.reset();
        Halt::Failed(err)
    }

    /// Called first by `step`; `Some`: the instruction was handled.
    pub(super) fn mode_step(&mut self, ctx: &RunContext, instr: Instr) -> ModeStep {
        match self.mode {
            ModeState::Run => Ok(None),
            ModeState::Plan(_) => self.plan_step(ctx, instr),
            ModeState::Apply(_) => self.apply_step(ctx, instr),
            ModeState::Discover(_) => self.discover_step(ctx, instr),
        }
    }

    fn plan_mut(&mut self) -> Result<&mut PlanHost, String> {
        match &mut self.mode {
            ModeState::Plan(plan) => Ok(plan),
            _ => Err("internal: not planning".into()),
        }
    }

    fn plan_step(&mut self, ctx: &RunContext, instr: Instr) -> ModeStep {
        self.finish_awaiting()?;
        if let Some(flow) = self.unknown_operands(ctx, instr)? {
            return Ok(Some(flow));
        }
        match instr {
            Instr::ReadFact { fact, argc } => self.plan_read_fact(ctx, fact, argc),
            Instr::CallBuiltin {
                builtin: Builtin::Probe,
                argc: 1,
            } => self.plan_probe(),
            Instr::CallBuiltin {
                builtin: builtin @ (Builtin::Run | Builtin::Upload),
                argc,
            } => self.plan_change(ctx, builtin, argc),
            Instr::CallOp { op, .. } => {
                if self.ops.is_empty() {
                    let name = ctx.program().ops.get(op as usize).map(|o| o.name.clone());
                    let (module, span) = self.place(self.frame()?);
                    let stage = self.stage_index(ctx);
                    let plan = self.plan_mut()?;
                    plan.undetermined = None;
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

    /// Operations on unknown values give unknown values; a branch on one
    /// is undetermined (plan) or looked past (discovery).
    pub(super) fn unknown_operands(&mut self, ctx: &RunContext, instr: Instr) -> ModeStep {
        let top = self.stack.last();
        let (count, deep) = match instr {
            Instr::JumpIfFalse(_) | Instr::JumpIfTrue(_) => match top.and_then(top_unknown) {
                Some(u) => {
                    let u = Arc::clone(u);
                    self.pop()?;
                    return self.unknown_decision(ctx, instr, u);
                }
                None => return Ok(None),
            },
            Instr::IterNext { slot, .. } => {
                let at = self.local_slot(slot)?;
                return match top_unknown(&self.stack[at]) {
                    Some(u) => {
                        let u = Arc::clone(u);
                        self.unknown_decision(ctx, instr, u)
                    }
                    None => Ok(None),
                };
            }
            // `x == none` is known when `x` is a value, even one with
            // unknown fields.
            Instr::Eq | Instr::Ne => {
                let n = self.stack.len();
                let pair = (n >= 2).then(|| (&self.stack[n - 2], &self.stack[n - 1]));
                match pair {
                    Some((Value::None, v) | (v, Value::None)) if top_unknown(v).is_none() => {
                        return Ok(None);
                    }
                    _ => (2, true),
                }
            }
            Instr::Add
            | Instr::Sub
            | Instr::Mul
            | Instr::Div
            | Instr::Rem
            | Instr::Lt
            | Instr::Le
            | Instr::Gt
            | Instr::Ge => (2, true),
            Instr::Not | Instr::Neg | Instr::Format(_) | Instr::ShQuote | Instr::ShRaw => (1, true),
            Instr::Concat(n) | Instr::MakeCmd(n) => (n, true),
            Instr::CallMethod { argc, .. } => (argc + 1, true),
            Instr::CallNative { argc, .. } | Instr::ReadFact { argc, .. } => (argc, true),
            Instr::CallBuiltin { builtin, argc }
                if !matches!(builtin, Builtin::Run | Builtin::Upload | Builtin::Inventory) =>
            {
                (argc, true)
            }
            Instr::GetField(_) | Instr::GetFieldOpt(_) | Instr::IsNone => (1, false),
            Instr::Index => (2, false),
            _ => return Ok(None),
        };
        let from = self.top_start(count)?;
        let found = self.stack[from..]
            .iter()
            .find_map(|v| {
                if deep {
                    first_unknown(v)
                } else {
                    top_unknown(v)
                }
            })
            .cloned();
        let Some(u) = found else {
            return Ok(None);
        };
        self.stack.truncate(from);
        self.stack.push(Value::Unknown(u));
        Ok(Some(Flow::Continue))
    }

    /// A decision (`instr`) reads an unknown value.
    fn unknown_decision(&mut self, ctx: &RunContext, instr: Instr, why: Arc<Unknown>) -> ModeStep {
        // A `changes` entry listing unknown entries (`facts.file(xs)`): the
        // op's epilogue is already running, so every entry of the fact
        // may change.
        if let Instr::IterNext { exit, .. } = instr
            && let Some(fact) = self.epilogue_loop_fact(ctx, exit)?
        {
            if let ModeState::Plan(_) = self.mode {
                let name = fact_def(ctx, fact)?.name.clone();
                self.plan_change_facts(ctx, Some(name), None)?;
            }
            return Ok(Some(self.jump(exit)?));
        }
        match self.mode {
            ModeState::Discover(_) => self.discover_decision(instr),
            _ => self.undetermined(ctx, why),
        }
    }

    /// A decision reads an unknown value. Inside an op call, the stage
    /// body's op call "may change": its epilogue runs (its facts become
    /// unknown) and it returns an unknown result. Outside any op, the rest
    /// of the stage is undetermined on this host.
    fn undetermined(&mut self, ctx: &RunContext, why: Arc<Unknown>) -> ModeStep {
        if !self.skip_to_op_epilogue(ctx)? {
            return self.rest_undetermined(ctx, why);
        }
        let plan = self.plan_mut()?;
        plan.own.truncate(1);
        plan.own.resize(1, 1);
        plan.own[0] = plan.own[0].max(1);
        plan.undetermined = Some(why);
        Ok(Some(Flow::Continue))
    }

    /// In an op's epilogue (after its last `OpChanged`), the fact a loop
    /// ending at `exit` invalidates entries of.
    fn epilogue_loop_fact(&self, ctx: &RunContext, exit: u32) -> Result<Option<u32>, String> {
        let frame = self.frame()?;
        if !matches!(frame.kind, FrameKind::Op) {
            return Ok(None);
        }
        let f = ctx
            .program()
            .functions
            .get(frame.func as usize)
            .ok_or("internal: bad function")?;
        let in_epilogue = f
            .code
            .iter()
            .rposition(|i| matches!(i, Instr::OpChanged))
            .is_some_and(|at| at < frame.pc);
        let body = f.code.get(frame.pc..exit as usize).unwrap_or_default();
        Ok(body
            .iter()
            .find_map(|i| match i {
                Instr::Invalidate { fact, .. } => Some(*fact),
                _ => None,
            })
            .filter(|_| in_epilogue))
    }

    /// Leaves the stage body's op call in progress for its epilogue, as
    /// changed (nested calls and fact bodies are abandoned). `false`: no op
    /// call is in progress.
    pub(super) fn skip_to_op_epilogue(&mut self, ctx: &RunContext) -> Result<bool, String> {
        let Some(first_op) = self
            .frames
            .iter()
            .position(|f| matches!(f.kind, FrameKind::Op))
        else {
            return Ok(false);
        };
        let func = self.frames[first_op].func;
        let f = ctx
            .program()
            .functions
            .get(func as usize)
            .ok_or("internal: bad function")?;
        // The epilogue: `OpChanged`, the invalidations, `PushNone; Return`.
        let epilogue = f
            .code
            .iter()
            .rposition(|i| matches!(i, Instr::OpChanged))
            .unwrap_or(f.code.len().saturating_sub(2));
        let bodies = self.frames[first_op + 1..]
            .iter()
            .filter(|fr| matches!(fr.kind, FrameKind::Fact(_)))
            .count();
        for _ in 0..bodies {
            self.facts.end_body(None, Value::None);
        }
        self.frames.truncate(first_op + 1);
        let frame = &mut self.frames[first_op];
        frame.pc = epilogue;
        let base = frame.base;
        self.stack.truncate(base + f.locals.max(f.arity) as usize);
        self.ops.truncate(1);
        if let Some(op) = self.ops.first_mut() {
            op.changed = true;
        }
        Ok(true)
    }

    fn rest_undetermined(&mut self, ctx: &RunContext, why: Arc<Unknown>) -> ModeStep {
        let (module, span) = match self.frames.first() {
            Some(f) => self.place(f),
            None => (0, Span::default()),
        };
        let stage = self.stage_index(ctx);
        let bodies = self
            .frames
            .iter()
            .filter(|fr| matches!(fr.kind, FrameKind::Fact(_)))
            .count();
        for _ in 0..bodies {
            self.facts.end_body(None, Value::None);
        }
        self.frames.clear();
        self.stack.clear();
        self.ops.clear();
        let plan = self.plan_mut()?;
        // Nothing about the host is known after what may have run.
        plan.changes.push(Change::everything(module, span));
        let step = PlanStep {
            stage,
            op: String::new(),
            module,
            span,
            outcome: Outcome::RestUndetermined((*why).clone()),
            commands: Vec::new(),
        };
        plan.session.update(&plan.host, |h| h.steps.push(step));
        Ok(Some(Flow::Halt(Halt::Done(Value::Unknown(why)))))
    }

    /// The stage being run (its body is the bottom frame).
    fn stage_index(&self, ctx: &RunContext) -> usize {
        let body = self.frames.first().map(|f| f.func);
        ctx.program()
            .stages
            .iter()
            .position(|s| Some(s.body) == body)
            .unwrap_or(0)
    }

    /// The op call of the stage body in progress, else the statement.
    fn site(&self) -> (u32, Span) {
        match (self.ops.first(), self.frames.first()) {
            (Some(op), _) => (op.module, op.span),
            (None, Some(f)) => self.place(f),
            (None, None) => (0, Span::default()),
        }
    }

    /// In plan mode: the program read the native fact `query` from the
    /// host with `value`; the plan relies on it (apply reads it again).
    pub(super) fn plan_relies(&mut self, query: &FactQuery, value: &Value) {
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
        let plan = self.plan_mut()?;
        let name = key.label();
        for change in plan.changes.iter().filter(|c| c.touches(key)) {
            let field = |f: &str| change.unknown(format!("{name}.{f}"));
            let predicted = match &change.effect {
                Some((op, args)) => predict(op, args, key, &value, &field),
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

    /// The command `run(args)` / `upload(args)` would perform.
    fn planned_command(
        &mut self,
        ctx: &RunContext,
        builtin: Builtin,
        args: &[Value],
    ) -> Result<PlannedCommand, String> {
        let request = match (builtin, args) {
            (Builtin::Run, [cmd, stdin, check]) => {
                self.exec(cmd, run_stdin(stdin)?, true, *check != Value::Bool(false))?
            }
            (Builtin::Upload, [remote, src, content, mode, owner, group]) => {
                self.upload(ctx, remote, src, content, mode, owner, group)?
            }
            _ => return Err(format!("internal: `{}` with bad arguments", builtin.name())),
        };
        // Nothing is performed: there is no response to wait for.
        self.pending = Pending::Nothing;
        Ok(match request {
            Request::Exec(exec) => PlannedCommand::Exec {
                secret: !exec.secrets.values.is_empty()
                    || matches!(args.get(1), Some(Value::Secret(_))),
                script: exec.script,
                display: exec.display,
                stdin: exec.stdin,
                sudo: exec.sudo,
            },
            Request::Upload(request) => PlannedCommand::Upload {
                secret: matches!(args.get(2), Some(Value::Secret(_))),
                request,
                current: None,
            },
            Request::ReadFacts(_) | Request::Batch(_) => {
                return Err("internal: not a command".into());
            }
        })
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
    fn plan_change_facts(
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
                    known.then(|| (def.name.clone(), args))
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

    /// Apply: a changing command runs only when the plan recorded it.
    fn apply_step(&mut self, ctx: &RunContext, instr: Instr) -> ModeStep {
        let Instr::CallBuiltin {
            builtin: builtin @ (Builtin::Run | Builtin::Upload),
            argc,
        } = instr
        else {
            return Ok(None);
        };
        let at = self.top_start(argc)?;
        let args = self.stack[at..].to_vec();
        let command = self.planned_command(ctx, builtin, &args)?;
        let site = self.site();
        let stage = self.stage_index(ctx);
        let ModeState::Apply(apply) = &mut self.mode else {
            return Ok(None);
        };
        let Some(expect) = &apply.expect else {
            return Err("this host is not in the plan".into());
        };
        let digest = command.digest();
        let next = expect.commands.get(apply.next);
        if next
            .is_some_and(|e| e.stage == stage && (e.module, e.span) == site && e.digest == digest)
        {
            apply.next += 1;
            return Ok(None);
        }
        if expect.open_sites.contains(&site) || expect.open_stages.contains(&stage) {
            return Ok(None);
        }
        let planned = match next {
            Some(e) => format!("the plan's next command is `{}`", e.display),
            None => "the plan has no more changes for this host".into(),
        };
        Err(format!(
            "`{}` is not in the plan ({planned}); the host changed since the plan was made: make a new plan",
            command.display()
        ))
    }
}

/// The first relied-on fact whose value changed, as a message.
fn drift(expect: &HostExpect, values: &[Result<Value, String>]) -> Option<String> {
    for (i, fact) in expect.facts.iter().enumerate() {
        let (digest, now) = match values.get(i) {
            Some(Ok(v)) => (value_digest(v), v.to_string()),
            Some(Err(e)) => (String::new(), format!("unreadable ({e})")),
            None => (String::new(), "not read".to_string()),
        };
        if digest != fact.digest {
            let was = fact
                .shown
                .clone()
                .unwrap_or_else(|| format!("a value with digest {}", short(&fact.digest)));
            let now = if now.len() > 160 {
                format!("a value with digest {}", short(&digest))
            } else {
                now
            };
            return Some(format!(
                "the host drifted since the plan: {} was {was}, now {now}; nothing was changed on it (make a new plan)",
                fact.key.key.label()
                    + &match &fact.key.sudo {
                        None => String::new(),
                        Some(Sudo { user: None }) => " (read as root)".into(),
                        Some(Sudo { user: Some(u) }) => format!(" (read as {u})"),
                    }
            ));
        }
    }
    None
}

fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}
