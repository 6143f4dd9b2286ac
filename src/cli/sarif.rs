//! `dsmc check --format sarif`: the run as a SARIF 2.1.0 log, which code
//! scanning services (GitHub's among them) show next to the source.
//!
//! One result per property that is not as expected, per deadlock, per step
//! that failed at run time, per diagnostic (errors, and warnings including
//! coverage warnings), per search stopped by a limit and per difference from
//! `dsmc.lock`. Each is located at the property's or diagnostic's span
//! (lines and columns 1-based, columns counting characters: the run's
//! `columnKind` is `unicodeCodePoints`); a counterexample becomes a code
//! flow whose steps point at the actions and handlers taken and carry what
//! each step changed as their `state`. A property violated as the spec
//! expects (`expect violation`) is no result: nothing is wrong.

use std::collections::BTreeMap;

use serde_sarif::sarif::{
    ArtifactLocation, CodeFlow, Invocation, Location, Message, MultiformatMessageString,
    PhysicalLocation, Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult,
    ResultLevel, Run, Sarif, ThreadFlow, ThreadFlowLocation, Tool, ToolComponent,
};

use dsmc::check::{Checked, Expectation, Status, expectation};
use dsmc::diagnostic::{Diagnostic, Severity};
use dsmc::explore::{Exploration, Trace, Verdict};
use dsmc::lines::LineIndex;
use dsmc::model::Model;
use dsmc::report::{eval_error_text, violation_label};
use dsmc::syntax::ast::Span;

use super::lock::Comparison;
use super::report::SpecText;
use super::run::SpecRun;

/// The schema the log declares: the OASIS standard's, errata 01.
const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The whole run as one SARIF log, pretty-printed.
pub fn log(runs: &[SpecRun], outcome: Status) -> String {
    let mut rules = Rules::default();
    let mut results = Vec::new();
    for run in runs {
        spec_results(run, &mut rules, &mut results);
    }
    let driver = ToolComponent::builder()
        .name("dsmc")
        .version(env!("CARGO_PKG_VERSION"))
        .rules(rules.descriptors)
        .build();
    let invocation = Invocation::builder()
        // dsmc ran to the end; what it found is in the results.
        .execution_successful(true)
        .exit_code(i64::from(outcome.exit_code()))
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .invocations(vec![invocation])
        .build();
    let log = Sarif::builder()
        .schema(SCHEMA)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_string_pretty(&log).unwrap_or_else(|e| {
        // The log is strings and numbers; this only keeps a panic out.
        format!("{{\"error\": \"cannot write the SARIF log: {e}\"}}")
    })
}

/// The rules the results refer to, in order of first use.
#[derive(Default)]
struct Rules {
    descriptors: Vec<ReportingDescriptor>,
}

impl Rules {
    /// The index of rule `id`, added with its description on first use.
    fn index(&mut self, id: &str, level: ResultLevel) -> i64 {
        if let Some(i) = self.descriptors.iter().position(|d| d.id == id) {
            return i as i64;
        }
        let description = MultiformatMessageString::builder()
            .text(rule_description(id))
            .build();
        let configuration = ReportingConfiguration::builder()
            .level(serde_json::json!(level_word(level)))
            .build();
        self.descriptors.push(
            ReportingDescriptor::builder()
                .id(id)
                .short_description(description)
                .default_configuration(configuration)
                .build(),
        );
        (self.descriptors.len() - 1) as i64
    }
}

fn level_word(level: ResultLevel) -> &'static str {
    match level {
        ResultLevel::None => "none",
        ResultLevel::Note => "note",
        ResultLevel::Warning => "warning",
        ResultLevel::Error => "error",
    }
}

