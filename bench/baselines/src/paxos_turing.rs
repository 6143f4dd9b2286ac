//! Lamport's Paxos consensus spec (Paxos.tla of tlaplus/Examples,
//! `specifications/PaxosHowToWinATuringAward`, checked through MCPaxos.tla)
//! as a Stateright model: the protocol of `tests/tlc/paxos_turing_tiny.ds`,
//! with `acceptors` acceptors, `values` values, the quorums "every set of
//! `quorum_size` acceptors" and the ballots `0..=max_ballot`. MCPaxosTiny.cfg
//! is 3 acceptors, 2 values, the three pairs and MaxBallot = 1.
//!
//! The state is Paxos.tla's four variables: `maxBal`, `maxVBal` and `maxVal`
//! per acceptor (-1 and `None` where the spec has -1 and `None`), and `msgs`,
//! the set of every message ever sent. A message is never removed, so it can
//! be received again, late, or by every acceptor. dsmc's transcription keeps
//! `msgs` by sender (the leader's 1a and 2a messages, each acceptor's 1b and
//! 2b messages); `msgs` is their union and the states correspond one to one,
//! so the distinct-state count equals `dsmc check
//! tests/tlc/paxos_turing_tiny.ds` for every configuration: 3,921 for
//! MaxBallot = 1 and 185,369 (TLC's count too) for MaxBallot = 2
//! (`tests/counts.rs`).
//!
//! One Stateright action per instance of a TLA+ action: `Phase1a(b)`,
//! `Phase1b(a)` with the 1a message it receives (its ballot `b`),
//! `Phase2a(b, v)` and `Phase2b(a)` with the 2a message it receives (`b`,
//! `v`). Each is offered when its guard holds; `Phase1a(b)` always is, as in
//! the spec, even when the 1a message was already sent (a stuttering step,
//! which adds no distinct state). dsmc takes the same steps, so the states
//! generated agree too; TLC generates `Phase2a(b, v)` once per quorum and 1b
//! witness that enable it, and counts more (23,563 for MaxBallot = 1).
//!
//! The property `inv` is Paxos.tla's `Inv` (its `TypeOK` is the Rust types)
//! and the state part of `V!Spec`, Voting's `Inv` (`VotesSafe` and
//! `OneValuePerBallot`), conjunct by conjunct as in the dsmc spec, each
//! evaluated on `msgs` as the TLA+ does.

use std::collections::BTreeSet;

use stateright::{Model, Property};

use crate::Run;

/// A ballot, `0..=max_ballot`; -1 where Paxos.tla has -1 (no ballot yet).
pub type Ballot = i8;

/// A value, `0..values`.
pub type Value = u8;

/// An acceptor, by index in `0..acceptors`.
pub type Acceptor = usize;

/// The protocol for one configuration (the spec's constants NA, NV, QSize,
/// MaxBallot).
#[derive(Clone, Debug)]
pub struct Paxos {
    pub acceptors: usize,
    pub values: Value,
    pub quorum_size: usize,
    pub max_ballot: Ballot,
    /// `Quorum`: every set of `quorum_size` acceptors, each in ascending
    /// order.
    quorums: Vec<Vec<Acceptor>>,
}

impl Paxos {
    /// # Panics
    ///
    /// With more than 16 acceptors (the quorums are enumerated), no value,
    /// or a negative or too large `max_ballot`.
    pub fn new(acceptors: usize, values: Value, quorum_size: usize, max_ballot: Ballot) -> Self {
        assert!(acceptors <= 16, "at most 16 acceptors");
        assert!(values > 0, "Paxos needs a value");
        assert!(
            (0..Ballot::MAX).contains(&max_ballot),
            "MaxBallot out of range"
        );
        let quorums = (0u32..1 << acceptors)
            .filter(|subset| subset.count_ones() as usize == quorum_size)
            .map(|subset| (0..acceptors).filter(|a| subset & 1 << a != 0).collect())
            .collect();
        Paxos {
            acceptors,
            values,
            quorum_size,
            max_ballot,
            quorums,
        }
    }

    fn ballots(&self) -> impl Iterator<Item = Ballot> {
        0..=self.max_ballot
    }

    fn values(&self) -> impl Iterator<Item = Value> {
        0..self.values
    }
}

