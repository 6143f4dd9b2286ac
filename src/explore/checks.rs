//! What is tested of each state and step: the state tests and their
//! cache, bounds, step properties.
//!
//! Phase 2 tests each new state (invariants, variants, reachables, bounds)
//! through a cache ([`PredCache`]) keyed by the bits the properties and
//! bounds read (`Model::property_reads`) when those lie in at most two
//! words, else by the fixed part when it takes at most two words, and only
//! with at most [`MAX_TESTED`] properties; an entry keeps which properties
//! its bits cover. A batch skips reachables already reached and invariants
//! already violated. Every expression of a checked property is evaluated in
//! every reachable state ([`state_eval`]): a failure sets [`EVAL_FAILED`]
//! and the state is tested again property by property, so the step forms
//! ([`violates_on_step`]) and the liveness phase need not, and do not, read
//! a failure as false.

use crate::model::{CompiledProperty, Model, Packing, Pred, RtError, RtErrorKind, RtResult};

use super::batch::Found;
use super::outcome::{EvalError, Evaluated};

/// A stored state as the model lays it out: unpacked when states are
/// packed (`packed`).
pub(super) fn ordinary_form(packed: Option<&Packing>, model: &Model, stored: &[u64]) -> Vec<u64> {
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
pub(super) const MAX_TESTED: usize = 61;

/// The bit of [`state_tests`] that says every `bound` holds.
pub(super) const INSIDE_BOUNDS: u64 = 1 << 63;

/// The bit of [`state_tests`] that says an evaluation failed: phase 2
/// then evaluates each property and bound again, to say which
/// ([`state_eval`]). Below [`FREE`], which marks no test result.
pub(super) const EVAL_FAILED: u64 = 1 << 61;

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
pub(super) fn state_tests(
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

/// What the tests of a new state say of it ([`test_new_state`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tested {
    /// Inside every `bound` (`true`, to be expanded) or outside one
    /// (`false`: pruned).
    Bounds(bool),
    /// A bound could not be evaluated: a finding; the state is neither
    /// expanded nor counted as pruned.
    BoundFailed,
    /// A test was stopped by a limit ([`crate::model::halt`]): the state
    /// stays untested, and the search stops.
    Interrupted,
}

/// Tests a new state, stored as `id` and first generated with `key`, as
/// the single process's phase 2 does, for it and for a distributed worker:
/// each property in `open` (its answer taken from `tests`, the bits of
/// [`state_tests`], when given, else evaluated here); a violation or a
/// failed evaluation goes to `record` as a finding of
/// [`Evaluated::Property`], a `reachable` property's state is noted in
/// `reached`; then the bounds (from `tests`, or evaluated), whose failure
/// goes to `record` as a finding of [`Evaluated::Bound`].
#[inline]
#[allow(clippy::too_many_arguments)]
pub(crate) fn test_new_state(
    model: &Model,
    open: &[bool],
    words: &[u64],
    tests: Option<u64>,
    locals: &mut Vec<i64>,
    (key, id): ((u32, u64, u32), u64),
    reached: &mut [bool],
    mut record: impl FnMut(Evaluated, Found),
) -> Tested {
    let found = |what, error: Option<RtError>| Found {
        key,
        id,
        step: None,
        error: error.map(|error| EvalError { what, error }),
    };
    for (index, prop) in model.properties.iter().enumerate() {
        if !open[index] {
            continue;
        }
        let hit = match tests {
            Some(tests) => Ok(tests & (1 << index) != 0),
            None => state_eval(prop, model, words, locals),
        };
        let error = match hit {
            Ok(false) => continue,
            Ok(true) => None,
            Err(error) if error.kind == RtErrorKind::Interrupted => return Tested::Interrupted,
            Err(error) => Some(error),
        };
        if error.is_none() && matches!(prop, CompiledProperty::Reachable(_)) {
            reached[index] = true;
        } else {
            let what = Evaluated::Property(index);
            record(what, found(what, error));
        }
    }
    if let Some(tests) = tests {
        return Tested::Bounds(tests & INSIDE_BOUNDS != 0);
    }
    match inside_bounds(model, words, locals) {
        Ok(inside) => Tested::Bounds(inside),
        Err((_, error)) if error.kind == RtErrorKind::Interrupted => Tested::Interrupted,
        Err((index, error)) => {
            let what = Evaluated::Bound(index);
            record(what, found(what, Some(error)));
            Tested::BoundFailed
        }
    }
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
) -> RtResult<bool> {
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
pub(crate) fn truth(
    pred: &Pred,
    model: &Model,
    state: &[u64],
    locals: &mut Vec<i64>,
) -> RtResult<bool> {
    Ok(pred.eval(model, state, locals)? != 0)
}

/// The bits of a state that phase 2 caches [`state_tests`] by: at most two
/// words of the fixed part, each with a mask.
pub(super) type PredKey = [(usize, u64); 2];

/// Whether phase 2 may cache [`state_tests`], and by what: the bits the
/// properties and bounds read ([`Model::property_reads`]) when they lie in
/// at most two words; else the whole fixed part when it takes at most two
/// words (for packed states, without the network's bits). Never when
/// there are more properties than the tests' bits.
pub(super) fn pred_key(model: &Model, packed: Option<&Packing>) -> Option<PredKey> {
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
pub(super) struct PredCache {
    /// (key, tests, which properties the tests cover); `tests == FREE`:
    /// empty.
    pub(super) slots: Vec<([u64; 2], u64, u64)>,
}

/// Slots of a [`PredCache`].
pub(super) const PRED_CACHE_SLOTS: usize = 1 << 12;

/// A free slot of a [`PredCache`] (no test result has bit 62 set).
pub(super) const FREE: u64 = 1 << 62;

impl PredCache {
    #[inline]
    pub(super) fn home(key: [u64; 2]) -> usize {
        let h = (key[0] ^ key[1].rotate_left(31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> 40) as usize & (PRED_CACHE_SLOTS - 1)
    }

    /// The tests kept for `key` and which properties they cover.
    #[inline]
    pub(super) fn get(&self, key: [u64; 2]) -> Option<(u64, u64)> {
        let (k, tests, known) = *self.slots.get(Self::home(key))?;
        (tests != FREE && k == key).then_some((tests, known))
    }

    /// Keeps `tests` (covering `known`) for `key`, in place of what its
    /// slot held.
    #[inline]
    pub(super) fn insert(&mut self, key: [u64; 2], tests: u64, known: u64) {
        if self.slots.is_empty() {
            self.slots = vec![([0, 0], FREE, 0); PRED_CACHE_SLOTS];
        }
        self.slots[Self::home(key)] = (key, tests, known);
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
) -> RtResult<bool> {
    Ok(in_force(prop, model, before, locals)? && breaks(prop, model, before, after, locals)?)
}

/// The half of [`violates_on_step`] that reads the state before the step
/// only: whether some step from `before` could violate the property.
pub(crate) fn in_force(
    prop: &CompiledProperty,
    model: &Model,
    before: &[u64],
    locals: &mut Vec<i64>,
) -> RtResult<bool> {
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
) -> RtResult<bool> {
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
