//! Document symbols (the outline) and workspace symbols.

use infrac_compiler::items::{ItemTag, item_tree, parse, tree_item};
use infrac_compiler::{Db, SourceFile};
use infrac_syntax::ast::{Item, ItemKind, TypeDeclBody};
use tower_lsp_server::ls_types::{DocumentSymbol, OneOf, SymbolKind, WorkspaceSymbol};

use super::hover::signature_line;
use super::location::location;
use super::resolve::item_name_span;
use crate::state::Snapshot;

pub fn kind_of(tag: ItemTag) -> SymbolKind {
    match tag {
        ItemTag::Type => SymbolKind::STRUCT,
        ItemTag::Enum => SymbolKind::ENUM,
        ItemTag::Param => SymbolKind::CONSTANT,
        ItemTag::Group => SymbolKind::NAMESPACE,
        ItemTag::Stage => SymbolKind::EVENT,
        ItemTag::Fact => SymbolKind::PROPERTY,
        ItemTag::Op | ItemTag::Fn => SymbolKind::FUNCTION,
    }
}

/// The items of the snapshot's file, with record fields and enum variants
/// as children.
pub fn document_symbols(snap: &Snapshot) -> Vec<DocumentSymbol> {
    let db = &snap.db;
    let items = &parse(db, snap.file).file.items;
    item_tree(db, snap.file)
        .items
        .iter()
        .filter_map(|t| {
            let item = items.get(t.index as usize)?;
            let name = item.kind.name()?;
            #[allow(deprecated)] // `deprecated` is a required field of the struct
            Some(DocumentSymbol {
                name: name.name.clone(),
                detail: signature_line(db, t.id),
                kind: kind_of(t.id.tag(db)),
                tags: None,
                deprecated: None,
                range: snap.range(item.span),
                selection_range: snap.range(name.span),
                children: children(snap, item),
            })
        })
        .collect()
}

fn children(snap: &Snapshot, item: &Item) -> Option<Vec<DocumentSymbol>> {
    let members: Vec<(&infrac_syntax::ast::Ident, SymbolKind, infrac_syntax::Span)> =
        match &item.kind {
            ItemKind::Type(d) => match &d.body {
                TypeDeclBody::Record(fields) => fields
                    .iter()
                    .map(|f| (&f.name, SymbolKind::FIELD, f.span))
                    .collect(),
                TypeDeclBody::Alias(_) => Vec::new(),
            },
            ItemKind::Enum(d) => d
                .variants
                .iter()
                .map(|v| (&v.name, SymbolKind::ENUM_MEMBER, v.name.span))
                .collect(),
            _ => Vec::new(),
        };
    if members.is_empty() {
        return None;
    }
    #[allow(deprecated)]
    let symbols = members
        .into_iter()
        .map(|(name, kind, span)| DocumentSymbol {
            name: name.name.clone(),
            detail: None,
            kind,
            tags: None,
            deprecated: None,
            range: snap.range(span),
            selection_range: snap.range(name.span),
            children: None,
        })
        .collect();
    Some(symbols)
}

/// Items whose name contains `query` (case-insensitively) in the open
/// files, the modules they use and the standard library.
pub fn workspace_symbols(snap: &Snapshot, query: &str) -> Vec<WorkspaceSymbol> {
    let db = &snap.db;
    let query = query.to_lowercase();
    let std_files: Vec<SourceFile> = db.std_modules().iter().map(|(_, f)| *f).collect();
    let mut out = Vec::new();
    for file in snap.workspace_files().into_iter().chain(std_files) {
        for t in &item_tree(db, file).items {
            let name = t.id.name(db);
            if !name.to_lowercase().contains(&query) || tree_item(db, t.id).is_none() {
                continue;
            }
            let Some(span) = item_name_span(db, t.id) else {
                continue;
            };
            let Some(loc) = location(snap, file, span) else {
                continue;
            };
            out.push(WorkspaceSymbol {
                name: name.clone(),
                kind: kind_of(t.id.tag(db)),
                tags: None,
                container_name: Some(
                    file.path(db)
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                ),
                location: OneOf::Left(loc),
                data: None,
            });
        }
    }
    out
}
