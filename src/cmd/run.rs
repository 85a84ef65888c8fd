//! `infrac run FILE [--set NAME=VALUE]... [--limit PATTERN] [--parallel N]
//! [--format human|json] [--yes]`: check the program, evaluate its params
//! and groups on the controller, then run its stages live on the hosts
//! (without `--yes`: plan, show the plan and ask first; see approve.rs).

use super::approve::{Approval, approve};
use super::args::Format;
use super::prepare::{TargetArgs, block_on, prepare};
use super::report::{finish_run, run_sink};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: TargetArgs,
    /// `human` (live view and summary) or `json` (one object per line).
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Run without asking: no plan first, changes are made (and shown)
    /// as the run goes. Without it, the run plans, shows the plan and asks
    /// `Apply these changes? [y/N]` (without a terminal it changes nothing).
    #[arg(long)]
    yes: bool,
}

pub fn run(args: Args) -> u8 {
    let p = match prepare(&args.target, args.format) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let approved = match args.yes {
        true => None,
        false => match approve(&p, &args.target, args.format) {
            Approval::Apply(session) => Some(session),
            Approval::Done(code) => return code,
        },
    };
    let sink = run_sink(args.format, args.target.output.summary, &p);
    let (ctx, groups, options) = (p.ctx.clone(), p.groups.clone(), p.options.clone());
    let summary = match approved {
        // The approved plan, exactly: a host that drifted since is refused.
        Some(session) => block_on(|cancel| {
            infrac_runtime::plan::apply(&ctx, session, groups, options, sink, cancel)
        }),
        None => block_on(|cancel| infrac_runtime::run(ctx, groups, options, sink, cancel)),
    };
    finish_run(args.format, &p, summary)
}
