//! `dsmc check --checkpoint DIR` and `--resume DIR` on the binary: a check
//! killed with SIGKILL, or stopped by a limit, goes on from its checkpoint
//! and ends with the report of a check that was never stopped (counts,
//! verdicts, traces and lassos; not the measurements); a checkpoint of
//! another spec, other constants or other options, or a damaged one, is
//! refused with a diagnostic.

use crate::run::{dsmc, dsmc_command, scratch_dir, stderr};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// The TM may crash, and the leads-to `decides` is violated with a lasso:
/// faults, a liveness phase and a trace, all of which a resume must give
/// back as they were.
const SPEC: &str = "specs/2pc_blocking.ds";

fn text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// The JSON report without what differs from run to run: times, memory,
/// rates and the thread count.
fn established(output: &Output) -> serde_json::Value {
    fn strip(value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => map
                .iter()
                .filter(|(k, _)| {
                    !(k.ends_with("_s") || k.contains("bytes") || k.contains("rate"))
                        && k.as_str() != "threads"
                })
                .map(|(k, v)| (k.clone(), strip(v)))
                .collect(),
            serde_json::Value::Array(items) => items.iter().map(strip).collect(),
            other => other.clone(),
        }
    }
    let value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}); stderr: {}", stderr(output)));
    strip(&value)
}

/// The report of the check never stopped, at N = `n`.
fn uninterrupted(n: &str) -> (Option<i32>, serde_json::Value) {
    let output = dsmc(&["check", SPEC, "-D", n, "--format", "json", "--threads", "1"]);
    (output.status.code(), established(&output))
}

/// `dsmc check SPEC -D n --max-states max --checkpoint dir`, stopped by
/// its state limit (exit 3): its output.
fn stopped_with_checkpoint(dir: &Path, n: &str, max: &str) -> Output {
    let stopped = dsmc(&[
        "check",
        SPEC,
        "-D",
        n,
        "--max-states",
        max,
        "--threads",
        "2",
        "--checkpoint",
        text(dir),
    ]);
    assert_eq!(
        stopped.status.code(),
        Some(3),
        "stderr: {}",
        stderr(&stopped)
    );
    stopped
}

/// `dsmc check SPEC -D n --resume dir` at `threads`, in JSON.
fn resumed(dir: &Path, n: &str, threads: &str) -> Output {
    dsmc(&[
        "check",
        SPEC,
        "-D",
        n,
        "--format",
        "json",
        "--threads",
        threads,
        "--resume",
        text(dir),
    ])
}

