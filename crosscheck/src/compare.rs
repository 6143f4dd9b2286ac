//! One spec through every engine.
//!
//! [`compare_source`] checks a spec with each of dsmc's ways of exploring
//! (the default engine and the interpreter, at 1 and 3 threads, with and
//! without symmetry reduction), with Stateright's checker where it applies,
//! and with the independent [`crate::oracle`]; it reduces each run to an
//! [`Outcome`] and lists every [`Disagreement`] between them.
//!
//! Runs fall in two groups. The *full* group explores every state: dsmc
//! with `no_symmetry`, Stateright and the oracle. The *reduced* group is
//! dsmc with symmetry reduction, present only for specs with `symmetric`
//! kinds; its runs must agree among themselves on everything, and with the
//! full group on what symmetry does not change: verdicts, the lengths of
//! counterexamples, deadlock, run-time findings, depth and status.

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use dsmc::check::{CheckOptions, Checked, check_source};
use dsmc::explore::{self, Exploration, Trace, Verdict};
use dsmc::model::{CompiledProperty, Model};

use crate::oracle;

/// What a run may cost before the spec is set aside as too big.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Distinct states of the first (full, one-thread) run.
    pub max_states: u64,
    /// Wall time of each run.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_states: 5_000,
            timeout: Duration::from_secs(20),
        }
    }
}

/// The shape of a counterexample: its steps, and for a lasso where the
/// loop starts and whether the run stops there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    pub steps: usize,
    pub lasso: Option<(usize, bool)>,
}

/// A verdict as compared. A `None` shape is "not given by this engine".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum V {
    Holds,
    Violated(Option<Shape>),
    Unchecked,
    /// Evaluating the property failed (a finding, not a verdict).
    Error(Option<Shape>),
    /// Not selected or unknown (a stop): never expected here.
    Other(String),
}

impl V {
    fn kind(&self) -> &str {
        match self {
            V::Holds => "holds",
            V::Violated(_) => "violated",
            V::Unchecked => "unchecked",
            V::Error(_) => "evaluation error",
            V::Other(s) => s,
        }
    }

    /// Whether two engines' verdicts agree: the same kind, and the same
    /// shape where both give one. `lassos`: the shapes of liveness
    /// counterexamples are compared too; across symmetry reduction they
    /// are not, since which fair cycle is shown depends on the
    /// representatives (both are replayed in the oracle instead).
    fn agrees(&self, other: &V, lassos: bool) -> bool {
        match (self, other) {
            (V::Violated(Some(a)), V::Violated(Some(b)))
            | (V::Error(Some(a)), V::Error(Some(b))) => {
                a == b || (!lassos && a.lasso.is_some() && b.lasso.is_some())
            }
            _ => self.kind() == other.kind(),
        }
    }
}

impl std::fmt::Display for V {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            V::Violated(Some(s)) => {
                write!(f, "violated ({} steps", s.steps)?;
                if let Some((start, stutter)) = s.lasso {
                    write!(
                        f,
                        ", loop from {start}{}",
                        if stutter { ", stops" } else { "" }
                    )?;
                }
                write!(f, ")")
            }
            other => write!(f, "{}", other.kind()),
        }
    }
}

/// One engine's result, reduced to what engines can be compared on. A
/// `None` field is one the engine does not report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub engine: String,
    /// Whether it explored with symmetry reduction.
    pub reduced: bool,
    /// The initial states could not be built (the engine's message).
    pub init_error: Option<String>,
    pub states: Option<u64>,
    pub transitions: Option<u64>,
    pub depth: Option<u32>,
    pub pruned: Option<u64>,
    /// Per spec property, `None` where the engine does not check it.
    pub verdicts: Vec<Option<V>>,
    pub deadlock: Option<V>,
    /// `Some(None)`: no finding; `Some(Some(n))`: one after `n` steps.
    pub runtime_error: Option<Option<usize>>,
    /// dsmc's overall status (`Ok`, `Failed`, `NoVerdict`).
    pub status: Option<String>,
    /// Traces in full (states and steps in dsmc's words), coverage and
    /// warnings: equal between dsmc runs of the same group.
    pub detail: Option<String>,
}

