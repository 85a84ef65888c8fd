//! The compiler's neutral diagnostics as LSP diagnostics.

use infrac_compiler::{Diagnostic, Severity};
use tower_lsp_server::ls_types::{
    self as lsp, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri,
};

use crate::line_index::{Encoding, LineIndex};

pub const SOURCE: &str = "infrac";

/// `uri`, `text` and `index` are those of the diagnostic's file.
pub fn to_lsp(
    diag: &Diagnostic,
    uri: &Uri,
    text: &str,
    index: &LineIndex,
    enc: Encoding,
) -> lsp::Diagnostic {
    let mut message = diag.message.clone();
    if let Some(label) = &diag.label
        && !label.is_empty()
        && *label != diag.message
    {
        message.push_str(&format!("\n{label}"));
    }
    for note in &diag.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &diag.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = diag
        .labels
        .iter()
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), index.range(text, l.span, enc)),
            message: l.message.clone(),
        })
        .collect();
    lsp::Diagnostic {
        range: index.range(text, diag.span, enc),
        severity: Some(match diag.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(diag.code.to_string())),
        source: Some(SOURCE.to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

/// The name a "did you mean `x`?" help suggests, if any.
pub fn suggestion(help: &str) -> Option<&str> {
    let rest = help.split("did you mean `").nth(1)?;
    let end = rest.find('`')?;
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_suggested_name() {
        assert_eq!(suggestion("did you mean `files`?"), Some("files"));
        assert_eq!(suggestion("use `files` instead"), None);
    }
}
