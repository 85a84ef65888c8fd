//! What happened while a host ran, for the live output and JSON events.

use infrac_bytecode::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// An op call began at `span` of `module`.
    OpStart {
        /// Qualified op name (`files.directory`).
        op: String,
        module: u32,
        span: Span,
        /// 0 for an op called by the stage body, 1 for an op it calls...
        depth: u32,
    },
    /// The op call that began at the same place ended (not emitted when the
    /// host fails inside it).
    OpEnd {
        op: String,
        module: u32,
        span: Span,
        depth: u32,
        changed: bool,
        /// Display texts of the changing commands it ran (secrets redacted).
        commands: Vec<String>,
    },
    /// The host is waiting (`poll(...)`, the `std::wait` ops) for `what`,
    /// for at most `timeout` seconds.
    Waiting { what: String, timeout: u64 },
}
