//! Attacks on the test bed and the local machine that an adversarial round
//! found (`docs/security.md`, the ids are the report's): each test runs
//! the attack and fails if it ever wins.

#[path = "../run_common/mod.rs"]
mod run_common;

mod support;

mod bad_input;
mod concurrency;
mod hostile;
mod injection;
mod interrupts;
mod process_lists;
mod secrets;
mod ssh_masters;
mod symlink_race;
mod truncated_upload;
