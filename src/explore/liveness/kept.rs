//! `R`'s edges and enabled tasks as the region pass computed them
//! ([`Kept`]), or only their targets ([`Targets`]), kept while they fit so
//! that the trim and the graph of what is left need no successor again.

use super::NO_TASK;

/// A task not interned yet, in the rows of a `TakenIn`: `UNKNOWN + k`
/// stands for its `unknown[k]` (task indices stay far below).
pub(super) const UNKNOWN: u32 = 1 << 31;

/// `R`'s edges inside it and the tasks enabled at its states, by position
/// in `R`'s order, in compressed rows: what [`Explorer::trim`] and
/// [`Explorer::rest_graph`] would otherwise compute again. Its vectors
/// grow by an eighth at a time ([`push_lean`]), so that it holds little
/// more than it uses and fits its budget (the visited set's size) where
/// doubling would not.
#[derive(Default)]
pub(super) struct Kept {
    pub(super) edge_start: Vec<u32>,
    /// (target, dense; task index or `NO_TASK`).
    pub(super) edges: Vec<(u32, u32)>,
    /// Under symmetry, by edge (`Graph::renamings`).
    pub(super) renamings: Vec<u64>,
    /// Whether edges carry renamings.
    pub(super) symmetric: bool,
    pub(super) enabled_start: Vec<u32>,
    /// The tasks enabled at a state that none of its kept edges takes
    /// (sorted): a state's enabled tasks are these and its edges' tasks
    /// ([`Kept::enabled_at`]), most of them on edges that stay in `R`.
    pub(super) enabled_off_edges: Vec<u32>,
}

/// The targets of `R`'s edges, by position in `R`'s order, in compressed
/// rows: [`Kept`] without tasks and renamings, half its room.
pub(super) struct Targets {
    pub(super) start: Vec<u32>,
    pub(super) to: Vec<u32>,
}

impl Targets {
    /// The targets of the edges kept so far.
    pub(super) fn of(kept: &Kept) -> Targets {
        Targets {
            start: kept.edge_start.clone(),
            to: kept.edges.iter().map(|&(to, _)| to).collect(),
        }
    }

    pub(super) fn bytes(&self) -> usize {
        4 * (self.start.capacity() + self.to.capacity())
    }

    pub(super) fn row(&self, at: usize) -> &[u32] {
        &self.to[self.start[at] as usize..self.start[at + 1] as usize]
    }

    /// Appends the targets of a run's rows (`TakenIn::rows`).
    pub(super) fn append(&mut self, rows: &Kept) {
        let base = self.to.len() as u32;
        reserve_lean(&mut self.to, rows.edges.len());
        reserve_lean(&mut self.start, rows.edge_start.len());
        self.to.extend(rows.edges.iter().map(|&(to, _)| to));
        (self.start).extend(rows.edge_start[1..].iter().map(|&e| e + base));
    }
}

/// Makes room for `more` elements in `v`, growing it by at least an
/// eighth rather than doubling it (see [`push_lean`]).
fn reserve_lean<T>(v: &mut Vec<T>, more: usize) {
    if v.capacity() - v.len() < more {
        v.reserve_exact(more.max(v.len() / 8));
    }
}

/// Pushes `x` on `v`, growing it by an eighth when it is full rather
/// than doubling it (a large vector's reallocation remaps its pages
/// rather than copying them).
fn push_lean<T>(v: &mut Vec<T>, x: T) {
    if v.len() == v.capacity() {
        v.reserve_exact((v.len() / 8).max(1 << 10));
    }
    v.push(x);
}

impl Kept {
    pub(super) fn new(symmetric: bool) -> Kept {
        Kept {
            symmetric,
            edge_start: vec![0],
            enabled_start: vec![0],
            ..Kept::default()
        }
    }

    pub(super) fn bytes(&self) -> usize {
        4 * (self.edge_start.capacity()
            + self.enabled_start.capacity()
            + self.enabled_off_edges.capacity())
            + 8 * (self.edges.capacity() + self.renamings.capacity())
    }

