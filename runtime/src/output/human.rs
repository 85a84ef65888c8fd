//! The human view. On a terminal: a live block per stage, one row per op
//! call site with its hosts' states, redrawn in place. Otherwise: one plain
//! line per finished op. Both end with a per-host summary table.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use super::{Sink, format_duration};
use crate::event::{HostSummary, Locate, OpStatus, Place, RunEvent, RunSummary};

pub struct HumanSink<W> {
    out: W,
    locate: Arc<dyn Locate>,
    live: bool,
    stage: Option<StageView>,
    /// Lines of the live block currently on screen.
    drawn: usize,
    /// List every host in the summary, even past [`FOLD_AFTER`].
    full_summary: bool,
}

#[derive(Default)]
struct StageView {
    rows: Vec<Row>,
    failures: Vec<String>,
}

struct Row {
    op: String,
    place: Place,
    location: String,
    states: BTreeMap<String, State>,
    /// What the running hosts are doing: `waiting for port 8080 on
    /// 127.0.0.1 to open (up to 60 s)`.
    notes: BTreeMap<String, String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    Done(OpStatus),
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Done(status) => status.as_str(),
        }
    }
}

/// Up to this many hosts on an op, the live view names them; past it, it
/// counts them by state.
const NAMED_HOSTS: usize = 4;

impl<W: Write + Send> HumanSink<W> {
    /// `live`: redraw in place (for a terminal).
    pub fn new(out: W, locate: Arc<dyn Locate>, live: bool) -> Self {
        HumanSink {
            out,
            locate,
            live,
            stage: None,
            drawn: 0,
            full_summary: false,
        }
    }

    /// `--summary full`: the summary lists every host.
    pub fn full_summary(mut self, full: bool) -> Self {
        self.full_summary = full;
        self
    }

    fn print(&mut self, text: &str) {
        // A closed output must not stop the run.
        let _ = writeln!(self.out, "{text}");
        let _ = self.out.flush();
    }

    fn location(&self, place: Place) -> String {
        let loc = self.locate.locate(place);
        format!("{}:{}", loc.file, loc.line)
    }

    /// Sets `host`'s state on the op call at `place`; on a terminal, redraws
    /// that row alone (or the whole block when the row is new).
    /// `note`: what the host is doing while the op runs (waiting, retrying).
    fn update(&mut self, op: &str, place: Place, host: &str, state: State, note: Option<String>) {
        let location = self.location(place);
        let view = self.stage.get_or_insert_with(StageView::default);
        let (index, new) = match view.rows.iter().position(|r| r.place == place) {
            Some(i) => (i, false),
            None => {
                let row = Row {
                    op: op.to_string(),
                    place,
                    location,
                    states: BTreeMap::new(),
                    notes: BTreeMap::new(),
                };
                view.rows.push(row);
                (view.rows.len() - 1, true)
            }
        };
        if let Some(row) = view.rows.get_mut(index) {
            match note {
                Some(note) => row.notes.insert(host.to_string(), note),
                None => row.notes.remove(host),
            };
            row.states.insert(host.to_string(), state);
        }
        match (self.live, new) {
            (false, _) => {}
            (true, true) => self.redraw(),
            (true, false) => self.redraw_row(index),
        }
    }

    /// Rewrites row `index` of the block on screen, the cursor staying
    /// below the block.
    fn redraw_row(&mut self, index: usize) {
        let Some(row) = self.stage.as_ref().and_then(|v| v.rows.get(index)) else {
            return;
        };
        let up = self.drawn.saturating_sub(index);
        if up == 0 {
            return self.redraw();
        }
        let mut text = format!("\x1b[{up}F\x1b[2K{}\n", render_row(row));
        if up > 1 {
            text.push_str(&format!("\x1b[{}B", up - 1));
        }
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }

    /// Redraws the live block: cursor up over the previous drawing, then
    /// every row, clearing each line.
    fn redraw(&mut self) {
        let Some(view) = &self.stage else { return };
        let mut lines: Vec<String> = view.rows.iter().map(render_row).collect();
        lines.extend(view.failures.iter().cloned());
        let mut text = String::new();
        if self.drawn > 0 {
            text.push_str(&format!("\x1b[{}F", self.drawn));
        }
        for line in &lines {
            text.push_str("\x1b[2K");
            text.push_str(line);
            text.push('\n');
        }
        text.push_str("\x1b[J");
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
        self.drawn = lines.len();
    }
}

