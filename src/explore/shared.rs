//! What the threads of a search share: reusable buffers, canonical
//! forms, and phases 1 and 2 of a batch.
//!
//! Phase 1 ([`Shared::phase1`]) cuts the batch into chunks, one per thread
//! at most, and generates each chunk's successors into per-shard buffers
//! (from the step cache or the packed step path when the model has a
//! packing and `Options::interpreted` is off). Under symmetry a successor
//! gets its representative (`Model::canonical_packed` on packed states).
//! A packed successor is hashed once (`store::place_packed`) and phase 2
//! ([`Shared::phase2`]) reuses the hash for its prefetches and its insert:
//! a few successors ahead it fetches the table slot and then the record
//! each will be compared with. Phase 2 takes each shard's successors in
//! chunk order, keeps the new ones, tests them (`checks`) and keeps each new
//! packed state's words beside its id in the next frontier, so phase 1
//! reads its states in order rather than from the visited set.
//!
//! Phase 1's receiver of a chunk's steps is an [`Emitter`] (through
//! [`StateSink`], its `Sink` for one state): it counts steps, checks step
//! properties, keeps findings and buffers successors; phase 2's context
//! and result are [`Phase2`] and [`Stored`].
//!
//! The per-shard buffers go back to a pool between batches ([`Pool`]); the
//! tables of buffered successors, the step caches and the caches of state
//! tests stay with their thread ([`PerThread`]), so that what a thread's
//! processor caches hold of them stays useful.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;

use crate::model::{
    CompiledProperty, Memo, Model, Outcome, Packing, RtError, RtErrorKind, Scratch, Sink, Step,
    halt,
};

use super::batch::{
    BATCH, BUFFER_BOUND, BatchBudget, Buffered, CHECK_BYTES, CHECK_EVERY, ChunkOut, Found,
    Frontier, PREFETCH_AHEAD, SLOT_PRUNED, ShardBuf, StepEnd, buffer, buffer_bound, keep_first,
    push_pending, push_words, slot_of,
};
use super::checks::{
    EVAL_FAILED, MAX_TESTED, PredCache, PredKey, Tested, breaks, in_force, is_step_property,
    ordinary_form, pred_key, state_tests, test_new_state, truth,
};
use super::options::{Options, StopReason};
use super::outcome::{Coverage, EvalError, Evaluated};
use super::store::{NO_PARENT, SHARDS, Shard, global_id, place, place_packed, split_id};

/// Things kept from batch to batch for reuse (the per-shard buffers of
/// successors), taken by phase 1's chunks and given back by phase 2.
pub(super) struct Pool<T>(std::sync::Mutex<Vec<T>>);

impl<T> Default for Pool<T> {
    fn default() -> Pool<T> {
        Pool(std::sync::Mutex::new(Vec::new()))
    }
}

impl<T> Pool<T> {
    /// One of the things given back, if any.
    pub(super) fn take(&self) -> Option<T> {
        self.0.lock().expect("no panic holds it").pop()
    }

    /// Gives several things back.
    pub(super) fn put_all(&self, things: impl IntoIterator<Item = T>) {
        self.0.lock().expect("no panic holds it").extend(things);
    }
}

/// One thing per worker thread (and one for a caller outside the pool),
/// taken and given back by that thread.
pub(super) struct PerThread<T>(Vec<std::sync::Mutex<Option<T>>>);

impl<T> Default for PerThread<T> {
    /// One for each thread of the current rayon pool.
    fn default() -> PerThread<T> {
        let slots = rayon::current_num_threads() + 1;
        PerThread((0..slots).map(|_| std::sync::Mutex::new(None)).collect())
    }
}

impl<T> PerThread<T> {
    pub(super) fn own(&self) -> &std::sync::Mutex<Option<T>> {
        let i = rayon::current_thread_index().map_or(0, |i| i + 1);
        &self.0[i % self.0.len()]
    }

    /// The calling thread's thing, if it gave one back.
    pub(super) fn take(&self) -> Option<T> {
        self.own().lock().expect("no panic holds it").take()
    }

    /// Gives the calling thread's thing back.
    pub(super) fn put(&self, thing: T) {
        *self.own().lock().expect("no panic holds it") = Some(thing);
    }
}

/// A batch whose phase 1 ran beside the phase 2 of the batch before it.
pub(super) struct Generated {
    pub(super) outs: Vec<ChunkOut>,
    /// Its frontier states, and the bytes its buffers are bounded by.
    pub(super) len: usize,
    pub(super) buffers: usize,
    /// Why it stopped before its end, if it did: the search stops there.
    pub(super) cut: Option<StopReason>,
}

/// The memory a successor's orbit representative is chosen in.
#[derive(Default)]
pub(super) struct Canon {
    /// The representative, as stored; and, when states are packed, the
    /// successor and its representative unpacked.
    pub(super) canon: Vec<u64>,
    pub(super) ordinary: Vec<u64>,
    pub(super) canon_ordinary: Vec<u64>,
    pub(super) scratch: crate::model::SymScratch,
}

