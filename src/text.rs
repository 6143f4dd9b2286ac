//! Characters as a user should see them.
//!
//! A spec or a file name can hold characters that cannot be seen (U+200B
//! ZERO WIDTH SPACE), that change how the rest of a line is displayed
//! (U+202E RIGHT-TO-LEFT OVERRIDE), or that command the terminal (U+001B
//! ESCAPE starts the sequences that move the cursor, set the window title or
//! write links). Messages name such a character in words
//! ([`describe_char`]); text shown on a terminal has the dangerous ones
//! replaced by a visible escape such as `\u{1b}` ([`Neutralised`],
//! [`neutralise`]), which the library applies to diagnostics
//! ([`crate::diagnostic::Diagnostic::for_terminal`]) and the CLI to every line
//! it prints for people. Documents for tools (JSON, SARIF) are escaped by
//! their own serialisers instead; JUnit's (quick-junit) drops what XML
//! cannot carry, so the JUnit report is neutralised as well.

use crate::syntax::ast::Span;
use std::borrow::Cow;

/// The Unicode "explicit directional formatting characters" that open or
/// close a run of text displayed in another direction: embeddings,
/// overrides and isolates. Each can make a line read differently from what
/// a parser sees (the "Trojan Source" attack); rustc denies them in
/// comments and literals (`text_direction_codepoint_in_comment`), and dsmc
/// anywhere in a spec (`dsmc::parse::text_direction`).
pub(crate) const TEXT_DIRECTION_CONTROLS: [char; 9] = [
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}',
];

/// The byte order mark: U+FEFF at the start of a file.
pub(crate) const BYTE_ORDER_MARK: char = '\u{FEFF}';

/// Whether `c` is one of [`TEXT_DIRECTION_CONTROLS`].
pub(crate) fn is_text_direction_control(c: char) -> bool {
    TEXT_DIRECTION_CONTROLS.contains(&c)
}

/// Whether `c` must not reach a terminal as it is: a C0 control other than
/// tab and line feed (carriage return is judged by [`Neutralised`], which
/// keeps it before a line feed), DELETE, a C1 control, a character that
/// changes the direction of text (the controls and the three marks), the
/// line and paragraph separators, or a character that is invisible and has
/// no use in a spec (zero width space, word joiner and the invisible
/// operators, soft hyphen, byte order mark, tag characters), so that the
/// mark under it in a report points at something.
pub(crate) fn needs_escape(c: char) -> bool {
    match c {
        '\t' | '\n' => false,
        _ if c.is_control() => true,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}' => true,
        '\u{00AD}' | '\u{180E}' | '\u{200B}' | '\u{2060}'..='\u{2064}' | BYTE_ORDER_MARK => true,
        '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}' => true,
        _ => is_text_direction_control(c),
    }
}

/// Whether a message should name `c` in words rather than show it: it is
/// invisible, blank but not a space, a control, or a mark that would
/// combine with the quote before it.
pub(crate) fn needs_naming(c: char) -> bool {
    c.is_control()
        || (c.is_whitespace() && c != ' ')
        || char_name(c).is_some()
        || is_combining_mark(c)
        || is_private_use(c)
}

/// A character's code point and, when known, its name or what it is:
/// `U+202E RIGHT-TO-LEFT OVERRIDE`, `U+0301 (a combining mark)`.
pub(crate) fn describe_char(c: char) -> String {
    let code = format!("U+{:04X}", u32::from(c));
    if let Some(name) = char_name(c) {
        format!("{code} {name}")
    } else if let Some(n) = variation_selector(c) {
        format!("{code} VARIATION SELECTOR-{n}")
    } else if is_combining_mark(c) {
        format!("{code} (a combining mark)")
    } else if is_private_use(c) {
        format!("{code} (a private-use character)")
    } else if c.is_whitespace() {
        format!("{code} (a space character)")
    } else {
        code
    }
}

