//! `dsmc simulate SPEC`: random walks through a spec too large to explore,
//! checking the safety properties along each walk. Its report never says a
//! property holds: a walk can refute, not prove.

use super::report;
use crate::SimulateArgs;
use dsmc::check::Status;
use dsmc::model::CompiledProperty;
use dsmc::report::{thousands, trace_text};
use dsmc::simulate::{SimOptions, simulate};

/// Compiles the spec, walks it and prints what the walks found.
pub fn run(args: &SimulateArgs) -> Status {
    let (spec, model) = match super::compile_spec(&args.file, &args.defines) {
        Ok(compiled) => compiled,
        Err(outcome) => return outcome,
    };
    let timeout = match &args.timeout {
        Some(v) => match super::limits::parse_duration("--timeout", v) {
            Ok(t) => Some(t),
            Err(bad) => {
                bad.print(crate::MessageFormat::Human);
                return Status::SpecErrors;
            }
        },
        None => None,
    };
    let options = SimOptions {
        runs: args.runs,
        depth: args.depth,
        seed: args.seed,
        timeout,
        stop: Some(super::limits::stop_signal()),
    };
    let sim = match simulate(&model, &options) {
        Ok(sim) => sim,
        Err(e) => {
            report::print_line(&format!(
                "{}: no walk can start: {}",
                spec.name,
                e.describe()
            ));
            return Status::SpecErrors;
        }
    };
    let mut out = format!("{}: protocol {}\n", spec.name, model.spec.protocol);
    out.push_str(&format!(
        "simulated {} random runs of up to {} steps (seed {}), {} steps in all\n\
         a simulation finds violations; it proves nothing\n",
        thousands(sim.runs),
        options.depth,
        options.seed,
        thousands(sim.steps)
    ));
    if let Some(reason) = sim.stopped {
        out.push_str(&format!(
            "the simulation is incomplete: {} after {} of {} runs\n",
            dsmc::report::stop_clause(reason),
            thousands(sim.runs),
            thousands(options.runs)
        ));
    }
    out.push('\n');
    let width = model
        .spec
        .properties
        .iter()
        .map(|p| p.name.len())
        .max()
        .unwrap_or(0);
    let mut unexpected = 0;
    let mut traces = String::new();
    let lines = dsmc::lines::LineIndex::new(&spec.source);
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
            (_, Some((run, trace))) if trace.eval_error.is_some() => {
                traces.push_str(&format!(
                    "\nevaluation failed for `{}`, found in {}:\n{}",
                    def.name,
                    replay(*run),
                    trace_text(&model, trace, &spec.name, &lines)
                ));
                unexpected += 1;
                ("FAIL", "error (an evaluation failed)".to_string())
            }
            (CompiledProperty::Reachable(_), _) => {
                if sim.reached[p] {
                    ("ok  ", "reached".to_string())
                } else {
                    ("--  ", "not reached in these runs".to_string())
                }
            }
            (
                CompiledProperty::LeadsTo(..)
                | CompiledProperty::Transient(_)
                | CompiledProperty::Persistent(_),
                _,
            ) => ("--  ", "unchecked (liveness needs dsmc check)".to_string()),
            (_, Some((run, trace))) => {
                traces.push_str(&format!(
                    "\ncounterexample for `{}`, found in {}:\n{}",
                    def.name,
                    replay(*run),
                    trace_text(&model, trace, &spec.name, &lines)
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
    let findings = [
        (&sim.deadlock, "deadlock found", "deadlock"),
        (
            &sim.runtime_error,
            "a step or an evaluation failed at run time",
            "run-time error",
        ),
    ];
    for (found, line, title) in findings {
        if let Some((run, trace)) = found {
            unexpected += 1;
            out.push_str(&format!("  FAIL {line}\n"));
            traces.push_str(&format!(
                "\n{title}, found in {}:\n{}",
                replay(*run),
                trace_text(&model, trace, &spec.name, &lines)
            ));
        }
    }
    out.push_str(&traces);
    out.push_str(&if unexpected > 0 {
        format!(
            "\nresult: FAILED ({unexpected} finding{} not expected)",
            if unexpected == 1 { "" } else { "s" }
        )
    } else if let Some(reason) = sim.stopped {
        format!(
            "\nresult: INCOMPLETE ({}; no unexpected violation in the runs done, not a proof)",
            dsmc::report::stop_word(reason)
        )
    } else {
        "\nresult: no unexpected violation in these runs (not a proof)".to_string()
    });
    report::print_line(&out);
    if unexpected > 0 {
        Status::Failed
    } else if sim.stopped.is_some() {
        Status::NoVerdict
    } else {
        Status::Ok
    }
}
