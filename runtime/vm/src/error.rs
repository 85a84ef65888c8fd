//! Run-time errors: values with a place in the source, never panics.

use infrac_bytecode::Span;

/// Why a host stopped: a `fail`, a failed command, a bad value...
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeError {
    pub message: String,
    /// Index into `Program::modules`.
    pub module: u32,
    pub span: Span,
    /// The call chain, innermost caller first ("called from here").
    pub notes: Vec<Note>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub message: String,
    pub module: u32,
    pub span: Span,
}

impl std::fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuntimeError {}
