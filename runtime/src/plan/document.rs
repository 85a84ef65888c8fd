//! The plan as data: what `infrac plan --format json` prints and `-o`
//! saves, and what `infrac apply` reads back. Versioned; its `plan_hash`
//! covers everything else in it, so a hand-edited plan is refused.
//! Secrets never appear in it: command texts are redacted, secret `--set`
//! values are left out (apply asks for them again), diffs are redacted.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use infrac_bytecode::{Program, Span};
use infrac_vm::plan::{
    ApplySession, HostExpect, Outcome, PlanStep, PlannedCommand, ReliedFact, StepBound,
};
use infrac_vm::request::{FactArg, FactKey, FactQuery, Sudo};
use infrac_vm::value::{HostValue, Unknown};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Planned;
use super::diff::upload_diff;
use crate::event::{Locate, Place};
use crate::secrets::redact;

/// The format version of plan documents.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDoc {
    /// The format version ([`VERSION`]).
    pub infrac_plan: u32,
    pub program: ProgramDoc,
    pub inputs: Inputs,
    /// Stage names, by index.
    pub stages: Vec<String>,
    pub summary: PlanSummary,
    pub hosts: Vec<HostDoc>,
    /// SHA-256 of this document with `plan_hash` empty.
    #[serde(default)]
    pub plan_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramDoc {
    pub path: String,
    /// [`program_hash`] of the compiled program.
    pub hash: String,
}

/// What the plan was made from, besides the program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    /// SHA-256 of the values below and of the hosts (inventory included).
    pub hash: String,
    /// `--set` values of params that are not secrets.
    pub set: BTreeMap<String, String>,
    /// Secret params given with `--set`: their values are not saved; apply
    /// needs them again.
    pub secret_set: Vec<String>,
    pub limit: Vec<String>,
    /// The stages that run, when not all do (`--stage`, `--tags`,
    /// `--skip-tags`): apply runs the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<String>,
}

