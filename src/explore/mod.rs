//! Breadth-first exploration of a [`Model`], in parallel, deterministically.
//!
//! Each BFS level runs in two parallel phases:
//! 1. the frontier is cut into chunks; each chunk's successors are generated
//!    (and step properties checked) into per-shard buffers;
//! 2. each shard of the visited set takes, in chunk order, the successors
//!    that hash to it, keeps the new ones and checks state properties.
//!
//! A state's parent is its first generator in (frontier order, step order),
//! and the next frontier is the new states in the order of their first
//! generators (each successor a chunk buffers has a slot in that order, and
//! phase 2 fills the slots of the new ones), so counts,
//! verdicts and traces do not depend on the number of threads or the chunk
//! size. Violations found in a level are resolved to the one with the
//! smallest (frontier position, step index): the shortest counterexample
//! with ties broken canonically.

pub mod checkpoint;
mod codec;
mod liveness;
mod remote;
mod store;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::model::{
    CompiledProperty, Fast, InitError, Memo, Model, Outcome, Pred, R, RtError, RtErrorKind,
    Scratch, Sink, Step, halt,
};
pub(crate) use remote::{Batch, Expansion, Generator, symmetry_of};
pub(crate) use store::{NO_PARENT, Shard, global_id, split_id};
use store::{SHARDS, lookup_hash, place, place_packed};

/// How to explore.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Worker threads; `None`: all cores.
    pub threads: Option<usize>,
    /// Stop once this many distinct states are stored (checked between
    /// batches of the frontier, so the count may pass it by one batch).
    pub max_states: Option<u64>,
    /// Stop before the memory the search holds would cross this limit.
    pub max_memory: Option<MemoryLimit>,
    /// Stop once the check (search and liveness) has run this long.
    pub timeout: Option<Duration>,
    /// Stop when asked from outside: Ctrl-C, SIGTERM or SIGHUP, or a
    /// watchdog of the process's memory.
    pub stop: Option<StopSignal>,
    /// Explore every state even when the spec declares `symmetric` kinds.
    pub no_symmetry: bool,
    /// Told how the search goes: once per BFS level, and once before each
    /// liveness property. Off the hot path; `None` costs nothing.
    pub progress: Option<ProgressHook>,
    /// The properties to check, by index; `None`: all. The others are
    /// [`Verdict::NotSelected`] and cost nothing (no liveness phase for an
    /// unselected liveness property).
    pub properties: Option<Vec<usize>>,
    /// Interpret every step and keep networks as lists, even where the
    /// spec qualifies for the step cache and packed `set` networks
    /// ([`Model::packing`]): for comparison and for testing the fast path.
    pub interpreted: bool,
    /// Write checkpoints of the search as it goes (`--checkpoint`).
    pub checkpoint: Option<checkpoint::Checkpointing>,
    /// Start from a checkpoint instead of the initial states (`--resume`):
    /// the search goes on as if it had never stopped.
    pub resume: Option<checkpoint::Resume>,
    /// The liveness phase computes the edges of `R` again in its later
    /// passes instead of keeping them from the first, as it does when they
    /// would take more room than the visited set (both ways must give the
    /// same verdicts and lassos; tests compare them).
    pub recompute_liveness_edges: bool,
}

impl Options {
    /// Whether property `index` is checked.
    pub fn checks(&self, index: usize) -> bool {
        self.properties.as_ref().is_none_or(|p| p.contains(&index))
    }
}

/// A limit on the memory of the search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryLimit {
    /// The limit, in bytes.
    pub bytes: u64,
    /// Of which the search may not use this much: what the process holds
    /// already (the program, the model, the allocator's own).
    pub reserved: u64,
    /// Whether this is the default guard (a share of the machine's
    /// available memory) rather than `--max-memory`.
    pub guard: bool,
}

impl MemoryLimit {
    /// The bytes the search's own structures may hold.
    pub fn budget(&self) -> u64 {
        self.bytes.saturating_sub(self.reserved)
    }
}

/// A request to stop, set from another thread (a signal handler, a
/// watchdog) and read by the search between batches. Cloning shares it.
#[derive(Clone, Debug, Default)]
pub struct StopSignal(Arc<AtomicU8>);

const NOT_ASKED: u8 = 0;
const ASKED_INTERRUPT: u8 = 1;
const ASKED_MEMORY: u8 = 2;

impl StopSignal {
    pub fn new() -> StopSignal {
        StopSignal::default()
    }

    /// Asks the search to stop: the user interrupted it (Ctrl-C), or the
    /// system did (SIGTERM, SIGHUP).
    pub fn interrupt(&self) {
        let _ = self.0.compare_exchange(
            NOT_ASKED,
            ASKED_INTERRUPT,
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
    }

    /// Asks the search to stop: the process's memory reached the limit.
    pub fn memory_full(&self) {
        let _ =
            self.0
                .compare_exchange(NOT_ASKED, ASKED_MEMORY, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Whether the user interrupted.
    pub fn interrupted(&self) -> bool {
        self.0.load(Ordering::Relaxed) == ASKED_INTERRUPT
    }

    /// Withdraws a memory request (a new check starts with its memory
    /// freed); an interrupt stays.
    pub fn clear_memory(&self) {
        let _ =
            self.0
                .compare_exchange(ASKED_MEMORY, NOT_ASKED, Ordering::SeqCst, Ordering::SeqCst);
    }

    fn asked(&self) -> u8 {
        self.0.load(Ordering::Relaxed)
    }

    /// The stop asked for, if any: an interrupt, or the memory limit
    /// `max_memory` reached (a memory request without a limit asks for
    /// nothing).
    pub(crate) fn reason(&self, max_memory: Option<MemoryLimit>) -> Option<StopReason> {
        match self.asked() {
            ASKED_INTERRUPT => Some(StopReason::Interrupted),
            ASKED_MEMORY => max_memory.map(StopReason::Memory),
            _ => None,
        }
    }
}

/// Why a check stopped before its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// `max_states` distinct states were stored.
    MaxStates(u64),
    /// The search's memory would have crossed the limit.
    Memory(MemoryLimit),
    /// The check ran for the time allowed.
    Timeout(Duration),
    /// Interrupted from outside (Ctrl-C, SIGTERM, SIGHUP).
    Interrupted,
    /// A process of a distributed check (`--processes`, `--hostfile`)
    /// exited or lost its connection before the end.
    ProcessLost,
}

/// Where and why a check stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stop {
    pub reason: StopReason,
    /// In the liveness phase, after a complete search (so safety verdicts
    /// are final); otherwise during the breadth-first search.
    pub in_liveness: bool,
}

/// How far a running check has come, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    /// Distinct states stored so far.
    pub states: u64,
    /// BFS levels done, the initial level counted as 1.
    pub level: u32,
    /// States waiting to be expanded: the rest of the current level and the
    /// next level so far.
    pub queue: u64,
    /// Bytes held by the visited set.
    pub memory_bytes: usize,
}

/// What a running check is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The breadth-first search.
    Search,
    /// The fair-cycle search for liveness property `property` (an index
    /// into the spec's properties), the `nth` of `of` (1-based).
    Liveness {
        property: usize,
        nth: usize,
        of: usize,
    },
}

/// A callback for [`Progress`] reports.
#[derive(Clone)]
pub struct ProgressHook(pub std::sync::Arc<dyn Fn(&Progress) + Send + Sync>);

impl std::fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressHook")
    }
}

/// A path through the state space.
#[derive(Clone, Debug)]
pub struct Trace {
    /// `states[0]` is initial; `steps[i]` leads from `states[i]` to `states[i + 1]`.
    pub states: Vec<Vec<u64>>,
    pub steps: Vec<Step>,
    /// A last step that failed at run time, from the last state.
    pub failed: Option<(Step, RtError)>,
    /// For a liveness counterexample: where the behaviour starts repeating.
    pub lasso: Option<Lasso>,
    /// Evaluating a property, a `bound` or `done when` failed in the last
    /// state: the trace leads to a finding, not to a verdict.
    pub eval_error: Option<EvalError>,
}

/// An evaluation that failed in a state (the last of its trace).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EvalError {
    pub what: Evaluated,
    /// What failed, at which expression.
    pub error: RtError,
}

/// What was being evaluated when an evaluation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Evaluated {
    /// One of the expressions of the property with this index.
    Property(usize),
    /// The spec's `bound` with this index.
    Bound(usize),
    /// `done when`, in a state without protocol steps.
    DoneWhen,
}

/// The loop of a liveness counterexample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lasso {
    /// `states[start..]` is the cycle; unless `stutter`, the last state
    /// equals `states[start]` again.
    pub start: usize,
    /// The behaviour stops at `states[start]` (the last state) for ever: no
    /// fair step is enabled there.
    pub stutter: bool,
}

/// The verdict on one property.
#[derive(Clone, Debug)]
pub enum Verdict {
    Holds,
    /// With the shortest counterexample (for `reachable`: none).
    Violated(Option<Trace>),
    /// Not checked by this engine (or `allow deadlock` for deadlocks).
    Unchecked,
    /// Not checked: left out by [`Options::properties`] (`--property`).
    NotSelected,
    /// The search stopped before a verdict.
    Unknown,
    /// Evaluating the property failed in a reachable state, the trace's
    /// last (its [`Trace::eval_error`] says where and why): neither holds
    /// nor violated.
    Error(Trace),
}

/// What exploration established.
#[derive(Clone, Debug)]
pub struct Exploration {
    /// Distinct states stored.
    pub states: u64,
    /// Initial states plus every successor generated (TLC's "states generated").
    pub transitions: u64,
    /// BFS levels, the initial level counted as 1 (TLC's depth). After a
    /// stop in the search, the levels that are complete: every state of
    /// them stored and checked (the next level may be stored in part).
    pub depth: u32,
    /// Whether every reachable state was explored.
    pub complete: bool,
    /// Why the check stopped early, if it did: the search (then not
    /// `complete`) or the liveness phase after it.
    pub stop: Option<Stop>,
    /// States where a `bound` was false (stored, not expanded).
    pub pruned: u64,
    /// One per spec property, in order.
    pub verdicts: Vec<Verdict>,
    /// A reachable state without successors, when deadlocks are checked.
    pub deadlock: Verdict,
    /// The first step that failed at run time (a range overflow, an
    /// assert...), or the first state where a `bound` or `done when` could
    /// not be evaluated (then [`Trace::eval_error`] says so).
    pub runtime_error: Option<Trace>,
    /// Wall time of the whole check (exploration and liveness).
    pub elapsed: Duration,
    /// Of which: the liveness phase (fair-cycle searches).
    pub liveness_elapsed: Duration,
    /// Bytes held by the visited set at the end.
    pub memory_bytes: usize,
    /// Which actions and handlers ran (or failed) in some reachable state,
    /// and which message kinds were ever in flight.
    pub coverage: Coverage,
    /// The `symmetric` kinds states were reduced by (empty: none).
    pub symmetry: Vec<String>,
}

/// What the exploration exercised, per node kind: by action index and by
/// handler index, whether the step was ever taken; and by message kind,
/// whether a message of that kind was in the network of a stored state.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Coverage {
    pub actions: Vec<Vec<bool>>,
    pub handlers: Vec<Vec<bool>>,
    /// By [`crate::typed::MessageId`]: sent (or injected) at least once.
    pub sent: Vec<bool>,
}

impl Coverage {
    pub(crate) fn new(model: &Model) -> Coverage {
        Coverage {
            actions: model
                .spec
                .nodes
                .iter()
                .map(|n| vec![false; n.actions.len()])
                .collect(),
            handlers: model
                .spec
                .nodes
                .iter()
                .map(|n| vec![false; n.handlers.len()])
                .collect(),
            sent: vec![false; model.spec.messages.len()],
        }
    }

    /// Marks the kinds of the messages in a stored state's network
    /// (`packed` says how it is stored).
    pub(crate) fn mark_network(
        sent: &mut [bool],
        model: &Model,
        packed: Option<&Fast>,
        state: &[u64],
    ) {
        match packed {
            Some(p) => p.mark_kinds(state, sent),
            None => {
                for &code in &state[model.layout.fixed_words..] {
                    if let Some(s) = sent.get_mut(model.layout.msg.kind(code)) {
                        *s = true;
                    }
                }
            }
        }
    }

    pub(crate) fn mark(&mut self, model: &Model, step: &Step) {
        match step.kind {
            crate::model::StepKind::Action { global, action, .. } => {
                let (k, _) = model.layout.instances[global as usize];
                self.actions[k][action as usize] = true;
            }
            crate::model::StepKind::Deliver {
                global, handler, ..
            } => {
                let (k, _) = model.layout.instances[global as usize];
                self.handlers[k][handler as usize] = true;
            }
            _ => {}
        }
    }

    pub(crate) fn merge(&mut self, other: &Coverage) {
        for (a, b) in self.actions.iter_mut().zip(&other.actions) {
            for (x, y) in a.iter_mut().zip(b) {
                *x |= *y;
            }
        }
        for (a, b) in self.handlers.iter_mut().zip(&other.handlers) {
            for (x, y) in a.iter_mut().zip(b) {
                *x |= *y;
            }
        }
        for (x, y) in self.sent.iter_mut().zip(&other.sent) {
            *x |= *y;
        }
    }
}

/// A stored state as the model lays it out: unpacked when states are
/// packed (`packed`).
fn ordinary_form(packed: Option<&Fast>, model: &Model, stored: &[u64]) -> Vec<u64> {
    match packed {
        Some(p) => {
            let mut out = Vec::new();
            p.unpack(model.layout.fixed_words, stored, &mut out);
            out
        }
        None => stored.to_vec(),
    }
}

/// The most properties [`state_tests`] answers for in its bits.
const MAX_TESTED: usize = 61;

/// The bit of [`state_tests`] that says every `bound` holds.
const INSIDE_BOUNDS: u64 = 1 << 63;

/// The bit of [`state_tests`] that says an evaluation failed: phase 2
/// then evaluates each property and bound again, to say which
/// ([`state_eval`]). Below [`FREE`], which marks no test result.
const EVAL_FAILED: u64 = 1 << 61;

/// What phase 2 asks of a new state, as bits: bit `p` for property `p`
/// (in `only`) that the state violates (an invariant, a variant) or
/// satisfies (a reachable), and [`INSIDE_BOUNDS`].
/// An evaluation that fails sets [`EVAL_FAILED`] (and, for a bound, leaves
/// [`INSIDE_BOUNDS`] clear).
///
/// With `changed` (the state's fixed words xor its parent's, the parent
/// having passed these tests), the invariants and bounds that split into
/// parts evaluate only the parts that read a changed bit
/// ([`crate::model::delta`]); the answer is the same.
fn state_tests(
    model: &Model,
    only: &[bool],
    words: &[u64],
    changed: Option<&[u64]>,
    locals: &mut Vec<i64>,
) -> u64 {
    let mut tests = 0;
    for (index, prop) in model.properties.iter().enumerate() {
        if only[index] {
            let split = changed.zip(model.delta.properties.get(index).and_then(Option::as_ref));
            let test = match (prop, split) {
                (CompiledProperty::Invariant(_), Some((changed, parts))) => {
                    parts.holds(model, words, changed, locals).map(|h| !h)
                }
                _ => state_eval(prop, model, words, locals),
            };
            match test {
                Ok(true) => tests |= 1 << index,
                Ok(false) => {}
                Err(_) => tests |= EVAL_FAILED,
            }
        }
    }
    let mut inside = Ok(true);
    for (index, bound) in model.bounds.iter().enumerate() {
        let split = changed.zip(model.delta.bounds.get(index).and_then(Option::as_ref));
        inside = match split {
            Some((changed, parts)) => parts.holds(model, words, changed, locals),
            None => truth(bound, model, words, locals),
        };
        if !matches!(inside, Ok(true)) {
            break;
        }
    }
    match inside {
        Ok(true) => tests |= INSIDE_BOUNDS,
        Ok(false) => {}
        Err(_) => tests |= EVAL_FAILED,
    }
    tests
}

