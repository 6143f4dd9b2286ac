//! The protocol's framing (`Content-Length: N`, a blank line, N bytes of
//! JSON) on a byte stream, bounded and forgiving.
//!
//! `lsp-server`'s own reader allocates whatever `Content-Length` says (a
//! client that writes `Content-Length: 1000000000000` aborted the process
//! on a failed allocation) and ends the connection at the first malformed
//! header or body. This reader keeps `lsp-server`'s `Message` types but:
//!
//! - refuses a message longer than [`MAX_MESSAGE_BYTES`] without reading it
//!   into memory, and grows a body's buffer only as its bytes arrive;
//! - reads header lines of at most [`MAX_HEADER_LINE`] bytes (the tail of a
//!   longer line is kept, as a header that follows garbage without a line
//!   break is found there);
//! - skips what is not a header until the next `Content-Length` header,
//!   found at the start of a line or after garbage on the same line, so one
//!   bad message costs that message only;
//! - answers a body that is not JSON (`-32700`, id `null`), a JSON value
//!   that is not a message (`-32600`, its id when it has one) and a message
//!   over the limit (`-32600`, id `null`) with an error response, as
//!   JSON-RPC asks.
//!
//! Everything it skips or refuses is said on stderr. The resynchronisation
//! is a best effort: a refused message's body is skipped as garbage, and a
//! `Content-Length:` inside it (in a document's text) is taken for a header.

use std::io::{self, BufRead, Read, Write};

use lsp_server::{ErrorCode, Message};
use serde_json::{Value, json};

/// The largest message accepted: 64 MiB, far above any spec an editor
/// sends (the whole text of a spec travels in `didOpen` and `didChange`).
pub const MAX_MESSAGE_BYTES: u64 = 64 << 20;

/// The longest header line kept: a real header is a few dozen bytes.
pub const MAX_HEADER_LINE: usize = 8 << 10;

/// What the reader found next on its input.
#[derive(Debug)]
pub enum Incoming {
    /// A message.
    Message(Message),
    /// Bytes that were no message's header, skipped to find the next one,
    /// and why the first of them was skipped.
    Skipped { bytes: u64, why: String },
    /// A message that was framed but is refused: why, and the error
    /// response the protocol asks for (its code and the request's id, or
    /// `null` when it is not known).
    Refused { why: String, code: i32, id: Value },
}

/// A line of input: its last [`MAX_HEADER_LINE`] bytes or more (without
/// the line break), its whole length (with it), and how many bytes of its
/// start were dropped.
struct Line {
    text: Vec<u8>,
    length: u64,
    dropped: u64,
}

