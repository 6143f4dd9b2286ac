//! The rounds of the dataflow: the messages workers send one another
//! ([`Msg`]), and one worker's side of a round ([`Rounds::exchange`]),
//! including the announcement of a stop while a round is under way.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use timely::container::CapacityContainerBuilder;
use timely::dataflow::{InputHandle, ProbeHandle};
use timely::worker::Worker;

use super::Tally;
use super::stop::{Halt, limit_reached};
use crate::explore::Options;

/// What one worker found and counted, sent to every worker at the end.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) struct Summary {
    pub(super) from: u32,
    pub(super) tally: Tally,
    pub(super) memory_bytes: u64,
    /// Successor messages sent to other workers, and their bytes as
    /// bincode writes them (without timely's framing).
    pub(super) sent: (u64, u64),
}

/// The messages of every round.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) enum Msg {
    /// Round 1: a successor for its owner, with its key and parent (a
    /// worker takes the successors it owns itself at once).
    Succ {
        state: Vec<u64>,
        pos: u64,
        index: u32,
        parent: u64,
    },
    /// Round 2: a new state's key, for the ranker of its range.
    Rank {
        pos: u64,
        index: u32,
        owner: u32,
        local: u32,
    },
    /// Round 2, to every worker: how many keys a ranker ranked, how many
    /// states the sender stored this level, and whether it must stop
    /// (after this level, or at once: `cut`, it stopped storing them).
    Count {
        from: u32,
        ranked: u64,
        stored: u64,
        halt: Option<Halt>,
        cut: bool,
        /// The sender's transitions and pruned states so far.
        transitions: u64,
        pruned: u64,
    },
    /// Round 3: a new state's global frontier position, for its owner.
    Place { local: u32, pos: u64 },
    /// At the start, to every worker: a hash of the spec text, constants
    /// and properties checked.
    Fingerprint(String),
    /// With `--max-states`, to every worker: how many new states of this
    /// level the sender owns, at least (during round 1, counting those it
    /// generated itself; sent again whenever the count grows), or in all
    /// (in the round after round 1).
    Stored { from: u32, count: u64 },
    /// In any round, to every worker, as soon as the sender must stop
    /// inside a level: the level is abandoned everywhere.
    Stop { from: u32, halt: Halt },
    /// At the end, to every worker.
    Summary(Box<Summary>),
    /// For the liveness phase, to worker 0: a stored state, its id, its
    /// key (level, parent position, step), its parent, and whether it has
    /// no fair step to another state.
    Gather {
        state: Vec<u64>,
        id: u64,
        key: (u32, u64, u32),
        parent: u64,
        idle: bool,
    },
    /// For the liveness phase, to every worker: whether a step of the
    /// sender's led back.
    Backward(bool),
    /// Following a counterexample's path: chain `chain` passes through
    /// `state`, whose parent is `parent`.
    Link {
        chain: u32,
        state: Vec<u64>,
        parent: u64,
    },
}

/// This worker's rounds: its input into the dataflow, the probe that says
/// when a round has ended everywhere, and what the round brought.
pub(super) struct Rounds<'w> {
    pub(super) worker: &'w mut Worker,
    pub(super) input: InputHandle<u64, CapacityContainerBuilder<Vec<(u32, Msg)>>>,
    pub(super) probe: ProbeHandle<u64>,
    /// Messages received, with their round.
    pub(super) inbox: Rc<RefCell<Vec<(u64, Msg)>>>,
    pub(super) round: u64,
    pub(super) lost: &'w AtomicBool,
    /// This worker's stop flag ([`Search::stop_flag`]), what tells why it
    /// was raised, and whether a stop was announced while waiting for a
    /// round to end (once is enough).
    pub(super) stop_flag: Arc<AtomicBool>,
    pub(super) limits: (&'w Options, Option<Instant>),
    pub(super) announced: bool,
}

/// A process was lost while a round was under way.
pub(super) struct Lost;

