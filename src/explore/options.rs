//! How to search (options, limits, the stop signal) and how a search
//! reports its progress.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use super::checkpoint;

/// How to explore.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Worker threads; `None`: all cores.
    pub threads: Option<usize>,
    /// Stop once this many distinct states are stored (checked between
    /// batches of the frontier, so the count may pass it by one batch).
    pub max_states: Option<u64>,
    /// Stop before the memory the search holds would cross this limit.
    pub max_memory: Option<MemoryLimit>,
    /// Stop once the check (search and liveness) has run this long.
    pub timeout: Option<Duration>,
    /// Stop when asked from outside: Ctrl-C, SIGTERM or SIGHUP, or a
    /// watchdog of the process's memory.
    pub stop: Option<StopSignal>,
    /// Explore every state even when the spec declares `symmetric` kinds.
    pub no_symmetry: bool,
    /// Told how the search goes: once per BFS level, and once before each
    /// liveness property. Off the hot path; `None` costs nothing.
    pub progress: Option<ProgressHook>,
    /// The properties to check, by index; `None`: all. The others are
    /// [`Verdict::NotSelected`](super::Verdict::NotSelected) and cost nothing (no liveness phase for an
    /// unselected liveness property).
    pub properties: Option<Vec<usize>>,
    /// Interpret every step and keep networks as lists, even where the
    /// spec qualifies for the step cache and packed `set` networks
    /// ([`Model::packing`](crate::model::Model::packing)): for comparison and for testing the fast path.
    pub interpreted: bool,
    /// Write checkpoints of the search as it goes (`--checkpoint`).
    pub checkpoint: Option<checkpoint::Checkpointing>,
    /// Start from a checkpoint instead of the initial states (`--resume`):
    /// the search goes on as if it had never stopped.
    pub resume: Option<checkpoint::Resume>,
    /// The liveness phase computes the edges of `R` again in its later
    /// passes instead of keeping them from the first, as it does when they
    /// would take more room than the visited set (both ways must give the
    /// same verdicts and lassos; tests compare them).
    pub recompute_liveness_edges: bool,
}

impl Options {
    /// Whether property `index` is checked.
    pub fn checks(&self, index: usize) -> bool {
        self.properties.as_ref().is_none_or(|p| p.contains(&index))
    }
}

/// A limit on the memory of the search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryLimit {
    /// The limit, in bytes.
    pub bytes: u64,
    /// Of which the search may not use this much: what the process holds
    /// already (the program, the model, the allocator's own).
    pub reserved: u64,
    /// Whether this is the default guard (a share of the machine's
    /// available memory) rather than `--max-memory`.
    pub guard: bool,
}

impl MemoryLimit {
    /// The bytes the search's own structures may hold.
    pub fn budget(&self) -> u64 {
        self.bytes.saturating_sub(self.reserved)
    }
}

/// A request to stop, set from another thread (a signal handler, a
/// watchdog) and read by the search between batches. Cloning shares it.
#[derive(Clone, Debug, Default)]
pub struct StopSignal(Arc<AtomicU8>);

pub(super) const NOT_ASKED: u8 = 0;
pub(super) const ASKED_INTERRUPT: u8 = 1;
pub(super) const ASKED_MEMORY: u8 = 2;

impl StopSignal {
    /// A signal nobody has raised yet.
    pub fn new() -> StopSignal {
        StopSignal::default()
    }

    /// Asks the search to stop: the user interrupted it (Ctrl-C), or the
    /// system did (SIGTERM, SIGHUP).
    pub fn interrupt(&self) {
        let _ = self.0.compare_exchange(
            NOT_ASKED,
            ASKED_INTERRUPT,
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
    }

    /// Asks the search to stop: the process's memory reached the limit.
    pub fn memory_full(&self) {
        let _ =
            self.0
                .compare_exchange(NOT_ASKED, ASKED_MEMORY, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Whether the user interrupted.
    pub fn interrupted(&self) -> bool {
        self.0.load(Ordering::Relaxed) == ASKED_INTERRUPT
    }

    /// Withdraws a memory request (a new check starts with its memory
    /// freed); an interrupt stays.
    pub fn clear_memory(&self) {
        let _ =
            self.0
                .compare_exchange(ASKED_MEMORY, NOT_ASKED, Ordering::SeqCst, Ordering::SeqCst);
    }

    pub(super) fn asked(&self) -> u8 {
        self.0.load(Ordering::Relaxed)
    }

    /// The stop asked for, if any: an interrupt, or the memory limit
    /// `max_memory` reached (a memory request without a limit asks for
    /// nothing).
    pub(crate) fn reason(&self, max_memory: Option<MemoryLimit>) -> Option<StopReason> {
        match self.asked() {
            ASKED_INTERRUPT => Some(StopReason::Interrupted),
            ASKED_MEMORY => max_memory.map(StopReason::Memory),
            _ => None,
        }
    }
}

/// Why a check stopped before its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// `max_states` distinct states were stored.
    MaxStates(u64),
    /// The search's memory would have crossed the limit.
    Memory(MemoryLimit),
    /// The check ran for the time allowed.
    Timeout(Duration),
    /// Interrupted from outside (Ctrl-C, SIGTERM, SIGHUP).
    Interrupted,
    /// A process of a distributed check (`--processes`, `--hostfile`)
    /// exited or lost its connection before the end.
    ProcessLost,
}

/// Where and why a check stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stop {
    /// Why it stopped.
    pub reason: StopReason,
    /// In the liveness phase, after a complete search (so safety verdicts
    /// are final); otherwise during the breadth-first search.
    pub in_liveness: bool,
}

/// How far a running check has come, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// What the check is doing.
    pub phase: Phase,
    /// Distinct states stored so far.
    pub states: u64,
    /// BFS levels done, the initial level counted as 1.
    pub level: u32,
    /// States waiting to be expanded: the rest of the current level and the
    /// next level so far.
    pub queue: u64,
    /// Bytes held by the visited set.
    pub memory_bytes: usize,
}

/// What a running check is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The breadth-first search.
    Search,
    /// The fair-cycle search for liveness property `property` (an index
    /// into the spec's properties), the `nth` of `of` (1-based).
    Liveness {
        /// The property, by index into the spec's properties.
        property: usize,
        /// Its place among the liveness properties checked, from 1.
        nth: usize,
        /// The number of liveness properties checked.
        of: usize,
    },
}

/// A callback for [`Progress`] reports.
#[derive(Clone)]
pub struct ProgressHook(pub std::sync::Arc<dyn Fn(&Progress) + Send + Sync>);

impl std::fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressHook")
    }
}
