//! The compiled model as a [`stateright::Model`], so that Stateright's own
//! checker can explore a dsmc spec: a reference engine for differential
//! tests (`dsmc check --engine stateright`).
//!
//! Only state properties translate: `invariant` becomes `always`,
//! `reachable` becomes `sometimes`. Step properties, deadlock and
//! liveness stay with dsmc's explorer.
//!
//! The limits of a check (`--max-states`, `--timeout`, the memory limit,
//! Ctrl-C) are dsmc's: Stateright's checker knows none of them (its own
//! timeout and target state count say nothing of why it stopped), so
//! [`check_with_stateright_within`] watches them while the checker runs
//! and, when one is reached, raises the model's halt flag: from then on
//! the model has no steps, its states lie outside the boundary and its
//! properties are not evaluated, so Stateright's threads drain what they
//! hold and end.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use stateright::{Checker, Model as _, Property};

use crate::explore::{MemoryLimit, StopReason, StopSignal};
use crate::model::{CompiledProperty, InitError, Model, Outcome, Scratch, Step};

/// A state, as Stateright stores it: dsmc's packed words, and the model
/// that reads them, so that Stateright's messages (which print states with
/// `{:?}`) show every variable by name. Equality and hashing see only the
/// words.
#[derive(Clone)]
pub struct State {
    /// The packed state, as dsmc's own search stores it.
    pub words: Vec<u64>,
    model: Arc<Model>,
}

impl PartialEq for State {
    fn eq(&self, other: &State) -> bool {
        self.words == other.words
    }
}

impl Eq for State {}

impl std::hash::Hash for State {
    fn hash<H: std::hash::Hasher>(&self, hasher: &mut H) {
        self.words.hash(hasher);
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for c in self.model.describe_state(&self.words) {
            if c.what == "network" {
                writeln!(f, "network {}", c.value)?;
            } else {
                writeln!(f, "{} = {}", c.what, c.value)?;
            }
        }
        Ok(())
    }
}

