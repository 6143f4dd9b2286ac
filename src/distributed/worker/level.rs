//! The three rounds of a BFS level: expanding the frontier (round 1,
//! [`Search::expand`], with [`Outbox`] taking the successors and looking
//! at the limits between batches), then storing and testing the new
//! states and ranking them across workers (rounds 2 and 3,
//! [`Search::store_level`]).

use std::sync::atomic::Ordering;

use super::Search;
use super::part::{Map, Part, global, owner};
use super::rounds::{Lost, Msg, Rounds, first_stop};
use super::stop::{Halt, POLL_EVERY, limit_reached};
use crate::explore::{
    Batch, Evaluated, Expansion, Found, Generator, Options, StopReason, Tested, keep_first,
    test_new_state,
};
use std::time::Instant;

/// A new state of this level, before it is stored: its least key so far
/// and that generator.
pub(super) struct Candidate {
    pub(super) pos: u64,
    pub(super) index: u32,
    pub(super) parent: u64,
}

/// The new states of a level that this worker owns, each with its least
/// key so far: the order in which successors come does not matter.
#[derive(Default)]
pub(super) struct Candidates {
    map: Map<Vec<u64>, Candidate>,
    /// A successor was stored already, at this level or before: a step
    /// back (see [`crate::explore::Gathered::backward`]).
    backward: bool,
    /// What the map holds, about.
    bytes: usize,
}

impl Candidates {
    /// Takes a successor this worker owns, with its key and its parent's
    /// global id: kept when it is new and its key is the least so far.
    fn offer<S>(&mut self, part: &Part, generator: &Generator, state: S, candidate: Candidate)
    where
        S: AsRef<[u64]> + Into<Vec<u64>>,
    {
        let words = state.as_ref();
        if let Some(known) = self.map.get_mut(words) {
            if (candidate.pos, candidate.index) < (known.pos, known.index) {
                *known = candidate;
            }
            return;
        }
        if part.find(words, generator.place(words)).is_some() {
            self.backward = true;
            return;
        }
        self.bytes += std::mem::size_of::<(Vec<u64>, Candidate)>() + 8 + 8 * words.len();
        self.map.insert(state.into(), candidate);
    }

    fn len(&self) -> u64 {
        self.map.len() as u64
    }
}

/// The `Ok` of a level's rounds: this worker's next frontier (by global
/// position) and the global number of frontier states, the states all
/// workers stored, and a stop some worker asked for after this level.
/// The `Err` of its inner result: the level was abandoned, for that stop.
pub(super) type Level = Result<((Vec<(u32, u64)>, u64), u64, Option<Halt>), Halt>;

