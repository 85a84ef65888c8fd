//! Document symbols (the outline) and workspace symbols.

use infrac_compiler::{Db, ItemTag, Semantics, SourceFile};
use infrac_syntax::ast::{Item, ItemKind, TypeDeclBody};
use tower_lsp_server::ls_types::{DocumentSymbol, OneOf, SymbolKind, WorkspaceSymbol};

use super::location::location;
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
    let sema = Semantics::new(db);
    sema.items(snap.file)
        .into_iter()
        .filter_map(|id| {
            let item = sema.item_syntax(id)?;
            let name = item.kind.name()?;
            #[allow(deprecated)] // `deprecated` is a required field of the struct
            Some(DocumentSymbol {
                name: name.name.clone(),
                detail: sema.summary(id),
                kind: kind_of(id.tag(db)),
                tags: None,
                deprecated: None,
                range: snap.range(item.span),
                selection_range: snap.range(name.span),
                children: children(snap, &item),
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
    let sema = Semantics::new(db);
    let query = query.to_lowercase();
    let std_files: Vec<SourceFile> = db.std_modules().iter().map(|(_, f)| *f).collect();
    let mut out = Vec::new();
    for file in snap.workspace_files().into_iter().chain(std_files) {
        for id in sema.items(file) {
            let name = id.name(db);
            if !name.to_lowercase().contains(&query) {
                continue;
            }
            let Some(span) = sema.item_name_span(id) else {
                continue;
            };
            let Some(loc) = location(snap, file, span) else {
                continue;
            };
            out.push(WorkspaceSymbol {
                name: name.clone(),
                kind: kind_of(id.tag(db)),
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