/// Reads [`Incoming`]s from a byte stream.
pub struct Reader<R> {
    input: R,
    /// Found while reading a message's headers, returned before it.
    pending: Option<Incoming>,
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R) -> Reader<R> {
        Reader {
            input,
            pending: None,
        }
    }

    /// The next thing on the input; `None` at its end (an incomplete
    /// message at the end is dropped).
    pub fn next(&mut self) -> io::Result<Option<Incoming>> {
        if let Some(pending) = self.pending.take() {
            return Ok(Some(pending));
        }
        let mut skipped = Skipped::default();
        let Some(length) = self.headers(&mut skipped)? else {
            return Ok(skipped.take());
        };
        if length > MAX_MESSAGE_BYTES {
            let refused = Incoming::Refused {
                why: format!(
                    "a message of {length} bytes is longer than the limit of {} MiB; it is skipped",
                    MAX_MESSAGE_BYTES >> 20
                ),
                code: ErrorCode::InvalidRequest as i32,
                id: Value::Null,
            };
            return Ok(Some(self.after(skipped, refused)));
        }
        let mut body = Vec::with_capacity(length.min(1 << 20) as usize);
        (&mut self.input).take(length).read_to_end(&mut body)?;
        if (body.len() as u64) < length {
            // The client closed the stream in the middle of a message.
            return Ok(skipped.take());
        }
        let incoming = parse(&body);
        Ok(Some(self.after(skipped, incoming)))
    }

    /// `incoming`, after the notice of what was skipped before it, if
    /// anything was.
    fn after(&mut self, mut skipped: Skipped, incoming: Incoming) -> Incoming {
        match skipped.take() {
            Some(notice) => {
                self.pending = Some(incoming);
                notice
            }
            None => incoming,
        }
    }

    /// Reads blocks of headers up to a good one's blank line: the
    /// message's length, or the end of the input. Lines that are not
    /// headers, and blocks without a usable `Content-Length`, are counted
    /// in `skipped`.
    fn headers(&mut self, skipped: &mut Skipped) -> io::Result<Option<u64>> {
        let mut length: Option<u64> = None;
        // The bytes of this block's headers so far, skipped with it if it
        // turns out bad.
        let mut block = 0u64;
        loop {
            let Some(line) = self.line()? else {
                skipped.add(block, "the input ended inside a message's headers");
                return Ok(None);
            };
            if line.text.is_empty() {
                if block == 0 {
                    // Blank lines between messages are harmless; among
                    // garbage they are garbage.
                    skipped.extend(line.length);
                    continue;
                }
                block += line.length;
                if length.is_some() {
                    return Ok(length);
                }
                skipped.add(block, "a block of headers without `Content-Length`");
                block = 0;
                continue;
            }
            // A `Content-Length:` after other bytes on the line starts a
            // new block: what came before it is garbage, and so is the
            // block it interrupted.
            let (at, header) = match find_content_length(&line.text) {
                Some(at) => (at, header(&line.text[at..])),
                None => (0, header(&line.text)),
            };
            let garbage = if header.is_none() {
                line.length
            } else {
                line.dropped + at as u64
            };
            if garbage > 0 {
                skipped.add(block + garbage, "bytes that are not a `Name: value` header");
                block = 0;
                length = None;
            }
            let Some((name, value)) = header else {
                continue;
            };
            block += line.length - garbage;
            if !name.eq_ignore_ascii_case("content-length") {
                continue;
            }
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                skipped.add(block, "a `Content-Length` that is not a number");
                block = 0;
                length = None;
                continue;
            }
            // Too many digits for 64 bits is too long all the same.
            length = Some(value.parse::<u64>().unwrap_or(u64::MAX));
        }
    }

    /// The next line, or `None` at the end of the input. A line longer
    /// than [`MAX_HEADER_LINE`] keeps its tail.
    fn line(&mut self) -> io::Result<Option<Line>> {
        let mut text = Vec::new();
        let mut length = 0u64;
        let mut dropped = 0u64;
        loop {
            let buffer = match self.input.fill_buf() {
                Ok(buffer) => buffer,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buffer.is_empty() {
                return Ok((length > 0).then(|| Line {
                    text: trim_line_break(text),
                    length,
                    dropped,
                }));
            }
            let (taken, done) = match buffer.iter().position(|&b| b == b'\n') {
                Some(at) => (at + 1, true),
                None => (buffer.len(), false),
            };
            text.extend_from_slice(&buffer[..taken]);
            self.input.consume(taken);
            length += taken as u64;
            if text.len() > 2 * MAX_HEADER_LINE {
                let cut = text.len() - MAX_HEADER_LINE;
                text.drain(..cut);
                dropped += cut as u64;
            }
            if done {
                return Ok(Some(Line {
                    text: trim_line_break(text),
                    length,
                    dropped,
                }));
            }
        }
    }
}

/// Bytes skipped before a message, and why the first were.
#[derive(Default)]
struct Skipped {
    bytes: u64,
    why: Option<&'static str>,
}

impl Skipped {
    fn add(&mut self, bytes: u64, why: &'static str) {
        if bytes == 0 {
            return;
        }
        self.bytes += bytes;
        self.why.get_or_insert(why);
    }

    /// Adds bytes to a run of garbage, if one has begun.
    fn extend(&mut self, bytes: u64) {
        if self.why.is_some() {
            self.bytes += bytes;
        }
    }

    fn take(&mut self) -> Option<Incoming> {
        let why = self.why.take()?;
        let bytes = std::mem::take(&mut self.bytes);
        Some(Incoming::Skipped {
            bytes,
            why: why.to_string(),
        })
    }
}

fn trim_line_break(mut text: Vec<u8>) -> Vec<u8> {
    if text.last() == Some(&b'\n') {
        text.pop();
        if text.last() == Some(&b'\r') {
            text.pop();
        }
    }
    text
}

/// A header line's name and value: a token, `:`, the value (spaces around
/// it trimmed). `None` for anything else.
fn header(line: &[u8]) -> Option<(&str, &str)> {
    let line = std::str::from_utf8(line).ok()?;
    let (name, value) = line.split_once(':')?;
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return None;
    }
    Some((name, value.trim_matches([' ', '\t'])))
}

/// Where a `Content-Length:` header starts inside a line of garbage (not
/// at its start, which is no garbage).
fn find_content_length(line: &[u8]) -> Option<usize> {
    const NAME: &[u8] = b"content-length:";
    (1..line.len().saturating_sub(NAME.len() - 1))
        .find(|&at| line[at..at + NAME.len()].eq_ignore_ascii_case(NAME))
}

