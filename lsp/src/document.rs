//! The text of one open document and the edits the client sends.

use std::sync::Arc;

use tower_lsp_server::ls_types::TextDocumentContentChangeEvent;

use crate::line_index::{Encoding, LineIndex};

/// An open document: its text, the client's version of it, and the line
/// index of that text. Cheap to clone (handlers take a copy and release the
/// server's lock before computing).
#[derive(Debug, Clone)]
pub struct Document {
    pub text: Arc<str>,
    pub index: Arc<LineIndex>,
    pub version: i32,
}

impl Document {
    pub fn new(text: String, version: i32) -> Self {
        let index = Arc::new(LineIndex::new(&text));
        Document {
            text: text.into(),
            index,
            version,
        }
    }

    /// Applies the client's changes in order: a change without a range
    /// replaces the whole text; a ranged change replaces that range of the
    /// text as it is after the previous changes.
    pub fn apply(
        &mut self,
        changes: Vec<TextDocumentContentChangeEvent>,
        version: i32,
        enc: Encoding,
    ) {
        let mut text = self.text.to_string();
        let mut index = LineIndex::new(&text);
        for change in changes {
            match change.range {
                None => text = change.text,
                Some(range) => {
                    let start = index.offset(&text, range.start, enc) as usize;
                    let end = (index.offset(&text, range.end, enc) as usize).max(start);
                    text.replace_range(start..end, &change.text);
                }
            }
            index = LineIndex::new(&text);
        }
        self.text = text.into();
        self.index = Arc::new(index);
        self.version = version;
    }
}

#[cfg(test)]
mod tests {
    use tower_lsp_server::ls_types::{Position, Range};

    use super::*;

    fn change(
        range: Option<((u32, u32), (u32, u32))>,
        text: &str,
    ) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range.map(|((l1, c1), (l2, c2))| {
                Range::new(Position::new(l1, c1), Position::new(l2, c2))
            }),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn applies_ranged_changes_in_order() {
        let mut doc = Document::new("let a = 1\nlet b = \"é\"\n".to_string(), 1);
        doc.apply(
            vec![
                change(Some(((0, 4), (0, 5))), "x"),
                // After `é` (one UTF-16 unit, two bytes): insert `z`.
                change(Some(((1, 10), (1, 10))), "z"),
                change(Some(((2, 0), (2, 0))), "end"),
            ],
            2,
            Encoding::Utf16,
        );
        assert_eq!(&*doc.text, "let x = 1\nlet b = \"éz\"\nend");
        assert_eq!(doc.version, 2);
    }

    #[test]
    fn a_change_without_range_replaces_everything() {
        let mut doc = Document::new("old".to_string(), 1);
        doc.apply(vec![change(None, "new text")], 5, Encoding::Utf8);
        assert_eq!(&*doc.text, "new text");
    }

    #[test]
    fn utf8_ranges_count_bytes() {
        let mut doc = Document::new("é!".to_string(), 1);
        doc.apply(vec![change(Some(((0, 2), (0, 3))), "?")], 2, Encoding::Utf8);
        assert_eq!(&*doc.text, "é?");
    }
}
