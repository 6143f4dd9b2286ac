//! The oracle against the headers of the spec library and the explorer's
//! test cases: every `.ds` file under `specs/`, `tests/explore/` and
//! `tests/tlc/` (whose counts are TLC's) whose header pins `// states: N`
//! is checked by the oracle, and the states,
//! transitions, depth, pruned count, verdicts, deadlock and run-time
//! findings it pins must come out the same.
//!
//! Header counts are dsmc's with symmetry reduction; the oracle explores
//! every state, so for a spec with a `symmetric` kind (and no liveness
//! property, which turns the reduction off) only the verdicts are compared.
//! Specs over [`HEAVY`] states are `#[ignore]`d (`--include-ignored` runs
//! them).

#[path = "../../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dsmc::front::{Override, check_source};
use dsmc_crosscheck::oracle::{self, Limits, OracleVerdict};

/// Specs with more pinned states than this are checked only by the ignored test.
const HEAVY: u64 = 20_000;

/// Specs with more pinned states than this are not checked at all (paxos.ds
/// is 3.5 million states without symmetry reduction).
const TOO_BIG: u64 = 200_000;

/// The `//` header lines of a spec as `key -> value` (several `define`s
/// and repeated keys are joined with `,`).
fn header(source: &str) -> BTreeMap<String, String> {
    let mut want: BTreeMap<String, String> = BTreeMap::new();
    for line in source.lines() {
        let Some(comment) = line.trim().strip_prefix("//") else {
            break;
        };
        if let Some((key, value)) = comment.trim().split_once(':') {
            let key = key.trim();
            if !key.contains(' ') && !key.is_empty() {
                let e = want.entry(key.to_string()).or_default();
                if !e.is_empty() {
                    e.push(',');
                }
                e.push_str(value.trim());
            }
        }
    }
    want
}

/// Every spec file with a pinned state count, with that count, and the
/// files that pin only verdicts (count 0).
fn pinned() -> Vec<(PathBuf, u64)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for dir in ["specs", "tests/explore", "tests/tlc"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .expect("a spec directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "ds"))
            .collect();
        files.sort();
        for f in files {
            let source = std::fs::read_to_string(&f).expect("readable");
            let h = header(&source);
            if let Some(n) = h.get("states").and_then(|v| v.parse().ok()) {
                out.push((f, n));
            } else if ["holds", "violated", "runtime-error", "deadlock"]
                .iter()
                .any(|k| h.contains_key(*k))
                && !h.contains_key("lower-error")
            {
                // Verdicts only; small by construction (tests/explore).
                out.push((f, 0));
            }
        }
    }
    out
}

/// Checks one spec against its header; the differences, one per line.
fn check_one(path: &Path) -> Vec<String> {
    let source = std::fs::read_to_string(path).expect("readable");
    let want = header(&source);
    let defines: Vec<Override> = want
        .get("define")
        .map(|v| v.split(',').filter_map(Override::parse).collect())
        .unwrap_or_default();
    let front = check_source(&source, &defines);
    let Some(spec) = front.typed else {
        return vec!["the spec does not type-check".into()];
    };
    let result = match oracle::check(
        &spec,
        &Limits {
            max_states: 2_000_000,
        },
    ) {
        Ok(r) => r,
        Err(e) => return vec![format!("the oracle gave no result: {e:?}")],
    };
    eprintln!(
        "{}: states {} transitions {} depth {} pruned {} verdicts {:?} deadlock {:?} runtime {:?}",
        path.display(),
        result.states,
        result.transitions,
        result.depth,
        result.pruned,
        result.verdicts,
        result.deadlock,
        result.runtime_message
    );
    let mut problems = Vec::new();
    // dsmc reduces by symmetry, liveness properties or not; the oracle
    // explores every state.
    let reduced = spec.nodes.iter().any(|n| n.symmetric);
    let mut number = |key: &str, actual: u64| {
        if let Some(v) = want.get(key)
            && v.parse::<u64>().ok() != Some(actual)
        {
            problems.push(format!("{key}: header {v}, oracle {actual}"));
        }
    };
    if !reduced {
        number("states", result.states);
        number("transitions", result.transitions);
        number("depth", result.depth as u64);
        number("pruned", result.pruned);
    }
    let list = |key: &str| {
        want.get(key)
            .map_or(Vec::new(), |v| common::property_names(v))
    };
    let (holds, violated, errors) = (list("holds"), list("violated"), list("error"));
    for (i, (p, v)) in spec.properties.iter().zip(&result.verdicts).enumerate() {
        let expected = if errors.contains(&p.name) {
            "error"
        } else if holds.contains(&p.name) {
            "holds"
        } else if violated.contains(&p.name) || p.expect_violation {
            "violated"
        } else {
            "holds"
        };
        let actual = match v {
            _ if result.property_errors[i].is_some() => "error",
            OracleVerdict::Holds => "holds",
            OracleVerdict::Violated { .. } => "violated",
            OracleVerdict::Unchecked => "unchecked",
        };
        if expected != actual {
            problems.push(format!(
                "property `{}`: header {expected}, oracle {actual}",
                p.name
            ));
        }
    }
    if let Some(d) = want.get("deadlock") {
        let actual = match result.deadlock {
            OracleVerdict::Violated { .. } => "found",
            OracleVerdict::Holds => "none",
            OracleVerdict::Unchecked => "unchecked",
        };
        if d != actual {
            problems.push(format!("deadlock: header {d}, oracle {actual}"));
        }
    }
    match (want.get("runtime-error"), &result.runtime_message) {
        (Some(_), Some(_)) | (None, None) => {}
        (Some(t), None) => problems.push(format!("runtime error: header `{t}`, oracle none")),
        (None, Some(m)) => problems.push(format!("runtime error: header none, oracle `{m}`")),
    }
    problems
}

