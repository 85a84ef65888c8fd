//! Inlay hints: the type of each `let` written without one, as the
//! checker found it.

use infrac_compiler::Semantics;
use infrac_compiler::ty::Ty;
use infrac_syntax::ast::Ident;
use infrac_syntax::visit::{Binding, Visitor};
use tower_lsp_server::ls_types::{InlayHint, InlayHintKind, InlayHintLabel};

use crate::state::Snapshot;

/// The names of the `let`s without a type between `start` and `end`.
struct UntypedLets<'a> {
    start: u32,
    end: u32,
    found: Vec<&'a Ident>,
}

impl<'a> Visitor<'a> for UntypedLets<'a> {
    fn visit_binding(&mut self, name: &'a Ident, binding: Binding<'a>) {
        if let Binding::Let { ty: None, .. } = binding
            && self.start <= name.span.start
            && name.span.end <= self.end
        {
            self.found.push(name);
        }
    }
}

pub fn inlay_hints(snap: &Snapshot, start: u32, end: u32) -> Vec<InlayHint> {
    let sema = Semantics::new(&snap.db);
    let items = sema.items_between(snap.file, start, end);
    let mut lets = UntypedLets {
        start,
        end,
        found: Vec::new(),
    };
    for item in &items {
        lets.visit_item(item);
    }
    let mut hints = Vec::new();
    for name in lets.found {
        let Some(ty) = sema.type_of(snap.file, name.span) else {
            continue;
        };
        if matches!(ty, Ty::Unknown) || ty.to_string().contains("unknown") {
            continue;
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
    }
    hints
}