impl Search<'_> {
    /// Round 1: the successors of this worker's frontier states (local id,
    /// global position), sent to their owners; returns the new states this
    /// worker owns, each with its least key, or the stop for which some
    /// worker abandoned the level (each worker looks for one between two
    /// batches of its frontier, and its own limits before every state).
    ///
    /// With `--max-states`, `max_new` is how many new states the level may
    /// add: a level that would add more is abandoned everywhere, and
    /// before its states are stored (the workers count theirs in one more
    /// round); a worker stops it during round 1 already once the new
    /// states known to exist pass it ([`Outbox::next_batch`]). Either way
    /// the level is abandoned exactly when its new states pass `max_new`,
    /// so the report does not depend on timing.
    #[allow(clippy::type_complexity)]
    pub(super) fn expand(
        &mut self,
        rounds: &mut Rounds,
        level: u32,
        frontier: &[(u32, u64)],
        max_new: Option<u64>,
    ) -> Result<Result<Vec<(Vec<u64>, Candidate)>, Halt>, Lost> {
        let generator = self.generator;
        let (workers, me) = (self.workers, self.me);
        let ids: Vec<u64> = frontier.iter().map(|&(local, _)| local as u64).collect();
        let positions: Vec<u64> = frontier.iter().map(|&(_, pos)| pos).collect();
        let mut outbox = Outbox {
            out: Vec::new(),
            state_bytes: 0,
            sent: self.sent,
            generator,
            workers,
            me,
            rounds: &mut *rounds,
            part: &self.part,
            candidates: Candidates::default(),
            max_new,
            counts: vec![0; workers],
            options: self.options,
            deadline: self.deadline,
            stopped: false,
        };
        let expanded = generator.expand(&self.part.shards, level, &ids, &positions, &mut outbox);
        let Outbox {
            mut out,
            sent,
            stopped,
            state_bytes,
            mut candidates,
            ..
        } = outbox;
        self.sent = sent;
        if expanded.cut {
            if !stopped {
                // Phase 1 stopped by itself: the flag, or its buffers
                // went past their room.
                let halt = self
                    .must_stop(state_bytes + out.capacity() * std::mem::size_of::<(u32, Msg)>())
                    .or_else(|| {
                        self.options
                            .max_memory
                            .map(|l| Halt::of(StopReason::Memory(l)))
                    })
                    .unwrap_or(Halt::Interrupted);
                rounds.announce_stop(me, workers, halt);
            }
            // The level cannot be completed: its successors are not sent.
            out = Vec::new();
        }
        let received = rounds.exchange(out)?;
        if let Some(halt) = first_stop(&received) {
            return Ok(Err(halt));
        }
        // The findings' ids are local ids here.
        let globalise = |mut f: Found| {
            f.id = global(me, f.id as u32);
            f
        };
        self.tally.transitions += expanded.transitions;
        for (slot, f) in self.tally.found.iter_mut().zip(expanded.step_found) {
            if let Some(f) = f {
                keep_first(slot, globalise(f));
            }
        }
        if let Some(f) = expanded.deadlock {
            keep_first(&mut self.tally.deadlock, globalise(f));
        }
        if let Some(f) = expanded.runtime_error {
            keep_first(&mut self.tally.runtime_error, globalise(f));
        }
        self.tally.coverage.merge(&expanded.coverage);
        if self.liveness {
            for id in expanded.idle {
                self.part.set_idle(id as u32);
            }
        }
        // The new states among the successors received.
        for message in received {
            if let Msg::Succ {
                state,
                pos,
                index,
                parent,
            } = message
            {
                let candidate = Candidate { pos, index, parent };
                candidates.offer(&self.part, generator, state, candidate);
            }
        }
        self.backward |= candidates.backward;
        if let Some(max_new) = max_new {
            // Every worker's count, so that all abandon a level that
            // would pass the limit before storing and testing its states.
            let count = candidates.len();
            let from = me as u32;
            let out = (0..workers)
                .map(|w| (w as u32, Msg::Stored { from, count }))
                .collect();
            let received = rounds.exchange(out)?;
            if let Some(halt) = first_stop(&received) {
                return Ok(Err(halt));
            }
            let total: u64 = (received.iter())
                .map(|m| match m {
                    Msg::Stored { count, .. } => *count,
                    _ => 0,
                })
                .sum();
            if total > max_new {
                let max = self.options.max_states.unwrap_or(max_new);
                return Ok(Err(Halt::MaxStates(max)));
            }
        }
        Ok(Ok(candidates.map.into_iter().collect()))
    }

    /// This worker's stop inside a level, if it must stop (its flag raised,
    /// or a limit reached): announced to every worker at once.
    fn stop_inside(&self, rounds: &mut Rounds) -> Option<Halt> {
        let halt = self
            .must_stop(0)
            .or_else(|| (self.stop_flag.load(Ordering::Relaxed)).then_some(Halt::Interrupted))?;
        rounds.announce_stop(self.me, self.workers, halt);
        Some(halt)
    }

    /// Stores and tests this worker's new states of `level`, then ranks
    /// them across workers (rounds 2 and 3). Returns the next frontier
    /// (this worker's states, by global position, and the global number of
    /// frontier states), how many states all workers stored, and a stop
    /// some worker asked for; or the stop for which the level was
    /// abandoned (a worker stopped storing: its limits are looked at
    /// before every state, other workers' stops every [`POLL_EVERY`]).
    pub(super) fn store_level(
        &mut self,
        rounds: &mut Rounds,
        level: u32,
        frontier_len: u64,
        mut candidates: Vec<(Vec<u64>, Candidate)>,
    ) -> Result<Level, Lost> {
        let model = self.model;
        // In key order, so that local ids do not depend on arrival order.
        candidates.sort_by_key(|(_, c)| (c.pos, c.index));
        let stored = candidates.len() as u64;
        let rankers = self.workers as u128;
        let mut out = Vec::new();
        // A test that runs long stops when the flag is raised (then the
        // level is abandoned below, so its result is never used).
        let _watch = crate::model::halt::Watch::new(&self.stop_flag);
        // This worker's own stop inside the level, and whether it stopped.
        let mut own: Option<Halt> = None;
        let mut cut = false;
        for (done, (state, c)) in candidates.into_iter().enumerate() {
            if self.stop_flag.load(Ordering::Relaxed) || done % POLL_EVERY == POLL_EVERY - 1 {
                own = self.stop_inside(rounds);
                cut = own.is_some() || rounds.stop_announced().is_some();
                if cut {
                    break;
                }
            }
            let key = (level, c.pos, c.index);
            let placed = self.generator.place(&state);
            let local = self.part.insert(&state, placed, c.parent, key);
            let id = global(self.me, local);
            let state = &state[..];
            let tally = &mut self.tally;
            let tested = test_new_state(
                model,
                &self.checked,
                state,
                None,
                &mut self.locals,
                (key, id),
                &mut tally.reached,
                |what, f| match what {
                    Evaluated::Property(index) => keep_first(&mut tally.found[index], f),
                    _ => keep_first(&mut tally.runtime_error, f),
                },
            );
            if tested == Tested::Interrupted {
                // The flag is raised: the level is abandoned below.
                continue;
            }
            self.generator
                .mark_sent(&mut self.tally.coverage.sent, state);
            match tested {
                Tested::Bounds(true) => {}
                Tested::Bounds(false) => {
                    self.tally.pruned += 1;
                    continue;
                }
                // A finding: the state is neither expanded nor pruned.
                _ => continue,
            }
            let ranker = (c.pos as u128 * rankers / frontier_len.max(1) as u128) as u32;
            out.push((
                ranker,
                Msg::Rank {
                    pos: c.pos,
                    index: c.index,
                    owner: self.me as u32,
                    local,
                },
            ));
        }
        if !cut && self.stop_flag.load(Ordering::Relaxed) {
            // Raised during the last state's tests.
            own = self.stop_inside(rounds);
            cut = true;
        }
        let received = rounds.exchange(out)?;
        let mut keys: Vec<(u64, u32, u32, u32)> = received
            .into_iter()
            .filter_map(|m| match m {
                Msg::Rank {
                    pos,
                    index,
                    owner,
                    local,
                } => Some((pos, index, owner, local)),
                _ => None,
            })
            .collect();
        keys.sort_unstable();
        let halt = own.or_else(|| self.must_stop(0));
        let out = (0..self.workers)
            .map(|w| {
                (
                    w as u32,
                    Msg::Count {
                        from: self.me as u32,
                        ranked: keys.len() as u64,
                        stored,
                        halt,
                        cut,
                        transitions: self.tally.transitions,
                        pruned: self.tally.pruned,
                    },
                )
            })
            .collect();
        let received = rounds.exchange(out)?;
        let mut ranked = vec![0u64; self.workers];
        let mut totals = (0, 0);
        let mut stored_total = 0;
        let mut halts: Vec<(u32, Halt)> = Vec::new();
        let mut abandoned = false;
        for m in received {
            if let Msg::Count {
                from,
                ranked: n,
                stored,
                halt,
                cut,
                transitions,
                pruned,
            } = m
            {
                abandoned |= cut;
                totals.0 += transitions;
                totals.1 += pruned;
                ranked[from as usize] = n;
                stored_total += stored;
                if let Some(h) = halt {
                    halts.push((from, h));
                }
            }
        }
        halts.sort_by_key(|(from, _)| *from);
        let halt = halts.first().map(|(_, h)| *h);
        if abandoned {
            // Every worker saw the same counts: all abandon the level.
            return Ok(Err(halt.unwrap_or(Halt::Interrupted)));
        }
        self.totals = totals;
        let offset: u64 = ranked[..self.me].iter().sum();
        let next_len: u64 = ranked.iter().sum();
        let out = keys
            .iter()
            .enumerate()
            .map(|(i, &(_, _, owner, local))| {
                (
                    owner,
                    Msg::Place {
                        local,
                        pos: offset + i as u64,
                    },
                )
            })
            .collect();
        let received = rounds.exchange(out)?;
        let mut frontier: Vec<(u32, u64)> = received
            .into_iter()
            .filter_map(|m| match m {
                Msg::Place { local, pos } => Some((local, pos)),
                _ => None,
            })
            .collect();
        frontier.sort_unstable_by_key(|&(_, pos)| pos);
        Ok(Ok(((frontier, next_len), stored_total, halt)))
    }
}

