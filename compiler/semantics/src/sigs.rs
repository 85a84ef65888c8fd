//! Resolved types and signatures of a file's items (from item trees only).

use std::collections::HashMap;

use infrac_syntax::ast::{
    FieldDecl, ItemKind, Param, StageTarget, TypeDeclBody, TypeExpr, TypeExprKind,
};

use crate::db::{Db, SourceFile};
use crate::diagnostic::Diag;
use crate::items::{ItemId, item_tree, tree_item};
use crate::scope::{find_module, find_type, is_pub, module_scope, prelude_files};
use crate::suggest;
use crate::ty::{Ty, TypeRef};

/// Aliases deeper than this are treated as a cycle.
const MAX_ALIAS_DEPTH: u32 = 32;

/// Resolves a written type in `file`, reporting problems into `diags`.
pub fn resolve_type(db: &dyn Db, file: SourceFile, texpr: &TypeExpr, diags: &mut Vec<Diag>) -> Ty {
    resolve_depth(db, file, texpr, diags, 0)
}

fn resolve_depth(
    db: &dyn Db,
    file: SourceFile,
    texpr: &TypeExpr,
    diags: &mut Vec<Diag>,
    depth: u32,
) -> Ty {
    match &texpr.kind {
        TypeExprKind::Error => Ty::Unknown,
        TypeExprKind::Unit => Ty::Unit,
        TypeExprKind::Optional(inner) => Ty::optional(resolve_depth(db, file, inner, diags, depth)),
        TypeExprKind::Record(fields) => Ty::AnonRecord(
            fields
                .iter()
                .map(|f| {
                    (
                        f.name.name.clone(),
                        resolve_depth(db, file, &f.ty, diags, depth),
                    )
                })
                .collect(),
        ),
        TypeExprKind::Named { path, args } => {
            let mut args_ty: Vec<Ty> = args
                .iter()
                .map(|a| resolve_depth(db, file, a, diags, depth))
                .collect();
            let arity = |n: usize, diags: &mut Vec<Diag>| {
                if args.len() != n {
                    diags.push(Diag::error(
                        "E0102",
                        texpr.span,
                        format!(
                            "`{}` takes {n} type argument{}",
                            path_text(path),
                            if n == 1 { "" } else { "s" }
                        ),
                    ));
                    return false;
                }
                true
            };
            let builtin = match path.as_slice() {
                [one] => match one.name.as_str() {
                    "int" => Some(Ty::Int),
                    "float" => Some(Ty::Float),
                    "bool" => Some(Ty::Bool),
                    "str" => Some(Ty::Str),
                    "secret" => Some(Ty::Secret),
                    "cmd" => Some(Ty::Cmd),
                    "any" => {
                        if !file.is_std(db) {
                            diags.push(
                                Diag::error(
                                    "E0211",
                                    texpr.span,
                                    "`any` is only allowed in the standard library",
                                )
                                .with_help("write the type the value has"),
                            );
                        }
                        Some(Ty::Any)
                    }
                    "list" => Some(if arity(1, diags) {
                        Ty::list(args_ty.remove(0))
                    } else {
                        Ty::Unknown
                    }),
                    "map" => Some(if arity(2, diags) {
                        if args_ty[0] != Ty::Str && !args_ty[0].is_silent() {
                            diags.push(Diag::error(
                                "E0102",
                                args[0].span,
                                "map keys must be `str`",
                            ));
                        }
                        Ty::map(args_ty.remove(1))
                    } else {
                        Ty::Unknown
                    }),
                    "Host" => Some(match args_ty.len() {
                        0 => Ty::Host(Box::new(Ty::Unit)),
                        _ if arity(1, diags) => Ty::Host(Box::new(args_ty.remove(0))),
                        _ => Ty::Unknown,
                    }),
                    _ => None,
                },
                _ => None,
            };
            if let Some(ty) = builtin {
                return ty;
            }
            if !args.is_empty() {
                diags.push(Diag::error(
                    "E0102",
                    texpr.span,
                    format!("`{}` takes no type arguments", path_text(path)),
                ));
            }
            match lookup_type_path(db, file, path, diags) {
                Some(id) => item_type(db, id, depth),
                None => Ty::Unknown,
            }
        }
    }
}

