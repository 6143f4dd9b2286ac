//! A worker's partition of the visited set ([`Part`]), the ids that name
//! a state across workers, and which worker owns a state.

use std::collections::HashMap;

use crate::explore::{Generator, Shard, split_id};

/// The parent of an initial state.
pub(super) const NO_PARENT: u64 = u64::MAX;

/// A map keyed by states or ids, hashed with the visited set's mixer
/// rather than SipHash (a fifth of a one-process run's time went to
/// hashing the candidates of a level).
pub(super) type Map<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<WordHasher>>;

/// The hasher of [`Map`]: the words written, mixed one by one.
#[derive(Default)]
pub(super) struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = crate::hash::mix(self.0, word);
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }

    fn finish(&self) -> u64 {
        crate::hash::finish(self.0)
    }
}
/// A global id is `worker << 32 | local id`, the local id being the
/// single-process explorer's id in the worker's own shards.
pub(super) const LOCAL_BITS: u32 = 32;

pub(super) fn global(worker: usize, local: u32) -> u64 {
    ((worker as u64) << LOCAL_BITS) | local as u64
}

pub(super) fn split(id: u64) -> (usize, u32) {
    ((id >> LOCAL_BITS) as usize, id as u32)
}

/// The worker (of `workers`) that owns a state whose whole hash is `hash`
/// ([`Generator::place`]: of the state as stored, so under symmetry the
/// owner of a state is the owner of its representative).
pub(super) fn owner(hash: u64, workers: usize) -> usize {
    (hash >> 32) as usize % workers
}

/// This worker's partition of the visited set: the states whose owner it
/// is, stored as one process stores them (the same shards: packed, orbit
/// representatives, exact), with their parents.
pub(super) struct Part {
    pub(super) shards: Vec<Shard>,
    /// By shard and local index: the worker of the state's parent (the
    /// shard holds the parent's local id in that worker).
    pub(super) parent_workers: Vec<Vec<u16>>,
    /// By shard and local index, when a liveness property is checked: the
    /// key of the state's first generator (level, parent position, step),
    /// which orders the states as one process stores them, and whether it
    /// was expanded with no fair step to another state.
    pub(super) keys: Vec<Vec<(u32, u64, u32)>>,
    pub(super) idle: Vec<Vec<bool>>,
    pub(super) liveness: bool,
    pub(super) len: u64,
}

impl Part {
    pub(super) fn new(generator: &Generator, liveness: bool) -> Part {
        let shards = generator.shards();
        let n = shards.len();
        Part {
            shards,
            parent_workers: vec![Vec::new(); n],
            keys: vec![Vec::new(); n],
            idle: vec![Vec::new(); n],
            liveness,
            len: 0,
        }
    }

    /// The local id of a stored state placed at `placed`
    /// ([`Generator::place`]).
    pub(super) fn find(&self, state: &[u64], placed: (usize, u64, u64)) -> Option<u32> {
        let local = self.shards[placed.0].find(state, placed.1)?;
        Some(crate::explore::global_id(placed.0, local) as u32)
    }

    /// Stores a new state; its local id.
    pub(super) fn insert(
        &mut self,
        state: &[u64],
        placed: (usize, u64, u64),
        parent: u64,
        key: (u32, u64, u32),
    ) -> u32 {
        let (worker, local) = match parent {
            NO_PARENT => (0, NO_PARENT),
            p => {
                let (w, l) = split(p);
                (w, l as u64)
            }
        };
        let s = placed.0;
        let at = match self.shards[s].insert(state, local, placed.1) {
            Ok(at) | Err(at) => at,
        };
        self.parent_workers[s].push(u16::try_from(worker).expect("at most 65,536 workers"));
        if self.liveness {
            self.keys[s].push(key);
            self.idle[s].push(false);
        }
        self.len += 1;
        crate::explore::global_id(s, at) as u32
    }

    /// A stored state's words.
    pub(super) fn state(&self, local: u32) -> Vec<u64> {
        let (s, l) = split_id(local as u64);
        let mut out = Vec::new();
        self.shards[s].load(l, &mut out);
        out
    }

    /// A stored state's parent (a global id), or [`NO_PARENT`].
    pub(super) fn parent(&self, local: u32) -> u64 {
        let (s, l) = split_id(local as u64);
        match self.shards[s].parent(l) {
            NO_PARENT => NO_PARENT,
            p => global(self.parent_workers[s][l as usize] as usize, p as u32),
        }
    }

    pub(super) fn set_idle(&mut self, local: u32) {
        let (s, l) = split_id(local as u64);
        self.idle[s][l as usize] = true;
    }

    /// What the partition holds, in bytes.
    pub(super) fn bytes(&self) -> usize {
        let shards: usize = self.shards.iter().map(Shard::bytes).sum();
        let per_state = 2 + if self.liveness { 16 + 1 } else { 0 };
        shards + self.len as usize * per_state
    }
}
