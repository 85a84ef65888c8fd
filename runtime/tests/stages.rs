//! The orchestrator and the per-host driver on a hand-assembled program,
//! against real local hosts (several `local()` hosts with distinct names):
//! stage values, failure isolation, op events, serial batches, --limit.

use std::path::Path;
use std::sync::{Arc, Mutex};

use infrac_bytecode::{
    Builtin, Const, FactDef, FactKind, Function, FunctionKind, GroupDef, Instr, ModuleInfo,
    OpChanges, OpDef, Program, Serial, Span, StageDef, StageOptions, StageTarget, TypeDesc,
};
use infrac_runtime::event::{OpStatus, RunEvent, RunSummary};
use infrac_runtime::output::Sink;
use infrac_runtime::select::Limit;
use infrac_runtime::{Cancel, RunOptions};
use infrac_vm::RunContext;
use infrac_vm::value::{HostSpec, HostValue, Value};

/// A function whose every instruction has the span `at..at+1` (so errors
/// tell which instruction they come from).
fn function(
    name: &str,
    kind: FunctionKind,
    arity: u32,
    at: u32,
    code: Vec<Instr>,
    consts: Vec<&str>,
) -> Function {
    Function {
        name: name.into(),
        kind,
        module: 0,
        arity,
        locals: arity,
        spans: vec![Span::new(at, at + 1); code.len()],
        code,
        consts: consts
            .into_iter()
            .map(|c| Const::Str(Arc::from(c)))
            .collect(),
    }
}

fn stage(
    name: &str,
    body: u32,
    group: u32,
    one: bool,
    options: StageOptions,
    has_value: bool,
) -> StageDef {
    StageDef {
        name: name.into(),
        module: 0,
        span: Span::new(900 + body, 901 + body),
        targets: vec![StageTarget { group, one }],
        options,
        has_value,
        body,
        prefetch: vec![],
    }
}

/// Stage `token` on one(ctl) -> host name; stage `deploy` on web: appends
/// `HOST TOKEN` to `log` (fails on host `b`), then calls op `t.touch` on
/// `log.HOST`; stage `after` on web (serial 1): appends `after HOST`.
fn program(log: &Path, serial: Option<Serial>) -> Program {
    use Instr::*;
    let log = log.to_string_lossy().into_owned();
    let run = [
        PushNone,
        PushTrue,
        PushNone,
        CallBuiltin {
            builtin: Builtin::Run,
            argc: 4,
        },
    ];
    let token_body = function(
        "stage token",
        FunctionKind::Stage,
        0,
        10,
        vec![LoadHost, GetField(0), Return],
        vec!["name"],
    );
    let mut deploy = vec![
        Const(0),
        LoadHost,
        GetField(1),
        ShQuote,
        Const(2),
        LoadHost,
        GetField(1),
        ShQuote,
        Const(3),
        LoadStage(0),
        ShQuote,
        Const(4),
        Const(5),
        ShQuote,
        MakeCmd(8),
    ];
    deploy.extend(run);
    deploy.extend([
        Pop,
        Const(5),
        Const(6),
        LoadHost,
        GetField(1),
        Concat(3),
        PushNone,
        PushNone,
        CallOp { op: 0, argc: 1 },
        Pop,
        PushNone,
        Return,
    ]);
    let deploy_body = function(
        "stage deploy",
        FunctionKind::Stage,
        0,
        20,
        deploy,
        vec!["test ", "name", " != b && echo ", " ", " >> ", &log, "."],
    );
    let mut touch = vec![Const(0), LoadLocal(0), ShQuote, MakeCmd(2)];
    touch.extend(run);
    touch.extend([Pop, PushNone, Return]);
    let touch_op = function("t.touch", FunctionKind::Op, 1, 30, touch, vec!["touch "]);
    let mut after = vec![
        Const(0),
        LoadHost,
        GetField(1),
        ShQuote,
        Const(2),
        Const(3),
        ShQuote,
        MakeCmd(4),
    ];
    after.extend(run);
    after.extend([Pop, PushNone, Return]);
    let after_body = function(
        "stage after",
        FunctionKind::Stage,
        0,
        40,
        after,
        vec!["echo after ", "name", " >> ", &log],
    );
    let group = |name: &str| GroupDef {
        name: name.into(),
        module: 0,
        span: Span::default(),
        data: TypeDesc::Unit,
        hosts: 0,
    };
    Program {
        modules: vec![ModuleInfo {
            path: "t.infra".into(),
            is_std: false,
        }],
        functions: vec![token_body, deploy_body, touch_op, after_body],
        facts: vec![FactDef {
            name: "file".into(),
            module: 0,
            arity: 1,
            kind: FactKind::Native,
        }],
        ops: vec![OpDef {
            name: "t.touch".into(),
            module: 0,
            function: 2,
            arity: 1,
            params: vec!["path".into()],
            changes: OpChanges::All,
        }],
        groups: vec![group("web"), group("ctl")],
        stages: vec![
            stage("token", 0, 1, true, StageOptions::default(), true),
            stage("deploy", 1, 0, false, StageOptions::default(), false),
            stage(
                "after",
                3,
                0,
                false,
                StageOptions {
                    serial,
                    ..StageOptions::default()
                },
                false,
            ),
        ],
        ..Program::default()
    }
}

