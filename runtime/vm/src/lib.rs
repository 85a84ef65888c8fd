//! The per-host `.infra` bytecode VM. Synchronous: it halts with a
//! [`request::Request`] when it needs I/O; an async driver (in
//! `infrac-runtime`) performs it and resumes the VM.

pub mod request;
pub mod value;
