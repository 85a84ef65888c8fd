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
