//! `dsmc lsp` driven as an editor drives it: the built binary over stdin and
//! stdout, with the protocol's `Content-Length` framing. Every wait has a
//! timeout and the server is killed when a test ends, so no test can hang.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any one answer may take.
const TIMEOUT: Duration = Duration::from_secs(20);

const URI: &str = "file:///work/spec.ds";

/// A running `dsmc lsp` and the messages it has sent.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    /// Notifications received while waiting for a response.
    pending: Vec<Value>,
    next_id: i64,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dsmc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("dsmc lsp starts");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        Server {
            child,
            stdin,
            messages,
            pending: Vec::new(),
            next_id: 1,
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        let stdin = self.stdin.as_mut().expect("stdin is open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write to server");
        stdin.flush().expect("flush to server");
    }

    /// Writes bytes as they are, framing or not.
    fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(bytes).expect("write to server");
        stdin.flush().expect("flush to server");
    }

    /// The next error response with a `null` id: the answer to a message
    /// the server could not read.
    fn null_id_error(&mut self) -> Value {
        let is_it = |m: &Value| m.get("id") == Some(&Value::Null) && m.get("error").is_some();
        if let Some(i) = self.pending.iter().position(is_it) {
            return self.pending.remove(i)["error"].clone();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.receive(deadline);
            if is_it(&message) {
                return message["error"].clone();
            }
            self.pending.push(message);
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns the whole response.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.receive(deadline);
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return message;
            }
            self.pending.push(message);
        }
    }

    /// Sends a request and returns its result, which must not be an error.
    fn call(&mut self, method: &str, params: Value) -> Value {
        let response = self.request(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    fn receive(&mut self, deadline: Instant) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.messages.recv_timeout(left) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("no message from dsmc lsp in {TIMEOUT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("dsmc lsp closed its output"),
        }
    }

    /// The next notification of a method (earlier ones of other methods are
    /// dropped).
    fn notification(&mut self, method: &str) -> Value {
        if let Some(i) = self.pending.iter().position(|m| m["method"] == method) {
            return self.pending.remove(i)["params"].clone();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.receive(deadline);
            if message["method"] == method {
                return message["params"].clone();
            }
        }
    }

    fn diagnostics(&mut self) -> Vec<Value> {
        let params = self.notification("textDocument/publishDiagnostics");
        assert_eq!(params["uri"], URI);
        params["diagnostics"]
            .as_array()
            .expect("diagnostics is an array")
            .clone()
    }

    /// A started, initialized server with `text` open, which must check
    /// without errors.
    fn without_errors(text: &str) -> Server {
        let mut server = Server::start();
        server.initialize();
        server.open(text);
        let errors: Vec<Value> = (server.diagnostics().into_iter())
            .filter(|d| d["severity"] == 1)
            .collect();
        assert_eq!(errors, Vec::<Value>::new());
        server
    }

    fn initialize(&mut self) -> Value {
        let result = self.call(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": {} }),
        );
        self.notify("initialized", json!({}));
        result
    }

    fn open(&mut self, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": URI, "languageId": "dsmc", "version": 1, "text": text } }),
        );
    }

    fn change(&mut self, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": URI, "version": version },
                "contentChanges": [{ "text": text }],
            }),
        );
    }

    fn at(&mut self, method: &str, line: u32, character: u32) -> Value {
        self.call(
            method,
            json!({
                "textDocument": { "uri": URI },
                "position": { "line": line, "character": character },
            }),
        )
    }

    /// Waits for the process to end and returns its exit code.
    fn wait(&mut self) -> Option<i32> {
        // Closing stdin as a client does when it is done.
        self.stdin = None;
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for dsmc lsp") {
                return status.code();
            }
            assert!(Instant::now() < deadline, "dsmc lsp did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn shutdown_and_exit(&mut self) -> Option<i32> {
        assert_eq!(self.call("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        self.wait()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads one framed message; `None` at the end of the stream.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn range(start: (u32, u32), end: (u32, u32)) -> Value {
    json!({
        "start": { "line": start.0, "character": start.1 },
        "end": { "line": end.0, "character": end.1 },
    })
}

/// A spec with a type error: an enum compared with an integer (line 9).
const BROKEN: &str = "\
protocol Ping
// A comment with wide characters: é, 𝔸.
const N: int = 2
message Ping(seq: 0..N)

node Client {
  var sent: 0..N = 0
  var phase: enum { idle, waiting } = idle
  action go when phase == 0 {
    phase = waiting
    send Server Ping(sent)
  }
}

node Server {
  var last: 0..N = 0
  on Ping(s) { last = s }
}

invariant bounded: Server.last <= N
";

/// The same spec, fixed.
fn fixed() -> String {
    BROKEN.replace("phase == 0", "phase == idle")
}

#[test]
fn diagnostics_hover_definition_symbols_and_shutdown() {
    let mut server = Server::start();
    let init = server.initialize();
    let capabilities = &init["capabilities"];
    assert_eq!(capabilities["hoverProvider"], true);
    assert_eq!(capabilities["definitionProvider"], true);
    assert_eq!(capabilities["documentSymbolProvider"], true);
    assert_eq!(init["serverInfo"]["name"], "dsmc");

    // An error: the range of the `0`, the code, the severity.
    server.open(BROKEN);
    let diagnostics = server.diagnostics();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "dsmc::typeck::mismatch");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "dsmc");
    assert_eq!(d["range"], range((8, 26), (8, 27)));
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("mismatched types"),
        "{d}"
    );

    // A syntax error after a wide character: the range counts UTF-16 units
    // (`𝔸` is one character, two units and four bytes).
    server.change(
        2,
        &fixed().replace("var sent: 0..N = 0", "var sent: 0..N = 𝔸"),
    );
    let diagnostics = server.diagnostics();
    assert_eq!(diagnostics[0]["code"], "dsmc::parse::syntax");
    assert_eq!(diagnostics[0]["range"], range((6, 19), (6, 21)));

    // Fixed: the diagnostics are cleared.
    server.change(3, &fixed());
    assert_eq!(server.diagnostics(), Vec::<Value>::new());

    // Hover on `phase` in `phase = waiting`: the var's type.
    let hover = server.at("textDocument/hover", 9, 6);
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("var Client.phase: enum { idle, waiting }"),
        "{text}"
    );
    assert_eq!(hover["range"], range((9, 4), (9, 9)));

    // Hover on the message in `send`: its payload; on `N`: its value.
    let hover = server.at("textDocument/hover", 10, 18);
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("message Ping(seq: 0..N)"), "{text}");
    let hover = server.at("textDocument/hover", 19, 34);
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("const N: int = 2"), "{text}");

    // Go to the declaration of `Ping` from the `send`.
    let definition = server.at("textDocument/definition", 10, 18);
    assert_eq!(definition["uri"], URI);
    assert_eq!(definition["range"], range((3, 8), (3, 12)));
    // ... and of `Server.last` from the property.
    let definition = server.at("textDocument/definition", 19, 27);
    assert_eq!(definition["range"], range((15, 6), (15, 10)));
    // Every use of `Ping`, without its declaration.
    let references = server.call(
        "textDocument/references",
        json!({
            "textDocument": { "uri": URI },
            "position": { "line": 3, "character": 9 },
            "context": { "includeDeclaration": false },
        }),
    );
    let ranges: Vec<&Value> = references
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["range"])
        .collect();
    assert_eq!(
        ranges,
        [&range((10, 16), (10, 20)), &range((16, 5), (16, 9))]
    );
    // Nothing under the cursor: null.
    assert_eq!(server.at("textDocument/hover", 4, 0), Value::Null);

    // The outline: nodes with their members, messages, properties, constants.
    let symbols = server.call(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": URI } }),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["N", "Ping", "Client", "Server", "bounded"]);
    let client = &symbols[2];
    let members: Vec<&str> = client["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["sent", "phase", "go"]);
    assert_eq!(client["selectionRange"], range((5, 5), (5, 11)));
    assert_eq!(symbols[3]["children"][1]["name"], "on Ping");

    // Closing the document clears its diagnostics.
    server.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": URI } }),
    );
    assert_eq!(server.diagnostics(), Vec::<Value>::new());

    assert_eq!(server.shutdown_and_exit(), Some(0));
}

