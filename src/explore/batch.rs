//! The batch machinery of phase 1: per-shard buffers of successors (which
//! `shared::Emitter` fills), the halt flag and the memory budget of a
//! batch.
//!
//! A buffered successor ([`Pending`]) takes 32 bytes: 32-bit parent and
//! frontier position (both number states, which fit in 32 bits) and, when
//! states are one packed word, the word itself in place of where its words
//! are. Each successor takes the next of its chunk's slots (`Pending::ord`,
//! in generation order), phase 2 writes a new state's id into its first
//! generator's slot, and the batch's frontier is the filled slots read in
//! order: the BFS order without a sort.
//!
//! A step back to the state itself is not buffered (it is stored already),
//! nor is a copy of a successor the same chunk has buffered, found in a
//! small table per chunk ([`Buffered`]) by the state's hash and compared
//! exactly. One-word successors are kept in that table by value and hashed
//! only when new to the chunk; with nothing to check on the step they are
//! looked up when the state's steps end (`Emitter::flush`, in step
//! order), so that the table's cache misses overlap. With several threads,
//! a thread keeps its table from one chunk to its next of the same batch
//! while the chunks come in frontier order, and the table halves when a
//! batch filled less than an eighth of it.
//!
//! [`BatchBudget`] counts a batch's buffers against the memory limit as
//! they grow; [`Halt`] is the flag a watcher thread raises at the deadline
//! or on the stop signal, read after every state.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::model::{RtError, Step};

use super::options::{NOT_ASKED, StopSignal};
use super::outcome::{Coverage, EvalError};
use super::store::{self, lookup_hash};

/// Where a violation was found, for picking the canonical one.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Found {
    /// (BFS level, frontier position, step index): smaller is earlier.
    pub(crate) key: (u32, u64, u32),
    /// The state reached (its id when stored, or the parent for step findings).
    pub(crate) id: u64,
    /// For step findings: the step and its successor (or failure).
    pub(crate) step: Option<(Step, StepEnd)>,
    /// Evaluating the property (or a bound, or `done when`) failed in the
    /// state: a finding that is not a violation.
    pub(crate) error: Option<EvalError>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) enum StepEnd {
    To(Vec<u64>),
    Failed(RtError),
}

/// Keeps the first finding: the shallowest, and at one level a failed
/// evaluation before a violation (so that whether a property's verdict is
/// `error` depends on depths alone, not on the order of states within a
/// level), then the first in BFS order.
pub(crate) fn keep_first(slot: &mut Option<Found>, candidate: Found) {
    // The depth of the trace's last state: a failed step's trace ends in
    // the state it fails from, one level above its key's.
    let depth = |f: &Found| match f.step {
        Some((_, StepEnd::Failed(_))) => f.key.0.saturating_sub(1),
        _ => f.key.0,
    };
    let rank = |f: &Found| (depth(f), f.error.is_none(), f.key.0, f.key.1, f.key.2);
    if slot.as_ref().is_none_or(|f| rank(&candidate) < rank(f)) {
        *slot = Some(candidate);
    }
}

/// Frontier states whose successors are generated before they are stored
/// (the successors' buffers are the explorer's largest transient memory):
/// at most this many, and fewer when their successors are many or wide
/// ([`BATCH_BUFFER_BYTES`]).
pub(super) const BATCH: usize = 1 << 13;

/// What a batch's successors may take in buffers, as far as the batch
/// before it lets one foresee (successors per frontier state and their
/// width): a batch of wide states with thousands of successors each is cut
/// short, so that no batch buffers gigabytes between two checks of the
/// limits. The sizes come from counts, so batches are the same at any
/// thread count.
pub(super) const BATCH_BUFFER_BYTES: usize = 32 << 20;

/// Phase 1 counts its buffers against the memory limit after every this
/// many frontier states of a chunk, and when the chunk's buffers grew by
/// [`CHECK_BYTES`].
pub(super) const CHECK_EVERY: usize = 64;
pub(super) const CHECK_BYTES: usize = 1 << 20;

