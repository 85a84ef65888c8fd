//! What a run reports while it goes: events for the output sinks, and the
//! final summary.

use std::collections::BTreeMap;
use std::time::Duration;

use infrac_vm::RuntimeError;

/// Places in the program (module + span), turned into file and line by a
/// [`Locate`] the binary hands over (the compiler's sources).
pub use infrac_bytecode::{Locate, Location, Place};

#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    /// A stage begins on these hosts (after `--limit` and earlier failures).
    StageStarted {
        stage: String,
        hosts: Vec<String>,
    },
    /// An op called by a stage body began on a host.
    OpStarted {
        host: String,
        stage: String,
        op: String,
        place: Place,
    },
    OpFinished(OpRecord),
    /// Attempt `attempt` of `attempts` of a retried call failed with
    /// `error`, inside the op called by a stage body at `place` (or it is
    /// that call, or a probe of the stage body); the next begins in
    /// `delay` seconds.
    Retrying {
        host: String,
        stage: String,
        op: String,
        place: Place,
        attempt: u64,
        attempts: u64,
        error: String,
        delay: u64,
    },
    /// The host waits (the `std::wait` ops, `poll(...)`) for `what`, at
    /// most `timeout` seconds, inside the op called by a stage body at
    /// `place` (or in a `poll` of the stage body, `op` then being `poll`).
    /// Sent when the wait begins (`elapsed` 0), then every second with
    /// the seconds waited so far.
    Waiting {
        host: String,
        stage: String,
        op: String,
        place: Place,
        what: String,
        timeout: u64,
        elapsed: u64,
    },
    /// The host stopped: it takes no further part in the run.
    HostFailed {
        host: String,
        stage: String,
        error: HostError,
    },
    /// A host of a stage's later `serial` batch that did not run because
    /// the stage stopped early (`max_failures`, Ctrl-C).
    HostSkipped {
        host: String,
        stage: String,
        reason: String,
    },
    StageFinished {
        stage: String,
    },
    /// A stage left out by `--stage`, `--tags` or `--skip-tags`.
    StageSkipped {
        stage: String,
    },
    /// Ctrl-C stopped the run (sent once, after the last stage that ran).
    Interrupted,
    /// Something the user should know about how the run goes (the
    /// open-files limit capping the hosts connected at once).
    Notice {
        message: String,
    },
}

/// One op call by a stage body, on one host.
#[derive(Debug, Clone, PartialEq)]
pub struct OpRecord {
    pub host: String,
    pub stage: String,
    pub op: String,
    pub place: Place,
    pub status: OpStatus,
    /// Display texts of the changing commands it ran (secrets redacted).
    pub commands: Vec<String>,
    /// From its start to the end of its commands (or of its own work).
    /// Ops whose commands ran in one script all end when it ends.
    pub duration: Duration,
    /// How many other ops' commands ran in the same script as this op's.
    pub sent_with: usize,
    /// A handler's call (`op` is `handler NAME`; `place` the op call that
    /// notified it).
    pub handler: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpStatus {
    Ok,
    Changed,
    Failed,
}

impl OpStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OpStatus::Ok => "ok",
            OpStatus::Changed => "changed",
            OpStatus::Failed => "failed",
        }
    }
}

/// Why a host stopped, with the place in the program when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct HostError {
    pub message: String,
    pub place: Option<Place>,
    /// The call chain, innermost caller first.
    pub notes: Vec<(String, Place)>,
}

impl HostError {
    pub fn new(message: impl Into<String>, place: Option<Place>) -> HostError {
        HostError {
            message: message.into(),
            place,
            notes: Vec::new(),
        }
    }
}

impl HostError {
    /// Moves the innermost place that is in user code (`is_std` false) to
    /// the front: a failure inside a standard op is shown at the user's
    /// call, the standard library's places become notes.
    pub fn focus_user_code(self, is_std: impl Fn(u32) -> bool) -> HostError {
        let Some(primary) = self.place else {
            return self;
        };
        let mut chain = vec![(String::from("here, in the standard library"), primary)];
        chain.extend(self.notes);
        let Some(k) = chain.iter().position(|(_, p)| !is_std(p.module)) else {
            let notes = chain.split_off(1);
            return HostError {
                message: self.message,
                place: Some(primary),
                notes,
            };
        };
        let (_, place) = chain.remove(k);
        HostError {
            message: self.message,
            place: Some(place),
            notes: chain,
        }
    }
}

