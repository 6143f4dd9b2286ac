//! The end of a worker's search: the findings and counts of every worker
//! merged, the chosen counterexamples' paths followed across owners one
//! step per round, the liveness graph gathered on worker 0, and worker 0's
//! exploration.

use std::time::{Duration, Instant};

use super::part::{Map, NO_PARENT, Part, global, split};
use super::rounds::{Lost, Msg, Rounds, Summary};
use super::stop::Halt;
use super::{Search, Tally};
use crate::explore::{Exploration, Found, Gathered, Stop, StopReason, Verdict};
use crate::model::CompiledProperty;

impl Search<'_> {
    /// Gathers every worker's findings and counts, follows the chosen
    /// counterexamples' parent links, and (worker 0) builds the exploration.
    pub(super) fn finish(
        &mut self,
        rounds: &mut Rounds,
        start: Instant,
        states: u64,
        depth: u32,
        complete: bool,
        halt: Option<Halt>,
    ) -> Result<Option<Exploration>, Lost> {
        let model = self.model;
        let summary = Summary {
            from: self.me as u32,
            tally: std::mem::replace(&mut self.tally, Tally::new(model)),
            memory_bytes: self.part.bytes() as u64,
            sent: self.sent,
        };
        let out = (0..self.workers)
            .map(|w| (w as u32, Msg::Summary(Box::new(summary.clone()))))
            .collect();
        let mut summaries: Vec<Summary> = rounds
            .exchange(out)?
            .into_iter()
            .filter_map(|m| match m {
                Msg::Summary(s) => Some(*s),
                _ => None,
            })
            .collect();
        summaries.sort_by_key(|s| s.from);
        let mut all = Tally::new(model);
        let (mut memory, mut sent) = (0, (0, 0));
        for s in &summaries {
            all.merge(&s.tally);
            memory += s.memory_bytes;
            sent = (sent.0 + s.sent.0, sent.1 + s.sent.1);
        }
        let Tally {
            transitions,
            pruned,
            found,
            reached,
            deadlock,
            runtime_error,
            coverage,
        } = all;
        if self.me == 0 && std::env::var_os("DSMC_DISTRIBUTED_STATS").is_some() {
            // For docs/distributed.md's model of the traffic: stderr, so
            // that the report stays as it is.
            eprintln!(
                "distributed: {} workers, {} successor messages to other workers, {} bytes",
                self.workers, sent.0, sent.1
            );
        }
        // The paths to the chosen findings, followed one step per round.
        let mut chains: Vec<u64> = found
            .iter()
            .chain([&deadlock, &runtime_error])
            .flatten()
            .map(|f| f.id)
            .collect();
        chains.sort_unstable();
        chains.dedup();
        let mut at = chains.clone();
        let mut paths: Vec<Vec<Vec<u64>>> = vec![Vec::new(); chains.len()];
        while at.iter().any(|&id| id != NO_PARENT) {
            let mut out = Vec::new();
            for (chain, &id) in at.iter().enumerate() {
                if id == NO_PARENT {
                    continue;
                }
                let (w, local) = split(id);
                if w == self.me {
                    for to in 0..self.workers {
                        out.push((
                            to as u32,
                            Msg::Link {
                                chain: chain as u32,
                                state: self.part.state(local),
                                parent: self.part.parent(local),
                            },
                        ));
                    }
                }
            }
            for m in rounds.exchange(out)? {
                if let Msg::Link {
                    chain,
                    state,
                    parent,
                } = m
                {
                    paths[chain as usize].push(state);
                    at[chain as usize] = parent;
                }
            }
        }
        let gathered = match complete && self.liveness {
            true => self.gather(rounds)?,
            false => None,
        };
        if self.me != 0 {
            return Ok(None);
        }
        // The liveness phase, on worker 0, over the gathered graph.
        let (mut liveness, liveness_stop, liveness_elapsed) = match gathered {
            Some(g) => crate::explore::gathered_liveness(model, self.options, g),
            None => (Vec::new(), None, Duration::ZERO),
        };
        let trace_of = |f: &Found| {
            let chain = chains
                .binary_search(&f.id)
                .expect("every finding has a chain");
            let path: Vec<Vec<u64>> = paths[chain].iter().rev().cloned().collect();
            self.generator.trace(&path, f)
        };
        let verdicts = (model.properties.iter().enumerate())
            .map(|(p, prop)| match prop {
                _ if !self.checked[p] => Verdict::NotSelected,
                CompiledProperty::Reachable(_) => {
                    if reached[p] {
                        Verdict::Holds
                    } else if let Some(f) = &found[p] {
                        Verdict::Error(trace_of(f))
                    } else if complete {
                        Verdict::Violated(None)
                    } else {
                        Verdict::Unknown
                    }
                }
                _ if let Some(f) = &found[p] => match f.error {
                    Some(_) => Verdict::Error(trace_of(f)),
                    None => Verdict::Violated(Some(trace_of(f))),
                },
                _ if model.is_liveness(p) => (liveness.get_mut(p))
                    .and_then(Option::take)
                    .unwrap_or(Verdict::Unknown),
                _ if complete => Verdict::Holds,
                _ => Verdict::Unknown,
            })
            .collect();
        let deadlock = if !model.check_deadlock {
            Verdict::Unchecked
        } else {
            match &deadlock {
                Some(f) => Verdict::Violated(Some(trace_of(f))),
                None if complete => Verdict::Holds,
                None => Verdict::Unknown,
            }
        };
        let stop = match complete {
            false => Some(Stop {
                reason: halt.map_or(StopReason::Interrupted, Halt::reason),
                in_liveness: false,
            }),
            true => liveness_stop,
        };
        Ok(Some(Exploration {
            states,
            transitions,
            depth,
            complete,
            stop,
            pruned,
            verdicts,
            deadlock,
            runtime_error: runtime_error.as_ref().map(trace_of),
            elapsed: start.elapsed(),
            liveness_elapsed,
            memory_bytes: memory as usize,
            coverage,
            symmetry: self.generator.symmetry(),
        }))
    }
}

