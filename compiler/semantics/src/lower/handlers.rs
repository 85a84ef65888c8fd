//! Handlers (docs/language.md §2.8a): ops that op calls notify with
//! `notify:`. After such a call, `Notify(h)` marks handler `h` when the
//! call changed something; one function, made when every handler is known,
//! calls each marked handler once, in declaration order, and every stage
//! body ends by calling it (so does `flush_handlers()`).

use infrac_bytecode::{FunctionKind, Instr};
use infrac_syntax::ast::{Expr, ExprKind, Span};

use crate::lower::LowerError;
use crate::lower::builder::FnBuilder;
use crate::lower::calls::OP_EXTRAS;
use crate::lower::exprs::Static;
use crate::lower::items::{ItemRef, Lowerer, SigKey};

impl<'a> Lowerer<'a> {
    /// The function that calls the notified handlers.
    pub(crate) fn handlers_function(&mut self) -> u32 {
        if let Some(func) = self.program.handlers {
            return func;
        }
        let func = self.alloc_function("handlers".into(), FunctionKind::Fn, 0, 0);
        self.program.handlers = Some(func);
        func
    }

    /// After an op call (its `OpResult` on the stack): notifies each
    /// handler `value` names (one, or a list) when the call changed
    /// something.
    pub(crate) fn notify(
        &mut self,
        b: &mut FnBuilder,
        value: &'a Expr,
        span: Span,
    ) -> Result<(), LowerError> {
        let items = match &value.kind {
            ExprKind::List(items) => items.iter().collect(),
            _ => vec![value],
        };
        for item in items {
            let Some(Static::Item(ItemRef::Op(op))) = self.resolve_static(b.module, item) else {
                return Err(self.error(b.module, item.span, "`notify:` names no handler"));
            };
            self.handlers_function();
            if !self.handler_ops.contains(&op) {
                self.handler_ops.push(op);
            }
            b.emit(Instr::Dup, span);
            let changed = b.str_const("changed");
            b.emit(Instr::GetField(changed), span);
            b.emit(Instr::Notify(op), span);
        }
        Ok(())
    }

    /// Last step, when the program notifies handlers: the handlers
    /// function's body, and its call at the end of every stage body
    /// (before its `Return`, so that every path to it runs the handlers).
    pub(crate) fn lower_handlers(&mut self) -> Result<(), LowerError> {
        let Some(func) = self.program.handlers else {
            return Ok(());
        };
        let mut ops = self.handler_ops.clone();
        // Declaration order: the order of the program's ops.
        ops.sort_unstable();
        let span = Span::default();
        let mut b = FnBuilder::new(0, FunctionKind::Fn, 0);
        for op in ops {
            b.emit(Instr::TakeNotified(op), span);
            let skip = b.emit(Instr::JumpIfFalse(0), span);
            let argc = self.args(&mut b, SigKey::Op(op), &[], &OP_EXTRAS, span)?;
            b.emit(Instr::CallOp { op, argc }, span);
            b.emit(Instr::Pop, span);
            let end = b.here();
            b.patch(skip, end);
        }
        b.emit(Instr::PushNone, span);
        b.emit(Instr::Return, span);
        if let Some(slot) = self.program.functions.get_mut(func as usize) {
            *slot = b.finish("handlers".into(), 0);
        }
        let bodies: Vec<u32> = self.program.stages.iter().map(|s| s.body).collect();
        for body in bodies {
            let Some(f) = self.program.functions.get_mut(body as usize) else {
                continue;
            };
            if f.code.last() != Some(&Instr::Return) {
                let module = f.module as usize;
                return Err(self.error(module, span, "a stage body without its return"));
            }
            let at = f.code.len() - 1;
            let place = f.spans.get(at).copied().unwrap_or_default();
            f.code
                .splice(at..at, [Instr::Call { func, argc: 0 }, Instr::Pop]);
            f.spans.splice(at..at, [place, place]);
        }
        Ok(())
    }
}
