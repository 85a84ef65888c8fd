//! Typing of expressions.

use std::collections::HashMap;

use infrac_syntax::ast::{
    BinaryOp, Expr, ExprKind, Ident, MapEntry, RecordField, Span, StrPart, UnaryOp,
};

use super::{Checker, Context, code_list, plural};
use crate::def::{Def, Site};
use crate::diagnostic::Diag;
use crate::items::ItemTag;
use crate::scope::{find_callable, find_module, find_type, is_pub, module_scope};
use crate::sigs::{enum_variants, record_fields, signatures};
use crate::suggest;
use crate::ty::{Ty, TypeRef, join};

impl Checker<'_> {
    /// Types `e`; when `expected` is given, also checks that the value fits.
    pub(super) fn expr(&mut self, e: &Expr, expected: Option<&Ty>) -> Ty {
        let ty = self.infer(e, expected);
        self.types.push((e.span, ty.clone()));
        if let Some(expected) = expected {
            // These forms check their branches against `expected` themselves.
            let checked_inside = matches!(
                &e.kind,
                ExprKind::If { else_: Some(_), .. } | ExprKind::Match { .. } | ExprKind::Block(_)
            );
            if !checked_inside {
                self.expect_assignable(&ty, expected, e.span);
            }
            self.secret_literal(e, expected);
        }
        ty
    }

    /// Warns about a secret written in the source (`param pw: secret =
    /// "hunter2"`): it is in the repository and its history. Only where a
    /// `secret` itself is wanted (or a `secret?` of a param or a host): a
    /// `str`-or-`secret` parameter such as `files.file(content:)` takes
    /// text.
    fn secret_literal(&mut self, e: &Expr, expected: &Ty) {
        let wanted = match self.context {
            // A param's `secret?`, a host's `sudo_password:`.
            Context::Param | Context::Group => expected.strip_optional(),
            _ => expected,
        };
        let ExprKind::Str(parts) = &e.kind else {
            return;
        };
        if *wanted != Ty::Secret || parts.is_empty() {
            return;
        }
        self.error(
            Diag::warning("W0103", e.span, "a secret written in the program's source")
                .with_label("anyone who can read the program (and its history) can read this")
                .with_help("read it when the run starts: `secret_env(\"NAME\")`, `secret_file(\"path\")` or `secret_cmd(sh\"pass show NAME\")` in a param's default, or `--set-file`/`--set-env`"),
        );
    }

    fn infer(&mut self, e: &Expr, expected: Option<&Ty>) -> Ty {
        match &e.kind {
            ExprKind::Int(_) => Ty::Int,
            ExprKind::Float(_) => Ty::Float,
            ExprKind::Bool(_) => Ty::Bool,
            ExprKind::None => match expected {
                Some(t @ Ty::Optional(_)) => t.clone(),
                _ => Ty::none(),
            },
            ExprKind::Str(parts) => {
                self.string_parts(parts, false);
                Ty::Str
            }
            ExprKind::Sh(parts) => {
                self.string_parts(parts, true);
                Ty::Cmd
            }
            ExprKind::Name(name) => self.name(name),
            ExprKind::Comprehension(c) => {
                self.push_scope();
                self.loop_vars(&c.first, c.second.as_ref(), &c.iter);
                if let Some(cond) = &c.cond {
                    self.expr(cond, Some(&Ty::Bool));
                }
                let elem_expected = match expected {
                    Some(Ty::List(t)) => Some((**t).clone()),
                    _ => None,
                };
                let elem = self.expr(&c.elem, elem_expected.as_ref());
                self.pop_scope();
                // A wrong element was reported at the element.
                Ty::list(elem_expected.unwrap_or(elem))
            }
            ExprKind::List(items) => self.list(items, expected),
            ExprKind::Record(fields) => self.record(fields, e.span, expected),
            ExprKind::Map(entries) => self.map(entries, expected),
            ExprKind::Field {
                base,
                name,
                optional,
            } => self.field(base, name, *optional),
            ExprKind::Index { base, index } => self.index(base, index),
            ExprKind::Call { callee, args } => self.call(e.span, callee, args),
            ExprKind::Unary { op, operand } => self.unary(*op, operand, e.span),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e.span),
            ExprKind::If { cond, then, else_ } => {
                self.if_expr(cond, then, else_.as_deref(), expected)
            }
            ExprKind::Match { scrutinee, arms } => {
                self.match_expr(scrutinee, arms, e.span, expected)
            }
            ExprKind::Block(block) => self.block(block, expected),
            ExprKind::Fail(message) => {
                self.expr(message, Some(&Ty::Str));
                Ty::Never
            }
            ExprKind::Return(value) => {
                self.return_expr(value.as_deref(), e.span);
                Ty::Never
            }
            ExprKind::Error => Ty::Unknown,
        }
    }

    fn string_parts(&mut self, parts: &[StrPart], command: bool) {
        for part in parts {
            let StrPart::Interp { expr, format, span } = part else {
                continue;
            };
            if let Some(spec) = format
                && infrac_bytecode::Fmt::parse(spec).is_none()
            {
                self.error(
                    Diag::error("E0224", *span, format!("unknown format `{spec}`"))
                        .with_help("formats: `o` (octal), `x` (hex), a zero-padded width like `03` (at most 255), or both: `04o`"),
                );
            }
            if command && let Some((raw, arg)) = raw_argument(expr) {
                // `{raw(x)}` splices a str or another command in as code.
                self.resolved(raw.span, Site::Value, Some(Def::Builtin(&"raw")));
                let ty = self.expr(arg, None);
                if !matches!(ty, Ty::Str | Ty::Cmd) {
                    self.expect_assignable(&ty, &Ty::Str, arg.span);
                }
                continue;
            }
            let ty = self.expr(expr, None);
            if !command && holds_secret(self.db, &ty, &mut Vec::new()) {
                let (what, label) = match ty {
                    Ty::Secret => ("a `secret`".to_string(), "this is a secret"),
                    _ => (
                        format!("a `{ty}` (it may hold a `secret`)"),
                        "this may hold a secret",
                    ),
                };
                self.error(
                    Diag::error("E0220", expr.span, format!("{what} cannot be interpolated in a string"))
                        .with_label(label)
                        .with_help("interpolate it in a command `sh\"...\"` (quoted and redacted), or `reveal(...)` it"),
                );
            }
        }
    }

    fn return_expr(&mut self, value: Option<&Expr>, span: Span) {
        let Some(ret) = self.ret.clone() else {
            self.error(Diag::error(
                "E0221",
                span,
                format!("`return` is not allowed in {}", self.context.describe()),
            ));
            if let Some(value) = value {
                self.expr(value, None);
            }
            return;
        };
        match value {
            Some(value) => {
                self.expr(value, Some(&ret));
            }
            None if ret != Ty::Unit => {
                self.error(Diag::error(
                    "E0201",
                    span,
                    format!("`return` needs a value of type `{ret}`"),
                ));
            }
            None => {}
        }
    }

    /// A name used as a value.
    fn name(&mut self, name: &Ident) -> Ty {
        if let Some(ty) = self.use_local(&name.name, name.span) {
            return ty;
        }
        let (ty, def) = self.global_value(name);
        self.resolved(name.span, Site::Value, def);
        ty
    }

    /// A name used as a value that is not a local: a param, a group, an
    /// earlier stage's value (anything else is reported).
    fn global_value(&mut self, name: &Ident) -> (Ty, Option<Def>) {
        let sigs = signatures(self.db, self.file);
        let item = module_scope(self.db, self.file)
            .values
            .get(&name.name)
            .map(|id| Def::Item(*id));
        if let Some(ty) = sigs.params.get(&name.name) {
            return (ty.clone(), item);
        }
        if let Some(data) = sigs.groups.get(&name.name) {
            let ty = Ty::list(Ty::Host(Box::new(data.clone().unwrap_or(Ty::Unit))));
            return (ty, item);
        }
        if let Some(stage) = sigs.stages.get(&name.name).cloned() {
            return (self.stage_value(name, &stage), item);
        }
        let not_a_value = if let Some(id) = find_type(self.db, self.file, &name.name) {
            Some((
                format!("`{}` is a type, not a value", name.name),
                Some(Def::Item(id)),
            ))
        } else if let Some(module) = find_module(self.db, self.file, &name.name) {
            let message = format!("`{}` is a module, not a value", name.name);
            Some((message, module.map(Def::Module)))
        } else if name.name == "facts" {
            let message = "`facts` is a module, not a value".to_string();
            Some((message, Some(Def::Builtin(&"facts"))))
        } else {
            let def = match find_callable(self.db, self.file, &name.name) {
                Some(id) => Some(Def::Item(id)),
                None => {
                    super::builtins::Builtin::lookup(&name.name).map(|b| Def::Builtin(b.name_ref()))
                }
            };
            def.map(|def| {
                let message = format!(
                    "`{}` is a function: call it with `{}(...)`",
                    name.name, name.name
                );
                (message, Some(def))
            })
        };
        if let Some((message, def)) = not_a_value {
            self.error(Diag::error("E0212", name.span, message));
            return (Ty::Unknown, def);
        }
        let mut candidates: Vec<&str> = self.local_names().collect();
        candidates.extend(sigs.params.keys().map(String::as_str));
        candidates.extend(sigs.groups.keys().map(String::as_str));
        candidates.extend(sigs.stages.keys().map(String::as_str));
        let help = suggest::did_you_mean(&name.name, candidates);
        self.error(
            Diag::error("E0101", name.span, format!("unknown name `{}`", name.name))
                .with_label("not found in this scope")
                .with_help_opt(help),
        );
        (Ty::Unknown, None)
    }

    fn stage_value(&mut self, name: &Ident, stage: &crate::sigs::StageSig) -> Ty {
        let earlier = matches!(self.context, Context::Stage(current) if stage.ordinal < current);
        if !earlier {
            self.error(
                Diag::error(
                    "E0304",
                    name.span,
                    format!("the value of stage `{}` is not available here", name.name),
                )
                .with_note("a stage's value can be read only in the stages written after it"),
            );
            return Ty::Unknown;
        }
        let Some(ret) = &stage.ret else {
            self.error(
                Diag::error(
                    "E0305",
                    name.span,
                    format!("stage `{}` yields no value", name.name),
                )
                .with_help("declare its type: `stage NAME on TARGET -> T { ... }`"),
            );
            return Ty::Unknown;
        };
        if stage.one {
            ret.clone()
        } else {
            Ty::map(ret.clone())
        }
    }

    fn list(&mut self, items: &[Expr], expected: Option<&Ty>) -> Ty {
        if let Some(Ty::List(elem)) = expected.map(Ty::strip_optional) {
            let elem = (**elem).clone();
            for item in items {
                self.expr(item, Some(&elem));
            }
            return Ty::list(elem);
        }
        let mut elem = Ty::Never;
        for item in items {
            let ty = self.expr(item, None);
            match join(&elem, &ty) {
                Some(joined) => elem = joined,
                None => self.error(Diag::error(
                    "E0201",
                    item.span,
                    format!("list elements must have one type: expected `{elem}`, found `{ty}`"),
                )),
            }
        }
        Ty::list(elem)
    }

    fn record(&mut self, fields: &[RecordField], span: Span, expected: Option<&Ty>) -> Ty {
        match expected.map(Ty::strip_optional) {
            Some(Ty::Record(r)) => {
                let r = r.clone();
                self.record_against(fields, span, &r);
                Ty::Record(r)
            }
            Some(Ty::Map(value)) if fields.is_empty() => Ty::Map(value.clone()),
            Some(Ty::AnonRecord(wanted)) => {
                let wanted = wanted.clone();
                self.anon_record(fields, span, &wanted)
            }
            _ => {
                self.duplicate_fields(fields);
                Ty::AnonRecord(
                    fields
                        .iter()
                        .map(|f| (f.name.name.clone(), self.expr(&f.value, None)))
                        .collect(),
                )
            }
        }
    }

    fn duplicate_fields(&mut self, fields: &[RecordField]) {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for field in fields {
            if let Some(first) = seen.insert(&field.name.name, field.name.span) {
                self.error(
                    Diag::error(
                        "E0208",
                        field.name.span,
                        format!("the field `{}` is given twice", field.name.name),
                    )
                    .with_secondary(first, "first given here"),
                );
            }
        }
    }

    /// A record literal where the record type `r` is expected.
    fn record_against(&mut self, fields: &[RecordField], span: Span, r: &TypeRef) {
        let Some(defs) = record_fields(self.db, r) else {
            return;
        };
        self.duplicate_fields(fields);
        for field in fields {
            let found = defs.iter().find(|d| d.name == field.name.name);
            let def = self.record_field(r, &field.name.name);
            self.field_name(field.name.span, &Ty::Record(r.clone()), def);
            match found {
                Some(def) => {
                    self.expr(&field.value, Some(&def.ty));
                }
                None => {
                    self.expr(&field.value, None);
                    let help = suggest::did_you_mean(
                        &field.name.name,
                        defs.iter().map(|d| d.name.as_str()),
                    );
                    self.error(
                        Diag::error(
                            "E0205",
                            field.name.span,
                            format!("`{}` has no field `{}`", r.name, field.name.name),
                        )
                        .with_label("unknown field")
                        .with_help_opt(help),
                    );
                }
            }
        }
        let missing: Vec<&str> = defs
            .iter()
            .filter(|d| !d.has_default && !fields.iter().any(|f| f.name.name == d.name))
            .map(|d| d.name.as_str())
            .collect();
        if !missing.is_empty() {
            let list = code_list(&missing);
            self.error(
                Diag::error(
                    "E0206",
                    span,
                    format!(
                        "missing field{} {list} in `{}`",
                        plural(missing.len()),
                        r.name
                    ),
                )
                .with_label(format!("`{}` needs {list}", r.name)),
            );
        }
    }

    fn anon_record(&mut self, fields: &[RecordField], span: Span, wanted: &[(String, Ty)]) -> Ty {
        self.duplicate_fields(fields);
        for field in fields {
            match wanted.iter().find(|(n, _)| *n == field.name.name) {
                Some((_, ty)) => {
                    self.expr(&field.value, Some(ty));
                }
                None => {
                    self.expr(&field.value, None);
                    self.error(Diag::error(
                        "E0205",
                        field.name.span,
                        format!("unexpected field `{}`", field.name.name),
                    ));
                }
            }
        }
        for (name, _) in wanted {
            if !fields.iter().any(|f| f.name.name == *name) {
                self.error(Diag::error(
                    "E0206",
                    span,
                    format!("missing field `{name}`"),
                ));
            }
        }
        Ty::AnonRecord(wanted.to_vec())
    }

    fn map(&mut self, entries: &[MapEntry], expected: Option<&Ty>) -> Ty {
        let wanted = match expected.map(Ty::strip_optional) {
            Some(Ty::Map(value)) => Some((**value).clone()),
            _ => None,
        };
        let mut value_ty = wanted.clone().unwrap_or(Ty::Never);
        for entry in entries {
            self.expr(&entry.key, Some(&Ty::Str));
            if let Some(wanted) = &wanted {
                self.expr(&entry.value, Some(wanted));
                continue;
            }
            let ty = self.expr(&entry.value, None);
            match join(&value_ty, &ty) {
                Some(joined) => value_ty = joined,
                None => self.error(Diag::error(
                    "E0201",
                    entry.value.span,
                    format!("map values must have one type: expected `{value_ty}`, found `{ty}`"),
                )),
            }
        }
        Ty::map(value_ty)
    }

    /// `base.name` / `base?.name` (not a call).
    fn field(&mut self, base: &Expr, name: &Ident, optional: bool) -> Ty {
        if let Some(ty) = self.path_value(base, name) {
            return ty;
        }
        let base_ty = self.expr(base, None);
        self.field_of(&base_ty, name, optional, base.span)
    }

    /// `facts.NAME`, `Enum.variant`, `module.Enum.variant`: paths that are
    /// not field accesses on a value.
    fn path_value(&mut self, base: &Expr, name: &Ident) -> Option<Ty> {
        match &base.kind {
            ExprKind::Name(n) if self.find_local(&n.name).is_none() => {
                if n.name == "facts" && find_module(self.db, self.file, "facts").is_none() {
                    self.resolved(n.span, Site::Value, Some(Def::Builtin(&"facts")));
                    return Some(self.fact_read(name, None, base.span.to(name.span)));
                }
                if let Some(id) = find_type(self.db, self.file, &n.name) {
                    self.resolved(n.span, Site::Type(None), Some(Def::Item(id)));
                    return Some(self.variant(id, name));
                }
                let module = find_module(self.db, self.file, &n.name)?;
                self.resolved(n.span, Site::Value, module.map(Def::Module));
                match module {
                    Some(target) => {
                        let member = self.member_def(target, &name.name);
                        self.resolved(name.span, Site::Member(target), member);
                        self.error(
                            Diag::error(
                                "E0212",
                                name.span,
                                format!("`{}.{}` is not a value", n.name, name.name),
                            )
                            .with_note("modules export types, facts, ops and fns"),
                        );
                        Some(Ty::Unknown)
                    }
                    None => Some(Ty::Unknown),
                }
            }
            ExprKind::Field {
                base: inner,
                name: ty_name,
                optional: false,
            } => {
                let ExprKind::Name(module) = &inner.kind else {
                    return None;
                };
                if self.find_local(&module.name).is_some() {
                    return None;
                }
                let target = find_module(self.db, self.file, &module.name)?;
                self.resolved(module.span, Site::Value, target.map(Def::Module));
                let Some(target) = target else {
                    return Some(Ty::Unknown);
                };
                let scope = module_scope(self.db, target);
                let found = scope.types.get(&ty_name.name).copied();
                self.resolved(ty_name.span, Site::Type(Some(target)), found.map(Def::Item));
                match found {
                    Some(id) if is_pub(self.db, id) => Some(self.variant(id, name)),
                    _ => {
                        self.error(Diag::error(
                            "E0109",
                            ty_name.span,
                            format!(
                                "module `{}` has no public enum `{}`",
                                module.name, ty_name.name
                            ),
                        ));
                        Some(Ty::Unknown)
                    }
                }
            }
            _ => None,
        }
    }

    /// `Enum.variant`.
    pub(super) fn variant(&mut self, id: crate::items::ItemId, name: &Ident) -> Ty {
        let r = TypeRef::of_item(self.db, id);
        if id.tag(self.db) != ItemTag::Enum {
            self.resolved(name.span, Site::Variant(id), None);
            self.error(Diag::error(
                "E0212",
                name.span,
                format!("`{}` is a record type, not an enum", r.name),
            ));
            return Ty::Unknown;
        }
        let variants = enum_variants(self.db, &r).unwrap_or(&[]);
        let def = variants
            .iter()
            .position(|v| *v == name.name)
            .map(|index| Def::Variant {
                enum_: id,
                index: index as u32,
            });
        self.resolved(name.span, Site::Variant(id), def);
        if !variants.contains(&name.name) {
            let help = suggest::did_you_mean(&name.name, variants.iter().map(String::as_str));
            self.error(
                Diag::error(
                    "E0110",
                    name.span,
                    format!("`{}` has no variant `{}`", r.name, name.name),
                )
                .with_note(format!("variants: {}", variants.join(", ")))
                .with_help_opt(help),
            );
        }
        Ty::Enum(r)
    }

    /// The type of field `name` of a value of type `ty`.
    pub(super) fn field_of(
        &mut self,
        ty: &Ty,
        name: &Ident,
        optional: bool,
        base_span: Span,
    ) -> Ty {
        if let (Ty::Optional(inner), true) = (ty, optional) {
            let inner = (**inner).clone();
            return Ty::optional(self.field_of(&inner, name, false, base_span));
        }
        let (field_ty, def) = self.field_def(ty, name, base_span);
        self.field_name(name.span, ty, def);
        field_ty
    }

    /// The type of field `name` of a (non-optional, unless reported)
    /// value of type `ty`, and the field.
    fn field_def(&mut self, ty: &Ty, name: &Ident, base_span: Span) -> (Ty, Option<Def>) {
        let field = match ty {
            Ty::Optional(inner) => {
                if **inner != Ty::Never {
                    self.error(
                        Diag::error(
                            "E0216",
                            base_span,
                            format!("this value may be `none` (its type is `{ty}`)"),
                        )
                        .with_help(format!(
                            "use `?.{}`, or check it with `if x != none` first",
                            name.name
                        )),
                    );
                }
                return (Ty::Unknown, None);
            }
            Ty::Unknown | Ty::Never => return (Ty::Unknown, None),
            Ty::Record(r) => {
                let Some(defs) = record_fields(self.db, r) else {
                    return (Ty::Unknown, None);
                };
                if let Some(def) = defs.iter().find(|d| d.name == name.name) {
                    return (def.ty.clone(), self.record_field(r, &name.name));
                }
                let help = suggest::did_you_mean(&name.name, defs.iter().map(|d| d.name.as_str()));
                self.no_field(ty, name, help)
            }
            Ty::AnonRecord(fields) => {
                if let Some((_, t)) = fields.iter().find(|(n, _)| *n == name.name) {
                    return (t.clone(), None);
                }
                let help =
                    suggest::did_you_mean(&name.name, fields.iter().map(|(n, _)| n.as_str()));
                self.no_field(ty, name, help)
            }
            Ty::Host(data) => match name.name.as_str() {
                "name" => return (Ty::Str, Some(Def::HostField(&"name"))),
                "data" if **data == Ty::Unit => {
                    self.error(
                        Diag::error("E0303", name.span, "these hosts carry no data")
                            .with_help("give the groups a data type: `group web: Web = [...]`"),
                    );
                    Ty::Unknown
                }
                "data" if **data == Ty::Unknown && self.host_data_conflict => {
                    self.error(
                        Diag::error(
                            "E0303",
                            name.span,
                            "the target groups of this stage do not share one data type",
                        )
                        .with_note("`host.data` needs the same data type in every target group"),
                    );
                    Ty::Unknown
                }
                "data" => return ((**data).clone(), Some(Def::HostField(&"data"))),
                _ => {
                    let help = suggest::did_you_mean(&name.name, ["name", "data"]);
                    self.no_field(ty, name, help)
                }
            },
            other => {
                let help = if super::builtins::method_spec(other, &name.name).is_some() {
                    Some(format!(
                        "`{}` is a method: call it with `.{}()`",
                        name.name, name.name
                    ))
                } else {
                    None
                };
                self.no_field(ty, name, help)
            }
        };
        (field, None)
    }

    fn no_field(&mut self, ty: &Ty, name: &Ident, help: Option<String>) -> Ty {
        self.error(
            Diag::error(
                "E0204",
                name.span,
                format!("`{ty}` has no field `{}`", name.name),
            )
            .with_label("unknown field")
            .with_help_opt(help),
        );
        Ty::Unknown
    }

    fn index(&mut self, base: &Expr, index: &Expr) -> Ty {
        let base_ty = self.expr(base, None);
        match &base_ty {
            Ty::List(elem) => {
                self.expr(index, Some(&Ty::Int));
                (**elem).clone()
            }
            Ty::Map(value) => {
                self.expr(index, Some(&Ty::Str));
                Ty::optional((**value).clone())
            }
            Ty::Unknown | Ty::Never => {
                self.expr(index, None);
                Ty::Unknown
            }
            Ty::Optional(_) => {
                self.expr(index, None);
                self.error(
                    Diag::error(
                        "E0216",
                        base.span,
                        format!("this value may be `none` (its type is `{base_ty}`)"),
                    )
                    .with_help("check it with `if x != none` first, or give a default with `??`"),
                );
                Ty::Unknown
            }
            other => {
                self.expr(index, None);
                self.error(Diag::error(
                    "E0222",
                    base.span,
                    format!("`{other}` cannot be indexed"),
                ));
                Ty::Unknown
            }
        }
    }

    fn unary(&mut self, op: UnaryOp, operand: &Expr, span: Span) -> Ty {
        let ty = self.expr(operand, None);
        match op {
            UnaryOp::Not => {
                self.expect_assignable(&ty, &Ty::Bool, operand.span);
                Ty::Bool
            }
            UnaryOp::Neg if ty.is_numeric() || ty.is_silent() => ty,
            UnaryOp::Neg => {
                self.error(Diag::error("E0215", span, format!("cannot negate `{ty}`")));
                Ty::Unknown
            }
        }
    }

    fn binary(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr, span: Span) -> Ty {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                self.expr(lhs, Some(&Ty::Bool));
                let (then_names, else_names) = narrowings(lhs);
                self.push_scope();
                self.narrow(if op == BinaryOp::And {
                    &then_names
                } else {
                    &else_names
                });
                self.expr(rhs, Some(&Ty::Bool));
                self.scopes.pop();
                return Ty::Bool;
            }
            BinaryOp::Coalesce => {
                // `a ?? b`: `b` may itself be optional (`mode ?? f?.mode`).
                let left = self.expr(lhs, None);
                let inner = left.strip_optional().clone();
                let wanted = Ty::optional(inner.clone());
                let right = self.expr(
                    rhs,
                    if inner.is_silent() {
                        None
                    } else {
                        Some(&wanted)
                    },
                );
                return if right.is_optional() { wanted } else { inner };
            }
            _ => {}
        }
        let left = self.expr(lhs, None);
        let right = self.expr(rhs, None);
        if left.is_silent() || right.is_silent() {
            return match op {
                BinaryOp::Eq
                | BinaryOp::Ne
                | BinaryOp::Lt
                | BinaryOp::Le
                | BinaryOp::Gt
                | BinaryOp::Ge => Ty::Bool,
                _ => Ty::Unknown,
            };
        }
        let result = match op {
            BinaryOp::Add => match (&left, &right) {
                (Ty::Int, Ty::Int) | (Ty::Float, Ty::Float) | (Ty::Str, Ty::Str) => {
                    Some(left.clone())
                }
                (Ty::List(_), Ty::List(_)) => join(&left, &right),
                _ => None,
            },
            BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                (left == right && left.is_numeric()).then(|| left.clone())
            }
            BinaryOp::Eq | BinaryOp::Ne => join(&left, &right).map(|_| Ty::Bool),
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                (left == right && matches!(left, Ty::Int | Ty::Float | Ty::Str)).then_some(Ty::Bool)
            }
            BinaryOp::And | BinaryOp::Or | BinaryOp::Coalesce => None,
        };
        result.unwrap_or_else(|| {
            let mut diag = Diag::error(
                "E0215",
                span,
                format!(
                    "`{}` cannot be applied to `{left}` and `{right}`",
                    op.as_str()
                ),
            )
            .with_secondary(lhs.span, format!("`{left}`"))
            .with_secondary(rhs.span, format!("`{right}`"));
            if matches!((&left, &right), (Ty::Int, Ty::Float) | (Ty::Float, Ty::Int)) {
                diag = diag.with_help("convert the int with `.to_float()`");
            }
            self.error(diag);
            Ty::Unknown
        })
    }

    fn if_expr(
        &mut self,
        cond: &Expr,
        then: &infrac_syntax::ast::Block,
        else_: Option<&Expr>,
        expected: Option<&Ty>,
    ) -> Ty {
        self.expr(cond, Some(&Ty::Bool));
        let (then_names, else_names) = narrowings(cond);
        let branch_expected = if else_.is_some() { expected } else { None };
        self.push_scope();
        self.narrow(&then_names);
        let then_ty = self.block(then, branch_expected);
        self.scopes.pop();
        let Some(else_) = else_ else { return Ty::Unit };
        self.push_scope();
        self.narrow(&else_names);
        let else_ty = self.expr(else_, branch_expected);
        self.scopes.pop();
        if let Some(expected) = expected {
            return expected.clone();
        }
        join(&then_ty, &else_ty).unwrap_or(Ty::Unit)
    }
}