impl Canon {
    /// The orbit representative of `next` (as stored, packed when states
    /// are packed: `packed`), as stored; [`Canon::renaming`] is then the
    /// renaming that maps `next` to it.
    #[inline]
    pub(super) fn of<'a>(
        &'a mut self,
        model: &Model,
        sym: &crate::model::Symmetry,
        packed: Option<&Packing>,
        next: &'a [u64],
    ) -> &'a [u64] {
        match packed {
            None => {
                model.canonical_in(sym, next, &mut self.canon, &mut self.scratch);
                self.canon.as_slice()
            }
            // Representatives are chosen in the ordinary form.
            Some(_) if model.packed_symmetry.is_some() => {
                let ps = model.packed_symmetry.as_ref().expect("just checked");
                if model.canonical_packed(sym, ps, next, &mut self.canon, &mut self.scratch) {
                    self.canon.as_slice()
                } else {
                    next
                }
            }
            Some(p) => {
                let fixed = model.layout.fixed_words;
                p.unpack(fixed, next, &mut self.ordinary);
                let (ordinary, scratch) = (&self.ordinary, &mut self.scratch);
                if model.canonical_in(sym, ordinary, &mut self.canon_ordinary, scratch) {
                    p.pack(fixed, &self.canon_ordinary, &mut self.canon);
                    self.canon.as_slice()
                } else {
                    next
                }
            }
        }
    }

    /// The renaming [`Canon::of`] chose last.
    pub(super) fn renaming(&self) -> &crate::model::Perms {
        &self.scratch.best
    }
}

/// What both phases of a batch read (the model, how states are stored)
/// and the pools and per-thread caches they reuse from batch to batch:
/// apart from the rest of the explorer, so that phase 1 of one batch can
/// run beside phase 2 of the previous one, which holds the visited set.
pub(super) struct Shared<'m> {
    pub(super) model: &'m Model,
    pub(super) sym: Option<&'m crate::model::Symmetry>,
    pub(super) packed: Option<&'m Packing>,
    /// The step cache for ordinary states, when the model has one and
    /// states are not packed ([`Model::successors_cached`]).
    pub(super) cached: Option<&'m Packing>,
    pub(super) store_words: usize,
    pub(super) n_props: usize,
    /// Whether phase 1 notes the states with no fair step (for the
    /// liveness phase: [`ChunkOut::idle`]).
    pub(super) note_idle: bool,
    /// The checked properties that a step can violate (`stable`, `next`,
    /// ...), by index: the others cost nothing per step.
    pub(super) step_checked: Vec<usize>,
    /// The step caches of phase 1, one per thread (a thread's caches keep
    /// what its own memo holds).
    pub(super) memos: PerThread<Memo>,
    /// The tables of buffered successors of phase 1, one per thread, kept
    /// from chunk to chunk ([`Buffered::carry`]) rather than grown anew.
    pub(super) buffered: PerThread<Buffered>,
    /// The caches of state tests of phase 2, one per thread.
    pub(super) pred_caches: PerThread<PredCache>,
    /// When state tests are cached, by which bits ([`pred_key`]).
    pub(super) pred_key: Option<PredKey>,
    /// Sets of per-shard buffers of phase 1, emptied by phase 2 and used
    /// again by a later chunk (allocated and freed per chunk, they cost
    /// hundreds of calls to the allocator per batch, from two threads).
    pub(super) bufs: Pool<Vec<ShardBuf>>,
    /// The slots of a batch's successors in (frontier, step) order, which
    /// phase 2 fills ([`slot_of`]) and reads to order the new states.
    pub(super) order_slots: Pool<Vec<AtomicU64>>,
}

