//! The liveness predicates' values over every state, in one pass
//! ([`Explorer::eval_properties`]): each state is loaded once for all the
//! predicates of all the properties, and states that agree on the bits the
//! predicates read share their values ([`ValueCache`]).

use rayon::prelude::*;

use super::rows::Rows;
use super::{Column, Dense, Evaluated, query_preds};
use crate::explore::Explorer;
use crate::model::{CompiledProperty, Pred, RtError, halt};

/// The values of one predicate by the bits of a state it may read (the
/// search's key of state tests): a small direct-mapped table, one per
/// thread of [`Explorer::eval_columns`], where a new entry replaces the one
/// in its slot.
#[derive(Default)]
pub(super) struct ValueCache {
    /// (key, value); empty slots are `None`.
    pub(super) slots: Vec<Option<([u64; 2], i64)>>,
}

impl ValueCache {
    const SLOTS: usize = 1 << 12;

    pub(super) fn home(key: [u64; 2]) -> usize {
        let h = (key[0] ^ key[1].rotate_left(31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> 40) as usize & (Self::SLOTS - 1)
    }

    pub(super) fn get(&self, key: [u64; 2]) -> Option<i64> {
        match self.slots.get(Self::home(key)) {
            Some(&Some((k, v))) if k == key => Some(v),
            _ => None,
        }
    }

    pub(super) fn insert(&mut self, key: [u64; 2], value: i64) {
        if self.slots.is_empty() {
            self.slots = vec![None; Self::SLOTS];
        }
        self.slots[Self::home(key)] = Some((key, value));
    }
}

impl Explorer<'_> {
    /// The columns of every property of `props` (index, property), each
    /// in the order of [`query_preds`]: every predicate of every property
    /// evaluated in one pass over the states ([`Self::eval_columns`]), so
    /// that each state is loaded once for all of them. A predicate shared
    /// by several properties is still evaluated once for each.
    pub(in crate::explore) fn eval_properties(
        &self,
        dense: &Dense,
        props: &[(usize, &CompiledProperty)],
    ) -> Vec<(usize, Vec<Evaluated>)> {
        let per_prop: Vec<Vec<(&Pred, bool)>> =
            props.iter().map(|&(_, prop)| query_preds(prop)).collect();
        let all: Vec<(&Pred, bool)> = per_prop.iter().flatten().copied().collect();
        // Each of these properties searches once (unless its predicates
        // fail): all but the last keep the steps they compute for the
        // ones after them.
        *dense.rows.lock().expect("no panic holds it") =
            Rows::new(self.shared.sym.is_some(), props.len());
        let mut columns = self.eval_columns(dense, &all).into_iter();
        (props.iter().zip(&per_prop))
            .map(|(&(p, _), preds)| (p, columns.by_ref().take(preds.len()).collect()))
            .collect()
    }

    /// Evaluates predicates on every state, in one pass (each state is
    /// loaded once for all of them), into a column each in dense order:
    /// truth values, or the values themselves for those marked `true`.
    /// `Err` for a predicate: the first state (in dense order) where it
    /// fails, and why.
    pub(super) fn eval_columns(&self, dense: &Dense, preds: &[(&Pred, bool)]) -> Vec<Evaluated> {
        const CHUNK: usize = 1 << 10;
        let model = self.shared.model;
        let n = dense.globals.len();
        let mut columns: Vec<Column> = (preds.iter())
            .map(|&(_, value)| match value {
                true => Column::Value(vec![0; n]),
                false => Column::Truth(vec![false; n]),
            })
            .collect();
        // By run of `CHUNK` states: its part of each column.
        enum Part<'a> {
            Truth(&'a mut [bool]),
            Value(&'a mut [i64]),
        }
        let mut runs: Vec<Vec<Part>> = (0..n.div_ceil(CHUNK)).map(|_| Vec::new()).collect();
        for column in columns.iter_mut() {
            match column {
                Column::Truth(v) => (v.chunks_mut(CHUNK).zip(runs.iter_mut()))
                    .for_each(|(part, run)| run.push(Part::Truth(part))),
                Column::Value(v) => (v.chunks_mut(CHUNK).zip(runs.iter_mut()))
                    .for_each(|(part, run)| run.push(Part::Value(part))),
            }
        }
        // The failure reported is the first in dense order, whatever the
        // threads.
        type First = std::sync::Mutex<Option<(usize, u64, RtError)>>;
        let first: Vec<First> = preds.iter().map(|_| First::default()).collect();
        // The predicates read only the bits of the search's key of state
        // tests: states that agree on them share their values.
        let key_of = |state: &[u64]| {
            (self.shared.pred_key).map(|[(a, ma), (b, mb)]| [state[a] & ma, state[b] & mb])
        };
        runs.into_par_iter().enumerate().for_each_init(
            // An evaluation that runs long stops when the check must (see
            // `Explorer::liveness`).
            || {
                let watch = halt::Watch::new(&self.halt.flag);
                let caches: Vec<ValueCache> = preds.iter().map(|_| ValueCache::default()).collect();
                (Vec::new(), Vec::new(), caches, watch)
            },
            |(locals, state, caches, _), (r, mut parts)| {
                let start = r * CHUNK;
                for d in start..n.min(start + CHUNK) {
                    let g = dense.globals[d];
                    self.load(g, state);
                    let key = key_of(state);
                    let each = preds.iter().zip(caches.iter_mut()).zip(&mut parts);
                    for (p, (((pred, _), cache), part)) in each.enumerate() {
                        let value = match key.and_then(|k| cache.get(k)) {
                            Some(v) => Ok(v),
                            None => pred.eval(model, state, locals),
                        };
                        match value {
                            Ok(v) => {
                                if let Some(k) = key {
                                    cache.insert(k, v);
                                }
                                match part {
                                    Part::Truth(t) => t[d - start] = v != 0,
                                    Part::Value(t) => t[d - start] = v,
                                }
                            }
                            Err(e) => {
                                let mut first = first[p].lock().expect("no panic holds it");
                                if first.as_ref().is_none_or(|(at, _, _)| d < *at) {
                                    *first = Some((d, g, e));
                                }
                            }
                        }
                    }
                }
            },
        );
        (columns.into_iter().zip(first))
            .map(
                |(column, first)| match first.into_inner().expect("no panic holds it") {
                    Some((_, g, e)) => Err((g, e)),
                    None => Ok(column),
                },
            )
            .collect()
    }
}