/// Whether every `bound` holds in a state; the first bound whose
/// evaluation fails, with its index.
pub(crate) fn inside_bounds(
    model: &Model,
    words: &[u64],
    locals: &mut Vec<i64>,
) -> Result<bool, (usize, RtError)> {
    for (index, bound) in model.bounds.iter().enumerate() {
        if !truth(bound, model, words, locals).map_err(|e| (index, e))? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Evaluates every state predicate of a property in a state, and says
/// whether the state violates it (an invariant, a variant whose measure is
/// negative while it is in force) or, for a reachable, satisfies it.
///
/// This is where the no-false-verdict rule holds for properties: each
/// predicate of a checked property is evaluated in every reachable state,
/// all of them, without short cuts between them, and a failure is a
/// finding. So the step forms (`stable`, `next`, `unless`, `ensures`,
/// `variant`) and the liveness forms, whose predicates are evaluated again
/// on steps and in the liveness phase, meet no failure there that was not
/// found here first.
pub(crate) fn state_eval(
    prop: &CompiledProperty,
    model: &Model,
    words: &[u64],
    locals: &mut Vec<i64>,
) -> R<bool> {
    let mut t = |pred: &Pred| truth(pred, model, words, locals);
    Ok(match prop {
        CompiledProperty::Reachable(pred) => t(pred)?,
        CompiledProperty::Invariant(pred) => !t(pred)?,
        CompiledProperty::Stable(pred)
        | CompiledProperty::Transient(pred)
        | CompiledProperty::Persistent(pred) => {
            t(pred)?;
            false
        }
        CompiledProperty::Next(a, b)
        | CompiledProperty::Unless(a, b)
        | CompiledProperty::LeadsTo(a, b)
        | CompiledProperty::Ensures(a, b) => {
            t(a)?;
            t(b)?;
            false
        }
        CompiledProperty::Variant {
            measure,
            while_cond,
            until,
        } => {
            let active = t(while_cond)?;
            let done = match until {
                Some(u) => t(u)?,
                None => false,
            };
            let value = measure.eval(model, words, locals)?;
            active && !done && value < 0
        }
        // About steps only: evaluated on each step ([`Visit::check_step`]),
        // where a failure is a finding of its own.
        CompiledProperty::Step(_) => false,
    })
}

/// The value of a predicate in a state, or why it could not be evaluated.
pub(crate) fn truth(pred: &Pred, model: &Model, state: &[u64], locals: &mut Vec<i64>) -> R<bool> {
    Ok(pred.eval(model, state, locals)? != 0)
}

/// The bits of a state that phase 2 caches [`state_tests`] by: at most two
/// words of the fixed part, each with a mask.
type PredKey = [(usize, u64); 2];

/// Whether phase 2 may cache [`state_tests`], and by what: the bits the
/// properties and bounds read ([`Model::property_reads`]) when they lie in
/// at most two words; else the whole fixed part when it takes at most two
/// words (for packed states, without the network's bits). Never when
/// there are more properties than the tests' bits.
fn pred_key(model: &Model, packed: Option<&Fast>) -> Option<PredKey> {
    // A state without fixed words (nodes without variables) has no bits
    // to key by.
    if model.properties.len() > MAX_TESTED || model.layout.fixed_words == 0 {
        return None;
    }
    let read = model.property_reads().map(|mask| {
        (mask.into_iter().enumerate())
            .filter(|&(_, m)| m != 0)
            .collect::<Vec<_>>()
    });
    let words = match read {
        Some(read) if read.len() <= 2 => read,
        _ => {
            let words = model.layout.fixed_words;
            if !(1..=2).contains(&words) {
                return None;
            }
            let bits = (model.layout.fixed_bits as usize).checked_sub(64 * (words - 1))?;
            let last = match packed {
                Some(_) if bits < 64 => (1u64 << bits) - 1,
                _ => u64::MAX,
            };
            (0..words)
                .map(|w| (w, if w + 1 == words { last } else { u64::MAX }))
                .collect()
        }
    };
    let mut key = [(0, 0); 2];
    key[..words.len()].copy_from_slice(&words);
    Some(key)
}

/// Results of [`state_tests`] by fixed part: a small direct-mapped table
/// (it stays in cache; a new entry replaces the one in its slot). States
/// that share node variables tend to be found together, so it hits often
/// where they repeat (Paxos), and costs little where they do not (2PC).
#[derive(Default)]
struct PredCache {
    /// (key, tests, which properties the tests cover); `tests == FREE`:
    /// empty.
    slots: Vec<([u64; 2], u64, u64)>,
}

/// Slots of a [`PredCache`].
const PRED_CACHE_SLOTS: usize = 1 << 12;

/// A free slot of a [`PredCache`] (no test result has bit 62 set).
const FREE: u64 = 1 << 62;

impl PredCache {
    #[inline]
    fn home(key: [u64; 2]) -> usize {
        let h = (key[0] ^ key[1].rotate_left(31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> 40) as usize & (PRED_CACHE_SLOTS - 1)
    }

    /// The tests kept for `key` and which properties they cover.
    #[inline]
    fn get(&self, key: [u64; 2]) -> Option<(u64, u64)> {
        let (k, tests, known) = *self.slots.get(Self::home(key))?;
        (tests != FREE && k == key).then_some((tests, known))
    }

    /// Keeps `tests` (covering `known`) for `key`, in place of what its
    /// slot held.
    #[inline]
    fn insert(&mut self, key: [u64; 2], tests: u64, known: u64) {
        if self.slots.is_empty() {
            self.slots = vec![([0, 0], FREE, 0); PRED_CACHE_SLOTS];
        }
        self.slots[Self::home(key)] = (key, tests, known);
    }
}

/// Where a violation was found, for picking the canonical one.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Found {
    /// (BFS level, frontier position, step index): smaller is earlier.
    pub(crate) key: (u32, u64, u32),
    /// The state reached (its id when stored, or the parent for step findings).
    pub(crate) id: u64,
    /// For step findings: the step and its successor (or failure).
    pub(crate) step: Option<(Step, StepEnd)>,
    /// Evaluating the property (or a bound, or `done when`) failed in the
    /// state: a finding that is not a violation.
    pub(crate) error: Option<EvalError>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) enum StepEnd {
    To(Vec<u64>),
    Failed(RtError),
}

/// Keeps the first finding: the shallowest, and at one level a failed
/// evaluation before a violation (so that whether a property's verdict is
/// `error` depends on depths alone, not on the order of states within a
/// level), then the first in BFS order.
pub(crate) fn keep_first(slot: &mut Option<Found>, candidate: Found) {
    // The depth of the trace's last state: a failed step's trace ends in
    // the state it fails from, one level above its key's.
    let depth = |f: &Found| match f.step {
        Some((_, StepEnd::Failed(_))) => f.key.0.saturating_sub(1),
        _ => f.key.0,
    };
    let rank = |f: &Found| (depth(f), f.error.is_none(), f.key.0, f.key.1, f.key.2);
    if slot.as_ref().is_none_or(|f| rank(&candidate) < rank(f)) {
        *slot = Some(candidate);
    }
}

/// Frontier states whose successors are generated before they are stored
/// (the successors' buffers are the explorer's largest transient memory):
/// at most this many, and fewer when their successors are many or wide
/// ([`BATCH_BUFFER_BYTES`]).
const BATCH: usize = 1 << 13;

/// What a batch's successors may take in buffers, as far as the batch
/// before it lets one foresee (successors per frontier state and their
/// width): a batch of wide states with thousands of successors each is cut
/// short, so that no batch buffers gigabytes between two checks of the
/// limits. The sizes come from counts, so batches are the same at any
/// thread count.
const BATCH_BUFFER_BYTES: usize = 32 << 20;

/// Phase 1 counts its buffers against the memory limit after every this
/// many frontier states of a chunk, and when the chunk's buffers grew by
/// [`CHECK_BYTES`].
const CHECK_EVERY: usize = 64;
const CHECK_BYTES: usize = 1 << 20;

/// A flag that a watcher thread raises once the deadline passes or the stop
/// signal comes, so that the loops of both phases can look at the time and
/// the signal after every state for the price of reading a flag. Without a
/// deadline or a signal there is no thread, and the flag stays down.
pub(crate) struct Halt {
    pub(crate) flag: Arc<AtomicBool>,
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Halt {
    /// How often the watcher looks.
    const PERIOD: Duration = Duration::from_millis(10);

    pub(crate) fn start(deadline: Option<Instant>, stop: Option<StopSignal>) -> Halt {
        let flag = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicBool::new(false));
        let thread = (deadline.is_some() || stop.is_some())
            .then(|| {
                let (flag, done) = (flag.clone(), done.clone());
                std::thread::Builder::new()
                    .name("dsmc-limits".into())
                    .spawn(move || {
                        while !done.load(Ordering::Relaxed) {
                            if deadline.is_some_and(|d| Instant::now() >= d)
                                || stop.as_ref().is_some_and(|s| s.asked() != NOT_ASKED)
                            {
                                flag.store(true, Ordering::Relaxed);
                                return;
                            }
                            std::thread::sleep(Halt::PERIOD);
                        }
                    })
                    .ok()
            })
            .flatten();
        Halt { flag, done, thread }
    }
}

impl Drop for Halt {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What may stop a phase of a batch before its end: for phase 1, the room
/// left for its buffers under the memory limit (the chunks add what they
/// buffer to `used` as they go, so that the limit holds while the batch
/// runs and not only between batches); for both, the deadline and the
/// stop signal ([`Halt`]).
struct BatchBudget {
    room: Option<usize>,
    used: AtomicUsize,
    halt: Arc<AtomicBool>,
    /// Set when a chunk stopped early; the batch is then dropped.
    cut: AtomicBool,
}

impl BatchBudget {
    /// Adds `bytes` more buffered; whether the batch must stop now.
    fn spend(&self, bytes: usize) -> bool {
        let used = self.used.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if self.room.is_some_and(|room| used > room) {
            self.cut.store(true, Ordering::Relaxed);
        }
        self.halted()
    }

    /// Whether the batch must stop now: cut already, or past the deadline
    /// or asked to stop. Cheap enough for every state.
    #[inline(always)]
    fn halted(&self) -> bool {
        if self.halt.load(Ordering::Relaxed) {
            self.cut.store(true, Ordering::Relaxed);
        }
        self.cut.load(Ordering::Relaxed)
    }

    /// Whether the batch's buffers went past their room. Decided by the
    /// bound of every successor of the batch (a sum that does not depend
    /// on how the batch was cut into chunks, nor on when a chunk stopped,
    /// since it stops only past the room), so the same at any thread count.
    fn over_room(&self) -> bool {
        self.room
            .is_some_and(|room| self.used.load(Ordering::Relaxed) > room)
    }

    fn was_cut(&self) -> bool {
        self.cut.load(Ordering::Relaxed)
    }
}

/// How many frontier states the next batch takes: as many as fit
/// [`BATCH_BUFFER_BYTES`] at `per_state` bytes of buffers each (what the
/// last batch needed per state), at least one, at most [`BATCH`].
fn batch_len(per_state: usize) -> usize {
    (BATCH_BUFFER_BYTES / per_state.max(1)).clamp(1, BATCH)
}

/// How many successors ahead phase 2 asks for the memory of a lookup.
const PREFETCH_AHEAD: usize = 8;

/// A batch's slot of a successor that phase 2 found new: its global id
/// (32 bits), this bit, and [`SLOT_PRUNED`] if a bound prunes it. The
/// slot of a successor that was not new is 0.
const SLOT_NEW: u64 = 1 << 63;
/// The bit of a slot that says that a bound prunes the state.
const SLOT_PRUNED: u64 = 1 << 62;

/// The slot of new state `id`.
#[inline]
fn slot_of(id: u64, pruned: bool) -> u64 {
    SLOT_NEW | if pruned { SLOT_PRUNED } else { 0 } | store::narrow_id(id) as u64
}

/// A successor waiting for phase 2, in 32 bytes.
struct Pending {
    /// Its hash as the visited set takes it ([`store::lookup_hash`]).
    hash: u64,
    /// The state itself when states are one packed word (the usual case:
    /// see [`Shared::one_word`]); else where its words are in the shard
    /// buffer's `words`, `start | len << 32`.
    data: u64,
    /// Its parent's id, or none, in 32 bits ([`store::narrow_id`]).
    parent: u32,
    /// Its place among the successors its chunk buffered, in the order
    /// they were generated: its slot in the batch's order of new states,
    /// after the earlier chunks' ([`ChunkOut::pendings`]).
    ord: u32,
    /// Its key without the level (its chunk's): frontier position and
    /// step index. Positions in a level fit in 32 bits, as they number
    /// states.
    pos: u32,
    index: u32,
}

impl Pending {
    /// A successor with hash `hash`, key `key` and parent `parent`, whose
    /// words are `data` ([`Pending::data`]).
    #[inline(always)]
    fn new(hash: u64, data: u64, (pos, index): (u64, u32), ord: u32, parent: u64) -> Pending {
        Pending {
            hash,
            data,
            parent: store::narrow_id(parent),
            ord,
            pos: pos as u32,
            index,
        }
    }

    /// Its key, at level `level` (its chunk's).
    fn key(&self, level: u32) -> (u32, u64, u32) {
        (level, self.pos as u64, self.index)
    }

    fn parent(&self) -> u64 {
        store::widen_id(self.parent)
    }

    /// Its words, in `words` (its shard buffer's) unless `one`: states are
    /// one packed word.
    #[inline(always)]
    fn words<'a>(&'a self, words: &'a [u64], one: bool) -> &'a [u64] {
        if one {
            std::slice::from_ref(&self.data)
        } else {
            let start = self.data as u32 as usize;
            &words[start..start + (self.data >> 32) as usize]
        }
    }
}

#[derive(Default)]
struct ShardBuf {
    words: Vec<u64>,
    pending: Vec<Pending>,
}

/// The successors a chunk has buffered, by hash, to keep a second copy of
/// one out of the buffers: open addressing over one word per slot, the
/// state's hash above and `shard << 26 | (index + 1)` below (`index` in the
/// shard's `pending`; 0 for an empty slot). A successor whose index does
/// not fit is not recorded: it is only a missed shortcut.
///
/// One-word states (packed, the usual case) are kept by value instead: a
/// slot holds the state's word (0 for an empty slot; the state 0 is a flag
/// of its own), so that a copy is recognised without reading the buffers.
///
/// A thread keeps its table from one chunk to the next of the same batch
/// when states are one word ([`Buffered::carry`]), so that a successor
/// buffered by an earlier chunk is not buffered again by a later one.
#[derive(Default)]
struct Buffered {
    slots: Vec<u64>,
    len: usize,
    /// One-word states: whether the state 0 is buffered.
    zero: bool,
    /// The batch (its level and first frontier position) and the chunk
    /// whose successors it holds, with those of earlier chunks of the
    /// batch.
    holds: Option<(u32, u64, usize)>,
}

/// The fewest slots of a [`Buffered`] table that has any.
const MIN_BUFFERED: usize = 1024;

/// Bits of a [`Buffered`] slot for the index.
const BUFFERED_INDEX_BITS: u32 = 26;

/// Where a [`Buffered`] slot's probe starts: the top half of the hash.
#[inline]
fn slot_home(slot: u64) -> usize {
    (slot >> 32) as usize
}

/// Where a one-word state's probe starts in a [`Buffered`] table.
#[inline]
fn word_home(word: u64) -> usize {
    (word.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize
}

impl Buffered {
    /// Whether a successor with hash `hash` that `same` accepts (given its
    /// shard and index) is buffered already; if not, records the one at
    /// `index` in `shard`.
    #[inline(always)]
    fn find_or_add(
        &mut self,
        hash: u64,
        shard: usize,
        index: u32,
        same: impl Fn(usize, u32) -> bool,
    ) -> bool {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let tag = hash & (!0 << 32);
        let low = (1u64 << BUFFERED_INDEX_BITS) - 1;
        let mask = self.slots.len() - 1;
        let mut i = slot_home(tag) & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                if (index as u64) < low {
                    let entry = ((shard as u64) << BUFFERED_INDEX_BITS) | (index as u64 + 1);
                    self.slots[i] = tag | entry;
                    self.len += 1;
                }
                return false;
            }
            if slot & (!0 << 32) == tag {
                let entry = slot & 0xFFFF_FFFF;
                let s = (entry >> BUFFERED_INDEX_BITS) as usize;
                if same(s, ((entry & low) - 1) as u32) {
                    return true;
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// A hint that the one-word state `word` is about to be looked up
    /// ([`Buffered::find_or_add_word`]): brings its first slot into cache.
    #[inline(always)]
    fn prefetch_word(&self, word: u64) {
        if !self.slots.is_empty() {
            store::prefetch(&self.slots[word_home(word) & (self.slots.len() - 1)]);
        }
    }

    /// Whether the one-word state `word` is buffered already; if not,
    /// records it.
    #[inline(always)]
    fn find_or_add_word(&mut self, word: u64) -> bool {
        if word == 0 {
            return std::mem::replace(&mut self.zero, true);
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow_by(word_home);
        }
        let mask = self.slots.len() - 1;
        let mut i = word_home(word) & mask;
        loop {
            let slot = self.slots[i];
            if slot == word {
                return true;
            }
            if slot == 0 {
                self.slots[i] = word;
                self.len += 1;
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    /// Makes the table ready for chunk `chunk` of the batch of level
    /// `level` that starts at frontier position `first`: keeps what it
    /// holds if `one` (states are one word, kept by value) and that is of
    /// earlier chunks of this batch, whose copies come first in (frontier,
    /// step) order, else empties it.
    fn carry(&mut self, one: bool, (level, first): (u32, u64), chunk: usize) {
        let earlier =
            matches!(self.holds, Some((l, f, c)) if l == level && f == first && c <= chunk);
        if !(one && earlier) {
            self.clear();
        }
        self.holds = Some((level, first, chunk));
    }

    /// Empties the table, keeping its size (the next chunk will likely
    /// need as much) unless it was less than 1/8 full: then it halves, so
    /// that a table grown for the largest chunk so far does not stay that
    /// large (each chunk's lookups spread over all of it, and emptying it
    /// writes all of it).
    fn clear(&mut self) {
        if self.len * 8 < self.slots.len() && self.slots.len() > MIN_BUFFERED {
            self.slots = store::zeroed(self.slots.len() / 2);
        } else if self.len > 0 {
            self.slots.fill(0);
        }
        self.len = 0;
        self.zero = false;
    }

    /// Doubles the table: every entry is placed again from its hash's top.
    fn grow(&mut self) {
        self.grow_by(slot_home)
    }

    /// Doubles the table: every entry is placed again from `home`.
    #[cold]
    fn grow_by(&mut self, home: impl Fn(u64) -> usize) {
        let size = (self.slots.len() * 2).max(MIN_BUFFERED);
        let old = std::mem::replace(&mut self.slots, store::zeroed(size));
        self.len = 0;
        let mask = size - 1;
        for slot in old.into_iter().filter(|&s| s != 0) {
            let mut i = home(slot) & mask;
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = slot;
            self.len += 1;
        }
    }
}

/// The next frontier: state ids in order and, when states are packed,
/// their words (`store_words` each), so that phase 1 reads them in order
/// instead of from the visited set.
#[derive(Default)]
struct Frontier {
    ids: Vec<u64>,
    words: Vec<u64>,
}

/// What buffering a successor may take besides its words: its `Pending`
/// and four slots of the table of buffered successors, its share of a
/// table that grew for the batch (such a table is 1/4 to 1/2 full; one
/// kept from a larger batch may be emptier, down to 1/8 before it halves,
/// but is held already).
const BUFFER_BOUND: usize = std::mem::size_of::<Pending>() + 4 * 8;

/// What buffering successor `next` may take.
#[inline(always)]
fn buffer_bound(next: &[u64]) -> usize {
    8 * next.len() + BUFFER_BOUND
}

/// Buffers successor `next`, placed as `placed` (by [`place`]), with key
/// `key` (frontier position and step index) and parent `parent`, for
/// phase 2, as the chunk's successor number `*ord` — unless the chunk has
/// buffered a copy already: the earlier copy comes first in (frontier,
/// step) order, so this one could only be refused by phase 2.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn buffer(
    buffered: &mut Buffered,
    bufs: &mut [ShardBuf],
    packed: bool,
    placed: (usize, u64, u64),
    key: (u64, u32),
    ord: &mut u32,
    parent: u64,
    next: &[u64],
) {
    let (shard, hash) = (placed.0, placed.2);
    let index = bufs[shard].pending.len() as u32;
    if buffered.find_or_add(hash, shard, index, |s, i| {
        let words = bufs[s].pending[i as usize].words(&bufs[s].words, false);
        // Word by word: a few words, cheaper than a call to memcmp.
        words.len() == next.len() && words.iter().zip(next).all(|(a, b)| a == b)
    }) {
        return;
    }
    let b = &mut bufs[shard];
    let hash = lookup_hash(placed, packed);
    push_pending(b, hash, key, ord, parent, next, false);
}

/// Appends a successor with lookup hash `hash` to a shard's buffer, as
/// successor number `*ord` of its chunk (and counts it): the state in its
/// `Pending` if `one` (states are one packed word), else in the buffer's
/// words.
#[inline(always)]
fn push_pending(
    b: &mut ShardBuf,
    hash: u64,
    key: (u64, u32),
    ord: &mut u32,
    parent: u64,
    next: &[u64],
    one: bool,
) {
    let data = if one {
        debug_assert_eq!(next.len(), 1);
        next[0]
    } else {
        let start = u32::try_from(b.words.len()).expect("a shard buffer of < 2^32 words");
        push_words(&mut b.words, next);
        start as u64 | (next.len() as u64) << 32
    };
    b.pending.push(Pending::new(hash, data, key, *ord, parent));
    *ord += 1;
}

/// Appends a state's words to `to`: one word (the usual packed state)
/// without a call to `memcpy`.
#[inline(always)]
fn push_words(to: &mut Vec<u64>, words: &[u64]) {
    match words {
        [word] => to.push(*word),
        _ => crate::model::extend_words(to, words),
    }
}

/// Phase 1's receiver of the steps of one chunk's states: it counts them,
/// checks step properties, keeps findings, and buffers the successors for
/// phase 2.
struct Emitter<'x, 'm> {
    ex: &'x Shared<'m>,
    out: ChunkOut,
    buffered: Buffered,
    locals: Vec<i64>,
    /// A successor's representative under symmetry.
    canon: Canon,
    /// Whether some step property is in force at the state whose steps
    /// come in, and which ([`Emitter::properties_at`]).
    step_properties: bool,
    live: Vec<usize>,
    /// Whether idle states are noted (a liveness property is checked), and
    /// whether the current state has a fair step to another state.
    note_idle: bool,
    fair_step: bool,
    /// The BFS level of the successors (keys).
    level: u32,
    /// The state whose steps come in: its id and frontier position.
    id: u64,
    pos: u64,
    /// Its steps so far, and those of the protocol (not faults).
    index: u32,
    protocol_steps: u32,
    /// Packed states: the faults' steps among `index`.
    fault_steps: u32,
    /// Packed states: steps to other states since the last
    /// [`Emitter::end_packed`].
    nexts: usize,
    /// One-word successors of the current state not buffered yet (the
    /// word and the step's index), in the order of the steps: each one's
    /// slot in the table of buffered successors is fetched as it comes,
    /// and they are buffered together when the state's steps end
    /// ([`Emitter::flush`]), so that the table's cache misses overlap.
    deferred: Vec<(u64, u32)>,
}

impl<'x, 'm> Emitter<'x, 'm> {
    fn new(
        ex: &'x Shared<'m>,
        level: u32,
        buf_hint: (usize, usize),
        buffered: Buffered,
    ) -> Emitter<'x, 'm> {
        Emitter {
            ex,
            out: ChunkOut {
                bufs: ex.take_bufs(buf_hint),
                level,
                pendings: 0,
                buffer_bound: 0,
                transitions: 0,
                step_found: vec![None; ex.n_props],
                deadlock: None,
                runtime_error: None,
                coverage: Coverage::new(ex.model),
                idle: Vec::new(),
            },
            buffered,
            locals: Vec::new(),
            canon: Canon::default(),
            step_properties: false,
            live: Vec::new(),
            note_idle: ex.note_idle,
            fair_step: false,
            level,
            id: 0,
            pos: 0,
            index: 0,
            protocol_steps: 0,
            fault_steps: 0,
            nexts: 0,
            deferred: Vec::new(),
        }
    }

    /// The steps of state `id`, at frontier position `pos`, come next.
    #[inline]
    fn begin(&mut self, id: u64, pos: u64) {
        self.id = id;
        self.pos = pos;
        self.fair_step = false;
        self.index = 0;
        self.protocol_steps = 0;
        self.fault_steps = 0;
    }

    /// Counts a step; its key. A packed state's steps are counted in bulk
    /// by [`Emitter::end`] (the faults' among them by [`Sink::fault`]),
    /// and the step cache marks the steps it records.
    #[inline(always)]
    fn count(&mut self, step: &Step) -> (u32, u64, u32) {
        let key = (self.level, self.pos, self.index);
        self.index += 1;
        if self.ex.packed.is_none() {
            if !step.is_fault() {
                self.protocol_steps += 1;
            }
            self.out.transitions += 1;
            // The step cache marks the steps as it records them
            // (`Memo::recorded`): each step it replays was recorded in
            // some explored state.
            if self.ex.cached.is_none() {
                self.out.coverage.mark(self.ex.model, step);
            }
        }
        key
    }

    /// A step from `state` back to itself: nothing to store.
    #[inline(always)]
    fn same(&mut self, state: &[u64], step: &Step) {
        let key = self.count(step);
        if self.step_properties {
            self.check_step(state, state, *step, key);
        }
    }

    /// Checks stable, next and unless on one step from `before` to
    /// `after`: the properties in force in `before` ([`in_force`]).
    fn check_step(&mut self, before: &[u64], after: &[u64], step: Step, key: (u32, u64, u32)) {
        let (model, packed) = (self.ex.model, self.ex.packed);
        for &p in &self.live {
            let prop = &model.properties[p];
            // An evaluation that fails here fails in `before` or `after`
            // on its own too, where the state's tests report it
            // (`state_eval`): it is not a violation. A `step` property's
            // is evaluated on steps only, so its failure is a finding here.
            let error = match breaks(prop, model, before, after, &mut self.locals) {
                Ok(true) => None,
                Err(error)
                    if matches!(prop, CompiledProperty::Step(_))
                        && error.kind != RtErrorKind::Interrupted =>
                {
                    Some(EvalError {
                        what: Evaluated::Property(p),
                        error,
                    })
                }
                _ => continue,
            };
            keep_first(
                &mut self.out.step_found[p],
                Found {
                    key,
                    id: self.id,
                    step: Some((step, StepEnd::To(ordinary_form(packed, model, after)))),
                    error,
                },
            );
        }
    }

    /// Works out which step properties the steps of `state` (about to
    /// come) must be checked against: those in force there.
    #[inline]
    fn properties_at(&mut self, state: &[u64]) {
        if self.ex.step_checked.is_empty() {
            return;
        }
        self.live.clear();
        let model = self.ex.model;
        for &p in &self.ex.step_checked {
            if in_force(&model.properties[p], model, state, &mut self.locals) == Ok(true) {
                self.live.push(p);
            }
        }
        self.step_properties = !self.live.is_empty();
    }

    /// A step from `state` to another state, `next` (as stored).
    #[inline(always)]
    fn next(&mut self, state: &[u64], step: &Step, next: &[u64]) {
        if self.note_idle && !self.fair_step {
            // A step back to the state itself (a packed state's step may
            // write what was there) neither enables nor takes a task.
            self.fair_step = self.ex.model.task(step).is_some() && next != state;
        }
        if let (&[word], Some(_), None, false) =
            (next, self.ex.packed, self.ex.sym, self.step_properties)
        {
            // The usual packed state, with nothing to check on the step:
            // buffered with the state's others ([`Emitter::flush`]).
            let index = self.index;
            self.index += 1;
            self.buffered.prefetch_word(word);
            self.deferred.push((word, index));
            return;
        }
        let key = self.count(step);
        if self.step_properties {
            self.check_step(state, next, *step, key);
        }
        let next = match self.ex.sym {
            None => next,
            Some(sym) => self.canon.of(self.ex.model, sym, self.ex.packed, next),
        };
        let packed = self.ex.packed.is_some();
        if let (&[word], true) = (next, packed) {
            self.buffer_word(word, key.2);
            return;
        }
        let placed = if packed {
            self.nexts += 1;
            let (shard, hash) = place_packed(next);
            (shard, 0, hash)
        } else {
            self.out.buffer_bound += buffer_bound(next);
            place(next, self.ex.store_words)
        };
        let (bufs, ord) = (&mut self.out.bufs, &mut self.out.pendings);
        let key = (key.1, key.2);
        buffer(
            &mut self.buffered,
            bufs,
            packed,
            placed,
            key,
            ord,
            self.id,
            next,
        );
    }

    /// Buffers a successor that is one packed word, the step `index` of the
    /// state: hashed, and given its key, only if new to the chunk. Its
    /// buffer bound is counted with the state's others.
    #[inline(always)]
    fn buffer_word(&mut self, word: u64, index: u32) {
        self.nexts += 1;
        if !self.buffered.find_or_add_word(word) {
            let next = &[word];
            let (shard, hash) = place_packed(next);
            let (bufs, ord) = (&mut self.out.bufs, &mut self.out.pendings);
            push_pending(
                &mut bufs[shard],
                hash,
                (self.pos, index),
                ord,
                self.id,
                next,
                true,
            );
        }
    }

    /// Buffers the deferred successors of the current state, in the
    /// order of its steps.
    #[inline]
    fn flush(&mut self) {
        let mut deferred = std::mem::take(&mut self.deferred);
        for &(word, index) in &deferred {
            self.buffer_word(word, index);
        }
        deferred.clear();
        self.deferred = deferred;
    }

    /// The chunk's output, and its table of buffered successors.
    fn finish(self) -> (ChunkOut, Buffered) {
        (self.out, self.buffered)
    }

    /// A step that fails.
    #[cold]
    fn error(&mut self, step: &Step, e: &RtError) {
        let key = self.count(step);
        keep_first(
            &mut self.out.runtime_error,
            Found {
                key,
                id: self.id,
                step: Some((*step, StepEnd::Failed(e.clone()))),
                error: None,
            },
        );
    }

    /// Every step of `state` has come: a deadlock if none was the
    /// protocol's. Fault steps do not count: a protocol stuck while the
    /// environment could still crash a node is deadlocked. A state where
    /// every node has crashed is not.
    #[inline]
    fn end(&mut self, state: &[u64]) {
        if !self.deferred.is_empty() {
            self.flush();
        }
        if self.note_idle && !self.fair_step {
            self.out.idle.push(self.id);
        }
        if self.ex.packed.is_some() {
            self.out.transitions += self.index as u64;
            self.protocol_steps = self.index - self.fault_steps;
            self.out.buffer_bound += self.nexts * (8 * state.len() + BUFFER_BOUND);
            self.nexts = 0;
        }
        let model = self.ex.model;
        if self.protocol_steps == 0 && model.check_deadlock && !model.all_crashed(state) {
            let done = match &model.done {
                Some(d) => truth(d, model, state, &mut self.locals),
                None => Ok(false),
            };
            // `done when` that cannot be evaluated says neither "done" nor
            // "deadlock": a finding of its own, after the state's steps'.
            if let Err(error) = &done {
                keep_first(
                    &mut self.out.runtime_error,
                    Found {
                        key: (self.level, self.pos, u32::MAX),
                        id: self.id,
                        step: None,
                        error: Some(EvalError {
                            what: Evaluated::DoneWhen,
                            error: error.clone(),
                        }),
                    },
                );
            } else if done == Ok(false) {
                keep_first(
                    &mut self.out.deadlock,
                    Found {
                        key: (self.level, self.pos, 0),
                        id: self.id,
                        step: None,
                        error: None,
                    },
                );
            }
        }
    }
}

/// The steps of one packed state, for [`Model::successors_packed`].
struct At<'e, 'x, 'm> {
    em: &'e mut Emitter<'x, 'm>,
    state: &'e [u64],
}

impl Sink for At<'_, '_, '_> {
    #[inline(always)]
    fn same(&mut self, step: &Step) {
        self.em.same(self.state, step)
    }

    #[inline(always)]
    fn next(&mut self, step: &Step, next: &[u64]) {
        self.em.next(self.state, step, next)
    }

    fn error(&mut self, step: &Step, error: &RtError) {
        self.em.error(step, error)
    }

    #[inline]
    fn fault(&mut self, step: &Step, next: &[u64]) {
        self.em.fault_steps += 1;
        self.em.next(self.state, step, next)
    }
}

/// What phase 1 learned from one chunk.
struct ChunkOut {
    bufs: Vec<ShardBuf>,
    /// The level of the successors (of their keys).
    level: u32,
    /// How many successors `bufs` hold.
    pendings: u32,
    /// What the buffers would hold if every successor other than a
    /// self-loop were buffered, with its share of the table of buffered
    /// successors: an upper bound that, unlike the buffers themselves (a
    /// chunk drops the copies it finds), does not depend on how the batch
    /// was cut into chunks, so neither does a stop at a memory limit.
    buffer_bound: usize,
    transitions: u64,
    step_found: Vec<Option<Found>>,
    deadlock: Option<Found>,
    runtime_error: Option<Found>,
    coverage: Coverage,
    /// When a liveness property is checked: the states (ids) none of whose
    /// steps to another state is fair ([`Emitter::fair_step`]).
    idle: Vec<u64>,
}

impl ChunkOut {
    /// Bytes of the buffered successors, bounded as `buffer_bound` says.
    fn buffer_bytes(&self) -> usize {
        self.buffer_bound
    }
}

/// The bytes a vector of `u64` would allocate to take `extra` more
/// elements: its new buffer, while the old one is still held.
fn vec_growth_bytes(v: &Vec<u64>, extra: usize) -> usize {
    if v.len() + extra <= v.capacity() {
        0
    } else {
        8 * (2 * v.capacity()).max(v.len() + extra)
    }
}

/// Whether a step can violate a property ([`violates_on_step`]).
pub(crate) fn is_step_property(prop: &CompiledProperty) -> bool {
    matches!(
        prop,
        CompiledProperty::Stable(_)
            | CompiledProperty::Next(..)
            | CompiledProperty::Unless(..)
            | CompiledProperty::Ensures(..)
            | CompiledProperty::Variant { .. }
            | CompiledProperty::Step(_)
    )
}

/// Whether a step from `before` to `after` violates a step property
/// (`stable`, `next`, `unless`, the `unless` half of `ensures`, or a
/// `variant` whose measure rises).
pub(crate) fn violates_on_step(
    prop: &CompiledProperty,
    model: &Model,
    before: &[u64],
    after: &[u64],
    locals: &mut Vec<i64>,
) -> R<bool> {
    Ok(in_force(prop, model, before, locals)? && breaks(prop, model, before, after, locals)?)
}

/// The half of [`violates_on_step`] that reads the state before the step
/// only: whether some step from `before` could violate the property.
pub(crate) fn in_force(
    prop: &CompiledProperty,
    model: &Model,
    before: &[u64],
    locals: &mut Vec<i64>,
) -> R<bool> {
    let mut t = |pred: &Pred| truth(pred, model, before, locals);
    Ok(match prop {
        CompiledProperty::Stable(pred) => t(pred)?,
        CompiledProperty::Next(pre, _) => t(pre)?,
        CompiledProperty::Step(_) => true,
        CompiledProperty::Unless(p_pred, q_pred) | CompiledProperty::Ensures(p_pred, q_pred) => {
            t(p_pred)? && !t(q_pred)?
        }
        // While P and not Q, no step raises the measure.
        CompiledProperty::Variant {
            while_cond, until, ..
        } => {
            t(while_cond)?
                && !match until {
                    Some(u) => t(u)?,
                    None => false,
                }
        }
        _ => false,
    })
}

/// The other half of [`violates_on_step`], for a property in force in
/// `before`: whether the step to `after` violates it.
pub(crate) fn breaks(
    prop: &CompiledProperty,
    model: &Model,
    before: &[u64],
    after: &[u64],
    locals: &mut Vec<i64>,
) -> R<bool> {
    let mut t = |pred: &Pred, state: &[u64]| truth(pred, model, state, locals);
    Ok(match prop {
        CompiledProperty::Stable(pred) => !t(pred, after)?,
        CompiledProperty::Next(_, post) => !t(post, after)?,
        CompiledProperty::Unless(p_pred, q_pred) | CompiledProperty::Ensures(p_pred, q_pred) => {
            !t(p_pred, after)? && !t(q_pred, after)?
        }
        CompiledProperty::Variant { measure, .. } => {
            measure.eval(model, after, locals)? > measure.eval(model, before, locals)?
        }
        CompiledProperty::Step(pred) => pred.eval_step(model, before, after, locals)? == 0,
        _ => false,
    })
}

/// A graph explored elsewhere (by `crate::distributed`), gathered in the
/// order a single process stores it, for the liveness phase.
pub(crate) struct Gathered {
    /// Every reachable state as the single process stores it
    /// ([`Generator::stored`]: its representative under symmetry, packed
    /// when states are), in BFS order (each level by the key of its first
    /// generator: parent position, then step).
    pub states: Vec<Vec<u64>>,
    /// By state: its parent's index in `states`, or `u32::MAX` for an
    /// initial state.
    pub parents: Vec<u32>,
    /// Where each level after the first starts in `states`.
    pub level_starts: Vec<u32>,
    /// Whether a step led back to a state stored before its level began
    /// ([`Explorer::backward`]).
    pub backward: bool,
    /// The states expanded that have no fair step to another state
    /// ([`Explorer::idle`]), by index in `states`.
    pub idle: Vec<u32>,
}

/// The liveness verdicts of a gathered graph, computed by the
/// single-process liveness phase (so that its counterexamples are the
/// same): by property, `Some` for each liveness property checked; the stop
/// of that phase, if a limit cut it; and how long it took. The states are
/// stored as [`explore`] stores them, so the numbering (and every choice
/// made by it) is the one a single process makes.
pub(crate) fn gathered_liveness(
    model: &Model,
    options: &Options,
    gathered: Gathered,
) -> (Vec<Option<Verdict>>, Option<Stop>, Duration) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .build()
        .expect("a rayon pool with default settings builds");
    let options = Options {
        checkpoint: None,
        resume: None,
        ..options.clone()
    };
    pool.install(|| {
        let mut ex = Explorer::new(model, &options);
        let Gathered {
            states,
            parents,
            level_starts,
            backward,
            idle,
        } = gathered;
        let mut ids = Vec::with_capacity(states.len());
        for (state, parent) in states.into_iter().zip(parents) {
            let s = &state[..];
            let placed = place(s, ex.shared.store_words);
            let hash = lookup_hash(placed, ex.shared.packed.is_some());
            let parent = match parent {
                u32::MAX => NO_PARENT,
                p => ids[p as usize],
            };
            let local = match ex.shards[placed.0].insert(s, parent, hash) {
                Ok(local) | Err(local) => local,
            };
            ids.push(global_id(placed.0, local));
        }
        let depth = level_starts.len() as u32 + u32::from(!ids.is_empty());
        ex.idle = idle.iter().map(|&i| ids[i as usize]).collect();
        ex.order = ids;
        ex.level_starts = level_starts;
        ex.backward = backward;
        let exploration = ex.finish(depth, true);
        let verdicts = (exploration.verdicts.into_iter().enumerate())
            .map(|(p, v)| model.is_liveness(p).then_some(v))
            .collect();
        let stop = exploration.stop.filter(|s| s.in_liveness);
        (verdicts, stop, exploration.liveness_elapsed)
    })
}

/// Explores every reachable state of `model`.
pub fn explore(model: &Model, options: &Options) -> Result<Exploration, InitError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .build()
        .expect("a rayon pool with default settings builds");
    pool.install(|| Explorer::new(model, options).run())
}

/// Things kept from batch to batch for reuse (the per-shard buffers of
/// successors), taken by phase 1's chunks and given back by phase 2.
struct Pool<T>(std::sync::Mutex<Vec<T>>);

impl<T> Default for Pool<T> {
    fn default() -> Pool<T> {
        Pool(std::sync::Mutex::new(Vec::new()))
    }
}

impl<T> Pool<T> {
    /// One of the things given back, if any.
    fn take(&self) -> Option<T> {
        self.0.lock().expect("no panic holds it").pop()
    }

    /// Gives several things back.
    fn put_all(&self, things: impl IntoIterator<Item = T>) {
        self.0.lock().expect("no panic holds it").extend(things);
    }
}

/// One thing per worker thread (and one for a caller outside the pool),
/// taken and given back by that thread.
struct PerThread<T>(Vec<std::sync::Mutex<Option<T>>>);

impl<T> Default for PerThread<T> {
    /// One for each thread of the current rayon pool.
    fn default() -> PerThread<T> {
        let slots = rayon::current_num_threads() + 1;
        PerThread((0..slots).map(|_| std::sync::Mutex::new(None)).collect())
    }
}

impl<T> PerThread<T> {
    fn own(&self) -> &std::sync::Mutex<Option<T>> {
        let i = rayon::current_thread_index().map_or(0, |i| i + 1);
        &self.0[i % self.0.len()]
    }

    /// The calling thread's thing, if it gave one back.
    fn take(&self) -> Option<T> {
        self.own().lock().expect("no panic holds it").take()
    }

    /// Gives the calling thread's thing back.
    fn put(&self, thing: T) {
        *self.own().lock().expect("no panic holds it") = Some(thing);
    }
}

/// A batch whose phase 1 ran beside the phase 2 of the batch before it.
struct Generated {
    outs: Vec<ChunkOut>,
    /// Its frontier states, and the bytes its buffers are bounded by.
    len: usize,
    buffers: usize,
    /// Why it stopped before its end, if it did: the search stops there.
    cut: Option<StopReason>,
}

/// The memory a successor's orbit representative is chosen in.
#[derive(Default)]
pub(super) struct Canon {
    /// The representative, as stored; and, when states are packed, the
    /// successor and its representative unpacked.
    canon: Vec<u64>,
    ordinary: Vec<u64>,
    canon_ordinary: Vec<u64>,
    scratch: crate::model::SymScratch,
}

impl Canon {
    /// The orbit representative of `next` (as stored, packed when states
    /// are packed: `packed`), as stored; [`Canon::renaming`] is then the
    /// renaming that maps `next` to it.
    #[inline]
    pub(super) fn of<'a>(
        &'a mut self,
        model: &Model,
        sym: &crate::model::Symmetry,
        packed: Option<&Fast>,
        next: &'a [u64],
    ) -> &'a [u64] {
        match packed {
            None => {
                model.canonical_in(sym, next, &mut self.canon, &mut self.scratch);
                self.canon.as_slice()
            }
            // Representatives are chosen in the ordinary form.
            Some(_) if model.packed_symmetry.is_some() => {
                let ps = model.packed_symmetry.as_ref().expect("just checked");
                if model.canonical_packed(sym, ps, next, &mut self.canon, &mut self.scratch) {
                    self.canon.as_slice()
                } else {
                    next
                }
            }
            Some(p) => {
                let fixed = model.layout.fixed_words;
                p.unpack(fixed, next, &mut self.ordinary);
                let (ordinary, scratch) = (&self.ordinary, &mut self.scratch);
                if model.canonical_in(sym, ordinary, &mut self.canon_ordinary, scratch) {
                    p.pack(fixed, &self.canon_ordinary, &mut self.canon);
                    self.canon.as_slice()
                } else {
                    next
                }
            }
        }
    }

    /// The renaming [`Canon::of`] chose last.
    pub(super) fn renaming(&self) -> &crate::model::Perms {
        &self.scratch.best
    }
}

/// What both phases of a batch read (the model, how states are stored)
/// and the pools and per-thread caches they reuse from batch to batch:
/// apart from the rest of the explorer, so that phase 1 of one batch can
/// run beside phase 2 of the previous one, which holds the visited set.
struct Shared<'m> {
    model: &'m Model,
    sym: Option<&'m crate::model::Symmetry>,
    packed: Option<&'m Fast>,
    /// The step cache for ordinary states, when the model has one and
    /// states are not packed ([`Model::successors_cached`]).
    cached: Option<&'m Fast>,
    store_words: usize,
    n_props: usize,
    /// Whether phase 1 notes the states with no fair step (for the
    /// liveness phase: [`ChunkOut::idle`]).
    note_idle: bool,
    /// The checked properties that a step can violate (`stable`, `next`,
    /// ...), by index: the others cost nothing per step.
    step_checked: Vec<usize>,
    /// The step caches of phase 1, one per thread (a thread's caches keep
    /// what its own memo holds).
    memos: PerThread<Memo>,
    /// The tables of buffered successors of phase 1, one per thread, kept
    /// from chunk to chunk ([`Buffered::carry`]) rather than grown anew.
    buffered: PerThread<Buffered>,
    /// The caches of state tests of phase 2, one per thread.
    pred_caches: PerThread<PredCache>,
    /// When state tests are cached, by which bits ([`pred_key`]).
    pred_key: Option<PredKey>,
    /// Sets of per-shard buffers of phase 1, emptied by phase 2 and used
    /// again by a later chunk (allocated and freed per chunk, they cost
    /// hundreds of calls to the allocator per batch, from two threads).
    bufs: Pool<Vec<ShardBuf>>,
    /// The slots of a batch's successors in (frontier, step) order, which
    /// phase 2 fills ([`slot_of`]) and reads to order the new states.
    order_slots: Pool<Vec<AtomicU64>>,
}

impl<'m> Shared<'m> {
    /// How `options` have `model` explored: its symmetry, packing and step
    /// cache, and empty pools.
    fn new(model: &'m Model, options: &Options) -> Shared<'m> {
        let n_props = model.properties.len();
        let sym = if options.no_symmetry {
            None
        } else {
            model.reduction()
        };
        let (packed, cached) = match options.interpreted {
            true => (None, None),
            false => (model.packing(), model.step_cache()),
        };
        let store_words = match packed {
            Some(p) => p.words(),
            None => model.layout.fixed_words,
        };
        Shared {
            model,
            sym,
            packed,
            cached,
            store_words,
            n_props,
            note_idle: (0..n_props).any(|p| options.checks(p) && model.is_liveness(p)),
            step_checked: (model.properties.iter().enumerate())
                .filter(|(p, prop)| options.checks(*p) && is_step_property(prop))
                .map(|(p, _)| p)
                .collect(),
            memos: PerThread::default(),
            buffered: PerThread::default(),
            pred_caches: PerThread::default(),
            bufs: Pool::default(),
            order_slots: Pool::default(),
            pred_key: pred_key(model, packed),
        }
    }

    /// The bits of a stored state's fixed words that are used.
    fn store_bits(&self) -> u32 {
        match self.packed {
            Some(p) => p.bits(),
            None => self.model.layout.fixed_bits,
        }
    }

    /// Whether states are stored as one packed word each (the usual packed
    /// spec): then a buffered successor carries its word in its `Pending`.
    fn one_word(&self) -> bool {
        self.packed.is_some() && self.store_words == 1
    }

    /// A set of empty per-shard buffers: one phase 2 emptied, else new ones
    /// with the room `buf_hint` gives.
    fn take_bufs(&self, (pending, words): (usize, usize)) -> Vec<ShardBuf> {
        if let Some(bufs) = self.bufs.take() {
            return bufs;
        }
        (0..SHARDS)
            .map(|_| ShardBuf {
                words: Vec::with_capacity(words),
                pending: Vec::with_capacity(pending),
            })
            .collect()
    }

    /// Empties the buffers of a batch's chunks for later chunks.
    fn recycle(&self, outs: Vec<ChunkOut>) {
        self.bufs.put_all(outs.into_iter().map(|mut out| {
            for b in &mut out.bufs {
                b.words.clear();
                b.pending.clear();
            }
            out.bufs
        }));
    }

    /// Generates the successors of the batch of level `level`'s frontier
    /// that starts at frontier position `first`, chunk by chunk in
    /// parallel; `words` are the states' words when states are packed
    /// (else empty, and states are loaded from `shards`). Buffers start
    /// with `buf_hint`'s room.
    ///
    /// `positions`, when given, are the frontier states' positions in
    /// their level (a distributed worker's share of a level is not one run
    /// of positions); else they are `first`, `first + 1`, ...
    #[allow(clippy::too_many_arguments)]
    fn phase1(
        &self,
        shards: &[Shard],
        buf_hint: (usize, usize),
        frontier: &[u64],
        words: &[u64],
        (level, first): (u32, u64),
        positions: Option<&[u64]>,
        budget: &BatchBudget,
    ) -> Vec<ChunkOut> {
        let model = self.model;
        let threads = rayon::current_num_threads().max(1);
        // One thread has nothing to balance: the whole batch is one chunk,
        // so one table of buffered successors sees all of it.
        let chunk = if threads == 1 {
            frontier.len().max(1)
        } else {
            (frontier.len() / (threads * 2)).clamp(64, BATCH)
        };
        frontier
            .par_chunks(chunk)
            .enumerate()
            .map(|(c, ids)| {
                let base = first + (c * chunk) as u64;
                let mut buffered = self.buffered.take().unwrap_or_default();
                buffered.carry(self.one_word(), (level, first), c);
                let mut em = Emitter::new(self, level, buf_hint, buffered);
                let mut scratch = Scratch::default();
                // A step that runs long stops when the batch must: the
                // batch is then dropped (`budget.spend` below sees the
                // flag that stopped it).
                let _watch = halt::Watch::new(&budget.halt);
                let cache = self.packed.is_some() || self.cached.is_some();
                let mut memo = cache
                    .then(|| self.memos.take())
                    .flatten()
                    .unwrap_or_default();
                let mut state = Vec::new();
                let width = self.store_words;
                // What this chunk has told `budget` of its buffers.
                let mut spent = 0;
                for (offset, &id) in ids.iter().enumerate() {
                    if offset % CHECK_EVERY == CHECK_EVERY - 1
                        || em.out.buffer_bound - spent >= CHECK_BYTES
                    {
                        let bound = em.out.buffer_bound;
                        budget.spend(bound - spent);
                        spent = bound;
                    }
                    if budget.halted() {
                        break;
                    }
                    let state = match self.packed {
                        Some(_) => {
                            let at = (c * chunk + offset) * width;
                            &words[at..at + width]
                        }
                        None => {
                            if let Some(&ahead) = ids.get(offset + PREFETCH_AHEAD) {
                                let (s, l) = split_id(ahead);
                                shards[s].prefetch_state(l);
                            }
                            let (s, l) = split_id(id);
                            shards[s].load(l, &mut state);
                            state.as_slice()
                        }
                    };
                    let pos = match positions {
                        Some(p) => p[c * chunk + offset],
                        None => base + offset as u64,
                    };
                    em.begin(id, pos);
                    em.properties_at(state);
                    match self.packed {
                        Some(_) => {
                            let mut at = At { em: &mut em, state };
                            model.successors_packed(state, &mut scratch, &mut memo, &mut at);
                            em.end(state);
                        }
                        None => {
                            let mut emit = |step, outcome: Outcome| {
                                match outcome {
                                    // A step back to the state itself (a `set`
                                    // message delivered again, say).
                                    Outcome::Next(next)
                                        if std::ptr::eq(next, state) || next == state =>
                                    {
                                        em.same(state, &step)
                                    }
                                    Outcome::Next(next) => em.next(state, &step, next),
                                    Outcome::Error(e) => em.error(&step, &e),
                                }
                            };
                            match self.cached {
                                Some(_) => model.successors_cached(
                                    state,
                                    &mut scratch,
                                    &mut memo,
                                    &mut emit,
                                ),
                                None => model.successors(state, &mut scratch, &mut emit),
                            }
                            em.end(state);
                        }
                    }
                }
                budget.spend(em.out.buffer_bound - spent);
                if cache {
                    for step in memo.recorded.drain(..) {
                        em.out.coverage.mark(model, &step);
                    }
                    self.memos.put(memo);
                }
                let (out, buffered) = em.finish();
                self.buffered.put(buffered);
                out
            })
            .collect()
    }

    /// Stores the new states of a batch in `shards`, shard by shard in
    /// parallel, and tests them; returns the next frontier (states not
    /// pruned by a bound) with what the tests found.
    ///
    /// `parents`: the words of the level the successors come from (packed
    /// states, `store_words` each, by frontier position), for testing a new
    /// state from what its step changed ([`state_tests`]).
    fn phase2(
        &self,
        ctx: &Phase2,
        shards: &mut [Shard],
        outs: Vec<ChunkOut>,
        parents: Option<&[u64]>,
    ) -> Stored {
        let model = self.model;
        let fixed_words = model.layout.fixed_words;
        // Only when some invariant or bound splits into parts.
        let parents = parents.filter(|_| {
            (model.delta.properties.iter().chain(&model.delta.bounds)).any(Option::is_some)
        });
        let n_props = self.n_props;
        let all_sent = ctx.all_sent;
        let packed = self.packed;
        let open_bits = ctx.open_bits;
        let open = &ctx.open;
        let caches = &self.pred_caches;
        let pred_key = self.pred_key;
        let store_words = self.store_words;
        let one = self.one_word();
        struct ShardResult {
            /// The words of the new states (packed states only), in the
            /// order they were stored.
            words: Vec<u64>,
            /// How many states it stored.
            new: usize,
            /// By property index, what the shard's states found: sparse,
            /// for a shard seldom finds anything, and 64 shards of one
            /// slot per property took 200 MB a batch for a spec of 20,000
            /// invariants.
            found: std::collections::BTreeMap<usize, Option<Found>>,
            reached: Vec<bool>,
            /// The first new state where a bound could not be evaluated.
            runtime_error: Option<Found>,
            pruned: u64,
            /// Message kinds in the network of a new state.
            sent: Vec<bool>,
            /// Whether a step led back ([`Stored::backward`]).
            backward: bool,
        }
        // The batch's successors in (frontier, step) order, chunk after
        // chunk: each shard fills the slots of its own (see `slot_of`).
        let mut bases = Vec::with_capacity(outs.len());
        let total = outs.iter().fold(0, |n, out| {
            bases.push(n);
            n + out.pendings as usize
        });
        let mut order = self.order_slots.take().unwrap_or_default();
        if order.len() < total {
            order.resize_with(total, AtomicU64::default);
        }
        let slots = &order[..total];
        let results: Vec<ShardResult> = shards
            .par_iter_mut()
            .enumerate()
            .map(|(s, shard)| {
                // At most every successor buffered for the shard is new.
                let most: usize = outs.iter().map(|o| o.bufs[s].pending.len()).sum();
                let words = if packed.is_some() { store_words } else { 0 };
                let mut r = ShardResult {
                    words: Vec::with_capacity(most * words),
                    new: 0,
                    found: Default::default(),
                    reached: vec![false; n_props],
                    runtime_error: None,
                    pruned: 0,
                    sent: vec![false; model.spec.messages.len()],
                    backward: false,
                };
                let mut locals = Vec::new();
                let mut changed = vec![0u64; fixed_words];
                let mut cache = caches.take().unwrap_or_default();
                let mut records = Vec::new();
                let mut cut = false;
                // A test that runs long stops when the batch must.
                let _watch = halt::Watch::new(&ctx.watch);
                // States are looked up with the memory they need already
                // on its way. Packed states: the table slot a few states
                // ahead, and the record it points at a few states before
                // that. States with a network: their networks are interned
                // first, in a pass of their own (with the interner's slot
                // a few states ahead), so that each record's slot can then
                // be fetched a few states ahead too.
                for (out, &base) in outs.iter().zip(&bases) {
                    let buf = &out.bufs[s];
                    if packed.is_some() {
                        // The slots of the first few, which the loop's
                        // hints come too late for.
                        for q in buf.pending.iter().take(2 * PREFETCH_AHEAD) {
                            shard.prefetch_slot(q.hash);
                        }
                    } else {
                        records.clear();
                        for q in buf.pending.iter().take(PREFETCH_AHEAD) {
                            shard.prefetch_network(q.hash);
                        }
                        for (i, p) in buf.pending.iter().enumerate() {
                            if let Some(q) = buf.pending.get(i + PREFETCH_AHEAD) {
                                shard.prefetch_network(q.hash);
                            }
                            records.push(shard.record(p.words(&buf.words, one), p.hash));
                        }
                        for &r in records.iter().take(PREFETCH_AHEAD) {
                            shard.prefetch_record_slot(r);
                        }
                    }
                    for (i, p) in buf.pending.iter().enumerate() {
                        let slot = &slots[base + p.ord as usize];
                        if cut || ctx.limits.halted() {
                            // Neither stored nor tested: the search stops
                            // after this batch.
                            cut = true;
                            slot.store(0, Ordering::Relaxed);
                            continue;
                        }
                        if packed.is_some() {
                            if let Some(q) = buf.pending.get(i + 2 * PREFETCH_AHEAD) {
                                shard.prefetch_slot(q.hash);
                            }
                            if let Some(q) = buf.pending.get(i + PREFETCH_AHEAD) {
                                shard.prefetch_record(q.hash);
                            }
                        } else if let Some(&r) = records.get(i + PREFETCH_AHEAD) {
                            shard.prefetch_record_slot(r);
                        }
                        let words = p.words(&buf.words, one);
                        let inserted = match records.get(i) {
                            Some(&record) if packed.is_none() => {
                                shard.insert_record(words, p.parent(), record)
                            }
                            _ => shard.insert(words, p.parent(), p.hash),
                        };
                        let local = match inserted {
                            Ok(local) => local,
                            Err(stored) => {
                                // A step to a state of this level or an
                                // earlier one (the new states of this
                                // level come after `level_start`).
                                r.backward |= ctx.level_start.as_ref().is_some_and(|starts| {
                                    stored < starts[s] && p.parent() != NO_PARENT
                                });
                                slot.store(0, Ordering::Relaxed);
                                continue;
                            }
                        };
                        let id = global_id(s, local);
                        if !all_sent {
                            Coverage::mark_network(&mut r.sent, model, packed, words);
                        }
                        let key = pred_key.map(|[(a, ma), (b, mb)]| [words[a] & ma, words[b] & mb]);
                        // The tests of the open properties, from the cache
                        // when an entry knows them all (the open properties
                        // only ever shrink), else computed and kept; with
                        // too many properties for the bits, each is tested
                        // below.
                        // What the step changed, when the parent is at hand.
                        let from_parent = |changed: &mut Vec<u64>| {
                            let parent = parents.filter(|_| p.parent() != NO_PARENT)?;
                            let at = p.pos as usize * store_words;
                            let parent = &parent[at..at + fixed_words];
                            for ((c, a), b) in changed.iter_mut().zip(parent).zip(words) {
                                *c = a ^ b;
                            }
                            Some(())
                        };
                        let mut test = |locals: &mut Vec<i64>| {
                            let changed = from_parent(&mut changed).map(|()| &changed[..]);
                            state_tests(model, open, words, changed, locals)
                        };
                        let tests = (n_props <= MAX_TESTED).then(|| match key {
                            Some(k) => match cache.get(k) {
                                Some((tests, known)) if known & open_bits == open_bits => tests,
                                _ => {
                                    let tests = test(&mut locals);
                                    cache.insert(k, tests, open_bits);
                                    tests
                                }
                            },
                            None => test(&mut locals),
                        });
                        // With an evaluation failed (or too many properties
                        // for the bits), each property is evaluated again.
                        let slow = tests.is_none_or(|t| t & EVAL_FAILED != 0);
                        // Whether a test was stopped by `halt`: then the
                        // state stays stored but untested, and the search
                        // stops after this batch (the findings of the tests
                        // that ended stand).
                        let mut interrupted = false;
                        for (index, prop) in model.properties.iter().enumerate() {
                            if !open[index] {
                                continue;
                            }
                            let hit = match tests {
                                Some(tests) if !slow => Ok(tests & (1 << index) != 0),
                                _ => state_eval(prop, model, words, &mut locals),
                            };
                            let error = match hit {
                                Ok(false) => continue,
                                Ok(true) => None,
                                Err(error) if error.kind == RtErrorKind::Interrupted => {
                                    interrupted = true;
                                    break;
                                }
                                Err(error) => Some(EvalError {
                                    what: Evaluated::Property(index),
                                    error,
                                }),
                            };
                            if error.is_none() && matches!(prop, CompiledProperty::Reachable(_)) {
                                r.reached[index] = true;
                            } else {
                                keep_first(
                                    r.found.entry(index).or_default(),
                                    Found {
                                        key: p.key(out.level),
                                        id,
                                        step: None,
                                        error,
                                    },
                                );
                            }
                        }
                        // `None`: a bound could not be evaluated.
                        let inside = match tests {
                            Some(tests) if !slow => Some(tests & INSIDE_BOUNDS != 0),
                            _ if interrupted => None,
                            _ => match inside_bounds(model, words, &mut locals) {
                                Ok(inside) => Some(inside),
                                Err((_, error)) if error.kind == RtErrorKind::Interrupted => {
                                    interrupted = true;
                                    None
                                }
                                // Not expanded: a finding, like a failed step.
                                Err((index, error)) => {
                                    keep_first(
                                        &mut r.runtime_error,
                                        Found {
                                            key: p.key(out.level),
                                            id,
                                            step: None,
                                            error: Some(EvalError {
                                                what: Evaluated::Bound(index),
                                                error,
                                            }),
                                        },
                                    );
                                    None
                                }
                            },
                        };
                        if interrupted {
                            cut = true;
                            ctx.limits.cut.store(true, Ordering::Relaxed);
                            slot.store(0, Ordering::Relaxed);
                            continue;
                        }
                        if packed.is_some() {
                            push_words(&mut r.words, words);
                        }
                        slot.store(slot_of(id, inside != Some(true)), Ordering::Relaxed);
                        r.new += 1;
                        if inside == Some(false) {
                            r.pruned += 1;
                        }
                    }
                }
                caches.put(cache);
                r
            })
            .collect();
        // The next batch's buffers start with room for a batch like this
        // one (a quarter more), so they seldom grow.
        let (pending, words) = outs
            .iter()
            .flat_map(|o| &o.bufs)
            .fold((0, 0), |(p, w), b| (p + b.pending.len(), w + b.words.len()));
        let buf_hint = match (
            (pending * 5 / 4).checked_div(outs.len() * SHARDS),
            (words * 5 / 4).checked_div(outs.len() * SHARDS),
        ) {
            (Some(p), Some(w)) => Some((p, w)),
            _ => None,
        };
        self.recycle(outs);
        let mut stored = Stored {
            frontier: Frontier::default(),
            order: Vec::new(),
            found: vec![None; n_props],
            reached: vec![false; n_props],
            runtime_error: None,
            sent: vec![false; model.spec.messages.len()],
            pruned: 0,
            buf_hint,
            backward: false,
            cut: ctx.limits.was_cut(),
        };
        let new = results.iter().map(|r| r.new).sum();
        let mut shard_words = Vec::with_capacity(SHARDS);
        for r in results {
            shard_words.push(r.words);
            stored.pruned += r.pruned;
            stored.backward |= r.backward;
            let into = (
                &mut stored.found[..],
                &mut stored.reached[..],
                &mut stored.sent[..],
            );
            merge_tests(into, r.found, r.reached, r.sent);
            if let Some(f) = r.runtime_error {
                keep_first(&mut stored.runtime_error, f);
            }
        }
        // The new states in the order a sequential BFS would have found
        // them in: by parent position, then step. A shard's come in the
        // order it stored them, so its words are read in order.
        let width = if packed.is_some() { store_words } else { 0 };
        let mut read = [0usize; SHARDS];
        let (ids, words) = (&mut stored.frontier.ids, &mut stored.frontier.words);
        ids.reserve(new);
        words.reserve(new * width);
        if ctx.keep_order {
            stored.order.reserve(new);
        }
        for slot in slots {
            let slot = slot.load(Ordering::Relaxed);
            if slot == 0 {
                continue;
            }
            let id = slot as u32 as u64;
            let shard = split_id(id).0;
            let at = read[shard];
            read[shard] += width;
            if ctx.keep_order {
                stored.order.push(id);
            }
            if slot & SLOT_PRUNED == 0 {
                ids.push(id);
                if width > 0 {
                    push_words(words, &shard_words[shard][at..at + width]);
                }
            }
        }
        self.order_slots.put_all([order]);
        stored
    }
}

/// What phase 2 of a batch must know of the search before it: the
/// properties the batch can still change, whether new networks can still
/// show new kinds of message, whether the order of states is kept.
struct Phase2 {
    open: Vec<bool>,
    /// `open` as bits (the first [`MAX_TESTED`] properties).
    open_bits: u64,
    all_sent: bool,
    keep_order: bool,
    /// By shard: how many states it held when the level of the batch's
    /// successors began (none for the initial states).
    level_start: Option<Vec<u32>>,
    /// The deadline and the stop signal, looked at before each state: the
    /// tests of a batch's new states may take long (an invariant with
    /// nested quantifiers over large types). A shard cut short neither
    /// stores nor tests the rest of its states, and the search stops.
    limits: BatchBudget,
    /// The flag that stops a single test that runs long ([`halt`]): the
    /// state stays stored but untested, and the search stops. Raised with
    /// `limits`' flag, except in the first batch of initial states, which
    /// `limits` never cuts between states.
    watch: Arc<AtomicBool>,
}

/// Adds what phase 2 found in some states (violations, reachables reached,
/// kinds of message seen) to what was found in others.
/// `more_found` is by property index.
fn merge_tests(
    (found, reached, sent): (&mut [Option<Found>], &mut [bool], &mut [bool]),
    more_found: impl IntoIterator<Item = (usize, Option<Found>)>,
    more_reached: Vec<bool>,
    more_sent: Vec<bool>,
) {
    for (index, f) in more_found {
        if let Some(f) = f
            && let Some(slot) = found.get_mut(index)
        {
            keep_first(slot, f);
        }
    }
    for (r, more) in reached.iter_mut().zip(more_reached) {
        *r |= more;
    }
    for (s, more) in sent.iter_mut().zip(more_sent) {
        *s |= more;
    }
}

/// What phase 2 of a batch stored and found, for the explorer to take in.
struct Stored {
    frontier: Frontier,
    /// Every state stored, pruned ones too, in order (when the order is
    /// kept).
    order: Vec<u64>,
    found: Vec<Option<Found>>,
    reached: Vec<bool>,
    /// The first new state where a bound could not be evaluated.
    runtime_error: Option<Found>,
    /// Message kinds in the network of a new state.
    sent: Vec<bool>,
    pruned: u64,
    /// Room for the next batch's buffers.
    buf_hint: Option<(usize, usize)>,
    /// Whether a step led to a state stored before its level began (no
    /// deeper than the state it left): while none does, the depth grows
    /// along every step, and the graph has no cycle.
    backward: bool,
    /// Whether a shard stopped before its end ([`Phase2::limits`]).
    cut: bool,
}

struct Explorer<'m> {
    /// The model, how states are stored, and what both phases of a batch
    /// read.
    shared: Shared<'m>,
    options: &'m Options,
    shards: Vec<Shard>,
    /// By shard: how many states it held when the current level began.
    level_start: Option<Vec<u32>>,
    /// Whether a step led back to a state no deeper than its source
    /// ([`Stored::backward`]): unless one did, the graph has no cycle.
    backward: bool,
    /// When a liveness property is checked: the states expanded that have
    /// no fair step to another state ([`ChunkOut::idle`]).
    idle: Vec<u64>,
    /// Per property: whether it is checked (`Options::properties`).
    checked: Vec<bool>,
    /// Per property: a violation found so far.
    found: Vec<Option<Found>>,
    reached: Vec<bool>,
    deadlock: Option<Found>,
    runtime_error: Option<Found>,
    coverage: Coverage,
    transitions: u64,
    pruned: u64,
    /// Every stored state, in the order a sequential BFS would store them;
    /// kept only for the liveness phase (`keep_order`), with where each
    /// level after the first starts in it.
    order: Vec<u64>,
    level_starts: Vec<u32>,
    /// Whether a liveness property is checked.
    keep_order: bool,
    /// When the check started (for `Options::timeout`).
    start: Instant,
    /// Why the breadth-first search stopped early, if it did.
    stopped: Option<StopReason>,
    /// The most a batch has cost so far: the bytes of its buffers, the
    /// bytes its new networks took, and the new states it stored.
    batch_buffers_max: usize,
    batch_networks_max: usize,
    batch_new_max: usize,
    /// The room phase 1 gives each new per-shard buffer, (successors,
    /// words): what the last batch needed, so buffers seldom grow from
    /// nothing. (Emptied buffers are used again, `Shared::bufs`: two
    /// batches' worth at most, each at most the largest batch's size, the
    /// size the memory check's bound on a batch's buffers is made of.)
    buf_hint: (usize, usize),
    /// Whether phase 2 of a batch stopped before it tested every new state
    /// (a timeout or a signal; [`Phase2::limits`]).
    cut: bool,
    /// Raised when the deadline passes or the stop signal comes.
    halt: Halt,
    /// The bytes of buffers the last batch needed per frontier state:
    /// what sizes the next batch ([`batch_len`]).
    per_state: usize,
    /// Bits of a stored state's words that are used.
    store_bits: u32,
    /// States stored when the current level began.
    level_before: u64,
    /// When the last checkpoint was written (or the search started).
    last_save: Instant,
    /// How long the search ran before the checkpoint it resumed from.
    elapsed_before: Duration,
}

impl<'m> Explorer<'m> {
    fn new(model: &'m Model, options: &'m Options) -> Explorer<'m> {
        let start = Instant::now();
        let n_props = model.properties.len();
        let shared = Shared::new(model, options);
        let (store_words, store_bits, packed) =
            (shared.store_words, shared.store_bits(), shared.packed);
        Explorer {
            shared,
            options,
            shards: (0..SHARDS)
                .map(|_| Shard::new(store_words, store_bits, packed.is_none()))
                .collect(),
            level_start: None,
            backward: false,
            idle: Vec::new(),
            checked: (0..n_props).map(|p| options.checks(p)).collect(),
            found: vec![None; n_props],
            reached: vec![false; n_props],
            deadlock: None,
            runtime_error: None,
            coverage: Coverage::new(model),
            transitions: 0,
            pruned: 0,
            order: Vec::new(),
            level_starts: Vec::new(),
            keep_order: (0..n_props).any(|p| options.checks(p) && model.is_liveness(p)),
            buf_hint: (0, 0),
            per_state: 0,
            cut: false,
            halt: Halt::start(options.timeout.map(|t| start + t), options.stop.clone()),
            start,
            stopped: None,
            batch_buffers_max: 0,
            batch_networks_max: 0,
            batch_new_max: 0,
            store_bits,
            level_before: 0,
            last_save: start,
            elapsed_before: Duration::ZERO,
        }
    }

    /// Bytes held by the visited set.
    fn store_bytes(&self) -> usize {
        self.shards.iter().map(Shard::bytes).sum()
    }

    /// Bytes held by the search: the visited set, the BFS order, and the
    /// frontiers given.
    fn held_bytes(&self, frontiers: &[&Vec<u64>]) -> usize {
        self.store_bytes()
            + 8 * self.order.capacity()
            + frontiers.iter().map(|f| 8 * f.capacity()).sum::<usize>()
    }

    /// A generous bound on what the next batch may add to what is held:
    /// half as much again as the most a batch has buffered (the buffers are
    /// counted by length; what they allocate beyond is mostly untouched),
    /// twice what a batch has added in networks, the slots that order its
    /// successors (8 bytes each, an eighth of what buffering one is
    /// bounded by), and what storing twice the most new states of a batch
    /// would take (records, grown tables, their words as stored and as
    /// the batch's frontier, the next frontier and the BFS order).
    fn batch_ahead(&self, next: &Frontier) -> usize {
        let new = 2 * self.batch_new_max + SHARDS * 16;
        let per_shard = new / SHARDS + 16;
        let store: usize = self.shards.iter().map(|s| s.growth_bytes(per_shard)).sum();
        let order = if self.keep_order {
            vec_growth_bytes(&self.order, new)
        } else {
            0
        };
        self.batch_buffers_max * 3 / 2
            + 2 * self.batch_networks_max
            + store
            + vec_growth_bytes(&next.ids, new)
            + vec_growth_bytes(&next.words, new * self.shared.store_words)
            + order
            + self.batch_buffers_max / 8
            + new * (8 + 16 * self.shared.store_words)
    }

    /// The limits of a phase 1 that starts when `committed` bytes are held
    /// or promised to the batch before it.
    fn budget(&self, committed: usize) -> BatchBudget {
        let options = self.options;
        BatchBudget {
            room: (options.max_memory)
                .map(|limit| (limit.budget() as usize).saturating_sub(committed)),
            used: AtomicUsize::new(0),
            halt: self.halt.flag.clone(),
            cut: AtomicBool::new(false),
        }
    }

    /// Why a phase 1 stopped before its end, if it did: its buffers went
    /// past their room, or a limit of time or a signal came.
    fn cut(&self, budget: &BatchBudget, committed: usize) -> Option<StopReason> {
        if budget.over_room() {
            return self.options.max_memory.map(StopReason::Memory);
        }
        if !budget.was_cut() {
            return None;
        }
        // Time and signals stay as they were seen.
        Some(
            self.must_stop(committed, 0)
                .unwrap_or(StopReason::Interrupted),
        )
    }

    /// Why the check must stop now, if it must: `held` bytes are held and
    /// the next piece of work may add `ahead` more.
    fn must_stop(&self, held: usize, ahead: usize) -> Option<StopReason> {
        let options = self.options;
        if let Some(m) = options.max_states
            && self.n_states() >= m
        {
            return Some(StopReason::MaxStates(m));
        }
        if let Some(limit) = options.max_memory
            && (held + ahead) as u64 > limit.budget()
        {
            return Some(StopReason::Memory(limit));
        }
        if let Some(timeout) = options.timeout
            && self.start.elapsed() >= timeout
        {
            return Some(StopReason::Timeout(timeout));
        }
        options
            .stop
            .as_ref()
            .and_then(|s| s.reason(options.max_memory))
    }

    /// The words of state `id`, as the model lays them out.
    fn state(&self, id: u64) -> Vec<u64> {
        let mut words = Vec::new();
        self.load(id, &mut words);
        self.ordinary(&words)
    }

    /// A state as the model lays it out (unpacked).
    fn ordinary(&self, stored: &[u64]) -> Vec<u64> {
        ordinary_form(self.shared.packed, self.shared.model, stored)
    }

    /// Writes the words of state `id` into `out`, as stored.
    fn load(&self, id: u64, out: &mut Vec<u64>) {
        let (s, l) = split_id(id);
        self.shards[s].load(l, out);
    }

    fn n_states(&self) -> u64 {
        self.shards.iter().map(|s| s.len() as u64).sum()
    }

    /// Tells the progress hook, if any, where the check is.
    fn report(&self, phase: Phase, level: u32, queue: usize) {
        if let Some(hook) = &self.options.progress {
            (hook.0)(&Progress {
                phase,
                states: self.n_states(),
                level,
                queue: queue as u64,
                memory_bytes: self.shards.iter().map(Shard::bytes).sum(),
            });
        }
    }

    fn run(mut self) -> Result<Exploration, InitError> {
        let (mut frontier, mut next, mut at, mut depth, mut level, mut resuming) =
            match self.take_resume() {
                Some(snapshot) => {
                    let r = self.restore(snapshot);
                    (r.frontier, r.next, r.at, r.depth, r.level, true)
                }
                None => match self.store_initial()? {
                    Some(frontier) => {
                        let depth = if self.n_states() > 0 { 1 } else { 0 };
                        (frontier, Frontier::default(), 0, depth, 0, false)
                    }
                    None => return Ok(self.finish(0, false)),
                },
            };
        let mut complete = true;
        // Phase 1's output for the next batch, when it ran beside this
        // batch's phase 2 (see below).
        let mut generated: Option<Generated> = None;
        'levels: while !frontier.ids.is_empty() {
            // A resumed search starts inside the level it stopped in.
            if !std::mem::take(&mut resuming) {
                level += 1;
                self.level_before = self.n_states();
                self.level_start = Some(self.shards.iter().map(|s| s.len() as u32).collect());
                if self.keep_order {
                    self.level_starts.push(self.order.len() as u32);
                }
                next = Frontier::default();
                at = 0;
            }
            // The frontier in batches, in order: each batch's successors are
            // buffered, then stored, so the buffers stay small whatever the
            // size of a level. Storing batch by batch in frontier order keeps
            // "first generator in (frontier order, step order)" and the keys
            // of a batch all come after the previous batch's. The limits are
            // checked before each batch: a stop leaves every level before
            // this one complete.
            //
            // Packed states are pipelined: phase 1 of the next batch runs
            // beside phase 2 of this one (phase 1 reads the frontier's
            // words, phase 2 the visited set), so that each phase's idle
            // threads (its last chunks, the merging of the shards' results)
            // find work in the other. What a batch's phase 1 found is taken
            // in only when its phase 2 comes, so the results are those of
            // batches one after the other. Beside the last batch of a level
            // runs phase 1 of the next level's first batch, when the states
            // stored so far fill it (they are its states, in order), so
            // that levels follow one another without a pause.
            let pipelined = self.shared.packed.is_some();
            let width = if pipelined {
                self.shared.store_words
            } else {
                0
            };
            let words_of = |at: usize, len: usize| match width {
                0 => &[][..],
                w => &frontier.words[at * w..(at + len) * w],
            };
            // The parents of this level's successors, for phase 2's tests.
            let parents = (width > 0).then_some(&frontier.words[..]);
            // `at`: where this level's current batch starts in the frontier.
            while at < frontier.ids.len() {
                // The start of a batch: where a checkpoint can be taken, and
                // where a stop below leaves the search to resume from.
                let place = |frontier, next, at| checkpoint::Place {
                    frontier,
                    next,
                    at,
                    depth,
                    level,
                };
                if self.checkpoint_due() {
                    self.save_checkpoint(&place(&frontier, &next, at));
                }
                let frontiers = [&frontier.ids, &frontier.words, &next.ids, &next.words];
                let mut held = self.held_bytes(&frontiers);
                let mut ahead = self.batch_ahead(&next);
                // What the next batch adds besides the buffers of a phase 1.
                let store_ahead = ahead - self.batch_buffers_max * 3 / 2;
                if pipelined {
                    // This batch's successors are buffered already, or will
                    // be beside the next batch's.
                    match &generated {
                        Some(g) => held += g.buffers,
                        None => ahead += self.batch_buffers_max * 3 / 2,
                    }
                }
                if let Some(reason) = generated.as_ref().and_then(|g| g.cut) {
                    self.stopped = Some(reason);
                    self.checkpoint_on_stop(&place(&frontier, &next, at));
                    complete = false;
                    break 'levels;
                }
                if let Some(reason) = self.must_stop(held, ahead) {
                    self.stopped = Some(reason);
                    self.checkpoint_on_stop(&place(&frontier, &next, at));
                    complete = false;
                    break 'levels;
                }
                let networks = |e: &Self| e.shards.iter().map(Shard::network_bytes).sum::<usize>();
                let (networks_before, states_before) = (networks(&self), self.n_states());
                let (outs, len) = match generated.take() {
                    Some(g) => (g.outs, g.len),
                    None => {
                        let len = batch_len(self.per_state).min(frontier.ids.len() - at);
                        let budget = self.budget(held + store_ahead);
                        let outs = (self.shared).phase1(
                            &self.shards,
                            self.buf_hint,
                            &frontier.ids[at..at + len],
                            words_of(at, len),
                            (level, at as u64),
                            None,
                            &budget,
                        );
                        if let Some(reason) = self.cut(&budget, held + store_ahead) {
                            // This batch's phase 1 is dropped whole: the
                            // search stands at the batch's start.
                            self.stopped = Some(reason);
                            self.checkpoint_on_stop(&place(&frontier, &next, at));
                            complete = false;
                            break 'levels;
                        }
                        held += outs.iter().map(ChunkOut::buffer_bytes).sum::<usize>();
                        (outs, len)
                    }
                };
                let buffers: usize = outs.iter().map(ChunkOut::buffer_bytes).sum();
                self.per_state = buffers.div_ceil(len);
                self.take_in_phase1(&outs);
                // The batch whose phase 1 runs beside this one's phase 2:
                // the rest of this level, or the start of the next when
                // the states stored so far fill it.
                let end = at + len;
                let following = if end < frontier.ids.len() {
                    let len = batch_len(self.per_state).min(frontier.ids.len() - end);
                    Some((
                        &frontier.ids[end..end + len],
                        words_of(end, len),
                        (level, end as u64),
                    ))
                } else {
                    let len = batch_len(self.per_state);
                    (next.ids.len() >= len)
                        .then(|| (&next.ids[..len], &next.words[..len * width], (level + 1, 0)))
                };
                let stored = match following {
                    Some((ids, words, at)) if pipelined => {
                        let ctx = self.phase2_context(&outs);
                        let budget = self.budget(held + store_ahead);
                        let (shared, shards, hint) =
                            (&self.shared, &mut self.shards, self.buf_hint);
                        let (stored, outs) = rayon::join(
                            || shared.phase2(&ctx, shards, outs, parents),
                            || shared.phase1(&[], hint, ids, words, at, None, &budget),
                        );
                        let cut = self.cut(&budget, held + store_ahead);
                        let buffers = outs.iter().map(ChunkOut::buffer_bytes).sum();
                        let len = ids.len();
                        generated = Some(Generated {
                            outs,
                            len,
                            buffers,
                            cut,
                        });
                        self.take_in(stored)
                    }
                    _ => self.phase2(outs, parents),
                };
                if self.cut {
                    self.stopped = Some(self.must_stop(0, 0).unwrap_or(StopReason::Interrupted));
                    complete = false;
                    break 'levels;
                }
                next.ids.extend(stored.ids);
                next.words.extend(stored.words);
                // Counted from lengths, not capacities, so that the same
                // limit stops at the same batch at any thread count.
                let new = (self.n_states() - states_before) as usize;
                self.batch_buffers_max = self.batch_buffers_max.max(buffers);
                self.batch_networks_max =
                    (self.batch_networks_max).max(networks(&self).saturating_sub(networks_before));
                self.batch_new_max = self.batch_new_max.max(new);
                at = end;
                // A long level keeps the progress line moving: the queue is
                // what is left of this level plus the next level so far.
                let left = frontier.ids.len() - at;
                if left > 0 {
                    self.report(Phase::Search, depth, left + next.ids.len());
                }
            }
            frontier = std::mem::take(&mut next);
            if self.n_states() > self.level_before {
                depth += 1;
            }
            self.report(Phase::Search, depth, frontier.ids.len());
        }
        Ok(self.finish(depth, complete))
    }

    /// Stores the initial states: the first frontier, or `None` when a
    /// limit stopped the search while storing them (`stopped` says why).
    ///
    /// The candidates ([`Initial`]) are streamed and each is kept only if
    /// every `init` predicate holds in it; none is an error
    /// ([`InitError::Unsatisfied`]), as is a predicate that fails.
    fn store_initial(&mut self) -> Result<Option<Frontier>, InitError> {
        let initial = self.shared.model.initial()?;
        let total = initial.len();
        let mut locals = Vec::new();
        // Initial states kept so far: their numbers order them.
        let mut kept: u64 = 0;
        // Initial states go through phase 2 like successors, a batch at a
        // time, made as they are stored: a spec may start from billions of
        // them, so the limits are checked between batches here too.
        let mut frontier = Frontier::default();
        let (mut state, mut canon, mut packed) = (Vec::new(), Vec::new(), Vec::new());
        let mut at: u128 = 0;
        while at < total {
            // The first batch is always stored: a check stopped at once
            // still says what holds in the initial states (most specs have
            // no more than that batch).
            let frontiers = [&frontier.ids, &frontier.words];
            let held = self.held_bytes(&frontiers);
            if at > 0
                && let Some(reason) = self.must_stop(held, self.batch_ahead(&frontier))
            {
                self.stopped = Some(reason);
                return Ok(None);
            }
            let end = (at + BATCH as u128).min(total);
            let mut buf: Vec<ShardBuf> = (0..SHARDS).map(|_| ShardBuf::default()).collect();
            let mut pendings = 0;
            let kept_before = kept;
            for i in at..end {
                if !initial.admit(i, &mut state, &mut locals)? {
                    continue;
                }
                let number = kept;
                kept += 1;
                let mut s = &state;
                if let Some(sym) = self.shared.sym {
                    self.shared.model.canonical(sym, s, &mut canon);
                    s = &canon;
                }
                if let Some(p) = self.shared.packed {
                    p.pack(self.shared.model.layout.fixed_words, s, &mut packed);
                    s = &packed;
                }
                let placed = place(s, self.shared.store_words);
                let hash = lookup_hash(placed, self.shared.packed.is_some());
                let one = self.shared.one_word();
                let b = &mut buf[placed.0];
                // The key orders initial states as they come (a step of a
                // state before them all): by their number among the kept
                // ones, which a u32 holds as long as memory does.
                let key = (0, u32::try_from(number).unwrap_or(u32::MAX));
                push_pending(b, hash, key, &mut pendings, NO_PARENT, s, one);
            }
            self.transitions += kept - kept_before;
            let states_before = self.n_states();
            let stored = self.phase2(
                vec![ChunkOut {
                    bufs: buf,
                    level: 0,
                    pendings,
                    buffer_bound: 0,
                    transitions: 0,
                    step_found: Vec::new(),
                    deadlock: None,
                    runtime_error: None,
                    coverage: Coverage::new(self.shared.model),
                    idle: Vec::new(),
                }],
                None,
            );
            if self.cut {
                self.stopped = Some(self.must_stop(0, 0).unwrap_or(StopReason::Interrupted));
                return Ok(None);
            }
            frontier.ids.extend(stored.ids);
            frontier.words.extend(stored.words);
            let new = (self.n_states() - states_before) as usize;
            self.batch_new_max = self.batch_new_max.max(new);
            at = end;
        }
        if kept == 0 {
            return Err(InitError::Unsatisfied { candidates: total });
        }
        Ok(Some(frontier))
    }

    /// What phase 2 of the next batch must know of the search so far.
    fn phase2_context(&self, outs: &[ChunkOut]) -> Phase2 {
        let model = self.shared.model;
        let level = outs.first().map_or(0, |o| o.level);
        // Properties a batch can still change: checked, and not settled by
        // an earlier batch (a state reached, or an invariant's violation at
        // an earlier level, which comes before any this batch could find:
        // at the same level a failed evaluation would still come first, see
        // `keep_first`; only invariants: phase 1 of this very batch may
        // have found a variant's).
        let open: Vec<bool> = (0..self.shared.n_props)
            .map(|p| {
                let violated = matches!(model.properties[p], CompiledProperty::Invariant(_))
                    && self.found[p].as_ref().is_some_and(|f| f.key.0 < level);
                self.checked[p] && !self.reached[p] && !violated
            })
            .collect();
        let open_bits = (open.iter().enumerate())
            .filter(|(p, o)| **o && *p < MAX_TESTED)
            .fold(0u64, |m, (p, _)| m | 1 << p);
        Phase2 {
            open,
            open_bits,
            // Once every message kind has been seen, new states cannot add any.
            all_sent: self.coverage.sent.iter().all(|&s| s),
            keep_order: self.keep_order,
            level_start: self.level_start.clone(),
            // The first batch of initial states is always tested whole
            // (`Explorer::run`).
            limits: BatchBudget {
                room: None,
                halt: match self.n_states() {
                    0 => Arc::new(AtomicBool::new(false)),
                    _ => self.halt.flag.clone(),
                },
                ..self.budget(0)
            },
            watch: self.halt.flag.clone(),
        }
    }

    /// Takes in what phase 2 of a batch found; its part of the next frontier.
    fn take_in(&mut self, stored: Stored) -> Frontier {
        self.pruned += stored.pruned;
        let into = (
            &mut self.found[..],
            &mut self.reached[..],
            &mut self.coverage.sent[..],
        );
        merge_tests(
            into,
            stored.found.into_iter().enumerate(),
            stored.reached,
            stored.sent,
        );
        if let Some(f) = stored.runtime_error {
            keep_first(&mut self.runtime_error, f);
        }
        self.order.extend(stored.order);
        self.backward |= stored.backward;
        self.cut |= stored.cut;
        if let Some(hint) = stored.buf_hint {
            self.buf_hint = hint;
        }
        stored.frontier
    }

    /// Phase 2 of a batch on its own: stores the new states; returns the
    /// next frontier.
    fn phase2(&mut self, outs: Vec<ChunkOut>, parents: Option<&[u64]>) -> Frontier {
        let ctx = self.phase2_context(&outs);
        let stored = self.shared.phase2(&ctx, &mut self.shards, outs, parents);
        self.take_in(stored)
    }

    /// Takes in what phase 1 of a batch learned besides its successors.
    fn take_in_phase1(&mut self, outs: &[ChunkOut]) {
        for out in outs {
            self.transitions += out.transitions;
            self.idle.extend_from_slice(&out.idle);
            for (p, f) in out.step_found.iter().enumerate() {
                if let Some(f) = f {
                    keep_first(&mut self.found[p], f.clone());
                }
            }
            if let Some(d) = &out.deadlock {
                keep_first(&mut self.deadlock, d.clone());
            }
            if let Some(e) = &out.runtime_error {
                keep_first(&mut self.runtime_error, e.clone());
            }
            self.coverage.merge(&out.coverage);
        }
    }

    /// The path from an initial state to state `id`.
    fn path(&self, id: u64) -> Trace {
        self.concrete_path(id).0
    }

    /// The path from an initial state to state `id`, and, under symmetry,
    /// the renaming from the stored states to the path's last state. Stored
    /// states are orbit representatives; the path shown is a real behaviour
    /// through states that are renamings of them, in the spec's own names.
    pub(super) fn concrete_path(&self, id: u64) -> (Trace, Option<crate::model::Perms>) {
        let mut ids = vec![id];
        let mut cur = id;
        loop {
            let (s, l) = split_id(cur);
            let parent = self.shards[s].parent(l);
            if parent == NO_PARENT {
                break;
            }
            ids.push(parent);
            cur = parent;
        }
        ids.reverse();
        let reps: Vec<Vec<u64>> = ids.iter().map(|&i| self.state(i)).collect();
        concrete_path(self.shared.model, self.shared.sym, reps)
    }

    /// The liveness verdict of one property: a fair counterexample, if any,
    /// or the trace to a state where a predicate could not be evaluated
    /// (its [`Trace::eval_error`] set); `Err` when a limit stopped the
    /// search for one.
    fn liveness(
        &self,
        dense: &liveness::Dense,
        p: usize,
        prop: &CompiledProperty,
        columns: Vec<liveness::Evaluated>,
    ) -> Result<Option<Trace>, StopReason> {
        // Every reachable state's tests evaluated these predicates already,
        // and a failure there settled the property before this phase; a
        // failure here is reported all the same, never read as false.
        let failed = |(id, error): (u64, RtError)| {
            let mut trace = self.path(id);
            trace.eval_error = Some(EvalError {
                what: Evaluated::Property(p),
                error,
            });
            Ok(Some(trace))
        };
        match self.liveness_query(dense, prop, columns) {
            Ok(outcome) => outcome,
            // Stopped by a limit or a signal while it ran (see `halt`).
            Err((_, e)) if e.kind == RtErrorKind::Interrupted => {
                Err(self.must_stop(0, 0).unwrap_or(StopReason::Interrupted))
            }
            Err(failure) => failed(failure),
        }
    }

    /// [`Self::liveness`] once the predicates' values are known
    /// (`columns`, in the order of [`liveness::query_preds`], evaluated for
    /// every property in one pass over the states); `Err`: a predicate
    /// failed in a state (its id), the first in the property's order.
    fn liveness_query(
        &self,
        dense: &liveness::Dense,
        prop: &CompiledProperty,
        columns: Vec<liveness::Evaluated>,
    ) -> Result<Result<Option<Trace>, StopReason>, (u64, RtError)> {
        let mut columns = columns.into_iter();
        let not = |mut v: Vec<bool>| -> Vec<bool> {
            v.iter_mut().for_each(|b| *b = !*b);
            v
        };
        let and = |mut a: Vec<bool>, b: &[bool]| -> Vec<bool> {
            a.iter_mut().zip(b).for_each(|(x, y)| *x = *x && *y);
            a
        };
        Ok(match prop {
            CompiledProperty::LeadsTo(..) | CompiledProperty::Ensures(..) => {
                let (q, p) = (columns.next().expect("q"), columns.next().expect("p"));
                let not_q = not(q?.truth());
                let start = and(p?.truth(), &not_q);
                self.fair_counterexample(
                    dense,
                    &liveness::Query {
                        start: &start,
                        stay: &not_q,
                        measure: None,
                        accept: None,
                    },
                )
            }
            CompiledProperty::Transient(_) => {
                let p = columns.next().expect("p")?.truth();
                self.fair_counterexample(
                    dense,
                    &liveness::Query {
                        start: &p,
                        stay: &p,
                        measure: None,
                        accept: None,
                    },
                )
            }
            CompiledProperty::Persistent(_) => {
                // A fair run that visits `¬P` for ever or stops at `¬P`:
                // from a `¬P` state, anywhere, to a fair component that
                // holds a `¬P` state (or a final `¬P` state).
                let not_p = not(columns.next().expect("p")?.truth());
                let anywhere = vec![true; not_p.len()];
                self.fair_counterexample(
                    dense,
                    &liveness::Query {
                        start: &not_p,
                        stay: &anywhere,
                        measure: None,
                        accept: Some(&not_p),
                    },
                )
            }
            CompiledProperty::Variant { until, .. } => {
                let mut active = columns.next().expect("while")?.truth();
                if until.is_some() {
                    active = and(active, &not(columns.next().expect("until")?.truth()));
                }
                let values = columns.next().expect("measure")?.values();
                self.fair_counterexample(
                    dense,
                    &liveness::Query {
                        start: &active,
                        stay: &active,
                        measure: Some(&values),
                        accept: None,
                    },
                )
            }
            _ => Ok(None),
        })
    }

    fn trace_of(&self, f: &Found) -> Trace {
        let mut trace = self.step_trace_of(f);
        trace.eval_error = f.error.clone();
        trace
    }

    /// [`Self::trace_of`] but for the evaluation that failed.
    fn step_trace_of(&self, f: &Found) -> Trace {
        let path = self.concrete_path(f.id);
        with_last_step(self.shared.model, self.shared.sym, path, f)
    }

    fn finish(mut self, depth: u32, complete: bool) -> Exploration {
        let liveness_start = Instant::now();
        let n_states = self.n_states() as usize;
        // The liveness phase numbers every state densely (the BFS order,
        // held already, and 4 bytes a state more), and for each property
        // evaluates predicates on every state and finds `R` (at most 24
        // bytes a state: a byte per predicate, 8 for a variant's measure,
        // and `R`'s numbering and counts of edges).
        let liveness_stop = |ex: &Self, held: usize, extra_per_state: usize| {
            ex.must_stop(ex.held_bytes(&[]) + held, extra_per_state * n_states)
        };
        let mut stopped_liveness: Option<StopReason> = None;
        let model = self.shared.model;
        let wants_liveness =
            (0..self.checked.len()).any(|p| self.checked[p] && model.is_liveness(p));
        let dense = if complete && wants_liveness {
            match liveness_stop(&self, 0, 4 + 24) {
                Some(reason) => {
                    stopped_liveness = Some(reason);
                    None
                }
                None => Some(liveness::Dense::new(
                    std::mem::take(&mut self.order),
                    std::mem::take(&mut self.level_starts),
                    &self.shards,
                )),
            }
        } else {
            None
        };
        let n_liveness = (0..self.checked.len())
            .filter(|&p| model.is_liveness(p))
            .count();
        let mut nth_liveness = 0;
        // Every liveness property's predicates are evaluated in one pass
        // over the states, before the first property's search; each
        // property takes its columns when its turn comes.
        let model = self.shared.model;
        let to_search: Vec<(usize, &CompiledProperty)> = (model.properties.iter().enumerate())
            .filter(|&(p, _)| self.checked[p] && self.found[p].is_none() && model.is_liveness(p))
            .collect();
        let mut columns: Vec<Option<Vec<liveness::Evaluated>>> =
            model.properties.iter().map(|_| None).collect();
        let column_bytes = |prop: &CompiledProperty| {
            n_states * liveness::column_bytes(&liveness::query_preds(prop))
        };
        let mut columns_held: usize = to_search.iter().map(|&(_, prop)| column_bytes(prop)).sum();
        if let (Some(dense), None, Some(&(first, _))) =
            (&dense, stopped_liveness, to_search.first())
        {
            // (What each property's search holds besides, as below.)
            match liveness_stop(&self, dense.bytes() + columns_held, 24) {
                Some(reason) => stopped_liveness = Some(reason),
                None => {
                    let phase = Phase::Liveness {
                        property: first,
                        nth: 1,
                        of: n_liveness,
                    };
                    self.report(phase, depth, 0);
                    for (p, evaluated) in self.eval_properties(dense, &to_search) {
                        columns[p] = Some(evaluated);
                    }
                }
            }
        }
        let verdicts = self
            .shared
            .model
            .properties
            .iter()
            .enumerate()
            .map(|(p, prop)| match prop {
                _ if !self.checked[p] => Verdict::NotSelected,
                CompiledProperty::Reachable(_) => {
                    if self.reached[p] {
                        Verdict::Holds
                    } else if let Some(f) = &self.found[p] {
                        Verdict::Error(self.trace_of(f))
                    } else if complete {
                        Verdict::Violated(None)
                    } else {
                        Verdict::Unknown
                    }
                }
                _ if let Some(f) = &self.found[p] => match f.error {
                    Some(_) => Verdict::Error(self.trace_of(f)),
                    None => Verdict::Violated(Some(self.trace_of(f))),
                },
                _ if model.is_liveness(p) => match &dense {
                    Some(dense) if stopped_liveness.is_none() => {
                        nth_liveness += 1;
                        let phase = Phase::Liveness {
                            property: p,
                            nth: nth_liveness,
                            of: n_liveness,
                        };
                        if nth_liveness > 1 {
                            self.report(phase, depth, 0);
                        }
                        let evaluated = columns[p].take().expect("evaluated with the others");
                        let outcome = match liveness_stop(&self, dense.bytes() + columns_held, 24) {
                            Some(reason) => Err(reason),
                            None => self.liveness(dense, p, prop, evaluated),
                        };
                        columns_held -= column_bytes(prop);
                        match outcome {
                            Ok(Some(trace)) if trace.eval_error.is_some() => Verdict::Error(trace),
                            Ok(Some(trace)) => Verdict::Violated(Some(trace)),
                            Ok(None) => Verdict::Holds,
                            Err(reason) => {
                                stopped_liveness = Some(reason);
                                Verdict::Unknown
                            }
                        }
                    }
                    _ => Verdict::Unknown,
                },
                _ if complete => Verdict::Holds,
                _ => Verdict::Unknown,
            })
            .collect();
        let stop = match (self.stopped, stopped_liveness) {
            (Some(reason), _) => Some(Stop {
                reason,
                in_liveness: false,
            }),
            (None, Some(reason)) => Some(Stop {
                reason,
                in_liveness: true,
            }),
            (None, None) => None,
        };
        let finished = Instant::now();
        let deadlock = if !self.shared.model.check_deadlock {
            Verdict::Unchecked
        } else {
            match &self.deadlock {
                Some(f) => Verdict::Violated(Some(self.trace_of(f))),
                None if complete => Verdict::Holds,
                None => Verdict::Unknown,
            }
        };
        Exploration {
            states: self.n_states(),
            transitions: self.transitions,
            depth,
            complete,
            stop,
            pruned: self.pruned,
            verdicts,
            deadlock,
            runtime_error: self.runtime_error.as_ref().map(|f| self.trace_of(f)),
            // One clock reading for both, so the liveness time never
            // exceeds the whole.
            elapsed: finished - self.start,
            liveness_elapsed: finished - liveness_start,
            memory_bytes: self.shards.iter().map(Shard::bytes).sum(),
            coverage: self.coverage.clone(),
            symmetry: self.shared.sym.map_or(Vec::new(), |sym| {
                sym.kinds(&self.shared.model.spec)
                    .into_iter()
                    .map(str::to_string)
                    .collect()
            }),
        }
    }
}

