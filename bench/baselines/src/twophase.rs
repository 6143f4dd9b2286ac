//! Gray and Lamport's TwoPhase (TwoPhase.tla, from "Consensus on Transaction
//! Commit"), as a Stateright model: one transaction manager (TM) and
//! `rm_count` resource managers (RMs).
//!
//! The state is TwoPhase.tla's four variables. `msgs` is the set of every
//! message ever sent: a message is never consumed, so it can be received
//! again, late, or by every RM. This is what `network set` means in
//! `specs/2pc.ds`, and the two have the same state space: TLC's 288 / 1,568 /
//! 8,832 / 50,816 distinct states for 3..6 RMs.
//!
//! Each action's enabling condition is TwoPhase.tla's guard; an action whose
//! guard holds is offered even when taking it leaves the state unchanged (an
//! RM receiving `Commit` a second time), as TLC does. Such steps add no
//! distinct state.

use std::collections::BTreeSet;
use std::time::Instant;

use stateright::{Checker, Model, Property};

use crate::Run;

/// A resource manager, by index in `0..rm_count`.
pub type Rm = usize;

/// The protocol with a fixed number of resource managers.
#[derive(Clone, Debug)]
pub struct TwoPhase {
    pub rm_count: usize,
}

/// One state of the whole system.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    /// `rmState`: each RM's state, by index.
    pub rm_state: Vec<RmState>,
    /// `tmState`.
    pub tm_state: TmState,
    /// `tmPrepared`: whether the TM has received each RM's `Prepared`.
    pub tm_prepared: Vec<bool>,
    /// `msgs`: every message sent so far.
    pub msgs: BTreeSet<Message>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RmState {
    Working,
    Prepared,
    Committed,
    Aborted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TmState {
    Init,
    Committed,
    Aborted,
}

/// The messages: an RM's vote to the TM, and the TM's decision to all RMs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Message {
    Prepared(Rm),
    Commit,
    Abort,
}

/// TwoPhase.tla's actions, one per (action, RM) pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    TmRcvPrepared(Rm),
    TmCommit,
    TmAbort,
    RmPrepare(Rm),
    RmChooseToAbort(Rm),
    RmRcvCommitMsg(Rm),
    RmRcvAbortMsg(Rm),
}

impl Model for TwoPhase {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        vec![State {
            rm_state: vec![RmState::Working; self.rm_count],
            tm_state: TmState::Init,
            tm_prepared: vec![false; self.rm_count],
            msgs: BTreeSet::new(),
        }]
    }

    fn actions(&self, state: &State, actions: &mut Vec<Action>) {
        if state.tm_state == TmState::Init {
            if state.tm_prepared.iter().all(|&prepared| prepared) {
                actions.push(Action::TmCommit);
            }
            actions.push(Action::TmAbort);
        }
        for rm in 0..self.rm_count {
            if state.tm_state == TmState::Init && state.msgs.contains(&Message::Prepared(rm)) {
                actions.push(Action::TmRcvPrepared(rm));
            }
            if state.rm_state[rm] == RmState::Working {
                actions.push(Action::RmPrepare(rm));
                actions.push(Action::RmChooseToAbort(rm));
            }
            if state.msgs.contains(&Message::Commit) {
                actions.push(Action::RmRcvCommitMsg(rm));
            }
            if state.msgs.contains(&Message::Abort) {
                actions.push(Action::RmRcvAbortMsg(rm));
            }
        }
    }

    fn next_state(&self, last: &State, action: Action) -> Option<State> {
        let mut next = last.clone();
        match action {
            Action::TmRcvPrepared(rm) => next.tm_prepared[rm] = true,
            Action::TmCommit => {
                next.tm_state = TmState::Committed;
                next.msgs.insert(Message::Commit);
            }
            Action::TmAbort => {
                next.tm_state = TmState::Aborted;
                next.msgs.insert(Message::Abort);
            }
            Action::RmPrepare(rm) => {
                next.rm_state[rm] = RmState::Prepared;
                next.msgs.insert(Message::Prepared(rm));
            }
            Action::RmChooseToAbort(rm) | Action::RmRcvAbortMsg(rm) => {
                next.rm_state[rm] = RmState::Aborted;
            }
            Action::RmRcvCommitMsg(rm) => next.rm_state[rm] = RmState::Committed,
        }
        Some(next)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        // `consistent` of specs/2pc.ds: no RM committed while another aborted.
        vec![Property::always("consistent", |_, state: &State| {
            !(state.rm_state.contains(&RmState::Committed)
                && state.rm_state.contains(&RmState::Aborted))
        })]
    }
}

/// Explores every reachable state with Stateright's BFS checker on
/// `threads` threads.
pub fn check(rm_count: usize, threads: usize) -> Run {
    let start = Instant::now();
    let checker = TwoPhase { rm_count }
        .checker()
        .threads(threads)
        .spawn_bfs()
        .join();
    let elapsed = start.elapsed();
    Run {
        states: checker.unique_state_count(),
        generated: checker.state_count(),
        elapsed,
        properties_hold: checker.discovery("consistent").is_none(),
        reached: Vec::new(),
    }
}
