//! The `LanguageServer` implementation: document sync, diagnostics and the
//! dispatch of requests to the feature modules.
//!
//! Concurrency: tower-lsp-server runs up to four handlers at once and they
//! may finish out of order. Every edit is applied in the handler's
//! synchronous prefix, under `state`'s lock, before the first `.await`, so
//! edits apply in arrival order. Requests take a snapshot under the lock
//! and compute after releasing it (see [`crate::analysis`]). Diagnostics
//! are computed by a background task after each edit, so that requests
//! never queue behind them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::analysis::{self, Failure};
use crate::features;
use crate::line_index::Encoding;
use crate::state::{Snapshot, State};
use crate::stdlib_files::StdlibFiles;

/// LSP's "content modified" error: the answer would be for stale text.
const CONTENT_MODIFIED: i64 = -32801;

pub struct Backend {
    shared: Shared,
}

/// What handlers and background publishing tasks share.
#[derive(Clone)]
struct Shared {
    client: Client,
    state: Arc<Mutex<State>>,
    /// The last version whose diagnostics were published, per document.
    /// Held across the check and the send so that an older result is never
    /// sent after a newer one.
    published: Arc<tokio::sync::Mutex<HashMap<Uri, i32>>>,
    /// A publishing task is spawned and has not read the versions yet: a
    /// burst of edits needs no second one.
    queued: Arc<AtomicBool>,
}

impl Backend {
    pub fn new(client: Client) -> Self {
        Backend {
            shared: Shared {
                client,
                state: Arc::default(),
                published: Arc::default(),
                queued: Arc::default(),
            },
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }

    async fn on_snapshot<T: Send + 'static>(
        &self,
        uri: &Uri,
        compute: impl Fn(&Snapshot) -> T + Send + Sync + Clone + 'static,
    ) -> Result<Option<T>> {
        self.shared.on_snapshot(uri, compute).await
    }

    /// Recomputes the diagnostics of every open document in the
    /// background, so that the handler (and the requests queued behind it)
    /// does not wait for them.
    fn spawn_publish(&self) {
        if self.shared.queued.swap(true, Ordering::SeqCst) {
            return;
        }
        let shared = self.shared.clone();
        tokio::spawn(async move {
            shared.queued.store(false, Ordering::SeqCst);
            shared.publish_all().await
        });
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half
        // written (every write is one assignment), so a poisoned lock is
        // still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs a request's computation on a snapshot of `uri`.
    async fn on_snapshot<T: Send + 'static>(
        &self,
        uri: &Uri,
        compute: impl Fn(&Snapshot) -> T + Send + Sync + Clone + 'static,
    ) -> Result<Option<T>> {
        let state = self.state.clone();
        let take = || {
            state
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .snapshot(uri)
        };
        match analysis::run(take, compute).await {
            Ok(value) => Ok(value),
            Err(Failure::Cancelled) => Err(Error {
                code: ErrorCode::ServerError(CONTENT_MODIFIED),
                message: "content modified".into(),
                data: None,
            }),
            Err(Failure::Panicked(message)) => {
                self.client
                    .log_message(
                        MessageType::ERROR,
                        format!("infrac lsp: internal error: {message}"),
                    )
                    .await;
                Err(Error::internal_error())
            }
        }
    }

    /// Recomputes and pushes the diagnostics of every open document (an
    /// edit in one file can change another's: a `use`d module).
    async fn publish_all(&self) {
        let open: Vec<(Uri, i32)> = self
            .state()
            .docs
            .iter()
            .map(|(u, d)| (u.clone(), d.version))
            .collect();
        for (uri, version) in open {
            self.publish(uri, version).await;
        }
    }

    async fn publish(&self, uri: Uri, version: i32) {
        if self.state().docs.get(&uri).map(|d| d.version) != Some(version) {
            return; // superseded before we started
        }
        let result = self
            .on_snapshot(&uri, features::diagnostics::for_file)
            .await;
        let diagnostics = match result {
            Ok(Some(d)) => d,
            // Closed meanwhile, or superseded by edits: a newer publish follows.
            Ok(None) | Err(_) => return,
        };
        let mut published = self.published.lock().await;
        let current = self.state().docs.get(&uri).map(|d| d.version);
        let newer_sent = published.get(&uri).is_some_and(|&v| v > version);
        if current != Some(version) || newer_sent {
            return;
        }
        published.insert(uri.clone(), version);
        self.client
            .publish_diagnostics(uri, diagnostics, Some(version))
            .await;
    }
}

