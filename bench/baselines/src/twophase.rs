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
//!
//! [`TwoPhaseBlocking`] is the same protocol with one more step for the
//! environment: it may crash the TM once, as `faults { crash TM <= 1 }` does in
//! `specs/2pc_blocking.ds`. A crashed TM takes no step again (no decision, no
//! `Prepared` received) but keeps its variables, and the messages already
//! sent stay in `msgs`, where the RMs can still receive them; the RMs go on
//! as before. Its states are [`TwoPhase`]'s, each with the TM up or crashed:
//! dsmc's 576 / 3,136 / 17,664 / 101,632 distinct states for 3..6 RMs, twice
//! the fault-free counts (every reachable state can be frozen by a crash, and
//! once crashed only RM steps remain, which were possible anyway). It is a
//! separate model so that the fault-free one is not slowed down by a flag it
//! never sets.

use std::collections::BTreeSet;

use stateright::{Model, Property};

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
        apply(&mut next, action);
        Some(next)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property::always("consistent", |_, state: &State| {
            consistent(state)
        })]
    }
}

/// Takes `action` in `state`: TwoPhase.tla's effect of each action.
#[inline]
fn apply(state: &mut State, action: Action) {
    match action {
        Action::TmRcvPrepared(rm) => state.tm_prepared[rm] = true,
        Action::TmCommit => {
            state.tm_state = TmState::Committed;
            state.msgs.insert(Message::Commit);
        }
        Action::TmAbort => {
            state.tm_state = TmState::Aborted;
            state.msgs.insert(Message::Abort);
        }
        Action::RmPrepare(rm) => {
            state.rm_state[rm] = RmState::Prepared;
            state.msgs.insert(Message::Prepared(rm));
        }
        Action::RmChooseToAbort(rm) | Action::RmRcvAbortMsg(rm) => {
            state.rm_state[rm] = RmState::Aborted;
        }
        Action::RmRcvCommitMsg(rm) => state.rm_state[rm] = RmState::Committed,
    }
}

/// `consistent` of specs/2pc.ds: no RM committed while another aborted.
fn consistent(state: &State) -> bool {
    !(state.rm_state.contains(&RmState::Committed) && state.rm_state.contains(&RmState::Aborted))
}

/// The protocol with a TM that may crash once (`specs/2pc_blocking.ds`).
#[derive(Clone, Debug)]
pub struct TwoPhaseBlocking {
    pub rm_count: usize,
}

/// A state of [`TwoPhaseBlocking`]: TwoPhase.tla's variables and whether the
/// TM has crashed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BlockingState {
    /// The protocol's variables; a crashed TM's keep their last values.
    pub system: State,
    /// Whether the TM has crashed (it never comes back).
    pub tm_crashed: bool,
}

/// [`TwoPhaseBlocking`]'s steps: the protocol's actions and the crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockingAction {
    /// An action of TwoPhase.tla; the TM's only while it is up.
    Protocol(Action),
    /// The environment crashes the TM.
    TmCrash,
}

impl Model for TwoPhaseBlocking {
    type State = BlockingState;
    type Action = BlockingAction;

    fn init_states(&self) -> Vec<BlockingState> {
        let system = TwoPhase {
            rm_count: self.rm_count,
        }
        .init_states()
        .remove(0);
        vec![BlockingState {
            system,
            tm_crashed: false,
        }]
    }

    fn actions(&self, state: &BlockingState, actions: &mut Vec<BlockingAction>) {
        use BlockingAction::Protocol;
        let system = &state.system;
        let tm_deciding = !state.tm_crashed && system.tm_state == TmState::Init;
        if !state.tm_crashed {
            actions.push(BlockingAction::TmCrash);
        }
        if tm_deciding {
            if system.tm_prepared.iter().all(|&prepared| prepared) {
                actions.push(Protocol(Action::TmCommit));
            }
            actions.push(Protocol(Action::TmAbort));
        }
        for rm in 0..self.rm_count {
            if tm_deciding && system.msgs.contains(&Message::Prepared(rm)) {
                actions.push(Protocol(Action::TmRcvPrepared(rm)));
            }
            if system.rm_state[rm] == RmState::Working {
                actions.push(Protocol(Action::RmPrepare(rm)));
                actions.push(Protocol(Action::RmChooseToAbort(rm)));
            }
            if system.msgs.contains(&Message::Commit) {
                actions.push(Protocol(Action::RmRcvCommitMsg(rm)));
            }
            if system.msgs.contains(&Message::Abort) {
                actions.push(Protocol(Action::RmRcvAbortMsg(rm)));
            }
        }
    }

    fn next_state(&self, last: &BlockingState, action: BlockingAction) -> Option<BlockingState> {
        let mut next = last.clone();
        match action {
            BlockingAction::Protocol(action) => apply(&mut next.system, action),
            BlockingAction::TmCrash => next.tm_crashed = true,
        }
        Some(next)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property::always(
            "consistent",
            |_, state: &BlockingState| consistent(&state.system),
        )]
    }
}

/// Explores every reachable state of [`TwoPhase`] with Stateright's BFS
/// checker on `threads` threads.
pub fn check(rm_count: usize, threads: usize) -> Run {
    crate::run_bfs(TwoPhase { rm_count }, threads, &["consistent"], &[])
}

/// Explores every reachable state of [`TwoPhaseBlocking`] (the TM may crash
/// once) with Stateright's BFS checker on `threads` threads.
pub fn check_blocking(rm_count: usize, threads: usize) -> Run {
    crate::run_bfs(TwoPhaseBlocking { rm_count }, threads, &["consistent"], &[])
}
