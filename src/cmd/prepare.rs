//! What `infrac run`, `plan` and `apply` share: the arguments that name a
//! program and its targets, and everything done before a host is touched
//! (check, params, groups, `--limit`).

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use infrac_bytecode::Program;
use infrac_compiler::{Database, Db, OsFileLoader};
use infrac_runtime::event::{HostError, Place};
use infrac_runtime::select::Limit;
use infrac_runtime::{Cancel, RunOptions};
use infrac_vm::RunContext;
use infrac_vm::controller::{eval_groups_with, eval_params};
use infrac_vm::value::HostValue;

use super::exit;
use super::run::{
    Format, Sources, known_names, load_inventory, place_diagnostic, print_diagnostics, usage,
};

#[derive(clap::Args, Clone)]
pub struct TargetArgs {
    /// The program.
    pub file: PathBuf,
    #[command(flatten)]
    pub sets: super::run::SetArgs,
    /// Only these hosts: a host name, a group name or a glob (`web-*`);
    /// repeatable or comma-separated.
    #[arg(long, value_name = "PATTERN")]
    pub limit: Vec<String>,
    /// At most N hosts at once (a stage's `parallel:` may lower it).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub parallel: Option<u32>,
    /// Seconds a single command may run before its host fails (0: no limit).
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub timeout: u64,
    /// Seconds one host may spend running one stage before it fails (0: no limit).
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub host_timeout: u64,
    #[command(flatten)]
    pub ssh: super::fleet::SshArgs,
    #[command(flatten)]
    pub output: super::fleet::OutputArgs,
    #[command(flatten)]
    pub sudo: super::fleet::SudoArgs,
}

/// A checked program with its params and hosts, ready to run.
pub struct Prepared {
    pub db: Database,
    pub program: Arc<Program>,
    pub sources: Arc<Sources>,
    pub ctx: Arc<RunContext>,
    pub groups: Vec<Vec<Arc<HostValue>>>,
    pub options: RunOptions,
    /// The `--set` pairs.
    pub sets: Vec<(String, String)>,
}

/// Checks the program (diagnostics printed in `format`), evaluates its
/// params and groups, checks `--limit`. `Err`: the exit code.
pub fn prepare(args: &TargetArgs, format: Format) -> Result<Prepared, u8> {
    let sets = args.sets.values().map_err(|m| usage(&m))?;
    if let Err(e) = std::fs::metadata(&args.file) {
        return Err(usage(&format!(
            "cannot read `{}`: {e}",
            args.file.display()
        )));
    }
    let db = Database::new(Arc::new(OsFileLoader));
    let root = db.file(&args.file);
    let program = match infrac_compiler::compile(&db, root) {
        Ok(program) => {
            // Warnings do not stop a run; they are shown first (human output).
            if format == Format::Human {
                print_diagnostics(
                    &db,
                    &infrac_compiler::check_program(&db, root),
                    Format::Human,
                );
            }
            Arc::new(program)
        }
        Err(diags) => {
            print_diagnostics(&db, &diags, format);
            let closing = super::check::summary(&diags, std::slice::from_ref(&args.file));
            if let (Format::Human, Some(line)) = (format, closing) {
                eprintln!("{line}");
            }
            return Err(exit::PROGRAM_ERRORS);
        }
    };
    let sources = Arc::new(Sources::new(&db, &program.modules));
    let base_dir = super::run::base_dir(&args.file);
    let ctx = RunContext::new(Arc::clone(&program), Arc::from(Vec::new()), base_dir);
    let ctx = match eval_params(&ctx, &sets) {
        Ok(ctx) => Arc::new(ctx),
        // A param's default or a stage's options: shown at their place.
        Err(e) if e.place.is_some() => {
            let error = HostError {
                message: e.message,
                place: e.place.map(|(module, span)| Place { module, span }),
                notes: Vec::new(),
            };
            let title = "cannot evaluate the program's params and stage options".to_string();
            print_diagnostics(&db, &[place_diagnostic(&sources, title, &error)], format);
            return Err(exit::USAGE);
        }
        Err(e) => return Err(usage(&e.message)),
    };
    let groups = match eval_groups_with(&ctx, &mut load_inventory) {
        Ok(groups) => groups,
        Err(e) => {
            let title = "cannot evaluate the groups' hosts".to_string();
            print_diagnostics(
                &db,
                &[place_diagnostic(&sources, title, &HostError::from(e))],
                format,
            );
            return Err(exit::USAGE);
        }
    };
    let limit = Limit::new(&args.limit);
    let names = known_names(&groups, program.groups.iter().map(|g| g.name.as_str()));
    let unmatched = limit.unmatched(&names.iter().map(String::as_str).collect::<Vec<_>>());
    if !unmatched.is_empty() {
        return Err(usage(&format!(
            "--limit {} matches no host or group",
            unmatched.join(", ")
        )));
    }
    let seconds = |s: u64| (s > 0).then(|| Duration::from_secs(s));
    let sudo_password = args.sudo.password().map_err(|m| usage(&m))?;
    args.output.apply();
    let ssh = args.ssh.defaults().map_err(|m| usage(&m))?;
    let options = RunOptions {
        parallel: args.parallel.map(|n| n as usize),
        limit,
        command_timeout: seconds(args.timeout),
        host_timeout: seconds(args.host_timeout),
        ssh,
        sudo_password,
    };
    Ok(Prepared {
        db,
        program,
        sources,
        ctx,
        groups,
        options,
        sets,
    })
}

/// Runs `job` on a tokio runtime; the first Ctrl-C cancels (no new
/// command starts), a second one stops infrac at once.
pub fn block_on<F: Future>(job: impl FnOnce(Cancel) -> F) -> Result<F::Output, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let cancel = Cancel::default();
    watch_interrupts(cancel.clone())?;
    Ok(runtime.block_on(job(cancel)))
}

/// Watches Ctrl-C on a thread of its own, so that it is seen even while
/// every worker of the run is busy (a long template render).
fn watch_interrupts(cancel: Cancel) -> Result<(), String> {
    let signals = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the signal watcher: {e}"))?;
    let watch = move || {
        signals.block_on(async {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            eprintln!(
                "\ninterrupted: no new command starts; waiting for the running ones (Ctrl-C again to stop at once)"
            );
            cancel.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!(
                    "\ninterrupted again: stopping now. Commands already sent may go on running on their hosts; an upload cut short is discarded there, never installed."
                );
                std::process::exit(i32::from(super::exit::INTERRUPTED_TWICE));
            }
        });
    };
    std::thread::Builder::new()
        .name("infrac-signals".into())
        .spawn(watch)
        .map(|_| ())
        .map_err(|e| format!("cannot start the signal watcher: {e}"))
}
