//! Outline, inlay hints, signature help, references, rename, semantic
//! tokens, quick fixes and workspace symbols.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

mod support;

use expect_test::expect;
use serde_json::{Value, json};
use support::{Client, cursor};

const SITE: &str = r#"use std::files

/// Host data.
type Web = { port: int, workers: int = 4 }

group web: Web = [local(data: { port: 80 })]

fn conf_path(name: str): str { "/etc/{name}.conf" }

stage base on web {
  let conf = files.directory(conf_path("app"), mode: 0o755)
  let os = facts.os
  let id = os.id.trim()
  if conf.changed { files.line(conf_path("x"), id) }
}
"#;

async fn open_site() -> (Client, String) {
    let mut client = Client::start().await;
    let uri = client.open("site.infra", SITE).await;
    let diags = client.diagnostics(&uri).await;
    assert_eq!(
        support::render_diagnostics(&diags),
        "",
        "the fixture checks"
    );
    (client, uri)
}

fn position_of(needle: &str, nth: usize) -> (u32, u32) {
    let at = SITE
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .expect("needle in SITE");
    let before = &SITE[..at];
    (
        before.matches('\n').count() as u32,
        before.rsplit('\n').next().unwrap_or("").len() as u32,
    )
}

fn ranges(locations: &Value) -> String {
    locations
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            format!(
                "{}:{} ",
                l["range"]["start"]["line"], l["range"]["start"]["character"]
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outline_lists_items_with_members() {
    let (mut client, uri) = open_site().await;
    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await
        .unwrap();
    let rendered: String = symbols
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let children: Vec<&str> = s["children"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["name"].as_str())
                .collect();
            format!(
                "{} [{}] {:?}\n",
                s["name"].as_str().unwrap_or(""),
                s["kind"],
                children
            )
        })
        .collect();
    expect![[r#"
        Web [23] ["port", "workers"]
        web [3] []
        conf_path [12] []
        base [24] []
    "#]]
    .assert_eq(&rendered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inlay_hints_show_let_types() {
    let (mut client, uri) = open_site().await;
    let hints = client
        .request(
            "textDocument/inlayHint",
            json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 20, "character": 0 } } }),
        )
        .await
        .unwrap();
    let rendered: String = hints
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            format!(
                "{}:{}{}\n",
                h["position"]["line"],
                h["position"]["character"],
                h["label"].as_str().unwrap_or("")
            )
        })
        .collect();
    expect![[r#"
        10:10: OpResult
        11:8: OsRelease
        12:8: str
    "#]]
    .assert_eq(&rendered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_help_tracks_the_argument() {
    let (text, l, c) =
        cursor("use std::files\nstage s on web {\n  files.directory(\"/x\", mode: 1, $0\n}\n");
    let mut client = Client::start().await;
    let uri = client.open("site.infra", &text).await;
    let help = client
        .at_cursor("textDocument/signatureHelp", &uri, l, c, json!({}))
        .await;
    let sig = &help["signatures"][0];
    expect!["files.directory(path: str, mode: int?, owner: str?, group: str?, present: bool, recursive: bool) active=2"].assert_eq(&format!("{} active={}", sig["label"].as_str().unwrap_or(""), help["activeParameter"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_and_rename_of_a_fn() {
    let (mut client, uri) = open_site().await;
    let (l, c) = position_of("conf_path", 1);
    let refs = client
        .at_cursor(
            "textDocument/references",
            &uri,
            l,
            c,
            json!({ "context": { "includeDeclaration": true } }),
        )
        .await;
    expect!["7:3 10:29 13:31 "].assert_eq(&ranges(&refs));

    let edit = client
        .at_cursor(
            "textDocument/rename",
            &uri,
            l,
            c,
            json!({ "newName": "config_path" }),
        )
        .await;
    let edits = &edit["changes"][uri.as_str()];
    expect!["7:3 10:29 13:31 "].assert_eq(&ranges(edits));
}

/// A field is named where it is declared, in record literals (here a
/// host's data) and where it is read: the checker resolved all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_of_a_record_field_follows_its_literals() {
    let (mut client, uri) = open_site().await;
    let (l, c) = position_of("port", 0);
    let edit = client
        .at_cursor(
            "textDocument/rename",
            &uri,
            l,
            c,
            json!({ "newName": "listen" }),
        )
        .await;
    let edits = &edit["changes"][uri.as_str()];
    expect!["3:13 5:32 "].assert_eq(&ranges(edits));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_refuses_stdlib_items_and_bad_names() {
    let (mut client, uri) = open_site().await;
    let (l, c) = position_of("directory", 0);
    let params =
        json!({ "textDocument": { "uri": uri }, "position": { "line": l, "character": c + 2 } });
    let refused = client.request("textDocument/prepareRename", params).await;
    expect![[r#""items of the standard library cannot be renamed""#]]
        .assert_eq(&refused.unwrap_err()["message"].to_string());

    let (l, c) = position_of("conf ", 0);
    let params = json!({ "textDocument": { "uri": uri }, "position": { "line": l, "character": c }, "newName": "if" });
    let refused = client.request("textDocument/rename", params).await;
    expect![[r#""`if` is not a valid name""#]]
        .assert_eq(&refused.unwrap_err()["message"].to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semantic_tokens_classify_names() {
    let (mut client, uri) = open_site().await;
    let tokens = client
        .request(
            "textDocument/semanticTokens/full",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await
        .unwrap();
    let data: Vec<u64> = tokens["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(data.len() % 5, 0);
    // Decode to (line, col, length, type, modifiers) for the first tokens.
    let (mut line, mut col) = (0, 0);
    let mut rendered = String::new();
    for t in data.chunks(5).take(8) {
        if t[0] > 0 {
            col = 0;
        }
        line += t[0];
        col += t[1];
        rendered.push_str(&format!(
            "{line}:{col} len={} type={} mods={}\n",
            t[2], t[3], t[4]
        ));
    }
    expect![[r#"
        0:9 len=5 type=7 mods=4
        3:5 len=3 type=1 mods=3
        3:13 len=4 type=6 mods=1
        3:24 len=7 type=6 mods=1
        5:6 len=3 type=7 mods=3
        5:11 len=3 type=1 mods=2
        5:18 len=5 type=0 mods=4
        5:32 len=4 type=6 mods=0
    "#]]
    .assert_eq(&rendered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn did_you_mean_becomes_a_quick_fix() {
    let mut client = Client::start().await;
    let uri = client
        .open(
            "site.infra",
            "group web = [local()]\nstage s on web {\n  let f = facts.fiel(\"/x\")\n}\n",
        )
        .await;
    let diags = client.diagnostics(&uri).await;
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": diags["diagnostics"][0]["range"], "context": { "diagnostics": diags["diagnostics"] } }),
        )
        .await
        .unwrap();
    let action = &actions[0];
    let edit = &action["edit"]["changes"][uri.as_str()][0];
    expect![[r#""Replace with `file`" -> "file" at {"end":{"character":20,"line":2},"start":{"character":16,"line":2}}"#]].assert_eq(&format!("{} -> {} at {}", action["title"], edit["newText"], edit["range"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_symbols_search_open_files_and_the_stdlib() {
    let (mut client, _uri) = open_site().await;
    let found = client
        .request("workspace/symbol", json!({ "query": "dir" }))
        .await
        .unwrap();
    let rendered: String = found
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            format!(
                "{} [{}] in {}\n",
                s["name"].as_str().unwrap_or(""),
                s["kind"],
                s["containerName"].as_str().unwrap_or("")
            )
        })
        .collect();
    expect![[r#"
        DirEntry [23] in facts
        dir [7] in facts
        directory [12] in files
        in_dir [12] in files
        enter_dir [12] in files
        dir_lock [12] in files
    "#]]
    .assert_eq(&rendered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formatting_replaces_the_document() {
    let mut client = Client::start().await;
    let uri = client
        .open(
            "site.infra",
            "group web = [local()]\nstage s on web {\nlet x =   1   // one\n\n\n}\n",
        )
        .await;
    let edits = client.request("textDocument/formatting", json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } })).await.unwrap();
    expect![[r#"
        group web = [local()]
        stage s on web {
          let x = 1 // one
        }
    "#]]
    .assert_eq(edits[0]["newText"].as_str().unwrap_or(""));
}

/// A user module on disk (not open): definition jumps into it, and
/// references and rename cover both files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definition_references_and_rename_across_user_modules() {
    let mut client = Client::start().await;
    std::fs::create_dir_all(client.path("lib")).expect("mkdir lib");
    let common =
        "/// Prepares a host.\npub op prepare(path: str) {\n  run(sh\"mkdir -p {path}\")\n}\n";
    std::fs::write(client.path("lib/common.infra"), common).expect("write module");
    let site = "use lib::common\n\ngroup web = [local()]\n\nstage s on web {\n  common.prepare(\"/srv\")\n}\n";
    let uri = client.open("site.infra", site).await;
    let diags = client.diagnostics(&uri).await;
    assert_eq!(support::render_diagnostics(&diags), "");
    let module_uri = client.uri("lib/common.infra");

    let def = client
        .at_cursor("textDocument/definition", &uri, 5, 10, json!({}))
        .await;
    assert_eq!(def["uri"], module_uri.as_str());
    assert_eq!(def["range"]["start"], json!({ "line": 1, "character": 7 }));

    let refs = client
        .at_cursor(
            "textDocument/references",
            &uri,
            5,
            10,
            json!({ "context": { "includeDeclaration": true } }),
        )
        .await;
    let mut found: Vec<String> = refs
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            let file = l["uri"]
                .as_str()
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string();
            format!(
                "{file}:{}:{}",
                l["range"]["start"]["line"], l["range"]["start"]["character"]
            )
        })
        .collect();
    found.sort();
    assert_eq!(found, ["common.infra:1:7", "site.infra:5:9"]);

    let edit = client
        .at_cursor(
            "textDocument/rename",
            &uri,
            5,
            10,
            json!({ "newName": "setup" }),
        )
        .await;
    assert_eq!(edit["changes"][uri.as_str()][0]["newText"], "setup");
    assert_eq!(
        edit["changes"][module_uri.as_str()][0]["range"]["start"],
        json!({ "line": 1, "character": 7 })
    );
}

/// Named arguments are parameters, also those every op call takes
/// (`retries:`, `sudo:`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_arguments_are_parameter_tokens() {
    let mut client = Client::start().await;
    let uri = client
        .open(
            "site.infra",
            "op o(n: int) changes nothing { }\ngroup g = [local()]\nstage s on g { o(n: 1, retries: 1, sudo: true) }\n",
        )
        .await;
    client.diagnostics(&uri).await;
    let tokens = client
        .request(
            "textDocument/semanticTokens/full",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await
        .unwrap();
    let data: Vec<u64> = tokens["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    let (mut line, mut col) = (0, 0);
    let mut rendered = String::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            col = 0;
        }
        line += t[0];
        col += t[1];
        if line == 2 {
            rendered.push_str(&format!("{col} len={} type={}\n", t[2], t[3]));
        }
    }
    // 5 is `parameter` in the legend.
    expect![[r#"
        6 len=1 type=9
        11 len=1 type=7
        15 len=1 type=0
        17 len=1 type=5
        23 len=7 type=5
        35 len=4 type=5
    "#]]
    .assert_eq(&rendered);
}
