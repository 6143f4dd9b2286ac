//! The visited set: states stored exactly, sharded by hash, with the
//! network interned.
//!
//! A state is its fixed part (a few words) and its network (a variable list
//! of message codes). Many states share a network, so each shard interns
//! networks in a table of its own (`Interner`) and stores a state as a
//! record: its fixed words and the `u32` index of its network. Lookups compare
//! the fixed words and the network index exactly (two states with equal
//! networks have equal indices), so there are no silent hash collisions:
//! this is collapse compression, not hash compaction.
//!
//! A state's global id is `(local_index << SHARD_BITS) | shard` and fits in
//! 32 bits, so parents are stored as `u32`.
//!
//! A shard finds a record through an open-addressing table of `u32` slots
//! (the record's index and 6 bits of the key's hash above it; 7/8 load), so
//! a probe passes over most other keys without reading their records.
//! There are [`SHARDS`] shards whatever the number of threads, so results
//! do not depend on it; a state's shard comes from its network's hash
//! ([`place`]), which the shard's interner then reuses. Tables probed
//! before they are written are allocated written ([`zeroed`]), not
//! zero-mapped, which would cost a copy-on-write fault and a TLB flush on
//! every core per page.

use super::codec::{In, Out, Unreadable};
use crate::hash::{GOLDEN, finish as fmix, mix};

/// log2 of the number of shards. Fixed (not derived from the thread count)
/// so that the order of states, and with it every trace, is the same at any
/// thread count.
pub(crate) const SHARD_BITS: u32 = 6;
/// Number of shards.
pub(crate) const SHARDS: usize = 1 << SHARD_BITS;
/// The parent of an initial state.
pub(crate) const NO_PARENT: u64 = u64::MAX;
/// The parent of an initial state, as stored.
const NO_PARENT_32: u32 = u32::MAX;
/// States per shard: global ids must fit in 32 bits (minus `NO_PARENT_32`).
const MAX_LOCAL: u32 = (u32::MAX >> SHARD_BITS) - 1;

/// A fixed-seed 64-bit hash of a list of words.
#[inline]
pub(crate) fn hash_state(words: &[u64]) -> u64 {
    let h = 0x243F_6A88_85A3_08D3 ^ (words.len() as u64).wrapping_mul(GOLDEN);
    fmix(words.iter().fold(h, |h, &w| mix(h, w)))
}

/// The shard of a state with hash `h`.
#[inline]
fn shard_of(h: u64) -> usize {
    (h as usize) & (SHARDS - 1)
}

/// Where a state goes: its shard, the hash of its network (the words after
/// the first `fixed_words`), which the shard's interner uses as it is, and
/// the hash of the whole state (its low bits are the shard). A packed state
/// (no network part) is stored under the hash of the whole state.
#[inline]
pub fn place(words: &[u64], fixed_words: usize) -> (usize, u64, u64) {
    let (fixed, net) = words.split_at(fixed_words);
    let net_hash = hash_state(net);
    let h = fixed_hash(net_hash, fixed.iter().copied());
    (shard_of(h), net_hash, h)
}

/// [`hash_state`] of no words: the network hash of every packed state.
const EMPTY_NET_HASH: u64 = fmix(0x243F_6A88_85A3_08D3);

/// [`place`] for a packed state (all its words fixed, no network): its
/// shard and its hash, as [`lookup_hash`] gives it.
#[inline]
pub(crate) fn place_packed(words: &[u64]) -> (usize, u64) {
    let h = fixed_hash(EMPTY_NET_HASH, words.iter().copied());
    (shard_of(h), h)
}

/// The hash [`Shard::insert`] and [`Shard::find`] take for a state that
/// [`place`] placed: the whole state's when states are packed (`packed`:
/// no network part), else its network's.
#[inline]
pub(crate) fn lookup_hash((_, net_hash, hash): (usize, u64, u64), packed: bool) -> u64 {
    if packed { hash } else { net_hash }
}

/// The hash of a state from its network's hash and its fixed words.
#[inline]
fn fixed_hash(net_hash: u64, fixed: impl Iterator<Item = u64>) -> u64 {
    fmix(fixed.fold(net_hash, mix))
}

