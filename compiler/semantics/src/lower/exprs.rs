//! Expressions, blocks and statements.

use std::sync::Arc;

use infrac_bytecode::{Builtin, Const, Instr, TypeDesc};
use infrac_syntax::ast::{
    BinaryOp, Block, Expr, ExprKind, Ident, MapEntry, MatchArm, PatternKind, RecordField, Span,
    StmtKind, UnaryOp,
};

use crate::def::Def;
use crate::items::ItemId;
use crate::lower::LowerError;
use crate::lower::builder::FnBuilder;
use crate::lower::items::{ItemRef, Lowerer};
use crate::lower::order::Given;

type R = Result<(), LowerError>;

/// What a name or a `a.b.c` path means when it is not a value computed
/// at run time.
#[derive(Clone)]
pub(crate) enum Static<'a> {
    Item(ItemRef<'a>),
    Variant(Arc<str>, Arc<str>),
    Builtin(Builtin),
    /// `raw(...)`, only meaningful inside `sh"..."`.
    Raw,
    /// `flush_handlers()`.
    FlushHandlers,
    Host,
    /// `result` in `until:`.
    Result,
}

/// The type a record literal gets from `expected` (through optionals).
fn unwrap_optional(t: Option<&TypeDesc>) -> Option<&TypeDesc> {
    match t {
        Some(TypeDesc::Optional(inner)) => unwrap_optional(Some(inner)),
        other => other,
    }
}

