//! `dsmc explore`: the binary serves its pages on a free loopback port
//! (`--port 0`), and is asked over plain TCP, both as a browser would and as
//! an attacker would: requests from other sites, oversized and endless
//! requests, clients that stall or reset, more connections than it takes.
//!
//! No assertion is about time: what must answer is given a generous
//! deadline, past which the test fails as a hang.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::{Duration, Instant};

const SPEC: &str = "specs/2pc_eager_commit.ds";
/// Past this, what should have answered is taken for a hang.
const DEADLINE: Duration = Duration::from_secs(60);
/// The server's limit on connections handled at once.
const MAX_CONNECTIONS: usize = 32;

/// A running `dsmc explore`, killed when the test ends, pass or fail.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `dsmc explore SPEC --port 0` and reads the address it prints.
    fn start() -> Server {
        Server::start_on(SPEC)
    }

    /// [`Server::start`] on another spec.
    fn start_on(spec: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dsmc"))
            .args(["explore", spec, "--port", "0"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the dsmc binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("dsmc explore prints its address");
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Server { child, port }
    }

    /// Sends `raw` on a new connection and reads the answer to its end
    /// (the server closes every connection after one answer).
    fn send(&self, raw: &[u8]) -> Answer {
        let mut stream = self.connect();
        stream.write_all(raw).expect("the request is sent");
        read_answer(&mut stream)
    }

    /// `GET target`, as a browser on this server's page sends it.
    fn get(&self, target: &str) -> Answer {
        self.send(
            format!(
                "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUser-Agent: test\r\n\r\n",
                self.port
            )
            .as_bytes(),
        )
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).expect("the server accepts");
        stream
            .set_read_timeout(Some(DEADLINE))
            .expect("a read timeout");
        stream
    }

    /// The server's resident memory, from /proc (`None` without it).
    fn resident_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }
}

/// An answer: the status code, the headers (names lowercased) and the body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut bytes = Vec::new();
    stream
        .read_to_end(&mut bytes)
        .expect("the answer is read to its end");
    let text = String::from_utf8(bytes).expect("the answer is UTF-8");
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {text:?}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_string(),
    }
}

/// The target of the link whose text is `text` on a page.
fn link(body: &str, text: &str) -> String {
    let end = format!("\">{text}</a>");
    let at = body
        .find(&end)
        .unwrap_or_else(|| panic!("no link {text:?} in\n{body}"));
    let start = body[..at].rfind("href=\"").expect("an href") + "href=\"".len();
    body[start..at].to_string()
}

#[test]
fn successor_links_lead_from_the_initial_states_to_a_state_page() {
    let server = Server::start();
    let index = server.get("/");
    assert_eq!(index.status, 200, "{}", index.body);
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        index
            .header("content-security-policy")
            .is_some_and(|p| p.contains("default-src 'none'")),
        "{:?}",
        index.headers
    );
    assert_eq!(index.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(index.header("cache-control"), Some("no-store"));
    assert_eq!(index.header("connection"), Some("close"));
    assert!(
        index.body.contains("RM[0].state = working"),
        "{}",
        index.body
    );
    assert!(!index.body.contains("<script"), "no script on the pages");

    let initial = server.get(&link(&index.body, "initial state 0"));
    assert_eq!(initial.status, 200);
    let prepared = server.get(&link(&initial.body, "RM[0].prepare"));
    assert_eq!(prepared.status, 200);
    assert!(prepared.body.contains("sends Prepared → TM"));
    let delivered = server.get(&link(&prepared.body, "TM ← Prepared from RM[0]"));
    assert_eq!(delivered.status, 200, "{}", delivered.body);
    let page = &delivered.body;
    // The path, drawn and listed; the variables; the properties' values.
    assert!(page.contains("<svg"), "{page}");
    assert!(page.contains("class=\"msg-arrow\""), "{page}");
    assert!(
        page.contains("<td>prepared</td><td><code>{ RM[0] }</code></td>"),
        "{page}"
    );
    assert!(
        page.contains("<td>consistent</td><td>invariant</td><td>true</td>"),
        "{page}"
    );
    // Back along the path.
    assert_eq!(server.get(&link(page, "back one step")).status, 200);

    let head = server
        .send(format!("HEAD / HTTP/1.1\r\nHost: localhost:{}\r\n\r\n", server.port).as_bytes());
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "HEAD has no body");
}