fn host(name: &str) -> Arc<HostValue> {
    Arc::new(HostValue {
        name: name.into(),
        spec: HostSpec::Local,
        data: Value::None,
        sudo: false,
        sudo_password: None,
    })
}

/// Collects events for the assertions.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<RunEvent>>>);

impl Sink for Recorder {
    fn event(&mut self, event: &RunEvent) {
        self.0
            .lock()
            .map(|mut v| v.push(event.clone()))
            .unwrap_or_default();
    }
    fn finish(&mut self, _: &RunSummary) {}
}

async fn run(program: Program, limit: &[&str]) -> (RunSummary, Vec<RunEvent>) {
    let ctx = Arc::new(RunContext::new(
        Arc::new(program),
        Arc::from(Vec::new()),
        ".".into(),
    ));
    let groups = vec![vec![host("a"), host("b"), host("c")], vec![host("ctl")]];
    let limit = Limit::new(&limit.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let options = RunOptions {
        parallel: Some(2),
        limit,
        ..RunOptions::default()
    };
    let recorder = Recorder::default();
    let summary = infrac_runtime::run(
        ctx,
        groups,
        options,
        Box::new(recorder.clone()),
        Cancel::default(),
    )
    .await;
    let events = recorder.0.lock().map(|v| v.clone()).unwrap_or_default();
    (summary, events)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[tokio::test]
async fn values_failures_and_ops_across_stages() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = dir.path().join("log");
    let (summary, events) = run(program(&log, Some(Serial::Count(1))), &[]).await;

    // `token` ran on ctl only; its value reached every web host.
    let mut lines: Vec<String> = read(&log).lines().map(str::to_string).collect();
    lines.sort();
    assert_eq!(lines, vec!["a ctl", "after a", "after c", "c ctl"]);
    // b failed in `deploy` at the run instruction (span 20), and is out.
    let b = &summary.hosts["b"];
    let failure = b
        .failure
        .as_ref()
        .unwrap_or_else(|| panic!("b should fail: {summary:?}"));
    assert_eq!(failure.stage, "deploy");
    assert!(
        failure
            .error
            .message
            .contains("command failed with exit code 1"),
        "{}",
        failure.error.message
    );
    assert_eq!(failure.error.place.map(|p| p.span.start), Some(20));
    assert!(!dir.path().join("log.b").exists());
    // The op ran on a and c and reported a change there.
    assert!(dir.path().join("log.a").exists() && dir.path().join("log.c").exists());
    let ops: Vec<(String, OpStatus)> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::OpFinished(op) => Some((op.host.clone(), op.status)),
            _ => None,
        })
        .collect();
    assert_eq!(ops.len(), 2, "{ops:?}");
    assert!(ops.iter().all(|(_, s)| *s == OpStatus::Changed));
    assert_eq!(summary.hosts["a"].changed, 1);
    assert_eq!(summary.failed(), 1);
    // Serial 1: `after` ran a then c, in order.
    assert_eq!(
        read(&log)
            .lines()
            .filter(|l| l.starts_with("after"))
            .collect::<Vec<_>>(),
        vec!["after a", "after c"]
    );
}

#[tokio::test]
async fn limit_keeps_only_matching_hosts() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = dir.path().join("log");
    let (summary, _) = run(program(&log, None), &["c", "ctl"]).await;
    assert_eq!(
        summary.hosts.keys().cloned().collect::<Vec<_>>(),
        vec!["c", "ctl"]
    );
    assert_eq!(read(&log), "c ctl\nafter c\n");
}

#[tokio::test]
async fn max_failures_stops_later_batches_and_stages() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let log = dir.path().join("log");
    let mut program = program(&log, None);
    program.stages[1].options = StageOptions {
        serial: Some(Serial::Count(1)),
        max_failures: Some(1),
        ..StageOptions::default()
    };
    let (summary, _) = run(program, &[]).await;
    // a ran, b failed, c never started; `after` was skipped.
    assert_eq!(read(&log), "a ctl\n");
    assert_eq!(summary.skipped_stages, vec!["after".to_string()]);
    assert_eq!(summary.hosts["c"].changed + summary.hosts["c"].ok, 0);
}
