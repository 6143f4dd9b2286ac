//! The pages of `dsmc explore`, rendered on the server as plain HTML (no
//! script): `/` lists the initial states, `/state?path=I.S1.S2...` shows
//! the state reached from initial state `I` by taking successor `S1`, then
//! `S2`, and so on, each successor numbered in the order the model makes
//! them (`Model::successors`).
//!
//! A page costs at most the walk along its path: the path is at most
//! [`MAX_PATH_STEPS`] steps, and each step regenerates the successors of
//! one state. Nothing is kept between requests but the page of `/check`
//! ([`super::check`]), which is the same at every visit. Every name and
//! value from the spec goes through [`escape`].

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use dsmc::explore::Trace;
use dsmc::html::{escape, sequence_svg};
use dsmc::model::{CompiledProperty, InitError, Model, Outcome, Pred, RtError, Scratch, Step};

use super::MAX_PATH_STEPS;
use super::server::Response;

/// The most initial states the index lists (the others are reached by
/// their number).
const MAX_INITIAL_LISTED: u128 = 100;

/// The most combinations of initial values the index page looks through
/// for initial states when `init` predicates choose among them.
const MAX_INITIAL_SEARCHED: u128 = 1 << 20;
/// The most successors a state page lists.
const MAX_SUCCESSORS_LISTED: usize = 1_000;
/// The longest path drawn as a sequence diagram.
const MAX_DIAGRAM_STEPS: usize = 200;
/// The last steps of the path linked to their own page; earlier steps are
/// listed without links, which would make the page grow with the square of
/// the path.
const MAX_LINKED_STEPS: usize = 100;

/// The pages of one compiled spec.
pub struct Pages {
    model: Arc<Model>,
    /// The spec's path as given, for titles.
    spec_name: String,
    /// The spec's text, for the line of a failed step.
    source: Arc<str>,
    /// The body of `/check`, once the check has run. The lock is held while
    /// it runs, so a second visit waits for the first one's result.
    check: Mutex<Option<String>>,
}

/// A path from an initial state: its number, then the successors taken.
struct StatePath {
    initial: u128,
    steps: Vec<u32>,
}

impl StatePath {
    /// `I.S1.S2`, as in the page's address.
    fn text(&self, steps: usize) -> String {
        let mut out = self.initial.to_string();
        for s in &self.steps[..steps] {
            let _ = write!(out, ".{s}");
        }
        out
    }
}

/// The states and steps along a path.
struct Walk {
    states: Vec<Vec<u64>>,
    steps: Vec<Step>,
}

impl Pages {
    /// The pages of `model`, compiled from `source` read at `spec_name`.
    pub fn new(model: Arc<Model>, spec_name: String, source: Arc<str>) -> Pages {
        Pages {
            model,
            spec_name,
            source,
            check: Mutex::new(None),
        }
    }

    /// The answer to a request target.
    pub fn respond(&self, target: &str) -> Response {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        match path {
            "/" => self.index(),
            "/check" => self.check_page(),
            "/state" => match parse_path(query) {
                Ok(path) => self.state_page(&path),
                Err(response) => response,
            },
            _ => self.message(404, "Not found", "There is no page at this address."),
        }
    }

    /// A page with a title and a sentence.
    fn message(&self, status: u16, title: &str, text: &str) -> Response {
        let body = format!(
            "<h1>{}</h1>\n<p>{}</p>\n<p><a href=\"/\">The initial states</a></p>\n",
            escape(title),
            escape(text)
        );
        Response::html(status, self.layout(title, &body))
    }

