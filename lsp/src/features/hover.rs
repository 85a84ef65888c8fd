//! Hover: what a name is (its declaration or type), its doc comment, and
//! for facts the schema of the record they return.

use infrac_compiler::Semantics;
use infrac_compiler::def::Def;
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use crate::state::Snapshot;

pub fn hover(snap: &Snapshot, offset: u32) -> Option<Hover> {
    let sema = Semantics::new(&snap.db);
    let name = sema.name_at(snap.file, offset)?;
    let text = describe(&sema, name.def.as_ref()?)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(snap.range(name.span)),
    })
}

/// The hover text of `def`: a code block, then the documentation.
pub fn describe(sema: &Semantics<'_>, def: &Def) -> Option<String> {
    let mut out = format!("```infra\n{}\n```", sema.describe(def)?);
    if let Some(docs) = sema.docs(def) {
        out.push_str("\n\n");
        out.push_str(&docs);
    }
    Some(out)
}
