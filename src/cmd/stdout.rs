//! Printing to stdout for every subcommand. `println!` panics when stdout
//! is a closed pipe (`infrac facts ... | head -1`); here a closed pipe is
//! not an error (the reader has what it wanted), and another write error
//! (a full disk) is said once on stderr.

use std::io::Write;

/// Writes `text` to stdout, as [`outln!`] and [`out!`] do.
pub fn write(text: std::fmt::Arguments) {
    if let Err(e) = std::io::stdout().lock().write_fmt(text) {
        report(&e);
    }
}

/// What to do with a failed write to stdout.
pub fn report(e: &std::io::Error) {
    use std::sync::atomic::{AtomicBool, Ordering};
    static SAID: AtomicBool = AtomicBool::new(false);
    if e.kind() != std::io::ErrorKind::BrokenPipe && !SAID.swap(true, Ordering::Relaxed) {
        let _ = writeln!(std::io::stderr(), "infrac: cannot write the output: {e}");
    }
}

/// `println!` that survives a closed stdout.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cmd::stdout::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that survives a closed stdout.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cmd::stdout::write(format_args!($($arg)*))
    };
}

pub(crate) use {out, outln};
