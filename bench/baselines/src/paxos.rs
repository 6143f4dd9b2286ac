//! Single-decree Paxos ("Paxos Made Simple") as a Stateright model: the
//! protocol of `specs/paxos.ds`, with `proposers` proposers, `acceptors`
//! acceptors, `learners` learners and the ballots `1..=ballots`.
//!
//! Ballot `b` belongs to proposer `(b - 1) % proposers`, whose own value is
//! its index. A proposer starts any of its ballots above the one it is using
//! (abandoning that one) by sending `Prepare(b)` to a majority of its choice;
//! once the whole majority has promised, it sends `Accept(b, v)` to it, `v`
//! being the value of the highest proposal among the promises, or its own.
//! An acceptor promises ballots above its promise, accepts proposals not
//! below it, and tells every learner what it accepted. A learner keeps each
//! acceptor's latest accepted ballot and learns a value once a majority's
//! latest is the same ballot.
//!
//! The state is the spec's: every node's variables, and `network`, the set of
//! every message ever sent. A message is never consumed (`network set`): it
//! stays deliverable, so it can arrive late, twice or out of order. An
//! envelope records sender and receiver, as dsmc's network does, so the two
//! have the same states: the state count equals
//! `dsmc check specs/paxos.ds --no-symmetry` for every configuration
//! (`tests/counts.rs`). Like Stateright's own examples, this model does no
//! symmetry reduction; dsmc explores the acceptors' permutations once only
//! without `--no-symmetry`.
//!
//! A delivery is offered only when the receiving handler's guard holds: a
//! message whose guard is false is not a step, as in dsmc. The spec's `done
//! when` only excuses final states from deadlock detection, which Stateright
//! does not do; it does not change the state space.

use std::collections::BTreeSet;

use stateright::{Model, Property};

use crate::Run;

/// A ballot, `1..=ballots`; 0 stands for "none" where a ballot may be absent.
pub type Ballot = u8;

/// A proposed value: a proposer's index.
pub type Value = u8;

/// The protocol for one configuration (the spec's constants P, N, L, B).
#[derive(Clone, Debug)]
pub struct Paxos {
    pub proposers: usize,
    pub acceptors: usize,
    pub learners: usize,
    pub ballots: Ballot,
    /// Every majority of acceptors, each in ascending order: the quorums a
    /// proposer may send its `Prepare` to.
    quorums: Vec<Vec<usize>>,
}

impl Paxos {
    /// # Panics
    ///
    /// Without a proposer, or with more than 16 acceptors (the majorities
    /// are enumerated).
    pub fn new(proposers: usize, acceptors: usize, learners: usize, ballots: Ballot) -> Self {
        assert!(proposers > 0, "Paxos needs a proposer");
        assert!(acceptors <= 16, "at most 16 acceptors");
        let majority = acceptors / 2 + 1;
        let quorums = (0u32..1 << acceptors)
            .filter(|subset| subset.count_ones() as usize == majority)
            .map(|subset| (0..acceptors).filter(|a| subset & 1 << a != 0).collect())
            .collect();
        Paxos {
            proposers,
            acceptors,
            learners,
            ballots,
            quorums,
        }
    }

    /// The proposer that owns ballot `b`; its own value has the same number.
    fn owner(&self, b: Ballot) -> usize {
        (b as usize - 1) % self.proposers
    }

    fn is_majority(&self, count: usize) -> bool {
        count * 2 > self.acceptors
    }
}

impl Default for Paxos {
    /// `specs/paxos.ds` as written: P = 2, N = 3, L = 1, B = 4.
    fn default() -> Self {
        Paxos::new(2, 3, 1, 4)
    }
}

