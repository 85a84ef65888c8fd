//! Program-level declarations (params, groups, stages) and the bodies of
//! functions, ops, facts and stages.

use std::sync::Arc;

use infrac_bytecode::{
    DynamicOptions, FunctionKind, Instr, OpChanges, Serial, StageOptions, StageTarget, TypeDesc,
};
use infrac_syntax::ast::{
    Arg, Changes, Expr, ExprKind, GroupDecl, ItemKind, ParamDecl, Span, StrPart,
};

use crate::def::Def;
use crate::lower::LowerError;
use crate::lower::builder::FnBuilder;
use crate::lower::exprs::Static;
use crate::lower::items::{ItemRef, Job, Lowerer, SigKey};

impl<'a> Lowerer<'a> {
    pub(crate) fn declare_param(&mut self, m: usize, d: &'a ParamDecl) -> Result<(), LowerError> {
        let Some(ItemRef::Param(p)) = self.item_named(m, &d.name) else {
            return Ok(());
        };
        let ty = self.resolve_type(m, &d.ty)?;
        let default = d.default.as_ref().map(|e| {
            self.alloc_default(format!("param {} default", d.name.name), m, e, ty.clone())
        });
        if let Some(def) = self.program.params.get_mut(p as usize) {
            def.required = default.is_none() && !matches!(ty, TypeDesc::Optional(_));
            def.secret = ty == TypeDesc::Secret;
            def.default = default;
            def.ty = ty;
        }
        Ok(())
    }

    pub(crate) fn declare_group(&mut self, m: usize, d: &'a GroupDecl) -> Result<(), LowerError> {
        let Some(ItemRef::Group(g)) = self.item_named(m, &d.name) else {
            return Ok(());
        };
        let data = match &d.data_ty {
            Some(t) => self.resolve_type(m, t)?,
            None => TypeDesc::Unit,
        };
        let func = self.alloc_function(format!("group {}", d.name.name), FunctionKind::Group, m, 0);
        self.jobs.push(Job::Group {
            func,
            module: m,
            decl: d,
            data: data.clone(),
        });
        if let Some(def) = self.program.groups.get_mut(g as usize) {
            def.data = data;
            def.hosts = func;
        }
        Ok(())
    }

    pub(crate) fn declare_stages(&mut self) -> Result<(), LowerError> {
        for (m, input) in self.modules.iter().enumerate() {
            for item in &input.ast.items {
                let ItemKind::Stage(d) = &item.kind else {
                    continue;
                };
                let Some(ItemRef::Stage(s)) = self.item_named(m, &d.name) else {
                    continue;
                };
                let mut targets = Vec::new();
                for t in &d.targets {
                    let (ident, one) = match t {
                        infrac_syntax::ast::StageTarget::Group(id) => (id, false),
                        infrac_syntax::ast::StageTarget::One(id, _) => (id, true),
                    };
                    let Some(ItemRef::Group(group)) = self.item_named(m, ident) else {
                        let message = format!("unknown group `{}`", ident.name);
                        return Err(self.error(m, ident.span, message));
                    };
                    targets.push(StageTarget { group, one });
                }
                let (options, dynamic) = self.stage_options(m, &d.options)?;
                if !dynamic.is_empty() {
                    let function = self.options_function(m, &d.name.name, &dynamic, d.name.span)?;
                    let stage = s;
                    self.program
                        .dynamic_options
                        .push(DynamicOptions { stage, function });
                }
                let func = self.alloc_function(
                    format!("stage {}", d.name.name),
                    FunctionKind::Stage,
                    m,
                    0,
                );
                self.jobs.push(Job::Stage {
                    func,
                    stage: s,
                    module: m,
                    decl: d,
                });
                if let Some(def) = self.program.stages.get_mut(s as usize) {
                    def.targets = targets;
                    def.options = options;
                    def.body = func;
                }
            }
        }
        Ok(())
    }

    /// The literal options of a stage, and the others (`serial: batch`),
    /// which are computed from the params at run time.
    fn stage_options(
        &self,
        m: usize,
        args: &'a [Arg],
    ) -> Result<(StageOptions, Vec<Computed<'a>>), LowerError> {
        let mut o = StageOptions::default();
        let mut dynamic = Vec::new();
        for a in args {
            let Some(name) = &a.name else {
                return Err(self.error(m, a.value.span, "stage options are named: `serial: 2`"));
            };
            // Literal strings (the checker holds them to it): known before
            // the run, for `--tags`.
            if name.name == "tags" {
                if let ExprKind::List(items) = &a.value.kind {
                    o.tags = items.iter().filter_map(literal_text).collect();
                }
                continue;
            }
            let Some(option) = OPTIONS.iter().copied().find(|o| *o == name.name) else {
                let message = format!("unknown stage option `{}`", name.name);
                return Err(self.error(m, name.span, message));
            };
            let count = match a.value.kind {
                ExprKind::Int(n) => u32::try_from(n).ok(),
                _ => None,
            };
            let literal = match (option, &a.value.kind) {
                ("serial", ExprKind::Str(parts)) => match parts.as_slice() {
                    [StrPart::Text(t, _)] => Serial::percent(t).map(|p| o.serial = Some(p)),
                    _ => None,
                },
                ("serial", _) => count.map(|n| o.serial = Some(Serial::Count(n))),
                ("max_failures", _) => count.map(|n| o.max_failures = Some(n)),
                ("parallel", _) => count.map(|n| o.parallel = Some(n)),
                (_, ExprKind::Bool(v)) => {
                    o.sudo = *v;
                    Some(())
                }
                _ => None,
            };
            if literal.is_none() {
                dynamic.push((option, &a.value));
            }
        }
        Ok((o, dynamic))
    }

