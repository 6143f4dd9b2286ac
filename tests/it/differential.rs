//! dsmc's explorer against Stateright's checker on the same compiled specs:
//! equal distinct-state counts and equal verdicts for the properties both
//! engines check (invariants and reachability).

use crate::common;

use std::sync::Arc;

use dsmc::explore::{Exploration, Options, Verdict, explore};
use dsmc::model::{lower, lower_without_memo};

/// Specs whose state spaces both engines must agree on. Specs with a
/// `bound` are left out: Stateright drops states outside its boundary,
/// dsmc stores and checks them without expanding them.
fn corpus() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["specs", "tests/explore"] {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("directory exists")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "ds"))
            .collect();
        files.sort();
        out.extend(files.into_iter().map(|p| p.display().to_string()));
    }
    out
}

/// [`corpus`] and the TLA+ transcriptions of tests/tlc, whose large
/// quantified formulas and wide reads are what the expression caches and
/// the step cache's wide keys are for.
fn corpus_and_tlc() -> Vec<String> {
    let mut paths = corpus();
    let mut tlc: Vec<_> = std::fs::read_dir("tests/tlc")
        .expect("directory exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ds"))
        .map(|p| p.display().to_string())
        .collect();
    tlc.sort();
    paths.extend(tlc);
    paths
}

#[test]
fn stateright_agrees_on_every_spec() {
    let compared = compare_all(|source| !common::is_heavy(source));
    assert!(compared >= 10, "only {compared} specs compared");
}

/// The specs over [`common::HEAVY_STATES`] (up to
/// [`common::REFERENCE_STATES`]), run with `--include-ignored`.
#[test]
#[ignore = "heavy: run with --include-ignored"]
fn stateright_agrees_on_heavy_specs() {
    let compared = compare_all(|source| {
        common::is_heavy(source)
            && common::pinned_states(source).is_none_or(|n| n <= common::REFERENCE_STATES)
    });
    assert!(compared >= 3, "only {compared} heavy specs compared");
}

/// The specs of the corpus that `select` accepts (by their source) and
/// that compile, with their models. Specs that exist to show a front-end
/// or lowering error have nothing to compare.
fn models(select: impl Fn(&str) -> bool) -> impl Iterator<Item = (String, dsmc::model::Model)> {
    models_of(corpus(), select)
}

/// The models of the specs of `paths` that `select` accepts (by their
/// source) and that compile.
fn models_of(
    paths: Vec<String>,
    select: impl Fn(&str) -> bool,
) -> impl Iterator<Item = (String, dsmc::model::Model)> {
    paths.into_iter().filter_map(move |path| {
        let source = std::fs::read_to_string(&path).expect("readable");
        if !select(&source) {
            return None;
        }
        let typed = dsmc::front::check_source(&source, &[]).typed?;
        let model = lower(typed).ok()?;
        Some((path, model))
    })
}

/// Compares the engines on every spec of the corpus that `select` accepts;
/// returns how many were compared.
fn compare_all(select: impl Fn(&str) -> bool) -> usize {
    let mut compared = 0;
    // Stateright drops the states outside a `bound`, dsmc stores them:
    // specs with one are left out.
    for (path, model) in models(select).filter(|(_, m)| m.bounds.is_empty()) {
        let model = Arc::new(model);
        // Stateright explores every state: compare without symmetry reduction.
        let options = Options {
            no_symmetry: true,
            ..Options::default()
        };
        let ours = explore(&model, &options);
        // Runtime errors end a step in dsmc without a successor; Stateright
        // sees the same steps (they are not in its action list either).
        let theirs = dsmc::reference::check_with_stateright(model.clone(), 2);
        // A spec without initial states (an `init` predicate that fails or
        // that no state satisfies) is an error on both sides.
        let ours = match ours {
            Ok(ours) => ours,
            Err(e) => {
                assert_eq!(theirs.states, 0, "{path}: states without initial states");
                let said = format!("computing the initial states failed: {}", e.describe());
                assert!(
                    theirs.failures.steps.contains(&said),
                    "{path}: {said:?} not among {:?}",
                    theirs.failures.steps
                );
                continue;
            }
        };
        assert_eq!(ours.states, theirs.states, "{path}: distinct states");
        // A step that fails at run time is a finding on both sides
        // (Stateright does not evaluate `done when`: it has no deadlocks).
        assert_eq!(
            ours.runtime_error
                .as_ref()
                .is_some_and(|t| t.failed.is_some()),
            !theirs.failures.steps.is_empty(),
            "{path}: runtime findings"
        );
        for (index, discovered) in theirs.discoveries {
            let name = &model.spec.properties[index].name;
            let is_invariant = matches!(
                model.properties[index],
                dsmc::model::CompiledProperty::Invariant(_)
            );
            // A failed evaluation is neither true nor false on both sides.
            let failed = theirs.failures.properties.contains(&index);
            assert_eq!(
                matches!(ours.verdicts[index], Verdict::Error(_)),
                failed,
                "{path}: evaluation of `{name}`"
            );
            if failed {
                continue;
            }
            let ours_says = match &ours.verdicts[index] {
                Verdict::Violated(_) => is_invariant,
                Verdict::Holds => !is_invariant,
                other => panic!("{path}: `{name}` has no verdict: {other:?}"),
            };
            assert_eq!(ours_says, discovered, "{path}: verdict on `{name}`");
        }
        compared += 1;
    }
    compared
}