fn path_text(path: &[infrac_syntax::ast::Ident]) -> String {
    path.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

pub(crate) const BUILTIN_TYPES: &[&str] = &[
    "int", "float", "bool", "str", "secret", "cmd", "list", "map", "Host",
];

/// Finds the item a type path names, reporting unknown or private types.
pub fn lookup_type_path(
    db: &dyn Db,
    file: SourceFile,
    path: &[infrac_syntax::ast::Ident],
    diags: &mut Vec<Diag>,
) -> Option<ItemId> {
    match path {
        [name] => {
            let found = find_type(db, file, &name.name);
            if found.is_none() {
                let mut names: Vec<&str> = BUILTIN_TYPES.to_vec();
                let own = module_scope(db, file).types.keys().map(String::as_str);
                names.extend(own);
                for f in prelude_files(db) {
                    names.extend(module_scope(db, f).types.keys().map(String::as_str));
                }
                diags.push(
                    Diag::error("E0102", name.span, format!("unknown type `{}`", name.name))
                        .with_label("not found in this scope")
                        .with_help_opt(suggest::did_you_mean(&name.name, names)),
                );
            }
            found
        }
        [module, name] => {
            let target = match find_module(db, file, &module.name) {
                Some(Some(target)) => target,
                Some(None) => return None,
                None => {
                    diags.push(
                        Diag::error(
                            "E0101",
                            module.span,
                            format!("unknown module `{}`", module.name),
                        )
                        .with_help(format!(
                            "import it with `use std::{}` or `use path::to::{}`",
                            module.name, module.name
                        )),
                    );
                    return None;
                }
            };
            let scope = module_scope(db, target);
            match scope.types.get(&name.name) {
                Some(id) if is_pub(db, *id) => Some(*id),
                Some(_) => {
                    diags.push(Diag::error(
                        "E0108",
                        name.span,
                        format!(
                            "type `{}` is private to module `{}`",
                            name.name, module.name
                        ),
                    ));
                    None
                }
                None => {
                    diags.push(
                        Diag::error(
                            "E0109",
                            name.span,
                            format!("module `{}` has no type `{}`", module.name, name.name),
                        )
                        .with_help_opt(suggest::did_you_mean(
                            &name.name,
                            scope.types.keys().map(String::as_str),
                        )),
                    );
                    None
                }
            }
        }
        _ => {
            let span = path.first().map(|p| p.span).unwrap_or_default();
            diags.push(Diag::error(
                "E0102",
                span,
                format!("unknown type `{}`", path_text(path)),
            ));
            None
        }
    }
}

/// The type a `type`/`enum` item stands for.
fn item_type(db: &dyn Db, id: ItemId, depth: u32) -> Ty {
    let reference = TypeRef::of_item(db, id);
    let Some(item) = tree_item(db, id) else {
        return Ty::Unknown;
    };
    match &item.sig.kind {
        ItemKind::Enum(_) => Ty::Enum(reference),
        ItemKind::Type(decl) => match &decl.body {
            TypeDeclBody::Record(_) => Ty::Record(reference),
            TypeDeclBody::Alias(target) if depth < MAX_ALIAS_DEPTH => {
                resolve_depth(db, id.file(db), target, &mut Vec::new(), depth + 1)
            }
            TypeDeclBody::Alias(_) => Ty::Unknown,
        },
        _ => Ty::Unknown,
    }
}

/// Whether the alias `id` expands to itself (`type A = list<B>`,
/// `type B = A?`): such an alias has no type.
pub fn alias_is_cyclic(db: &dyn Db, id: ItemId) -> bool {
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![id];
    while let Some(current) = stack.pop() {
        if !seen.insert(current) {
            continue;
        }
        let Some(item) = tree_item(db, current) else {
            continue;
        };
        let ItemKind::Type(decl) = &item.sig.kind else {
            continue;
        };
        let TypeDeclBody::Alias(target) = &decl.body else {
            continue;
        };
        let mut found = Vec::new();
        named_paths(target, &mut found);
        for path in found {
            if let Some(next) = lookup_type_path(db, current.file(db), path, &mut Vec::new()) {
                if next == id {
                    return true;
                }
                stack.push(next);
            }
        }
    }
    false
}

/// Every type path written in `texpr` (`Named` nodes, arguments included).
fn named_paths<'a>(texpr: &'a TypeExpr, out: &mut Vec<&'a [infrac_syntax::ast::Ident]>) {
    match &texpr.kind {
        TypeExprKind::Named { path, args } => {
            out.push(path);
            args.iter().for_each(|a| named_paths(a, out));
        }
        TypeExprKind::Optional(inner) => named_paths(inner, out),
        TypeExprKind::Record(fields) => fields.iter().for_each(|f| named_paths(&f.ty, out)),
        TypeExprKind::Unit | TypeExprKind::Error => {}
    }
}

