//! `infrac plan` and `infrac apply`: run the stages with plan-mode VMs (see
//! `infrac_vm::plan`), turn what they recorded into a [`PlanDoc`] (shown,
//! saved as JSON, turned into shell scripts), and apply a saved plan.

mod diff;
mod document;
mod emit;
mod render;

use std::collections::BTreeMap;
use std::sync::Arc;

use infrac_vm::RunContext;
use infrac_vm::plan::{ApplySession, HostPlan, Mode, PlanSession};
use infrac_vm::value::{HostValue, Value};

use crate::cancel::Cancel;
use crate::event::{RunEvent, RunSummary};
use crate::orchestrator::{RunOptions, run};
use crate::output::Sink;

pub use document::{
    Build, CommandDoc, DocError, FactDoc, HostDoc, Inputs, PlanDoc, PlanSummary, ProgramDoc,
    StepDoc, StepStatus, UnknownDoc, hosts_digest, program_hash,
};
pub use emit::shell_script;
pub use render::render_human;

/// What plan-mode VMs recorded, and how the hosts ended.
pub struct Planned {
    pub hosts: BTreeMap<String, HostPlan>,
    pub summary: RunSummary,
}

/// Runs every stage on `groups` in plan mode: facts and probes are read
/// live; nothing is changed. `diff`: read the files uploads would replace.
pub async fn plan(
    ctx: &RunContext,
    groups: Vec<Vec<Arc<HostValue>>>,
    options: RunOptions,
    cancel: Cancel,
    diff: bool,
) -> Planned {
    let session = Arc::new(PlanSession::new(diff));
    let ctx = Arc::new(ctx.with_mode(Mode::Plan(Arc::clone(&session))));
    let summary = run(ctx, groups, options, Box::new(Quiet), cancel).await;
    Planned {
        hosts: session.take(),
        summary,
    }
}

/// Applies `plan` (read back with [`PlanDoc::apply_session`]): each host
/// re-reads the facts the plan relied on (a host that drifted fails before
/// any change), then runs live, admitting only the planned commands.
pub async fn apply(
    ctx: &RunContext,
    session: ApplySession,
    groups: Vec<Vec<Arc<HostValue>>>,
    options: RunOptions,
    sink: Box<dyn Sink>,
    cancel: Cancel,
) -> RunSummary {
    let ctx = Arc::new(ctx.with_mode(Mode::Apply(Arc::new(session))));
    run(ctx, groups, options, sink, cancel).await
}

/// The secret strings of a run (params and hosts' data), to redact them
/// from file contents shown in diffs.
pub fn secrets(params: &[Value], groups: &[Vec<Arc<HostValue>>]) -> Vec<String> {
    fn collect(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Secret(s) if !s.is_empty() => out.push(s.to_string()),
            Value::List(items) => items.iter().for_each(|i| collect(i, out)),
            Value::Map(m) | Value::Record(m) => m.values().for_each(|i| collect(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    params.iter().for_each(|p| collect(p, &mut out));
    groups
        .iter()
        .flatten()
        .for_each(|h| collect(&h.data, &mut out));
    // Longest first, so that a secret containing another is redacted whole.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

/// A plan shows its own output; the run's events are not shown.
struct Quiet;

impl Sink for Quiet {
    fn event(&mut self, _: &RunEvent) {}
    fn finish(&mut self, _: &RunSummary) {}
}
