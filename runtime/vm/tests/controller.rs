//! Params from `--set` and defaults, and the host lists of groups.

mod support;

use std::sync::Arc;

use infrac_bytecode::Serial;
use infrac_vm::RunContext;
use infrac_vm::controller::{
    InputOrigin, InputValue, InventoryHost, ParamInput, eval_groups, eval_groups_with, eval_params,
};
use infrac_vm::value::{HostSpec, Value};
use support::*;

const PARAMS: &str = r#"
    enum Env { staging, prod }
    param release: str = "2.4.0"
    param replicas: int = 2
    param env: Env = Env.staging
    param pw: secret
    param note: str?
    param tag: str = "v{release}-{replicas}"
    group g = [local()]
"#;

fn params(sets: &[(&str, &str)]) -> Result<Vec<Value>, String> {
    let base = RunContext::new(
        Arc::new(compile(PARAMS)),
        Arc::from(Vec::new()),
        std::env::temp_dir(),
    );
    let sets: Vec<ParamInput> = sets.iter().map(|(k, v)| ParamInput::set(k, v)).collect();
    eval_params(&base, &sets)
        .map(|ctx| ctx.params().to_vec())
        .map_err(|e| e.message)
}

#[test]
fn params_take_set_values_then_defaults() {
    let values =
        params(&[("pw", "hunter2"), ("replicas", "0x10"), ("env", "prod")]).expect("valid");
    assert_eq!(
        values,
        [
            s("2.4.0"),
            Value::Int(16),
            Value::Enum {
                ty: "Env".into(),
                variant: "prod".into()
            },
            Value::Secret("hunter2".into()),
            Value::None,
            s("v2.4.0-16"),
        ]
    );
    assert_eq!(values[3].to_string(), "***");
}

#[test]
fn ints_from_the_command_line_cover_the_whole_range() {
    let replicas = |text: &str| params(&[("pw", "x"), ("replicas", text)]).map(|v| v[1].clone());
    assert_eq!(replicas("-9223372036854775808"), Ok(Value::Int(i64::MIN)));
    assert_eq!(
        replicas("9_223_372_036_854_775_807"),
        Ok(Value::Int(i64::MAX))
    );
    assert_eq!(replicas("-0x10"), Ok(Value::Int(-16)));
    for out_of_range in ["9223372036854775808", "-9223372036854775809"] {
        assert!(replicas(out_of_range).is_err(), "{out_of_range}");
    }
}

#[test]
fn bad_params_are_usage_errors() {
    assert_eq!(
        params(&[]),
        Err("param `pw` has no default: set it with --set pw=...".into())
    );
    assert_eq!(
        params(&[("pw", "x"), ("replicas", "two")]),
        Err("--set replicas=two: `two` is not an int".into())
    );
    assert_eq!(
        params(&[("pw", "x"), ("env", "dev")]),
        Err("--set env=dev: `dev` is not a variant of Env (staging, prod)".into())
    );
    assert_eq!(
        params(&[("pw", "x"), ("nope", "1")]),
        Err("there is no param `nope` (params: release, replicas, env, pw, note, tag)".into())
    );
}

const STRUCTURED: &str = r#"
    enum Tier { web, db }
    type Limit = { tier: Tier, count: int = 1, note: str? = none }
    type Login = { user: str, password: secret }
    param users: list<str> = []
    param limits: map<str, int> = {}
    param quotas: list<Limit?> = []
    param login: Login? = none
    param release: str = "2.4.0"
"#;

/// The params of [`STRUCTURED`] from `inputs`, shown as the program shows them.
fn structured(inputs: &[ParamInput]) -> Result<Vec<String>, String> {
    let base = RunContext::new(
        Arc::new(compile(STRUCTURED)),
        Arc::from(Vec::new()),
        std::env::temp_dir(),
    );
    eval_params(&base, inputs)
        .map(|ctx| ctx.params().iter().map(|v| v.to_string()).collect())
        .map_err(|e| e.message)
}

fn from_file(name: &str, json: serde_json::Value) -> ParamInput {
    ParamInput {
        name: name.into(),
        value: InputValue::Json(json),
        origin: InputOrigin::File {
            path: "vars.yaml".into(),
            line: 3,
        },
    }
}

