//! `--format json`: one JSON object per line, per op per host, then a
//! summary object.

use std::io::Write;
use std::sync::Arc;

use serde_json::{Map, Value as Json, json};

use super::Sink;
use crate::event::{HostError, Locate, RunEvent, RunSummary};

pub struct JsonSink<W> {
    out: W,
    locate: Arc<dyn Locate>,
}

impl<W: Write + Send> JsonSink<W> {
    pub fn new(out: W, locate: Arc<dyn Locate>) -> Self {
        JsonSink { out, locate }
    }

    fn line(&mut self, value: &Json) {
        // A closed stdout (`| head`) must not stop the run: output is lost.
        let _ = writeln!(self.out, "{value}");
        let _ = self.out.flush();
    }

    fn error(&self, stage: &str, error: &HostError) -> Json {
        let (file, line) = match error.place {
            Some(place) => {
                let loc = self.locate.locate(place);
                (Json::from(loc.file), Json::from(loc.line))
            }
            None => (Json::Null, Json::Null),
        };
        json!({ "message": error.message, "stage": stage, "file": file, "line": line })
    }
}

impl<W: Write + Send> Sink for JsonSink<W> {
    fn event(&mut self, event: &RunEvent) {
        let value = match event {
            RunEvent::OpFinished(op) => {
                let loc = self.locate.locate(op.place);
                json!({
                    "event": "op",
                    "host": op.host,
                    "stage": op.stage,
                    "op": op.op,
                    "file": loc.file,
                    "line": loc.line,
                    "changed": op.status == crate::event::OpStatus::Changed,
                    "status": op.status.as_str(),
                    "commands": op.commands,
                    "duration_ms": u64::try_from(op.duration.as_millis()).unwrap_or(u64::MAX),
                    "sent_with": op.sent_with,
                    "handler": op.handler,
                })
            }
            RunEvent::Retrying {
                host,
                stage,
                op,
                place,
                attempt,
                attempts,
                error,
                delay,
            } => {
                let loc = self.locate.locate(*place);
                json!({
                    "event": "retry",
                    "host": host,
                    "stage": stage,
                    "op": op,
                    "file": loc.file,
                    "line": loc.line,
                    "attempt": attempt,
                    "attempts": attempts,
                    "error": error,
                    "delay_s": delay,
                })
            }
            // Once, when the wait begins.
            RunEvent::Waiting {
                host,
                stage,
                op,
                place,
                what,
                timeout,
                elapsed: 0,
            } => {
                let loc = self.locate.locate(*place);
                json!({
                    "event": "waiting",
                    "host": host,
                    "stage": stage,
                    "op": op,
                    "file": loc.file,
                    "line": loc.line,
                    "what": what,
                    "timeout_s": timeout,
                })
            }
            RunEvent::StageStarted { stage, hosts } => {
                json!({ "event": "stage", "stage": stage, "hosts": hosts })
            }
            RunEvent::HostFailed { host, stage, error } => {
                json!({ "event": "host_failed", "host": host, "error": self.error(stage, error) })
            }
            RunEvent::HostSkipped {
                host,
                stage,
                reason,
            } => {
                json!({ "event": "host_skipped", "host": host, "stage": stage, "reason": reason })
            }
            RunEvent::StageSkipped { stage } => {
                json!({ "event": "stage_skipped", "stage": stage, "reason": "not selected" })
            }
            RunEvent::Notice { message } => json!({ "event": "notice", "message": message }),
            RunEvent::OpStarted { .. }
            | RunEvent::Waiting { .. }
            | RunEvent::StageFinished { .. }
            | RunEvent::Interrupted => {
                return;
            }
        };
        self.line(&value);
    }

    fn finish(&mut self, summary: &RunSummary) {
        let mut hosts = Map::new();
        for (name, host) in &summary.hosts {
            let error = host
                .failure
                .as_ref()
                .map_or(Json::Null, |f| self.error(&f.stage, &f.error));
            hosts.insert(
                name.clone(),
                json!({
                    "ok": host.ok,
                    "changed": host.changed,
                    "failed": host.failure.is_some(),
                    "error": error,
                    "skipped": host.skipped.as_ref().map_or(Json::Null, |(stage, reason)| {
                        json!({ "stage": stage, "reason": reason })
                    }),
                    "duration_ms": u64::try_from(host.elapsed.as_millis()).unwrap_or(u64::MAX),
                }),
            );
        }
        let value = json!({
            "event": "summary",
            "changed": summary.changed(),
            "failed": summary.failed(),
            "skipped": summary.skipped(),
            "interrupted": summary.interrupted,
            "skipped_stages": summary.skipped_stages,
            "unselected_stages": summary.unselected_stages,
            "hosts": hosts,
        });
        self.line(&value);
    }
}