/// One state of the whole system.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    pub proposers: Vec<ProposerState>,
    pub acceptors: Vec<AcceptorState>,
    pub learners: Vec<LearnerState>,
    /// Every message sent so far.
    pub network: BTreeSet<Envelope>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProposerState {
    /// The ballot in use; 0: none yet.
    pub bal: Ballot,
    pub phase: Phase,
    /// The acceptors that promised `bal`.
    pub promised_by: BTreeSet<usize>,
    /// The highest proposal among the promises so far (0: none) ...
    pub best_bal: Ballot,
    /// ... and its value, or the proposer's own value while there is none.
    pub best_val: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    Idle,
    Preparing,
    Accepting,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AcceptorState {
    /// The highest ballot promised.
    pub promised: Ballot,
    /// The highest proposal accepted (0: none) and its value.
    pub vbal: Ballot,
    pub vval: Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LearnerState {
    /// The latest ballot each acceptor was heard to accept (0: none).
    pub heard: Vec<Ballot>,
    pub learned: BTreeSet<Value>,
}

/// A message in the network. `src` and `dst` are indices among the nodes of
/// the kind that sends, and that receives, that message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Envelope {
    pub src: usize,
    pub dst: usize,
    pub msg: Msg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Msg {
    /// Proposer to acceptor: phase 1a.
    Prepare { b: Ballot },
    /// Acceptor to proposer: phase 1b, with the acceptor's latest proposal.
    Promise {
        b: Ballot,
        vbal: Ballot,
        vval: Value,
    },
    /// Proposer to acceptor: phase 2a.
    Accept { b: Ballot, v: Value },
    /// Acceptor to learner: phase 2b.
    Accepted { b: Ballot, v: Value },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// A proposer starts ballot `b`, sending `Prepare(b)` to the majority
    /// `quorums[quorum]`.
    Prepare {
        proposer: usize,
        b: Ballot,
        quorum: usize,
    },
    /// A message is delivered to its receiver.
    Deliver(Envelope),
}

impl Paxos {
    /// Whether the receiver of `envelope` takes it: its handler's guard.
    fn is_deliverable(&self, state: &State, envelope: &Envelope) -> bool {
        let Envelope { src, dst, msg } = *envelope;
        match msg {
            Msg::Prepare { b } => b > state.acceptors[dst].promised,
            Msg::Promise { b, .. } => {
                let proposer = &state.proposers[dst];
                proposer.phase == Phase::Preparing
                    && b == proposer.bal
                    && !proposer.promised_by.contains(&src)
            }
            Msg::Accept { b, .. } => {
                let acceptor = &state.acceptors[dst];
                b >= acceptor.promised && b > acceptor.vbal
            }
            Msg::Accepted { b, .. } => b > state.learners[dst].heard[src],
        }
    }
}

impl Model for Paxos {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        vec![State {
            proposers: vec![
                ProposerState {
                    bal: 0,
                    phase: Phase::Idle,
                    promised_by: BTreeSet::new(),
                    best_bal: 0,
                    best_val: 0,
                };
                self.proposers
            ],
            acceptors: vec![
                AcceptorState {
                    promised: 0,
                    vbal: 0,
                    vval: 0,
                };
                self.acceptors
            ],
            learners: vec![
                LearnerState {
                    heard: vec![0; self.acceptors],
                    learned: BTreeSet::new(),
                };
                self.learners
            ],
            network: BTreeSet::new(),
        }]
    }

    fn actions(&self, state: &State, actions: &mut Vec<Action>) {
        for (proposer, local) in state.proposers.iter().enumerate() {
            for b in local.bal + 1..=self.ballots {
                if self.owner(b) == proposer {
                    for quorum in 0..self.quorums.len() {
                        actions.push(Action::Prepare {
                            proposer,
                            b,
                            quorum,
                        });
                    }
                }
            }
        }
        for envelope in &state.network {
            if self.is_deliverable(state, envelope) {
                actions.push(Action::Deliver(*envelope));
            }
        }
    }

    fn next_state(&self, last: &State, action: Action) -> Option<State> {
        let mut next = last.clone();
        match action {
            Action::Prepare {
                proposer,
                b,
                quorum,
            } => {
                let local = &mut next.proposers[proposer];
                local.bal = b;
                local.phase = Phase::Preparing;
                local.promised_by.clear();
                local.best_bal = 0;
                local.best_val = proposer as Value;
                for &acceptor in &self.quorums[quorum] {
                    next.network.insert(Envelope {
                        src: proposer,
                        dst: acceptor,
                        msg: Msg::Prepare { b },
                    });
                }
            }
            Action::Deliver(Envelope { src, dst, msg }) => match msg {
                Msg::Prepare { b } => {
                    let acceptor = &mut next.acceptors[dst];
                    acceptor.promised = b;
                    let msg = Msg::Promise {
                        b,
                        vbal: acceptor.vbal,
                        vval: acceptor.vval,
                    };
                    next.network.insert(Envelope {
                        src: dst,
                        dst: src,
                        msg,
                    });
                }
                Msg::Promise { vbal, vval, .. } => {
                    let proposer = &mut next.proposers[dst];
                    proposer.promised_by.insert(src);
                    if vbal > proposer.best_bal {
                        proposer.best_bal = vbal;
                        proposer.best_val = vval;
                    }
                    if self.is_majority(proposer.promised_by.len()) {
                        proposer.phase = Phase::Accepting;
                        let msg = Msg::Accept {
                            b: proposer.bal,
                            v: proposer.best_val,
                        };
                        for &acceptor in &proposer.promised_by {
                            next.network.insert(Envelope {
                                src: dst,
                                dst: acceptor,
                                msg,
                            });
                        }
                    }
                }
                Msg::Accept { b, v } => {
                    let acceptor = &mut next.acceptors[dst];
                    acceptor.promised = b;
                    acceptor.vbal = b;
                    acceptor.vval = v;
                    for learner in 0..self.learners {
                        next.network.insert(Envelope {
                            src: dst,
                            dst: learner,
                            msg: Msg::Accepted { b, v },
                        });
                    }
                }
                Msg::Accepted { b, v } => {
                    let learner = &mut next.learners[dst];
                    learner.heard[src] = b;
                    let at_b = learner.heard.iter().filter(|&&heard| heard == b).count();
                    if self.is_majority(at_b) {
                        learner.learned.insert(v);
                    }
                }
            },
        }
        Some(next)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            // At most one value is learned, by all learners together.
            Property::always("agreement", |_, state: &State| {
                let mut learned = state.learners.iter().flat_map(|l| &l.learned);
                learned
                    .next()
                    .is_none_or(|first| learned.all(|other| other == first))
            }),
            Property::sometimes("chosen", |_, state: &State| {
                state.learners.iter().any(|l| !l.learned.is_empty())
            }),
            // Two acceptors hold different values at once.
            Property::sometimes("contention", |_, state: &State| {
                let mut values = state
                    .acceptors
                    .iter()
                    .filter(|a| a.vbal > 0)
                    .map(|a| a.vval);
                values
                    .next()
                    .is_some_and(|first| values.any(|other| other != first))
            }),
            // A proposer sends another proposer's value.
            Property::sometimes("adopts", |model: &Paxos, state: &State| {
                state.proposers.iter().any(|p| {
                    p.phase == Phase::Accepting && p.best_val as usize != model.owner(p.bal)
                })
            }),
        ]
    }
}

/// The `sometimes` properties, which `Run::reached` reports on.
pub const REACHABLES: [&str; 3] = ["chosen", "contention", "adopts"];

/// Explores every reachable state with Stateright's BFS checker on
/// `threads` threads.
pub fn check(model: Paxos, threads: usize) -> Run {
    crate::run_bfs(model, threads, &["agreement"], &REACHABLES)
}