/// Where a worker's expansion puts its successors ([`Msg::Succ`], sent
/// when the round ends), and what it looks at between two batches: a stop
/// another worker announced, a lost process, its own limits (counting the
/// messages it holds).
pub(super) struct Outbox<'a, 'w, 'm> {
    pub(super) out: Vec<(u32, Msg)>,
    /// The bytes of the states in `out`'s messages.
    pub(super) state_bytes: usize,
    pub(super) sent: (u64, u64),
    pub(super) generator: &'m Generator<'m>,
    pub(super) workers: usize,
    pub(super) me: usize,
    pub(super) rounds: &'a mut Rounds<'w>,
    /// The worker's partition.
    pub(super) part: &'a Part,
    /// The successors this worker owns itself, taken at once rather than
    /// sent to itself.
    pub(super) candidates: Candidates,
    /// See [`Search::expand`].
    pub(super) max_new: Option<u64>,
    /// With `max_new`: by worker, the most new states it said it owns
    /// ([`Msg::Stored`]); this worker's own count is its candidates.
    pub(super) counts: Vec<u64>,
    pub(super) options: &'m Options,
    pub(super) deadline: Option<Instant>,
    /// A stop was seen (announced by this worker or another).
    pub(super) stopped: bool,
}

impl Outbox<'_, '_, '_> {
    /// What the worker holds: its partition, the messages waiting and its
    /// own successors.
    pub(super) fn holds(&self) -> usize {
        self.part.bytes()
            + self.state_bytes
            + self.out.capacity() * std::mem::size_of::<(u32, Msg)>()
            + self.candidates.bytes
    }

    /// With `--max-states`: whether the new states known to exist pass
    /// what the level may add. Each worker's count is of distinct states
    /// it owns (the partitions are disjoint) and only grows, so a sum that
    /// passes the limit now passes it at the end of the round too.
    fn past_max_states(&mut self) -> bool {
        let Some(max_new) = self.max_new else {
            return false;
        };
        for m in self
            .rounds
            .take_arrived(|m| matches!(m, Msg::Stored { .. }))
        {
            if let Msg::Stored { from, count } = m {
                let known = &mut self.counts[from as usize];
                *known = (*known).max(count);
            }
        }
        let own = self.candidates.len();
        if own > self.counts[self.me] {
            self.counts[self.me] = own;
            let from = self.me as u32;
            let out = (0..self.workers)
                .filter(|&w| w != self.me)
                .map(|w| (w as u32, Msg::Stored { from, count: own }))
                .collect();
            self.rounds.send_now(out);
        }
        self.counts.iter().sum::<u64>() > max_new
    }
}

