//! Byte offsets (dsmc's spans) to lines and columns: the one conversion
//! every output uses.
//!
//! A [`LineIndex`] is built once per source and answers in two conventions:
//!
//! - [`LineIndex::position`], what people and tools read (the human report,
//!   `--message-format json`, SARIF, JUnit, traces): a 1-based line and a
//!   1-based column counted in characters (Unicode scalar values), lines
//!   ending at `\n` as they do in the language (a comment runs to `\n`),
//!   and a byte order mark that starts the file not counted, as in an
//!   editor. docs/output.md documents it.
//! - [`LineIndex::utf16_position`] and [`LineIndex::utf16_offset`], for the
//!   language server only: a 0-based line and a 0-based character offset in
//!   UTF-16 code units, lines ending at `\n`, `\r\n` or `\r` as the protocol
//!   says, every character of the text the client sent counted.
//!
//! No method panics: an offset past the end, or inside a multi-byte
//! character, is moved back to the nearest character start; a position past
//! the end of its line or of the text is clamped to that end.

use crate::syntax::ast::Span;
use crate::text::BYTE_ORDER_MARK;

/// A 1-based line and a 1-based column in characters: the user-facing
/// position of a byte offset ([`LineIndex::position`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1, in characters; a leading byte order mark is not
    /// one.
    pub column: usize,
}

impl std::fmt::Display for Position {
    /// `line:column`, as `path:line:column` locations write it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The starts of the lines of one text, for converting offsets to positions
/// and back.
#[derive(Clone, Debug)]
pub struct LineIndex<'t> {
    text: &'t str,
    /// The byte offset at which each line starts (after each `\n`); the
    /// first is 0.
    line_starts: Vec<usize>,
    /// The language server's line starts, where a `\r` not followed by
    /// `\n` ends a line too; `None` when the text has no such `\r` and they
    /// are `line_starts`.
    protocol_line_starts: Option<Vec<usize>>,
}

impl<'t> LineIndex<'t> {
    /// Indexes the lines of `text`.
    pub fn new(text: &'t str) -> LineIndex<'t> {
        let bytes = text.as_bytes();
        let line_starts = std::iter::once(0)
            .chain(newlines(bytes).map(|i| i + 1))
            .collect();
        let lone_return = |i: usize| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n');
        let protocol_line_starts = (0..bytes.len()).any(lone_return).then(|| {
            std::iter::once(0)
                .chain(
                    (0..bytes.len())
                        .filter(|&i| bytes[i] == b'\n' || lone_return(i))
                        .map(|i| i + 1),
                )
                .collect()
        });
        LineIndex {
            text,
            line_starts,
            protocol_line_starts,
        }
    }

    /// The text indexed.
    pub fn text(&self) -> &'t str {
        self.text
    }

    /// The largest character boundary at or before `offset`, within the text.
    fn floor_boundary(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// The line (0-based) that holds byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        // `line_starts[0] == 0 <= offset`, so the point is at least 1.
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }

    /// Where line `line` (0-based) starts; past the last line, the end.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len())
    }

    /// Where line `line` (0-based) ends, its newline included; past the
    /// last line, the end.
    pub fn line_end(&self, line: usize) -> usize {
        self.line_start(line + 1)
    }

    /// The user-facing line and column of `offset` (see the module's
    /// documentation).
    pub fn position(&self, offset: usize) -> Position {
        let offset = self.floor_boundary(offset);
        let line = self.line_of(offset);
        let mut line_start = self.line_starts[line];
        if line_start == 0 && self.text.starts_with(BYTE_ORDER_MARK) {
            line_start = BYTE_ORDER_MARK.len_utf8().min(offset);
        }
        Position {
            line: line + 1,
            column: self.text[line_start..offset].chars().count() + 1,
        }
    }

    /// The language server's line starts.
    fn protocol_starts(&self) -> &[usize] {
        self.protocol_line_starts
            .as_deref()
            .unwrap_or(&self.line_starts)
    }

    /// The byte range of the language server's line `line`, without its
    /// line break.
    fn protocol_line(&self, line: usize) -> (usize, usize) {
        let starts = self.protocol_starts();
        let start = starts[line];
        let next = starts.get(line + 1).copied().unwrap_or(self.text.len());
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

    /// The language server's position of `offset`: the 0-based line and the
    /// 0-based offset in UTF-16 code units within it. An offset inside a
    /// line break is the end of the line's content.
    pub fn utf16_position(&self, offset: usize) -> (usize, usize) {
        let offset = self.floor_boundary(offset);
        let line = self.protocol_starts().partition_point(|&s| s <= offset) - 1;
        let (start, end) = self.protocol_line(line);
        let upto = offset.min(end);
        let units = self.text[start..upto].chars().map(char::len_utf16).sum();
        (line, units)
    }

    /// The byte offset of the language server's position (`line`, `units`
    /// UTF-16 code units into it), clamped into the text; a position inside
    /// a surrogate pair is the character's start.
    pub fn utf16_offset(&self, line: usize, units: usize) -> usize {
        if line >= self.protocol_starts().len() {
            return self.text.len();
        }
        let (start, end) = self.protocol_line(line);
        let mut counted = 0usize;
        for (i, c) in self.text[start..end].char_indices() {
            let next = counted + c.len_utf16();
            if next > units {
                return start + i;
            }
            counted = next;
        }
        end
    }

    /// The user-facing positions of a span's start and end (an end before
    /// the start is taken as the start).
    pub fn span_positions(&self, span: Span) -> (Position, Position) {
        (
            self.position(span.start),
            self.position(span.end.max(span.start)),
        )
    }
}