impl<'m> Shared<'m> {
    /// How `options` have `model` explored: its symmetry, packing and step
    /// cache, and empty pools.
    pub(super) fn new(model: &'m Model, options: &Options) -> Shared<'m> {
        let n_props = model.properties.len();
        let sym = if options.no_symmetry {
            None
        } else {
            model.reduction()
        };
        let (packed, cached) = match options.interpreted {
            true => (None, None),
            false => (model.packing(), model.step_cache()),
        };
        let store_words = match packed {
            Some(p) => p.words(),
            None => model.layout.fixed_words,
        };
        Shared {
            model,
            sym,
            packed,
            cached,
            store_words,
            n_props,
            note_idle: (0..n_props).any(|p| options.checks(p) && model.is_liveness(p)),
            step_checked: (model.properties.iter().enumerate())
                .filter(|(p, prop)| options.checks(*p) && is_step_property(prop))
                .map(|(p, _)| p)
                .collect(),
            memos: PerThread::default(),
            buffered: PerThread::default(),
            pred_caches: PerThread::default(),
            bufs: Pool::default(),
            order_slots: Pool::default(),
            pred_key: pred_key(model, packed),
        }
    }

    /// The bits of a stored state's fixed words that are used.
    pub(super) fn store_bits(&self) -> u32 {
        match self.packed {
            Some(p) => p.bits(),
            None => self.model.layout.fixed_bits,
        }
    }

    /// Whether states are stored as one packed word each (the usual packed
    /// spec): then a buffered successor carries its word in its `Pending`.
    pub(super) fn one_word(&self) -> bool {
        self.packed.is_some() && self.store_words == 1
    }

    /// A set of empty per-shard buffers: one phase 2 emptied, else new ones
    /// with the room `buf_hint` gives.
    pub(super) fn take_bufs(&self, (pending, words): (usize, usize)) -> Vec<ShardBuf> {
        if let Some(bufs) = self.bufs.take() {
            return bufs;
        }
        (0..SHARDS)
            .map(|_| ShardBuf {
                words: Vec::with_capacity(words),
                pending: Vec::with_capacity(pending),
            })
            .collect()
    }

    /// Empties the buffers of a batch's chunks for later chunks.
    pub(super) fn recycle(&self, outs: Vec<ChunkOut>) {
        self.bufs.put_all(outs.into_iter().map(|mut out| {
            for b in &mut out.bufs {
                b.words.clear();
                b.pending.clear();
            }
            out.bufs
        }));
    }

    /// Generates the successors of the batch of level `level`'s frontier
    /// that starts at frontier position `first`, chunk by chunk in
    /// parallel; `words` are the states' words when states are packed
    /// (else empty, and states are loaded from `shards`). Buffers start
    /// with `buf_hint`'s room.
    ///
    /// `positions`, when given, are the frontier states' positions in
    /// their level (a distributed worker's share of a level is not one run
    /// of positions); else they are `first`, `first + 1`, ...
    #[allow(clippy::too_many_arguments)]
    pub(super) fn phase1(
        &self,
        shards: &[Shard],
        buf_hint: (usize, usize),
        frontier: &[u64],
        words: &[u64],
        (level, first): (u32, u64),
        positions: Option<&[u64]>,
        budget: &BatchBudget,
    ) -> Vec<ChunkOut> {
        let model = self.model;
        let threads = rayon::current_num_threads().max(1);
        // One thread has nothing to balance: the whole batch is one chunk,
        // so one table of buffered successors sees all of it.
        let chunk = if threads == 1 {
            frontier.len().max(1)
        } else {
            (frontier.len() / (threads * 2)).clamp(64, BATCH)
        };
        frontier
            .par_chunks(chunk)
            .enumerate()
            .map(|(c, ids)| {
                let base = first + (c * chunk) as u64;
                let mut buffered = self.buffered.take().unwrap_or_default();
                buffered.carry(self.one_word(), (level, first), c);
                let mut em = Emitter::new(self, level, buf_hint, buffered);
                let mut scratch = Scratch::default();
                // A step that runs long stops when the batch must: the
                // batch is then dropped (`budget.spend` below sees the
                // flag that stopped it).
                let _watch = halt::Watch::new(&budget.halt);
                let cache = self.packed.is_some() || self.cached.is_some();
                let mut memo = cache
                    .then(|| self.memos.take())
                    .flatten()
                    .unwrap_or_default();
                let mut state = Vec::new();
                let width = self.store_words;
                // What this chunk has told `budget` of its buffers.
                let mut spent = 0;
                for (offset, &id) in ids.iter().enumerate() {
                    if offset % CHECK_EVERY == CHECK_EVERY - 1
                        || em.out.buffer_bound - spent >= CHECK_BYTES
                    {
                        let bound = em.out.buffer_bound;
                        budget.spend(bound - spent);
                        spent = bound;
                    }
                    if budget.halted() {
                        break;
                    }
                    let state = match self.packed {
                        Some(_) => {
                            let at = (c * chunk + offset) * width;
                            &words[at..at + width]
                        }
                        None => {
                            if let Some(&ahead) = ids.get(offset + PREFETCH_AHEAD) {
                                let (s, l) = split_id(ahead);
                                shards[s].prefetch_state(l);
                            }
                            let (s, l) = split_id(id);
                            shards[s].load(l, &mut state);
                            state.as_slice()
                        }
                    };
                    let pos = match positions {
                        Some(p) => p[c * chunk + offset],
                        None => base + offset as u64,
                    };
                    em.begin(id, pos);
                    em.properties_at(state);
                    match self.packed {
                        Some(_) => {
                            let mut at = StateSink { em: &mut em, state };
                            model.successors_packed(state, &mut scratch, &mut memo, &mut at);
                            em.end(state);
                        }
                        None => {
                            let mut emit = |step, outcome: Outcome| {
                                match outcome {
                                    // A step back to the state itself (a `set`
                                    // message delivered again, say).
                                    Outcome::Next(next)
                                        if std::ptr::eq(next, state) || next == state =>
                                    {
                                        em.same(state, &step)
                                    }
                                    Outcome::Next(next) => em.next(state, &step, next),
                                    Outcome::Error(e) => em.error(&step, &e),
                                }
                            };
                            match self.cached {
                                Some(_) => model.successors_cached(
                                    state,
                                    &mut scratch,
                                    &mut memo,
                                    &mut emit,
                                ),
                                None => model.successors(state, &mut scratch, &mut emit),
                            }
                            em.end(state);
                        }
                    }
                }
                budget.spend(em.out.buffer_bound - spent);
                if cache {
                    for step in memo.recorded.drain(..) {
                        em.out.coverage.mark(model, &step);
                    }
                    self.memos.put(memo);
                }
                let (out, buffered) = em.finish();
                self.buffered.put(buffered);
                out
            })
            .collect()
    }

    /// Stores the new states of a batch in `shards`, shard by shard in
    /// parallel, and tests them; returns the next frontier (states not
    /// pruned by a bound) with what the tests found.
    ///
    /// `parents`: the words of the level the successors come from (packed
    /// states, `store_words` each, by frontier position), for testing a new
    /// state from what its step changed ([`state_tests`]).
    pub(super) fn phase2(
        &self,
        ctx: &Phase2,
        shards: &mut [Shard],
        outs: Vec<ChunkOut>,
        parents: Option<&[u64]>,
    ) -> Stored {
        let model = self.model;
        let fixed_words = model.layout.fixed_words;
        // Only when some invariant or bound splits into parts.
        let parents = parents.filter(|_| {
            (model.delta.properties.iter().chain(&model.delta.bounds)).any(Option::is_some)
        });
        let n_props = self.n_props;
        let all_sent = ctx.all_sent;
        let packed = self.packed;
        let open_bits = ctx.open_bits;
        let open = &ctx.open;
        let caches = &self.pred_caches;
        let pred_key = self.pred_key;
        let store_words = self.store_words;
        let one = self.one_word();
        struct ShardResult {
            /// The words of the new states (packed states only), in the
            /// order they were stored.
            words: Vec<u64>,
            /// How many states it stored.
            new: usize,
            /// By property index, what the shard's states found: sparse,
            /// for a shard seldom finds anything, and 64 shards of one
            /// slot per property took 200 MB a batch for a spec of 20,000
            /// invariants.
            found: std::collections::BTreeMap<usize, Option<Found>>,
            reached: Vec<bool>,
            /// The first new state where a bound could not be evaluated.
            runtime_error: Option<Found>,
            pruned: u64,
            /// Message kinds in the network of a new state.
            sent: Vec<bool>,
            /// Whether a step led back ([`Stored::backward`]).
            backward: bool,
        }
        // The batch's successors in (frontier, step) order, chunk after
        // chunk: each shard fills the slots of its own (see `slot_of`).
        let mut bases = Vec::with_capacity(outs.len());
        let total = outs.iter().fold(0, |n, out| {
            bases.push(n);
            n + out.pendings as usize
        });
        let mut order = self.order_slots.take().unwrap_or_default();
        if order.len() < total {
            order.resize_with(total, AtomicU64::default);
        }
        let slots = &order[..total];
        let results: Vec<ShardResult> = shards
            .par_iter_mut()
            .enumerate()
            .map(|(s, shard)| {
                // At most every successor buffered for the shard is new.
                let most: usize = outs.iter().map(|o| o.bufs[s].pending.len()).sum();
                let words = if packed.is_some() { store_words } else { 0 };
                let mut r = ShardResult {
                    words: Vec::with_capacity(most * words),
                    new: 0,
                    found: Default::default(),
                    reached: vec![false; n_props],
                    runtime_error: None,
                    pruned: 0,
                    sent: vec![false; model.message_kinds()],
                    backward: false,
                };
                let mut locals = Vec::new();
                let mut changed = vec![0u64; fixed_words];
                let mut cache = caches.take().unwrap_or_default();
                let mut records = Vec::new();
                let mut cut = false;
                // A test that runs long stops when the batch must.
                let _watch = halt::Watch::new(&ctx.watch);
                // States are looked up with the memory they need already
                // on its way. Packed states: the table slot a few states
                // ahead, and the record it points at a few states before
                // that. States with a network: their networks are interned
                // first, in a pass of their own (with the interner's slot
                // a few states ahead), so that each record's slot can then
                // be fetched a few states ahead too.
                for (out, &base) in outs.iter().zip(&bases) {
                    let buf = &out.bufs[s];
                    if packed.is_some() {
                        // The slots of the first few, which the loop's
                        // hints come too late for.
                        for q in buf.pending.iter().take(2 * PREFETCH_AHEAD) {
                            shard.prefetch_slot(q.hash);
                        }
                    } else {
                        records.clear();
                        for q in buf.pending.iter().take(PREFETCH_AHEAD) {
                            shard.prefetch_network(q.hash);
                        }
                        for (i, p) in buf.pending.iter().enumerate() {
                            if let Some(q) = buf.pending.get(i + PREFETCH_AHEAD) {
                                shard.prefetch_network(q.hash);
                            }
                            records.push(shard.record(p.words(&buf.words, one), p.hash));
                        }
                        for &r in records.iter().take(PREFETCH_AHEAD) {
                            shard.prefetch_record_slot(r);
                        }
                    }
                    for (i, p) in buf.pending.iter().enumerate() {
                        let slot = &slots[base + p.ord as usize];
                        if cut || ctx.limits.halted() {
                            // Neither stored nor tested: the search stops
                            // after this batch.
                            cut = true;
                            slot.store(0, Ordering::Relaxed);
                            continue;
                        }
                        if packed.is_some() {
                            if let Some(q) = buf.pending.get(i + 2 * PREFETCH_AHEAD) {
                                shard.prefetch_slot(q.hash);
                            }
                            if let Some(q) = buf.pending.get(i + PREFETCH_AHEAD) {
                                shard.prefetch_record(q.hash);
                            }
                        } else if let Some(&r) = records.get(i + PREFETCH_AHEAD) {
                            shard.prefetch_record_slot(r);
                        }
                        let words = p.words(&buf.words, one);
                        let inserted = match records.get(i) {
                            Some(&record) if packed.is_none() => {
                                shard.insert_record(words, p.parent(), record)
                            }
                            _ => shard.insert(words, p.parent(), p.hash),
                        };
                        let local = match inserted {
                            Ok(local) => local,
                            Err(stored) => {
                                // A step to a state of this level or an
                                // earlier one (the new states of this
                                // level come after `level_start`).
                                r.backward |= ctx.level_start.as_ref().is_some_and(|starts| {
                                    stored < starts[s] && p.parent() != NO_PARENT
                                });
                                slot.store(0, Ordering::Relaxed);
                                continue;
                            }
                        };
                        let id = global_id(s, local);
                        if !all_sent {
                            Coverage::mark_network(&mut r.sent, model, packed, words);
                        }
                        let key = pred_key.map(|[(a, ma), (b, mb)]| [words[a] & ma, words[b] & mb]);
                        // The tests of the open properties, from the cache
                        // when an entry knows them all (the open properties
                        // only ever shrink), else computed and kept; with
                        // too many properties for the bits, each is tested
                        // below.
                        // What the step changed, when the parent is at hand.
                        let from_parent = |changed: &mut Vec<u64>| {
                            let parent = parents.filter(|_| p.parent() != NO_PARENT)?;
                            let at = p.pos as usize * store_words;
                            let parent = &parent[at..at + fixed_words];
                            for ((c, a), b) in changed.iter_mut().zip(parent).zip(words) {
                                *c = a ^ b;
                            }
                            Some(())
                        };
                        let mut test = |locals: &mut Vec<i64>| {
                            let changed = from_parent(&mut changed).map(|()| &changed[..]);
                            state_tests(model, open, words, changed, locals)
                        };
                        let tests = (n_props <= MAX_TESTED).then(|| match key {
                            Some(k) => match cache.get(k) {
                                Some((tests, known)) if known & open_bits == open_bits => tests,
                                _ => {
                                    let tests = test(&mut locals);
                                    cache.insert(k, tests, open_bits);
                                    tests
                                }
                            },
                            None => test(&mut locals),
                        });
                        // With an evaluation failed (or too many properties
                        // for the bits), each property is evaluated again.
                        // A test stopped by `halt` leaves the state stored
                        // but untested, and the search stops after this
                        // batch (the findings of the tests that ended
                        // stand).
                        let tests = tests.filter(|t| t & EVAL_FAILED == 0);
                        let tested = test_new_state(
                            model,
                            open,
                            words,
                            tests,
                            &mut locals,
                            (p.key(out.level), id),
                            &mut r.reached,
                            |what, f| match what {
                                Evaluated::Property(index) => {
                                    keep_first(r.found.entry(index).or_default(), f)
                                }
                                _ => keep_first(&mut r.runtime_error, f),
                            },
                        );
                        // `None`: a bound could not be evaluated.
                        let inside = match tested {
                            Tested::Bounds(inside) => Some(inside),
                            Tested::BoundFailed => None,
                            Tested::Interrupted => {
                                cut = true;
                                ctx.limits.cut.store(true, Ordering::Relaxed);
                                slot.store(0, Ordering::Relaxed);
                                continue;
                            }
                        };
                        if packed.is_some() {
                            push_words(&mut r.words, words);
                        }
                        slot.store(slot_of(id, inside != Some(true)), Ordering::Relaxed);
                        r.new += 1;
                        if inside == Some(false) {
                            r.pruned += 1;
                        }
                    }
                }
                caches.put(cache);
                r
            })
            .collect();
        // The next batch's buffers start with room for a batch like this
        // one (a quarter more), so they seldom grow.
        let (pending, words) = outs
            .iter()
            .flat_map(|o| &o.bufs)
            .fold((0, 0), |(p, w), b| (p + b.pending.len(), w + b.words.len()));
        let buf_hint = match (
            (pending * 5 / 4).checked_div(outs.len() * SHARDS),
            (words * 5 / 4).checked_div(outs.len() * SHARDS),
        ) {
            (Some(p), Some(w)) => Some((p, w)),
            _ => None,
        };
        self.recycle(outs);
        let mut stored = Stored {
            frontier: Frontier::default(),
            order: Vec::new(),
            found: vec![None; n_props],
            reached: vec![false; n_props],
            runtime_error: None,
            sent: vec![false; model.message_kinds()],
            pruned: 0,
            buf_hint,
            backward: false,
            cut: ctx.limits.was_cut(),
        };
        let new = results.iter().map(|r| r.new).sum();
        let mut shard_words = Vec::with_capacity(SHARDS);
        for r in results {
            shard_words.push(r.words);
            stored.pruned += r.pruned;
            stored.backward |= r.backward;
            let into = (
                &mut stored.found[..],
                &mut stored.reached[..],
                &mut stored.sent[..],
            );
            merge_tests(into, r.found, r.reached, r.sent);
            if let Some(f) = r.runtime_error {
                keep_first(&mut stored.runtime_error, f);
            }
        }
        // The new states in the order a sequential BFS would have found
        // them in: by parent position, then step. A shard's come in the
        // order it stored them, so its words are read in order.
        let width = if packed.is_some() { store_words } else { 0 };
        let mut read = [0usize; SHARDS];
        let (ids, words) = (&mut stored.frontier.ids, &mut stored.frontier.words);
        ids.reserve(new);
        words.reserve(new * width);
        if ctx.keep_order {
            stored.order.reserve(new);
        }
        for slot in slots {
            let slot = slot.load(Ordering::Relaxed);
            if slot == 0 {
                continue;
            }
            let id = slot as u32 as u64;
            let shard = split_id(id).0;
            let at = read[shard];
            read[shard] += width;
            if ctx.keep_order {
                stored.order.push(id);
            }
            if slot & SLOT_PRUNED == 0 {
                ids.push(id);
                if width > 0 {
                    push_words(words, &shard_words[shard][at..at + width]);
                }
            }
        }
        self.order_slots.put_all([order]);
        stored
    }
}

/// What phase 2 of a batch must know of the search before it: the
/// properties the batch can still change, whether new networks can still
/// show new kinds of message, whether the order of states is kept.
pub(super) struct Phase2 {
    pub(super) open: Vec<bool>,
    /// `open` as bits (the first [`MAX_TESTED`] properties).
    pub(super) open_bits: u64,
    pub(super) all_sent: bool,
    pub(super) keep_order: bool,
    /// By shard: how many states it held when the level of the batch's
    /// successors began (none for the initial states).
    pub(super) level_start: Option<Vec<u32>>,
    /// The deadline and the stop signal, looked at before each state: the
    /// tests of a batch's new states may take long (an invariant with
    /// nested quantifiers over large types). A shard cut short neither
    /// stores nor tests the rest of its states, and the search stops.
    pub(super) limits: BatchBudget,
    /// The flag that stops a single test that runs long ([`halt`]): the
    /// state stays stored but untested, and the search stops. Raised with
    /// `limits`' flag, except in the first batch of initial states, which
    /// `limits` never cuts between states.
    pub(super) watch: Arc<AtomicBool>,
}

/// Adds what phase 2 found in some states (violations, reachables reached,
/// kinds of message seen) to what was found in others.
/// `more_found` is by property index.
pub(super) fn merge_tests(
    (found, reached, sent): (&mut [Option<Found>], &mut [bool], &mut [bool]),
    more_found: impl IntoIterator<Item = (usize, Option<Found>)>,
    more_reached: Vec<bool>,
    more_sent: Vec<bool>,
) {
    for (index, f) in more_found {
        if let Some(f) = f
            && let Some(slot) = found.get_mut(index)
        {
            keep_first(slot, f);
        }
    }
    for (r, more) in reached.iter_mut().zip(more_reached) {
        *r |= more;
    }
    for (s, more) in sent.iter_mut().zip(more_sent) {
        *s |= more;
    }
}

/// What phase 2 of a batch stored and found, for the explorer to take in.
pub(super) struct Stored {
    pub(super) frontier: Frontier,
    /// Every state stored, pruned ones too, in order (when the order is
    /// kept).
    pub(super) order: Vec<u64>,
    pub(super) found: Vec<Option<Found>>,
    pub(super) reached: Vec<bool>,
    /// The first new state where a bound could not be evaluated.
    pub(super) runtime_error: Option<Found>,
    /// Message kinds in the network of a new state.
    pub(super) sent: Vec<bool>,
    pub(super) pruned: u64,
    /// Room for the next batch's buffers.
    pub(super) buf_hint: Option<(usize, usize)>,
    /// Whether a step led to a state stored before its level began (no
    /// deeper than the state it left): while none does, the depth grows
    /// along every step, and the graph has no cycle.
    pub(super) backward: bool,
    /// Whether a shard stopped before its end ([`Phase2::limits`]).
    pub(super) cut: bool,
}

/// Phase 1's receiver of the steps of one chunk's states: it counts them,
/// checks step properties, keeps findings, and buffers the successors for
/// phase 2.
pub(super) struct Emitter<'x, 'm> {
    pub(super) ex: &'x Shared<'m>,
    pub(super) out: ChunkOut,
    pub(super) buffered: Buffered,
    pub(super) locals: Vec<i64>,
    /// A successor's representative under symmetry.
    pub(super) canon: Canon,
    /// Whether some step property is in force at the state whose steps
    /// come in, and which ([`Emitter::properties_at`]).
    pub(super) step_properties: bool,
    pub(super) live: Vec<usize>,
    /// Whether idle states are noted (a liveness property is checked), and
    /// whether the current state has a fair step to another state.
    pub(super) note_idle: bool,
    pub(super) fair_step: bool,
    /// The BFS level of the successors (keys).
    pub(super) level: u32,
    /// The state whose steps come in: its id and frontier position.
    pub(super) id: u64,
    pub(super) pos: u64,
    /// Its steps so far, and those of the protocol (not faults).
    pub(super) index: u32,
    pub(super) protocol_steps: u32,
    /// Packed states: the faults' steps among `index`.
    pub(super) fault_steps: u32,
    /// Packed states: steps to other states since the last
    /// [`Emitter::end_packed`].
    pub(super) nexts: usize,
    /// One-word successors of the current state not buffered yet (the
    /// word and the step's index), in the order of the steps: each one's
    /// slot in the table of buffered successors is fetched as it comes,
    /// and they are buffered together when the state's steps end
    /// ([`Emitter::flush`]), so that the table's cache misses overlap.
    pub(super) deferred: Vec<(u64, u32)>,
}

impl<'x, 'm> Emitter<'x, 'm> {
    pub(super) fn new(
        ex: &'x Shared<'m>,
        level: u32,
        buf_hint: (usize, usize),
        buffered: Buffered,
    ) -> Emitter<'x, 'm> {
        Emitter {
            ex,
            out: ChunkOut {
                bufs: ex.take_bufs(buf_hint),
                level,
                pendings: 0,
                buffer_bound: 0,
                transitions: 0,
                step_found: vec![None; ex.n_props],
                deadlock: None,
                runtime_error: None,
                coverage: Coverage::new(ex.model),
                idle: Vec::new(),
            },
            buffered,
            locals: Vec::new(),
            canon: Canon::default(),
            step_properties: false,
            live: Vec::new(),
            note_idle: ex.note_idle,
            fair_step: false,
            level,
            id: 0,
            pos: 0,
            index: 0,
            protocol_steps: 0,
            fault_steps: 0,
            nexts: 0,
            deferred: Vec::new(),
        }
    }