impl Search<'_> {
    /// Sends every state this worker stored to worker 0, which puts them
    /// in the order one process stores them in (by key) for the liveness
    /// phase ([`crate::explore::gathered_liveness`]); `None` elsewhere.
    pub(super) fn gather(&mut self, rounds: &mut Rounds) -> Result<Option<Gathered>, Lost> {
        let part = &self.part;
        let me = self.me;
        let mut out: Vec<(u32, Msg)> = Vec::with_capacity(part.len as usize);
        for (s, shard) in part.shards.iter().enumerate() {
            for l in 0..shard.len() as u32 {
                let local = crate::explore::global_id(s, l) as u32;
                out.push((
                    0,
                    Msg::Gather {
                        state: part.state(local),
                        id: global(me, local),
                        key: part.keys[s][l as usize],
                        parent: part.parent(local),
                        idle: part.idle[s][l as usize],
                    },
                ));
            }
        }
        self.part = Part::new(self.generator, false);
        let backward = (0..self.workers).map(|w| (w as u32, Msg::Backward(self.backward)));
        let received = rounds.exchange(backward.chain(out).collect())?;
        if me != 0 {
            return Ok(None);
        }
        let mut backward = false;
        // (key, id, parent, idle, state)
        type Received = ((u32, u64, u32), u64, u64, bool, Vec<u64>);
        let mut all: Vec<Received> = Vec::new();
        for m in received {
            match m {
                Msg::Gather {
                    state,
                    id,
                    key,
                    parent,
                    idle,
                } => all.push((key, id, parent, idle, state)),
                Msg::Backward(b) => backward |= b,
                _ => {}
            }
        }
        all.sort_unstable_by_key(|g| g.0);
        if std::env::var_os("DSMC_DISTRIBUTED_STATS").is_some() {
            // What process 0 holds for the liveness phase (the states'
            // words, key, ids and flag, as gathered).
            let bytes: usize = all.iter().map(|g| 8 * g.4.len() + 24 + 16 + 16 + 1).sum();
            eprintln!(
                "distributed: gathered {} states on process 0 for the liveness phase, {} bytes",
                all.len(),
                bytes
            );
        }
        let index: Map<u64, u32> = (all.iter().enumerate())
            .map(|(i, g)| (g.1, i as u32))
            .collect();
        let mut gathered = Gathered {
            states: Vec::with_capacity(all.len()),
            parents: Vec::with_capacity(all.len()),
            level_starts: Vec::new(),
            backward,
            idle: Vec::new(),
        };
        let mut level = 0;
        for (i, (key, _, parent, idle, state)) in all.into_iter().enumerate() {
            if key.0 != level {
                level = key.0;
                gathered.level_starts.push(i as u32);
            }
            gathered.parents.push(match parent {
                NO_PARENT => u32::MAX,
                p => index[&p],
            });
            if idle {
                gathered.idle.push(i as u32);
            }
            gathered.states.push(state);
        }
        Ok(Some(gathered))
    }
}
