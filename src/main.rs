//! The `infrac` binary: wires the compiler, the runtime and the language
//! server to the command line. No logic of its own beyond that.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

// The compiler allocates many small tree nodes: mimalloc makes a cold
// `infrac check` markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cmd::init();
    let cli = cmd::Cli::parse();
    cmd::dispatch(cli)
}