    fn layout(&self, title: &str, body: &str) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{} · {} · dsmc explore</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
             <header><a href=\"/\">{}</a> · protocol <code>{}</code> · \
             <a href=\"/check\">check it</a></header>\n{body}</body>\n</html>\n",
            escape(title),
            escape(&self.model.spec.protocol),
            escape(&self.spec_name),
            escape(&self.model.spec.protocol),
        )
    }

    /// `/`: the initial states.
    fn index(&self) -> Response {
        let initial = match self.model.initial() {
            Ok(initial) => initial,
            Err(e) => {
                let text = format!(
                    "Computing the initial states fails: {}",
                    self.error_text(&e)
                );
                return self.message(200, "No initial states", &text);
            }
        };
        let count = initial.len();
        let mut body = if initial.filtered() {
            format!(
                "<h1>Initial states</h1>\n<p>The initial states are those of the {} \
                 combinations of the variables' initial values that satisfy the <code>init</code> \
                 predicates, numbered among all the combinations. Follow a state's steps from \
                 its page.</p>\n",
                thousands(count),
            )
        } else {
            format!(
                "<h1>Initial states</h1>\n<p>{} initial state{}. Follow a state's steps from its page.</p>\n",
                thousands(count),
                if count == 1 { "" } else { "s" }
            )
        };
        body.push_str(match initial.filtered() {
            true => "<ol class=\"states\">\n",
            false => "<ol class=\"states\" start=\"0\">\n",
        });
        let mut words = Vec::new();
        let mut locals = Vec::new();
        let mut listed = 0;
        for i in 0..count.min(MAX_INITIAL_SEARCHED) {
            if listed == MAX_INITIAL_LISTED {
                break;
            }
            match initial.admit(i, &mut words, &mut locals) {
                Ok(true) => listed += 1,
                Ok(false) => continue,
                Err(e) => {
                    let text = format!(
                        "Computing the initial states fails: {}",
                        self.init_error_text(&e)
                    );
                    return self.message(200, "No initial states", &text);
                }
            }
            let summary: Vec<String> = self
                .model
                .describe_state(&words)
                .into_iter()
                .map(|c| format!("{} = {}", c.what, c.value))
                .collect();
            let _ = writeln!(
                body,
                "<li><a href=\"/state?path={i}\">initial state {i}</a><br><code>{}</code></li>",
                escape(&summary.join(", "))
            );
        }
        body.push_str("</ol>\n");
        if listed == MAX_INITIAL_LISTED || count > MAX_INITIAL_SEARCHED {
            let _ = writeln!(
                body,
                "<p>The first {MAX_INITIAL_LISTED} are listed; initial state <var>I</var> is at \
                 <code>/state?path=<var>I</var></code>.</p>"
            );
        }
        Response::html(200, self.layout("Initial states", &body))
    }

    /// `/check`: the whole check, run on the first visit.
    fn check_page(&self) -> Response {
        let mut cached = self.check.lock().unwrap_or_else(|e| e.into_inner());
        let body = cached.get_or_insert_with(|| super::check::run(&self.model));
        let body = format!(
            "{body}<p>Run once, on the first visit to this page, for at most {} seconds; \
             <code>dsmc check</code> has the full report and its options.</p>\n",
            super::check::CHECK_TIMEOUT.as_secs()
        );
        Response::html(200, self.layout("Check", &body))
    }

    /// Follows `path` from its initial state; an answer when it leads
    /// nowhere.
    fn walk(&self, path: &StatePath) -> Result<Walk, Response> {
        let initial = self.model.initial().map_err(|e| {
            let text = format!(
                "Computing the initial states fails: {}",
                self.error_text(&e)
            );
            self.message(200, "No initial states", &text)
        })?;
        if path.initial >= initial.len() {
            let text = format!(
                "The spec has {} initial states, numbered from 0.",
                thousands(initial.len())
            );
            return Err(self.message(404, "No such initial state", &text));
        }
        let mut first = Vec::new();
        match initial.admit(path.initial, &mut first, &mut Vec::new()) {
            Ok(true) => {}
            Ok(false) => {
                let text = "This combination of the variables' initial values does not satisfy \
                            the spec's `init` predicates.";
                return Err(self.message(404, "No such initial state", text));
            }
            Err(e) => {
                let text = format!(
                    "Computing the initial states fails: {}",
                    self.init_error_text(&e)
                );
                return Err(self.message(200, "No initial states", &text));
            }
        }
        let mut walk = Walk {
            states: vec![first],
            steps: Vec::new(),
        };
        let mut scratch = Scratch::default();
        for (taken, &wanted) in path.steps.iter().enumerate() {
            let current = walk.states.last().map_or(&[][..], Vec::as_slice);
            let mut found: Option<(Step, Result<Vec<u64>, RtError>)> = None;
            let mut count = 0u64;
            self.model
                .successors(current, &mut scratch, &mut |step, outcome| {
                    if count == u64::from(wanted) {
                        found = Some((
                            step,
                            match outcome {
                                Outcome::Next(next) => Ok(next.to_vec()),
                                Outcome::Error(e) => Err(e),
                            },
                        ));
                    }
                    count += 1;
                });
            let at = path.text(taken);
            match found {
                Some((step, Ok(next))) => {
                    walk.steps.push(step);
                    walk.states.push(next);
                }
                Some((step, Err(e))) => {
                    let text = format!(
                        "Step {wanted} from state {at}, {}, fails: {}",
                        self.model.step_name(&step),
                        self.error_text(&e)
                    );
                    return Err(self.message(404, "No state here", &text));
                }
                None => {
                    let text = format!(
                        "State {at} has {count} successor{}, numbered from 0.",
                        if count == 1 { "" } else { "s" }
                    );
                    return Err(self.message(404, "No such successor", &text));
                }
            }
        }
        Ok(walk)
    }

    /// `/state?path=...`.
    fn state_page(&self, path: &StatePath) -> Response {
        let walk = match self.walk(path) {
            Ok(walk) => walk,
            Err(response) => return response,
        };
        let here = path.text(path.steps.len());
        let state = walk.states.last().map_or(&[][..], Vec::as_slice);
        let mut body = format!("<h1>State {}</h1>\n<nav>", escape(&here));
        if !path.steps.is_empty() {
            let _ = write!(
                body,
                "<a href=\"/state?path={}\">back one step</a> · ",
                path.text(path.steps.len() - 1)
            );
        }
        body.push_str("<a href=\"/\">the initial states</a></nav>\n");
        body.push_str(&self.path_section(path, &walk));
        body.push_str(&self.variables_section(state));
        body.push_str(&self.properties_section(state));
        body.push_str(&self.successors_section(&here, state));
        Response::html(200, self.layout(&format!("State {here}"), &body))
    }

    fn path_section(&self, path: &StatePath, walk: &Walk) -> String {
        let mut out = String::from("<h2>Path</h2>\n");
        if walk.steps.is_empty() {
            let _ = writeln!(out, "<p>Initial state {}.</p>", path.initial);
            return out;
        }
        let n = walk.steps.len();
        if n <= MAX_DIAGRAM_STEPS {
            let trace = Trace {
                states: walk.states.clone(),
                steps: walk.steps.clone(),
                failed: None,
                lasso: None,
                eval_error: None,
            };
            let _ = writeln!(
                out,
                "<div class=\"diagram\">{}</div>",
                sequence_svg(&self.model, &trace)
            );
        } else {
            let _ = writeln!(
                out,
                "<p>The path has {n} steps: diagrams are drawn up to {MAX_DIAGRAM_STEPS}.</p>"
            );
        }
        let _ = writeln!(
            out,
            "<p>From <a href=\"/state?path={0}\">initial state {0}</a>:</p>\n<table>\n\
             <tr><th>#</th><th>step</th><th>what it did</th></tr>",
            path.initial
        );
        for i in 0..n {
            let step = self.model.describe_step(
                &walk.states[i],
                &walk.steps[i],
                Some(&walk.states[i + 1]),
            );
            let name = escape(&step.name);
            let name = if n - i <= MAX_LINKED_STEPS {
                format!("<a href=\"/state?path={}\">{name}</a>", path.text(i + 1))
            } else {
                name
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{name}</td><td>{}</td></tr>",
                i + 1,
                lines(&dsmc::msc::change_lines(&self.model, &step))
            );
        }
        out.push_str("</table>\n");
        out
    }

    /// Every variable by node, then the network and the faults' state.
    fn variables_section(&self, state: &[u64]) -> String {
        let mut out = String::from(
            "<h2>Variables</h2>\n<table>\n<tr><th>node</th><th>variable</th><th>value</th></tr>\n",
        );
        let mut last_node = String::new();
        for change in self.model.describe_state(state) {
            let (node, variable) = change
                .what
                .split_once('.')
                .unwrap_or((change.what.as_str(), ""));
            let shown = if node == last_node { "" } else { node };
            // The network's messages are listed as a trace's first state
            // lists them, each as an addition (`+ Prepared RM[0] → TM`).
            let value = match change.value.strip_prefix("+ ") {
                Some(message) if change.what == "network" => message,
                _ => change.value.as_str(),
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                escape(shown),
                escape(variable),
                escape(value)
            );
            last_node = node.to_string();
        }
        out.push_str("</table>\n");
        for bound in &self.model.bounds {
            if let Ok(0) = bound.eval(&self.model, state, &mut Vec::new()) {
                out.push_str(
                    "<p class=\"fail\">This state is outside the spec's <code>bound</code>: \
                     <code>dsmc check</code> does not take its steps.</p>\n",
                );
                break;
            }
        }
        out
    }

    /// The value in this state of each property that is a state predicate.
    fn properties_section(&self, state: &[u64]) -> String {
        if self.model.properties.is_empty() {
            return String::new();
        }
        let mut out = String::from(
            "<h2>Properties</h2>\n<table>\n<tr><th>property</th><th>kind</th><th>here</th></tr>\n",
        );
        for (property, def) in self
            .model
            .properties
            .iter()
            .zip(&self.model.spec.properties)
        {
            let value = match property {
                CompiledProperty::Invariant(p) => self.predicate(p, state, "violated here", ""),
                CompiledProperty::Reachable(p) => self.predicate(p, state, "", "reached here"),
                CompiledProperty::Stable(p)
                | CompiledProperty::Transient(p)
                | CompiledProperty::Persistent(p) => self.predicate(p, state, "", ""),
                _ => "<span class=\"open\">relates states: not a value of one state</span>"
                    .to_string(),
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{value}</td></tr>",
                escape(&def.name),
                def.kind.describe()
            );
        }
        out.push_str("</table>\n");
        out
    }

    /// A predicate's value, with a note when false or true.
    fn predicate(&self, pred: &Pred, state: &[u64], if_false: &str, if_true: &str) -> String {
        match pred.eval(&self.model, state, &mut Vec::new()) {
            Ok(0) if !if_false.is_empty() => {
                format!("<span class=\"fail\">false: {if_false}</span>")
            }
            Ok(0) => "false".to_string(),
            Ok(_) if !if_true.is_empty() => format!("<span class=\"ok\">true: {if_true}</span>"),
            Ok(_) => "true".to_string(),
            Err(e) => format!(
                "<span class=\"fail\">evaluation fails: {}</span>",
                escape(&self.error_text(&e))
            ),
        }
    }

    /// The steps from this state, each a link to the state it leads to.
    fn successors_section(&self, here: &str, state: &[u64]) -> String {
        let mut out = String::from("<h2>Steps from here</h2>\n");
        let mut items = String::new();
        let mut count = 0usize;
        let mut scratch = Scratch::default();
        self.model
            .successors(state, &mut scratch, &mut |step, outcome| {
                let index = count;
                count += 1;
                if index >= MAX_SUCCESSORS_LISTED {
                    return;
                }
                match outcome {
                    Outcome::Next(next) => {
                        let step = self.model.describe_step(state, &step, Some(next));
                        let changes = lines(&dsmc::msc::change_lines(&self.model, &step));
                        let _ = write!(
                            items,
                            "<li><a href=\"/state?path={here}.{index}\">{}</a>",
                            escape(&step.name)
                        );
                        if !changes.is_empty() {
                            let _ = write!(items, "<br><small>{changes}</small>");
                        }
                        items.push_str("</li>\n");
                    }
                    Outcome::Error(e) => {
                        let _ = writeln!(
                            items,
                            "<li>{} <span class=\"fail\">fails: {}</span></li>",
                            escape(&self.model.step_name(&step)),
                            escape(&self.error_text(&e))
                        );
                    }
                }
            });
        if count == 0 {
            out.push_str(
                "<p>No steps: a deadlock, unless the spec's <code>done when</code> holds here.</p>\n",
            );
            return out;
        }
        let _ = writeln!(out, "<ol class=\"steps\" start=\"0\">\n{items}</ol>");
        if count > MAX_SUCCESSORS_LISTED {
            let _ = writeln!(
                out,
                "<p>The first {MAX_SUCCESSORS_LISTED} of {count} steps are listed.</p>"
            );
        }
        out
    }

    /// A run-time failure in words, with its line in the spec.
    fn init_error_text(&self, e: &InitError) -> String {
        match e {
            InitError::Value(e) | InitError::Predicate { error: e, .. } => self.error_text(e),
            InitError::Unsatisfied { .. } => e.describe(),
        }
    }

    fn error_text(&self, e: &RtError) -> String {
        let start = e.span.start.min(self.source.len());
        let line = 1 + self.source.as_bytes()[..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        format!("{} (line {line})", e.describe())
    }
}

