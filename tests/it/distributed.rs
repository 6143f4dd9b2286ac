//! `dsmc check --processes N`: the distributed search on loopback gives
//! the single-process JSON (apart from times and memory) at 1, 2 and 3
//! processes, liveness verdicts and lassos, symmetry reduction and
//! coverage included; a process that dies (process 0 or another) stops
//! the others with exit 3, never a hang; and a limit stops every process
//! inside a level.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn dsmc(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dsmc"));
    command.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("the dsmc binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What a diagnostic run printed, on either stream.
fn printed(output: &Output) -> String {
    stdout(output) + &String::from_utf8_lossy(&output.stderr)
}

/// The JSON report without what depends on the machine and the run.
fn report(output: &Output) -> serde_json::Value {
    let mut value: serde_json::Value =
        serde_json::from_str(stdout(output).trim()).expect("one JSON object");
    let object = value.as_object_mut().expect("an object");
    for measured in [
        "elapsed_s",
        "liveness_s",
        "memory_bytes",
        "peak_resident_bytes",
    ] {
        object.remove(measured);
    }
    value
}

/// Checks `args` in one process, then across 1, 2 and 3 processes (and 2
/// processes of 2 threads), and asserts the same report and exit code.
fn same_everywhere(args: &[&str]) -> serde_json::Value {
    let mut base = vec!["check", "--format", "json"];
    base.extend_from_slice(args);
    let single = dsmc(&base, &[]);
    let expected = report(&single);
    let runs: [&[&str]; 4] = [
        &["--processes", "1"],
        &["--processes", "2"],
        &["--processes", "3"],
        &["--processes", "2", "--threads", "2"],
    ];
    for extra in runs {
        let mut with = base.clone();
        with.extend_from_slice(extra);
        let output = dsmc(&with, &[]);
        assert_eq!(
            output.status.code(),
            single.status.code(),
            "{extra:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(report(&output), expected, "{args:?} with {extra:?}");
    }
    expected
}

#[test]
fn two_phase_commit_is_the_same_across_processes() {
    // Its safety properties, and the leads-to `decides`, which holds.
    let report = same_everywhere(&["specs/2pc.ds", "-D", "N=5"]);
    assert_eq!(report["states"], 8832);
    assert_eq!(report["complete"], true);
    let decides = &report["properties"][3];
    assert_eq!(decides["name"], "decides");
    assert_eq!(decides["verdict"], "holds");
}

#[test]
fn a_violated_leads_to_has_the_same_lasso_across_processes() {
    // A run that stops (the coordinator crashed), under network fairness.
    let blocking = same_everywhere(&["specs/2pc_blocking.ds"]);
    let decides = &blocking["properties"][3];
    assert_eq!(decides["name"], "decides");
    assert_eq!(decides["verdict"], "violated");
    assert_eq!(decides["loop_kind"], "stop");
    // Cycles: one fair to a weakly fair task but not to a strongly fair
    // one, and one that weak fairness per binding lets through.
    for spec in [
        &["tests/explore/live_strong.ds"][..],
        &["tests/explore/live_symmetric_weak.ds", "--no-symmetry"][..],
    ] {
        let report = same_everywhere(spec);
        let cycles = (report["properties"].as_array().expect("properties").iter())
            .filter(|p| p["verdict"] == "violated" && p["loop_kind"] == "cycle")
            .count();
        assert_eq!(cycles, 1, "{spec:?}: {report}");
    }
}

#[test]
fn every_liveness_form_has_the_same_verdict_and_lasso_across_processes() {
    // `persistent` (a cycle, a final state, strong fairness, symmetry),
    // fairness of an action family, `transient`, a weak cycle, a stop in
    // an acyclic graph, a cycle after a DAG, a deadlock: each spec's
    // verdicts and lassos (JSON, loop start included) as one process's.
    let mut violated = 0;
    for spec in [
        "tests/explore/persistent_by_fairness.ds",
        "tests/explore/persistent_final_state.ds",
        "tests/explore/persistent_mixed_cycle.ds",
        "tests/explore/persistent_strong.ds",
        "tests/explore/persistent_symmetric.ds",
        "tests/explore/family_weak.ds",
        "tests/explore/family_strong.ds",
        "tests/explore/live_transient.ds",
        "tests/explore/live_weak_cycle.ds",
        "tests/explore/live_acyclic_stop.ds",
        "tests/explore/live_cycle_after_dag.ds",
        "tests/explore/live_deadlock.ds",
        "tests/explore/live_request_cycle.ds",
    ] {
        let report = same_everywhere(&[spec]);
        violated += (report["properties"].as_array().expect("properties").iter())
            .filter(|p| p["verdict"] == "violated" && !p["loop_kind"].is_null())
            .count();
    }
    // Not only verdicts that hold: lassos are compared too.
    assert!(violated >= 8, "{violated} lassos");
}

#[test]
fn a_violation_has_the_same_shortest_trace_across_processes() {
    let report = same_everywhere(&["specs/2pc_eager_commit.ds"]);
    let consistent = &report["properties"][0];
    assert_eq!(consistent["name"], "consistent");
    assert_eq!(consistent["verdict"], "violated");
    assert!(consistent["trace"].as_array().is_some_and(|t| t.len() > 2));
}

#[test]
fn a_deadlock_and_a_failed_step_are_the_same_across_processes() {
    let deadlock = same_everywhere(&["tests/explore/compare_out_of_domain.ds"]);
    assert_eq!(deadlock["deadlock"]["verdict"], "violated");
    let failed = same_everywhere(&["tests/explore/division_by_zero.ds"]);
    assert!(failed["runtime_error"].is_object(), "{failed}");
}

#[test]
fn symmetry_reduction_is_the_same_across_processes() {
    // Each state is owned by the owner of its representative: the counts
    // are the reduced ones, and the traces real runs in the spec's names.
    let report = same_everywhere(&["tests/explore/symmetry_2pc.ds", "-D", "N=5"]);
    assert_eq!(report["states"], 314);
    assert_eq!(
        report["symmetry"].as_array().map(Vec::len),
        Some(1),
        "{report}"
    );
    let report = same_everywhere(&["tests/explore/symmetry_trace.ds", "-D", "N=4"]);
    assert_eq!(report["states"], 301);
    assert_eq!(report["properties"][0]["verdict"], "violated");
    same_everywhere(&["tests/explore/init_symmetric.ds"]);
    same_everywhere(&["specs/ping_pong.ds", "--property", "one_ping_at_a_time"]);
    // Liveness over the representatives, lassos included.
    same_everywhere(&["tests/explore/live_symmetric_weak.ds"]);
    same_everywhere(&["tests/explore/live_symmetric_strong.ds"]);
}

#[test]
fn coverage_is_the_same_across_processes() {
    // Actions never enabled, handlers never run, messages never sent or
    // delivered: the workers' coverage, merged, is the single process's.
    for spec in [
        "tests/explore/coverage.ds",
        "tests/explore/coverage_messages.ds",
    ] {
        let report = same_everywhere(&[spec]);
        assert!(
            report.to_string().contains("dsmc::coverage::never_enabled"),
            "{report}"
        );
    }
}

#[test]
fn a_process_that_dies_stops_the_others_with_exit_3() {
    let start = Instant::now();
    let output = dsmc(
        &[
            "check",
            "specs/2pc.ds",
            "-D",
            "N=6",
            "--property",
            "consistent",
            "--format",
            "json",
            "--processes",
            "3",
        ],
        // Process 1 exits at its third level, as a crashed machine would.
        &[("DSMC_TEST_DISTRIBUTED_EXIT", "1:3")],
    );
    assert!(start.elapsed() < Duration::from_secs(60));
    assert_eq!(output.status.code(), Some(3));
    let report = report(&output);
    assert_eq!(report["complete"], false);
    assert_eq!(report["stop"]["reason"], "process_lost");
    assert_eq!(report["properties"][0]["verdict"], "unknown");
    // What the levels before the loss explored: at most the single
    // process's first three levels (92 states), at least the first (a
    // level whose end process 0 had not seen yet is not counted).
    let states = report["states"].as_u64().expect("a count");
    let depth = report["depth"].as_u64().expect("a depth");
    assert!((1..=92).contains(&states), "{report}");
    assert!((1..=3).contains(&depth), "{report}");
}

/// Three loopback addresses free a moment ago, as a hostfile's lines.
fn free_addresses(n: usize) -> String {
    let listeners: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("a free port"))
        .collect();
    (listeners.iter())
        .map(|l| format!("{}\n", l.local_addr().expect("bound")))
        .collect()
}

#[test]
fn when_process_0_dies_the_others_stop_with_exit_3() {
    let hosts = hostfile("process-0", &free_addresses(3));
    let path = hosts.path.clone();
    let start = Instant::now();
    // Each process started by hand, as on a cluster; process 0 exits at
    // its third level, as a crashed machine would.
    let children: Vec<std::process::Child> = (0..3)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_dsmc"))
                .args(["check", "specs/2pc.ds", "-D", "N=6", "--format", "json"])
                .args(["--hostfile", &path, "--process", &i.to_string()])
                .env("DSMC_TEST_DISTRIBUTED_EXIT", "0:3")
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("the dsmc binary runs")
        })
        .collect();
    // Never a hang: a process still running after 60 s is killed and
    // fails the test.
    let deadline = start + Duration::from_secs(60);
    let codes: Vec<Option<i32>> = (children.into_iter())
        .map(|mut child| exit_code(&mut child, deadline))
        .collect();
    assert_eq!(codes, [Some(101), Some(3), Some(3)]);
}

