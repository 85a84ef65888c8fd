//! Completion, hover and go to definition on fixtures with a `$0` cursor.

mod support;

use expect_test::{Expect, expect};
use serde_json::{Value, json};
use support::{Client, cursor};

const SITE: &str = r#"use std::{files, apt}

/// Host data of a web server.
type Web = {
  /// The port the app listens on.
  port: int,
  workers: int = 4,
}

enum Tier { frontend, backend }

param release: str = "2.4.0"

group web: Web = [ssh("web-1", data: { port: 8080 })]

/// nginx's version, if installed.
fact nginx_version: str? {
  let r = probe(sh"nginx -v")
  if r.code != 0 { none } else { r.stdout.trim() }
}

stage base on web {
  let conf = files.directory("/srv/app", mode: 0o755)
  let os = facts.os
  let f = facts.file("/etc/hosts")
  CURSOR_LINE
}
"#;

/// Opens SITE with `line` in place of CURSOR_LINE; returns the client, the
/// document URI and the cursor position.
async fn open_with(line: &str) -> (Client, String, u32, u32) {
    let (text, l, c) = cursor(&SITE.replace("CURSOR_LINE", line));
    let mut client = Client::start().await;
    let uri = client.open("site.infra", &text).await;
    client.diagnostics(&uri).await;
    (client, uri, l, c)
}

fn render_completion(result: &Value) -> String {
    let items = result.as_array().cloned().unwrap_or_default();
    items
        .iter()
        .map(|i| {
            format!(
                "{} [{}] {}\n",
                i["label"].as_str().unwrap_or(""),
                i["kind"],
                i["detail"].as_str().unwrap_or("")
            )
        })
        .collect()
}

async fn check_completion(line: &str, expect: Expect) {
    let (mut client, uri, l, c) = open_with(line).await;
    let result = client
        .at_cursor("textDocument/completion", &uri, l, c, json!({}))
        .await;
    expect.assert_eq(&render_completion(&result));
}

