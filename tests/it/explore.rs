//! The explorer against fixed numbers: TLC's counts for TwoPhase, the same
//! results at every thread count, and counterexamples that replay.

use dsmc::check::{CheckOptions, Checked, Status, check_source};
use dsmc::explore::{Options, Verdict};
use dsmc::front::Override;
use dsmc::model::{CompiledProperty, Outcome, Scratch};

fn check(path: &str, defines: &[(&str, &str)], threads: usize) -> Checked {
    let source = std::fs::read_to_string(path).expect("spec readable");
    let options = CheckOptions {
        overrides: defines
            .iter()
            .map(|(n, v)| Override {
                name: n.to_string(),
                value: v.to_string(),
            })
            .collect(),
        explore: Options {
            threads: Some(threads),
            max_states: None,
            ..Default::default()
        },
        ..Default::default()
    };
    check_source(&source, &options)
}

/// TLC reports these for TwoPhase.tla with |RM| = N: distinct states and
/// states generated (initial states plus every successor computed).
#[test]
fn two_phase_commit_matches_tlc() {
    for (n, states, generated, depth) in [
        ("3", 288, 1_146, 11),
        ("4", 1_568, 8_258, 14),
        ("5", 8_832, 58_146, 17),
        ("6", 50_816, 402_306, 20),
    ] {
        let Checked::Explored { exploration, .. } = check("specs/2pc.ds", &[("N", n)], 2) else {
            panic!("specs/2pc.ds has errors")
        };
        assert_eq!(exploration.states, states, "distinct states for N = {n}");
        assert_eq!(
            exploration.transitions, generated,
            "states generated for N = {n}"
        );
        assert_eq!(exploration.depth, depth, "depth for N = {n}");
        assert!(exploration.complete);
    }
}

/// Everything but the timing, as JSON text.
fn fingerprint(path: &str, defines: &[(&str, &str)], threads: usize) -> String {
    let checked = check(path, defines, threads);
    let source = std::fs::read_to_string(path).expect("spec readable");
    let mut report = dsmc::report::json::SpecReport::new(path, &source, &checked);
    if let dsmc::report::json::SpecReport::Explored(explored) = &mut report {
        explored.elapsed_s = 0.0;
        explored.liveness_s = 0.0;
    }
    report.to_line()
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    for path in [
        "specs/2pc.ds",
        "specs/2pc_eager_commit.ds",
        "specs/2pc_blocking.ds",
        "specs/ping_pong.ds",
        "tests/explore/symmetry_2pc.ds",
        "tests/explore/symmetry_trace.ds",
        "tests/explore/live_strong.ds",
    ] {
        let one = fingerprint(path, &[], 1);
        for threads in [2, 3, 8] {
            assert_eq!(
                one,
                fingerprint(path, &[], threads),
                "{path} at {threads} threads"
            );
        }
    }
    // Levels of thousands of states: several chunks per batch, and a
    // thread's table of buffered successors carried from one to the next;
    // and packed states under symmetry reduction (paxos's acceptors).
    for (path, define) in [
        ("specs/2pc.ds", ("N", "6")),
        ("specs/2pc_eager_commit.ds", ("N", "6")),
        ("specs/paxos.ds", ("B", "3")),
    ] {
        let one = fingerprint(path, &[define], 1);
        for threads in [2, 3] {
            assert_eq!(
                one,
                fingerprint(path, &[define], threads),
                "{path} -D {}={} at {threads} threads",
                define.0,
                define.1
            );
        }
    }
}

#[test]
fn the_eager_commit_counterexample_is_shortest_and_replays() {
    let checked = check("specs/2pc_eager_commit.ds", &[], 2);
    assert_eq!(checked.status(), Status::Ok, "the violation is expected");
    let Checked::Explored {
        model, exploration, ..
    } = checked
    else {
        panic!("errors")
    };
    let index = model
        .spec
        .properties
        .iter()
        .position(|p| p.name == "consistent")
        .expect("property");
    let Verdict::Violated(Some(trace)) = &exploration.verdicts[index] else {
        panic!("consistent must be violated")
    };
    assert_eq!(
        trace.steps.len(),
        5,
        "the shortest counterexample has 5 steps"
    );
    if let Err(e) = dsmc::replay::replay(&model, trace) {
        panic!("the counterexample does not replay: {e}");
    }
    let CompiledProperty::Invariant(pred) = &model.properties[index] else {
        panic!("an invariant")
    };
    let last = trace.states.last().expect("a state");
    assert_eq!(
        pred.eval(&model, last, &mut Vec::new()),
        Ok(0),
        "the last state violates it"
    );
    for state in &trace.states[..trace.states.len() - 1] {
        assert_eq!(
            pred.eval(&model, state, &mut Vec::new()),
            Ok(1),
            "only the last state violates it"
        );
    }
}

