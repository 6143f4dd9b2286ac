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

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

mod graph;
mod rows;

use graph::{Graph, Lift, fair_components, fair_cycle};
use rows::Rows;

use super::store::{Shard, global_id, lookup_hash, place, split_id};
use super::{Explorer, Lasso, StopReason, Trace};
use crate::model::{
    CompiledProperty, Memo, Model, Outcome, Perms, Pred, RtError, Scratch, Sink, Step, Symmetry,
    Task, halt,
};

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
/// ([`Explorer::eval_columns`]).
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

/// The memory [`Explorer::raw_node`] works in, one per thread.
#[derive(Default)]
struct Work {
    scratch: Scratch,
    memo: Memo,
    /// The state as stored, and in its ordinary form.
    stored: Vec<u64>,
    state: Vec<u64>,
    /// Successors not looked up yet, their words one after the other.
    pending: Vec<Edge>,
    words: Vec<u64>,
    /// A successor's orbit representative, under symmetry.
    canon: super::Canon,
    /// A run's steps, and a state's enabled tasks, for [`Explorer::take_in_piece`].
    nodes: Nodes,
    en: Vec<u32>,
    /// The states of a run whose rows are not kept ([`Rows`]), and their
    /// steps as computed ([`Explorer::nodes_into`]).
    misses: Vec<u32>,
    fresh: Nodes,
}

/// A step to a successor not looked up yet ([`Explorer::raw_nodes_in`]).
struct Edge {
    /// Which of the states it leaves.
    node: u32,
    task: Option<Task>,
    /// Under symmetry, the number of the renaming that maps the successor
    /// to the stored representative ([`Symmetry::rank`]); 0 otherwise.
    renaming: u64,
    /// Where the successor is, and its words in [`Work::words`].
    shard: u32,
    hash: u64,
    start: u32,
    len: u32,
}

impl Edge {
    fn out(&self, to: u32) -> Out {
        Out {
            to,
            task: self.task,
            renaming: self.renaming,
        }
    }
}

/// Tasks by index: a map with a multiplicative hash (tasks are looked up
/// once per edge of `R`, and are not chosen by an adversary).
type TaskIndex = HashMap<Task, u32, std::hash::BuildHasherDefault<TaskHasher>>;

/// The hasher of [`TaskIndex`].
#[derive(Default)]
struct TaskHasher(u64);

impl std::hash::Hasher for TaskHasher {
    fn finish(&self) -> u64 {
        let h = self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^ (h >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(23) ^ x).wrapping_mul(0xff51_afd7_ed55_8ccd);
    }

    fn write_u128(&mut self, x: u128) {
        self.write_u64(x as u64);
        self.write_u64((x >> 64) as u64);
    }

    fn write_u8(&mut self, x: u8) {
        self.write_u64(x as u64);
    }
}

/// The values of one predicate by the bits of a state it may read (the
/// search's key of state tests): a small direct-mapped table, one per
/// thread of [`Explorer::eval_all_as`], where a new entry replaces the one
/// in its slot.
#[derive(Default)]
struct ValueCache {
    /// (key, value); empty slots are `None`.
    slots: Vec<Option<([u64; 2], i64)>>,
}

impl ValueCache {
    const SLOTS: usize = 1 << 12;

    fn home(key: [u64; 2]) -> usize {
        let h = (key[0] ^ key[1].rotate_left(31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> 40) as usize & (Self::SLOTS - 1)
    }

    fn get(&self, key: [u64; 2]) -> Option<i64> {
        match self.slots.get(Self::home(key)) {
            Some(&Some((k, v))) if k == key => Some(v),
            _ => None,
        }
    }

    fn insert(&mut self, key: [u64; 2], value: i64) {
        if self.slots.is_empty() {
            self.slots = vec![None; Self::SLOTS];
        }
        self.slots[Self::home(key)] = Some((key, value));
    }
}

/// A [`Work`] for each thread.
type Pool = super::PerThread<Work>;

/// Hands the steps from a packed state that change it to `edge`.
struct EdgeSink<'a, F: FnMut(&Step, &[u64])> {
    state: &'a [u64],
    edge: &'a mut F,
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

/// A step of a state that changes it: its target (dense) as stored, its
/// task, and under symmetry the number of the renaming that maps the
/// successor to the stored target ([`Symmetry::rank`]; 0 otherwise).
#[derive(Clone, Copy)]
struct Out {
    to: u32,
    task: Option<Task>,
    renaming: u64,
}

/// The steps of a run of states as first computed (successors and tasks
/// before interning), in compressed rows: state `k` of the run has edges
/// `edges[edge_start[k]..edge_start[k + 1]]`, and likewise enabled tasks.
/// One allocation per run rather than per state.
#[derive(Default, Clone)]
struct Nodes {
    edge_start: Vec<u32>,
    edges: Vec<Out>,
    enabled_start: Vec<u32>,
    enabled: Vec<Task>,
}

impl Nodes {
    /// How many states the run has.
    fn len(&self) -> usize {
        self.enabled_start.len().saturating_sub(1)
    }

    /// The steps of state `k` that change it, as stored targets.
    fn edges(&self, k: usize) -> &[Out] {
        &self.edges[self.edge_start[k] as usize..self.edge_start[k + 1] as usize]
    }

    /// The tasks of state `k`'s steps that change it, in step order.
    fn enabled(&self, k: usize) -> &[Task] {
        &self.enabled[self.enabled_start[k] as usize..self.enabled_start[k + 1] as usize]
    }