impl From<RuntimeError> for HostError {
    fn from(e: RuntimeError) -> HostError {
        let place = |module, span| Place { module, span };
        HostError {
            message: e.message,
            place: Some(place(e.module, e.span)),
            notes: e
                .notes
                .into_iter()
                .map(|n| (n.message, place(n.module, n.span)))
                .collect(),
        }
    }
}

/// The end of a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunSummary {
    pub hosts: BTreeMap<String, HostSummary>,
    /// Ctrl-C stopped the run early.
    pub interrupted: bool,
    /// Stages not started because of `max_failures` or an interruption.
    pub skipped_stages: Vec<String>,
    /// Stages left out by `--stage`, `--tags` or `--skip-tags`.
    pub unselected_stages: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct HostSummary {
    /// Ops that changed nothing.
    pub ok: u32,
    pub changed: u32,
    pub failure: Option<HostFailure>,
    /// The stage it did not get to run, and why (see `RunEvent::HostSkipped`).
    pub skipped: Option<(String, String)>,
    /// Time spent running this host's stage bodies.
    pub elapsed: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HostFailure {
    pub stage: String,
    pub error: HostError,
}

impl RunSummary {
    pub fn changed(&self) -> u32 {
        self.hosts.values().map(|h| h.changed).sum()
    }

    pub fn failed(&self) -> usize {
        self.hosts.values().filter(|h| h.failure.is_some()).count()
    }

    pub fn skipped(&self) -> usize {
        self.hosts.values().filter(|h| h.skipped.is_some()).count()
    }

    /// Counts an event into the per-host totals.
    pub fn record(&mut self, event: &RunEvent) {
        match event {
            RunEvent::OpFinished(op) => {
                let host = self.hosts.entry(op.host.clone()).or_default();
                match op.status {
                    OpStatus::Ok => host.ok += 1,
                    OpStatus::Changed => host.changed += 1,
                    OpStatus::Failed => {}
                }
            }
            RunEvent::HostFailed { host, stage, error } => {
                self.hosts.entry(host.clone()).or_default().failure = Some(HostFailure {
                    stage: stage.clone(),
                    error: error.clone(),
                });
            }
            RunEvent::StageStarted { hosts, .. } => {
                for host in hosts {
                    self.hosts.entry(host.clone()).or_default();
                }
            }
            RunEvent::HostSkipped {
                host,
                stage,
                reason,
            } => {
                let host = self.hosts.entry(host.clone()).or_default();
                host.skipped.get_or_insert((stage.clone(), reason.clone()));
            }
            RunEvent::StageSkipped { stage } => self.unselected_stages.push(stage.clone()),
            RunEvent::Interrupted => self.interrupted = true,
            RunEvent::OpStarted { .. }
            | RunEvent::Waiting { .. }
            | RunEvent::Retrying { .. }
            | RunEvent::Notice { .. }
            | RunEvent::StageFinished { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infrac_bytecode::Span;

    fn at(module: u32) -> Place {
        Place {
            module,
            span: Span::new(module, module + 1),
        }
    }

    #[test]
    fn failures_inside_standard_ops_are_shown_at_the_users_call() {
        let error = HostError {
            message: "boom".into(),
            place: Some(at(5)),
            notes: vec![
                ("called from here".into(), at(6)),
                ("called from here".into(), at(0)),
            ],
        };
        let focused = error.focus_user_code(|m| m >= 5);
        assert_eq!(focused.place, Some(at(0)));
        let notes: Vec<Place> = focused.notes.iter().map(|(_, p)| *p).collect();
        assert_eq!(notes, vec![at(5), at(6)]);
        assert_eq!(focused.notes[0].0, "here, in the standard library");
        let user_only = HostError::new("x", Some(at(1))).focus_user_code(|m| m >= 5);
        assert_eq!(user_only, HostError::new("x", Some(at(1))));
        let std_only = HostError::new("x", Some(at(7))).focus_user_code(|m| m >= 5);
        assert_eq!(std_only, HostError::new("x", Some(at(7))));
    }
}