/// A dsmc model seen through Stateright's interface.
pub(crate) struct ReferenceModel {
    model: Arc<Model>,
    /// (dsmc property index, leaked name) of the properties Stateright checks.
    checked: Vec<(usize, &'static str, bool)>,
    /// What failed at run time. Stateright's interface has no room for a
    /// failure (a step is taken or not, a property is true or false), so
    /// failures are kept aside here and reported after the search, never
    /// read as "no step" or "false".
    failures: std::sync::Mutex<Failures>,
    /// Raised when a limit is reached: the model then makes no more
    /// initial states, offers no step, no state within its boundary and
    /// no property evaluation, so that Stateright's search ends without
    /// growing further.
    halted: Arc<AtomicBool>,
    /// Initial states made so far: what is stored before the search
    /// starts, for `max_states` while Stateright takes them.
    made: Arc<AtomicU64>,
    /// The limits that making the initial states keeps by itself.
    initial_limits: InitialLimits,
}

/// The limits on making the initial states, which Stateright takes as one
/// vector (up to [`MAX_INITIAL`] of them) before its search starts: they
/// are made at hundreds of megabytes a second, too fast for a watchdog
/// that looks every few milliseconds, so their memory is counted as they
/// are made.
#[derive(Clone, Debug, Default)]
struct InitialLimits {
    /// Make at most this many (`max_states`): those are stored, and the
    /// search then stops at once.
    max_states: Option<u64>,
    /// Stop making them once they would take more than this many bytes,
    /// with what Stateright adds for each ([`INITIAL_STATE_FACTOR`]): the
    /// memory limit's budget. Then `signal` is asked to stop for memory.
    budget: Option<u64>,
    signal: Option<StopSignal>,
}

/// What Stateright holds for an initial state, as a multiple of the state
/// itself (its `State` and its words): the state moves into Stateright's
/// queue, with its fingerprint, depth and path, and its fingerprint into
/// the visited set. Measured: some 260 bytes for a state of one word,
/// which takes 56.
const INITIAL_STATE_FACTOR: u64 = 5;

/// Run-time failures met by Stateright's search, in a fixed order.
#[derive(Clone, Debug, Default)]
pub struct Failures {
    /// dsmc property indices whose evaluation failed in some state.
    pub properties: std::collections::BTreeSet<usize>,
    /// Descriptions of failed steps and of failed initial states.
    pub steps: std::collections::BTreeSet<String>,
}

/// Stateright takes properties as plain function pointers, so each property
/// index gets its own function. At most this many properties are handed over.
const MAX_PROPERTIES: usize = 64;

type PredFn = fn(&ReferenceModel, &State) -> bool;

/// The name of the property that keeps Stateright exploring every state.
const EXPLORE_ALL: &str = "(explore every state)";

const PREDICATES: [PredFn; MAX_PROPERTIES] = [
    |m: &ReferenceModel, s: &State| m.holds(0, s),
    |m: &ReferenceModel, s: &State| m.holds(1, s),
    |m: &ReferenceModel, s: &State| m.holds(2, s),
    |m: &ReferenceModel, s: &State| m.holds(3, s),
    |m: &ReferenceModel, s: &State| m.holds(4, s),
    |m: &ReferenceModel, s: &State| m.holds(5, s),
    |m: &ReferenceModel, s: &State| m.holds(6, s),
    |m: &ReferenceModel, s: &State| m.holds(7, s),
    |m: &ReferenceModel, s: &State| m.holds(8, s),
    |m: &ReferenceModel, s: &State| m.holds(9, s),
    |m: &ReferenceModel, s: &State| m.holds(10, s),
    |m: &ReferenceModel, s: &State| m.holds(11, s),
    |m: &ReferenceModel, s: &State| m.holds(12, s),
    |m: &ReferenceModel, s: &State| m.holds(13, s),
    |m: &ReferenceModel, s: &State| m.holds(14, s),
    |m: &ReferenceModel, s: &State| m.holds(15, s),
    |m: &ReferenceModel, s: &State| m.holds(16, s),
    |m: &ReferenceModel, s: &State| m.holds(17, s),
    |m: &ReferenceModel, s: &State| m.holds(18, s),
    |m: &ReferenceModel, s: &State| m.holds(19, s),
    |m: &ReferenceModel, s: &State| m.holds(20, s),
    |m: &ReferenceModel, s: &State| m.holds(21, s),
    |m: &ReferenceModel, s: &State| m.holds(22, s),
    |m: &ReferenceModel, s: &State| m.holds(23, s),
    |m: &ReferenceModel, s: &State| m.holds(24, s),
    |m: &ReferenceModel, s: &State| m.holds(25, s),
    |m: &ReferenceModel, s: &State| m.holds(26, s),
    |m: &ReferenceModel, s: &State| m.holds(27, s),
    |m: &ReferenceModel, s: &State| m.holds(28, s),
    |m: &ReferenceModel, s: &State| m.holds(29, s),
    |m: &ReferenceModel, s: &State| m.holds(30, s),
    |m: &ReferenceModel, s: &State| m.holds(31, s),
    |m: &ReferenceModel, s: &State| m.holds(32, s),
    |m: &ReferenceModel, s: &State| m.holds(33, s),
    |m: &ReferenceModel, s: &State| m.holds(34, s),
    |m: &ReferenceModel, s: &State| m.holds(35, s),
    |m: &ReferenceModel, s: &State| m.holds(36, s),
    |m: &ReferenceModel, s: &State| m.holds(37, s),
    |m: &ReferenceModel, s: &State| m.holds(38, s),
    |m: &ReferenceModel, s: &State| m.holds(39, s),
    |m: &ReferenceModel, s: &State| m.holds(40, s),
    |m: &ReferenceModel, s: &State| m.holds(41, s),
    |m: &ReferenceModel, s: &State| m.holds(42, s),
    |m: &ReferenceModel, s: &State| m.holds(43, s),
    |m: &ReferenceModel, s: &State| m.holds(44, s),
    |m: &ReferenceModel, s: &State| m.holds(45, s),
    |m: &ReferenceModel, s: &State| m.holds(46, s),
    |m: &ReferenceModel, s: &State| m.holds(47, s),
    |m: &ReferenceModel, s: &State| m.holds(48, s),
    |m: &ReferenceModel, s: &State| m.holds(49, s),
    |m: &ReferenceModel, s: &State| m.holds(50, s),
    |m: &ReferenceModel, s: &State| m.holds(51, s),
    |m: &ReferenceModel, s: &State| m.holds(52, s),
    |m: &ReferenceModel, s: &State| m.holds(53, s),
    |m: &ReferenceModel, s: &State| m.holds(54, s),
    |m: &ReferenceModel, s: &State| m.holds(55, s),
    |m: &ReferenceModel, s: &State| m.holds(56, s),
    |m: &ReferenceModel, s: &State| m.holds(57, s),
    |m: &ReferenceModel, s: &State| m.holds(58, s),
    |m: &ReferenceModel, s: &State| m.holds(59, s),
    |m: &ReferenceModel, s: &State| m.holds(60, s),
    |m: &ReferenceModel, s: &State| m.holds(61, s),
    |m: &ReferenceModel, s: &State| m.holds(62, s),
    |m: &ReferenceModel, s: &State| m.holds(63, s),
];

impl ReferenceModel {
    /// Wraps a compiled model.
    pub fn new(model: Arc<Model>) -> ReferenceModel {
        let checked = model
            .properties
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match p {
                CompiledProperty::Invariant(_) => Some((i, true)),
                CompiledProperty::Reachable(_) => Some((i, false)),
                _ => None,
            })
            .take(MAX_PROPERTIES)
            .map(|(i, always)| {
                let name: &'static str =
                    Box::leak(model.spec.properties[i].name.clone().into_boxed_str());
                (i, name, always)
            })
            .collect();
        ReferenceModel {
            model,
            checked,
            failures: Default::default(),
            halted: Default::default(),
            made: Default::default(),
            initial_limits: Default::default(),
        }
    }

