//! One timely worker of a distributed check: its partition of the visited
//! set, and the rounds of each BFS level.
//!
//! A round is one timestamp of a single dataflow: every worker sends
//! `(destination worker, message)` pairs into its input, timely's exchange
//! channel routes each pair to its destination, and the round ends, for
//! this worker, when its probe says that no message of the round is left
//! anywhere (every worker has closed the timestamp and every message sent
//! under it has been received). Each BFS level takes three rounds:
//!
//! 1. **expand**: each worker generates the successors of its frontier
//!    states (checking step properties and deadlocks as it goes) and sends
//!    each successor, with its key (the parent's global frontier position,
//!    the step's index) and its parent's id, to the successor's owner. The
//!    owner keeps the new ones, each with its least key (its first
//!    generator, as one process would choose), stores and tests them.
//! 2. **rank**: the owner sends each new state's key to the worker that
//!    ranks that range of parent positions; rankers sort the keys they got
//!    and tell every worker how many (and each worker's stop request).
//! 3. **place**: from those counts every ranker knows where its range
//!    starts, and sends each state's global frontier position to its owner.
//!
//! A worker that must stop inside a level (its deadline, a signal, its
//! share of `--max-memory`: looked at before every state, and between
//! batches of its frontier) announces it to every worker at once
//! ([`Msg::Stop`]); the others look for such an announcement between two
//! batches of theirs, and the level is abandoned everywhere (each worker
//! puts back its findings and counts as they were before it: [`Before`]).
//!
//! Global positions make every choice of the single-process explorer:
//! parents, the order of the next level, and the canonical (least key)
//! counterexample. At the end, the workers send each other their findings
//! and counts, so all of them know the chosen counterexamples, then follow
//! their parent links one round per step, each owner sending the states on
//! the path that it owns. With a liveness property, every worker then
//! sends its states (with keys, parents, and whether each has a fair step
//! to another state) to worker 0, for the single-process liveness phase
//! ([`Search::gather`], [`crate::explore::gathered_liveness`]).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::operator::Operator;
use timely::dataflow::operators::{Input, Probe};
use timely::dataflow::{InputHandle, ProbeHandle};
use timely::worker::Worker;

use super::{Job, Partial};
use crate::diagnostic::Diagnostic;
use crate::explore::{
    Batch, Coverage, EvalError, Evaluated, Expansion, Exploration, Found, Gathered, Generator,
    Halt as Watcher, MemoryLimit, Options, Phase, Progress, Shard, Stop, StopReason, Verdict,
    inside_bounds, keep_first, split_id, state_eval,
};
use crate::model::{CompiledProperty, InitError, Model, RtErrorKind};

/// What a worker hands back to its process.
pub(super) enum Reply {
    /// The check ended; worker 0 of process 0 has the exploration.
    Done(Option<Box<Exploration>>),
    Init(InitError),
    Spec(Vec<Diagnostic>),
    /// A thread of the worker could not be started.
    Thread(String),
    /// A process was lost: the check cannot end.
    Lost,
}

/// The parent of an initial state.
const NO_PARENT: u64 = u64::MAX;

/// A map keyed by states or ids, hashed with the visited set's mixer
/// rather than SipHash (a fifth of a one-process run's time went to
/// hashing the candidates of a level).
type Map<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<WordHasher>>;

/// The hasher of [`Map`]: the words written, mixed one by one.
#[derive(Default)]
struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = crate::hash::mix(self.0, word);
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }

    fn finish(&self) -> u64 {
        crate::hash::finish(self.0)
    }
}
/// A global id is `worker << 32 | local id`, the local id being the
/// single-process explorer's id in the worker's own shards.
const LOCAL_BITS: u32 = 32;

fn global(worker: usize, local: u32) -> u64 {
    ((worker as u64) << LOCAL_BITS) | local as u64
}

fn split(id: u64) -> (usize, u32) {
    ((id >> LOCAL_BITS) as usize, id as u32)
}

/// The worker (of `workers`) that owns a state whose whole hash is `hash`
/// ([`Generator::place`]: of the state as stored, so under symmetry the
/// owner of a state is the owner of its representative).
fn owner(hash: u64, workers: usize) -> usize {
    (hash >> 32) as usize % workers
}