#[test]
fn lists_maps_and_records_are_json_on_the_command_line() {
    let values = structured(&[
        ParamInput::set("users", r#"["ada", "bob"]"#),
        ParamInput::set("limits", r#"{"web": 3}"#),
        ParamInput::set(
            "quotas",
            r#"[{"tier": "db"}, null, {"tier": "web", "count": 2, "note": "x"}]"#,
        ),
        ParamInput::set("login", r#"{"user": "ada", "password": "hunter2"}"#),
        // A scalar stays text: this is not JSON.
        ParamInput::set("release", "[2.4.1]"),
    ])
    .expect("valid");
    assert_eq!(
        values,
        [
            r#"["ada", "bob"]"#,
            r#"{"web": 3}"#,
            r#"[{count: 1, note: none, tier: db}, none, {count: 2, note: "x", tier: web}]"#,
            r#"{password: ***, user: "ada"}"#,
            "[2.4.1]",
        ]
    );
    assert_eq!(
        structured(&[ParamInput::set("login", "none")]).map(|v| v[3].clone()),
        Ok("none".into())
    );
}

#[test]
fn values_from_a_params_file_are_checked_like_json() {
    let values = structured(&[
        from_file("users", serde_json::json!(["ada"])),
        ParamInput::set("users", r#"["bob"]"#),
        from_file("release", serde_json::json!("2.5")),
    ])
    .expect("valid");
    assert_eq!(
        (values[0].as_str(), values[4].as_str()),
        (r#"["bob"]"#, "2.5")
    );
}

#[test]
fn bad_structured_params_name_where_and_what() {
    let bad = |input: ParamInput| structured(&[input]).expect_err("bad");
    assert_eq!(
        bad(ParamInput::set("users", "ada,bob")),
        "--set users=ada,bob: not JSON (expected value at line 1 column 1); a list is written as JSON"
    );
    assert_eq!(
        bad(ParamInput::set("limits", r#"{"web": "3"}"#)),
        r#"--set limits={"web": "3"}: `web`: expected an int, found the string "3""#
    );
    assert_eq!(
        bad(from_file(
            "quotas",
            serde_json::json!([{ "tier": "web" }, { "tier": "cache" }])
        )),
        "vars.yaml:3: `quotas`: `[1].tier`: `cache` is not a variant of Tier (web, db)"
    );
    assert_eq!(
        bad(from_file(
            "quotas",
            serde_json::json!([{ "tier": "web", "cuont": 2 }])
        )),
        "vars.yaml:3: `quotas`: `[0]`: `Limit` has no field `cuont` (fields: tier, count, note)"
    );
    assert_eq!(
        bad(from_file("release", serde_json::json!(2.5))),
        "vars.yaml:3: `release`: expected a str, found 2.5"
    );
    assert_eq!(
        bad(from_file("nope", serde_json::json!(1))),
        "vars.yaml:3: there is no param `nope` (params: users, limits, quotas, login, release)"
    );
    // A value that may hold a secret is not repeated.
    assert_eq!(
        bad(ParamInput::set(
            "login",
            r#"{"user": "ada", "password": "hunter2", "x": 1}"#
        )),
        "--set login: `Login` has no field `x` (fields: user, password)"
    );
    assert_eq!(
        bad(ParamInput::set("login", r#"{"password": "hunter2"}"#)),
        "--set login: missing field `user` of `Login`"
    );
    assert_eq!(
        bad(from_file(
            "login",
            serde_json::json!({ "user": "ada", "password": 1234 })
        )),
        "vars.yaml:3: `login`: `password`: expected a secret (a string), found a number"
    );
}

#[test]
fn groups_build_hosts_with_typed_data() {
    let src = r#"
        type Web = { port: int, workers: int = 4 }
        param user: str = "deploy"
        group web: Web = [
          ssh("web-1.internal", user: user, data: { port: 8080 }),
          ssh("web-2.internal", port: 2222, name: "w2", sudo: true, data: { port: 8081, workers: 8 }),
        ]
        group lab = [docker("lab-box", image: "debian:12"), local()]
        stage s on web, lab { }
    "#;
    let ctx = Arc::new(context(compile(src), &[]));
    let groups = eval_groups(&ctx).expect("groups evaluate");
    let web = &groups[0];
    assert_eq!(web[0].name, "web-1.internal");
    assert_eq!(
        web[0].spec,
        HostSpec::Ssh {
            address: "web-1.internal".into(),
            user: Some("deploy".into()),
            port: None,
            identity: None,
            jump: None
        }
    );
    assert_eq!(web[0].data.to_string(), "{port: 8080, workers: 4}");
    assert_eq!((web[1].name.as_str(), web[1].sudo), ("w2", true));
    assert_eq!(web[1].data.to_string(), "{port: 8081, workers: 8}");
    let lab: Vec<&str> = groups[1].iter().map(|h| h.name.as_str()).collect();
    assert_eq!(lab, ["lab-box", "local"]);
    let stage = &ctx.program().stages[0];
    assert_eq!(stage.targets.len(), 2);
}

#[test]
fn duplicate_host_names_are_reported() {
    // Literal names are the checker's (E0307); names from values are
    // compared when the group is evaluated.
    let dup = "param who: str = \"box\"\ngroup g = [local(name: who), local(name: who)]";
    let ctx = Arc::new(context(compile(dup), &[]));
    let e = eval_groups(&ctx).expect_err("duplicate");
    assert_eq!(e.message, "host name `box` appears twice in group `g`");
}

const INVENTORY: &str = r#"
    type Web = { port: int, workers: int = 4, tags: list<str> = [] }
    group fleet: Web = inventory("hosts.ini", group: "web") + [local(data: { port: 1 })]
"#;

/// [`INVENTORY`] compiled; `hosts.ini` exists for the checker (E0113),
/// the tests read it through their own loader.
fn inventory_program() -> infrac_bytecode::Program {
    compile_files(&[("site.infra", INVENTORY), ("hosts.ini", "")])
}

fn inventory_host(name: &str, vars: serde_json::Value) -> InventoryHost {
    let serde_json::Value::Object(vars) = vars else {
        panic!("vars are an object")
    };
    InventoryHost {
        name: name.into(),
        spec: HostSpec::Local,
        sudo: name == "b",
        sudo_password: None,
        origin: "hosts.ini:1".into(),
        vars,
    }
}

#[test]
fn inventories_are_read_by_the_loader_and_typed() {
    let ctx = Arc::new(context(inventory_program(), &[]));
    let mut asked = Vec::new();
    let groups = eval_groups_with(&ctx, &mut |path, group| {
        asked.push((path.to_path_buf(), group.map(String::from)));
        Ok(vec![
            inventory_host(
                "a",
                serde_json::json!({ "port": "8080", "ansible_user": "x" }),
            ),
            inventory_host(
                "b",
                serde_json::json!({ "port": 81, "workers": "2", "tags": ["x"] }),
            ),
        ])
    })
    .expect("typed");
    assert_eq!(
        asked,
        [(
            std::env::temp_dir().join("hosts.ini"),
            Some("web".to_string())
        )]
    );
    let data: Vec<String> = groups[0]
        .iter()
        .map(|h| format!("{} {} {}", h.name, h.sudo, h.data))
        .collect();
    assert_eq!(
        data,
        [
            r#"a false {port: 8080, tags: [], workers: 4}"#,
            r#"b true {port: 81, tags: ["x"], workers: 2}"#,
            "local false {port: 1, tags: [], workers: 4}",
        ]
    );
}

#[test]
fn bad_inventory_data_is_reported_at_the_call() {
    let ctx = Arc::new(context(inventory_program(), &[]));
    let e = eval_groups_with(&ctx, &mut |_, _| {
        Ok(vec![inventory_host(
            "a",
            serde_json::json!({ "port": "http" }),
        )])
    })
    .expect_err("bad port");
    assert_eq!(
        e.message,
        "hosts.ini:1: host `a`: `port`: `http` is not an int"
    );
    assert_eq!(
        &INVENTORY[e.span.start as usize..e.span.end as usize],
        r#"inventory("hosts.ini", group: "web")"#
    );
    let e = eval_groups(&ctx).expect_err("no reader");
    assert!(e.message.contains("no inventory reader"), "{}", e.message);
}

#[test]
fn stage_options_may_depend_on_params() {
    let src = r#"
        param batch: int = 2
        param pct: int = 30
        param root: bool = true
        group g = [local()]
        stage a on g (serial: batch, parallel: 3, sudo: root) { }
        stage b on g (serial: "{pct}%", max_failures: batch + 1) { }
    "#;
    let program = compile(src);
    assert_eq!(program.dynamic_options.len(), 2);
    let ctx = context(program, &[("batch", "5")]);
    let a = &ctx.program().stages[0].options;
    assert_eq!(a.serial, Some(Serial::Count(5)));
    assert_eq!((a.parallel, a.sudo), (Some(3), true));
    let b = &ctx.program().stages[1].options;
    assert_eq!(
        (b.serial, b.max_failures),
        (Some(Serial::Percent(30)), Some(6))
    );
    let base = RunContext::new(
        Arc::new(compile(src)),
        Arc::from(Vec::new()),
        std::env::temp_dir(),
    );
    let e = eval_params(&base, &[ParamInput::set("batch", "-1")]).expect_err("negative");
    assert_eq!(
        e.message,
        "the options of stage `a`: `serial: -1` is not a count (1 or more)"
    );
}