    /// Each state's edges and enabled tasks, in order.
    fn each(&self) -> impl Iterator<Item = (&[Out], &[Task])> {
        (0..self.len()).map(|k| (self.edges(k), self.enabled(k)))
    }

    /// Empty, ready for [`Nodes::append`] and [`Rows::append_to`].
    fn start(&mut self) {
        self.edge_start.clear();
        self.edges.clear();
        self.enabled_start.clear();
        self.enabled.clear();
        self.edge_start.push(0);
        self.enabled_start.push(0);
    }

    /// Appends state `k` of `other` as a state of its own.
    fn append(&mut self, other: &Nodes, k: usize) {
        self.edges.extend_from_slice(other.edges(k));
        self.enabled.extend_from_slice(other.enabled(k));
        self.edge_start.push(self.edges.len() as u32);
        self.enabled_start.push(self.enabled.len() as u32);
    }

    fn bytes(&self) -> usize {
        std::mem::size_of::<Out>() * self.edges.capacity()
            + std::mem::size_of::<Task>() * self.enabled.capacity()
            + 4 * (self.edge_start.capacity() + self.enabled_start.capacity())
    }
}

/// [`Nodes`] of consecutive runs of states, as [`Explorer::raw_nodes`]
/// computed them in parallel.
struct Computed(Vec<Nodes>);

impl Computed {
    /// Each state's edges and enabled tasks, in the order of the states.
    fn each(&self) -> impl Iterator<Item = (&[Out], &[Task])> {
        self.0.iter().flat_map(Nodes::each)
    }

    fn bytes(&self) -> usize {
        self.0.iter().map(Nodes::bytes).sum()
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

/// `R`, the states a counterexample may pass through, without its edges
/// ([`Explorer::region`]).
struct Region {
    /// Dense indices, in discovery order.
    states: Vec<u32>,
    /// Dense index → position in `states` (`u32::MAX` outside `R`); empty
    /// when `states` is in dense order.
    node_of: Vec<u32>,
    /// By dense index: how many edges of `R` lead to the state from states
    /// not yet trimmed ([`Explorer::trim`]); empty when there is no cycle.
    in_degree: Vec<AtomicU32>,
    /// By position: no fair task is enabled at the state.
    idle: Vec<bool>,
    /// Interned tasks: task → index, index → task.
    index_of: TaskIndex,
    tasks: Vec<Task>,
    /// `R`'s edges and enabled tasks, by position, as [`Explorer::region`]
    /// computed them, when they fit the budget it sets; else the later
    /// passes compute them again.
    kept: Option<Kept>,
    /// When `kept` would not fit: only the targets of `R`'s edges, which
    /// is all [`Explorer::trim`] needs; else it computes them again.
    targets: Option<Targets>,
    /// Whether an edge of `R` leads back: to a state no deeper than the
    /// one it leaves. Every cycle takes such an edge (depth cannot grow
    /// all the way round), so without one `R` has no cycle.
    back: bool,
}

/// A task not interned yet, in the rows of a [`TakenIn`]: `UNKNOWN + k`
/// stands for its `unknown[k]` (task indices stay far below).
const UNKNOWN: u32 = 1 << 31;

/// What the region pass shares between the threads taking a piece in.
struct Shared<'a> {
    query: &'a Query<'a>,
    /// See [`Explorer::region`].
    node_of: &'a [AtomicU32],
    in_degree: &'a [AtomicU32],
}

/// A piece of `R`'s frontier for [`Explorer::take_in_piece`].
#[derive(Clone, Copy)]
struct Piece<'a> {
    /// Its states (dense).
    ids: &'a [u32],
    /// Whether the runs' rows are wanted ([`TakenIn::rows`]).
    keep: bool,
    /// The steps kept so far, read rather than computed; with `fill`, the
    /// steps computed are handed back for it ([`TakenIn::fresh`]).
    rows: &'a Rows,
    fill: bool,
}

/// What [`Explorer::take_in_piece`] makes of a run of states of a piece.
struct TakenIn {
    /// The successors new to `R`, in no particular order.
    found: Vec<u32>,
    /// The run's rows (when edges are kept), with tasks coded: an index
    /// of the task index as the piece began, [`NO_TASK`], or `UNKNOWN + k`.
    rows: Option<Kept>,
    /// By state of the run: no fair task is enabled there.
    idle: Vec<bool>,
    /// The tasks the index did not have, in the order they were met.
    unknown: Vec<Task>,
    /// Whether an edge of `R` from the run leads back ([`Region::back`]).
    back: bool,
    /// The states whose successors were computed, and their steps, for
    /// the searches after this one ([`Rows`]), when it fills the table.
    fresh: Option<(Vec<u32>, Nodes)>,
}

impl TakenIn {
    fn bytes(&self) -> usize {
        4 * self.found.capacity()
            + self.idle.capacity()
            + self.rows.as_ref().map_or(0, Kept::bytes)
            + std::mem::size_of::<Task>() * self.unknown.capacity()
            + (self.fresh.as_ref()).map_or(0, |(ids, nodes)| 4 * ids.capacity() + nodes.bytes())
    }
}

/// `R`'s edges inside it and the tasks enabled at its states, by position
/// in `R`'s order, in compressed rows: what [`Explorer::trim`] and
/// [`Explorer::rest_graph`] would otherwise compute again. Its vectors
/// grow by an eighth at a time ([`push_lean`]), so that it holds little
/// more than it uses and fits its budget (the visited set's size) where
/// doubling would not.
#[derive(Default)]
struct Kept {
    edge_start: Vec<u32>,
    /// (target, dense; task index or `NO_TASK`).
    edges: Vec<(u32, u32)>,
    /// Under symmetry, by edge ([`Graph::renamings`]).
    renamings: Vec<u64>,
    /// Whether edges carry renamings.
    symmetric: bool,
    enabled_start: Vec<u32>,
    /// The tasks enabled at a state that none of its kept edges takes
    /// (sorted): a state's enabled tasks are these and its edges' tasks
    /// ([`Kept::enabled_at`]), most of them on edges that stay in `R`.
    enabled_off_edges: Vec<u32>,
}

/// The targets of `R`'s edges, by position in `R`'s order, in compressed
/// rows: [`Kept`] without tasks and renamings, half its room.
struct Targets {
    start: Vec<u32>,
    to: Vec<u32>,
}

impl Targets {
    /// The targets of the edges kept so far.
    fn of(kept: &Kept) -> Targets {
        Targets {
            start: kept.edge_start.clone(),
            to: kept.edges.iter().map(|&(to, _)| to).collect(),
        }
    }

