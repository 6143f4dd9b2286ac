//! `dsmc check --format junit`: the run as JUnit XML, which CI servers show
//! as test results.
//!
//! One `<testsuite>` per spec, named by its path, with the protocol, the
//! constants and the counts as properties. One `<testcase>` per property and
//! one for deadlock: passed when as expected, `<failure>` with the
//! counterexample when not, `<skipped>` without a verdict. A step that failed
//! at run time, warnings denied by `--deny warnings` and a difference from
//! `dsmc.lock` are failing test cases of their own. A spec with errors is one
//! `<error>` test case carrying the diagnostics. Every text is neutralised
//! ([`dsmc::text::neutralise`]) before quick-junit sees it.

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use dsmc::check::{Checked, Expectation, expectation};
use dsmc::explore::{Exploration, Verdict};
use dsmc::lines::LineIndex;
use dsmc::model::Model;
use dsmc::report::{eval_error_text, trace_text, verdict_word, violation_label};
use dsmc::text::neutralise;

use super::lock::{Comparison, Lock};
use super::report::{self, render_plain};
use super::run::SpecRun;

/// The whole run as one JUnit XML document.
pub fn report(runs: &[SpecRun], lock: Option<&Lock>) -> String {
    let mut report = Report::new("dsmc");
    for run in runs {
        report.add_test_suite(suite(run, lock));
    }
    report.to_string().unwrap_or_else(|e| {
        // Writing XML into memory fails only on a bug in the writer.
        format!("<!-- dsmc: cannot write the JUnit report: {e} -->")
    })
}

/// `text` as the document carries it: with what a terminal must not see
/// escaped visibly (`\u{1b}`), as the human report shows it. quick-junit
/// would drop such characters, and an escape sequence with its
/// parameters, without a trace: a spec named `a<ESC>[31mb.ds` would be
/// reported as `ab.ds`.
fn shown(text: impl AsRef<str>) -> String {
    neutralise(text.as_ref()).into_owned()
}

fn suite(run: &SpecRun, lock: Option<&Lock>) -> TestSuite {
    let name = &run.spec.name;
    let mut suite = TestSuite::new(shown(name.as_str()));
    suite.set_time(run.elapsed);
    let case = |test: &str, status: TestCaseStatus| {
        let mut case = TestCase::new(shown(test), status);
        case.set_classname(shown(name.as_str()));
        case
    };
    match &run.checked {
        Checked::Errors(diagnostics) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(shown(format!(
                "{}; the spec was not checked",
                report::tally(diagnostics)
            )));
            if let Some(first) = diagnostics.iter().find(|d| d.is_error()) {
                status.set_type(first.code);
            }
            status.set_description(shown(
                diagnostics
                    .iter()
                    .map(|d| render_plain(&run.spec, d))
                    .collect::<String>(),
            ));
            suite.add_test_case(case("spec", status));
        }
        Checked::Explored {
            warnings,
            model,
            exploration,
        } => {
            add_properties(&mut suite, model, exploration);
            for (test_name, status, system_out) in explored_cases(run, model, exploration) {
                let mut test = case(&test_name, status);
                if let Some(text) = system_out {
                    test.set_system_out(shown(text));
                }
                suite.add_test_case(test);
            }
            let rendered: String = warnings
                .iter()
                .map(|d| render_plain(&run.spec, d))
                .collect();
            if run.checked.denied_warnings() > 0 {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(shown(format!(
                    "{} denied by --deny warnings",
                    report::tally(warnings)
                )));
                status.set_type("dsmc::check::denied_warnings");
                status.set_description(shown(rendered));
                suite.add_test_case(case("warnings", status));
            } else if !rendered.is_empty() {
                suite.set_system_err(shown(rendered));
            }
            if let Some(stop) = dsmc::report::stop_text(exploration) {
                suite.set_system_out(shown(format!(
                    "incomplete after {} distinct states: {}",
                    exploration.states,
                    stop.trim_start_matches("the ")
                )));
            }
        }
    }
    if let (Some((label, comparison)), Some(lock)) = (&run.lock, lock) {
        let status = match comparison {
            Comparison::Same => TestCaseStatus::success(),
            Comparison::Skipped(why) => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(shown(format!("not compared: {why}")));
                status
            }
            Comparison::Missing | Comparison::Changed(_) => {
                let mut status = if run.drift_fails {
                    TestCaseStatus::non_success(NonSuccessKind::Failure)
                } else {
                    // `--update-lock` records the change instead of failing.
                    TestCaseStatus::success()
                };
                let lines: Vec<String> = comparison
                    .lines()
                    .iter()
                    .map(|line| format!("{label}: {line}"))
                    .collect();
                status.set_message(shown(format!(
                    "the state space differs from {}",
                    lock.path.display()
                )));
                status.set_type("dsmc::lock::drift");
                status.set_description(shown(lines.join("\n")));
                status
            }
        };
        suite.add_test_case(case(&lock.path.display().to_string(), status));
    }
    suite
}

