//! Inlay hints: the type of each `let` written without one (fact reads,
//! op results, method chains).

use infrac_compiler::items::parse;
use infrac_compiler::ty::Ty;
use tower_lsp_server::ls_types::{InlayHint, InlayHintKind, InlayHintLabel};

use super::types::Typer;
use super::visit::{Node, walk_item};
use crate::state::Snapshot;

/// Hints for the `let`s whose name lies in `start..=end` (byte offsets).
pub fn inlay_hints(snap: &Snapshot, start: u32, end: u32) -> Vec<InlayHint> {
    let db = &snap.db;
    let typer = Typer::new(db, snap.file);
    let mut hints = Vec::new();
    for item in &parse(db, snap.file).file.items {
        if item.span.end < start || item.span.start > end {
            continue;
        }
        walk_item(item, &mut |n| {
            let Node::Let { name, ty: None, .. } = n else {
                return;
            };
            if name.span.start < start || name.span.end > end {
                return;
            }
            let Some(ty) = typer.binding_type(name.span) else {
                return;
            };
            if matches!(ty, Ty::Unknown) || ty.to_string().contains("unknown") {
                return;
            }
            hints.push(InlayHint {
                position: snap.range(name.span).end,
                label: InlayHintLabel::String(format!(": {ty}")),
                kind: Some(InlayHintKind::TYPE),
                text_edits: None,
                tooltip: None,
                padding_left: None,
                padding_right: None,
                data: None,
            });
        });
    }
    hints
}
