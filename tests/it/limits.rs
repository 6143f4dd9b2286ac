//! The limits of `dsmc check` and `dsmc simulate` as a user meets them:
//! `--max-states`, `--max-memory`, `--timeout` and Ctrl-C each stop the
//! search cleanly with exit code 3 and a report that says it is
//! incomplete, why, and what it established all the same.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::run::{dsmc, dsmc_command, stderr, stdout};
use dsmc::explore::{MemoryLimit, StopReason};

const SPEC: &str = "specs/2pc.ds";
/// 2PC with twelve resource managers: hundreds of millions of states, so
/// no limit below is reached by finishing first.
const BIG: &str = "N=12";

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_str(stdout(output).trim()).expect("one JSON object")
}

/// The report without what depends on the machine: the time and rate of
/// the counts line.
fn mask_timing(text: &str) -> String {
    text.lines()
        .map(|line| match line.find(" in ") {
            Some(at) if line.starts_with("stopped after") || line.starts_with("explored") => {
                format!("{} in [time]", &line[..at])
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The report with the counts masked as well: for limits whose stopping
/// point depends on the machine's speed.
fn mask_counts(text: &str) -> String {
    let counts = |line: &str| {
        ["stopped after", "within depth", "result:"]
            .iter()
            .any(|k| line.contains(k))
    };
    mask_timing(text)
        .lines()
        .map(|line| {
            if !counts(line) {
                return line.to_string();
            }
            let mut out = String::new();
            let mut in_number = false;
            for c in line.chars() {
                if c.is_ascii_digit() || (in_number && c == ',') {
                    if !in_number {
                        out.push('N');
                    }
                    in_number = true;
                } else {
                    in_number = false;
                    out.push(c);
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_state_limit_report_says_what_was_established() {
    let args = ["check", "--max-states", "400", "-D", "N=4", SPEC];
    let output = dsmc(&[&args[..], &["--threads", "2"]].concat());
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    let report = mask_timing(&stdout(&output));
    insta::assert_snapshot!("state_limit_report", report);
    // The same stop at any thread count: limits are checked between
    // batches, which do not depend on threads.
    let one = dsmc(&[&args[..], &["--threads", "1"]].concat());
    assert_eq!(
        mask_timing(&stdout(&one)).replace("1 thread)", "2 threads)"),
        report
    );
}

/// Asserts that a JSON report's peak resident set is under `bound` bytes.
fn assert_peak_under(value: &serde_json::Value, bound: u64) {
    let peak = value["peak_resident_bytes"]
        .as_u64()
        .expect("Linux has /proc");
    assert!(peak < bound, "peak resident {peak} bytes, over {bound}");
}

#[test]
fn a_memory_limit_stops_a_big_check_before_it_is_crossed() {
    let limit: u64 = 20 << 20;
    let output = dsmc(&[
        "check",
        "--max-memory",
        "20M",
        "-D",
        BIG,
        "--format",
        "json",
        SPEC,
    ]);
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    let value = json(&output);
    assert_eq!(value["status"], "incomplete");
    assert_eq!(value["complete"], false);
    assert_eq!(value["stop"]["reason"], "max_memory");
    assert_eq!(value["stop"]["limit"], limit);
    assert_eq!(value["stop"]["phase"], "search");
    assert!(value["states"].as_u64().expect("a count") > 1_000);
    assert!(value["memory_bytes"].as_u64().expect("bytes") < limit);
    // The whole process, the program's own mapped pages included, stays
    // near the limit (without it, this check grows to gigabytes).
    assert_peak_under(&value, limit + (16 << 20));
    for p in value["properties"].as_array().expect("properties") {
        assert_eq!(p["verdict"], "unknown", "{p}");
    }
    let human = dsmc(&["check", "--max-memory", "20M", "-D", BIG, SPEC]);
    assert_eq!(human.status.code(), Some(3));
    let out = stdout(&human);
    assert!(
        out.contains("it stopped before crossing the memory limit (--max-memory 20 MiB)"),
        "{out}"
    );
    assert!(out.contains("result: INCOMPLETE (memory limit;"), "{out}");
}

/// A memory limit that the search fits in but the liveness phase would
/// not: the search's verdicts stand, the liveness property is `unknown`,
/// the stop says it came in the liveness phase, and memory stayed under
/// the limit (at 2PC N = 8 the window is 90 to 100 MiB: under it the
/// search stops, over it the liveness phase has room).
#[test]
fn a_memory_limit_stops_the_liveness_phase_and_keeps_the_other_verdicts() {
    let limit: u64 = 95 << 20;
    for threads in ["1", "2"] {
        let output = dsmc(&[
            "check",
            "--max-memory",
            "95M",
            "-D",
            "N=8",
            "--threads",
            threads,
            "--format",
            "json",
            SPEC,
        ]);
        assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
        let value = json(&output);
        assert_eq!(value["status"], "incomplete");
        assert_eq!(value["complete"], true, "every state was explored");
        assert_eq!(value["states"], 1_745_408);
        assert_eq!(value["stop"]["reason"], "max_memory");
        assert_eq!(value["stop"]["phase"], "liveness");
        assert_peak_under(&value, limit);
        let verdicts: Vec<(&str, &str)> = (value["properties"].as_array().expect("properties"))
            .iter()
            .map(|p| {
                let name = p["name"].as_str().expect("a name");
                (name, p["verdict"].as_str().expect("a verdict"))
            })
            .collect();
        assert_eq!(
            verdicts,
            [
                ("consistent", "holds"),
                ("commit_final", "holds"),
                ("can_commit", "holds"),
                ("decides", "unknown")
            ],
            "{threads} threads"
        );
    }
    let human = dsmc(&["check", "--max-memory", "95M", "-D", "N=8", SPEC]);
    assert_eq!(human.status.code(), Some(3));
    let out = stdout(&human);
    assert!(
        out.contains(
            "the liveness check is incomplete: it stopped before crossing the memory limit \
             (--max-memory 95 MiB)"
        ),
        "{out}"
    );
    assert!(
        out.contains("--   decides       leads-to   unknown"),
        "{out}"
    );
}

/// A timeout that falls inside the liveness phase
/// (tests/limits/many_leads_to.ds: a search of a fraction of a second, then
/// 600 leads-to properties that take twenty seconds and more): every state
/// was explored, the properties searched before the stop keep their
/// verdicts, the rest are unknown, and the report says the liveness check
/// is incomplete. The timeout leaves the search room on a loaded host (it
/// took 2 s at a load of 8 on 2 cores, and a 2 s timeout then fell in the
/// search). Ctrl-C raises the same flag as the deadline (`Halt`), so this
/// is also how an interrupt stops the liveness phase.
#[test]
fn a_timeout_stops_the_liveness_phase_with_an_honest_report() {
    const MANY: &str = "tests/limits/many_leads_to.ds";
    for threads in ["1", "2"] {
        let start = std::time::Instant::now();
        let output = dsmc(&[
            "check",
            "--timeout",
            "6s",
            "--threads",
            threads,
            "--format",
            "json",
            MANY,
        ]);
        assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
        let value = json(&output);
        assert_eq!(value["status"], "incomplete");
        assert_eq!(value["complete"], true, "every state was explored");
        assert_eq!(value["states"], 14_400);
        assert_eq!(value["stop"]["reason"], "timeout");
        assert_eq!(value["stop"]["phase"], "liveness");
        let verdicts: Vec<&str> = (value["properties"].as_array().expect("properties"))
            .iter()
            .map(|p| p["verdict"].as_str().expect("a verdict"))
            .collect();
        assert_eq!(verdicts.len(), 600);
        // Those searched before the stop are violated, in order; the
        // rest, the last among them, are unknown.
        let searched = verdicts.iter().take_while(|&&v| v == "violated").count();
        assert!(searched < 600, "{threads} threads: {verdicts:?}");
        assert!(
            verdicts[searched..].iter().all(|&v| v == "unknown"),
            "{threads} threads: {verdicts:?}"
        );
        // Not a measurement: a bound far above the six seconds.
        assert!(start.elapsed() < Duration::from_secs(60));
    }
    let human = dsmc(&["check", "--timeout", "6s", MANY]);
    assert_eq!(human.status.code(), Some(3));
    let out = stdout(&human);
    assert!(
        out.contains("the liveness check is incomplete: it stopped"),
        "{out}"
    );
}

/// Thousands of wide successors per state (tests/limits/wide_successors.ds).
const WIDE: &str = "tests/limits/wide_successors.ds";

/// `dsmc check` of the wide spec at N = 2,048 on one thread, with `limit`
/// (a flag and its value): its JSON, after an exit with code 3.
fn check_wide(limit: [&str; 2]) -> serde_json::Value {
    let output = dsmc(&[
        "check",
        limit[0],
        limit[1],
        "-D",
        "N=2048",
        "--threads",
        "1",
        "--format",
        "json",
        WIDE,
    ]);
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    json(&output)
}

#[test]
fn a_memory_limit_holds_while_a_batch_of_wide_states_is_generated() {
    // 2,048 bits a state and up to 2,048 successors each: the second level
    // alone has 4 million successors, a gigabyte of buffers in one batch.
    let value = check_wide(["--max-memory", "200M"]);
    assert_eq!(value["stop"]["reason"], "max_memory");
    assert!(value["states"].as_u64().expect("a count") > 2_048);
    assert_peak_under(&value, (200 << 20) + (16 << 20));
}

#[test]
fn a_timeout_holds_while_a_batch_of_wide_states_is_generated() {
    let start = std::time::Instant::now();
    let value = check_wide(["--timeout", "1s"]);
    assert_eq!(value["stop"]["reason"], "timeout");
    // Not a measurement: a bound far above the second it should take, to
    // tell "stopped within the batch" from "ran the batch to its end"
    // (11 s and 2.9 GB before phase 1 looked at the limits as it went).
    assert!(start.elapsed() < Duration::from_secs(8));
}

#[test]
fn the_limits_hold_while_the_initial_states_are_stored() {
    const MANY: &str = "tests/limits/many_initial_states.ds";
    let limit: u64 = 100 << 20;
    let output = dsmc(&["check", "--max-memory", "100M", "--format", "json", MANY]);
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    let value = json(&output);
    assert_eq!(value["stop"]["reason"], "max_memory");
    assert_eq!(value["depth"], 0);
    assert!(value["states"].as_u64().expect("a count") > 100_000);
    assert_peak_under(&value, limit + (16 << 20));
    let human = dsmc(&["check", "--timeout", "1s", MANY]);
    assert_eq!(human.status.code(), Some(3), "stderr: {}", stderr(&human));
    let out = stdout(&human);
    assert!(
        out.contains("not even the initial states were all checked"),
        "{out}"
    );
    assert!(out.contains("result: INCOMPLETE (time limit;"), "{out}");
}

#[test]
fn a_timeout_holds_while_slow_states_are_tested() {
    // About a second of invariant per state: a batch of them took 15 s
    // under `--timeout 1s` when the limits were looked at between batches
    // only. Not a measurement: a bound far above the second or two the
    // stop takes now (one state's test may still run to its end).
    let start = std::time::Instant::now();
    let output = dsmc(&[
        "check",
        "--timeout",
        "1s",
        "--format",
        "json",
        "tests/limits/slow_invariant.ds",
    ]);
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    let value = json(&output);
    assert_eq!(value["stop"]["reason"], "timeout");
    assert_eq!(value["properties"][0]["verdict"], "unknown");
    assert!(start.elapsed() < Duration::from_secs(8));
}

/// Runs dsmc with `args`, and kills it if it is still running after
/// `bound` (then the test fails rather than hangs). Not a measurement: a
/// bound far above what the stop takes.
fn bounded(args: &[&str], bound: Duration, signal: Option<(&str, u32)>) -> Output {
    let mut child = dsmc_command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dsmc starts");
    let pid = child.id();
    if let Some(signal) = signal {
        send_signal(pid, signal);
    }
    let start = std::time::Instant::now();
    while child.try_wait().expect("dsmc can be waited for").is_none() {
        if start.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            panic!("dsmc {args:?} was still running after {bound:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("dsmc ends")
}

/// A check stopped inside one evaluation that would take hours: exit 3,
/// the reason in the JSON, and no property said to hold or to fail.
fn assert_stopped_inside(output: &Output, reason: &str) {
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(output));
    let value = json(output);
    assert_eq!(value["stop"]["reason"], reason, "{value}");
    for property in value["properties"].as_array().expect("a list") {
        assert_eq!(property["verdict"], "unknown", "{value}");
    }
}

#[test]
fn a_timeout_holds_inside_one_long_evaluation() {
    // An invariant of the initial state, a guard, and a trillion parameter
    // bindings: each would run for hours once started. Before, the timeout
    // waited for the evaluation to end.
    for (spec, threads) in [
        ("tests/limits/endless_invariant.ds", "1"),
        ("tests/limits/endless_invariant.ds", "2"),
        ("tests/limits/endless_guard.ds", "1"),
        ("tests/limits/endless_bindings.ds", "1"),
    ] {
        let args = [
            "check",
            "--timeout",
            "1s",
            "--threads",
            threads,
            "--format",
            "json",
            spec,
        ];
        let output = bounded(&args, Duration::from_secs(60), None);
        assert_stopped_inside(&output, "timeout");
    }
}

#[test]
fn a_timeout_holds_inside_one_long_evaluation_of_a_simulation() {
    for spec in [
        "tests/limits/endless_invariant.ds",
        "tests/limits/endless_guard.ds",
    ] {
        let args = ["simulate", "--timeout", "1s", spec];
        let output = bounded(&args, Duration::from_secs(60), None);
        assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
        let out = stdout(&output);
        assert!(
            out.contains("it stopped at the time limit (--timeout 1s)"),
            "{out}"
        );
        // The evaluation cut short is no finding.
        assert!(!out.contains("stopped while"), "{out}");
        assert!(
            !out.replace("not violated", "").contains("violated"),
            "{out}"
        );
    }
}

#[test]
fn sigterm_stops_one_long_evaluation() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("no /proc here: the test needs it to know when dsmc catches SIGTERM");
        return;
    }
    let args = [
        "check",
        "--format",
        "json",
        "tests/limits/endless_invariant.ds",
    ];
    let output = bounded(&args, Duration::from_secs(60), Some(("TERM", 15)));
    assert_stopped_inside(&output, "interrupted");
}

#[test]
fn a_timeout_stops_a_big_check() {
    let output = dsmc(&["check", "--timeout", "1s", "-D", BIG, SPEC]);
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    insta::assert_snapshot!("timeout_report", mask_counts(&stdout(&output)));
}

#[test]
fn a_timeout_stops_a_simulation() {
    let output = dsmc(&[
        "simulate",
        "--timeout",
        "300ms",
        "--runs",
        "1000000000",
        "-D",
        BIG,
        SPEC,
    ]);
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains(
            "the simulation is incomplete: it stopped at the time limit (--timeout 300ms)"
        ),
        "{out}"
    );
    assert!(out.contains("result: INCOMPLETE (time limit;"), "{out}");
    assert!(!out.contains("holds"), "{out}");
}

/// Whether process `pid` has a handler for signal number `signal` (bit
/// `signal - 1` of `SigCgt`).
fn catches(pid: u32, signal: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (signal - 1)) != 0)
}

/// Sends SIGINT to `pid` once it catches it, as Ctrl-C in a terminal
/// would.
fn interrupt(pid: u32) {
    send_signal(pid, ("INT", 2));
}

/// Sends `signal` (its name for `kill`, its number) to `pid` once it
/// catches it (the shell's `kill`, present wherever `sh` is).
fn send_signal(pid: u32, signal: (&str, u32)) {
    // Bounded, so that a dsmc that never catches it fails the test rather
    // than hanging it.
    let mut tries = 0;
    while !catches(pid, signal.1) {
        tries += 1;
        assert!(
            tries < 6_000,
            "dsmc never installed its SIG{} handler",
            signal.0
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let kill = Command::new("sh")
        .args(["-c", &format!("kill -{} {pid}", signal.0)])
        .status()
        .expect("sh runs");
    assert!(kill.success());
}

/// Runs dsmc with `args`, sends it SIGINT once it catches it, and waits.
fn interrupted(args: &[&str]) -> Output {
    let child = dsmc_command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dsmc starts");
    interrupt(child.id());
    child.wait_with_output().expect("dsmc ends")
}

#[test]
fn ctrl_c_stops_a_check_with_its_partial_report() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("no /proc here: the test needs it to know when dsmc catches SIGINT");
        return;
    }
    // The timeout only keeps a broken handler from hanging the test; the
    // report must then say "interrupted", not "time limit".
    let output = interrupted(&["check", "--timeout", "120s", "-D", BIG, SPEC]);
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("the search is incomplete: it was interrupted (Ctrl-C, SIGTERM or SIGHUP)"),
        "{out}"
    );
    assert!(out.contains("consistent    invariant  unknown"), "{out}");
    assert!(out.contains("result: INCOMPLETE (interrupted;"), "{out}");
    assert!(
        stderr(&output).contains("interrupted: stopping the check"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn ctrl_c_stops_a_simulation_with_its_report() {
    if !std::path::Path::new("/proc/self/status").exists() {
        return;
    }
    let output = interrupted(&[
        "simulate",
        "--timeout",
        "120s",
        "--runs",
        "1000000000",
        "-D",
        BIG,
        SPEC,
    ]);
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains(
            "the simulation is incomplete: it was interrupted (Ctrl-C, SIGTERM or SIGHUP) after"
        ),
        "{out}"
    );
    assert!(out.contains("result: INCOMPLETE (interrupted;"), "{out}");
}

#[test]
fn every_format_says_incomplete_and_why() {
    let args = ["check", "--max-states", "400", "-D", "N=4", SPEC];
    let value = json(&dsmc(&[&args[..], &["--format", "json"]].concat()));
    assert_eq!(value["status"], "incomplete");
    assert_eq!(value["exit_code"], 3);
    assert_eq!(
        value["stop"],
        serde_json::json!({
            "reason": "max_states",
            "limit": 400,
            "phase": "search",
            "message": "it stopped at the state limit (--max-states 400)",
            "complete_depth": value["depth"],
        })
    );
    let junit = dsmc(&[&args[..], &["--format", "junit"]].concat());
    assert_eq!(junit.status.code(), Some(3));
    let xml = stdout(&junit);
    assert!(
        xml.contains("search is incomplete: it stopped at the state limit (--max-states 400)"),
        "{xml}"
    );
    assert!(
        xml.contains(r#"name="stopped" value="state limit""#),
        "{xml}"
    );
    assert!(
        xml.contains("unknown: the search stopped before a verdict"),
        "{xml}"
    );
    let sarif = dsmc(&[&args[..], &["--format", "sarif"]].concat());
    assert_eq!(sarif.status.code(), Some(3));
    let log: serde_json::Value = serde_json::from_str(&stdout(&sarif)).expect("SARIF is JSON");
    let incomplete = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "dsmc::check::incomplete")
        .expect("an incomplete result")
        .clone();
    let text = incomplete["message"]["text"].as_str().expect("a message");
    assert!(
        text.contains("it stopped at the state limit (--max-states 400)")
            && text.contains("no violation within depth")
            && text.contains("without verdict (unknown)"),
        "{text}"
    );
}

#[test]
fn bad_sizes_and_durations_are_diagnosed() {
    let cases = [
        ("bad_size_unit", ["check", "--max-memory", "5X", SPEC]),
        ("bad_size_no_unit", ["check", "--max-memory", "512", SPEC]),
        ("bad_duration_no_unit", ["check", "--timeout", "30", SPEC]),
        ("bad_duration_unit", ["check", "--timeout", "1m30q", SPEC]),
        (
            "bad_duration_simulate",
            ["simulate", "--timeout", "soon", SPEC],
        ),
    ];
    for (name, args) in cases {
        let output = dsmc(&args);
        assert_eq!(output.status.code(), Some(2), "{name}: {}", stderr(&output));
        assert!(stdout(&output).is_empty(), "{name}: nothing is checked");
        insta::assert_snapshot!(name, stderr(&output));
    }
}

#[test]
fn each_limit_is_named_with_the_way_further() {
    let limit = |guard| MemoryLimit {
        bytes: 3 << 29,
        reserved: 0,
        guard,
    };
    let reasons = [
        StopReason::MaxStates(1_000_000),
        StopReason::Memory(limit(false)),
        StopReason::Memory(limit(true)),
        StopReason::Timeout(Duration::from_secs(90)),
        StopReason::Interrupted,
    ];
    let text: Vec<String> = reasons
        .iter()
        .map(|&r| {
            format!(
                "{}: {}\n  to go further: {}",
                dsmc::report::stop_word(r),
                dsmc::report::stop_clause(r),
                dsmc::report::go_further(r).unwrap_or("-")
            )
        })
        .collect();
    insta::assert_snapshot!("stop_reasons", text.join("\n"));
}

/// A cgroup of this process's own, with a memory limit, when the machine
/// lets us make one (root, a writable cgroup hierarchy); removed on drop.
struct Cgroup {
    dir: std::path::PathBuf,
    parent_procs: std::path::PathBuf,
}

impl Cgroup {
    /// A child of this process's cgroup (v2, or v1's memory hierarchy)
    /// limited to `bytes`, or why none could be made.
    fn limited_to(bytes: u64) -> Result<Cgroup, String> {
        let own = std::fs::read_to_string("/proc/self/cgroup").map_err(|e| e.to_string())?;
        let (mount, path, limit_file) = own
            .lines()
            .find_map(|line| {
                let mut parts = line.splitn(3, ':');
                let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
                if controllers.split(',').any(|c| c == "memory") {
                    Some((
                        format!("/sys/fs/cgroup/{controllers}"),
                        path,
                        "memory.limit_in_bytes",
                    ))
                } else if controllers.is_empty()
                    && std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
                {
                    Some(("/sys/fs/cgroup".to_string(), path, "memory.max"))
                } else {
                    None
                }
            })
            .ok_or("no memory cgroup")?;
        let parent = std::path::Path::new(&mount).join(path.trim_start_matches('/'));
        let dir = parent.join(format!("dsmc-test-{}", std::process::id()));
        std::fs::create_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let cgroup = Cgroup {
            dir,
            parent_procs: parent.join("cgroup.procs"),
        };
        std::fs::write(cgroup.dir.join(limit_file), bytes.to_string())
            .map_err(|e| format!("{limit_file}: {e}"))?;
        Ok(cgroup)
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        // Any process left in it goes back to the parent first.
        if let Ok(procs) = std::fs::read_to_string(self.dir.join("cgroup.procs")) {
            for pid in procs.lines() {
                let _ = std::fs::write(&self.parent_procs, pid);
            }
        }
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Without `--max-memory`, a check in a memory-limited cgroup stops at the
/// default guard, under the cgroup's limit, instead of being killed by it.
#[test]
fn the_default_guard_stops_before_the_cgroup_limit_kills() {
    let limit: u64 = 160 << 20;
    let cgroup = match Cgroup::limited_to(limit) {
        Ok(cgroup) => cgroup,
        Err(why) => {
            eprintln!("skipped: cannot make a memory-limited cgroup here ({why})");
            return;
        }
    };
    // The shell joins the cgroup, then becomes dsmc.
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "echo $$ > '{}' && exec \"$0\" \"$@\"",
            cgroup.dir.join("cgroup.procs").display()
        ))
        .arg(env!("CARGO_BIN_EXE_dsmc"))
        .args(["check", "-D", BIG, "--format", "json", SPEC])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("sh runs");
    drop(cgroup);
    assert_eq!(
        output.status.code(),
        Some(3),
        "killed instead of stopped? status {:?}, stderr: {}",
        output.status,
        stderr(&output)
    );
    let value = json(&output);
    assert_eq!(value["stop"]["reason"], "memory_guard");
    let guard = value["stop"]["limit"].as_u64().expect("the guard's size");
    assert!(
        guard < limit,
        "the guard, {guard} bytes, is under the cgroup's {limit}"
    );
    assert!(value["states"].as_u64().expect("a count") > 100_000);
}

/// Runs dsmc with `args` to its end, and measures its peak resident set
/// (`VmHWM`, read from `/proc` as it runs: the last reading comes at most
/// a few milliseconds before the exit, when a stopped search no longer
/// grows). For the reports that do not carry `peak_resident_bytes`.
fn run_measuring_peak(args: &[&str]) -> (Output, u64) {
    let mut child = dsmc_command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dsmc starts");
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    while child.try_wait().expect("dsmc can be waited for").is_none() {
        let hwm = std::fs::read_to_string(&status)
            .ok()
            .and_then(|text| {
                text.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|kb| kb.trim().strip_suffix("kB"))
                    .and_then(|kb| kb.trim().parse::<u64>().ok())
            })
            .unwrap_or(0);
        peak = peak.max(hwm * 1024);
        std::thread::sleep(Duration::from_millis(5));
    }
    (child.wait_with_output().expect("dsmc ends"), peak)
}

/// The big spec as `--engine stateright` checks it: 2PC with nine resource
/// managers (some 30 million states, far more than Stateright stores
/// under the limits below).
const REFERENCE_BIG: &str = "N=9";

/// Stateright's checker under `--max-memory` stops as dsmc's engine does:
/// exit 3, an incomplete report that says why, no verdict for what it did
/// not establish, and the whole process under the limit (before the limit
/// was honoured it grew to gigabytes).
#[test]
fn the_reference_engine_stops_at_the_memory_limit() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("no /proc here: the test needs it to measure dsmc's memory");
        return;
    }
    let limit: u64 = 200 << 20;
    let (output, peak) = run_measuring_peak(&[
        "check",
        "--engine",
        "stateright",
        "--max-memory",
        "200M",
        "-D",
        REFERENCE_BIG,
        SPEC,
    ]);
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("(Stateright's checker)\nstopped after"),
        "{out}"
    );
    assert!(
        out.contains(
            "the search is incomplete: it stopped before crossing the memory limit \
             (--max-memory 200 MiB)"
        ),
        "{out}"
    );
    assert!(
        out.contains("consistent           invariant  unknown"),
        "{out}"
    );
    assert!(out.contains("result: INCOMPLETE (memory limit;"), "{out}");
    // Not finding a counterexample, or an example, establishes nothing.
    assert!(!out.contains("invariant  holds"), "{out}");
    assert!(!out.contains("reachable  violated"), "{out}");
    assert!(peak < limit + (16 << 20), "peak resident {peak} bytes");
}

/// `--timeout` stops Stateright's checker within a bound far above the
/// second asked for (not a measurement: it tells "stopped" from "ran on").
#[test]
fn the_reference_engine_stops_at_the_time_limit() {
    let start = std::time::Instant::now();
    let output = dsmc(&[
        "check",
        "--engine",
        "stateright",
        "--timeout",
        "1s",
        "-D",
        REFERENCE_BIG,
        SPEC,
    ]);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("the search is incomplete: it stopped at the time limit (--timeout 1s)"),
        "{out}"
    );
    assert!(out.contains("result: INCOMPLETE (time limit;"), "{out}");
}

/// `--max-states` stops Stateright's checker once that many distinct
/// states are stored (the limit is looked at every few milliseconds, so a
/// few more may be).
#[test]
fn the_reference_engine_stops_at_the_state_limit() {
    let output = dsmc(&[
        "check",
        "--engine",
        "stateright",
        "--max-states",
        "1000",
        "-D",
        REFERENCE_BIG,
        SPEC,
    ]);
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("the search is incomplete: it stopped at the state limit (--max-states 1000)"),
        "{out}"
    );
    assert!(out.contains("result: INCOMPLETE (state limit;"), "{out}");
    // A limit above the state count changes nothing.
    let complete = dsmc(&[
        "check",
        "--engine",
        "stateright",
        "--max-states",
        "1000",
        "--timeout",
        "10m",
        SPEC,
    ]);
    assert_eq!(complete.status.code(), Some(0), "{}", stderr(&complete));
    assert!(
        stdout(&complete).contains("explored 288 distinct states"),
        "{}",
        stdout(&complete)
    );
}