/// A record field with its resolved type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    pub name: String,
    pub ty: Ty,
    pub has_default: bool,
}

/// Resolved records and enums of one file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TypeDefs {
    pub records: HashMap<String, Vec<FieldDef>>,
    pub enums: HashMap<String, Vec<String>>,
}

#[salsa::tracked(returns(ref))]
pub fn type_defs(db: &dyn Db, file: SourceFile) -> TypeDefs {
    let mut defs = TypeDefs::default();
    let scope = module_scope(db, file);
    for id in scope.types.values() {
        let Some(item) = tree_item(db, *id) else {
            continue;
        };
        match &item.sig.kind {
            ItemKind::Type(decl) => {
                if let TypeDeclBody::Record(fields) = &decl.body {
                    defs.records.insert(
                        id.name(db).clone(),
                        field_defs(db, file, fields, &mut Vec::new()),
                    );
                }
            }
            ItemKind::Enum(decl) => {
                defs.enums.insert(
                    id.name(db).clone(),
                    decl.variants.iter().map(|v| v.name.name.clone()).collect(),
                );
            }
            _ => {}
        }
    }
    defs
}

pub fn field_defs(
    db: &dyn Db,
    file: SourceFile,
    fields: &[FieldDecl],
    diags: &mut Vec<Diag>,
) -> Vec<FieldDef> {
    fields
        .iter()
        .map(|f| FieldDef {
            name: f.name.name.clone(),
            ty: resolve_type(db, file, &f.ty, diags),
            has_default: f.default.is_some(),
        })
        .collect()
}

/// The fields of a record type.
pub fn record_fields<'db>(db: &'db dyn Db, r: &TypeRef) -> Option<&'db [FieldDef]> {
    type_defs(db, r.file)
        .records
        .get(&*r.name)
        .map(Vec::as_slice)
}

pub fn enum_variants<'db>(db: &'db dyn Db, r: &TypeRef) -> Option<&'db [String]> {
    type_defs(db, r.file).enums.get(&*r.name).map(Vec::as_slice)
}

