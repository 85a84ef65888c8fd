//! `infrac apply PLAN [--set SECRET=VALUE]... [--format human|json]`: apply
//! a plan saved by `infrac plan -o PLAN`. Refuses a plan that was edited,
//! or whose program or inputs changed; each host re-reads the facts the
//! plan relied on and is refused when one drifted; the others run exactly
//! the planned commands.

use std::path::PathBuf;

use infrac_runtime::plan::{self, PlanDoc, program_hash};
use infrac_runtime::{InputOrigin, ParamInput};

use super::args::{Format, OutputArgs, SetArgs, SshArgs, SudoArgs};
use super::exit;
use super::plan::inputs;
use super::prepare::{TargetArgs, block_on, prepare};
use super::report::usage;
use super::report::{finish_run, run_sink};

#[derive(clap::Args)]
pub struct Args {
    /// A plan saved by `infrac plan -o PLAN` (run apply from the same
    /// directory: the program's path is relative to it).
    plan: PathBuf,
    /// The values of the secret params the plan was made with (plans do
    /// not store secrets): `--set-file db_password=PATH`, `--set-env
    /// db_password=VAR` or `--set db_password=...`.
    #[command(flatten)]
    sets: SetArgs,
    /// `human` (live view and summary) or `json` (one object per line).
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// At most N hosts at once (a stage's `parallel:` may lower it).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    parallel: Option<u32>,
    /// Seconds a single command may run before its host fails (0: no limit).
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    timeout: u64,
    /// Seconds one host may spend running one stage before it fails (0: no limit).
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    host_timeout: u64,
    /// A host that fails still runs the handlers notified before it
    /// failed (as Ansible's `--force-handlers`); it stays failed.
    #[arg(long)]
    force_handlers: bool,
    #[command(flatten)]
    ssh: SshArgs,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    sudo: SudoArgs,
}

pub fn run(args: Args) -> u8 {
    let text = match std::fs::read_to_string(&args.plan) {
        Ok(text) => text,
        Err(e) => return usage(&format!("cannot read {}: {e}", args.plan.display())),
    };
    let doc = match PlanDoc::read(&text) {
        Ok(doc) => doc,
        Err(e) => return refused(&e.to_string()),
    };
    let target = match target(&doc, &args) {
        Ok(target) => target,
        Err(message) => return usage(&message),
    };
    let p = match prepare(&target, args.format) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if program_hash(&p.program) != doc.program.hash {
        return refused(&format!(
            "{} changed since the plan was made (its compiled program differs); make a new plan",
            doc.program.path
        ));
    }
    if inputs(&p, &doc.inputs.limit).hash != doc.inputs.hash {
        return refused(
            "the plan's inputs changed since it was made (--set values, inventory or hosts); make a new plan",
        );
    }
    let session =
        match doc.apply_session(&infrac_runtime::secrets::secrets(p.ctx.params(), &p.groups)) {
            Ok(session) => session,
            Err(e) => return refused(&e.to_string()),
        };
    let sink = run_sink(args.format, args.output.summary, &p);
    let summary = block_on(|cancel| {
        plan::apply(
            &p.ctx,
            session,
            p.groups.clone(),
            p.options.clone(),
            sink,
            cancel,
        )
    });
    finish_run(args.format, &p, summary)
}

/// The program and inputs of the plan, with the secrets given again.
fn target(doc: &PlanDoc, args: &Args) -> Result<TargetArgs, String> {
    let given = args.sets.values()?.inputs;
    let mut sets: Vec<String> = doc
        .inputs
        .set
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    for name in &doc.inputs.secret_set {
        let Some(input) = given.iter().rev().find(|i| i.name == *name) else {
            return Err(format!(
                "the plan was made with the secret param `{name}`, which plans do not store: give it again with --set-file {name}=PATH, --set-env {name}=VAR or --set {name}=..."
            ));
        };
        sets.push(format!("{name}={}", input.text()));
    }
    // A params file may hold other values too: those come from the plan.
    if let Some(ParamInput { name, .. }) = given.iter().find(|i| {
        !matches!(i.origin, InputOrigin::File { .. }) && !doc.inputs.secret_set.contains(&i.name)
    }) {
        return Err(format!(
            "--set {name}: apply takes only the secret params the plan was made with ({}); the others come from the plan",
            doc.inputs.secret_set.join(", ")
        ));
    }
    Ok(TargetArgs {
        file: PathBuf::from(&doc.program.path),
        sets: SetArgs {
            sets,
            ..SetArgs::default()
        },
        limit: doc.inputs.limit.clone(),
        stages: doc.inputs.stages.clone(),
        tags: Vec::new(),
        skip_tags: Vec::new(),
        parallel: args.parallel,
        timeout: args.timeout,
        host_timeout: args.host_timeout,
        force_handlers: args.force_handlers,
        ssh: args.ssh.clone(),
        output: args.output.clone(),
        sudo: args.sudo.clone(),
    })
}

/// The plan is not applied: nothing was changed.
fn refused(message: &str) -> u8 {
    eprintln!("error: refused: {message}");
    exit::USAGE
}
