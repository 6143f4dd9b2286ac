//! Byte offsets (dsmc's spans) to LSP positions and back.
//!
//! An LSP position is a zero-based line and a character offset within it
//! counted in UTF-16 code units, the encoding every client supports. A line
//! ends at `\n`, `\r\n` or `\r`, as the protocol says. Neither direction
//! panics: an offset past the end, or inside a multi-byte character, is
//! clamped to the nearest character boundary before it; a position past the
//! end of its line or of the text is clamped to that end.

use dsmc::syntax::ast::Span;
use lsp_types::{Position, Range};

/// The start of every line of one text, for converting in both directions.
#[derive(Debug)]
pub struct LineIndex<'t> {
    text: &'t str,
    /// The byte offset at which each line starts; the first is 0.
    line_starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    /// Indexes the lines of `text`.
    pub fn new(text: &'t str) -> LineIndex<'t> {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => line_starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    line_starts.push(i + 2);
                    i += 1;
                }
                b'\r' => line_starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { text, line_starts }
    }

    /// The largest character boundary at or before `offset`, within the text.
    fn floor_boundary(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// The byte range of line `line`'s content, without its line break.
    fn line_content(&self, line: usize) -> (usize, usize) {
        let start = self.line_starts[line];
        let next = self
            .line_starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        let content = &self.text.as_bytes()[start..next];
        let break_len = if content.ends_with(b"\r\n") {
            2
        } else if content.ends_with(b"\n") || content.ends_with(b"\r") {
            1
        } else {
            0
        };
        (start, next - break_len)
    }

    /// The position of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        let offset = self.floor_boundary(offset);
        // The last line starting at or before the offset.
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let (start, end) = self.line_content(line);
        // An offset inside a `\r\n` counts as the end of the line's content.
        let upto = offset.min(end);
        let character: usize = self.text[start..upto].chars().map(char::len_utf16).sum();
        Position::new(to_u32(line), to_u32(character))
    }

    /// The range of a span.
    pub fn range(&self, span: Span) -> Range {
        let start = self.position(span.start);
        let end = self.position(span.end.max(span.start));
        Range::new(start, end)
    }

    /// The byte offset of a position, clamped into the text.
    pub fn offset(&self, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.line_starts.len() {
            return self.text.len();
        }
        let (start, end) = self.line_content(line);
        let mut units = 0usize;
        for (i, c) in self.text[start..end].char_indices() {
            let next = units + c.len_utf16();
            // A position inside a surrogate pair goes to the character's start.
            if next > position.character as usize {
                return start + i;
            }
            units = next;
        }
        end
    }
}

/// A count as LSP's `u32`, saturating (a text over 4 GiB is not a spec).
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn ascii_lines() {
        let text = "ab\ncd\n";
        let index = LineIndex::new(text);
        assert_eq!(index.position(0), pos(0, 0));
        assert_eq!(index.position(2), pos(0, 2));
        assert_eq!(index.position(3), pos(1, 0));
        assert_eq!(index.position(6), pos(2, 0));
        assert_eq!(index.offset(pos(1, 1)), 4);
        assert_eq!(index.offset(pos(2, 0)), 6);
    }

    #[test]
    fn utf16_code_units() {
        // `é` is 2 bytes and 1 unit; `𝔸` is 4 bytes and 2 units.
        let text = "é𝔸x\ny";
        let index = LineIndex::new(text);
        assert_eq!(index.position(2), pos(0, 1));
        assert_eq!(index.position(6), pos(0, 3));
        assert_eq!(index.offset(pos(0, 3)), 6);
        // Inside the surrogate pair: the character's start.
        assert_eq!(index.offset(pos(0, 2)), 2);
        // Inside a multi-byte character: its start.
        assert_eq!(index.position(1), pos(0, 0));
        assert_eq!(index.position(4), pos(0, 1));
    }

    #[test]
    fn crlf_and_cr() {
        let text = "a\r\nb\rc";
        let index = LineIndex::new(text);
        assert_eq!(index.position(3), pos(1, 0));
        assert_eq!(index.position(5), pos(2, 0));
        // Between `\r` and `\n`: the end of the first line.
        assert_eq!(index.position(2), pos(0, 1));
        assert_eq!(index.offset(pos(0, 9)), 1);
    }

    #[test]
    fn out_of_range_is_clamped() {
        let text = "ab\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.position(99), pos(1, 2));
        assert_eq!(index.offset(pos(7, 0)), 5);
        assert_eq!(index.offset(pos(0, u32::MAX)), 2);
        let empty = LineIndex::new("");
        assert_eq!(empty.position(3), pos(0, 0));
        assert_eq!(empty.offset(pos(3, 3)), 0);
    }

    #[test]
    fn every_offset_and_position_round_trips_without_panic() {
        let text = "x é\r\n𝔸\ry\n\n";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            let p = index.position(offset);
            let back = index.offset(p);
            assert!(back <= text.len() && text.is_char_boundary(back));
        }
        for line in 0..6 {
            for character in 0..6 {
                let offset = index.offset(pos(line, character));
                assert!(text.is_char_boundary(offset));
            }
        }
    }
}
