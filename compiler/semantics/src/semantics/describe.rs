//! What a definition looks like to a reader: its declaration as written,
//! its documentation, the parameters of a callee.

use infrac_syntax::ast::{self, ExprKind, ItemKind, Span, TypeDeclBody};

use super::Semantics;
use crate::check::{builtin_entry, builtin_result};
use crate::db::Db;
use crate::def::Def;
use crate::items::{ItemId, ItemTag, item_origin, parse, tree_item};
use crate::scope::type_item;
use crate::sigs::{ParamSig, callable_sig, enum_variants, fact_sig, record_fields};
use crate::ty::{Ty, TypeRef};

/// A parameter of a callee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    /// Its type as written (`str?`; `T` for a method's element type).
    pub ty: String,
    pub has_default: bool,
}

/// What a callee takes and gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// In call order.
    pub params: Vec<Param>,
    /// Parameters that can only be named (an op's `sudo:`, `sudo_user:`,
    /// `notify:`; the retry arguments of op calls and `probe`).
    pub named_only: Vec<Param>,
    /// `None` when it depends on the call (a host constructor's data).
    pub ret: Option<String>,
}

fn params_of(sigs: &[ParamSig]) -> Vec<Param> {
    sigs.iter()
        .map(|p| Param {
            name: p.name.clone(),
            ty: p.ty.to_string(),
            has_default: p.has_default,
        })
        .collect()
}

/// Parameters as the table of built-ins writes them.
fn table_params(params: &[infrac_bytecode::builtins::Param]) -> Vec<Param> {
    params
        .iter()
        .map(|p| Param {
            name: p.name.to_string(),
            ty: p.ty.to_string(),
            has_default: p.default != infrac_bytecode::ParamDefault::Required,
        })
        .collect()
}

/// The declared parameters of an op, fn or fact (signature tree, spans
/// relative to the item).
pub(super) fn item_params(db: &dyn Db, id: ItemId) -> Option<&[ast::Param]> {
    match &tree_item(db, id)?.sig.kind {
        ItemKind::Op(d) => Some(&d.params),
        ItemKind::Fn(d) => Some(&d.params),
        ItemKind::Fact(d) => d.params.as_deref(),
        _ => None,
    }
}

/// The declaration of a field or a variant: its item, the span (relative
/// to it) of its name, and its docs.
fn member(db: &dyn Db, def: &Def) -> Option<(ItemId, Span, Option<String>)> {
    let (owner, index) = match *def {
        Def::Field { record, index } => (record, index as usize),
        Def::Variant { enum_, index } => (enum_, index as usize),
        _ => return None,
    };
    match &tree_item(db, owner)?.sig.kind {
        ItemKind::Type(decl) => {
            let TypeDeclBody::Record(fields) = &decl.body else {
                return None;
            };
            let field = fields.get(index)?;
            Some((owner, field.name.span, field.docs.clone()))
        }
        ItemKind::Enum(decl) => {
            let variant = decl.variants.get(index)?;
            Some((owner, variant.name.span, variant.docs.clone()))
        }
        _ => None,
    }
}

pub(super) fn member_decl(db: &dyn Db, def: &Def) -> Option<(ItemId, Span)> {
    member(db, def).map(|(id, span, _)| (id, span))
}

