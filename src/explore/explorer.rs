//! The search itself: levels and batches, initial states, limits,
//! checkpoints, the liveness phase and the final report.
//!
//! A level runs in batches of [`BATCH`] frontier states, fewer when the
//! last batch's successors were many or wide ([`batch_len`] keeps a
//! batch's buffers near 32 MiB). Initial states are made from their number
//! (`model::Initial`) and stored a batch at a time: a candidate of the
//! product of the variables' initial values is kept only when every `init`
//! predicate holds in it (tested in its ordinary form, before symmetry and
//! packing); a failing predicate is `InitError::Predicate`, no kept
//! candidate `InitError::Unsatisfied`, both before the search.
//!
//! Packed batches are pipelined: phase 1 of the next batch (which reads
//! only the frontier's words and the model, [`Shared`]) runs beside phase 2
//! of this one (which holds the visited set) in one `rayon::join`, so that
//! either phase's idle thread finds work in the other. What a batch's
//! phase 1 found is taken in only before its own phase 2, and the memory
//! check counts both batches' buffers. The last batch of a level has beside
//! it phase 1 of the next level's first batch, once the states stored so
//! far fill that batch (the next frontier grows in order, so they are its
//! states).
//!
//! Limits (`Options`: states, memory, time, and a `StopSignal` raised from
//! outside) are checked before each batch and between pieces of the
//! liveness passes, and the [`Halt`] flag (deadline, signal) after every
//! state of both phases; a batch cut short is dropped, so a stop keeps
//! every earlier level complete. The memory limit is on what the search's
//! own structures hold (`Shard::bytes`) plus a bound on the next batch
//! (`Shard::growth_bytes`, the largest batch's buffers so far).
//!
//! The BFS order of all states is kept only when a liveness property is
//! checked; the search then also notes whether any step led to a state
//! stored before its level began (`backward`: without one there is no
//! cycle) and which states have no fair step to another (`idle`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::time::{Duration, Instant};

use crate::model::{CompiledProperty, InitError, Model, RtError, RtErrorKind};

use super::batch::{
    BATCH, BatchBudget, ChunkOut, Found, Frontier, Halt, ShardBuf, batch_len, keep_first,
    push_pending, vec_growth_bytes,
};
use super::checks::{MAX_TESTED, ordinary_form};
use super::options::{Options, Phase, Progress, Stop, StopReason};
use super::outcome::{Coverage, EvalError, Evaluated, Exploration, Trace, Verdict};
use super::path::{concrete_path, with_last_step};
use super::shared::{Generated, Phase2, Shared, Stored, merge_tests};
use super::store::{NO_PARENT, SHARDS, Shard, lookup_hash, place, split_id};
use super::{checkpoint, liveness};

pub(super) struct Explorer<'m> {
    /// The model, how states are stored, and what both phases of a batch
    /// read.
    pub(super) shared: Shared<'m>,
    pub(super) options: &'m Options,
    pub(super) shards: Vec<Shard>,
    /// By shard: how many states it held when the current level began.
    pub(super) level_start: Option<Vec<u32>>,
    /// Whether a step led back to a state no deeper than its source
    /// ([`Stored::backward`]): unless one did, the graph has no cycle.
    pub(super) backward: bool,
    /// When a liveness property is checked: the states expanded that have
    /// no fair step to another state ([`ChunkOut::idle`]).
    pub(super) idle: Vec<u64>,
    /// Per property: whether it is checked (`Options::properties`).
    pub(super) checked: Vec<bool>,
    /// Per property: a violation found so far.
    pub(super) found: Vec<Option<Found>>,
    pub(super) reached: Vec<bool>,
    pub(super) deadlock: Option<Found>,
    pub(super) runtime_error: Option<Found>,
    pub(super) coverage: Coverage,
    pub(super) transitions: u64,
    pub(super) pruned: u64,
    /// Every stored state, in the order a sequential BFS would store them;
    /// kept only for the liveness phase (`keep_order`), with where each
    /// level after the first starts in it.
    pub(super) order: Vec<u64>,
    pub(super) level_starts: Vec<u32>,
    /// Whether a liveness property is checked.
    pub(super) keep_order: bool,
    /// When the check started (for `Options::timeout`).
    pub(super) start: Instant,
    /// Why the breadth-first search stopped early, if it did.
    pub(super) stopped: Option<StopReason>,
    /// The most a batch has cost so far: the bytes of its buffers, the
    /// bytes its new networks took, and the new states it stored.
    pub(super) batch_buffers_max: usize,
    pub(super) batch_networks_max: usize,
    pub(super) batch_new_max: usize,
    /// The room phase 1 gives each new per-shard buffer, (successors,
    /// words): what the last batch needed, so buffers seldom grow from
    /// nothing. (Emptied buffers are used again, `Shared::bufs`: two
    /// batches' worth at most, each at most the largest batch's size, the
    /// size the memory check's bound on a batch's buffers is made of.)
    pub(super) buf_hint: (usize, usize),
    /// Whether phase 2 of a batch stopped before it tested every new state
    /// (a timeout or a signal; [`Phase2::limits`]).
    pub(super) cut: bool,
    /// Raised when the deadline passes or the stop signal comes.
    pub(super) halt: Halt,
    /// The bytes of buffers the last batch needed per frontier state:
    /// what sizes the next batch ([`batch_len`]).
    pub(super) per_state: usize,
    /// Bits of a stored state's words that are used.
    pub(super) store_bits: u32,
    /// States stored when the current level began.
    pub(super) level_before: u64,
    /// When the last checkpoint was written (or the search started).
    pub(super) last_save: Instant,
    /// How long the search ran before the checkpoint it resumed from.
    pub(super) elapsed_before: Duration,
}

