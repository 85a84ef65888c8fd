//! What a name occurrence refers to ([`Def`]), through the compiler's
//! scopes, and where that is declared.

use infrac_compiler::items::{ItemId, ItemTag, item_origin, parse, tree_item};
use infrac_compiler::scope::{
    find_callable, find_fact, find_module, find_type, is_pub, module_scope,
};
use infrac_compiler::ty::{Ty, TypeRef};
use infrac_compiler::{Database, SourceFile};
use infrac_syntax::Span;
use infrac_syntax::ast::{FieldDecl, ItemKind, Param, TypeDeclBody, Variant};

use super::builtins;
use super::occurrences::{LocalKind, OccKind, Occurrence};
use super::types::Typer;

/// The thing a name refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Def {
    Item(ItemId),
    /// A local of `file`: its binding's span.
    Local {
        file: SourceFile,
        span: Span,
        kind: LocalKind,
    },
    Module(SourceFile),
    Field {
        record: TypeRef,
        name: String,
    },
    Variant {
        enum_: TypeRef,
        name: String,
    },
    /// A parameter of an op, fn or fact item.
    Param {
        owner: ItemId,
        name: String,
    },
    /// A built-in function or name (`probe`, `host`, `facts`...).
    Builtin(String),
    /// A built-in method of values of type `recv` (`str.trim`).
    Method {
        recv: Ty,
        name: String,
    },
}

/// Absolute span of an item's name.
pub fn item_name_span(db: &Database, id: ItemId) -> Option<Span> {
    let sig = &tree_item(db, id)?.sig;
    let origin = item_origin(db, id);
    sig.kind
        .name()
        .map(|n| Span::new(n.span.start + origin, n.span.end + origin))
}

fn type_item(db: &Database, r: &TypeRef) -> Option<ItemId> {
    module_scope(db, r.file).types.get(&r.name).copied()
}

/// Field `name` of record type `record` (signature tree), with its item.
fn field_decl<'db>(
    db: &'db Database,
    record: &TypeRef,
    name: &str,
) -> Option<(ItemId, &'db FieldDecl)> {
    let id = type_item(db, record)?;
    let ItemKind::Type(decl) = &tree_item(db, id)?.sig.kind else {
        return None;
    };
    let TypeDeclBody::Record(fields) = &decl.body else {
        return None;
    };
    Some((id, fields.iter().find(|f| f.name.name == name)?))
}

/// Variant `name` of enum `enum_` (signature tree), with its item.
fn variant_decl<'db>(
    db: &'db Database,
    enum_: &TypeRef,
    name: &str,
) -> Option<(ItemId, &'db Variant)> {
    let id = type_item(db, enum_)?;
    let ItemKind::Enum(decl) = &tree_item(db, id)?.sig.kind else {
        return None;
    };
    Some((id, decl.variants.iter().find(|v| v.name.name == name)?))
}

/// The declared parameters of an op, fn or fact (signature tree, spans
/// relative to the item).
pub fn item_params(db: &Database, id: ItemId) -> Option<&[Param]> {
    match &tree_item(db, id)?.sig.kind {
        ItemKind::Op(d) => Some(&d.params),
        ItemKind::Fn(d) => Some(&d.params),
        ItemKind::Fact(d) => d.params.as_deref(),
        _ => None,
    }
}

/// Where `def` is declared: its file and the span of its name.
pub fn location(db: &Database, def: &Def) -> Option<(SourceFile, Span)> {
    let shifted = |id: ItemId, s: Span| {
        let o = item_origin(db, id);
        (id.file(db), Span::new(s.start + o, s.end + o))
    };
    match def {
        Def::Item(id) => Some((id.file(db), item_name_span(db, *id)?)),
        Def::Local { file, span, .. } => Some((*file, *span)),
        Def::Module(file) => Some((*file, Span::new(0, 0))),
        Def::Field { record, name } => {
            let (id, field) = field_decl(db, record, name)?;
            Some(shifted(id, field.name.span))
        }
        Def::Variant { enum_, name } => {
            let (id, variant) = variant_decl(db, enum_, name)?;
            Some(shifted(id, variant.name.span))
        }
        Def::Param { owner, name } => {
            let param = item_params(db, *owner)?
                .iter()
                .find(|p| p.name.name == *name)?;
            Some(shifted(*owner, param.name.span))
        }
        Def::Builtin(_) | Def::Method { .. } => None,
    }
}

/// The doc comment of `def`, if it has one.
pub fn docs(db: &Database, def: &Def) -> Option<String> {
    match def {
        Def::Item(id) => tree_item(db, *id)?.sig.docs.clone(),
        Def::Field { record, name } => field_decl(db, record, name)?.1.docs.clone(),
        Def::Variant { enum_, name } => variant_decl(db, enum_, name)?.1.docs.clone(),
        Def::Param { owner, name } => item_params(db, *owner)?
            .iter()
            .find(|p| p.name.name == *name)?
            .docs
            .clone(),
        Def::Builtin(name) => builtins::doc(name).map(str::to_string),
        Def::Method { recv, name } => builtins::method(recv, name).map(|(_, doc)| doc.to_string()),
        Def::Local { .. } | Def::Module(_) => None,
    }
}