/// The fast path (step cache, with the packed `set` network or a list
/// network) against the interpreter, on every spec it applies to: the same counts, verdicts,
/// counterexamples, deadlocks, runtime findings and coverage.
/// Asserts that two explorations of one spec agree on everything but the
/// measurements: counts, verdicts with their traces, deadlock, run-time
/// error and coverage.
fn assert_same_results(a: &Exploration, b: &Exploration, what: &str) {
    assert_eq!(a.states, b.states, "{what}: states");
    assert_eq!(a.transitions, b.transitions, "{what}: transitions");
    assert_eq!(a.depth, b.depth, "{what}: depth");
    assert_eq!(a.pruned, b.pruned, "{what}: pruned");
    let debug = |x: &dyn std::fmt::Debug| format!("{x:?}");
    for (x, y, part) in [
        (
            debug(&a.verdicts),
            debug(&b.verdicts),
            "verdicts and traces",
        ),
        (debug(&a.deadlock), debug(&b.deadlock), "deadlock"),
        (
            debug(&a.runtime_error),
            debug(&b.runtime_error),
            "runtime error",
        ),
        (debug(&a.coverage), debug(&b.coverage), "coverage"),
    ] {
        assert_eq!(x, y, "{what}: {part}");
    }
}

#[test]
fn fast_path_agrees_with_the_interpreter() {
    let (packed, reduced, faulty, cached, wide) =
        compare_fast_path(|source| !common::is_heavy(source));
    assert!(packed >= 5, "only {packed} specs took the fast path");
    assert!(
        wide >= 2,
        "only {wide} specs took the step cache with keys wider than a word"
    );
    assert!(
        faulty >= 5,
        "only {faulty} specs with faults took the fast path"
    );
    assert!(
        cached >= 10,
        "only {cached} specs took the step cache with a list network"
    );
    assert!(
        reduced >= 4,
        "only {reduced} specs took it with symmetry reduction on packed states"
    );
}

#[test]
#[ignore = "heavy: run with --include-ignored"]
fn fast_path_agrees_with_the_interpreter_on_heavy_specs() {
    let (packed, _, _, _, _) = compare_fast_path(|source| {
        common::is_heavy(source)
            && common::pinned_states(source).is_none_or(|n| n <= common::REFERENCE_STATES)
    });
    assert!(packed >= 1, "only {packed} heavy specs took the fast path");
}

/// Compares the two ways of exploring on every spec of the corpus and of
/// tests/tlc that `select` accepts, with
/// and without symmetry reduction; returns how many specs took the fast
/// path with packed states, how many of those with symmetry reduction on
/// packed states ([`Model::canonical_packed`]) and
/// how many with faults, how many took the step cache with a list
/// network (`multiset`, `fifo`), and how many (either way) with a key
/// wider than a word.
fn compare_fast_path(select: impl Fn(&str) -> bool) -> (usize, usize, usize, usize, usize) {
    let (mut packed, mut reduced, mut faulty, mut cached, mut wide) = (0, 0, 0, 0, 0);
    for (path, model) in models_of(corpus_and_tlc(), select) {
        if (model.packing().or(model.step_cache())).is_some_and(|f| f.has_wide_keys()) {
            wide += 1;
        }
        if model.step_cache().is_some() {
            cached += 1;
        }
        if model.packing().is_some() {
            packed += 1;
            if !model.spec.faults.is_empty() {
                faulty += 1;
            }
            if model.reduces_packed_states() {
                reduced += 1;
            }
        }
        for no_symmetry in [false, true] {
            let run = |interpreted| {
                let options = Options {
                    no_symmetry,
                    interpreted,
                    threads: Some(2),
                    ..Options::default()
                };
                explore(&model, &options)
            };
            let (fast, slow) = (run(false), run(true));
            let (fast, slow) = match (fast, slow) {
                (Ok(f), Ok(s)) => (f, s),
                (Err(f), Err(s)) => {
                    assert_eq!(f, s, "{path}: initial-state error");
                    continue;
                }
                (f, s) => panic!("{path}: {:?} vs {:?}", f.err(), s.err()),
            };
            let what = format!("{path} (no_symmetry: {no_symmetry})");
            assert_same_results(&fast, &slow, &what);
        }
    }
    (packed, reduced, faulty, cached, wide)
}

