//! The per-host bytecode VM (synchronous; halts on I/O).

pub mod request;