/// The first SIGTERM stops Stateright's checker with its partial report,
/// as it stops dsmc's engine.
#[test]
fn sigterm_stops_the_reference_engine_with_its_partial_report() {
    if !std::path::Path::new("/proc/self/status").exists() {
        return;
    }
    let child = dsmc_command(&[
        "check",
        "--engine",
        "stateright",
        "--timeout",
        "120s",
        "-D",
        REFERENCE_BIG,
        SPEC,
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("dsmc starts");
    send_signal(child.id(), ("TERM", 15));
    let output = child.wait_with_output().expect("dsmc ends");
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("the search is incomplete: it was interrupted (Ctrl-C, SIGTERM or SIGHUP)"),
        "{out}"
    );
    assert!(
        out.contains("consistent           invariant  unknown"),
        "{out}"
    );
    assert!(out.contains("result: INCOMPLETE (interrupted;"), "{out}");
}

/// A spec with 20,000 invariants over a small protocol, written to a
/// scratch file: its path.
fn many_property_spec() -> std::path::PathBuf {
    let mut source = String::from(
        "protocol Many\nnode A {\n  var a: 0..7 = 0\n  action up when a < 7 { a += 1 }\n  \
         action down when a > 0 { a -= 1 }\n}\n",
    );
    for k in 0..20_000 {
        source.push_str(&format!("invariant p{k}: A.a < {}\n", k % 7 + 8));
    }
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("limits");
    std::fs::create_dir_all(&dir).expect("can create a scratch directory");
    let path = dir.join("many_properties.ds");
    std::fs::write(&path, source).expect("can write the spec");
    path
}

/// A spec of many properties (the issue's second shape, beside the wide
/// states above) is either refused before it is read whole, with the
/// spec-size diagnostic, or checked with the whole process under
/// `--max-memory`: its front end, compiled model and per-property state
/// all count.
#[test]
fn a_memory_limit_holds_for_a_spec_of_many_properties() {
    let path = many_property_spec();
    let path = path.to_str().expect("a UTF-8 path");
    let output = dsmc(&["check", "--max-memory", "200M", "--format", "json", path]);
    if output.status.code() == Some(2) {
        assert!(
            stdout(&output).contains("dsmc::cli::spec_too_large"),
            "{}",
            stdout(&output)
        );
        return;
    }
    let value = json(&output);
    assert!(
        matches!(output.status.code(), Some(0 | 3)),
        "status {:?}: {value}",
        output.status
    );
    assert_peak_under(&value, (200 << 20) + (16 << 20));
}

/// Stateright takes the initial states as one vector before its search
/// starts, at hundreds of megabytes a second: the reference engine counts
/// them against `--max-memory` as it makes them (a million of them take
/// 271 MB in all, so these 16.7 million some 4 GB; with the watchdog
/// alone the process went 20 MiB past a 100 MiB limit).
#[test]
fn the_reference_engine_counts_the_initial_states_against_the_memory_limit() {
    if !std::path::Path::new("/proc/self/status").exists() {
        return;
    }
    let limit: u64 = 100 << 20;
    let (output, peak) = run_measuring_peak(&[
        "check",
        "--engine",
        "stateright",
        "--max-memory",
        "100M",
        "tests/limits/reference_initial_states.ds",
    ]);
    assert_eq!(output.status.code(), Some(3), "stderr: {}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("it stopped before crossing the memory limit (--max-memory 100 MiB)"),
        "{out}"
    );
    assert!(
        out.contains("small                invariant  unknown"),
        "{out}"
    );
    assert!(peak < limit + (16 << 20), "peak resident {peak} bytes");
}
