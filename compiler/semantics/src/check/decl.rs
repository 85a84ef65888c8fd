//! Item-level checks: each kind of declaration, then its body.

use std::collections::HashMap;

use infrac_syntax::ast::{
    Arg, Block, Changes, ExprKind, FieldDecl, Ident, Item, ItemKind, Param, Span, StageDecl,
    StageTarget, TypeDeclBody,
};

use super::{Checker, Context};
use crate::def::LocalKind;
use crate::diagnostic::Diag;
use crate::sigs::{alias_is_cyclic, enum_variants, param_sigs, record_fields, signatures};
use crate::suggest;
use crate::ty::{Ty, TypeRef};

pub(super) fn check_decl(c: &mut Checker<'_>, item: &Item) {
    if let Some(name) = item.kind.name() {
        c.item_decl(name);
    }
    match &item.kind {
        ItemKind::Type(decl) => match &decl.body {
            TypeDeclBody::Record(fields) => {
                for (index, field) in fields.iter().enumerate() {
                    c.member_decl(&field.name, index, false);
                }
                check_fields(c, fields);
            }
            TypeDeclBody::Alias(target) => {
                c.resolve_type(target);
                if alias_is_cyclic(c.db, c.item) {
                    c.error(
                        Diag::error(
                            "E0111",
                            decl.name.span,
                            format!("the type alias `{}` refers to itself", decl.name.name),
                        )
                        .with_help("use a record type (`type T = { ... }`) for recursive data"),
                    );
                }
            }
        },
        ItemKind::Enum(decl) => {
            for (index, variant) in decl.variants.iter().enumerate() {
                c.member_decl(&variant.name, index, true);
            }
            report_duplicates(c, decl.variants.iter().map(|v| &v.name), "variant");
        }
        ItemKind::Param(decl) => {
            let ty = c.resolve_type(&decl.ty);
            if let Some(bad) = param_type_refused(c.db, &ty, &mut Vec::new()) {
                let message = match bad == ty {
                    true => format!("a param cannot have type `{ty}`"),
                    false => format!("a param cannot have type `{ty}`: it holds a `{bad}`"),
                };
                c.error(
                    Diag::error("E0219", decl.ty.span, message)
                        .with_note("params are set from the command line or a params file: use int, float, bool, str, secret, an enum, and lists, maps, records and optionals of those"),
                );
            }
            if let Some(default) = &decl.default {
                c.context = Context::Param;
                c.expr(default, Some(&ty));
            }
        }
        ItemKind::Group(decl) => {
            let data = decl.data_ty.as_ref().map(|t| c.resolve_type(t));
            c.context = Context::Group;
            c.group_data = Some(data.clone());
            let expected = Ty::list(Ty::Host(Box::new(data.unwrap_or(Ty::Unit))));
            // Host data literals get their expected type from the host
            // constructors' `data:` parameter, so no expected type here.
            let found = c.expr(&decl.hosts, None);
            if !crate::ty::assignable(&found, &expected) {
                c.error(
                    Diag::error(
                        "E0308",
                        decl.hosts.span,
                        format!("a group is a list of hosts, found `{found}`"),
                    )
                    .with_help("write `[ssh(\"address\"), local()]` or `inventory(\"hosts.ini\")`"),
                );
            }
            check_host_names(c, &decl.hosts);
        }
        ItemKind::Stage(decl) => check_stage(c, decl),
        ItemKind::Fact(decl) => {
            let params = decl.params.as_deref().unwrap_or(&[]);
            check_params(c, params);
            let ret = c.resolve_type(&decl.ret);
            match &decl.body {
                Some(body) => check_body(c, Context::Fact, params, body, Some(ret)),
                None => bodyless_outside_std(c, "fact", &decl.name),
            }
        }
        ItemKind::Op(decl) => {
            check_params(c, &decl.params);
            if let Some(Changes::Facts(facts)) = &decl.changes {
                c.context = Context::Op;
                c.push_scope();
                declare_params(c, &decl.params);
                for fact in facts {
                    match &fact.kind {
                        // `facts.file` names every entry of a fact with parameters.
                        ExprKind::Field { base, name, .. } if is_fact_expr(&fact.kind) => {
                            if let ExprKind::Name(facts) = &base.kind {
                                c.fact_exists(facts, name);
                            }
                        }
                        kind if is_fact_expr(kind) => {
                            c.changes_entry = true;
                            c.expr(fact, None);
                            c.changes_entry = false;
                        }
                        _ => c.error(Diag::error(
                            "E0201",
                            fact.span,
                            "expected a fact: `facts.NAME` or `facts.NAME(args)`",
                        )),
                    }
                }
                c.scopes.pop();
            }
            check_body(c, Context::Op, &decl.params, &decl.body, None);
        }
        ItemKind::Fn(decl) => {
            check_params(c, &decl.params);
            let ret = decl.ret.as_ref().map_or(Ty::Unit, |t| c.resolve_type(t));
            match &decl.body {
                Some(body) => check_body(c, Context::Fn, &decl.params, body, Some(ret)),
                None => bodyless_outside_std(c, "fn", &decl.name),
            }
        }
        ItemKind::Use(_) | ItemKind::Error => {}
    }
}

