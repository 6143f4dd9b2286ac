//! What `dsmc check` says: the human report, and the JSON object
//! ([`json`]).
//!
//! The library builds the text and the diagnostics; `main.rs` prints them
//! (rendering diagnostics with miette). Nothing here depends on the terminal.

pub mod json;

use crate::check::{Expectation, expectation};
use crate::diagnostic::Diagnostic;
use crate::explore::{Evaluated, Exploration, StopReason, Trace, Verdict};
use crate::lines::LineIndex;
use crate::model::Model;
use crate::msc::ChartOptions;
use crate::syntax::ast::Span;

/// A violation to show: the diagnostic pointing at the property, and the
/// counterexample as text.
pub struct Finding {
    /// Points at the property (or the step that failed).
    pub diagnostic: Diagnostic,
    /// The counterexample, as a listing or a chart.
    pub trace: String,
}

/// The human report of an explored spec.
pub struct HumanReport {
    /// Spec, constants, counts.
    pub header: String,
    /// One line per property.
    pub table: String,
    /// Violations, with traces.
    pub findings: Vec<Finding>,
    /// The closing line.
    pub result: String,
}

/// `1146` as `1,146`, as reports write counts.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The verdict as reports and the JSON object name it.
pub fn verdict_word(v: &Verdict) -> &'static str {
    match v {
        Verdict::Holds => "holds",
        Verdict::Violated(_) => "violated",
        Verdict::Unchecked => "unchecked",
        Verdict::NotSelected => "not selected",
        Verdict::Unknown => "unknown",
        Verdict::Error(_) => "error",
    }
}

/// "evaluating invariant `p` fails: division by zero", for a trace that
/// ends in a failed evaluation.
pub fn eval_error_text(model: &Model, trace: &Trace) -> Option<String> {
    let e = trace.eval_error.as_ref()?;
    Some(format!(
        "evaluating {} fails: {}",
        evaluated_words(model, e.what),
        e.error.describe()
    ))
}

/// What an evaluation that failed was evaluating, in words.
pub(crate) fn evaluated_words(model: &Model, what: Evaluated) -> String {
    match what {
        Evaluated::Property(p) => {
            let prop = &model.spec.properties[p];
            format!("{} `{}`", prop.kind.describe(), prop.name)
        }
        Evaluated::Bound(_) => "the `bound`".to_string(),
        Evaluated::DoneWhen => "`done when`".to_string(),
    }
}

/// Writes a trace as numbered steps with what each changed.
/// `lines` indexes the spec's source.
pub fn trace_text(model: &Model, trace: &Trace, path: &str, lines: &LineIndex) -> String {
    let mut out = String::new();
    let loc = |span: Option<Span>| match span {
        Some(s) => format!("  ({path}:{})", lines.position(s.start)),
        None => String::new(),
    };
    out.push_str("  state 0 (initial)\n");
    if let Some(first) = trace.states.first() {
        for c in model.describe_state(first) {
            if c.what == "network" {
                out.push_str(&format!("      network {}\n", c.value));
            } else {
                out.push_str(&format!("      {} = {}\n", c.what, c.value));
            }
        }
    }
    for (i, step) in trace.steps.iter().enumerate() {
        if trace.lasso.is_some_and(|l| !l.stutter && l.start == i) {
            out.push_str(&format!(
                "  ── loop: from state {i} on, these steps repeat for ever ──\n"
            ));
        }
        let d = model.describe_step(
            &trace.states[i],
            step,
            trace.states.get(i + 1).map(Vec::as_slice),
        );
        out.push_str(&format!("  step {}  {}{}\n", i + 1, d.name, loc(d.span)));
        for c in d.changes {
            if c.what == "network" {
                out.push_str(&format!("      network {}\n", c.value));
            } else {
                out.push_str(&format!("      {} = {}\n", c.what, c.value));
            }
        }
    }
    if let Some(lasso) = trace.lasso {
        if lasso.stutter {
            out.push_str(&format!(
                "  ── from state {} on, the behaviour stays there for ever: no fair step is enabled ──\n",
                lasso.start
            ));
        } else {
            out.push_str(&format!(
                "  ── back at state {}: the loop repeats ──\n",
                lasso.start
            ));
        }
    }
    if let Some((step, error)) = &trace.failed {
        let last = trace.states.last().map(Vec::as_slice).unwrap_or(&[]);
        let d = model.describe_step(last, step, None);
        out.push_str(&format!(
            "  step {}  {}{}\n      fails: {}{}\n",
            trace.steps.len() + 1,
            d.name,
            loc(d.span),
            error.describe(),
            loc(Some(error.span)),
        ));
    }
    if let Some(e) = &trace.eval_error {
        out.push_str(&format!(
            "  here, evaluating {} fails: {}{}\n",
            evaluated_words(model, e.what),
            e.error.describe(),
            loc(Some(e.error.span)),
        ));
    }
    out
}