    /// Whether a limit stopped the search.
    fn is_halted(&self) -> bool {
        self.halted.load(Ordering::Relaxed)
    }

    fn fail(&self, record: impl FnOnce(&mut Failures)) {
        record(&mut self.failures.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// A state of this model.
    fn state(&self, words: Vec<u64>) -> State {
        State {
            words,
            model: Arc::clone(&self.model),
        }
    }

    /// Whether checked property number `slot` holds in `state`.
    fn holds(&self, slot: usize, state: &State) -> bool {
        let Some(&(index, _, _)) = self.checked.get(slot) else {
            return true;
        };
        let (pred, always) = match &self.model.properties[index] {
            CompiledProperty::Invariant(p) => (p, true),
            CompiledProperty::Reachable(p) => (p, false),
            _ => return true,
        };
        if self.is_halted() {
            // No discovery either way: the state was not checked.
            return always;
        }
        match pred.eval(&self.model, &state.words, &mut Vec::new()) {
            Ok(v) => v != 0,
            Err(_) => {
                self.fail(|f| {
                    f.properties.insert(index);
                });
                // No discovery either way: the verdict is the failure.
                always
            }
        }
    }
}

/// A step as Stateright's action: the step, and which of the successors
/// with that step it is. Two successors can share a step: losing or
/// duplicating a message of a FIFO channel where equal messages are not
/// next to each other changes the channel in two different places.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Action {
    /// The step taken.
    pub step: Step,
    /// Among the successors with this step, in the order dsmc makes them.
    pub nth: u32,
}

/// The most initial states the reference engine makes.
const MAX_INITIAL: u128 = 1 << 24;

impl stateright::Model for ReferenceModel {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        match self.model.initial() {
            // Stateright takes its initial states as one vector.
            Ok(initial) if initial.len() > MAX_INITIAL => {
                self.fail(|f| {
                    f.steps.insert(format!(
                        "the spec has {} initial states; the reference engine takes at most \
                         {MAX_INITIAL} (dsmc's own engine streams them)",
                        initial.len()
                    ));
                });
                Vec::new()
            }
            Ok(initial) => {
                let limits = &self.initial_limits;
                let mut states = Vec::new();
                let mut bytes = 0u64;
                let mut locals = Vec::new();
                for i in 0..initial.len() {
                    let enough = limits.max_states.is_some_and(|m| states.len() as u64 >= m);
                    // Once halted, none is within the boundary: none is
                    // stored.
                    if enough || self.is_halted() {
                        break;
                    }
                    let mut words = Vec::new();
                    // Only the candidates that the `init` predicates admit.
                    match initial.admit(i, &mut words, &mut locals) {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(e) => {
                            self.fail(|f| {
                                f.steps.insert(format!(
                                    "computing the initial states failed: {}",
                                    e.describe()
                                ));
                            });
                            return Vec::new();
                        }
                    }
                    bytes += INITIAL_STATE_FACTOR
                        * (std::mem::size_of::<State>() + words.capacity() * 8 + 16) as u64;
                    if let (Some(budget), Some(signal)) = (limits.budget, &limits.signal)
                        && bytes > budget
                    {
                        signal.memory_full();
                        self.halted.store(true, Ordering::Relaxed);
                        break;
                    }
                    states.push(self.state(words));
                    self.made.fetch_add(1, Ordering::Relaxed);
                }
                if states.is_empty() && !self.is_halted() && limits.max_states != Some(0) {
                    self.fail(|f| {
                        f.steps.insert(format!(
                            "computing the initial states failed: {}",
                            InitError::Unsatisfied {
                                candidates: initial.len()
                            }
                            .describe()
                        ));
                    });
                }
                states
            }
            Err(e) => {
                self.fail(|f| {
                    f.steps.insert(format!(
                        "computing the initial states failed: {}",
                        InitError::from(e).describe()
                    ));
                });
                Vec::new()
            }
        }
    }