impl Default for Paxos {
    /// MCPaxosTiny.cfg, `tests/tlc/paxos_turing_tiny.ds` as written: NA = 3,
    /// NV = 2, QSize = 2, MaxBallot = 1.
    fn default() -> Self {
        Paxos::new(3, 2, 2, 1)
    }
}

/// One state: Paxos.tla's variables.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    /// `maxBal`: the highest ballot each acceptor took part in (-1: none).
    pub max_bal: Vec<Ballot>,
    /// `maxVBal` and `maxVal`: each acceptor's vote in the highest ballot it
    /// voted in (-1 and `None`: no vote).
    pub max_vbal: Vec<Ballot>,
    pub max_val: Vec<Option<Value>>,
    /// `msgs`: every message sent so far.
    pub msgs: BTreeSet<Msg>,
}

/// Paxos.tla's `Message`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Msg {
    /// The ballot `bal` leader begins its ballot.
    P1a { bal: Ballot },
    /// `acc` joins ballot `bal`, reporting its latest vote (`mbal` -1 and
    /// `mval` `None`: none).
    P1b {
        acc: Acceptor,
        bal: Ballot,
        mbal: Ballot,
        mval: Option<Value>,
    },
    /// The ballot `bal` leader asks the acceptors to vote for `val`.
    P2a { bal: Ballot, val: Value },
    /// `acc` votes for `val` in ballot `bal`.
    P2b {
        acc: Acceptor,
        bal: Ballot,
        val: Value,
    },
}

/// Paxos.tla's actions, one per instance: the acceptor actions with the
/// message they receive (its ballot, and value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Phase1a(Ballot),
    Phase1b(Acceptor, Ballot),
    Phase2a(Ballot, Value),
    Phase2b(Acceptor, Ballot, Value),
}

impl Paxos {
    /// The enabling condition of `Phase2a(b, v)`.
    fn phase2a_enabled(&self, state: &State, b: Ballot, v: Value) -> bool {
        let sent_2a = state
            .msgs
            .iter()
            .any(|m| matches!(*m, Msg::P2a { bal, .. } if bal == b));
        !sent_2a
            && self.quorums.iter().any(|q| {
                // Q1b: the 1b messages of ballot b from Q, as (acc, mbal, mval).
                let q1b: Vec<(Acceptor, Ballot, Option<Value>)> = state
                    .msgs
                    .iter()
                    .filter_map(|m| match *m {
                        Msg::P1b {
                            acc,
                            bal,
                            mbal,
                            mval,
                        } if bal == b && q.contains(&acc) => Some((acc, mbal, mval)),
                        _ => None,
                    })
                    .collect();
                let q1bv: Vec<_> = q1b.iter().filter(|(_, mbal, _)| *mbal >= 0).collect();
                q.iter().all(|&a| q1b.iter().any(|&(acc, _, _)| acc == a))
                    && (q1bv.is_empty()
                        || q1bv.iter().any(|&&(_, mbal, mval)| {
                            mval == Some(v) && q1bv.iter().all(|&&(_, mmbal, _)| mbal >= mmbal)
                        }))
            })
    }

    /// Voting.tla's `ShowsSafeAt(Q, b, v)`, with `votes` read from `msgs`.
    fn shows_safe_at(&self, state: &State, q: &[Acceptor], b: Ballot, v: Value) -> bool {
        q.iter().all(|&a| state.max_bal[a] >= b)
            && (-1..b).any(|c| {
                (c == -1 || q.iter().any(|&a| voted_for(state, a, c, v)))
                    && (c + 1..b).all(|d| q.iter().all(|&a| self.did_not_vote_in(state, a, d)))
            })
    }

    /// Voting.tla's `DidNotVoteIn(a, b)`.
    fn did_not_vote_in(&self, state: &State, a: Acceptor, b: Ballot) -> bool {
        self.values().all(|v| !voted_for(state, a, b, v))
    }

    /// Voting.tla's `SafeAt(b, v)`.
    fn safe_at(&self, state: &State, b: Ballot, v: Value) -> bool {
        (0..b).all(|c| {
            self.quorums.iter().any(|q| {
                q.iter().all(|&a| {
                    voted_for(state, a, c, v)
                        || (state.max_bal[a] > c && self.did_not_vote_in(state, a, c))
                })
            })
        })
    }

