//! The explorer against fixed numbers: TLC's counts for TwoPhase, the same
//! results at every thread count, and counterexamples that replay.

use dsmc::check::{CheckOptions, Checked, Status, check_source};
use dsmc::explore::{Options, Trace, Verdict};
use dsmc::front::Override;
use dsmc::model::{CompiledProperty, Model, Outcome, Scratch};

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
fn fingerprint(path: &str, threads: usize) -> String {
    let checked = check(path, &[], threads);
    let mut json = dsmc::report::json(path, &checked);
    let object = json.as_object_mut().expect("an object");
    object.remove("elapsed_s");
    object.remove("liveness_s");
    json.to_string()
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
        let one = fingerprint(path, 1);
        for threads in [2, 3, 8] {
            assert_eq!(
                one,
                fingerprint(path, threads),
                "{path} at {threads} threads"
            );
        }
    }
}

/// Replays a counterexample through the model: it starts in an initial
/// state and every step is one the model generates.
fn replay(model: &Model, trace: &Trace) {
    let initial = model.initial_states().expect("initial states");
    assert!(
        initial.contains(&trace.states[0]),
        "the trace starts in an initial state"
    );
    let mut scratch = Scratch::default();
    for (i, step) in trace.steps.iter().enumerate() {
        let mut found = false;
        model.successors(&trace.states[i], &mut scratch, &mut |s, outcome| {
            if let Outcome::Next(next) = outcome {
                found |= s == *step && next == trace.states[i + 1].as_slice();
            }
        });
        assert!(found, "step {} of the trace is a step of the model", i + 1);
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
    replay(&model, trace);
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
