//! The data-driven tests: every `.ds` file under `tests/cases/` and `specs/`
//! is one test, named by its path. A new case is a new file.
//!
//! The `//` lines at the top of a file say what must happen:
//!
//! ```text
//! // expect: ok                                  no errors and no warnings
//! // expect: error dsmc::typeck::mismatch        these errors (and warnings), in source order
//! // expect: warning dsmc::lint::unused_var      no errors; these warnings, in source order
//! // define: N=5                                 a `-D` override (optional, repeatable)
//! ```
//!
//! Several codes are separated by commas. A file in `specs/` without an
//! `expect` line must be `ok`. Other header lines are prose, or directives
//! for other runners (`// states: 288`, `// violated: consistent`); a key
//! that is a near miss of `expect` or `define` (`expects:`) fails the case.
//!
//! Whenever a case has diagnostics, they are snapshot-tested (insta) exactly
//! as a user sees them, without colour at width 80, in
//! `tests/snapshots/<case path>.snap`. To accept new or changed output run
//! `INSTA_UPDATE=always cargo test --test cases` (or `cargo insta review`) and
//! read the snapshots before committing them.

mod common;
#[path = "common/json_schema.rs"]
mod json_schema;

use dsmc::diagnostic::{Diagnostic, did_you_mean};
use dsmc::front::{Override, check_source};
use dsmc::report::json::{JsonDiagnostic, SpecReport, schemas};
use dsmc::text::Neutralised;
use libtest_mimic::{Arguments, Failed, Trial};
use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, Report};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The directories whose `.ds` files are cases, relative to the crate root.
const CASE_DIRS: &[&str] = &["tests/cases", "specs"];

/// Where the snapshots live, relative to the crate root.
const SNAPSHOT_DIR: &str = "tests/snapshots";

/// Every header key a runner reads: this file's (`expect`, `define` and the
/// exploration keys of `explore_case`) and the TLC-parity files' and the
/// campaign's notes. A lowercase `key:` line one slip away from one of
/// these (`// state: 288`) fails its case rather than check nothing; other
/// lowercase words before a colon are prose.
const HEADER_KEYS: &[&str] = &[
    "expect",
    "define",
    "states",
    "transitions",
    "depth",
    "pruned",
    "holds",
    "violated",
    "unchecked",
    "error",
    "deadlock",
    "runtime-error",
    "status",
    "trace-steps",
    "lower-error",
    "coverage",
    "json",
    "covers",
    "tlc",
    "source",
    "dsmc",
    "config",
    "campaign",
];

/// A header key that is a near miss of a known one: the error to report.
fn near_miss(key: &str) -> Option<String> {
    if HEADER_KEYS.contains(&key) {
        return None;
    }
    did_you_mean(key, HEADER_KEYS.iter().copied())
        .map(|meant| format!("`// {key}:` is not a header line; did you mean `// {meant}:`?"))
}

/// What a failing case says when its header is missing or wrong.
const HOW_TO_WRITE_A_HEADER: &str = "\
start the file with `//` lines that say what must happen, for example:
  // expect: ok
  // expect: error dsmc::typeck::mismatch
  // expect: error dsmc::resolve::unknown_name, dsmc::typeck::mismatch
  // expect: warning dsmc::lint::unused_var
  // define: N=5
