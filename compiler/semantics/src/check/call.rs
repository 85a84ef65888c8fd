//! Calls: ops, fns, facts, built-in functions, methods, and their
//! arguments; effect rules (where `run`, `probe`, ops and facts may be used).

use std::collections::HashMap;

use infrac_syntax::ast::{Arg, Expr, ExprKind, Ident, Span, UnaryOp};

use infrac_bytecode::builtins::{Allowed, RETRY_ARGS, call_name};

use super::builtins::{self, Builtin};
use super::{Checker, Context, code_list, plural};
use crate::db::SourceFile;
use crate::def::{Def, LocalKind, Site};
use crate::diagnostic::Diag;
use crate::items::{ItemId, ItemTag};
use crate::scope::{
    find_callable, find_fact, find_module, is_pub, module_scope, visible_fact_names,
};
use crate::sigs::{ParamSig, callable_sig, fact_sig, record_fields};
use crate::suggest;
use crate::ty::{Ty, assignable};

/// `notify:`, which every op call takes (§2.8a).
fn is_notify(arg: &Arg) -> bool {
    arg.name.as_ref().is_some_and(|n| n.name == "notify")
}

/// What a call takes besides its callee's parameters, named only: an op
/// call's `sudo:` and `sudo_user:`, and the retry arguments of op calls
/// and `probe` (`result`: what their `until:` sees).
#[derive(Default)]
struct Extras {
    params: Vec<ParamSig>,
    result: Option<Ty>,
}

impl Extras {
    /// Adds the retry arguments of a call that gives `result`.
    fn retried(&mut self, result: &Ty) {
        self.params.extend(builtins::retry_params());
        self.result = Some(result.clone());
    }
}

