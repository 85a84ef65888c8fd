//! One instruction: `Vm::step` hands it to the mode's hook (plan, apply,
//! look-ahead), then to its family's module.

mod calls;
mod control;
mod data;
mod facts;
mod stack;

use infrac_bytecode::Instr;

use crate::context::RunContext;
use crate::machine::{Step, Vm};

impl Vm {
    /// Executes `instr` of function `fidx`.
    pub(in crate::machine) fn step(&mut self, ctx: &RunContext, fidx: usize, instr: Instr) -> Step {
        if let Some(flow) = self.mode_step(ctx, instr)? {
            return Ok(flow);
        }
        match instr {
            Instr::Const(_)
            | Instr::PushNone
            | Instr::PushTrue
            | Instr::PushFalse
            | Instr::Pop
            | Instr::Dup
            | Instr::LoadLocal(_)
            | Instr::StoreLocal(_)
            | Instr::LoadParam(_)
            | Instr::LoadHost
            | Instr::LoadStage(_) => self.step_stack(ctx, fidx, instr),
            Instr::MakeList(_)
            | Instr::MakeMap(_)
            | Instr::MakeRecord(_)
            | Instr::GetField(_)
            | Instr::GetFieldOpt(_)
            | Instr::Index
            | Instr::Neg
            | Instr::Not
            | Instr::Add
            | Instr::Sub
            | Instr::Mul
            | Instr::Div
            | Instr::Rem
            | Instr::Eq
            | Instr::Ne
            | Instr::Lt
            | Instr::Le
            | Instr::Gt
            | Instr::Ge
            | Instr::IsNone
            | Instr::Format(_)
            | Instr::Concat(_)
            | Instr::ShQuote
            | Instr::ShRaw
            | Instr::MakeCmd(_) => self.step_data(ctx, fidx, instr),
            Instr::Jump(_)
            | Instr::JumpIfFalse(_)
            | Instr::JumpIfTrue(_)
            | Instr::IterNext { .. }
            | Instr::Fail
            | Instr::Return => self.step_control(instr),
            Instr::Call { .. }
            | Instr::CallNative { .. }
            | Instr::CallBuiltin { .. }
            | Instr::CallMethod { .. }
            | Instr::CallOp { .. }
            | Instr::OpChanged
            | Instr::Notify(_)
            | Instr::TakeNotified(_) => self.step_call(ctx, fidx, instr),
            Instr::RetryStart { .. } | Instr::RetryUnless | Instr::RetryEnd => {
                self.step_retry(ctx, instr)
            }
            Instr::ReadFact { .. }
            | Instr::Invalidate { .. }
            | Instr::InvalidateFact(_)
            | Instr::InvalidateAll => self.step_facts(ctx, instr),
        }
    }
}

/// The error of a family's function handed another family's instruction
/// (`step` never does).
pub(in crate::machine) fn not_in_family(instr: Instr, family: &str) -> String {
    format!("internal: `{instr:?}` is not a {family} instruction")
}
