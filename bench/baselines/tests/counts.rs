//! Each baseline has the state space of the dsmc spec it mirrors: the same
//! distinct states (and states generated) as TLC reports, and as dsmc finds
//! exploring the spec. A baseline that drifts from its spec would make
//! `bench/compare` compare different problems.

use dsmc::check::{CheckOptions, Checked, check_source};
use dsmc::explore::{Options, Verdict};
use dsmc::front::Override;
use dsmc::typed::PropertyKind;
use dsmc_baselines::{paxos, paxos_turing, twophase};

/// What dsmc finds exploring a spec of the repository on one thread, with
/// some constants overridden and, for `no_symmetry`, every state explored.
struct DsmcCounts {
    /// Distinct states.
    states: u64,
    /// States generated (initial states and every successor).
    transitions: u64,
    /// The `reachable` properties that hold, in source order.
    reached: Vec<String>,
}

fn dsmc_counts(spec: &str, constants: &[(&str, usize)], no_symmetry: bool) -> DsmcCounts {
    let path = format!("{}/../../{spec}", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(&path).expect("spec readable");
    let options = CheckOptions {
        overrides: constants
            .iter()
            .map(|(name, value)| Override {
                name: name.to_string(),
                value: value.to_string(),
            })
            .collect(),
        explore: Options {
            threads: Some(1),
            max_states: None,
            no_symmetry,
            ..Default::default()
        },
        ..Default::default()
    };
    let Checked::Explored {
        model, exploration, ..
    } = check_source(&source, &options)
    else {
        panic!("{spec} has errors")
    };
    assert!(exploration.complete, "{spec} explored completely");
    let reached = model
        .spec
        .properties
        .iter()
        .zip(&exploration.verdicts)
        .filter(|(property, verdict)| {
            matches!(property.kind, PropertyKind::Reachable(_)) && matches!(verdict, Verdict::Holds)
        })
        .map(|(property, _)| property.name.clone())
        .collect();
    DsmcCounts {
        states: exploration.states,
        transitions: exploration.transitions,
        reached,
    }
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
        let dsmc = dsmc_counts("specs/2pc.ds", &[("N", n)], false);
        assert_eq!(dsmc.states, run.states as u64, "dsmc vs baseline, N = {n}");
        assert_eq!(
            dsmc.transitions, run.generated as u64,
            "dsmc vs baseline states generated, N = {n}"
        );
    }
}

/// The count does not depend on Stateright's thread count.
#[test]
fn twophase_counts_do_not_depend_on_threads() {
    assert_eq!(twophase::check(5, 2).states, 8_832);
}

/// dsmc's distinct states and states generated for specs/2pc_blocking.ds
/// with N RMs, property `consistent`: twice 2PC's states (each with the TM up
/// or crashed); the crash steps and the crashed TM's missing steps change the
/// transitions.
const DSMC_TWO_PHASE_BLOCKING: [(usize, u64, u64); 4] = [
    (3, 576, 2_418),
    (4, 3_136, 17_314),
    (5, 17_664, 121_538),
    (6, 101_632, 839_042),
];

#[test]
fn twophase_blocking_has_the_state_space_of_specs_2pc_blocking() {
    for (n, states, generated) in DSMC_TWO_PHASE_BLOCKING {
        let run = twophase::check_blocking(n, 1);
        assert!(run.properties_hold, "consistent holds for N = {n}");
        assert_eq!(run.states as u64, states, "baseline vs pinned, N = {n}");
        assert_eq!(
            run.generated as u64, generated,
            "baseline vs pinned states generated, N = {n}"
        );
        let dsmc = dsmc_counts("specs/2pc_blocking.ds", &[("N", n)], false);
        assert_eq!(dsmc.states, states, "dsmc vs pinned, N = {n}");
        assert_eq!(
            dsmc.transitions, generated,
            "dsmc vs pinned states generated, N = {n}"
        );
    }
}

/// The count does not depend on Stateright's thread count.
#[test]
fn twophase_blocking_counts_do_not_depend_on_threads() {
    assert_eq!(twophase::check_blocking(5, 2).states, 17_664);
}

/// Compares the Paxos baseline with `dsmc check specs/paxos.ds
/// --no-symmetry` for the constants P, N, L, B: distinct states, states
/// generated, agreement and the reachables found.
fn paxos_matches_dsmc(p: usize, n: usize, l: usize, b: u8) {
    let config = format!("P = {p}, N = {n}, L = {l}, B = {b}");
    let run = paxos::check(paxos::Paxos::new(p, n, l, b), 1);
    let dsmc = dsmc_counts(
        "specs/paxos.ds",
        &[("P", p), ("N", n), ("L", l), ("B", b.into())],
        true,
    );
    assert!(run.properties_hold, "agreement holds for {config}");
    assert_eq!(dsmc.states, run.states as u64, "dsmc vs baseline, {config}");
    assert_eq!(
        dsmc.transitions, run.generated as u64,
        "dsmc vs baseline states generated, {config}"
    );
    assert_eq!(dsmc.reached, run.reached, "reachables found, {config}");
}