impl Checker<'_> {
    pub(super) fn call(&mut self, span: Span, callee: &Expr, args: &[Arg]) -> Ty {
        match &callee.kind {
            ExprKind::Name(name) if self.find_local(&name.name).is_none() => {
                self.call_name(span, name, args)
            }
            ExprKind::Field {
                base,
                name,
                optional,
            } => {
                if let ExprKind::Name(module) = &base.kind
                    && !*optional
                    && self.find_local(&module.name).is_none()
                {
                    if module.name == "facts" && find_module(self.db, self.file, "facts").is_none()
                    {
                        self.resolved(module.span, Site::Value, Some(Def::Builtin(&"facts")));
                        return self.fact_read(name, Some(args), span);
                    }
                    if let Some(target) = find_module(self.db, self.file, &module.name) {
                        self.resolved(module.span, Site::Value, target.map(Def::Module));
                        return self.call_module(span, module, target, name, args);
                    }
                }
                let recv = self.expr(base, None);
                self.method_call(span, &recv, name, *optional, args, base.span)
            }
            _ => {
                let ty = self.expr(callee, None);
                self.unchecked_args(args);
                if !ty.is_silent() {
                    self.error(Diag::error(
                        "E0212",
                        callee.span,
                        format!("a value of type `{ty}` cannot be called"),
                    ));
                }
                Ty::Unknown
            }
        }
    }

    fn call_name(&mut self, span: Span, name: &Ident, args: &[Arg]) -> Ty {
        if let Some(id) = find_callable(self.db, self.file, &name.name) {
            self.resolved(name.span, Site::Value, Some(Def::Item(id)));
            return self.call_item(span, name, id, args);
        }
        if let Some(builtin) = Builtin::lookup(&name.name) {
            self.resolved(
                name.span,
                Site::Value,
                Some(Def::Builtin(builtin.name_ref())),
            );
            return self.call_builtin(span, name, builtin, args);
        }
        self.resolved(name.span, Site::Value, None);
        self.unchecked_args(args);
        let scope = module_scope(self.db, self.file);
        let mut candidates: Vec<&str> = builtins::names().collect();
        candidates.extend(
            scope
                .values
                .iter()
                .filter(|(_, id)| matches!(id.tag(self.db), ItemTag::Op | ItemTag::Fn))
                .map(|(n, _)| n.as_str()),
        );
        self.error(
            Diag::error(
                "E0101",
                name.span,
                format!("unknown function `{}`", name.name),
            )
            .with_label("not found in this scope")
            .with_help_opt(suggest::did_you_mean(&name.name, candidates)),
        );
        Ty::Unknown
    }

    /// `module.item(args)`.
    fn call_module(
        &mut self,
        span: Span,
        module: &Ident,
        target: Option<crate::db::SourceFile>,
        name: &Ident,
        args: &[Arg],
    ) -> Ty {
        let Some(target) = target else {
            self.unchecked_args(args);
            return Ty::Unknown;
        };
        let scope = module_scope(self.db, target);
        let found = scope
            .values
            .get(&name.name)
            .copied()
            .filter(|id| matches!(id.tag(self.db), ItemTag::Op | ItemTag::Fn));
        let member = self.member_def(target, &name.name);
        self.resolved(name.span, Site::Member(target), member);
        match found {
            Some(id) if is_pub(self.db, id) => self.call_item(span, name, id, args),
            Some(id) => {
                self.unchecked_args(args);
                self.error(
                    Diag::error(
                        "E0108",
                        name.span,
                        format!(
                            "{} `{}` is private to module `{}`",
                            id.tag(self.db).describe(),
                            name.name,
                            module.name
                        ),
                    )
                    .with_help("mark it `pub` in its module"),
                );
                Ty::Unknown
            }
            None => {
                self.unchecked_args(args);
                let candidates = scope
                    .values
                    .iter()
                    .filter(|(_, id)| {
                        matches!(id.tag(self.db), ItemTag::Op | ItemTag::Fn)
                            && is_pub(self.db, **id)
                    })
                    .map(|(n, _)| n.as_str());
                let help = suggest::did_you_mean(&name.name, candidates);
                self.error(
                    Diag::error(
                        "E0109",
                        name.span,
                        format!("module `{}` has no op or fn `{}`", module.name, name.name),
                    )
                    .with_help_opt(help),
                );
                Ty::Unknown
            }
        }
    }

    /// A call of a declared `op` or `fn`.
    fn call_item(&mut self, span: Span, name: &Ident, id: ItemId, args: &[Arg]) -> Ty {
        let Some(sig) = callable_sig(self.db, id).cloned() else {
            self.unchecked_args(args);
            return Ty::Unknown;
        };
        let mut extras = Extras::default();
        if sig.is_op {
            match self.context {
                Context::Op | Context::Fn | Context::Stage(_) => {}
                Context::Fact => self.error(
                    Diag::error(
                        "E0402",
                        name.span,
                        format!("op `{}` cannot be called from a fact", name.name),
                    )
                    .with_note("facts only read host state: they may call `probe` and other facts"),
                ),
                other => self.error(
                    Diag::error(
                        "E0402",
                        name.span,
                        format!(
                            "op `{}` cannot be called in {}",
                            name.name,
                            other.describe()
                        ),
                    )
                    .with_note("ops may be called in stages, ops and fns"),
                ),
            }
            extras.params = builtins::op_sudo_params();
            extras.retried(&sig.ret);
        }
        // `notify:` names handlers, not a value: checked apart.
        let rest: Vec<Arg>;
        let args = match args.iter().any(is_notify) {
            true if sig.is_op => {
                for arg in args.iter().filter(|a| is_notify(a)) {
                    if let Some(n) = &arg.name {
                        self.resolved(n.span, Site::NamedArg, None);
                    }
                    self.handlers(&arg.value);
                }
                rest = args.iter().filter(|a| !is_notify(a)).cloned().collect();
                &rest
            }
            _ => args,
        };
        let given = self.check_args(span, &name.name, &sig.params, &extras, args);
        self.controller_files(self.std_name(id).as_deref(), &given);
        self.named_args(args, Some(Def::Item(id)), &sig.params, &extras);
        if sig.is_op {
            self.check_retry(args, &sig.params, false);
        }
        sig.ret
    }

    /// The value of `notify:`: a handler (an op that can be called without
    /// arguments: `restart_nginx`, `systemd.daemon_reload`) or a list of
    /// them.
    fn handlers(&mut self, value: &Expr) {
        let found = match &value.kind {
            ExprKind::List(items) => {
                items.iter().for_each(|item| self.handlers(item));
                return;
            }
            ExprKind::Name(name) if self.find_local(&name.name).is_none() => {
                let id = find_callable(self.db, self.file, &name.name);
                self.resolved(name.span, Site::Handler, id.map(Def::Item));
                id.map(|id| (id, name))
            }
            ExprKind::Field {
                base,
                name,
                optional: false,
            } => match &base.kind {
                ExprKind::Name(module) if self.find_local(&module.name).is_none() => {
                    match find_module(self.db, self.file, &module.name) {
                        Some(Some(target)) => {
                            self.resolved(module.span, Site::Value, Some(Def::Module(target)));
                            let id = module_scope(self.db, target)
                                .values
                                .get(&name.name)
                                .copied()
                                .filter(|id| is_pub(self.db, *id));
                            self.resolved(name.span, Site::Member(target), id.map(Def::Item));
                            id.map(|id| (id, name))
                        }
                        Some(None) => return,
                        None => None,
                    }
                }
                _ => None,
            },
            _ => None,
        };
        let help = "a handler is an op that runs without arguments: declare `op restart_app() { ... }` and write `notify: restart_app` (or a list: `notify: [a, b]`)";
        let diag = match found {
            Some((id, _))
                if callable_sig(self.db, id)
                    .is_some_and(|sig| sig.is_op && sig.params.iter().all(|p| p.has_default)) =>
            {
                return;
            }
            Some((_, name)) => Diag::error(
                "E0112",
                name.span,
                format!(
                    "`{}` cannot be a handler: it is not an op that runs without arguments",
                    name.name
                ),
            ),
            None => match &value.kind {
                ExprKind::Name(name) | ExprKind::Field { name, .. } => Diag::error(
                    "E0112",
                    name.span,
                    format!("unknown handler `{}`", name.name),
                )
                .with_label("no op of this name"),
                _ => Diag::error(
                    "E0112",
                    value.span,
                    "`notify:` takes a handler or a list of handlers",
                ),
            },
        };
        self.error(diag.with_help(help));
    }

    fn call_builtin(&mut self, span: Span, name: &Ident, builtin: Builtin, args: &[Arg]) -> Ty {
        self.builtin_effects(name, builtin);
        let group_data = self.group_data.clone().flatten();
        if builtin.is_host_constructor()
            && !builtin.is(infrac_bytecode::Builtin::Inventory)
            && group_data.is_none()
            && let Some(data) = args
                .iter()
                .find_map(|a| a.name.as_ref().filter(|n| n.name == "data"))
        {
            self.error(
                Diag::error(
                    "E0306",
                    data.span,
                    "this group has no data type, so its hosts carry no data",
                )
                .with_help("declare the group's data type: `group NAME: Type = [...]`"),
            );
        }
        let data_required = group_data.as_ref().is_some_and(|t| self.needs_value(t));
        let params = builtin.params(self.db, group_data.as_ref(), data_required);
        let ret = builtin.ret(self.db, group_data.as_ref());
        let mut extras = Extras::default();
        let probe = builtin.is(infrac_bytecode::Builtin::Probe);
        if probe {
            extras.retried(&ret);
        }
        self.named_args(
            args,
            Some(Def::Builtin(builtin.name_ref())),
            &params,
            &extras,
        );
        if builtin.is(infrac_bytecode::Builtin::Len) {
            self.check_args(span, &name.name, &params, &extras, args);
            if let Some(arg) = args.first() {
                let ty = self.expr_type_silently(&arg.value);
                if !matches!(ty, Ty::Str | Ty::List(_) | Ty::Map(_)) && !ty.is_silent() {
                    self.error(Diag::error(
                        "E0201",
                        arg.value.span,
                        format!("`len` takes a str, a list or a map, found `{ty}`"),
                    ));
                }
            }
            return Ty::Int;
        }
        let args: Vec<Arg> = if builtin.is_host_constructor() && group_data.is_none() {
            // `data:` without a data type was reported above.
            args.iter()
                .filter(|a| a.name.as_ref().is_none_or(|n| n.name != "data"))
                .cloned()
                .collect()
        } else {
            args.to_vec()
        };
        let given = self.check_args(span, &name.name, &params, &extras, &args);
        self.controller_files(Some(&name.name), &given);
        if probe {
            self.check_retry(&args, &params, true);
        }
        ret
    }

    /// The retry arguments of an op call or a probe (those that are not
    /// parameters of the callee): counts written literally must not be
    /// negative, and each must have an effect.
    fn check_retry(&mut self, args: &[Arg], params: &[ParamSig], probe: bool) {
        let given = |name: &str| {
            args.iter().find_map(|a| {
                a.name
                    .as_ref()
                    .filter(|n| n.name == name && !params.iter().any(|p| p.name == name))
                    .map(|n| (n.span, &a.value))
            })
        };
        let (retries, delay, until) = (given("retries"), given("delay"), given("until"));
        for (name, value) in [("retries", retries), ("delay", delay)] {
            let Some((_, value)) = value else { continue };
            let negative = match &value.kind {
                ExprKind::Int(n) => *n < 0,
                ExprKind::Unary {
                    op: UnaryOp::Neg,
                    operand,
                } => matches!(operand.kind, ExprKind::Int(n) if n > 0),
                _ => false,
            };
            if negative {
                self.error(
                    Diag::error(
                        "E0225",
                        value.span,
                        format!("`{name}:` must not be negative"),
                    )
                    .with_help(if name == "retries" {
                        "`retries: 0` (the default) tries once"
                    } else {
                        "`delay: 0` tries again at once"
                    }),
                );
            }
        }
        let idle = match (retries, delay, until) {
            (None, _, Some((span, _))) => Some((
                span,
                "`until:` without `retries:` is never tried again",
                "say how many more attempts it may take: `retries: 5`",
            )),
            (None, Some((span, _)), None) => Some((
                span,
                "`delay:` without `retries:` has nothing to wait between",
                "say how many more attempts it may take: `retries: 5`",
            )),
            (Some((span, _)), _, None) if probe => Some((
                span,
                "a probe never fails, so `retries:` alone never tries it again",
                "say when it is done: `until: result.code == 0`",
            )),
            _ => None,
        };
        if let Some((span, message, help)) = idle {
            self.error(Diag::error("E0226", span, message).with_help(help));
        }
    }

    /// Whether a value of a host data type must be given (a record with a
    /// field without default, or any non-record type).
    fn needs_value(&self, ty: &Ty) -> bool {
        match ty {
            Ty::Record(r) => {
                record_fields(self.db, r).is_none_or(|f| f.iter().any(|d| !d.has_default))
            }
            Ty::Optional(_) | Ty::Unknown => false,
            _ => true,
        }
    }

    /// The type of an expression already checked (re-typed without
    /// reporting twice).
    fn expr_type_silently(&mut self, e: &Expr) -> Ty {
        let saved = (self.diags.len(), self.names.len());
        let ty = self.expr(e, None);
        self.diags.truncate(saved.0);
        self.names.truncate(saved.1);
        ty
    }

    /// Where the table allows a call of `builtin` (§2.7, §6).
    fn builtin_effects(&mut self, name: &Ident, builtin: Builtin) {
        let context = self.context;
        let body = matches!(
            context,
            Context::Op | Context::Fact | Context::Fn | Context::Stage(_)
        );
        let diag = match builtin.allowed() {
            Allowed::Ops if context != Context::Op => Some(
                Diag::error("E0401", name.span, format!("`{}` is only allowed in an op, not in {}", name.name, context.describe()))
                    .with_note("changing commands belong in ops, so that every change is declared and reported")
                    .with_help("use `probe(...)` for a read-only command, or move this into an op"),
            ),
            Allowed::Bodies if !body => Some(Diag::error(
                "E0403",
                name.span,
                format!("`{}` cannot be used in {}", name.name, context.describe()),
            )),
            Allowed::Commands => Some(
                Diag::error("E0404", name.span, "`raw(...)` is only allowed as a whole interpolation in `sh\"...\"`")
                    .with_help("write `sh\"... {raw(text)} ...\"`"),
            ),
            Allowed::Stages if !matches!(context, Context::Stage(_)) => Some(
                Diag::error("E0406", name.span, format!("`{}()` is only allowed in a stage body, not in {}", name.name, context.describe()))
                    .with_note("handlers run where the stage body says so, or at its end"),
            ),
            Allowed::Sources if !matches!(context, Context::Param | Context::Group) => Some(
                Diag::error("E0405", name.span, format!("`{}(...)` reads a secret on the controller: only in a param's default or a group's host list", name.name))
                    .with_note("secrets are read before any host is touched, so that every output can redact them")
                    .with_help("declare `param NAME: secret = ...(...)` and use the param here"),
            ),
            Allowed::Groups if context != Context::Group => Some(
                Diag::error("E0309", name.span, format!("`{}(...)` makes a host: it is only allowed in a group", name.name)),
            ),
            _ => None,
        };
        if let Some(diag) = diag {
            self.error(diag);
        }
    }

    /// `facts.NAME` naming a fact (not reading it): reports it when no
    /// such fact is visible.
    pub(super) fn fact_exists(&mut self, facts: &Ident, name: &Ident) {
        self.resolved(facts.span, Site::Value, Some(Def::Builtin(&"facts")));
        let found = find_fact(self.db, self.file, &name.name);
        self.resolved(name.span, Site::Fact, found.map(Def::Item));
        if found.is_none() {
            self.unknown_fact(name);
        }
    }

    fn unknown_fact(&mut self, name: &Ident) {
        let names = visible_fact_names(self.db, self.file);
        let help = suggest::did_you_mean(&name.name, names.iter().map(String::as_str));
        self.error(
            Diag::error("E0103", name.span, format!("unknown fact `{}`", name.name))
                .with_label("no such fact")
                .with_help_opt(help),
        );
    }

    /// `facts.NAME` (`args: None`) or `facts.NAME(args)`.
    pub(super) fn fact_read(&mut self, name: &Ident, args: Option<&[Arg]>, span: Span) -> Ty {
        let changes_entry = std::mem::take(&mut self.changes_entry);
        if !matches!(
            self.context,
            Context::Op | Context::Fact | Context::Fn | Context::Stage(_)
        ) {
            self.error(Diag::error(
                "E0403",
                name.span,
                format!("facts cannot be read in {}", self.context.describe()),
            ));
        }
        let found = find_fact(self.db, self.file, &name.name);
        self.resolved(name.span, Site::Fact, found.map(Def::Item));
        let Some(id) = found else {
            if let Some(args) = args {
                self.unchecked_args(args);
            }
            self.unknown_fact(name);
            return Ty::Unknown;
        };
        let Some(sig) = fact_sig(self.db, id).cloned() else {
            return Ty::Unknown;
        };
        if let (Some(params), Some(args)) = (&sig.params, args) {
            self.named_args(args, Some(Def::Item(id)), params, &Extras::default());
        }
        match (&sig.params, args) {
            (None, Some(args)) => {
                self.unchecked_args(args);
                self.error(
                    Diag::error(
                        "E0213",
                        span,
                        format!("fact `{}` takes no arguments", name.name),
                    )
                    .with_help(format!("write `facts.{}`", name.name)),
                );
            }
            (Some(params), None) => {
                let list = params
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                self.error(
                    Diag::error(
                        "E0213",
                        span,
                        format!("fact `{}` needs arguments", name.name),
                    )
                    .with_help(format!("write `facts.{}({list})`", name.name)),
                );
            }
            (Some(params), Some(args)) if changes_entry => {
                let params = self.entry_params(params, args);
                self.check_args(span, &name.name, &params, &Extras::default(), args);
            }
            (Some(params), Some(args)) => {
                self.check_args(span, &name.name, params, &Extras::default(), args);
            }
            (None, None) => {}
        }
        sig.ret
    }

    /// The parameters an entry of a `changes` clause is checked against:
    /// the fact's, except that an argument of type `list<T>` for a
    /// parameter of type `T` stands for one entry per element. That list
    /// form is for facts of one parameter, and written as a list literal,
    /// a name or a fn call (the lowering tells a list from a single value
    /// by their declarations).
    fn entry_params(&mut self, params: &[ParamSig], args: &[Arg]) -> Vec<ParamSig> {
        let mut out = params.to_vec();
        let mut positional = 0;
        for arg in args {
            let index = match &arg.name {
                Some(name) => params.iter().position(|p| p.name == name.name),
                None => {
                    positional += 1;
                    Some(positional - 1)
                }
            };
            let Some(param) = index.and_then(|i| out.get_mut(i)) else {
                continue;
            };
            let found = self.expr_type_silently(&arg.value);
            let is_entry_list = matches!(&found, Ty::List(elem)
                if assignable(elem, &param.ty) && !assignable(&found, &param.ty));
            if !is_entry_list {
                continue;
            }
            param.ty = Ty::list(param.ty.clone());
            let wrong = if params.len() != 1 {
                Some((
                    "a list of entries in `changes` is for facts of one parameter",
                    "name each entry: `facts.NAME(a, b), facts.NAME(c, b)`",
                ))
            } else if !self.declared_list_form(&arg.value) {
                Some((
                    "a list of entries in `changes` is a list literal, a name or a fn call",
                    "compute the list in a `fn` and call it here",
                ))
            } else {
                None
            };
            if let Some((message, help)) = wrong {
                self.error(Diag::error("E0201", arg.value.span, message).with_help(help));
            }
        }
        out
    }

    /// A list literal, a name, or a call of a declared fn (or op).
    fn declared_list_form(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::List(_) | ExprKind::Name(_) => true,
            ExprKind::Call { callee, .. } => match &callee.kind {
                ExprKind::Name(name) => {
                    self.find_local(&name.name).is_none()
                        && find_callable(self.db, self.file, &name.name).is_some()
                }
                ExprKind::Field {
                    base,
                    optional: false,
                    ..
                } => matches!(&base.kind, ExprKind::Name(module)
                    if self.find_local(&module.name).is_none()
                        && matches!(find_module(self.db, self.file, &module.name), Some(Some(_)))),
                _ => false,
            },
            _ => false,
        }
    }

    fn method_call(
        &mut self,
        span: Span,
        recv: &Ty,
        name: &Ident,
        optional: bool,
        args: &[Arg],
        base_span: Span,
    ) -> Ty {
        let (target, wrap) = match recv {
            Ty::Optional(inner) if optional => ((**inner).clone(), true),
            Ty::Optional(inner) if **inner != Ty::Never => {
                self.unchecked_args(args);
                self.error(
                    Diag::error(
                        "E0216",
                        base_span,
                        format!("this value may be `none` (its type is `{recv}`)"),
                    )
                    .with_help(format!(
                        "use `?.{}(...)`, or check it with `if x != none` first",
                        name.name
                    )),
                );
                return Ty::Unknown;
            }
            other => (other.clone(), false),
        };
        if target.is_silent() || matches!(target, Ty::Optional(_)) {
            self.field_name(name.span, &target, None);
            self.unchecked_args(args);
            return Ty::Unknown;
        }
        let method = builtins::method_spec(&target, &name.name).map(Def::Method);
        self.field_name(name.span, &target, method);
        let Some((params, ret)) = builtins::method(self.db, &target, &name.name) else {
            self.unchecked_args(args);
            let help = suggest::did_you_mean(&name.name, builtins::method_names(&target));
            self.error(
                Diag::error(
                    "E0214",
                    name.span,
                    format!("`{target}` has no method `{}`", name.name),
                )
                .with_label("unknown method")
                .with_help_opt(help),
            );
            return Ty::Unknown;
        };
        self.check_args(span, &name.name, &params, &Extras::default(), args);
        self.named_args(args, method, &params, &Extras::default());
        if let (Ty::List(elem), "sort_by", [arg]) = (&target, name.name.as_str(), args) {
            self.sort_key(elem, &arg.value);
        }
        if wrap { Ty::optional(ret) } else { ret }
    }

    /// `records.sort_by("field")` with a literal name: the records have
    /// that field, and it can be ordered.
    fn sort_key(&mut self, elem: &Ty, field: &Expr) {
        let ExprKind::Str(parts) = &field.kind else {
            return;
        };
        let [infrac_syntax::ast::StrPart::Text(text, _)] = parts.as_slice() else {
            return;
        };
        let name = Ident {
            name: text.clone(),
            span: field.span,
        };
        let ty = self.field_of(elem, &name, false, field.span);
        if !(ty.is_numeric() || ty == Ty::Str || ty.is_silent()) {
            self.error(Diag::error(
                "E0201",
                field.span,
                format!(
                    "`sort_by` orders by an int, float or str field; `{}` is `{ty}`",
                    name.name
                ),
            ));
        }
    }

    /// Records the named arguments of a call of `callee`, whose declared
    /// parameters are `params`; the other names `extras` takes are the
    /// built-in names of `CALL_NAMES`.
    fn named_args(
        &mut self,
        args: &[Arg],
        callee: Option<Def>,
        params: &[ParamSig],
        extras: &Extras,
    ) {
        for name in args.iter().filter_map(|a| a.name.as_ref()) {
            let index = params.iter().position(|p| p.name == name.name);
            let extra = || {
                extras
                    .params
                    .iter()
                    .any(|p| p.name == name.name)
                    .then(|| call_name(&name.name).map(|(n, ..)| Def::Builtin(n)))
                    .flatten()
            };
            let def = match (callee, index) {
                (Some(Def::Item(owner)), Some(index)) => Some(Def::Param {
                    owner,
                    index: index as u32,
                }),
                (_, None) => extra(),
                _ => None,
            };
            self.resolved(name.span, Site::NamedArg, def);
        }
    }

    /// `NAME` of `module.NAME`: the module's item of that name (a value,
    /// a type or a fact), public or not.
    pub(super) fn member_def(&self, module: SourceFile, name: &str) -> Option<Def> {
        let scope = module_scope(self.db, module);
        let id = scope
            .values
            .get(name)
            .or_else(|| scope.types.get(name))
            .or_else(|| scope.facts.get(name))?;
        Some(Def::Item(*id))
    }

    /// Types the arguments of a call that could not be resolved.
    fn unchecked_args(&mut self, args: &[Arg]) {
        for arg in args {
            self.expr(&arg.value, None);
        }
    }

    /// Matches arguments to parameters: positional first, then named;
    /// `extras` are named-only (an op's `sudo:`, `sudo_user:`, the retry
    /// arguments, `until:` seeing the call's result as `result`). Returns
    /// the arguments matched to a parameter.
    fn check_args<'e>(
        &mut self,
        span: Span,
        callee: &str,
        params: &[ParamSig],
        extras: &Extras,
        args: &'e [Arg],
    ) -> Vec<Given<'e>> {
        let mut matched = Vec::new();
        let all: Vec<&ParamSig> = params
            .iter()
            .chain(
                extras
                    .params
                    .iter()
                    .filter(|e| !params.iter().any(|p| p.name == e.name)),
            )
            .collect();
        let mut given: HashMap<usize, Span> = HashMap::new();
        let mut positional = 0;
        let mut named_seen = false;
        let mut misplaced = false;
        for arg in args {
            let index = match &arg.name {
                None if named_seen => {
                    misplaced = true;
                    self.error(
                        Diag::error(
                            "E0209",
                            arg.value.span,
                            "positional argument after a named argument",
                        )
                        .with_help("put positional arguments first"),
                    );
                    None
                }
                None => {
                    positional += 1;
                    if positional > params.len() {
                        self.error(Diag::error(
                            "E0202",
                            arg.value.span,
                            format!(
                                "`{callee}` takes {} positional argument{}",
                                params.len(),
                                if params.len() == 1 { "" } else { "s" }
                            ),
                        ));
                        None
                    } else {
                        Some(positional - 1)
                    }
                }
                Some(name) => {
                    named_seen = true;
                    let found = all.iter().position(|p| p.name == name.name);
                    if found.is_none() && RETRY_ARGS.contains(&name.name.as_str()) {
                        self.error(
                            Diag::error(
                                "E0227",
                                name.span,
                                format!("`{callee}` cannot be retried: `{}:` is for op calls and `probe`", name.name),
                            )
                            .with_note("retry the op call that runs it; a fn or a fact, through the op calls and probes in it"),
                        );
                    } else if found.is_none() {
                        let help =
                            suggest::did_you_mean(&name.name, all.iter().map(|p| p.name.as_str()));
                        self.error(
                            Diag::error(
                                "E0203",
                                name.span,
                                format!("`{callee}` has no parameter `{}`", name.name),
                            )
                            .with_label("unknown argument")
                            .with_help_opt(help),
                        );
                    }
                    found
                }
            };
            let Some(index) = index else {
                self.expr(&arg.value, None);
                continue;
            };
            let arg_span = arg
                .name
                .as_ref()
                .map_or(arg.value.span, |n| n.span.to(arg.value.span));
            if let Some(first) = given.insert(index, arg_span) {
                self.error(
                    Diag::error(
                        "E0208",
                        arg_span,
                        format!("the argument `{}` is given twice", all[index].name),
                    )
                    .with_secondary(first, "first given here"),
                );
            }
            let ty = all[index].ty.clone();
            let ty = match (&extras.result, &arg.name) {
                (Some(result), Some(name)) if index >= params.len() && name.name == "until" => {
                    // `until:` sees the call's result as `result`.
                    self.push_scope();
                    let binding = Ident {
                        name: "result".into(),
                        span: name.span,
                    };
                    self.declare(&binding, result.clone(), LocalKind::Result);
                    let ty = self.expr(&arg.value, Some(&ty));
                    self.pop_scope();
                    ty
                }
                _ => self.expr(&arg.value, Some(&ty)),
            };
            matched.push(Given {
                param: all[index].name.clone(),
                value: &arg.value,
                ty,
            });
        }
        let missing: Vec<&str> = all
            .iter()
            .enumerate()
            .filter(|(i, p)| !p.has_default && !given.contains_key(i))
            .map(|(_, p)| p.name.as_str())
            .collect();
        // After a misplaced positional argument, which parameter it meant is
        // unclear: do not guess what is missing.
        if !missing.is_empty() && !misplaced {
            let list = code_list(&missing);
            self.error(
                Diag::error(
                    "E0207",
                    span,
                    format!(
                        "missing argument{} {list} in the call of `{callee}`",
                        plural(missing.len())
                    ),
                )
                .with_label(format!("needs {list}")),
            );
        }
        matched
    }
}

/// An argument of a call and the parameter it was matched to.
pub(super) struct Given<'e> {
    pub param: String,
    pub value: &'e Expr,
    /// The argument's type.
    pub ty: Ty,
}
