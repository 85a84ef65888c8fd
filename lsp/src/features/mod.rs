//! One module per LSP feature; each is a pure function of a [`Snapshot`]
//! (database snapshot, file, text) and the request's parameters. The
//! shared analysis: [`occurrences`] (names and local scopes), [`resolve`]
//! (what a name refers to), [`types`] (best-effort expression types).
//!
//! [`Snapshot`]: crate::state::Snapshot

pub mod builtins;
pub mod completion;
pub mod definition;
pub mod diagnostics;
pub mod hover;
pub mod location;
pub mod occurrences;
pub mod resolve;
pub mod types;
pub mod visit;

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
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            ..Default::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        ..Default::default()
    }
}
