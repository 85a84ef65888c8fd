//! Building one function: code with spans, constants, local slots and
//! scopes.

use std::sync::Arc;

use infrac_bytecode::{Const, Function, FunctionKind, Instr, PrefetchFact, TypeDesc};
use infrac_syntax::ast::Span;

use crate::lower::items::bspan;

/// A loop being built: where each turn starts and its `IterNext`.
pub(crate) struct Iteration {
    /// Where the next turn starts (`continue`).
    pub top: u32,
    next: usize,
}

pub(crate) struct FnBuilder {
    pub module: usize,
    pub kind: FunctionKind,
    code: Vec<Instr>,
    spans: Vec<infrac_bytecode::Span>,
    consts: Vec<Const>,
    /// Innermost scope last: the span of a local's name where the checker
    /// saw it bound (`None`: a hidden slot) -> slot.
    scopes: Vec<Vec<(Option<Span>, u32)>>,
    next_slot: u32,
    max_slots: u32,
    /// The function's declared result, expected by `return`.
    pub ret: Option<TypeDesc>,
    /// In an op: the jumps of `return` to patch to the epilogue.
    pub op_returns: Option<Vec<usize>>,
    /// In a group's host list: the group's data type (for `data:`).
    pub group_data: Option<TypeDesc>,
    /// In a stage body: native facts read with constant arguments.
    pub prefetch: Option<Vec<PrefetchFact>>,
    /// Inside `until:`: the slot of the retried call's result (`result`).
    pub until_result: Option<u32>,
}

impl FnBuilder {
    /// A function whose `arity` parameters are its first slots.
    pub fn new(module: usize, kind: FunctionKind, arity: usize) -> Self {
        let mut b = FnBuilder {
            module,
            kind,
            code: Vec::new(),
            spans: Vec::new(),
            consts: Vec::new(),
            scopes: vec![Vec::new()],
            next_slot: 0,
            max_slots: 0,
            ret: None,
            op_returns: None,
            group_data: None,
            prefetch: None,
            until_result: None,
        };
        b.next_slot = arity as u32;
        b.max_slots = b.next_slot;
        b
    }

    pub fn emit(&mut self, instr: Instr, span: Span) -> usize {
        self.code.push(instr);
        self.spans.push(bspan(span));
        self.code.len() - 1
    }

    /// The index the next instruction will have.
    pub fn here(&self) -> u32 {
        self.code.len() as u32
    }

    /// Points the jump at `at` to `target`.
    pub fn patch(&mut self, at: usize, target: u32) {
        if let Some(instr) = self.code.get_mut(at) {
            *instr = match *instr {
                Instr::Jump(_) => Instr::Jump(target),
                Instr::JumpIfFalse(_) => Instr::JumpIfFalse(target),
                Instr::JumpIfTrue(_) => Instr::JumpIfTrue(target),
                Instr::IterNext { slot, pair, .. } => Instr::IterNext {
                    slot,
                    exit: target,
                    pair,
                },
                other => other,
            };
        }
    }

    pub fn konst(&mut self, c: Const) -> u32 {
        if let Some(i) = self.consts.iter().position(|k| same_const(k, &c)) {
            return i as u32;
        }
        self.consts.push(c);
        (self.consts.len() - 1) as u32
    }

    pub fn str_const(&mut self, s: &str) -> u32 {
        self.konst(Const::Str(Arc::from(s)))
    }

    pub fn push_scope(&mut self) {
        self.scopes.push(Vec::new());
    }

    /// Leaves a scope; its slots are reused by later bindings.
    pub fn pop_scope(&mut self) {
        if let Some(scope) = self.scopes.pop() {
            self.next_slot -= scope.len() as u32;
        }
    }

    /// A new local slot in the innermost scope for the local whose name
    /// is bound at `binding`.
    pub fn bind(&mut self, binding: Span) -> u32 {
        self.slot(Some(binding))
    }

    /// A hidden slot (loop state, match scrutinee) in the innermost scope.
    pub fn temp(&mut self) -> u32 {
        self.slot(None)
    }

    fn slot(&mut self, binding: Option<Span>) -> u32 {
        let slot = self.next_slot;
        self.next_slot += 1;
        self.max_slots = self.max_slots.max(self.next_slot);
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((binding, slot));
        }
        slot
    }

    /// Starts a loop over the list or map on top of the stack (popped into
    /// two hidden slots of the innermost scope: the value and the position).
    /// Each turn pushes the next element, or key (and value, when `pair`);
    /// the code up to [`FnBuilder::end_iteration`] is the loop's body.
    pub fn begin_iteration(&mut self, pair: bool, span: Span) -> Iteration {
        let slot = self.temp();
        let pos = self.temp();
        self.emit(Instr::StoreLocal(slot), span);
        let zero = self.konst(Const::Int(0));
        self.emit(Instr::Const(zero), span);
        self.emit(Instr::StoreLocal(pos), span);
        let top = self.here();
        let next = self.emit(
            Instr::IterNext {
                slot,
                exit: 0,
                pair,
            },
            span,
        );
        Iteration { top, next }
    }

    /// Ends the loop body: back to the next turn; the loop exits here.
    pub fn end_iteration(&mut self, iteration: Iteration, span: Span) {
        self.emit(Instr::Jump(iteration.top), span);
        let exit = self.here();
        self.patch(iteration.next, exit);
    }

    /// The slot of the local bound at `binding` (the checker's
    /// [`crate::def::Def::Local`]).
    pub fn local(&self, binding: Span) -> Option<u32> {
        self.scopes
            .iter()
            .flatten()
            .find(|(b, _)| *b == Some(binding))
            .map(|(_, slot)| *slot)
    }

    pub fn finish(self, name: String, arity: u32) -> Function {
        Function {
            name,
            kind: self.kind,
            module: self.module as u32,
            arity,
            locals: self.max_slots.max(arity),
            code: self.code,
            spans: self.spans,
            consts: self.consts,
        }
    }
}

/// Constants are deduplicated; floats by their bits.
fn same_const(a: &Const, b: &Const) -> bool {
    match (a, b) {
        (Const::Float(x), Const::Float(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}