#[test]
fn a_check_killed_with_sigkill_resumes_where_its_checkpoint_left_it() {
    let dir = scratch_dir("checkpoint", "killed");
    let file = dir.join("checkpoint.dsmc");
    let mut child = dsmc_command(&[
        "check",
        SPEC,
        "-D",
        "N=6",
        "--format",
        "json",
        "--threads",
        "2",
        "--checkpoint",
        text(&dir),
        "--checkpoint-every",
        "1ms",
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("dsmc starts");
    // Killed as soon as a checkpoint is there: mid-search, with several
    // levels still to go (a checkpoint is taken before each batch).
    let start = Instant::now();
    while !file.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no checkpoint was written"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let still_running = child.try_wait().expect("waits").is_none();
    child.kill().expect("SIGKILL");
    child.wait().expect("the killed check ends");
    assert!(still_running, "the check ended before it could be killed");

    let output = resumed(&dir, "N=6", "1");
    let (code, report) = uninterrupted("N=6");
    assert_eq!(output.status.code(), code, "stderr: {}", stderr(&output));
    assert_eq!(established(&output), report);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_check_stopped_by_a_limit_leaves_a_checkpoint_to_go_on_from() {
    let dir = scratch_dir("checkpoint", "limit");
    let stopped = stopped_with_checkpoint(&dir, "N=5", "5000");
    let said = stderr(&stopped);
    assert!(
        said.contains("checkpoint in `") && said.contains("--resume"),
        "{said}"
    );
    // Resumed twice from the same checkpoint, at 1 and 2 threads.
    let (code, report) = uninterrupted("N=5");
    for threads in ["1", "2"] {
        let output = resumed(&dir, "N=5", threads);
        assert_eq!(output.status.code(), code, "stderr: {}", stderr(&output));
        assert_eq!(established(&output), report, "at {threads} threads");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A checkpoint at N = 4 of `SPEC`, stopped early: its directory.
fn small_checkpoint(name: &str) -> PathBuf {
    let dir = scratch_dir("checkpoint", name);
    stopped_with_checkpoint(&dir, "N=4", "100");
    assert!(dir.join("checkpoint.dsmc").is_file());
    dir
}

/// `dsmc check` with `args`: asserts exit code 2 and the diagnostic code.
fn refused(args: &[&str], code: &str) -> String {
    let output = dsmc(args);
    let said = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{said}");
    assert!(said.contains(code), "{said}");
    said
}

#[test]
fn a_checkpoint_of_another_configuration_is_refused() {
    let dir = small_checkpoint("mismatch");
    let said = refused(
        &["check", SPEC, "-D", "N=5", "--resume", text(&dir)],
        "dsmc::check::checkpoint_mismatch",
    );
    // (miette wraps the message: its parts are looked for one by one.)
    assert!(said.contains("made with `-D N=4`"), "{said}");
    assert!(said.contains("N=5`"), "{said}");
    refused(
        &[
            "check",
            SPEC,
            "-D",
            "N=4",
            "--no-symmetry",
            "--resume",
            text(&dir),
        ],
        "dsmc::check::checkpoint_mismatch",
    );
    // The same spec, one comment longer.
    let copy = dir.join("changed.ds");
    let source = std::fs::read_to_string(SPEC).expect("the spec reads");
    std::fs::write(&copy, format!("{source}\n// changed\n")).expect("a copy");
    let said = refused(
        &["check", text(&copy), "-D", "N=4", "--resume", text(&dir)],
        "dsmc::check::checkpoint_mismatch",
    );
    assert!(said.contains("the spec has changed"), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_damaged_checkpoint_is_refused() {
    let dir = small_checkpoint("damaged");
    let file = dir.join("checkpoint.dsmc");
    let whole = std::fs::read(&file).expect("the checkpoint reads");
    let resume = ["check", SPEC, "-D", "N=4", "--resume", text(&dir)];
    // Cut short, a bit flipped in the middle, not a checkpoint at all.
    std::fs::write(&file, &whole[..whole.len() / 2]).expect("writes");
    let said = refused(&resume, "dsmc::check::checkpoint_unreadable");
    assert!(said.contains("ends early"), "{said}");
    let mut flipped = whole.clone();
    flipped[whole.len() * 3 / 4] ^= 0x10;
    std::fs::write(&file, &flipped).expect("writes");
    refused(&resume, "dsmc::check::checkpoint_unreadable");
    std::fs::write(&file, "protocol P\n").expect("writes");
    let said = refused(&resume, "dsmc::check::checkpoint_unreadable");
    assert!(said.contains("not a dsmc checkpoint"), "{said}");
    // The undamaged one still resumes.
    std::fs::write(&file, &whole).expect("writes");
    let output = dsmc(&resume);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn checkpoint_flags_are_checked_before_the_search() {
    let dir = scratch_dir("checkpoint", "flags");
    refused(
        &["check", SPEC, "--resume", text(&dir)],
        "dsmc::cli::no_checkpoint",
    );
    refused(
        &["check", SPEC, "specs/2pc.ds", "--checkpoint", text(&dir)],
        "dsmc::cli::checkpoint_one_spec",
    );
    let output = dsmc(&["check", SPEC, "--checkpoint-every", "1m"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("`--checkpoint-every` needs `--checkpoint DIR`"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_checkpoint_that_cannot_be_written_is_a_warning_and_the_check_goes_on() {
    // A directory below a file cannot be made.
    let output = dsmc(&[
        "check",
        SPEC,
        "-D",
        "N=3",
        "--max-states",
        "10",
        "--checkpoint",
        "/dev/null/checkpoints",
    ]);
    let said = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{said}");
    assert!(said.contains("dsmc::cli::checkpoint_failed"), "{said}");
    assert!(!said.contains("--resume"), "{said}");
}