/// The path through the stored states `reps` (ordinary forms, from an
/// initial state), as a trace; and, under symmetry, the renaming from the
/// stored states to the path's last state. Stored states are orbit
/// representatives; the path shown is a real behaviour through states
/// that are renamings of them, in the spec's own names.
pub(crate) fn concrete_path(
    model: &Model,
    sym: Option<&crate::model::Symmetry>,
    reps: Vec<Vec<u64>>,
) -> (Trace, Option<crate::model::Perms>) {
    use crate::model::Symmetry;
    let mut steps = Vec::new();
    let mut scratch = Scratch::default();
    let Some(sym) = sym else {
        for pair in reps.windows(2) {
            let chosen = first_step_to(model, &pair[0], &pair[1], &mut scratch);
            steps.push(chosen.expect("a stored parent generates its child"));
        }
        let trace = Trace {
            states: reps,
            steps,
            failed: None,
            lasso: None,
            eval_error: None,
        };
        return (trace, None);
    };
    let mut states = vec![reps[0].clone()];
    let mut sigma = sym.identity();
    let mut canon = Vec::new();
    for pair in reps.windows(2) {
        // A successor of the stored parent whose representative is the
        // stored child, and the renaming that makes it so.
        let mut found = None;
        model.successors(&pair[0], &mut scratch, &mut |_, outcome| {
            if found.is_none()
                && let Outcome::Next(next) = outcome
            {
                let pi = model.canonical(sym, next, &mut canon);
                if canon == pair[1] {
                    found = Some((next.to_vec(), pi));
                }
            }
        });
        let (next, pi) = found.expect("a stored parent generates its child");
        let mut concrete = Vec::new();
        model.permute(sym, &next, &sigma, &mut concrete);
        let from = states.last().expect("starts with the initial state");
        let chosen = first_step_to(model, from, &concrete, &mut scratch);
        steps.push(chosen.expect("renamed states have renamed steps"));
        states.push(concrete);
        sigma = Symmetry::compose(&sigma, &Symmetry::inverse(&pi));
    }
    let trace = Trace {
        states,
        steps,
        failed: None,
        lasso: None,
        eval_error: None,
    };
    (trace, Some(sigma))
}

