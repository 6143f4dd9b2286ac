//! `dsmc explore`: the spec in Stateright's Explorer. Starts the binary on
//! a free loopback port, asks the Explorer's HTTP endpoints (`/.status`,
//! `/.states/...`) with plain GET requests, and stops the server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the server when the test ends, pass or fail.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("the loopback interface has a free port")
}

/// `GET path` on 127.0.0.1:`port`: the status line and the body.
fn get(port: u16, path: &str) -> std::io::Result<(String, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    // HTTP/1.0, so that the answer is never chunked: the body is all that
    // follows the headers.
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response.lines().next().unwrap_or_default().to_string();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

#[test]
fn the_explorer_serves_states_named_as_dsmc_names_them() {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dsmc"))
        .args(["explore", "specs/2pc_eager_commit.ds", "--port"])
        .arg(port.to_string())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the dsmc binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let server = Server(child);
    let mut first_line = String::new();
    BufReader::new(stdout)
        .read_line(&mut first_line)
        .expect("dsmc explore prints its address");
    assert!(
        first_line.contains(&format!("http://127.0.0.1:{port}/")),
        "{first_line}"
    );

    // The server may need a moment after the line is printed.
    let start = Instant::now();
    let (status, body) = loop {
        match get(port, "/.status") {
            Ok(answer) => break answer,
            Err(_) if start.elapsed() < Duration::from_secs(30) => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("the explorer does not answer: {e}"),
        }
    };
    assert!(status.contains("200"), "{status}");
    let status: serde_json::Value = serde_json::from_str(&body).expect("/.status is JSON");
    let names: Vec<&str> = status["properties"]
        .as_array()
        .expect("properties")
        .iter()
        .filter_map(|p| p[1].as_str())
        .collect();
    assert!(names.contains(&"consistent"), "{names:?}");

    // The initial state, by name.
    let (_, body) = get(port, "/.states").expect("/.states answers");
    let initial: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let state = initial[0]["state"].as_str().expect("a state");
    assert!(state.contains("RM[0].state = working"), "{state}");

    // The steps from the first initial state, named as in dsmc's traces,
    // each with what it changed and a sequence diagram.
    let (_, body) = get(port, "/.states/0").expect("/.states/0 answers");
    let steps: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let steps = steps.as_array().expect("an array of steps");
    let actions: Vec<&str> = steps.iter().filter_map(|s| s["action"].as_str()).collect();
    assert!(actions.contains(&"RM[0].prepare"), "{actions:?}");
    let prepare = steps
        .iter()
        .find(|s| s["action"] == "RM[0].prepare")
        .expect("RM[0].prepare");
    let outcome = prepare["outcome"].as_str().expect("an outcome");
    assert!(outcome.contains("RM[0].state = prepared"), "{outcome}");
    assert!(outcome.contains("sends Prepared → TM"), "{outcome}");
    assert!(
        prepare["svg"]
            .as_str()
            .is_some_and(|s| s.starts_with("<svg"))
    );

    // Two steps in: the delivery, drawn as an arrow.
    let index = steps
        .iter()
        .position(|s| s["action"] == "RM[0].prepare")
        .expect("RM[0].prepare");
    let (_, body) = get(port, &format!("/.states/0/{index}")).expect("answers");
    let next: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let deliver = next
        .as_array()
        .expect("an array")
        .iter()
        .find(|s| s["action"] == "TM ← Prepared from RM[0]")
        .expect("the delivery of Prepared is a step");
    let (_, body) = get(
        port,
        &format!(
            "/.states/0/{index}/{}",
            deliver["actionIndex"].as_u64().expect("an index")
        ),
    )
    .expect("answers");
    let _: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert!(
        deliver["svg"]
            .as_str()
            .is_some_and(|s| s.contains("class=\"msg-arrow\"")),
        "{deliver}"
    );
    drop(server);
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