/// A global id, or [`NO_PARENT`], in the 32 bits it fits in.
#[inline]
pub(crate) fn narrow_id(id: u64) -> u32 {
    if id == NO_PARENT {
        NO_PARENT_32
    } else {
        id as u32
    }
}

/// A global id, or [`NO_PARENT`], from its 32 bits ([`narrow_id`]).
#[inline]
pub(crate) fn widen_id(id: u32) -> u64 {
    match id {
        NO_PARENT_32 => NO_PARENT,
        p => p as u64,
    }
}

/// The global id of local index `local` in shard `shard`.
#[inline]
pub(crate) fn global_id(shard: usize, local: u32) -> u64 {
    ((local as u64) << SHARD_BITS) | shard as u64
}

/// The shard and local index of a global id.
#[inline]
pub(crate) fn split_id(id: u64) -> (usize, u32) {
    ((id as usize) & (SHARDS - 1), (id >> SHARD_BITS) as u32)
}

/// An open-addressing table of `u32` indices (`index + 1`, 0 for empty);
/// the keys live elsewhere and are hashed again when the table grows, so
/// the table costs 4 bytes a slot and nothing else. The index takes the
/// low [`INDEX_BITS`] bits of a slot; the top bits hold a tag from the
/// key's hash, so most slots of other keys are passed over without reading
/// their key (a cache miss each, in a big table).
#[derive(Default)]
struct Slots {
    slots: Vec<u32>,
}

/// Bits of a slot for `index + 1`: every local index fits ([`MAX_LOCAL`]).
const INDEX_BITS: u32 = 32 - SHARD_BITS;

/// A slot holding `index`, for a key with hash `hash`.
#[inline]
fn slot_of(index: u32, hash: u64) -> u32 {
    tag_of(hash) | (index + 1)
}

/// The tag bits of a key with hash `hash` (its top bits: the position
/// comes from the low ones).
#[inline]
fn tag_of(hash: u64) -> u32 {
    ((hash >> (64 - SHARD_BITS)) as u32) << INDEX_BITS
}

/// The index a (full) slot holds.
#[inline]
fn index_in(slot: u32) -> u32 {
    (slot & ((1 << INDEX_BITS) - 1)) - 1
}

impl Slots {
    /// Brings the first slot probed for `hash` into cache.
    #[inline]
    fn prefetch(&self, hash: u64) {
        if !self.slots.is_empty() {
            prefetch(&self.slots[(hash >> SHARD_BITS) as usize & (self.slots.len() - 1)]);
        }
    }

    /// Finds the index whose key `eq` accepts, or the empty slot where it
    /// would go (`Err`).
    #[inline]
    fn probe(&self, hash: u64, mut eq: impl FnMut(u32) -> bool) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let tag = tag_of(hash);
        let mut i = (hash >> SHARD_BITS) as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return Err(i);
            }
            if slot & !((1 << INDEX_BITS) - 1) == tag && eq(index_in(slot)) {
                return Ok(index_in(slot));
            }
            i = (i + 1) & mask;
        }
    }

    /// Grows when `len + 1` keys would fill more than 7/8 of the slots
    /// (linear probing stays short at that load with a good hash).
    fn reserve_one(&mut self, len: usize, hash_of: impl Fn(u32) -> u64) {
        if (len + 1) * 8 <= self.slots.len() * 7 {
            return;
        }
        let cap = (self.slots.len() * 2).max(64);
        let mut slots = zeroed(cap);
        let mask = cap - 1;
        for index in 0..len as u32 {
            let hash = hash_of(index);
            let mut i = (hash >> SHARD_BITS) as usize & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = slot_of(index, hash);
        }
        self.slots = slots;
    }

    fn bytes(&self) -> usize {
        4 * self.slots.capacity()
    }
}

/// A vector of `len` zeros, written rather than taken zeroed from the
/// system: a table that is read before it is written would otherwise map
/// the shared zero page first, and its first write to each page would then
/// cost a copy-on-write fault and, with several threads, a TLB flush on
/// every core (an interrupt to each).
pub(crate) fn zeroed<T: Copy + Default>(len: usize) -> Vec<T> {
    let mut v = Vec::with_capacity(len);
    v.resize(len, T::default());
    v
}

