//! Unknown values (plan mode, the look-ahead): operations on them give
//! unknown values; a decision on one is undetermined (plan: the op call
//! "may change", or the rest of the stage is unknown) or looked past (the
//! look-ahead forks).

use std::sync::Arc;

use infrac_bytecode::{Builtin, Instr, Span};

use super::plan::Change;
use super::{ModeState, ModeStep, first_unknown};
use crate::context::RunContext;
use crate::machine::{Flow, FrameKind, Halt, Vm, fact_def};
use crate::plan::{Outcome, PlanStep};
use crate::value::{Unknown, Value};

fn top_unknown(v: &Value) -> Option<&Arc<Unknown>> {
    match v {
        Value::Unknown(u) => Some(u),
        _ => None,
    }
}

impl Vm {
    /// Operations on unknown values give unknown values; a branch on one
    /// is undetermined (plan) or looked past (discovery).
    pub(in crate::machine) fn unknown_operands(
        &mut self,
        ctx: &RunContext,
        instr: Instr,
    ) -> ModeStep {
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
            Instr::CallNative { native, argc } => {
                // A template also sees the earlier stages' values.
                if let Some(u) = self.unknown_template_context(ctx, native) {
                    let from = self.top_start(argc)?;
                    self.stack.truncate(from);
                    self.stack.push(Value::Unknown(u));
                    return Ok(Some(Flow::Continue));
                }
                (argc, true)
            }
            Instr::ReadFact { argc, .. } => (argc, true),
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

    /// When the native `native` renders a template and an earlier stage's
    /// value (which the template sees as `stages.NAME`) is unknown: why.
    fn unknown_template_context(&self, ctx: &RunContext, native: u32) -> Option<Arc<Unknown>> {
        let name = ctx.program().natives.get(native as usize)?;
        if !infrac_bytecode::builtins::renders_template(name) {
            return None;
        }
        self.stage_values
            .iter()
            .flatten()
            .find_map(first_unknown)
            .cloned()
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
    pub(super) fn undetermined(&mut self, ctx: &RunContext, why: Arc<Unknown>) -> ModeStep {
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
    pub(in crate::machine) fn skip_to_op_epilogue(
        &mut self,
        ctx: &RunContext,
    ) -> Result<bool, String> {
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
}
