//! Source-order evaluation: call arguments and record fields are evaluated
//! in the order they are written (they may be op calls with effects), then
//! handed over in the order the callee or the record type declares.

use infrac_bytecode::{Instr, TypeDesc};
use infrac_syntax::ast::Expr;

use crate::lower::LowerError;
use crate::lower::builder::FnBuilder;
use crate::lower::items::Lowerer;

/// A value written in the source: the position it goes to, its expression
/// and the type expected there.
pub(crate) struct Given<'a, 't> {
    pub to: usize,
    pub value: &'a Expr,
    pub ty: Option<&'t TypeDesc>,
}

impl<'a> Lowerer<'a> {
    /// Pushes `count` values, position by position: the one given for a
    /// position, else what `fill` emits. `given` is in source order and
    /// evaluated in that order; when it is not already in position order,
    /// the values wait in hidden locals.
    pub(crate) fn in_source_order(
        &mut self,
        b: &mut FnBuilder,
        given: &[Given<'a, '_>],
        count: usize,
        mut fill: impl FnMut(&mut Self, &mut FnBuilder, usize) -> Result<(), LowerError>,
    ) -> Result<(), LowerError> {
        let in_order = given.windows(2).all(|w| w[0].to < w[1].to);
        if in_order {
            for to in 0..count {
                match given.iter().find(|g| g.to == to) {
                    Some(g) => self.expr(b, g.value, g.ty)?,
                    None => fill(self, b, to)?,
                }
            }
            return Ok(());
        }
        b.push_scope();
        let mut slots = Vec::with_capacity(given.len());
        for g in given {
            self.expr(b, g.value, g.ty)?;
            let slot = b.temp();
            b.emit(Instr::StoreLocal(slot), g.value.span);
            slots.push((g.to, slot, g.value.span));
        }
        for to in 0..count {
            match slots.iter().find(|(t, _, _)| *t == to) {
                Some(&(_, slot, span)) => {
                    b.emit(Instr::LoadLocal(slot), span);
                }
                None => fill(self, b, to)?,
            }
        }
        b.pop_scope();
        Ok(())
    }
}
