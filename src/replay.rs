//! Replaying a counterexample through the model: the check that a trace
//! the explorer reports is a real behaviour of the spec, which the tests
//! run on every counterexample they see.

use crate::explore::Trace;
use crate::model::{Model, Outcome, Scratch};

/// Why a trace is not a behaviour of the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayError {
    /// The model's initial states cannot be computed: why.
    NoInitialStates(String),
    /// The first state is not an initial state (or there is none).
    NotInitial,
    /// Step `step` (1-based) does not lead from its state to the next.
    NotAStep {
        /// 1-based: the first step is 1.
        step: usize,
    },
    /// The trace says its last step fails, and from its last state that
    /// step does not fail.
    DoesNotFail,
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplayError::NoInitialStates(why) => write!(f, "{why}"),
            ReplayError::NotInitial => write!(f, "it does not start in an initial state"),
            ReplayError::NotAStep { step } => write!(f, "step {step} is not a step of the model"),
            ReplayError::DoesNotFail => write!(f, "the failing step does not fail"),
        }
    }
}

/// Replays `trace` through `model`: it starts in an initial state, every
/// step is one the model generates from its state and leads to the next
/// state, and a failing last step (`Trace::failed`) fails there.
pub fn replay(model: &Model, trace: &Trace) -> Result<(), ReplayError> {
    let initial = model
        .initial_states()
        .map_err(|e| ReplayError::NoInitialStates(e.describe()))?;
    if !trace.states.first().is_some_and(|s| initial.contains(s)) {
        return Err(ReplayError::NotInitial);
    }
    let mut scratch = Scratch::default();
    for (i, step) in trace.steps.iter().enumerate() {
        let Some(after) = trace.states.get(i + 1) else {
            return Err(ReplayError::NotAStep { step: i + 1 });
        };
        let mut found = false;
        model.successors(&trace.states[i], &mut scratch, &mut |s, outcome| {
            if let Outcome::Next(next) = outcome {
                found |= s == *step && next == after.as_slice();
            }
        });
        if !found {
            return Err(ReplayError::NotAStep { step: i + 1 });
        }
    }
    if let Some((step, _)) = &trace.failed {
        let last = trace.states.last().ok_or(ReplayError::NotInitial)?;
        let mut fails = false;
        model.successors(last, &mut scratch, &mut |s, outcome| {
            fails |= s == *step && matches!(outcome, Outcome::Error(_));
        });
        if !fails {
            return Err(ReplayError::DoesNotFail);
        }
    }
    Ok(())
}
