//! Helpers shared by the integration tests.
// Each test crate uses some of these helpers.
#![allow(dead_code)]

/// Specs with more distinct states than this are ignored by default, so that
/// `cargo test` stays fast; `cargo test -- --include-ignored` (which
/// `.ci/run` runs) explores them too.
pub const HEAVY_STATES: u64 = 50_000;

/// The distinct-state count a spec's header pins (`// states: N`), if any.
pub fn pinned_states(source: &str) -> Option<u64> {
    source
        .lines()
        .map_while(|l| l.trim().strip_prefix("//"))
        .find_map(|c| c.trim().strip_prefix("states:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Specs with more distinct states than this are not compared with
/// Stateright at all: its checker recomputes every successor for each
/// action, and symmetric specs are compared unreduced (paxos.ds: 589,061
/// representatives, 3.5 million states), which takes minutes.
pub const REFERENCE_STATES: u64 = 150_000;

/// Whether the spec is left out unless ignored tests are asked for (see
/// [`HEAVY_STATES`]).
pub fn is_heavy(source: &str) -> bool {
    pinned_states(source).is_some_and(|n| n > HEAVY_STATES)
}

/// The property names of a header line (`// holds: a, b(0, true)`): split
/// at the commas outside parentheses, since a quantified property's
/// instance is named `name(value, ..)`.
pub fn property_names(line: &str) -> Vec<String> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in line.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(line[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(line[start..].trim().to_string());
    out.retain(|s| !s.is_empty());
    out
}
