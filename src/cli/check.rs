//! `dsmc check`: checks each spec and reports its verdicts.

use std::sync::Arc;

use dsmc::check::{CheckOptions, Checked, Status};
use dsmc::explore::Options;

use super::Outcome;
use super::report::{self, SpecText};
use crate::{CheckArgs, Engine, MessageFormat, ReportFormat};

/// Checks every file in turn (one bad file does not hide the others) and
/// returns the weightiest outcome.
pub fn run(args: &CheckArgs) -> Outcome {
    args.files
        .iter()
        .map(|path| check_file(path, args))
        .max()
        .unwrap_or(Outcome::Ok)
}

fn outcome(status: Status) -> Outcome {
    match status {
        Status::Ok => Outcome::Ok,
        Status::Failed => Outcome::NotAsExpected,
        Status::NoVerdict => Outcome::NoVerdict,
        Status::SpecErrors => Outcome::SpecErrors,
    }
}

fn check_file(path: &std::path::Path, args: &CheckArgs) -> Outcome {
    let Some(source) = super::read_spec(path) else {
        return Outcome::SpecErrors;
    };
    let spec = SpecText {
        name: path.display().to_string(),
        source: Arc::from(source),
    };
    let options = CheckOptions {
        overrides: args.defines.clone(),
        explore: Options {
            threads: args.threads,
            max_states: args.max_states,
        },
    };
    if args.engine == Engine::Stateright {
        return check_with_stateright(&spec, &options, args);
    }
    let checked = dsmc::check::check_source(&spec.source, &options);
    let status = checked.status();
    if args.format == ReportFormat::Json {
        // One JSON object per spec on stdout; diagnostics are inside it.
        report::print_line(&dsmc::report::json(&spec.name, &checked).to_string());
        return outcome(status);
    }
    match &checked {
        Checked::Errors(diagnostics) => {
            report::print_diagnostics(&spec, diagnostics, args.message_format);
            if args.message_format == MessageFormat::Human {
                report::eprint_line(&format!(
                    "{}: {}; the spec was not checked",
                    spec.name,
                    report::tally(diagnostics)
                ));
            }
        }
        Checked::Explored {
            warnings,
            model,
            exploration,
        } => {
            report::print_diagnostics(&spec, warnings, args.message_format);
            let threads = args.threads.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
            });
            let human = dsmc::report::human(&spec.name, &spec.source, model, exploration, threads);
            let mut out = String::new();
            out.push_str(&human.header);
            out.push('\n');
            out.push_str(&human.table);
            for finding in &human.findings {
                out.push('\n');
                out.push_str(&report::render(&spec, &finding.diagnostic));
                if !finding.trace.is_empty() {
                    out.push_str(&finding.trace);
                }
            }
            out.push('\n');
            out.push_str(&human.result);
            // With diagnostics as JSON lines, stdout is for them alone.
            if args.message_format == MessageFormat::Json {
                report::eprint_line(&out);
            } else {
                report::print_line(&out);
            }
        }
    }
    outcome(status)
}

/// Runs Stateright's checker on the compiled spec (invariants and
/// reachability only) and prints what it found.
fn check_with_stateright(spec: &SpecText, options: &CheckOptions, args: &CheckArgs) -> Outcome {
    let front = dsmc::front::check_source(&spec.source, &options.overrides);
    report::print_diagnostics(spec, &front.diagnostics, args.message_format);
    let Some(typed) = front.typed else {
        return Outcome::SpecErrors;
    };
    let model = match dsmc::model::lower(typed) {
        Ok(m) => Arc::new(m),
        Err(errors) => {
            let diagnostics: Vec<_> = errors
                .iter()
                .map(dsmc::model::LowerError::to_diagnostic)
                .collect();
            report::print_diagnostics(spec, &diagnostics, args.message_format);
            return Outcome::SpecErrors;
        }
    };
    let threads = args.threads.unwrap_or(1);
    let start = std::time::Instant::now();
    let result = dsmc::reference::check_with_stateright(Arc::clone(&model), threads);
    let mut out = format!(
        "{}: protocol {} (Stateright's checker)\nexplored {} distinct states in {:.2} s\n\n",
        spec.name,
        model.spec.protocol,
        result.states,
        start.elapsed().as_secs_f64()
    );
    let mut failed = false;
    for (p, prop) in model.spec.properties.iter().enumerate() {
        let verdict = match result.discoveries.iter().find(|(i, _)| *i == p) {
            Some(&(_, discovered)) => {
                let is_invariant = matches!(
                    model.properties[p],
                    dsmc::model::CompiledProperty::Invariant(_)
                );
                let violated = discovered == is_invariant;
                failed |= violated != prop.expect_violation;
                if violated { "violated" } else { "holds" }
            }
            None => "unchecked (not supported by this engine)",
        };
        out.push_str(&format!(
            "  {:<20} {:<10} {verdict}\n",
            prop.name,
            prop.kind.describe()
        ));
    }
    report::print_line(&out);
    if failed {
        Outcome::NotAsExpected
    } else {
        Outcome::Ok
    }
}