async fn check_hover(line: &str, expect: Expect) {
    let (mut client, uri, l, c) = open_with(line).await;
    let result = client
        .at_cursor("textDocument/hover", &uri, l, c, json!({}))
        .await;
    expect.assert_eq(result["contents"]["value"].as_str().unwrap_or("<no hover>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completes_handlers_after_notify() {
    check_completion(
        "files.file(\"/a\", notify: $0)",
        expect![[r#"
            apt [9] module apt
            files [9] module files
        "#]],
    )
    .await;
    check_completion(
        "files.file(\"/a\", notify: [files.$0])",
        expect![[r##"
            block [3] pub op block(path: str, name: str, content: str = "", present: bool = true, after: str? = none, before: str? = none, last: bool = false, marker: str = "#", mode: int? = none, owner: str? = none, group: str? = none, validate: cmd? = none, create_dirs: bool = true) -> OpResult
            directory [3] pub op directory(path: str, mode: int? = none, owner: str? = none, group: str? = none, present: bool = true, recursive: bool = false) -> OpResult
            download [3] pub op download(url: str, dest: str, sha256: str? = none, mode: int? = none, owner: str? = none, group: str? = none, create_dirs: bool = true) -> OpResult
            file [3] pub op file(path: str, content: secret? = none, mode: int? = none, owner: str? = none, group: str? = none, present: bool = true, touch: bool = false, validate: cmd? = none, create_dirs: bool = true) -> OpResult
            line [3] pub op line(path: str, line: str, present: bool = true, replace: str? = none, after: str? = none, before: str? = none, last: bool = false, mode: int? = none, owner: str? = none, group: str? = none, validate: cmd? = none, create_dirs: bool = true) -> OpResult
            link [3] pub op link(path: str, target: str, present: bool = true, force: bool = false, create_dirs: bool = true) -> OpResult
            put [3] pub op put(src: str, dest: str, mode: int? = none, owner: str? = none, group: str? = none, validate: cmd? = none, create_dirs: bool = true) -> OpResult
            replace [3] pub op replace(path: str, regex: str, with: str, count: int? = none, validate: cmd? = none) -> OpResult
            template [3] pub op template(src: str, dest: str, vars: any = {}, mode: int? = none, owner: str? = none, group: str? = none, validate: cmd? = none, create_dirs: bool = true, host_facts: any = {}) -> OpResult
        "##]],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hovers_handlers_and_comprehension_variables() {
    check_hover(
        "files.file(\"/a\", notify: apt.upd$0ate)",
        expect![[r#"
            ```infra
            pub op update(
              /// Skip when the lists were updated less than this many seconds ago.
              cache_time: int? = none,
            )
                changes facts.apt_lists_age
            ```

            Update the package lists (`apt-get update`)."#]],
    )
    .await;
    check_hover(
        "let xs = [\"{p$0}\" for p in [80, 443]]",
        expect![[r#"
            ```infra
            let p: int
            ```"#]],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completes_facts() {
    check_completion(
        "let x = facts.$0",
        expect![[r#"
            arch [10] facts.arch: str
            command [3] facts.command(script: str): CommandResult
            cpus [10] facts.cpus: int
            crontab [3] facts.crontab(user: str): list<str>
            dir [3] facts.dir(path: str): list<DirEntry>?
            env [3] facts.env(name: str): str?
            file [3] facts.file(path: str): File?
            git [3] facts.git(path: str): GitCheckout?
            group [3] facts.group(name: str): Group?
            has_line [3] facts.has_line(path: str, line: str): bool
            has_line_matching [3] facts.has_line_matching(path: str, regex: str): bool
            hostname [10] facts.hostname: str
            kernel [10] facts.kernel: str
            locales [10] facts.locales: list<str>
            memory [10] facts.memory: Memory
            mounts [10] facts.mounts: list<Mount>
            network [10] facts.network: Network
            nginx_version [10] facts.nginx_version: str?
            os [10] facts.os: OsRelease
            package [3] facts.package(name: str): str?
            packages [10] facts.packages: map<str, str>
            service [3] facts.service(name: str): Service?
            sysctl [3] facts.sysctl(key: str): str?
            systemd [10] facts.systemd: bool
            timezone [10] facts.timezone: str
            user [3] facts.user(name: str): User?
            which [3] facts.which(name: str): str?
        "#]],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completes_module_members() {
    check_completion("files.$0", expect![[r##"
        block [3] pub op block(path: str, name: str, content: str = "", present: bool = true, after: str? = none, before: str? = none, last: bool = false, marker: str = "#", mode: int? = none, owner: str? = none, group: str? = none, validate: cmd? = none, create_dirs: bool = true) -> OpResult
        directory [3] pub op directory(path: str, mode: int? = none, owner: str? = none, group: str? = none, present: bool = true, recursive: bool = false) -> OpResult
        download [3] pub op download(url: str, dest: str, sha256: str? = none, mode: int? = none, owner: str? = none, group: str? = none, create_dirs: bool = true) -> OpResult
        file [3] pub op file(path: str, content: secret? = none, mode: int? = none, owner: str? = none, group: str? = none, present: bool = true, touch: bool = false, validate: cmd? = none, create_dirs: bool = true) -> OpResult
        line [3] pub op line(path: str, line: str, present: bool = true, replace: str? = none, after: str? = none, before: str? = none, last: bool = false, mode: int? = none, owner: str? = none, group: str? = none, validate: cmd? = none, create_dirs: bool = true) -> OpResult
        link [3] pub op link(path: str, target: str, present: bool = true, force: bool = false, create_dirs: bool = true) -> OpResult
        put [3] pub op put(src: str, dest: str, mode: int? = none, owner: str? = none, group: str? = none, validate: cmd? = none, create_dirs: bool = true) -> OpResult
        replace [3] pub op replace(path: str, regex: str, with: str, count: int? = none, validate: cmd? = none) -> OpResult
        template [3] pub op template(src: str, dest: str, vars: any = {}, mode: int? = none, owner: str? = none, group: str? = none, validate: cmd? = none, create_dirs: bool = true, host_facts: any = {}) -> OpResult
    "##]]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completes_record_fields_and_methods() {
    check_completion(
        "let p = f?.$0",
        expect![[r#"
        group [5] str
        kind [5] FileKind
        mode [5] int
        owner [5] str
        sha256 [5] str?
        size [5] int
        target [5] str?
    "#]],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completes_op_results_and_host_data() {
    check_completion(
        "if conf.$0",
        expect![[r#"
        changed [5] bool
        code [5] int
        commands [5] list<str>
        stderr [5] str
        stdout [5] str
    "#]],
    )
    .await;
    check_completion(
        "let port = host.data.$0",
        expect![[r#"
        port [5] int
        workers [5] int
    "#]],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completes_named_arguments() {
    check_completion(r#"files.directory("/x", $0)"#, expect![[r#"
        delay: [6] int
        group: [6] str?
        mode: [6] int?
        notify: [6] handler
        owner: [6] str?
        path: [6] str
        present: [6] bool
        recursive: [6] bool
        retries: [6] int
        sudo: [6] bool
        sudo_user: [6] str
        until: [6] bool
        conf [6] OpResult
        f [6] File?
        host [6] Host<Web>
        os [6] OsRelease
        Tier [13] enum Tier { frontend, backend }
        base [23] stage base on web
        release [21] param release: str = "2.4.0"
        web [9] group web: Web
        apt [9] module apt
        docker [3] docker(container: str, image: str? = none, name: str? = none, sudo: bool = false, sudo_password: secret? = none, data: T) -> Host
        env [3] env(name: str) -> str?
        facts [3] facts
        files [9] module files
        flush_handlers [3] flush_handlers()
        inventory [3] inventory(path: str, group: str? = none) -> list<Host>
        len [3] len(x) -> int
        local [3] local(name: str? = none, sudo: bool = false, sudo_password: secret? = none, data: T) -> Host
        poll [3] poll(check: cmd, what: str, timeout: int, interval: int) -> bool
        probe [3] probe(cmd: cmd, env: map<str, secret>? = none) -> CommandResult
        range [3] range(start: int, end: int? = none) -> list<int>
        raw [3] raw(text: str)
        read_file [3] read_file(path: str) -> str
        reveal [3] reveal(secret: secret) -> str
        run [3] run(cmd: cmd, stdin: secret? = none, check: bool = true, env: map<str, secret>? = none) -> CommandResult
        secret_cmd [3] secret_cmd(cmd: cmd) -> secret
        secret_env [3] secret_env(name: str) -> secret
        secret_file [3] secret_file(path: str) -> secret
        ssh [3] ssh(address: str, user: str? = none, port: int? = none, identity: str? = none, jump: str? = none, name: str? = none, sudo: bool = false, sudo_password: secret? = none, data: T) -> Host
        upload [3] upload(remote: str, src: str? = none, content: secret? = none, mode: int? = none, owner: str? = none, group: str? = none) -> CommandResult
        and [14] 
        else [14] 
        fail [14] 
        false [14] 
        for [14] 
        if [14] 
        in [14] 
        let [14] 
        match [14] 
        none [14] 
        not [14] 
        or [14] 
        return [14] 
        true [14] 
    "#]]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completes_enum_variants_and_names() {
    check_completion(
        "let t = Tier.$0",
        expect![[r#"
        backend [20] Tier.backend
        frontend [20] Tier.frontend
    "#]],
    )
    .await;
    check_completion("let t = re$0", expect![[r#"
        conf [6] OpResult
        f [6] File?
        host [6] Host<Web>
        os [6] OsRelease
        Tier [13] enum Tier { frontend, backend }
        base [23] stage base on web
        release [21] param release: str = "2.4.0"
        web [9] group web: Web
        apt [9] module apt
        docker [3] docker(container: str, image: str? = none, name: str? = none, sudo: bool = false, sudo_password: secret? = none, data: T) -> Host
        env [3] env(name: str) -> str?
        facts [3] facts
        files [9] module files
        flush_handlers [3] flush_handlers()
        inventory [3] inventory(path: str, group: str? = none) -> list<Host>
        len [3] len(x) -> int
        local [3] local(name: str? = none, sudo: bool = false, sudo_password: secret? = none, data: T) -> Host
        poll [3] poll(check: cmd, what: str, timeout: int, interval: int) -> bool
        probe [3] probe(cmd: cmd, env: map<str, secret>? = none) -> CommandResult
        range [3] range(start: int, end: int? = none) -> list<int>
        raw [3] raw(text: str)
        read_file [3] read_file(path: str) -> str
        reveal [3] reveal(secret: secret) -> str
        run [3] run(cmd: cmd, stdin: secret? = none, check: bool = true, env: map<str, secret>? = none) -> CommandResult
        secret_cmd [3] secret_cmd(cmd: cmd) -> secret
        secret_env [3] secret_env(name: str) -> secret
        secret_file [3] secret_file(path: str) -> secret
        ssh [3] ssh(address: str, user: str? = none, port: int? = none, identity: str? = none, jump: str? = none, name: str? = none, sudo: bool = false, sudo_password: secret? = none, data: T) -> Host
        upload [3] upload(remote: str, src: str? = none, content: secret? = none, mode: int? = none, owner: str? = none, group: str? = none) -> CommandResult
        and [14] 
        else [14] 
        fail [14] 
        false [14] 
        for [14] 
        if [14] 
        in [14] 
        let [14] 
        match [14] 
        none [14] 
        not [14] 
        or [14] 
        return [14] 
        true [14] 
    "#]]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completes_groups_after_on() {
    let (text, l, c) = cursor("group web = [local()]\ngroup db = [local()]\nstage s on $0");
    let mut client = Client::start().await;
    let uri = client.open("site.infra", &text).await;
    let result = client
        .at_cursor("textDocument/completion", &uri, l, c, json!({}))
        .await;
    expect![[r#"
        db [9] group db
        web [9] group web
        one [14] 
    "#]]
    .assert_eq(&render_completion(&result));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hovers_show_types_docs_and_fact_schemas() {
    check_hover(
        "let y = facts.fi$0le(\"/etc\")",
        expect![[r#"
        ```infra
        pub fact file(path: str): File?

        pub type File = {
          kind: FileKind,
          /// Permission bits, e.g. `0o644`.
          mode: int,
          /// Owner user name.
          owner: str,
          /// Owner group name.
          group: str,
          /// Size in bytes.
          size: int,
          /// SHA-256 of the content, for regular files; `none` otherwise.
          sha256: str?,
          /// The target of a symbolic link; `none` otherwise.
          target: str?,
        }
        ```

        The file system entry at `path`, or `none` when nothing is there."#]],
    )
    .await;
    check_hover(
        "let y = conf$0.changed",
        expect![[r#"
        ```infra
        let conf: OpResult
        ```"#]],
    )
    .await;
    check_hover(
        "let y = host.data.po$0rt",
        expect![[r#"
        ```infra
        Web.port: int
        ```

        The port the app listens on."#]],
    )
    .await;
    check_hover(
        "files.direc$0tory(\"/x\")",
        expect![[r#"
            ```infra
            pub op directory(
              /// Absolute path of the directory.
              path: str,
              /// Permission bits, e.g. `0o755`.
              mode: int? = none,
              /// Owner user name.
              owner: str? = none,
              /// Owner group name.
              group: str? = none,
              /// `false`: remove the directory and everything in it.
              present: bool = true,
              /// Apply `mode`, `owner` and `group` to everything under `path` too.
              recursive: bool = false,
            )
                // `mkdir -p` may create the directories above `path` too.
                changes facts.file(path), facts.file(local.parents(path)),
                        facts.dir(path), facts.dir(local.parents(path))
            ```

            Ensure `path` is a directory (created with its parents), or is absent."#]],
    )
    .await;
    check_hover(
        "let y = release$0",
        expect![[r#"
        ```infra
        param release: str = "2.4.0"
        ```"#]],
    )
    .await;
}

/// Types the checker inferred (branches, narrowing) reach the hover.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hovers_use_the_checker_types() {
    check_hover(
        "let n = if release == \"x\" { 1 } else { 2 }\n  let m = n$0 + 1",
        expect![[r#"
            ```infra
            let n: int
            ```"#]],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goes_to_definitions_in_the_file_and_the_stdlib() {
    let (mut client, uri, l, c) = open_with("let v = facts.nginx_ver$0sion").await;
    let local = client
        .at_cursor("textDocument/definition", &uri, l, c, json!({}))
        .await;
    assert_eq!(local["uri"], uri.as_str());
    assert_eq!(
        local["range"]["start"],
        json!({ "line": 16, "character": 5 })
    );

    let (mut client, uri, l, c) = open_with("files.direct$0ory(\"/x\")").await;
    let std = client
        .at_cursor("textDocument/definition", &uri, l, c, json!({}))
        .await;
    let target = std["uri"].as_str().unwrap_or("");
    assert!(target.ends_with("/files.infra"), "{target}");
    let path = target.trim_start_matches("file://");
    let text = std::fs::read_to_string(path).expect("the stdlib copy exists");
    let line = std["range"]["start"]["line"].as_u64().unwrap_or(0) as usize;
    assert!(
        text.lines()
            .nth(line)
            .is_some_and(|l| l.contains("op directory")),
        "{:?}",
        text.lines().nth(line)
    );
    assert!(std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly()));
}

/// The retry arguments: completed on op calls and probes, and explained
/// on hover, with `result` inside `until:`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completes_and_explains_the_retry_arguments() {
    let (mut client, uri, l, c) = open_with(r#"let r = probe(sh"true", $0)"#).await;
    let result = client
        .at_cursor("textDocument/completion", &uri, l, c, json!({}))
        .await;
    let named: Vec<String> = render_completion(&result)
        .lines()
        .filter(|l| l.contains(": [6]"))
        .map(str::to_string)
        .collect();
    expect![[r#"
        [
            "cmd: [6] cmd",
            "delay: [6] int",
            "env: [6] map<str, secret>?",
            "retries: [6] int",
            "until: [6] bool",
        ]
    "#]]
    .assert_debug_eq(&named);
    check_completion(
        r#"files.directory("/x", retries: 3, until: result.$0)"#,
        expect![[r#"
            changed [5] bool
            code [5] int
            commands [5] list<str>
            stderr [5] str
            stdout [5] str
        "#]],
    )
    .await;
    check_hover(
        r#"files.directory("/x", retr$0ies: 3)"#,
        expect![[r#"
            ```infra
            retries: int = 0
            ```

            Try the call again when it fails (or while `until:` is false), at most this many more times, `delay:` seconds apart; the last failure stops the host, with the number of attempts."#]],
    )
    .await;
    check_hover(
        r#"let r = probe(sh"true", retries: 3, until: res$0ult.code == 0)"#,
        expect![[r#"
            ```infra
            result
            ```

            In `until:`, the result of the call being retried: the op's `OpResult`, or the probe's `CommandResult`."#]],
    )
    .await;
}