/// Expressions compiled with a cache (`src/model/memo.rs`) against the
/// same spec compiled without: the same counts, verdicts, counterexamples,
/// deadlocks, runtime findings and coverage, on the fast path and in the
/// interpreter, on every light spec of the corpus and of tests/tlc (the
/// TLA+ transcriptions, whose large quantified formulas are what the
/// caches are for).
#[test]
fn memoised_expressions_agree_with_direct_evaluation() {
    let mut memoised = 0;
    for path in corpus_and_tlc() {
        let source = std::fs::read_to_string(&path).expect("readable");
        if common::is_heavy(&source) {
            continue;
        }
        let Some(typed) = dsmc::front::check_source(&source, &[]).typed else {
            continue;
        };
        let (Ok(with), Ok(without)) = (lower(typed.clone()), lower_without_memo(typed)) else {
            continue;
        };
        assert_eq!(without.memoised_expressions(), 0, "{path}");
        if with.memoised_expressions() == 0 {
            continue;
        }
        memoised += 1;
        for interpreted in [false, true] {
            let options = Options {
                interpreted,
                threads: Some(2),
                ..Options::default()
            };
            let (a, b) = match (explore(&with, &options), explore(&without, &options)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(a), Err(b)) => {
                    assert_eq!(a, b, "{path}: initial-state error");
                    continue;
                }
                (a, b) => panic!("{path}: {:?} vs {:?}", a.err(), b.err()),
            };
            let what = format!("{path} (interpreted: {interpreted})");
            assert_same_results(&a, &b, &what);
        }
    }
    assert!(
        memoised >= 5,
        "only {memoised} specs have memoised expressions"
    );
}

/// Invariants and bounds tested part by part from what each step changed
/// (`src/model/delta.rs`) against the same model testing them whole in
/// every state: the same counts, verdicts, counterexamples, runtime
/// findings and coverage, at 1 and 2 threads, on every light spec of the
/// corpus, of tests/tlc and of the data cases (bounds, failures inside
/// quantifiers, crash flags).
#[test]
fn split_tests_agree_with_whole_evaluation() {
    let mut paths = corpus_and_tlc();
    let mut cases: Vec<_> = std::fs::read_dir("tests/explore")
        .expect("directory exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ds"))
        .map(|p| p.display().to_string())
        .collect();
    cases.sort();
    paths.extend(cases);
    let mut split = 0;
    for path in paths {
        let source = std::fs::read_to_string(&path).expect("readable");
        if common::is_heavy(&source) {
            continue;
        }
        let Some(typed) = dsmc::front::check_source(&source, &[]).typed else {
            continue;
        };
        let (Ok(with), Ok(without)) = (lower(typed.clone()), lower(typed)) else {
            continue;
        };
        let without = without.without_split_tests();
        assert_eq!(without.split_tests(), 0, "{path}");
        if with.split_tests() == 0 {
            continue;
        }
        split += 1;
        for threads in [1, 2] {
            let options = Options {
                threads: Some(threads),
                ..Options::default()
            };
            let (a, b) = match (explore(&with, &options), explore(&without, &options)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(a), Err(b)) => {
                    assert_eq!(a, b, "{path}: initial-state error");
                    continue;
                }
                (a, b) => panic!("{path}: {:?} vs {:?}", a.err(), b.err()),
            };
            assert_same_results(&a, &b, &format!("{path} ({threads} threads)"));
        }
    }
    assert!(split >= 20, "only {split} specs have split tests");
}

/// Every permutation of every permutation group, as `perms[g][old] = new`.
fn every_renaming(counts: &[usize]) -> Vec<dsmc::model::Perms> {
    fn orders(n: usize) -> Vec<Vec<u32>> {
        if n == 0 {
            return vec![Vec::new()];
        }
        let mut out = Vec::new();
        for shorter in orders(n - 1) {
            for at in 0..n {
                let mut order = shorter.clone();
                order.insert(at, (n - 1) as u32);
                out.push(order);
            }
        }
        out
    }
    let mut all: Vec<dsmc::model::Perms> = vec![Vec::new()];
    for &n in counts {
        all = all
            .into_iter()
            .flat_map(|prefix| {
                orders(n).into_iter().map(move |order| {
                    let mut perms = prefix.clone();
                    perms.push(order);
                    perms
                })
            })
            .collect();
    }
    all
}

