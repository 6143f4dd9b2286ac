//! The independent oracle: a small model checker for dsmc specs, used only
//! to cross-check dsmc's engines.
//!
//! It is a plain breadth-first search over a direct evaluator of the typed
//! AST ([`dsmc::typed::TypedSpec`]): states are plain Rust values
//! ([`state::State`]), the visited set a `HashMap`, the state graph kept
//! whole for the liveness check. It shares no code with `dsmc::model` or
//! `dsmc::explore`; its meaning comes from /work/shared/DESIGN.md and
//! docs/language.md. Where those leave a question open, the module that
//! settles it says which way and why ([`eval`], [`step`]).
//!
//! Decisions about what is reported:
//! - A failed evaluation is a finding with the length of its shortest
//!   trace, never `true` or `false` (DESIGN.md §3: "an evaluation never
//!   fails silently"). A step whose guard or body fails, and a `bound` or
//!   `done when` that cannot be evaluated in a reachable state, are
//!   run-time findings ([`OracleResult::runtime_error`]); exploration goes
//!   on past them (the failed step has no successor; a state whose bound
//!   fails is not expanded, nor counted as pruned), and the verdicts are
//!   still given, as the headers of tests/explore/*.ds show dsmc doing.
//! - Every expression of every property is evaluated in every reachable
//!   state; one that fails makes the property's verdict
//!   an error ([`OracleResult::property_errors`], the verdict
//!   [`OracleVerdict::Unchecked`]) with the shortest trace to such a state,
//!   unless a violation has a strictly shorter counterexample (or, for a
//!   `reachable`, some state satisfies it). A failing expression counts as
//!   neither true nor false elsewhere.
//! - `symmetric` is ignored: every state is explored.
//! - Counts follow docs/output.md: `transitions` is the initial states plus
//!   every step taken from an expanded state (self-loops, duplicates and
//!   steps that fail included); `depth` the BFS levels, the initial level
//!   counted as 1.

pub mod eval;
pub mod liveness;
pub mod render;
pub mod state;
pub mod step;
pub mod value;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use dsmc::typed::{Deadlock, Expr, PropertyKind, TypedSpec};

use liveness::{Edge, Graph};
use state::{State, instances};
use step::{Task, initial_states, successors};
use value::{R, Value};

/// When to give up.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Distinct states stored before the search stops with [`OracleError::TooBig`].
    pub max_states: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_states: 1_000_000,
        }
    }
}

/// A verdict on one property or on deadlocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OracleVerdict {
    Holds,
    /// `trace_len`: the steps of a shortest counterexample (safety, deadlock);
    /// `None` for `reachable` (no trace) and for liveness (the oracle
    /// decides fair cycles but does not build lassos).
    Violated {
        trace_len: Option<usize>,
    },
    /// Deadlocks under `allow deadlock`; a property whose evaluation
    /// failed (neither holds nor violated: [`OracleResult::property_errors`]
    /// says where).
    Unchecked,
}

/// What the oracle established about a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OracleResult {
    /// Distinct reachable states.
    pub states: u64,
    /// Initial states plus every step taken (docs/output.md).
    pub transitions: u64,
    /// BFS levels, the initial level counted as 1.
    pub depth: u32,
    /// States where a `bound` is false (stored and checked, not expanded).
    pub pruned: u64,
    /// One per property, in spec order.
    pub verdicts: Vec<OracleVerdict>,
    /// One per property: when evaluating it failed in a reachable state
    /// (its verdict is then [`OracleVerdict::Unchecked`]), the steps from
    /// an initial state to a nearest such state (dsmc's `Verdict::Error`).
    pub property_errors: Vec<Option<usize>>,
    /// [`OracleVerdict::Unchecked`] under `allow deadlock`.
    pub deadlock: OracleVerdict,
    /// The steps before the failing evaluation on a shortest trace to a
    /// run-time finding (a step that fails, a `bound` or `done when` that
    /// cannot be evaluated): dsmc's `Trace::steps.len()`, the failed step
    /// itself not counted.
    pub runtime_error: Option<usize>,
    /// What the first (shortest) run-time finding says.
    pub runtime_message: Option<String>,
}