    /// The steps of state `id`, at frontier position `pos`, come next.
    #[inline]
    pub(super) fn begin(&mut self, id: u64, pos: u64) {
        self.id = id;
        self.pos = pos;
        self.fair_step = false;
        self.index = 0;
        self.protocol_steps = 0;
        self.fault_steps = 0;
    }

    /// Counts a step; its key. A packed state's steps are counted in bulk
    /// by [`Emitter::end`] (the faults' among them by [`Sink::fault`]),
    /// and the step cache marks the steps it records.
    #[inline(always)]
    pub(super) fn count(&mut self, step: &Step) -> (u32, u64, u32) {
        let key = (self.level, self.pos, self.index);
        self.index += 1;
        if self.ex.packed.is_none() {
            if !step.is_fault() {
                self.protocol_steps += 1;
            }
            self.out.transitions += 1;
            // The step cache marks the steps as it records them
            // (`Memo::recorded`): each step it replays was recorded in
            // some explored state.
            if self.ex.cached.is_none() {
                self.out.coverage.mark(self.ex.model, step);
            }
        }
        key
    }

    /// A step from `state` back to itself: nothing to store.
    #[inline(always)]
    pub(super) fn same(&mut self, state: &[u64], step: &Step) {
        let key = self.count(step);
        if self.step_properties {
            self.check_step(state, state, *step, key);
        }
    }

