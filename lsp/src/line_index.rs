//! Byte offsets (what the compiler speaks) to LSP positions (line and
//! character, in UTF-16 code units by default, or bytes when the client
//! accepts UTF-8) and back.

use tower_lsp_server::ls_types::{Position, Range};

/// The unit of `Position::character`, negotiated at `initialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// The LSP default: UTF-16 code units.
    #[default]
    Utf16,
    /// Bytes, when the client lists `utf-8` in `general.positionEncodings`.
    Utf8,
}

/// Start offsets of the lines of one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| (i + 1) as u32));
        LineIndex { line_starts }
    }

    /// The position of byte `offset` in `text` (clamped to the text, moved
    /// back to a character boundary).
    pub fn position(&self, text: &str, offset: u32, enc: Encoding) -> Position {
        let mut offset = (offset as usize).min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s as usize <= offset) - 1;
        let start = self.line_starts[line] as usize;
        let prefix = &text[start..offset];
        let character = match enc {
            Encoding::Utf8 => prefix.len(),
            Encoding::Utf16 => prefix.encode_utf16().count(),
        };
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, text: &str, span: infrac_syntax::Span, enc: Encoding) -> Range {
        Range::new(
            self.position(text, span.start, enc),
            self.position(text, span.end, enc),
        )
    }

    /// The byte offset of `pos` in `text`. A line past the end gives the end
    /// of the text; a character past the end of its line gives the end of
    /// the line (as the LSP specification asks); a position inside a
    /// character gives the start of that character.
    pub fn offset(&self, text: &str, pos: Position, enc: Encoding) -> u32 {
        let Some(&start) = self.line_starts.get(pos.line as usize) else {
            return text.len() as u32;
        };
        let start = start as usize;
        let line_end = self
            .line_starts
            .get(pos.line as usize + 1)
            .map_or(text.len(), |&next| next as usize - 1);
        let line = text.get(start..line_end).unwrap_or("");
        let line = line.strip_suffix('\r').unwrap_or(line);
        let wanted = pos.character as usize;
        let mut units = 0;
        for (i, c) in line.char_indices() {
            let width = match enc {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
            if units + width > wanted {
                return (start + i) as u32;
            }
            units += width;
        }
        (start + line.len()) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "ab\nçd😀x\r\nlast";

    #[test]
    fn positions_count_utf16_units_or_bytes() {
        let idx = LineIndex::new(TEXT);
        let x = TEXT.find('x').map_or(0, |i| i as u32);
        assert_eq!(idx.position(TEXT, x, Encoding::Utf16), Position::new(1, 4));
        assert_eq!(idx.position(TEXT, x, Encoding::Utf8), Position::new(1, 7));
        assert_eq!(idx.position(TEXT, 0, Encoding::Utf16), Position::new(0, 0));
        assert_eq!(
            idx.position(TEXT, 999, Encoding::Utf16),
            Position::new(2, 4)
        );
        // Inside the emoji: moved back to its start.
        let emoji = TEXT.find('😀').map_or(0, |i| i as u32);
        assert_eq!(
            idx.position(TEXT, emoji + 2, Encoding::Utf16),
            Position::new(1, 2)
        );
    }

    #[test]
    fn offsets_round_trip_and_clamp() {
        let idx = LineIndex::new(TEXT);
        for enc in [Encoding::Utf16, Encoding::Utf8] {
            // (`\n` after `\r` is inside the line terminator: skipped.)
            for (offset, _) in TEXT
                .char_indices()
                .filter(|&(i, c)| !(c == '\n' && TEXT[..i].ends_with('\r')))
            {
                let pos = idx.position(TEXT, offset as u32, enc);
                assert_eq!(idx.offset(TEXT, pos, enc), offset as u32, "{pos:?} {enc:?}");
            }
        }
        let line1_end = TEXT.find('\r').map_or(0, |i| i as u32);
        assert_eq!(
            idx.offset(TEXT, Position::new(1, 99), Encoding::Utf16),
            line1_end
        );
        assert_eq!(
            idx.offset(TEXT, Position::new(9, 0), Encoding::Utf16),
            TEXT.len() as u32
        );
        // Character 3 is the second half of the emoji's surrogate pair.
        let emoji = TEXT.find('😀').map_or(0, |i| i as u32);
        assert_eq!(
            idx.offset(TEXT, Position::new(1, 3), Encoding::Utf16),
            emoji
        );
    }
}
