//! The `.infra` runtime: per-host bytecode VMs, live facts, connectors and
//! the stage orchestrator.
//!
//! Architecture invariant: this crate knows nothing of syntax. Its input is
//! an `infrac_bytecode::Program`.

pub mod connector;
pub mod value;
pub mod vm;
