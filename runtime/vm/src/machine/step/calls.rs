//! Calls: functions, natives, built-ins, methods and ops (an op call is
//! tracked for its `changes` and its events).

use std::sync::Arc;

use infrac_bytecode::{Instr, Span};

use super::not_in_family;
use crate::context::RunContext;
use crate::event::Event;
use crate::format::kind_name;
use crate::machine::mode::ModeState;
use crate::machine::{Flow, Frame, FrameKind, MAX_FRAMES, Notified, Step, Vm, str_const};
use crate::ops::{OpState, call_sudo};
use crate::value::Value;
use crate::{methods, natives};

impl Vm {
    /// Calls and the op state.
    pub(super) fn step_call(&mut self, ctx: &RunContext, fidx: usize, instr: Instr) -> Step {
        match instr {
            Instr::Call { func, argc } => self.call(func, argc, FrameKind::Plain)?,
            Instr::CallNative { native, argc } => {
                let args = self.pop_n(argc)?;
                let name = ctx
                    .program()
                    .natives
                    .get(native as usize)
                    .ok_or("internal: bad native")?;
                let scope = self.template_scope(ctx);
                self.stack
                    .push(natives::call(name, &args, ctx.base_dir(), &scope)?);
            }
            Instr::CallBuiltin { builtin, argc } => return self.call_builtin(ctx, builtin, argc),
            Instr::CallMethod { name, argc } => {
                let args = self.pop_n(argc)?;
                let receiver = self.pop()?;
                self.stack.push(methods::call(
                    &receiver,
                    str_const(ctx, fidx, name)?,
                    &args,
                )?);
            }
            Instr::CallOp { op, argc } => {
                let sudo_user = self.pop()?;
                let sudo = self.pop()?;
                let def = ctx
                    .program()
                    .ops
                    .get(op as usize)
                    .ok_or("internal: bad op")?;
                let sudo = call_sudo(&sudo, &sudo_user, self.current_sudo())?;
                let (module, span, handler) = self.op_call_place(op)?;
                self.handler_call = None;
                self.events.push(Event::OpStart {
                    op: def.name.clone(),
                    module,
                    span,
                    depth: self.ops.len() as u32,
                    handler,
                });
                self.next_op += 1;
                self.ops.push(OpState {
                    serial: self.next_op,
                    started_at: self.facts.moment(),
                    op,
                    module,
                    span,
                    changed: false,
                    commands: Vec::new(),
                    last: Default::default(),
                    sudo,
                    handler,
                });
                self.call(def.function, argc, FrameKind::Op)?;
            }
            Instr::OpChanged => {
                let changed = self.ops.last().is_some_and(|o| o.changed);
                self.stack.push(Value::Bool(changed));
            }
            Instr::Notify(op) => {
                let (module, span) = self.place(self.frame()?);
                let maybe = match self.pop()? {
                    Value::Bool(false) => return Ok(Flow::Continue),
                    Value::Bool(true) => None,
                    // A plan cannot tell whether the call will change.
                    Value::Unknown(u) => Some(u),
                    other => return Err(format!("`changed` is a {}", kind_name(&other))),
                };
                let entry = self.notified.entry(op).or_insert(Notified {
                    module,
                    span,
                    maybe: maybe.clone(),
                });
                if maybe.is_none() {
                    entry.maybe = None;
                }
            }
            Instr::TakeNotified(op) => {
                let taken = self.notified.remove(&op);
                let planning = matches!(self.mode, ModeState::Plan(_));
                self.stack.push(match &taken {
                    None => Value::Bool(false),
                    // A plan calls it and shows it as "may change",
                    // depending on the change that may notify it.
                    Some(Notified { maybe: None, .. }) => Value::Bool(true),
                    Some(Notified { maybe: Some(_), .. }) if planning => Value::Bool(true),
                    Some(Notified { maybe: Some(u), .. }) => Value::Unknown(Arc::clone(u)),
                });
                self.handler_call = taken.map(|n| (op, n));
            }
            other => return Err(not_in_family(other, "call")),
        }
        Ok(Flow::Continue)
    }

    /// Where the call of op `op` is shown: a handler's call at the op call
    /// that notified it, any other at the instruction. And whether it is a
    /// handler's call.
    pub(in crate::machine) fn op_call_place(&self, op: u32) -> Result<(u32, Span, bool), String> {
        if let Some((handler, n)) = &self.handler_call
            && *handler == op
        {
            return Ok((n.module, n.span, true));
        }
        let (module, span) = self.place(self.frame()?);
        Ok((module, span, false))
    }

    pub(in crate::machine) fn call(
        &mut self,
        func: u32,
        argc: u32,
        kind: FrameKind,
    ) -> Result<(), String> {
        let f = self
            .ctx
            .program()
            .functions
            .get(func as usize)
            .ok_or("internal: no such function")?;
        if f.arity != argc {
            return Err(format!(
                "internal: {} takes {} arguments, got {argc}",
                f.name, f.arity
            ));
        }
        if self.frames.len() >= MAX_FRAMES {
            return Err(format!(
                "calls nested too deeply (more than {MAX_FRAMES}) in {}",
                f.name
            ));
        }
        let base = self.top_start(argc)?;
        self.stack
            .resize(base + f.locals.max(argc) as usize, Value::None);
        self.frames.push(Frame {
            func,
            pc: 0,
            base,
            kind,
        });
        Ok(())
    }
}

impl Vm {
    /// What a template rendered on this VM sees besides its `vars`.
    fn template_scope<'a>(&'a self, ctx: &'a RunContext) -> crate::template::Scope<'a> {
        let program = ctx.program();
        let params = program.params.iter().map(|p| p.name.as_str());
        let groups = program.groups.iter().map(|g| g.name.as_str());
        let stages = program.stages.iter().zip(&self.stage_values);
        crate::template::Scope {
            host: self.host.as_deref(),
            params: params.zip(ctx.params()).collect(),
            groups: groups.zip(ctx.groups().iter().map(Vec::as_slice)).collect(),
            stages: stages
                .filter_map(|(s, v)| Some((s.name.as_str(), v.as_ref()?)))
                .collect(),
        }
    }
}