/// A flag that a watcher thread raises once the deadline passes or the stop
/// signal comes, so that the loops of both phases can look at the time and
/// the signal after every state for the price of reading a flag. Without a
/// deadline or a signal there is no thread, and the flag stays down.
pub(crate) struct Halt {
    pub(crate) flag: Arc<AtomicBool>,
    pub(super) done: Arc<AtomicBool>,
    pub(super) thread: Option<std::thread::JoinHandle<()>>,
}

impl Halt {
    /// How often the watcher looks.
    pub(super) const PERIOD: Duration = Duration::from_millis(10);

    pub(crate) fn start(deadline: Option<Instant>, stop: Option<StopSignal>) -> Halt {
        let flag = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicBool::new(false));
        let thread = (deadline.is_some() || stop.is_some())
            .then(|| {
                let (flag, done) = (flag.clone(), done.clone());
                std::thread::Builder::new()
                    .name("dsmc-limits".into())
                    .spawn(move || {
                        while !done.load(Ordering::Relaxed) {
                            if deadline.is_some_and(|d| Instant::now() >= d)
                                || stop.as_ref().is_some_and(|s| s.asked() != NOT_ASKED)
                            {
                                flag.store(true, Ordering::Relaxed);
                                return;
                            }
                            std::thread::sleep(Halt::PERIOD);
                        }
                    })
                    .ok()
            })
            .flatten();
        Halt { flag, done, thread }
    }
}

impl Drop for Halt {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What may stop a phase of a batch before its end: for phase 1, the room
/// left for its buffers under the memory limit (the chunks add what they
/// buffer to `used` as they go, so that the limit holds while the batch
/// runs and not only between batches); for both, the deadline and the
/// stop signal ([`Halt`]).
pub(super) struct BatchBudget {
    pub(super) room: Option<usize>,
    pub(super) used: AtomicUsize,
    pub(super) halt: Arc<AtomicBool>,
    /// Set when a chunk stopped early; the batch is then dropped.
    pub(super) cut: AtomicBool,
}

impl BatchBudget {
    /// Adds `bytes` more buffered; whether the batch must stop now.
    pub(super) fn spend(&self, bytes: usize) -> bool {
        let used = self.used.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if self.room.is_some_and(|room| used > room) {
            self.cut.store(true, Ordering::Relaxed);
        }
        self.halted()
    }

    /// Whether the batch must stop now: cut already, or past the deadline
    /// or asked to stop. Cheap enough for every state.
    #[inline(always)]
    pub(super) fn halted(&self) -> bool {
        if self.halt.load(Ordering::Relaxed) {
            self.cut.store(true, Ordering::Relaxed);
        }
        self.cut.load(Ordering::Relaxed)
    }

    /// Whether the batch's buffers went past their room. Decided by the
    /// bound of every successor of the batch (a sum that does not depend
    /// on how the batch was cut into chunks, nor on when a chunk stopped,
    /// since it stops only past the room), so the same at any thread count.
    pub(super) fn over_room(&self) -> bool {
        self.room
            .is_some_and(|room| self.used.load(Ordering::Relaxed) > room)
    }

