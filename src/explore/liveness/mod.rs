//! Liveness under fairness: fair-cycle search over the explored graph.
//!
//! For `P ~> Q` the checker looks for a fair behaviour that reaches a
//! `P ∧ ¬Q` state and then never sees `Q`:
//! 1. `B`: the reachable states where `P ∧ ¬Q` holds;
//! 2. `R`: the states reachable from `B` through `¬Q` states only (the
//!    successors are recomputed and looked up in the visited set, level by
//!    level in parallel); its edges are kept in compressed rows while they
//!    fit beside the visited set, else recomputed by the later passes; the
//!    part of `R` that cycles lead to becomes a CSR graph (8 bytes per
//!    edge); a state's steps computed for one property are kept for the
//!    properties searched after it while they fit ([`Rows`]);
//! 3. the strongly connected components of `R` (iterative Tarjan);
//! 4. a component is *fair* when every weakly fair task enabled in all of its
//!    states is taken on one of its edges, and every strongly fair task
//!    enabled in any of its states is taken on one of its edges; a component
//!    that fails only the strong condition is refined by removing the states
//!    that enable the untaken task, and searched again (Emerson–Lei);
//! 5. a single state where no fair task is enabled is also a fair ending:
//!    the behaviour may stop there (a deadlock, or only unfair steps left).
//!
//! `persistent P` (`<>[]P`) is the same search with `B` the `¬P` states,
//! `R` everything reachable from them, and an acceptance condition
//! ([`Query::accept`]): a component counts only while it holds a `¬P`
//! state (re-checked after each refinement), a final state only when it
//! is one, and the lasso's cycle starts at the shallowest `¬P` state.
//!
//! Stuttering steps (a step whose successor is the same state) neither
//! enable nor take a task, as in TLA+. The first candidate (by the depth of
//! its shallowest state, then its BFS position) becomes a lasso: the shortest
//! path to a `B` state, a path inside `R` to the component, and a cycle in
//! the component that takes or disables every task fairness asks for.
//!
//! Under symmetry the stored states are orbit representatives and the graph
//! is the quotient; [`Lift`] says how its components are judged and how
//! the lasso is made a real run.
//!
//! The files, in the order of the search: `eval.rs` evaluates every
//! property's predicates in one pass; `steps.rs` recomputes a state's
//! steps (`nodes.rs`: their form); `region.rs` finds `R`, trims it and
//! makes a graph of what is left, with `kept.rs` holding `R`'s edges while
//! they fit and `rows.rs` the steps kept for the next property; `graph.rs`
//! finds the fair components; `lasso.rs` builds the counterexample. This
//! file holds the dense numbering, the query and the search of one
//! property ([`Explorer::fair_counterexample`]).

use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

mod eval;
mod graph;
mod kept;
mod lasso;
mod nodes;
mod region;
mod rows;
mod steps;

use graph::{Lift, fair_components};
use rows::Rows;
use steps::Pool;

use super::store::{Shard, split_id};
use super::{Explorer, StopReason, Trace};
use crate::model::{CompiledProperty, Pred, RtError};

/// States whose successors are computed between two checks of the limits.
const LIVENESS_CHUNK: usize = 1 << 12;

/// No task: an unfair step.
const NO_TASK: u32 = u32::MAX;

/// The states of the search, numbered densely in BFS order.
pub(super) struct Dense {
    /// Dense index → global id.
    pub globals: Vec<u64>,
    /// Global id → dense index, by shard and local index.
    by_shard: Vec<Vec<u32>>,
    /// Where each level after the first starts, in dense order: a state's
    /// depth is the number of these at or before it.
    level_starts: Vec<u32>,
    /// The steps of states that one property's search computed, kept for
    /// the searches after it ([`Rows`]); each search takes the table out
    /// while it runs and counts its bytes itself ([`Dense::bytes`] does
    /// not).
    rows: std::sync::Mutex<Rows>,
}

