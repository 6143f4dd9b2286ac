//! Successors recomputed for the liveness passes: a state's steps that
//! change it, computed the way the search computed them (packed states,
//! the step cache, the orbit representative under symmetry), looked up in
//! the visited set and numbered densely ([`Explorer::raw_nodes`]); or read
//! from the rows an earlier property's search kept ([`Rows`]).

use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::Dense;
use super::nodes::{Computed, Nodes, Out};
use super::rows::Rows;
use crate::explore::store::{global_id, lookup_hash, place};
use crate::explore::{Canon, Explorer, PerThread, StopReason};
use crate::model::{Memo, Model, Outcome, RtError, Scratch, Sink, Step, Task, halt};

/// The memory [`Explorer::raw_node`] works in, one per thread.
#[derive(Default)]
pub(super) struct Work {
    pub(super) scratch: Scratch,
    pub(super) memo: Memo,
    /// The state as stored, and in its ordinary form.
    pub(super) stored: Vec<u64>,
    pub(super) state: Vec<u64>,
    /// Successors not looked up yet, their words one after the other.
    pub(super) pending: Vec<Edge>,
    pub(super) words: Vec<u64>,
    /// A successor's orbit representative, under symmetry.
    pub(super) canon: Canon,
    /// A run's steps, and a state's enabled tasks, for `Explorer::take_in_piece`.
    pub(super) nodes: Nodes,
    pub(super) en: Vec<u32>,
    /// The states of a run whose rows are not kept ([`Rows`]), and their
    /// steps as computed ([`Explorer::nodes_into`]).
    pub(super) misses: Vec<u32>,
    pub(super) fresh: Nodes,
}

/// A step to a successor not looked up yet ([`Explorer::raw_nodes_in`]).
pub(super) struct Edge {
    /// Which of the states it leaves.
    pub(super) node: u32,
    pub(super) task: Option<Task>,
    /// Under symmetry, the number of the renaming that maps the successor
    /// to the stored representative (`Symmetry::rank`); 0 otherwise.
    pub(super) renaming: u64,
    /// Where the successor is, and its words in [`Work::words`].
    pub(super) shard: u32,
    pub(super) hash: u64,
    pub(super) start: u32,
    pub(super) len: u32,
}

impl Edge {
    pub(super) fn out(&self, to: u32) -> Out {
        Out {
            to,
            task: self.task,
            renaming: self.renaming,
        }
    }
}

/// A [`Work`] for each thread.
pub(super) type Pool = PerThread<Work>;

/// Hands the steps from a packed state that change it to `edge`.
pub(super) struct EdgeSink<'a, F: FnMut(&Step, &[u64])> {
    pub(super) state: &'a [u64],
    pub(super) edge: &'a mut F,
}

impl<F: FnMut(&Step, &[u64])> Sink for EdgeSink<'_, F> {
    fn same(&mut self, _: &Step) {}

    fn next(&mut self, step: &Step, next: &[u64]) {
        // One word, the usual case, without a call to `memcmp`.
        let same = match (next, self.state) {
            ([a], [b]) => a == b,
            _ => next == self.state,
        };
        if !same {
            (self.edge)(step, next)
        }
    }

    fn error(&mut self, _: &Step, _: &RtError) {}

    fn fault(&mut self, step: &Step, next: &[u64]) {
        self.next(step, next)
    }
}

