//! Byte offsets (dsmc's spans) to LSP positions and back: lsp-types' words
//! for [`LineIndex::utf16_position`] and [`LineIndex::utf16_offset`], the
//! one line index's language-server convention (0-based lines ending at
//! `\n`, `\r\n` or `\r`; characters in UTF-16 code units). Neither
//! direction panics.

use dsmc::lines::LineIndex;
use dsmc::syntax::ast::Span;
use lsp_types::{Position, Range};

/// The language server's conversions on a [`LineIndex`].
pub trait LspPositions {
    /// The position of a byte offset.
    fn lsp_position(&self, offset: usize) -> Position;
    /// The range of a span.
    fn lsp_range(&self, span: Span) -> Range;
    /// The byte offset of a position, clamped into the text.
    fn lsp_offset(&self, position: Position) -> usize;
}

impl LspPositions for LineIndex<'_> {
    fn lsp_position(&self, offset: usize) -> Position {
        let (line, units) = self.utf16_position(offset);
        Position::new(to_u32(line), to_u32(units))
    }

    fn lsp_range(&self, span: Span) -> Range {
        let start = self.lsp_position(span.start);
        let end = self.lsp_position(span.end.max(span.start));
        Range::new(start, end)
    }

    fn lsp_offset(&self, position: Position) -> usize {
        self.utf16_offset(position.line as usize, position.character as usize)
    }
}

/// A count as LSP's `u32`, saturating (a text over 4 GiB is not a spec).
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_in_utf16() {
        // `é` is 2 bytes and 1 unit; `𝔸` is 4 bytes and 2 units.
        let lines = LineIndex::new("é𝔸x\r\ny");
        assert_eq!(lines.lsp_position(6), Position::new(0, 3));
        assert_eq!(lines.lsp_offset(Position::new(0, 3)), 6);
        assert_eq!(lines.lsp_offset(Position::new(1, 0)), 9);
        assert_eq!(
            lines.lsp_range(Span::new(9, 2)),
            Range::new(Position::new(1, 0), Position::new(1, 0))
        );
        assert_eq!(lines.lsp_offset(Position::new(0, u32::MAX)), 7);
    }
}
