//! The step cache: runs of ops, one per step source and key, recorded from
//! the interpreter's outcomes and replayed on packed or ordinary states.

use super::{MEMO_CAPACITY, NOT_DENSE, Packing, StepSource, WideKey};
use crate::hash::mix;
use crate::model::step::{Outcome, Step};
use crate::model::{Model, RtError};

/// What a step does to a packed state, as the cache keeps it.
#[derive(Clone, Copy)]
struct Op {
    kind: OpKind,
    /// `Next`: the word holding (the first of) the instance's own bits,
    /// the bits of it kept, and the bits then set (its new own bits and
    /// the messages sent that fall in it): `next[word] = state[word] &
    /// keep | set`.
    word: u32,
    keep: u64,
    set: u64,
    /// `Next`: more such (word, keep, set) edits, `Memo::more[more..more
    /// + n_more]`. `Error`: the finding, `Memo::errors[more]`.
    more: u32,
    n_more: u32,
    /// The step, `Memo::steps[step]`.
    step: u32,
    /// Ordinary states (a list network): the messages the step sends,
    /// `Memo::sent[sent..sent + n_sent]`, in canonical order.
    sent: u32,
    n_sent: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum OpKind {
    /// The state itself.
    Same,
    /// Another state.
    Next,
    /// A runtime finding.
    Error,
}

impl Op {
    /// A step that leaves the state as it is: step `step` of the memo,
    /// every edit a no-op.
    fn same(step: u32) -> Op {
        Op {
            kind: OpKind::Same,
            word: 0,
            keep: !0,
            set: 0,
            more: 0,
            n_more: 0,
            step,
            sent: 0,
            n_sent: 0,
        }
    }

    /// This op as a step to another state by `edits`, (word, keep, set)
    /// each: the first in the op, the others appended to `more`. No edit
    /// (a state without fixed words) is the no-op `(0, !0, 0)`.
    fn edits(self, edits: &[(u32, u64, u64)], more: &mut Vec<(u32, u64, u64)>) -> Op {
        let (word, keep, set) = edits.first().copied().unwrap_or((0, !0, 0));
        let op = Op {
            kind: OpKind::Next,
            word,
            keep,
            set,
            more: more.len() as u32,
            n_more: edits.len().saturating_sub(1) as u32,
            ..self
        };
        more.extend(edits.iter().skip(1));
        op
    }

    /// This op as a step that fails with `error`, kept in `errors`.
    fn error(self, error: RtError, errors: &mut Vec<RtError>) -> Op {
        let op = Op {
            kind: OpKind::Error,
            more: errors.len() as u32,
            ..self
        };
        errors.push(error);
        op
    }
}

/// The edits that give an instance its new own bits (`own`: its words and
/// their masks) as they are in `next`: (word, keep, set) by word.
fn own_edits(own: &[(u32, u64)], next: &[u64]) -> Vec<(u32, u64, u64)> {
    own.iter()
        .map(|&(w, m)| (w, !m, next[w as usize] & m))
        .collect()
}

/// A run of ops (`start`, `len`) as a table entry: `start << 32 | (len +
/// 1)`, so that 0 means "not computed".
#[inline]
fn entry(start: usize, len: usize) -> u64 {
    ((start as u64) << 32) | (len as u64 + 1)
}

/// An open-addressing map from a (source, own bits) key of `N` words to
/// an entry: `N = 2` for keys of a word, `N = 5` for wide ones.
struct Table<const N: usize> {
    /// (key, entry); an entry of 0 marks an empty slot.
    slots: Vec<([u64; N], u64)>,
    len: usize,
}

impl<const N: usize> Default for Table<N> {
    fn default() -> Self {
        Table {
            slots: Vec::new(),
            len: 0,
        }
    }
}

#[inline]
fn key_hash<const N: usize>(key: [u64; N]) -> u64 {
    key.iter().fold(0, |h, &w| mix(h, w))
}

impl<const N: usize> Table<N> {
    fn get(&self, key: [u64; N]) -> u64 {
        if self.slots.is_empty() {
            return 0;
        }
        let mask = self.slots.len() - 1;
        let mut i = key_hash(key) as usize & mask;
        loop {
            let (k, e) = self.slots[i];
            if e == 0 || k == key {
                return e;
            }
            i = (i + 1) & mask;
        }
    }