fn is_fact_expr(kind: &ExprKind) -> bool {
    let is_facts_field = |kind: &ExprKind| {
        matches!(kind, ExprKind::Field { base, optional: false, .. }
            if matches!(&base.kind, ExprKind::Name(n) if n.name == "facts"))
    };
    match kind {
        ExprKind::Call { callee, .. } => is_facts_field(&callee.kind),
        other => is_facts_field(other),
    }
}

fn bodyless_outside_std(c: &mut Checker<'_>, what: &str, name: &Ident) {
    if !c.is_std() {
        c.error(
            Diag::error(
                "E0218",
                name.span,
                format!("`{what} {}` has no body", name.name),
            )
            .with_note("only the standard library declares native facts and functions")
            .with_help("add a body `{ ... }`"),
        );
    }
}

/// The part of a param's type that cannot be read from outside (text or
/// JSON), if any. `seen`: the records being looked into (a record may hold
/// itself through a list or an optional).
fn param_type_refused(db: &dyn crate::Db, ty: &Ty, seen: &mut Vec<TypeRef>) -> Option<Ty> {
    match ty {
        Ty::Int | Ty::Float | Ty::Bool | Ty::Str | Ty::Secret | Ty::Enum(_) | Ty::Unknown => None,
        Ty::Optional(inner) | Ty::List(inner) | Ty::Map(inner) => {
            param_type_refused(db, inner, seen)
        }
        Ty::Record(r) if seen.contains(r) => None,
        Ty::Record(r) => {
            seen.push(r.clone());
            let fields = record_fields(db, r).unwrap_or(&[]);
            fields
                .iter()
                .find_map(|f| param_type_refused(db, &f.ty, seen))
        }
        other => Some(other.clone()),
    }
}

fn report_duplicates<'a>(c: &mut Checker<'_>, names: impl Iterator<Item = &'a Ident>, what: &str) {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for name in names {
        if let Some(first) = seen.get(name.name.as_str()) {
            c.error(
                Diag::error(
                    "E0107",
                    name.span,
                    format!("the {what} `{}` is defined twice", name.name),
                )
                .with_secondary(*first, "first defined here"),
            );
        } else {
            seen.insert(&name.name, name.span);
        }
    }
}

fn check_fields(c: &mut Checker<'_>, fields: &[FieldDecl]) {
    report_duplicates(c, fields.iter().map(|f| &f.name), "field");
    c.context = Context::Constant;
    for field in fields {
        let ty = c.resolve_type(&field.ty);
        if let Some(default) = &field.default {
            c.expr(default, Some(&ty));
        }
    }
}

fn check_params(c: &mut Checker<'_>, params: &[Param]) {
    report_duplicates(c, params.iter().map(|p| &p.name), "parameter");
    let sigs = param_sigs(c.db, c.file, params, &mut c.diags);
    for param in params {
        c.type_names(&param.ty);
    }
    c.context = Context::Constant;
    for (param, sig) in params.iter().zip(&sigs) {
        if let Some(default) = &param.default {
            c.expr(default, Some(&sig.ty));
        }
    }
}

fn declare_params(c: &mut Checker<'_>, params: &[Param]) {
    let sigs = param_sigs(c.db, c.file, params, &mut Vec::new());
    for (index, (param, sig)) in params.iter().zip(sigs).enumerate() {
        c.declare_param(&param.name, sig.ty, index as u32);
    }
}