impl<W: Write + Send> Sink for HumanSink<W> {
    fn event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::StageStarted { stage, hosts } => {
                self.stage = Some(StageView::default());
                self.drawn = 0;
                let n = hosts.len();
                self.print(&format!("stage {stage} on {n} host{}", plural(n)));
            }
            RunEvent::OpStarted {
                host, op, place, ..
            } => {
                self.update(op, *place, host, State::Running, None);
            }
            RunEvent::Retrying {
                host,
                op,
                place,
                attempt,
                attempts,
                error,
                delay,
                ..
            } => {
                let first = super::terminal_safe(error);
                let first = first.lines().next().unwrap_or_default();
                let note =
                    format!("attempt {attempt} of {attempts} failed ({first}), again in {delay} s");
                if !self.live {
                    let location = self.location(*place);
                    self.print(&format!("  [{host}] {op} ({location}): {note}"));
                }
                self.update(op, *place, host, State::Running, Some(note));
            }
            RunEvent::Waiting {
                host,
                op,
                place,
                what,
                timeout,
                elapsed,
                ..
            } => {
                let wait = match elapsed {
                    0 => format!("waiting for {what} (up to {timeout} s)"),
                    n => format!("waiting for {what}, {n} s (up to {timeout} s)"),
                };
                // The plain output says it once; the live view counts.
                if !self.live && *elapsed > 0 {
                    return;
                }
                if !self.live {
                    let location = self.location(*place);
                    self.print(&format!("  [{host}] {op} ({location}): {wait}"));
                }
                self.update(op, *place, host, State::Running, Some(wait));
            }
            RunEvent::OpFinished(record) => {
                self.update(
                    &record.op,
                    record.place,
                    &record.host,
                    State::Done(record.status),
                    None,
                );
                if !self.live {
                    let location = self.location(record.place);
                    let shared = match record.sent_with {
                        0 => String::new(),
                        n => format!(" (sent together with {n} other op{})", plural(n)),
                    };
                    self.print(&format!(
                        "  [{}] {} ({location}): {} in {}{shared}",
                        record.host,
                        record.op,
                        record.status.as_str(),
                        format_duration(record.duration)
                    ));
                }
            }
            RunEvent::HostFailed { host, error, .. } => {
                let at = error
                    .place
                    .map(|p| format!(" ({})", self.location(p)))
                    .unwrap_or_default();
                // The message's later lines (a command's stderr) are indented.
                let text = super::terminal_safe(&error.message);
                let mut message = text.lines();
                let first = message.next().unwrap_or_default();
                let mut lines = vec![format!("  [{host}] failed{at}: {first}")];
                lines.extend(message.map(|l| format!("      {l}")));
                if self.live {
                    let view = self.stage.get_or_insert_with(StageView::default);
                    view.failures.extend(lines);
                    self.redraw();
                } else {
                    self.print(&lines.join("\n"));
                }
            }
            RunEvent::HostSkipped { host, reason, .. } => {
                let line = format!("  [{host}] not run: {reason}");
                if self.live {
                    let view = self.stage.get_or_insert_with(StageView::default);
                    view.failures.push(line);
                    self.redraw();
                } else {
                    self.print(&line);
                }
            }
            RunEvent::StageSkipped { stage } => {
                self.stage = None;
                self.drawn = 0;
                self.print(&format!("stage {stage} skipped (not selected)"));
            }
            RunEvent::StageFinished { .. } => {}
            RunEvent::Notice { message } => self.print(&format!("note: {message}")),
            RunEvent::Interrupted => {
                if self.live {
                    self.redraw();
                    self.drawn = 0;
                }
                self.print("interrupted (Ctrl-C): the remaining commands and stages did not run");
            }
        }
    }

    fn finish(&mut self, summary: &RunSummary) {
        self.drawn = 0;
        let text = render_summary(summary, self.full_summary);
        self.print(&text);
    }
}