impl Dense {
    /// The numbering of the states the search stored, in the order it
    /// stored them (`order`: global ids, level after level; each level
    /// after the first starts at an index of `level_starts`).
    pub(super) fn new(order: Vec<u64>, level_starts: Vec<u32>, shards: &[Shard]) -> Dense {
        // Filled in parallel: each state has a slot of its own.
        let by_shard: Vec<Vec<AtomicU32>> = (shards.iter())
            .map(|s| (0..s.len()).map(|_| AtomicU32::new(u32::MAX)).collect())
            .collect();
        order.par_iter().enumerate().for_each(|(d, &g)| {
            let (s, l) = split_id(g);
            by_shard[s][l as usize].store(d as u32, Ordering::Relaxed);
        });
        Dense {
            globals: order,
            by_shard: (by_shard.into_iter())
                .map(|v| v.into_iter().map(AtomicU32::into_inner).collect())
                .collect(),
            level_starts,
            rows: Default::default(),
        }
    }

    /// The BFS depth of dense state `i` (0 for initial states).
    fn depth(&self, i: u32) -> u32 {
        self.level_starts.partition_point(|&start| start <= i) as u32
    }

    /// The dense indices of dense state `i`'s level: where it starts, and
    /// where the level after it starts (the number of states when it is
    /// the last). A step from `i` leads either to the level after or
    /// further, one level deeper, or back, to a state below that bound.
    fn level_of(&self, i: u32) -> (u32, u32) {
        let depth = self.depth(i) as usize;
        let start = depth.checked_sub(1).map_or(0, |d| self.level_starts[d]);
        let end = (self.level_starts.get(depth).copied()).unwrap_or(self.globals.len() as u32);
        (start, end)
    }

    /// Bytes held, the kept rows aside (the searches count them).
    pub(super) fn bytes(&self) -> usize {
        8 * self.globals.capacity()
            + 4 * self.level_starts.capacity()
            + self
                .by_shard
                .iter()
                .map(|v| 4 * v.capacity())
                .sum::<usize>()
    }

    fn of(&self, global: u64) -> u32 {
        let (s, l) = split_id(global);
        self.by_shard[s][l as usize]
    }
}

/// A predicate's values over every state, in dense order
/// (`Explorer::eval_columns`).
pub(super) enum Column {
    Truth(Vec<bool>),
    Value(Vec<i64>),
}

impl Column {
    /// The truth values.
    pub(super) fn truth(self) -> Vec<bool> {
        match self {
            Column::Truth(v) => v,
            Column::Value(v) => v.into_iter().map(|x| x != 0).collect(),
        }
    }

    /// The values.
    pub(super) fn values(self) -> Vec<i64> {
        match self {
            Column::Value(v) => v,
            Column::Truth(v) => v.into_iter().map(i64::from).collect(),
        }
    }
}

/// What the search is about.
pub(super) struct Query<'a> {
    /// Where a counterexample may start (`P ∧ ¬Q`).
    pub start: &'a [bool],
    /// Where it may stay (`¬Q`).
    pub stay: &'a [bool],
    /// For variants: the measure, which must stay equal on the cycle's edges.
    pub measure: Option<&'a [i64]>,
    /// For `persistent`: the states a counterexample must end in or pass
    /// through for ever (`¬P`). A final state counts only when it is one,
    /// and a fair component only when it keeps one after every refinement;
    /// the lasso's cycle then starts at the shallowest of them. `None`:
    /// any state of `R` will do.
    pub accept: Option<&'a [bool]>,
}

impl Query<'_> {
    /// Whether an edge from dense state `from` to `to` stays in `R`: it
    /// ends in `stay` and, for a variant, keeps the measure.
    fn kept(&self, from: u32, to: u32) -> bool {
        self.stay[to as usize] && (self.measure).is_none_or(|m| m[from as usize] == m[to as usize])
    }
}

/// A predicate's column over every state, or the first state (global id,
/// in dense order) where it could not be evaluated, and why.
pub(super) type Evaluated = Result<Column, (u64, RtError)>;

/// The predicates a liveness property's query is made of, in the order
/// `Explorer::liveness_query` reads their columns: `Q` then `P` for
/// leads-to and ensures, `P` for transient, and for a variant its
/// `while`, its `until` if any, then its measure (as values). Empty for a
/// property that is not a liveness property.
pub(super) fn query_preds(prop: &CompiledProperty) -> Vec<(&Pred, bool)> {
    match prop {
        CompiledProperty::LeadsTo(p, q) | CompiledProperty::Ensures(p, q) => {
            vec![(q, false), (p, false)]
        }
        CompiledProperty::Transient(p) | CompiledProperty::Persistent(p) => vec![(p, false)],
        CompiledProperty::Variant {
            measure,
            while_cond,
            until,
        } => {
            let mut preds = vec![(while_cond, false)];
            preds.extend(until.iter().map(|u| (u, false)));
            preds.push((measure, true));
            preds
        }
        _ => Vec::new(),
    }
}

