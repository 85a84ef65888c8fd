//! Robustness: an example typed into the real server one character at a
//! time, with completion and hover requests in between, then deleted one
//! character at a time. The server must never answer with an error, never
//! crash, and end with the diagnostics of the latest version.

mod lsp_client;

use std::time::Duration;

use lsp_client::StdioClient;
use serde_json::{Value, json};

/// The position after `text` (UTF-16 columns).
fn end_of(text: &str) -> Value {
    let line = text.matches('\n').count();
    let col = text
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .encode_utf16()
        .count();
    json!({ "line": line, "character": col })
}

#[test]
fn typing_and_deleting_an_example_character_by_character() {
    // Two examples one after the other: the second uses handlers, secret
    // sources, comprehensions and waits.
    let example = concat!(
        include_str!("../examples/cross_host.infra"),
        include_str!("../examples/service.infra")
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let uri = format!("file://{}", dir.path().join("typed.infra").display());
    let mut client = StdioClient::start(dir.path(), json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "infra", "version": 1, "text": "" } }),
    );

    let mut version = 1;
    let mut typed = String::new();
    let mut requests = 0;
    for (i, c) in example.chars().enumerate() {
        let at = end_of(&typed);
        version += 1;
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version },
                    "contentChanges": [{ "range": { "start": at, "end": at }, "text": c.to_string() }] }),
        );
        typed.push(c);
        if i % 17 == 0 {
            let position = end_of(&typed);
            let method = if i % 34 == 0 {
                "textDocument/completion"
            } else {
                "textDocument/hover"
            };
            let response = client.request(
                method,
                json!({ "textDocument": { "uri": uri }, "position": position }),
            );
            assert!(
                response.get("error").is_none(),
                "{method} after {i} characters: {response}"
            );
            requests += 1;
        }
    }

    // Delete from the end, one character (UTF-16 aware) at a time.
    while let Some(c) = typed.pop() {
        let start = end_of(&typed);
        let mut end = start.clone();
        if c == '\n' {
            end = json!({ "line": start["line"].as_u64().unwrap_or(0) + 1, "character": 0 });
        } else {
            end["character"] =
                json!(start["character"].as_u64().unwrap_or(0) + c.len_utf16() as u64);
        }
        version += 1;
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version },
                    "contentChanges": [{ "range": { "start": start, "end": end }, "text": "" }] }),
        );
        if typed.len().is_multiple_of(23) {
            let response = client.request(
                "textDocument/semanticTokens/full",
                json!({ "textDocument": { "uri": uri } }),
            );
            assert!(
                response.get("error").is_none(),
                "semantic tokens: {response}"
            );
            requests += 1;
        }
    }
    assert!(requests > 100);

    let last = client
        .diagnostics_for_version(&uri, version, Duration::from_secs(60))
        .expect("diagnostics of the last version");
    assert_eq!(
        last["params"]["diagnostics"],
        json!([]),
        "an empty file has no diagnostics"
    );
    let received = client.drain();
    let errors: Vec<&Value> = received
        .iter()
        .filter(|m| m.get("error").is_some())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // Stale results are dropped: published versions never go back.
    let versions: Vec<i64> = received
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .filter_map(|m| m["params"]["version"].as_i64())
        .collect();
    assert!(versions.windows(2).all(|w| w[0] <= w[1]), "{versions:?}");
    assert!(versions.last().is_none_or(|&v| v <= version));
    assert_eq!(client.shutdown(), Some(0));
}