impl Rounds<'_> {
    /// Sends `out` and returns what every worker sent this one in the same
    /// round, once the round has ended everywhere.
    pub(super) fn exchange(&mut self, out: Vec<(u32, Msg)>) -> Result<Vec<Msg>, Lost> {
        for message in out {
            self.input.send(message);
        }
        self.round += 1;
        self.input.advance_to(self.round);
        while self.probe.less_than(&self.round) {
            if self.lost.load(Ordering::Relaxed) {
                return Err(Lost);
            }
            if !self.announced && self.stop_flag.load(Ordering::Relaxed) {
                // Stopped while others still compute this round: they hear
                // it (in the next round's messages, this worker's input
                // having moved on) between two batches, and stop too
                // ([`Rounds::stop_announced`]).
                self.announced = true;
                let (options, deadline) = self.limits;
                let halt = limit_reached(options, deadline, 0).unwrap_or(Halt::Interrupted);
                let (me, workers) = (self.worker.index(), self.worker.peers());
                self.announce_stop(me, workers, halt);
            }
            self.worker.step_or_park(Some(Duration::from_millis(10)));
        }
        // A worker that is ahead may have sent messages of the next round
        // already: they stay for it.
        let this = self.round - 1;
        let mut inbox = self.inbox.borrow_mut();
        let (now, later): (Vec<_>, Vec<_>) = inbox.drain(..).partition(|(t, _)| *t == this);
        *inbox = later;
        Ok(now.into_iter().map(|(_, m)| m).collect())
    }

    /// Sends `out` in this round now, before the round's other messages,
    /// rather than when the round ends: a stop reaches every worker while
    /// they are still computing.
    pub(super) fn send_now(&mut self, out: Vec<(u32, Msg)>) {
        for message in out {
            self.input.send(message);
        }
        self.input.flush();
        self.worker.step();
    }

    /// Takes out the messages of the round under way that have arrived so
    /// far and that `wanted` picks, without waiting; the others stay.
    pub(super) fn take_arrived(&mut self, wanted: impl Fn(&Msg) -> bool) -> Vec<Msg> {
        self.worker.step();
        let round = self.round;
        let mut inbox = self.inbox.borrow_mut();
        let (taken, kept): (Vec<_>, Vec<_>) =
            (inbox.drain(..)).partition(|(t, m)| *t == round && wanted(m));
        *inbox = kept;
        taken.into_iter().map(|(_, m)| m).collect()
    }

    /// Takes in what has arrived, without waiting: a stop some worker
    /// announced ([`Msg::Stop`]) in this round, or in a later one (sent
    /// while it waited for this round to end), if any.
    pub(super) fn stop_announced(&mut self) -> Option<Halt> {
        self.worker.step();
        let inbox = self.inbox.borrow();
        (inbox.iter())
            .filter_map(|(t, m)| match m {
                Msg::Stop { from, halt } if *t >= self.round => Some((*from, *halt)),
                _ => None,
            })
            .min_by_key(|(from, _)| *from)
            .map(|(_, halt)| halt)
    }

    /// Tells every worker (`workers` of them) to stop this level.
    pub(super) fn announce_stop(&mut self, me: usize, workers: usize, halt: Halt) {
        let out = (0..workers)
            .map(|w| {
                (
                    w as u32,
                    Msg::Stop {
                        from: me as u32,
                        halt,
                    },
                )
            })
            .collect();
        self.send_now(out);
    }
}

/// The first stop announced among a round's messages ([`Msg::Stop`]), by
/// worker: every worker receives the same ones, so all decide alike.
pub(super) fn first_stop(received: &[Msg]) -> Option<Halt> {
    (received.iter())
        .filter_map(|m| match m {
            Msg::Stop { from, halt } => Some((*from, *halt)),
            _ => None,
        })
        .min_by_key(|(from, _)| *from)
        .map(|(_, halt)| halt)
}