#[test]
fn odd_requests_get_answers_and_the_server_survives() {
    let mut server = Server::start();
    server.initialize();
    server.open("protocol P\nnode A { var x: bool = false }\n");
    assert_eq!(server.diagnostics().len(), 1, "an unused var warning");
    // Positions past the end of a line and of the text.
    for (line, character) in [(0, 999), (1, u32::MAX), (99, 3)] {
        let _ = server.at("textDocument/hover", line, character);
        let _ = server.at("textDocument/definition", line, character);
    }
    // A document that is not open.
    let hover = server.call(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "file:///nowhere.ds" }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(hover, Value::Null);
    // Parameters that do not fit, and a method the server does not know.
    let response = server.request("textDocument/hover", json!({ "nonsense": 1 }));
    assert_eq!(response["error"]["code"], -32602);
    let response = server.request("textDocument/formatting", json!({}));
    assert_eq!(response["error"]["code"], -32601);
    // A ranged change, though full sync is advertised: `false` becomes `𝔸`.
    server.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": URI, "version": 2 },
            "contentChanges": [{ "range": range((1, 23), (1, 28)), "text": "𝔸" }],
        }),
    );
    let diagnostics = server.diagnostics();
    assert_eq!(diagnostics[0]["code"], "dsmc::parse::syntax");
    assert_eq!(diagnostics[0]["range"], range((1, 23), (1, 25)));
    // A text that does not parse still gets an answer everywhere.
    server.change(3, "protocol P\nnode A { var x: bool = ");
    assert_eq!(server.diagnostics()[0]["code"], "dsmc::parse::syntax");
    assert_eq!(server.at("textDocument/hover", 1, 10), Value::Null);
    // After `shutdown`, requests are refused until `exit`.
    assert_eq!(server.call("shutdown", Value::Null), Value::Null);
    let response = server.request("textDocument/hover", json!({}));
    assert_eq!(response["error"]["code"], -32600);
    server.notify("exit", Value::Null);
    assert_eq!(server.wait(), Some(0));
}

#[test]
fn exit_without_shutdown_is_an_error() {
    let mut server = Server::start();
    server.initialize();
    server.notify("exit", Value::Null);
    assert_eq!(server.wait(), Some(1));
}

/// `Content-Length: 1000000000000` once aborted the server (a failed
/// allocation): now the message is refused unread with an error response
/// (id `null`, as JSON-RPC asks when the id is unknown) and the server
/// goes on with the next one.
#[test]
fn a_huge_content_length_is_refused_and_the_server_goes_on() {
    let mut server = Server::start();
    server.send_raw(b"Content-Length: 1000000000000\r\n\r\n");
    let init = server.initialize();
    assert_eq!(init["serverInfo"]["name"], "dsmc");
    let error = server.null_id_error();
    assert_eq!(error["code"], -32600, "{error}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("longer than the limit of 64 MiB")),
        "{error}"
    );
    // Past the limit by one byte is refused too; the server still answers.
    server.send_raw(format!("Content-Length: {}\r\n\r\n", (64 << 20) + 1).as_bytes());
    assert_eq!(server.null_id_error()["code"], -32600);
    server.open("protocol P\nnode A { var x: bool = false }\n");
    assert_eq!(server.diagnostics().len(), 1);
    assert_eq!(server.shutdown_and_exit(), Some(0));
}