fn negotiate_encoding(params: &InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encoding = negotiate_encoding(&params);
        let stdlib_error = {
            let mut state = self.state();
            state.encoding = encoding;
            match StdlibFiles::materialize(&state.db, &std::env::temp_dir()) {
                Ok(files) => {
                    state.stdlib = Some(files);
                    None
                }
                Err(e) => Some(e),
            }
        };
        if let Some(e) = stdlib_error {
            self.shared.client
                .log_message(MessageType::WARNING, format!("infrac lsp: cannot write the stdlib copy ({e}); go to definition into the stdlib is off"))
                .await;
        }
        Ok(InitializeResult {
            capabilities: features::capabilities(encoding),
            server_info: Some(ServerInfo {
                name: "infrac".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            ..Default::default()
        })
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.state().open(doc.uri, doc.text, doc.version);
        self.spawn_publish();
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let applied = self.state().change(
            &params.text_document.uri,
            params.content_changes,
            params.text_document.version,
        );
        if applied {
            self.spawn_publish();
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.state().close(&uri);
        self.shared.published.lock().await.remove(&uri);
        self.shared
            .client
            .publish_diagnostics(uri, Vec::new(), None)
            .await;
        self.spawn_publish();
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let at = params.text_document_position;
        let items = self
            .on_snapshot(&at.text_document.uri, move |s| {
                features::completion::complete(s, s.offset(at.position))
            })
            .await?;
        Ok(items.map(CompletionResponse::Array))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let at = params.text_document_position_params;
        Ok(self
            .on_snapshot(&at.text_document.uri, move |s| {
                features::hover::hover(s, s.offset(at.position))
            })
            .await?
            .flatten())
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let at = params.text_document_position_params;
        let found = self
            .on_snapshot(&at.text_document.uri, move |s| {
                features::definition::definition(s, s.offset(at.position))
            })
            .await?;
        Ok(found.flatten().map(GotoDefinitionResponse::Scalar))
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let symbols = self
            .on_snapshot(
                &params.text_document.uri,
                features::symbols::document_symbols,
            )
            .await?;
        Ok(symbols.map(DocumentSymbolResponse::Nested))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let range = params.range;
        self.on_snapshot(&params.text_document.uri, move |s| {
            features::inlay::inlay_hints(s, s.offset(range.start), s.offset(range.end))
        })
        .await
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        let at = params.text_document_position_params;
        let help = self.on_snapshot(&at.text_document.uri, move |s| {
            features::signature::signature_help(s, s.offset(at.position))
        });
        Ok(help.await?.flatten())
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let at = params.text_document_position;
        let include = params.context.include_declaration;
        self.on_snapshot(&at.text_document.uri, move |s| {
            features::references::references(s, s.offset(at.position), include)
        })
        .await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let answer = self
            .on_snapshot(&params.text_document.uri, move |s| {
                features::references::prepare_rename(s, s.offset(params.position))
            })
            .await?;
        match answer {
            Some(Ok(range)) => Ok(Some(PrepareRenameResponse::Range(range))),
            Some(Err(why)) => Err(Error::invalid_params(why)),
            None => Ok(None),
        }
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let at = params.text_document_position;
        let new_name = params.new_name;
        let answer = self
            .on_snapshot(&at.text_document.uri, move |s| {
                features::references::rename(s, s.offset(at.position), &new_name)
            })
            .await?;
        match answer {
            Some(Ok(edit)) => Ok(Some(edit)),
            Some(Err(why)) => Err(Error::invalid_params(why)),
            None => Ok(None),
        }
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let tokens = self
            .on_snapshot(&params.text_document.uri, features::semantic_tokens::tokens)
            .await?;
        Ok(tokens.map(|data| {
            SemanticTokensResult::Tokens(SemanticTokens {
                result_id: None,
                data,
            })
        }))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        Ok(Some(features::code_actions::quick_fixes(
            &params.text_document.uri,
            &params.context.diagnostics,
        )))
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        // Any open document gives a snapshot that knows every open file.
        let Some(uri) = self.state().docs.keys().next().cloned() else {
            return Ok(Some(WorkspaceSymbolResponse::Nested(Vec::new())));
        };
        let query = params.query;
        let symbols = self
            .on_snapshot(&uri, move |s| {
                features::symbols::workspace_symbols(s, &query)
            })
            .await?;
        Ok(symbols.map(WorkspaceSymbolResponse::Nested))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        self.on_snapshot(&params.text_document.uri, features::formatting::edits)
            .await
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        {
            let mut state = self.state();
            for change in params.changes {
                state.reload_from_disk(&change.uri);
            }
        }
        self.spawn_publish();
    }
}
