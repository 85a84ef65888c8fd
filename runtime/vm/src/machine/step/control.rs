//! Control flow: jumps, loops over lists and maps, failing and returning.

use std::sync::Arc;

use infrac_bytecode::Instr;

use super::not_in_family;
use crate::event::Event;
use crate::format::kind_name;
use crate::machine::{Flow, FrameKind, Halt, Step, Vm};
use crate::value::Value;

impl Vm {
    /// Control: jumps, loop steps, `fail` and `return`.
    pub(super) fn step_control(&mut self, instr: Instr) -> Step {
        match instr {
            Instr::Jump(t) => return self.jump(t),
            Instr::JumpIfFalse(t) => {
                if !self.pop_bool()? {
                    return self.jump(t);
                }
            }
            Instr::JumpIfTrue(t) => {
                if self.pop_bool()? {
                    return self.jump(t);
                }
            }
            Instr::IterNext { slot, exit, pair } => return self.iter_next(slot, exit, pair),
            Instr::Fail => {
                let message = self.pop()?;
                return Err(message.to_string());
            }
            Instr::Return => return self.ret(),
            other => return Err(not_in_family(other, "control")),
        }
        Ok(Flow::Continue)
    }

    pub(in crate::machine) fn ret(&mut self) -> Step {
        if self.flush_before_result() {
            return Ok(Flow::Flush);
        }
        let result = self.pop()?;
        let frame = self.frames.pop().ok_or("internal: no frame")?;
        self.stack.truncate(frame.base);
        let value = match frame.kind {
            FrameKind::Plain => result,
            FrameKind::Fact(key) => {
                self.facts.end_body(key, result.clone());
                result
            }
            FrameKind::Op => {
                let state = self.ops.pop().ok_or("internal: op state missing")?;
                if let Some(parent) = self.ops.last_mut() {
                    parent.absorb(&state);
                }
                let name = self
                    .ctx
                    .program()
                    .ops
                    .get(state.op as usize)
                    .map(|o| o.name.clone());
                self.events.push(Event::OpEnd {
                    op: name.unwrap_or_default(),
                    module: state.module,
                    span: state.span,
                    depth: self.ops.len() as u32,
                    changed: state.changed,
                    commands: state.commands.clone(),
                    handler: state.handler,
                });
                state.result()
            }
        };
        if self.frames.is_empty() {
            return Ok(Flow::Halt(Halt::Done(value)));
        }
        self.stack.push(value);
        Ok(Flow::Continue)
    }

    fn iter_next(&mut self, slot: u32, exit: u32, pair: bool) -> Step {
        let coll_at = self.local_slot(slot)?;
        let pos_at = self.local_slot(slot + 1)?;
        let pos = match &self.stack[pos_at] {
            Value::Int(n) => usize::try_from(*n).unwrap_or(usize::MAX),
            _ => 0,
        };
        let next: Option<(Value, Option<Value>)> = match &self.stack[coll_at] {
            // `for i, x in list`: the index, then the element.
            Value::List(items) if pair => items
                .get(pos)
                .map(|v| (Value::Int(pos as i64), Some(v.clone()))),
            Value::List(items) => items.get(pos).map(|v| (v.clone(), None)),
            Value::Map(m) => m
                .iter()
                .nth(pos)
                .map(|(k, v)| (Value::Str(Arc::clone(k)), Some(v.clone()))),
            other => return Err(format!("cannot loop over a {}", kind_name(other))),
        };
        let Some((first, second)) = next else {
            return self.jump(exit);
        };
        self.stack[pos_at] = Value::Int(pos as i64 + 1);
        self.stack.push(first);
        if pair {
            self.stack.push(second.unwrap_or(Value::None));
        }
        Ok(Flow::Continue)
    }
}