/// A prelude record by name (`OpResult`, `CommandResult`).
pub fn prelude_type(db: &dyn Db, name: &str) -> Ty {
    prelude_files(db)
        .find(|f| module_scope(db, *f).types.contains_key(name))
        .map_or(Ty::Unknown, |file| {
            Ty::Record(TypeRef {
                file,
                name: name.into(),
            })
        })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamSig {
    pub name: String,
    pub ty: Ty,
    pub has_default: bool,
}

/// An `op` or a `fn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSig {
    pub is_op: bool,
    pub params: Vec<ParamSig>,
    pub ret: Ty,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactSig {
    /// `None` for facts declared without parentheses.
    pub params: Option<Vec<ParamSig>>,
    pub ret: Ty,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageSig {
    /// Position among the file's stages.
    pub ordinal: u32,
    pub ret: Option<Ty>,
    /// Targets `one(...)`: the value is `T`, not `map<str, T>`.
    pub one: bool,
}

/// Resolved signatures of one file's items.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Signatures {
    pub callables: HashMap<ItemId, CallSig>,
    pub facts: HashMap<ItemId, FactSig>,
    /// Group name → data type (`None`: the group declares none).
    pub groups: HashMap<String, Option<Ty>>,
    pub params: HashMap<String, Ty>,
    pub stages: HashMap<String, StageSig>,
}

#[salsa::tracked(returns(ref))]
pub fn signatures(db: &dyn Db, file: SourceFile) -> Signatures {
    let mut sigs = Signatures::default();
    let ignore = &mut Vec::new();
    let mut stage_ordinal = 0;
    for item in &item_tree(db, file).items {
        let first = |space: &HashMap<String, ItemId>| space.get(item.id.name(db)) == Some(&item.id);
        let scope = module_scope(db, file);
        match &item.sig.kind {
            ItemKind::Op(d) => {
                let params = param_sigs(db, file, &d.params, ignore);
                sigs.callables.insert(
                    item.id,
                    CallSig {
                        is_op: true,
                        params,
                        ret: prelude_type(db, "OpResult"),
                    },
                );
            }
            ItemKind::Fn(d) => {
                let params = param_sigs(db, file, &d.params, ignore);
                let ret = d
                    .ret
                    .as_ref()
                    .map_or(Ty::Unit, |t| resolve_type(db, file, t, ignore));
                sigs.callables.insert(
                    item.id,
                    CallSig {
                        is_op: false,
                        params,
                        ret,
                    },
                );
            }
            ItemKind::Fact(d) => {
                let params = d.params.as_ref().map(|p| param_sigs(db, file, p, ignore));
                sigs.facts.insert(
                    item.id,
                    FactSig {
                        params,
                        ret: resolve_type(db, file, &d.ret, ignore),
                    },
                );
            }
            ItemKind::Group(d) if first(&scope.values) => {
                let data = d
                    .data_ty
                    .as_ref()
                    .map(|t| resolve_type(db, file, t, ignore));
                sigs.groups.insert(d.name.name.clone(), data);
            }
            ItemKind::Param(d) if first(&scope.values) => {
                sigs.params
                    .insert(d.name.name.clone(), resolve_type(db, file, &d.ty, ignore));
            }
            ItemKind::Stage(d) => {
                if first(&scope.values) {
                    let ret = d.ret.as_ref().map(|t| resolve_type(db, file, t, ignore));
                    let one = matches!(d.targets.as_slice(), [StageTarget::One(..)]);
                    sigs.stages.insert(
                        d.name.name.clone(),
                        StageSig {
                            ordinal: stage_ordinal,
                            ret,
                            one,
                        },
                    );
                }
                stage_ordinal += 1;
            }
            _ => {}
        }
    }
    sigs
}

pub fn param_sigs(
    db: &dyn Db,
    file: SourceFile,
    params: &[Param],
    diags: &mut Vec<Diag>,
) -> Vec<ParamSig> {
    params
        .iter()
        .map(|p| ParamSig {
            name: p.name.name.clone(),
            ty: resolve_type(db, file, &p.ty, diags),
            has_default: p.default.is_some(),
        })
        .collect()
}

/// The signature of an `op`/`fn` item.
pub fn callable_sig(db: &dyn Db, id: ItemId) -> Option<&CallSig> {
    signatures(db, id.file(db)).callables.get(&id)
}

pub fn fact_sig(db: &dyn Db, id: ItemId) -> Option<&FactSig> {
    signatures(db, id.file(db)).facts.get(&id)
}
