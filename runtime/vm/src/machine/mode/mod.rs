//! Plan and apply modes inside the interpreter (see `crate::plan`): the
//! hooks `Vm::resume` and `Vm::step` call before doing their own work,
//! dispatched to plan mode (`plan.rs`), apply mode (`apply.rs`) or the
//! look-ahead (`../discover.rs`). `unknown.rs` spreads unknown values, for
//! plan mode and the look-ahead alike.

mod apply;
mod plan;
mod unknown;

use std::sync::Arc;

use infrac_bytecode::{Builtin, Instr, Span};

use crate::context::RunContext;
use crate::machine::discover::Discovery;
use crate::machine::io::run_stdin;
use crate::machine::{Flow, Halt, Pending, Vm};
use crate::ops::record;
use crate::plan::{Mode, PlannedCommand};
use crate::request::{Request, Response};
use crate::shell::with_env;
use crate::value::{HostValue, Unknown, Value};

use apply::ApplyHost;
use plan::PlanHost;

/// The VM's plan or apply state for its host.
#[derive(Debug, Default)]
pub(in crate::machine) enum ModeState {
    #[default]
    Run,
    Plan(Box<PlanHost>),
    Apply(Box<ApplyHost>),
    /// A copy of a VM looking ahead for fact reads (see `discover`).
    Discover(Box<Discovery>),
}

impl ModeState {
    pub(in crate::machine) fn new(ctx: &RunContext, host: Option<&HostValue>) -> ModeState {
        match (ctx.mode(), host) {
            (Mode::Plan(session), Some(host)) => {
                ModeState::Plan(Box::new(PlanHost::new(session, &host.name)))
            }
            (Mode::Apply(session), Some(host)) => {
                ModeState::Apply(Box::new(ApplyHost::new(session, &host.name)))
            }
            _ => ModeState::Run,
        }
    }

    /// Where an apply is in its host's planned commands.
    pub(in crate::machine) fn apply_cursor(&self) -> Option<usize> {
        match self {
            ModeState::Apply(apply) => Some(apply.cursor()),
            _ => None,
        }
    }

    /// Goes back to `cursor` in the planned commands (a retried call's
    /// next attempt runs the call's planned commands again).
    pub(in crate::machine) fn rewind_apply(&mut self, cursor: usize) {
        if let ModeState::Apply(apply) = self {
            apply.rewind(cursor);
        }
    }

    /// The VM dropped its stack (a new stage, a failure).
    pub(in crate::machine) fn abandon(&mut self) {
        if let ModeState::Plan(plan) = self {
            plan.awaiting = None;
            plan.own.clear();
            plan.current = None;
            plan.undetermined = None;
        }
    }
}

/// The first unknown value in `v` (inside lists, maps and records too).
fn first_unknown(v: &Value) -> Option<&Arc<Unknown>> {
    match v {
        Value::Unknown(u) => Some(u),
        Value::List(items) => items.iter().find_map(first_unknown),
        Value::Map(m) | Value::Record(m) => m.values().find_map(first_unknown),
        _ => None,
    }
}

/// A `CommandResult` whose fields are unknown until the command runs.
pub(in crate::machine) fn unknown_result(module: u32, span: Span, display: &str) -> Value {
    let u = Value::Unknown(Arc::new(Unknown {
        module,
        span,
        what: format!("the result of `{display}`"),
    }));
    record([("code", u.clone()), ("stdout", u.clone()), ("stderr", u)])
}

type ModeStep = Result<Option<Flow>, String>;

impl Vm {
    /// Called first by `resume`; `Some`: return that instead.
    pub(in crate::machine) fn mode_resume(
        &mut self,
        response: &mut Option<Response>,
    ) -> Option<Halt> {
        match &mut self.mode {
            ModeState::Run | ModeState::Discover(_) => None,
            // A plan records a fact as relied on where the program reads it
            // (`plan_relies`), not when it arrives: facts read ahead may
            // never be read.
            ModeState::Plan(_) => None,
            ModeState::Apply(_) => self.apply_resume(response),
        }
    }

    /// Called first by `step`; `Some`: the instruction was handled.
    pub(in crate::machine) fn mode_step(&mut self, ctx: &RunContext, instr: Instr) -> ModeStep {
        match self.mode {
            ModeState::Run => Ok(None),
            ModeState::Plan(_) => self.plan_step(ctx, instr),
            ModeState::Apply(_) => self.apply_step(ctx, instr),
            ModeState::Discover(_) => self.discover_step(ctx, instr),
        }
    }

    /// The stage being run (its body is the bottom frame).
    fn stage_index(&self, ctx: &RunContext) -> usize {
        let body = self.frames.first().map(|f| f.func);
        ctx.program()
            .stages
            .iter()
            .position(|s| Some(s.body) == body)
            .unwrap_or(0)
    }

    /// The op call of the stage body in progress, else the statement.
    fn site(&self) -> (u32, Span) {
        match (self.ops.first(), self.frames.first()) {
            (Some(op), _) => (op.module, op.span),
            (None, Some(f)) => self.place(f),
            (None, None) => (0, Span::default()),
        }
    }

    /// The command `run(args)` / `upload(args)` would perform.
    fn planned_command(
        &mut self,
        ctx: &RunContext,
        builtin: Builtin,
        args: &[Value],
    ) -> Result<PlannedCommand, String> {
        let request = match (builtin, args) {
            (Builtin::Run, [cmd, stdin, check, env]) => self.exec(
                &with_env(cmd, env)?,
                run_stdin(stdin)?,
                true,
                *check != Value::Bool(false),
            )?,
            (Builtin::Upload, [remote, src, content, mode, owner, group]) => {
                self.upload(ctx, remote, src, content, mode, owner, group)?
            }
            _ => return Err(format!("internal: `{}` with bad arguments", builtin.name())),
        };
        // Nothing is performed: there is no response to wait for.
        self.pending = Pending::Nothing;
        Ok(match request {
            Request::Exec(exec) => PlannedCommand::Exec {
                secret: !exec.secrets.values.is_empty()
                    || matches!(args.get(1), Some(Value::Secret(_))),
                script: exec.script,
                display: exec.display,
                stdin: exec.stdin,
                sudo: exec.sudo,
            },
            Request::Upload(request) => PlannedCommand::Upload {
                secret: matches!(args.get(2), Some(Value::Secret(_))),
                request,
                current: None,
            },
            Request::ReadFacts(_) | Request::Batch(_) | Request::Sleep(_) => {
                return Err("internal: not a command".into());
            }
        })
    }
}
