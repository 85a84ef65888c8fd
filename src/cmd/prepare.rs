//! What `infrac run`, `plan` and `apply` share: the arguments that name a
//! program and its targets, and everything done before a host is touched
//! (check, params, groups, `--limit`); `infrac facts FILE` loads its hosts
//! the same way.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use infrac_compiler::run_errors::Sources;
use infrac_compiler::{Database, Db, OsFileLoader, Program};
use infrac_runtime::event::{HostError, Place};
use infrac_runtime::inventory::Inventory;
use infrac_runtime::params_file;
use infrac_runtime::select::{Limit, StageFilter};
use infrac_runtime::{
    Cancel, HostValue, ParamInput, RunContext, RunOptions, eval_groups_with, eval_params,
};

use super::args::{Format, OutputArgs, ParamValues, SetArgs, SshArgs, SudoArgs, seconds};
use super::exit;
use super::report::{print_diagnostics, usage};

#[derive(clap::Args, Clone)]
pub struct TargetArgs {
    /// The program.
    pub file: PathBuf,
    #[command(flatten)]
    pub sets: SetArgs,
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
    /// Run only these stages (repeatable or comma-separated).
    #[arg(long = "stage", value_name = "NAME")]
    pub stages: Vec<String>,
    /// Run only the stages with one of these tags (comma-separated).
    #[arg(long, value_name = "TAGS")]
    pub tags: Vec<String>,
    /// Leave out the stages with one of these tags (comma-separated).
    #[arg(long, value_name = "TAGS")]
    pub skip_tags: Vec<String>,
    /// A host that fails still runs the handlers notified before it
    /// failed (as Ansible's `--force-handlers`); it stays failed.
    #[arg(long)]
    pub force_handlers: bool,
    #[command(flatten)]
    pub ssh: SshArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub sudo: SudoArgs,
}

/// A checked program with its params and hosts, ready to run.
pub struct Prepared {
    pub db: Database,
    pub program: Arc<Program>,
    pub sources: Arc<Sources>,
    pub ctx: Arc<RunContext>,
    pub groups: Vec<Vec<Arc<HostValue>>>,
    pub options: RunOptions,
    /// The params' values given (files and flags).
    pub sets: Vec<ParamInput>,
}

/// A checked program, its params evaluated with `sets` and its groups'
/// hosts (in `Program::groups` order).
pub struct Loaded {
    pub db: Database,
    pub program: Arc<Program>,
    pub sources: Arc<Sources>,
    pub ctx: Arc<RunContext>,
    pub groups: Vec<Vec<Arc<HostValue>>>,
}

/// Checks the program, evaluates its params and groups. Diagnostics are
/// printed in `format`; `Err`: the exit code.
pub fn load(file: &Path, sets: &ParamValues, format: Format) -> Result<Loaded, u8> {
    if let Err(e) = std::fs::metadata(file) {
        return Err(usage(&format!("cannot read `{}`: {e}", file.display())));
    }
    let db = Database::new(Arc::new(OsFileLoader));
    let root = db.file(file);
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
            let closing = super::check::summary(&diags, &[file.to_path_buf()]);
            if let (Format::Human, Some(line)) = (format, closing) {
                eprintln!("{line}");
            }
            return Err(exit::PROGRAM_ERRORS);
        }
    };
    let sources = Arc::new(Sources::new(&db, &program.modules));
    let ctx = RunContext::new(Arc::clone(&program), Arc::from(Vec::new()), base_dir(file));
    let ctx = match eval_params(&ctx, &sets.inputs) {
        Ok(ctx) => Arc::new(ctx),
        // A param's default or a stage's options: shown at their place.
        Err(e) if e.place.is_some() => {
            let place = e.place.map(|(module, span)| Place { module, span });
            let title = "cannot evaluate the program's params and stage options".to_string();
            let diag = sources.diagnostic(title, &e.message, place, &[]);
            print_diagnostics(&db, &[diag], format);
            return Err(exit::USAGE);
        }
        Err(e) => return Err(usage(&e.message)),
    };
    for warning in params_file::exposed_secrets(&program, &sets.inputs, &sets.exposed_files) {
        eprintln!("warning: {warning}");
    }
    let groups = match eval_groups_with(&ctx, &mut Inventory::program_hosts) {
        Ok(groups) => groups,
        Err(e) => {
            let title = "cannot evaluate the groups' hosts".to_string();
            let e = HostError::from(e);
            let diag = sources.diagnostic(title, &e.message, e.place, &e.notes);
            print_diagnostics(&db, &[diag], format);
            return Err(exit::USAGE);
        }
    };
    // Templates see every group's hosts.
    let ctx = Arc::new(ctx.with_groups(&groups));
    Ok(Loaded {
        db,
        program,
        sources,
        ctx,
        groups,
    })
}

/// Checks the program (diagnostics printed in `format`), evaluates its
/// params and groups, checks `--limit`. `Err`: the exit code.
pub fn prepare(args: &TargetArgs, format: Format) -> Result<Prepared, u8> {
    let sets = args.sets.values().map_err(|m| usage(&m))?;
    let loaded = load(&args.file, &sets, format)?;
    let sets = sets.inputs;
    let limit = Limit::new(&args.limit);
    let hosts = loaded.groups.iter().flatten().map(|h| h.name.as_str());
    let groups = loaded.program.groups.iter().map(|g| g.name.as_str());
    limit
        .check(&hosts.chain(groups).collect::<Vec<_>>())
        .map_err(|m| usage(&m))?;
    let stages = StageFilter::new(&args.stages, &args.tags, &args.skip_tags)
        .select(&loaded.program)
        .map_err(|m| usage(&m))?;
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
        stages,
        force_handlers: args.force_handlers,
    };
    let Loaded {
        db,
        program,
        sources,
        ctx,
        groups,
    } = loaded;
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

/// Controller paths (`upload(src:)`, templates) are relative to the program.
fn base_dir(file: &Path) -> PathBuf {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
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
