//! Hand-written Stateright models of the protocols in `specs/`, written the
//! way Stateright's own examples are written: plain Rust state (`Vec`,
//! `BTreeSet`), the [`stateright::Model`] trait, and Stateright's BFS
//! checker. They are the baselines that `bench/compare` measures dsmc
//! against, on the same configuration.
//!
//! A baseline must have exactly the state space of the dsmc spec it mirrors:
//! the same distinct-state count for every size (`tests/counts.rs`), or the
//! comparison means nothing.
//!
//! | baseline | mirrors | source |
//! | --- | --- | --- |
//! | [`twophase`] | `specs/2pc.ds` | Gray and Lamport's TwoPhase.tla |
//! | [`twophase::TwoPhaseBlocking`] | `specs/2pc_blocking.ds` | TwoPhase.tla and a TM that may crash once |
//! | [`paxos`] | `specs/paxos.ds` | Lamport's "Paxos Made Simple" |
//! | [`paxos_turing`] | `tests/tlc/paxos_turing_tiny.ds` | Lamport's Paxos.tla (PaxosHowToWinATuringAward) |
//!
//! To add a baseline: a module here with a `Model` and a `check` function
//! returning a [`Run`], a subcommand in `src/main.rs`, a count test in
//! `tests/counts.rs`, and a row in `bench/compare`'s `MODELS` table.

pub mod paxos;
pub mod paxos_turing;
pub mod twophase;

use std::hash::Hash;
use std::time::{Duration, Instant};

use stateright::{Checker, Model};

/// What one checker run of a baseline found, and how long it took.
#[derive(Clone, Debug)]
pub struct Run {
    /// Distinct states (Stateright's `unique_state_count`).
    pub states: usize,
    /// States generated, repeats included (Stateright's `state_count`).
    pub generated: usize,
    /// Wall time of the checker run alone: from spawning the checker to its
    /// join.
    pub elapsed: Duration,
    /// Whether every `always` property held.
    pub properties_hold: bool,
    /// The `sometimes` properties of which an example was found.
    pub reached: Vec<&'static str>,
}

/// Explores every reachable state of `model` with Stateright's BFS checker
/// on `threads` threads; the properties hold when none of `always` has a
/// discovery, and `reached` are the names in `sometimes` that have one.
pub fn run_bfs<M>(
    model: M,
    threads: usize,
    always: &[&'static str],
    sometimes: &[&'static str],
) -> Run
where
    M: Model + Send + Sync + 'static,
    M::State: Hash + Send + Sync + Clone + PartialEq + 'static,
    M::Action: Clone + PartialEq,
{
    let start = Instant::now();
    let checker = model.checker().threads(threads).spawn_bfs().join();
    let elapsed = start.elapsed();
    Run {
        states: checker.unique_state_count(),
        generated: checker.state_count(),
        elapsed,
        properties_hold: always.iter().all(|name| checker.discovery(name).is_none()),
        reached: (sometimes.iter().copied())
            .filter(|name| checker.discovery(name).is_some())
            .collect(),
    }
}