impl Expansion for Outbox<'_, '_, '_> {
    fn successor(&mut self, state: &[u64], pos: u64, index: u32, parent: u64) {
        let to = owner(self.generator.place(state).2, self.workers);
        let parent = global(self.me, parent as u32);
        if to == self.me {
            let candidate = Candidate { pos, index, parent };
            (self.candidates).offer(self.part, self.generator, state, candidate);
            return;
        }
        // The destination, the variant, the state's length and words,
        // position, index and parent.
        self.sent.0 += 1;
        self.sent.1 += 4 + 4 + 8 + 8 * state.len() as u64 + 8 + 4 + 8;
        self.state_bytes += 8 * state.len();
        self.out.push((
            to as u32,
            Msg::Succ {
                state: state.to_vec(),
                pos,
                index,
                parent,
            },
        ));
    }

    fn next_batch(&mut self) -> Batch {
        if self.stopped || self.rounds.lost.load(Ordering::Relaxed) {
            return Batch::Stop;
        }
        if let Some(halt) = self.rounds.stop_announced() {
            // Announced again in this round: a stop announced in a later
            // one would not be among this round's messages, and every
            // worker must see why this one sent no successors.
            self.stopped = true;
            self.rounds.announce_stop(self.me, self.workers, halt);
            return Batch::Stop;
        }
        let halt = match self.past_max_states() {
            true => self.options.max_states.map(Halt::MaxStates),
            false => limit_reached(self.options, self.deadline, self.holds()),
        };
        if let Some(halt) = halt {
            self.stopped = true;
            self.rounds.announce_stop(self.me, self.workers, halt);
            return Batch::Stop;
        }
        // Half of what is left of this worker's share for the batch's
        // buffers: its successors are then copied into messages.
        let threads = self.options.threads.unwrap_or(1).max(1);
        let room = (self.options.max_memory)
            .map(|l| (l.budget() as usize / threads).saturating_sub(self.holds()) / 2);
        Batch::Go { room }
    }
}