/// Malformed framing no longer ends the server: what is not a header is
/// skipped up to the next `Content-Length`, a body that is not JSON gets
/// a parse error, and the messages after them are served.
#[test]
fn garbage_framing_is_skipped_and_the_next_message_served() {
    let mut server = Server::start();
    // A line that is no header, a block without `Content-Length`, a length
    // that is no number, and half a JSON object glued to the next header.
    server.send_raw(
        b"hello\r\nContent-Type: text/plain\r\n\r\nContent-Length: many\r\n\r\n{\"half\": ",
    );
    let init = server.initialize();
    assert_eq!(init["serverInfo"]["name"], "dsmc");
    // A framed body that is not JSON: a parse error, id `null`.
    server.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    assert_eq!(server.null_id_error()["code"], -32700);
    // JSON that is not a message, with an id: the error carries the id.
    server.send(json!({ "jsonrpc": "2.0", "id": 99, "method": 5 }));
    let deadline = Instant::now() + TIMEOUT;
    let refused = loop {
        let message = server.receive(deadline);
        if message["id"] == 99 {
            break message;
        }
    };
    assert_eq!(refused["error"]["code"], -32600, "{refused}");
    // And the server still does its work.
    server.open("protocol P\nnode A { var x: bool = false }\n");
    assert_eq!(server.diagnostics().len(), 1);
    assert_eq!(server.shutdown_and_exit(), Some(0));
}

/// Before `initialize`, a request is refused with `ServerNotInitialized`
/// and `exit` ends the server with 1.
#[test]
fn requests_before_initialize_are_refused() {
    let mut server = Server::start();
    let response = server.request("textDocument/hover", json!({}));
    assert_eq!(response["error"]["code"], -32002, "{response}");
    server.notify("exit", Value::Null);
    assert_eq!(server.wait(), Some(1));
}

/// A byte order mark and characters that change the direction of text do
/// not trouble the server: positions count them as the UTF-16 units they
/// are in the text the client sent, every request at every position gets
/// an answer, and the characters are reported with their code.
#[test]
fn byte_order_mark_and_text_direction_characters() {
    let mut server = Server::start();
    server.initialize();
    let marked = "\u{feff}protocol P\nnode A {\n  var x: bool = false\n  \
                  action go when !x { x = true }\n}\ninvariant fine: A.x || !A.x\nallow deadlock\n";
    server.open(marked);
    assert_eq!(server.diagnostics(), Vec::<Value>::new());
    // `x` in `!x`: line 3, after `  action go when !`.
    let hover = server.at("textDocument/hover", 3, 18);
    assert!(hover.to_string().contains("bool"), "{hover}");
    let definition = server.at("textDocument/definition", 3, 18);
    assert_eq!(definition["range"], range((2, 6), (2, 7)), "{definition}");
    // An error on the first line: the mark is one unit before `protocol`.
    server.change(2, "\u{feff}protocol 1\n");
    let diagnostics = server.diagnostics();
    assert_eq!(diagnostics[0]["code"], "dsmc::parse::syntax");
    assert_eq!(diagnostics[0]["range"], range((0, 10), (0, 11)));
    // An override in a comment and an isolate in a name, each marked.
    let reversed = "\u{feff}protocol P\nnode A {\n  var x: bool = false // \u{202e} }x{\n  \
                    var y\u{2067}: bool = false\n}\n";
    server.change(3, reversed);
    let diagnostics = server.diagnostics();
    let codes: Vec<&Value> = diagnostics.iter().map(|d| &d["code"]).collect();
    assert_eq!(
        codes,
        ["dsmc::parse::text_direction", "dsmc::parse::text_direction"]
    );
    assert_eq!(diagnostics[0]["range"], range((2, 25), (2, 26)));
    assert_eq!(diagnostics[1]["range"], range((3, 7), (3, 8)));
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("direction of text")),
        "{diagnostics:?}"
    );
    for (version, text) in [(4, marked), (5, reversed)] {
        server.change(version, text);
        let _ = server.diagnostics();
        for line in 0..8 {
            for character in 0..40 {
                let _ = server.at("textDocument/hover", line, character);
                let _ = server.at("textDocument/definition", line, character);
            }
        }
        let _ = server.call(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": URI } }),
        );
    }
    assert_eq!(server.shutdown_and_exit(), Some(0));
}

/// Votes counted by a second node: records, parameters, payloads, a sender,
/// quantifiers and a var read in several places.
const VOTES: &str = "\
protocol Votes
const N: int = 3
type Entry = { term: 0..N, ok: bool }
message Vote(e: Entry)
message Ack(t: 0..N)

node Voter[N] {
  var log: seq<Entry, 2> = []
  var acks: 0..N = 0
  action vote(t: 0..N) when len(log) < 2 && acks < N {
    log += { term: t, ok: true }
    broadcast Counter Vote({ term: t, ok: true })
  }
  on Ack(t) { acks = t }
}

node Counter {
  var seen: set<0..N> = {}
  on Vote(e) from v {
    seen += e.term
    send v Ack(e.term)
  }
}

invariant small: forall v in Voter: v.acks <= N && len(Counter.seen) <= N
";