/// `  files.directory (site.infra:12)  2 changed, 1 ok, 1 running`, or with
/// few hosts `  files.directory (site.infra:12)  web-1 changed, web-2 ok`.
fn render_row(row: &Row) -> String {
    let states = if row.states.len() <= NAMED_HOSTS {
        // Few hosts: each by name (`web-1 changed, web-2 running`).
        let named: Vec<String> = row
            .states
            .iter()
            .map(|(host, state)| match (state, row.notes.get(host)) {
                (State::Running, Some(note)) => format!("{host} {note}"),
                _ => format!("{host} {}", state.as_str()),
            })
            .collect();
        named.join(", ")
    } else {
        let order = [
            State::Done(OpStatus::Changed),
            State::Done(OpStatus::Ok),
            State::Running,
            State::Done(OpStatus::Failed),
        ];
        let counts: Vec<String> = order
            .iter()
            .map(|wanted| (wanted, row.states.values().filter(|s| *s == wanted).count()))
            .filter(|(_, n)| *n > 0)
            .map(|(state, n)| format!("{n} {}", state.as_str()))
            .collect();
        counts.join(", ")
    };
    format!("  {} ({})  {states}", row.op, row.location)
}

/// The final table: one line per host, then the totals.
/// Past this many hosts, the summary lists the hosts that failed or did
/// not run, and counts the others (`--summary full` lists them all).
pub const FOLD_AFTER: usize = 20;