    /// Checks stable, next and unless on one step from `before` to
    /// `after`: the properties in force in `before` ([`in_force`]).
    pub(super) fn check_step(
        &mut self,
        before: &[u64],
        after: &[u64],
        step: Step,
        key: (u32, u64, u32),
    ) {
        let (model, packed) = (self.ex.model, self.ex.packed);
        for &p in &self.live {
            let prop = &model.properties[p];
            // An evaluation that fails here fails in `before` or `after`
            // on its own too, where the state's tests report it
            // (`state_eval`): it is not a violation. A `step` property's
            // is evaluated on steps only, so its failure is a finding here.
            let error = match breaks(prop, model, before, after, &mut self.locals) {
                Ok(true) => None,
                Err(error)
                    if matches!(prop, CompiledProperty::Step(_))
                        && error.kind != RtErrorKind::Interrupted =>
                {
                    Some(EvalError {
                        what: Evaluated::Property(p),
                        error,
                    })
                }
                _ => continue,
            };
            keep_first(
                &mut self.out.step_found[p],
                Found {
                    key,
                    id: self.id,
                    step: Some((step, StepEnd::To(ordinary_form(packed, model, after)))),
                    error,
                },
            );
        }
    }

    /// Works out which step properties the steps of `state` (about to
    /// come) must be checked against: those in force there.
    #[inline]
    pub(super) fn properties_at(&mut self, state: &[u64]) {
        if self.ex.step_checked.is_empty() {
            return;
        }
        self.live.clear();
        let model = self.ex.model;
        for &p in &self.ex.step_checked {
            if in_force(&model.properties[p], model, state, &mut self.locals) == Ok(true) {
                self.live.push(p);
            }
        }
        self.step_properties = !self.live.is_empty();
    }

