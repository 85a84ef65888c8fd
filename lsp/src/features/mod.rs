//! One module per LSP feature; each is a pure function of a [`Snapshot`]
//! (database snapshot, file, text) and the request's parameters.
//!
//! [`Snapshot`]: crate::state::Snapshot

pub mod diagnostics;

use tower_lsp_server::ls_types::*;

use crate::line_index::Encoding;

/// What the server offers, announced at `initialize`.
pub fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}
pub mod occurrences;