/// The protocol, constants and counts, as `<properties>`.
fn add_properties(suite: &mut TestSuite, model: &Model, exploration: &Exploration) {
    suite.add_property(Property::new("protocol", shown(&model.spec.protocol)));
    for c in &model.spec.consts {
        suite.add_property(Property::new(
            shown(format!("const {}", c.name)),
            shown(c.value.to_string()),
        ));
    }
    suite.add_property(Property::new("states", exploration.states.to_string()));
    suite.add_property(Property::new(
        "transitions",
        exploration.transitions.to_string(),
    ));
    suite.add_property(Property::new("depth", exploration.depth.to_string()));
    suite.add_property(Property::new("complete", exploration.complete.to_string()));
    if let Some(stop) = exploration.stop {
        suite.add_property(Property::new(
            "stopped",
            dsmc::report::stop_word(stop.reason).to_string(),
        ));
    }
}

/// The test cases of an explored spec: its properties, deadlock, and a step
/// that failed at run time; each with its name, status and, for a violation
/// the spec expects, the counterexample as its output.
fn explored_cases(
    run: &SpecRun,
    model: &Model,
    exploration: &Exploration,
) -> Vec<(String, TestCaseStatus, Option<String>)> {
    let path = run.spec.name.as_str();
    let lines = LineIndex::new(&run.spec.source);
    let mut out = Vec::new();
    for (p, verdict) in model.spec.properties.iter().zip(&exploration.verdicts) {
        let mut system_out = None;
        let status = match (expectation(verdict, p.expect_violation), verdict) {
            (Expectation::Met, Verdict::Violated(Some(t))) => {
                // A known bug, shown as the spec means to show it.
                let at = lines.position(p.span.start);
                system_out = Some(format!(
                    "violated, as expected; counterexample for `{}` ({path}:{at}):\n{}",
                    p.name,
                    trace_text(model, t, path, &lines)
                ));
                TestCaseStatus::success()
            }
            (Expectation::Met, _) => TestCaseStatus::success(),
            (Expectation::Open, v) => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(shown(match v {
                    Verdict::Unknown => "unknown: the search stopped before a verdict".to_string(),
                    Verdict::NotSelected => "not selected: left out by --property".to_string(),
                    _ => format!("{}: not checked by this engine", verdict_word(v)),
                }));
                status
            }
            (Expectation::Unmet, Verdict::Error(t)) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(shown(eval_error_text(model, t).unwrap_or_default()));
                status.set_type("dsmc::check::evaluation");
                status.set_description(shown(format!(
                    "evaluation failed:\n{}",
                    trace_text(model, t, path, &lines)
                )));
                status
            }
            (Expectation::Unmet, Verdict::Violated(trace)) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(shown(format!(
                    "property `{}` is violated: {}",
                    p.name,
                    violation_label(&p.kind, trace.as_ref())
                )));
                status.set_type(format!("dsmc::property::{}", p.kind.describe()));
                if let Some(t) = trace {
                    let at = lines.position(p.span.start);
                    status.set_description(shown(format!(
                        "counterexample for `{}` ({path}:{at}):\n{}",
                        p.name,
                        trace_text(model, t, path, &lines)
                    )));
                }
                status
            }
            (Expectation::Unmet, _) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(shown(format!(
                    "property `{}` holds, but the spec expects it to be violated",
                    p.name
                )));
                status.set_type(format!("dsmc::property::{}", p.kind.describe()));
                status
            }
        };
        out.push((p.name.clone(), status, system_out));
    }
    let deadlock = match &exploration.deadlock {
        Verdict::Holds => TestCaseStatus::success(),
        Verdict::Violated(trace) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message("a reachable state has no enabled step");
            status.set_type("dsmc::check::deadlock");
            if let Some(t) = trace {
                status.set_description(shown(format!(
                    "deadlock:\n{}  (no step is enabled here)\n",
                    trace_text(model, t, path, &lines)
                )));
            }
            status
        }
        Verdict::Unchecked | Verdict::NotSelected => {
            let mut status = TestCaseStatus::skipped();
            status.set_message("not checked: the spec allows deadlock");
            status
        }
        // A deadlock is found or not; no evaluation decides it.
        Verdict::Unknown | Verdict::Error(_) => {
            let mut status = TestCaseStatus::skipped();
            status.set_message("unknown: the search stopped before a verdict");
            status
        }
    };
    out.push(("deadlock".to_string(), deadlock, None));
    if let Some(t) = &exploration.runtime_error {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        match eval_error_text(model, t) {
            Some(text) => {
                status.set_message(shown(text));
                status.set_type("dsmc::check::evaluation");
            }
            None => {
                let what = t
                    .failed
                    .as_ref()
                    .map_or("runtime error".to_string(), |(_, e)| e.describe());
                status.set_message(shown(format!("a step fails: {what}")));
                status.set_type("dsmc::check::runtime_error");
            }
        }
        status.set_description(shown(format!(
            "runtime error:\n{}",
            trace_text(model, t, path, &lines)
        )));
        out.push(("runtime error".to_string(), status, None));
    }
    out
}