    pub(super) fn was_cut(&self) -> bool {
        self.cut.load(Ordering::Relaxed)
    }
}

/// How many frontier states the next batch takes: as many as fit
/// [`BATCH_BUFFER_BYTES`] at `per_state` bytes of buffers each (what the
/// last batch needed per state), at least one, at most [`BATCH`].
pub(super) fn batch_len(per_state: usize) -> usize {
    (BATCH_BUFFER_BYTES / per_state.max(1)).clamp(1, BATCH)
}

/// How many successors ahead phase 2 asks for the memory of a lookup.
pub(super) const PREFETCH_AHEAD: usize = 8;

/// A batch's slot of a successor that phase 2 found new: its global id
/// (32 bits), this bit, and [`SLOT_PRUNED`] if a bound prunes it. The
/// slot of a successor that was not new is 0.
pub(super) const SLOT_NEW: u64 = 1 << 63;
/// The bit of a slot that says that a bound prunes the state.
pub(super) const SLOT_PRUNED: u64 = 1 << 62;

/// The slot of new state `id`.
#[inline]
pub(super) fn slot_of(id: u64, pruned: bool) -> u64 {
    SLOT_NEW | if pruned { SLOT_PRUNED } else { 0 } | store::narrow_id(id) as u64
}

/// A successor waiting for phase 2, in 32 bytes.
pub(super) struct Pending {
    /// Its hash as the visited set takes it ([`store::lookup_hash`]).
    pub(super) hash: u64,
    /// The state itself when states are one packed word (the usual case:
    /// see [`Shared::one_word`]); else where its words are in the shard
    /// buffer's `words`, `start | len << 32`.
    pub(super) data: u64,
    /// Its parent's id, or none, in 32 bits ([`store::narrow_id`]).
    pub(super) parent: u32,
    /// Its place among the successors its chunk buffered, in the order
    /// they were generated: its slot in the batch's order of new states,
    /// after the earlier chunks' ([`ChunkOut::pendings`]).
    pub(super) ord: u32,
    /// Its key without the level (its chunk's): frontier position and
    /// step index. Positions in a level fit in 32 bits, as they number
    /// states.
    pub(super) pos: u32,
    pub(super) index: u32,
}

impl Pending {
    /// A successor with hash `hash`, key `key` and parent `parent`, whose
    /// words are `data` ([`Pending::data`]).
    #[inline(always)]
    pub(super) fn new(
        hash: u64,
        data: u64,
        (pos, index): (u64, u32),
        ord: u32,
        parent: u64,
    ) -> Pending {
        Pending {
            hash,
            data,
            parent: store::narrow_id(parent),
            ord,
            pos: pos as u32,
            index,
        }
    }

    /// Its key, at level `level` (its chunk's).
    pub(super) fn key(&self, level: u32) -> (u32, u64, u32) {
        (level, self.pos as u64, self.index)
    }

    pub(super) fn parent(&self) -> u64 {
        store::widen_id(self.parent)
    }