/// The fairness assumptions behind liveness verdicts, when the spec has
/// liveness properties.
fn fairness_line(model: &Model) -> Option<String> {
    let spec = &model.spec;
    if !spec.properties.iter().any(|p| p.kind.is_liveness()) {
        return None;
    }
    let mut weak = Vec::new();
    let mut strong = Vec::new();
    for node in &spec.nodes {
        for a in &node.actions {
            // `any K.a`: one obligation for all of `a`'s parameter choices.
            let any = if a.family { "any " } else { "" };
            match a.fairness {
                crate::syntax::ast::Fairness::Weak => {
                    weak.push(format!("{any}{}.{}", node.name, a.name))
                }
                crate::syntax::ast::Fairness::Strong => {
                    strong.push(format!("{any}{}.{}", node.name, a.name))
                }
                crate::syntax::ast::Fairness::Unfair => {}
            }
        }
    }
    let fair_messages: Vec<&str> = spec
        .messages
        .iter()
        .filter(|m| m.fair)
        .map(|m| m.name.as_str())
        .collect();
    let mut parts = Vec::new();
    if !fair_messages.is_empty() {
        parts.push(format!("delivery of {} (weak)", fair_messages.join(", ")));
    }
    if !weak.is_empty() {
        parts.push(format!("{} (weak)", weak.join(", ")));
    }
    if !strong.is_empty() {
        parts.push(format!("{} (strong)", strong.join(", ")));
    }
    let parts = if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join("; ")
    };
    Some(format!(
        "fairness: {parts}; every other step and every fault is unfair\n"
    ))
}

/// What a violation of a property of this kind with this counterexample
/// means, in a few words: the label under the property in reports.
pub fn violation_label(kind: &crate::typed::PropertyKind, trace: Option<&Trace>) -> String {
    let steps = |t: &Trace| {
        format!(
            "{} step{}",
            t.steps.len(),
            if t.steps.len() == 1 { "" } else { "s" }
        )
    };
    match (kind, trace) {
        (crate::typed::PropertyKind::Reachable(_), _) => {
            "no reachable state satisfies this".to_string()
        }
        (crate::typed::PropertyKind::Persistent(_), Some(t)) if t.lasso.is_some_and(|l| l.stutter) => {
            format!(
                "a fair behaviour stops after {} where this is false",
                steps(t)
            )
        }
        (crate::typed::PropertyKind::Persistent(_), Some(t)) if t.lasso.is_some() => {
            "a fair behaviour loops for ever through a state where this is false (where the loop starts)"
                .to_string()
        }
        (_, Some(t)) if t.lasso.is_some_and(|l| l.stutter) => format!(
            "a fair behaviour stops after {} and never satisfies it",
            steps(t)
        ),
        (_, Some(t)) if t.lasso.is_some() => {
            "a fair behaviour loops for ever and never satisfies it".to_string()
        }
        (_, Some(t)) => format!("false after {}", steps(t)),
        (_, None) => "violated".to_string(),
    }
}

/// How the human report draws counterexamples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceStyle {
    /// The numbered listing of [`trace_text`].
    Text,
    /// A sequence chart ([`crate::msc`]).
    Chart(ChartOptions),
    /// A chart for traces that involve messages, else the listing.
    Auto(ChartOptions),
}