/// The name (for controls, the name alias) of the invisible, blank and
/// control characters a spec may hold by accident.
pub(crate) fn char_name(c: char) -> Option<&'static str> {
    const C0: [&str; 32] = [
        "NULL",
        "START OF HEADING",
        "START OF TEXT",
        "END OF TEXT",
        "END OF TRANSMISSION",
        "ENQUIRY",
        "ACKNOWLEDGE",
        "BELL",
        "BACKSPACE",
        "CHARACTER TABULATION",
        "LINE FEED",
        "LINE TABULATION",
        "FORM FEED",
        "CARRIAGE RETURN",
        "SHIFT OUT",
        "SHIFT IN",
        "DATA LINK ESCAPE",
        "DEVICE CONTROL ONE",
        "DEVICE CONTROL TWO",
        "DEVICE CONTROL THREE",
        "DEVICE CONTROL FOUR",
        "NEGATIVE ACKNOWLEDGE",
        "SYNCHRONOUS IDLE",
        "END OF TRANSMISSION BLOCK",
        "CANCEL",
        "END OF MEDIUM",
        "SUBSTITUTE",
        "ESCAPE",
        "INFORMATION SEPARATOR FOUR",
        "INFORMATION SEPARATOR THREE",
        "INFORMATION SEPARATOR TWO",
        "INFORMATION SEPARATOR ONE",
    ];
    const C1: [&str; 32] = [
        "PADDING CHARACTER",
        "HIGH OCTET PRESET",
        "BREAK PERMITTED HERE",
        "NO BREAK HERE",
        "INDEX",
        "NEXT LINE",
        "START OF SELECTED AREA",
        "END OF SELECTED AREA",
        "CHARACTER TABULATION SET",
        "CHARACTER TABULATION WITH JUSTIFICATION",
        "LINE TABULATION SET",
        "PARTIAL LINE FORWARD",
        "PARTIAL LINE BACKWARD",
        "REVERSE LINE FEED",
        "SINGLE SHIFT TWO",
        "SINGLE SHIFT THREE",
        "DEVICE CONTROL STRING",
        "PRIVATE USE ONE",
        "PRIVATE USE TWO",
        "SET TRANSMIT STATE",
        "CANCEL CHARACTER",
        "MESSAGE WAITING",
        "START OF GUARDED AREA",
        "END OF GUARDED AREA",
        "START OF STRING",
        "SINGLE GRAPHIC CHARACTER INTRODUCER",
        "SINGLE CHARACTER INTRODUCER",
        "CONTROL SEQUENCE INTRODUCER",
        "STRING TERMINATOR",
        "OPERATING SYSTEM COMMAND",
        "PRIVACY MESSAGE",
        "APPLICATION PROGRAM COMMAND",
    ];
    let code = u32::from(c);
    Some(match c {
        '\u{0}'..='\u{1F}' => C0[code as usize],
        '\u{7F}' => "DELETE",
        '\u{80}'..='\u{9F}' => C1[(code - 0x80) as usize],
        '\u{A0}' => "NO-BREAK SPACE",
        '\u{AD}' => "SOFT HYPHEN",
        '\u{34F}' => "COMBINING GRAPHEME JOINER",
        '\u{61C}' => "ARABIC LETTER MARK",
        '\u{115F}' => "HANGUL CHOSEONG FILLER",
        '\u{1160}' => "HANGUL JUNGSEONG FILLER",
        '\u{1680}' => "OGHAM SPACE MARK",
        '\u{180E}' => "MONGOLIAN VOWEL SEPARATOR",
        '\u{2000}' => "EN QUAD",
        '\u{2001}' => "EM QUAD",
        '\u{2002}' => "EN SPACE",
        '\u{2003}' => "EM SPACE",
        '\u{2004}' => "THREE-PER-EM SPACE",
        '\u{2005}' => "FOUR-PER-EM SPACE",
        '\u{2006}' => "SIX-PER-EM SPACE",
        '\u{2007}' => "FIGURE SPACE",
        '\u{2008}' => "PUNCTUATION SPACE",
        '\u{2009}' => "THIN SPACE",
        '\u{200A}' => "HAIR SPACE",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{202F}' => "NARROW NO-BREAK SPACE",
        '\u{205F}' => "MEDIUM MATHEMATICAL SPACE",
        '\u{2060}' => "WORD JOINER",
        '\u{2061}' => "FUNCTION APPLICATION",
        '\u{2062}' => "INVISIBLE TIMES",
        '\u{2063}' => "INVISIBLE SEPARATOR",
        '\u{2064}' => "INVISIBLE PLUS",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{206A}' => "INHIBIT SYMMETRIC SWAPPING",
        '\u{206B}' => "ACTIVATE SYMMETRIC SWAPPING",
        '\u{206C}' => "INHIBIT ARABIC FORM SHAPING",
        '\u{206D}' => "ACTIVATE ARABIC FORM SHAPING",
        '\u{206E}' => "NATIONAL DIGIT SHAPES",
        '\u{206F}' => "NOMINAL DIGIT SHAPES",
        '\u{3000}' => "IDEOGRAPHIC SPACE",
        '\u{3164}' => "HANGUL FILLER",
        BYTE_ORDER_MARK => "ZERO WIDTH NO-BREAK SPACE (a byte order mark)",
        '\u{FFA0}' => "HALFWIDTH HANGUL FILLER",
        '\u{FFF9}' => "INTERLINEAR ANNOTATION ANCHOR",
        '\u{FFFA}' => "INTERLINEAR ANNOTATION SEPARATOR",
        '\u{FFFB}' => "INTERLINEAR ANNOTATION TERMINATOR",
        '\u{FFFC}' => "OBJECT REPLACEMENT CHARACTER",
        '\u{FFFD}' => "REPLACEMENT CHARACTER",
        '\u{E0001}' => "LANGUAGE TAG",
        '\u{E0020}'..='\u{E007F}' => "(a tag character)",
        _ => return None,
    })
}