impl Semantics<'_> {
    /// The doc comment of `def`, if it has one.
    pub fn docs(&self, def: &Def) -> Option<String> {
        let db = self.db;
        match def {
            Def::Item(id) => tree_item(db, *id)?.sig.docs.clone(),
            Def::Field { .. } | Def::Variant { .. } => member(db, def)?.2,
            Def::Param { owner, index } => {
                item_params(db, *owner)?.get(*index as usize)?.docs.clone()
            }
            Def::Builtin(name) => builtin_entry(name).map(|(_, doc)| doc.to_string()),
            Def::HostField(name) if **name == "name" => Some("The host's name.".into()),
            Def::HostField(_) => Some("The host's data, typed by its group.".into()),
            Def::Method(method) => Some(method.doc.to_string()),
            Def::Local { .. } | Def::Module(_) => None,
        }
    }

    /// What callee `def` takes: an op, fn or fact with parameters, a
    /// built-in function or a method.
    pub fn signature(&self, def: &Def) -> Option<Signature> {
        let db = self.db;
        match def {
            Def::Item(id) if id.tag(db) == ItemTag::Fact => Some(Signature {
                params: params_of(fact_sig(db, *id)?.params.as_ref()?),
                named_only: Vec::new(),
                ret: Some(fact_sig(db, *id)?.ret.to_string()),
            }),
            Def::Item(id) => {
                let sig = callable_sig(db, *id)?;
                let named_only = if sig.is_op {
                    let mut extras = crate::check::op_sudo_params();
                    extras.extend(crate::check::retry_params());
                    let mut extras = params_of(&extras);
                    // Not a value: one handler (an op) or a list of them.
                    extras.push(Param {
                        name: "notify".into(),
                        ty: "handler".into(),
                        has_default: true,
                    });
                    extras
                } else {
                    Vec::new()
                };
                Some(Signature {
                    params: params_of(&sig.params),
                    named_only,
                    ret: Some(sig.ret.to_string()),
                })
            }
            // As the table writes it: a host constructor's `data: T` is
            // typed by the group it stands in.
            Def::Builtin(name) => {
                let function = infrac_bytecode::builtins::function(name)?;
                let ret = builtin_result(db, name)?;
                let named_only = match function.builtin {
                    Some(infrac_bytecode::Builtin::Probe) => {
                        params_of(&crate::check::retry_params())
                    }
                    _ => Vec::new(),
                };
                Some(Signature {
                    params: table_params(function.params),
                    named_only,
                    ret: ret.map(|t| t.to_string()),
                })
            }
            Def::Method(method) => Some(Signature {
                params: table_params(method.params),
                named_only: Vec::new(),
                ret: Some(method.ret.to_string()),
            }),
            _ => None,
        }
    }

    /// The source text of an item's declaration, without its body.
    pub fn header(&self, id: ItemId) -> Option<String> {
        let db = self.db;
        let file = id.file(db);
        let (origin, item) = parse(db, file)
            .items
            .get(tree_item(db, id)?.index as usize)?;
        let text = file.text(db).as_deref()?;
        let end = match &item.kind {
            ItemKind::Stage(d) => d.body.span.start,
            ItemKind::Op(d) => d.body.span.start,
            ItemKind::Fact(d) => d.body.as_ref().map_or(item.span.end, |b| b.span.start),
            ItemKind::Fn(d) => d.body.as_ref().map_or(item.span.end, |b| b.span.start),
            ItemKind::Group(d) if !matches!(d.hosts.kind, ExprKind::Error) => d.hosts.span.start,
            _ => item.span.end,
        };
        let header = text.get((item.span.start + origin) as usize..(end + origin) as usize)?;
        let header = header.trim_end().trim_end_matches('=').trim_end();
        Some(
            header
                .lines()
                .map(str::trim_end)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    }

    /// A one-line summary of an item for lists: the header's first line,
    /// or for ops, fns and facts their parameters as written (without
    /// comments) and their result.
    pub fn summary(&self, id: ItemId) -> Option<String> {
        let db = self.db;
        let header = self.header(id)?;
        let first = header.lines().next()?.trim().to_string();
        let Some(params) = item_params(db, id) else {
            return Some(first);
        };
        let params: Vec<&str> = params
            .iter()
            .filter_map(|p| self.item_text(id, p.span))
            .collect();
        let keyword = first.split('(').next().unwrap_or(&first);
        let ret = match (id.tag(db), fact_sig(db, id), callable_sig(db, id)) {
            (ItemTag::Fact, Some(sig), _) => format!(": {}", sig.ret),
            (_, _, Some(sig)) => format!(" -> {}", sig.ret),
            _ => String::new(),
        };
        Some(format!("{keyword}({}){ret}", params.join(", ")))
    }

    /// The text of `span`, relative to item `id`.
    fn item_text(&self, id: ItemId, span: Span) -> Option<&str> {
        let origin = item_origin(self.db, id);
        let text = id.file(self.db).text(self.db).as_deref()?;
        text.get((span.start + origin) as usize..(span.end + origin) as usize)
    }

    /// How `def` is declared, as code: an item's header (with the record
    /// a fact returns), `let x: T`, `Record.field: T`...
    pub fn describe(&self, def: &Def) -> Option<String> {
        let db = self.db;
        Some(match def {
            Def::Item(id) => {
                let mut code = self.header(*id)?;
                if let Some(schema) = self.fact_schema(*id) {
                    code.push_str("\n\n");
                    code.push_str(&schema);
                }
                code
            }
            Def::Local { item, binding } => {
                let ty = self.type_of(item.file(db), *binding).unwrap_or(Ty::Unknown);
                let text = item.file(db).text(db).as_deref()?.get(binding.range())?;
                format!("let {text}: {ty}")
            }
            Def::Module(file) => format!("module {}", file.path(db).file_stem()?.to_string_lossy()),
            Def::Field { record, index } => {
                let record = TypeRef::of_item(db, *record);
                let field = record_fields(db, &record)?.get(*index as usize)?;
                format!("{}.{}: {}", record.name, field.name, field.ty)
            }
            Def::Variant { enum_, .. } => format!("{}.{}", enum_.name(db), self.def_name(def)?),
            Def::Param { owner, index } => {
                let param = item_params(db, *owner)?.get(*index as usize)?;
                let text = self
                    .item_text(*owner, param.span)
                    .unwrap_or(&param.name.name);
                format!("{}({text})", owner.name(db))
            }
            Def::Builtin(name) => builtin_entry(name)?.0,
            Def::HostField(name) => format!("host.{name}"),
            Def::Method(method) => format!("{}.{}", recv_name(method.recv), method.signature()),
        })
    }

    /// The name `def` is written with.
    pub fn def_name(&self, def: &Def) -> Option<String> {
        let db = self.db;
        Some(match *def {
            Def::Item(id) => id.name(db).clone(),
            Def::Local { item, binding } => {
                let text = item.file(db).text(db).as_deref()?;
                text.get(binding.range())?.to_string()
            }
            Def::Param { owner, index } => item_params(db, owner)?
                .get(index as usize)?
                .name
                .name
                .clone(),
            Def::Module(file) => file.path(db).file_stem()?.to_string_lossy().into_owned(),
            Def::Field { record, index } => {
                let fields = record_fields(db, &TypeRef::of_item(db, record))?;
                fields.get(index as usize)?.name.clone()
            }
            Def::Variant { enum_, index } => {
                let variants = enum_variants(db, &TypeRef::of_item(db, enum_))?;
                variants.get(index as usize)?.clone()
            }
            Def::Builtin(name) | Def::HostField(name) => name.to_string(),
            Def::Method(method) => method.name.to_string(),
        })
    }

    /// For a fact returning a record (or an optional record): that
    /// record's declaration.
    fn fact_schema(&self, id: ItemId) -> Option<String> {
        let db = self.db;
        if id.tag(db) != ItemTag::Fact {
            return None;
        }
        let Ty::Record(r) = fact_sig(db, id)?.ret.strip_optional().clone() else {
            return None;
        };
        self.header(type_item(db, &r)?)
    }
}

/// How the reference names the kind of a method's receiver.
fn recv_name(recv: infrac_bytecode::builtins::Recv) -> &'static str {
    use infrac_bytecode::builtins::Recv;
    match recv {
        Recv::Str => "str",
        Recv::List => "list",
        Recv::Map => "map",
        Recv::Int => "int",
        Recv::Float => "float",
    }
}
