//! `dsmc explore SPEC`: the compiled spec in Stateright's Explorer, a web
//! UI to walk the state space step by step, served on the loopback
//! interface until the process is stopped.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;

use super::Outcome;
use super::report;
use crate::{ExploreArgs, MessageFormat};

/// Compiles the spec and serves it; returns only on an error.
pub fn run(args: &ExploreArgs) -> Outcome {
    let (spec, model) = match super::compile_spec(&args.file, &args.defines) {
        Ok((spec, model)) => (spec, Arc::new(model)),
        Err(outcome) => return outcome,
    };
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    // Stateright's server panics when it cannot bind; find out first, and
    // say why in words.
    match TcpListener::bind(address) {
        Ok(listener) => drop(listener),
        Err(e) => {
            let diagnostic = dsmc::diagnostic::Diagnostic::error(
                "dsmc::cli::cannot_serve",
                format!("cannot listen on {address}: {e}"),
            )
            .help("choose another port with `--port`");
            report::print_diagnostics(&spec, &[diagnostic], MessageFormat::Human);
            return Outcome::SpecErrors;
        }
    }
    report::print_line(&format!(
        "{}: protocol {} in Stateright's Explorer at http://{address}/ (stop with Ctrl-C)",
        spec.name, model.spec.protocol
    ));
    dsmc::reference::serve_explorer(model, address);
    Outcome::Ok
}
