//! `infrac check [PATH...] [--format human|json]`

#[derive(clap::Args)]
pub struct Args {
    /// Files or folders (every `*.infra` below); default: the current folder.
    paths: Vec<std::path::PathBuf>,
}

pub fn run(args: Args) -> u8 {
    let _ = args.paths;
    2
}
