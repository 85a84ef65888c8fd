//! The `.infra` runtime: live facts, the per-host driver and the stage
//! orchestrator.
//!
//! Architecture invariant: this crate knows nothing of syntax. Its input is
//! an `infrac_bytecode::Program`.

mod batch;
pub mod cancel;
pub mod connection;
pub mod driver;
pub mod event;
pub mod facts;
pub mod inventory;
pub mod orchestrator;
pub mod output;
mod perform;
pub mod plan;
mod report;
pub mod secrets;
pub mod select;
mod tar;

pub use cancel::Cancel;
pub use orchestrator::{RunOptions, SudoPassword, run};
