//! The single-process search's own pieces, for a search whose visited set
//! is split elsewhere (`crate::distributed`): its stored form of a state
//! (orbit representative, packed), its visited-set shards, and its phase 1
//! (successors from the step cache or the packed step path, step
//! properties, deadlocks, coverage, canonical successors), so that a
//! distributed worker stores, generates and finds exactly what one process
//! does without a second implementation of any of it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::store::{Shard, place, place_packed, split_id};
use super::{
    BatchBudget, Coverage, Found, Options, Shared, Trace, batch_len, concrete_path, keep_first,
    ordinary_form, with_last_step,
};
use crate::model::Model;
use crate::typed::NodeKindId;

/// What a worker's share of a level's frontier gave besides its
/// successors: the findings of the steps (ids are the worker's local ids,
/// as passed to [`Generator::expand`]), the steps counted and covered, and
/// the states with no fair step to another state; or that it was cut
/// short.
pub(crate) struct Expanded {
    /// The expansion stopped before its end (a limit, a signal, or
    /// [`Expansion::next_batch`] said so): the rest is of the batches
    /// before, and the level cannot be completed.
    pub cut: bool,
    pub transitions: u64,
    pub step_found: Vec<Option<Found>>,
    pub deadlock: Option<Found>,
    pub runtime_error: Option<Found>,
    pub coverage: Coverage,
    pub idle: Vec<u64>,
}

/// Where [`Generator::expand`] sends the successors, and who decides,
/// between two batches, whether it goes on.
pub(crate) trait Expansion {
    /// A successor (as stored), with its key (frontier position, step
    /// index) and its parent's local id.
    fn successor(&mut self, state: &[u64], pos: u64, index: u32, parent: u64);
    /// Before each batch: whether to go on, and if so how many bytes the
    /// batch's buffers may take (`None`: no memory limit).
    fn next_batch(&mut self) -> Batch;
}

/// What [`Expansion::next_batch`] says.
pub(crate) enum Batch {
    Go { room: Option<usize> },
    Stop,
}

/// The single-process explorer's way of storing and expanding states, for
/// one distributed worker (one thread).
pub(crate) struct Generator<'m> {
    shared: Shared<'m>,
    /// One thread: phase 1 runs its chunks on the current rayon pool, and
    /// a worker is one thread of its own.
    pool: rayon::ThreadPool,
    /// Raised when the worker must stop (the deadline, a signal, or
    /// another process's stop): phase 1 looks at it before every state,
    /// and a step that runs long stops too.
    halt: Arc<AtomicBool>,
    /// The buffers a frontier state's successors took in the last batch,
    /// which sizes the next ([`batch_len`]); `usize::MAX` before the
    /// first, which takes [`FIRST_BATCH`] states.
    per_state: AtomicUsize,
}

/// The first batch of a worker's first level: small, since nothing is
/// known yet of how many successors a state has (one batch of wide
/// states could buffer gigabytes before the next look at the limits).
const FIRST_BATCH: usize = 64;

/// A thread of a distributed worker's could not be started.
#[derive(Debug)]
pub(crate) struct NoThread(pub String);