/// Symmetry reduction is sound and as strong as promised only if each
/// state's representative does not depend on how its instances are named:
/// the sorting key that picks it must move with the instances
/// (`Symmetry`'s keys, including the tallies of maps and sets keyed by the
/// kind itself). On the first few thousand states of every symmetric spec
/// of the corpus, every renaming of a state must give the same
/// representative.
#[test]
fn representatives_do_not_depend_on_the_names() {
    let (mut rep, mut renamed, mut other) = (Vec::new(), Vec::new(), Vec::new());
    let checked = each_symmetric_state(3_000, |path, model, sym, renamings, state, _| {
        model.canonical(sym, state, &mut rep);
        for perms in renamings {
            model.permute(sym, state, perms, &mut renamed);
            model.canonical(sym, &renamed, &mut other);
            assert_eq!(rep, other, "{path}: renaming {perms:?} of {state:?}");
        }
    });
    assert!(checked >= 4, "only {checked} symmetric specs checked");
}

/// The renaming of a task ([`dsmc::model::Model::permute_task`]) is the
/// task of the renamed step: for every step of the first states of each
/// symmetric spec and every renaming, the renamed state has a step of the
/// renamed task to the renamed successor. Liveness under symmetry relies
/// on it.
#[test]
fn renamed_tasks_are_the_tasks_of_renamed_steps() {
    let (mut renamed, mut renamed_next) = (Vec::new(), Vec::new());
    let mut tasks = 0;
    let checked = each_symmetric_state(300, |path, model, sym, renamings, state, steps| {
        for perms in renamings {
            model.permute(sym, state, perms, &mut renamed);
            let there = steps_of(model, &renamed);
            for (task, next) in steps {
                let Some(task) = task else { continue };
                tasks += 1;
                let want = model.permute_task(sym, *task, perms);
                model.permute(sym, next, perms, &mut renamed_next);
                assert!(
                    there
                        .iter()
                        .any(|(t, n)| *t == Some(want) && *n == renamed_next),
                    "{path}: renaming {perms:?} of {task:?} at {state:?}"
                );
            }
        }
    });
    assert!(checked >= 4, "only {checked} symmetric specs checked");
    assert!(tasks > 1_000, "only {tasks} fair steps renamed");
}

/// A state's steps to another state: their tasks and successors.
type Steps = Vec<(Option<dsmc::model::Task>, Vec<u64>)>;

fn steps_of(model: &dsmc::model::Model, state: &[u64]) -> Steps {
    let mut steps = Vec::new();
    let mut scratch = dsmc::model::Scratch::default();
    model.successors(state, &mut scratch, &mut |step, outcome| {
        if let dsmc::model::Outcome::Next(next) = outcome {
            steps.push((model.task(&step), next.to_vec()));
        }
    });
    steps
}

/// Hands `each` the first `limit` states (breadth first) of every
/// symmetric spec of the corpus, with every renaming of its groups and the
/// state's steps; returns how many specs it walked.
fn each_symmetric_state(
    limit: usize,
    mut each: impl FnMut(
        &str,
        &dsmc::model::Model,
        &dsmc::model::Symmetry,
        &[dsmc::model::Perms],
        &[u64],
        &Steps,
    ),
) -> usize {
    let mut walked = 0;
    for (path, model) in models(|source| source.contains("symmetric node")) {
        let Some(sym) = model.symmetry.as_ref() else {
            continue;
        };
        let Ok(initial) = model.initial_states() else {
            continue;
        };
        let perms = model.canonical(sym, &initial[0], &mut Vec::new());
        let renamings = every_renaming(&perms.iter().map(Vec::len).collect::<Vec<_>>());
        let mut seen = std::collections::HashSet::new();
        let mut queue: std::collections::VecDeque<Vec<u64>> = initial.into_iter().collect();
        while let Some(state) = queue.pop_front() {
            if seen.len() >= limit || !seen.insert(state.clone()) {
                continue;
            }
            let steps = steps_of(&model, &state);
            each(&path, &model, sym, &renamings, &state, &steps);
            queue.extend(steps.into_iter().map(|(_, next)| next));
        }
        walked += 1;
    }
    walked
}