/// The line and UTF-16 column of the `nth` occurrence of `needle` (ASCII
/// text), plus `skip` characters.
fn position(text: &str, needle: &str, nth: usize, skip: usize) -> (u32, u32) {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` #{nth} is in the text"))
        .0
        + skip;
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let column = offset - before.rfind('\n').map_or(0, |i| i + 1);
    (line as u32, column as u32)
}

fn ranges_of(locations: &Value) -> Vec<Value> {
    let mut ranges: Vec<Value> = locations
        .as_array()
        .expect("an array of locations")
        .iter()
        .map(|l| l["range"].clone())
        .collect();
    ranges.sort_by_key(|r| {
        (
            r["start"]["line"].as_u64(),
            r["start"]["character"].as_u64(),
        )
    });
    ranges
}

/// The range of the `nth` occurrence of `needle`.
fn range_of(text: &str, needle: &str, nth: usize) -> Value {
    word(text, needle, nth, needle.len())
}

/// The range of the first `len` characters of the `nth` occurrence of
/// `needle`.
fn word(text: &str, needle: &str, nth: usize, len: usize) -> Value {
    let start = position(text, needle, nth, 0);
    range(start, (start.0, start.1 + len as u32))
}

fn hover_text(server: &mut Server, at: (u32, u32)) -> String {
    let hover = server.at("textDocument/hover", at.0, at.1);
    hover["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .expect("a list of completions")
        .iter()
        .map(|i| i["label"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn hover_definition_and_references_of_locals_and_vars() {
    let mut server = Server::without_errors(VOTES);

    // A quantified variable: its type and the quantifier.
    let text = hover_text(&mut server, position(VOTES, "v.acks", 0, 0));
    assert!(text.contains("v: Voter"), "{text}");
    assert!(text.contains("`forall` variable"), "{text}");
    // A parameter: go to its declaration, hover its type.
    let at = position(VOTES, "term: t,", 0, 6);
    let definition = server.at("textDocument/definition", at.0, at.1);
    assert_eq!(definition["range"], word(VOTES, "t: 0..N) when", 0, 1));
    let text = hover_text(&mut server, at);
    assert!(
        text.contains("t: 0..3") && text.contains("parameter of action `vote`"),
        "{text}"
    );
    // The sender and a payload binder, and a record field through a local.
    let text = hover_text(&mut server, position(VOTES, "v Ack", 0, 0));
    assert!(
        text.contains("v: Voter") && text.contains("the sender of `Vote`"),
        "{text}"
    );
    let text = hover_text(&mut server, position(VOTES, "e.term\n", 0, 0));
    assert!(
        text.contains("e: Entry") && text.contains("payload field `e` of `Vote`"),
        "{text}"
    );
    let at = position(VOTES, "term\n", 0, 0);
    let definition = server.at("textDocument/definition", at.0, at.1);
    assert_eq!(definition["range"], word(VOTES, "term", 0, 4));
    // The field names of a record literal are uses of the fields.
    let at = position(VOTES, "ok: true })", 0, 0);
    let definition = server.at("textDocument/definition", at.0, at.1);
    assert_eq!(definition["range"], word(VOTES, "ok", 0, 2));

    // A var read in a guard, written in a handler, read remotely in a property.
    let at = position(VOTES, "acks", 0, 0);
    let refs = references(&mut server, at);
    let expected: Vec<Value> = (0..4).map(|n| range_of(VOTES, "acks", n)).collect();
    assert_eq!(refs, expected);
    // Two locals called `t` in two bodies are two names.
    let at = position(VOTES, "acks = t", 0, 7);
    let refs = references(&mut server, at);
    assert_eq!(refs, [word(VOTES, "t) {", 0, 1), word(VOTES, "t }", 0, 1)]);
    assert_eq!(server.shutdown_and_exit(), Some(0));
}

#[test]
fn rename_a_constant_and_refuse_what_is_not_a_name() {
    let mut server = Server::start();
    server.initialize();
    server.open(VOTES);
    let _ = server.diagnostics();
    let at = position(VOTES, "N]", 0, 0);
    let prepared = server.at("textDocument/prepareRename", at.0, at.1);
    assert_eq!(prepared, word(VOTES, "N]", 0, 1));
    let rename = |server: &mut Server, name: &str| {
        server.request(
            "textDocument/rename",
            json!({
                "textDocument": { "uri": URI },
                "position": { "line": at.0, "character": at.1 },
                "newName": name,
            }),
        )
    };
    let response = rename(&mut server, "Size");
    let edits = response["result"]["changes"][URI].clone();
    let mut edits = edits.as_array().expect("edits").clone();
    assert!(edits.iter().all(|e| e["newText"] == "Size"));
    edits.sort_by_key(|e| {
        (
            e["range"]["start"]["line"].as_u64(),
            e["range"]["start"]["character"].as_u64(),
        )
    });
    let renamed: Vec<Value> = edits.iter().map(|e| e["range"].clone()).collect();
    // Every `N` that is a whole word: the declaration and its nine uses.
    let words: Vec<Value> = VOTES
        .match_indices('N')
        .filter(|(i, _)| {
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            !word(VOTES[..*i].chars().next_back()) && !word(VOTES[i + 1..].chars().next())
        })
        .map(|(i, _)| {
            let before = &VOTES[..i];
            let line = before.matches('\n').count() as u32;
            let column = (i - before.rfind('\n').map_or(0, |n| n + 1)) as u32;
            range((line, column), (line, column + 1))
        })
        .collect();
    assert_eq!(words.len(), 10);
    assert_eq!(renamed, words);
    // Not names: refused with an error, nothing renamed.
    for bad in ["forall", "1x", "a-b", "", "_"] {
        let response = rename(&mut server, bad);
        assert_eq!(response["error"]["code"], -32803, "{bad}: {response}");
    }
    // Nothing under the cursor: no edit.
    let response = server.request(
        "textDocument/rename",
        json!({
            "textDocument": { "uri": URI },
            "position": { "line": 5, "character": 0 },
            "newName": "x",
        }),
    );
    assert_eq!(response["result"], Value::Null);
    assert_eq!(server.shutdown_and_exit(), Some(0));
}

#[test]
fn completion_of_fields_vars_and_names_in_scope() {
    let mut server = Server::start();
    server.initialize();
    // After a dot, while the text does not parse: the record's fields.
    let typing = VOTES.replace("seen += e.term", "seen += e.");
    server.open(&typing);
    let _ = server.diagnostics();
    let at = position(&typing, "e.\n", 0, 2);
    let items = server.at("textDocument/completion", at.0, at.1);
    assert_eq!(labels(&items), ["term", "ok"]);
    assert_eq!(items[0]["detail"], "0..3");
    // A node's vars after `v.`, on a half-typed name.
    let typing = VOTES.replace("v.acks", "v.ac");
    server.change(2, &typing);
    let _ = server.diagnostics();
    let at = position(&typing, "v.ac", 0, 4);
    let items = server.at("textDocument/completion", at.0, at.1);
    assert_eq!(labels(&items), ["log", "acks"]);
    // Elsewhere: the locals in scope, the node's vars, the globals and the
    // built-in functions; not another body's locals or another node's vars.
    let typing = VOTES.replace("seen += e.term", "seen += ");
    server.change(3, &typing);
    let _ = server.diagnostics();
    let at = position(&typing, "seen += ", 0, 8);
    let names = labels(&server.at("textDocument/completion", at.0, at.1));
    for name in [
        "e", "v", "seen", "N", "Entry", "Voter", "Counter", "len", "unwrap",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    for name in ["t", "log", "acks", "small", "vote", "term"] {
        assert!(!names.iter().any(|n| n == name), "{name} not in {names:?}");
    }
    assert_eq!(server.shutdown_and_exit(), Some(0));
}

#[test]
fn names_resolve_while_the_spec_has_type_errors() {
    let mut server = Server::start();
    server.initialize();
    // A type error in the Client: the Server's names still resolve.
    server.open(BROKEN);
    assert_eq!(server.diagnostics().len(), 1);
    let at = position(BROKEN, "last = s", 0, 7);
    let text = hover_text(&mut server, at);
    assert!(
        text.contains("s: 0..2") && text.contains("payload field `seq` of `Ping`"),
        "{text}"
    );
    let definition = server.at("textDocument/definition", at.0, at.1);
    assert_eq!(definition["range"], word(BROKEN, "s)", 0, 1));
    // ... and so do the Client's, around the error.
    let at = position(BROKEN, "phase == 0", 0, 0);
    let definition = server.at("textDocument/definition", at.0, at.1);
    assert_eq!(definition["range"], range_of(BROKEN, "phase", 0));
    let text = hover_text(&mut server, position(BROKEN, "waiting\n", 0, 0));
    assert!(text.contains("variant of `Client.phase`"), "{text}");
    // An unknown name: nothing at it, its neighbours still resolve.
    let unknown = BROKEN.replace("last = s", "last = nope + s");
    server.change(2, &unknown);
    let _ = server.diagnostics();
    let at = position(&unknown, "nope", 0, 1);
    assert_eq!(server.at("textDocument/hover", at.0, at.1), Value::Null);
    let at = position(&unknown, "+ s", 0, 2);
    let definition = server.at("textDocument/definition", at.0, at.1);
    assert_eq!(definition["range"], word(&unknown, "s)", 0, 1));
    assert_eq!(server.shutdown_and_exit(), Some(0));
}

/// Specs as they are while someone types: every request at every position
/// gets an answer, and the server goes on.
#[test]
fn broken_specs_are_answered_at_every_offset() {
    let broken = [
        // An unterminated expression.
        VOTES.replace("acks = t }", "acks = t + }"),
        VOTES.replace("v.acks <= N &&", "v.acks <= (N &&"),
        // Unknown names.
        VOTES.replace("seen += e.term", "seen += e.trem + x"),
        VOTES.replace("send v Ack", "send w Nack"),
        // Type errors.
        VOTES.replace("acks = t", "acks = true"),
        VOTES.replace(
            "log += { term: t, ok: true }",
            "log += { term: true, ko: 1 }",
        ),
        BROKEN.to_string(),
        // Half a spec.
        VOTES[..VOTES.len() / 2].to_string(),
        // Defs, `let ... in` and aggregates: whole, with errors in a def's
        // body or at a call, and half typed.
        DEFS.to_string(),
        DEFS.replace("min(x, hi)", "min(x, hgh)"),
        DEFS.replace("sum w in Worker: w.load", "sum w in Worker: w.busy"),
        DEFS.replace("def total: int = sum", "def total: int = total + sum"),
        DEFS.replace("clamp(total, 0, 12)", "clamp(total, 0)"),
        DEFS.replace("in h - l", "in h -"),
        DEFS.replace("(min w in Worker: w.load)", "(min w in : w.)"),
        DEFS.replace("let l = spread in", "let l = in"),
        DEFS.replace("def spread: int", "def spread(: int"),
        DEFS[..DEFS.find("hi))").unwrap()].to_string(),
        DEFS[..DEFS.len() / 2].to_string(),
    ];
    let mut server = Server::start();
    server.initialize();
    for (version, text) in broken.iter().enumerate() {
        if version == 0 {
            server.open(text);
        } else {
            server.change(version as i64 + 1, text);
        }
        let _ = server.diagnostics();
        let lines: Vec<&str> = text.split('\n').collect();
        for (line, content) in lines.iter().enumerate() {
            for character in 0..=content.len() as u32 + 1 {
                for method in [
                    "textDocument/hover",
                    "textDocument/definition",
                    "textDocument/documentHighlight",
                    "textDocument/prepareRename",
                ] {
                    let response = server.request(
                        method,
                        json!({
                            "textDocument": { "uri": URI },
                            "position": { "line": line, "character": character },
                        }),
                    );
                    assert!(
                        response.get("error").is_none(),
                        "{method} {line}:{character}: {response}"
                    );
                }
                if character % 5 == 0 {
                    let _ = server.at("textDocument/completion", line as u32, character);
                }
            }
        }
    }
    assert_eq!(server.shutdown_and_exit(), Some(0));
}

/// Defs called from guards, effects and properties, `let ... in` binding
/// the same name in three places, and aggregates.
const DEFS: &str = "\
protocol Defs
const N: int = 3
type Load = 0..4

// Keeps x between lo and hi.
def clamp(x: int, lo: int, hi: int): int = max(lo, min(x, hi))
def total: int = sum w in Worker: w.load
def spread: int = let h = (max w in Worker: w.load), l = (min w in Worker: w.load) in h - l

node Worker[N] {
  var load: Load = 0
  var busy: bool = false
  action take when !busy && clamp(load + 1, 0, 4) > load {
    load = clamp(load + 1, 0, 4)
    busy = true
  }
  action rest when busy {
    load = let l = load in if l > 0 { l - 1 } else { 0 }
    busy = false
  }
}

invariant bounded: clamp(total, 0, 12) == total
invariant near: let l = spread in l <= 4
allow deadlock
";

/// The ranges of every reference to the name at `at`, its declaration
/// included, in order.
fn references(server: &mut Server, at: (u32, u32)) -> Vec<Value> {
    let references = server.call(
        "textDocument/references",
        json!({
            "textDocument": { "uri": URI },
            "position": { "line": at.0, "character": at.1 },
            "context": { "includeDeclaration": true },
        }),
    );
    ranges_of(&references)
}

#[test]
fn defs_lets_and_aggregates_hover_and_definition() {
    let mut server = Server::without_errors(DEFS);

    // A def, at its declaration and at a call: its signature, its comment
    // and its calls.
    let signature = "def clamp(x: int, lo: int, hi: int): int";
    for at in [
        position(DEFS, "clamp(x", 0, 0),
        position(DEFS, "clamp(load + 1", 1, 2),
        position(DEFS, "clamp(total", 0, 5),
    ] {
        let text = hover_text(&mut server, at);
        assert!(text.contains(signature), "{text}");
        assert!(text.contains("Keeps x between lo and hi."), "{text}");
        assert!(text.contains("inlined at each of its 3 calls"), "{text}");
    }
    let text = hover_text(&mut server, position(DEFS, "total, 0", 0, 0));
    assert!(
        text.contains("def total: int = sum w in Worker: w.load"),
        "{text}"
    );
    // A def's parameter, a `let` binding, an aggregate's variable.
    let text = hover_text(&mut server, position(DEFS, "hi))", 0, 0));
    assert!(
        text.contains("hi: int") && text.contains("parameter of def `clamp`"),
        "{text}"
    );
    let text = hover_text(&mut server, position(DEFS, "h - l", 0, 0));
    assert!(
        text.contains("h: ") && text.contains("`let` binding"),
        "{text}"
    );
    let text = hover_text(&mut server, position(DEFS, "l <= 4", 0, 0));
    // The range of the def's value, as the type checker works it out.
    assert!(
        text.contains("l: -4..4") && text.contains("`let` binding"),
        "{text}"
    );
    let text = hover_text(&mut server, position(DEFS, "w.load\n", 0, 0));
    assert!(
        text.contains("w: Worker") && text.contains("`sum` variable"),
        "{text}"
    );
    let text = hover_text(&mut server, position(DEFS, "w.load), l", 0, 0));
    assert!(text.contains("`max` variable"), "{text}");

    // Go to definition: a call to the def, a parameter to its declaration,
    // a `let` name to its binding, an aggregate's variable to its binder.
    let definition = |server: &mut Server, at: (u32, u32)| {
        server.at("textDocument/definition", at.0, at.1)["range"].clone()
    };
    let at = position(DEFS, "clamp(load + 1", 1, 0);
    assert_eq!(definition(&mut server, at), range_of(DEFS, "clamp", 0));
    let at = position(DEFS, "spread in", 0, 0);
    assert_eq!(definition(&mut server, at), range_of(DEFS, "spread", 0));
    let at = position(DEFS, "x, hi", 0, 0);
    assert_eq!(definition(&mut server, at), word(DEFS, "x: int", 0, 1));
    let at = position(DEFS, "h - l", 0, 0);
    assert_eq!(definition(&mut server, at), word(DEFS, "h = (", 0, 1));
    let at = position(DEFS, "h - l", 0, 4);
    assert_eq!(definition(&mut server, at), word(DEFS, "l = (min", 0, 1));
    let at = position(DEFS, "l - 1", 0, 0);
    assert_eq!(definition(&mut server, at), word(DEFS, "l = load", 0, 1));
    let at = position(DEFS, "l <= 4", 0, 0);
    assert_eq!(definition(&mut server, at), word(DEFS, "l = spread", 0, 1));
    let at = position(DEFS, "w.load\n", 0, 0);
    assert_eq!(
        definition(&mut server, at),
        word(DEFS, "w in Worker: w.load\n", 0, 1)
    );
    let at = position(DEFS, "w.load), l", 0, 0);
    assert_eq!(
        definition(&mut server, at),
        word(DEFS, "w in Worker: w.load), l", 0, 1)
    );
    // `w.load` after the binder: the var.
    let at = position(DEFS, "w.load\n", 0, 2);
    assert_eq!(definition(&mut server, at), word(DEFS, "load: Load", 0, 4));

    // The outline lists the defs.
    let symbols = server.call(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": URI } }),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "N", "Load", "clamp", "total", "spread", "Worker", "bounded", "near"
        ]
    );
    let clamp = &symbols[2];
    assert_eq!(clamp["kind"], 12, "a function: {clamp}");
    assert_eq!(clamp["detail"], "def(x: int, lo: int, hi: int): int");
    assert_eq!(clamp["selectionRange"], range_of(DEFS, "clamp", 0));
    assert_eq!(server.shutdown_and_exit(), Some(0));
}

#[test]
fn references_and_rename_of_defs_params_and_lets() {
    let mut server = Server::start();
    server.initialize();
    server.open(DEFS);
    let _ = server.diagnostics();

    // A def: its declaration and its three calls, from any of them.
    let calls: Vec<Value> = (0..4).map(|n| range_of(DEFS, "clamp", n)).collect();
    for n in 0..4 {
        let at = position(DEFS, "clamp", n, 1);
        assert_eq!(references(&mut server, at), calls);
        let highlights = server.at("textDocument/documentHighlight", at.0, at.1);
        assert_eq!(
            ranges_of(&json!(
                highlights
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| json!({ "range": h["range"] }))
                    .collect::<Vec<_>>()
            )),
            calls
        );
    }
    // A def without parameters, called by its bare name.
    let at = position(DEFS, "total, 0", 0, 0);
    let expected: Vec<Value> = (0..3).map(|n| range_of(DEFS, "total", n)).collect();
    assert_eq!(references(&mut server, at), expected);

    // A parameter of a def called from three places: its declaration and
    // its one use in the body, nothing at the calls.
    let x = [word(DEFS, "x: int", 0, 1), word(DEFS, "x, hi", 0, 1)];
    assert_eq!(references(&mut server, position(DEFS, "x, hi", 0, 0)), x);
    assert_eq!(references(&mut server, position(DEFS, "x: int", 0, 0)), x);
    let hi = [word(DEFS, "hi: int", 0, 2), word(DEFS, "hi))", 0, 2)];
    assert_eq!(references(&mut server, position(DEFS, "hi))", 0, 1)), hi);

    // Three `let`s bind `l`: each its own name.
    let spread_l = [word(DEFS, "l = (min", 0, 1), word(DEFS, "l\n", 0, 1)];
    assert_eq!(
        references(&mut server, position(DEFS, "l\n", 0, 0)),
        spread_l
    );
    let rest_l = [
        word(DEFS, "l = load", 0, 1),
        word(DEFS, "l > 0", 0, 1),
        word(DEFS, "l - 1", 0, 1),
    ];
    assert_eq!(
        references(&mut server, position(DEFS, "l > 0", 0, 0)),
        rest_l
    );
    let near_l = [word(DEFS, "l = spread", 0, 1), word(DEFS, "l <= 4", 0, 1)];
    assert_eq!(
        references(&mut server, position(DEFS, "l <= 4", 0, 0)),
        near_l
    );
    // An aggregate's variable.
    let sum_w = [
        word(DEFS, "w in Worker: w.load\n", 0, 1),
        word(DEFS, "w.load\n", 0, 1),
    ];
    assert_eq!(
        references(&mut server, position(DEFS, "w.load\n", 0, 0)),
        sum_w
    );

    // Renames: the def everywhere, a parameter and a `let` in their scope.
    let rename = |server: &mut Server, at: (u32, u32), name: &str| {
        let response = server.call(
            "textDocument/rename",
            json!({
                "textDocument": { "uri": URI },
                "position": { "line": at.0, "character": at.1 },
                "newName": name,
            }),
        );
        let edits = response["changes"][URI].as_array().expect("edits").clone();
        assert!(edits.iter().all(|e| e["newText"] == name));
        ranges_of(&json!(
            edits
                .iter()
                .map(|e| json!({ "range": e["range"] }))
                .collect::<Vec<_>>()
        ))
    };
    let at = position(DEFS, "clamp(total", 0, 0);
    let prepared = server.at("textDocument/prepareRename", at.0, at.1);
    assert_eq!(prepared, range_of(DEFS, "clamp", 3));
    assert_eq!(rename(&mut server, at, "bound_to"), calls);
    assert_eq!(
        rename(&mut server, position(DEFS, "lo, min", 0, 0), "low"),
        [word(DEFS, "lo: int", 0, 2), word(DEFS, "lo, min", 0, 2)]
    );
    assert_eq!(
        rename(&mut server, position(DEFS, "l = load", 0, 0), "prev"),
        rest_l
    );
    assert_eq!(server.shutdown_and_exit(), Some(0));
}

#[test]
fn completion_offers_defs_params_and_lets() {
    let mut server = Server::start();
    server.initialize();
    let complete = |server: &mut Server, version: i64, text: &str, at: (u32, u32)| {
        server.change(version, text);
        let _ = server.diagnostics();
        server.at("textDocument/completion", at.0, at.1)
    };
    server.open(DEFS);
    let _ = server.diagnostics();
    // In a guard, an effect and a property, while the text does not parse.
    let places = [
        ("action rest when busy {", "action rest when busy && {"),
        ("    busy = true\n", "    busy = \n"),
        (
            "invariant near: let l = spread in l <= 4",
            "invariant near: ",
        ),
    ];
    for (version, (from, to)) in places.into_iter().enumerate() {
        let typing = DEFS.replace(from, to);
        let at = position(
            &typing,
            to.trim_end_matches(['{', '\n']),
            0,
            to.trim_end_matches(['{', '\n']).len(),
        );
        let items = complete(&mut server, version as i64 + 2, &typing, at);
        let names = labels(&items);
        for name in ["clamp", "total", "spread", "N", "Worker", "max"] {
            assert!(
                names.iter().any(|n| n == name),
                "{name} in {names:?} ({to})"
            );
        }
        // Not the defs' parameters, nor another body's `let`s.
        for name in ["x", "lo", "hi", "h", "l"] {
            assert!(
                !names.iter().any(|n| n == name),
                "{name} not in {names:?} ({to})"
            );
        }
        let clamp = items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["label"] == "clamp")
            .unwrap();
        assert_eq!(clamp["kind"], 3, "a function: {clamp}");
        assert_eq!(clamp["detail"], "(x: int, lo: int, hi: int): int");
    }
    // Inside a def's body: its parameters, not the node's vars.
    let typing = DEFS.replace("max(lo, min(x, hi))", "max(lo, min(x, ))");
    let at = position(&typing, "min(x, ", 0, 7);
    let names = labels(&complete(&mut server, 9, &typing, at));
    for name in ["x", "lo", "hi", "clamp", "total"] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    for name in ["load", "busy", "h"] {
        assert!(!names.iter().any(|n| n == name), "{name} not in {names:?}");
    }
    // In a `let`'s body: its bindings.
    let typing = DEFS.replace("in h - l", "in h - ");
    let at = position(&typing, "in h - ", 0, 7);
    let names = labels(&complete(&mut server, 10, &typing, at));
    for name in ["h", "l", "spread"] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    assert_eq!(server.shutdown_and_exit(), Some(0));
}

#[test]
fn defs_with_errors_still_resolve() {
    let mut server = Server::start();
    server.initialize();
    // An unknown name and a type error in def bodies.
    let broken = DEFS
        .replace("min(x, hi)", "min(x, hgh)")
        .replace("sum w in Worker: w.load", "sum w in Worker: w.busy");
    server.open(&broken);
    let codes: Vec<Value> = server
        .diagnostics()
        .into_iter()
        .filter(|d| d["severity"] == 1)
        .map(|d| d["code"].clone())
        .collect();
    for code in ["dsmc::resolve::unknown_name", "dsmc::typeck::mismatch"] {
        assert!(codes.contains(&json!(code)), "{code} in {codes:?}");
    }
    // Around the errors, in the bodies.
    let text = hover_text(&mut server, position(&broken, "lo, min", 0, 0));
    assert!(text.contains("lo: int"), "{text}");
    let at = position(&broken, "x, hgh", 0, 0);
    let definition = server.at("textDocument/definition", at.0, at.1);
    assert_eq!(definition["range"], word(&broken, "x: int", 0, 1));
    assert_eq!(
        server.at("textDocument/hover", at.0, at.1 + 4),
        Value::Null,
        "nothing at the unknown name"
    );
    let text = hover_text(&mut server, position(&broken, "w.busy", 0, 0));
    assert!(text.contains("w: Worker"), "{text}");
    // And at the calls: the defs, their signatures and every call.
    let at = position(&broken, "clamp(total", 0, 0);
    let text = hover_text(&mut server, at);
    assert!(
        text.contains("def clamp(x: int, lo: int, hi: int): int"),
        "{text}"
    );
    let definition = server.at("textDocument/definition", at.0, at.1);
    assert_eq!(definition["range"], range_of(&broken, "clamp", 0));
    let calls: Vec<Value> = (0..4).map(|n| range_of(&broken, "clamp", n)).collect();
    assert_eq!(references(&mut server, at), calls);
    let at = position(&broken, "total, 0", 0, 0);
    let definition = server.at("textDocument/definition", at.0, at.1);
    assert_eq!(definition["range"], range_of(&broken, "total", 0));
    // The rest of the spec as before.
    let at = position(&broken, "l <= 4", 0, 0);
    let definition = server.at("textDocument/definition", at.0, at.1);
    assert_eq!(definition["range"], word(&broken, "l = spread", 0, 1));
    assert_eq!(server.shutdown_and_exit(), Some(0));
}

const INIT: &str = "\
protocol Ring
const N: int = 3
node Proc[N] {
  var token: bool in {false, true}
  action drop when token { token = false }
}
init: (count p in Proc: p.token) == 1
invariant at_most_one: (count q in Proc: q.token) <= 1
";

#[test]
fn hover_and_definition_inside_an_init_predicate() {
    let mut server = Server::without_errors(INIT);
    // The quantified variable and the var read through it.
    let text = hover_text(&mut server, position(INIT, "p.token", 0, 0));
    assert!(text.contains("p: Proc"), "{text}");
    let at = position(INIT, "p.token", 0, 2);
    let definition = server.at("textDocument/definition", at.0, at.1);
    assert_eq!(definition["range"], word(INIT, "token", 0, 5));
    // The var's references include its read in the `init` predicate.
    let at = position(INIT, "token", 0, 0);
    let refs = references(&mut server, at);
    assert!(refs.contains(&word(INIT, "token) == 1", 0, 5)), "{refs:?}");
    assert_eq!(server.shutdown_and_exit(), Some(0));
}

const PROPS: &str = "\
protocol Counters
type Val = 0..2
node C[2] {
  var x: Val = 0
  action inc when x < 2 { x = x + 1 }
}
allow deadlock
property reaches(v in Val): true ~> (exists c in C: c.x == v)
step grows(c in C): old(c.x) <= c.x
";

#[test]
fn hover_definition_and_references_of_property_parameters() {
    let mut server = Server::without_errors(PROPS);
    // A quantified property's parameter, where it is used.
    let text = hover_text(&mut server, position(PROPS, "c.x == v", 0, 7));
    assert!(text.contains("v: 0..2"), "{text}");
    assert!(text.contains("parameter of property `reaches`"), "{text}");
    let at = position(PROPS, "c.x == v", 0, 7);
    let definition = server.at("textDocument/definition", at.0, at.1);
    assert_eq!(definition["range"], word(PROPS, "v in Val", 0, 1));
    // A parameter over a node kind, inside `old(..)` and after it.
    let at = position(PROPS, "c in C)", 0, 0);
    let refs = references(&mut server, at);
    assert_eq!(
        refs,
        vec![
            word(PROPS, "c in C)", 0, 1),
            word(PROPS, "c.x) <=", 0, 1),
            word(PROPS, "c.x\n", 0, 1),
        ]
    );
    assert_eq!(server.shutdown_and_exit(), Some(0));
}