impl<'m> Generator<'m> {
    /// The generator of a worker whose stop flag is `halt`; it fails only
    /// when the thread phase 1 runs on cannot be started.
    pub(crate) fn new(
        model: &'m Model,
        options: &Options,
        halt: Arc<AtomicBool>,
    ) -> Result<Generator<'m>, NoThread> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .map_err(|e| NoThread(e.to_string()))?;
        Ok(Generator {
            shared: Shared::new(model, options),
            pool,
            halt,
            per_state: AtomicUsize::new(usize::MAX),
        })
    }

    /// Whether states are stored packed.
    pub(crate) fn packed(&self) -> bool {
        self.shared.packed.is_some()
    }

    /// Empty shards of a visited set, as the single process's.
    pub(crate) fn shards(&self) -> Vec<Shard> {
        let (words, bits) = (self.shared.store_words, self.shared.store_bits());
        (0..super::SHARDS)
            .map(|_| Shard::new(words, bits, !self.packed()))
            .collect()
    }

    /// A state as it is stored (its orbit representative under symmetry,
    /// packed when states are), from its ordinary form, into `out`.
    pub(crate) fn stored(&self, state: &[u64], out: &mut Vec<u64>) {
        let model = self.shared.model;
        let mut canon = Vec::new();
        let mut s = state;
        if let Some(sym) = self.shared.sym {
            model.canonical(sym, s, &mut canon);
            s = &canon;
        }
        match self.shared.packed {
            Some(p) => p.pack(model.layout.fixed_words, s, out),
            None => {
                out.clear();
                out.extend_from_slice(s);
            }
        }
    }

    /// A stored state's ordinary form.
    pub(crate) fn ordinary(&self, stored: &[u64]) -> Vec<u64> {
        ordinary_form(self.shared.packed, self.shared.model, stored)
    }

    /// Where a stored state goes: its shard, the hash that shard looks it
    /// up by, and the hash of the whole state (which picks its owner).
    pub(crate) fn place(&self, words: &[u64]) -> (usize, u64, u64) {
        if self.packed() {
            let (shard, hash) = place_packed(words);
            (shard, hash, hash)
        } else {
            let (shard, net, hash) = place(words, self.shared.store_words);
            (shard, net, hash)
        }
    }

    /// Marks the message kinds in a stored state's network.
    pub(crate) fn mark_sent(&self, sent: &mut [bool], words: &[u64]) {
        Coverage::mark_network(sent, self.shared.model, self.shared.packed, words);
    }

    /// The trace to finding `f`, whose path from an initial state passes
    /// through the stored states `path` (in order).
    pub(crate) fn trace(&self, path: &[Vec<u64>], f: &Found) -> Trace {
        let (model, sym) = (self.shared.model, self.shared.sym);
        let reps = path.iter().map(|s| self.ordinary(s)).collect();
        let mut trace = with_last_step(model, sym, concrete_path(model, sym, reps), f);
        trace.eval_error = f.error.clone();
        trace
    }

    /// The kinds of symmetry reduced, for the report.
    pub(crate) fn symmetry(&self) -> Vec<NodeKindId> {
        symmetry_kinds(&self.shared)
    }

    /// Expands the frontier states `ids` (local ids in `shards`) at
    /// positions `positions` of their level, the successors being of level
    /// `level`: each successor (as stored), with its key (frontier
    /// position and step index) and its parent's local id, goes to `to`,
    /// in batches as the single process cuts them (at most what
    /// [`batch_len`] allows for the buffers the last batch needed a
    /// state, so that `to` is asked again after a bounded amount of work).
    /// A successor that a state of the same batch generated earlier is
    /// passed over: its earlier copy has the lesser key.
    pub(crate) fn expand(
        &self,
        shards: &[Shard],
        level: u32,
        all_ids: &[u64],
        all_positions: &[u64],
        to: &mut impl Expansion,
    ) -> Expanded {
        let model = self.shared.model;
        let mut expanded = Expanded {
            cut: false,
            transitions: 0,
            step_found: vec![None; self.shared.n_props],
            deadlock: None,
            runtime_error: None,
            coverage: Coverage::new(model),
            idle: Vec::new(),
        };
        let one = self.shared.one_word();
        let mut words = Vec::new();
        let mut state = Vec::new();
        let mut at = 0;
        while at < all_ids.len() {
            let room = match to.next_batch() {
                Batch::Go { room } => room,
                Batch::Stop => {
                    expanded.cut = true;
                    break;
                }
            };
            let len = match self.per_state.load(Ordering::Relaxed) {
                usize::MAX => FIRST_BATCH,
                per_state => batch_len(per_state),
            };
            let len = len.min(all_ids.len() - at);
            let (ids, positions) = (&all_ids[at..at + len], &all_positions[at..at + len]);
            let first = at as u64;
            at += len;
            words.clear();
            if self.packed() {
                for &id in ids {
                    let (s, l) = split_id(id);
                    shards[s].load(l, &mut state);
                    words.extend_from_slice(&state);
                }
            }
            let budget = BatchBudget {
                room,
                used: AtomicUsize::new(0),
                halt: self.halt.clone(),
                cut: AtomicBool::new(false),
            };
            let outs = self.pool.install(|| {
                (self.shared).phase1(
                    shards,
                    (0, 0),
                    ids,
                    &words,
                    (level, first),
                    Some(positions),
                    &budget,
                )
            });
            if budget.was_cut() {
                self.shared.recycle(outs);
                expanded.cut = true;
                break;
            }
            let buffers: usize = outs.iter().map(|o| o.buffer_bytes()).sum();
            (self.per_state).store(buffers.div_ceil(len), Ordering::Relaxed);
            for out in &outs {
                for buf in &out.bufs {
                    for q in &buf.pending {
                        to.successor(q.words(&buf.words, one), q.pos as u64, q.index, q.parent());
                    }
                }
                expanded.transitions += out.transitions;
                for (slot, f) in expanded.step_found.iter_mut().zip(&out.step_found) {
                    if let Some(f) = f {
                        keep_first(slot, f.clone());
                    }
                }
                if let Some(f) = &out.deadlock {
                    keep_first(&mut expanded.deadlock, f.clone());
                }
                if let Some(f) = &out.runtime_error {
                    keep_first(&mut expanded.runtime_error, f.clone());
                }
                expanded.coverage.merge(&out.coverage);
                expanded.idle.extend_from_slice(&out.idle);
            }
            self.shared.recycle(outs);
        }
        expanded
    }
}

/// The kinds of symmetry a check of `model` with `options` reduces, for
/// the report (without a [`Generator`], which may not start).
pub(crate) fn symmetry_of(model: &Model, options: &Options) -> Vec<NodeKindId> {
    symmetry_kinds(&Shared::new(model, options))
}

fn symmetry_kinds(shared: &Shared) -> Vec<NodeKindId> {
    shared.sym.map_or(Vec::new(), |sym| sym.kinds())
}
