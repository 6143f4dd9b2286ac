//! The visited set: states stored exactly, sharded by hash.
//!
//! Each shard owns an arena of state words, each state's parent, and an
//! open-addressing table of indices into the arena. Lookups compare whole
//! states, so there are no silent hash collisions. A state's global id is
//! `(local_index << SHARD_BITS) | shard`.

/// log2 of the number of shards. Fixed (not derived from the thread count)
/// so that the order of states, and with it every trace, is the same at any
/// thread count.
pub const SHARD_BITS: u32 = 6;
/// Number of shards.
pub const SHARDS: usize = 1 << SHARD_BITS;
/// The parent of an initial state.
pub const NO_PARENT: u64 = u64::MAX;

/// A fixed-seed 64-bit hash of a state.
#[inline]
pub fn hash_state(words: &[u64]) -> u64 {
    let mut h: u64 =
        0x243F_6A88_85A3_08D3 ^ (words.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for &w in words {
        h = (h ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^= h >> 32;
    }
    // Final avalanche (from MurmurHash3's fmix64).
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The shard of a state with hash `h`.
#[inline]
pub fn shard_of(h: u64) -> usize {
    (h as usize) & (SHARDS - 1)
}

/// The global id of local index `local` in shard `shard`.
#[inline]
pub fn global_id(shard: usize, local: u32) -> u64 {
    ((local as u64) << SHARD_BITS) | shard as u64
}

/// The shard and local index of a global id.
#[inline]
pub fn split_id(id: u64) -> (usize, u32) {
    ((id as usize) & (SHARDS - 1), (id >> SHARD_BITS) as u32)
}

/// One shard of the visited set.
#[derive(Default)]
pub struct Shard {
    arena: Vec<u64>,
    /// Start of each state in `arena`, plus one final end.
    starts: Vec<u64>,
    parents: Vec<u64>,
    hashes: Vec<u64>,
    /// Open addressing: `local + 1`, 0 for empty.
    slots: Vec<u32>,
}

impl Shard {
    /// Number of states stored.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.parents.len()
    }

    /// The words of state `local`.
    #[inline]
    pub fn state(&self, local: u32) -> &[u64] {
        let start = self.starts[local as usize] as usize;
        let end = self.starts[local as usize + 1] as usize;
        &self.arena[start..end]
    }

    /// The parent of state `local`.
    pub fn parent(&self, local: u32) -> u64 {
        self.parents[local as usize]
    }

    /// Bytes held, for memory reports.
    pub fn bytes(&self) -> usize {
        8 * (self.arena.capacity()
            + self.starts.capacity()
            + self.parents.capacity()
            + self.hashes.capacity())
            + 4 * self.slots.capacity()
    }

    /// The local index of a stored state.
    pub fn find(&self, words: &[u64], hash: u64) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = (hash >> SHARD_BITS) as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return None;
            }
            let local = slot - 1;
            if self.hashes[local as usize] == hash && self.state(local) == words {
                return Some(local);
            }
            i = (i + 1) & mask;
        }
    }

    /// Inserts a state unless present; returns its local index when new.
    pub fn insert(&mut self, words: &[u64], hash: u64, parent: u64) -> Option<u32> {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        if (self.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = (hash >> SHARD_BITS) as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                break;
            }
            let local = slot - 1;
            if self.hashes[local as usize] == hash && self.state(local) == words {
                return None;
            }
            i = (i + 1) & mask;
        }
        let local = self.len() as u32;
        self.slots[i] = local + 1;
        self.arena.extend_from_slice(words);
        self.starts.push(self.arena.len() as u64);
        self.parents.push(parent);
        self.hashes.push(hash);
        Some(local)
    }

    fn grow(&mut self) {
        let cap = (self.slots.len() * 2).max(64);
        let mut slots = vec![0u32; cap];
        let mask = cap - 1;
        for (local, &h) in self.hashes.iter().enumerate() {
            let mut i = (h >> SHARD_BITS) as usize & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = local as u32 + 1;
        }
        self.slots = slots;
    }
}