    fn insert(&mut self, key: [u64; N], e: u64) {
        if (self.len + 1) * 2 > self.slots.len() {
            let size = (self.slots.len() * 2).max(256);
            let old = std::mem::replace(&mut self.slots, vec![([0; N], 0); size]);
            self.len = 0;
            for (k, e) in old.into_iter().filter(|s| s.1 != 0) {
                self.put(k, e);
            }
        }
        self.put(key, e);
    }

    fn put(&mut self, key: [u64; N], e: u64) {
        let mask = self.slots.len() - 1;
        let mut i = key_hash(key) as usize & mask;
        while self.slots[i].1 != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = (key, e);
        self.len += 1;
    }
}

/// The cache of step outcomes, one per thread: by step source (an
/// instance's actions, one message's deliveries) and the own bits of the
/// instance taking the steps, the run of ops that replays them.
#[derive(Default)]
pub struct Memo {
    /// Every step recorded since the caller last drained it: the steps
    /// taken (or failed) in some explored state, for coverage.
    pub recorded: Vec<Step>,
    /// The dense tables of every source ([`StepSource::dense`]): entries
    /// ([`entry`]), 0 where not computed.
    dense: Vec<u64>,
    /// Entries of sources without a dense table, by (source, own bits).
    table: Table<2>,
    /// Entries of sources with a wide key ([`StepSource::wide`]), by
    /// (source, key).
    wide: Table<5>,
    ops: Vec<Op>,
    more: Vec<(u32, u64, u64)>,
    sent: Vec<u64>,
    steps: Vec<Step>,
    errors: Vec<RtError>,
    /// The successor being built.
    pub(super) next: Vec<u64>,
    /// Ordinary states: the state a delivery's outcomes are computed on
    /// (the fixed part and the message), kept for its buffer.
    pub(super) probe: Vec<u64>,
}

impl Memo {
    /// Fits the memo to a spec's packing (once: a memo serves one spec).
    #[inline]
    pub(super) fn prepare(&mut self, fast: &Packing) {
        if self.dense.len() != fast.dense_len {
            self.forget(fast);
        }
    }

    /// Forgets every outcome.
    fn forget(&mut self, fast: &Packing) {
        // Zeroed anew rather than filled: the pages of a fresh zeroed
        // allocation become resident only as entries are written.
        self.dense = vec![0; fast.dense_len];
        self.table = Table::default();
        self.wide = Table::default();
        self.ops.clear();
        self.more.clear();
        self.sent.clear();
        self.steps.clear();
        self.errors.clear();
    }

    /// The entry of source `src` (index `index`) when the own bits of the
    /// instance taking the steps are `local` (a wide key is read from the
    /// fixed part, `fixed`), if known: from the source's dense table, else
    /// the hash table; 0 when not computed yet.
    #[inline(always)]
    pub(super) fn cached<const SIMPLE: bool>(
        &self,
        fast: &Packing,
        fixed: &[u64],
        index: usize,
        src: &StepSource,
        local: u64,
    ) -> u64 {
        if !SIMPLE && src.wide {
            self.wide
                .get(wide_entry_key(index, fast.wide_key(fixed, src.global)))
        } else if SIMPLE || src.dense != NOT_DENSE {
            let at = src.dense as usize + local as usize;
            debug_assert!(at < self.dense.len());
            // SAFETY: the memo is prepared for this packing (`dense` has
            // `dense_len` entries) and a source's dense table, one entry
            // per value of its own bits, lies within them (`Packing::new`).
            unsafe { *self.dense.get_unchecked(at) }
        } else {
            self.table.get([index as u64, local])
        }
    }

