//! Apply mode: the VM first re-reads the facts the plan relied on and
//! refuses a host that drifted, then admits only the planned commands, in
//! order.

use std::sync::Arc;

use infrac_bytecode::{Builtin, Instr};

use super::{ModeState, ModeStep};
use crate::context::RunContext;
use crate::machine::{Halt, Vm};
use crate::plan::{ApplySession, HostExpect, value_digest};
use crate::request::{Request, Response, Sudo};
use crate::value::Value;

/// Where apply stands with the facts the plan relied on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not read again yet.
    Unchecked,
    /// Being read again.
    Checking,
    /// Read again, and they match.
    Checked,
}

#[derive(Debug)]
pub(in crate::machine) struct ApplyHost {
    host: String,
    expect: Option<HostExpect>,
    /// Index of the next expected command.
    next: usize,
    phase: Phase,
}

impl ApplyHost {
    pub(super) fn cursor(&self) -> usize {
        self.next
    }

    pub(super) fn rewind(&mut self, cursor: usize) {
        self.next = cursor;
    }

    pub(super) fn new(session: &ApplySession, host: &str) -> ApplyHost {
        ApplyHost {
            host: host.to_string(),
            expect: session.hosts.get(host).cloned(),
            next: 0,
            phase: Phase::Unchecked,
        }
    }
}

impl Vm {
    /// Apply's part of `resume`: before the first statement, the relied-on
    /// facts are read again; a host that drifted is refused.
    pub(super) fn apply_resume(&mut self, response: &mut Option<Response>) -> Option<Halt> {
        let ModeState::Apply(apply) = &mut self.mode else {
            return None;
        };
        if apply.phase == Phase::Checked {
            return None;
        }
        let Some(expect) = &apply.expect else {
            let message = format!(
                "host `{}` is not in the plan (it failed or was left out when the plan was made); make a new plan",
                apply.host
            );
            return Some(self.refuse(message));
        };
        match apply.phase {
            Phase::Unchecked if expect.facts.is_empty() => {
                apply.phase = Phase::Checked;
                None
            }
            Phase::Unchecked => {
                apply.phase = Phase::Checking;
                // Each as the user the plan read it as.
                let keys = expect.facts.iter().map(|f| f.key.clone()).collect();
                Some(Halt::Request(Request::ReadFacts(keys)))
            }
            Phase::Checking | Phase::Checked => {
                let values = match response.take() {
                    Some(Response::Facts(values)) => values,
                    _ => Vec::new(),
                };
                match drift(expect, &values) {
                    Some(message) => {
                        apply.phase = Phase::Unchecked;
                        Some(self.refuse(message))
                    }
                    None => {
                        apply.phase = Phase::Checked;
                        None
                    }
                }
            }
        }
    }

    /// Apply refuses the host before its first statement: the error is
    /// placed at the stage.
    fn refuse(&mut self, message: String) -> Halt {
        let ctx = Arc::clone(&self.ctx);
        let stage = ctx.program().stages.get(self.stage_index(&ctx));
        let err = match stage {
            Some(def) => self.error_at(def.module, def.span, message),
            None => self.error(message),
        };
        self.reset();
        Halt::Failed(err)
    }

    /// Apply: a changing command runs only when the plan recorded it.
    pub(super) fn apply_step(&mut self, ctx: &RunContext, instr: Instr) -> ModeStep {
        let Instr::CallBuiltin {
            builtin: builtin @ (Builtin::Run | Builtin::Upload),
            argc,
        } = instr
        else {
            return Ok(None);
        };
        let at = self.top_start(argc)?;
        let args = self.stack[at..].to_vec();
        let command = self.planned_command(ctx, builtin, &args)?;
        let site = self.site();
        let stage = self.stage_index(ctx);
        let ModeState::Apply(apply) = &mut self.mode else {
            return Ok(None);
        };
        let Some(expect) = &apply.expect else {
            return Err("this host is not in the plan".into());
        };
        let digest = command.digest();
        let next = expect.commands.get(apply.next);
        if next
            .is_some_and(|e| e.stage == stage && (e.module, e.span) == site && e.digest == digest)
        {
            apply.next += 1;
            return Ok(None);
        }
        if expect.open_sites.contains(&site) || expect.open_stages.contains(&stage) {
            return Ok(None);
        }
        let planned = match next {
            Some(e) => format!("the plan's next command is `{}`", e.display),
            None => "the plan has no more changes for this host".into(),
        };
        Err(format!(
            "`{}` is not in the plan ({planned}); the host changed since the plan was made: make a new plan",
            command.display()
        ))
    }
}

/// The first relied-on fact whose value changed, as a message.
fn drift(expect: &HostExpect, values: &[Result<Value, String>]) -> Option<String> {
    for (i, fact) in expect.facts.iter().enumerate() {
        let (digest, now) = match values.get(i) {
            Some(Ok(v)) => (value_digest(v), v.to_string()),
            Some(Err(e)) => (String::new(), format!("unreadable ({e})")),
            None => (String::new(), "not read".to_string()),
        };
        if digest != fact.digest {
            let was = fact
                .shown
                .clone()
                .unwrap_or_else(|| format!("a value with digest {}", short(&fact.digest)));
            let now = if now.len() > 160 {
                format!("a value with digest {}", short(&digest))
            } else {
                now
            };
            return Some(format!(
                "the host drifted since the plan: {} was {was}, now {now}; nothing was changed on it (make a new plan)",
                fact.key.key.label()
                    + &match &fact.key.sudo {
                        None => String::new(),
                        Some(Sudo { user: None }) => " (read as root)".into(),
                        Some(Sudo { user: Some(u) }) => format!(" (read as {u})"),
                    }
            ));
        }
    }
    None
}

fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}