/// The named item at position `index` of `file`'s item list.
fn item_at_index(db: &Database, file: SourceFile, index: usize) -> Option<ItemId> {
    let tree = infrac_compiler::items::item_tree(db, file);
    tree.items
        .iter()
        .find(|t| t.index as usize == index)
        .map(|t| t.id)
}

/// The item of `file` declared at `name_span`.
fn item_declared_at(db: &Database, file: SourceFile, name_span: Span) -> Option<ItemId> {
    infrac_compiler::items::item_tree(db, file)
        .items
        .iter()
        .map(|t| t.id)
        .find(|id| item_name_span(db, *id) == Some(name_span))
}

/// A name that is not a local: a value item, a module, a type, a
/// built-in.
fn global(db: &Database, file: SourceFile, name: &str) -> Option<Def> {
    if let Some(id) = module_scope(db, file).values.get(name) {
        return Some(Def::Item(*id));
    }
    if let Some(id) = find_callable(db, file, name) {
        return Some(Def::Item(id));
    }
    if let Some(Some(module)) = find_module(db, file, name) {
        return Some(Def::Module(module));
    }
    if let Some(id) = find_type(db, file, name) {
        return Some(Def::Item(id));
    }
    builtins::doc(name).map(|_| Def::Builtin(name.to_string()))
}

/// `module.NAME`, or `Enum.variant`.
fn member(db: &Database, file: SourceFile, module: &str, name: &str) -> Option<Def> {
    if let Some(Some(target)) = find_module(db, file, module) {
        let scope = module_scope(db, target);
        let id = scope
            .values
            .get(name)
            .or_else(|| scope.types.get(name))
            .or_else(|| scope.facts.get(name))?;
        return is_pub(db, *id).then_some(Def::Item(*id));
    }
    let id = find_type(db, file, module)?;
    (id.tag(db) == ItemTag::Enum).then(|| Def::Variant {
        enum_: TypeRef {
            file: id.file(db),
            name: module.to_string(),
        },
        name: name.to_string(),
    })
}

/// The op, fn or fact a call's dotted callee path names.
pub fn callee(db: &Database, file: SourceFile, path: &[String]) -> Option<ItemId> {
    match path {
        [name] => find_callable(db, file, name),
        [facts, name] if facts == "facts" => find_fact(db, file, name),
        [module, name] => match member(db, file, module, name)? {
            Def::Item(id) => Some(id),
            _ => None,
        },
        _ => None,
    }
}

/// What `occ` (an occurrence in `file`) refers to.
pub fn resolve(db: &Database, file: SourceFile, occ: &Occurrence) -> Option<Def> {
    let name = occ.name.as_str();
    match &occ.kind {
        OccKind::ItemDecl => item_declared_at(db, file, occ.span).map(Def::Item),
        OccKind::LocalDecl {
            kind: LocalKind::Param,
        }
        | OccKind::LocalRef {
            kind: LocalKind::Param,
            ..
        } => {
            let owner = item_at_index(db, file, occ.item)?;
            Some(Def::Param {
                owner,
                name: name.to_string(),
            })
        }
        OccKind::LocalDecl { kind } => Some(Def::Local {
            file,
            span: occ.span,
            kind: *kind,
        }),
        OccKind::LocalRef { def, kind } => Some(Def::Local {
            file,
            span: *def,
            kind: *kind,
        }),
        OccKind::GlobalRef => global(db, file, name),
        OccKind::FactRef => find_fact(db, file, name).map(Def::Item),
        OccKind::MemberRef { module } => member(db, file, module, name),
        OccKind::FieldRef { base } => {
            let typer = Typer::new(db, file);
            let ty = typer.type_at(*base)?;
            field_def(&ty, name)
        }
        OccKind::NamedArg { callee: path } => {
            let owner = callee(db, file, path)?;
            Some(Def::Param {
                owner,
                name: name.to_string(),
            })
        }
        OccKind::TypeRef { qualifier: None } => find_type(db, file, name).map(Def::Item),
        OccKind::TypeRef { qualifier: Some(m) } => member(db, file, m, name),
        OccKind::GroupRef => module_scope(db, file)
            .values
            .get(name)
            .map(|id| Def::Item(*id)),
        OccKind::UseModule { .. } => match find_module(db, file, name) {
            Some(Some(module)) => Some(Def::Module(module)),
            _ => None,
        },
        OccKind::PatternVariant { qualifier } => member(db, file, qualifier, name),
        OccKind::FieldDecl => {
            let item = parse(db, file).file.items.get(occ.item)?;
            let record = item.kind.name()?.name.clone();
            Some(Def::Field {
                record: TypeRef { file, name: record },
                name: name.to_string(),
            })
        }
        OccKind::VariantDecl => {
            let item = parse(db, file).file.items.get(occ.item)?;
            let enum_ = item.kind.name()?.name.clone();
            Some(Def::Variant {
                enum_: TypeRef { file, name: enum_ },
                name: name.to_string(),
            })
        }
    }
}

/// A field of a value of type `ty` (through `?.`), or a method.
pub fn field_def(ty: &Ty, name: &str) -> Option<Def> {
    match ty.strip_optional() {
        Ty::Record(r) => Some(Def::Field {
            record: r.clone(),
            name: name.to_string(),
        }),
        other if builtins::method(other, name).is_some() => Some(Def::Method {
            recv: other.clone(),
            name: name.to_string(),
        }),
        _ => None,
    }
}
