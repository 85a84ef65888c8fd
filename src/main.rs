//! The `infrac` binary: wires the compiler, the runtime and the language
//! server to the command line. No logic of its own beyond that.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    cmd::dispatch(cli)
}