/// Checks a body whose value must be `ret` (`None`: any value is fine).
fn check_body(
    c: &mut Checker<'_>,
    context: Context,
    params: &[Param],
    body: &Block,
    ret: Option<Ty>,
) {
    c.context = context;
    c.ret = match context {
        Context::Op => Some(Ty::Unit),
        _ => ret.clone(),
    };
    c.push_scope();
    declare_params(c, params);
    let expected = ret.filter(|t| *t != Ty::Unit);
    c.block(body, expected.as_ref());
    c.pop_scope();
}

const STAGE_OPTIONS: &[&str] = &["serial", "max_failures", "parallel", "sudo", "tags"];

fn check_stage(c: &mut Checker<'_>, decl: &StageDecl) {
    let sigs = signatures(c.db, c.file);
    let mut data_types: Vec<Option<Ty>> = Vec::new();
    for target in &decl.targets {
        let (StageTarget::Group(name) | StageTarget::One(name, _)) = target;
        let group = sigs
            .groups
            .contains_key(&name.name)
            .then(|| {
                crate::scope::module_scope(c.db, c.file)
                    .values
                    .get(&name.name)
            })
            .flatten()
            .map(|id| crate::def::Def::Item(*id));
        c.resolved(name.span, crate::def::Site::Group, group);
        match sigs.groups.get(&name.name) {
            Some(data) => data_types.push(data.clone()),
            None => {
                let what = if sigs.stages.contains_key(&name.name)
                    || sigs.params.contains_key(&name.name)
                {
                    format!("`{}` is not a group", name.name)
                } else {
                    format!("unknown group `{}`", name.name)
                };
                c.error(
                    Diag::error("E0301", name.span, what)
                        .with_label("expected a group")
                        .with_help_opt(suggest::did_you_mean(
                            &name.name,
                            sigs.groups.keys().map(String::as_str),
                        )),
                );
            }
        }
        if matches!(target, StageTarget::One(..)) && decl.targets.len() > 1 {
            c.error(Diag::error(
                "E0301",
                name.span,
                "`one(...)` must be the only target of a stage",
            ));
        }
    }
    check_options(c, &decl.options);
    let host_data = match data_types.split_first() {
        None => Ty::Unknown,
        Some((first, rest)) if rest.iter().all(|t| t == first) => first.clone().unwrap_or(Ty::Unit),
        Some(_) => {
            c.host_data_conflict = true;
            Ty::Unknown
        }
    };
    let ret = decl.ret.as_ref().map(|t| c.resolve_type(t));
    let ordinal = sigs
        .stages
        .get(&decl.name.name)
        .map_or(u32::MAX, |s| s.ordinal);
    c.context = Context::Stage(ordinal);
    c.ret = None;
    c.push_scope();
    let host = Ident {
        name: "host".to_string(),
        span: decl.name.span,
    };
    c.declare(&host, Ty::Host(Box::new(host_data)), LocalKind::Host);
    c.block(&decl.body, ret.as_ref());
    c.pop_scope();
}

fn check_options(c: &mut Checker<'_>, options: &[Arg]) {
    c.context = Context::Constant;
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for option in options {
        let Some(name) = &option.name else {
            c.error(Diag::error(
                "E0302",
                option.value.span,
                "stage options are named: `serial: 2`",
            ));
            continue;
        };
        if let Some(first) = seen.insert(&name.name, name.span) {
            c.error(
                Diag::error(
                    "E0302",
                    name.span,
                    format!("the option `{}` is given twice", name.name),
                )
                .with_secondary(first, "first given here"),
            );
            continue;
        }
        let expected = match name.name.as_str() {
            "max_failures" | "parallel" => Ty::Int,
            "sudo" => Ty::Bool,
            "tags" => {
                c.expr(&option.value, Some(&Ty::list(Ty::Str)));
                check_tags(c, &option.value);
                continue;
            }
            "serial" => {
                let found = c.expr(&option.value, None);
                if !matches!(found, Ty::Int | Ty::Str) && !found.is_silent() {
                    c.error(Diag::error(
                        "E0201",
                        option.value.span,
                        format!("`serial` is an int or a percentage like \"30%\", found `{found}`"),
                    ));
                }
                check_option_literal(c, &name.name, &option.value);
                continue;
            }
            _ => {
                c.error(
                    Diag::error(
                        "E0302",
                        name.span,
                        format!("unknown stage option `{}`", name.name),
                    )
                    .with_note("stage options: serial, max_failures, parallel, sudo, tags")
                    .with_help_opt(suggest::did_you_mean(
                        &name.name,
                        STAGE_OPTIONS.iter().copied(),
                    )),
                );
                continue;
            }
        };
        c.expr(&option.value, Some(&expected));
        check_option_literal(c, &name.name, &option.value);
    }
}

