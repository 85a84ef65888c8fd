//! An in-process LSP client for tests: drives `Backend` through tower's
//! `Service` and collects what the server sends (diagnostics, logs).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]
#![allow(dead_code)] // each test binary uses a different part of the harness

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::StreamExt;
use infrac_lsp::Backend;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tower::{Service, ServiceExt};
use tower_lsp_server::LspService;
use tower_lsp_server::jsonrpc::Request;

pub struct Client {
    service: LspService<Backend>,
    from_server: mpsc::UnboundedReceiver<Request>,
    next_id: i64,
    pub dir: tempfile::TempDir,
}

/// The cursor marker in fixtures.
pub const CURSOR: &str = "$0";

/// Removes the cursor marker; returns the text and the marker's (line,
/// UTF-16 character).
pub fn cursor(fixture: &str) -> (String, u32, u32) {
    let at = fixture
        .find(CURSOR)
        .expect("fixture has a $0 cursor marker");
    let before = &fixture[..at];
    let line = before.matches('\n').count() as u32;
    let col = before
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .encode_utf16()
        .count() as u32;
    (fixture.replacen(CURSOR, "", 1), line, col)
}

impl Client {
    /// A server initialized with `capabilities`, with a scratch workspace.
    pub async fn start_with(capabilities: Value) -> Client {
        let (service, socket) = LspService::new(Backend::new);
        let (tx, from_server) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut socket = socket;
            while let Some(message) = socket.next().await {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        let dir = tempfile::tempdir().expect("temp dir");
        let mut client = Client {
            service,
            from_server,
            next_id: 1,
            dir,
        };
        let root = uri_of(client.dir.path());
        client
            .request(
                "initialize",
                json!({ "capabilities": capabilities, "rootUri": root, "processId": null }),
            )
            .await
            .expect("initialize succeeds");
        client.notify("initialized", json!({})).await;
        client
    }

    pub async fn start() -> Client {
        Client::start_with(json!({})).await
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn uri(&self, name: &str) -> String {
        uri_of(&self.path(name))
    }

    /// Sends a request; `Ok(result)` or `Err(error object)`.
    pub async fn request(&mut self, method: &'static str, params: Value) -> Result<Value, Value> {
        let id = self.next_id;
        self.next_id += 1;
        let request = Request::build(method).id(id).params(params).finish();
        let response = self.call(request).await.expect("a request gets a response");
        let (_, result) = response.into_parts();
        result.map_err(|e| serde_json::to_value(e).unwrap_or(Value::Null))
    }

    pub async fn notify(&mut self, method: &'static str, params: Value) {
        let request = Request::build(method).params(params).finish();
        assert!(
            self.call(request).await.is_none(),
            "notifications get no response"
        );
    }

    async fn call(&mut self, request: Request) -> Option<tower_lsp_server::jsonrpc::Response> {
        let ready = self.service.ready().await.expect("service ready");
        ready.call(request).await.expect("service call")
    }

    pub async fn open(&mut self, name: &str, text: &str) -> String {
        let uri = self.uri(name);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "infra", "version": 1, "text": text } }),
        )
        .await;
        uri
    }

    /// Replaces the whole text of an open document.
    pub async fn replace(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        )
        .await;
    }

    /// The next `publishDiagnostics` for `uri` (waits up to 10 s).
    pub async fn diagnostics(&mut self, uri: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let message = tokio::time::timeout_at(deadline, self.from_server.recv())
                .await
                .expect("diagnostics arrive in time")
                .expect("server still running");
            let (method, _, params) = message.into_parts();
            let params = params.unwrap_or(Value::Null);
            if method == "textDocument/publishDiagnostics" && params["uri"] == uri {
                return params;
            }
        }
    }

    /// A `textDocument/*` request at the cursor of `fixture` in `uri`.
    pub async fn at_cursor(
        &mut self,
        method: &'static str,
        uri: &str,
        line: u32,
        col: u32,
        extra: Value,
    ) -> Value {
        let mut params = json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": col } });
        if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        self.request(method, params)
            .await
            .unwrap_or_else(|e| panic!("{method} failed: {e}"))
    }
}

pub fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// `line:col code message` lines of a publishDiagnostics notification.
pub fn render_diagnostics(params: &Value) -> String {
    let mut out = String::new();
    for d in params["diagnostics"].as_array().into_iter().flatten() {
        let start = &d["range"]["start"];
        out.push_str(&format!(
            "{}:{} {} {}\n",
            start["line"],
            start["character"],
            d["code"].as_str().unwrap_or(""),
            d["message"].as_str().unwrap_or("").replace('\n', " | ")
        ));
    }
    out
}
