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
use infrac_vm::value::HostValue;

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

/// A plan shows its own output; the run's events are not shown.
struct Quiet;

impl Sink for Quiet {
    fn event(&mut self, _: &RunEvent) {}
    fn finish(&mut self, _: &RunSummary) {}
}
