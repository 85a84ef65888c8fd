//! Spans of any file as LSP locations.

use infrac_compiler::SourceFile;
use infrac_syntax::Span;
use tower_lsp_server::ls_types::{Location, Range};

use crate::line_index::LineIndex;
use crate::state::Snapshot;

/// The range of `span` in `file`, which may be another file than the
/// snapshot's (its text then comes from the database).
pub fn range_in(snap: &Snapshot, file: SourceFile, span: Span) -> Range {
    if file == snap.file {
        return snap.range(span);
    }
    let text = file.text(&snap.db).clone().unwrap_or_default();
    LineIndex::new(&text).range(&text, span, snap.encoding)
}

pub fn location(snap: &Snapshot, file: SourceFile, span: Span) -> Option<Location> {
    Some(Location::new(
        snap.uri_of(file)?,
        range_in(snap, file, span),
    ))
}