/// The exit code of `child`; `None` when it was still running at
/// `deadline` (it is then killed).
fn exit_code(child: &mut std::process::Child, deadline: Instant) -> Option<i32> {
    loop {
        if let Some(status) = child.try_wait().expect("waits") {
            return status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A process as `--processes` starts it: `--process I` and the list of
/// addresses, its stdin a pipe from the test (as from process 0).
fn started_process(i: usize, addresses: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_dsmc"))
        .args(["check", "specs/2pc.ds", "-D", "N=4", "--format", "json"])
        .args([
            "--process",
            &i.to_string(),
            "--cluster-addresses",
            addresses,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the dsmc binary runs")
}

/// A process started by `--processes` whose part ended exits 0 once
/// process 0 lets it go (closes its stdin); one whose stdin closes before
/// the check has ended (process 0 gone) exits 3. It used to exit 3 in
/// both cases.
#[test]
fn started_processes_exit_0_after_a_complete_check() {
    let deadline = Instant::now() + Duration::from_secs(60);
    let addresses = free_addresses(2).trim().replace('\n', ",");
    let mut zero = started_process(0, &addresses);
    let mut one = started_process(1, &addresses);
    assert_eq!(exit_code(&mut zero, deadline), Some(0));
    drop(one.stdin.take());
    assert_eq!(exit_code(&mut one, deadline), Some(0));

    // Process 0 never starts: process 1 waits for it until its stdin
    // closes.
    let addresses = free_addresses(2).trim().replace('\n', ",");
    let mut one = started_process(1, &addresses);
    drop(one.stdin.take());
    assert_eq!(exit_code(&mut one, deadline), Some(3));
}

#[test]
fn the_memory_limit_of_a_process_stops_every_process_with_exit_3() {
    let output = dsmc(
        &[
            "check",
            "specs/2pc.ds",
            "-D",
            "N=9",
            "--property",
            "consistent",
            "--format",
            "json",
            "--processes",
            "2",
            "--max-memory",
            "40M",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(3), "{}", stdout(&output));
    let report = report(&output);
    assert_eq!(report["complete"], false);
    assert_eq!(report["stop"]["reason"], "max_memory");
}

/// Runs `args` and asserts a stop inside a level: exit 3 within `bound`
/// (far above the second or two the stop takes, far below the level's
/// own time), the reason in the JSON, the levels before the stop counted
/// and nothing of the one cut, and no verdict. The process is killed
/// (and the test fails) if it runs past the bound.
fn stops_inside_a_level(args: &[&str], bound: Duration, reason: &str) -> serde_json::Value {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dsmc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the dsmc binary runs");
    while child.try_wait().expect("waits").is_none() {
        if start.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} was still running after {bound:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("ends");
    assert_eq!(output.status.code(), Some(3), "{}", printed(&output));
    let report = report(&output);
    assert_eq!(report["complete"], false);
    assert_eq!(report["stop"]["reason"], reason, "{report}");
    assert_eq!(report["properties"][0]["verdict"], "unknown");
    report
}

#[test]
fn limits_stop_every_process_inside_a_level() {
    // Level 2 of tests/limits/wide_level.ds has nine million states: the
    // limits are looked at between batches of each worker's frontier,
    // and a worker that stops tells the others at once.
    let wide = |extra: &[&'static str]| {
        let mut args = vec![
            "check",
            "tests/limits/wide_level.ds",
            "--format",
            "json",
            "--processes",
            "2",
        ];
        args.extend_from_slice(extra);
        args
    };
    let bound = Duration::from_secs(20);
    for extra in [
        &["--timeout", "1s"][..],
        &["--max-memory", "60M"][..],
        &["--max-memory", "60M", "--threads", "2"][..],
    ] {
        let report = stops_inside_a_level(
            &wide(extra),
            bound,
            if extra[0] == "--timeout" {
                "timeout"
            } else {
                "max_memory"
            },
        );
        // The initial state and level 1, complete; nothing of level 2.
        assert_eq!(report["states"], 3001, "{extra:?}: {report}");
        assert_eq!(report["depth"], 2, "{extra:?}: {report}");
    }
    // `--max-states` counts the states of every process: a level that
    // would pass it is abandoned (the workers stop during it once the new
    // states known to exist pass it), and the report is of the levels
    // before, whatever the number of processes and threads. A level that
    // reaches it exactly is kept, and the check stops after it.
    for (extra, states, depth) in [
        (&["--max-states", "5000"][..], 3001, 2),
        (&["--max-states", "5000", "--threads", "2"][..], 3001, 2),
        (&["--max-states", "3001"][..], 3001, 2),
        (&["--max-states", "3000"][..], 1, 1),
    ] {
        let report = stops_inside_a_level(&wide(extra), bound, "max_states");
        assert_eq!(report["states"], states, "{extra:?}: {report}");
        assert_eq!(report["depth"], depth, "{extra:?}: {report}");
    }
    // A state test that runs long (about a second each) is stopped too,
    // and its level abandoned: the level the timeout falls in is not
    // counted. Which level that is depends on the machine's speed: the
    // initial state's test may end before the second is up (then level 1,
    // fourteen states of a second each, is abandoned) or not.
    let report = stops_inside_a_level(
        &[
            "check",
            "tests/limits/slow_invariant.ds",
            "--format",
            "json",
            "--processes",
            "2",
            "--timeout",
            "1s",
        ],
        bound,
        "timeout",
    );
    let states = report["states"].as_u64().expect("a count");
    assert!(states <= 1, "{report}");
    assert_eq!(report["depth"], states, "{report}");
}

/// A hostfile of `lines` in a directory of its own, removed when the
/// value is dropped.
struct Hostfile {
    dir: std::path::PathBuf,
    path: String,
}

fn hostfile(name: &str, lines: &str) -> Hostfile {
    let dir = std::env::temp_dir().join(format!("dsmc-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let file = dir.join("hosts");
    std::fs::write(&file, lines).expect("written");
    let path = file.to_string_lossy().into_owned();
    Hostfile { dir, path }
}

impl Drop for Hostfile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Refused before any process starts, with exit 2: a hostfile line that
/// is not an address, `--processes` with more workers than the machine
/// runs (it used to start them all), and a hostfile whose workers do not
/// fit the 16 bits a stored state numbers its parent's worker in.
#[test]
fn bad_process_lists_are_refused() {
    let too_many: String = (0..70_000)
        .map(|i| format!("10.0.{}.{}:2101\n", i / 256 % 256, i % 256))
        .collect();
    let cases: [(&str, Option<&str>, &[&str], &str); 3] = [
        (
            "hostfile",
            Some("127.0.0.1:2101\nnot an address\n"),
            &["specs/2pc_eager_commit.ds"],
            "dsmc::distributed::hostfile",
        ),
        (
            "processes",
            None,
            &["specs/2pc.ds", "--processes", "100000"],
            "dsmc::distributed::processes",
        ),
        (
            "workers",
            Some(&too_many),
            &["specs/2pc.ds"],
            "dsmc::distributed::workers",
        ),
    ];
    for (name, lines, args, code) in cases {
        let hosts = lines.map(|lines| hostfile(name, lines));
        let mut all = vec!["check"];
        all.extend_from_slice(args);
        if let Some(hosts) = &hosts {
            all.extend_from_slice(&["--hostfile", &hosts.path, "--process", "0"]);
        }
        let output = dsmc(&all, &[]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{name}: {}",
            printed(&output)
        );
        assert!(
            printed(&output).contains(code),
            "{name}: {}",
            printed(&output)
        );
    }
}

#[test]
fn processes_given_different_constants_refuse() {
    let hosts = hostfile("different", &free_addresses(2));
    let path = hosts.path.clone();
    let children: Vec<std::process::Child> = ["N=5", "N=6"]
        .iter()
        .enumerate()
        .map(|(i, n)| {
            Command::new(env!("CARGO_BIN_EXE_dsmc"))
                .args(["check", "specs/2pc.ds", "-D", n])
                .args(["--hostfile", &path, "--process", &i.to_string()])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("the dsmc binary runs")
        })
        .collect();
    let outputs: Vec<Output> = (children.into_iter())
        .map(|c| c.wait_with_output().expect("ends"))
        .collect();
    for output in &outputs {
        assert_eq!(output.status.code(), Some(2));
        let text = printed(output);
        assert!(text.contains("dsmc::distributed::different_spec"), "{text}");
    }
}