/// The spec's proposers and acceptors with one to three ballots, a proposer
/// alone, three proposers, two learners, four and five acceptors: each
/// configuration exercises a different part of the model (with B = 1
/// proposer 1 owns no ballot and nothing contends; with P = 1 nothing is
/// adopted; with N = 4 a majority is three acceptors, not N / 2).
#[test]
fn paxos_has_the_state_space_of_specs_paxos_without_symmetry() {
    for (p, n, l, b) in [
        (2, 3, 1, 1),
        (2, 3, 1, 2),
        (2, 3, 1, 3),
        (1, 3, 1, 2),
        (3, 3, 1, 3),
        (2, 3, 2, 2),
        (2, 4, 1, 2),
        (2, 5, 1, 1),
    ] {
        paxos_matches_dsmc(p, n, l, b);
    }
}

/// The spec as written (B = 4): 3,530,989 states. Slow in a debug build.
#[test]
#[ignore = "3.5 million states: a minute in release, far longer in debug"]
fn paxos_has_the_state_space_of_specs_paxos_at_four_ballots() {
    paxos_matches_dsmc(2, 3, 1, 4);
}

/// The count does not depend on Stateright's thread count.
#[test]
fn paxos_counts_do_not_depend_on_threads() {
    assert_eq!(paxos::check(paxos::Paxos::new(2, 3, 1, 2), 2).states, 2_623);
}

/// Compares the Paxos.tla baseline with `dsmc check
/// tests/tlc/paxos_turing_tiny.ds` for the constants NA, NV, QSize,
/// MaxBallot: distinct states, states generated and `inv`. Returns the
/// baseline's run.
fn paxos_turing_matches_dsmc(
    na: usize,
    nv: u8,
    qsize: usize,
    max_ballot: i8,
) -> dsmc_baselines::Run {
    let config = format!("NA = {na}, NV = {nv}, QSize = {qsize}, MaxBallot = {max_ballot}");
    let run = paxos_turing::check(paxos_turing::Paxos::new(na, nv, qsize, max_ballot), 1);
    let dsmc = dsmc_counts(
        "tests/tlc/paxos_turing_tiny.ds",
        &[
            ("NA", na),
            ("NV", nv.into()),
            ("QSize", qsize),
            ("MaxBallot", max_ballot as usize),
        ],
        false,
    );
    assert!(run.properties_hold, "inv holds for {config}");
    assert_eq!(dsmc.states, run.states as u64, "dsmc vs baseline, {config}");
    assert_eq!(
        dsmc.transitions, run.generated as u64,
        "dsmc vs baseline states generated, {config}"
    );
    run
}

/// MCPaxosTiny.cfg (MaxBallot = 1): TLC's 3,921 distinct states. TLC
/// generates 23,563 states, dsmc and the baseline 22,995: TLC takes
/// Phase2a(b, v) once per quorum and 1b message that enable it.
#[test]
fn paxos_turing_has_the_state_space_of_tlc_at_max_ballot_1() {
    let run = paxos_turing_matches_dsmc(3, 2, 2, 1);
    assert_eq!(run.states, 3_921, "baseline vs TLC");
    assert_eq!(run.generated, 22_995, "baseline vs pinned states generated");
}

/// MaxBallot = 2: TLC's 185,369 distinct states.
#[test]
fn paxos_turing_has_the_state_space_of_tlc_at_max_ballot_2() {
    let run = paxos_turing_matches_dsmc(3, 2, 2, 2);
    assert_eq!(run.states, 185_369, "baseline vs TLC");
    assert_eq!(
        run.generated, 1_316_584,
        "baseline vs pinned states generated"
    );
}

/// Other constants: one ballot, three values, four acceptors with quorums of
/// three, quorums of one (which need not intersect; `inv` holds all the
/// same), a single quorum, two acceptors with three ballots.
#[test]
fn paxos_turing_has_the_state_space_of_the_spec_for_other_constants() {
    for (na, nv, qsize, max_ballot) in [
        (3, 2, 2, 0),
        (3, 3, 2, 1),
        (4, 2, 3, 1),
        (3, 2, 1, 1),
        (3, 2, 3, 1),
        (2, 2, 2, 2),
    ] {
        paxos_turing_matches_dsmc(na, nv, qsize, max_ballot);
    }
}

/// The count does not depend on Stateright's thread count.
#[test]
fn paxos_turing_counts_do_not_depend_on_threads() {
    let run = paxos_turing::check(paxos_turing::Paxos::default(), 2);
    assert_eq!(run.states, 3_921);
}