/// Lines of text, escaped, one per line of the cell.
fn lines(lines: &[String]) -> String {
    let escaped: Vec<String> = lines.iter().map(|l| escape(l)).collect();
    escaped.join("<br>")
}

/// The `path` parameter of `/state?...`: digits separated by dots.
fn parse_path(query: &str) -> Result<StatePath, Response> {
    let bad = |status: u16, text: String| {
        Response::html(
            status,
            format!(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
                 <title>Bad address · dsmc explore</title></head>\n<body>\n<h1>Bad address</h1>\n\
                 <p>{}</p>\n<p><a href=\"/\">The initial states</a></p>\n</body>\n</html>\n",
                escape(&text)
            ),
        )
    };
    let Some(text) = query
        .split('&')
        .find_map(|parameter| parameter.strip_prefix("path="))
    else {
        return Err(bad(
            400,
            "The address needs a path: /state?path=0.3.1 is the state reached from initial \
             state 0 by its step 3, then that state's step 1."
                .into(),
        ));
    };
    // Counted before anything is allocated for them.
    let steps = text.bytes().filter(|&b| b == b'.').count();
    if steps > MAX_PATH_STEPS {
        return Err(bad(
            414,
            format!(
                "The path has {steps} steps; pages follow at most {MAX_PATH_STEPS}. \
                 `dsmc check` finds deeper states."
            ),
        ));
    }
    let mut parts = text.split('.');
    let valid = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let initial = parts.next().unwrap_or_default();
    if !valid(initial) {
        return Err(bad(
            400,
            "A path is numbers separated by dots, such as 0.3.1.".into(),
        ));
    }
    let mut path = StatePath {
        // Too many digits for any index: out of range, as below.
        initial: initial.parse().unwrap_or(u128::MAX),
        steps: Vec::with_capacity(steps),
    };
    for part in parts {
        if !valid(part) {
            return Err(bad(
                400,
                "A path is numbers separated by dots, such as 0.3.1.".into(),
            ));
        }
        path.steps.push(part.parse().unwrap_or(u32::MAX));
    }
    Ok(path)
}

fn thousands(n: u128) -> String {
    match u64::try_from(n) {
        Ok(n) => dsmc::report::thousands(n),
        Err(_) => n.to_string(),
    }
}

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 80em; padding: 0 1em; color: #1d2330; background: #fff; }
header { color: #5a6070; margin-bottom: 1em; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ccd; }
code { font-family: ui-monospace, \"DejaVu Sans Mono\", Menlo, monospace; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { text-align: left; padding: 0.2em 0.7em; border-bottom: 1px solid #e3e5ee; vertical-align: top; }
th { background: #f0f1f6; }
ol.steps li, ol.states li { margin: 0.3em 0; }
.ok { color: #17813a; font-weight: 600; } .fail { color: #c0262d; font-weight: 600; } .open { color: #7a7f8f; }
.diagram { overflow-x: auto; }
a { color: #2c5cc5; }
";