    /// Records the outcomes of source `src` (index `index`) for own bits
    /// `local` with `compute` (which runs the interpreter into the memo);
    /// their entry.
    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fill(
        &mut self,
        fast: &Packing,
        fixed: &[u64],
        index: usize,
        src: &StepSource,
        local: u64,
        compute: impl FnOnce(&mut Memo),
    ) -> u64 {
        // Full: start afresh (never while a run is replayed: runs are
        // looked up one at a time, and replayed before the next lookup).
        if self.ops.len() >= MEMO_CAPACITY {
            self.forget(fast);
        }
        let start = self.ops.len();
        compute(self);
        let e = entry(start, self.ops.len() - start);
        if src.wide {
            let key = wide_entry_key(index, fast.wide_key(fixed, src.global));
            self.wide.insert(key, e);
        } else if src.dense == NOT_DENSE {
            self.table.insert([index as u64, local], e);
        } else {
            self.dense[src.dense as usize + local as usize] = e;
        }
        e
    }

    /// Hands the run of entry `e` from the packed state `state` to `sink`.
    #[inline(always)]
    pub(super) fn replay<S: Sink>(&mut self, state: &[u64], e: u64, sink: &mut S) {
        let (start, len) = ((e >> 32) as usize, (e as u32 - 1) as usize);
        let Memo {
            ops,
            more,
            steps,
            errors,
            next,
            ..
        } = self;
        debug_assert!(start + len <= ops.len());
        // SAFETY: an entry is made by `Memo::fill` for ops it has just
        // recorded, each with its step; ops and steps are only ever
        // dropped by `Memo::forget`, together with every entry.
        for op in unsafe { ops.get_unchecked(start..start + len) } {
            let step = unsafe { steps.get_unchecked(op.step as usize) };
            match op.kind {
                OpKind::Same => sink.same(step),
                OpKind::Next => {
                    // A step that writes what was there (a variable given
                    // its own value, a message sent that is in the network
                    // already) leads back to the state: `same`, as every
                    // sink would take it (a successor equal to the state
                    // is no edge and takes no task), without a successor
                    // to buffer.
                    if let ([n], [s]) = (next.as_mut_slice(), state) {
                        // One word, the usual case.
                        let w = (*s & op.keep) | op.set;
                        if w == *s {
                            sink.same(step);
                            continue;
                        }
                        *n = w;
                    } else {
                        next.clear();
                        next.extend_from_slice(state);
                        let w = op.word as usize;
                        let mut changed = false;
                        let mut edit = |w: usize, keep: u64, set: u64| {
                            let x = (next[w] & keep) | set;
                            changed |= x != next[w];
                            next[w] = x;
                        };
                        edit(w, op.keep, op.set);
                        let more = &more[op.more as usize..(op.more + op.n_more) as usize];
                        for &(w, keep, set) in more {
                            edit(w as usize, keep, set);
                        }
                        if !changed {
                            sink.same(step);
                            continue;
                        }
                    }
                    sink.next(step, next);
                }
                OpKind::Error => sink.error(step, &errors[op.more as usize]),
            }
        }
    }