/// The offsets of the `\n` bytes of `bytes`.
fn newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let lines = LineIndex::new("ab\nçd\n");
        assert_eq!(lines.position(0), at(1, 1));
        assert_eq!(lines.position(2), at(1, 3));
        assert_eq!(lines.position(3), at(2, 1));
        // `ç` is two bytes but one column.
        assert_eq!(lines.position(5), at(2, 2));
        // Inside `ç`: the start of `ç`.
        assert_eq!(lines.position(4), at(2, 1));
        // The end of the file, after the last newline.
        assert_eq!(lines.position(7), at(3, 1));
        assert_eq!(lines.position(99), at(3, 1));
    }

    #[test]
    fn a_byte_order_mark_is_no_column() {
        let marked = LineIndex::new("\u{feff}ab\nc");
        assert_eq!(marked.position(0), at(1, 1));
        assert_eq!(marked.position(3), at(1, 1));
        assert_eq!(marked.position(4), at(1, 2));
        assert_eq!(marked.position(6), at(2, 1));
        // For the language server it is a character of the text.
        assert_eq!(marked.utf16_position(3), (0, 1));
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_for_the_language_server_only() {
        let lines = LineIndex::new("a\r\nb\rc");
        assert_eq!(lines.position(5), at(2, 3));
        assert_eq!(lines.utf16_position(3), (1, 0));
        assert_eq!(lines.utf16_position(5), (2, 0));
        // Between `\r` and `\n`: the end of the first line.
        assert_eq!(lines.utf16_position(2), (0, 1));
        assert_eq!(lines.utf16_offset(0, 9), 1);
    }

    #[test]
    fn utf16_code_units() {
        // `é` is 2 bytes and 1 unit; `𝔸` is 4 bytes and 2 units.
        let text = "é𝔸x\ny";
        let lines = LineIndex::new(text);
        assert_eq!(lines.utf16_position(2), (0, 1));
        assert_eq!(lines.utf16_position(6), (0, 3));
        assert_eq!(lines.utf16_offset(0, 3), 6);
        // Inside the surrogate pair: the character's start.
        assert_eq!(lines.utf16_offset(0, 2), 2);
        // Inside a multi-byte character: its start.
        assert_eq!(lines.utf16_position(1), (0, 0));
        assert_eq!(lines.utf16_position(4), (0, 1));
        // The same offset in characters.
        assert_eq!(lines.position(6), at(1, 3));
    }

    #[test]
    fn out_of_range_is_clamped() {
        let lines = LineIndex::new("ab\ncd");
        assert_eq!(lines.utf16_position(99), (1, 2));
        assert_eq!(lines.utf16_offset(7, 0), 5);
        assert_eq!(lines.utf16_offset(0, usize::MAX), 2);
        let empty = LineIndex::new("");
        assert_eq!(empty.position(3), at(1, 1));
        assert_eq!(empty.utf16_position(3), (0, 0));
        assert_eq!(empty.utf16_offset(3, 3), 0);
    }

    #[test]
    fn every_offset_and_position_round_trips_without_panic() {
        let text = "x é\r\n𝔸\ry\n\n";
        let lines = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            let (line, units) = lines.utf16_position(offset);
            let back = lines.utf16_offset(line, units);
            assert!(back <= text.len() && text.is_char_boundary(back));
            let _ = lines.position(offset);
        }
        for line in 0..6 {
            for units in 0..6 {
                assert!(text.is_char_boundary(lines.utf16_offset(line, units)));
            }
        }
    }
}
