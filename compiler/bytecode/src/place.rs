//! Places in a program's sources, as run-time errors and plans carry them,
//! and the trait that turns them into file and line (implemented by the
//! compiler's `run_errors::Sources`, which has the sources).

use crate::program::Span;

/// A place in the program: a module (index into `Program::modules`) and a
/// byte span in its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place {
    pub module: u32,
    pub span: Span,
}

/// A file and 1-based line, for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: u32,
}

/// Turns places into file and line.
pub trait Locate: Send + Sync {
    fn locate(&self, place: Place) -> Location;
}
