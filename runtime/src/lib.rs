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
pub mod fleet;
pub mod inventory;
pub mod orchestrator;
pub mod output;
pub mod params_file;
mod perform;
pub mod plan;
mod report;
pub mod secrets;
pub mod select;
mod tar;

pub use cancel::Cancel;
pub use orchestrator::{RunOptions, SudoPassword, run};

// What the binary uses of the VM and the connectors, so that it depends on
// the runtime alone.
pub use infrac_connect::output::set_limit as set_output_limit;
pub use infrac_connect::{KnownHostsPolicy, SshOptions};
pub use infrac_vm::RunContext;
pub use infrac_vm::controller::{
    InputOrigin, InputValue, ParamInput, eval_groups_with, eval_params, holds_secret,
};
pub use infrac_vm::local_files::read_regular_text;
pub use infrac_vm::plan::ApplySession;
pub use infrac_vm::value::{HostValue, Value};
