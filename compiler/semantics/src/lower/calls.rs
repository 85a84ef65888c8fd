//! Calls: functions, natives, ops, facts, built-ins and methods. Arguments
//! are evaluated in source order, then put in parameter order, missing ones
//! filled with the callee's defaults.

use infrac_bytecode::builtins::RETRY_ARGS;
use infrac_bytecode::{Builtin, Instr, ParamDefault, TypeDesc};
use infrac_syntax::ast::{Arg, Expr, ExprKind, Span};

use crate::lower::LowerError;
use crate::lower::builder::FnBuilder;
use crate::lower::exprs::Static;
use crate::lower::items::{ItemRef, Lowerer, Sig, SigKey, SigParam};
use crate::lower::order::Given;
use crate::lower::prefetch::Callee;

type R = Result<(), LowerError>;

/// The named arguments every op accepts (§2.8), passed to the op.
pub(crate) const OP_EXTRAS: [&str; 2] = ["sudo", "sudo_user"];

/// The named arguments every op call accepts that are not passed to the
/// op: they are lowered around the call.
const OP_CALL_OPTIONS: [&str; 1] = ["notify"];

/// Those of a retried op call: then `retries` and `delay` (`until` is
/// lowered after the call).
const RETRIED_OP_EXTRAS: [&str; 4] = ["sudo", "sudo_user", "retries", "delay"];

/// Those of a retried probe.
const RETRIED_EXTRAS: [&str; 2] = ["retries", "delay"];

impl<'a> Lowerer<'a> {
    pub(crate) fn call(
        &mut self,
        b: &mut FnBuilder,
        callee: &'a Expr,
        args: &'a [Arg],
        span: Span,
    ) -> R {
        match self.resolve_static(b.module, callee) {
            Some(Static::Item(ItemRef::Fn(func))) => {
                let argc = self.args(b, SigKey::Fn(func), args, &[], span)?;
                b.emit(Instr::Call { func, argc }, span);
            }
            Some(Static::Item(ItemRef::Native(native))) => {
                let argc = self.args(b, SigKey::Native(native), args, &[], span)?;
                b.emit(Instr::CallNative { native, argc }, span);
            }
            Some(Static::Item(ItemRef::Op(op))) => {
                // The parameters, then `sudo` and `sudo_user` (`none` when
                // not given), then `retries` and `delay` when retried.
                let retry = self.retry(SigKey::Op(op), args);
                let extras: &[&str] = match retry {
                    Some(_) => &RETRIED_OP_EXTRAS,
                    None => &OP_EXTRAS,
                };
                let argc = self.args(b, SigKey::Op(op), args, extras, span)?;
                self.prefetch_call(b, Callee::Op(op), args);
                let call = Instr::CallOp { op, argc };
                match retry {
                    Some(until) => self.retried(b, call, argc + 2, until, span)?,
                    None => {
                        b.emit(call, span);
                    }
                }
                for a in args
                    .iter()
                    .filter(|a| a.name.as_ref().is_some_and(|n| n.name == "notify"))
                {
                    self.notify(b, &a.value, span)?;
                }
            }
            Some(Static::Item(ItemRef::Fact(fact))) => self.read_fact(b, fact, args, span)?,
            Some(Static::Builtin(builtin)) => self.builtin_call(b, builtin, args, span)?,
            Some(Static::FlushHandlers) => {
                let func = self.handlers_function();
                b.emit(Instr::Call { func, argc: 0 }, span);
            }
            Some(Static::Raw) => {
                return Err(self.error(
                    b.module,
                    span,
                    "`raw(...)` is only allowed inside sh\"...\"",
                ));
            }
            _ => match &callee.kind {
                ExprKind::Field {
                    base,
                    name,
                    optional,
                } => {
                    self.expr(b, base, None)?;
                    // `x?.m()` is `none` when `x` is.
                    let skip = optional.then(|| {
                        b.emit(Instr::Dup, span);
                        b.emit(Instr::IsNone, span);
                        b.emit(Instr::JumpIfTrue(0), span)
                    });
                    for a in args {
                        self.expr(b, &a.value, None)?;
                    }
                    let k = b.str_const(&name.name);
                    b.emit(
                        Instr::CallMethod {
                            name: k,
                            argc: args.len() as u32,
                        },
                        span,
                    );
                    if let Some(at) = skip {
                        let end = b.here();
                        b.patch(at, end);
                    }
                }
                _ => return Err(self.error(b.module, callee.span, "this cannot be called")),
            },
        }
        Ok(())
    }

    /// Reads fact `fact`; in a stage body, what it reads with arguments
    /// known now joins the stage's prefetch list.
    pub(crate) fn read_fact(
        &mut self,
        b: &mut FnBuilder,
        fact: u32,
        args: &'a [Arg],
        span: Span,
    ) -> R {
        let argc = self.args(b, SigKey::Fact(fact), args, &[], span)?;
        self.prefetch_call(b, Callee::Fact(fact), args);
        b.emit(Instr::ReadFact { fact, argc }, span);
        Ok(())
    }