/// `--property`: only the selected properties get a verdict; the others are
/// unchecked, and the state space is the same.
#[test]
fn only_selected_properties_are_checked() {
    let source = std::fs::read_to_string("specs/2pc.ds").expect("spec readable");
    let options = CheckOptions {
        properties: vec!["consistent".to_string()],
        ..Default::default()
    };
    let checked = check_source(&source, &options);
    assert_eq!(checked.status(), dsmc::check::Status::Ok);
    let Checked::Explored { exploration, .. } = checked else {
        panic!("specs/2pc.ds has errors")
    };
    assert_eq!(exploration.states, 288);
    assert!(matches!(exploration.verdicts[0], Verdict::Holds));
    for v in &exploration.verdicts[1..] {
        assert!(matches!(v, Verdict::NotSelected), "{v:?}");
    }
    let options = CheckOptions {
        properties: vec!["consistant".to_string()],
        ..Default::default()
    };
    let Checked::Errors(errors) = check_source(&source, &options) else {
        panic!("an unknown property is an error")
    };
    assert_eq!(errors[0].code, "dsmc::check::unknown_property");
}

/// A state's description (the Explorer's state text, a trace's first state)
/// tells apart every two states: crash flags, an active partition and the
/// fault budgets used are part of it, not only the variables and the network.
#[test]
fn distinct_states_have_distinct_descriptions() {
    // Crash and restart, partition, lose and duplicate between them.
    for path in [
        "specs/kv_replication.ds",
        "specs/cap_register_consistent.ds",
        "specs/retry_idempotency.ds",
    ] {
        let Checked::Explored { model, .. } = check(path, &[], 1) else {
            panic!("{path} has errors")
        };
        let mut seen = std::collections::HashMap::new();
        let mut queue: std::collections::VecDeque<Vec<u64>> =
            model.initial_states().expect("initial states").into();
        let mut scratch = Scratch::default();
        let mut visited = std::collections::HashSet::new();
        while let Some(state) = queue.pop_front() {
            if visited.len() >= 3_000 || !visited.insert(state.clone()) {
                continue;
            }
            let text: Vec<String> = model
                .describe_state(&state)
                .into_iter()
                .map(|c| format!("{} = {}", c.what, c.value))
                .collect();
            if let Some(other) = seen.insert(text.clone(), state.clone()) {
                assert_eq!(
                    other,
                    state,
                    "{path}: two states read as\n{}",
                    text.join("\n")
                );
            }
            model.successors(&state, &mut scratch, &mut |_, outcome| {
                if let Outcome::Next(next) = outcome {
                    queue.push_back(next.to_vec());
                }
            });
        }
    }
}

/// Checks `specs/2pc.ds` (N = 4) with the explorer options given.
fn check_2pc_with(explore: Options) -> (Status, dsmc::explore::Exploration) {
    check_2pc_n("4", explore)
}

/// `specs/2pc.ds` with `N = n`.
fn check_2pc_n(n: &str, explore: Options) -> (Status, dsmc::explore::Exploration) {
    let source = std::fs::read_to_string("specs/2pc.ds").expect("spec readable");
    let options = CheckOptions {
        overrides: vec![Override {
            name: "N".into(),
            value: n.into(),
        }],
        explore,
        ..Default::default()
    };
    let checked = check_source(&source, &options);
    let status = checked.status();
    let Checked::Explored { exploration, .. } = checked else {
        panic!("specs/2pc.ds has errors")
    };
    (status, *exploration)
}

