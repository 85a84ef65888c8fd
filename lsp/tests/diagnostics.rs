//! Diagnostics are pushed on open and after each change, for the latest
//! version only.

mod support;

use expect_test::expect;
use support::{Client, render_diagnostics};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diagnostics_follow_edits() {
    let mut client = Client::start().await;
    let uri = client
        .open(
            "site.infra",
            "stage s on nowhere {\n  let x: int = \"a\"\n}\n",
        )
        .await;
    let first = client.diagnostics(&uri).await;
    assert_eq!(first["version"], 1);
    expect![[r#"
        0:11 E0301 unknown group `nowhere` | expected a group
        1:6 W0101 unused variable `x` | help: if this is intentional, prefix it with an underscore: `_x`
        1:15 E0201 expected `int`, found `str` | expected `int`
    "#]].assert_eq(&render_diagnostics(&first));

    client
        .replace(&uri, 2, "group web = [local()]\nstage s on web {\n}\n")
        .await;
    let second = client.diagnostics(&uri).await;
    assert_eq!(second["version"], 2);
    expect![[r#""#]].assert_eq(&render_diagnostics(&second));
}

/// Columns count UTF-16 units unless the client offers UTF-8.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_follow_the_negotiated_encoding() {
    let text = "stage s on web { let é = 1; fail \"x\" }\n";
    let mut utf16 = Client::start().await;
    let uri = utf16.open("a.infra", text).await;
    let d16 = utf16.diagnostics(&uri).await;

    let mut utf8 = Client::start_with(
        serde_json::json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } }),
    )
    .await;
    let uri = utf8.open("a.infra", text).await;
    let d8 = utf8.diagnostics(&uri).await;
    let starts = |d: &serde_json::Value| -> Vec<String> {
        d["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| {
                format!(
                    "{} {}",
                    d["code"].as_str().unwrap_or(""),
                    d["range"]["start"]["character"]
                )
            })
            .collect()
    };
    // `é` is one UTF-16 unit and two bytes: columns after it differ by one.
    expect![[r#"
        utf-16: ["E0301 11", "E0001 21", "E0003 23"]
        utf-8: ["E0301 11", "E0001 21", "E0003 24"]"#]]
    .assert_eq(&format!(
        "utf-16: {:?}\nutf-8: {:?}",
        starts(&d16),
        starts(&d8)
    ));
}

/// The controller files a document names are read (from disk, through
/// the compiler's loader): a missing template, and one that uses a
/// variable the call does not give, are diagnostics in the editor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_templates_and_variables_are_shown() {
    let mut client = Client::start().await;
    std::fs::create_dir_all(client.path("templates")).expect("mkdir");
    std::fs::write(client.path("templates/site.j2"), "{{ port }} {{ name }}\n")
        .expect("write template");
    let uri = client
        .open(
            "site.infra",
            "use std::files\nop deploy() {\n  files.template(\"gone.j2\", \"/etc/a\")\n  files.template(\"templates/site.j2\", \"/etc/b\", vars: { port: 1 })\n}\n",
        )
        .await;
    let shown = client.diagnostics(&uri).await;
    let text = render_diagnostics(&shown);
    let dir = client.path("").display().to_string();
    expect![[r#"
        2:17 E0113 controller file `DIR/gone.j2` not found (or not a regular file) | no such file | note: a path written here is relative to the directory of this .infra file
        3:17 E0115 template `DIR/templates/site.j2` uses `name`, which the call does not give | needs `name` | help: give variables in `vars:` and facts in `host_facts:` (a template also sees `host`, `params`, `groups`, `stages`, `facts`)
    "#]]
    .assert_eq(&text.replace(dir.trim_end_matches('/'), "DIR"));

    // The missing template is created: its diagnostic goes.
    std::fs::write(client.path("gone.j2"), "here\n").expect("write template");
    let created = client.uri("gone.j2");
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            serde_json::json!({ "changes": [{ "uri": created, "type": 1 }] }),
        )
        .await;
    let after = client.diagnostics(&uri).await;
    let codes: Vec<&str> = after["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(codes, ["E0115"]);
}
