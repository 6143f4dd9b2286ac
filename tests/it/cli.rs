//! The `dsmc` binary as a user runs it: exit codes and the key lines of its
//! output. The wording of diagnostics is pinned by the snapshots of
//! `tests/cases.rs`; here only what the command line adds is checked.

use crate::run::{dsmc, dsmc_command, scratch_dir, stderr, stdout};
use std::path::Path;
use std::process::{Command, Output};

const OK_SPEC: &str = "specs/2pc.ds";
const SYNTAX_ERROR_SPEC: &str = "tests/cases/parse/assign_in_guard.ds";

#[test]
fn two_phase_commit_is_explored_and_its_properties_hold() {
    let output = dsmc(&["check", OK_SPEC]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("explored 288 distinct states, 1,146 transitions, depth 11"),
        "stdout: {out}"
    );
    assert!(
        out.contains("decides       leads-to   holds"),
        "stdout: {out}"
    );
    assert!(
        out.contains("fairness: delivery of Prepared, Commit, Abort (weak)"),
        "stdout: {out}"
    );
    assert!(out.contains("result: ok"), "stdout: {out}");
}

#[test]
fn properties_left_out_by_property_are_not_selected() {
    let output = dsmc(&["check", OK_SPEC, "--property", "consistent"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("consistent    invariant  holds"),
        "stdout: {out}"
    );
    assert!(
        out.contains("decides       leads-to   not selected\n"),
        "stdout: {out}"
    );
    assert!(!out.contains("not checked by this engine"), "stdout: {out}");
    let json = dsmc(&[
        "check",
        OK_SPEC,
        "--property",
        "consistent",
        "--format",
        "json",
    ]);
    assert!(
        stdout(&json).contains("\"verdict\":\"not selected\""),
        "stdout: {}",
        stdout(&json)
    );
}

/// An expected violation that is not selected decides nothing: the exit
/// code, the status and the JSON agree that the selected properties are
/// as expected (issue 20: this exited 3 while the JSON said complete).
#[test]
fn an_unselected_expected_violation_does_not_withhold_the_verdict() {
    let args = ["check", "specs/2pc_blocking.ds", "--property", "consistent"];
    let output = dsmc(&args);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("result: ok (1 as expected, 3 not selected)"),
        "stdout: {out}"
    );
    let json = dsmc(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(json.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("one JSON object");
    assert_eq!(value["status"], "ok");
    assert_eq!(value["exit_code"], 0);
    assert_eq!(value["complete"], true);
    assert_eq!(value["properties"][3]["verdict"], "not selected");
}

#[test]
fn an_expected_violation_passes_and_shows_its_counterexample() {
    let output = dsmc(&["check", "--trace", "text", "specs/2pc_eager_commit.ds"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("violated, as expected"), "stdout: {out}");
    assert!(
        out.contains("step 5  RM[0] ← Commit from TM"),
        "stdout: {out}"
    );
}

/// Runs the binary with a UTF-8 locale or none, so that the chart's
/// characters do not depend on the environment of the test run.
fn dsmc_with_locale(args: &[&str], lang: Option<&str>) -> Output {
    dsmc_with_terminal(args, lang, "xterm")
}

fn dsmc_with_terminal(args: &[&str], lang: Option<&str>, term: &str) -> Output {
    let mut command = dsmc_command(args);
    command
        .env_remove("LC_ALL")
        .env_remove("LC_CTYPE")
        .env("TERM", term);
    match lang {
        Some(lang) => command.env("LANG", lang),
        None => command.env_remove("LANG"),
    };
    command.output().expect("the dsmc binary runs")
}

#[test]
fn a_trace_with_messages_is_drawn_as_a_sequence_chart() {
    let output = dsmc_with_locale(&["check", "specs/2pc_eager_commit.ds"], Some("C.UTF-8"));
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains(" Commit ─►│"), "stdout: {out}");
    assert!(out.contains("RM[0] ← Commit from TM"), "stdout: {out}");
    assert!(
        out.contains("sends Commit → RM[0], RM[1], RM[2]"),
        "stdout: {out}"
    );
}

#[test]
fn charts_fall_back_to_ascii_without_a_utf8_locale() {
    for (args, lang) in [
        (&["check", "specs/2pc_eager_commit.ds"][..], None),
        (&["check", "specs/2pc_eager_commit.ds"][..], Some("POSIX")),
        (
            &[
                "check",
                "--ascii",
                "--trace",
                "msc",
                "specs/2pc_eager_commit.ds",
            ][..],
            Some("en_US.UTF-8"),
        ),
    ] {
        let output = dsmc_with_locale(args, lang);
        let out = stdout(&output);
        let chart = &out[out.find("counterexample for").expect("a counterexample")..];
        assert!(chart.is_ascii(), "{args:?} {lang:?}: {chart}");
        assert!(chart.contains(" Commit ->|"), "{chart}");
    }
    let output = dsmc_with_terminal(
        &["check", "specs/2pc_eager_commit.ds"],
        Some("C.UTF-8"),
        "dumb",
    );
    let out = stdout(&output);
    let chart = &out[out.find("counterexample for").expect("a counterexample")..];
    assert!(chart.is_ascii(), "TERM=dumb: {chart}");
}

#[test]
fn the_html_report_and_the_explorer_refuse_what_they_cannot_do() {
    let output = dsmc(&[
        "check",
        "--engine",
        "stateright",
        "--report",
        "out.html",
        OK_SPEC,
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--report"), "{}", stderr(&output));
    let output = dsmc(&["explore", SYNTAX_ERROR_SPEC, "--port", "1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("dsmc::parse::syntax"));
}

#[test]
fn a_finding_exits_with_1() {
    let output = dsmc(&["check", "tests/explore/deadlock_found.ds"]);
    assert_eq!(output.status.code(), Some(1), "stdout: {}", stdout(&output));
    assert!(stdout(&output).contains("dsmc::check::deadlock"));
}

#[test]
fn a_state_limit_gives_an_incomplete_report_and_exit_3() {
    let output = dsmc(&["check", "--max-states", "10", OK_SPEC]);
    assert_eq!(output.status.code(), Some(3), "stdout: {}", stdout(&output));
    let out = stdout(&output);
    assert!(out.contains("stopped after"), "stdout: {out}");
    assert!(out.contains("incomplete"), "stdout: {out}");
}

#[test]
fn json_reports_carry_the_counts_and_verdicts() {
    let output = dsmc(&["check", "--format", "json", "-D", "N=6", OK_SPEC]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    let value: serde_json::Value = serde_json::from_str(text.trim()).expect("one JSON object");
    assert_eq!(value["states"], 50_816);
    assert_eq!(value["transitions"], 402_306);
    assert_eq!(value["constants"]["N"], 6);
    assert_eq!(value["complete"], true);
    assert_eq!(value["properties"][0]["name"], "consistent");
    assert_eq!(value["properties"][0]["verdict"], "holds");
}

#[test]
fn output_is_the_same_at_any_thread_count() {
    // The measurements differ from run to run: the rate, and the liveness
    // line, printed only when that phase took a millisecond or more (so one
    // run may print it and the other not: the lines are dropped, not blanked).
    let strip = |o: &Output| {
        stdout(o)
            .lines()
            .filter(|l| !l.contains("states/s") && !l.starts_with("liveness checked"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let one = dsmc(&["check", "--threads", "1", "specs/2pc_eager_commit.ds"]);
    let four = dsmc(&["check", "--threads", "4", "specs/2pc_eager_commit.ds"]);
    assert_eq!(strip(&one), strip(&four));
}

#[test]
fn stateright_counts_the_same_states() {
    let output = dsmc(&["check", "--engine", "stateright", OK_SPEC]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(
        stdout(&output).contains("explored 288 distinct states"),
        "stdout: {}",
        stdout(&output)
    );
}

/// Whether an override has the effect it should is the front end's part
/// (`// define:` in tests/cases); here only that the CLI passes it on.
#[test]
fn well_formed_overrides_are_accepted() {
    let output = dsmc(&["check", "-D", "N=2", "-D", "N = 4", OK_SPEC]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    // The last override wins.
    assert!(
        stdout(&output).contains("1,568 distinct states"),
        "stdout: {}",
        stdout(&output)
    );
}

#[test]
fn a_syntax_error_exits_with_2_and_shows_the_code() {
    let output = dsmc(&["check", SYNTAX_ERROR_SPEC]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("dsmc::parse::syntax"), "stderr: {err}");
    assert!(err.contains("assign_in_guard.ds:6:20"), "stderr: {err}");
    assert!(
        err.contains("1 error; the spec was not checked"),
        "stderr: {err}"
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn every_file_is_checked_and_the_worst_outcome_wins() {
    let output = dsmc(&["check", SYNTAX_ERROR_SPEC, OK_SPEC]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("dsmc::parse::syntax"));
    assert!(stdout(&output).contains("explored 288 distinct states"));
}

#[test]
fn a_missing_file_is_named_and_exits_with_2() {
    let output = dsmc(&["check", "no/such/spec.ds"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("cannot read `no/such/spec.ds`"),
        "stderr: {err}"
    );
}

#[test]
fn a_define_without_equals_is_a_usage_error() {
    for bad in ["N", "=3", "N="] {
        let output = dsmc(&["check", "-D", bad, OK_SPEC]);
        assert_eq!(output.status.code(), Some(2), "-D {bad}");
        assert!(
            stderr(&output).contains("NAME=VALUE"),
            "-D {bad}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn usage_errors_exit_with_2() {
    for args in [
        &[][..],
        &["check"],
        &["frobnicate"],
        &["check", "--message-format", "xml", OK_SPEC],
    ] {
        let output = dsmc(args);
        assert_eq!(output.status.code(), Some(2), "dsmc {args:?}");
    }
}

#[test]
fn help_documents_the_exit_codes() {
    for args in [&["--help"][..], &["check", "--help"], &["fmt", "--help"]] {
        let output = dsmc(args);
        assert_eq!(output.status.code(), Some(0));
        let out = stdout(&output);
        assert!(out.contains("Exit codes:"), "dsmc {args:?}: {out}");
        assert!(out.contains("3  no verdict"), "dsmc {args:?}: {out}");
    }
}

#[test]
fn json_messages_are_one_object_per_line_with_positions() {
    let output = dsmc(&["check", "--message-format", "json", SYNTAX_ERROR_SPEC]);
    assert_eq!(output.status.code(), Some(2));
    let out = stdout(&output);
    let objects: Vec<serde_json::Value> = out
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert_eq!(objects.len(), 1, "stdout: {out}");
    let diagnostic = &objects[0];
    assert_eq!(diagnostic["file"], SYNTAX_ERROR_SPEC);
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["code"], "dsmc::parse::syntax");
    assert!(
        diagnostic["message"]
            .as_str()
            .is_some_and(|m| m.contains("found `=`"))
    );
    assert!(diagnostic["help"].is_string());
    let label = &diagnostic["labels"][0];
    assert_eq!(label["primary"], true);
    // `x = 0` in `  action go when x = 0 { x = 1 }`, line 6.
    assert_eq!(label["line_start"], 6);
    assert_eq!(label["column_start"], 20);
    assert_eq!(label["line_end"], 6);
    assert_eq!(label["column_end"], 21);
    let start = label["byte_start"]
        .as_u64()
        .expect("byte_start is a number") as usize;
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SYNTAX_ERROR_SPEC))
            .expect("the case exists");
    assert_eq!(&source[start..start + 1], "=");
    // The human report does not go to stderr as well.
    assert!(!stderr(&output).contains("dsmc::parse::syntax"));
}

#[test]
fn json_keeps_stdout_for_json_only() {
    let output = dsmc(&["check", "--message-format", "json", OK_SPEC]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).is_empty(), "stdout: {}", stdout(&output));
    assert!(stderr(&output).contains("result: ok"));
}

#[test]
fn no_color_output_has_no_escape_sequences() {
    let output = dsmc_command(&["check", SYNTAX_ERROR_SPEC])
        .env("NO_COLOR", "1")
        .output()
        .expect("the dsmc binary runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        !output.stderr.contains(&0x1b),
        "stderr: {:?}",
        stderr(&output)
    );
}

/// Colour is used on a terminal and `NO_COLOR` turns it off there too. Runs
/// only where util-linux's `script` can give the binary a terminal.
#[test]
fn colour_on_a_terminal_unless_no_color() {
    let has_script = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        eprintln!("skipped: no `script` command to run dsmc on a terminal");
        return;
    }
    let run_on_terminal = |no_color: bool| {
        let command_line = format!("'{}' check {SYNTAX_ERROR_SPEC}", env!("CARGO_BIN_EXE_dsmc"));
        let mut script = Command::new("script");
        script
            .args([
                "--quiet",
                "--return",
                "--command",
                &command_line,
                "/dev/null",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("NO_COLOR")
            .env("TERM", "xterm-256color");
        if no_color {
            script.env("NO_COLOR", "1");
        }
        let output = script.output().expect("script runs");
        assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
        // `script` copies the terminal (stdout and stderr) to its stdout.
        let terminal = stdout(&output);
        assert!(terminal.contains("dsmc::parse::syntax"), "{terminal}");
        terminal.contains("\x1b[")
    };
    assert!(run_on_terminal(false), "no colour on a terminal");
    assert!(!run_on_terminal(true), "colour despite NO_COLOR");
}

#[test]
fn fmt_leaves_a_file_with_syntax_errors_alone() {
    let dir = scratch_dir("cli", "fmt_leaves_a_file_with_syntax_errors_alone");
    let path = dir.join("broken.ds");
    let source =
        "protocol P\nnode A {\n  var x: bool = false\n  action go when x = true { x = false }\n}\n";
    std::fs::write(&path, source).expect("can write the scratch spec");
    let path_arg = path.to_string_lossy();
    for args in [&["fmt", &*path_arg][..], &["fmt", "--check", &*path_arg]] {
        let output = dsmc(args);
        assert_eq!(output.status.code(), Some(2), "dsmc {args:?}");
        let err = stderr(&output);
        assert!(err.contains("dsmc::parse::syntax"), "stderr: {err}");
        assert!(err.contains("the file was not formatted"), "stderr: {err}");
        assert_eq!(std::fs::read_to_string(&path).expect("still there"), source);
    }
}

#[test]
fn fmt_names_a_missing_file() {
    let output = dsmc(&["fmt", "no/such/spec.ds"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot read `no/such/spec.ds`"));
}

#[test]
fn simulation_finds_the_eager_commit_bug_and_replays_from_its_seed() {
    // The spec without its `expect violation`: the bug is then a finding.
    let source = std::fs::read_to_string("specs/2pc_eager_commit.ds").expect("readable");
    let source: String = source
        .lines()
        .filter(|l| !l.starts_with("expect violation"))
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = scratch_dir("cli", "simulate");
    let path = dir.join("eager.ds");
    std::fs::write(&path, source).expect("writable");
    let path = path.to_str().expect("utf-8 path");
    let first = dsmc(&["simulate", path, "--runs", "50", "--seed", "7"]);
    assert_eq!(first.status.code(), Some(1), "{}", stdout(&first));
    let text = stdout(&first);
    assert!(
        text.contains("FAIL consistent  invariant  violated"),
        "{text}"
    );
    assert!(text.contains("it proves nothing"), "{text}");
    // The same seed walks the same walks.
    let again = dsmc(&["simulate", path, "--runs", "50", "--seed", "7"]);
    assert_eq!(text, stdout(&again));
    // Another seed walks others (the report names its seed).
    let other = dsmc(&["simulate", path, "--runs", "50", "--seed", "8"]);
    assert!(stdout(&other).contains("seed 8"));
}

#[test]
fn simulation_never_claims_a_property_holds() {
    let output = dsmc(&["simulate", "specs/2pc.ds", "--runs", "20", "--depth", "30"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(!text.contains("holds"), "{text}");
    assert!(text.contains("not violated in these runs"), "{text}");
    assert!(text.contains("unchecked"), "{text}");
}

/// A report that cannot be written (a full disk; here `/dev/full`) is not
/// a green check: exit 2 and a message on stderr, in every format. A
/// closed pipe is not a failure (`dsmc check ... | head -1`).
#[test]
fn a_report_that_cannot_be_written_is_an_error() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    for format in ["human", "json", "junit", "sarif"] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full opens for writing");
        let output = dsmc_command(&["check", "--format", format, "specs/2pc.ds"])
            .stdout(full)
            .output()
            .expect("dsmc runs");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{format}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output)
                .contains("error[dsmc::io::stdout]: the output could not be written to stdout"),
            "{format}: {}",
            stderr(&output)
        );
    }
    // The reader closes the pipe after the first line: exit 0 all the same.
    let mut child = dsmc_command(&["check", "specs/2pc.ds"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("dsmc runs");
    drop(child.stdout.take());
    let status = child.wait().expect("dsmc ends");
    assert_eq!(status.code(), Some(0));
}

/// Diagnostics and warnings that cannot be written to stderr (a full disk)
/// make the run exit 2: a CI job must not read a clean run from a log
/// that lost them.
#[test]
fn diagnostics_that_cannot_be_written_are_an_error() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    // `dsmc ARGS` with stderr on /dev/full.
    let with_full_stderr = |args: &[&str]| {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full opens for writing");
        dsmc_command(args).stderr(full).output().expect("dsmc runs")
    };
    // Every verdict as expected, and a warning on stderr, lost.
    let output = with_full_stderr(&["check", "tests/data/clean_with_warning.ds"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("result: ok"));
    // A clean spec prints nothing on stderr: nothing is lost.
    let output = with_full_stderr(&["check", "specs/2pc.ds"]);
    assert_eq!(output.status.code(), Some(0));
}

/// An escape sequence that sets the terminal's title (OSC 0, ended by BEL),
/// one that turns text red and one that clears the screen: what a file name
/// or a spec's comment could send a terminal.
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[31m\u{1b}[2J";

/// Whether `bytes` hold an escape character or a BEL.
fn has_raw_control(bytes: &[u8]) -> bool {
    bytes.contains(&0x1b) || bytes.contains(&0x07)
}

/// A spec whose file name holds escape sequences, and whose comments hold
/// them too, never sends them to the terminal: in the human report (header,
/// trace, result), in diagnostics, on the error tally and in the summary
/// table of several specs, the controls are written as `\u{1b}` and
/// `\u{7}`. JSON carries the name exactly (serde escapes it).
#[test]
fn control_characters_from_file_names_and_specs_never_reach_the_terminal() {
    let dir = scratch_dir("cli", "control_characters_never_reach_the_terminal");
    let ok = dir.join(format!("ok{HOSTILE}.ds"));
    let broken = dir.join(format!("broken{HOSTILE}.ds"));
    // A deadlock gives a trace, which names the file.
    let ok_source = format!(
        "protocol P // {HOSTILE}\nnode A {{\n  var x: bool = false // {HOSTILE}\n  \
         action go when !x {{ x = true }}\n}}\n"
    );
    let broken_source = format!("protocol P\nnode A {{\n  var x bool = false // {HOSTILE}\n}}\n");
    std::fs::write(&ok, &ok_source).expect("can write the scratch spec");
    std::fs::write(&broken, &broken_source).expect("can write the scratch spec");
    let (ok, broken) = (ok.to_string_lossy(), broken.to_string_lossy());

    let output = dsmc(&["check", &ok, &broken]);
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    assert!(
        !has_raw_control(&output.stdout),
        "stdout: {:?}",
        stdout(&output)
    );
    assert!(
        !has_raw_control(&output.stderr),
        "stderr: {:?}",
        stderr(&output)
    );
    let (out, err) = (stdout(&output), stderr(&output));
    let shown = r"\u{1b}]0;pwned\u{7}\u{1b}[31m\u{1b}[2J";
    // The header, the deadlock's trace and the summary name the file.
    assert!(out.contains(&format!("ok{shown}.ds: protocol P")), "{out}");
    assert!(out.contains(&format!("ok{shown}.ds:4:3)")), "{out}");
    assert!(
        out.matches(&format!("broken{shown}.ds")).count() >= 1,
        "{out}"
    );
    // The diagnostic: its file name and the source line with the comment.
    assert!(err.contains(&format!("/broken{shown}.ds:3:9]")), "{err}");
    assert!(
        err.contains(&format!("var x bool = false // {shown}")),
        "{err}"
    );
    assert!(err.contains(&format!("broken{shown}.ds: 1 error")), "{err}");

    // Tools get the name as it is, escaped by the JSON serialiser.
    let output = dsmc(&["check", "--message-format", "json", &broken]);
    assert!(!has_raw_control(&output.stdout), "{:?}", stdout(&output));
    let line: serde_json::Value =
        serde_json::from_str(stdout(&output).lines().next().expect("one line"))
            .expect("a JSON line");
    assert_eq!(line["file"], *broken);

    // `dsmc fmt` names the file the same way when it cannot format it.
    let output = dsmc(&["fmt", &broken]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!has_raw_control(&output.stderr), "{:?}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(&*broken).expect("still there"),
        broken_source
    );
}

/// On a terminal, with colour, miette's own escape sequences are there but
/// the spec's are not. Runs only where util-linux's `script` can give the
/// binary a terminal.
#[test]
fn control_characters_are_escaped_on_a_colour_terminal() {
    let has_script = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        eprintln!("skipped: no `script` command to run dsmc on a terminal");
        return;
    }
    let dir = scratch_dir("cli", "control_characters_are_escaped_on_a_colour_terminal");
    let spec = dir.join("spec.ds");
    std::fs::write(
        &spec,
        format!("protocol P\nnode A {{\n  var x bool = false // {HOSTILE}\n}}\n"),
    )
    .expect("can write the scratch spec");
    let command_line = format!(
        "'{}' check '{}'",
        env!("CARGO_BIN_EXE_dsmc"),
        spec.display()
    );
    let output = Command::new("script")
        .args([
            "--quiet",
            "--return",
            "--command",
            &command_line,
            "/dev/null",
        ])
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .output()
        .expect("script runs");
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let terminal = stdout(&output);
    assert!(terminal.contains("\u{1b}["), "colour is on: {terminal:?}");
    assert!(!terminal.contains("\u{1b}]0;"), "{terminal:?}");
    assert!(!terminal.contains('\u{7}'), "{terminal:?}");
    assert!(!terminal.contains("\u{1b}[2J"), "{terminal:?}");
    assert!(terminal.contains(r"\u{1b}]0;pwned\u{7}"), "{terminal:?}");
}

/// `dsmc fmt` keeps a byte order mark and the bytes of comments, control
/// characters included, and refuses a spec with characters that change the
/// direction of text, leaving it as it was.
#[test]
fn fmt_keeps_a_byte_order_mark_and_refuses_text_direction_characters() {
    let dir = scratch_dir("cli", "fmt_keeps_a_byte_order_mark");
    let marked = dir.join("marked.ds");
    std::fs::write(
        &marked,
        "\u{feff}protocol P\nnode A {   var x: bool = false // a\u{1b}[31mred\n}\n",
    )
    .expect("can write the scratch spec");
    let output = dsmc(&["fmt", &marked.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(&marked).expect("still there"),
        "\u{feff}protocol P\n\nnode A {\n  var x: bool = false // a\u{1b}[31mred\n}\n"
    );
    let output = dsmc(&["fmt", "--check", &marked.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));

    let reversed = dir.join("reversed.ds");
    let source = "protocol P\nnode A {   var x: bool = false // \u{202e} }x{\n}\n";
    std::fs::write(&reversed, source).expect("can write the scratch spec");
    for check in [false, true] {
        let path = reversed.to_string_lossy();
        let args: Vec<&str> = if check {
            vec!["fmt", "--check", &path]
        } else {
            vec!["fmt", &path]
        };
        let output = dsmc(&args);
        assert_eq!(output.status.code(), Some(2), "dsmc {args:?}");
        let err = stderr(&output);
        assert!(err.contains("dsmc::parse::text_direction"), "{err}");
        assert!(err.contains("U+202E RIGHT-TO-LEFT OVERRIDE"), "{err}");
        assert!(!err.contains('\u{202e}'), "the character itself: {err}");
        assert!(err.contains("the file was not formatted"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&reversed).expect("still there"),
            source
        );
    }
}