impl Inputs {
    /// `hosts` is [`hosts_digest`] of the evaluated groups.
    pub fn new(
        set: BTreeMap<String, String>,
        secret_set: Vec<String>,
        limit: Vec<String>,
        stages: Vec<String>,
        hosts: &str,
    ) -> Inputs {
        let mut h = Sha256::new();
        for (name, value) in &set {
            h.update(format!("set {name:?}={value:?}\n"));
        }
        for name in &secret_set {
            h.update(format!("secret {name:?}\n"));
        }
        for pattern in &limit {
            h.update(format!("limit {pattern:?}\n"));
        }
        for stage in &stages {
            h.update(format!("stage {stage:?}\n"));
        }
        h.update(format!("hosts {hosts}\n"));
        Inputs {
            hash: hex(&h.finalize()),
            set,
            secret_set,
            limit,
            stages,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PlanSummary {
    pub hosts: usize,
    /// Op calls that will change something.
    pub will_change: usize,
    /// Op calls that may change something, and stage rests that are
    /// undetermined.
    pub undetermined: usize,
    pub no_change: usize,
    /// Hosts whose plan failed (unreachable, `fail`...).
    pub failed: usize,
}

impl PlanSummary {
    /// Something will or may change.
    pub fn pending(&self) -> bool {
        self.will_change > 0 || self.undetermined > 0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostDoc {
    pub name: String,
    /// Why the plan of this host failed; apply refuses such a host.
    pub failed: Option<FailureDoc>,
    /// The facts the plan relied on; apply re-reads them.
    pub facts: Vec<FactDoc>,
    pub steps: Vec<StepDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureDoc {
    pub stage: String,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactDoc {
    /// `facts.file("/etc/hosts")`.
    pub fact: String,
    pub name: String,
    pub args: Vec<serde_json::Value>,
    /// The user it was read as: none (the login user), `root` or a name.
    pub sudo: Option<String>,
    pub digest: String,
    /// The value as shown, when it is short (secrets as `***`).
    pub value: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    NoChange,
    WillChange,
    MayChange,
    /// The rest of the stage is undetermined on this host.
    RestUndetermined,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepDoc {
    /// Index into [`PlanDoc::stages`].
    pub stage: usize,
    /// `files.directory`; `run`/`upload` for a command of the stage body;
    /// empty for an undetermined stage rest.
    pub op: String,
    pub file: String,
    pub line: u32,
    /// The call's module and byte span (apply matches commands by them).
    pub module: u32,
    pub span: [u32; 2],
    pub status: StepStatus,
    /// For `may_change` and `rest_undetermined`: the earlier change the
    /// decision depends on.
    pub depends_on: Option<UnknownDoc>,
    pub commands: Vec<CommandDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnknownDoc {
    pub file: String,
    pub line: u32,
    /// What is unknown: `facts.file("/etc/app.conf")`.
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandDoc {
    /// `exec` or `upload`.
    pub kind: String,
    /// The command (secrets as `***`), or `upload PATH`.
    pub display: String,
    /// `root`, a user name, or none.
    pub sudo: Option<String>,
    pub secret: bool,
    /// What apply compares ([`PlannedCommand::digest`]).
    pub digest: String,
    /// The standard input of an `exec` (secrets as `***`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin: Option<String>,
    /// For uploads, with `--diff`: the unified diff of the content
    /// (secrets redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// Why a plan document is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct DocError(pub String);

impl fmt::Display for DocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// SHA-256 of the compiled program (its complete bytecode and tables).
pub fn program_hash(program: &Program) -> String {
    hex(&Sha256::digest(format!("{program:?}").as_bytes()))
}

/// SHA-256 of the hosts of the evaluated groups (names, connections,
/// data with secrets as `***`, sudo).
pub fn hosts_digest(groups: &[Vec<Arc<HostValue>>]) -> String {
    let mut h = Sha256::new();
    for (g, hosts) in groups.iter().enumerate() {
        for host in hosts {
            h.update(format!(
                "{g} {:?} {:?} {} {}\n",
                host.name, host.spec, host.data, host.sudo
            ));
        }
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How to build a document.
pub struct Build<'a> {
    pub program: ProgramDoc,
    pub inputs: Inputs,
    pub stages: Vec<String>,
    pub locate: &'a dyn Locate,
    /// The run's secret strings, redacted from diffs and standard inputs.
    pub secrets: &'a [String],
    /// Show the uploads' content diffs.
    pub diff: bool,
}

impl PlanDoc {
    pub fn build(build: Build<'_>, planned: &Planned) -> PlanDoc {
        let mut names: Vec<&String> = planned.summary.hosts.keys().collect();
        names.extend(planned.hosts.keys());
        names.sort();
        names.dedup();
        let hosts: Vec<HostDoc> = names
            .into_iter()
            .map(|name| host_doc(&build, name, planned))
            .collect();
        let mut summary = PlanSummary {
            hosts: hosts.len(),
            ..PlanSummary::default()
        };
        for host in &hosts {
            summary.failed += usize::from(host.failed.is_some());
            for step in &host.steps {
                match step.status {
                    StepStatus::NoChange => summary.no_change += 1,
                    StepStatus::WillChange => summary.will_change += 1,
                    StepStatus::MayChange | StepStatus::RestUndetermined => {
                        summary.undetermined += 1
                    }
                }
            }
        }
        let mut doc = PlanDoc {
            infrac_plan: VERSION,
            program: build.program,
            inputs: build.inputs,
            stages: build.stages,
            summary,
            hosts,
            plan_hash: String::new(),
        };
        doc.plan_hash = doc.own_hash();
        doc
    }

    fn own_hash(&self) -> String {
        let unsealed = PlanDoc {
            plan_hash: String::new(),
            ..self.clone()
        };
        let text = serde_json::to_string(&unsealed).unwrap_or_default();
        hex(&Sha256::digest(text.as_bytes()))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a saved plan; refuses another format version and a plan
    /// edited since it was made.
    pub fn read(text: &str) -> Result<PlanDoc, DocError> {
        let doc: PlanDoc =
            serde_json::from_str(text).map_err(|e| DocError(format!("not an infrac plan: {e}")))?;
        if doc.infrac_plan != VERSION {
            return Err(DocError(format!(
                "plan format version {} (this infrac reads version {VERSION}); make a new plan",
                doc.infrac_plan
            )));
        }
        if doc.own_hash() != doc.plan_hash {
            return Err(DocError(
                "the plan was edited after it was made (its plan_hash does not match); make a new plan"
                    .into(),
            ));
        }
        Ok(doc)
    }

    /// What apply expects of each host whose plan succeeded.
    /// `secrets`: the run's secrets (given again to `apply`), for the fact
    /// arguments that hold one.
    pub fn apply_session(&self, secrets: &[String]) -> Result<ApplySession, DocError> {
        let mut session = ApplySession::default();
        for host in self.hosts.iter().filter(|h| h.failed.is_none()) {
            let mut expect = HostExpect::default();
            for fact in &host.facts {
                let args = fact
                    .args
                    .iter()
                    .map(|a| fact_arg(a, secrets))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| DocError(format!("bad fact arguments in {}", fact.fact)))?;
                let sudo = fact.sudo.as_ref().map(|user| Sudo {
                    user: (user != "root").then(|| user.clone()),
                });
                expect.facts.push(ReliedFact {
                    key: FactQuery {
                        key: FactKey {
                            name: fact.name.clone(),
                            args,
                        },
                        sudo,
                    },
                    digest: fact.digest.clone(),
                    shown: fact.value.clone(),
                });
            }
            for step in &host.steps {
                let span = Span {
                    start: step.span[0],
                    end: step.span[1],
                };
                let bound = match step.status {
                    StepStatus::NoChange | StepStatus::WillChange => StepBound::Exact,
                    StepStatus::MayChange => StepBound::OpenSite,
                    StepStatus::RestUndetermined => StepBound::OpenStage,
                };
                let commands = step
                    .commands
                    .iter()
                    .map(|c| (c.digest.clone(), c.display.clone()));
                expect.expect_step(step.stage, step.module, span, bound, commands);
            }
            session.hosts.insert(host.name.clone(), expect);
        }
        Ok(session)
    }
}

/// A fact's text argument in the plan file. One that holds a secret of the
/// run (a `reveal`ed one, say `facts.has_line(p, "PASSWORD={reveal(pw)}")`)
/// is stored as its parts, each secret as its index in the run's secrets:
/// `{"with_secrets": ["PASSWORD=", 0]}`. `apply`, given the same secrets
/// again, puts the values back ([`fact_arg`]); given others, the fact reads
/// differently and the host is refused as drifted.
fn str_arg_doc(text: &str, secrets: &[String]) -> serde_json::Value {
    let mut parts: Vec<serde_json::Value> = Vec::new();
    let mut rest = text;
    'scan: while !rest.is_empty() {
        // The earliest secret; the longest one at that place.
        let found = secrets
            .iter()
            .enumerate()
            .filter_map(|(i, s)| rest.find(s.as_str()).map(|at| (at, i, s.len())))
            .min_by_key(|&(at, _, len)| (at, std::cmp::Reverse(len)));
        match found {
            Some((at, i, len)) => {
                if at > 0 {
                    parts.push(rest[..at].into());
                }
                parts.push(i.into());
                rest = &rest[at + len..];
            }
            None => {
                parts.push(rest.into());
                break 'scan;
            }
        }
    }
    if parts.iter().all(|p| p.is_string()) {
        return text.into();
    }
    serde_json::json!({ "with_secrets": parts })
}

fn fact_arg(v: &serde_json::Value, secrets: &[String]) -> Option<FactArg> {
    match v {
        serde_json::Value::String(s) => Some(FactArg::Str(s.clone())),
        serde_json::Value::Object(o) => {
            let parts = o.get("with_secrets")?.as_array()?;
            let mut text = String::new();
            for part in parts {
                match part {
                    serde_json::Value::String(s) => text.push_str(s),
                    serde_json::Value::Number(n) => {
                        text.push_str(secrets.get(usize::try_from(n.as_u64()?).ok()?)?)
                    }
                    _ => return None,
                }
            }
            Some(FactArg::Str(text))
        }
        serde_json::Value::Bool(b) => Some(FactArg::Bool(*b)),
        serde_json::Value::Number(n) => n.as_i64().map(FactArg::Int),
        _ => None,
    }
}

fn host_doc(build: &Build<'_>, name: &str, planned: &Planned) -> HostDoc {
    let failed = planned
        .summary
        .hosts
        .get(name)
        .and_then(|s| s.failure.as_ref())
        .map(|f| {
            let at = f.error.place.map(|p| build.locate.locate(p));
            FailureDoc {
                stage: f.stage.clone(),
                message: redact(&f.error.message, build.secrets),
                file: at.as_ref().map(|l| l.file.clone()),
                line: at.map(|l| l.line),
            }
        });
    let Some(plan) = planned.hosts.get(name) else {
        return HostDoc {
            name: name.to_string(),
            failed,
            facts: Vec::new(),
            steps: Vec::new(),
        };
    };
    let facts = plan
        .relied
        .iter()
        .map(|(key, value)| {
            let relied = ReliedFact::new(key.clone(), value);
            FactDoc {
                fact: redact(&key.key.label(), build.secrets),
                name: key.key.name.clone(),
                sudo: user_name(&key.sudo),
                args: key
                    .key
                    .args
                    .iter()
                    .map(|a| match a {
                        FactArg::Str(s) => str_arg_doc(s, build.secrets),
                        FactArg::Int(n) => serde_json::Value::from(*n),
                        FactArg::Bool(b) => serde_json::Value::from(*b),
                    })
                    .collect(),
                digest: relied.digest,
                value: relied.shown.map(|v| redact(&v, build.secrets)),
            }
        })
        .collect();
    let steps = plan.steps.iter().map(|s| step_doc(build, s)).collect();
    HostDoc {
        name: name.to_string(),
        failed,
        facts,
        steps,
    }
}

fn step_doc(build: &Build<'_>, step: &PlanStep) -> StepDoc {
    let at = build.locate.locate(Place {
        module: step.module,
        span: step.span,
    });
    let unknown = |u: &Unknown| {
        let origin = build.locate.locate(Place {
            module: u.module,
            span: u.span,
        });
        UnknownDoc {
            file: origin.file,
            line: origin.line,
            what: u.what.clone(),
        }
    };
    let (status, depends_on) = match &step.outcome {
        Outcome::NoChange => (StepStatus::NoChange, None),
        Outcome::WillChange => (StepStatus::WillChange, None),
        Outcome::MayChange(u) => (StepStatus::MayChange, Some(unknown(u))),
        Outcome::RestUndetermined(u) => (StepStatus::RestUndetermined, Some(unknown(u))),
    };
    StepDoc {
        stage: step.stage,
        op: step.op.clone(),
        file: at.file,
        line: at.line,
        module: step.module,
        span: [step.span.start, step.span.end],
        status,
        depends_on,
        commands: step
            .commands
            .iter()
            .map(|c| command_doc(build, c))
            .collect(),
    }
}

fn command_doc(build: &Build<'_>, command: &PlannedCommand) -> CommandDoc {
    let stdin = match command {
        PlannedCommand::Exec {
            stdin: Some(text),
            secret,
            ..
        } => Some(if *secret {
            "***".to_string()
        } else {
            redact(text, build.secrets)
        }),
        _ => None,
    };
    let (kind, sudo, secret, diff) = match command {
        PlannedCommand::Exec { sudo, secret, .. } => ("exec", sudo, *secret, None),
        PlannedCommand::Upload {
            request,
            secret,
            current,
        } => (
            "upload",
            &request.sudo,
            *secret,
            build
                .diff
                .then(|| upload_diff(request, current, *secret, build.secrets))
                .flatten(),
        ),
    };
    CommandDoc {
        kind: kind.to_string(),
        display: command.display(),
        sudo: user_name(sudo),
        secret,
        digest: command.digest(),
        stdin,
        diff,
    }
}

/// `root`, the user's name, or none without sudo.
fn user_name(sudo: &Option<Sudo>) -> Option<String> {
    sudo.as_ref()
        .map(|s| s.user.clone().unwrap_or_else(|| "root".into()))
}