/// What a rule checks, in one sentence.
fn rule_description(id: &str) -> String {
    if let Some(kind) = id.strip_prefix("dsmc::property::") {
        return format!("a property of kind `{kind}` is not as expected");
    }
    let known = match id {
        "dsmc::check::deadlock" => "a reachable state has no enabled step",
        "dsmc::check::runtime_error" => "a step fails at run time",
        "dsmc::check::incomplete" => {
            "a limit (states, memory, time, Ctrl-C) stopped the check before every verdict"
        }
        "dsmc::coverage::never_enabled" => "an action or handler never runs in any reachable state",
        "dsmc::coverage::never_sent" => "a message kind is never sent in any reachable state",
        "dsmc::coverage::never_delivered" => "a message kind is sent but never delivered",
        "dsmc::lock::drift" => "the state space differs from the one recorded in the lockfile",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    let stage = id.split("::").nth(1).unwrap_or("");
    match stage {
        "parse" => "the spec does not parse",
        "resolve" => "a declaration or name in the spec is wrong",
        "typeck" => "the spec does not type-check",
        "lint" => "the spec is valid but probably not what was meant",
        "lower" | "check" => "the spec cannot be explored",
        "cli" => "a spec named on the command line cannot be read",
        _ => "a problem with the spec",
    }
    .to_string()
}

/// The spec's path as a URI reference: relative paths stay relative (to
/// the directory dsmc ran in, the repository root in CI), with `/` and
/// percent-encoding; absolute ones become `file://` URIs.
fn uri(name: &str) -> String {
    let path = name.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut encoded = String::new();
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

/// Where a result is: the spec, and the span when there is one.
fn location(
    spec: &SpecText,
    lines: &LineIndex<'_>,
    span: Option<Span>,
    message: Option<&str>,
) -> Location {
    let artifact = ArtifactLocation::builder().uri(uri(&spec.name)).build();
    let physical = match span {
        Some(span) => {
            let (start, end) = lines.span_positions(span);
            let region = Region::builder()
                .start_line(start.line as i64)
                .start_column(start.column as i64)
                .end_line(end.line as i64)
                .end_column(end.column as i64)
                .build();
            PhysicalLocation::builder()
                .artifact_location(artifact)
                .region(region)
                .build()
        }
        None => PhysicalLocation::builder()
            .artifact_location(artifact)
            .build(),
    };
    match message {
        Some(text) => Location::builder()
            .physical_location(physical)
            .message(Message::builder().text(text).build())
            .build(),
        None => Location::builder().physical_location(physical).build(),
    }
}

/// The first line of a spec, for results about the spec as a whole.
fn whole_spec() -> Option<Span> {
    Some(Span::new(0, 0))
}

/// Everything one spec contributes.
fn spec_results(run: &SpecRun, rules: &mut Rules, out: &mut Vec<SarifResult>) {
    let spec = &run.spec;
    let lines = LineIndex::new(&spec.source);
    match &run.checked {
        Checked::Errors(diagnostics) => {
            for d in diagnostics {
                out.push(diagnostic_result(spec, &lines, d, rules));
            }
        }
        Checked::Explored {
            warnings,
            model,
            exploration,
        } => {
            for d in warnings {
                out.push(diagnostic_result(spec, &lines, d, rules));
            }
            explored_results(spec, &lines, model, exploration, rules, out);
        }
    }
    if let Some((label, comparison)) = &run.lock
        && run.drift_fails
        && comparison.is_drift()
    {
        let what = match comparison {
            Comparison::Changed(lines) => lines.join("; "),
            _ => "not in the lock".to_string(),
        };
        let text = format!("the state space of `{label}` differs from the lockfile: {what}");
        out.push(
            SarifResult::builder()
                .rule_id("dsmc::lock::drift")
                .rule_index(rules.index("dsmc::lock::drift", ResultLevel::Error))
                .level(ResultLevel::Error)
                .message(Message::builder().text(text).build())
                .locations(vec![location(spec, &lines, whole_spec(), None)])
                .build(),
        );
    }
}

/// A diagnostic as a result: its code is the rule; secondary labels are
/// related locations.
fn diagnostic_result(
    spec: &SpecText,
    lines: &LineIndex<'_>,
    d: &Diagnostic,
    rules: &mut Rules,
) -> SarifResult {
    let level = match d.severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
    };
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let primary = d.labels.first().filter(|l| l.primary).map(|l| l.span);
    let related: Vec<Location> = d
        .labels
        .iter()
        .filter(|l| !l.primary)
        .map(|l| location(spec, lines, Some(l.span), Some(&l.message)))
        .collect();
    // An unreadable file has no text to point into.
    let located = !spec.source.is_empty() || primary.is_some();
    let builder = SarifResult::builder()
        .rule_id(d.code)
        .rule_index(rules.index(d.code, level))
        .level(level)
        .message(Message::builder().text(text).build());
    match (located, related.is_empty()) {
        (false, _) => builder.build(),
        (true, true) => builder
            .locations(vec![location(spec, lines, primary, None)])
            .build(),
        (true, false) => builder
            .locations(vec![location(spec, lines, primary, None)])
            .related_locations(related)
            .build(),
    }
}

/// The findings of an explored spec.
fn explored_results(
    spec: &SpecText,
    lines: &LineIndex<'_>,
    model: &Model,
    exploration: &Exploration,
    rules: &mut Rules,
    out: &mut Vec<SarifResult>,
) {
    for (p, verdict) in model.spec.properties.iter().zip(&exploration.verdicts) {
        if expectation(verdict, p.expect_violation) != Expectation::Unmet {
            continue;
        }
        let rule = format!("dsmc::property::{}", p.kind.describe());
        let (text, trace) = match verdict {
            Verdict::Error(t) => (eval_error_text(model, t).unwrap_or_default(), Some(t)),
            Verdict::Violated(trace) => (
                format!(
                    "property `{}` is violated: {}",
                    p.name,
                    violation_label(&p.kind, trace.as_ref())
                ),
                trace.as_ref(),
            ),
            _ => (
                format!(
                    "property `{}` holds, but the spec expects it to be violated",
                    p.name
                ),
                None,
            ),
        };
        let builder = SarifResult::builder()
            .rule_index(rules.index(&rule, ResultLevel::Error))
            .rule_id(rule)
            .level(ResultLevel::Error)
            .message(Message::builder().text(text).build())
            .locations(vec![location(spec, lines, Some(p.span), None)]);
        out.push(match trace {
            Some(t) => builder
                .code_flows(vec![code_flow(spec, lines, model, t)])
                .build(),
            None => builder.build(),
        });
    }
    if let Verdict::Violated(Some(t)) = &exploration.deadlock {
        // The step into the state where nothing is enabled, or the start.
        let last = t
            .steps
            .iter()
            .enumerate()
            .next_back()
            .and_then(|(i, step)| {
                model
                    .describe_step(&t.states[i], step, t.states.get(i + 1).map(Vec::as_slice))
                    .span
            });
        out.push(
            SarifResult::builder()
                .rule_id("dsmc::check::deadlock")
                .rule_index(rules.index("dsmc::check::deadlock", ResultLevel::Error))
                .level(ResultLevel::Error)
                .message(
                    Message::builder()
                        .text(format!(
                            "a reachable state has no enabled step (after {})",
                            steps(t.steps.len())
                        ))
                        .build(),
                )
                .locations(vec![location(spec, lines, last.or(whole_spec()), None)])
                .code_flows(vec![code_flow(spec, lines, model, t)])
                .build(),
        );
    }
    if let Some(t) = &exploration.runtime_error {
        let (span, what) = match (&t.failed, &t.eval_error) {
            (Some((_, e)), _) => (Some(e.span), format!("a step fails: {}", e.describe())),
            (None, Some(e)) => (
                Some(e.error.span),
                eval_error_text(model, t).unwrap_or_default(),
            ),
            (None, None) => (whole_spec(), "a step fails: runtime error".to_string()),
        };
        out.push(
            SarifResult::builder()
                .rule_id("dsmc::check::runtime_error")
                .rule_index(rules.index("dsmc::check::runtime_error", ResultLevel::Error))
                .level(ResultLevel::Error)
                .message(Message::builder().text(what).build())
                .locations(vec![location(spec, lines, span, None)])
                .code_flows(vec![code_flow(spec, lines, model, t)])
                .build(),
        );
    }
    if let Some(stop) = exploration.stop {
        let open = exploration
            .verdicts
            .iter()
            .filter(|v| matches!(v, Verdict::Unknown))
            .count();
        out.push(
            SarifResult::builder()
                .rule_id("dsmc::check::incomplete")
                .rule_index(rules.index("dsmc::check::incomplete", ResultLevel::Warning))
                .level(ResultLevel::Warning)
                .message(
                    Message::builder()
                        .text(format!(
                            "the {} is incomplete after {} distinct states: {}; {}; {open} propert{} without verdict (unknown)",
                            if stop.in_liveness { "liveness check" } else { "search" },
                            exploration.states,
                            dsmc::report::stop_clause(stop.reason),
                            if stop.in_liveness {
                                "every reachable state was explored".to_string()
                            } else {
                                dsmc::report::depth_clause(exploration)
                            },
                            if open == 1 { "y" } else { "ies" }
                        ))
                        .build(),
                )
                .locations(vec![location(spec, lines, whole_spec(), None)])
                .build(),
        );
    }
}

/// A counterexample as a code flow: the initial state, then one location
/// per step at the action or handler taken, with what it changed.
fn code_flow(spec: &SpecText, lines: &LineIndex<'_>, model: &Model, trace: &Trace) -> CodeFlow {
    let state = |changes: Vec<dsmc::model::Change>| {
        let mut map: BTreeMap<String, MultiformatMessageString> = BTreeMap::new();
        for change in changes {
            // The network changes several times in one step: `+ a; - b`.
            let text = match map.remove(&change.what) {
                Some(old) => format!("{}; {}", old.text, change.value),
                None => change.value,
            };
            map.insert(
                change.what,
                MultiformatMessageString::builder().text(text).build(),
            );
        }
        map
    };
    let mut locations = Vec::new();
    if let Some(first) = trace.states.first() {
        locations.push(
            ThreadFlowLocation::builder()
                .location(
                    Location::builder()
                        .message(Message::builder().text("initial state").build())
                        .build(),
                )
                .state(state(model.describe_state(first)))
                .execution_order(0)
                .build(),
        );
    }
    let loop_start = trace.lasso.filter(|l| !l.stutter).map(|l| l.start);
    for (i, step) in trace.steps.iter().enumerate() {
        let d = model.describe_step(
            &trace.states[i],
            step,
            trace.states.get(i + 1).map(Vec::as_slice),
        );
        let mut text = format!("step {}  {}", i + 1, d.name);
        if loop_start == Some(i) {
            text.push_str(" (the loop starts here)");
        }
        locations.push(
            ThreadFlowLocation::builder()
                .location(step_location(spec, lines, d.span, text))
                .state(state(d.changes))
                .execution_order((i + 1) as i64)
                .build(),
        );
    }
    if let Some((step, error)) = &trace.failed {
        let last = trace.states.last().map(Vec::as_slice).unwrap_or(&[]);
        let d = model.describe_step(last, step, None);
        let text = format!(
            "step {}  {} fails: {}",
            trace.steps.len() + 1,
            d.name,
            error.describe()
        );
        locations.push(
            ThreadFlowLocation::builder()
                .location(step_location(spec, lines, Some(error.span), text))
                .execution_order((trace.steps.len() + 1) as i64)
                .build(),
        );
    }
    let summary = match trace.lasso {
        Some(l) if l.stutter => format!(
            "from state {} on, the behaviour stays there for ever: no fair step is enabled",
            l.start
        ),
        Some(l) => format!("from state {} on, the steps repeat for ever", l.start),
        None => format!("{} from an initial state", steps(trace.steps.len())),
    };
    let thread = ThreadFlow::builder()
        .locations(locations)
        .message(Message::builder().text(summary).build())
        .build();
    CodeFlow::builder().thread_flows(vec![thread]).build()
}

/// `1 step`, `5 steps`.
fn steps(n: usize) -> String {
    format!("{n} step{}", if n == 1 { "" } else { "s" })
}

fn step_location(
    spec: &SpecText,
    lines: &LineIndex<'_>,
    span: Option<Span>,
    text: String,
) -> Location {
    match span {
        Some(span) => location(spec, lines, Some(span), Some(&text)),
        None => Location::builder()
            .message(Message::builder().text(text).build())
            .build(),
    }
}
