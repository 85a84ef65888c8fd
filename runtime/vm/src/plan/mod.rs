//! Plan and apply, as the VM sees them.
//!
//! In **plan mode** ([`Mode::Plan`]) facts and `probe` commands run live,
//! but changing commands (`run`, `upload`) are recorded, not performed.
//! After an op that would change something, the facts its `changes` clause
//! names are read through the planned changes: an op with a known effect
//! ([`predict`]) gives the fact's value after the change; otherwise the
//! value is [`Value::Unknown`], naming the op call it depends on. Unknown
//! values propagate through every operation; a branch on one makes the op
//! around it "may change" (or, outside any op, the rest of the stage
//! undetermined). A `probe` after a planned change is unknown too: its
//! output may differ once the change is made.
//!
//! In **apply mode** ([`Mode::Apply`]) the VM runs live, but first re-reads
//! the facts the plan relied on (a host that drifted fails before any
//! change), and lets through only the changing commands the plan recorded,
//! in order (any command inside an op the plan showed as "may change").

mod predict;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use infrac_bytecode::Span;
use sha2::{Digest, Sha256};

use crate::request::{FactQuery, Sudo, UploadRequest, UploadSource};
use crate::value::{Unknown, Value};

pub use predict::{OpArgs, PREDICTED, predict};

/// How the VMs of a run treat changing commands (see the module docs).
#[derive(Debug, Clone, Default)]
pub enum Mode {
    #[default]
    Run,
    Plan(Arc<PlanSession>),
    Apply(Arc<ApplySession>),
}

/// What plan-mode VMs record, per host; shared by the hosts of one plan.
#[derive(Debug, Default)]
pub struct PlanSession {
    /// Read the current content of files that uploads would replace (with a
    /// read-only `cat`), for diffs.
    pub diff: bool,
    hosts: Mutex<BTreeMap<String, HostPlan>>,
}

impl PlanSession {
    pub fn new(diff: bool) -> Self {
        PlanSession {
            diff,
            hosts: Mutex::default(),
        }
    }

    /// Every host's plan so far (the session is left empty).
    pub fn take(&self) -> BTreeMap<String, HostPlan> {
        std::mem::take(&mut *self.lock())
    }

    pub(crate) fn update(&self, host: &str, f: impl FnOnce(&mut HostPlan)) {
        f(self.lock().entry(host.to_string()).or_default());
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, HostPlan>> {
        // A VM that panicked while holding the lock left whole records.
        self.hosts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One host's plan.
#[derive(Debug, Default, Clone)]
pub struct HostPlan {
    /// The native facts read from the host (before any change), each as
    /// the user it was read as.
    pub relied: BTreeMap<FactQuery, Value>,
    /// The op calls of the stage bodies, in the order the host reached them.
    pub steps: Vec<PlanStep>,
}

/// One op call of a stage body on one host.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanStep {
    /// Index into `Program::stages`.
    pub stage: usize,
    /// `files.directory`; `run` / `upload` for a command of the stage body.
    pub op: String,
    pub module: u32,
    pub span: Span,
    pub outcome: Outcome,
    /// The changing commands it would run, in order (those known so far
    /// for a "may change").
    pub commands: Vec<PlannedCommand>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    NoChange,
    WillChange,
    /// The op's decision reads a value that is unknown until an earlier
    /// change is made.
    MayChange(Unknown),
    /// A branch of the stage body (outside any op) reads an unknown value:
    /// the rest of the stage is undetermined on this host. The step's place
    /// is the statement with the branch.
    RestUndetermined(Unknown),
}

/// A changing command a plan records instead of running it.
#[derive(Debug, Clone, PartialEq)]
pub enum PlannedCommand {
    Exec {
        /// The shell text (secrets in clear: never shown or saved).
        script: String,
        /// The shell text with secrets as `***`.
        display: String,
        stdin: Option<String>,
        sudo: Option<Sudo>,
        /// The script or its stdin holds a secret.
        secret: bool,
    },
    Upload {
        request: UploadRequest,
        /// The content is a secret.
        secret: bool,
        /// The file's current content (`None`: there is none), when the
        /// plan reads it (diffs).
        current: Option<Option<Vec<u8>>>,
    },
}

impl PlannedCommand {
    /// The text to show (secrets redacted).
    pub fn display(&self) -> String {
        match self {
            PlannedCommand::Exec { display, .. } => display.clone(),
            PlannedCommand::Upload { request, .. } => {
                let mut attrs = Vec::new();
                if let Some(mode) = request.mode {
                    attrs.push(format!("mode {mode:04o}"));
                }
                if let Some(owner) = &request.owner {
                    attrs.push(format!("owner {owner}"));
                }
                if let Some(group) = &request.group {
                    attrs.push(format!("group {group}"));
                }
                match attrs.is_empty() {
                    true => format!("upload {}", request.remote),
                    false => format!("upload {} ({})", request.remote, attrs.join(", ")),
                }
            }
        }
    }

    /// What apply compares: a digest of what the command does. Commands
    /// with secrets are identified by their redacted text, so that no
    /// digest of a secret is ever written down.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        match self {
            PlannedCommand::Exec {
                script,
                display,
                stdin,
                sudo,
                secret,
            } => {
                h.update(b"exec\0");
                h.update(if *secret { display } else { script });
                h.update(b"\0");
                if !*secret && let Some(stdin) = stdin {
                    h.update(stdin);
                }
                h.update(format!("\0{sudo:?}"));
            }
            PlannedCommand::Upload {
                request, secret, ..
            } => {
                h.update(b"upload\0");
                h.update(&request.remote);
                h.update(format!(
                    "\0{:?}\0{:?}\0{:?}\0{:?}\0",
                    request.mode, request.owner, request.group, request.sudo
                ));
                match (&request.source, secret) {
                    (_, true) => h.update(b"(secret)"),
                    (UploadSource::Content(bytes), false) => h.update(Sha256::digest(bytes)),
                    (UploadSource::LocalFile(path), false) => {
                        h.update(path.to_string_lossy().as_bytes())
                    }
                }
            }
        }
        hex(&h.finalize())
    }
}