    /// A step from `state` to another state, `next` (as stored).
    #[inline(always)]
    pub(super) fn next(&mut self, state: &[u64], step: &Step, next: &[u64]) {
        if self.note_idle && !self.fair_step {
            // A step back to the state itself (a packed state's step may
            // write what was there) neither enables nor takes a task.
            self.fair_step = self.ex.model.task(step).is_some() && next != state;
        }
        if let (&[word], Some(_), None, false) =
            (next, self.ex.packed, self.ex.sym, self.step_properties)
        {
            // The usual packed state, with nothing to check on the step:
            // buffered with the state's others ([`Emitter::flush`]).
            let index = self.index;
            self.index += 1;
            self.buffered.prefetch_word(word);
            self.deferred.push((word, index));
            return;
        }
        let key = self.count(step);
        if self.step_properties {
            self.check_step(state, next, *step, key);
        }
        let next = match self.ex.sym {
            None => next,
            Some(sym) => self.canon.of(self.ex.model, sym, self.ex.packed, next),
        };
        let packed = self.ex.packed.is_some();
        if let (&[word], true) = (next, packed) {
            self.buffer_word(word, key.2);
            return;
        }
        let placed = if packed {
            self.nexts += 1;
            let (shard, hash) = place_packed(next);
            (shard, 0, hash)
        } else {
            self.out.buffer_bound += buffer_bound(next);
            place(next, self.ex.store_words)
        };
        let (bufs, ord) = (&mut self.out.bufs, &mut self.out.pendings);
        let key = (key.1, key.2);
        buffer(
            &mut self.buffered,
            bufs,
            packed,
            placed,
            key,
            ord,
            self.id,
            next,
        );
    }