/// Why the oracle gave no result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OracleError {
    /// More than [`Limits::max_states`] states.
    TooBig,
    /// The initial states cannot be built (an initial value out of its type).
    Init(String),
}

/// What a replayed trace claims to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Only that the trace is a run.
    Path,
    /// A safety property (by index) is violated: an invariant (or a
    /// variant's negative measure) in the last state, a step property on
    /// the last step.
    Property(usize),
    /// The last state is a deadlock.
    Deadlock,
    /// An evaluation fails in the last state (a step from it, or a
    /// property, bound or `done when` there).
    RuntimeError,
    /// A liveness property (by index) fails: `states[start..]` is the
    /// loop (the last state equals `states[start]`), or with `stutter` the
    /// run stops for ever at the last state, `states[start]`.
    Lasso {
        property: usize,
        start: usize,
        stutter: bool,
    },
}

/// The expressions of a property the search evaluates on every state.
fn atoms(kind: &PropertyKind) -> Vec<&Expr> {
    match kind {
        PropertyKind::Invariant(p)
        | PropertyKind::Stable(p)
        | PropertyKind::Reachable(p)
        | PropertyKind::Transient(p)
        | PropertyKind::Persistent(p) => vec![p],
        // Read on steps only ([`step_fails`]).
        PropertyKind::Step(_) => vec![],
        PropertyKind::Next(p, q)
        | PropertyKind::Unless(p, q)
        | PropertyKind::LeadsTo(p, q)
        | PropertyKind::Ensures(p, q) => vec![p, q],
        PropertyKind::Variant {
            measure,
            while_cond,
            until,
        } => {
            let mut v = vec![measure, while_cond];
            v.extend(until);
            v
        }
    }
}

/// Whether the step from `before` to `after` satisfies property `p`, for a
/// `step` property (`old(e)` read in `before`); `None` for other forms.
fn step_holds(spec: &TypedSpec, p: usize, before: &State, after: &State) -> Option<R<bool>> {
    let prop = &spec.properties[p];
    let PropertyKind::Step(e) = &prop.kind else {
        return None;
    };
    let mut env = eval::Env::new(spec, None, prop.locals.len());
    env.old = Some(before.clone());
    Some(env.test(after, e))
}

/// The search's memory: every state with its BFS depth and the values of
/// the properties' expressions there, the graph, the findings.
struct Search<'s> {
    spec: &'s TypedSpec,
    states: Vec<State>,
    index: HashMap<State, usize>,
    /// Steps from an initial state (0-based BFS level).
    depth: Vec<u32>,
    /// By state, property, expression.
    atoms: Vec<Vec<Vec<R<Value>>>>,
    pruned: Vec<bool>,
    edges: Vec<Vec<Edge>>,
    tasks: HashMap<Task, usize>,
    strong: Vec<bool>,
    runtime: Option<(usize, String)>,
    max_states: usize,
}

