//! Counterexamples drawn as sequence charts (`dsmc check --trace msc`):
//! the charts of the classic counterexamples, exactly as a terminal shows
//! them, in Unicode and in ASCII.

use dsmc::check::{CheckOptions, Checked, check_source};
use dsmc::explore::Verdict;
use dsmc::msc::{ChartOptions, chart};

/// The chart of the counterexample to `property` in `spec`.
fn chart_of(spec: &str, property: &str, ascii: bool) -> String {
    chart_with(spec, property, ascii, &[])
}

/// The same with `-D` overrides.
fn chart_with(spec: &str, property: &str, ascii: bool, defines: &[&str]) -> String {
    chart_limited(spec, property, ascii, defines, None)
}

/// The same, stopping the search after `max_states` (the counterexample is
/// found in the first levels).
fn chart_limited(
    spec: &str,
    property: &str,
    ascii: bool,
    defines: &[&str],
    max_states: Option<u64>,
) -> String {
    let path = format!("{}/specs/{spec}", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(&path).expect("the spec is readable");
    let options = CheckOptions {
        overrides: defines
            .iter()
            .map(|d| dsmc::front::Override::parse(d).expect("NAME=VALUE"))
            .collect(),
        explore: dsmc::explore::Options {
            max_states,
            ..Default::default()
        },
        ..Default::default()
    };
    let checked = check_source(&source, &options);
    let Checked::Explored {
        model, exploration, ..
    } = checked
    else {
        panic!("{spec} does not compile");
    };
    let index = model
        .spec
        .properties
        .iter()
        .position(|p| p.name == property)
        .expect("the property exists");
    let Verdict::Violated(Some(trace)) = &exploration.verdicts[index] else {
        panic!("`{property}` of {spec} has no counterexample");
    };
    let options = ChartOptions {
        ascii,
        ..Default::default()
    };
    chart(
        &model,
        trace,
        &format!("`{property}` is violated"),
        &options,
    )
}

#[test]
fn two_phase_commit_blocks_when_the_manager_crashes() {
    insta::assert_snapshot!(chart_of("2pc_blocking.ds", "decides", false));
}

#[test]
fn eager_commit_is_inconsistent() {
    insta::assert_snapshot!(chart_of("2pc_eager_commit.ds", "consistent", false));
}

#[test]
fn flp_waits_for_ever_for_a_crashed_process() {
    insta::assert_snapshot!(chart_of("flp.ds", "terminates", false));
}

#[test]
fn eager_commit_in_ascii() {
    let text = chart_of("2pc_eager_commit.ds", "consistent", true);
    assert!(text.is_ascii(), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn many_lanes_leave_out_the_nodes_that_take_no_part() {
    // Ten nodes; the counterexample involves three of them.
    let text = chart_limited(
        "2pc_eager_commit.ds",
        "consistent",
        false,
        &["N=9"],
        Some(200_000),
    );
    assert!(
        text.contains("(7 nodes without a step not shown: RM[2], RM[3]"),
        "{text}"
    );
    let header = text.lines().next().unwrap_or_default();
    assert!(
        header.contains("TM") && header.contains("RM[1]") && !header.contains("RM[2]"),
        "{text}"
    );
}

#[test]
fn a_lost_message_a_partition_and_a_loop() {
    // Faults and a liveness loop on one chart: every spec with them.
    for (spec, property) in [
        ("two_generals.ds", None),
        ("cap_register_consistent.ds", None),
        ("leader_election_crash.ds", Some("eventually_leader")),
    ] {
        let path = format!("{}/specs/{spec}", env!("CARGO_MANIFEST_DIR"));
        let source = std::fs::read_to_string(&path).expect("the spec is readable");
        let Checked::Explored {
            model, exploration, ..
        } = check_source(&source, &CheckOptions::default())
        else {
            panic!("{spec} does not compile");
        };
        for (p, verdict) in model.spec.properties.iter().zip(&exploration.verdicts) {
            if property.is_some_and(|name| name != p.name) {
                continue;
            }
            if let Verdict::Violated(Some(trace)) = verdict {
                let text = chart(&model, trace, "violated", &ChartOptions::default());
                assert!(text.contains("violated"), "{text}");
            }
        }
    }
}