/// A message's body as a message, or why it is refused.
fn parse(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            return Incoming::Refused {
                why: format!("a message that is not JSON ({e}); it is skipped"),
                code: ErrorCode::ParseError as i32,
                id: Value::Null,
            };
        }
    };
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    match serde_json::from_value::<Message>(value) {
        Ok(message) => Incoming::Message(message),
        Err(e) => Incoming::Refused {
            why: format!("a JSON value that is not a JSON-RPC message ({e}); it is skipped"),
            code: ErrorCode::InvalidRequest as i32,
            id,
        },
    }
}

/// Writes a message with its framing.
pub fn write_message(output: &mut impl Write, message: Message) -> io::Result<()> {
    message.write(output)
}

/// Writes the error response for a refused message: `lsp-server`'s
/// `Response` cannot carry the `null` id JSON-RPC asks for when the
/// request's id is not known.
pub fn write_error(output: &mut impl Write, code: i32, id: &Value, why: &str) -> io::Result<()> {
    let body = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code, "message": why },
    })
    .to_string();
    write!(output, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#;

    /// Everything read from `input`, in words: `message M`, `skipped N`,
    /// `refused CODE ID`.
    fn read_all(input: &[u8]) -> Vec<String> {
        let mut reader = Reader::new(input);
        let mut out = Vec::new();
        while let Some(incoming) = reader.next().expect("no IO error on a slice") {
            out.push(match incoming {
                Incoming::Message(Message::Request(r)) => format!("request {}", r.method),
                Incoming::Message(Message::Notification(n)) => format!("notification {}", n.method),
                Incoming::Message(Message::Response(_)) => "response".to_string(),
                Incoming::Skipped { bytes, .. } => format!("skipped {bytes}"),
                Incoming::Refused { code, id, .. } => format!("refused {code} {id}"),
            });
        }
        out
    }

    #[test]
    fn messages_one_after_another() {
        let input = format!("{}{}", frame(INIT), frame(r#"{"method":"exit"}"#));
        assert_eq!(
            read_all(input.as_bytes()),
            ["request initialize", "notification exit"]
        );
    }

    #[test]
    fn a_huge_length_is_refused_without_allocating_it() {
        let input = format!("Content-Length: 1000000000000\r\n\r\n{}", frame(INIT));
        assert_eq!(
            read_all(input.as_bytes()),
            ["refused -32600 null", "request initialize"]
        );
        let input = format!("Content-Length: {}\r\n\r\n{}", "9".repeat(40), frame(INIT));
        assert_eq!(
            read_all(input.as_bytes()),
            ["refused -32600 null", "request initialize"]
        );
    }

    #[test]
    fn garbage_is_skipped_up_to_the_next_header() {
        // A line of garbage, garbage glued to a header, a header without
        // its colon, a length that is not a number, no length at all.
        for garbage in [
            "hello\r\n",
            "hello",
            "{\"half\": ",
            "Content-Length 5\r\n\r\n",
            "Content-Length: five\r\n\r\n",
            "Content-Type: x\r\n\r\n",
            "\u{0}\u{1}\u{2}\r\n",
        ] {
            let input = format!("{garbage}{}", frame(INIT));
            assert_eq!(
                read_all(input.as_bytes()),
                [
                    format!("skipped {}", garbage.len()),
                    "request initialize".into()
                ],
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn a_long_line_of_garbage_keeps_the_header_at_its_end() {
        let input = format!("{}{}", "x".repeat(100_000), frame(INIT));
        assert_eq!(
            read_all(input.as_bytes()),
            ["skipped 100000", "request initialize"]
        );
    }

    #[test]
    fn bodies_that_are_not_messages_are_answered() {
        let input = [
            frame("{not json"),
            frame(r#"{"id": 7, "method": 5}"#),
            frame("[1, 2]"),
            frame(INIT),
        ]
        .concat();
        assert_eq!(
            read_all(input.as_bytes()),
            [
                "refused -32700 null",
                "refused -32600 7",
                "refused -32600 null",
                "request initialize"
            ]
        );
    }

    #[test]
    fn bare_line_feeds_and_blank_lines_are_accepted() {
        let input = format!(
            "\r\n\nContent-Length: {}\n\n{INIT}\r\n{}",
            INIT.len(),
            frame(INIT)
        );
        assert_eq!(
            read_all(input.as_bytes()),
            ["request initialize", "request initialize"]
        );
    }

    #[test]
    fn an_input_that_ends_inside_a_message_ends_the_reading() {
        assert_eq!(
            read_all(b"Content-Length: 50\r\n\r\n{\"a\""),
            Vec::<String>::new()
        );
        assert_eq!(read_all(b"Content-Len"), ["skipped 11"]);
    }
}