#[test]
fn a_stop_in_the_liveness_phase_leaves_liveness_unknown_and_safety_final() {
    use dsmc::explore::{Phase, ProgressHook, StopReason, StopSignal};
    let signal = StopSignal::new();
    let asked = signal.clone();
    // Ctrl-C as the first liveness property starts.
    let hook = ProgressHook(std::sync::Arc::new(move |p: &dsmc::explore::Progress| {
        if matches!(p.phase, Phase::Liveness { .. }) {
            asked.interrupt();
        }
    }));
    let (status, exploration) = check_2pc_with(Options {
        stop: Some(signal),
        progress: Some(hook),
        ..Default::default()
    });
    assert_eq!(status, Status::NoVerdict);
    assert!(exploration.complete, "every state was explored");
    let stop = exploration.stop.expect("stopped");
    assert_eq!(stop.reason, StopReason::Interrupted);
    assert!(stop.in_liveness);
    let words: Vec<&str> = exploration
        .verdicts
        .iter()
        .map(dsmc::report::verdict_word)
        .collect();
    // consistent, commit_final, can_commit, decides (leads-to).
    assert_eq!(words, ["holds", "holds", "holds", "unknown"]);
    assert!(matches!(exploration.deadlock, Verdict::Holds));
}

#[test]
fn a_stop_before_the_search_keeps_the_initial_states_checked() {
    use dsmc::explore::{StopReason, StopSignal};
    let signal = StopSignal::new();
    signal.interrupt();
    let (status, exploration) = check_2pc_with(Options {
        stop: Some(signal),
        ..Default::default()
    });
    assert_eq!(status, Status::NoVerdict);
    assert!(!exploration.complete);
    assert_eq!(exploration.depth, 1);
    assert_eq!(
        exploration.stop.map(|s| s.reason),
        Some(StopReason::Interrupted)
    );
    assert!(
        exploration
            .verdicts
            .iter()
            .all(|v| matches!(v, Verdict::Unknown))
    );
    assert!(matches!(exploration.deadlock, Verdict::Unknown));
}

#[test]
fn a_memory_limit_stops_at_the_same_batch_at_any_thread_count() {
    // Lists of messages (the interpreter) on N = 4; packed states, which
    // take far less, on N = 6.
    for (n, interpreted, all) in [("4", true, 1_568), ("6", false, 50_816)] {
        use dsmc::explore::{MemoryLimit, StopReason};
        let with = |explore| check_2pc_n(n, explore).1;
        // What the whole search holds: a limit there stops it before the end.
        let full = with(Options {
            interpreted,
            ..Default::default()
        })
        .memory_bytes as u64;
        let limit = MemoryLimit {
            bytes: full,
            reserved: 0,
            guard: false,
        };
        let run = |threads| {
            with(Options {
                threads: Some(threads),
                max_memory: Some(limit),
                interpreted,
                ..Default::default()
            })
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one.stop.map(|s| s.reason), Some(StopReason::Memory(limit)));
        assert!(one.memory_bytes < limit.bytes as usize);
        // Past the first levels (the estimate of the first pages of the 64
        // shards' stores is most of a limit this small), short of the end.
        assert!(
            one.states > 10 && one.states < all,
            "N = {n}: {}",
            one.states
        );
        assert_eq!((one.states, one.depth), (two.states, two.depth));
    }
}

/// Phase 2 tests each new state against the properties, from a cache keyed
/// by the node variables when there are at most 62 properties, one by one
/// beyond: both give every property its own verdict and shortest trace.
#[test]
fn many_properties_each_get_their_verdict() {
    for count in [10, 70] {
        let mut source = String::from(
            "protocol Many\nnetwork set\nmessage Tick\nnode A {\n  var x: 0..5 = 0\n  \
             action inc when x < 5 { x += 1 }\n}\nallow deadlock\n",
        );
        for i in 0..count {
            // Invariant i fails once x reaches i % 6; reachable i holds
            // unless i % 7 == 6 (x never reaches 6).
            source += &format!("invariant inv{i}: A.x != {}\n", i % 6);
            source += &format!("reachable r{i}: A.x == {}\n", i % 7);
        }
        let checked = check_source(&source, &CheckOptions::default());
        let Checked::Explored { exploration, .. } = checked else {
            panic!("the generated spec has errors")
        };
        assert_eq!(exploration.states, 6);
        for i in 0..count {
            match &exploration.verdicts[2 * i] {
                Verdict::Violated(Some(trace)) => {
                    assert_eq!(trace.steps.len(), i % 6, "{count} properties: inv{i}")
                }
                other => panic!("{count} properties: inv{i} is {other:?}"),
            }
            let reached = matches!(exploration.verdicts[2 * i + 1], Verdict::Holds);
            assert_eq!(reached, i % 7 != 6, "{count} properties: r{i}");
        }
    }
}