    /// Buffers a successor that is one packed word, the step `index` of the
    /// state: hashed, and given its key, only if new to the chunk. Its
    /// buffer bound is counted with the state's others.
    #[inline(always)]
    pub(super) fn buffer_word(&mut self, word: u64, index: u32) {
        self.nexts += 1;
        if !self.buffered.find_or_add_word(word) {
            let next = &[word];
            let (shard, hash) = place_packed(next);
            let (bufs, ord) = (&mut self.out.bufs, &mut self.out.pendings);
            push_pending(
                &mut bufs[shard],
                hash,
                (self.pos, index),
                ord,
                self.id,
                next,
                true,
            );
        }
    }

    /// Buffers the deferred successors of the current state, in the
    /// order of its steps.
    #[inline]
    pub(super) fn flush(&mut self) {
        let mut deferred = std::mem::take(&mut self.deferred);
        for &(word, index) in &deferred {
            self.buffer_word(word, index);
        }
        deferred.clear();
        self.deferred = deferred;
    }

    /// The chunk's output, and its table of buffered successors.
    pub(super) fn finish(self) -> (ChunkOut, Buffered) {
        (self.out, self.buffered)
    }

    /// A step that fails.
    #[cold]
    pub(super) fn error(&mut self, step: &Step, e: &RtError) {
        let key = self.count(step);
        keep_first(
            &mut self.out.runtime_error,
            Found {
                key,
                id: self.id,
                step: Some((*step, StepEnd::Failed(e.clone()))),
                error: None,
            },
        );
    }