/// A fact value as apply compares it: the SHA-256 of its display text
/// (secrets are `***` there).
pub fn value_digest(value: &Value) -> String {
    hex(&Sha256::digest(value.to_string().as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What apply expects, per host (read back from a plan file).
#[derive(Debug, Default)]
pub struct ApplySession {
    pub hosts: BTreeMap<String, HostExpect>,
}

/// What the plan of one host relied on and recorded.
#[derive(Debug, Default, Clone)]
pub struct HostExpect {
    /// The facts to re-read before any change; a different value refuses
    /// the host.
    pub facts: Vec<ReliedFact>,
    /// The changing commands, in order.
    pub commands: Vec<ExpectedCommand>,
    /// Op calls the plan showed as "may change": any command inside them
    /// is allowed.
    pub open_sites: BTreeSet<(u32, Span)>,
    /// Stages whose rest the plan showed as undetermined: any command in
    /// them is allowed.
    pub open_stages: BTreeSet<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReliedFact {
    /// The fact and the user it was read as.
    pub key: FactQuery,
    /// [`value_digest`] of the value the plan read.
    pub digest: String,
    /// The value as shown (for messages), when it is short.
    pub shown: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedCommand {
    pub stage: usize,
    /// The op call of the stage body it belongs to.
    pub module: u32,
    pub span: Span,
    /// [`PlannedCommand::digest`].
    pub digest: String,
    pub display: String,
}

impl HostExpect {
    /// What apply expects of the host that made `plan`.
    pub fn from_plan(plan: &HostPlan) -> HostExpect {
        let facts = plan
            .relied
            .iter()
            .map(|(key, value)| ReliedFact::new(key.clone(), value))
            .collect();
        let mut expect = HostExpect {
            facts,
            ..HostExpect::default()
        };
        for step in &plan.steps {
            let bound = match &step.outcome {
                Outcome::NoChange | Outcome::WillChange => StepBound::Exact,
                Outcome::MayChange(_) => StepBound::OpenSite,
                Outcome::RestUndetermined(_) => StepBound::OpenStage,
            };
            let commands = step.commands.iter().map(|c| (c.digest(), c.display()));
            expect.expect_step(step.stage, step.module, step.span, bound, commands);
        }
        expect
    }

    /// Adds what apply may run for one planned step (of `stage`, at op call
    /// `(module, span)`); `commands` are its recorded commands as
    /// `(digest, display)`.
    pub fn expect_step(
        &mut self,
        stage: usize,
        module: u32,
        span: Span,
        bound: StepBound,
        commands: impl IntoIterator<Item = (String, String)>,
    ) {
        match bound {
            StepBound::Exact => {}
            // Its commands may differ at apply: none is expected.
            StepBound::OpenSite => {
                self.open_sites.insert((module, span));
                return;
            }
            StepBound::OpenStage => {
                self.open_stages.insert(stage);
            }
        }
        self.commands.extend(
            commands
                .into_iter()
                .map(|(digest, display)| ExpectedCommand {
                    stage,
                    module,
                    span,
                    digest,
                    display,
                }),
        );
    }
}

/// How a planned step bounds the commands apply may run for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepBound {
    /// Exactly its recorded commands (no change, will change).
    Exact,
    /// Any command inside its op call (may change).
    OpenSite,
    /// Its recorded commands, then any command in the rest of the stage
    /// (rest undetermined).
    OpenStage,
}

/// Values shown longer than this are only compared by digest.
const SHOWN_MAX: usize = 160;

impl ReliedFact {
    pub fn new(key: FactQuery, value: &Value) -> ReliedFact {
        let text = value.to_string();
        ReliedFact {
            key,
            digest: value_digest(value),
            shown: (text.len() <= SHOWN_MAX).then_some(text),
        }
    }
}