impl TraceStyle {
    /// A trace in this style; `verdict` closes a chart, `lines` indexes the
    /// spec's source.
    pub fn render(
        &self,
        model: &Model,
        trace: &Trace,
        path: &str,
        lines: &LineIndex,
        verdict: &str,
    ) -> String {
        match self {
            TraceStyle::Chart(options) => crate::msc::chart(model, trace, verdict, options),
            TraceStyle::Auto(options) if crate::msc::involves_messages(model, trace) => {
                crate::msc::chart(model, trace, verdict, options)
            }
            _ => trace_text(model, trace, path, lines),
        }
    }
}

/// Builds the human report of an explored spec, traces as listings.
pub fn human(
    path: &str,
    source: &str,
    model: &Model,
    exploration: &Exploration,
    threads: usize,
) -> HumanReport {
    human_with(path, source, model, exploration, threads, TraceStyle::Text)
}

/// Builds the human report of an explored spec, traces in `style`.
pub fn human_with(
    path: &str,
    source: &str,
    model: &Model,
    exploration: &Exploration,
    threads: usize,
    style: TraceStyle,
) -> HumanReport {
    let lines = LineIndex::new(source);
    let spec = &model.spec;
    let mut header = format!("{path}: protocol {}", spec.protocol);
    if !spec.consts.is_empty() {
        let consts: Vec<String> = spec
            .consts
            .iter()
            .map(|c| format!("{} = {}", c.name, c.value))
            .collect();
        header.push_str(&format!(" ({})", consts.join(", ")));
    }
    header.push('\n');
    // The rate is the exploration's; liveness is reported on its own line.
    let secs = exploration
        .elapsed
        .saturating_sub(exploration.liveness_elapsed)
        .as_secs_f64();
    let rate = if secs > 0.0 {
        (exploration.states as f64 / secs) as u64
    } else {
        exploration.states
    };
    header.push_str(&format!(
        "{} {} distinct states, {} transitions, depth {} in {:.2} s ({} states/s, {} thread{})\n",
        if exploration.complete {
            "explored"
        } else {
            "stopped after"
        },
        thousands(exploration.states),
        thousands(exploration.transitions),
        exploration.depth,
        secs,
        thousands(rate),
        threads,
        if threads == 1 { "" } else { "s" },
    ));
    if exploration.liveness_elapsed.as_millis() > 0 {
        header.push_str(&format!(
            "liveness checked in {:.2} s more ({:.2} s in all)\n",
            exploration.liveness_elapsed.as_secs_f64(),
            exploration.elapsed.as_secs_f64()
        ));
    }
    if !exploration.symmetry.is_empty() {
        header.push_str(&format!(
            "symmetry: states that differ only by a permutation of {} count once (--no-symmetry explores them all)\n",
            (exploration.symmetry.iter())
                .map(|&k| model.kind_name(k))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        // Fairness and every property are the same under any renaming (the
        // spec cannot name an instance apart), so liveness is decided on
        // the reduced graph, cycles unfolded (docs/language.md).
        if spec.properties.iter().any(|p| p.kind.is_liveness()) {
            header.push_str(
                "  liveness is checked on them too: fairness and the properties treat every renaming alike, and each cycle is unfolded into real runs\n",
            );
        }
    }
    if let Some(fairness) = fairness_line(model) {
        header.push_str(&fairness);
    }
    if exploration.pruned > 0 {
        header.push_str(&format!(
            "{} states were outside a `bound` and not explored further\n",
            thousands(exploration.pruned)
        ));
    }
    if let Some(stop) = stop_text(exploration) {
        header.push_str(&stop);
    }

    let width = spec
        .properties
        .iter()
        .map(|p| p.name.len())
        .max()
        .unwrap_or(0)
        .max(8);
    let mut table = String::new();
    let mut findings = Vec::new();
    for (p, v) in spec.properties.iter().zip(&exploration.verdicts) {
        let e = expectation(v, p.expect_violation);
        let mark = match e {
            Expectation::Met => "ok",
            Expectation::Unmet => "FAIL",
            Expectation::Open => "--",
        };
        let mut line = format!(
            "  {mark:<4} {:<width$}  {:<10} {}",
            p.name,
            p.kind.describe(),
            verdict_word(v)
        );
        if p.expect_violation {
            line.push_str(" (expected: violated)");
        }
        if matches!(v, Verdict::Unchecked) {
            line.push_str(" (not checked by this engine)");
        }
        table.push_str(line.trim_end());
        table.push('\n');
        if let Verdict::Violated(trace) = v {
            let at = lines.position(p.span.start);
            let message = if p.expect_violation {
                format!("property `{}` is violated, as expected", p.name)
            } else {
                format!("property `{}` is violated", p.name)
            };
            let label = violation_label(&p.kind, trace.as_ref());
            let code = if p.expect_violation {
                "dsmc::check::expected_violation"
            } else {
                "dsmc::check::violated"
            };
            let mut diagnostic = Diagnostic::error(code, message).primary(p.span, label.clone());
            if p.expect_violation {
                diagnostic.severity = crate::diagnostic::Severity::Warning;
            }
            let trace_text = match trace {
                Some(t) => format!(
                    "counterexample for `{}` ({path}:{at}):\n{}",
                    p.name,
                    style.render(
                        model,
                        t,
                        path,
                        &lines,
                        &format!("{} `{}` is violated: {label}", p.kind.describe(), p.name)
                    )
                ),
                None => String::new(),
            };
            findings.push(Finding {
                diagnostic,
                trace: trace_text,
            });
        }
        if let Verdict::Error(t) = v {
            findings.push(eval_finding(model, t, path, &lines, style));
        }
    }
    match &exploration.deadlock {
        Verdict::Violated(Some(t)) => {
            table.push_str(&format!(
                "  {:<4} {:<width$}  {:<10} found\n",
                "FAIL", "deadlock", ""
            ));
            findings.push(Finding {
                diagnostic: Diagnostic::error(
                    "dsmc::check::deadlock",
                    "a reachable state has no enabled step",
                )
                .help(
                    "if stopping there is correct, say so with `done when ...` or `allow deadlock`",
                ),
                trace: match style.render(
                    model,
                    t,
                    path,
                    &lines,
                    "deadlock: no step is enabled here",
                ) {
                    text if text.ends_with("no step is enabled here\n") => {
                        format!("deadlock:\n{text}")
                    }
                    text => format!("deadlock:\n{text}  (no step is enabled here)\n"),
                },
            });
        }
        Verdict::Holds => table.push_str(&format!(
            "  {:<4} {:<width$}  {:<10} none\n",
            "ok", "deadlock", ""
        )),
        _ => {}
    }
    if let Some(t) = &exploration.runtime_error
        && t.eval_error.is_some()
    {
        findings.push(eval_finding(model, t, path, &lines, style));
    } else if let Some(t) = &exploration.runtime_error {
        let (step_span, what) = match &t.failed {
            Some((_, e)) => (e.span, e.describe()),
            None => (Span::default(), "runtime error".into()),
        };
        findings.push(Finding {
            diagnostic: Diagnostic::error(
                "dsmc::check::runtime_error",
                format!("a step fails: {what}"),
            )
            .primary(step_span, what.clone()),
            trace: format!(
                "runtime error:\n{}",
                style.render(model, t, path, &lines, &format!("runtime error: {what}"))
            ),
        });
    }
    let result = result_line(
        &tally(model, exploration),
        exploration.stop.map(|s| s.reason),
        0,
    );
    HumanReport {
        header,
        table,
        findings,
        result,
    }
}

/// The finding of an evaluation that failed in a reachable state (a
/// property's, a `bound`'s, `done when`'s), with the trace to that state.
fn eval_finding(
    model: &Model,
    trace: &Trace,
    path: &str,
    lines: &LineIndex,
    style: TraceStyle,
) -> Finding {
    let e = trace.eval_error.as_ref().expect("an evaluation failed");
    let what = evaluated_words(model, e.what);
    let error = e.error.describe();
    let mut diagnostic = Diagnostic::error(
        "dsmc::check::evaluation",
        format!("evaluating {what} fails: {error}"),
    )
    .primary(e.error.span, error.clone());
    if let Evaluated::Property(p) = e.what {
        let prop = &model.spec.properties[p];
        diagnostic = diagnostic.secondary(prop.name_span, "so this property has no verdict");
    }
    let diagnostic = diagnostic.help(
        "a value that cannot be computed is neither true nor false: guard the expression \
         (`x != 0 && y / x > 1`) or widen the type it must fit",
    );
    Finding {
        diagnostic,
        trace: format!(
            "evaluation failed:\n{}",
            style.render(
                model,
                trace,
                path,
                lines,
                &format!("evaluating {what} fails: {error}")
            )
        ),
    }
}

/// How the verdicts of one explored spec came out against its expectations:
/// the counts of the closing `result:` line and of the summary table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Properties as expected.
    pub met: usize,
    /// Properties not as expected, a deadlock found, a runtime error.
    pub unmet: usize,
    /// Properties without a verdict (unchecked or unknown).
    pub open: usize,
    /// Properties left out by `--property`: not checked, and they decide
    /// nothing.
    pub not_selected: usize,
}

/// Counts the verdicts of an explored spec as the human report does.
pub fn tally(model: &Model, exploration: &Exploration) -> Tally {
    let mut tally = Tally::default();
    for (p, v) in model.spec.properties.iter().zip(&exploration.verdicts) {
        match expectation(v, p.expect_violation) {
            Expectation::Met => tally.met += 1,
            Expectation::Unmet => tally.unmet += 1,
            Expectation::Open if matches!(v, Verdict::NotSelected) => tally.not_selected += 1,
            Expectation::Open => tally.open += 1,
        }
    }
    if matches!(exploration.deadlock, Verdict::Violated(_)) {
        tally.unmet += 1;
    }
    if exploration.runtime_error.is_some() {
        tally.unmet += 1;
    }
    tally
}

/// The closing line of a human report. `stop` says why the check stopped
/// early, if it did; `denied_warnings` counts the warnings that `--deny
/// warnings` turned into failures.
pub fn result_line(tally: &Tally, stop: Option<StopReason>, denied_warnings: usize) -> String {
    let Tally {
        met,
        unmet,
        open,
        not_selected,
    } = *tally;
    let skipped = match not_selected {
        0 => String::new(),
        n => format!(", {n} not selected"),
    };
    let denied = match denied_warnings {
        0 => String::new(),
        1 => ", 1 warning denied".to_string(),
        n => format!(", {n} warnings denied"),
    };
    if unmet > 0 {
        format!(
            "result: FAILED ({met} as expected, {unmet} not as expected, {open} without verdict{skipped}{denied})"
        )
    } else if denied_warnings > 0 {
        format!("result: FAILED ({met} as expected, {open} without verdict{skipped}{denied})")
    } else if let Some(reason) = stop {
        format!(
            "result: INCOMPLETE ({}; {met} as expected so far, {open} without verdict{skipped})",
            stop_word(reason)
        )
    } else if open > 0 {
        format!("result: ok ({met} as expected, {open} unchecked{skipped})")
    } else {
        format!("result: ok ({met} as expected{skipped})")
    }
}

/// A size in bytes as people read it: `20 MiB`, `1.5 GiB`, `512 KiB`.
pub(crate) fn bytes_text(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A duration as `--timeout` takes it: `30s`, `1m30s`, `1h`, `500ms`.
pub(crate) fn duration_text(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    let parts = [
        (ms / 3_600_000, "h"),
        (ms / 60_000 % 60, "m"),
        (ms / 1000 % 60, "s"),
        (ms % 1000, "ms"),
    ];
    let text: String = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if text.is_empty() { "0s".into() } else { text }
}

/// The limit that stopped a check, in a few words: `time limit`.
pub fn stop_word(reason: StopReason) -> &'static str {
    match reason {
        StopReason::MaxStates(_) => "state limit",
        StopReason::Memory(limit) if limit.guard => "memory guard",
        StopReason::Memory(_) => "memory limit",
        StopReason::Timeout(_) => "time limit",
        StopReason::Interrupted => "interrupted",
        StopReason::ProcessLost => "process lost",
    }
}

/// The limit that stopped a check, as a clause: `it stopped at the time
/// limit (--timeout 30s)`.
pub fn stop_clause(reason: StopReason) -> String {
    match reason {
        StopReason::MaxStates(n) => {
            format!("it stopped at the state limit (--max-states {n})")
        }
        StopReason::Memory(limit) if limit.guard => format!(
            "it stopped at dsmc's default memory guard ({}, a safe share of the memory available), rather than be killed for want of memory",
            bytes_text(limit.bytes)
        ),
        StopReason::Memory(limit) => format!(
            "it stopped before crossing the memory limit (--max-memory {})",
            bytes_text(limit.bytes)
        ),
        StopReason::Timeout(d) => {
            format!(
                "it stopped at the time limit (--timeout {})",
                duration_text(d)
            )
        }
        StopReason::Interrupted => "it was interrupted (Ctrl-C, SIGTERM or SIGHUP)".to_string(),
        StopReason::ProcessLost => {
            "a process of the distributed check exited or lost its connection".to_string()
        }
    }
}

/// What to do to get further than a limit allowed.
pub fn go_further(reason: StopReason) -> Option<&'static str> {
    match reason {
        StopReason::MaxStates(_) => Some("a larger --max-states"),
        StopReason::Memory(limit) if limit.guard => Some(
            "--max-memory SIZE sets the limit yourself; or fewer states: `symmetric` node kinds, smaller constants (-D NAME=VALUE), a `bound`",
        ),
        StopReason::Memory(_) => Some(
            "a larger --max-memory; or fewer states: `symmetric` node kinds, smaller constants (-D NAME=VALUE), a `bound`",
        ),
        StopReason::Timeout(_) => Some(
            "a longer --timeout, or fewer states (`symmetric` node kinds, smaller constants, a `bound`)",
        ),
        StopReason::Interrupted => None,
        StopReason::ProcessLost => Some(
            "the check again, with each process's memory and connection in order (docs/distributed.md)",
        ),
    }
}

