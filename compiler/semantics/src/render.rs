//! Two renderers of [`Diagnostic`]: ariadne for terminals and JSON for tools.

use ariadne::{Config, IndexType, Label, Report, ReportKind, Source};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, LineIndex, Severity};

/// Renders one diagnostic as rustc-style text. `text` is the content of
/// `diag.file`.
pub fn render_human(diag: &Diagnostic, text: &str, color: bool) -> String {
    let kind = match diag.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let file = diag.file.as_str();
    let clamp = |s: infrac_syntax::Span| {
        let end = (s.end as usize).min(text.len());
        (s.start as usize).min(end)..end
    };
    // ariadne draws a label only when it has a message, and starts a new
    // snippet whenever a label lies above the previous one: give it the
    // labels in source order.
    let primary = diag.label.as_deref().unwrap_or(diag.message.as_str());
    let mut labels: Vec<(infrac_syntax::Span, &str)> = vec![(diag.span, primary)];
    labels.extend(diag.labels.iter().map(|l| (l.span, l.message.as_str())));
    labels.sort_by_key(|(span, _)| span.start);
    let mut report = Report::build(kind, (file, clamp(diag.span)))
        .with_config(
            Config::new()
                .with_index_type(IndexType::Byte)
                .with_color(color),
        )
        .with_code(diag.code)
        .with_message(&diag.message);
    for (span, message) in labels {
        report = report.with_label(Label::new((file, clamp(span))).with_message(message));
    }
    for note in &diag.notes {
        report = report.with_note(note);
    }
    if let Some(help) = &diag.help {
        report = report.with_help(help);
    }
    let mut out = Vec::new();
    // Writing into a Vec cannot fail; a failure would only lose the text.
    let _ = report.finish().write((file, Source::from(text)), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    severity: &'a str,
    code: &'a str,
    message: &'a str,
}

/// Renders diagnostics as a JSON array of `{file, line, column, end_line,
/// end_column, severity, code, message}` (1-based lines and columns).
/// `text_of` returns the content of a diagnostic's file.
pub fn render_json<'a>(diags: &[Diagnostic], text_of: impl Fn(&str) -> &'a str) -> String {
    let items: Vec<JsonDiagnostic<'_>> = diags
        .iter()
        .map(|d| {
            let index = LineIndex::new(text_of(&d.file));
            let (line, column) = index.line_col(d.span.start);
            let (end_line, end_column) = index.line_col(d.span.end);
            JsonDiagnostic {
                file: &d.file,
                line,
                column,
                end_line,
                end_column,
                severity: d.severity.as_str(),
                code: d.code,
                message: &d.message,
            }
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string())
}
