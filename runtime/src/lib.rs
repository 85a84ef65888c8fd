//! The `.infra` runtime: live facts, the per-host driver and the stage
//! orchestrator.
//!
//! Architecture invariant: this crate knows nothing of syntax. Its input is
//! an `infrac_bytecode::Program`.

pub mod event;
pub mod facts;
pub mod output;
pub mod select;