(several codes in source order, separated by commas; `define` is an optional,
repeatable `-D` override)";

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cases = match find_cases(root) {
        Ok(cases) => cases,
        Err(e) => {
            eprintln!("cannot list the test cases: {e}");
            std::process::exit(101);
        }
    };
    let mut trials: Vec<Trial> = cases
        .iter()
        .map(|case| {
            let case = case.clone();
            let name = case.to_string_lossy().into_owned();
            Trial::test(name, move || run_case(root, &case))
        })
        .collect();
    // Specs, tests/explore/ and tests/tlc/ (TLA+ specs pinned to TLC's
    // figures) are also explored, against their exploration headers (see
    // `explore_case`).
    let explore_cases: Vec<PathBuf> = cases
        .iter()
        .filter(|c| c.starts_with("specs"))
        .cloned()
        .chain(find_in(root, "tests/explore").unwrap_or_default())
        .chain(find_in(root, "tests/tlc").unwrap_or_default())
        .collect();
    for case in explore_cases {
        let name = format!("explore {}", case.to_string_lossy());
        let heavy = std::fs::read_to_string(root.join(&case)).is_ok_and(|s| common::is_heavy(&s));
        trials.push(Trial::test(name, move || explore_case(root, &case)).with_ignored_flag(heavy));
    }
    trials.push(Trial::test("snapshots have cases", move || {
        check_no_stale_snapshots(root, &cases)
    }));
    trials.push(Trial::test(
        "docs/schema is generated from the report's types",
        move || check_schemas(root),
    ));
    trials.push(Trial::test(
        "header lines one slip from a key fail",
        check_near_misses,
    ));
    libtest_mimic::run(&args, trials).exit();
}

/// Every `.ds` file under [`CASE_DIRS`], relative to `root`, sorted.
fn find_cases(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(root.join(dir))? {
            let entry = entry?;
            let relative = dir.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                walk(root, &relative, out)?;
            } else if relative.extension().is_some_and(|e| e == "ds") {
                out.push(relative);
            }
        }
        Ok(())
    }
    let mut cases = Vec::new();
    for dir in CASE_DIRS {
        if root.join(dir).is_dir() {
            walk(root, Path::new(dir), &mut cases)?;
        }
    }
    cases.sort();
    Ok(cases)
}

/// What a case's header says must happen.
#[derive(Debug, PartialEq, Eq)]
enum Expect {
    /// No diagnostics at all.
    Ok,
    /// At least one error; the codes of all diagnostics, in order.
    Errors(Vec<String>),
    /// No error; the codes of the warnings, in order.
    Warnings(Vec<String>),
}

/// A case's header.
#[derive(Debug)]
struct Header {
    expect: Expect,
    defines: Vec<Override>,
}

/// Reads the leading `//` lines.
fn parse_header(source: &str, is_spec: bool) -> Result<Header, String> {
    let mut expect = None;
    let mut defines = Vec::new();
    // A byte order mark may start a spec (tests/cases/ok/byte_order_mark.ds).
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    for line in source.lines() {
        let Some(comment) = line.trim().strip_prefix("//") else {
            break;
        };
        let Some((key, value)) = directive(comment) else {
            continue;
        };
        match key {
            "expect" => {
                if expect.is_some() {
                    return Err("more than one `// expect:` line".into());
                }
                expect = Some(parse_expect(value)?);
            }
            "define" => match Override::parse(value) {
                Some(o) if !o.name.is_empty() => defines.push(o),
                _ => return Err(format!("`// define: {value}` is not NAME=VALUE")),
            },
            // Other runners read other keys; but a key one slip away from
            // a known one would silently leave a case unchecked.
            _ => {
                if let Some(problem) = near_miss(key) {
                    return Err(problem);
                }
            }
        }
    }
    let expect = match expect {
        Some(expect) => expect,
        None if is_spec => Expect::Ok,
        None => return Err("no `// expect:` line".into()),
    };
    Ok(Header { expect, defines })
}

/// Splits `key: value` when `key` is one lowercase word (`-` and `_`
/// allowed): a header line for this runner or another.
fn directive(comment: &str) -> Option<(&str, &str)> {
    let (key, value) = comment.trim().split_once(':')?;
    let is_key = key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-');
    is_key.then(|| (key, value.trim()))
}

