//! `R`, the states a counterexample may pass through: found level by
//! level from the start states over recomputed successors
//! ([`Explorer::region`]), trimmed to what cycles lead to
//! ([`Explorer::trim`]), and what is left made a graph
//! ([`Explorer::rest_graph`]) for the search of fair components.

use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

use super::graph::Graph;
use super::kept::{Kept, Targets, UNKNOWN};
use super::nodes::{Nodes, Out, TaskIndex};
use super::rows::Rows;
use super::steps::Pool;
use super::{Dense, LIVENESS_CHUNK, NO_TASK, Query};
use crate::explore::{Explorer, StopReason};
use crate::model::Task;

/// `R`, the states a counterexample may pass through, without its edges
/// ([`Explorer::region`]).
pub(super) struct Region {
    /// Dense indices, in discovery order.
    pub(super) states: Vec<u32>,
    /// Dense index → position in `states` (`u32::MAX` outside `R`); empty
    /// when `states` is in dense order.
    pub(super) node_of: Vec<u32>,
    /// By dense index: how many edges of `R` lead to the state from states
    /// not yet trimmed ([`Explorer::trim`]); empty when there is no cycle.
    pub(super) in_degree: Vec<AtomicU32>,
    /// By position: no fair task is enabled at the state.
    pub(super) idle: Vec<bool>,
    /// Interned tasks: task → index, index → task.
    pub(super) index_of: TaskIndex,
    pub(super) tasks: Vec<Task>,
    /// `R`'s edges and enabled tasks, by position, as [`Explorer::region`]
    /// computed them, when they fit the budget it sets; else the later
    /// passes compute them again.
    pub(super) kept: Option<Kept>,
    /// When `kept` would not fit: only the targets of `R`'s edges, which
    /// is all [`Explorer::trim`] needs; else it computes them again.
    pub(super) targets: Option<Targets>,
    /// Whether an edge of `R` leads back: to a state no deeper than the
    /// one it leaves. Every cycle takes such an edge (depth cannot grow
    /// all the way round), so without one `R` has no cycle.
    pub(super) back: bool,
}

/// What the region pass shares between the threads taking a piece in.
pub(super) struct Shared<'a> {
    pub(super) query: &'a Query<'a>,
    /// See [`Explorer::region`].
    pub(super) node_of: &'a [AtomicU32],
    pub(super) in_degree: &'a [AtomicU32],
}

/// A piece of `R`'s frontier for [`Explorer::take_in_piece`].
#[derive(Clone, Copy)]
pub(super) struct Piece<'a> {
    /// Its states (dense).
    pub(super) ids: &'a [u32],
    /// Whether the runs' rows are wanted ([`TakenIn::rows`]).
    pub(super) keep: bool,
    /// The steps kept so far, read rather than computed; with `fill`, the
    /// steps computed are handed back for it ([`TakenIn::fresh`]).
    pub(super) rows: &'a Rows,
    pub(super) fill: bool,
}

/// What [`Explorer::take_in_piece`] makes of a run of states of a piece.
pub(super) struct TakenIn {
    /// The successors new to `R`, in no particular order.
    pub(super) found: Vec<u32>,
    /// The run's rows (when edges are kept), with tasks coded: an index
    /// of the task index as the piece began, [`NO_TASK`], or `UNKNOWN + k`.
    pub(super) rows: Option<Kept>,
    /// By state of the run: no fair task is enabled there.
    pub(super) idle: Vec<bool>,
    /// The tasks the index did not have, in the order they were met.
    pub(super) unknown: Vec<Task>,
    /// Whether an edge of `R` from the run leads back ([`Region::back`]).
    pub(super) back: bool,
    /// The states whose successors were computed, and their steps, for
    /// the searches after this one ([`Rows`]), when it fills the table.
    pub(super) fresh: Option<(Vec<u32>, Nodes)>,
}

impl TakenIn {
    pub(super) fn bytes(&self) -> usize {
        4 * self.found.capacity()
            + self.idle.capacity()
            + self.rows.as_ref().map_or(0, Kept::bytes)
            + std::mem::size_of::<Task>() * self.unknown.capacity()
            + (self.fresh.as_ref()).map_or(0, |(ids, nodes)| 4 * ids.capacity() + nodes.bytes())
    }
}

impl Region {
    /// The position of dense state `i` in `R`'s order.
    pub(super) fn position(&self, i: u32) -> usize {
        match self.node_of.get(i as usize) {
            Some(&at) => at as usize,
            None => self.states.binary_search(&i).unwrap_or(usize::MAX),
        }
    }

    pub(super) fn bytes(&self) -> usize {
        4 * (self.states.capacity() + self.node_of.capacity() + self.in_degree.capacity())
            + self.idle.capacity()
            + self.kept.as_ref().map_or(0, Kept::bytes)
            + self.targets.as_ref().map_or(0, Targets::bytes)
    }
}

impl Explorer<'_> {
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
    pub(super) fn region(
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
    pub(super) fn take_in_piece(
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
    pub(super) fn acyclic_region(
        &self,
        dense: &Dense,
        query: &Query,
    ) -> Result<Region, StopReason> {
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
    pub(super) fn trim(
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
    pub(super) fn rest_graph(
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
}
