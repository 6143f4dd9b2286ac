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
//! batches of its frontier; `--max-states`, once the new states of the
//! level known to exist pass what the level may add) announces it to
//! every worker at once ([`Msg::Stop`]); the others look for such an
//! announcement between two batches of theirs, and the level is abandoned
//! everywhere (each worker puts back its findings and counts as they were
//! before it: [`Tally`]).
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
//!
//! The files: this one starts a worker and drives its levels
//! ([`Search::run`]); `part.rs` is its partition of the visited set and the
//! ids across workers; `rounds.rs` the messages and one worker's side of a
//! round; `level.rs` the three rounds of a level; `stop.rs` the limits and
//! the stop that crosses the network; `finish.rs` the merged findings, the
//! traces rebuilt across owners, the gather for the liveness phase and the
//! report.

mod finish;
mod level;
mod part;
mod rounds;
mod stop;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::operator::Operator;
use timely::dataflow::operators::{Input, Probe};
use timely::dataflow::{InputHandle, ProbeHandle};
use timely::worker::Worker;

use super::{Job, Partial};
use crate::diagnostic::Diagnostic;
use crate::explore::{
    Coverage, Exploration, Found, Generator, Halt as Watcher, Options, Phase, Progress, keep_first,
};
use crate::model::{InitError, Model};
use level::Candidate;
use part::{Map, NO_PARENT, Part, owner};
use rounds::{Lost, Msg, Rounds};
use stop::Halt;

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
    /// What this worker found and counted so far.
    tally: Tally,
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

/// What a worker found and counted: its share of the report. A copy is
/// taken before each level and put back when the level is abandoned, so
/// that a stopped check reports the levels it completed and nothing of the
/// one it cut; at the end every worker sends its own to every other
/// ([`Summary`]), and each merges them all.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Tally {
    transitions: u64,
    pruned: u64,
    /// By property: the finding with the least key.
    found: Vec<Option<Found>>,
    /// By property: whether a `reachable` property's state was found.
    reached: Vec<bool>,
    deadlock: Option<Found>,
    runtime_error: Option<Found>,
    coverage: Coverage,
}

impl Tally {
    /// Nothing found or counted yet.
    fn new(model: &Model) -> Tally {
        let n_props = model.properties.len();
        Tally {
            transitions: 0,
            pruned: 0,
            found: vec![None; n_props],
            reached: vec![false; n_props],
            deadlock: None,
            runtime_error: None,
            coverage: Coverage::new(model),
        }
    }

    /// Adds another worker's: the counts summed, each finding the one with
    /// the least key.
    fn merge(&mut self, other: &Tally) {
        self.transitions += other.transitions;
        self.pruned += other.pruned;
        for (slot, f) in self.found.iter_mut().zip(&other.found) {
            if let Some(f) = f {
                keep_first(slot, f.clone());
            }
        }
        for (r, x) in self.reached.iter_mut().zip(&other.reached) {
            *r |= *x;
        }
        if let Some(f) = &other.deadlock {
            keep_first(&mut self.deadlock, f.clone());
        }
        if let Some(f) = &other.runtime_error {
            keep_first(&mut self.runtime_error, f.clone());
        }
        self.coverage.merge(&other.coverage);
    }
}

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
        tally: Tally::new(&model),
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
        let before = self.tally.clone();
        if self.me == 0 {
            self.tally.transitions += kept;
        }
        // Level 0 is the initial states: their keys are (0, 0, number).
        let (mut frontier, stored_total, mut halt) = match self.store_level(rounds, 0, 1, mine)? {
            Ok(level) => level,
            Err(halt) => {
                self.tally = before;
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
            let before = self.tally.clone();
            // What this level may add under `--max-states`.
            let max_new = self.options.max_states.map(|m| m.saturating_sub(states));
            let done = match self.expand(rounds, level, &frontier.0, max_new)? {
                Ok(candidates) => self.store_level(rounds, level, frontier_len, candidates)?,
                Err(halt) => Err(halt),
            };
            let (next, stored, h) = match done {
                Ok(done) => done,
                Err(h) => {
                    // Abandoned inside the level: the report is of the
                    // levels before it.
                    self.tally = before;
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
}
