//! Approval in `infrac run` (without `--yes`): plan, show the plan, ask
//! `Apply these changes? [y/N]` on a terminal; without a terminal, refuse
//! to change anything and say how to proceed.

use super::stdout::{out, outln};
use std::io::{BufRead, IsTerminal, Write};

use infrac_runtime::ApplySession;
use infrac_runtime::plan::render_human;

use super::args::Format;
use super::exit;
use super::plan::make_plan;
use super::prepare::{Prepared, TargetArgs};
use super::report::{report_failures, usage};

pub enum Approval {
    /// Apply this plan (approved).
    Apply(ApplySession),
    /// Stop here with this exit code (nothing to change, declined, refused).
    Done(u8),
}

pub fn approve(p: &Prepared, target: &TargetArgs, format: Format) -> Approval {
    let (doc, planned) = match make_plan(p, target, false) {
        Ok(made) => made,
        Err(message) => return Approval::Done(usage(&message)),
    };
    match format {
        Format::Human => out!("{}", render_human(&doc, false)),
        Format::Json => outln!("{}", serde_json::json!({ "event": "plan", "plan": doc })),
    }
    let failed = doc.summary.failed > 0;
    if failed && format == Format::Human {
        report_failures(&p.db, &p.sources, &planned.summary);
    }
    let done = if failed { exit::HOST_FAILED } else { exit::OK };
    if !doc.summary.pending() {
        if format == Format::Human {
            outln!("Nothing to change.");
        }
        return Approval::Done(done);
    }
    if !std::io::stdin().is_terminal() {
        let file = target.file.display();
        eprintln!(
            "error: changes are pending and there is no terminal to ask for approval: nothing was changed.\n\
             To apply them now: infrac run {file} --yes (with the same options).\n\
             To review them first: infrac plan {file} -o plan.json, then infrac apply plan.json"
        );
        return Approval::Done(exit::USAGE);
    }
    eprint!("Apply these changes? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        answer.clear();
    }
    if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        eprintln!("Not applied: nothing was changed.");
        return Approval::Done(done);
    }
    match doc.apply_session(&infrac_runtime::secrets::secrets(p.ctx.params(), &p.groups)) {
        Ok(session) => Approval::Apply(session),
        Err(e) => Approval::Done(usage(&e.to_string())),
    }
}