    fn bytes(&self) -> usize {
        4 * (self.start.capacity() + self.to.capacity())
    }

    fn row(&self, at: usize) -> &[u32] {
        &self.to[self.start[at] as usize..self.start[at + 1] as usize]
    }

    /// Appends the targets of a run's rows ([`TakenIn::rows`]).
    fn append(&mut self, rows: &Kept) {
        fn lean<T>(v: &mut Vec<T>, more: usize) {
            if v.capacity() - v.len() < more {
                v.reserve_exact(more.max(v.len() / 8));
            }
        }
        let base = self.to.len() as u32;
        lean(&mut self.to, rows.edges.len());
        lean(&mut self.start, rows.edge_start.len());
        self.to.extend(rows.edges.iter().map(|&(to, _)| to));
        (self.start).extend(rows.edge_start[1..].iter().map(|&e| e + base));
    }
}

/// Pushes `x` on `v`, growing it by an eighth when it is full rather
/// than doubling it (a large vector's reallocation remaps its pages
/// rather than copying them).
fn push_lean<T>(v: &mut Vec<T>, x: T) {
    if v.len() == v.capacity() {
        v.reserve_exact((v.len() / 8).max(1 << 10));
    }
    v.push(x);
}

impl Kept {
    fn new(symmetric: bool) -> Kept {
        Kept {
            symmetric,
            edge_start: vec![0],
            enabled_start: vec![0],
            ..Kept::default()
        }
    }

    fn bytes(&self) -> usize {
        4 * (self.edge_start.capacity()
            + self.enabled_start.capacity()
            + self.enabled_off_edges.capacity())
            + 8 * (self.edges.capacity() + self.renamings.capacity())
    }

    fn edges(&self, at: usize) -> std::ops::Range<usize> {
        self.edge_start[at] as usize..self.edge_start[at + 1] as usize
    }

    /// Keeps an edge of the state being added (`renaming`: see
    /// [`Graph::renamings`]).
    fn push_edge(&mut self, to: u32, task: u32, renaming: u64) {
        push_lean(&mut self.edges, (to, task));
        if self.symmetric {
            push_lean(&mut self.renamings, renaming);
        }
    }

    /// Makes room for `edges` more edges, `states` more states and `off`
    /// more tasks off edges at once (a piece's), so that the vectors grow
    /// at most once a piece, by at least an eighth.
    fn reserve(&mut self, edges: usize, states: usize, off: usize) {
        fn lean<T>(v: &mut Vec<T>, more: usize) {
            if v.capacity() - v.len() < more {
                v.reserve_exact(more.max(v.len() / 8));
            }
        }
        lean(&mut self.edges, edges);
        if self.symmetric {
            lean(&mut self.renamings, edges);
        }
        lean(&mut self.edge_start, states);
        lean(&mut self.enabled_start, states);
        lean(&mut self.enabled_off_edges, off);
    }

    /// Appends the rows of a run ([`TakenIn::rows`]), their unknown tasks
    /// `UNKNOWN + k` now interned as `map[k]`.
    fn append(&mut self, rows: &Kept, map: &[u32]) {
        let (edges, off) = (self.edges.len() as u32, self.enabled_off_edges.len() as u32);
        let code = |t: u32| match t {
            NO_TASK => NO_TASK,
            t if t >= UNKNOWN => map[(t - UNKNOWN) as usize],
            t => t,
        };
        if map.is_empty() {
            self.edges.extend_from_slice(&rows.edges);
            self.enabled_off_edges
                .extend_from_slice(&rows.enabled_off_edges);
        } else {
            self.edges
                .extend(rows.edges.iter().map(|&(to, t)| (to, code(t))));
            self.enabled_off_edges
                .extend(rows.enabled_off_edges.iter().map(|&t| code(t)));
        }
        self.renamings.extend_from_slice(&rows.renamings);
        (self.edge_start).extend(rows.edge_start[1..].iter().map(|&e| e + edges));
        (self.enabled_start).extend(rows.enabled_start[1..].iter().map(|&e| e + off));
    }

    /// Ends the state being added, whose tasks enabled are `enabled` (in
    /// any order, repeated or not; left in an unspecified order).
    fn end_state(&mut self, enabled: &mut Vec<u32>) {
        let row = *self.edge_start.last().expect("starts with 0") as usize..self.edges.len();
        let row = &self.edges[row];
        // Rows are short: a scan beats sorting them.
        let on_row = |t: u32| row.iter().any(|&(_, r)| r == t);
        if enabled.len() > 16 {
            enabled.sort_unstable();
            enabled.dedup();
        }
        let first = self.enabled_off_edges.len();
        for &t in enabled.iter() {
            if !on_row(t) && !self.enabled_off_edges[first..].contains(&t) {
                push_lean(&mut self.enabled_off_edges, t);
            }
        }
        push_lean(&mut self.enabled_start, self.enabled_off_edges.len() as u32);
        push_lean(&mut self.edge_start, self.edges.len() as u32);
    }