/// The lines of the human report that say a check stopped early, and what
/// it established all the same; `None` for a complete check.
pub fn stop_text(exploration: &Exploration) -> Option<String> {
    let stop = exploration.stop?;
    let mut out = String::new();
    if stop.in_liveness {
        out.push_str(&format!(
            "the liveness check is incomplete: {}\n",
            stop_clause(stop.reason)
        ));
        out.push_str(
            "  every reachable state was explored: the other verdicts are final; a liveness property without a verdict is unknown\n",
        );
    } else {
        out.push_str(&format!(
            "the search is incomplete: {}\n",
            stop_clause(stop.reason)
        ));
        out.push_str(&format!("  {}\n", depth_clause(exploration)));
        out.push_str(if any_violation(exploration) {
            "  the violations below are real, each with its counterexample; `unknown`: the search stopped before a verdict\n"
        } else {
            "  `unknown`: the search stopped before a verdict\n"
        });
    }
    if let Some(further) = go_further(stop.reason) {
        out.push_str(&format!("  to go further: {further}\n"));
    }
    Some(out)
}

/// Whether a check found a violation, a deadlock or a run-time error.
fn any_violation(exploration: &Exploration) -> bool {
    exploration
        .verdicts
        .iter()
        .any(|v| matches!(v, Verdict::Violated(_) | Verdict::Error(_)))
        || matches!(exploration.deadlock, Verdict::Violated(_))
        || exploration.runtime_error.is_some()
}

/// How deep an incomplete search is complete: `no violation within depth
/// 9: every state up to 8 steps from an initial state was checked`.
pub fn depth_clause(exploration: &Exploration) -> String {
    let none = if any_violation(exploration) {
        "no other violation"
    } else {
        "no violation"
    };
    match exploration.depth {
        0 => "not even the initial states were all checked".to_string(),
        1 => format!("{none} within depth 1: the initial states were checked"),
        d => format!(
            "{none} within depth {d}: every state up to {} step{} from an initial state was checked",
            d - 1,
            if d == 2 { "" } else { "s" }
        ),
    }
}