pub fn render_summary(summary: &RunSummary, full: bool) -> String {
    let width = summary
        .hosts
        .keys()
        .map(|h| h.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let outcome = |host: &HostSummary| match (&host.failure, &host.skipped) {
        (Some(f), _) => format!("in {}", f.stage),
        (None, Some((stage, _))) => format!("not run: {stage}"),
        (None, None) => "-".to_string(),
    };
    let failed_width = summary
        .hosts
        .values()
        .map(|h| outcome(h).chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let mut text = format!(
        "\n{:<width$}  {:>4}  {:>7}  {:<failed_width$}  {}\n",
        "HOST", "OK", "CHANGED", "FAILED", "TIME"
    );
    // Failed hosts first, then those that did not run, then the others.
    let rank = |h: &HostSummary| match (&h.failure, &h.skipped) {
        (Some(_), _) => 0,
        (None, Some(_)) => 1,
        (None, None) => 2,
    };
    let mut hosts: Vec<(&String, &HostSummary)> = summary.hosts.iter().collect();
    hosts.sort_by_key(|(_, h)| rank(h));
    let fold = !full && hosts.len() > FOLD_AFTER;
    let (shown, folded): (Vec<_>, Vec<_>) =
        hosts.into_iter().partition(|(_, h)| !fold || rank(h) < 2);
    for (name, host) in shown {
        text.push_str(&format!(
            "{name:<width$}  {:>4}  {:>7}  {:<failed_width$}  {}\n",
            host.ok,
            host.changed,
            outcome(host),
            format_duration(host.elapsed)
        ));
    }
    if !folded.is_empty() {
        let changed = folded.iter().filter(|(_, h)| h.changed > 0).count();
        text.push_str(&format!(
            "... and {} other host{} that did not fail ({changed} changed something; `--summary full` lists them)\n",
            folded.len(),
            plural(folded.len())
        ));
    }
    let failed = summary.failed();
    let hosts = if failed == 1 { "host" } else { "hosts" };
    text.push_str(&format!(
        "{} changed, {failed} {hosts} failed",
        summary.changed()
    ));
    let skipped = summary.skipped();
    if skipped > 0 {
        text.push_str(&format!(", {skipped} not run"));
    }
    if summary.interrupted {
        text.push_str(", interrupted");
    }
    if !summary.skipped_stages.is_empty() {
        text.push_str(&format!(
            "; stages not run: {}",
            summary.skipped_stages.join(", ")
        ));
    }
    if !summary.unselected_stages.is_empty() {
        text.push_str(&format!(
            "; stages skipped (not selected): {}",
            summary.unselected_stages.join(", ")
        ));
    }
    text
}

/// The plural `s` for a count.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{HostError, HostFailure, HostSummary, Location, OpRecord};
    use expect_test::expect;
    use infrac_bytecode::Span;
    use std::time::Duration;

    struct Lines;
    impl Locate for Lines {
        fn locate(&self, place: Place) -> Location {
            Location {
                file: "site.infra".into(),
                line: place.span.start,
            }
        }
    }

    fn op(host: &str, line: u32, status: OpStatus) -> RunEvent {
        RunEvent::OpFinished(OpRecord {
            host: host.into(),
            stage: "base".into(),
            op: "files.directory".into(),
            place: Place {
                module: 0,
                span: Span::new(line, line + 1),
            },
            status,
            commands: vec![],
            duration: Duration::from_millis(12),
            sent_with: 0,
            handler: false,
        })
    }

    fn run(live: bool, events: &[RunEvent]) -> String {
        let mut out = Vec::new();
        let mut sink = HumanSink::new(&mut out, Arc::new(Lines), live);
        for e in events {
            sink.event(e);
        }
        drop(sink);
        String::from_utf8_lossy(&out).replace('\x1b', "^")
    }

    #[test]
    fn plain_lines() {
        let events = [
            RunEvent::StageStarted {
                stage: "base".into(),
                hosts: vec!["a".into(), "b".into()],
            },
            op("a", 3, OpStatus::Changed),
            op("b", 3, OpStatus::Ok),
            RunEvent::HostFailed {
                host: "b".into(),
                stage: "base".into(),
                error: HostError::new(
                    "boom\nstderr line",
                    Some(Place {
                        module: 0,
                        span: Span::new(7, 8),
                    }),
                ),
            },
        ];
        expect![[r#"
            stage base on 2 hosts
              [a] files.directory (site.infra:3): changed in 12ms
              [b] files.directory (site.infra:3): ok in 12ms
              [b] failed (site.infra:7): boom
                  stderr line
        "#]]
        .assert_eq(&run(false, &events));
    }

    #[test]
    fn live_rows_are_redrawn_in_place() {
        let started = RunEvent::OpStarted {
            host: "a".into(),
            stage: "base".into(),
            op: "files.directory".into(),
            place: Place {
                module: 0,
                span: Span::new(3, 4),
            },
        };
        let events = [
            RunEvent::StageStarted {
                stage: "base".into(),
                hosts: vec!["a".into()],
            },
            started,
            op("a", 3, OpStatus::Changed),
            op("a", 5, OpStatus::Ok),
            op("b", 3, OpStatus::Ok),
        ];
        expect![[r#"
            stage base on 1 host
            ^[2K  files.directory (site.infra:3)  a running
            ^[J^[1F^[2K  files.directory (site.infra:3)  a changed
            ^[1F^[2K  files.directory (site.infra:3)  a changed
            ^[2K  files.directory (site.infra:5)  a ok
            ^[J^[2F^[2K  files.directory (site.infra:3)  a changed, b ok
            ^[1B"#]]
        .assert_eq(&run(true, &events));
    }

    #[test]
    fn a_row_says_what_a_host_waits_for_and_retries() {
        let place = Place {
            module: 0,
            span: Span::new(3, 4),
        };
        let events = [
            RunEvent::Waiting {
                host: "a".into(),
                stage: "base".into(),
                op: "files.directory".into(),
                place,
                what: "port 80 on 127.0.0.1 to open".into(),
                timeout: 5,
                elapsed: 0,
            },
            RunEvent::Waiting {
                host: "a".into(),
                stage: "base".into(),
                op: "files.directory".into(),
                place,
                what: "port 80 on 127.0.0.1 to open".into(),
                timeout: 5,
                elapsed: 4,
            },
            RunEvent::Retrying {
                host: "a".into(),
                stage: "base".into(),
                op: "files.directory".into(),
                place,
                attempt: 1,
                attempts: 3,
                error: "boom\nmore".into(),
                delay: 2,
            },
            op("a", 3, OpStatus::Ok),
        ];
        expect![[r#"
            ^[2K  files.directory (site.infra:3)  a waiting for port 80 on 127.0.0.1 to open (up to 5 s)
            ^[J^[1F^[2K  files.directory (site.infra:3)  a waiting for port 80 on 127.0.0.1 to open, 4 s (up to 5 s)
            ^[1F^[2K  files.directory (site.infra:3)  a attempt 1 of 3 failed (boom), again in 2 s
            ^[1F^[2K  files.directory (site.infra:3)  a ok
        "#]]
        .assert_eq(&run(true, &events));
        let plain = run(false, &events);
        let lines: Vec<&str> = plain.lines().collect();
        assert_eq!(
            lines,
            [
                "  [a] files.directory (site.infra:3): waiting for port 80 on 127.0.0.1 to open (up to 5 s)",
                "  [a] files.directory (site.infra:3): attempt 1 of 3 failed (boom), again in 2 s",
                "  [a] files.directory (site.infra:3): ok in 12ms",
            ]
        );
    }

    #[test]
    fn many_hosts_are_counted_by_state() {
        let mut row = Row {
            op: "files.line".into(),
            place: Place {
                module: 0,
                span: Span::new(1, 2),
            },
            location: "site.infra:4".into(),
            states: BTreeMap::new(),
            notes: BTreeMap::new(),
        };
        let states = [
            OpStatus::Ok,
            OpStatus::Changed,
            OpStatus::Changed,
            OpStatus::Failed,
        ];
        for (i, status) in states.into_iter().enumerate() {
            row.states.insert(format!("h{i}"), State::Done(status));
        }
        row.states.insert("h9".into(), State::Running);
        assert_eq!(
            render_row(&row),
            "  files.line (site.infra:4)  2 changed, 1 ok, 1 running, 1 failed"
        );
        row.states.remove("h9");
        assert_eq!(
            render_row(&row),
            "  files.line (site.infra:4)  h0 ok, h1 changed, h2 changed, h3 failed"
        );
    }

    #[test]
    fn summary_table() {
        let mut summary = RunSummary::default();
        summary.hosts.insert(
            "web-1".into(),
            HostSummary {
                ok: 4,
                changed: 2,
                elapsed: Duration::from_millis(1520),
                ..HostSummary::default()
            },
        );
        summary.hosts.insert(
            "db".into(),
            HostSummary {
                ok: 0,
                changed: 1,
                failure: Some(HostFailure {
                    stage: "report".into(),
                    error: HostError::new("x", None),
                }),
                elapsed: Duration::from_millis(80),
                ..HostSummary::default()
            },
        );
        summary.hosts.insert(
            "web-2".into(),
            HostSummary {
                skipped: Some(("report".into(), "max_failures".into())),
                ..HostSummary::default()
            },
        );
        expect![[r#"

            HOST     OK  CHANGED  FAILED           TIME
            db        0        1  in report        80ms
            web-2     0        0  not run: report  0ms
            web-1     4        2  -                1.52s
            3 changed, 1 host failed, 1 not run"#]]
        .assert_eq(&render_summary(&summary, false));
    }

    #[test]
    fn a_big_summary_lists_failures_first_and_folds_the_rest() {
        let mut summary = RunSummary::default();
        for i in 0..25 {
            let host = HostSummary {
                ok: 1,
                changed: u32::from(i % 5 == 0),
                elapsed: Duration::from_millis(10),
                ..HostSummary::default()
            };
            summary.hosts.insert(format!("web-{i:02}"), host);
        }
        if let Some(h) = summary.hosts.get_mut("web-17") {
            h.failure = Some(HostFailure {
                stage: "app".into(),
                error: HostError::new("x", None),
            });
        }
        if let Some(h) = summary.hosts.get_mut("web-03") {
            h.skipped = Some(("app".into(), "max_failures".into()));
        }
        expect![[r#"

            HOST      OK  CHANGED  FAILED        TIME
            web-17     1        0  in app        10ms
            web-03     1        0  not run: app  10ms
            ... and 23 other hosts that did not fail (5 changed something; `--summary full` lists them)
            5 changed, 1 host failed, 1 not run"#]]
        .assert_eq(&render_summary(&summary, false));
        let full = render_summary(&summary, true);
        assert_eq!(full.lines().count(), 2 + 25 + 1, "{full}");
        assert!(
            full.lines().nth(2).is_some_and(|l| l.starts_with("web-17")),
            "{full}"
        );
    }
}
