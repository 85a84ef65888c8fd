//! Diagnostics of one file, as the client shows them.

use tower_lsp_server::ls_types as lsp;

use crate::diagnostics::to_lsp;
use crate::state::Snapshot;

/// The diagnostics the checker reports in the snapshot's file (a file's
/// check may also report findings in the modules it uses; those are shown
/// on their own files).
pub fn for_file(snap: &Snapshot) -> Vec<lsp::Diagnostic> {
    let path = snap.file.display_path(&snap.db);
    infrac_compiler::diagnostics(&snap.db, snap.file)
        .iter()
        .filter(|d| d.file == path)
        .map(|d| to_lsp(d, &snap.uri, &snap.text, &snap.index, snap.encoding))
        .collect()
}
