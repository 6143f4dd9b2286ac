//! Random simulation: walks through the state space, for specs too large to
//! explore exhaustively.
//!
//! Each run starts in an initial state chosen uniformly and takes up to
//! `depth` steps, each chosen uniformly among the steps enabled in the
//! current state, faults included (within their budgets). Along the way it
//! checks what a single run can refute: invariants and negative variant
//! measures in each state, step properties (`stable`, `next`, `unless`, the
//! `unless` half of `ensures`, rising variants) on each step, run-time
//! errors, deadlocks, and which `reachable` properties were reached. A walk
//! is reproducible from its seed. Nothing it reports is a proof: a property
//! without a violation is "not violated in these runs", never "holds".

use std::time::{Duration, Instant};

use std::sync::atomic::Ordering;

use crate::explore::{
    EvalError, Evaluated, Halt, StopReason, StopSignal, Trace, state_eval, truth, violates_on_step,
};
use crate::model::{
    CompiledProperty, InitError, Initial, Model, Outcome, RtError, RtErrorKind, Scratch, Step, halt,
};

/// How to simulate.
#[derive(Clone, Debug)]
pub struct SimOptions {
    /// Number of walks.
    pub runs: u64,
    /// The most steps per walk.
    pub depth: u32,
    /// The seed of the first walk; walk `i` uses a seed derived from it.
    pub seed: u64,
    /// Stop walking after this long.
    pub timeout: Option<Duration>,
    /// Stop when asked from outside (Ctrl-C, SIGTERM, SIGHUP).
    pub stop: Option<StopSignal>,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            runs: 1000,
            depth: 100,
            seed: 0,
            timeout: None,
            stop: None,
        }
    }
}

/// What the walks found.
#[derive(Clone, Debug)]
pub struct Simulation {
    /// Walks done (the last one perhaps cut short by a stop).
    pub runs: u64,
    /// Why the walks stopped before `SimOptions::runs`, if they did.
    pub stopped: Option<StopReason>,
    /// Steps taken over all walks.
    pub steps: u64,
    /// Per property: the first violation found (walk index and trace).
    pub violations: Vec<Option<(u64, Trace)>>,
    /// Per property: whether a `reachable` property was reached.
    pub reached: Vec<bool>,
    /// The first deadlock found.
    pub deadlock: Option<(u64, Trace)>,
    /// The first run-time error found.
    pub runtime_error: Option<(u64, Trace)>,
}

impl Simulation {
    /// Forgets the findings of evaluations that a stop cut short
    /// ([`RtErrorKind::Interrupted`]): they are not findings.
    fn drop_interrupted(&mut self) {
        let cut = |found: &Option<(u64, Trace)>| {
            found.as_ref().is_some_and(|(_, t)| {
                let failed = t.failed.as_ref().map(|(_, e)| &e.kind);
                let evaluated = t.eval_error.as_ref().map(|e| &e.error.kind);
                [failed, evaluated].contains(&Some(&RtErrorKind::Interrupted))
            })
        };
        for found in self.violations.iter_mut().chain([&mut self.runtime_error]) {
            if cut(found) {
                *found = None;
            }
        }
    }
}

/// SplitMix64: a small, well-mixed generator whose sequence is fixed by
/// its seed (the same walk on every machine and every version).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), without modulo bias worth mentioning for
    /// the small n of a step choice.
    fn below(&mut self, n: usize) -> usize {
        ((self.next() as u128 * n as u128) >> 64) as usize
    }

    /// Uniform in `0..n` (n > 0) for any `u128`: the same as
    /// [`Rng::below`] when `n` fits a `usize`.
    fn below_wide(&mut self, n: u128) -> u128 {
        match usize::try_from(n) {
            Ok(n) => self.below(n) as u128,
            Err(_) => (((self.next() as u128) << 64) | self.next() as u128) % n,
        }
    }
}

/// How many candidates a walk draws at random before it looks for an
/// initial state in order from the last one drawn.
const INITIAL_DRAWS: usize = 64;

/// An initial state drawn at random: a candidate drawn at random that the
/// `init` predicates admit, or, after [`INITIAL_DRAWS`] that they do not,
/// the first they admit after the last one drawn (wrapping around).
fn draw_initial(
    initial: &Initial,
    rng: &mut Rng,
    locals: &mut Vec<i64>,
) -> Result<Vec<u64>, InitError> {
    let total = initial.len();
    let mut state = Vec::new();
    let mut index = 0;
    for _ in 0..INITIAL_DRAWS {
        index = rng.below_wide(total);
        if initial.admit(index, &mut state, locals)? {
            return Ok(state);
        }
    }
    for offset in 1..total {
        let i = (index + offset) % total;
        if initial.admit(i, &mut state, locals)? {
            return Ok(state);
        }
    }
    Err(InitError::Unsatisfied { candidates: total })
}

/// The seed of walk `run`: the same for a given `--seed` whatever the
/// number of runs.
pub(crate) fn run_seed(seed: u64, run: u64) -> u64 {
    let mut r = Rng(seed ^ run.wrapping_mul(0xD1B5_4A32_D192_ED03));
    r.next()
}

/// One enabled step and where it leads.
enum Next {
    To(Step, Vec<u64>),
    Fails(Step, RtError),
}

