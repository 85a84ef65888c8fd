//! `infrac lsp`: the language server, over stdin/stdout.

#[derive(clap::Args)]
pub struct Args {
    /// Accepted for editors that pass it (`--stdio`); stdio is the only transport.
    #[arg(long)]
    stdio: bool,
}

pub fn run(args: Args) -> u8 {
    let _ = args.stdio;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
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