impl<'m> Explorer<'m> {
    pub(super) fn new(model: &'m Model, options: &'m Options) -> Explorer<'m> {
        let start = Instant::now();
        let n_props = model.properties.len();
        let shared = Shared::new(model, options);
        let (store_words, store_bits, packed) =
            (shared.store_words, shared.store_bits(), shared.packed);
        Explorer {
            shared,
            options,
            shards: (0..SHARDS)
                .map(|_| Shard::new(store_words, store_bits, packed.is_none()))
                .collect(),
            level_start: None,
            backward: false,
            idle: Vec::new(),
            checked: (0..n_props).map(|p| options.checks(p)).collect(),
            found: vec![None; n_props],
            reached: vec![false; n_props],
            deadlock: None,
            runtime_error: None,
            coverage: Coverage::new(model),
            transitions: 0,
            pruned: 0,
            order: Vec::new(),
            level_starts: Vec::new(),
            keep_order: (0..n_props).any(|p| options.checks(p) && model.is_liveness(p)),
            buf_hint: (0, 0),
            per_state: 0,
            cut: false,
            halt: Halt::start(options.timeout.map(|t| start + t), options.stop.clone()),
            start,
            stopped: None,
            batch_buffers_max: 0,
            batch_networks_max: 0,
            batch_new_max: 0,
            store_bits,
            level_before: 0,
            last_save: start,
            elapsed_before: Duration::ZERO,
        }
    }

    /// Bytes held by the visited set.
    pub(super) fn store_bytes(&self) -> usize {
        self.shards.iter().map(Shard::bytes).sum()
    }

    /// Bytes held by the search: the visited set, the BFS order, and the
    /// frontiers given.
    pub(super) fn held_bytes(&self, frontiers: &[&Vec<u64>]) -> usize {
        self.store_bytes()
            + 8 * self.order.capacity()
            + frontiers.iter().map(|f| 8 * f.capacity()).sum::<usize>()
    }

    /// A generous bound on what the next batch may add to what is held:
    /// half as much again as the most a batch has buffered (the buffers are
    /// counted by length; what they allocate beyond is mostly untouched),
    /// twice what a batch has added in networks, the slots that order its
    /// successors (8 bytes each, an eighth of what buffering one is
    /// bounded by), and what storing twice the most new states of a batch
    /// would take (records, grown tables, their words as stored and as
    /// the batch's frontier, the next frontier and the BFS order).
    pub(super) fn batch_ahead(&self, next: &Frontier) -> usize {
        let new = 2 * self.batch_new_max + SHARDS * 16;
        let per_shard = new / SHARDS + 16;
        let store: usize = self.shards.iter().map(|s| s.growth_bytes(per_shard)).sum();
        let order = if self.keep_order {
            vec_growth_bytes(&self.order, new)
        } else {
            0
        };
        self.batch_buffers_max * 3 / 2
            + 2 * self.batch_networks_max
            + store
            + vec_growth_bytes(&next.ids, new)
            + vec_growth_bytes(&next.words, new * self.shared.store_words)
            + order
            + self.batch_buffers_max / 8
            + new * (8 + 16 * self.shared.store_words)
    }

    /// The limits of a phase 1 that starts when `committed` bytes are held
    /// or promised to the batch before it.
    pub(super) fn budget(&self, committed: usize) -> BatchBudget {
        let options = self.options;
        BatchBudget {
            room: (options.max_memory)
                .map(|limit| (limit.budget() as usize).saturating_sub(committed)),
            used: AtomicUsize::new(0),
            halt: self.halt.flag.clone(),
            cut: AtomicBool::new(false),
        }
    }

    /// Why a phase 1 stopped before its end, if it did: its buffers went
    /// past their room, or a limit of time or a signal came.
    pub(super) fn cut(&self, budget: &BatchBudget, committed: usize) -> Option<StopReason> {
        if budget.over_room() {
            return self.options.max_memory.map(StopReason::Memory);
        }
        if !budget.was_cut() {
            return None;
        }
        // Time and signals stay as they were seen.
        Some(
            self.must_stop(committed, 0)
                .unwrap_or(StopReason::Interrupted),
        )
    }

    /// Why the check must stop now, if it must: `held` bytes are held and
    /// the next piece of work may add `ahead` more.
    pub(super) fn must_stop(&self, held: usize, ahead: usize) -> Option<StopReason> {
        let options = self.options;
        if let Some(m) = options.max_states
            && self.n_states() >= m
        {
            return Some(StopReason::MaxStates(m));
        }
        if let Some(limit) = options.max_memory
            && (held + ahead) as u64 > limit.budget()
        {
            return Some(StopReason::Memory(limit));
        }
        if let Some(timeout) = options.timeout
            && self.start.elapsed() >= timeout
        {
            return Some(StopReason::Timeout(timeout));
        }
        options
            .stop
            .as_ref()
            .and_then(|s| s.reason(options.max_memory))
    }

    /// The words of state `id`, as the model lays them out.
    pub(super) fn state(&self, id: u64) -> Vec<u64> {
        let mut words = Vec::new();
        self.load(id, &mut words);
        self.ordinary(&words)
    }

    /// A state as the model lays it out (unpacked).
    pub(super) fn ordinary(&self, stored: &[u64]) -> Vec<u64> {
        ordinary_form(self.shared.packed, self.shared.model, stored)
    }

    /// Writes the words of state `id` into `out`, as stored.
    pub(super) fn load(&self, id: u64, out: &mut Vec<u64>) {
        let (s, l) = split_id(id);
        self.shards[s].load(l, out);
    }

    pub(super) fn n_states(&self) -> u64 {
        self.shards.iter().map(|s| s.len() as u64).sum()
    }

    /// Tells the progress hook, if any, where the check is.
    pub(super) fn report(&self, phase: Phase, level: u32, queue: usize) {
        if let Some(hook) = &self.options.progress {
            (hook.0)(&Progress {
                phase,
                states: self.n_states(),
                level,
                queue: queue as u64,
                memory_bytes: self.shards.iter().map(Shard::bytes).sum(),
            });
        }
    }

    pub(super) fn run(mut self) -> Result<Exploration, InitError> {
        let (mut frontier, mut next, mut at, mut depth, mut level, mut resuming) =
            match self.take_resume() {
                Some(snapshot) => {
                    let r = self.restore(snapshot);
                    (r.frontier, r.next, r.at, r.depth, r.level, true)
                }
                None => match self.store_initial()? {
                    Some(frontier) => {
                        let depth = if self.n_states() > 0 { 1 } else { 0 };
                        (frontier, Frontier::default(), 0, depth, 0, false)
                    }
                    None => return Ok(self.finish(0, false)),
                },
            };
        let mut complete = true;
        // Phase 1's output for the next batch, when it ran beside this
        // batch's phase 2 (see below).
        let mut generated: Option<Generated> = None;
        'levels: while !frontier.ids.is_empty() {
            // A resumed search starts inside the level it stopped in.
            if !std::mem::take(&mut resuming) {
                level += 1;
                self.level_before = self.n_states();
                self.level_start = Some(self.shards.iter().map(|s| s.len() as u32).collect());
                if self.keep_order {
                    self.level_starts.push(self.order.len() as u32);
                }
                next = Frontier::default();
                at = 0;
            }
            // The frontier in batches, in order: each batch's successors are
            // buffered, then stored, so the buffers stay small whatever the
            // size of a level. Storing batch by batch in frontier order keeps
            // "first generator in (frontier order, step order)" and the keys
            // of a batch all come after the previous batch's. The limits are
            // checked before each batch: a stop leaves every level before
            // this one complete.
            //
            // Packed states are pipelined: phase 1 of the next batch runs
            // beside phase 2 of this one (phase 1 reads the frontier's
            // words, phase 2 the visited set), so that each phase's idle
            // threads (its last chunks, the merging of the shards' results)
            // find work in the other. What a batch's phase 1 found is taken
            // in only when its phase 2 comes, so the results are those of
            // batches one after the other. Beside the last batch of a level
            // runs phase 1 of the next level's first batch, when the states
            // stored so far fill it (they are its states, in order), so
            // that levels follow one another without a pause.
            let pipelined = self.shared.packed.is_some();
            let width = if pipelined {
                self.shared.store_words
            } else {
                0
            };
            let words_of = |at: usize, len: usize| match width {
                0 => &[][..],
                w => &frontier.words[at * w..(at + len) * w],
            };
            // The parents of this level's successors, for phase 2's tests.
            let parents = (width > 0).then_some(&frontier.words[..]);
            // `at`: where this level's current batch starts in the frontier.
            while at < frontier.ids.len() {
                // The start of a batch: where a checkpoint can be taken, and
                // where a stop below leaves the search to resume from.
                let place = |frontier, next, at| checkpoint::Place {
                    frontier,
                    next,
                    at,
                    depth,
                    level,
                };
                if self.checkpoint_due() {
                    self.save_checkpoint(&place(&frontier, &next, at));
                }
                let frontiers = [&frontier.ids, &frontier.words, &next.ids, &next.words];
                let mut held = self.held_bytes(&frontiers);
                let mut ahead = self.batch_ahead(&next);
                // What the next batch adds besides the buffers of a phase 1.
                let store_ahead = ahead - self.batch_buffers_max * 3 / 2;
                if pipelined {
                    // This batch's successors are buffered already, or will
                    // be beside the next batch's.
                    match &generated {
                        Some(g) => held += g.buffers,
                        None => ahead += self.batch_buffers_max * 3 / 2,
                    }
                }
                if let Some(reason) = generated.as_ref().and_then(|g| g.cut) {
                    self.stopped = Some(reason);
                    self.checkpoint_on_stop(&place(&frontier, &next, at));
                    complete = false;
                    break 'levels;
                }
                if let Some(reason) = self.must_stop(held, ahead) {
                    self.stopped = Some(reason);
                    self.checkpoint_on_stop(&place(&frontier, &next, at));
                    complete = false;
                    break 'levels;
                }
                let networks = |e: &Self| e.shards.iter().map(Shard::network_bytes).sum::<usize>();
                let (networks_before, states_before) = (networks(&self), self.n_states());
                let (outs, len) = match generated.take() {
                    Some(g) => (g.outs, g.len),
                    None => {
                        let len = batch_len(self.per_state).min(frontier.ids.len() - at);
                        let budget = self.budget(held + store_ahead);
                        let outs = (self.shared).phase1(
                            &self.shards,
                            self.buf_hint,
                            &frontier.ids[at..at + len],
                            words_of(at, len),
                            (level, at as u64),
                            None,
                            &budget,
                        );
                        if let Some(reason) = self.cut(&budget, held + store_ahead) {
                            // This batch's phase 1 is dropped whole: the
                            // search stands at the batch's start.
                            self.stopped = Some(reason);
                            self.checkpoint_on_stop(&place(&frontier, &next, at));
                            complete = false;
                            break 'levels;
                        }
                        held += outs.iter().map(ChunkOut::buffer_bytes).sum::<usize>();
                        (outs, len)
                    }
                };
                let buffers: usize = outs.iter().map(ChunkOut::buffer_bytes).sum();
                self.per_state = buffers.div_ceil(len);
                self.take_in_phase1(&outs);
                // The batch whose phase 1 runs beside this one's phase 2:
                // the rest of this level, or the start of the next when
                // the states stored so far fill it.
                let end = at + len;
                let following = if end < frontier.ids.len() {
                    let len = batch_len(self.per_state).min(frontier.ids.len() - end);
                    Some((
                        &frontier.ids[end..end + len],
                        words_of(end, len),
                        (level, end as u64),
                    ))
                } else {
                    let len = batch_len(self.per_state);
                    (next.ids.len() >= len)
                        .then(|| (&next.ids[..len], &next.words[..len * width], (level + 1, 0)))
                };
                let stored = match following {
                    Some((ids, words, at)) if pipelined => {
                        let ctx = self.phase2_context(&outs);
                        let budget = self.budget(held + store_ahead);
                        let (shared, shards, hint) =
                            (&self.shared, &mut self.shards, self.buf_hint);
                        let (stored, outs) = rayon::join(
                            || shared.phase2(&ctx, shards, outs, parents),
                            || shared.phase1(&[], hint, ids, words, at, None, &budget),
                        );
                        let cut = self.cut(&budget, held + store_ahead);
                        let buffers = outs.iter().map(ChunkOut::buffer_bytes).sum();
                        let len = ids.len();
                        generated = Some(Generated {
                            outs,
                            len,
                            buffers,
                            cut,
                        });
                        self.take_in(stored)
                    }
                    _ => self.phase2(outs, parents),
                };
                if self.cut {
                    self.stopped = Some(self.must_stop(0, 0).unwrap_or(StopReason::Interrupted));
                    complete = false;
                    break 'levels;
                }
                next.ids.extend(stored.ids);
                next.words.extend(stored.words);
                // Counted from lengths, not capacities, so that the same
                // limit stops at the same batch at any thread count.
                let new = (self.n_states() - states_before) as usize;
                self.batch_buffers_max = self.batch_buffers_max.max(buffers);
                self.batch_networks_max =
                    (self.batch_networks_max).max(networks(&self).saturating_sub(networks_before));
                self.batch_new_max = self.batch_new_max.max(new);
                at = end;
                // A long level keeps the progress line moving: the queue is
                // what is left of this level plus the next level so far.
                let left = frontier.ids.len() - at;
                if left > 0 {
                    self.report(Phase::Search, depth, left + next.ids.len());
                }
            }
            frontier = std::mem::take(&mut next);
            if self.n_states() > self.level_before {
                depth += 1;
            }
            self.report(Phase::Search, depth, frontier.ids.len());
        }
        Ok(self.finish(depth, complete))
    }

    /// Stores the initial states: the first frontier, or `None` when a
    /// limit stopped the search while storing them (`stopped` says why).
    ///
    /// The candidates ([`Initial`]) are streamed and each is kept only if
    /// every `init` predicate holds in it; none is an error
    /// ([`InitError::Unsatisfied`]), as is a predicate that fails.
    pub(super) fn store_initial(&mut self) -> Result<Option<Frontier>, InitError> {
        let initial = self.shared.model.initial()?;
        let total = initial.len();
        let mut locals = Vec::new();
        // Initial states kept so far: their numbers order them.
        let mut kept: u64 = 0;
        // Initial states go through phase 2 like successors, a batch at a
        // time, made as they are stored: a spec may start from billions of
        // them, so the limits are checked between batches here too.
        let mut frontier = Frontier::default();
        let (mut state, mut canon, mut packed) = (Vec::new(), Vec::new(), Vec::new());
        let mut at: u128 = 0;
        while at < total {
            // The first batch is always stored: a check stopped at once
            // still says what holds in the initial states (most specs have
            // no more than that batch).
            let frontiers = [&frontier.ids, &frontier.words];
            let held = self.held_bytes(&frontiers);
            if at > 0
                && let Some(reason) = self.must_stop(held, self.batch_ahead(&frontier))
            {
                self.stopped = Some(reason);
                return Ok(None);
            }
            let end = (at + BATCH as u128).min(total);
            let mut buf: Vec<ShardBuf> = (0..SHARDS).map(|_| ShardBuf::default()).collect();
            let mut pendings = 0;
            let kept_before = kept;
            for i in at..end {
                if !initial.admit(i, &mut state, &mut locals)? {
                    continue;
                }
                let number = kept;
                kept += 1;
                let mut s = &state;
                if let Some(sym) = self.shared.sym {
                    self.shared.model.canonical(sym, s, &mut canon);
                    s = &canon;
                }
                if let Some(p) = self.shared.packed {
                    p.pack(self.shared.model.layout.fixed_words, s, &mut packed);
                    s = &packed;
                }
                let placed = place(s, self.shared.store_words);
                let hash = lookup_hash(placed, self.shared.packed.is_some());
                let one = self.shared.one_word();
                let b = &mut buf[placed.0];
                // The key orders initial states as they come (a step of a
                // state before them all): by their number among the kept
                // ones, which a u32 holds as long as memory does.
                let key = (0, u32::try_from(number).unwrap_or(u32::MAX));
                push_pending(b, hash, key, &mut pendings, NO_PARENT, s, one);
            }
            self.transitions += kept - kept_before;
            let states_before = self.n_states();
            let stored = self.phase2(
                vec![ChunkOut {
                    bufs: buf,
                    level: 0,
                    pendings,
                    buffer_bound: 0,
                    transitions: 0,
                    step_found: Vec::new(),
                    deadlock: None,
                    runtime_error: None,
                    coverage: Coverage::new(self.shared.model),
                    idle: Vec::new(),
                }],
                None,
            );
            if self.cut {
                self.stopped = Some(self.must_stop(0, 0).unwrap_or(StopReason::Interrupted));
                return Ok(None);
            }
            frontier.ids.extend(stored.ids);
            frontier.words.extend(stored.words);
            let new = (self.n_states() - states_before) as usize;
            self.batch_new_max = self.batch_new_max.max(new);
            at = end;
        }
        if kept == 0 {
            return Err(InitError::Unsatisfied { candidates: total });
        }
        Ok(Some(frontier))
    }

    /// What phase 2 of the next batch must know of the search so far.
    pub(super) fn phase2_context(&self, outs: &[ChunkOut]) -> Phase2 {
        let model = self.shared.model;
        let level = outs.first().map_or(0, |o| o.level);
        // Properties a batch can still change: checked, and not settled by
        // an earlier batch (a state reached, or an invariant's violation at
        // an earlier level, which comes before any this batch could find:
        // at the same level a failed evaluation would still come first, see
        // `keep_first`; only invariants: phase 1 of this very batch may
        // have found a variant's).
        let open: Vec<bool> = (0..self.shared.n_props)
            .map(|p| {
                let violated = matches!(model.properties[p], CompiledProperty::Invariant(_))
                    && self.found[p].as_ref().is_some_and(|f| f.key.0 < level);
                self.checked[p] && !self.reached[p] && !violated
            })
            .collect();
        let open_bits = (open.iter().enumerate())
            .filter(|(p, o)| **o && *p < MAX_TESTED)
            .fold(0u64, |m, (p, _)| m | 1 << p);
        Phase2 {
            open,
            open_bits,
            // Once every message kind has been seen, new states cannot add any.
            all_sent: self.coverage.sent.iter().all(|&s| s),
            keep_order: self.keep_order,
            level_start: self.level_start.clone(),
            // The first batch of initial states is always tested whole
            // (`Explorer::run`).
            limits: BatchBudget {
                room: None,
                halt: match self.n_states() {
                    0 => Arc::new(AtomicBool::new(false)),
                    _ => self.halt.flag.clone(),
                },
                ..self.budget(0)
            },
            watch: self.halt.flag.clone(),
        }
    }

    /// Takes in what phase 2 of a batch found; its part of the next frontier.
    pub(super) fn take_in(&mut self, stored: Stored) -> Frontier {
        self.pruned += stored.pruned;
        let into = (
            &mut self.found[..],
            &mut self.reached[..],
            &mut self.coverage.sent[..],
        );
        merge_tests(
            into,
            stored.found.into_iter().enumerate(),
            stored.reached,
            stored.sent,
        );
        if let Some(f) = stored.runtime_error {
            keep_first(&mut self.runtime_error, f);
        }
        self.order.extend(stored.order);
        self.backward |= stored.backward;
        self.cut |= stored.cut;
        if let Some(hint) = stored.buf_hint {
            self.buf_hint = hint;
        }
        stored.frontier
    }

    /// Phase 2 of a batch on its own: stores the new states; returns the
    /// next frontier.
    pub(super) fn phase2(&mut self, outs: Vec<ChunkOut>, parents: Option<&[u64]>) -> Frontier {
        let ctx = self.phase2_context(&outs);
        let stored = self.shared.phase2(&ctx, &mut self.shards, outs, parents);
        self.take_in(stored)
    }

    /// Takes in what phase 1 of a batch learned besides its successors.
    pub(super) fn take_in_phase1(&mut self, outs: &[ChunkOut]) {
        for out in outs {
            self.transitions += out.transitions;
            self.idle.extend_from_slice(&out.idle);
            for (p, f) in out.step_found.iter().enumerate() {
                if let Some(f) = f {
                    keep_first(&mut self.found[p], f.clone());
                }
            }
            if let Some(d) = &out.deadlock {
                keep_first(&mut self.deadlock, d.clone());
            }
            if let Some(e) = &out.runtime_error {
                keep_first(&mut self.runtime_error, e.clone());
            }
            self.coverage.merge(&out.coverage);
        }
    }

    /// The path from an initial state to state `id`.
    pub(super) fn path(&self, id: u64) -> Trace {
        self.concrete_path(id).0
    }

    /// The path from an initial state to state `id`, and, under symmetry,
    /// the renaming from the stored states to the path's last state. Stored
    /// states are orbit representatives; the path shown is a real behaviour
    /// through states that are renamings of them, in the spec's own names.
    pub(super) fn concrete_path(&self, id: u64) -> (Trace, Option<crate::model::Perms>) {
        let mut ids = vec![id];
        let mut cur = id;
        loop {
            let (s, l) = split_id(cur);
            let parent = self.shards[s].parent(l);
            if parent == NO_PARENT {
                break;
            }
            ids.push(parent);
            cur = parent;
        }
        ids.reverse();
        let reps: Vec<Vec<u64>> = ids.iter().map(|&i| self.state(i)).collect();
        concrete_path(self.shared.model, self.shared.sym, reps)
    }

    /// The liveness verdict of one property: a fair counterexample, if any,
    /// or the trace to a state where a predicate could not be evaluated
    /// (its [`Trace::eval_error`] set); `Err` when a limit stopped the
    /// search for one.
    pub(super) fn liveness(
        &self,
        dense: &liveness::Dense,
        p: usize,
        prop: &CompiledProperty,
        columns: Vec<liveness::Evaluated>,
    ) -> Result<Option<Trace>, StopReason> {
        // Every reachable state's tests evaluated these predicates already,
        // and a failure there settled the property before this phase; a
        // failure here is reported all the same, never read as false.
        let failed = |(id, error): (u64, RtError)| {
            let mut trace = self.path(id);
            trace.eval_error = Some(EvalError {
                what: Evaluated::Property(p),
                error,
            });
            Ok(Some(trace))
        };
        match self.liveness_query(dense, prop, columns) {
            Ok(outcome) => outcome,
            // Stopped by a limit or a signal while it ran (see `halt`).
            Err((_, e)) if e.kind == RtErrorKind::Interrupted => {
                Err(self.must_stop(0, 0).unwrap_or(StopReason::Interrupted))
            }
            Err(failure) => failed(failure),
        }
    }

    /// [`Self::liveness`] once the predicates' values are known
    /// (`columns`, in the order of [`liveness::query_preds`], evaluated for
    /// every property in one pass over the states); `Err`: a predicate
    /// failed in a state (its id), the first in the property's order.
    pub(super) fn liveness_query(
        &self,
        dense: &liveness::Dense,
        prop: &CompiledProperty,
        columns: Vec<liveness::Evaluated>,
    ) -> Result<Result<Option<Trace>, StopReason>, (u64, RtError)> {
        let mut columns = columns.into_iter();
        let not = |mut v: Vec<bool>| -> Vec<bool> {
            v.iter_mut().for_each(|b| *b = !*b);
            v
        };
        let and = |mut a: Vec<bool>, b: &[bool]| -> Vec<bool> {
            a.iter_mut().zip(b).for_each(|(x, y)| *x = *x && *y);
            a
        };
        Ok(match prop {
            CompiledProperty::LeadsTo(..) | CompiledProperty::Ensures(..) => {
                let (q, p) = (columns.next().expect("q"), columns.next().expect("p"));
                let not_q = not(q?.truth());
                let start = and(p?.truth(), &not_q);
                self.fair_counterexample(
                    dense,
                    &liveness::Query {
                        start: &start,
                        stay: &not_q,
                        measure: None,
                        accept: None,
                    },
                )
            }
            CompiledProperty::Transient(_) => {
                let p = columns.next().expect("p")?.truth();
                self.fair_counterexample(
                    dense,
                    &liveness::Query {
                        start: &p,
                        stay: &p,
                        measure: None,
                        accept: None,
                    },
                )
            }
            CompiledProperty::Persistent(_) => {
                // A fair run that visits `¬P` for ever or stops at `¬P`:
                // from a `¬P` state, anywhere, to a fair component that
                // holds a `¬P` state (or a final `¬P` state).
                let not_p = not(columns.next().expect("p")?.truth());
                let anywhere = vec![true; not_p.len()];
                self.fair_counterexample(
                    dense,
                    &liveness::Query {
                        start: &not_p,
                        stay: &anywhere,
                        measure: None,
                        accept: Some(&not_p),
                    },
                )
            }
            CompiledProperty::Variant { until, .. } => {
                let mut active = columns.next().expect("while")?.truth();
                if until.is_some() {
                    active = and(active, &not(columns.next().expect("until")?.truth()));
                }
                let values = columns.next().expect("measure")?.values();
                self.fair_counterexample(
                    dense,
                    &liveness::Query {
                        start: &active,
                        stay: &active,
                        measure: Some(&values),
                        accept: None,
                    },
                )
            }
            _ => Ok(None),
        })
    }

    pub(super) fn trace_of(&self, f: &Found) -> Trace {
        let mut trace = self.step_trace_of(f);
        trace.eval_error = f.error.clone();
        trace
    }

    /// [`Self::trace_of`] but for the evaluation that failed.
    pub(super) fn step_trace_of(&self, f: &Found) -> Trace {
        let path = self.concrete_path(f.id);
        with_last_step(self.shared.model, self.shared.sym, path, f)
    }

    pub(super) fn finish(mut self, depth: u32, complete: bool) -> Exploration {
        let liveness_start = Instant::now();
        let n_states = self.n_states() as usize;
        // The liveness phase numbers every state densely (the BFS order,
        // held already, and 4 bytes a state more), and for each property
        // evaluates predicates on every state and finds `R` (at most 24
        // bytes a state: a byte per predicate, 8 for a variant's measure,
        // and `R`'s numbering and counts of edges).
        let liveness_stop = |ex: &Self, held: usize, extra_per_state: usize| {
            ex.must_stop(ex.held_bytes(&[]) + held, extra_per_state * n_states)
        };
        let mut stopped_liveness: Option<StopReason> = None;
        let model = self.shared.model;
        let wants_liveness =
            (0..self.checked.len()).any(|p| self.checked[p] && model.is_liveness(p));
        let dense = if complete && wants_liveness {
            match liveness_stop(&self, 0, 4 + 24) {
                Some(reason) => {
                    stopped_liveness = Some(reason);
                    None
                }
                None => Some(liveness::Dense::new(
                    std::mem::take(&mut self.order),
                    std::mem::take(&mut self.level_starts),
                    &self.shards,
                )),
            }
        } else {
            None
        };
        let n_liveness = (0..self.checked.len())
            .filter(|&p| model.is_liveness(p))
            .count();
        let mut nth_liveness = 0;
        // Every liveness property's predicates are evaluated in one pass
        // over the states, before the first property's search; each
        // property takes its columns when its turn comes.
        let model = self.shared.model;
        let to_search: Vec<(usize, &CompiledProperty)> = (model.properties.iter().enumerate())
            .filter(|&(p, _)| self.checked[p] && self.found[p].is_none() && model.is_liveness(p))
            .collect();
        let mut columns: Vec<Option<Vec<liveness::Evaluated>>> =
            model.properties.iter().map(|_| None).collect();
        let column_bytes = |prop: &CompiledProperty| {
            n_states * liveness::column_bytes(&liveness::query_preds(prop))
        };
        let mut columns_held: usize = to_search.iter().map(|&(_, prop)| column_bytes(prop)).sum();
        if let (Some(dense), None, Some(&(first, _))) =
            (&dense, stopped_liveness, to_search.first())
        {
            // (What each property's search holds besides, as below.)
            match liveness_stop(&self, dense.bytes() + columns_held, 24) {
                Some(reason) => stopped_liveness = Some(reason),
                None => {
                    let phase = Phase::Liveness {
                        property: first,
                        nth: 1,
                        of: n_liveness,
                    };
                    self.report(phase, depth, 0);
                    for (p, evaluated) in self.eval_properties(dense, &to_search) {
                        columns[p] = Some(evaluated);
                    }
                }
            }
        }
        let verdicts = self
            .shared
            .model
            .properties
            .iter()
            .enumerate()
            .map(|(p, prop)| match prop {
                _ if !self.checked[p] => Verdict::NotSelected,
                CompiledProperty::Reachable(_) => {
                    if self.reached[p] {
                        Verdict::Holds
                    } else if let Some(f) = &self.found[p] {
                        Verdict::Error(self.trace_of(f))
                    } else if complete {
                        Verdict::Violated(None)
                    } else {
                        Verdict::Unknown
                    }
                }
                _ if let Some(f) = &self.found[p] => match f.error {
                    Some(_) => Verdict::Error(self.trace_of(f)),
                    None => Verdict::Violated(Some(self.trace_of(f))),
                },
                _ if model.is_liveness(p) => match &dense {
                    Some(dense) if stopped_liveness.is_none() => {
                        nth_liveness += 1;
                        let phase = Phase::Liveness {
                            property: p,
                            nth: nth_liveness,
                            of: n_liveness,
                        };
                        if nth_liveness > 1 {
                            self.report(phase, depth, 0);
                        }
                        let evaluated = columns[p].take().expect("evaluated with the others");
                        let outcome = match liveness_stop(&self, dense.bytes() + columns_held, 24) {
                            Some(reason) => Err(reason),
                            None => self.liveness(dense, p, prop, evaluated),
                        };
                        columns_held -= column_bytes(prop);
                        match outcome {
                            Ok(Some(trace)) if trace.eval_error.is_some() => Verdict::Error(trace),
                            Ok(Some(trace)) => Verdict::Violated(Some(trace)),
                            Ok(None) => Verdict::Holds,
                            Err(reason) => {
                                stopped_liveness = Some(reason);
                                Verdict::Unknown
                            }
                        }
                    }
                    _ => Verdict::Unknown,
                },
                _ if complete => Verdict::Holds,
                _ => Verdict::Unknown,
            })
            .collect();
        let stop = match (self.stopped, stopped_liveness) {
            (Some(reason), _) => Some(Stop {
                reason,
                in_liveness: false,
            }),
            (None, Some(reason)) => Some(Stop {
                reason,
                in_liveness: true,
            }),
            (None, None) => None,
        };
        let finished = Instant::now();
        let deadlock = if !self.shared.model.check_deadlock {
            Verdict::Unchecked
        } else {
            match &self.deadlock {
                Some(f) => Verdict::Violated(Some(self.trace_of(f))),
                None if complete => Verdict::Holds,
                None => Verdict::Unknown,
            }
        };
        Exploration {
            states: self.n_states(),
            transitions: self.transitions,
            depth,
            complete,
            stop,
            pruned: self.pruned,
            verdicts,
            deadlock,
            runtime_error: self.runtime_error.as_ref().map(|f| self.trace_of(f)),
            // One clock reading for both, so the liveness time never
            // exceeds the whole.
            elapsed: finished - self.start,
            liveness_elapsed: finished - liveness_start,
            memory_bytes: self.shards.iter().map(Shard::bytes).sum(),
            coverage: self.coverage.clone(),
            symmetry: self.shared.sym.map_or(Vec::new(), |sym| sym.kinds()),
        }
    }
}
