//! The steps of states, as one liveness property's search computed them,
//! kept for the searches of the properties after it.
//!
//! Each property's region `R` is found by recomputing the successors of
//! its states; properties whose regions overlap would compute the same
//! states' successors again. [`Rows`] keeps them, by dense index, while
//! they fit the budget the region pass gives (what the search held, shared
//! with the property's own kept rows), so that a state's successors are
//! computed once for every property whose search needs them. Only a search
//! with another one after it fills the table; the last reads it and drops
//! it. The rows hold every step of a state that changes it (any target,
//! any task), unfiltered: which of them a property keeps is its own
//! business. Nothing depends on which rows are kept: a state without one
//! has its successors computed again, in the same order.

use super::nodes::{Nodes, Out, TaskIndex};
use crate::model::Task;

/// The number of enabled tasks of a row whose enabled tasks are its
/// edges' tasks, in order.
const SAME: u32 = u32::MAX;

/// The rows kept, by dense index ([`super::Dense::rows`]).
#[derive(Default)]
pub(super) struct Rows {
    /// By dense index: where the state's row starts in `data` (`u32::MAX`:
    /// not kept). Empty until the first row comes.
    at: Vec<u32>,
    /// The rows, one after the other: the number of edges, the number of
    /// enabled tasks, each edge (its target; its task's index + 1, or 0;
    /// under symmetry its renaming in two words, low first), then each
    /// enabled task's index, in step order. The usual case, where the
    /// enabled tasks are the edges' tasks in order (every step's
    /// successor was stored), has [`SAME`] for their number and no list.
    data: Vec<u32>,
    /// Tasks by index, and back.
    index_of: TaskIndex,
    tasks: Vec<Task>,
    symmetric: bool,
    /// The number of properties whose search has not begun yet.
    pub(super) searches: usize,
    /// No more rows are taken in (the budget was reached once).
    pub(super) full: bool,
    /// How many rows are kept.
    kept: usize,
}

impl Rows {
    /// An empty table for `searches` property searches to come.
    pub(super) fn new(symmetric: bool, searches: usize) -> Rows {
        Rows {
            symmetric,
            searches,
            ..Rows::default()
        }
    }

    /// Whether no row is kept.
    pub(super) fn is_empty(&self) -> bool {
        self.kept == 0
    }

    /// Drops every row (the memory limit needs the room); no more are
    /// taken in.
    pub(super) fn clear(&mut self) {
        *self = Rows {
            symmetric: self.symmetric,
            searches: self.searches,
            full: true,
            ..Rows::default()
        };
    }

    pub(super) fn bytes(&self) -> usize {
        4 * (self.at.capacity() + self.data.capacity())
            + (std::mem::size_of::<Task>() + 8) * self.tasks.capacity()
            + (std::mem::size_of::<(Task, u32)>() + 1) * self.index_of.capacity()
    }

    /// Where dense state `i`'s row starts, if it is kept.
    pub(super) fn row(&self, i: u32) -> Option<usize> {
        match self.at.get(i as usize) {
            Some(&at) if at != u32::MAX => Some(at as usize),
            _ => None,
        }
    }

    /// Appends dense state `i`'s kept row (starting at `at`, see
    /// [`Self::row`]) to `nodes` as a state of its own.
    pub(super) fn append_to(&self, at: usize, nodes: &mut Nodes) {
        let (n_edges, n_enabled) = (self.data[at] as usize, self.data[at + 1]);
        let width = if self.symmetric { 4 } else { 2 };
        let mut k = at + 2;
        for _ in 0..n_edges {
            let e = &self.data[k..k + width];
            let task = e[1].checked_sub(1).map(|t| self.tasks[t as usize]);
            let renaming = match self.symmetric {
                true => e[2] as u64 | (e[3] as u64) << 32,
                false => 0,
            };
            nodes.edges.push(Out {
                to: e[0],
                task,
                renaming,
            });
            if n_enabled == SAME
                && let Some(t) = task
            {
                nodes.enabled.push(t);
            }
            k += width;
        }
        if n_enabled != SAME {
            let enabled = &self.data[k..k + n_enabled as usize];
            (nodes.enabled).extend(enabled.iter().map(|&t| self.tasks[t as usize]));
        }
        nodes.edge_start.push(nodes.edges.len() as u32);
        nodes.enabled_start.push(nodes.enabled.len() as u32);
    }

    fn intern(&mut self, task: Task) -> u32 {
        let tasks = &mut self.tasks;
        *self.index_of.entry(task).or_insert_with(|| {
            tasks.push(task);
            tasks.len() as u32 - 1
        })
    }

    /// Keeps the rows of `ids` (dense states, out of `n` states), which
    /// are `nodes`'s states in order, until the table holds `room` bytes;
    /// past that it takes no more in ([`Self::full`]). A state kept
    /// already is left as it is.
    pub(super) fn take_in(&mut self, n: usize, ids: &[u32], nodes: &Nodes, room: usize) {
        if self.full {
            return;
        }
        if self.at.is_empty() {
            self.at = vec![u32::MAX; n];
        }
        for (&i, (edges, enabled)) in ids.iter().zip(nodes.each()) {
            if self.bytes() > room || self.data.len() >= u32::MAX as usize / 2 {
                self.full = true;
                return;
            }
            if self.at[i as usize] != u32::MAX {
                continue;
            }
            let same = enabled
                .iter()
                .copied()
                .eq(edges.iter().filter_map(|e| e.task));
            let width = if self.symmetric { 4 } else { 2 };
            let more = 2 + width * edges.len() + if same { 0 } else { enabled.len() };
            if self.data.capacity() - self.data.len() < more {
                // By an eighth, not doubling: the table stays near its room.
                (self.data).reserve_exact(more.max(self.data.len() / 8).max(1 << 12));
            }
            self.at[i as usize] = self.data.len() as u32;
            self.kept += 1;
            self.data.push(edges.len() as u32);
            self.data
                .push(if same { SAME } else { enabled.len() as u32 });
            for e in edges {
                let task = e.task.map_or(0, |t| self.intern(t) + 1);
                self.data.extend_from_slice(&[e.to, task]);
                if self.symmetric {
                    (self.data).extend_from_slice(&[e.renaming as u32, (e.renaming >> 32) as u32]);
                }
            }
            for &t in enabled.iter().filter(|_| !same) {
                let t = self.intern(t);
                self.data.push(t);
            }
        }
    }
}