fn parse_expect(value: &str) -> Result<Expect, String> {
    if value == "ok" {
        return Ok(Expect::Ok);
    }
    let (kind, codes) = value.split_once(' ').unwrap_or((value, ""));
    let codes: Vec<String> = codes.split(',').map(|c| c.trim().to_string()).collect();
    if let Some(bad) = codes.iter().find(|c| !c.starts_with("dsmc::")) {
        return Err(format!(
            "`{bad}` in `// expect: {value}` is not a diagnostic code like `dsmc::typeck::mismatch`"
        ));
    }
    match kind {
        "error" => Ok(Expect::Errors(codes)),
        "warning" => Ok(Expect::Warnings(codes)),
        _ => Err(format!(
            "`// expect: {value}` must be `ok`, `error CODES` or `warning CODES`"
        )),
    }
}

fn run_case(root: &Path, case: &Path) -> Result<(), Failed> {
    let source = std::fs::read_to_string(root.join(case))
        .map_err(|e| format!("cannot read the case: {e}"))?;
    let is_spec = case.starts_with("specs");
    let header =
        parse_header(&source, is_spec).map_err(|e| format!("{e}\n{HOW_TO_WRITE_A_HEADER}"))?;
    let front = check_source(&source, &header.defines);
    let rendered = render(case, &source, &front.diagnostics);
    let codes: Vec<&str> = front.diagnostics.iter().map(|d| d.code).collect();
    let outcome_is_expected = match &header.expect {
        Expect::Ok => codes.is_empty(),
        Expect::Errors(want) => front.has_errors() && codes == *want,
        Expect::Warnings(want) => !front.has_errors() && codes == *want,
    };
    if !outcome_is_expected {
        return Err(format!(
            "expected {:?}, found the codes {codes:?}:\n\n{rendered}",
            header.expect
        )
        .into());
    }
    let name = case.to_string_lossy();
    for diagnostic in JsonDiagnostic::all(&name, &source, &front.diagnostics) {
        let value = serde_json::to_value(&diagnostic).map_err(|e| e.to_string())?;
        let problems = json_schema::diagnostic_problems(&value);
        if !problems.is_empty() {
            return Err(format!("docs/schema refuses a diagnostic: {problems:#?}\n{value}").into());
        }
    }
    if !front.diagnostics.is_empty() {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(root.join(SNAPSHOT_DIR));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_input_file(root.join(case));
        settings.bind(|| insta::assert_snapshot!(snapshot_name(case), rendered));
    }
    Ok(())
}

/// The diagnostics as the CLI shows them, without colour and at a fixed
/// width so that a snapshot does not depend on the terminal; control
/// characters escaped as on a terminal.
fn render(case: &Path, source: &str, diagnostics: &[Diagnostic]) -> String {
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(80);
    let name = case.to_string_lossy();
    let shown = Neutralised::new(source);
    let mut out = String::new();
    for (i, diagnostic) in diagnostics.iter().enumerate() {
        // The CLI leaves a blank line after each report.
        if i > 0 {
            out.push('\n');
        }
        let report = Report::new(diagnostic.for_terminal(&shown))
            .with_source_code(NamedSource::new(&name, shown.text().to_string()));
        if let Err(e) = handler.render_report(&mut out, &*report) {
            out.push_str(&format!("<cannot render: {e}>\n"));
        }
    }
    out
}