/// Two engines that say different things about one aspect of a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreement {
    /// What differs: `states`, `verdict q3`, `panic`, `replay q3`, ...
    pub aspect: String,
    pub left: String,
    pub left_says: String,
    pub right: String,
    pub right_says: String,
}

impl Disagreement {
    /// A kind to count disagreements by: the aspect without property
    /// names, and the engines.
    pub fn kind(&self) -> String {
        let aspect = self.aspect.split(' ').next().unwrap_or("");
        format!("{aspect}: {} vs {}", self.left, self.right)
    }
}

impl std::fmt::Display for Disagreement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} says {}, {} says {}",
            self.aspect, self.left, self.left_says, self.right, self.right_says
        )
    }
}

/// What comparing one spec gave.
#[derive(Clone, Debug)]
pub enum Report {
    /// The front end (or lowering) refused the spec: its error codes.
    Rejected(Vec<String>),
    /// The spec has more states than [`Limits::max_states`], or a run
    /// stopped at a limit: set aside.
    TooBig,
    /// Every engine ran; what they disagree on (empty: all agree).
    Compared {
        outcomes: Vec<Outcome>,
        disagreements: Vec<Disagreement>,
        /// Disagreements explained by a known dsmc bug ([`known_issue`]).
        known: Vec<Disagreement>,
    },
}

impl Report {
    /// The disagreements, if the spec was compared.
    pub fn disagreements(&self) -> &[Disagreement] {
        match self {
            Report::Compared { disagreements, .. } => disagreements,
            _ => &[],
        }
    }
}

/// Which engines to run.
#[derive(Clone, Debug)]
pub struct Engines {
    pub stateright: bool,
    pub oracle: bool,
    /// Replay dsmc's counterexamples in the oracle.
    pub replay: bool,
    /// The thread count of dsmc's multi-threaded runs.
    pub threads: usize,
}

impl Default for Engines {
    fn default() -> Engines {
        Engines {
            stateright: true,
            oracle: true,
            replay: true,
            threads: 3,
        }
    }
}

/// A dsmc run: its name and options.
struct Run {
    name: &'static str,
    interpreted: bool,
    threads: usize,
    no_symmetry: bool,
}

const FULL_RUNS: [Run; 4] = [
    Run {
        name: "default/t1",
        interpreted: false,
        threads: 1,
        no_symmetry: true,
    },
    Run {
        name: "default/tN",
        interpreted: false,
        threads: 3,
        no_symmetry: true,
    },
    Run {
        name: "interpreter/t1",
        interpreted: true,
        threads: 1,
        no_symmetry: true,
    },
    Run {
        name: "interpreter/tN",
        interpreted: true,
        threads: 3,
        no_symmetry: true,
    },
];

const REDUCED_RUNS: [Run; 4] = [
    Run {
        name: "symmetry/default/t1",
        interpreted: false,
        threads: 1,
        no_symmetry: false,
    },
    Run {
        name: "symmetry/default/tN",
        interpreted: false,
        threads: 3,
        no_symmetry: false,
    },
    Run {
        name: "symmetry/interpreter/t1",
        interpreted: true,
        threads: 1,
        no_symmetry: false,
    },
    Run {
        name: "symmetry/interpreter/tN",
        interpreted: true,
        threads: 3,
        no_symmetry: false,
    },
];

/// The text of a panic's payload.
fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".into()
    }
}

fn panic_finding(engine: &str, text: String) -> Disagreement {
    Disagreement {
        aspect: "panic".into(),
        left: engine.into(),
        left_says: text,
        right: "(no engine may panic)".into(),
        right_says: "-".into(),
    }
}