    /// A function computing the options that are not literals, as a record
    /// of every option (`none` for the others).
    fn options_function(
        &mut self,
        m: usize,
        stage: &str,
        dynamic: &[Computed<'a>],
        span: Span,
    ) -> Result<u32, LowerError> {
        let mut b = FnBuilder::new(m, FunctionKind::Default, 0);
        for option in OPTIONS {
            match dynamic.iter().find(|(o, _)| *o == option) {
                Some((_, e)) => self.expr(&mut b, e, None)?,
                None => {
                    b.emit(Instr::PushNone, span);
                }
            }
        }
        let shape = self.shape(OPTIONS.iter().map(|o| Arc::from(*o)).collect());
        b.emit(Instr::MakeRecord(shape), span);
        b.emit(Instr::Return, span);
        let func = self.alloc_function(String::new(), FunctionKind::Default, m, 0);
        if let Some(slot) = self.program.functions.get_mut(func as usize) {
            *slot = b.finish(format!("stage {stage} options"), 0);
        }
        Ok(func)
    }

    pub(crate) fn lower_job(&mut self, job: Job<'a>) -> Result<(), LowerError> {
        let (func, function) = match job {
            Job::Default {
                func,
                module,
                expr,
                ty,
            } => {
                let mut b = FnBuilder::new(module, FunctionKind::Default, 0);
                self.expr(&mut b, expr, Some(&ty))?;
                b.emit(Instr::Return, expr.span);
                (func, b)
            }
            Job::Group {
                func,
                module,
                decl,
                data,
            } => {
                let mut b = FnBuilder::new(module, FunctionKind::Group, 0);
                b.group_data = Some(data);
                self.expr(&mut b, &decl.hosts, None)?;
                b.emit(Instr::Return, decl.hosts.span);
                (func, b)
            }
            Job::Fn {
                func,
                module,
                decl,
                body,
            } => {
                let mut b = FnBuilder::new(module, FunctionKind::Fn, decl.params.len());
                b.ret = match &decl.ret {
                    Some(t) => Some(self.resolve_type(module, t)?),
                    None => None,
                };
                let ret = b.ret.clone();
                self.block(&mut b, body, ret.as_ref())?;
                b.emit(Instr::Return, body.span);
                (func, b)
            }
            Job::Fact {
                func,
                module,
                decl,
                body,
            } => {
                let arity = decl.params.as_ref().map_or(0, Vec::len);
                let mut b = FnBuilder::new(module, FunctionKind::Fact, arity);
                b.ret = Some(self.resolve_type(module, &decl.ret)?);
                let ret = b.ret.clone();
                self.block(&mut b, body, ret.as_ref())?;
                b.emit(Instr::Return, body.span);
                (func, b)
            }
            Job::Stage {
                func,
                stage,
                module,
                decl,
            } => {
                let mut b = FnBuilder::new(module, FunctionKind::Stage, 0);
                b.ret = match &decl.ret {
                    Some(t) => Some(self.resolve_type(module, t)?),
                    None => None,
                };
                b.prefetch = Some(Vec::new());
                let ret = b.ret.clone();
                self.block(&mut b, &decl.body, ret.as_ref())?;
                if ret.is_none() {
                    // Only `-> T` stages have a value.
                    b.emit(Instr::Pop, decl.body.span);
                    b.emit(Instr::PushNone, decl.body.span);
                }
                b.emit(Instr::Return, decl.body.span);
                if let Some(def) = self.program.stages.get_mut(stage as usize) {
                    def.prefetch = b.prefetch.take().unwrap_or_default();
                }
                (func, b)
            }
            Job::Op { func, module, decl } => {
                let mut b = FnBuilder::new(module, FunctionKind::Op, decl.params.len());
                b.op_returns = Some(Vec::new());
                self.block(&mut b, &decl.body, None)?;
                b.emit(Instr::Pop, decl.body.span);
                let epilogue = b.here();
                for at in b.op_returns.take().unwrap_or_default() {
                    b.patch(at, epilogue);
                }
                self.op_epilogue(&mut b, decl)?;
                (func, b)
            }
        };
        let Some(slot) = self.program.functions.get_mut(func as usize) else {
            return Ok(());
        };
        let (name, arity) = (std::mem::take(&mut slot.name), slot.arity);
        *slot = function.finish(name, arity);
        Ok(())
    }

    /// After an op's body (and every `return` in it): when the op changed
    /// something, drop the facts its `changes` clause names (all facts
    /// without a clause); then return.
    fn op_epilogue(
        &mut self,
        b: &mut FnBuilder,
        decl: &'a infrac_syntax::ast::OpDecl,
    ) -> Result<(), LowerError> {
        let span = match &decl.changes {
            Some(Changes::Nothing(s)) => *s,
            Some(Changes::Facts(entries)) => entries.first().map_or(decl.body.span, |e| e.span),
            None => decl.body.span,
        };
        let Some(ItemRef::Op(op)) = self.item_named(b.module, &decl.name) else {
            return Err(self.error(b.module, decl.name.span, "internal: op not registered"));
        };
        let changes = self.program.ops.get(op as usize).map(|o| o.changes);
        if changes != Some(OpChanges::Nothing) {
            b.emit(Instr::OpChanged, span);
            let skip = b.emit(Instr::JumpIfFalse(0), span);
            match &decl.changes {
                Some(Changes::Facts(entries)) => {
                    for entry in entries {
                        self.invalidation(b, op, entry)?;
                    }
                }
                _ => {
                    b.emit(Instr::InvalidateAll, span);
                }
            }
            let end = b.here();
            b.patch(skip, end);
        }
        b.emit(Instr::PushNone, span);
        b.emit(Instr::Return, span);
        Ok(())
    }

    /// `facts.file(path)`: that entry; `facts.file` (a fact with
    /// parameters, without arguments): every entry of the fact;
    /// `facts.file(paths)` with a list for the fact's one parameter: the
    /// entry of each element, dropped in a loop.
    fn invalidation(
        &mut self,
        b: &mut FnBuilder,
        op: u32,
        entry: &'a infrac_syntax::ast::Expr,
    ) -> Result<(), LowerError> {
        let (target, args) = match &entry.kind {
            ExprKind::Call { callee, args } => (&**callee, args.as_slice()),
            _ => (entry, &[][..]),
        };
        let Some(Static::Item(ItemRef::Fact(fact))) = self.resolve_static(b.module, target) else {
            return Err(self.error(
                b.module,
                entry.span,
                "`changes` lists facts: `facts.NAME` or `facts.NAME(args)`",
            ));
        };
        let arity = self.program.facts.get(fact as usize).map_or(0, |f| f.arity);
        if args.is_empty() && arity > 0 {
            b.emit(Instr::InvalidateFact(fact), entry.span);
            return Ok(());
        }
        let listed = args.iter().any(|a| self.is_list(b, op, &a.value));
        let argc = self.args(b, SigKey::Fact(fact), args, &[], entry.span)?;
        if !listed {
            b.emit(Instr::Invalidate { fact, argc }, entry.span);
            return Ok(());
        }
        if argc != 1 {
            return Err(self.error(
                b.module,
                entry.span,
                "a list of entries in `changes` is for facts of one parameter",
            ));
        }
        b.push_scope();
        let iteration = b.begin_iteration(false, entry.span);
        b.emit(Instr::Invalidate { fact, argc }, entry.span);
        b.end_iteration(iteration, entry.span);
        b.pop_scope();
        Ok(())
    }

    /// Whether `e`, an argument of a `changes` entry of op `op`, is a list
    /// (a fact's parameters never are). The checker accepts a list there
    /// only in these forms: a list literal, a parameter, or a call of a
    /// function, each declared as a list.
    fn is_list(&self, b: &FnBuilder, op: u32, e: &Expr) -> bool {
        let declared = match &e.kind {
            ExprKind::List(_) => return true,
            // The op's parameters are its first locals, in order.
            ExprKind::Name(id) => match self.def(b.module, id.span) {
                Some(Def::Param { index, .. }) => self
                    .sigs
                    .get(&SigKey::Op(op))
                    .and_then(|sig| sig.params.get(*index as usize))
                    .map(|p| &p.ty),
                _ => match self.resolve_static(b.module, e) {
                    Some(Static::Item(ItemRef::Param(p))) => {
                        self.program.params.get(p as usize).map(|d| &d.ty)
                    }
                    _ => None,
                },
            },
            ExprKind::Call { callee, .. } => {
                let key = match self.resolve_static(b.module, callee) {
                    Some(Static::Item(ItemRef::Fn(f))) => SigKey::Fn(f),
                    Some(Static::Item(ItemRef::Native(n))) => SigKey::Native(n),
                    _ => return false,
                };
                self.sigs.get(&key).and_then(|sig| sig.ret.as_ref())
            }
            _ => None,
        };
        matches!(declared, Some(TypeDesc::List(_)))
    }
}

/// A stage option computed at run time: its name and expression.
type Computed<'a> = (&'static str, &'a Expr);

/// The stage options, in the order of the record of `options_function`.
/// The options that may be computed from params (`tags` may not).
const OPTIONS: [&str; 4] = ["serial", "max_failures", "parallel", "sudo"];

/// The text of a string literal without interpolations.
fn literal_text(e: &infrac_syntax::ast::Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Str(parts) => match parts.as_slice() {
            [StrPart::Text(t, _)] => Some(t.clone()),
            [] => Some(String::new()),
            _ => None,
        },
        _ => None,
    }
}