    /// Hands the run of entry `e` from the ordinary state `state` to
    /// `emit`: each successor's fixed words edited, its network the
    /// state's, less the message at `removed` (a delivery off a `multiset`
    /// or `fifo` network), with the step's messages put in their places.
    pub(super) fn replay_list(
        &mut self,
        model: &Model,
        state: &[u64],
        removed: Option<usize>,
        e: u64,
        emit: &mut dyn FnMut(Step, Outcome),
    ) {
        let (start, len) = ((e >> 32) as usize, (e as u32 - 1) as usize);
        let fixed_words = model.layout.fixed_words;
        let (fixed, net) = state.split_at(fixed_words);
        let Memo {
            ops,
            more,
            sent,
            steps,
            errors,
            next,
            ..
        } = self;
        for op in &ops[start..start + len] {
            let step = steps[op.step as usize];
            match op.kind {
                OpKind::Same => emit(step, Outcome::Next(state)),
                OpKind::Next => {
                    next.clear();
                    crate::model::extend_words(next, fixed);
                    // A state without fixed words (no instance has a
                    // variable) has no word to edit: the op's edit is then
                    // the no-op `(0, !0, 0)`.
                    if let Some(x) = next.get_mut(op.word as usize) {
                        *x = (*x & op.keep) | op.set;
                    }
                    for &(w, keep, set) in &more[op.more as usize..(op.more + op.n_more) as usize] {
                        next[w as usize] = (next[w as usize] & keep) | set;
                    }
                    let sends = &sent[op.sent as usize..(op.sent + op.n_sent) as usize];
                    model.append_canonical_net(net, removed, sends, next);
                    emit(step, Outcome::Next(next));
                }
                OpKind::Error => emit(step, Outcome::Error(errors[op.more as usize].clone())),
            }
        }
    }
}

/// The wide table's key of source `index` with key `key`.
#[inline]
fn wide_entry_key(index: usize, key: WideKey) -> [u64; 5] {
    [index as u64, key[0], key[1], key[2], key[3]]
}
/// Where [`Model::successors_packed`] hands the steps of a state, in order.
pub trait Sink {
    /// A step that leaves the state as it is.
    fn same(&mut self, step: &Step);
    /// A step to another state (packed).
    fn next(&mut self, step: &Step, next: &[u64]);
    /// A step that fails: a finding.
    fn error(&mut self, step: &Step, error: &RtError);
    /// A fault's step to another state (packed): not the protocol's, so a
    /// state with no other step is deadlocked.
    fn fault(&mut self, step: &Step, next: &[u64]);
}

/// Records the interpreter's outcomes of one step source (an instance's
/// actions, or one message's handlers) into the memo as ops.
pub(super) fn record<'a>(
    fast: &'a Packing,
    fixed_words: usize,
    fixed: &'a [u64],
    global: u32,
    memo: &'a mut Memo,
) -> impl FnMut(Step, Outcome) + 'a {
    let own = &fast.own_words[global as usize];
    let Memo {
        ops,
        more,
        steps,
        errors,
        recorded,
        ..
    } = memo;
    move |step, outcome| {
        recorded.push(step);
        let mut op = Op::same(steps.len() as u32);
        steps.push(step);
        match outcome {
            Outcome::Next(next) if std::ptr::eq(next, fixed) => {}
            Outcome::Next(next) => {
                // (word, keep, set) by word: the own bits replaced, the
                // messages' bits set.
                let mut edits = own_edits(own, next);
                for code in &next[fixed_words..] {
                    let at = fast.base + fast.bit_of(*code);
                    let (w, m) = (at / 64, 1u64 << (at % 64));
                    match edits.iter_mut().find(|(word, _, _)| *word == w) {
                        Some((_, _, set)) => *set |= m,
                        None => edits.push((w, !0, m)),
                    }
                }
                op = op.edits(&edits, more);
            }
            Outcome::Error(e) => {
                op = op.error(e, errors);
            }
        }
        ops.push(op);
    }
}

/// Records the interpreter's outcomes of one step source into the memo as
/// ops on ordinary states: `probe` is the state the interpreter ran on (the
/// fixed part, with the delivered message as its network for a delivery),
/// `kept`: the delivered message when its kind stays in the network (a
/// `set` kind), so that it is not taken for a message sent.
pub(super) fn record_list<'a>(
    fast: &'a Packing,
    fixed_words: usize,
    probe: &'a [u64],
    kept: Option<u64>,
    global: u32,
    memo: &'a mut Memo,
) -> impl FnMut(Step, Outcome) + 'a {
    let own = &fast.own_words[global as usize];
    let Memo {
        ops,
        more,
        sent,
        steps,
        errors,
        recorded,
        ..
    } = memo;
    move |step, outcome| {
        recorded.push(step);
        let mut op = Op::same(steps.len() as u32);
        steps.push(step);
        match outcome {
            Outcome::Next(next) if std::ptr::eq(next, probe) => {}
            Outcome::Next(next) => {
                let edits = own_edits(own, next);
                let start = sent.len();
                let mut kept = kept;
                for &code in &next[fixed_words..] {
                    if kept == Some(code) {
                        kept = None;
                    } else {
                        sent.push(code);
                    }
                }
                op = Op {
                    sent: start as u32,
                    n_sent: (sent.len() - start) as u32,
                    ..op.edits(&edits, more)
                };
            }
            Outcome::Error(e) => {
                op = op.error(e, errors);
            }
        }
        ops.push(op);
    }
}