    /// Every step of `state` has come: a deadlock if none was the
    /// protocol's. Fault steps do not count: a protocol stuck while the
    /// environment could still crash a node is deadlocked. A state where
    /// every node has crashed is not.
    #[inline]
    pub(super) fn end(&mut self, state: &[u64]) {
        if !self.deferred.is_empty() {
            self.flush();
        }
        if self.note_idle && !self.fair_step {
            self.out.idle.push(self.id);
        }
        if self.ex.packed.is_some() {
            self.out.transitions += self.index as u64;
            self.protocol_steps = self.index - self.fault_steps;
            self.out.buffer_bound += self.nexts * (8 * state.len() + BUFFER_BOUND);
            self.nexts = 0;
        }
        let model = self.ex.model;
        if self.protocol_steps == 0 && model.check_deadlock && !model.all_crashed(state) {
            let done = match &model.done {
                Some(d) => truth(d, model, state, &mut self.locals),
                None => Ok(false),
            };
            // `done when` that cannot be evaluated says neither "done" nor
            // "deadlock": a finding of its own, after the state's steps'.
            if let Err(error) = &done {
                keep_first(
                    &mut self.out.runtime_error,
                    Found {
                        key: (self.level, self.pos, u32::MAX),
                        id: self.id,
                        step: None,
                        error: Some(EvalError {
                            what: Evaluated::DoneWhen,
                            error: error.clone(),
                        }),
                    },
                );
            } else if done == Ok(false) {
                keep_first(
                    &mut self.out.deadlock,
                    Found {
                        key: (self.level, self.pos, 0),
                        id: self.id,
                        step: None,
                        error: None,
                    },
                );
            }
        }
    }
}

/// The steps of one packed state, for [`Model::successors_packed`].
pub(super) struct StateSink<'e, 'x, 'm> {
    pub(super) em: &'e mut Emitter<'x, 'm>,
    pub(super) state: &'e [u64],
}

impl Sink for StateSink<'_, '_, '_> {
    #[inline(always)]
    fn same(&mut self, step: &Step) {
        self.em.same(self.state, step)
    }

    #[inline(always)]
    fn next(&mut self, step: &Step, next: &[u64]) {
        self.em.next(self.state, step, next)
    }

    fn error(&mut self, step: &Step, error: &RtError) {
        self.em.error(step, error)
    }

    #[inline]
    fn fault(&mut self, step: &Step, next: &[u64]) {
        self.em.fault_steps += 1;
        self.em.next(self.state, step, next)
    }
}
