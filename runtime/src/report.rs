//! The run's event hub: every event goes to the sink and into the summary,
//! from any host task, in the order they happen.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::event::{RunEvent, RunSummary};
use crate::output::Sink;

#[derive(Clone)]
pub struct Reporter(Arc<Mutex<Inner>>);

struct Inner {
    sink: Box<dyn Sink>,
    summary: RunSummary,
}

impl Reporter {
    pub fn new(sink: Box<dyn Sink>) -> Reporter {
        Reporter(Arc::new(Mutex::new(Inner {
            sink,
            summary: RunSummary::default(),
        })))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while printing must not hide the rest of the run.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn emit(&self, event: RunEvent) {
        let mut inner = self.lock();
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
