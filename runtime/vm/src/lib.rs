//! The per-host `.infra` bytecode VM. Synchronous: it halts with a
//! [`request::Request`] when it needs I/O; an async driver (in
//! `infrac-runtime`) performs it and resumes the VM.
//!
//! Driving one host through one stage:
//! ```ignore
//! let ctx = Arc::new(RunContext::new(program, params, base_dir));
//! let mut vm = Vm::new(ctx.clone(), host);        // once per host: keeps its fact cache
//! vm.start_stage(stage_index, &stage_values)?;
//! let mut response = None;
//! loop {
//!     match vm.resume(response.take(), 10_000) {
//!         Halt::Request(req) => response = Some(perform(req).await),
//!         Halt::Budget => tokio::task::yield_now().await,
//!         Halt::Done(value) => break,          // the stage's value (`none` without `-> T`)
//!         Halt::Failed(err) => break,          // the host failed; `err` has the span
//!     }
//!     for event in vm.take_events() { /* op start/end, for the output */ }
//! }
//! ```
//! Controller-side evaluation (params from `--set`, group host lists) is in
//! [`controller`].

pub mod controller;
pub mod request;
pub mod value;

mod arith;
mod builtins;
mod context;
mod error;
mod event;
mod facts;
mod format;
mod inventory;
mod machine;
mod methods;
mod natives;
mod ops;
mod shell;

pub use context::RunContext;
pub use error::{Note, RuntimeError};
pub use event::Event;
pub use infrac_bytecode::Span;
pub use machine::{Halt, Vm};
pub use shell::quote as shell_quote;
