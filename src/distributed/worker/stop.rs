//! Stopping a worker: the limits it looks at ([`limit_reached`]) and the
//! request to stop that crosses the network ([`Halt`]).

use std::time::{Duration, Instant};

use super::Search;
use crate::explore::{MemoryLimit, Options, StopReason};

/// A request to stop, as it crosses the network.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub(super) enum Halt {
    MaxStates(u64),
    Memory {
        bytes: u64,
        reserved: u64,
        guard: bool,
    },
    Timeout(Duration),
    Interrupted,
}

impl Halt {
    pub(super) fn reason(self) -> StopReason {
        match self {
            Halt::MaxStates(n) => StopReason::MaxStates(n),
            Halt::Memory {
                bytes,
                reserved,
                guard,
            } => StopReason::Memory(MemoryLimit {
                bytes,
                reserved,
                guard,
            }),
            Halt::Timeout(d) => StopReason::Timeout(d),
            Halt::Interrupted => StopReason::Interrupted,
        }
    }

    pub(super) fn of(reason: StopReason) -> Halt {
        match reason {
            StopReason::MaxStates(n) => Halt::MaxStates(n),
            StopReason::Memory(l) => Halt::Memory {
                bytes: l.bytes,
                reserved: l.reserved,
                guard: l.guard,
            },
            StopReason::Timeout(d) => Halt::Timeout(d),
            StopReason::Interrupted | StopReason::ProcessLost => Halt::Interrupted,
        }
    }
}

/// How many states a worker stores between two looks at what other
/// workers announced ([`Rounds::stop_announced`]).
pub(super) const POLL_EVERY: usize = 256;

/// Whether a worker must stop when its process holds `bytes` for it: the
/// time is up, the process was interrupted (or its memory watchdog
/// fired), or its memory would pass its share of the limit (the process's
/// workers share it: `--max-memory` is per process).
pub(super) fn limit_reached(
    options: &Options,
    deadline: Option<Instant>,
    bytes: usize,
) -> Option<Halt> {
    if let Some(reason) = options
        .stop
        .as_ref()
        .and_then(|s| s.reason(options.max_memory))
    {
        return Some(Halt::of(reason));
    }
    if let (Some(deadline), Some(t)) = (deadline, options.timeout)
        && Instant::now() >= deadline
    {
        return Some(Halt::Timeout(t));
    }
    if let Some(limit) = options.max_memory {
        let threads = options.threads.unwrap_or(1).max(1) as u64;
        if bytes as u64 * threads > limit.budget() {
            return Some(Halt::of(StopReason::Memory(limit)));
        }
    }
    None
}

impl Search<'_> {
    /// Whether this worker must stop, with `extra` bytes held besides its
    /// partition ([`limit_reached`]).
    pub(super) fn must_stop(&self, extra: usize) -> Option<Halt> {
        limit_reached(self.options, self.deadline, self.part.bytes() + extra)
    }
}
