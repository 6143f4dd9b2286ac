//! `dsmc check` in CI: which specs an argument names, the summary table, the
//! exit code over several specs, JUnit and SARIF, the state-space lockfile,
//! `--deny warnings`, diagnostics as JSON and shell completions. Runs the
//! built binary, as a CI job does.

use crate::run::{dsmc, dsmc_in, root, scratch_dir, stderr, stdout};
use std::path::Path;

/// A small spec whose invariant fails unexpectedly and whose action `halt`
/// never runs.
const FAILING_SPEC: &str = "tests/data/out_of_order.ds";
const OK_SPEC: &str = "specs/2pc.ds";
const SYNTAX_ERROR_SPEC: &str = "tests/cases/parse/assign_in_guard.ds";
const DEADLOCK_SPEC: &str = "tests/explore/deadlock_found.ds";

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("can create the directory");
    }
    std::fs::write(path, text).expect("can write the file");
}

fn copy_spec(from: &str, to: &Path) {
    let text = std::fs::read_to_string(root().join(from)).expect("the spec exists");
    write(to, &text);
}

/// Replaces every `0.01 s` by `T.TT s` (same width, so tables stay aligned)
/// and every `time="0.012"` by `time="T"`: the only things that change from
/// run to run.
fn redact_times(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("time=\"") {
        out.push_str(&rest[..i + 6]);
        rest = &rest[i + 6..];
        let end = rest.find('"').unwrap_or(rest.len());
        out.push('T');
        rest = &rest[end..];
    }
    out.push_str(rest);
    let chars: Vec<char> = out.chars().collect();
    let mut redacted = String::new();
    let mut i = 0;
    while i < chars.len() {
        // `D+.DD s`
        let mut j = i;
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        let is_time = j > i
            && (i == 0 || !chars[i - 1].is_ascii_digit())
            && chars.get(j) == Some(&'.')
            && chars.get(j + 1).is_some_and(char::is_ascii_digit)
            && chars.get(j + 2).is_some_and(char::is_ascii_digit)
            && chars.get(j + 3) == Some(&' ')
            && chars.get(j + 4) == Some(&'s');
        if is_time {
            redacted.push_str(&"T".repeat(j - i));
            redacted.push_str(".TT s");
            i = j + 5;
        } else {
            redacted.push(chars[i]);
            i += 1;
        }
    }
    redacted
}

/// The JSON objects of `--format json`, one per line.
fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

// ------------------------------------------------------------ which specs

#[test]
fn directories_and_patterns_name_every_spec_once_in_order() {
    let dir = scratch_dir("ci", "directories_and_patterns");
    copy_spec(OK_SPEC, &dir.join("specs/b.ds"));
    copy_spec(DEADLOCK_SPEC, &dir.join("specs/a.ds"));
    copy_spec(DEADLOCK_SPEC, &dir.join("specs/nested/c.ds"));
    // Skipped: hidden, and not a spec.
    copy_spec(SYNTAX_ERROR_SPEC, &dir.join("specs/.hidden/broken.ds"));
    write(&dir.join("specs/notes.txt"), "not a spec");
    let specs_of = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["check", "--format", "json"];
        full.extend(args);
        let output = dsmc_in(&dir, &full);
        json_lines(&stdout(&output))
            .iter()
            .map(|v| v["spec"].as_str().expect("a spec name").to_string())
            .collect()
    };
    let all = ["specs/a.ds", "specs/b.ds", "specs/nested/c.ds"];
    assert_eq!(specs_of(&["specs"]), all);
    assert_eq!(specs_of(&["specs/**/*.ds"]), all);
    assert_eq!(specs_of(&["specs/*.ds"]), ["specs/a.ds", "specs/b.ds"]);
    // Each spec once, at its first mention.
    assert_eq!(
        specs_of(&["specs/b.ds", "specs", "./specs/a.ds"]),
        ["specs/b.ds", "specs/a.ds", "specs/nested/c.ds"]
    );
}

