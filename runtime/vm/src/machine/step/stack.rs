//! Constants, locals, params, the host and stage values onto the stack.

use std::sync::Arc;

use infrac_bytecode::Instr;

use super::not_in_family;
use crate::context::RunContext;
use crate::machine::{Flow, Step, Vm};
use crate::value::Value;

impl Vm {
    /// Stack and locals: pushes, pops, loads and stores.
    pub(super) fn step_stack(&mut self, ctx: &RunContext, fidx: usize, instr: Instr) -> Step {
        match instr {
            Instr::Const(n) => {
                let v = ctx
                    .consts(fidx)
                    .get(n as usize)
                    .cloned()
                    .ok_or("internal: bad constant")?;
                self.stack.push(v);
            }
            Instr::PushNone => self.stack.push(Value::None),
            Instr::PushTrue => self.stack.push(Value::Bool(true)),
            Instr::PushFalse => self.stack.push(Value::Bool(false)),
            Instr::Pop => {
                self.pop()?;
            }
            Instr::Dup => {
                let v = self
                    .stack
                    .last()
                    .cloned()
                    .ok_or("internal: stack underflow")?;
                self.stack.push(v);
            }
            Instr::LoadLocal(slot) => {
                let i = self.local_slot(slot)?;
                self.stack.push(self.stack[i].clone());
            }
            Instr::StoreLocal(slot) => {
                let v = self.pop()?;
                let i = self.local_slot(slot)?;
                self.stack[i] = v;
            }
            Instr::LoadParam(n) => {
                let v = ctx
                    .params()
                    .get(n as usize)
                    .cloned()
                    .ok_or("internal: param without value")?;
                self.stack.push(v);
            }
            Instr::LoadHost => {
                let host = self.host.as_ref().ok_or("`host` is not available here")?;
                self.stack.push(Value::Host(Arc::clone(host)));
            }
            Instr::LoadStage(n) => {
                let v = self
                    .stage_values
                    .get(n as usize)
                    .cloned()
                    .flatten()
                    .ok_or_else(|| {
                        let name = ctx
                            .program()
                            .stages
                            .get(n as usize)
                            .map_or("?", |s| s.name.as_str());
                        format!("stage `{name}` has no value here (it has not run, or it failed)")
                    })?;
                self.stack.push(v);
            }
            other => return Err(not_in_family(other, "stack")),
        }
        Ok(Flow::Continue)
    }
}