/// A request to stop, as it crosses the network.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
enum Halt {
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
    fn reason(self) -> StopReason {
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

    fn of(reason: StopReason) -> Halt {
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

/// What one worker found and counted, sent to every worker at the end.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Summary {
    from: u32,
    transitions: u64,
    pruned: u64,
    found: Vec<Option<Found>>,
    reached: Vec<bool>,
    deadlock: Option<Found>,
    runtime_error: Option<Found>,
    coverage: Coverage,
    memory_bytes: u64,
    /// Successor messages sent to other workers, and their bytes as
    /// bincode writes them (without timely's framing).
    sent: (u64, u64),
}

/// The messages of every round.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
enum Msg {
    /// Round 1: a successor for its owner, with its key and parent.
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
struct Rounds<'w> {
    worker: &'w mut Worker,
    input: InputHandle<u64, CapacityContainerBuilder<Vec<(u32, Msg)>>>,
    probe: ProbeHandle<u64>,
    /// Messages received, with their round.
    inbox: Rc<RefCell<Vec<(u64, Msg)>>>,
    round: u64,
    lost: &'w AtomicBool,
    /// This worker's stop flag ([`Search::stop_flag`]), what tells why it
    /// was raised, and whether a stop was announced while waiting for a
    /// round to end (once is enough).
    stop_flag: Arc<AtomicBool>,
    limits: (&'w Options, Option<Instant>),
    announced: bool,
}

/// A process was lost while a round was under way.
struct Lost;

impl Rounds<'_> {
    /// Sends `out` and returns what every worker sent this one in the same
    /// round, once the round has ended everywhere.
    fn exchange(&mut self, out: Vec<(u32, Msg)>) -> Result<Vec<Msg>, Lost> {
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
    fn send_now(&mut self, out: Vec<(u32, Msg)>) {
        for message in out {
            self.input.send(message);
        }
        self.input.flush();
        self.worker.step();
    }

    /// Takes in what has arrived, without waiting: a stop some worker
    /// announced ([`Msg::Stop`]) in this round, or in a later one (sent
    /// while it waited for this round to end), if any.
    fn stop_announced(&mut self) -> Option<Halt> {
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
    fn announce_stop(&mut self, me: usize, workers: usize, halt: Halt) {
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
fn first_stop(received: &[Msg]) -> Option<Halt> {
    (received.iter())
        .filter_map(|m| match m {
            Msg::Stop { from, halt } => Some((*from, *halt)),
            _ => None,
        })
        .min_by_key(|(from, _)| *from)
        .map(|(_, halt)| halt)
}

/// This worker's partition of the visited set: the states whose owner it
/// is, stored as one process stores them (the same shards: packed, orbit
/// representatives, exact), with their parents.
struct Part {
    shards: Vec<Shard>,
    /// By shard and local index: the worker of the state's parent (the
    /// shard holds the parent's local id in that worker).
    parent_workers: Vec<Vec<u16>>,
    /// By shard and local index, when a liveness property is checked: the
    /// key of the state's first generator (level, parent position, step),
    /// which orders the states as one process stores them, and whether it
    /// was expanded with no fair step to another state.
    keys: Vec<Vec<(u32, u64, u32)>>,
    idle: Vec<Vec<bool>>,
    liveness: bool,
    len: u64,
}

impl Part {
    fn new(generator: &Generator, liveness: bool) -> Part {
        let shards = generator.shards();
        let n = shards.len();
        Part {
            shards,
            parent_workers: vec![Vec::new(); n],
            keys: vec![Vec::new(); n],
            idle: vec![Vec::new(); n],
            liveness,
            len: 0,
        }
    }

    /// The local id of a stored state placed at `placed`
    /// ([`Generator::place`]).
    fn find(&self, state: &[u64], placed: (usize, u64, u64)) -> Option<u32> {
        let local = self.shards[placed.0].find(state, placed.1)?;
        Some(crate::explore::global_id(placed.0, local) as u32)
    }

    /// Stores a new state; its local id.
    fn insert(
        &mut self,
        state: &[u64],
        placed: (usize, u64, u64),
        parent: u64,
        key: (u32, u64, u32),
    ) -> u32 {
        let (worker, local) = match parent {
            NO_PARENT => (0, NO_PARENT),
            p => {
                let (w, l) = split(p);
                (w, l as u64)
            }
        };
        let s = placed.0;
        let at = match self.shards[s].insert(state, local, placed.1) {
            Ok(at) | Err(at) => at,
        };
        self.parent_workers[s].push(u16::try_from(worker).expect("at most 65,536 workers"));
        if self.liveness {
            self.keys[s].push(key);
            self.idle[s].push(false);
        }
        self.len += 1;
        crate::explore::global_id(s, at) as u32
    }

    /// A stored state's words.
    fn state(&self, local: u32) -> Vec<u64> {
        let (s, l) = split_id(local as u64);
        let mut out = Vec::new();
        self.shards[s].load(l, &mut out);
        out
    }

    /// A stored state's parent (a global id), or [`NO_PARENT`].
    fn parent(&self, local: u32) -> u64 {
        let (s, l) = split_id(local as u64);
        match self.shards[s].parent(l) {
            NO_PARENT => NO_PARENT,
            p => global(self.parent_workers[s][l as usize] as usize, p as u32),
        }
    }

    fn set_idle(&mut self, local: u32) {
        let (s, l) = split_id(local as u64);
        self.idle[s][l as usize] = true;
    }

    /// What the partition holds, in bytes.
    fn bytes(&self) -> usize {
        let shards: usize = self.shards.iter().map(Shard::bytes).sum();
        let per_state = 2 + if self.liveness { 16 + 1 } else { 0 };
        shards + self.len as usize * per_state
    }
}

/// A new state of this level, before it is stored: its least key so far
/// and that generator.
struct Candidate {
    pos: u64,
    index: u32,
    parent: u64,
}

/// The search of one worker.
struct Search<'m> {
    model: &'m Model,
    options: &'m Options,
    /// The single-process explorer's storing and expanding of states.
    generator: &'m Generator<'m>,
    me: usize,
    workers: usize,
    /// This worker's process.
    process: usize,
    part: Part,
    checked: Vec<bool>,
    found: Vec<Option<Found>>,
    reached: Vec<bool>,
    deadlock: Option<Found>,
    runtime_error: Option<Found>,
    coverage: Coverage,
    transitions: u64,
    pruned: u64,
    locals: Vec<i64>,
    /// See [`Summary::sent`].
    sent: (u64, u64),
    /// Every worker's transitions and pruned states, as of the last level.
    totals: (u64, u64),
    /// Whether a liveness property is checked: idle states are noted, and
    /// the graph is gathered at the end.
    liveness: bool,
    /// Whether a successor this worker owns was stored before its level
    /// began (see [`crate::explore::Gathered::backward`]).
    backward: bool,
    /// Raised by this worker's watcher when the deadline passes or the
    /// process is asked to stop; phase 1 and the state tests look at it
    /// before every state.
    stop_flag: Arc<AtomicBool>,
    deadline: Option<Instant>,
}

/// A worker's findings and counts as they were before a level: put back
/// when the level is abandoned, so that a stopped check reports the
/// levels it completed and nothing of the one it cut.
struct Before {
    transitions: u64,
    pruned: u64,
    found: Vec<Option<Found>>,
    reached: Vec<bool>,
    deadlock: Option<Found>,
    runtime_error: Option<Found>,
    coverage: Coverage,
}

/// The `Ok` of a level's rounds: this worker's next frontier (by global
/// position) and the global number of frontier states, the states all
/// workers stored, and a stop some worker asked for after this level.
/// The `Err` of its inner result: the level was abandoned, for that stop.
type Level = Result<((Vec<(u32, u64)>, u64), u64, Option<Halt>), Halt>;

/// Runs one worker's part of the check.
pub(super) fn run(
    worker: &mut Worker,
    job: &Job,
    options: &Options,
    lost: &AtomicBool,
    process: usize,
    partial: &std::sync::Mutex<Partial>,
) -> Reply {
    let start = Instant::now();
    let model =
        match crate::check::compile(&job.source, &job.overrides, crate::check::Warnings::Allow) {
            Ok(compiled) => compiled.model,
            Err(diagnostics) => return Reply::Spec(diagnostics),
        };
    let me = worker.index();
    let workers = worker.peers();
    let inbox: Rc<RefCell<Vec<(u64, Msg)>>> = Rc::default();
    let mut input = InputHandle::new();
    let probe = ProbeHandle::new();
    let sink = inbox.clone();
    worker.dataflow::<u64, _, _>(|scope| {
        scope
            .input_from(&mut input)
            .unary::<CapacityContainerBuilder<Vec<()>>, _, _, _>(
                Exchange::new(|m: &(u32, Msg)| m.0 as u64),
                "Deliver",
                move |_, _| {
                    move |input, _output: &mut _| {
                        input.for_each(|cap, data| {
                            let round = cap.least().copied().unwrap_or(0);
                            let mut inbox = sink.borrow_mut();
                            inbox.extend(data.drain(..).map(|(_, m)| (round, m)));
                        });
                    }
                },
            )
            .probe_with(&probe);
    });
    let deadline = options.timeout.map(|t| start + t);
    let watcher = Watcher::start(deadline, options.stop.clone());
    let mut rounds = Rounds {
        worker,
        input,
        probe,
        inbox,
        round: 0,
        lost,
        stop_flag: watcher.flag.clone(),
        limits: (options, deadline),
        announced: false,
    };
    // Every process must check the same spec with the same constants and
    // properties: each one compiles its own, so a difference would give
    // wrong counts rather than an error. The first round compares them.
    let checked: Vec<bool> = (0..model.properties.len())
        .map(|p| options.checks(p))
        .collect();
    let fingerprint = crate::explore::checkpoint::text_hash(&format!(
        "{}\n{:?}\n{:?}",
        job.source, job.overrides, checked
    ));
    let out = (0..workers)
        .map(|w| (w as u32, Msg::Fingerprint(fingerprint.clone())))
        .collect();
    match rounds.exchange(out) {
        Err(Lost) => return Reply::Lost,
        Ok(received) => {
            let differ = received
                .iter()
                .any(|m| matches!(m, Msg::Fingerprint(f) if *f != fingerprint));
            if differ {
                return Reply::Spec(vec![
                    Diagnostic::error(
                        "dsmc::distributed::different_spec",
                        "the processes of this distributed check were given different specs, \
                         constants or properties",
                    )
                    .help(
                        "start every process with the same spec file, `-D` constants and \
                         `--property` options (only `--process` differs)",
                    ),
                ]);
            }
        }
    }
    let n_props = model.properties.len();
    let generator = match Generator::new(&model, options, watcher.flag.clone()) {
        Ok(generator) => generator,
        Err(e) => return Reply::Thread(e.0),
    };
    let liveness = (model.properties.iter().enumerate())
        .any(|(p, _)| options.checks(p) && model.is_liveness(p));
    let mut search = Search {
        model: &model,
        options,
        generator: &generator,
        me,
        workers,
        process,
        part: Part::new(&generator, liveness),
        checked: (0..n_props).map(|p| options.checks(p)).collect(),
        found: vec![None; n_props],
        reached: vec![false; n_props],
        deadlock: None,
        runtime_error: None,
        coverage: Coverage::new(&model),
        transitions: 0,
        pruned: 0,
        locals: Vec::new(),
        sent: (0, 0),
        totals: (0, 0),
        liveness,
        backward: false,
        stop_flag: watcher.flag.clone(),
        deadline,
    };
    match search.run(&mut rounds, start, partial) {
        Ok(Ok(result)) => Reply::Done(result.map(Box::new)),
        Ok(Err(e)) => Reply::Init(e),
        Err(Lost) => Reply::Lost,
    }
}

/// For the failure test (tests/it/distributed.rs): the process named by
/// `DSMC_TEST_DISTRIBUTED_EXIT=PROCESS:LEVEL` exits at that level, as a
/// crashed machine would.
fn test_exit(process: usize, level: u32) {
    let Ok(spec) = std::env::var("DSMC_TEST_DISTRIBUTED_EXIT") else {
        return;
    };
    let Some((who, at)) = spec.split_once(':') else {
        return;
    };
    if who.parse() == Ok(process) && at.parse() == Ok(level) {
        std::process::exit(101);
    }
}

impl Search<'_> {
    #[allow(clippy::type_complexity)]
    fn run(
        &mut self,
        rounds: &mut Rounds,
        start: Instant,
        partial: &std::sync::Mutex<Partial>,
    ) -> Result<Result<Option<Exploration>, InitError>, Lost> {
        // The initial states: every worker enumerates them all (they are
        // numbered by their order among the admitted ones) and keeps the
        // ones it owns.
        let initial = match self.model.initial() {
            Ok(initial) => initial,
            Err(e) => return Ok(Err(InitError::Value(e))),
        };
        let total = initial.len();
        let mut kept: u64 = 0;
        let mut mine: Vec<(Vec<u64>, Candidate)> = Vec::new();
        let mut seen: Map<Vec<u64>, ()> = Map::default();
        let mut state = Vec::new();
        let mut stored = Vec::new();
        let mut locals = Vec::new();
        let mut at: u128 = 0;
        while at < total {
            match initial.admit(at, &mut state, &mut locals) {
                Ok(true) => {}
                Ok(false) => {
                    at += 1;
                    continue;
                }
                Err(e) => return Ok(Err(e)),
            }
            let number = kept;
            kept += 1;
            at += 1;
            self.generator.stored(&state, &mut stored);
            let hash = self.generator.place(&stored).2;
            if owner(hash, self.workers) == self.me && seen.insert(stored.clone(), ()).is_none() {
                mine.push((
                    stored.clone(),
                    Candidate {
                        pos: 0,
                        index: u32::try_from(number).unwrap_or(u32::MAX),
                        parent: NO_PARENT,
                    },
                ));
            }
        }
        if kept == 0 {
            return Ok(Err(InitError::Unsatisfied { candidates: total }));
        }
        let before = self.before();
        if self.me == 0 {
            self.transitions += kept;
        }
        // Level 0 is the initial states: their keys are (0, 0, number).
        let (mut frontier, stored_total, mut halt) = match self.store_level(rounds, 0, 1, mine)? {
            Ok(level) => level,
            Err(halt) => {
                self.restore(before);
                return (self.finish(rounds, start, 0, 0, false, Some(halt))).map(Ok);
            }
        };
        let mut states = stored_total;
        let mut depth = if states > 0 { 1 } else { 0 };
        let mut complete = true;
        let mut level: u32 = 0;
        let mut frontier_len = frontier.1;
        // What the report says if a process is lost later.
        let note = |states: u64, depth: u32, totals: (u64, u64)| {
            if let Ok(mut p) = partial.lock() {
                *p = Partial {
                    states,
                    transitions: totals.0,
                    pruned: totals.1,
                    depth,
                };
            }
        };
        note(states, depth, self.totals);
        while frontier_len > 0 {
            if halt.is_some() {
                complete = false;
                break;
            }
            level += 1;
            test_exit(self.process, level);
            let before = self.before();
            let done = match self.expand(rounds, level, &frontier.0)? {
                Ok(candidates) => self.store_level(rounds, level, frontier_len, candidates)?,
                Err(halt) => Err(halt),
            };
            let (next, stored, h) = match done {
                Ok(done) => done,
                Err(h) => {
                    // Abandoned inside the level: the report is of the
                    // levels before it.
                    self.restore(before);
                    halt = Some(h);
                    complete = false;
                    break;
                }
            };
            states += stored;
            if stored > 0 {
                depth += 1;
            }
            halt = h.or_else(|| {
                let max = self.options.max_states?;
                (states >= max).then_some(Halt::MaxStates(max))
            });
            self.progress(states, depth, next.1);
            note(states, depth, self.totals);
            frontier = next;
            frontier_len = frontier.1;
        }
        self.finish(rounds, start, states, depth, complete, halt)
            .map(Ok)
    }

    fn progress(&self, states: u64, depth: u32, queue: u64) {
        if self.me != 0 {
            return;
        }
        if let Some(hook) = &self.options.progress {
            (hook.0)(&Progress {
                phase: Phase::Search,
                states,
                level: depth,
                queue,
                memory_bytes: self.part.bytes(),
            });
        }
    }

    /// Round 1: the successors of this worker's frontier states (local id,
    /// global position), sent to their owners; returns the new states this
    /// worker owns, each with its least key, or the stop for which some
    /// worker abandoned the level (each worker looks for one between two
    /// batches of its frontier, and its own limits before every state).
    #[allow(clippy::type_complexity)]
    fn expand(
        &mut self,
        rounds: &mut Rounds,
        level: u32,
        frontier: &[(u32, u64)],
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
            held: self.part.bytes(),
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
        self.transitions += expanded.transitions;
        for (slot, f) in self.found.iter_mut().zip(expanded.step_found) {
            if let Some(f) = f {
                keep_first(slot, globalise(f));
            }
        }
        if let Some(f) = expanded.deadlock {
            keep_first(&mut self.deadlock, globalise(f));
        }
        if let Some(f) = expanded.runtime_error {
            keep_first(&mut self.runtime_error, globalise(f));
        }
        self.coverage.merge(&expanded.coverage);
        if self.liveness {
            for id in expanded.idle {
                self.part.set_idle(id as u32);
            }
        }
        // The new states among the successors received, each with its
        // least key: the order the messages came in does not matter.
        let mut candidates: Map<Vec<u64>, Candidate> = Map::default();
        for message in received {
            let Msg::Succ {
                state,
                pos,
                index,
                parent,
            } = message
            else {
                continue;
            };
            if self
                .part
                .find(&state, self.generator.place(&state))
                .is_some()
            {
                // Stored at this level or before: a step back.
                self.backward = true;
                continue;
            }
            let candidate = Candidate { pos, index, parent };
            match candidates.entry(state) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(candidate);
                }
                std::collections::hash_map::Entry::Occupied(mut o) => {
                    if (pos, index) < (o.get().pos, o.get().index) {
                        o.insert(candidate);
                    }
                }
            }
        }
        Ok(Ok(candidates.into_iter().collect()))
    }

    /// Stores and tests this worker's new states of `level`, then ranks
    /// them across workers (rounds 2 and 3). Returns the next frontier
    /// (this worker's states, by global position, and the global number of
    /// frontier states), how many states all workers stored, and a stop
    /// some worker asked for; or the stop for which the level was
    /// abandoned (a worker stopped storing: its limits are looked at
    /// before every state, other workers' stops every [`POLL_EVERY`]).
    fn store_level(
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
            for (index, prop) in model.properties.iter().enumerate() {
                if !self.checked[index] {
                    continue;
                }
                let error = match state_eval(prop, model, state, &mut self.locals) {
                    Ok(false) => continue,
                    Ok(true) => None,
                    Err(error) if error.kind == RtErrorKind::Interrupted => continue,
                    Err(error) => Some(EvalError {
                        what: Evaluated::Property(index),
                        error,
                    }),
                };
                if error.is_none() && matches!(prop, CompiledProperty::Reachable(_)) {
                    self.reached[index] = true;
                } else {
                    keep_first(
                        &mut self.found[index],
                        Found {
                            key,
                            id,
                            step: None,
                            error,
                        },
                    );
                }
            }
            // `None`: a bound could not be evaluated (a finding; the state
            // is not expanded, nor counted as pruned).
            let inside = match inside_bounds(model, state, &mut self.locals) {
                Ok(inside) => Some(inside),
                Err((index, error)) => {
                    keep_first(
                        &mut self.runtime_error,
                        Found {
                            key,
                            id,
                            step: None,
                            error: Some(EvalError {
                                what: Evaluated::Bound(index),
                                error,
                            }),
                        },
                    );
                    None
                }
            };
            self.generator.mark_sent(&mut self.coverage.sent, state);
            if inside != Some(true) {
                if inside == Some(false) {
                    self.pruned += 1;
                }
                continue;
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
                        transitions: self.transitions,
                        pruned: self.pruned,
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

    /// Whether this worker must stop, with `extra` bytes held besides its
    /// partition ([`limit_reached`]).
    fn must_stop(&self, extra: usize) -> Option<Halt> {
        limit_reached(self.options, self.deadline, self.part.bytes() + extra)
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

    /// This worker's findings and counts now, for [`Search::restore`].
    fn before(&self) -> Before {
        Before {
            transitions: self.transitions,
            pruned: self.pruned,
            found: self.found.clone(),
            reached: self.reached.clone(),
            deadlock: self.deadlock.clone(),
            runtime_error: self.runtime_error.clone(),
            coverage: self.coverage.clone(),
        }
    }

    /// Puts back what a level abandoned had changed.
    fn restore(&mut self, before: Before) {
        self.transitions = before.transitions;
        self.pruned = before.pruned;
        self.found = before.found;
        self.reached = before.reached;
        self.deadlock = before.deadlock;
        self.runtime_error = before.runtime_error;
        self.coverage = before.coverage;
    }

    /// Gathers every worker's findings and counts, follows the chosen
    /// counterexamples' parent links, and (worker 0) builds the exploration.
    fn finish(
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
            transitions: self.transitions,
            pruned: self.pruned,
            found: std::mem::take(&mut self.found),
            reached: std::mem::take(&mut self.reached),
            deadlock: self.deadlock.take(),
            runtime_error: self.runtime_error.take(),
            coverage: self.coverage.clone(),
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
        let n_props = model.properties.len();
        let mut found: Vec<Option<Found>> = vec![None; n_props];
        let mut reached = vec![false; n_props];
        let mut deadlock = None;
        let mut runtime_error = None;
        let mut coverage = Coverage::new(model);
        let (mut transitions, mut pruned, mut memory, mut sent) = (0, 0, 0, (0, 0));
        for s in &summaries {
            for (slot, f) in found.iter_mut().zip(&s.found) {
                if let Some(f) = f {
                    keep_first(slot, f.clone());
                }
            }
            for (r, x) in reached.iter_mut().zip(&s.reached) {
                *r |= *x;
            }
            if let Some(f) = &s.deadlock {
                keep_first(&mut deadlock, f.clone());
            }
            if let Some(f) = &s.runtime_error {
                keep_first(&mut runtime_error, f.clone());
            }
            coverage.merge(&s.coverage);
            transitions += s.transitions;
            pruned += s.pruned;
            memory += s.memory_bytes;
            sent = (sent.0 + s.sent.0, sent.1 + s.sent.1);
        }
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

/// How many states a worker stores between two looks at what other
/// workers announced ([`Rounds::stop_announced`]).
const POLL_EVERY: usize = 256;

/// Whether a worker must stop when its process holds `bytes` for it: the
/// time is up, the process was interrupted (or its memory watchdog
/// fired), or its memory would pass its share of the limit (the process's
/// workers share it: `--max-memory` is per process).
fn limit_reached(options: &Options, deadline: Option<Instant>, bytes: usize) -> Option<Halt> {
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

/// Where a worker's expansion puts its successors ([`Msg::Succ`], sent
/// when the round ends), and what it looks at between two batches: a stop
/// another worker announced, a lost process, its own limits (counting the
/// messages it holds).
struct Outbox<'a, 'w, 'm> {
    out: Vec<(u32, Msg)>,
    /// The bytes of the states in `out`'s messages.
    state_bytes: usize,
    sent: (u64, u64),
    generator: &'m Generator<'m>,
    workers: usize,
    me: usize,
    rounds: &'a mut Rounds<'w>,
    /// What the worker's partition holds.
    held: usize,
    options: &'m Options,
    deadline: Option<Instant>,
    /// A stop was seen (announced by this worker or another).
    stopped: bool,
}

impl Outbox<'_, '_, '_> {
    /// What the worker holds: its partition and the messages waiting.
    fn holds(&self) -> usize {
        self.held + self.state_bytes + self.out.capacity() * std::mem::size_of::<(u32, Msg)>()
    }
}

impl Expansion for Outbox<'_, '_, '_> {
    fn successor(&mut self, state: &[u64], pos: u64, index: u32, parent: u64) {
        let to = owner(self.generator.place(state).2, self.workers);
        if to != self.me {
            // The destination, the variant, the state's length and
            // words, position, index and parent.
            self.sent.0 += 1;
            self.sent.1 += 4 + 4 + 8 + 8 * state.len() as u64 + 8 + 4 + 8;
        }
        self.state_bytes += 8 * state.len();
        self.out.push((
            to as u32,
            Msg::Succ {
                state: state.to_vec(),
                pos,
                index,
                parent: global(self.me, parent as u32),
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
        if let Some(halt) = limit_reached(self.options, self.deadline, self.holds()) {
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

impl Search<'_> {
    /// Sends every state this worker stored to worker 0, which puts them
    /// in the order one process stores them in (by key) for the liveness
    /// phase ([`crate::explore::gathered_liveness`]); `None` elsewhere.
    fn gather(&mut self, rounds: &mut Rounds) -> Result<Option<Gathered>, Lost> {
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