#[test]
fn an_argument_that_names_no_spec_is_an_error_and_the_rest_are_checked() {
    let dir = scratch_dir("ci", "names_no_spec");
    std::fs::create_dir_all(dir.join("empty")).expect("can create a directory");
    copy_spec(OK_SPEC, &dir.join("2pc.ds"));
    for (arg, code) in [
        ("nothing/*.ds", "dsmc::cli::no_match"),
        ("empty", "dsmc::cli::no_specs"),
        ("[z.ds", "dsmc::cli::bad_pattern"),
        ("missing.ds", "dsmc::cli::cannot_read"),
    ] {
        let output = dsmc_in(&dir, &["check", arg, "2pc.ds"]);
        assert_eq!(output.status.code(), Some(2), "dsmc check {arg}");
        assert!(stderr(&output).contains(code), "{arg}: {}", stderr(&output));
        assert!(
            stdout(&output).contains("explored 288 distinct states"),
            "{arg}: {}",
            stdout(&output)
        );
    }
}

// ------------------------------------------------- several specs, one exit

#[test]
fn the_exit_code_is_the_weightiest_over_specs() {
    // Each pair: the specs, then the exit code. 2 outweighs 1, which
    // outweighs 3.
    let cases: [(&[&str], i32); 4] = [
        (&[OK_SPEC, FAILING_SPEC], 1),
        (&[FAILING_SPEC, SYNTAX_ERROR_SPEC], 2),
        // 2pc stops at 30 states (3); the failing spec is found within them (1).
        (&["--max-states", "30", OK_SPEC, FAILING_SPEC], 1),
        (&["--max-states", "30", OK_SPEC, SYNTAX_ERROR_SPEC], 2),
    ];
    for (args, code) in cases {
        let mut full = vec!["check"];
        full.extend(args);
        let output = dsmc(&full);
        assert_eq!(output.status.code(), Some(code), "dsmc {full:?}");
    }
}

#[test]
fn several_specs_end_with_a_summary_table() {
    let output = dsmc(&[
        "check",
        OK_SPEC,
        "specs/2pc_eager_commit.ds",
        FAILING_SPEC,
        SYNTAX_ERROR_SPEC,
    ]);
    assert_eq!(output.status.code(), Some(2));
    let out = stdout(&output);
    let summary = &out[out.find("summary of").expect("a summary")..];
    insta::assert_snapshot!("summary_table", redact_times(summary));
}

#[test]
fn one_spec_has_no_summary() {
    let output = dsmc(&["check", OK_SPEC]);
    assert!(!stdout(&output).contains("summary of"));
}

// --------------------------------------------------------------- JUnit

#[test]
fn junit_has_a_suite_per_spec_and_a_case_per_property() {
    let output = dsmc(&[
        "check",
        "--format",
        "junit",
        "specs/2pc_eager_commit.ds",
        FAILING_SPEC,
        DEADLOCK_SPEC,
        SYNTAX_ERROR_SPEC,
    ]);
    assert_eq!(output.status.code(), Some(2));
    let xml = stdout(&output);
    let report = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes()))
        .unwrap_or_else(|e| panic!("not JUnit XML ({e}): {xml}"));
    let names: Vec<&str> = report.suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "specs/2pc_eager_commit.ds",
            FAILING_SPEC,
            DEADLOCK_SPEC,
            SYNTAX_ERROR_SPEC
        ]
    );
    let cases = |suite: usize| -> Vec<(&str, &str)> {
        report.suites[suite]
            .cases
            .iter()
            .map(|c| {
                let status = if c.status.is_success() {
                    "ok"
                } else if c.status.is_failure() {
                    "failure"
                } else if c.status.is_error() {
                    "error"
                } else {
                    "skipped"
                };
                (c.original_name.as_str(), status)
            })
            .collect()
    };
    // The expected violation passes, its counterexample in the output.
    assert_eq!(
        cases(0),
        [
            ("consistent", "ok"),
            ("can_commit", "ok"),
            ("deadlock", "ok")
        ]
    );
    let consistent = &report.suites[0].cases[0];
    assert!(
        consistent
            .system_out
            .as_deref()
            .is_some_and(|out| out.contains("step 5  RM[0] ← Commit from TM")),
        "{consistent:?}"
    );
    assert_eq!(
        cases(1),
        [
            ("in_order", "failure"),
            ("all_arrive", "ok"),
            ("deadlock", "ok")
        ]
    );
    assert_eq!(report.suites[1].failures, 1);
    assert_eq!(cases(2), [("small", "ok"), ("deadlock", "failure")]);
    assert_eq!(cases(3), [("spec", "error")]);
    assert_eq!((report.tests, report.failures, report.errors), (9, 2, 1));
    // The failure carries the counterexample, the error the diagnostics.
    let failure = match &report.suites[1].cases[0].status {
        junit_parser::TestStatus::Failure(f) => f,
        other => panic!("not a failure: {other:?}"),
    };
    assert_eq!(failure.failure_type, "dsmc::property::invariant");
    assert!(
        failure.text.contains("step 3  B ← M(v: 1) from A"),
        "{failure:?}"
    );
    let error = match &report.suites[3].cases[0].status {
        junit_parser::TestStatus::Error(e) => e,
        other => panic!("not an error: {other:?}"),
    };
    assert!(error.text.contains("dsmc::parse::syntax"), "{error:?}");
    // People still see the summary, on stderr.
    assert!(stderr(&output).contains("summary of 4 specs"));
}

