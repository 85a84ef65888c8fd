//! The real `infrac lsp` binary over stdio, driven by a scripted client:
//! open, incremental edit, completion, hover, shutdown.

mod lsp_client;

use std::time::Duration;

use lsp_client::StdioClient;
use serde_json::json;

const TEXT: &str = "use std::files\n\ngroup web = [local()]\n\nstage s on web {\n  let r = files.directory(\"/tmp/x\")\n  let f = facts.file(\"/etc/hosts\")\n}\n";

#[test]
fn a_session_over_stdio() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("site.infra");
    std::fs::write(&path, TEXT).expect("write site.infra");
    let uri = format!("file://{}", path.display());
    let mut client = StdioClient::start(dir.path(), json!({}));

    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "infra", "version": 1, "text": TEXT } }),
    );
    let clean = client
        .diagnostics_for_version(&uri, 1, Duration::from_secs(30))
        .expect("diagnostics for version 1");
    let errors = clean["params"]["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["severity"] == 1)
        .count();
    assert_eq!(errors, 0, "{clean}");

    // An incremental edit: `files.directory` -> `files.directroy` (line 5).
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [
            { "range": { "start": { "line": 5, "character": 22 }, "end": { "line": 5, "character": 25 } }, "text": "roy" }
        ] }),
    );
    let broken = client
        .diagnostics_for_version(&uri, 2, Duration::from_secs(30))
        .expect("diagnostics for version 2");
    let messages: Vec<&str> = broken["params"]["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("directroy") && m.contains("did you mean `directory`")),
        "{messages:?}"
    );

    let completion = client.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 6, "character": 16 } }),
    );
    let labels: Vec<&str> = completion["result"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(
        labels.contains(&"file") && labels.contains(&"os") && labels.contains(&"packages"),
        "{labels:?}"
    );

    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 6, "character": 7 } }),
    );
    let text = hover["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(text.contains("let f: File?"), "{hover}");

    let errors: Vec<_> = client
        .drain()
        .into_iter()
        .filter(|m| m.get("error").is_some())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(client.shutdown(), Some(0));
}

/// F14: a 10,000-link method chain killed the server on didOpen (stack
/// overflow); the longest accepted chain of cases is analysed, hovered and
/// formatted.
#[test]
fn very_long_chains_neither_crash_the_server_nor_go_unanalysed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let chain = format!("fn f(): str {{ \"a\"{} }}\n", ".trim()".repeat(10_000));
    let cases: String = (1..256)
        .map(|i| format!(" else if x == {i} {{ {i} }}"))
        .collect();
    let deep = format!("fn g(x: int): int {{\n  if x == 0 {{ 0 }}{cases} else {{ -1 }}\n}}\n");
    let mut client = StdioClient::start(dir.path(), json!({}));
    for (name, text, want_error) in [("chain.infra", &chain, true), ("deep.infra", &deep, false)] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let uri = format!("file://{}", path.display());
        client.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "infra", "version": 1, "text": text } }),
        );
        let diags = client
            .diagnostics_for_version(&uri, 1, Duration::from_secs(30))
            .expect("diagnostics: the server is alive");
        let errors = diags["params"]["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["severity"] == 1)
            .count();
        assert_eq!(errors > 0, want_error, "{name}: {diags}");
        let hover = client.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 6 } }),
        );
        assert!(hover.get("error").is_none(), "{name}: {hover}");
        let format = client.request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
        );
        assert!(format.get("error").is_none(), "{name}: {format}");
    }
    assert_eq!(client.shutdown(), Some(0));
}
