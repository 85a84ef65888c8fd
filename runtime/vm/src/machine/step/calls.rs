//! Calls: functions, natives, built-ins, methods and ops (an op call is
//! tracked for its `changes` and its events).

use infrac_bytecode::Instr;

use super::not_in_family;
use crate::context::RunContext;
use crate::event::Event;
use crate::machine::{Flow, Frame, FrameKind, MAX_FRAMES, Step, Vm, str_const};
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
                self.stack.push(natives::call(name, &args, ctx.base_dir())?);
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
                let (module, span) = self.place(self.frame()?);
                self.events.push(Event::OpStart {
                    op: def.name.clone(),
                    module,
                    span,
                    depth: self.ops.len() as u32,
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
                });
                self.call(def.function, argc, FrameKind::Op)?;
            }
            Instr::OpChanged => {
                let changed = self.ops.last().is_some_and(|o| o.changed);
                self.stack.push(Value::Bool(changed));
            }
            other => return Err(not_in_family(other, "call")),
        }
        Ok(Flow::Continue)
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