    fn builtin_call(
        &mut self,
        b: &mut FnBuilder,
        builtin: Builtin,
        args: &'a [Arg],
        span: Span,
    ) -> R {
        let data = b.group_data.clone();
        let params: Vec<SigParam> = builtin
            .params()
            .iter()
            .map(|param| SigParam {
                name: param.name.to_string(),
                ty: if param.name == "data" {
                    data.clone().unwrap_or(TypeDesc::Any)
                } else {
                    TypeDesc::Any
                },
                default: None,
                literal_default: None,
            })
            .collect();
        let defaults = builtin.params();
        let retry = match builtin {
            Builtin::Probe => self.retry_of(&params, args),
            _ => None,
        };
        let extras: &[&str] = if retry.is_some() {
            &RETRIED_EXTRAS
        } else {
            &[]
        };
        let argc = self.arrange(b, &Sig { params, ret: None }, args, extras, span, |b, i| {
            match defaults.get(i).map(|param| param.default) {
                Some(ParamDefault::True) => Some(Instr::PushTrue),
                Some(ParamDefault::False) => Some(Instr::PushFalse),
                Some(ParamDefault::None) => Some(Instr::PushNone),
                Some(ParamDefault::Required) | None => None,
            }
            .map(|instr| {
                b.emit(instr, span);
            })
        })?;
        let call = Instr::CallBuiltin { builtin, argc };
        match retry {
            Some(until) => self.retried(b, call, argc, until, span)?,
            None => {
                b.emit(call, span);
            }
        }
        Ok(())
    }

    /// Whether a call of `key` is retried (a retry argument that is not
    /// one of its parameters): its `until:` argument, if any.
    fn retry(&self, key: SigKey, args: &'a [Arg]) -> Option<Option<&'a Arg>> {
        let params = self.sigs.get(&key).map(|s| s.params.as_slice())?;
        self.retry_of(params, args)
    }

    fn retry_of(&self, params: &[SigParam], args: &'a [Arg]) -> Option<Option<&'a Arg>> {
        let extra = |a: &&'a Arg, names: &[&str]| {
            a.name.as_ref().is_some_and(|n| {
                names.contains(&n.name.as_str()) && !params.iter().any(|p| p.name == n.name)
            })
        };
        args.iter().find(|a| extra(a, &RETRY_ARGS))?;
        Some(args.iter().find(|a| extra(a, &["until"])))
    }

    /// The call `call` retried: its `argc` arguments are on the stack,
    /// `retries` and `delay` above them; `until` is evaluated after each
    /// attempt with the call's result as `result`.
    fn retried(
        &mut self,
        b: &mut FnBuilder,
        call: Instr,
        argc: u32,
        until: Option<&'a Arg>,
        span: Span,
    ) -> R {
        b.emit(Instr::RetryStart { argc }, span);
        b.emit(call, span);
        if let Some(until) = until {
            b.emit(Instr::Dup, span);
            b.push_scope();
            let slot = b.temp();
            b.emit(Instr::StoreLocal(slot), span);
            let outer = b.until_result.replace(slot);
            self.expr(b, &until.value, None)?;
            b.until_result = outer;
            b.pop_scope();
            b.emit(Instr::RetryUnless, until.value.span);
        }
        b.emit(Instr::RetryEnd, span);
        Ok(())
    }

    /// Lowers the arguments of a call to `key` in parameter order; returns
    /// how many were pushed.
    pub(crate) fn args(
        &mut self,
        b: &mut FnBuilder,
        key: SigKey,
        args: &'a [Arg],
        extras: &[&str],
        span: Span,
    ) -> Result<u32, LowerError> {
        let sig = self.sigs.get(&key).cloned().unwrap_or_default();
        let defaults: Vec<Option<u32>> = sig.params.iter().map(|p| p.default).collect();
        self.arrange(b, &sig, args, extras, span, |b, i| {
            defaults.get(i).copied().flatten().map(|func| {
                b.emit(Instr::Call { func, argc: 0 }, span);
            })
        })
    }

    /// Pushes one value per parameter of `sig`: the argument given for it
    /// (positional first, then by name), else what `default` emits; then
    /// one per name of `extras` (`none` when not given). Returns the number
    /// of parameters.
    fn arrange(
        &mut self,
        b: &mut FnBuilder,
        sig: &Sig,
        args: &'a [Arg],
        extras: &[&str],
        span: Span,
        default: impl Fn(&mut FnBuilder, usize) -> Option<()>,
    ) -> Result<u32, LowerError> {
        let positional: Vec<&'a Arg> = args.iter().filter(|a| a.name.is_none()).collect();
        if positional.len() > sig.params.len() {
            return Err(self.error(b.module, span, "too many arguments"));
        }
        let params = sig.params.len();
        let mut given = Vec::with_capacity(args.len());
        let mut next_positional = 0;
        let options = |a: &Arg| {
            !extras.is_empty()
                && a.name
                    .as_ref()
                    .is_some_and(|n| OP_CALL_OPTIONS.contains(&n.name.as_str()))
        };
        for a in args.iter().filter(|a| !options(a)) {
            let to = match &a.name {
                None => {
                    next_positional += 1;
                    next_positional - 1
                }
                // Lowered after the call (see `retried`).
                Some(n) if n.name == "until" && !sig.params.iter().any(|p| p.name == n.name) => {
                    continue;
                }
                Some(n) => {
                    let param = sig.params.iter().position(|p| p.name == n.name);
                    let extra = || extras.iter().position(|e| *e == n.name).map(|e| params + e);
                    param.or_else(extra).ok_or_else(|| {
                        self.error(b.module, n.span, format!("unknown argument `{}`", n.name))
                    })?
                }
            };
            // A parameter given twice: the first counts (the checker
            // reports the other).
            if given.iter().any(|g: &Given| g.to == to) {
                continue;
            }
            let ty = sig.params.get(to).map(|p| &p.ty);
            given.push(Given {
                to,
                value: &a.value,
                ty,
            });
        }
        self.in_source_order(b, &given, params + extras.len(), |this, b, i| {
            if i >= params {
                b.emit(Instr::PushNone, span);
                return Ok(());
            }
            match default(b, i) {
                Some(()) => Ok(()),
                None => Err(this.error(
                    b.module,
                    span,
                    format!("missing argument `{}`", sig.params[i].name),
                )),
            }
        })?;
        Ok(params as u32)
    }
}