/// `tests/cases/parse/missing_protocol.ds` → `cases__parse__missing_protocol`.
fn snapshot_name(case: &Path) -> String {
    let relative = case
        .strip_prefix("tests")
        .unwrap_or(case)
        .with_extension("");
    relative
        .components()
        .map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .chars()
                .map(|ch| {
                    if ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' {
                        ch
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("__")
}

/// A snapshot whose case was removed, or now expects no diagnostics, would
/// otherwise linger unseen.
fn check_no_stale_snapshots(root: &Path, cases: &[PathBuf]) -> Result<(), Failed> {
    let mut wanted = BTreeSet::new();
    for case in cases {
        let Ok(source) = std::fs::read_to_string(root.join(case)) else {
            continue;
        };
        let expects_diagnostics = parse_header(&source, case.starts_with("specs"))
            .map(|h| h.expect != Expect::Ok)
            // A broken header fails its own test; keep its snapshot.
            .unwrap_or(true);
        if expects_diagnostics {
            wanted.insert(format!("{}.snap", snapshot_name(case)));
        }
    }
    let Ok(entries) = std::fs::read_dir(root.join(SNAPSHOT_DIR)) else {
        return Ok(());
    };
    let prefixes: Vec<String> = CASE_DIRS
        .iter()
        .map(|d| format!("{}__", snapshot_name(Path::new(d))))
        .collect();
    let mut stale = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let ours = prefixes.iter().any(|p| file_name.starts_with(p.as_str()));
        if ours && file_name.ends_with(".snap") && !wanted.contains(&file_name) {
            stale.push(file_name);
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!("snapshots without a case that has diagnostics; delete them: {stale:?}").into())
    }
}

/// The JSON Schemas under docs/schema/ are what the report's types
/// generate (`dsmc::report::json::schemas`). `DSMC_UPDATE_SCHEMA=1`
/// writes them instead; read the diff before committing it.
fn check_schemas(root: &Path) -> Result<(), Failed> {
    let update = std::env::var_os("DSMC_UPDATE_SCHEMA").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (name, generated) in schemas() {
        let path = root.join("docs/schema").join(name);
        if update {
            std::fs::write(&path, &generated)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(generated.as_str()) {
            stale.push(format!("docs/schema/{name}"));
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{stale:?} differ from what src/report/json.rs generates: run \
             `DSMC_UPDATE_SCHEMA=1 cargo test --release --test cases schema` and read the diff"
        )
        .into())
    }
}

/// A header key one slip away from a known one fails its case; a known key
/// and a prose word before a colon do not.
fn check_near_misses() -> Result<(), Failed> {
    for (key, meant) in [
        ("state", "states"),
        ("expects", "expect"),
        ("defines", "define"),
        ("hold", "holds"),
        ("violate", "violated"),
        ("trace-step", "trace-steps"),
        ("runtime_error", "runtime-error"),
    ] {
        match near_miss(key) {
            Some(problem) if problem.contains(&format!("`// {meant}:`")) => {}
            other => {
                return Err(
                    format!("`// {key}:` gave {other:?}, not a pointer to `{meant}`").into(),
                );
            }
        }
    }
    for key in HEADER_KEYS.iter().chain(&["note", "fuzzer", "predicates"]) {
        if let Some(problem) = near_miss(key) {
            return Err(format!("`// {key}:` is refused: {problem}").into());
        }
    }
    // The runner itself refuses it, in a case's header and in an explored one.
    let header = parse_header("// expect: ok\n// state: 288\nprotocol P {}", false);
    if header.is_ok() {
        return Err("`// state: 288` was accepted as a header".into());
    }
    Ok(())
}

/// Every `.ds` file directly in `dir`, relative to `root`, sorted.
fn find_in(root: &Path, dir: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root.join(dir))?
        .filter_map(|e| e.ok())
        .map(|e| Path::new(dir).join(e.file_name()))
        .filter(|p| p.extension().is_some_and(|x| x == "ds"))
        .collect();
    out.sort();
    Ok(out)
}

