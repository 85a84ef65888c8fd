//! The per-host `.infra` bytecode VM. Synchronous: it halts with a
//! [`request::Request`] when it needs I/O; an async driver (in
//! `infrac-runtime`) performs it and resumes the VM.
//!
//! Before any host is touched, on the controller:
//! ```ignore
//! let base = RunContext::new(program, Arc::from(Vec::new()), program_dir);
//! let ctx = Arc::new(controller::eval_params(&base, &inputs)?); // `--set` text, params files -> typed values
//! let groups = controller::eval_groups_with(&ctx, &mut read_inventory)?; // hosts per group
//! ```
//! Then one [`Vm`] per host, kept for the whole run (it owns the host's
//! fact cache), driven through each stage:
//! ```ignore
//! let mut vm = Vm::new(ctx.clone(), host);
//! vm.start_stage(stage_index, &stage_values)?; // values of earlier stages
//! let mut response = None;
//! loop {
//!     match vm.resume(response.take(), 10_000) {
//!         Halt::Request(req) => response = Some(perform(req).await),
//!         Halt::Budget => tokio::task::yield_now().await,
//!         Halt::Done(value) => break, // the stage's value (`none` without `-> T`)
//!         Halt::Failed(err) => break, // the host failed; `err` has the span
//!     }
//!     for event in vm.take_events() { /* op starts and ends, for the output */ }
//! }
//! ```
//! The first `resume` of a stage asks for the stage's prefetch facts (one
//! `ReadFacts`, read as the stage's body reads: under the stage's or the
//! host's sudo) when some are not cached yet.

pub mod controller;
pub mod local_files;
pub mod plan;
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
mod secret_sources;
mod shell;
mod template;
mod typed_json;

pub use context::RunContext;
pub use error::{Note, RuntimeError};
pub use event::Event;
pub use infrac_bytecode::Span;
pub use machine::{Halt, Vm};