    fn actions(&self, state: &State, actions: &mut Vec<Action>) {
        if self.is_halted() {
            return;
        }
        let mut scratch = Scratch::default();
        self.model.successors(
            &state.words,
            &mut scratch,
            &mut |step, outcome| match outcome {
                Outcome::Next(_) => {
                    let nth = actions.iter().filter(|a| a.step == step).count() as u32;
                    actions.push(Action { step, nth });
                }
                Outcome::Error(e) => self.fail(|f| {
                    f.steps.insert(format!(
                        "a step fails: {} ({})",
                        e.describe(),
                        self.model.step_name(&step)
                    ));
                }),
            },
        );
    }

    fn next_state(&self, state: &State, action: Action) -> Option<State> {
        let mut scratch = Scratch::default();
        let mut out = None;
        let mut seen = 0;
        self.model
            .successors(&state.words, &mut scratch, &mut |step, outcome| {
                if out.is_none()
                    && step == action.step
                    && let Outcome::Next(next) = outcome
                {
                    if seen == action.nth {
                        out = Some(next.to_vec());
                    }
                    seen += 1;
                }
            });
        out.map(|words| self.state(words))
    }

    /// The step as dsmc's traces name it: `RM[0].prepare`,
    /// `TM ← Prepared from RM[0]`, `crash TM`.
    fn format_action(&self, action: &Action) -> String {
        self.model.step_name(&action.step)
    }

    /// The spec's `bound`s. Stateright drops a state outside its boundary
    /// (dsmc stores it without expanding it), so the counts of a spec with
    /// a `bound` differ between the engines; the verdicts do not.
    fn within_boundary(&self, state: &State) -> bool {
        if self.is_halted() {
            return false;
        }
        let mut locals = Vec::new();
        for bound in &self.model.bounds {
            match bound.eval(&self.model, &state.words, &mut locals) {
                Ok(0) => return false,
                Ok(_) => {}
                Err(e) => {
                    self.fail(|f| {
                        f.steps
                            .insert(format!("evaluating the `bound` fails: {}", e.describe()));
                    });
                    return false;
                }
            }
        }
        true
    }

    fn properties(&self) -> Vec<Property<Self>> {
        let mut out: Vec<Property<Self>> = self
            .checked
            .iter()
            .enumerate()
            .map(|(slot, &(_, name, always))| {
                if always {
                    Property::always(name, PREDICATES[slot])
                } else {
                    Property::sometimes(name, PREDICATES[slot])
                }
            })
            .collect();
        // Stateright stops expanding a state once every property has a
        // discovery; a property that never has one keeps it exploring all.
        out.push(Property::always(EXPLORE_ALL, |_, _| true));
        out
    }
}

/// What Stateright's breadth-first checker found.
#[derive(Clone, Debug)]
pub struct ReferenceResult {
    /// Distinct states.
    pub states: u64,
    /// (dsmc property index, whether Stateright found a counterexample for
    /// an `always` property or an example for a `sometimes` one).
    pub discoveries: Vec<(usize, bool)>,
    /// What failed at run time: such a property has no verdict, and a
    /// failed step is a finding.
    pub failures: Failures,
    /// Why the search stopped before its end, if it did. Then `states`
    /// counts what was stored, a discovery is still real (a counterexample
    /// of an `always`, an example of a `sometimes`), but the lack of one
    /// establishes nothing.
    pub stop: Option<StopReason>,
}