/// Checks `source` with every engine and compares what they say.
pub fn compare_source(source: &str, limits: &Limits, engines: &Engines) -> Report {
    // The front end alone first: a panic there is a finding; errors make
    // the spec a reject.
    let front = match catch_unwind(AssertUnwindSafe(|| dsmc::front::check_source(source, &[]))) {
        Ok(f) => f,
        Err(p) => {
            return Report::Compared {
                outcomes: vec![],
                disagreements: vec![panic_finding("front end", panic_text(p))],
                known: vec![],
            };
        }
    };
    let Some(typed) = front.typed else {
        let codes = front
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.to_string())
            .collect();
        return Report::Rejected(codes);
    };
    let symmetric = typed.nodes.iter().any(|n| n.symmetric);
    let mut disagreements = vec![];
    let mut outcomes: Vec<Outcome> = vec![];
    let mut base_model: Option<Box<Model>> = None;
    let mut base_exploration: Option<Box<Exploration>> = None;
    // The first run with symmetry reduction, whose traces are replayed too.
    let mut reduced_run: Option<(Box<Model>, Box<Exploration>)> = None;
    let runs: Vec<&Run> = if symmetric {
        FULL_RUNS.iter().chain(REDUCED_RUNS.iter()).collect()
    } else {
        FULL_RUNS.iter().collect()
    };
    for (i, run) in runs.into_iter().enumerate() {
        let options = CheckOptions {
            explore: explore::Options {
                threads: Some(if run.threads > 1 { engines.threads } else { 1 }),
                max_states: Some(limits.max_states),
                timeout: Some(limits.timeout),
                no_symmetry: run.no_symmetry,
                interpreted: run.interpreted,
                ..explore::Options::default()
            },
            ..CheckOptions::default()
        };
        let checked = match catch_unwind(AssertUnwindSafe(|| check_source(source, &options))) {
            Ok(c) => c,
            Err(p) => {
                disagreements.push(panic_finding(run.name, panic_text(p)));
                continue;
            }
        };
        let status = format!("{:?}", checked.status());
        match checked {
            Checked::Errors(diags) => {
                let init = diags.iter().find(|d| {
                    d.code == "dsmc::check::initial_state"
                        || d.code == "dsmc::check::no_initial_state"
                });
                match init {
                    Some(d) => outcomes.push(Outcome {
                        engine: run.name.into(),
                        reduced: !run.no_symmetry,
                        init_error: Some(d.message.clone()),
                        status: Some(status),
                        ..Outcome::default()
                    }),
                    None if i == 0 => {
                        // Lowering refused it (too large, ...).
                        return Report::Rejected(
                            diags.iter().map(|d| d.code.to_string()).collect(),
                        );
                    }
                    None => outcomes.push(Outcome {
                        engine: run.name.into(),
                        reduced: !run.no_symmetry,
                        init_error: Some(format!(
                            "errors: {}",
                            diags
                                .iter()
                                .map(|d| d.code.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                        ..Outcome::default()
                    }),
                }
            }
            Checked::Explored {
                warnings,
                model,
                exploration,
            } => {
                if !exploration.complete || exploration.stop.is_some() {
                    return Report::TooBig;
                }
                outcomes.push(dsmc_outcome(run, &model, &exploration, &warnings, status));
                if i == 0 {
                    base_model = Some(model);
                    base_exploration = Some(exploration);
                } else if !run.no_symmetry && reduced_run.is_none() {
                    reduced_run = Some((model, exploration));
                }
            }
        }
    }
    let base_init_error = outcomes.first().is_some_and(|o| o.init_error.is_some());
    // Stateright: invariants and reachability, without bounds.
    if engines.stateright
        && !base_init_error
        && let Some(model) = &base_model
        && model.bounds.is_empty()
    {
        let model: Arc<Model> = Arc::new(clone_model(source));
        match catch_unwind(AssertUnwindSafe(|| {
            dsmc::reference::check_with_stateright(model.clone(), 1)
        })) {
            Ok(r) => {
                let mut o = stateright_outcome(&model, &r);
                // Stateright has no verdict for a property whose
                // evaluation fails: compare the others only.
                if let Some(base) = outcomes.first() {
                    for (theirs, ours) in o.verdicts.iter_mut().zip(&base.verdicts) {
                        if matches!(ours, Some(V::Error(_))) {
                            *theirs = None;
                        }
                    }
                }
                outcomes.push(o);
            }
            Err(p) => disagreements.push(panic_finding("stateright", panic_text(p))),
        }
    }
    // The oracle.
    if engines.oracle {
        let oracle_limits = oracle::Limits {
            max_states: (limits.max_states as usize).saturating_mul(2),
        };
        match catch_unwind(AssertUnwindSafe(|| oracle::check(&typed, &oracle_limits))) {
            // Over the oracle's limit (dsmc may finish a search that
            // passes its own `max_states` in its last batch): set aside.
            Ok(Err(oracle::OracleError::TooBig)) => return Report::TooBig,
            Ok(result) => {
                if let Some(o) = oracle_outcome(result) {
                    outcomes.push(o);
                }
            }
            Err(p) => disagreements.push(panic_finding("oracle", panic_text(p))),
        }
        if engines.replay
            && let (Some(model), Some(x)) = (&base_model, &base_exploration)
        {
            disagreements.extend(replay_traces(&typed, model, x, ""));
        }
        if engines.replay
            && let Some((model, x)) = &reduced_run
        {
            disagreements.extend(replay_traces(&typed, model, x, " (reduced)"));
        }
    }
    disagreements.extend(compare_outcomes(
        &outcomes,
        &typed_names(base_model.as_deref()),
    ));
    let mut known = vec![];
    if let Some(why) = known_issue(&outcomes) {
        let (panics, rest): (Vec<_>, Vec<_>) =
            disagreements.into_iter().partition(|d| d.aspect == "panic");
        disagreements = panics;
        known = rest
            .into_iter()
            .map(|mut d| {
                d.aspect = format!("{} (known: {why})", d.aspect);
                d
            })
            .collect();
    }
    Report::Compared {
        outcomes,
        disagreements,
        known,
    }
}

/// A dsmc bug that explains a spec's disagreements while its fix is
/// pending: they are counted as known, not as new findings. None today:
/// the ones this listed (negative values in tuples, sets and range
/// choices packed as `0..63`) are fixed, with regression cases under
/// tests/explore/. Add one here only with its issue number.
pub fn known_issue(_outcomes: &[Outcome]) -> Option<&'static str> {
    None
}

/// The property names, for messages.
fn typed_names(model: Option<&Model>) -> Vec<String> {
    model.map_or_else(Vec::new, |m| {
        m.spec.properties.iter().map(|p| p.name.clone()).collect()
    })
}

/// A fresh compiled model of a spec that compiled once already.
fn clone_model(source: &str) -> Model {
    let typed = dsmc::front::check_source(source, &[])
        .typed
        .expect("the spec compiled before");
    dsmc::model::lower(typed).unwrap_or_else(|_| panic!("the spec lowered before"))
}

fn shape(t: &Trace) -> Shape {
    Shape {
        steps: t.steps.len(),
        lasso: t.lasso.map(|l| (l.start, l.stutter)),
    }
}

fn v_of(v: &Verdict) -> V {
    match v {
        Verdict::Holds => V::Holds,
        Verdict::Violated(t) => V::Violated(t.as_ref().map(shape)),
        Verdict::Unchecked => V::Unchecked,
        Verdict::NotSelected => V::Other("not selected".into()),
        Verdict::Unknown => V::Other("unknown".into()),
        Verdict::Error(t) => V::Error(Some(shape(t))),
    }
}

/// A trace in dsmc's words, for exact comparison between dsmc runs.
fn trace_text(model: &Model, t: &Trace, out: &mut String) {
    for (i, s) in t.states.iter().enumerate() {
        let _ = write!(out, "  [{i}]");
        for c in model.describe_state(s) {
            let _ = write!(out, " {}={}", c.what, c.value);
        }
        out.push('\n');
        if let Some(step) = t.steps.get(i) {
            let _ = writeln!(out, "  -- {}", model.step_name(step));
        }
    }
    if let Some((step, err)) = &t.failed {
        let _ = writeln!(out, "  failed: {} {err:?}", model.step_name(step));
    }
    if let Some(l) = t.lasso {
        let _ = writeln!(out, "  lasso {l:?}");
    }
    if let Some(e) = &t.eval_error {
        let _ = writeln!(out, "  evaluation failed: {e:?}");
    }
}

fn dsmc_outcome(
    run: &Run,
    model: &Model,
    x: &Exploration,
    warnings: &[dsmc::diagnostic::Diagnostic],
    status: String,
) -> Outcome {
    let mut detail = String::new();
    for (p, v) in model.spec.properties.iter().zip(&x.verdicts) {
        if let Verdict::Violated(Some(t)) | Verdict::Error(t) = v {
            let _ = writeln!(detail, "{}:", p.name);
            trace_text(model, t, &mut detail);
        }
    }
    if let Verdict::Violated(Some(t)) = &x.deadlock {
        detail.push_str("deadlock:\n");
        trace_text(model, t, &mut detail);
    }
    if let Some(t) = &x.runtime_error {
        detail.push_str("runtime error:\n");
        trace_text(model, t, &mut detail);
    }
    let _ = writeln!(detail, "coverage: {:?}", x.coverage);
    for w in warnings {
        let _ = writeln!(detail, "warning {}: {}", w.code, w.message);
    }
    Outcome {
        engine: run.name.into(),
        reduced: !run.no_symmetry && !x.symmetry.is_empty(),
        init_error: None,
        states: Some(x.states),
        transitions: Some(x.transitions),
        depth: Some(x.depth),
        pruned: Some(x.pruned),
        verdicts: x.verdicts.iter().map(|v| Some(v_of(v))).collect(),
        deadlock: Some(v_of(&x.deadlock)),
        runtime_error: Some(x.runtime_error.as_ref().map(|t| t.steps.len())),
        status: Some(status),
        detail: Some(detail),
    }
}

fn stateright_outcome(model: &Model, r: &dsmc::reference::ReferenceResult) -> Outcome {
    let mut verdicts: Vec<Option<V>> = vec![None; model.properties.len()];
    for &(index, discovered) in &r.discoveries {
        let invariant = matches!(model.properties[index], CompiledProperty::Invariant(_));
        verdicts[index] = Some(if discovered == invariant {
            V::Violated(None)
        } else {
            V::Holds
        });
    }
    Outcome {
        engine: "stateright".into(),
        states: Some(r.states),
        verdicts,
        ..Outcome::default()
    }
}

// ------------------------------------------------------------------ oracle

/// THE ORACLE'S PLUG: its result as one more engine's [`Outcome`] (in the
/// full group). `None`: no comparable result (too many states).
fn oracle_outcome(result: Result<oracle::OracleResult, oracle::OracleError>) -> Option<Outcome> {
    let v = |v: &oracle::OracleVerdict| match v {
        oracle::OracleVerdict::Holds => V::Holds,
        oracle::OracleVerdict::Violated { trace_len } => V::Violated(trace_len.map(|n| Shape {
            steps: n,
            lasso: None,
        })),
        oracle::OracleVerdict::Unchecked => V::Unchecked,
    };
    match result {
        Ok(r) => Some(Outcome {
            engine: "oracle".into(),
            states: Some(r.states),
            transitions: Some(r.transitions),
            depth: Some(r.depth),
            pruned: Some(r.pruned),
            verdicts: r
                .verdicts
                .iter()
                .enumerate()
                .map(
                    |(i, x)| match (x, r.property_errors.get(i).copied().flatten()) {
                        (oracle::OracleVerdict::Unchecked, Some(n)) => {
                            Some(V::Error(Some(Shape {
                                steps: n,
                                lasso: None,
                            })))
                        }
                        _ => Some(v(x)),
                    },
                )
                .collect(),
            deadlock: Some(v(&r.deadlock)),
            runtime_error: Some(r.runtime_error),
            ..Outcome::default()
        }),
        Err(oracle::OracleError::Init(msg)) => Some(Outcome {
            engine: "oracle".into(),
            init_error: Some(msg),
            ..Outcome::default()
        }),
        Err(oracle::OracleError::TooBig) => Some(Outcome {
            engine: "oracle".into(),
            states: Some(u64::MAX),
            ..Outcome::default()
        }),
    }
}

/// Replays each counterexample of dsmc's first run in the oracle: every
/// trace must be a run of the oracle's and show what it claims.
fn replay_traces(
    spec: &dsmc::typed::TypedSpec,
    model: &Model,
    x: &Exploration,
    which: &str,
) -> Vec<Disagreement> {
    let states = |t: &Trace| -> Vec<Vec<(String, String)>> {
        t.states
            .iter()
            .map(|s| {
                model
                    .describe_state(s)
                    .into_iter()
                    .map(|c| (c.what, c.value))
                    .collect()
            })
            .collect()
    };
    let mut traces: Vec<(String, &Trace, oracle::Claim)> = vec![];
    for (i, (p, v)) in model.spec.properties.iter().zip(&x.verdicts).enumerate() {
        if let Verdict::Violated(Some(t)) = v {
            let claim = match t.lasso {
                Some(l) => oracle::Claim::Lasso {
                    property: i,
                    start: l.start,
                    stutter: l.stutter,
                },
                None => oracle::Claim::Property(i),
            };
            traces.push((format!("replay{which} {}", p.name), t, claim));
        }
    }
    if let Verdict::Violated(Some(t)) = &x.deadlock {
        traces.push((
            format!("replay{which} deadlock"),
            t,
            oracle::Claim::Deadlock,
        ));
    }
    if let Some(t) = &x.runtime_error {
        traces.push((
            format!("replay{which} runtime-error"),
            t,
            oracle::Claim::RuntimeError,
        ));
    }
    let mut out = vec![];
    for (aspect, t, claim) in traces {
        let trace = states(t);
        let r = catch_unwind(AssertUnwindSafe(|| oracle::replay(spec, &trace, &claim)));
        let says = match r {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => e,
            Err(p) => format!("panic: {}", panic_text(p)),
        };
        out.push(Disagreement {
            aspect,
            left: match which {
                "" => "default/t1".into(),
                _ => "symmetry/default/t1".into(),
            },
            left_says: format!("a counterexample of {} steps", t.steps.len()),
            right: "oracle replay".into(),
            right_says: says,
        });
    }
    out
}

// ------------------------------------------------------------------ comparing

/// Compares every outcome with the first of its group, and the reduced
/// group's first with the full group's first on what symmetry keeps.
pub fn compare_outcomes(outcomes: &[Outcome], names: &[String]) -> Vec<Disagreement> {
    let mut out = vec![];
    let full: Vec<&Outcome> = outcomes.iter().filter(|o| !o.reduced).collect();
    let reduced: Vec<&Outcome> = outcomes.iter().filter(|o| o.reduced).collect();
    for group in [&full, &reduced] {
        if let Some(first) = group.first() {
            for other in &group[1..] {
                diff(first, other, true, names, &mut out);
            }
        }
    }
    if let (Some(f), Some(r)) = (full.first(), reduced.first()) {
        diff(f, r, false, names, &mut out);
    }
    out
}

/// What `a` and `b` disagree on; `counts`: also states, transitions,
/// pruned states and the full traces.
fn diff(a: &Outcome, b: &Outcome, counts: bool, names: &[String], out: &mut Vec<Disagreement>) {
    let mut push = |aspect: String, l: String, r: String| {
        out.push(Disagreement {
            aspect,
            left: a.engine.clone(),
            left_says: l,
            right: b.engine.clone(),
            right_says: r,
        });
    };
    match (&a.init_error, &b.init_error) {
        (None, None) => {}
        (Some(_), Some(_)) => return,
        (x, y) => {
            let say = |e: &Option<String>| match e {
                Some(m) => format!("initial states fail: {m}"),
                None => "initial states built".into(),
            };
            push("init".into(), say(x), say(y));
            return;
        }
    }
    fn opt<T: PartialEq + std::fmt::Debug>(
        aspect: &str,
        x: &Option<T>,
        y: &Option<T>,
        push: &mut dyn FnMut(String, String, String),
    ) {
        if let (Some(x), Some(y)) = (x, y)
            && x != y
        {
            push(aspect.into(), format!("{x:?}"), format!("{y:?}"));
        }
    }
    if counts {
        opt("states", &a.states, &b.states, &mut push);
        opt("transitions", &a.transitions, &b.transitions, &mut push);
        opt("pruned", &a.pruned, &b.pruned, &mut push);
    }
    opt("depth", &a.depth, &b.depth, &mut push);
    for (i, (x, y)) in a.verdicts.iter().zip(&b.verdicts).enumerate() {
        if let (Some(x), Some(y)) = (x, y)
            && !x.agrees(y, counts)
        {
            let name = names.get(i).cloned().unwrap_or_else(|| format!("#{i}"));
            push(format!("verdict {name}"), x.to_string(), y.to_string());
        }
    }
    if let (Some(x), Some(y)) = (&a.deadlock, &b.deadlock)
        && !x.agrees(y, counts)
    {
        push("deadlock".into(), x.to_string(), y.to_string());
    }
    if let (Some(x), Some(y)) = (&a.runtime_error, &b.runtime_error)
        && x != y
    {
        let say = |e: &Option<usize>| match e {
            None => "no run-time finding".to_string(),
            Some(n) => format!("a run-time finding after {n} steps"),
        };
        push("runtime-error".into(), say(x), say(y));
    }
    opt("status", &a.status, &b.status, &mut push);
    if counts
        && let (Some(x), Some(y)) = (&a.detail, &b.detail)
        && x != y
    {
        let (l, r) = first_difference(x, y);
        push("traces".into(), l, r);
    }
}

/// The first line where two texts differ.
fn first_difference(a: &str, b: &str) -> (String, String) {
    let mut la = a.lines();
    let mut lb = b.lines();
    loop {
        match (la.next(), lb.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (x, y) => {
                return (
                    x.unwrap_or("(end)").to_string(),
                    y.unwrap_or("(end)").to_string(),
                );
            }
        }
    }
}

/// A spec's disagreements as a comment block for the top of a `.ds` file.
pub fn header(disagreements: &[Disagreement]) -> String {
    let mut s = String::new();
    for d in disagreements {
        for (i, line) in d.to_string().lines().enumerate() {
            let _ = writeln!(s, "// {}{line}", if i == 0 { "" } else { "   " });
        }
    }
    s
}

/// Shrinks a generated spec while it still shows a disagreement of one of
/// the kinds ([`Disagreement::kind`]) of `found`; returns the smallest
/// spec and its disagreements. At most `max_tries` specs are compared.
pub fn shrink_disagreement(
    spec: &crate::generate::Spec,
    found: &[Disagreement],
    limits: &Limits,
    engines: &Engines,
    max_tries: usize,
) -> (crate::generate::Spec, Vec<Disagreement>) {
    let kinds: Vec<String> = found.iter().map(Disagreement::kind).collect();
    // Only the engines the disagreement is about.
    let about = |name: &str| kinds.iter().any(|k| k.contains(name));
    let engines = &Engines {
        stateright: engines.stateright && about("stateright"),
        oracle: engines.oracle && about("oracle"),
        replay: engines.replay && about("oracle replay"),
        threads: engines.threads,
    };
    let mut still = |s: &crate::generate::Spec| {
        let r = compare_source(&s.render(), limits, engines);
        r.disagreements().iter().any(|d| kinds.contains(&d.kind()))
    };
    let small = crate::generate::shrink(spec, &mut still, max_tries);
    let report = compare_source(&small.render(), limits, engines);
    (small, report.disagreements().to_vec())
}
