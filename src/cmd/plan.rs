//! `infrac plan FILE [--set NAME=VALUE]... [--limit PATTERN] [--diff]
//! [--format human|json] [-o PLAN] [--emit-sh DIR] [--detailed-exitcode]`:
//! run the program in plan mode (facts and probes live, nothing changed)
//! and show, save or script what would change.

use super::stdout::{out, outln};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use infrac_runtime::holds_secret;
use infrac_runtime::plan::{
    self, Build, Inputs, PlanDoc, Planned, ProgramDoc, hosts_digest, program_hash, render_human,
    shell_script,
};

use super::args::Format;
use super::exit;
use super::prepare::{Prepared, TargetArgs, block_on, prepare};
use super::report::{report_failures, usage};

/// `--detailed-exitcode`: changes are pending.
const PENDING: u8 = 2;
/// `--detailed-exitcode`: any error.
const ERROR: u8 = 1;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: TargetArgs,
    /// Show the content changes of uploaded files as unified diffs
    /// (secrets redacted).
    #[arg(long)]
    diff: bool,
    /// `human` (per stage, op and host) or `json` (the plan document).
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Save the plan to FILE, for `infrac apply FILE`.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    out: Option<PathBuf>,
    /// Write one POSIX shell script per host (`HOST.sh`) into DIR.
    #[arg(long, value_name = "DIR")]
    emit_sh: Option<PathBuf>,
    /// Exit 0 when nothing would change, 2 when changes are pending, 1 on
    /// any error.
    #[arg(long)]
    detailed_exitcode: bool,
}

pub fn run(args: Args) -> u8 {
    let code = plan_and_show(&args);
    match (args.detailed_exitcode, code) {
        (false, Ok(_)) => exit::OK,
        (false, Err(code)) => code,
        (true, Ok(true)) => PENDING,
        (true, Ok(false)) => exit::OK,
        (true, Err(_)) => ERROR,
    }
}

/// `Ok(pending)`: the plan was made (something will or may change).
fn plan_and_show(args: &Args) -> Result<bool, u8> {
    let p = prepare(&args.target, args.format)?;
    let (doc, planned) = make_plan(&p, &args.target, args.diff).map_err(|m| usage(&m))?;
    match args.format {
        Format::Human => out!("{}", render_human(&doc, args.diff)),
        Format::Json => outln!("{}", doc.to_json()),
    }
    if let Some(out) = &args.out {
        std::fs::write(out, doc.to_json() + "\n")
            .map_err(|e| usage(&format!("cannot write {}: {e}", out.display())))?;
        if args.format == Format::Human {
            outln!(
                "Saved the plan to {0}; apply it with `infrac apply {0}`.",
                out.display()
            );
        }
    }
    if let Some(dir) = &args.emit_sh {
        let secrets = infrac_runtime::secrets::secrets(p.ctx.params(), &p.groups);
        emit_scripts(dir, &doc, &planned, &p, &secrets).map_err(|m| usage(&m))?;
    }
    if doc.summary.failed > 0 {
        if args.format == Format::Human {
            report_failures(&p.db, &p.sources, &planned.summary);
        }
        return Err(exit::HOST_FAILED);
    }
    Ok(doc.summary.pending())
}

/// Plans on every host and builds the plan document.
pub(super) fn make_plan(
    p: &Prepared,
    target: &TargetArgs,
    diff: bool,
) -> Result<(PlanDoc, Planned), String> {
    let planned =
        block_on(|cancel| plan::plan(&p.ctx, p.groups.clone(), p.options.clone(), cancel, diff))?;
    let secrets = infrac_runtime::secrets::secrets(p.ctx.params(), &p.groups);
    let build = Build {
        program: ProgramDoc {
            path: target.file.display().to_string(),
            hash: program_hash(&p.program),
        },
        inputs: inputs(p, &target.limit),
        stages: p.program.stages.iter().map(|s| s.name.clone()).collect(),
        locate: &*p.sources,
        secrets: &secrets,
        diff,
    };
    Ok((PlanDoc::build(build, &planned), planned))
}

/// The plan's inputs: the params' values given (those that may hold a
/// secret by name only), `--limit`, the stages that run and the hosts.
pub(super) fn inputs(p: &Prepared, limit: &[String]) -> Inputs {
    let mut set = BTreeMap::new();
    let mut secret_set = Vec::new();
    for input in &p.sets {
        let secret = p
            .program
            .params
            .iter()
            .any(|d| d.name == input.name && holds_secret(&d.ty, &p.program));
        if secret {
            secret_set.push(input.name.clone());
        } else {
            // The last value given for a name wins, as in the run.
            set.insert(input.name.clone(), input.text());
        }
    }
    secret_set.sort();
    secret_set.dedup();
    let stages = p.options.stages.names(&p.program);
    Inputs::new(
        set,
        secret_set,
        limit.to_vec(),
        stages,
        &hosts_digest(&p.groups),
    )
}

/// `DIR/HOST.sh` for every host whose plan succeeded.
fn emit_scripts(
    dir: &Path,
    doc: &PlanDoc,
    planned: &Planned,
    p: &Prepared,
    secrets: &[String],
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for host in doc.hosts.iter().filter(|h| h.failed.is_none()) {
        let Some(host_plan) = planned.hosts.get(&host.name) else {
            continue;
        };
        let script = shell_script(
            &doc.program.path,
            &host.name,
            host_plan,
            &doc.stages,
            &*p.sources,
            secrets,
        );
        let name: String = host
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = dir.join(format!("{name}.sh"));
        std::fs::write(&path, script)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