/// The limits a reference check runs under, as dsmc's explorer takes them
/// ([`crate::explore::Options`]). They are looked at every
/// [`WATCH_PERIOD`], so a search may store a few more states than
/// `max_states`.
#[derive(Clone, Debug, Default)]
pub struct ReferenceLimits {
    /// Stop once this many distinct states are stored.
    pub max_states: Option<u64>,
    /// The limit a memory request of `stop` stands for. The library does
    /// not measure the process: the caller watches it and asks through
    /// `stop` (the CLI's watchdog does).
    pub max_memory: Option<MemoryLimit>,
    /// Stop after this long.
    pub timeout: Option<Duration>,
    /// Stop when asked: an interrupt, or the memory limit reached.
    pub stop: Option<StopSignal>,
}

impl ReferenceLimits {
    /// The limit reached, if any, with `states` stored after `elapsed`;
    /// in the order dsmc's explorer looks at them.
    fn reached(&self, states: u64, elapsed: Duration) -> Option<StopReason> {
        if let Some(m) = self.max_states
            && states >= m
        {
            return Some(StopReason::MaxStates(m));
        }
        if let Some(timeout) = self.timeout
            && elapsed >= timeout
        {
            return Some(StopReason::Timeout(timeout));
        }
        self.stop.as_ref().and_then(|s| s.reason(self.max_memory))
    }
}

/// How often [`check_with_stateright_within`] looks at the limits.
pub(crate) const WATCH_PERIOD: Duration = Duration::from_millis(5);

/// Runs Stateright's BFS checker on a compiled model, without limits.
pub fn check_with_stateright(model: Arc<Model>, threads: usize) -> ReferenceResult {
    check_with_stateright_within(model, threads, &ReferenceLimits::default())
}

/// Runs Stateright's BFS checker on a compiled model under `limits`.
pub fn check_with_stateright_within(
    model: Arc<Model>,
    threads: usize,
    limits: &ReferenceLimits,
) -> ReferenceResult {
    let start = Instant::now();
    let mut reference = ReferenceModel::new(model);
    reference.initial_limits = InitialLimits {
        max_states: limits.max_states,
        budget: limits.max_memory.map(|limit| limit.budget()),
        signal: limits.stop.clone(),
    };
    let checked: Vec<(usize, &'static str)> =
        reference.checked.iter().map(|&(i, n, _)| (i, n)).collect();
    // Explore everything: by default Stateright stops once every property
    // has a discovery, which would make the counts incomparable.
    let never: std::collections::BTreeSet<&'static str> = [EXPLORE_ALL].into_iter().collect();
    let halted = Arc::clone(&reference.halted);
    let made = Arc::clone(&reference.made);
    let mut stop = None;
    // The naps grow to WATCH_PERIOD, so that a small check (the
    // differential tests run hundreds) does not wait for the watcher.
    let mut nap = Duration::from_micros(50);
    let mut watch = |states: u64| {
        if stop.is_none() {
            stop = limits.reached(states, start.elapsed());
            if stop.is_some() {
                halted.store(true, Ordering::Relaxed);
            }
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(WATCH_PERIOD);
    };
    // Stateright takes the initial states in the thread that spawns its
    // checker: another one does, so that this one watches the limits while
    // they are made, and then while the checker's threads run.
    let spawning = std::thread::spawn(move || {
        reference
            .checker()
            .threads(threads.max(1))
            .finish_when(stateright::HasDiscoveries::AllOf(never))
            .spawn_bfs()
    });
    while !spawning.is_finished() {
        watch(made.load(Ordering::Relaxed));
    }
    let mut checker = spawning
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    let handles = checker.handles();
    while !handles.iter().all(std::thread::JoinHandle::is_finished) {
        watch(checker.unique_state_count() as u64);
    }
    for handle in handles {
        if let Err(panic) = handle.join() {
            std::panic::resume_unwind(panic);
        }
    }
    // Stateright rebuilds the discoveries' paths through the model's steps.
    checker.model().halted.store(false, Ordering::Relaxed);
    let found = checker.discoveries();
    ReferenceResult {
        states: checker.unique_state_count() as u64,
        discoveries: checked
            .into_iter()
            .map(|(i, name)| (i, found.contains_key(name)))
            .collect(),
        failures: checker
            .model()
            .failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone(),
        stop,
    }
}
