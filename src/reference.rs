//! The compiled model as a [`stateright::Model`], so that Stateright's own
//! checker can explore a dsmc spec: a reference engine for differential
//! tests (`dsmc check --engine stateright`).
//!
//! Only state properties translate: `invariant` becomes `always`,
//! `reachable` becomes `sometimes`. Step properties, deadlock and
//! liveness stay with dsmc's explorer.

use std::sync::Arc;

use stateright::{Checker, Model as _, Property};

use crate::model::{CompiledProperty, Model, Outcome, Scratch, Step};

/// A state, as Stateright stores it: dsmc's packed words, and the model
/// that reads them, so that Stateright's messages (which print states with
/// `{:?}`) show every variable by name. Equality and hashing see only the
/// words.
#[derive(Clone)]
pub struct State {
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
pub struct ReferenceModel {
    model: Arc<Model>,
    /// (dsmc property index, leaked name) of the properties Stateright checks.
    checked: Vec<(usize, &'static str, bool)>,
    /// What failed at run time. Stateright's interface has no room for a
    /// failure (a step is taken or not, a property is true or false), so
    /// failures are kept aside here and reported after the search, never
    /// read as "no step" or "false".
    failures: std::sync::Mutex<Failures>,
}

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
        }
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
            Ok(initial) => (0..initial.len())
                .map(|i| {
                    let mut words = Vec::new();
                    initial.state(i, &mut words);
                    self.state(words)
                })
                .collect(),
            Err(e) => {
                self.fail(|f| {
                    f.steps.insert(format!(
                        "computing the initial states failed: {}",
                        e.describe()
                    ));
                });
                Vec::new()
            }
        }
    }

    fn actions(&self, state: &State, actions: &mut Vec<Action>) {
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
}

/// Runs Stateright's BFS checker on a compiled model.
pub fn check_with_stateright(model: Arc<Model>, threads: usize) -> ReferenceResult {
    let reference = ReferenceModel::new(model);
    let checked: Vec<(usize, &'static str)> =
        reference.checked.iter().map(|&(i, n, _)| (i, n)).collect();
    // Explore everything: by default Stateright stops once every property
    // has a discovery, which would make the counts incomparable.
    let never: std::collections::BTreeSet<&'static str> = [EXPLORE_ALL].into_iter().collect();
    let checker = reference
        .checker()
        .threads(threads.max(1))
        .finish_when(stateright::HasDiscoveries::AllOf(never))
        .spawn_bfs()
        .join();
    ReferenceResult {
        states: checker.unique_state_count() as u64,
        discoveries: checked
            .into_iter()
            .map(|(i, name)| (i, checker.discovery(name).is_some()))
            .collect(),
        failures: checker
            .model()
            .failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone(),
    }
}