/// Runs every pinned spec in the given size class; fails listing each
/// disagreement.
fn run(heavy: bool) {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (path, n) in pinned() {
        if (n > HEAVY) != heavy || n > TOO_BIG {
            continue;
        }
        checked += 1;
        let problems = check_one(&path);
        if !problems.is_empty() {
            failures.push(format!("{}:\n  {}", path.display(), problems.join("\n  ")));
        }
    }
    assert!(checked > 0, "no spec was checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn oracle_matches_headers() {
    run(false);
}

#[test]
#[ignore = "specs of more than 20,000 states: slow in a debug build"]
fn oracle_matches_headers_heavy() {
    run(true);
}

/// dsmc's counterexample for one property (or deadlock, or run-time
/// finding) replayed through the oracle; the errors, one per trace.
fn replay_dsmc(path: &Path) -> Vec<String> {
    use dsmc::check::{CheckOptions, Checked, check_source as dsmc_check};
    use dsmc::explore::{Trace, Verdict};
    use oracle::Claim;
    let source = std::fs::read_to_string(path).expect("readable");
    let want = header(&source);
    let overrides: Vec<Override> = want
        .get("define")
        .map(|v| v.split(',').filter_map(Override::parse).collect())
        .unwrap_or_default();
    let options = CheckOptions {
        overrides: overrides.clone(),
        explore: dsmc::explore::Options {
            threads: Some(1),
            no_symmetry: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let Checked::Explored {
        model, exploration, ..
    } = dsmc_check(&source, &options)
    else {
        return Vec::new();
    };
    let spec = check_source(&source, &overrides).typed.expect("typed");
    let words = |t: &Trace| -> Vec<Vec<(String, String)>> {
        t.states
            .iter()
            .map(|s| {
                model
                    .describe_state(s)
                    .into_iter()
                    .map(|c| (c.what, c.value))
                    .collect()
            })
            .collect()
    };
    let mut problems = Vec::new();
    // The counts and verdicts of the full (unreduced) search.
    match oracle::check(&spec, &Limits::default()) {
        Err(e) => problems.push(format!("the oracle gave no result: {e:?}")),
        Ok(r) => {
            let ex = &exploration;
            let theirs = (ex.states, ex.transitions, ex.depth, ex.pruned);
            let ours = (r.states, r.transitions, r.depth, r.pruned);
            if theirs != ours {
                problems.push(format!(
                    "(states, transitions, depth, pruned): dsmc {theirs:?}, oracle {ours:?}"
                ));
            }
            let len = |v: &Verdict| match v {
                Verdict::Holds => "holds".to_string(),
                Verdict::Violated(Some(t)) if t.lasso.is_none() => {
                    format!("violated in {}", t.steps.len())
                }
                Verdict::Violated(_) => "violated".to_string(),
                Verdict::Unchecked => "unchecked".to_string(),
                Verdict::Error(t) => format!("error in {}", t.steps.len()),
                _ => "unknown".to_string(),
            };
            let our_len = |v: &OracleVerdict| match v {
                OracleVerdict::Holds => "holds".to_string(),
                OracleVerdict::Violated { trace_len: Some(n) } => format!("violated in {n}"),
                OracleVerdict::Violated { trace_len: None } => "violated".to_string(),
                OracleVerdict::Unchecked => "unchecked".to_string(),
            };
            for (i, ((p, a), b)) in (spec.properties.iter().zip(&ex.verdicts))
                .zip(&r.verdicts)
                .enumerate()
            {
                let ours = match r.property_errors[i] {
                    Some(n) => format!("error in {n}"),
                    None => our_len(b),
                };
                if len(a) != ours {
                    problems.push(format!(
                        "property `{}`: dsmc {}, oracle {ours}",
                        p.name,
                        len(a),
                    ));
                }
            }
            if len(&ex.deadlock) != our_len(&r.deadlock) {
                problems.push(format!(
                    "deadlock: dsmc {}, oracle {}",
                    len(&ex.deadlock),
                    our_len(&r.deadlock)
                ));
            }
            let rt = ex.runtime_error.as_ref().map(|t| t.steps.len());
            if rt != r.runtime_error {
                problems.push(format!(
                    "runtime error after steps: dsmc {rt:?}, oracle {:?}",
                    r.runtime_error
                ));
            }
        }
    }
    let mut try_replay = |what: String, t: &Trace, claim: Claim| {
        let states = words(t);
        // The oracle renders every state as dsmc does, up to the order of
        // the network's lines.
        if let Err(e) = oracle::replay(&spec, &states, &claim) {
            problems.push(format!("{what}: {e}"));
            return;
        }
        // The renderer: the same lines in the same order, but for the
        // network's order.
        let ours = oracle::replay_path(&spec, &states).expect("replayed");
        for (i, (theirs, st)) in states.iter().zip(&ours).enumerate() {
            let mine = oracle::describe_state(&spec, st);
            let strip = |d: &[(String, String)]| -> Vec<(String, String)> {
                d.iter().filter(|(w, _)| w != "network").cloned().collect()
            };
            if strip(theirs) != strip(&mine) {
                problems.push(format!(
                    "{what}: state {i} renders differently:\n    dsmc   {theirs:?}\n    oracle {mine:?}"
                ));
                break;
            }
        }
    };
    for (i, (p, v)) in spec
        .properties
        .iter()
        .zip(&exploration.verdicts)
        .enumerate()
    {
        if let Verdict::Violated(Some(t)) = v {
            let claim = match t.lasso {
                Some(l) => Claim::Lasso {
                    property: i,
                    start: l.start,
                    stutter: l.stutter,
                },
                None => Claim::Property(i),
            };
            try_replay(format!("property `{}`", p.name), t, claim);
        }
    }
    if let Verdict::Violated(Some(t)) = &exploration.deadlock {
        try_replay("deadlock".into(), t, Claim::Deadlock);
    }
    if let Some(t) = &exploration.runtime_error {
        try_replay("runtime error".into(), t, Claim::RuntimeError);
    }
    problems
}

/// dsmc without symmetry reduction and the oracle agree on the counts,
/// verdicts and counterexample lengths of the small specs, and every
/// counterexample dsmc finds replays in the oracle, its states rendered the
/// same.
#[test]
fn dsmc_agrees_and_replays() {
    let mut failures = Vec::new();
    for (path, n) in pinned() {
        if n > HEAVY {
            continue;
        }
        let problems = replay_dsmc(&path);
        if !problems.is_empty() {
            failures.push(format!("{}:\n  {}", path.display(), problems.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `ORACLE_SPEC=path cargo test -p dsmc-crosscheck --test oracle one_spec
/// -- --ignored --nocapture`: dsmc (unreduced) and the oracle on one spec,
/// with every difference printed (for the files in `crosscheck/findings/`).
#[test]
#[ignore = "a tool: set ORACLE_SPEC"]
fn one_spec() {
    let Ok(path) = std::env::var("ORACLE_SPEC") else {
        return;
    };
    let path = PathBuf::from(path);
    let problems = replay_dsmc(&path);
    let header = check_one(&path);
    println!("against dsmc: {problems:#?}\nagainst the header: {header:#?}");
}
