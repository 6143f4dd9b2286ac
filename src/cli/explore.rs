//! `dsmc explore SPEC`: the compiled spec in Stateright's Explorer, a web
//! UI to walk the state space step by step, served on the loopback
//! interface until the process is stopped.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;

use super::Outcome;
use super::report::{self, SpecText};
use crate::{ExploreArgs, MessageFormat};

/// Compiles the spec and serves it; returns only on an error.
pub fn run(args: &ExploreArgs) -> Outcome {
    let name = args.file.display().to_string();
    let source = match super::read_spec(&args.file) {
        Ok(source) => source,
        Err(diagnostic) => {
            let spec = SpecText {
                name,
                source: "".into(),
            };
            report::print_diagnostics(&spec, &[diagnostic], MessageFormat::Human);
            return Outcome::SpecErrors;
        }
    };
    let spec = SpecText {
        name,
        source: Arc::from(source),
    };
    let front = dsmc::front::check_source(&spec.source, &args.defines);
    report::print_diagnostics(&spec, &front.diagnostics, MessageFormat::Human);
    let Some(typed) = front.typed else {
        return Outcome::SpecErrors;
    };
    let model = match dsmc::model::lower(typed) {
        Ok(model) => Arc::new(model),
        Err(errors) => {
            let diagnostics: Vec<_> = errors
                .iter()
                .map(dsmc::model::LowerError::to_diagnostic)
                .collect();
            report::print_diagnostics(&spec, &diagnostics, MessageFormat::Human);
            return Outcome::SpecErrors;
        }
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