/// Explores a spec and compares the result with its header:
///
/// ```text
/// // states: 288             distinct states
/// // transitions: 1146       initial states plus successors generated
/// // depth: 11               BFS levels
/// // pruned: 1               states cut off by a `bound`
/// // holds: a, b             properties that must hold
/// // violated: c             properties that must be violated
/// // unchecked: d            properties with no verdict (liveness, for now)
/// // deadlock: found | none
/// // runtime-error: TEXT     a step fails with a message containing TEXT
/// // status: ok | failed | incomplete
/// // trace-steps: c=5        length of a counterexample, or of the trace to
///                            a failed evaluation (`deadlock=N`: of the
///                            deadlock's, unless a property is so named)
/// // lower-error: CODE       the spec cannot be compiled, with this error
/// // coverage: CODE, ...     the coverage warnings (none when absent)
/// // json: snapshot          also pin the JSON report (times and memory
///                            taken out)
/// ```
///
/// Every property not named must come out as the spec expects (holds, or
/// violated under `expect violation`). Every counterexample is replayed
/// through the model, and the report of a spec with findings is snapshot.
fn explore_case(root: &Path, case: &Path) -> Result<(), Failed> {
    use dsmc::check::{CheckOptions, Checked, Status, check_source};
    use dsmc::explore::Verdict;

    let source =
        std::fs::read_to_string(root.join(case)).map_err(|e| format!("cannot read: {e}"))?;
    let mut want: std::collections::BTreeMap<String, String> = Default::default();
    let mut defines = Vec::new();
    for line in source.lines() {
        let Some(comment) = line.trim().strip_prefix("//") else {
            break;
        };
        if let Some((key, _)) = directive(comment)
            && let Some(problem) = near_miss(key)
        {
            return Err(problem.into());
        }
        if let Some((key, value)) = comment.trim().split_once(':') {
            let key = key.trim();
            if key == "define" {
                defines.extend(Override::parse(value.trim()));
            } else if !key.contains(' ') {
                want.insert(key.to_string(), value.trim().to_string());
            }
        }
    }
    let options = CheckOptions {
        overrides: defines,
        explore: dsmc::explore::Options {
            threads: Some(2),
            max_states: None,
            ..Default::default()
        },
        ..Default::default()
    };
    let checked = check_source(&source, &options);
    // The line `dsmc check --format json` would print, against its schema.
    let report = SpecReport::new(&case.to_string_lossy(), &source, &checked);
    let report = serde_json::to_value(&report).map_err(|e| e.to_string())?;
    let refused = json_schema::report_problems(&report);
    if !refused.is_empty() {
        return Err(format!("docs/schema refuses the JSON report: {refused:#?}\n{report}").into());
    }
    if want.get("json").is_some_and(|v| v == "snapshot") {
        let mut pinned = report.clone();
        for noisy in [
            "elapsed_s",
            "liveness_s",
            "memory_bytes",
            "peak_resident_bytes",
        ] {
            pinned.as_object_mut().map(|o| o.remove(noisy));
        }
        let text = serde_json::to_string_pretty(&pinned).map_err(|e| e.to_string())?;
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(root.join(SNAPSHOT_DIR));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_input_file(root.join(case));
        settings.bind(|| insta::assert_snapshot!(format!("json__{}", snapshot_name(case)), text));
    }
    let Checked::Explored {
        model,
        exploration,
        warnings,
    } = &checked
    else {
        let Checked::Errors(d) = &checked else {
            unreachable!()
        };
        let codes: Vec<&str> = d.iter().map(|d| d.code).collect();
        // `// lower-error: CODE`: the spec type-checks but cannot be compiled.
        // What a user reads, pinned as the report of a spec with findings is.
        if let Some(want) = want.get("lower-error") {
            if codes != [want.as_str()] {
                return Err(format!("expected the lowering error {want}, found {codes:?}").into());
            }
            let text = render(case, &source, d);
            let mut settings = insta::Settings::clone_current();
            settings.set_snapshot_path(root.join(SNAPSHOT_DIR));
            settings.set_prepend_module_to_snapshot(false);
            settings.set_omit_expression(true);
            settings.set_input_file(root.join(case));
            settings
                .bind(|| insta::assert_snapshot!(format!("report__{}", snapshot_name(case)), text));
            return Ok(());
        }
        return Err(format!("the spec does not compile: {codes:?}").into());
    };
    let mut problems = Vec::new();
    // Coverage warnings must be announced: `// coverage: CODE, ...`.
    let coverage: Vec<&str> = warnings
        .iter()
        .filter(|d| d.code.starts_with("dsmc::coverage::"))
        .map(|d| d.code)
        .collect();
    let want_coverage: Vec<&str> = want
        .get("coverage")
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if coverage != want_coverage {
        problems.push(format!(
            "coverage warnings: expected {want_coverage:?}, found {coverage:?}"
        ));
    }
    let mut expect_number = |key: &str, actual: u64| {
        if let Some(v) = want.get(key)
            && v.parse::<u64>().ok() != Some(actual)
        {
            problems.push(format!("{key}: expected {v}, found {actual}"));
        }
    };
    expect_number("states", exploration.states);
    expect_number("transitions", exploration.transitions);
    expect_number("depth", exploration.depth as u64);
    expect_number("pruned", exploration.pruned);
    let list = |key: &str| {
        want.get(key)
            .map_or(Vec::new(), |v| common::property_names(v))
    };
    let (holds, violated, unchecked) = (list("holds"), list("violated"), list("unchecked"));
    // `// error: p`: evaluating `p` fails in a reachable state.
    let errors = list("error");
    for (p, verdict) in model.spec.properties.iter().zip(&exploration.verdicts) {
        let name = &p.name;
        let actual = match verdict {
            Verdict::Holds => "holds",
            Verdict::Violated(_) => "violated",
            Verdict::Unchecked => "unchecked",
            Verdict::NotSelected => "not selected",
            Verdict::Unknown => "unknown",
            Verdict::Error(_) => "error",
        };
        let expected = if holds.contains(name) {
            "holds"
        } else if violated.contains(name) {
            "violated"
        } else if unchecked.contains(name) {
            "unchecked"
        } else if errors.contains(name) {
            "error"
        } else if matches!(verdict, Verdict::Unchecked) {
            // Liveness is not checked yet: an unnamed liveness property may
            // be unchecked.
            "unchecked"
        } else if p.expect_violation {
            "violated"
        } else {
            "holds"
        };
        if actual != expected {
            problems.push(format!(
                "property `{name}`: expected {expected}, found {actual}"
            ));
        }
        if let Verdict::Violated(Some(trace)) = verdict {
            if let Err(e) = dsmc::replay::replay(model, trace) {
                problems.push(format!(
                    "the counterexample for `{name}` does not replay: {e}"
                ));
            }
            let index = model
                .spec
                .properties
                .iter()
                .position(|q| q.name == *name)
                .expect("property");
            if let Err(e) = confirm_lasso(model, &model.properties[index], trace) {
                problems.push(format!(
                    "the lasso for `{name}` is not a counterexample: {e}"
                ));
            }
        }
    }
    for (index, verdict) in exploration.verdicts.iter().enumerate() {
        if let Verdict::Error(trace) = verdict {
            let name = &model.spec.properties[index].name;
            if let Err(e) = dsmc::replay::replay(model, trace) {
                problems.push(format!(
                    "the trace of `{name}`'s failure does not replay: {e}"
                ));
            }
            if !evaluation_fails(&model.properties[index], model, &trace.states) {
                problems.push(format!("`{name}` evaluates in the last state of its trace"));
            }
        }
    }
    for entry in list("trace-steps") {
        let Some((name, n)) = entry.split_once('=') else {
            continue;
        };
        let index = model
            .spec
            .properties
            .iter()
            .position(|p| p.name == name.trim());
        // `deadlock=N`, when no property has that name: the deadlock's.
        let verdict = match index {
            Some(i) => Some(&exploration.verdicts[i]),
            None if name.trim() == "deadlock" => Some(&exploration.deadlock),
            None => None,
        };
        let steps = verdict.and_then(|v| match v {
            Verdict::Violated(Some(t)) | Verdict::Error(t) => Some(t.steps.len()),
            _ => None,
        });
        if steps.map(|s| s.to_string()) != Some(n.trim().to_string()) {
            problems.push(format!(
                "trace-steps for `{name}`: expected {n}, found {steps:?}"
            ));
        }
    }
    if let Some(d) = want.get("deadlock") {
        let actual = match &exploration.deadlock {
            Verdict::Violated(_) => "found",
            Verdict::Holds => "none",
            _ => "unchecked",
        };
        if d != actual {
            problems.push(format!("deadlock: expected {d}, found {actual}"));
        }
    }
    if let Verdict::Violated(Some(trace)) = &exploration.deadlock
        && let Err(e) = dsmc::replay::replay(model, trace)
    {
        problems.push(format!("the deadlock trace does not replay: {e}"));
    }
    match (want.get("runtime-error"), &exploration.runtime_error) {
        (Some(text), Some(trace)) => {
            let message = match (&trace.failed, &trace.eval_error) {
                (Some((_, e)), _) => e.describe(),
                (None, Some(e)) => format!("evaluation failed: {}", e.error.describe()),
                (None, None) => String::new(),
            };
            if !message.contains(text.as_str()) {
                problems.push(format!(
                    "runtime error: expected `{text}`, found `{message}`"
                ));
            }
            if let Err(e) = dsmc::replay::replay(model, trace) {
                problems.push(format!("the runtime error trace does not replay: {e}"));
            }
        }
        (Some(text), None) => {
            problems.push(format!("runtime error: expected `{text}`, found none"))
        }
        (None, Some(trace)) => problems.push(format!(
            "unexpected runtime error: {:?} {:?}",
            trace.failed.as_ref().map(|(_, e)| e.describe()),
            trace.eval_error,
        )),
        (None, None) => {}
    }
    let status = checked.status();
    // The first word; the rest of the line may say why.
    let expected_status = want
        .get("status")
        .and_then(|v| v.split_whitespace().next())
        .unwrap_or("ok");
    let actual_status = match status {
        Status::Ok => "ok",
        Status::Failed => "failed",
        Status::NoVerdict => "incomplete",
        Status::SpecErrors => "errors",
    };
    if expected_status != actual_status {
        problems.push(format!(
            "status: expected {expected_status}, found {actual_status}"
        ));
    }
    if !problems.is_empty() {
        return Err(problems.join("\n").into());
    }
    // What a user reads for a spec with findings, pinned.
    let human = dsmc::report::human(&case.to_string_lossy(), &source, model, exploration, 2);
    if !human.findings.is_empty() {
        let mut text = String::new();
        text.push_str(&human.table);
        for f in &human.findings {
            text.push('\n');
            text.push_str(&render(case, &source, std::slice::from_ref(&f.diagnostic)));
            text.push_str(&f.trace);
        }
        text.push('\n');
        text.push_str(&human.result);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(root.join(SNAPSHOT_DIR));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_input_file(root.join(case));
        settings.bind(|| insta::assert_snapshot!(format!("report__{}", snapshot_name(case)), text));
    }
    Ok(())
}