impl<'s> Search<'s> {
    fn new(spec: &'s TypedSpec, max_states: usize) -> Search<'s> {
        Search {
            spec,
            states: Vec::new(),
            index: HashMap::new(),
            depth: Vec::new(),
            atoms: Vec::new(),
            pruned: Vec::new(),
            edges: Vec::new(),
            tasks: HashMap::new(),
            strong: Vec::new(),
            runtime: None,
            max_states,
        }
    }

    /// Records a run-time finding `len` steps from an initial state.
    fn finding(&mut self, len: usize, msg: &str) {
        if self.runtime.as_ref().is_none_or(|(l, _)| len < *l) {
            self.runtime = Some((len, msg.to_string()));
        }
    }

    /// The id of `st`, stored at `depth` if new.
    fn insert(&mut self, st: State, depth: u32) -> Result<usize, OracleError> {
        if let Some(&id) = self.index.get(&st) {
            return Ok(id);
        }
        if self.states.len() >= self.max_states {
            return Err(OracleError::TooBig);
        }
        let id = self.states.len();
        let spec = self.spec;
        let atoms = (spec.properties.iter())
            .map(|p| {
                let mut env = eval::Env::new(spec, None, p.locals.len());
                atoms(&p.kind)
                    .into_iter()
                    .map(|e| env.eval(&st, e))
                    .collect()
            })
            .collect();
        self.atoms.push(atoms);
        self.index.insert(st.clone(), id);
        self.states.push(st);
        self.depth.push(depth);
        self.pruned.push(false);
        self.edges.push(Vec::new());
        Ok(id)
    }

    /// Property `p`'s expression `a` at state `s` as a bool; `None` when it
    /// fails (found as the property's error by the search).
    fn b(&self, s: usize, p: usize, a: usize) -> Option<bool> {
        match &self.atoms[s][p][a] {
            Ok(Value::Bool(b)) => Some(*b),
            Ok(v) => panic!("a predicate gave {v:?}"),
            Err(_) => None,
        }
    }

    /// Property `p`'s expression `a` at state `s` as an integer.
    fn int(&self, s: usize, p: usize, a: usize) -> Option<i64> {
        match &self.atoms[s][p][a] {
            Ok(Value::Int(n)) => Some(*n),
            Ok(v) => panic!("a measure gave {v:?}"),
            Err(_) => None,
        }
    }

    /// Whether a variant's obligation is in force at `s` (P and not Q).
    fn in_force(&self, s: usize, p: usize) -> Option<bool> {
        let has_until = self.atoms[s][p].len() > 2;
        let w = self.b(s, p, 1)?;
        let q = if has_until && w {
            self.b(s, p, 2)?
        } else {
            false
        };
        Some(w && !q)
    }

    /// The task id of a fair task.
    fn task(&mut self, t: &(Task, bool)) -> usize {
        if let Some(&id) = self.tasks.get(&t.0) {
            return id;
        }
        let id = self.strong.len();
        self.tasks.insert(t.0.clone(), id);
        self.strong.push(t.1);
        id
    }

    /// Whether a step from `s` to `t` violates step property `p`
    /// (`len`: the steps to `t`).
    fn step_violates(&self, p: usize, s: usize, t: usize) -> bool {
        let spec = self.spec;
        match &spec.properties[p].kind {
            PropertyKind::Stable(_) => {
                self.b(s, p, 0) == Some(true) && self.b(t, p, 0) == Some(false)
            }
            PropertyKind::Next(..) => {
                self.b(s, p, 0) == Some(true) && self.b(t, p, 1) == Some(false)
            }
            PropertyKind::Unless(..) | PropertyKind::Ensures(..) => {
                self.b(s, p, 0) == Some(true)
                    && self.b(s, p, 1) == Some(false)
                    && self.b(t, p, 0) == Some(false)
                    && self.b(t, p, 1) == Some(false)
            }
            PropertyKind::Variant { .. } => {
                self.in_force(s, p) == Some(true)
                    && matches!(
                        (self.int(s, p, 0), self.int(t, p, 0)),
                        (Some(a), Some(b)) if b > a
                    )
            }
            _ => false,
        }
    }
}

/// Explores every reachable state of `spec` and decides every property.
pub fn check(spec: &TypedSpec, limits: &Limits) -> Result<OracleResult, OracleError> {
    let mut x = Search::new(spec, limits.max_states);
    let init = initial_states(spec).map_err(|e| OracleError::Init(e.0))?;
    for s in init {
        x.insert(s, 0)?;
    }
    let n_props = spec.properties.len();
    let mut transitions = x.states.len() as u64;
    let mut first: Vec<Option<usize>> = vec![None; n_props];
    let mut reached = vec![false; n_props];
    let mut errors: Vec<Option<usize>> = vec![None; n_props];
    let mut deadlock: Option<usize> = None;
    let all = instances(spec);
    let mut id = 0;
    while id < x.states.len() {
        let d = x.depth[id] as usize;
        // State properties; any failing expression is the property's error.
        for (p, prop) in spec.properties.iter().enumerate() {
            if errors[p].is_none() && x.atoms[id][p].iter().any(|a| a.is_err()) {
                errors[p] = Some(d);
            }
            match &prop.kind {
                PropertyKind::Invariant(_) if x.b(id, p, 0) == Some(false) => {
                    first[p] = Some(first[p].map_or(d, |f| f.min(d)));
                }
                PropertyKind::Reachable(_) if x.b(id, p, 0) == Some(true) => reached[p] = true,
                PropertyKind::Variant { .. }
                    if x.in_force(id, p) == Some(true)
                        && x.int(id, p, 0).is_some_and(|e| e < 0) =>
                {
                    first[p] = Some(first[p].map_or(d, |f| f.min(d)));
                }
                _ => {}
            }
        }
        let st = x.states[id].clone();
        // Bounds.
        let (mut pruned, mut failed) = (false, false);
        for b in &spec.bounds {
            let mut env = eval::Env::new(spec, None, b.locals.len());
            match env.test(&st, &b.expr) {
                Ok(true) => {}
                Ok(false) => pruned = true,
                Err(e) => {
                    // Neither kept nor pruned: a finding, not expanded.
                    x.finding(d, &e.0);
                    failed = true;
                }
            }
        }
        if pruned && !failed {
            x.pruned[id] = true;
        }
        if pruned || failed {
            id += 1;
            continue;
        }
        // Steps.
        let mut protocol = 0;
        for succ in successors(spec, &st) {
            transitions += 1;
            if !succ.info.fault {
                protocol += 1;
            }
            match succ.next {
                Err(e) => x.finding(d, &e.0),
                Ok(next) => {
                    for p in 0..n_props {
                        let at = |slot: &mut Option<usize>| {
                            *slot = Some(slot.map_or(d + 1, |f| f.min(d + 1)))
                        };
                        match step_holds(spec, p, &st, &next) {
                            None | Some(Ok(true)) => {}
                            Some(Ok(false)) => at(&mut first[p]),
                            Some(Err(_)) => at(&mut errors[p]),
                        }
                    }
                    let to = x.insert(next, d as u32 + 1)?;
                    let task = succ.info.task.as_ref().map(|t| x.task(t));
                    x.edges[id].push(Edge { to, task });
                    for (p, found) in first.iter_mut().enumerate() {
                        if x.step_violates(p, id, to) {
                            *found = Some(found.map_or(d + 1, |f| f.min(d + 1)));
                        }
                    }
                }
            }
        }
        // Deadlock.
        if protocol == 0 && !all.iter().all(|i| st.crashed.contains(i)) {
            let stuck = match &spec.deadlock {
                Deadlock::Allowed => false,
                Deadlock::Check => true,
                Deadlock::DoneWhen(done) => {
                    let mut env = eval::Env::new(spec, None, done.locals.len());
                    match env.test(&st, &done.expr) {
                        Ok(b) => !b,
                        Err(e) => {
                            x.finding(d, &e.0);
                            false
                        }
                    }
                }
            };
            if stuck {
                deadlock = deadlock.or(Some(d));
            }
        }
        id += 1;
    }
    // Verdicts.
    let graph = Graph {
        edges: std::mem::take(&mut x.edges),
        strong: x.strong.clone(),
    };
    let mut verdicts = Vec::new();
    let mut property_errors = vec![None; n_props];
    for (p, prop) in spec.properties.iter().enumerate() {
        let violated = |len: Option<usize>| OracleVerdict::Violated { trace_len: len };
        let v = match &prop.kind {
            PropertyKind::Reachable(_) if reached[p] => OracleVerdict::Holds,
            PropertyKind::Reachable(_) if errors[p].is_none() => violated(None),
            _ => match (first[p], errors[p]) {
                (Some(v), Some(e)) if v < e => violated(Some(v)),
                (_, Some(e)) => {
                    property_errors[p] = Some(e);
                    OracleVerdict::Unchecked
                }
                (Some(v), None) => violated(Some(v)),
                (None, None) => live_verdict(&mut x, &graph, p),
            },
        };
        verdicts.push(v);
    }
    let deadlock = match (&spec.deadlock, deadlock) {
        (Deadlock::Allowed, _) => OracleVerdict::Unchecked,
        (_, Some(d)) => OracleVerdict::Violated { trace_len: Some(d) },
        (_, None) => OracleVerdict::Holds,
    };
    Ok(OracleResult {
        states: x.states.len() as u64,
        transitions,
        depth: x.depth.iter().max().map_or(0, |d| d + 1),
        pruned: x.pruned.iter().filter(|p| **p).count() as u64,
        verdicts,
        property_errors,
        deadlock,
        runtime_error: x.runtime.as_ref().map(|(l, _)| *l),
        runtime_message: x.runtime.map(|(_, m)| m),
    })
}

/// The verdict on a property that no state or step violates: for a
/// liveness form, whether the graph has a fair counterexample.
fn live_verdict(x: &mut Search, graph: &Graph, p: usize) -> OracleVerdict {
    if !x.spec.properties[p].kind.is_liveness() {
        OracleVerdict::Holds
    } else if fair_violation(x, graph, p) {
        OracleVerdict::Violated { trace_len: None }
    } else {
        OracleVerdict::Holds
    }
}

/// Whether liveness property `p` has a fair counterexample in the graph.
fn fair_violation(x: &mut Search, g: &Graph, p: usize) -> bool {
    let n = x.states.len();
    let spec = x.spec;
    match &spec.properties[p].kind {
        PropertyKind::LeadsTo(..) | PropertyKind::Ensures(..) => {
            // States reachable from a P ∧ ¬Q state through ¬Q states.
            let mut not_q = vec![false; n];
            let mut inside = vec![false; n];
            let mut queue = VecDeque::new();
            for s in 0..n {
                not_q[s] = x.b(s, p, 1) == Some(false);
                if not_q[s] && x.b(s, p, 0) == Some(true) {
                    inside[s] = true;
                    queue.push_back(s);
                }
            }
            while let Some(s) = queue.pop_front() {
                for e in &g.edges[s] {
                    if not_q[e.to] && !inside[e.to] {
                        inside[e.to] = true;
                        queue.push_back(e.to);
                    }
                }
            }
            g.fair_component(&inside, &|_, _| true).is_some()
        }
        PropertyKind::Transient(_) => {
            let inside: Vec<bool> = (0..n).map(|s| x.b(s, p, 0) == Some(true)).collect();
            g.fair_component(&inside, &|_, _| true).is_some()
        }
        PropertyKind::Persistent(_) => {
            // A fair set of states (a cycle, or a state where the run may
            // stop) that holds a state where P is false.
            let not_p: Vec<bool> = (0..n).map(|s| x.b(s, p, 0) == Some(false)).collect();
            let everywhere = vec![true; n];
            g.fair_component_through(&everywhere, &|_, _| true, &|s| not_p[s])
                .is_some()
        }
        PropertyKind::Variant { .. } => {
            // P ∧ ¬Q states, along steps that keep the measure.
            let mut inside = vec![false; n];
            let mut measure = vec![0i64; n];
            for s in 0..n {
                if x.in_force(s, p) == Some(true)
                    && let Some(e) = x.int(s, p, 0)
                {
                    inside[s] = true;
                    measure[s] = e;
                }
            }
            g.fair_component(&inside, &|s, e| measure[s] == measure[e.to])
                .is_some()
        }
        _ => false,
    }
}

/// A state in dsmc's words, as `Model::describe_state` gives it.
pub fn describe_state(spec: &TypedSpec, st: &State) -> Vec<(String, String)> {
    render::describe(spec, st)
}

/// What two descriptions must share to be the same state: the lines other
/// than the network's (sorted), the network's lines (sorted), and, per FIFO
/// channel, its messages in order.
type Key = (
    Vec<(String, String)>,
    Vec<String>,
    BTreeMap<String, Vec<String>>,
);

/// The comparison key of a description.
fn key(spec: &TypedSpec, desc: &[(String, String)]) -> Key {
    let fifo: BTreeSet<&str> = (spec.messages.iter())
        .filter(|m| m.network == dsmc::syntax::ast::NetworkKind::Fifo)
        .map(|m| m.name.as_str())
        .collect();
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut net = Vec::new();
    let mut channels: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (what, value) in desc {
        if what != "network" {
            vars.push((what.clone(), value.clone()));
            continue;
        }
        net.push(value.clone());
        let body = value.trim_start_matches("+ ");
        let kind = body.split(['(', ' ']).next().unwrap_or("");
        if fifo.contains(kind)
            && let Some((left, dst)) = body.rsplit_once(" → ")
        {
            let src = left.rsplit(' ').next().unwrap_or("");
            channels
                .entry(format!("{src} → {dst}"))
                .or_default()
                .push(value.clone());
        }
    }
    vars.sort();
    net.sort();
    (vars, net, channels)
}

/// Whether `bound` prunes `st` (a failing bound prunes too).
fn pruned(spec: &TypedSpec, st: &State) -> bool {
    spec.bounds.iter().any(|b| {
        let mut env = eval::Env::new(spec, None, b.locals.len());
        env.test(st, &b.expr) != Ok(true)
    })
}

/// Checks a trace of states in dsmc's words (each state as
/// `Model::describe_state` gives it) against the oracle: the first state is
/// initial, each next one a successor of the one before, and the trace
/// shows what `claim` says. The error says where it fails.
pub fn replay(
    spec: &TypedSpec,
    trace: &[Vec<(String, String)>],
    claim: &Claim,
) -> Result<(), String> {
    let path = replay_path(spec, trace)?;
    confirm(spec, &path, claim)
}

/// The oracle's states along a trace of states in dsmc's words: the first
/// initial, each next one a successor of the one before (a state cut off
/// by a `bound` has none).
pub fn replay_path(
    spec: &TypedSpec,
    trace: &[Vec<(String, String)>],
) -> Result<Vec<State>, String> {
    if trace.is_empty() {
        return Err("an empty trace".into());
    }
    let keys: Vec<Key> = trace.iter().map(|d| key(spec, d)).collect();
    let init = initial_states(spec).map_err(|e| format!("no initial states: {}", e.0))?;
    let mut path: Vec<State> = Vec::new();
    let mut cands: Vec<State> = init
        .into_iter()
        .filter(|s| key(spec, &describe_state(spec, s)) == keys[0])
        .collect();
    if cands.is_empty() {
        return Err("state 0 is not an initial state of the oracle".into());
    }
    for (i, want) in keys.iter().enumerate().skip(1) {
        let prev = choose(spec, cands, i - 1)?;
        let mut next = Vec::new();
        if !pruned(spec, &prev) {
            for s in successors(spec, &prev) {
                if let Ok(t) = s.next
                    && key(spec, &describe_state(spec, &t)) == *want
                    && !next.contains(&t)
                {
                    next.push(t);
                }
            }
        }
        if next.is_empty() {
            return Err(format!(
                "state {i} is not a successor of state {} in the oracle",
                i - 1
            ));
        }
        path.push(prev);
        cands = next;
    }
    path.push(choose(spec, cands, trace.len() - 1)?);
    Ok(path)
}

/// The one oracle state a description matched.
fn choose(spec: &TypedSpec, mut cands: Vec<State>, i: usize) -> Result<State, String> {
    if cands.len() > 1 {
        let a = describe_state(spec, &cands[0]);
        return Err(format!(
            "state {i} matches {} oracle states (the description is ambiguous): {a:?}",
            cands.len()
        ));
    }
    Ok(cands.remove(0))
}

/// Evaluates property `p`'s expressions at `st`.
fn eval_atoms(spec: &TypedSpec, p: usize, st: &State) -> Vec<R<Value>> {
    let prop = &spec.properties[p];
    let mut env = eval::Env::new(spec, None, prop.locals.len());
    atoms(&prop.kind)
        .into_iter()
        .map(|e| env.eval(st, e))
        .collect()
}

/// Checks that a run (already replayed) shows `claim`.
fn confirm(spec: &TypedSpec, path: &[State], claim: &Claim) -> Result<(), String> {
    let last = path.last().expect("non-empty");
    let b = |v: &R<Value>| matches!(v, Ok(Value::Bool(true)));
    let f = |v: &R<Value>| matches!(v, Ok(Value::Bool(false)));
    let int = |v: &R<Value>| match v {
        Ok(Value::Int(n)) => Some(*n),
        _ => None,
    };
    // P and not Q of a variant.
    let force = |a: &[R<Value>]| b(&a[1]) && a.get(2).is_none_or(f);
    match claim {
        Claim::Path => Ok(()),
        Claim::Deadlock => {
            if pruned(spec, last) {
                return Err("the last state is cut off by a bound".into());
            }
            if successors(spec, last).iter().any(|s| !s.info.fault) {
                return Err("the last state has a protocol step".into());
            }
            if instances(spec).iter().all(|i| last.crashed.contains(i)) {
                return Err("every instance has crashed in the last state".into());
            }
            match &spec.deadlock {
                Deadlock::Allowed => Err("the spec allows deadlock".into()),
                Deadlock::Check => Ok(()),
                Deadlock::DoneWhen(done) => {
                    let mut env = eval::Env::new(spec, None, done.locals.len());
                    match env.test(last, &done.expr) {
                        Ok(false) => Ok(()),
                        other => Err(format!("`done when` gives {other:?} in the last state")),
                    }
                }
            }
        }
        Claim::RuntimeError => {
            let on_step = |p| match path {
                [.., before, after] => step_holds(spec, p, before, after),
                _ => None,
            };
            let props_fail = (0..spec.properties.len()).any(|p| {
                eval_atoms(spec, p, last).iter().any(|v| v.is_err())
                    || matches!(on_step(p), Some(Err(_)))
            });
            let steps_fail = successors(spec, last).iter().any(|s| s.next.is_err());
            let bound_fails = spec.bounds.iter().any(|b| {
                let mut env = eval::Env::new(spec, None, b.locals.len());
                env.test(last, &b.expr).is_err()
            });
            let done_fails = match &spec.deadlock {
                Deadlock::DoneWhen(done) => {
                    let mut env = eval::Env::new(spec, None, done.locals.len());
                    env.test(last, &done.expr).is_err()
                }
                _ => false,
            };
            if props_fail || steps_fail || bound_fails || done_fails {
                Ok(())
            } else {
                Err("no evaluation fails in the last state".into())
            }
        }
        Claim::Property(p) => {
            let now = eval_atoms(spec, *p, last);
            let before = (path.len() >= 2).then(|| eval_atoms(spec, *p, &path[path.len() - 2]));
            let ok = match (&spec.properties[*p].kind, &before) {
                (PropertyKind::Invariant(_), _) => f(&now[0]),
                (PropertyKind::Step(_), Some(_)) => {
                    let [.., before, after] = path else {
                        unreachable!("a path of two states or more")
                    };
                    matches!(step_holds(spec, *p, before, after), Some(Ok(false)))
                }
                (PropertyKind::Stable(_), Some(a)) => b(&a[0]) && f(&now[0]),
                (PropertyKind::Next(..), Some(a)) => b(&a[0]) && f(&now[1]),
                (PropertyKind::Unless(..) | PropertyKind::Ensures(..), Some(a)) => {
                    b(&a[0]) && f(&a[1]) && f(&now[0]) && f(&now[1])
                }
                (PropertyKind::Variant { .. }, before) => {
                    let negative = force(&now) && int(&now[0]).is_some_and(|e| e < 0);
                    let raised = before.as_ref().is_some_and(|a| {
                        force(a)
                            && matches!((int(&a[0]), int(&now[0])), (Some(x), Some(y)) if y > x)
                    });
                    negative || raised
                }
                _ => false,
            };
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "the trace does not violate `{}`",
                    spec.properties[*p].name
                ))
            }
        }
        Claim::Lasso {
            property,
            start,
            stutter,
        } => confirm_lasso(spec, path, *property, *start, *stutter),
    }
}