#[test]
fn junit_of_a_failing_spec() {
    let output = dsmc(&["check", "--format", "junit", FAILING_SPEC]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("junit_failing_spec", redact_times(&stdout(&output)));
}

/// A spec file whose name holds an escape sequence and a bell keeps them
/// in the JUnit report, visibly escaped as the human report shows them
/// (quick-junit alone dropped `ESC[31m` and the bell, naming the suite
/// `ared.ds`), and the document still parses.
#[test]
fn junit_escapes_control_characters_in_names_visibly() {
    let dir = scratch_dir("ci", "junit_escapes");
    let name = "a\u{1b}[31mred\u{7}.ds";
    copy_spec(OK_SPEC, &dir.join(name));
    let output = dsmc_in(&dir, &["check", "--format", "junit", name]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let xml = stdout(&output);
    assert!(!xml.contains('\u{1b}') && !xml.contains('\u{7}'), "{xml:?}");
    let shown = r"a\u{1b}[31mred\u{7}.ds";
    let report = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes()))
        .unwrap_or_else(|e| panic!("not JUnit XML ({e}): {xml}"));
    assert_eq!(report.suites[0].name, shown);
    for case in &report.suites[0].cases {
        assert_eq!(case.classname.as_deref(), Some(shown), "{case:?}");
    }
}

// --------------------------------------------------------------- SARIF

fn sarif_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("tests/data/sarif-schema-2.1.0.json"))
        .expect("the schema is shipped");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

#[test]
fn the_schema_refuses_what_is_not_sarif() {
    let validator = sarif_schema();
    assert!(!validator.is_valid(&serde_json::json!({ "version": "2.0.0", "runs": [] })));
    assert!(!validator.is_valid(&serde_json::json!({ "version": "2.1.0" })));
    let bad_region = serde_json::json!({
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "dsmc" } },
            "results": [{
                "message": { "text": "x" },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": "a.ds" },
                    "region": { "startLine": 0 }
                } }]
            }]
        }]
    });
    assert!(!validator.is_valid(&bad_region));
}

fn assert_valid_sarif(text: &str) -> serde_json::Value {
    let log: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    let validator = sarif_schema();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:#?}\n{text}");
    log
}

#[test]
fn sarif_is_valid_and_locates_each_failure() {
    let output = dsmc(&[
        "check",
        "--format",
        "sarif",
        "specs/2pc_eager_commit.ds",
        FAILING_SPEC,
        DEADLOCK_SPEC,
        SYNTAX_ERROR_SPEC,
    ]);
    assert_eq!(output.status.code(), Some(2));
    let log = assert_valid_sarif(&stdout(&output));
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["invocations"][0]["exitCode"], 2);
    let results = run["results"].as_array().expect("results");
    let summary: Vec<(String, String, String)> = results
        .iter()
        .map(|r| {
            let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap_or("")
                .to_string();
            (
                r["ruleId"].as_str().unwrap_or("").to_string(),
                r["level"].as_str().unwrap_or("").to_string(),
                uri,
            )
        })
        .collect();
    let expect = |rule: &str, level: &str, uri: &str| (rule.into(), level.into(), uri.into());
    // The expected violation of 2pc_eager_commit is no result.
    assert_eq!(
        summary,
        [
            expect("dsmc::coverage::never_enabled", "warning", FAILING_SPEC),
            expect("dsmc::property::invariant", "error", FAILING_SPEC),
            expect("dsmc::check::deadlock", "error", DEADLOCK_SPEC),
            expect("dsmc::parse::syntax", "error", SYNTAX_ERROR_SPEC),
        ]
    );
    // The syntax error: `=` at 6:20, one character.
    let region = &results[3]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (
            &region["startLine"],
            &region["startColumn"],
            &region["endLine"],
            &region["endColumn"]
        ),
        (&6.into(), &20.into(), &6.into(), &21.into())
    );
    // Every rule a result names is described, at the index given.
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    for r in results {
        let index = r["ruleIndex"].as_u64().expect("a rule index") as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
    }
    // The invariant's counterexample as a code flow: the initial state and
    // three steps, each step at its action or handler.
    let flow = &results[1]["codeFlows"][0]["threadFlows"][0]["locations"];
    let flow = flow.as_array().expect("locations");
    assert_eq!(flow.len(), 4);
    assert_eq!(flow[0]["state"]["B.got"]["text"], "[]");
    assert_eq!(
        flow[3]["location"]["message"]["text"],
        "step 3  B ← M(v: 1) from A"
    );
    assert_eq!(
        flow[3]["location"]["physicalLocation"]["region"]["startLine"],
        20
    );
}