/// `raw(x)` as the whole of an interpolation: returns `raw` and `x`.
fn raw_argument(e: &Expr) -> Option<(&Ident, &Expr)> {
    let ExprKind::Call { callee, args } = &e.kind else {
        return None;
    };
    let ExprKind::Name(name) = &callee.kind else {
        return None;
    };
    match (name.name.as_str(), args.as_slice()) {
        ("raw", [arg]) if arg.name.is_none() => Some((name, &arg.value)),
        _ => None,
    }
}

/// The locals a condition proves non-`none`: `(in the then branch, in the
/// else branch)`.
pub(super) fn narrowings(cond: &Expr) -> (Vec<&Ident>, Vec<&Ident>) {
    match &cond.kind {
        ExprKind::Binary {
            op: op @ (BinaryOp::Eq | BinaryOp::Ne),
            lhs,
            rhs,
        } => {
            let name = match (&lhs.kind, &rhs.kind) {
                (ExprKind::Name(n), ExprKind::None) | (ExprKind::None, ExprKind::Name(n)) => n,
                _ => return (Vec::new(), Vec::new()),
            };
            if *op == BinaryOp::Ne {
                (vec![name], Vec::new())
            } else {
                (Vec::new(), vec![name])
            }
        }
        ExprKind::Binary {
            op: BinaryOp::And,
            lhs,
            rhs,
        } => {
            let (mut then, _) = narrowings(lhs);
            then.extend(narrowings(rhs).0);
            (then, Vec::new())
        }
        ExprKind::Binary {
            op: BinaryOp::Or,
            lhs,
            rhs,
        } => {
            let (_, mut else_) = narrowings(lhs);
            else_.extend(narrowings(rhs).1);
            (Vec::new(), else_)
        }
        ExprKind::Unary {
            op: UnaryOp::Not,
            operand,
        } => {
            let (then, else_) = narrowings(operand);
            (else_, then)
        }
        _ => (Vec::new(), Vec::new()),
    }
}

/// Whether a value of `ty` is or may hold a `secret` (in an optional, a
/// list, a map or a record field), which a string would show as `***`.
/// `seen`: the records on the way (a record may hold itself).
fn holds_secret(db: &dyn crate::Db, ty: &Ty, seen: &mut Vec<TypeRef>) -> bool {
    match ty {
        Ty::Secret => true,
        Ty::Optional(inner) | Ty::List(inner) | Ty::Map(inner) => holds_secret(db, inner, seen),
        Ty::AnonRecord(fields) => fields.iter().any(|(_, t)| holds_secret(db, t, seen)),
        Ty::Record(r) => {
            if seen.contains(r) {
                return false;
            }
            seen.push(r.clone());
            record_fields(db, r)
                .is_some_and(|defs| defs.iter().any(|d| holds_secret(db, &d.ty, seen)))
        }
        _ => false,
    }
}