impl Explorer<'_> {
    /// The steps of dense state `index` that change it: their targets
    /// (dense) and tasks, and the tasks enabled there, in the order of
    /// [`Model::successors`] (a run of one state).
    pub(super) fn raw_node(&self, dense: &Dense, index: u32, work: &mut Work) -> Nodes {
        self.raw_nodes_in(dense, &[index], work, false)
    }

    /// [`Self::raw_node`] of each of `ids`, in parallel, in order. `Err`
    /// when the deadline passes or the stop signal comes meanwhile: the
    /// flag is read before each state, so that a piece of slow states
    /// does not hold the stop up.
    /// The rows `rows` keeps are read, not computed.
    pub(super) fn raw_nodes(
        &self,
        dense: &Dense,
        rows: &Rows,
        ids: &[u32],
        pool: &Pool,
    ) -> Result<Computed, StopReason> {
        let runs = ids
            .par_chunks(64)
            .map(|chunk| {
                let mut work = pool.take().unwrap_or_default();
                let mut nodes = Nodes::default();
                self.nodes_into(dense, rows, chunk, &mut work, &mut nodes, false);
                pool.put(work);
                nodes
            })
            .collect();
        match self.halt.flag.load(Ordering::Relaxed) {
            true => Err(self.must_stop(0, 0).unwrap_or(StopReason::Interrupted)),
            false => Ok(Computed(runs)),
        }
    }

    /// Whether a stored state lies inside every `bound`: one outside has
    /// no successors in the bounded system, and no step is enabled there;
    /// a run that reaches it stays there (docs/language.md, section 15).
    /// One whose bound could not be evaluated is a finding of the search
    /// already.
    pub(super) fn inside_bounds(&self, stored: &[u64]) -> bool {
        let model = self.shared.model;
        model.bounds.is_empty()
            || matches!(
                crate::explore::inside_bounds(model, &self.ordinary(stored), &mut Vec::new()),
                Ok(true)
            )
    }

    /// Hands `edge` each step from stored state `stored` that changes it,
    /// with the successor as stored, in the order of [`Model::successors`],
    /// computed the way the search computed them (packed states, the step
    /// cache); `state` is room for the ordinary form.
    pub(super) fn each_step<F: FnMut(&Step, &[u64])>(
        &self,
        stored: &[u64],
        state: &mut Vec<u64>,
        scratch: &mut Scratch,
        memo: &mut Memo,
        edge: &mut F,
    ) {
        let model: &Model = self.shared.model;
        match (self.shared.packed, self.shared.cached) {
            (Some(_), _) => {
                let mut sink = EdgeSink {
                    state: stored,
                    edge,
                };
                model.successors_packed(stored, scratch, memo, &mut sink);
            }
            (None, cached) => {
                state.clear();
                state.extend_from_slice(stored);
                let mut emit = |step: Step, outcome: Outcome| {
                    // A step to the same state (stuttering) neither
                    // enables nor takes a task.
                    if let Outcome::Next(next) = outcome
                        && next != state.as_slice()
                    {
                        edge(&step, next);
                    }
                };
                match cached {
                    Some(_) => model.successors_cached(state, scratch, memo, &mut emit),
                    None => model.successors(state, scratch, &mut emit),
                }
            }
        }
        memo.recorded.clear();
    }

    /// [`Self::raw_node`] of each of `ids`, with `work`'s memory. The
    /// successors are computed the way the search computed them (packed
    /// states, the step cache) and all collected first, each one's slot
    /// of the visited set fetched as it comes; then they are looked up,
    /// each one's record fetched a few ahead. When `stoppable`, a raised
    /// stop flag ends it early, with the nodes of the states before.
    pub(super) fn raw_nodes_in(
        &self,
        dense: &Dense,
        ids: &[u32],
        work: &mut Work,
        stoppable: bool,
    ) -> Nodes {
        let mut nodes = Nodes::default();
        self.raw_nodes_into(dense, ids, work, stoppable, &mut nodes);
        nodes
    }

    /// [`Self::raw_nodes_in`] into `nodes`, whose room is reused.
    pub(super) fn raw_nodes_into(
        &self,
        dense: &Dense,
        ids: &[u32],
        work: &mut Work,
        stoppable: bool,
        nodes: &mut Nodes,
    ) {
        let model: &Model = self.shared.model;
        let packed = self.shared.packed.is_some();
        let fixed_words = self.shared.store_words;
        let shards = &self.shards;
        let sym = self.shared.sym;
        let Work {
            scratch,
            memo,
            stored,
            state,
            pending,
            words,
            canon,
            ..
        } = work;
        pending.clear();
        words.clear();
        // A guard that runs long stops when the check must; its node is
        // then wrong, and dropped with the piece (`raw_nodes`).
        let _watch = stoppable.then(|| halt::Watch::new(&self.halt.flag));
        nodes.edge_start.clear();
        nodes.edges.clear();
        nodes.enabled_start.clear();
        nodes.enabled.clear();
        nodes.enabled_start.push(0);
        for (n, &index) in ids.iter().enumerate() {
            if stoppable && self.halt.flag.load(Ordering::Relaxed) {
                // The stop is due: the piece is dropped (`raw_nodes`).
                break;
            }
            self.load(dense.globals[index as usize], stored);
            if self.inside_bounds(stored) {
                let enabled = &mut nodes.enabled;
                let mut edge = |step: &Step, next: &[u64]| {
                    let task = model.task(step);
                    if let Some(t) = task {
                        enabled.push(t);
                    }
                    let start = words.len();
                    let renaming = match sym {
                        None => {
                            words.extend_from_slice(next);
                            0
                        }
                        Some(sym) => {
                            words.extend_from_slice(canon.of(model, sym, self.shared.packed, next));
                            sym.rank(canon.renaming())
                        }
                    };
                    let next = &words[start..];
                    let placed = place(next, fixed_words);
                    let hash = lookup_hash(placed, packed);
                    shards[placed.0].prefetch_slot(hash);
                    shards[placed.0].prefetch_network(hash);
                    pending.push(Edge {
                        node: n as u32,
                        task,
                        renaming,
                        shard: placed.0 as u32,
                        hash,
                        start: start as u32,
                        len: next.len() as u32,
                    });
                };
                self.each_step(stored, state, scratch, memo, &mut edge);
            }
            nodes.enabled_start.push(nodes.enabled.len() as u32);
        }
        // The edges come in the order of the states they leave: a state's
        // row starts where the edges of the states before it end.
        let n_nodes = nodes.len();
        let Nodes {
            edge_start, edges, ..
        } = nodes;
        let mut push = |e: &Edge, to: u32| {
            while edge_start.len() <= e.node as usize {
                edge_start.push(edges.len() as u32);
            }
            edges.push(e.out(to));
        };
        let words_of = |e: &Edge| &words[e.start as usize..(e.start + e.len) as usize];
        if packed {
            for (k, e) in pending.iter().enumerate() {
                if let Some(ahead) = pending.get(k + 4) {
                    shards[ahead.shard as usize].prefetch_record(ahead.hash);
                }
                if let Some(local) = shards[e.shard as usize].find(words_of(e), e.hash) {
                    push(e, dense.of(global_id(e.shard as usize, local)));
                }
            }
        } else {
            self.look_up_networked(dense, pending, words, &mut push);
        }
        while edge_start.len() <= n_nodes {
            edge_start.push(edges.len() as u32);
        }
    }

    /// [`Self::raw_nodes_into`] (stoppable), but a state whose row `rows`
    /// keeps is read from there. With `fill`, gives back the states whose
    /// successors were computed and their steps, for `Rows::take_in`.
    pub(super) fn nodes_into(
        &self,
        dense: &Dense,
        rows: &Rows,
        ids: &[u32],
        work: &mut Work,
        nodes: &mut Nodes,
        fill: bool,
    ) -> Option<(Vec<u32>, Nodes)> {
        if rows.is_empty() {
            self.raw_nodes_into(dense, ids, work, true, nodes);
            return fill.then(|| (ids.to_vec(), nodes.clone()));
        }
        let mut misses = std::mem::take(&mut work.misses);
        let mut fresh = std::mem::take(&mut work.fresh);
        misses.clear();
        misses.extend(ids.iter().copied().filter(|&i| rows.row(i).is_none()));
        self.raw_nodes_into(dense, &misses, work, true, &mut fresh);
        nodes.start();
        let mut k = 0;
        for &i in ids {
            match rows.row(i) {
                Some(at) => rows.append_to(at, nodes),
                // Stopped before its end: the piece is dropped.
                None if k >= fresh.len() => break,
                None => {
                    nodes.append(&fresh, k);
                    k += 1;
                }
            }
        }
        let out = (fill && !misses.is_empty()).then(|| (misses.clone(), fresh.clone()));
        work.misses = misses;
        work.fresh = fresh;
        out
    }

    /// The lookups of [`Self::raw_nodes_in`] for states with networks:
    /// hands `push` each pending edge whose successor is stored, with its
    /// dense index, in order.
    pub(super) fn look_up_networked(
        &self,
        dense: &Dense,
        pending: &[Edge],
        words: &[u64],
        push: &mut impl FnMut(&Edge, u32),
    ) {
        let shards = &self.shards;
        let words_of = |e: &Edge| &words[e.start as usize..(e.start + e.len) as usize];
        // With networks, in two stages a few edges apart: the network's
        // index (its slot was fetched as the edge came) gives the record's
        // hash, whose slot is fetched; then the record is looked up.
        const AHEAD: usize = 6;
        let mut records = std::collections::VecDeque::with_capacity(AHEAD + 1);
        let record_of = |e: &Edge| {
            let shard = &shards[e.shard as usize];
            let record = shard.find_record(words_of(e), e.hash);
            if let Some(r) = record {
                shard.prefetch_record_slot(r);
            }
            record
        };
        records.extend(pending.iter().take(AHEAD).map(record_of));
        for (k, e) in pending.iter().enumerate() {
            if let Some(ahead) = pending.get(k + AHEAD) {
                records.push_back(record_of(ahead));
            }
            let record = records.pop_front().flatten();
            let shard = &shards[e.shard as usize];
            if let Some(local) = record.and_then(|r| shard.find_at(words_of(e), r)) {
                push(e, dense.of(global_id(e.shard as usize, local)));
            }
        }
    }
}
