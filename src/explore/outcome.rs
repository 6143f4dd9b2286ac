//! What a search found: traces, lassos, verdicts, coverage.

use std::time::Duration;

use crate::model::{Model, Packing, RtError, Step};
use crate::typed::NodeKindId;

use super::options::Stop;

/// A path through the state space.
#[derive(Clone, Debug)]
pub struct Trace {
    /// `states[0]` is initial; `steps[i]` leads from `states[i]` to `states[i + 1]`.
    pub states: Vec<Vec<u64>>,
    /// The steps between consecutive states, one fewer than the states.
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
    /// Which property, `bound` or `done when` was being evaluated.
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
    /// The property holds in every explored behaviour.
    Holds,
    /// With the shortest counterexample (for `reachable`: none).
    Violated(Option<Trace>),
    /// Not checked by this engine (or `allow deadlock` for deadlocks).
    Unchecked,
    /// Not checked: left out by [`Options::properties`](super::Options::properties) (`--property`).
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
    pub symmetry: Vec<NodeKindId>,
}

/// What the exploration exercised, per node kind: by action index and by
/// handler index, whether the step was ever taken; and by message kind,
/// whether a message of that kind was in the network of a stored state.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Coverage {
    /// By node kind, then action index: whether the action was ever taken.
    pub actions: Vec<Vec<bool>>,
    /// By node kind, then handler index: whether the handler ever ran.
    pub handlers: Vec<Vec<bool>>,
    /// By [`crate::typed::MessageId`]: sent (or injected) at least once.
    pub sent: Vec<bool>,
}

impl Coverage {
    pub(crate) fn new(model: &Model) -> Coverage {
        Coverage {
            actions: (model.task_counts().iter())
                .map(|&(actions, _)| vec![false; actions])
                .collect(),
            handlers: (model.task_counts().iter())
                .map(|&(_, handlers)| vec![false; handlers])
                .collect(),
            sent: vec![false; model.message_kinds()],
        }
    }

    /// Marks the kinds of the messages in a stored state's network
    /// (`packed` says how it is stored).
    pub(crate) fn mark_network(
        sent: &mut [bool],
        model: &Model,
        packed: Option<&Packing>,
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