/// The trace of finding `f` from the path to its state
/// ([`concrete_path`]): with the finding's step, renamed like the path.
pub(crate) fn with_last_step(
    model: &Model,
    sym: Option<&crate::model::Symmetry>,
    (mut trace, sigma): (Trace, Option<crate::model::Perms>),
    f: &Found,
) -> Trace {
    let (Some(sym), Some(sigma)) = (sym, sigma) else {
        match &f.step {
            None => {}
            Some((step, StepEnd::To(next))) => {
                trace.steps.push(*step);
                trace.states.push(next.clone());
            }
            Some((step, StepEnd::Failed(e))) => trace.failed = Some((*step, e.clone())),
        }
        return trace;
    };
    // The last step, renamed like the path.
    let last = trace.states.last().expect("a path has a state").clone();
    let mut scratch = Scratch::default();
    match &f.step {
        None => {}
        Some((step, StepEnd::To(next))) => {
            let mut concrete = Vec::new();
            model.permute(sym, next, &sigma, &mut concrete);
            let chosen = first_step_to(model, &last, &concrete, &mut scratch);
            trace.steps.push(chosen.unwrap_or(*step));
            trace.states.push(concrete);
        }
        Some((step, StepEnd::Failed(e))) => {
            let mut chosen = None;
            model.successors(&last, &mut scratch, &mut |s, outcome| {
                if chosen.is_none()
                    && let Outcome::Error(err) = outcome
                    && err == *e
                {
                    chosen = Some(s);
                }
            });
            trace.failed = Some((chosen.unwrap_or(*step), e.clone()));
        }
    }
    trace
}

/// The first step from `from` that leads to exactly `to`.
fn first_step_to(model: &Model, from: &[u64], to: &[u64], scratch: &mut Scratch) -> Option<Step> {
    let mut chosen = None;
    model.successors(from, scratch, &mut |step, outcome| {
        if chosen.is_none()
            && let Outcome::Next(next) = outcome
            && next == to
        {
            chosen = Some(step);
        }
    });
    chosen
}
