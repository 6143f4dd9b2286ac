//! Traces through stored states, made concrete under symmetry.

use crate::model::{Model, Outcome, Scratch, Step};

use super::batch::{Found, StepEnd};
use super::outcome::Trace;

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
pub(super) fn first_step_to(
    model: &Model,
    from: &[u64],
    to: &[u64],
    scratch: &mut Scratch,
) -> Option<Step> {
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