/// Symmetry reduction keeps every liveness verdict: each symmetric spec
/// with a liveness property gets the same verdicts with and without it
/// (the counterexamples differ: each is confirmed a fair run by
/// tests/cases.rs).
#[test]
fn symmetry_keeps_every_liveness_verdict() {
    let liveness = ["~>", "transient", "persistent ", "ensures", "variant"];
    let mut checked = 0;
    for (path, model) in models(|source| {
        source.contains("symmetric node") && liveness.iter().any(|l| source.contains(l))
    }) {
        let source = std::fs::read_to_string(&path).expect("readable");
        if model.reduction().is_none() || common::is_heavy(&source) {
            continue;
        }
        let run = |no_symmetry| {
            let options = Options {
                no_symmetry,
                threads: Some(2),
                ..Options::default()
            };
            explore(&model, &options).expect("initial states")
        };
        let (reduced, full) = (run(false), run(true));
        assert!(
            reduced.states < full.states,
            "{path}: symmetry reduces nothing"
        );
        for (i, (r, f)) in reduced.verdicts.iter().zip(&full.verdicts).enumerate() {
            assert!(
                std::mem::discriminant(r) == std::mem::discriminant(f),
                "{path}: property {i}: {r:?} with symmetry, {f:?} without"
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 4,
        "only {checked} symmetric specs with liveness checked"
    );
}

/// The liveness phase keeps `R`'s edges from its first pass when they fit
/// its budget and computes them again otherwise: both ways give the same
/// verdicts and the same lassos, on every spec with a liveness property.
#[test]
fn kept_and_recomputed_liveness_edges_agree() {
    let liveness = ["~>", "transient", "persistent ", "ensures", "variant"];
    let mut checked = 0;
    for (path, model) in
        models(|source| !common::is_heavy(source) && liveness.iter().any(|l| source.contains(l)))
    {
        let run = |recompute_liveness_edges| {
            let options = Options {
                recompute_liveness_edges,
                threads: Some(2),
                ..Options::default()
            };
            explore(&model, &options)
        };
        let (kept, recomputed) = match (run(false), run(true)) {
            (Ok(k), Ok(r)) => (k, r),
            (k, r) => {
                assert_eq!(k.is_ok(), r.is_ok(), "{path}");
                continue;
            }
        };
        assert_eq!(
            format!("{:?}", kept.verdicts),
            format!("{:?}", recomputed.verdicts),
            "{path}: verdicts and lassos"
        );
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} specs with liveness checked");
}

/// A spec whose steps often write what is there already (a variable given
/// its own value, a member added to a set again, a message sent that the
/// `set` network holds): the fast path takes such a step as one back to
/// the state without buffering it, and must agree with the interpreter on
/// everything, liveness included, whether a packed state is one word or
/// several (`PAD` widens it).
fn rewrites_spec(pad: u32) -> String {
    format!(
        "protocol Rewrites

const N: int = 3

network set

message Ping
message Pong

node P[N] {{
  var seen: set<P> = {{}}
  var count: 0..2 = 0
  var pad: 0..{pad} = 0

  fair action ping(to: P) when count < 2 && to != self {{
    count += 1
    send to Ping
  }}
  action touch when count > 0 {{
    count = count
    pad = pad
  }}
  on Ping from p {{
    seen += p
    send p Pong
  }}
  on Pong from p {{
    seen += p
  }}
}}

invariant bounded: forall p in P: p.count <= 2
reachable everyone_seen: forall p in P: p.seen == all P - {{ p }}
property pings_done: true ~> forall p in P: p.count == 2

allow deadlock
"
    )
}

#[test]
fn fast_path_takes_rewrites_as_steps_back() {
    // One packed word, then a pad of 3 × 20 bits: several words.
    for (pad, words) in [(1, 1), ((1 << 20) - 1, 2)] {
        let source = rewrites_spec(pad);
        let typed = dsmc::front::check_source(&source, &[])
            .typed
            .expect("the spec checks");
        let model = lower(typed).expect("the spec lowers");
        let packing = model.packing().expect("the fast path packs the states");
        assert_eq!(
            packing.words(),
            words,
            "words of a packed state (pad {pad})"
        );
        for threads in [1, 2] {
            let run = |interpreted| {
                let options = Options {
                    interpreted,
                    threads: Some(threads),
                    ..Options::default()
                };
                explore(&model, &options).expect("initial states")
            };
            let (fast, slow) = (run(false), run(true));
            let what = format!("pad {pad}, {threads} threads");
            assert!(fast.states > 100, "{what}: {} states", fast.states);
            assert_same_results(&fast, &slow, &what);
        }
    }
}
