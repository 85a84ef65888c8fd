//! `textDocument/formatting`: the whole document laid out by
//! [`infrac_compiler::format`], as one edit (none when it is already formatted or
//! does not parse).

use infrac_compiler::format::format;
use infrac_syntax::Span;
use tower_lsp_server::ls_types::TextEdit;

use crate::state::Snapshot;

pub fn edits(snap: &Snapshot) -> Vec<TextEdit> {
    match format(&snap.text) {
        Ok(formatted) if formatted != *snap.text => {
            let whole = Span::new(0, snap.text.len() as u32);
            vec![TextEdit::new(snap.range(whole), formatted)]
        }
        _ => Vec::new(),
    }
}
