//! `dsmc explore SPEC`: a web page per state of the compiled spec, to walk
//! the state space step by step in a browser, served on the loopback
//! interface until the process is stopped.
//!
//! [`server`] is the HTTP side (bounded, loopback only, refusing other
//! sites' requests); [`pages`] renders the states from the model, and
//! [`check`] the whole check's verdicts, linked to the states.
//! Ctrl-C, SIGTERM and SIGHUP stop the server; the process then says
//! `stopped` on stderr and exits 0 (a second signal exits at once, 130).

pub mod check;
pub mod pages;
pub mod server;

/// The longest path a page walks. A path is written with at least two
/// bytes a step, so the request target's limit allows about 4,000 steps;
/// a page's work and size grow with the path, and a state deeper than this
/// is better found by `dsmc check`.
pub const MAX_PATH_STEPS: usize = 2_000;

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::report;
use crate::{ExploreArgs, MessageFormat};
use dsmc::check::Status;

/// Compiles the spec and serves its pages until a signal stops the server.
pub fn run(args: &ExploreArgs) -> Status {
    let (spec, model) = match super::compile_spec(&args.file, &args.defines) {
        Ok((spec, model)) => (spec, Arc::new(model)),
        Err(outcome) => return outcome,
    };
    let requested = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let listener = match TcpListener::bind(requested) {
        Ok(listener) => listener,
        Err(e) => return cannot_serve(&spec, requested, &e),
    };
    // `--port 0` lets the system pick: the address printed is the real one.
    let address = match listener.local_addr() {
        Ok(address) => address,
        Err(e) => return cannot_serve(&spec, requested, &e),
    };
    let stop = Arc::new(AtomicBool::new(false));
    let on_signal = Arc::clone(&stop);
    super::limits::on_interrupt(move || {
        on_signal.store(true, Ordering::SeqCst);
        // Wakes the accept loop, which then sees the flag.
        let _ = TcpStream::connect_timeout(&address, Duration::from_secs(1));
    });
    report::print_line(&format!(
        "{}: protocol {} explorable at http://{address}/ (stop with Ctrl-C)",
        spec.name, model.spec.protocol
    ));
    let pages = pages::Pages::new(
        Arc::clone(&model),
        spec.name.clone(),
        Arc::clone(&spec.source),
    );
    server::serve(
        listener,
        &stop,
        Arc::new(move |target: &str| pages.respond(target)),
    );
    report::eprint_line("stopped");
    Status::Ok
}

/// The port cannot be listened on: said in words, exit 2.
fn cannot_serve(spec: &report::SpecText, address: SocketAddr, e: &std::io::Error) -> Status {
    let diagnostic = dsmc::diagnostic::Diagnostic::error(
        "dsmc::cli::cannot_serve",
        format!("cannot listen on {address}: {e}"),
    )
    .help("choose another port with `--port`, or `--port 0` for any free one");
    report::print_diagnostics(spec, &[diagnostic], MessageFormat::Human);
    Status::SpecErrors
}
