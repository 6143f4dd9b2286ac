//! The HTTP server of `dsmc explore`: a `TcpListener` on the loopback
//! interface and `httparse` for the request head, with every cost of a
//! request bounded.
//!
//! The rules, each against a way a local web server is attacked:
//! - one request per connection (`Connection: close`), and only its head is
//!   read: a body, an `Expect: 100-continue` included, is never waited for;
//! - the head must arrive within [`IO_TIMEOUT`] and fit in
//!   [`MAX_HEAD_BYTES`] (else 408, 431), the request target in
//!   [`MAX_TARGET_BYTES`] (else 414), so a slow or endless client costs one
//!   connection slot for a bounded time;
//! - at most [`MAX_CONNECTIONS`] connections are handled at once, each on a
//!   thread of its own; one more is answered 503 without waiting, so the
//!   accept loop never blocks on a client;
//! - `GET` and `HEAD` only (else 405): nothing here changes state;
//! - the `Host` header must name this server (`127.0.0.1:PORT` or
//!   `localhost:PORT`, else 421), and an `Origin` header, when sent, must be
//!   this server's (else 403), so that a page of another site, or a DNS name
//!   rebound to 127.0.0.1, cannot read the pages; nor may a browser say
//!   that another site asked (`Sec-Fetch-Site`, when sent, must be
//!   `same-origin` or `none`, else 403), so that another site's page
//!   cannot even start the work of a page (an `<img>` pointing here);
//! - an I/O error on a connection (a reset, a timeout) ends that connection
//!   quietly and nothing else.
//!
//! Every answer says not to cache it, not to guess its type, and (its
//! Content-Security-Policy) to run no script and load nothing from
//! elsewhere.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The most connections handled at once.
pub const MAX_CONNECTIONS: usize = 32;
/// The longest request head (request line and headers), in bytes.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The longest request target (`/state?path=...`), in bytes.
pub const MAX_TARGET_BYTES: usize = 8 * 1024;
/// The most headers a request may have.
const MAX_HEADERS: usize = 64;
/// How long a client has to send its request head, and to take each write
/// of the answer.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// After the answer, what the client still sends is read and dropped, for
/// up to this long and this many bytes, before the connection is closed.
/// Closing a socket with unread input makes the kernel reset it, and a
/// reset can reach the client before it has read the answer (a 414 to a
/// request it is still sending).
const DRAIN_TIME: Duration = Duration::from_secs(2);
const DRAIN_BYTES: u64 = 1 << 20;

/// The strict policy of every answer: no script, no frames, nothing
/// loaded from anywhere; inline styles (the pages' and the diagrams').
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// An answer: a status and a body.
pub struct Response {
    pub status: u16,
    /// `text/html; charset=utf-8` or `text/plain; charset=utf-8`.
    pub content_type: &'static str,
    pub body: String,
}

impl Response {
    /// A plain-text answer, for the refusals of the server itself.
    pub fn text(status: u16, body: impl Into<String>) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
        }
    }

    /// An HTML page.
    pub fn html(status: u16, body: String) -> Response {
        Response {
            status,
            content_type: "text/html; charset=utf-8",
            body,
        }
    }
}

/// What answers a request that passed the server's rules: the request
/// target (starting with `/`, at most [`MAX_TARGET_BYTES`]) in, the answer
/// out.
pub type Handler = dyn Fn(&str) -> Response + Send + Sync;

/// Serves `handler` on `listener` until `stop` is raised (and one more
/// connection arrives to wake the loop: see `super::run`).
pub fn serve(listener: TcpListener, stop: &AtomicBool, handler: Arc<Handler>) {
    let port = match listener.local_addr() {
        Ok(address) => address.port(),
        Err(_) => return,
    };
    let active = Arc::new(AtomicUsize::new(0));
    for incoming in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let stream = match incoming {
            Ok(stream) => stream,
            // Out of file descriptors, or a connection that was reset
            // before it was accepted: wait a little rather than spin.
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            refuse_busy(stream);
            continue;
        }
        let slot = Slot(Arc::clone(&active));
        let handler = Arc::clone(&handler);
        // A thread that cannot be started drops its closure, and with it
        // the slot and the connection.
        let _ = std::thread::Builder::new()
            .name("dsmc-explore".into())
            .spawn(move || {
                let _slot = slot;
                handle_connection(stream, port, &*handler);
            });
    }
}

/// One of the [`MAX_CONNECTIONS`], given back when dropped (also when a
/// handler panics).
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Answers 503 without waiting for the client: the socket is non-blocking
/// and the short answer fits in its send buffer, or is lost.
fn refuse_busy(mut stream: TcpStream) {
    let _ = stream.set_nonblocking(true);
    let response = Response::text(503, "too many connections at once: try again\n");
    let _ = stream.write_all(&encode(&response, false, &[("Retry-After", "1")]));
    let _ = stream.shutdown(Shutdown::Write);
}

/// A request head that was read whole.
struct Request {
    method: String,
    target: String,
    hosts: Vec<Vec<u8>>,
    origins: Vec<Vec<u8>>,
    fetch_sites: Vec<Vec<u8>>,
}

/// Why no request was read: an answer to send, or none (the client went
/// away or an I/O error ended the connection).
enum Unread {
    Answer(Response),
    Gone,
}

