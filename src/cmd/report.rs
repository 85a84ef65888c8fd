//! Output shared by subcommands: usage errors, diagnostics as JSON or
//! ariadne text (run-time errors too), the live view of a run or an
//! apply, and what follows its end.

use super::args::SummaryStyle;
use super::stdout::outln;
use std::io::IsTerminal;

use infrac_compiler::render::{render_human, render_json};
use infrac_compiler::run_errors::Sources;
use infrac_compiler::{Database, Diagnostic};
use infrac_runtime::event::RunSummary;
use infrac_runtime::output::{HumanSink, JsonSink, Sink};

use super::args::Format;
use super::exit;
use super::prepare::Prepared;

/// Prints `error: MESSAGE`; the usage exit code.
pub(super) fn usage(message: &str) -> u8 {
    eprintln!("error: {message}");
    exit::USAGE
}

/// `diags` on stdout as a JSON event, or rendered on stderr.
pub(super) fn print_diagnostics(db: &Database, diags: &[Diagnostic], format: Format) {
    match format {
        Format::Json => {
            let list: serde_json::Value = serde_json::from_str(&diagnostics_json(db, diags))
                .unwrap_or(serde_json::Value::Null);
            outln!(
                "{}",
                serde_json::json!({ "event": "diagnostics", "diagnostics": list })
            );
        }
        Format::Human => eprint_diagnostics(db, diags),
    }
}

/// Each failed host's error, rendered like a compile error at its place.
pub(super) fn report_failures(db: &Database, sources: &Sources, summary: &RunSummary) {
    let diags: Vec<Diagnostic> = summary
        .hosts
        .iter()
        .filter_map(|(host, s)| {
            let failure = s.failure.as_ref()?;
            let title = format!("host `{host}` failed in stage `{}`", failure.stage);
            let e = &failure.error;
            Some(sources.diagnostic(title, &e.message, e.place, &e.notes))
        })
        .collect();
    print_diagnostics(db, &diags, Format::Human);
}

/// The text of the file a diagnostic names (by its display path).
fn source_text(db: &Database, file: &str) -> String {
    db.file_by_display_path(file)
        .and_then(|f| f.text(db).clone())
        .unwrap_or_default()
}

/// `diags` as the JSON array of `render_json`, with their files' texts.
pub(super) fn diagnostics_json(db: &Database, diags: &[Diagnostic]) -> String {
    let texts: Vec<(String, String)> = diags
        .iter()
        .map(|d| (d.file.clone(), source_text(db, &d.file)))
        .collect();
    let lookup = |file: &str| -> &str {
        texts
            .iter()
            .find(|(f, _)| f == file)
            .map_or("", |(_, t)| t.as_str())
    };
    render_json(diags, lookup)
}

/// `diags` rendered by ariadne on stderr (in color on a terminal).
pub(super) fn eprint_diagnostics(db: &Database, diags: &[Diagnostic]) {
    let color = std::io::stderr().is_terminal();
    for diag in diags {
        eprint!(
            "{}",
            render_human(diag, &source_text(db, &diag.file), color)
        );
    }
}

/// The live output of a run or an apply, on stdout.
pub(super) fn run_sink(format: Format, summary: SummaryStyle, p: &Prepared) -> Box<dyn Sink> {
    match format {
        Format::Human => {
            let live = std::io::stdout().is_terminal();
            let full = summary == SummaryStyle::Full;
            Box::new(HumanSink::new(std::io::stdout(), p.sources.clone(), live).full_summary(full))
        }
        Format::Json => Box::new(JsonSink::new(std::io::stdout(), p.sources.clone())),
    }
}

/// After a run or an apply: the failed hosts' errors (human format) and
/// the exit code.
pub(super) fn finish_run(format: Format, p: &Prepared, summary: Result<RunSummary, String>) -> u8 {
    let summary = match summary {
        Ok(summary) => summary,
        Err(message) => return usage(&message),
    };
    if format == Format::Human {
        report_failures(&p.db, &p.sources, &summary);
    }
    if summary.failed() > 0 || summary.interrupted {
        exit::HOST_FAILED
    } else {
        exit::OK
    }
}