    /// Its words, in `words` (its shard buffer's) unless `one`: states are
    /// one packed word.
    #[inline(always)]
    pub(super) fn words<'a>(&'a self, words: &'a [u64], one: bool) -> &'a [u64] {
        if one {
            std::slice::from_ref(&self.data)
        } else {
            let start = self.data as u32 as usize;
            &words[start..start + (self.data >> 32) as usize]
        }
    }
}

#[derive(Default)]
pub(super) struct ShardBuf {
    pub(super) words: Vec<u64>,
    pub(super) pending: Vec<Pending>,
}

/// The successors a chunk has buffered, by hash, to keep a second copy of
/// one out of the buffers: open addressing over one word per slot, the
/// state's hash above and `shard << 26 | (index + 1)` below (`index` in the
/// shard's `pending`; 0 for an empty slot). A successor whose index does
/// not fit is not recorded: it is only a missed shortcut.
///
/// One-word states (packed, the usual case) are kept by value instead: a
/// slot holds the state's word (0 for an empty slot; the state 0 is a flag
/// of its own), so that a copy is recognised without reading the buffers.
///
/// A thread keeps its table from one chunk to the next of the same batch
/// when states are one word ([`Buffered::carry`]), so that a successor
/// buffered by an earlier chunk is not buffered again by a later one.
#[derive(Default)]
pub(super) struct Buffered {
    pub(super) slots: Vec<u64>,
    pub(super) len: usize,
    /// One-word states: whether the state 0 is buffered.
    pub(super) zero: bool,
    /// The batch (its level and first frontier position) and the chunk
    /// whose successors it holds, with those of earlier chunks of the
    /// batch.
    pub(super) holds: Option<(u32, u64, usize)>,
}

/// The fewest slots of a [`Buffered`] table that has any.
pub(super) const MIN_BUFFERED: usize = 1024;

/// Bits of a [`Buffered`] slot for the index.
pub(super) const BUFFERED_INDEX_BITS: u32 = 26;

/// Where a [`Buffered`] slot's probe starts: the top half of the hash.
#[inline]
pub(super) fn slot_home(slot: u64) -> usize {
    (slot >> 32) as usize
}

/// Where a one-word state's probe starts in a [`Buffered`] table.
#[inline]
pub(super) fn word_home(word: u64) -> usize {
    (word.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize
}

impl Buffered {
    /// Whether a successor with hash `hash` that `same` accepts (given its
    /// shard and index) is buffered already; if not, records the one at
    /// `index` in `shard`.
    #[inline(always)]
    pub(super) fn find_or_add(
        &mut self,
        hash: u64,
        shard: usize,
        index: u32,
        same: impl Fn(usize, u32) -> bool,
    ) -> bool {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let tag = hash & (!0 << 32);
        let low = (1u64 << BUFFERED_INDEX_BITS) - 1;
        let mask = self.slots.len() - 1;
        let mut i = slot_home(tag) & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                if (index as u64) < low {
                    let entry = ((shard as u64) << BUFFERED_INDEX_BITS) | (index as u64 + 1);
                    self.slots[i] = tag | entry;
                    self.len += 1;
                }
                return false;
            }
            if slot & (!0 << 32) == tag {
                let entry = slot & 0xFFFF_FFFF;
                let s = (entry >> BUFFERED_INDEX_BITS) as usize;
                if same(s, ((entry & low) - 1) as u32) {
                    return true;
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// A hint that the one-word state `word` is about to be looked up
    /// ([`Buffered::find_or_add_word`]): brings its first slot into cache.
    #[inline(always)]
    pub(super) fn prefetch_word(&self, word: u64) {
        if !self.slots.is_empty() {
            store::prefetch(&self.slots[word_home(word) & (self.slots.len() - 1)]);
        }
    }

    /// Whether the one-word state `word` is buffered already; if not,
    /// records it.
    #[inline(always)]
    pub(super) fn find_or_add_word(&mut self, word: u64) -> bool {
        if word == 0 {
            return std::mem::replace(&mut self.zero, true);
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow_by(word_home);
        }
        let mask = self.slots.len() - 1;
        let mut i = word_home(word) & mask;
        loop {
            let slot = self.slots[i];
            if slot == word {
                return true;
            }
            if slot == 0 {
                self.slots[i] = word;
                self.len += 1;
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    /// Makes the table ready for chunk `chunk` of the batch of level
    /// `level` that starts at frontier position `first`: keeps what it
    /// holds if `one` (states are one word, kept by value) and that is of
    /// earlier chunks of this batch, whose copies come first in (frontier,
    /// step) order, else empties it.
    pub(super) fn carry(&mut self, one: bool, (level, first): (u32, u64), chunk: usize) {
        let earlier =
            matches!(self.holds, Some((l, f, c)) if l == level && f == first && c <= chunk);
        if !(one && earlier) {
            self.clear();
        }
        self.holds = Some((level, first, chunk));
    }

    /// Empties the table, keeping its size (the next chunk will likely
    /// need as much) unless it was less than 1/8 full: then it halves, so
    /// that a table grown for the largest chunk so far does not stay that
    /// large (each chunk's lookups spread over all of it, and emptying it
    /// writes all of it).
    pub(super) fn clear(&mut self) {
        if self.len * 8 < self.slots.len() && self.slots.len() > MIN_BUFFERED {
            self.slots = store::zeroed(self.slots.len() / 2);
        } else if self.len > 0 {
            self.slots.fill(0);
        }
        self.len = 0;
        self.zero = false;
    }

    /// Doubles the table: every entry is placed again from its hash's top.
    pub(super) fn grow(&mut self) {
        self.grow_by(slot_home)
    }

    /// Doubles the table: every entry is placed again from `home`.
    #[cold]
    pub(super) fn grow_by(&mut self, home: impl Fn(u64) -> usize) {
        let size = (self.slots.len() * 2).max(MIN_BUFFERED);
        let old = std::mem::replace(&mut self.slots, store::zeroed(size));
        self.len = 0;
        let mask = size - 1;
        for slot in old.into_iter().filter(|&s| s != 0) {
            let mut i = home(slot) & mask;
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = slot;
            self.len += 1;
        }
    }
}

/// The next frontier: state ids in order and, when states are packed,
/// their words (`store_words` each), so that phase 1 reads them in order
/// instead of from the visited set.
#[derive(Default)]
pub(super) struct Frontier {
    pub(super) ids: Vec<u64>,
    pub(super) words: Vec<u64>,
}

/// What buffering a successor may take besides its words: its `Pending`
/// and four slots of the table of buffered successors, its share of a
/// table that grew for the batch (such a table is 1/4 to 1/2 full; one
/// kept from a larger batch may be emptier, down to 1/8 before it halves,
/// but is held already).
pub(super) const BUFFER_BOUND: usize = std::mem::size_of::<Pending>() + 4 * 8;

/// What buffering successor `next` may take.
#[inline(always)]
pub(super) fn buffer_bound(next: &[u64]) -> usize {
    8 * next.len() + BUFFER_BOUND
}

/// Buffers successor `next`, placed as `placed` (by [`place`]), with key
/// `key` (frontier position and step index) and parent `parent`, for
/// phase 2, as the chunk's successor number `*ord` — unless the chunk has
/// buffered a copy already: the earlier copy comes first in (frontier,
/// step) order, so this one could only be refused by phase 2.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) fn buffer(
    buffered: &mut Buffered,
    bufs: &mut [ShardBuf],
    packed: bool,
    placed: (usize, u64, u64),
    key: (u64, u32),
    ord: &mut u32,
    parent: u64,
    next: &[u64],
) {
    let (shard, hash) = (placed.0, placed.2);
    let index = bufs[shard].pending.len() as u32;
    if buffered.find_or_add(hash, shard, index, |s, i| {
        let words = bufs[s].pending[i as usize].words(&bufs[s].words, false);
        // Word by word: a few words, cheaper than a call to memcmp.
        words.len() == next.len() && words.iter().zip(next).all(|(a, b)| a == b)
    }) {
        return;
    }
    let b = &mut bufs[shard];
    let hash = lookup_hash(placed, packed);
    push_pending(b, hash, key, ord, parent, next, false);
}

/// Appends a successor with lookup hash `hash` to a shard's buffer, as
/// successor number `*ord` of its chunk (and counts it): the state in its
/// `Pending` if `one` (states are one packed word), else in the buffer's
/// words.
#[inline(always)]
pub(super) fn push_pending(
    b: &mut ShardBuf,
    hash: u64,
    key: (u64, u32),
    ord: &mut u32,
    parent: u64,
    next: &[u64],
    one: bool,
) {
    let data = if one {
        debug_assert_eq!(next.len(), 1);
        next[0]
    } else {
        let start = u32::try_from(b.words.len()).expect("a shard buffer of < 2^32 words");
        push_words(&mut b.words, next);
        start as u64 | (next.len() as u64) << 32
    };
    b.pending.push(Pending::new(hash, data, key, *ord, parent));
    *ord += 1;
}

/// Appends a state's words to `to`: one word (the usual packed state)
/// without a call to `memcpy`.
#[inline(always)]
pub(super) fn push_words(to: &mut Vec<u64>, words: &[u64]) {
    match words {
        [word] => to.push(*word),
        _ => crate::model::extend_words(to, words),
    }
}

/// What phase 1 learned from one chunk.
pub(super) struct ChunkOut {
    pub(super) bufs: Vec<ShardBuf>,
    /// The level of the successors (of their keys).
    pub(super) level: u32,
    /// How many successors `bufs` hold.
    pub(super) pendings: u32,
    /// What the buffers would hold if every successor other than a
    /// self-loop were buffered, with its share of the table of buffered
    /// successors: an upper bound that, unlike the buffers themselves (a
    /// chunk drops the copies it finds), does not depend on how the batch
    /// was cut into chunks, so neither does a stop at a memory limit.
    pub(super) buffer_bound: usize,
    pub(super) transitions: u64,
    pub(super) step_found: Vec<Option<Found>>,
    pub(super) deadlock: Option<Found>,
    pub(super) runtime_error: Option<Found>,
    pub(super) coverage: Coverage,
    /// When a liveness property is checked: the states (ids) none of whose
    /// steps to another state is fair ([`Emitter::fair_step`]).
    pub(super) idle: Vec<u64>,
}

impl ChunkOut {
    /// Bytes of the buffered successors, bounded as `buffer_bound` says.
    pub(super) fn buffer_bytes(&self) -> usize {
        self.buffer_bound
    }
}

/// The bytes a vector of `u64` would allocate to take `extra` more
/// elements: its new buffer, while the old one is still held.
pub(super) fn vec_growth_bytes(v: &Vec<u64>, extra: usize) -> usize {
    if v.len() + extra <= v.capacity() {
        0
    } else {
        8 * (2 * v.capacity()).max(v.len() + extra)
    }
}