#[test]
fn requests_for_another_host_are_refused() {
    let server = Server::start();
    let port = server.port;
    for host in [
        format!("evil.example:{port}"),
        "evil.example".to_string(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("127.0.0.1.evil.example:{port}"),
    ] {
        let answer = server.send(format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes());
        assert_eq!(answer.status, 421, "Host: {host}");
        assert!(!answer.body.contains("RM[0]"), "Host: {host}");
    }
    // No Host at all (HTTP/1.0 allows it; a browser always sends one).
    assert_eq!(server.send(b"GET / HTTP/1.0\r\n\r\n").status, 400);
    for host in [format!("127.0.0.1:{port}"), format!("LOCALHOST:{port}")] {
        let answer = server.send(format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes());
        assert_eq!(answer.status, 200, "Host: {host}");
    }
}

#[test]
fn requests_from_another_origin_are_refused() {
    let server = Server::start();
    let port = server.port;
    for origin in [
        "http://evil.example".to_string(),
        "null".to_string(),
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{port}.evil.example"),
    ] {
        let answer = server.send(
            format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {origin}\r\n\r\n")
                .as_bytes(),
        );
        assert_eq!(answer.status, 403, "Origin: {origin}");
    }
    let answer = server.send(
        format!(
            "GET / HTTP/1.1\r\nHost: localhost:{port}\r\nOrigin: http://localhost:{port}\r\n\r\n"
        )
        .as_bytes(),
    );
    assert_eq!(answer.status, 200);
}

#[test]
fn a_browser_that_says_another_site_asked_is_refused() {
    let server = Server::start();
    let port = server.port;
    // What a browser sends for an `<img>` of another site that points here.
    for site in ["cross-site", "same-site"] {
        let answer = server.send(
            format!(
                "GET /check HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nSec-Fetch-Site: {site}\r\n\r\n"
            )
            .as_bytes(),
        );
        assert_eq!(answer.status, 403, "Sec-Fetch-Site: {site}");
    }
    for site in ["same-origin", "none"] {
        let answer = server.send(
            format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nSec-Fetch-Site: {site}\r\n\r\n")
                .as_bytes(),
        );
        assert_eq!(answer.status, 200, "Sec-Fetch-Site: {site}");
    }
}

#[test]
fn the_check_page_links_a_counterexample_to_its_last_state() {
    let server = Server::start();
    let check = server.get("/check");
    assert_eq!(check.status, 200, "{}", check.body);
    let page = &check.body;
    assert!(page.contains("498 distinct states"), "{page}");
    assert!(
        page.contains("<td>can_commit</td><td>reachable</td><td class=\"ok\">holds</td>"),
        "{page}"
    );
    assert!(
        page.contains(
            "<td>consistent</td><td>invariant</td><td class=\"fail\">violated (expected: violated)</td>"
        ),
        "{page}"
    );
    assert!(
        page.contains("<td>deadlock</td><td></td><td class=\"ok\">none</td>"),
        "{page}"
    );
    // The counterexample's last state violates the invariant.
    let start = page.find("<td>consistent</td>").expect("a row");
    let target = page[start..]
        .split("href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to the counterexample");
    let last = server.get(target);
    assert_eq!(last.status, 200, "{target}");
    assert!(
        last.body
            .contains("<td>consistent</td><td>invariant</td><td><span class=\"fail\">false: violated here</span></td>"),
        "{}",
        last.body
    );
    // Kept: the second visit gets the same page.
    assert_eq!(server.get("/check").body, check.body);
}

#[test]
fn only_get_and_head_are_allowed_and_a_body_is_never_waited_for() {
    let server = Server::start();
    let port = server.port;
    // Stateright's Explorer ran the whole check on this one.
    let answer = server.send(
        format!(
            "POST /.runtocompletion HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 5\r\n\r\nhello"
        )
        .as_bytes(),
    );
    assert_eq!(answer.status, 405);
    assert_eq!(answer.header("allow"), Some("GET, HEAD"));
    // A promised body that never comes: answered at once all the same,
    // while the client still holds the connection open.
    for method in ["POST", "GET"] {
        let mut stalled = server.connect();
        stalled
            .write_all(
                format!(
                    "{method} / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nExpect: 100-continue\r\n\
                     Content-Length: 100000\r\n\r\n"
                )
                .as_bytes(),
            )
            .expect("sent");
        // Another client meanwhile.
        assert_eq!(server.get("/").status, 200);
        let answer = read_answer(&mut stalled);
        let expected = if method == "GET" { 200 } else { 405 };
        assert_eq!(
            answer.status, expected,
            "{method} with Expect: 100-continue"
        );
    }
}

#[test]
fn an_overlong_target_is_refused() {
    let server = Server::start();
    let path = "a".repeat(100_000);
    let answer = server.get(&format!("/{path}"));
    assert_eq!(answer.status, 414);
    // Headers past the head's limit.
    let big = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nX-Padding: {}\r\n\r\n",
        server.port,
        "b".repeat(20_000)
    );
    assert_eq!(server.send(big.as_bytes()).status, 431);
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn a_long_path_is_refused_without_growing_memory() {
    let server = Server::start();
    let before = server.resident_bytes();
    // 20,000 steps: past the request target's limit.
    let long = format!("/state?path=0{}", ".0".repeat(20_000));
    // 2,001 steps: within the target's limit, past the pages' limit on
    // steps, refused before any step is taken.
    let deep = format!("/state?path=0{}", ".0".repeat(2_001));
    for _ in 0..20 {
        assert_eq!(server.get(&long).status, 414);
        let answer = server.get(&deep);
        assert_eq!(answer.status, 414);
        assert!(answer.body.contains("at most 2000"), "{}", answer.body);
    }
    if let (Some(before), Some(after)) = (before, server.resident_bytes()) {
        assert!(
            after < before + (64 << 20),
            "the server grew from {before} to {after} bytes"
        );
    }
}

#[test]
fn a_bad_index_is_not_found() {
    let server = Server::start();
    for target in [
        "/state?path=1",
        "/state?path=0.99",
        "/state?path=0.99999999999999999999999",
        "/state?path=99999999999999999999999999999999999999999999",
        "/nothing",
        "/.states/0/0",
    ] {
        let answer = server.get(target);
        assert_eq!(answer.status, 404, "{target}");
        assert!(answer.body.contains("<h1>"), "{target}: a page");
    }
    for target in [
        "/state",
        "/state?path=",
        "/state?path=0..1",
        "/state?path=+1",
    ] {
        assert_eq!(server.get(target).status, 400, "{target}");
    }
    let answer = server.get("/state?path=0.99");
    assert!(answer.body.contains("has 7 successors"), "{}", answer.body);
}

#[test]
fn a_failing_step_is_shown_in_words() {
    let dir = std::env::temp_dir().join(format!("dsmc-explore-ui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let spec = dir.join("overflow.ds");
    std::fs::write(
        &spec,
        "protocol Overflow\n\nnode Counter {\n  var x: 0..2 = 0\n\n  action inc {\n    \
         x = x + 1\n  }\n}\n\ninvariant small: Counter.x <= 2\n",
    )
    .expect("the spec is written");
    let server = Server::start_on(spec.to_str().expect("a UTF-8 path"));
    let answer = server.get("/state?path=0.0.0");
    assert_eq!(answer.status, 200);
    assert!(
        answer
            .body
            .contains("<li>Counter.inc <span class=\"fail\">fails: value 3 is outside `0..2` (line 7)</span></li>"),
        "{}",
        answer.body
    );
    // A path through the failing step leads to no state.
    let answer = server.get("/state?path=0.0.0.0");
    assert_eq!(answer.status, 404);
    assert!(
        answer.body.contains("fails: value 3 is outside"),
        "{}",
        answer.body
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_stalled_client_does_not_block_others() {
    let server = Server::start();
    let mut stalled = Vec::new();
    for _ in 0..4 {
        let mut stream = server.connect();
        stream
            .write_all(format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{}", server.port).as_bytes())
            .expect("half a request is sent");
        stalled.push(stream);
    }
    let connected_only: Vec<TcpStream> = (0..4).map(|_| server.connect()).collect();
    assert_eq!(server.get("/").status, 200);
    assert_eq!(server.get("/state?path=0.1").status, 200);
    drop(connected_only);
    drop(stalled);
}

#[test]
fn clients_that_reset_do_not_stop_the_server() {
    let server = Server::start();
    // A large page, so that the server is still writing it when the
    // client goes away; and clients that leave at every point.
    let deep = format!("/state?path=0{}", ".0".repeat(1_500));
    for round in 0..30 {
        let mut stream = server.connect();
        match round % 3 {
            0 => {}
            1 => {
                let _ = stream.write_all(b"GET / HT");
            }
            _ => {
                let _ = stream.write_all(
                    format!(
                        "GET {deep} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
                        server.port
                    )
                    .as_bytes(),
                );
                // Some of the answer, then away with the rest unread: the
                // client's system resets the connection.
                let mut some = [0u8; 64];
                let _ = stream.read(&mut some);
            }
        }
        drop(stream);
    }
    assert_eq!(server.get("/").status, 200);
    assert_eq!(server.get(&deep).status, 200);
}

#[test]
fn connections_past_the_limit_are_turned_away_until_slots_free() {
    let server = Server::start();
    // Each holds a slot: a request line without its end.
    let holders: Vec<TcpStream> = (0..MAX_CONNECTIONS)
        .map(|_| {
            let mut stream = server.connect();
            stream.write_all(b"GET / HTTP/1.1\r\n").expect("sent");
            stream
        })
        .collect();
    // The accept loop takes the holders in order; the next is one too many,
    // and is answered before it says anything (a request it had sent
    // would be left unread, and the connection reset).
    let answer = read_answer(&mut server.connect());
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.header("retry-after"), Some("1"));
    drop(holders);
    let start = Instant::now();
    while server.get("/").status != 200 {
        assert!(start.elapsed() < DEADLINE, "the slots never came back");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigterm_stops_the_server_with_exit_0() {
    let mut server = Server::start();
    assert_eq!(server.get("/").status, 200);
    let status = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", server.child.id())])
        .status()
        .expect("sh runs");
    assert!(status.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait for dsmc") {
            break status;
        }
        assert!(start.elapsed() < DEADLINE, "dsmc explore ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
    let mut stderr = String::new();
    let mut pipe: ChildStderr = server.child.stderr.take().expect("stderr is piped");
    pipe.read_to_string(&mut stderr).expect("stderr is read");
    assert!(stderr.contains("stopped"), "{stderr}");
}

#[test]
fn a_port_in_use_is_an_error_in_words() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("an address").port();
    let output = Command::new(env!("CARGO_BIN_EXE_dsmc"))
        .args(["explore", "specs/2pc.ds", "--port"])
        .arg(port.to_string())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the dsmc binary runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("dsmc::cli::cannot_serve"));
}
