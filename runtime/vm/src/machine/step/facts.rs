//! Facts: reads (from the cache or the host) and invalidations.

use infrac_bytecode::Instr;

use super::not_in_family;
use crate::context::RunContext;
use crate::facts;
use crate::machine::{Flow, Step, Vm, fact_def};

impl Vm {
    /// Fact reads and invalidations.
    pub(super) fn step_facts(&mut self, ctx: &RunContext, instr: Instr) -> Step {
        match instr {
            Instr::ReadFact { fact, argc } => return self.read_fact(ctx, fact, argc),
            Instr::Invalidate { fact, argc } => {
                self.drop_since_op();
                let args = self.pop_n(argc)?;
                let def = fact_def(ctx, fact)?;
                match facts::key(&def.name, &args) {
                    Some(key) => self.facts.invalidate(&key),
                    None => self.facts.clear(),
                }
            }
            Instr::InvalidateFact(fact) => {
                self.drop_since_op();
                let def = fact_def(ctx, fact)?;
                self.facts.invalidate_fact(&def.name);
            }
            Instr::InvalidateAll => {
                self.drop_since_op();
                self.facts.clear();
            }
            other => return Err(not_in_family(other, "facts")),
        }
        Ok(Flow::Continue)
    }

    /// What an invalidation drops now may have been changed by the
    /// commands of the op calls in progress.
    fn drop_since_op(&mut self) {
        // The outermost call: its commands before a nested call's start
        // may have changed what the nested call's `changes` name.
        let since = self.ops.first().map(|o| o.started_at);
        self.facts
            .dropping_since(since.unwrap_or_else(|| self.facts.moment()));
    }
}
