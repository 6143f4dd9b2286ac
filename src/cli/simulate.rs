//! `dsmc simulate SPEC`: random walks through a spec too large to explore,
//! checking the safety properties along each walk. Its report never says a
//! property holds: a walk can refute, not prove.

use std::sync::Arc;

use super::Outcome;
use super::report::{self, SpecText};
use crate::{MessageFormat, SimulateArgs};
use dsmc::model::CompiledProperty;
use dsmc::report::{thousands, trace_text};
use dsmc::simulate::{SimOptions, simulate};

/// Compiles the spec, walks it and prints what the walks found.
pub fn run(args: &SimulateArgs) -> Outcome {
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
        Ok(model) => model,
        Err(errors) => {
            let diagnostics: Vec<_> = errors
                .iter()
                .map(dsmc::model::LowerError::to_diagnostic)
                .collect();
            report::print_diagnostics(&spec, &diagnostics, MessageFormat::Human);
            return Outcome::SpecErrors;
        }
    };
    let options = SimOptions {
        runs: args.runs,
        depth: args.depth,
        seed: args.seed,
    };
    let sim = match simulate(&model, &options) {
        Ok(sim) => sim,
        Err(e) => {
            report::print_line(&format!(
                "{}: an initial value cannot be computed: {}",
                spec.name,
                e.describe()
            ));
            return Outcome::SpecErrors;
        }
    };
    let mut out = format!("{}: protocol {}\n", spec.name, model.spec.protocol);
    out.push_str(&format!(
        "simulated {} random runs of up to {} steps (seed {}), {} steps in all\n\
         a simulation finds violations; it proves nothing\n\n",
        thousands(sim.runs),
        options.depth,
        options.seed,
        thousands(sim.steps)
    ));
    let width = model
        .spec
        .properties
        .iter()
        .map(|p| p.name.len())
        .max()
        .unwrap_or(0);
    let mut unexpected = 0;
    let mut traces = String::new();
    let replay = |run: u64| {
        format!(
            "run {run} of seed {} (dsmc simulate {} --seed {} --runs {})",
            options.seed,
            spec.name,
            options.seed,
            run + 1
        )
    };
    for (p, def) in model.spec.properties.iter().enumerate() {
        let kind = def.kind.describe();
        let (mark, text) = match (&model.properties[p], &sim.violations[p]) {
            (CompiledProperty::Reachable(_), _) => {
                if sim.reached[p] {
                    ("ok  ", "reached".to_string())
                } else {
                    ("--  ", "not reached in these runs".to_string())
                }
            }
            (CompiledProperty::LeadsTo(..) | CompiledProperty::Transient(_), _) => {
                ("--  ", "unchecked (liveness needs dsmc check)".to_string())
            }
            (_, Some((run, trace))) => {
                traces.push_str(&format!(
                    "\ncounterexample for `{}`, found in {}:\n{}",
                    def.name,
                    replay(*run),
                    trace_text(&model, trace, &spec.name, &spec.source)
                ));
                if def.expect_violation {
                    ("ok  ", "violated (expected: violated)".to_string())
                } else {
                    unexpected += 1;
                    ("FAIL", "violated".to_string())
                }
            }
            (_, None) => ("--  ", "not violated in these runs".to_string()),
        };
        out.push_str(&format!("  {mark} {:width$}  {kind:10} {text}\n", def.name));
    }
    if let Some((run, trace)) = &sim.deadlock {
        unexpected += 1;
        out.push_str("  FAIL deadlock found\n");
        traces.push_str(&format!(
            "\ndeadlock, found in {}:\n{}",
            replay(*run),
            trace_text(&model, trace, &spec.name, &spec.source)
        ));
    }
    if let Some((run, trace)) = &sim.runtime_error {
        unexpected += 1;
        out.push_str("  FAIL a step failed at run time\n");
        traces.push_str(&format!(
            "\nrun-time error, found in {}:\n{}",
            replay(*run),
            trace_text(&model, trace, &spec.name, &spec.source)
        ));
    }
    out.push_str(&traces);
    out.push_str(&if unexpected > 0 {
        format!(
            "\nresult: FAILED ({unexpected} finding{} not expected)",
            if unexpected == 1 { "" } else { "s" }
        )
    } else {
        "\nresult: no unexpected violation in these runs (not a proof)".to_string()
    });
    report::print_line(&out);
    if unexpected > 0 {
        Outcome::NotAsExpected
    } else {
        Outcome::Ok
    }
}