/// Performs the walks.
pub fn simulate(model: &Model, options: &SimOptions) -> Result<Simulation, InitError> {
    let initial = model.initial()?;
    let n = model.properties.len();
    let mut sim = Simulation {
        runs: 0,
        stopped: None,
        steps: 0,
        violations: vec![None; n],
        reached: vec![false; n],
        deadlock: None,
        runtime_error: None,
    };
    if initial.is_empty() {
        return Err(InitError::Unsatisfied { candidates: 0 });
    }
    let mut scratch = Scratch::default();
    let mut locals = Vec::new();
    let start = Instant::now();
    let must_stop = || {
        if options.stop.as_ref().is_some_and(StopSignal::interrupted) {
            Some(StopReason::Interrupted)
        } else {
            (options.timeout)
                .filter(|t| start.elapsed() >= *t)
                .map(StopReason::Timeout)
        }
    };
    // A guard or a property that runs long stops at the time limit or the
    // signal too ([`halt`]): what it was evaluated for is dropped.
    let stopper = Halt::start(options.timeout.map(|t| start + t), options.stop.clone());
    let _watch = halt::Watch::new(&stopper.flag);
    let halted = || stopper.flag.load(Ordering::Relaxed);
    'runs: for run in 0..options.runs {
        if let Some(reason) = must_stop() {
            sim.stopped = Some(reason);
            break;
        }
        sim.runs += 1;
        let mut rng = Rng(run_seed(options.seed, run));
        let mut trace = Trace {
            states: vec![draw_initial(&initial, &mut rng, &mut locals)?],
            steps: Vec::new(),
            failed: None,
            lasso: None,
            eval_error: None,
        };
        check_state(model, &trace, run, &mut sim, &mut locals);
        for taken in 0..options.depth {
            // Long walks are checked too, every 4,096 steps.
            if (taken % 4096 == 4095 || halted())
                && let Some(reason) = must_stop()
            {
                sim.stopped = Some(reason);
                break 'runs;
            }
            let state = trace.states.last().expect("a walk has a state").clone();
            let mut enabled: Vec<Next> = Vec::new();
            let mut protocol_steps = 0;
            model.successors(&state, &mut scratch, &mut |step, outcome| {
                if !step.is_fault() {
                    protocol_steps += 1;
                }
                enabled.push(match outcome {
                    Outcome::Next(next) => Next::To(step, next.to_vec()),
                    Outcome::Error(e) => Next::Fails(step, e),
                });
            });
            if halted() {
                // The steps may be cut short: none is taken.
                sim.stopped = Some(must_stop().unwrap_or(StopReason::Interrupted));
                break 'runs;
            }
            if protocol_steps == 0 && model.check_deadlock && !model.all_crashed(&state) {
                let done = match &model.done {
                    Some(d) => truth(d, model, &state, &mut locals),
                    None => Ok(false),
                };
                match done {
                    Ok(false) if sim.deadlock.is_none() => {
                        sim.deadlock = Some((run, trace.clone()));
                    }
                    Err(error) if sim.runtime_error.is_none() => {
                        let mut t = trace.clone();
                        t.eval_error = Some(EvalError {
                            what: Evaluated::DoneWhen,
                            error,
                        });
                        sim.runtime_error = Some((run, t));
                    }
                    _ => {}
                }
            }
            if enabled.is_empty() {
                break;
            }
            sim.steps += 1;
            match enabled.swap_remove(rng.below(enabled.len())) {
                Next::Fails(step, e) => {
                    if sim.runtime_error.is_none() {
                        let mut t = trace.clone();
                        t.failed = Some((step, e));
                        sim.runtime_error = Some((run, t));
                    }
                    break;
                }
                Next::To(step, next) => {
                    for (p, prop) in model.properties.iter().enumerate() {
                        if sim.violations[p].is_some() {
                            continue;
                        }
                        // A failed evaluation is found in the state itself
                        // (`check_state`), not on the step; but a `step`
                        // property is evaluated on steps only.
                        let eval_error =
                            match violates_on_step(prop, model, &state, &next, &mut locals) {
                                Ok(true) => None,
                                Err(error) if matches!(prop, CompiledProperty::Step(_)) => {
                                    Some(EvalError {
                                        what: Evaluated::Property(p),
                                        error,
                                    })
                                }
                                _ => continue,
                            };
                        let mut t = trace.clone();
                        t.steps.push(step);
                        t.states.push(next.clone());
                        t.eval_error = eval_error;
                        sim.violations[p] = Some((run, t));
                    }
                    trace.steps.push(step);
                    trace.states.push(next);
                    check_state(model, &trace, run, &mut sim, &mut locals);
                }
            }
        }
    }
    if halted() {
        sim.stopped
            .get_or_insert(must_stop().unwrap_or(StopReason::Interrupted));
        sim.drop_interrupted();
    }
    Ok(sim)
}

/// Checks the last state of a walk.
fn check_state(
    model: &Model,
    trace: &Trace,
    run: u64,
    sim: &mut Simulation,
    locals: &mut Vec<i64>,
) {
    let state = trace.states.last().expect("a walk has a state");
    for (p, prop) in model.properties.iter().enumerate() {
        let outcome = state_eval(prop, model, state, locals);
        if let CompiledProperty::Reachable(_) = prop
            && outcome == Ok(true)
        {
            sim.reached[p] = true;
            continue;
        }
        if sim.violations[p].is_some() {
            continue;
        }
        match outcome {
            Ok(true) if !matches!(prop, CompiledProperty::Reachable(_)) => {
                sim.violations[p] = Some((run, trace.clone()));
            }
            // A finding of its own, shown with the violations.
            Err(error) => {
                let mut t = trace.clone();
                t.eval_error = Some(EvalError {
                    what: Evaluated::Property(p),
                    error,
                });
                sim.violations[p] = Some((run, t));
            }
            _ => {}
        }
    }
}