/// Distinct networks (lists of message codes), each stored once.
#[derive(Default)]
struct Interner {
    words: Vec<u64>,
    /// Start of each network in `words`, plus one final end.
    starts: Vec<u32>,
    table: Slots,
}

impl Interner {
    fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    #[inline]
    fn get(&self, index: u32) -> &[u64] {
        let start = self.starts[index as usize] as usize;
        let end = self.starts[index as usize + 1] as usize;
        &self.words[start..end]
    }

    fn find(&self, net: &[u64], hash: u64) -> Option<u32> {
        if self.table.slots.is_empty() {
            return None;
        }
        self.table.probe(hash, |i| self.get(i) == net).ok()
    }

    /// The index of network `net` (whose [`hash_state`] is `hash`), added
    /// if new.
    fn intern(&mut self, net: &[u64], hash: u64) -> u32 {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        let len = self.len();
        {
            let (words, starts) = (&self.words, &self.starts);
            self.table.reserve_one(len, |i| {
                hash_state(&words[starts[i as usize] as usize..starts[i as usize + 1] as usize])
            });
        }
        match self.table.probe(hash, |i| self.get(i) == net) {
            Ok(index) => index,
            Err(slot) => {
                let index = len as u32;
                self.table.slots[slot] = slot_of(index, hash);
                self.words.extend_from_slice(net);
                let end = u32::try_from(self.words.len()).expect("fewer than 2^32 network words");
                self.starts.push(end);
                index
            }
        }
    }

    fn bytes(&self) -> usize {
        8 * self.words.capacity() + 4 * self.starts.capacity() + self.table.bytes()
    }
}

/// A growable array in fixed blocks of `BLOCK` elements: growing never
/// copies or frees, so the allocator keeps no holes (a doubling `Vec` of
/// tens of MiB leaves freed copies behind in the heap's resident set).
/// Blocks are arrays of their full size, so an index within one needs no
/// bounds check; a new block comes zeroed from the system, and its pages
/// become resident as elements are pushed (no element is read before it
/// is written).
struct Segmented<T> {
    blocks: Vec<Box<[T; BLOCK]>>,
    len: usize,
}

/// Elements per block of a [`Segmented`].
const BLOCK: usize = 1 << 14;

impl<T: Copy + Default> Segmented<T> {
    fn new() -> Segmented<T> {
        Segmented {
            blocks: Vec::new(),
            len: 0,
        }
    }

    #[inline]
    fn push(&mut self, value: T) {
        if self.len.is_multiple_of(BLOCK) {
            self.blocks.push(Self::block());
        }
        self.blocks.last_mut().expect("a block")[self.len % BLOCK] = value;
        self.len += 1;
    }

    /// A new block.
    #[cold]
    fn block() -> Box<[T; BLOCK]> {
        let block = vec![T::default(); BLOCK].into_boxed_slice();
        block
            .try_into()
            .unwrap_or_else(|_| unreachable!("a block has BLOCK elements"))
    }

    /// Brings element `index` into cache, if it exists.
    #[inline]
    fn prefetch(&self, index: usize) {
        if let Some(block) = self.blocks.get(index / BLOCK) {
            prefetch(&block[index % BLOCK]);
        }
    }

    #[inline]
    fn get(&self, index: usize) -> T {
        self.blocks[index / BLOCK][index % BLOCK]
    }

    /// Bytes in use: the full blocks, and the pages of the last one that
    /// were written (the rest of a block is reserved, not resident).
    fn bytes(&self) -> usize {
        (self.len * std::mem::size_of::<T>()).next_multiple_of(PAGE)
    }

    /// The bytes `extra` more elements would take.
    fn growth_bytes(&self, extra: usize) -> usize {
        ((self.len + extra) * std::mem::size_of::<T>()).next_multiple_of(PAGE) - self.bytes()
    }
}

impl<T: Copy + Default + Stored> Segmented<T> {
    /// Writes the elements (their number first).
    fn save(&self, out: &mut Out<'_>) -> std::io::Result<()> {
        out.u64(self.len as u64)?;
        let mut left = self.len;
        for block in &self.blocks {
            let n = left.min(BLOCK);
            T::write(out, &block[..n])?;
            left -= n;
        }
        Ok(())
    }