/// Checks a liveness counterexample: the awaited predicate stays false
/// from a trigger on, and the loop is a fair cycle (or the run stops where
/// no fair task is enabled).
fn confirm_lasso(
    spec: &TypedSpec,
    path: &[State],
    p: usize,
    start: usize,
    stutter: bool,
) -> Result<(), String> {
    if start >= path.len() {
        return Err("the loop starts past the end".into());
    }
    let vals: Vec<Vec<R<Value>>> = path.iter().map(|s| eval_atoms(spec, p, s)).collect();
    let t = |v: &R<Value>| matches!(v, Ok(Value::Bool(true)));
    let fl = |v: &R<Value>| matches!(v, Ok(Value::Bool(false)));
    let cycle_end = if stutter {
        if start != path.len() - 1 {
            return Err("a stopping run must end at the loop's state".into());
        }
        path.len()
    } else {
        if path[start] != *path.last().expect("non-empty") || path.len() - start < 2 {
            return Err("the loop does not close".into());
        }
        path.len() - 1
    };
    let shape = match &spec.properties[p].kind {
        PropertyKind::LeadsTo(..) | PropertyKind::Ensures(..) => {
            (0..=start).any(|trig| t(&vals[trig][0]) && vals[trig..].iter().all(|v| fl(&v[1])))
        }
        PropertyKind::Transient(_) => vals[start..].iter().all(|v| t(&v[0])),
        PropertyKind::Persistent(_) => vals[start..cycle_end].iter().any(|v| fl(&v[0])),
        PropertyKind::Variant { .. } => {
            let force = |a: &[R<Value>]| t(&a[1]) && a.get(2).is_none_or(fl);
            let e0 = &vals[start][0];
            vals[start..]
                .iter()
                .all(|v| force(v) && v[0].is_ok() && v[0] == *e0)
        }
        _ => false,
    };
    if !shape {
        return Err(
            "the run does not keep the property's predicates as a counterexample must".into(),
        );
    }
    // Fairness: tasks enabled (by steps that change the state) and taken.
    let steps_of = |s: &State| -> Vec<(Option<(Task, bool)>, State)> {
        if pruned(spec, s) {
            return Vec::new();
        }
        successors(spec, s)
            .into_iter()
            .filter_map(|x| x.next.ok().map(|n| (x.info.task, n)))
            .filter(|(_, n)| n != s)
            .collect()
    };
    let cycle = &path[start..cycle_end];
    let mut enabled: Vec<BTreeSet<(Task, bool)>> = Vec::new();
    let mut taken: BTreeSet<Task> = BTreeSet::new();
    for (i, s) in cycle.iter().enumerate() {
        let steps = steps_of(s);
        enabled.push(steps.iter().filter_map(|(t, _)| t.clone()).collect());
        if !stutter {
            let next = &path[start + i + 1];
            for (task, n) in &steps {
                if n == next
                    && let Some((task, _)) = task
                {
                    taken.insert(task.clone());
                }
            }
        }
    }
    for (task, strong) in enabled.iter().flatten() {
        if taken.contains(task) {
            continue;
        }
        let everywhere = enabled.iter().all(|e| e.contains(&(task.clone(), *strong)));
        if *strong || everywhere {
            return Err(format!("the loop is not fair: {task:?} is never taken"));
        }
    }
    Ok(())
}