    pub(super) fn edges(&self, at: usize) -> std::ops::Range<usize> {
        self.edge_start[at] as usize..self.edge_start[at + 1] as usize
    }

    /// Keeps an edge of the state being added (`renaming`: see
    /// `Graph::renamings`).
    pub(super) fn push_edge(&mut self, to: u32, task: u32, renaming: u64) {
        push_lean(&mut self.edges, (to, task));
        if self.symmetric {
            push_lean(&mut self.renamings, renaming);
        }
    }

    /// Makes room for `edges` more edges, `states` more states and `off`
    /// more tasks off edges at once (a piece's), so that the vectors grow
    /// at most once a piece, by at least an eighth.
    pub(super) fn reserve(&mut self, edges: usize, states: usize, off: usize) {
        reserve_lean(&mut self.edges, edges);
        if self.symmetric {
            reserve_lean(&mut self.renamings, edges);
        }
        reserve_lean(&mut self.edge_start, states);
        reserve_lean(&mut self.enabled_start, states);
        reserve_lean(&mut self.enabled_off_edges, off);
    }

    /// Appends the rows of a run (`TakenIn::rows`), their unknown tasks
    /// `UNKNOWN + k` now interned as `map[k]`.
    pub(super) fn append(&mut self, rows: &Kept, map: &[u32]) {
        let (edges, off) = (self.edges.len() as u32, self.enabled_off_edges.len() as u32);
        let code = |t: u32| match t {
            NO_TASK => NO_TASK,
            t if t >= UNKNOWN => map[(t - UNKNOWN) as usize],
            t => t,
        };
        if map.is_empty() {
            self.edges.extend_from_slice(&rows.edges);
            self.enabled_off_edges
                .extend_from_slice(&rows.enabled_off_edges);
        } else {
            self.edges
                .extend(rows.edges.iter().map(|&(to, t)| (to, code(t))));
            self.enabled_off_edges
                .extend(rows.enabled_off_edges.iter().map(|&t| code(t)));
        }
        self.renamings.extend_from_slice(&rows.renamings);
        (self.edge_start).extend(rows.edge_start[1..].iter().map(|&e| e + edges));
        (self.enabled_start).extend(rows.enabled_start[1..].iter().map(|&e| e + off));
    }

    /// Ends the state being added, whose tasks enabled are `enabled` (in
    /// any order, repeated or not; left in an unspecified order).
    pub(super) fn end_state(&mut self, enabled: &mut Vec<u32>) {
        let row = *self.edge_start.last().expect("starts with 0") as usize..self.edges.len();
        let row = &self.edges[row];
        // Rows are short: a scan beats sorting them.
        let on_row = |t: u32| row.iter().any(|&(_, r)| r == t);
        if enabled.len() > 16 {
            enabled.sort_unstable();
            enabled.dedup();
        }
        let first = self.enabled_off_edges.len();
        for &t in enabled.iter() {
            if !on_row(t) && !self.enabled_off_edges[first..].contains(&t) {
                push_lean(&mut self.enabled_off_edges, t);
            }
        }
        push_lean(&mut self.enabled_start, self.enabled_off_edges.len() as u32);
        push_lean(&mut self.edge_start, self.edges.len() as u32);
    }

    /// The tasks enabled at the state at position `at`, sorted, into
    /// `out`.
    pub(super) fn enabled_at(&self, at: usize, out: &mut Vec<u32>) {
        out.clear();
        let on_edges = self.edges[self.edges(at)].iter().map(|&(_, t)| t);
        out.extend(on_edges.filter(|&t| t != NO_TASK));
        let off = self.enabled_start[at] as usize..self.enabled_start[at + 1] as usize;
        out.extend_from_slice(&self.enabled_off_edges[off]);
        out.sort_unstable();
        out.dedup();
    }
}
