//! Output shared by subcommands: diagnostics as JSON or ariadne text, the
//! live view of a run or an apply, and what follows its end.

use std::io::IsTerminal;

use infrac_compiler::render::{render_human, render_json};
use infrac_compiler::{Database, Diagnostic};
use infrac_runtime::event::RunSummary;
use infrac_runtime::output::{HumanSink, JsonSink, Sink};

use super::exit;
use super::prepare::Prepared;
use super::run::{Format, report_failures, usage};

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
pub(super) fn run_sink(format: Format, p: &Prepared) -> Box<dyn Sink> {
    match format {
        Format::Human => {
            let live = std::io::stdout().is_terminal();
            Box::new(HumanSink::new(std::io::stdout(), p.sources.clone(), live))
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