    /// The tasks enabled at the state at position `at`, sorted, into
    /// `out`.
    fn enabled_at(&self, at: usize, out: &mut Vec<u32>) {
        out.clear();
        let on_edges = self.edges[self.edges(at)].iter().map(|&(_, t)| t);
        out.extend(on_edges.filter(|&t| t != NO_TASK));
        let off = self.enabled_start[at] as usize..self.enabled_start[at + 1] as usize;
        out.extend_from_slice(&self.enabled_off_edges[off]);
        out.sort_unstable();
        out.dedup();
    }
}

impl Region {
    /// The position of dense state `i` in `R`'s order.
    fn position(&self, i: u32) -> usize {
        match self.node_of.get(i as usize) {
            Some(&at) => at as usize,
            None => self.states.binary_search(&i).unwrap_or(usize::MAX),
        }
    }

    fn bytes(&self) -> usize {
        4 * (self.states.capacity() + self.node_of.capacity() + self.in_degree.capacity())
            + self.idle.capacity()
            + self.kept.as_ref().map_or(0, Kept::bytes)
            + self.targets.as_ref().map_or(0, Targets::bytes)
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
    /// The columns of every property of `props` (index, property), each
    /// in the order of [`query_preds`]: every predicate of every property
    /// evaluated in one pass over the states ([`Self::eval_columns`]), so
    /// that each state is loaded once for all of them. A predicate shared
    /// by several properties is still evaluated once for each.
    pub(super) fn eval_properties(
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

    /// The steps of dense state `index` that change it: their targets
    /// (dense) and tasks, and the tasks enabled there, in the order of
    /// [`Model::successors`] (a run of one state).
    fn raw_node(&self, dense: &Dense, index: u32, work: &mut Work) -> Nodes {
        self.raw_nodes_in(dense, &[index], work, false)
    }

    /// [`Self::raw_node`] of each of `ids`, in parallel, in order. `Err`
    /// when the deadline passes or the stop signal comes meanwhile: the
    /// flag is read before each state, so that a piece of slow states
    /// does not hold the stop up.
    /// The rows `rows` keeps are read, not computed.
    fn raw_nodes(
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
    fn inside_bounds(&self, stored: &[u64]) -> bool {
        let model = self.shared.model;
        model.bounds.is_empty()
            || matches!(
                super::inside_bounds(model, &self.ordinary(stored), &mut Vec::new()),
                Ok(true)
            )
    }

    /// Hands `edge` each step from stored state `stored` that changes it,
    /// with the successor as stored, in the order of [`Model::successors`],
    /// computed the way the search computed them (packed states, the step
    /// cache); `state` is room for the ordinary form.
    fn each_step<F: FnMut(&Step, &[u64])>(
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
    fn raw_nodes_in(&self, dense: &Dense, ids: &[u32], work: &mut Work, stoppable: bool) -> Nodes {
        let mut nodes = Nodes::default();
        self.raw_nodes_into(dense, ids, work, stoppable, &mut nodes);
        nodes
    }

    /// [`Self::raw_nodes_in`] into `nodes`, whose room is reused.
    fn raw_nodes_into(
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
    /// successors were computed and their steps, for [`Rows::take_in`].
    fn nodes_into(
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
    fn look_up_networked(
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

    /// Finds `R` for a query, without keeping its edges: its states in
    /// discovery order (deterministic: each level is sorted), how many of
    /// its edges lead to each, and which have no fair task enabled. The
    /// tasks are interned in the order the edges and enabled tasks of `R`'s
    /// states are met in that order.
    /// Stops (`Err`) when a limit is reached: the limits are checked before
    /// each piece of `LIVENESS_CHUNK` states.
    ///
    /// `rows`: the steps kept so far, read rather than computed; when this
    /// is not the last search, the steps computed are added to it while it
    /// fits (sharing the budget of `R`'s own kept rows).
    fn region(
        &self,
        dense: &Dense,
        query: &Query,
        rows: &mut Rows,
        pool: &Pool,
    ) -> Result<Region, StopReason> {
        if !self.backward && query.start == query.stay {
            return self.acyclic_region(dense, query);
        }
        let n = dense.globals.len();
        // By dense index: the position in `R` (`u32::MAX`: outside,
        // `u32::MAX - 1`: found for the next level), and how many edges of
        // `R` lead to the state. Atomic, as the threads that take a piece
        // in find states and count edges at once.
        let node_of: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(u32::MAX)).collect();
        let in_degree: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
        let mut frontier: Vec<u32> = (0..n as u32)
            .into_par_iter()
            .filter(|&i| query.start[i as usize] && query.stay[i as usize])
            .collect();
        for (at, &i) in frontier.iter().enumerate() {
            node_of[i as usize].store(at as u32, Ordering::Relaxed);
        }
        let mut states: Vec<u32> = frontier.clone();
        let mut index_of = TaskIndex::default();
        let mut tasks: Vec<Task> = Vec::new();
        let mut idle: Vec<bool> = Vec::new();
        let mut piece_max = 0;
        // The edges are kept while they take no more than the visited set
        // does, so that they at most double what the search held; past
        // that, the later passes compute them again.
        let budget = self.held_bytes(&[]);
        let symmetric = self.shared.sym.is_some();
        // (Without a step back, no cycle is looked for: nothing to keep.)
        let keep = self.backward && !self.options.recompute_liveness_edges;
        let mut kept = keep.then(|| Kept::new(symmetric));
        let mut targets: Option<Targets> = None;
        let mut back = false;
        let fill_rows = rows.searches > 0 && !self.options.recompute_liveness_edges;
        let shared = Shared {
            query,
            node_of: &node_of,
            in_degree: &in_degree,
        };
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for piece in frontier.chunks(LIVENESS_CHUNK) {
                // The table for later searches gives way first, then this
                // search's own rows.
                fn own(kept: &Option<Kept>, targets: &Option<Targets>) -> usize {
                    kept.as_ref().map_or(0, Kept::bytes)
                        + targets.as_ref().map_or(0, Targets::bytes)
                }
                if rows.bytes() + own(&kept, &targets) > budget {
                    rows.full = true;
                }
                let room = budget.saturating_sub(rows.bytes());
                if let Some(k) = kept.take_if(|k| k.bytes() > room) {
                    // Half the room: the trim still needs no successor.
                    targets = Some(Targets::of(&k));
                }
                if targets.as_ref().is_some_and(|t| t.bytes() > room) {
                    targets = None;
                }
                let held = |rows: &Rows| {
                    self.held_bytes(&[])
                        + dense.bytes()
                        + 8 * n
                        + states.capacity() * 4
                        + own(&kept, &targets)
                        + rows.bytes()
                };
                if self.must_stop(held(rows), piece_max).is_some() && !rows.is_empty() {
                    // The table is worth less than finishing the check.
                    rows.clear();
                }
                if let Some(reason) = self.must_stop(held(rows), piece_max) {
                    return Err(reason);
                }
                let keep_rows = kept.is_some() || targets.is_some();
                let piece = Piece {
                    ids: piece,
                    keep: keep_rows,
                    rows,
                    fill: fill_rows && !rows.full,
                };
                let taken = self.take_in_piece(dense, &shared, &piece, &index_of, pool)?;
                piece_max = piece_max.max(taken.iter().map(TakenIn::bytes).sum());
                // In order: the tasks met first are interned first, and the
                // rows follow `R`'s order.
                if let Some(k) = kept.as_mut() {
                    let rows = || taken.iter().filter_map(|t| t.rows.as_ref());
                    k.reserve(
                        rows().map(|r| r.edges.len()).sum(),
                        rows().map(|r| r.edge_start.len() - 1).sum(),
                        rows().map(|r| r.enabled_off_edges.len()).sum(),
                    );
                }
                for t in &taken {
                    let map: Vec<u32> = (t.unknown.iter())
                        .map(|&u| {
                            *index_of.entry(u).or_insert_with(|| {
                                tasks.push(u);
                                tasks.len() as u32 - 1
                            })
                        })
                        .collect();
                    if let Some(rows) = &t.rows {
                        match (kept.as_mut(), targets.as_mut()) {
                            (Some(k), _) => k.append(rows, &map),
                            (None, Some(targets)) => targets.append(rows),
                            (None, None) => {}
                        }
                    }
                    idle.extend_from_slice(&t.idle);
                    next.extend_from_slice(&t.found);
                    back |= t.back;
                    if let Some((ids, nodes)) = &t.fresh {
                        let room = budget.saturating_sub(own(&kept, &targets));
                        rows.take_in(n, ids, nodes, room);
                    }
                }
            }
            next.par_sort_unstable();
            for &i in &next {
                node_of[i as usize].store(states.len() as u32, Ordering::Relaxed);
                states.push(i);
            }
            frontier = next;
        }
        Ok(Region {
            states,
            node_of: node_of.into_iter().map(AtomicU32::into_inner).collect(),
            in_degree,
            idle,
            index_of,
            tasks,
            kept,
            targets,
            back,
        })
    }

    /// Takes a piece of `R`'s frontier in, in parallel runs of 64 states:
    /// computes their successors, finds the states new to `R` and counts
    /// the edges of `R` into each; and gives back, per run, those found,
    /// which states enable no fair task, and (when `keep`) the runs' rows,
    /// their tasks coded against `index_of` as it is ([`TakenIn`]).
    fn take_in_piece(
        &self,
        dense: &Dense,
        shared: &Shared,
        piece: &Piece,
        index_of: &TaskIndex,
        pool: &Pool,
    ) -> Result<Vec<TakenIn>, StopReason> {
        let symmetric = self.shared.sym.is_some();
        let Piece {
            ids: piece,
            keep,
            rows,
            fill,
        } = *piece;
        let taken = piece
            .par_chunks(64)
            .map(|ids| {
                let mut work = pool.take().unwrap_or_default();
                let mut nodes = std::mem::take(&mut work.nodes);
                let fresh = self.nodes_into(dense, rows, ids, &mut work, &mut nodes, fill);
                let mut out = TakenIn {
                    found: Vec::new(),
                    rows: keep.then(|| Kept::new(symmetric)),
                    idle: Vec::with_capacity(ids.len()),
                    unknown: Vec::new(),
                    back: false,
                    fresh,
                };
                let en = &mut work.en;
                let mut level = (0, 0);
                for (&i, (edges, enabled)) in ids.iter().zip(nodes.each()) {
                    let unknown = &mut out.unknown;
                    let mut code = |t: Task| -> u32 {
                        match index_of.get(&t) {
                            Some(&x) => x,
                            None => {
                                let k = match unknown.iter().position(|&u| u == t) {
                                    Some(k) => k,
                                    None => {
                                        unknown.push(t);
                                        unknown.len() - 1
                                    }
                                };
                                UNKNOWN + k as u32
                            }
                        }
                    };
                    // A run's states mostly share a level: its bounds are
                    // looked up again only when a state leaves them.
                    if !(level.0..level.1).contains(&i) {
                        level = dense.level_of(i);
                    }
                    let forward = level.1;
                    for &Out { to, task, renaming } in edges {
                        if !shared.query.kept(i, to) {
                            continue;
                        }
                        out.back |= to < forward;
                        let at = &shared.node_of[to as usize];
                        if at.load(Ordering::Relaxed) == u32::MAX
                            && at
                                .compare_exchange(
                                    u32::MAX,
                                    u32::MAX - 1,
                                    Ordering::Relaxed,
                                    Ordering::Relaxed,
                                )
                                .is_ok()
                        {
                            out.found.push(to);
                        }
                        shared.in_degree[to as usize].fetch_add(1, Ordering::Relaxed);
                        let t = task.map_or(NO_TASK, &mut code);
                        if let Some(rows) = out.rows.as_mut() {
                            rows.push_edge(to, t, renaming);
                        }
                    }
                    en.clear();
                    en.extend(enabled.iter().map(|&t| code(t)));
                    if let Some(rows) = out.rows.as_mut() {
                        rows.end_state(en);
                    }
                    out.idle.push(enabled.is_empty());
                }
                work.nodes = nodes;
                pool.put(work);
                out
            })
            .collect();
        match self.halt.flag.load(Ordering::Relaxed) {
            true => Err(self.must_stop(0, 0).unwrap_or(StopReason::Interrupted)),
            false => Ok(taken),
        }
    }

    /// [`Self::region`] when the graph has no cycle and every state of
    /// `stay` may start a counterexample: `R` is `stay`, in dense order
    /// (the order the search would number it in), and since no cycle is
    /// left to look for, only which of its states enable no fair task
    /// matters: the search noted them, so no successor is computed.
    fn acyclic_region(&self, dense: &Dense, query: &Query) -> Result<Region, StopReason> {
        let n = dense.globals.len();
        let states: Vec<u32> = (0..n as u32)
            .into_par_iter()
            .filter(|&i| query.stay[i as usize])
            .collect();
        // The search noted the states it expanded that have no fair step;
        // the others it did not expand lie outside a bound.
        let mut noted = self.idle.clone();
        noted.par_sort_unstable();
        let held = self.held_bytes(&[]) + dense.bytes() + 5 * n + 8 * noted.len();
        if let Some(reason) = self.must_stop(held, 0) {
            return Err(reason);
        }
        let idle = (states.par_iter())
            .map_init(Vec::new, |stored, &i| {
                let g = dense.globals[i as usize];
                noted.binary_search(&g).is_ok() || {
                    !self.shared.model.bounds.is_empty() && {
                        self.load(g, stored);
                        !self.inside_bounds(stored)
                    }
                }
            })
            .collect();
        Ok(Region {
            states,
            node_of: Vec::new(),
            in_degree: Vec::new(),
            idle,
            index_of: TaskIndex::default(),
            tasks: Vec::new(),
            kept: None,
            targets: None,
            back: false,
        })
    }

    /// Removes from `R`, level by level (the successors computed in
    /// parallel), every state that no
    /// edge of the rest of `R` leads to, until none is left: what remains
    /// is the part of `R` that a cycle of `R` leads to, where every cycle
    /// of `R` lies. The successors of each removed state are computed
    /// again; no edge is kept.
    fn trim(
        &self,
        dense: &Dense,
        query: &Query,
        region: &mut Region,
        rows: &Rows,
        pool: &Pool,
    ) -> Result<(), StopReason> {
        let in_degree = &region.in_degree;
        let mut frontier: Vec<u32> = (region.states.par_iter().copied())
            .filter(|&i| in_degree[i as usize].load(Ordering::Relaxed) == 0)
            .collect();
        // Takes an edge into `to` away; true: none is left.
        let unlink = |to: u32| in_degree[to as usize].fetch_sub(1, Ordering::Relaxed) == 1;
        if region.kept.is_some() || region.targets.is_some() {
            // Level by level, in parallel: which states go does not depend
            // on the order the edges are taken away in.
            let region = &*region;
            let each_target = |i: u32, gone: &mut Vec<u32>| {
                let at = region.position(i);
                let mut take = |to: u32| {
                    if unlink(to) {
                        gone.push(to);
                    }
                };
                match (&region.kept, &region.targets) {
                    (Some(kept), _) => (kept.edges[kept.edges(at)].iter()).for_each(|e| take(e.0)),
                    (None, Some(targets)) => targets.row(at).iter().for_each(|&to| take(to)),
                    (None, None) => {}
                }
            };
            while !frontier.is_empty() {
                frontier = frontier
                    .par_chunks(1 << 10)
                    .flat_map_iter(|chunk| {
                        let mut gone = Vec::new();
                        for &i in chunk {
                            each_target(i, &mut gone);
                        }
                        gone
                    })
                    .collect();
            }
            return Ok(());
        }
        let held = self.held_bytes(&[]) + dense.bytes() + region.bytes() + rows.bytes();
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for piece in frontier.chunks(LIVENESS_CHUNK) {
                if let Some(reason) = self.must_stop(held + 4 * frontier.capacity(), 0) {
                    return Err(reason);
                }
                let computed = self.raw_nodes(dense, rows, piece, pool)?;
                for (&i, (edges, _)) in piece.iter().zip(computed.each()) {
                    for &Out { to, .. } in edges {
                        if query.kept(i, to) && unlink(to) {
                            next.push(to);
                        }
                    }
                }
            }
            frontier = next;
        }
        Ok(())
    }

    /// The graph of what [`Self::trim`] left of `R`, in `R`'s order, with
    /// its edges inside and the tasks enabled at each of its states.
    fn rest_graph(
        &self,
        dense: &Dense,
        query: &Query,
        region: &Region,
        rows: &Rows,
        pool: &Pool,
    ) -> Result<Graph, StopReason> {
        let rest: Vec<u32> = (region.states.iter().copied())
            .filter(|&i| {
                (region.in_degree.get(i as usize)).is_some_and(|d| d.load(Ordering::Relaxed) > 0)
            })
            .collect();
        // By position in `R`: the state's index in `rest` (`u32::MAX`:
        // trimmed).
        let mut rest_at: Vec<u32> = vec![u32::MAX; region.states.len()];
        for (v, &i) in rest.iter().enumerate() {
            rest_at[region.position(i)] = v as u32;
        }
        let node_of =
            |to: u32| (rest_at.get(region.position(to)).copied()).filter(|&w| w != u32::MAX);
        let mut edge_start = vec![0u32];
        let mut edges: Vec<(u32, u32)> = Vec::new();
        let mut renamings: Vec<u64> = Vec::new();
        let symmetric = self.shared.sym.is_some();
        let mut enabled_start = vec![0u32];
        let mut enabled: Vec<u32> = Vec::new();
        if let Some(kept) = &region.kept {
            let mut en = Vec::new();
            for &i in &rest {
                let at = region.position(i);
                for (e, &(to, t)) in kept.edges[kept.edges(at)].iter().enumerate() {
                    if let Some(w) = node_of(to) {
                        edges.push((w, t));
                        if symmetric {
                            renamings.push(kept.renamings[kept.edge_start[at] as usize + e]);
                        }
                    }
                }
                edge_start.push(edges.len() as u32);
                kept.enabled_at(at, &mut en);
                enabled.extend_from_slice(&en);
                enabled_start.push(enabled.len() as u32);
            }
        }
        let held = self.held_bytes(&[]) + dense.bytes() + region.bytes() + rows.bytes();
        let mut piece_max = 0;
        let pieces = match region.kept {
            Some(_) => [].chunks(LIVENESS_CHUNK),
            None => rest.chunks(LIVENESS_CHUNK),
        };
        for piece in pieces {
            let grown = 8 * edges.capacity() + 4 * (enabled.capacity() + 3 * edge_start.capacity());
            if let Some(reason) = self.must_stop(
                held + 4 * (rest.len() + rest_at.len()) + grown,
                2 * piece_max,
            ) {
                return Err(reason);
            }
            let computed = self.raw_nodes(dense, rows, piece, pool)?;
            piece_max = piece_max.max(computed.bytes());
            let task = |t: Option<Task>| t.map_or(NO_TASK, |t| region.index_of[&t]);
            for (&i, (node_edges, node_enabled)) in piece.iter().zip(computed.each()) {
                for &Out {
                    to,
                    task: t,
                    renaming,
                } in node_edges
                {
                    if query.kept(i, to)
                        && let Some(w) = node_of(to)
                    {
                        edges.push((w, task(t)));
                        if symmetric {
                            renamings.push(renaming);
                        }
                    }
                }
                edge_start.push(edges.len() as u32);
                let mut en: Vec<u32> = node_enabled.iter().map(|t| region.index_of[t]).collect();
                en.sort_unstable();
                en.dedup();
                enabled.extend(en);
                enabled_start.push(enabled.len() as u32);
            }
        }
        Ok(Graph {
            states: rest,
            edge_start,
            edges,
            renamings,
            enabled_start,
            enabled,
            strong: region.tasks.iter().map(|t| t.strong).collect(),
            tasks: region.tasks.clone(),
        })
    }

    /// The shortest path inside `R` from a state of `query.start` (the
    /// shallowest first, then in `R`'s order) to dense state `target`, as
    /// dense states: a breadth-first search over recomputed successors.
    fn path_in_region(
        &self,
        dense: &Dense,
        query: &Query,
        region: &Region,
        target: u32,
        rows: &Rows,
        pool: &Pool,
    ) -> Vec<u32> {
        // A start state is its own shortest path (every start is at
        // distance 0 of the search below).
        if query.start[target as usize] {
            return vec![target];
        }
        let mut sources: Vec<u32> = (region.states.iter().copied())
            .filter(|&i| query.start[i as usize])
            .collect();
        sources.sort_by_key(|&i| (dense.depth(i), region.position(i)));
        let mut pred: HashMap<u32, u32> = HashMap::new();
        let mut seen = vec![false; dense.globals.len()];
        let mut queue = VecDeque::new();
        for &i in &sources {
            if !std::mem::replace(&mut seen[i as usize], true) {
                queue.push_back(i);
            }
        }
        let mut work = pool.take().unwrap_or_default();
        let mut nodes = Nodes::default();
        while let Some(v) = queue.pop_front() {
            if v == target {
                break;
            }
            match rows.row(v) {
                Some(at) => {
                    nodes.start();
                    rows.append_to(at, &mut nodes);
                }
                None => self.raw_nodes_into(dense, &[v], &mut work, false, &mut nodes),
            }
            for &Out { to: w, .. } in nodes.edges(0) {
                if query.kept(v, w) && !std::mem::replace(&mut seen[w as usize], true) {
                    pred.insert(w, v);
                    queue.push_back(w);
                }
            }
        }
        pool.put(work);
        let mut walk = vec![target];
        while let Some(&p) = pred.get(walk.last().expect("non-empty")) {
            walk.push(p);
        }
        walk.reverse();
        walk
    }

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

    /// The first step (in step order) from dense state `from` to dense state
    /// `to`, preferring one of task `task` when given.
    fn step_between(&self, dense: &Dense, from: u32, to: u32, task: Option<Task>) -> Step {
        let before = &self.state(dense.globals[from as usize]);
        let after = &self.state(dense.globals[to as usize]);
        self.step_to(before, after, task, &mut Scratch::default())
    }

    /// The first step (in step order) from state `before` to state `after`
    /// (both in the ordinary form), preferring one of task `task` when
    /// given.
    fn step_to(
        &self,
        before: &[u64],
        after: &[u64],
        task: Option<Task>,
        scratch: &mut Scratch,
    ) -> Step {
        let model = self.shared.model;
        let mut any = None;
        let mut of_task = None;
        model.successors(before, scratch, &mut |step, outcome| {
            if let Outcome::Next(next) = outcome
                && next == after
            {
                any.get_or_insert(step);
                if task.is_some() && model.task(&step) == task {
                    of_task.get_or_insert(step);
                }
            }
        });
        of_task
            .or(any)
            .expect("an edge of the graph is a step of the model")
    }

    /// [`Self::lasso`] under symmetry, where `g` is the quotient: the
    /// stored states along `walk` are renamed into a real behaviour of the
    /// spec, and the cycle is found in the concrete component over the
    /// fair component of `g` ([`Lift::concrete`]), so that it returns to
    /// the very state it left and is fair to every instance.
    fn lifted_lasso(
        &self,
        dense: &Dense,
        g: &Graph,
        walk: Vec<u32>,
        component: Option<Vec<u32>>,
        lift: &mut Lift,
    ) -> Trace {
        let (model, sym) = (self.shared.model, lift.sym);
        let (mut trace, sigma) = self.concrete_path(dense.globals[walk[0] as usize]);
        let mut sigma = sigma.expect("a path under symmetry comes with its renaming");
        let mut work = Work::default();
        let mut scratch = Scratch::default();
        let mut concrete = Vec::new();
        let mut push =
            |trace: &mut Trace, dense_state: u32, renaming: &Perms, task: Option<Task>| {
                let stored = self.state(dense.globals[dense_state as usize]);
                model.permute(sym, &stored, renaming, &mut concrete);
                let before = trace.states.last().expect("a path has states");
                let step = self.step_to(before, &concrete, task, &mut scratch);
                trace.steps.push(step);
                trace.states.push(concrete.clone());
            };
        for pair in walk.windows(2) {
            let out = *(self.raw_node(dense, pair[0], &mut work).edges(0).iter())
                .find(|o| o.to == pair[1])
                .expect("the walk goes along steps of the model");
            sigma = Symmetry::compose(&sigma, lift.inverse(out.renaming));
            push(&mut trace, pair[1], &sigma, None);
        }
        let start = trace.states.len() - 1;
        let stutter = match component {
            None => true,
            Some(component) => {
                let rep = *walk.last().expect("a path ends somewhere");
                let at = (component.iter())
                    .copied()
                    .find(|&v| g.states[v as usize] == rep)
                    .expect("the representative is in its component");
                let (d, nodes) = lift.concrete(g, &component, at, sigma);
                let all: Vec<u32> = (0..d.len() as u32).collect();
                for (_, to, task) in fair_cycle(&d, &all, 0) {
                    let want = (task != NO_TASK).then(|| d.tasks[task as usize]);
                    push(
                        &mut trace,
                        d.states[to as usize],
                        &nodes[to as usize].1,
                        want,
                    );
                }
                false
            }
        };
        trace.lasso = Some(Lasso { start, stutter });
        trace
    }

    /// The counterexample: the shortest path to a start state, then `walk`
    /// (dense states, inside `R`) to its last state, and then, when that
    /// state lies in a fair component of `g`, a cycle in it (else the
    /// behaviour stops there).
    fn lasso(
        &self,
        dense: &Dense,
        g: &Graph,
        walk: Vec<u32>,
        component: Option<Vec<u32>>,
    ) -> Trace {
        let rep = *walk.last().expect("a path ends somewhere");
        let mut trace = self.path(dense.globals[walk[0] as usize]);
        for pair in walk.windows(2) {
            trace
                .steps
                .push(self.step_between(dense, pair[0], pair[1], None));
            trace
                .states
                .push(self.state(dense.globals[pair[1] as usize]));
        }
        let start = trace.states.len() - 1;
        match component {
            None => {
                trace.lasso = Some(Lasso {
                    start,
                    stutter: true,
                });
            }
            Some(component) => {
                let at = (component.iter())
                    .copied()
                    .find(|&v| g.states[v as usize] == rep)
                    .expect("the representative is in its component");
                for (from, to, task) in fair_cycle(g, &component, at) {
                    let (a, b) = (g.states[from as usize], g.states[to as usize]);
                    let want = (task != NO_TASK).then(|| g.tasks[task as usize]);
                    trace.steps.push(self.step_between(dense, a, b, want));
                    trace.states.push(self.state(dense.globals[b as usize]));
                }
                trace.lasso = Some(Lasso {
                    start,
                    stutter: false,
                });
            }
        }
        trace
    }
}
