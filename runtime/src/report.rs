//! The run's event hub: every event goes to the sink and into the summary,
//! from any host task, in the order they happen.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::event::{RunEvent, RunSummary};
use crate::output::Sink;
use crate::secrets::redact;

#[derive(Clone)]
pub struct Reporter(Arc<Mutex<Inner>>);

struct Inner {
    sink: Box<dyn Sink>,
    summary: RunSummary,
    /// The run's secret values: a host's error may quote a command's
    /// error output, which may echo one.
    secrets: Vec<String>,
}

impl Reporter {
    pub fn new(sink: Box<dyn Sink>, secrets: Vec<String>) -> Reporter {
        Reporter(Arc::new(Mutex::new(Inner {
            sink,
            summary: RunSummary::default(),
            secrets,
        })))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while printing must not hide the rest of the run.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn emit(&self, mut event: RunEvent) {
        let mut inner = self.lock();
        if let RunEvent::HostFailed { error, .. } = &mut event {
            error.message = shorten(redact(&error.message, &inner.secrets));
            for (note, _) in &mut error.notes {
                *note = redact(note, &inner.secrets);
            }
        }
        inner.summary.record(&event);
        inner.sink.event(&event);
    }

    /// Adds time spent by `host` in a stage body.
    pub fn add_elapsed(&self, host: &str, elapsed: Duration) {
        self.lock()
            .summary
            .hosts
            .entry(host.to_string())
            .or_default()
            .elapsed += elapsed;
    }

    pub fn skip_stage(&self, stage: &str) {
        self.lock().summary.skipped_stages.push(stage.to_string());
    }

    /// Hands the summary to the sink and returns it.
    pub fn finish(&self) -> RunSummary {
        let mut inner = self.lock();
        let summary = inner.summary.clone();
        inner.sink.finish(&summary);
        summary
    }
}

/// The longest error message kept: a host's error output (or a fact's
/// garbage quoted in a parse error) can be any size.
const MESSAGE_MAX: usize = 16 << 10;

/// `message`, cut to [`MESSAGE_MAX`] bytes (at a character boundary) with
/// a note of how much was left out.
fn shorten(mut message: String) -> String {
    if message.len() <= MESSAGE_MAX {
        return message;
    }
    let mut end = MESSAGE_MAX;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let left_out = message.len() - end;
    message.truncate(end);
    message.push_str(&format!("\n... ({left_out} more bytes not shown)"));
    message
}
