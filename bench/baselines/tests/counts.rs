//! Each baseline has the state space of the dsmc spec it mirrors: the same
//! distinct states (and states generated) as TLC reports, and as dsmc finds
//! exploring the spec. A baseline that drifts from its spec would make
//! `bench/compare` compare different problems.

use dsmc::check::{CheckOptions, Checked, check_source};
use dsmc::explore::Options;
use dsmc::front::Override;
use dsmc_baselines::twophase;

/// Explores a spec of the repository with constant `N = n`; returns
/// (distinct states, states generated).
fn dsmc_counts(spec: &str, n: usize) -> (u64, u64) {
    let path = format!("{}/../../{spec}", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(&path).expect("spec readable");
    let options = CheckOptions {
        overrides: vec![Override {
            name: "N".to_string(),
            value: n.to_string(),
        }],
        explore: Options {
            threads: Some(1),
            max_states: None,
            ..Default::default()
        },
        ..Default::default()
    };
    let Checked::Explored { exploration, .. } = check_source(&source, &options) else {
        panic!("{spec} has errors")
    };
    assert!(exploration.complete, "{spec} explored completely");
    (exploration.states, exploration.transitions)
}

/// TLC's distinct states and states generated for TwoPhase.tla with N RMs.
const TLC_TWO_PHASE: [(usize, u64, u64); 4] = [
    (3, 288, 1_146),
    (4, 1_568, 8_258),
    (5, 8_832, 58_146),
    (6, 50_816, 402_306),
];

#[test]
fn twophase_has_the_state_space_of_tlc_and_of_specs_2pc() {
    for (n, tlc_states, tlc_generated) in TLC_TWO_PHASE {
        let run = twophase::check(n, 1);
        assert!(run.properties_hold, "consistent holds for N = {n}");
        assert_eq!(run.states as u64, tlc_states, "baseline vs TLC, N = {n}");
        assert_eq!(
            run.generated as u64, tlc_generated,
            "baseline vs TLC states generated, N = {n}"
        );
        let (dsmc_states, dsmc_generated) = dsmc_counts("specs/2pc.ds", n);
        assert_eq!(dsmc_states, run.states as u64, "dsmc vs baseline, N = {n}");
        assert_eq!(
            dsmc_generated, run.generated as u64,
            "dsmc vs baseline states generated, N = {n}"
        );
    }
}

/// The count does not depend on Stateright's thread count.
#[test]
fn twophase_counts_do_not_depend_on_threads() {
    assert_eq!(twophase::check(5, 2).states, 8_832);
}
