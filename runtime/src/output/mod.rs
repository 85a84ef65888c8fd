//! Where a run's events go: a human view (live on a terminal, plain lines
//! otherwise) or JSON lines.

mod human;
mod json;

pub use human::HumanSink;
pub use json::JsonSink;

use crate::event::{RunEvent, RunSummary};

/// Receives every event of a run in order, then the summary.
pub trait Sink: Send {
    fn event(&mut self, event: &RunEvent);
    fn finish(&mut self, summary: &RunSummary);
}

/// `1.234s`, `56ms`: durations as the outputs print them.
pub fn format_duration(d: std::time::Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.2}s", d.as_secs_f64())
    }
}