/// Confirms a liveness counterexample: the loop closes (or the behaviour
/// stops where no fair step is enabled), the loop is fair, and for leads-to
/// and transient the awaited predicate never holds from the trigger on.
fn confirm_lasso(
    model: &dsmc::model::Model,
    prop: &dsmc::model::CompiledProperty,
    trace: &dsmc::explore::Trace,
) -> Result<(), String> {
    use dsmc::model::{CompiledProperty, Outcome, Scratch, Task};
    use std::collections::BTreeSet;
    let Some(lasso) = trace.lasso else {
        return Ok(());
    };
    let mut scratch = Scratch::default();
    // The fair tasks a state enables (steps that change the state).
    let mut enabled = |state: &[u64]| -> BTreeSet<Task> {
        let mut out = BTreeSet::new();
        // Outside a `bound` the bounded system has no step.
        let inside = model
            .bounds
            .iter()
            .all(|b| b.eval(model, state, &mut Vec::new()).is_ok_and(|v| v != 0));
        if !inside {
            return out;
        }
        model.successors(state, &mut scratch, &mut |step, outcome| {
            if let Outcome::Next(next) = outcome
                && next != state
            {
                out.extend(model.task(&step));
            }
        });
        out
    };
    let cycle = &trace.states[lasso.start..];
    if lasso.stutter {
        if cycle.len() != 1 {
            return Err("a stopping behaviour ends at its last state".into());
        }
        if !enabled(&cycle[0]).is_empty() {
            return Err("a fair step is enabled where the behaviour stops".into());
        }
    } else {
        if trace.states.last() != trace.states.get(lasso.start) {
            return Err("the loop does not close".into());
        }
        let states = &cycle[..cycle.len() - 1];
        let taken: BTreeSet<Task> = trace.steps[lasso.start..]
            .iter()
            .zip(cycle.windows(2))
            .filter(|(_, pair)| pair[0] != pair[1])
            .filter_map(|(step, _)| model.task(step))
            .collect();
        let sets: Vec<BTreeSet<Task>> = states.iter().map(|s| enabled(s)).collect();
        for t in sets.iter().flatten() {
            let always = sets.iter().all(|set| set.contains(t));
            if (always || t.strong) && !taken.contains(t) {
                return Err(format!("the loop is unfair to {t:?}"));
            }
        }
    }
    let (p, q, negate_q) = match prop {
        CompiledProperty::LeadsTo(p, q) | CompiledProperty::Ensures(p, q) => (p, q, false),
        CompiledProperty::Transient(p) => (p, p, true),
        CompiledProperty::Persistent(p) => {
            // The loop (or the state the behaviour stops at) breaks P, at
            // the state where the loop starts.
            let mut locals = Vec::new();
            return match p.eval(model, &trace.states[lasso.start], &mut locals) {
                Ok(0) => Ok(()),
                _ => Err("the loop does not start at a state where P is false".into()),
            };
        }
        _ => return Ok(()),
    };
    let mut locals = Vec::new();
    let mut truth = |pred: &dsmc::model::Pred, s: &[u64]| {
        pred.eval(model, s, &mut locals).is_ok_and(|v| v != 0)
    };
    let awaited = |t: bool| if negate_q { !t } else { t };
    // The loop repeats for ever: the awaited predicate holds nowhere on it.
    if trace.states[lasso.start..]
        .iter()
        .any(|s| awaited(truth(q, s)))
    {
        return Err("the awaited predicate holds on the loop".into());
    }
    // Some state triggers the property and the awaited predicate holds
    // neither there nor after it (the loop included): the trigger need not
    // be the first state where P holds, since Q may hold on the way to it.
    let after_awaited = (trace.states.iter())
        .rposition(|s| awaited(truth(q, s)))
        .map_or(0, |last| last + 1);
    if !trace.states[after_awaited..].iter().any(|s| truth(p, s)) {
        return Err(
            "no state after the last one where the awaited predicate holds \
                    triggers the property"
                .into(),
        );
    }
    Ok(())
}

/// Whether evaluating one of a property's expressions fails in the last
/// of `states`, or for a `step` property on the step into it.
fn evaluation_fails(
    prop: &dsmc::model::CompiledProperty,
    model: &dsmc::model::Model,
    states: &[Vec<u64>],
) -> bool {
    use dsmc::model::CompiledProperty::*;
    let state = states.last().expect("a trace has a state");
    let preds = match prop {
        Step(p) => {
            let [.., before, after] = states else {
                return false;
            };
            return p.eval_step(model, before, after, &mut Vec::new()).is_err();
        }
        Invariant(p) | Stable(p) | Reachable(p) | Transient(p) | Persistent(p) => vec![p],
        Next(a, b) | Unless(a, b) | LeadsTo(a, b) | Ensures(a, b) => vec![a, b],
        Variant {
            measure,
            while_cond,
            until,
        } => [Some(measure), Some(while_cond), until.as_ref()]
            .into_iter()
            .flatten()
            .collect(),
    };
    preds
        .iter()
        .any(|p| p.eval(model, state, &mut Vec::new()).is_err())
}