/// `n` for VARIATION SELECTOR-`n`.
fn variation_selector(c: char) -> Option<u32> {
    let code = u32::from(c);
    match code {
        0xFE00..=0xFE0F => Some(code - 0xFE00 + 1),
        0xE0100..=0xE01EF => Some(code - 0xE0100 + 17),
        _ => None,
    }
}

/// The blocks of combining marks, which draw over the character before
/// them (a backtick, in a message). Not every combining mark, but those a
/// slip of an editor or an input method gives.
fn is_combining_mark(c: char) -> bool {
    matches!(
        u32::from(c),
        0x0300..=0x036F
            | 0x1AB0..=0x1AFF
            | 0x1DC0..=0x1DFF
            | 0x20D0..=0x20FF
            | 0xFE20..=0xFE2F
    ) || variation_selector(c).is_some()
}

/// Private-use code points, which no font is required to draw.
fn is_private_use(c: char) -> bool {
    matches!(
        u32::from(c),
        0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD
    )
}

/// Text with every character that [`needs_escape`] written as a visible
/// escape (`\u{1b}`, `\u{202e}`), remembering where the text changed
/// length so that a span of the original text can be moved onto the shown
/// one. A carriage return stays before a line feed (a Windows line end) and
/// is escaped elsewhere, where it would send the cursor back over the line.
/// A byte order mark that starts the text is left out, as editors do, so
/// that columns on the first line are the editor's.
#[derive(Clone, Debug)]
pub struct Neutralised<'a> {
    text: Cow<'a, str>,
    /// For each changed character, in order: its offset in the original
    /// text and how many bytes longer (or shorter) the text is after it.
    growth: Vec<(usize, isize)>,
}