    /// Paxos.tla's `Inv` and Voting.tla's `Inv` (`V!Inv`).
    fn inv(&self, state: &State) -> bool {
        let acceptors = 0..self.acceptors;
        let vote_recorded = acceptors.clone().all(|a| {
            state.max_bal[a] >= state.max_vbal[a]
                && match (state.max_vbal[a], state.max_val[a]) {
                    (-1, mval) => mval.is_none(),
                    (mbal, Some(mval)) => voted_for(state, a, mbal, mval),
                    (_, None) => false,
                }
        });
        vote_recorded
            && state.msgs.iter().all(|m| match *m {
                Msg::P1a { .. } => true,
                Msg::P1b {
                    acc,
                    bal,
                    mbal,
                    mval,
                } => {
                    state.max_bal[acc] >= bal
                        && (mbal < 0 || mval.is_some_and(|mval| voted_for(state, acc, mbal, mval)))
                }
                Msg::P2a { bal, val } => {
                    self.quorums
                        .iter()
                        .any(|q| self.shows_safe_at(state, q, bal, val))
                        && state.msgs.iter().all(|mm| match *mm {
                            Msg::P2a { bal: b, val: w } => b != bal || w == val,
                            _ => true,
                        })
                }
                Msg::P2b { acc, bal, val } => {
                    state.max_vbal[acc] >= bal && state.msgs.contains(&Msg::P2a { bal, val })
                }
            })
            // V!Inv: VotesSafe and OneValuePerBallot; the votes are the 2b
            // messages.
            && state.msgs.iter().all(|m| match *m {
                Msg::P2b { bal, val, .. } => {
                    self.safe_at(state, bal, val)
                        && state.msgs.iter().all(|mm| match *mm {
                            Msg::P2b { bal: b, val: w, .. } => b != bal || w == val,
                            _ => true,
                        })
                }
                _ => true,
            })
    }
}

/// Voting.tla's `VotedFor(a, b, v)`: `<<b, v>> \in votes[a]`, `votes[a]`
/// being a's 2b messages.
fn voted_for(state: &State, a: Acceptor, b: Ballot, v: Value) -> bool {
    state.msgs.contains(&Msg::P2b {
        acc: a,
        bal: b,
        val: v,
    })
}

impl Model for Paxos {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        vec![State {
            max_bal: vec![-1; self.acceptors],
            max_vbal: vec![-1; self.acceptors],
            max_val: vec![None; self.acceptors],
            msgs: BTreeSet::new(),
        }]
    }

    fn actions(&self, state: &State, actions: &mut Vec<Action>) {
        for b in self.ballots() {
            actions.push(Action::Phase1a(b));
            for v in self.values() {
                if self.phase2a_enabled(state, b, v) {
                    actions.push(Action::Phase2a(b, v));
                }
            }
        }
        for a in 0..self.acceptors {
            for m in &state.msgs {
                match *m {
                    Msg::P1a { bal } if bal > state.max_bal[a] => {
                        actions.push(Action::Phase1b(a, bal));
                    }
                    Msg::P2a { bal, val } if bal >= state.max_bal[a] => {
                        actions.push(Action::Phase2b(a, bal, val));
                    }
                    _ => {}
                }
            }
        }
    }

    fn next_state(&self, last: &State, action: Action) -> Option<State> {
        let mut next = last.clone();
        match action {
            Action::Phase1a(b) => {
                next.msgs.insert(Msg::P1a { bal: b });
            }
            Action::Phase1b(a, b) => {
                next.max_bal[a] = b;
                next.msgs.insert(Msg::P1b {
                    acc: a,
                    bal: b,
                    mbal: last.max_vbal[a],
                    mval: last.max_val[a],
                });
            }
            Action::Phase2a(b, v) => {
                next.msgs.insert(Msg::P2a { bal: b, val: v });
            }
            Action::Phase2b(a, b, v) => {
                next.max_bal[a] = b;
                next.max_vbal[a] = b;
                next.max_val[a] = Some(v);
                next.msgs.insert(Msg::P2b {
                    acc: a,
                    bal: b,
                    val: v,
                });
            }
        }
        Some(next)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property::always("inv", |model: &Paxos, state: &State| {
            model.inv(state)
        })]
    }
}

/// Explores every reachable state with Stateright's BFS checker on
/// `threads` threads.
pub fn check(model: Paxos, threads: usize) -> Run {
    crate::run_bfs(model, threads, &["inv"], &[])
}
