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
        /// A handler's call (shown at the op call that notified it).
        handler: bool,
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
        handler: bool,
    },
    /// Attempt `attempt` of `attempts` of a retried call (of op `call`, or
    /// `probe`, at `span` of `module`) failed with `error`; the next
    /// begins in `delay` seconds. `depth` op calls stay open (those around
    /// the retried call).
    Retry {
        call: String,
        module: u32,
        span: Span,
        attempt: u64,
        attempts: u64,
        error: String,
        delay: u64,
        depth: u32,
    },
    /// The host is waiting (`poll(...)` at `span` of `module`, the
    /// `std::wait` ops) for `what`, for at most `timeout` seconds.
    Waiting {
        what: String,
        timeout: u64,
        module: u32,
        span: Span,
    },
}
