//! `infrac lsp`: the language server, over stdin/stdout.

#[derive(clap::Args)]
pub struct Args {
    /// Accepted for editors that pass it (`--stdio`); stdio is the only transport.
    #[arg(long)]
    stdio: bool,
}

pub fn run(args: Args) -> u8 {
    let _ = args.stdio;
    // The compiler walks trees recursively: its threads get the main
    // thread's stack size (tokio's default is 2 MiB), so the deepest tree
    // the parser accepts is analysed here as in `infrac check`.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 << 20)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("infrac lsp: cannot start the async runtime: {e}");
            return super::exit::USAGE;
        }
    };
    runtime.block_on(infrac_lsp::serve_stdio());
    super::exit::OK
}
