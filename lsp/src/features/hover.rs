//! Hover: what a name is (its declaration or type), its doc comment, and
//! for facts the schema of the record they return.

use infrac_compiler::Database;
use infrac_compiler::items::{ItemId, ItemTag, parse, tree_item};
use infrac_compiler::sigs::{fact_sig, record_fields};
use infrac_compiler::ty::Ty;
use infrac_syntax::ast::{ExprKind, ItemKind};
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::builtins;
use super::occurrences;
use super::resolve::{self, Def, item_params};
use super::types::Typer;
use crate::state::Snapshot;

pub fn hover(snap: &Snapshot, offset: u32) -> Option<Hover> {
    let db = &snap.db;
    let occs = occurrences::collect(&parse(db, snap.file).file);
    let occ = occurrences::at(&occs, offset)?;
    let def = resolve::resolve(db, snap.file, occ)?;
    let text = describe(snap, &def)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(snap.range(occ.span)),
    })
}

/// The hover text of `def`: a code block, then the documentation.
pub fn describe(snap: &Snapshot, def: &Def) -> Option<String> {
    let db = &snap.db;
    let code = match def {
        Def::Item(id) => {
            let mut code = item_header(db, *id)?;
            if let Some(schema) = fact_schema(db, *id) {
                code.push_str("\n\n");
                code.push_str(&schema);
            }
            code
        }
        Def::Local { span, .. } => {
            let ty = Typer::new(db, snap.file)
                .binding_type(*span)
                .unwrap_or(Ty::Unknown);
            format!("let {}: {ty}", snap.text.get(span.range()).unwrap_or(""))
        }
        Def::Module(file) => format!("module {}", file.path(db).file_stem()?.to_string_lossy()),
        Def::Field { record, name } => {
            let field = record_fields(db, record)?
                .iter()
                .find(|f| f.name == *name)?;
            format!("{}.{}: {}", record.name, name, field.ty)
        }
        Def::Variant { enum_, name } => format!("{}.{}", enum_.name, name),
        Def::Param { owner, name } => {
            let param = item_params(db, *owner)?
                .iter()
                .find(|p| p.name.name == *name)?;
            let file_text = owner.file(db).text(db).clone().unwrap_or_default();
            let origin = infrac_compiler::items::item_origin(db, *owner);
            let start = (param.span.start + origin) as usize;
            let end = (param.span.end + origin) as usize;
            format!(
                "{}({})",
                owner.name(db),
                file_text.get(start..end).unwrap_or(&param.name.name)
            )
        }
        Def::Builtin(name) => builtins::signature(name)?.to_string(),
        Def::Method { recv, name } => format!("{recv}.{}", builtins::method(recv, name)?.0),
    };
    let mut out = format!("```infra\n{code}\n```");
    if let Some(docs) = resolve::docs(db, def) {
        out.push_str("\n\n");
        out.push_str(&docs);
    }
    Some(out)
}

/// The source text of an item's declaration, without its body.
pub fn item_header(db: &Database, id: ItemId) -> Option<String> {
    let file = id.file(db);
    let item = parse(db, file)
        .file
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
    let header = text.get(item.span.start as usize..end as usize)?;
    let header = header.trim_end().trim_end_matches('=').trim_end();
    Some(
        header
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// A one-line summary of an item for completion lists: the header's
/// first line, or for ops, fns and facts their parameters as written
/// (without comments).
pub fn signature_line(db: &Database, id: ItemId) -> Option<String> {
    let header = item_header(db, id)?;
    let first = header.lines().next()?.trim().to_string();
    let Some(params) = item_params(db, id) else {
        return Some(first);
    };
    let text = id.file(db).text(db).as_deref()?;
    let origin = infrac_compiler::items::item_origin(db, id);
    let params: Vec<&str> = params
        .iter()
        .filter_map(|p| text.get((p.span.start + origin) as usize..(p.span.end + origin) as usize))
        .collect();
    let keyword = first.split('(').next().unwrap_or(&first);
    let ret = match (
        id.tag(db),
        fact_sig(db, id),
        infrac_compiler::sigs::callable_sig(db, id),
    ) {
        (ItemTag::Fact, Some(sig), _) => format!(": {}", sig.ret),
        (_, _, Some(sig)) => format!(" -> {}", sig.ret),
        _ => String::new(),
    };
    Some(format!("{keyword}({}){ret}", params.join(", ")))
}

/// For a fact returning a record (or an optional record): that record's
/// declaration.
fn fact_schema(db: &Database, id: ItemId) -> Option<String> {
    if id.tag(db) != ItemTag::Fact {
        return None;
    }
    let Ty::Record(r) = fact_sig(db, id)?.ret.strip_optional().clone() else {
        return None;
    };
    let record = infrac_compiler::scope::module_scope(db, r.file)
        .types
        .get(&r.name)
        .copied()?;
    item_header(db, record)
}