#[test]
fn sarif_says_when_a_search_is_incomplete() {
    let output = dsmc(&["check", "--format", "sarif", "--max-states", "10", OK_SPEC]);
    assert_eq!(output.status.code(), Some(3));
    let log = assert_valid_sarif(&stdout(&output));
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "dsmc::check::incomplete");
    assert_eq!(result["level"], "warning");
    assert_eq!(log["runs"][0]["invocations"][0]["exitCode"], 3);
}

#[test]
fn sarif_of_a_failing_spec() {
    let output = dsmc(&["check", "--format", "sarif", FAILING_SPEC]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert_valid_sarif(&text);
    // The version is dsmc's, which changes with releases.
    let text = text.replace(
        &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"version\": \"[version]\"",
    );
    insta::assert_snapshot!("sarif_failing_spec", text);
}

#[test]
fn sarif_locates_secondary_labels_and_unreadable_files() {
    let output = dsmc(&[
        "check",
        "--format",
        "sarif",
        "tests/explore/coverage_messages.ds",
        "no/such/spec.ds",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let log = assert_valid_sarif(&stdout(&output));
    let results = log["runs"][0]["results"].as_array().expect("results");
    let never_delivered = &results[0];
    assert_eq!(never_delivered["ruleId"], "dsmc::coverage::never_delivered");
    assert_eq!(
        never_delivered["relatedLocations"][0]["message"]["text"],
        "so this handler never runs"
    );
    let unreadable = results.last().expect("a result");
    assert_eq!(unreadable["ruleId"], "dsmc::cli::cannot_read");
    assert!(unreadable.get("locations").is_none(), "{unreadable}");
}

// ---------------------------------------------------------- dsmc.lock

#[test]
fn the_lock_catches_a_changed_state_space() {
    let dir = scratch_dir("ci", "lock_catches_drift");
    copy_spec(OK_SPEC, &dir.join("specs/2pc.ds"));
    copy_spec(DEADLOCK_SPEC, &dir.join("specs/deadlock.ds"));
    let check = |args: &[&str]| {
        let mut full = vec!["check"];
        full.extend(args);
        dsmc_in(&dir, &full)
    };
    // No lock yet: every spec is missing from it.
    let output = check(&["--lock", "specs/2pc.ds"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("specs/2pc.ds: not in the lock"),
        "{}",
        stdout(&output)
    );
    assert!(stdout(&output).contains("run with --update-lock to create it"));
    assert!(!dir.join("dsmc.lock").exists());

    // Recorded; a failing spec is recorded as it is.
    let output = check(&["--update-lock", "specs"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the deadlock is still a failure"
    );
    let lock = std::fs::read_to_string(dir.join("dsmc.lock")).expect("the lock is written");
    assert!(lock.contains("path = \"specs/2pc.ds\""), "{lock}");
    assert!(lock.contains("states = 288"), "{lock}");
    assert!(lock.contains("deadlock = \"violated\""), "{lock}");
    let output = check(&["--lock", "specs/2pc.ds"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("dsmc.lock: 1 as recorded"));

    // Another constant set is another entry.
    let output = check(&["--lock", "-D", "N=4", "specs/2pc.ds"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("specs/2pc.ds -D N=4: not in the lock"));

    // A planted change: N's default goes from 3 to 4.
    let spec = std::fs::read_to_string(dir.join("specs/2pc.ds")).expect("the copy");
    write(
        &dir.join("specs/2pc.ds"),
        &spec.replace("const N: int = 3", "const N: int = 4"),
    );
    let output = check(&["--lock", "specs/2pc.ds"]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    for line in [
        "dsmc.lock: the state space changed (1 changed, 0 not in the lock, 0 as recorded)",
        "  specs/2pc.ds: states 288 → 1,568",
        "  specs/2pc.ds: constant N: 3 → 4",
        "  if the change is intended, run again with --update-lock to record it",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    // Accepted; the other spec's entry is kept.
    let output = check(&["--update-lock", "specs/2pc.ds"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("dsmc.lock: updated (1 changed, 0 added, 0 as recorded)"));
    let lock = std::fs::read_to_string(dir.join("dsmc.lock")).expect("the lock");
    assert!(lock.contains("path = \"specs/deadlock.ds\""), "{lock}");
    assert!(lock.contains("states = 1568"), "{lock}");
    let output = check(&["--lock", "specs"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the deadlock fails, the lock holds"
    );
    assert!(stdout(&output).contains("dsmc.lock: 2 as recorded"));
}

#[test]
fn a_changed_verdict_is_drift() {
    let dir = scratch_dir("ci", "lock_verdict_drift");
    copy_spec(FAILING_SPEC, &dir.join("spec.ds"));
    let lock = dir.join("ci/state.lock");
    std::fs::create_dir_all(lock.parent().expect("a parent")).expect("can create ci/");
    let lock_arg = format!("--lock={}", lock.display());
    let output = dsmc_in(&dir, &["check", &lock_arg, "--update-lock", "spec.ds"]);
    assert_eq!(output.status.code(), Some(1));
    // Paths in the lock are relative to the lock's directory.
    let text = std::fs::read_to_string(&lock).expect("the lock is written");
    assert!(text.contains("path = \"../spec.ds\""), "{text}");
    // The bug fixed: the invariant now holds.
    let spec = std::fs::read_to_string(dir.join("spec.ds")).expect("the copy");
    write(
        &dir.join("spec.ds"),
        &spec.replace("invariant in_order: ", "invariant in_order: true || "),
    );
    let output = dsmc_in(&dir, &["check", &lock_arg, "--format", "json", "spec.ds"]);
    assert_eq!(output.status.code(), Some(1));
    let json = &json_lines(&stdout(&output))[0];
    assert_eq!(json["status"], "ok");
    assert_eq!(json["exit_code"], 1);
    assert_eq!(json["lock"]["status"], "changed");
    assert_eq!(
        json["lock"]["changes"],
        serde_json::json!(["property in_order: violated → holds"])
    );
    assert!(stderr(&output).contains("spec.ds: property in_order: violated → holds"));
}

#[test]
fn an_invalid_lock_is_an_error() {
    let dir = scratch_dir("ci", "invalid_lock");
    copy_spec(OK_SPEC, &dir.join("2pc.ds"));
    write(&dir.join("dsmc.lock"), "version = 1\n[[spec]]\npath = 3\n");
    let output = dsmc_in(&dir, &["check", "--lock", "2pc.ds"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("dsmc::lock::invalid"), "{err}");
    assert!(err.contains("dsmc.lock:3:"), "{err}");
    write(&dir.join("dsmc.lock"), "version = 7\n");
    let output = dsmc_in(&dir, &["check", "--lock", "2pc.ds"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("dsmc::lock::version"));
}

#[test]
fn an_incomplete_search_is_not_compared() {
    let dir = scratch_dir("ci", "lock_incomplete");
    copy_spec(OK_SPEC, &dir.join("2pc.ds"));
    let output = dsmc_in(
        &dir,
        &["check", "--update-lock", "--max-states", "10", "2pc.ds"],
    );
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stdout(&output).contains("2pc.ds: not compared: the search is incomplete"),
        "{}",
        stdout(&output)
    );
}

// ---------------------------------------------------- --deny warnings

#[test]
fn denied_coverage_warnings_fail_the_check() {
    let output = dsmc(&["check", "tests/explore/coverage.ds"]);
    assert_eq!(output.status.code(), Some(0));
    let output = dsmc(&["check", "--deny", "warnings", "tests/explore/coverage.ds"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output)
            .contains("result: FAILED (1 as expected, 0 without verdict, 2 warnings denied)"),
        "{}",
        stdout(&output)
    );
    assert!(stderr(&output).contains("× action `reset` of `A` never runs"));
}

#[test]
fn denied_front_end_warnings_are_errors() {
    let dir = scratch_dir("ci", "denied_front_end_warnings");
    write(
        &dir.join("unused.ds"),
        "protocol P\nnode A {\n  var x: bool = false\n  var log: 0..3 = 0\n  \
         action go when !x {\n    x = true\n    log = 1\n  }\n}\n\n\
         invariant i: A.x || !A.x\nallow deadlock\n",
    );
    let output = dsmc_in(&dir, &["check", "unused.ds"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stderr(&output).contains("⚠ variable `log` of `A` is never read"));
    let output = dsmc_in(&dir, &["check", "--deny", "warnings", "unused.ds"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("× variable `log` of `A` is never read"),
        "{err}"
    );
    assert!(
        err.contains("1 error; the spec was not checked (warnings are denied)"),
        "{err}"
    );
    assert!(stdout(&output).is_empty());
}

// ------------------------------------------------ diagnostics as JSON

#[test]
fn json_reports_carry_diagnostics_with_positions() {
    let output = dsmc(&["check", "--format", "json", "tests/explore/coverage.ds"]);
    let json = &json_lines(&stdout(&output))[0];
    let warning = &json["warnings"][0];
    assert_eq!(warning["code"], "dsmc::coverage::never_enabled");
    assert_eq!(warning["file"], "tests/explore/coverage.ds");
    assert_eq!(warning["labels"][0]["line_start"], 12);
    assert_eq!(warning["labels"][0]["column_start"], 3);
}

/// An error after non-ASCII text on its line is at one line and column in
/// every output: 1-based, columns counted in characters, not bytes
/// (docs/output.md, "Lines and columns").
#[test]
fn every_output_gives_one_column_after_non_ascii_text() {
    let dir = scratch_dir("ci", "non_ascii_columns");
    let line = "  var x: bool = false // é → ü and 𝔸, then \u{202e} reversed";
    let spec = format!("protocol P\n\nnode A {{\n{line}\n}}\n\nallow deadlock\n");
    write(&dir.join("columns.ds"), &spec);
    let column = line
        .chars()
        .position(|c| c == '\u{202e}')
        .expect("in the line")
        + 1;
    let byte_column = line.find('\u{202e}').expect("in the line") + 1;
    assert_ne!(
        column, byte_column,
        "the test needs a column that bytes would get wrong"
    );
    let at = format!("columns.ds:4:{column}");

    let human = dsmc_in(&dir, &["check", "columns.ds"]);
    assert_eq!(human.status.code(), Some(2));
    assert!(
        stderr(&human).contains(&format!("[{at}]")),
        "{}",
        stderr(&human)
    );

    let json = dsmc_in(&dir, &["check", "--message-format", "json", "columns.ds"]);
    let diagnostic = &json_lines(&stdout(&json))[0];
    assert_eq!(diagnostic["code"], "dsmc::parse::text_direction");
    assert_eq!(diagnostic["labels"][0]["line_start"], 4);
    assert_eq!(diagnostic["labels"][0]["column_start"], column);

    let sarif = dsmc_in(&dir, &["check", "--format", "sarif", "columns.ds"]);
    let sarif = assert_valid_sarif(&stdout(&sarif));
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 4);
    assert_eq!(region["startColumn"], column);

    let junit = dsmc_in(&dir, &["check", "--format", "junit", "columns.ds"]);
    assert!(stdout(&junit).contains(&at), "{}", stdout(&junit));
}

#[test]
fn an_unreadable_file_is_a_json_diagnostic() {
    let output = dsmc(&["check", "--message-format", "json", "no/such/spec.ds"]);
    assert_eq!(output.status.code(), Some(2));
    let diagnostic = &json_lines(&stdout(&output))[0];
    assert_eq!(diagnostic["code"], "dsmc::cli::cannot_read");
    assert_eq!(diagnostic["file"], "no/such/spec.ds");
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["labels"], serde_json::json!([]));
}

// ----------------------------------------------------------- the rest

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = dsmc(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = stdout(&output);
        assert!(script.contains("dsmc"), "{shell}: {script}");
        assert!(script.contains("update-lock"), "{shell}: {script}");
    }
    assert_eq!(dsmc(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn the_reference_engine_refuses_ci_formats() {
    for args in [
        &[
            "check",
            "--engine",
            "stateright",
            "--format",
            "sarif",
            OK_SPEC,
        ][..],
        &["check", "--engine", "stateright", "--lock", OK_SPEC],
    ] {
        let output = dsmc(args);
        assert_eq!(output.status.code(), Some(2), "dsmc {args:?}");
        assert!(
            stderr(&output).contains("stateright"),
            "{}",
            stderr(&output)
        );
    }
}
