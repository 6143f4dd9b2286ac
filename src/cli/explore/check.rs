//! `/check` of `dsmc explore`: the whole check of the spec by dsmc's own
//! explorer, run on the first visit under the default memory guard and
//! [`CHECK_TIMEOUT`], its page kept for later visits. Each counterexample
//! links to the page of the state it ends in, so that it can be walked
//! back step by step.

use std::fmt::Write as _;
use std::time::Duration;

use dsmc::explore::{Exploration, Options, StopSignal, Trace, Verdict};
use dsmc::html::escape;
use dsmc::model::{Model, Outcome, Scratch};

use super::MAX_PATH_STEPS;
use crate::cli::limits;

/// How long the check may run before it reports what it has.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(60);
/// The most initial states searched for a trace's first state.
const MAX_INITIAL_SEARCHED: u128 = 1 << 20;

/// Runs the check and renders the body of its page.
pub fn run(model: &Model) -> String {
    let signal = StopSignal::new();
    let limit = limits::memory_limit(None);
    let _watchdog = limit.map(|limit| limits::Watchdog::start(limit, signal.clone()));
    let options = Options {
        max_memory: limit,
        timeout: Some(CHECK_TIMEOUT),
        stop: Some(signal),
        ..Options::default()
    };
    let mut out = String::from("<h1>Check</h1>\n");
    let exploration = match dsmc::explore::explore(model, &options) {
        Ok(exploration) => exploration,
        Err(e) => {
            let _ = writeln!(
                out,
                "<p class=\"fail\">The check cannot start: computing the initial states fails: \
                 {}</p>",
                escape(&e.describe())
            );
            return out;
        }
    };
    let _ = writeln!(
        out,
        "<p>{} distinct states, {} transitions, depth {}{}.</p>",
        dsmc::report::thousands(exploration.states),
        dsmc::report::thousands(exploration.transitions),
        exploration.depth,
        if exploration.complete {
            ": every reachable state"
        } else {
            ""
        }
    );
    if let Some(text) = dsmc::report::stop_text(&exploration) {
        let _ = writeln!(out, "<p class=\"fail\">{}</p>", escape(&text));
    }
    out.push_str(&verdicts(model, &exploration));
    out
}

/// The table of verdicts, with a link to each counterexample's last state.
fn verdicts(model: &Model, exploration: &Exploration) -> String {
    let mut out = String::from(
        "<table>\n<tr><th>property</th><th>kind</th><th>verdict</th><th>trace</th></tr>\n",
    );
    let mut row = |name: &str, kind: &str, verdict: &Verdict, word: String| {
        let trace = match verdict {
            Verdict::Violated(Some(trace)) | Verdict::Error(trace) => link(model, trace),
            _ => String::new(),
        };
        let class = match verdict {
            Verdict::Holds => "ok",
            Verdict::Violated(_) | Verdict::Error(_) => "fail",
            _ => "open",
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{kind}</td><td class=\"{class}\">{word}</td><td>{trace}</td></tr>",
            escape(name),
        );
    };
    for (def, verdict) in model.spec.properties.iter().zip(&exploration.verdicts) {
        let mut word = dsmc::report::verdict_word(verdict).to_string();
        if def.expect_violation {
            word.push_str(" (expected: violated)");
        }
        row(&def.name, def.kind.describe(), verdict, word);
    }
    // As the report says it: a deadlock is found or there is none.
    let word = match &exploration.deadlock {
        Verdict::Holds => "none",
        Verdict::Violated(_) => "found",
        Verdict::Unchecked => "allowed",
        other => dsmc::report::verdict_word(other),
    };
    row("deadlock", "", &exploration.deadlock, word.to_string());
    out.push_str("</table>\n");
    if let Some(trace) = &exploration.runtime_error {
        let _ = writeln!(
            out,
            "<p class=\"fail\">A step fails at run time: {}</p>",
            link(model, trace)
        );
    }
    out
}

/// A link to the page of the trace's last state, found by walking the
/// trace through the pages' numbering.
fn link(model: &Model, trace: &Trace) -> String {
    let steps = trace.steps.len();
    let words = format!("{steps} step{}", if steps == 1 { "" } else { "s" });
    if steps > MAX_PATH_STEPS {
        return format!("{words}: longer than the pages follow");
    }
    match page_path(model, trace) {
        Some(path) => format!("<a href=\"/state?path={path}\">{words}</a>"),
        None => words,
    }
}

/// The trace's last state as a path of the pages: the initial state's
/// number, then each step's number among its state's successors.
fn page_path(model: &Model, trace: &Trace) -> Option<String> {
    let first = trace.states.first()?;
    let initial = model.initial().ok()?;
    let mut words = Vec::new();
    let index = (0..initial.len().min(MAX_INITIAL_SEARCHED)).find(|&i| {
        initial.state(i, &mut words);
        &words == first
    })?;
    let mut path = index.to_string();
    let mut scratch = Scratch::default();
    for (i, step) in trace.steps.iter().enumerate() {
        let after = trace.states.get(i + 1)?;
        let mut found = None;
        let mut count = 0usize;
        model.successors(&trace.states[i], &mut scratch, &mut |taken, outcome| {
            if found.is_none()
                && taken == *step
                && let Outcome::Next(next) = outcome
                && next == after.as_slice()
            {
                found = Some(count);
            }
            count += 1;
        });
        let _ = write!(path, ".{}", found?);
    }
    Some(path)
}