    /// The elements [`Segmented::save`] wrote; `expect`: how many there
    /// must be.
    fn restore(input: &mut In<'_>, expect: Option<usize>) -> Result<Segmented<T>, Unreadable> {
        let len = input.u64()? as usize;
        if expect.is_some_and(|e| e != len) {
            return Err(Unreadable::Corrupt("a shard's records do not fit together"));
        }
        let mut out = Segmented::new();
        let mut buf = Vec::with_capacity(BLOCK.min(len));
        while out.len < len {
            let n = (len - out.len).min(BLOCK);
            buf.clear();
            T::read(input, n, &mut buf)?;
            for &value in &buf {
                out.push(value);
            }
        }
        Ok(out)
    }
}

/// Element types a checkpoint holds.
pub(crate) trait Stored: Sized {
    fn write(out: &mut Out<'_>, values: &[Self]) -> std::io::Result<()>;
    fn read(input: &mut In<'_>, n: usize, to: &mut Vec<Self>) -> std::io::Result<()>;
}

impl Stored for u32 {
    fn write(out: &mut Out<'_>, values: &[u32]) -> std::io::Result<()> {
        out.u32_values(values)
    }
    fn read(input: &mut In<'_>, n: usize, to: &mut Vec<u32>) -> std::io::Result<()> {
        input.u32_values(n, to)
    }
}

/// Asks the CPU to load the cache line holding `value` (a hint; no effect
/// on results).
#[inline(always)]
pub(super) fn prefetch<T>(value: &T) {
    // SAFETY: a prefetch reads nothing into the program and writes
    // nothing; the address comes from a live reference, and SSE (the
    // instruction's feature) is part of every x86_64 target.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            (value as *const T).cast::<i8>(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// The unit in which memory becomes resident.
const PAGE: usize = 4096;

/// One shard of the visited set.
pub(crate) struct Shard {
    fixed_words: usize,
    /// 32-bit halves of the fixed part stored per state: the halves above
    /// the layout's last used bit are always zero and not stored.
    halves: usize,
    /// Per state: the `halves` low-first 32-bit halves of its fixed words.
    fixed: Segmented<u32>,
    /// Per state: the index of its network in `nets` (empty when states
    /// have no network part: packed states).
    net: Segmented<u32>,
    /// Whether states have a network part after the fixed words.
    networks: bool,
    /// Per state: its parent's global id, or `NO_PARENT_32`.
    parents: Segmented<u32>,
    nets: Interner,
    table: Slots,
}

#[inline]
fn finish_record(h: u64, net: u32) -> u64 {
    fmix(mix(h, net as u64))
}

/// 32-bit half `i` of `words`, low half first.
#[inline]
fn half(words: &[u64], i: usize) -> u32 {
    (words[i / 2] >> (32 * (i % 2))) as u32
}

/// The hash of a record: the stored halves of the fixed part and the
/// network index.
#[inline]
fn record_hash(fixed: &[u64], halves: usize, net: u32) -> u64 {
    let h = (0..halves).fold(0x1319_8A2E_0370_7344, |h, i| mix(h, half(fixed, i) as u64));
    finish_record(h, net)
}

/// Where a state goes in a shard ([`Shard::record`]): the index of its
/// interned network (0 without networks) and the hash of its record.
#[derive(Clone, Copy, Debug)]
pub struct Record {
    net: u32,
    hash: u64,
}

impl Shard {
    /// An empty shard for states with `fixed_words` fixed words of which
    /// the first `fixed_bits` bits are used, followed by a network unless
    /// `networks` is false (packed states: the fixed words are all).
    pub fn new(fixed_words: usize, fixed_bits: u32, networks: bool) -> Shard {
        Shard {
            fixed_words,
            networks,
            halves: (fixed_bits as usize).div_ceil(32),
            fixed: Segmented::new(),
            net: Segmented::new(),
            parents: Segmented::new(),
            nets: Interner::default(),
            table: Slots::default(),
        }
    }

    /// Number of states stored.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.parents.len
    }

    /// Whether state `local`'s fixed words are `fixed`.
    #[inline]
    fn fixed_is(&self, local: u32, fixed: &[u64]) -> bool {
        let start = local as usize * self.halves;
        (0..self.halves).all(|i| self.fixed.get(start + i) == half(fixed, i))
    }

    /// The hash of stored record `local`.
    #[inline]
    fn hash_of(&self, local: u32) -> u64 {
        let start = local as usize * self.halves;
        if !self.networks {
            if self.fixed_words == 1 && self.halves > 0 {
                // One packed word, the usual case: its one or two halves.
                let low = self.fixed.get(start) as u64;
                let high = if self.halves > 1 {
                    self.fixed.get(start + 1) as u64
                } else {
                    0
                };
                return fixed_hash(EMPTY_NET_HASH, std::iter::once(low | (high << 32)));
            }
            let half = |i: usize| -> u64 {
                if i < self.halves {
                    self.fixed.get(start + i) as u64
                } else {
                    0
                }
            };
            let words = (0..self.fixed_words).map(|w| half(2 * w) | (half(2 * w + 1) << 32));
            return fixed_hash(EMPTY_NET_HASH, words);
        }
        let mut h: u64 = 0x1319_8A2E_0370_7344;
        for i in 0..self.halves {
            h = mix(h, self.fixed.get(start + i) as u64);
        }
        finish_record(h, self.net_of(local))
    }

    /// The network index of state `local` (0 without networks).
    #[inline]
    fn net_of(&self, local: u32) -> u32 {
        if self.networks {
            self.net.get(local as usize)
        } else {
            0
        }
    }

    /// Writes the words of state `local` into `out` (replacing its content).
    #[inline]
    pub fn load(&self, local: u32, out: &mut Vec<u64>) {
        out.clear();
        let start = local as usize * self.halves;
        out.resize(self.fixed_words, 0);
        for i in 0..self.halves {
            out[i / 2] |= (self.fixed.get(start + i) as u64) << (32 * (i % 2));
        }
        if self.networks {
            out.extend_from_slice(self.nets.get(self.net.get(local as usize)));
        }
    }

    /// A hint that state `local` is about to be loaded ([`Shard::load`]):
    /// brings its fixed words and its network's index into cache.
    #[inline]
    pub(crate) fn prefetch_state(&self, local: u32) {
        self.fixed.prefetch(local as usize * self.halves);
        if self.networks {
            self.net.prefetch(local as usize);
        }
    }

    /// The parent of state `local`.
    pub fn parent(&self, local: u32) -> u64 {
        widen_id(self.parents.get(local as usize))
    }

    /// Bytes held, for memory reports.
    pub fn bytes(&self) -> usize {
        self.fixed.bytes()
            + self.net.bytes()
            + self.parents.bytes()
            + self.nets.bytes()
            + self.table.bytes()
    }

    /// A bound on the bytes that storing `extra` more states could
    /// allocate, networks aside: new blocks of records, and a grown table
    /// (the new table is allocated while the old one is still held).
    pub(crate) fn growth_bytes(&self, extra: usize) -> usize {
        let mut slots = self.table.slots.len().max(64);
        let wanted = self.len() + extra;
        let mut table = 0;
        while wanted * 8 > slots * 7 {
            slots *= 2;
            table = 4 * slots;
        }
        table
            + self.fixed.growth_bytes(extra * self.halves)
            + if self.networks {
                self.net.growth_bytes(extra)
            } else {
                0
            }
            + self.parents.growth_bytes(extra)
    }

    /// Bytes held by the interned networks.
    pub(crate) fn network_bytes(&self) -> usize {
        self.nets.bytes()
    }

    /// Where a packed state (no network part) with hash `hash` would be
    /// probed first.
    #[inline]
    fn home(&self, hash: u64) -> Option<usize> {
        if self.networks || self.table.slots.is_empty() {
            return None;
        }
        Some((hash >> SHARD_BITS) as usize & (self.table.slots.len() - 1))
    }

    /// A hint that the packed state with hash `hash` is about to be
    /// inserted: brings its first table slot into cache. Nothing for
    /// states with a network.
    #[inline]
    pub(crate) fn prefetch_slot(&self, hash: u64) {
        if let Some(i) = self.home(hash) {
            prefetch(&self.table.slots[i]);
        }
    }

    /// The second hint, a little later: brings in the record the first
    /// slot points at (the slot should be in cache by then).
    #[inline]
    pub(crate) fn prefetch_record(&self, hash: u64) {
        if let Some(i) = self.home(hash) {
            let slot = self.table.slots[i];
            if slot != 0 {
                let start = index_in(slot) as usize * self.halves;
                if let Some(half) = self
                    .fixed
                    .blocks
                    .get(start / BLOCK)
                    .and_then(|block| block.get(start % BLOCK))
                {
                    prefetch(half);
                }
            }
        }
    }

    /// The local index of a stored state; `hash` is, for a packed state,
    /// its hash, else the hash of its network ([`place`]).
    pub fn find(&self, words: &[u64], hash: u64) -> Option<u32> {
        if self.table.slots.is_empty() {
            return None;
        }
        let (fixed, net) = words.split_at(self.fixed_words);
        let (net, hash) = if self.networks {
            let net = self.nets.find(net, hash)?;
            (net, record_hash(fixed, self.halves, net))
        } else {
            (0, hash)
        };
        self.table
            .probe(hash, |l| self.net_of(l) == net && self.fixed_is(l, fixed))
            .ok()
    }

    /// The first half of [`Shard::find`] for a state with a network: its
    /// network's index and its record's hash, `None` when the network is
    /// not stored (nor, then, the state). For a packed state, its hash
    /// as it is. Splitting the two lets a caller fetch the record's slot a
    /// few lookups ahead ([`Shard::prefetch_record_slot`]).
    #[inline]
    pub(crate) fn find_record(&self, words: &[u64], hash: u64) -> Option<Record> {
        if !self.networks {
            return Some(Record { net: 0, hash });
        }
        let (fixed, net) = words.split_at(self.fixed_words);
        let net = self.nets.find(net, hash)?;
        Some(Record {
            net,
            hash: record_hash(fixed, self.halves, net),
        })
    }

    /// The second half of [`Shard::find`], with the state's record.
    #[inline]
    pub(crate) fn find_at(&self, words: &[u64], record: Record) -> Option<u32> {
        if self.table.slots.is_empty() {
            return None;
        }
        let fixed = &words[..self.fixed_words];
        self.table
            .probe(record.hash, |l| {
                self.net_of(l) == record.net && self.fixed_is(l, fixed)
            })
            .ok()
    }

    /// Inserts a state unless present; returns its local index: `Ok` when
    /// new, `Err` when it was stored already. `hash` is, for a packed
    /// state, its hash, else the hash of its network ([`place`]).
    #[inline]
    pub fn insert(&mut self, words: &[u64], parent: u64, hash: u64) -> Result<u32, u32> {
        let record = self.record(words, hash);
        self.insert_record(words, parent, record)
    }

    /// The first half of [`Shard::insert`]: where state `words` (with
    /// `hash` as there) goes, its network interned. Splitting the two lets
    /// a caller look up the record's slot a few states ahead
    /// ([`Shard::prefetch_record_slot`]) when states have a network.
    #[inline]
    pub fn record(&mut self, words: &[u64], hash: u64) -> Record {
        if self.networks {
            let (fixed, net) = words.split_at(self.fixed_words);
            let net = self.nets.intern(net, hash);
            Record {
                net,
                hash: record_hash(fixed, self.halves, net),
            }
        } else {
            Record { net: 0, hash }
        }
    }

    /// A hint that a state with a network whose hash is `hash` is about to
    /// be placed ([`Shard::record`]): brings the interner's first slot for
    /// it into cache.
    #[inline]
    pub(crate) fn prefetch_network(&self, hash: u64) {
        if self.networks {
            self.nets.table.prefetch(hash);
        }
    }

    /// A hint that the state placed at `record` is about to be inserted:
    /// brings its first table slot into cache.
    #[inline]
    pub(crate) fn prefetch_record_slot(&self, record: Record) {
        self.table.prefetch(record.hash);
    }

    /// Writes the shard to a checkpoint: its records (the stored halves
    /// of each state's fixed part, its network index, its parent) and its
    /// networks. The tables are not written: [`Shard::restore`] builds
    /// them again, the same.
    pub fn save(&self, out: &mut Out<'_>) -> std::io::Result<()> {
        out.u64(self.len() as u64)?;
        self.fixed.save(out)?;
        if self.networks {
            self.net.save(out)?;
        }
        self.parents.save(out)?;
        out.u64s(&self.nets.words)?;
        out.u32s(&self.nets.starts)
    }

    /// A shard as [`Shard::save`] wrote it, for states laid out as
    /// [`Shard::new`] says. Checks that the records fit together (lengths,
    /// network indices), not what the states mean.
    pub(crate) fn restore(
        input: &mut In<'_>,
        fixed_words: usize,
        fixed_bits: u32,
        networks: bool,
    ) -> Result<Shard, Unreadable> {
        let mut shard = Shard::new(fixed_words, fixed_bits, networks);
        let len = input.u64()?;
        if len > MAX_LOCAL as u64 + 1 {
            return Err(Unreadable::Corrupt("a shard holds too many states"));
        }
        let len = len as usize;
        shard.fixed = Segmented::restore(input, Some(len * shard.halves))?;
        if networks {
            shard.net = Segmented::restore(input, Some(len))?;
        }
        shard.parents = Segmented::restore(input, Some(len))?;
        let words = input.u64s()?;
        let starts = input.u32s()?;
        let bounds_ok = starts.first().is_none_or(|&s| s == 0)
            && starts.windows(2).all(|w| w[0] <= w[1])
            && starts.last().is_none_or(|&e| e as usize == words.len());
        if !bounds_ok || (!networks && !starts.is_empty()) {
            return Err(Unreadable::Corrupt(
                "the networks of a shard do not fit together",
            ));
        }
        for pair in starts.windows(2) {
            let net = &words[pair[0] as usize..pair[1] as usize];
            let index = shard.nets.intern(net, hash_state(net));
            if index as usize + 2 != shard.nets.starts.len() {
                return Err(Unreadable::Corrupt("a shard holds a network twice"));
            }
        }
        if networks && (0..len).any(|l| shard.net.get(l) as usize >= shard.nets.len()) {
            return Err(Unreadable::Corrupt(
                "a state names a network that is not there",
            ));
        }
        // The table as storing the states one by one left it: the
        // smallest it grows to for `len` states, filled in index order.
        if len > 0 {
            let mut cap = 64;
            while len * 8 > cap * 7 {
                cap *= 2;
            }
            let mut table = Slots { slots: zeroed(cap) };
            for local in 0..len as u32 {
                let hash = shard.hash_of(local);
                match table.probe(hash, |_| false) {
                    Err(slot) => table.slots[slot] = slot_of(local, hash),
                    Ok(_) => unreachable!("a probe that accepts nothing ends at an empty slot"),
                }
            }
            shard.table = table;
        }
        Ok(shard)
    }

    /// Whether every parent stored is `valid`.
    pub(crate) fn parents_are(&self, valid: impl Fn(u64) -> bool) -> bool {
        (0..self.len()).all(|l| valid(self.parent(l as u32)))
    }

    /// The second half of [`Shard::insert`], with the state's place.
    #[inline]
    pub(crate) fn insert_record(
        &mut self,
        words: &[u64],
        parent: u64,
        record: Record,
    ) -> Result<u32, u32> {
        let fixed = &words[..self.fixed_words];
        let Record { net, hash } = record;
        let len = self.len();
        if (len + 1) * 8 > self.table.slots.len() * 7 {
            let mut table = std::mem::take(&mut self.table);
            table.reserve_one(len, |l| self.hash_of(l));
            self.table = table;
        }
        let slot = match self
            .table
            .probe(hash, |l| self.net_of(l) == net && self.fixed_is(l, fixed))
        {
            Ok(stored) => return Err(stored),
            Err(slot) => slot,
        };
        let local = len as u32;
        assert!(
            local <= MAX_LOCAL,
            "more than {MAX_LOCAL} states in one shard of the visited set"
        );
        self.table.slots[slot] = slot_of(local, hash);
        for i in 0..self.halves {
            self.fixed.push(half(fixed, i));
        }
        if self.networks {
            self.net.push(net);
        }
        self.parents.push(narrow_id(parent));
        Ok(local)
    }
}