/// The bytes a state takes in the columns of `preds` ([`Column`]: a byte
/// for a truth value, 8 for a value).
pub(super) fn column_bytes(preds: &[(&Pred, bool)]) -> usize {
    preds
        .iter()
        .map(|&(_, value)| if value { 8 } else { 1 })
        .sum()
}

impl Explorer<'_> {
    /// Searches for a fair behaviour that starts in `query.start` and stays
    /// in `query.stay` for ever; returns it as a lasso. `Err` when a limit
    /// stopped the search.
    pub(super) fn fair_counterexample(
        &self,
        dense: &Dense,
        query: &Query,
    ) -> Result<Option<Trace>, StopReason> {
        // The rows kept by the searches before this one; handed on to the
        // next while one is to come (dropped when a limit stops this one).
        let mut rows = std::mem::take(&mut *dense.rows.lock().expect("no panic holds it"));
        rows.searches = rows.searches.saturating_sub(1);
        let found = self.fair_counterexample_with(dense, query, &mut rows)?;
        if rows.searches > 0 {
            *dense.rows.lock().expect("no panic holds it") = rows;
        }
        Ok(found)
    }

    /// [`Self::fair_counterexample`] with the rows kept so far.
    fn fair_counterexample_with(
        &self,
        dense: &Dense,
        query: &Query,
        rows: &mut Rows,
    ) -> Result<Option<Trace>, StopReason> {
        let pool = Pool::default();
        let mut region = self.region(dense, query, rows, &pool)?;
        let rows = &*rows;
        if region.states.is_empty() {
            return Ok(None);
        }
        let rank = |i: u32| (dense.depth(i), i);
        // (rank, representative dense state, its component in `g`; none:
        // stop there).
        type Best = ((u32, u32), u32, Option<Vec<u32>>);
        let mut best: Option<Best> = None;
        let accepted = |i: u32| query.accept.is_none_or(|a| a[i as usize]);
        for (&i, _) in region
            .states
            .iter()
            .zip(&region.idle)
            .filter(|(i, idle)| **idle && accepted(**i))
        {
            if best.as_ref().is_none_or(|(r, _, _)| rank(i) < *r) {
                best = Some((rank(i), i, None));
            }
        }
        // Without a step of `R` back to a state no deeper than its source,
        // the depth grows along every step: no cycle to look for.
        if region.back {
            self.trim(dense, query, &mut region, rows, &pool)?;
        } else {
            // No cycle: nothing to trim down to, nor a graph to build.
            region.in_degree = Vec::new();
            region.kept = None;
            region.targets = None;
        }
        let g = self.rest_graph(dense, query, &region, rows, &pool)?;
        let mut lift = (self.shared.sym).map(|sym| Lift::new(self.shared.model, sym));
        // By node of `g`: a state the cycle must pass through.
        let accept: Option<Vec<bool>> =
            (query.accept).map(|a| g.states.iter().map(|&i| a[i as usize]).collect());
        for component in fair_components(&g, lift.as_mut(), accept.as_deref()) {
            let rep = (component.iter().map(|&v| g.states[v as usize]))
                .filter(|&i| accepted(i))
                .min_by_key(|&i| rank(i))
                .expect("a fair component has a state it must pass through");
            if best.as_ref().is_none_or(|(r, _, _)| rank(rep) < *r) {
                best = Some((rank(rep), rep, Some(component)));
            }
        }
        let Some((_, rep, component)) = best else {
            return Ok(None);
        };
        let walk = self.path_in_region(dense, query, &region, rep, rows, &pool);
        Ok(Some(match lift {
            None => self.lasso(dense, &g, walk, component),
            Some(mut lift) => self.lifted_lasso(dense, &g, walk, component, &mut lift),
        }))
    }
}
