//! `dsmc fmt`: rewrites specs in the canonical layout, or with `--check`
//! shows what it would change. A spec is replaced atomically
//! (`atomic::write`), keeping its permissions.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use super::report::{self, SpecText};
use crate::{FmtArgs, MessageFormat};
use dsmc::check::Status;

/// Formats every file in turn and returns the weightiest outcome.
pub fn run(args: &FmtArgs) -> Status {
    args.files
        .iter()
        .map(|path| format_file(path, args.check))
        .max()
        .unwrap_or(Status::Ok)
}

fn format_file(path: &Path, check: bool) -> Status {
    let source = match super::read_spec(path) {
        Ok(source) => source,
        Err(diagnostic) => {
            let file = SpecText {
                name: path.display().to_string(),
                source: "".into(),
            };
            report::print_diagnostics(&file, &[diagnostic], MessageFormat::Human);
            return Status::SpecErrors;
        }
    };
    let spec = SpecText {
        name: path.display().to_string(),
        source: Arc::from(source),
    };
    let front = dsmc::front::check_source(&spec.source, &[]);
    // Formatting needs only a parse: a spec with type errors is still
    // formatted, as a program that does not compile is by rustfmt.
    let Some(ast) = front.ast else {
        report::print_diagnostics(&spec, &front.diagnostics, MessageFormat::Human);
        report::eprint_line(&format!(
            "{}: {}; the file was not formatted",
            spec.name,
            report::tally(&front.diagnostics)
        ));
        return Status::SpecErrors;
    };
    let formatted = dsmc::fmt::format_spec(&ast, &spec.source);
    if formatted == *spec.source {
        return Status::Ok;
    }
    if check {
        let diff = unified_diff(&spec.name, &spec.source, &formatted);
        // A diff piped to `patch` needs the bytes as they are; on a
        // terminal, people read it, and control characters are escaped.
        if std::io::stdout().is_terminal() {
            report::print_line(&diff);
        } else {
            report::print_verbatim(&diff);
        }
        return Status::Failed;
    }
    // A formatter bug must not turn a good spec into a broken one on disk.
    if dsmc::syntax::parse(&formatted).is_err() {
        report::eprint_line(&format!(
            "error: formatting `{}` gave text that does not parse, so the file was left as it was; \
             this is a bug in dsmc fmt",
            spec.name
        ));
        return Status::SpecErrors;
    }
    // A temporary file renamed over the spec, with the spec's permissions:
    // a failed write (a full disk) leaves the spec as it was.
    if let Err(e) = super::atomic::write(path, formatted.as_bytes()) {
        let diagnostic = e.to_diagnostic("dsmc::cli::cannot_write", "the formatted spec", path);
        let file = SpecText {
            name: spec.name.clone(),
            source: "".into(),
        };
        report::print_diagnostics(&file, &[diagnostic], MessageFormat::Human);
        return Status::SpecErrors;
    }
    report::print_line(&format!("formatted {}", spec.name));
    Status::Ok
}

/// A unified diff from `old` to `new`, both under the file's own name so
/// that `patch -p0` applies it.
fn unified_diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(name, name)
        .to_string()
}