/// Tags are known before the run (`--tags` is checked against them): a
/// list of names written literally.
fn check_tags(c: &mut Checker<'_>, value: &infrac_syntax::ast::Expr) {
    use infrac_syntax::ast::StrPart;
    // Anything else than a list is a type error already.
    let ExprKind::List(items) = &value.kind else {
        return;
    };
    for item in items {
        let name = match &item.kind {
            ExprKind::Str(parts) => match parts.as_slice() {
                [StrPart::Text(text, _)] => Some(text.as_str()),
                _ => None,
            },
            _ => None,
        };
        let valid = name.is_some_and(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|ch| ch.is_alphanumeric() || "_-".contains(ch))
        });
        if !valid {
            c.error(Diag::error(
                "E0302",
                item.span,
                "`tags` is a list of names written literally: `tags: [\"deploy\", \"web\"]`",
            ));
        }
    }
}

/// A count written literally must be 1 or more, a percentage 1% to 100%
/// (values computed from params are checked when the run starts).
fn check_option_literal(c: &mut Checker<'_>, name: &str, value: &infrac_syntax::ast::Expr) {
    use infrac_syntax::ast::{StrPart, UnaryOp};
    if name == "sudo" {
        return;
    }
    let problem = match &value.kind {
        ExprKind::Int(n) if *n < 1 => Some(format!("`{name}` must be 1 or more, found {n}")),
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } if matches!(operand.kind, ExprKind::Int(_)) => {
            Some(format!("`{name}` must be 1 or more"))
        }
        ExprKind::Str(parts) if name == "serial" => {
            let text = match parts.as_slice() {
                [StrPart::Text(text, _)] => Some(text.as_str()),
                [] => Some(""),
                _ => None,
            };
            let percent = text.map(|t| infrac_bytecode::Serial::percent(t).is_some());
            (percent == Some(false))
                .then(|| "`serial` as a string is a percentage from \"1%\" to \"100%\"".to_string())
        }
        _ => None,
    };
    if let Some(message) = problem {
        c.error(Diag::error("E0302", value.span, message));
    }
}

/// Host names written as literals must be unique in a group.
fn check_host_names(c: &mut Checker<'_>, hosts: &infrac_syntax::ast::Expr) {
    let ExprKind::List(items) = &hosts.kind else {
        return;
    };
    let mut seen: HashMap<String, Span> = HashMap::new();
    for host in items {
        let Some((name, span)) = literal_host_name(host) else {
            continue;
        };
        if let Some(first) = seen.get(&name) {
            c.error(
                Diag::error(
                    "E0307",
                    span,
                    format!("two hosts of this group are named `{name}`"),
                )
                .with_secondary(*first, "first host with this name")
                .with_help("give one of them another `name:`"),
            );
        } else {
            seen.insert(name, span);
        }
    }
}

/// The name a host constructor call gives its host, when written literally.
fn literal_host_name(host: &infrac_syntax::ast::Expr) -> Option<(String, Span)> {
    let ExprKind::Call { callee, args } = &host.kind else {
        return None;
    };
    let ExprKind::Name(ctor) = &callee.kind else {
        return None;
    };
    let literal = |arg: &Arg| match &arg.value.kind {
        ExprKind::Str(parts) => match parts.as_slice() {
            [infrac_syntax::ast::StrPart::Text(text, _)] => Some((text.clone(), arg.value.span)),
            [] => Some((String::new(), arg.value.span)),
            _ => None,
        },
        _ => None,
    };
    if let Some(named) = args
        .iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.name == "name"))
    {
        return literal(named);
    }
    match ctor.name.as_str() {
        "local" => Some(("local".to_string(), host.span)),
        "ssh" | "docker" => args.first().filter(|a| a.name.is_none()).and_then(literal),
        _ => None,
    }
}

/// Whether `name` is one of the variants of an enum (used by `match`).
pub(super) fn variants_of(c: &Checker<'_>, ty: &Ty) -> Option<Vec<String>> {
    match ty {
        Ty::Enum(r) => enum_variants(c.db, r).map(<[String]>::to_vec),
        _ => None,
    }
}