impl<'a> Neutralised<'a> {
    /// Escapes what must be escaped in the source text `original`, and
    /// leaves out a byte order mark that starts it.
    pub fn new(original: &'a str) -> Neutralised<'a> {
        Neutralised::build(original, true)
    }

    /// [`Neutralised::new`] for a piece of a source: a byte order mark
    /// is left out only when the piece starts the file.
    pub fn excerpt(original: &'a str, starts_file: bool) -> Neutralised<'a> {
        Neutralised::build(original, starts_file)
    }

    fn build(original: &'a str, drop_mark: bool) -> Neutralised<'a> {
        let has_mark = drop_mark && original.starts_with(BYTE_ORDER_MARK);
        if !has_mark
            && !original
                .char_indices()
                .any(|(i, c)| escaped(original, i, c))
        {
            return Neutralised {
                text: Cow::Borrowed(original),
                growth: Vec::new(),
            };
        }
        let mut text = String::with_capacity(original.len() + 16);
        let mut growth = Vec::new();
        let mut total: isize = 0;
        for (i, c) in original.char_indices() {
            let before = text.len();
            if i == 0 && has_mark {
                // Left out.
            } else if escaped(original, i, c) {
                text.extend(c.escape_unicode());
            } else {
                text.push(c);
                continue;
            }
            // Lengths of text fit in `isize`.
            total += (text.len() - before) as isize - c.len_utf8() as isize;
            growth.push((i, total));
        }
        Neutralised {
            text: Cow::Owned(text),
            growth,
        }
    }

    /// The text to show.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The shown text, owned.
    pub fn into_text(self) -> String {
        self.text.into_owned()
    }

    /// Whether anything was escaped.
    pub fn changed(&self) -> bool {
        !self.growth.is_empty()
    }

    /// Where an offset of the original text is in the shown text: the start
    /// of an escaped character maps to the start of its escape, an offset
    /// past the end to the end.
    pub fn offset(&self, original: usize) -> usize {
        let before = self.growth.partition_point(|&(at, _)| at < original);
        let shown = match before {
            0 => original,
            n => original.saturating_add_signed(self.growth[n - 1].1),
        };
        shown.min(self.text.len())
    }

    /// A span of the original text, on the shown text.
    pub fn span(&self, span: Span) -> Span {
        Span::new(self.offset(span.start), self.offset(span.end))
    }
}

/// Whether the character `c` at `i` in `text` is escaped.
fn escaped(text: &str, i: usize, c: char) -> bool {
    match c {
        '\r' => text.as_bytes().get(i + 1) != Some(&b'\n'),
        _ => needs_escape(c),
    }
}

/// `text` with what [`needs_escape`] escaped, for a line shown on a
/// terminal (see [`Neutralised`]; a byte order mark at its start is
/// escaped, not left out).
pub fn neutralise(text: &str) -> Cow<'_, str> {
    Neutralised::build(text, false).text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_spans_follow() {
        let original = "a\u{1b}]0;x\u{7}b\u{202e}c\r\nd\re";
        let shown = Neutralised::new(original);
        assert_eq!(shown.text(), "a\\u{1b}]0;x\\u{7}b\\u{202e}c\r\nd\\u{d}e");
        // `b` is at 7 in the original.
        assert_eq!(&shown.text()[shown.offset(7)..][..1], "b");
        // The escape's start and its end.
        assert_eq!(shown.span(Span::new(1, 2)), Span::new(1, 7));
        let e = original.find('e').unwrap();
        assert_eq!(&shown.text()[shown.offset(e)..], "e");
        assert_eq!(shown.offset(original.len()), shown.text().len());
    }

    #[test]
    fn a_leading_byte_order_mark_is_left_out() {
        let original = "\u{feff}protocol P\u{1b}";
        let shown = Neutralised::new(original);
        assert_eq!(shown.text(), "protocol P\\u{1b}");
        assert_eq!(shown.offset(0), 0);
        assert_eq!(shown.offset(3), 0);
        // The escape character, after `protocol P` (3..13).
        assert_eq!(shown.span(Span::new(13, 14)), Span::new(10, 16));
        // A mark elsewhere, or in a line that is not a source, is escaped.
        assert_eq!(neutralise("a\u{feff}"), "a\\u{feff}");
        assert_eq!(neutralise("\u{feff}a"), "\\u{feff}a");
    }

    #[test]
    fn plain_text_is_borrowed() {
        let shown = Neutralised::new("protocol P\r\n\tnode é\n");
        assert!(!shown.changed());
        assert!(matches!(shown.text, Cow::Borrowed(_)));
        assert_eq!(shown.offset(5), 5);
    }

    #[test]
    fn odd_characters_are_named() {
        assert_eq!(describe_char('\u{a0}'), "U+00A0 NO-BREAK SPACE");
        assert_eq!(describe_char('\u{1b}'), "U+001B ESCAPE");
        assert_eq!(
            describe_char('\u{9b}'),
            "U+009B CONTROL SEQUENCE INTRODUCER"
        );
        assert_eq!(describe_char('\u{202e}'), "U+202E RIGHT-TO-LEFT OVERRIDE");
        assert_eq!(describe_char('\u{fe0f}'), "U+FE0F VARIATION SELECTOR-16");
        assert_eq!(describe_char('\u{200b}'), "U+200B ZERO WIDTH SPACE");
        assert_eq!(describe_char('\u{301}'), "U+0301 (a combining mark)");
        assert!(
            TEXT_DIRECTION_CONTROLS
                .iter()
                .all(|&c| char_name(c).is_some())
        );
    }
}