fn handle_connection(mut stream: TcpStream, port: u16, handler: &Handler) {
    let _ = stream.set_nodelay(true);
    if stream.set_write_timeout(Some(IO_TIMEOUT)).is_err() {
        return;
    }
    let (response, head_only) = match read_request(&mut stream) {
        Ok(request) => {
            let head_only = request.method == "HEAD";
            (answer(&request, port, handler), head_only)
        }
        Err(Unread::Answer(response)) => (response, false),
        Err(Unread::Gone) => return,
    };
    let extra: &[(&str, &str)] = if response.status == 405 {
        &[("Allow", "GET, HEAD")]
    } else {
        &[]
    };
    if stream
        .write_all(&encode(&response, head_only, extra))
        .and_then(|()| stream.flush())
        .is_err()
    {
        return;
    }
    let _ = stream.shutdown(Shutdown::Write);
    drain(&mut stream);
}

/// Reads the request head, within [`IO_TIMEOUT`] in all and
/// [`MAX_HEAD_BYTES`], and nothing after it.
fn read_request(stream: &mut TcpStream) -> Result<Request, Unread> {
    let deadline = Instant::now() + IO_TIMEOUT;
    let mut buffer = vec![0u8; MAX_HEAD_BYTES];
    let mut len = 0;
    loop {
        if len == buffer.len() {
            return Err(Unread::Answer(if buffer.contains(&b'\n') {
                Response::text(431, "the request's headers are too large\n")
            } else {
                target_too_long()
            }));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Err(Unread::Answer(request_timeout()));
        }
        let n = match stream.read(&mut buffer[len..]) {
            Ok(0) => return Err(Unread::Gone),
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(Unread::Answer(request_timeout()));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(Unread::Gone),
        };
        len += n;
        let head = &buffer[..len];
        // The request line alone is past the target's limit: no need to
        // wait for the rest of it.
        let line_end = head.iter().position(|&b| b == b'\n').unwrap_or(len);
        if line_end > MAX_TARGET_BYTES + 64 {
            return Err(Unread::Answer(target_too_long()));
        }
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(head) {
            Ok(httparse::Status::Complete(_)) => {
                let values = |name: &str| -> Vec<Vec<u8>> {
                    parsed
                        .headers
                        .iter()
                        .filter(|h| h.name.eq_ignore_ascii_case(name))
                        .map(|h| h.value.to_vec())
                        .collect()
                };
                return Ok(Request {
                    hosts: values("Host"),
                    origins: values("Origin"),
                    fetch_sites: values("Sec-Fetch-Site"),
                    method: parsed.method.unwrap_or_default().to_string(),
                    target: parsed.path.unwrap_or_default().to_string(),
                });
            }
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => {
                return Err(Unread::Answer(Response::text(
                    431,
                    format!("the request has more than {MAX_HEADERS} headers\n"),
                )));
            }
            Err(e) => {
                return Err(Unread::Answer(Response::text(
                    400,
                    format!("not an HTTP request: {e}\n"),
                )));
            }
        }
    }
}

fn target_too_long() -> Response {
    Response::text(
        414,
        format!("the request target is longer than {MAX_TARGET_BYTES} bytes\n"),
    )
}

fn request_timeout() -> Response {
    Response::text(
        408,
        format!(
            "the request did not arrive within {} seconds\n",
            IO_TIMEOUT.as_secs()
        ),
    )
}

/// The server's rules (the module's doc), then the handler.
fn answer(request: &Request, port: u16, handler: &Handler) -> Response {
    let hosts = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    let ours = |value: &[u8], prefix: &str| {
        let value = String::from_utf8_lossy(value).to_ascii_lowercase();
        let value = value.trim();
        hosts.iter().any(|h| value == format!("{prefix}{h}"))
            // The default port may go unsaid.
            || (port == 80 && ["127.0.0.1", "localhost"].iter().any(|h| value == format!("{prefix}{h}")))
    };
    match request.hosts.as_slice() {
        [] => return Response::text(400, "the request has no Host header\n"),
        [host] if ours(host, "") => {}
        [_] => {
            return Response::text(
                421,
                format!(
                    "this server answers only to the host 127.0.0.1:{port} or localhost:{port}\n"
                ),
            );
        }
        _ => return Response::text(400, "the request has more than one Host header\n"),
    }
    let same_site = |site: &Vec<u8>| {
        let site = site.trim_ascii();
        site.eq_ignore_ascii_case(b"same-origin") || site.eq_ignore_ascii_case(b"none")
    };
    if !request.origins.iter().all(|origin| ours(origin, "http://"))
        || !request.fetch_sites.iter().all(same_site)
    {
        return Response::text(403, "requests from other sites are refused\n");
    }
    if request.method != "GET" && request.method != "HEAD" {
        return Response::text(
            405,
            format!(
                "`{}` is not allowed: only GET and HEAD are\n",
                request.method
            ),
        );
    }
    if request.target.len() > MAX_TARGET_BYTES {
        return target_too_long();
    }
    if !request.target.starts_with('/') {
        return Response::text(400, "the request target must start with `/`\n");
    }
    handler(&request.target)
}

/// The status line, the headers and (unless `head_only`) the body.
fn encode(response: &Response, head_only: bool, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\
         Content-Security-Policy: {CONTENT_SECURITY_POLICY}\r\nX-Content-Type-Options: nosniff\r\n\
         X-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\nCache-Control: no-store\r\n",
        response.status,
        reason(response.status),
        response.content_type,
        response.body.len()
    );
    for (name, value) in extra {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    if !head_only {
        bytes.extend_from_slice(response.body.as_bytes());
    }
    bytes
}

/// The reason phrase of the statuses this server sends.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        414 => "URI Too Long",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Reads and drops what the client still sends ([`DRAIN_TIME`]).
fn drain(stream: &mut TcpStream) {
    let deadline = Instant::now() + DRAIN_TIME;
    let mut sink = [0u8; 4096];
    let mut drained = 0u64;
    while drained < DRAIN_BYTES {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(n) => drained += n as u64,
        }
    }
}
