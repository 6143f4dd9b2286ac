//! The JSON Schemas of docs/schema/, against which every JSON document the
//! tests produce is validated: each line of `dsmc check --format json` and
//! of `--message-format json` (the runners of the CLI tests call
//! [`assert_valid_output`]), and the report of every case that
//! tests/cases.rs explores.
//!
//! Included with `#[path]` by the test files that need it, since not every
//! user of `common` depends on jsonschema.

#![allow(dead_code)]

use std::path::Path;
use std::sync::OnceLock;

/// The committed schema `docs/schema/{name}`, compiled once.
fn validator(name: &'static str) -> &'static jsonschema::Validator {
    static REPORT: OnceLock<jsonschema::Validator> = OnceLock::new();
    static DIAGNOSTIC: OnceLock<jsonschema::Validator> = OnceLock::new();
    let cell = match name {
        "report.schema.json" => &REPORT,
        _ => &DIAGNOSTIC,
    };
    cell.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/schema")
            .join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let schema: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        jsonschema::options()
            .build(&schema)
            .unwrap_or_else(|e| panic!("{} does not compile: {e}", path.display()))
    })
}

/// The reasons `value` does not validate against `docs/schema/{name}`.
fn problems(name: &'static str, value: &serde_json::Value) -> Vec<String> {
    validator(name)
        .iter_errors(value)
        .map(|e| format!("{e} at `{}`", e.instance_path()))
        .collect()
}

/// Why a line of `--format json` does not validate, if it does not.
pub fn report_problems(value: &serde_json::Value) -> Vec<String> {
    problems("report.schema.json", value)
}

/// Why a line of `--message-format json` does not validate, if it does not.
pub fn diagnostic_problems(value: &serde_json::Value) -> Vec<String> {
    problems("diagnostic.schema.json", value)
}

/// Asserts that every line of stdout that dsmc wrote for `args` validates
/// against its schema, when `args` ask for JSON: `--format json` for
/// reports, else (with the human report) `--message-format json` for
/// diagnostics.
pub fn assert_valid_output(args: &[&str], stdout: &[u8]) {
    let value_of = |flag: &str| args.windows(2).rev().find(|w| w[0] == flag).map(|w| w[1]);
    let format = value_of("--format").unwrap_or("human");
    let check: fn(&serde_json::Value) -> Vec<String> = if format == "json" {
        report_problems
    } else if format == "human" && value_of("--message-format") == Some("json") {
        // stdout is for the diagnostics alone.
        diagnostic_problems
    } else {
        return;
    };
    let text = String::from_utf8_lossy(stdout);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| {
            panic!("dsmc {args:?} wrote a line that is not JSON ({e}): {line}")
        });
        let problems = check(&value);
        assert!(
            problems.is_empty(),
            "dsmc {args:?} wrote JSON that its schema refuses: {problems:#?}\n{line}"
        );
    }
}
