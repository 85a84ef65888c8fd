//! Subcommands. One file per subcommand.

mod apply;
mod approve;
mod args;
mod build;
mod check;
mod exec;
mod facts;
mod fmt;
mod lsp;
mod plan;
mod prepare;
mod report;
mod run;
mod stdout;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes shared by every subcommand.
pub mod exit {
    pub const OK: u8 = 0;
    /// The program does not check.
    pub const PROGRAM_ERRORS: u8 = 1;
    /// Usage or I/O error (bad flag, missing file).
    pub const USAGE: u8 = 2;
    /// At least one host failed.
    pub const HOST_FAILED: u8 = 3;
    /// A second Ctrl-C stopped infrac at once (128 + SIGINT, as a shell reports it).
    pub const INTERRUPTED_TWICE: u8 = 130;
}

#[derive(Parser)]
#[command(
    name = "infrac",
    version,
    about = "Check, run and plan .infra deploy programs"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse, resolve and type-check programs without touching any host.
    Check(check::Args),
    /// Check a program and print its bytecode (`--emit bytecode`).
    Build(build::Args),
    /// Run the language server over stdin/stdout (for editors).
    Lsp(lsp::Args),
    /// Lay out `.infra` files (indentation, spaces, blank lines; comments kept).
    Fmt(fmt::Args),
    /// Check a program, then run its stages live on its hosts.
    Run(run::Args),
    /// Show what a run would change, without changing anything; save it
    /// for `apply`.
    Plan(plan::Args),
    /// Apply a plan saved by `infrac plan -o`, refusing hosts that drifted.
    Apply(apply::Args),
    /// Run one shell command on many hosts in parallel, outputs grouped by host.
    Exec(exec::Args),
    /// Print facts of many hosts (`os`, `file:/etc/hosts`, ...).
    Facts(facts::Args),
}

/// What must happen before anything else, while infrac has one thread.
pub fn init() {
    args::take_sudo_password_env();
}

pub fn dispatch(cli: Cli) -> ExitCode {
    let code = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Build(args) => build::run(args),
        Command::Lsp(args) => lsp::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Run(args) => run::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Apply(args) => apply::run(args),
        Command::Exec(args) => exec::run(args),
        Command::Facts(args) => facts::run(args),
    };
    ExitCode::from(code)
}
