//! The `.infra` language server: LSP over stdio on the compiler's salsa
//! database (`infrac-compiler`).
//!
//! API boundary: this is the only crate that knows about LSP and JSON-RPC.
//! It uses the compiler through its public queries and the AST only.

mod analysis;
mod diagnostics;
mod document;
mod features;
mod line_index;
mod server;
mod state;
mod stdlib_files;

pub use server::Backend;

/// Serves the language server on stdin/stdout until the client exits.
pub async fn serve_stdio() {
    let (service, socket) = tower_lsp_server::LspService::new(Backend::new);
    tower_lsp_server::Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
        .serve(service)
        .await;
}
