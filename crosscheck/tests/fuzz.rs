//! The differential fuzzer in CI: a fixed batch of generated specs, each
//! through every engine; any disagreement fails with its shrunk spec.
//! Also: the generator's specs pass the front end, and the batch covers
//! every construct the generator can write.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use dsmc_crosscheck::compare::{self, Disagreement, Engines, Limits, Report};
use dsmc_crosscheck::generate::{self, ALL_FEATURES, GenConfig, features};

/// Specs compared by [`engines_agree`].
const SPECS: u64 = 320;
/// The first seed of the batches.
const SEED: u64 = 0x0d5_3c00;
/// Seeds whose specs are checked for the front end and coverage.
const BATCH: u64 = 600;

#[test]
fn engines_agree() {
    let start = Instant::now();
    let limits = Limits::default();
    let engines = Engines::default();
    let cfg = GenConfig::default();
    let (mut compared, mut rejected, mut too_big, mut known_bugs) = (0, 0, 0, 0);
    let mut failing: Vec<(u64, Vec<Disagreement>)> = vec![];
    for seed in SEED..SEED + SPECS {
        let spec = generate::generate(seed, &cfg);
        match compare::compare_source(&spec.render(), &limits, &engines) {
            Report::Rejected(_) => rejected += 1,
            Report::TooBig => too_big += 1,
            Report::Compared {
                disagreements,
                known,
                ..
            } => {
                compared += 1;
                known_bugs += usize::from(!known.is_empty());
                if !disagreements.is_empty() {
                    failing.push((seed, disagreements));
                }
            }
        }
    }
    eprintln!(
        "{SPECS} specs in {:.1?}: {compared} compared, {rejected} rejected, {too_big} too big, \
         {known_bugs} show a known dsmc bug, {} disagree",
        start.elapsed(),
        failing.len()
    );
    assert!(
        compared >= SPECS * 3 / 4,
        "only {compared} of {SPECS} specs were compared"
    );
    if failing.is_empty() {
        return;
    }
    // Shrink one spec per kind of disagreement (a few at most).
    let mut report = String::new();
    let mut kinds_seen = BTreeSet::new();
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for (_, ds) in &failing {
        for d in ds {
            *by_kind.entry(d.kind()).or_insert(0) += 1;
        }
    }
    for (seed, ds) in &failing {
        let kinds: BTreeSet<String> = ds.iter().map(Disagreement::kind).collect();
        if kinds.is_subset(&kinds_seen) || kinds_seen.len() >= 4 {
            continue;
        }
        kinds_seen.extend(kinds);
        let spec = generate::generate(*seed, &cfg);
        let (small, found) = compare::shrink_disagreement(&spec, ds, &limits, &engines, 250);
        let found = if found.is_empty() { ds.clone() } else { found };
        report.push_str(&format!(
            "\n==== seed {seed}, shrunk:\n{}{}",
            compare::header(&found),
            small.render()
        ));
    }
    panic!(
        "{} of {SPECS} specs disagree; by kind:\n{}{report}",
        failing.len(),
        by_kind
            .iter()
            .map(|(k, n)| format!("  {n:4}  {k}\n"))
            .collect::<String>()
    );
}

#[test]
fn generated_specs_pass_the_front_end() {
    let cfg = GenConfig::default();
    let mut failed = vec![];
    for seed in SEED..SEED + BATCH {
        let text = generate::generate(seed, &cfg).render();
        let front = dsmc::front::check_source(&text, &[]);
        if front.typed.is_none() {
            let codes: Vec<String> = front
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect();
            failed.push((seed, codes));
        }
    }
    let rate = 1.0 - failed.len() as f64 / BATCH as f64;
    assert!(
        rate >= 0.95,
        "only {:.1}% of generated specs pass the front end; first failures: {:#?}",
        rate * 100.0,
        &failed[..failed.len().min(5)]
    );
}

#[test]
fn generator_covers_every_construct() {
    let cfg = GenConfig::default();
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for seed in SEED..SEED + BATCH {
        for f in features(&generate::generate(seed, &cfg)) {
            *counts.entry(f).or_insert(0) += 1;
        }
    }
    let missing: Vec<&str> = ALL_FEATURES
        .iter()
        .copied()
        .filter(|f| !counts.contains_key(f))
        .collect();
    assert!(
        missing.is_empty(),
        "never generated in {BATCH} specs: {missing:?}\ncounts: {counts:#?}"
    );
}

#[test]
fn generation_is_deterministic() {
    for seed in [0, 1, 42, u64::MAX] {
        assert_eq!(generate::source(seed), generate::source(seed));
    }
    assert_ne!(generate::source(1), generate::source(2));
}

/// Shrinking keeps what the predicate asks for and removes the rest.
#[test]
fn shrinking_reaches_a_small_spec() {
    let cfg = GenConfig::default();
    let mut shrunk = 0;
    for seed in SEED..SEED + 40 {
        let spec = generate::generate(seed, &cfg);
        let text = spec.render();
        if !text.contains("broadcast") || dsmc::front::check_source(&text, &[]).typed.is_none() {
            continue;
        }
        let mut keeps = |s: &generate::Spec| {
            let t = s.render();
            t.contains("broadcast") && dsmc::front::check_source(&t, &[]).typed.is_some()
        };
        let small = generate::shrink(&spec, &mut keeps, 2_000);
        let small_text = small.render();
        assert!(
            keeps(&small),
            "seed {seed}: the shrunk spec lost the property"
        );
        assert!(
            small_text.len() < text.len(),
            "seed {seed}: nothing removed:\n{small_text}"
        );
        assert!(small.props.len() <= 1, "seed {seed}:\n{small_text}");
        shrunk += 1;
        if shrunk == 3 {
            break;
        }
    }
    assert!(shrunk > 0, "no spec with a broadcast in 40 seeds");
}