impl<'a> Lowerer<'a> {
    /// What a name or a path of plain field accesses (`facts.os`,
    /// `files.directory`, `Tier.web`) stands for when it is not a value
    /// computed at run time (a local, a field), as the checker resolved it.
    pub(crate) fn resolve_static(&self, m: usize, e: &Expr) -> Option<Static<'a>> {
        let name = match &e.kind {
            ExprKind::Name(id) => id,
            ExprKind::Field {
                name,
                optional: false,
                ..
            } => name,
            _ => return None,
        };
        match *self.def(m, name.span)? {
            Def::Item(id) => self.by_id.get(&id).cloned().map(Static::Item),
            Def::Variant { enum_, index } => {
                let (ty, variant) = self.variant(enum_, index)?;
                Some(Static::Variant(ty, variant))
            }
            Def::Builtin(&"host") => Some(Static::Host),
            Def::Builtin(&"raw") => Some(Static::Raw),
            Def::Builtin(&"flush_handlers") => Some(Static::FlushHandlers),
            Def::Builtin(&"result") => Some(Static::Result),
            Def::Builtin(name) => Builtin::from_name(name).map(Static::Builtin),
            // A module (or `facts`, a built-in without a value) is only a
            // path's start.
            Def::Module(_)
            | Def::Local { .. }
            | Def::Param { .. }
            | Def::Field { .. }
            | Def::HostField(_)
            | Def::Method { .. } => None,
        }
    }

    /// The names of variant `index` of enum `enum_`.
    fn variant(&self, enum_: ItemId, index: u32) -> Option<(Arc<str>, Arc<str>)> {
        match self.by_id.get(&enum_)? {
            ItemRef::Enum { name, variants } => {
                let variant = variants.get(index as usize)?;
                Some((Arc::clone(name), Arc::clone(variant)))
            }
            _ => None,
        }
    }

    /// Lowers `block`, leaving its value on the stack.
    pub(crate) fn block(
        &mut self,
        b: &mut FnBuilder,
        block: &'a Block,
        expected: Option<&TypeDesc>,
    ) -> R {
        b.push_scope();
        let last = block.stmts.len().checked_sub(1);
        let mut has_value = false;
        for (i, stmt) in block.stmts.iter().enumerate() {
            match &stmt.kind {
                StmtKind::Let { name, ty, value } => {
                    let ty = match ty {
                        Some(t) => Some(self.resolve_type(b.module, t)?),
                        None => None,
                    };
                    self.expr(b, value, ty.as_ref())?;
                    // Bound after the value: `let x = x + 1` reads the outer `x`.
                    let slot = b.bind(name.span);
                    b.emit(Instr::StoreLocal(slot), stmt.span);
                }
                StmtKind::For {
                    first,
                    second,
                    iter,
                    body,
                } => self.for_loop(b, first, second.as_ref(), iter, body)?,
                StmtKind::Expr(e) if Some(i) == last => {
                    self.expr(b, e, expected)?;
                    has_value = true;
                }
                StmtKind::Expr(e) => {
                    self.expr(b, e, None)?;
                    b.emit(Instr::Pop, e.span);
                }
                StmtKind::Error => return Err(self.error(b.module, stmt.span, "syntax error")),
            }
        }
        if !has_value {
            b.emit(Instr::PushNone, block.span);
        }
        b.pop_scope();
        Ok(())
    }

    fn for_loop(
        &mut self,
        b: &mut FnBuilder,
        first: &'a infrac_syntax::ast::Ident,
        second: Option<&'a infrac_syntax::ast::Ident>,
        iter: &'a Expr,
        body: &'a Block,
    ) -> R {
        let iteration = self.loop_head(b, first, second, iter)?;
        self.block(b, body, None)?;
        b.emit(Instr::Pop, body.span);
        b.end_iteration(iteration, body.span);
        b.pop_scope();
        Ok(())
    }

    /// The start of a loop over `iter` (a `for` or a comprehension): in a
    /// new scope, each turn binds `first` (and `second`). The caller ends
    /// the iteration and pops the scope.
    fn loop_head(
        &mut self,
        b: &mut FnBuilder,
        first: &'a infrac_syntax::ast::Ident,
        second: Option<&'a infrac_syntax::ast::Ident>,
        iter: &'a Expr,
    ) -> Result<crate::lower::builder::Iteration, LowerError> {
        self.expr(b, iter, None)?;
        b.push_scope();
        let iteration = b.begin_iteration(second.is_some(), iter.span);
        let first_slot = b.bind(first.span);
        if let Some(second) = second {
            let second_slot = b.bind(second.span);
            b.emit(Instr::StoreLocal(second_slot), second.span);
        }
        b.emit(Instr::StoreLocal(first_slot), first.span);
        Ok(iteration)
    }

    /// `[elem for x in iter if cond]`: a list built turn by turn.
    fn comprehension(
        &mut self,
        b: &mut FnBuilder,
        c: &'a infrac_syntax::ast::Comprehension,
        elem: Option<&TypeDesc>,
        span: Span,
    ) -> R {
        let acc = b.temp();
        b.emit(Instr::MakeList(0), span);
        b.emit(Instr::StoreLocal(acc), span);
        let iteration = self.loop_head(b, &c.first, c.second.as_ref(), &c.iter)?;
        if let Some(cond) = &c.cond {
            self.expr(b, cond, None)?;
            b.emit(Instr::JumpIfFalse(iteration.top), cond.span);
        }
        b.emit(Instr::LoadLocal(acc), span);
        self.expr(b, &c.elem, elem)?;
        b.emit(Instr::MakeList(1), span);
        b.emit(Instr::Add, span);
        b.emit(Instr::StoreLocal(acc), span);
        b.end_iteration(iteration, span);
        b.pop_scope();
        b.emit(Instr::LoadLocal(acc), span);
        Ok(())
    }

    /// Lowers `e`, leaving its value on the stack. `expected` is the type
    /// the context wants (record literals take their defaults from it).
    pub(crate) fn expr(
        &mut self,
        b: &mut FnBuilder,
        e: &'a Expr,
        expected: Option<&TypeDesc>,
    ) -> R {
        let span = e.span;
        match &e.kind {
            ExprKind::Int(n) => {
                let k = b.konst(Const::Int(*n));
                b.emit(Instr::Const(k), span);
            }
            ExprKind::Float(x) => {
                let k = b.konst(Const::Float(x.value()));
                b.emit(Instr::Const(k), span);
            }
            ExprKind::Bool(true) => {
                b.emit(Instr::PushTrue, span);
            }
            ExprKind::Bool(false) => {
                b.emit(Instr::PushFalse, span);
            }
            ExprKind::None => {
                b.emit(Instr::PushNone, span);
            }
            ExprKind::Str(parts) => self.string(b, parts, span)?,
            ExprKind::Sh(parts) => self.command(b, parts, span)?,
            ExprKind::Name(id) => self.name(b, e, id)?,
            ExprKind::List(items) => {
                let elem = match unwrap_optional(expected) {
                    Some(TypeDesc::List(t)) => Some(&**t),
                    _ => None,
                };
                for item in items {
                    self.expr(b, item, elem)?;
                }
                b.emit(Instr::MakeList(items.len() as u32), span);
            }
            ExprKind::Comprehension(c) => {
                let elem = match unwrap_optional(expected) {
                    Some(TypeDesc::List(t)) => Some(&**t),
                    _ => None,
                };
                self.comprehension(b, c, elem, span)?;
            }
            ExprKind::Record(fields) => self.record(b, fields, expected, span)?,
            ExprKind::Map(entries) => self.map(b, entries, expected, span)?,
            ExprKind::Field {
                base,
                name,
                optional,
            } => {
                if let Some(s) = (!optional)
                    .then(|| self.resolve_static(b.module, e))
                    .flatten()
                {
                    return self.static_value(b, s, span);
                }
                self.expr(b, base, None)?;
                let k = b.str_const(&name.name);
                b.emit(
                    if *optional {
                        Instr::GetFieldOpt(k)
                    } else {
                        Instr::GetField(k)
                    },
                    span,
                );
            }
            ExprKind::Index { base, index } => {
                self.expr(b, base, None)?;
                self.expr(b, index, None)?;
                b.emit(Instr::Index, span);
            }
            ExprKind::Call { callee, args } => self.call(b, callee, args, span)?,
            ExprKind::Unary { op, operand } => {
                self.expr(b, operand, None)?;
                b.emit(
                    if *op == UnaryOp::Neg {
                        Instr::Neg
                    } else {
                        Instr::Not
                    },
                    span,
                );
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(b, *op, lhs, rhs, expected, span)?,
            ExprKind::If { cond, then, else_ } => {
                self.expr(b, cond, None)?;
                let to_else = b.emit(Instr::JumpIfFalse(0), span);
                self.block(b, then, expected)?;
                let to_end = b.emit(Instr::Jump(0), span);
                let else_at = b.here();
                b.patch(to_else, else_at);
                match else_ {
                    Some(e) => self.expr(b, e, expected)?,
                    None => {
                        b.emit(Instr::PushNone, span);
                    }
                }
                let end = b.here();
                b.patch(to_end, end);
            }
            ExprKind::Match { scrutinee, arms } => {
                self.match_expr(b, scrutinee, arms, expected, span)?
            }
            ExprKind::Block(block) => self.block(b, block, expected)?,
            ExprKind::Fail(message) => {
                self.expr(b, message, None)?;
                b.emit(Instr::Fail, span);
            }
            ExprKind::Return(value) => {
                match value {
                    Some(v) => {
                        let ret = b.ret.clone();
                        self.expr(b, v, ret.as_ref())?;
                    }
                    None => {
                        b.emit(Instr::PushNone, span);
                    }
                }
                if b.op_returns.is_some() {
                    // An op's result is its OpResult: run the epilogue.
                    b.emit(Instr::Pop, span);
                    let at = b.emit(Instr::Jump(0), span);
                    if let Some(returns) = b.op_returns.as_mut() {
                        returns.push(at);
                    }
                } else {
                    b.emit(Instr::Return, span);
                }
            }
            ExprKind::Error => return Err(self.error(b.module, span, "syntax error")),
        }
        Ok(())
    }

    fn name(&mut self, b: &mut FnBuilder, e: &'a Expr, name: &Ident) -> R {
        let slot = match self.def(b.module, name.span) {
            Some(Def::Local { binding, .. }) => b.local(*binding),
            Some(Def::Param { index, .. }) => Some(*index),
            _ => None,
        };
        if let Some(slot) = slot {
            b.emit(Instr::LoadLocal(slot), e.span);
            return Ok(());
        }
        match self.resolve_static(b.module, e) {
            Some(s) => self.static_value(b, s, e.span),
            None => Err(self.error(b.module, e.span, format!("unknown name `{}`", name.name))),
        }
    }

    /// The value of a statically resolved path.
    fn static_value(&mut self, b: &mut FnBuilder, s: Static<'a>, span: Span) -> R {
        match s {
            Static::Item(ItemRef::Param(p)) => {
                b.emit(Instr::LoadParam(p), span);
            }
            Static::Item(ItemRef::Stage(st)) => {
                b.emit(Instr::LoadStage(st), span);
            }
            Static::Item(ItemRef::Fact(f)) => self.read_fact(b, f, &[], span)?,
            Static::Variant(ty, variant) => {
                let k = b.konst(Const::Enum { ty, variant });
                b.emit(Instr::Const(k), span);
            }
            Static::Host => {
                b.emit(Instr::LoadHost, span);
            }
            Static::Result => {
                let slot = b
                    .until_result
                    .ok_or_else(|| self.error(b.module, span, "`result` outside `until:`"))?;
                b.emit(Instr::LoadLocal(slot), span);
            }
            _ => return Err(self.error(b.module, span, "this is not a value")),
        }
        Ok(())
    }

    fn record(
        &mut self,
        b: &mut FnBuilder,
        fields: &'a [RecordField],
        expected: Option<&TypeDesc>,
        span: Span,
    ) -> R {
        match unwrap_optional(expected) {
            Some(TypeDesc::Record(r)) => {
                let Some(def) = self.program.records.get(*r as usize).cloned() else {
                    return Err(self.error(b.module, span, "internal: unknown record type"));
                };
                // Evaluated as written, stored in declared order.
                let mut given: Vec<Given> = Vec::with_capacity(fields.len());
                for f in fields {
                    let Some(to) = def.fields.iter().position(|d| *d.name == *f.name.name) else {
                        return Err(self.error(
                            b.module,
                            f.name.span,
                            format!("{} has no field `{}`", def.name, f.name.name),
                        ));
                    };
                    if given.iter().any(|g| g.to == to) {
                        continue; // written twice: the checker reports it
                    }
                    given.push(Given {
                        to,
                        value: &f.value,
                        ty: def.fields.get(to).map(|d| &d.ty),
                    });
                }
                self.in_source_order(b, &given, def.fields.len(), |this, b, i| {
                    match def.fields.get(i) {
                        Some(d) => match d.default {
                            Some(func) => {
                                b.emit(Instr::Call { func, argc: 0 }, span);
                                Ok(())
                            }
                            None => Err(this.error(
                                b.module,
                                span,
                                format!("missing field `{}` of {}", d.name, def.name),
                            )),
                        },
                        None => Err(this.error(b.module, span, "internal: bad record field")),
                    }
                })?;
                let shape = self.shape(def.fields.iter().map(|d| Arc::clone(&d.name)).collect());
                b.emit(Instr::MakeRecord(shape), span);
            }
            // `{}` where a map is expected is the empty map.
            Some(TypeDesc::Map(_)) if fields.is_empty() => {
                b.emit(Instr::MakeMap(0), span);
            }
            _ => {
                for f in fields {
                    self.expr(b, &f.value, None)?;
                }
                let shape = self.shape(
                    fields
                        .iter()
                        .map(|f| Arc::from(f.name.name.as_str()))
                        .collect(),
                );
                b.emit(Instr::MakeRecord(shape), span);
            }
        }
        Ok(())
    }

    fn map(
        &mut self,
        b: &mut FnBuilder,
        entries: &'a [MapEntry],
        expected: Option<&TypeDesc>,
        span: Span,
    ) -> R {
        let value_ty = match unwrap_optional(expected) {
            Some(TypeDesc::Map(t)) => Some(&**t),
            _ => None,
        };
        for entry in entries {
            self.expr(b, &entry.key, None)?;
            self.expr(b, &entry.value, value_ty)?;
        }
        b.emit(Instr::MakeMap(entries.len() as u32), span);
        Ok(())
    }

    fn binary(
        &mut self,
        b: &mut FnBuilder,
        op: BinaryOp,
        lhs: &'a Expr,
        rhs: &'a Expr,
        expected: Option<&TypeDesc>,
        span: Span,
    ) -> R {
        let arith = match op {
            BinaryOp::Add => Instr::Add,
            BinaryOp::Sub => Instr::Sub,
            BinaryOp::Mul => Instr::Mul,
            BinaryOp::Div => Instr::Div,
            BinaryOp::Rem => Instr::Rem,
            BinaryOp::Eq => Instr::Eq,
            BinaryOp::Ne => Instr::Ne,
            BinaryOp::Lt => Instr::Lt,
            BinaryOp::Le => Instr::Le,
            BinaryOp::Gt => Instr::Gt,
            BinaryOp::Ge => Instr::Ge,
            BinaryOp::And | BinaryOp::Or | BinaryOp::Coalesce => {
                // Short circuit: keep the left value when it decides.
                self.expr(b, lhs, expected)?;
                b.emit(Instr::Dup, span);
                let skip = match op {
                    BinaryOp::And => b.emit(Instr::JumpIfFalse(0), span),
                    BinaryOp::Or => b.emit(Instr::JumpIfTrue(0), span),
                    _ => {
                        b.emit(Instr::IsNone, span);
                        b.emit(Instr::JumpIfFalse(0), span)
                    }
                };
                b.emit(Instr::Pop, span);
                self.expr(b, rhs, expected)?;
                let end = b.here();
                b.patch(skip, end);
                return Ok(());
            }
        };
        // `+` of list literals keeps the expected element type.
        let operand_ty = if op == BinaryOp::Add { expected } else { None };
        self.expr(b, lhs, operand_ty)?;
        self.expr(b, rhs, operand_ty)?;
        b.emit(arith, span);
        Ok(())
    }

    fn match_expr(
        &mut self,
        b: &mut FnBuilder,
        scrutinee: &'a Expr,
        arms: &'a [MatchArm],
        expected: Option<&TypeDesc>,
        span: Span,
    ) -> R {
        self.expr(b, scrutinee, None)?;
        b.push_scope();
        let tmp = b.temp();
        b.emit(Instr::StoreLocal(tmp), span);
        let mut to_end = Vec::new();
        for arm in arms {
            let mut to_body = Vec::new();
            let mut catch_all = false;
            for p in &arm.patterns {
                let value = match &p.kind {
                    // The arm's body follows: fall through to it.
                    PatternKind::Wildcard => {
                        catch_all = true;
                        break;
                    }
                    PatternKind::Int(n) => Const::Int(*n),
                    PatternKind::Str(s) => Const::Str(Arc::from(s.as_str())),
                    PatternKind::Bool(_) | PatternKind::None => {
                        b.emit(Instr::LoadLocal(tmp), p.span);
                        b.emit(
                            match p.kind {
                                PatternKind::Bool(true) => Instr::PushTrue,
                                PatternKind::Bool(false) => Instr::PushFalse,
                                _ => Instr::PushNone,
                            },
                            p.span,
                        );
                        b.emit(Instr::Eq, p.span);
                        to_body.push(b.emit(Instr::JumpIfTrue(0), p.span));
                        continue;
                    }
                    PatternKind::Path(path) => self.variant_const(b, path, p.span)?,
                    PatternKind::Error => return Err(self.error(b.module, p.span, "syntax error")),
                };
                b.emit(Instr::LoadLocal(tmp), p.span);
                let k = b.konst(value);
                b.emit(Instr::Const(k), p.span);
                b.emit(Instr::Eq, p.span);
                to_body.push(b.emit(Instr::JumpIfTrue(0), p.span));
            }
            let to_next = (!catch_all).then(|| b.emit(Instr::Jump(0), arm.span));
            let body = b.here();
            for at in to_body {
                b.patch(at, body);
            }
            self.expr(b, &arm.body, expected)?;
            to_end.push(b.emit(Instr::Jump(0), arm.span));
            let next = b.here();
            if let Some(at) = to_next {
                b.patch(at, next);
            }
        }
        // Not reachable in a checked program (matches are exhaustive).
        let k = b.str_const("no match arm matches ");
        b.emit(Instr::Const(k), span);
        b.emit(Instr::LoadLocal(tmp), span);
        b.emit(Instr::Format(Default::default()), span);
        b.emit(Instr::Concat(2), span);
        b.emit(Instr::Fail, span);
        let end = b.here();
        for at in to_end {
            b.patch(at, end);
        }
        b.pop_scope();
        Ok(())
    }

    /// `Tier.frontend` or `common.Tier.frontend` in a pattern.
    fn variant_const(
        &self,
        b: &FnBuilder,
        path: &[infrac_syntax::ast::Ident],
        span: Span,
    ) -> Result<Const, LowerError> {
        let variant = match path.last().and_then(|v| self.def(b.module, v.span)) {
            Some(Def::Variant { enum_, index }) => self.variant(*enum_, *index),
            _ => None,
        };
        match variant {
            Some((ty, variant)) => Ok(Const::Enum { ty, variant }),
            None => Err(self.error(b.module, span, "unknown enum variant in pattern")),
        }
    }
}
