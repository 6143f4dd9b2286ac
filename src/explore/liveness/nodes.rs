//! The steps of states as the liveness passes compute them ([`Nodes`],
//! [`Out`]), and the index of fair tasks ([`TaskIndex`]).

use std::collections::HashMap;

use crate::model::Task;

/// Tasks by index: a map with a multiplicative hash (tasks are looked up
/// once per edge of `R`, and are not chosen by an adversary).
pub(super) type TaskIndex = HashMap<Task, u32, std::hash::BuildHasherDefault<TaskHasher>>;

/// The hasher of [`TaskIndex`].
#[derive(Default)]
pub(super) struct TaskHasher(u64);

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

/// A step of a state that changes it: its target (dense) as stored, its
/// task, and under symmetry the number of the renaming that maps the
/// successor to the stored target (`Symmetry::rank`; 0 otherwise).
#[derive(Clone, Copy)]
pub(super) struct Out {
    pub(super) to: u32,
    pub(super) task: Option<Task>,
    pub(super) renaming: u64,
}

/// The steps of a run of states as first computed (successors and tasks
/// before interning), in compressed rows: state `k` of the run has edges
/// `edges[edge_start[k]..edge_start[k + 1]]`, and likewise enabled tasks.
/// One allocation per run rather than per state.
#[derive(Default, Clone)]
pub(super) struct Nodes {
    pub(super) edge_start: Vec<u32>,
    pub(super) edges: Vec<Out>,
    pub(super) enabled_start: Vec<u32>,
    pub(super) enabled: Vec<Task>,
}

impl Nodes {
    /// How many states the run has.
    pub(super) fn len(&self) -> usize {
        self.enabled_start.len().saturating_sub(1)
    }

    /// The steps of state `k` that change it, as stored targets.
    pub(super) fn edges(&self, k: usize) -> &[Out] {
        &self.edges[self.edge_start[k] as usize..self.edge_start[k + 1] as usize]
    }

    /// The tasks of state `k`'s steps that change it, in step order.
    pub(super) fn enabled(&self, k: usize) -> &[Task] {
        &self.enabled[self.enabled_start[k] as usize..self.enabled_start[k + 1] as usize]
    }

    /// Each state's edges and enabled tasks, in order.
    pub(super) fn each(&self) -> impl Iterator<Item = (&[Out], &[Task])> {
        (0..self.len()).map(|k| (self.edges(k), self.enabled(k)))
    }

    /// Empty, ready for [`Nodes::append`] and `Rows::append_to`.
    pub(super) fn start(&mut self) {
        self.edge_start.clear();
        self.edges.clear();
        self.enabled_start.clear();
        self.enabled.clear();
        self.edge_start.push(0);
        self.enabled_start.push(0);
    }

    /// Appends state `k` of `other` as a state of its own.
    pub(super) fn append(&mut self, other: &Nodes, k: usize) {
        self.edges.extend_from_slice(other.edges(k));
        self.enabled.extend_from_slice(other.enabled(k));
        self.edge_start.push(self.edges.len() as u32);
        self.enabled_start.push(self.enabled.len() as u32);
    }

    pub(super) fn bytes(&self) -> usize {
        std::mem::size_of::<Out>() * self.edges.capacity()
            + std::mem::size_of::<Task>() * self.enabled.capacity()
            + 4 * (self.edge_start.capacity() + self.enabled_start.capacity())
    }
}

/// [`Nodes`] of consecutive runs of states, as [`Explorer::raw_nodes`]
/// computed them in parallel.
pub(super) struct Computed(pub(super) Vec<Nodes>);

impl Computed {
    /// Each state's edges and enabled tasks, in the order of the states.
    pub(super) fn each(&self) -> impl Iterator<Item = (&[Out], &[Task])> {
        self.0.iter().flat_map(Nodes::each)
    }

    pub(super) fn bytes(&self) -> usize {
        self.0.iter().map(Nodes::bytes).sum()
    }
}
