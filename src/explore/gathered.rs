//! A graph explored by `crate::distributed`, gathered in the order one
//! process stores it, for the liveness phase.

use std::time::Duration;

use crate::model::Model;

use super::explorer::Explorer;
use super::options::{Options, Stop};
use super::outcome::Verdict;
use super::store::{NO_PARENT, global_id, lookup_hash, place};

/// A graph explored elsewhere (by `crate::distributed`), gathered in the
/// order a single process stores it, for the liveness phase.
pub(crate) struct Gathered {
    /// Every reachable state as the single process stores it
    /// ([`Generator::stored`]: its representative under symmetry, packed
    /// when states are), in BFS order (each level by the key of its first
    /// generator: parent position, then step).
    pub states: Vec<Vec<u64>>,
    /// By state: its parent's index in `states`, or `u32::MAX` for an
    /// initial state.
    pub parents: Vec<u32>,
    /// Where each level after the first starts in `states`.
    pub level_starts: Vec<u32>,
    /// Whether a step led back to a state stored before its level began
    /// ([`Explorer::backward`]).
    pub backward: bool,
    /// The states expanded that have no fair step to another state
    /// ([`Explorer::idle`]), by index in `states`.
    pub idle: Vec<u32>,
}

/// The liveness verdicts of a gathered graph, computed by the
/// single-process liveness phase (so that its counterexamples are the
/// same): by property, `Some` for each liveness property checked; the stop
/// of that phase, if a limit cut it; and how long it took. The states are
/// stored as [`explore`] stores them, so the numbering (and every choice
/// made by it) is the one a single process makes.
pub(crate) fn gathered_liveness(
    model: &Model,
    options: &Options,
    gathered: Gathered,
) -> (Vec<Option<Verdict>>, Option<Stop>, Duration) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .build()
        .expect("a rayon pool with default settings builds");
    let options = Options {
        checkpoint: None,
        resume: None,
        ..options.clone()
    };
    pool.install(|| {
        let mut ex = Explorer::new(model, &options);
        let Gathered {
            states,
            parents,
            level_starts,
            backward,
            idle,
        } = gathered;
        let mut ids = Vec::with_capacity(states.len());
        for (state, parent) in states.into_iter().zip(parents) {
            let s = &state[..];
            let placed = place(s, ex.shared.store_words);
            let hash = lookup_hash(placed, ex.shared.packed.is_some());
            let parent = match parent {
                u32::MAX => NO_PARENT,
                p => ids[p as usize],
            };
            let local = match ex.shards[placed.0].insert(s, parent, hash) {
                Ok(local) | Err(local) => local,
            };
            ids.push(global_id(placed.0, local));
        }
        let depth = level_starts.len() as u32 + u32::from(!ids.is_empty());
        ex.idle = idle.iter().map(|&i| ids[i as usize]).collect();
        ex.order = ids;
        ex.level_starts = level_starts;
        ex.backward = backward;
        let exploration = ex.finish(depth, true);
        let verdicts = (exploration.verdicts.into_iter().enumerate())
            .map(|(p, v)| model.is_liveness(p).then_some(v))
            .collect();
        let stop = exploration.stop.filter(|s| s.in_liveness);
        (verdicts, stop, exploration.liveness_elapsed)
    })
}
