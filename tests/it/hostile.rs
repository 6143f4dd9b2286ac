//! The binary against a hostile host: the signals a CI job's timeout or a
//! closed terminal sends, a thread count far past the cores, and a glob
//! over a tree with symbolic-link cycles. (`dsmc lsp` against hostile
//! framing is in tests/it/lsp.rs.)
//!
//! No assertion is about time: a run that should end is given a generous
//! deadline, past which it is killed and the test fails as a hang.

use crate::json_schema;

use crate::run::{root, scratch_dir};
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const SPEC: &str = "specs/2pc.ds";
/// 2PC with twelve resource managers: hundreds of millions of states, so a
/// check of it is still running when the signal comes.
const BIG: &str = "N=12";
/// Past this, a run that should have ended is taken for a hang.
const DEADLINE: Duration = Duration::from_secs(120);

fn dsmc_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dsmc"));
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// What a finished run left.
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Waits for `child` (its output read as it comes, so a full pipe cannot
/// block it), killing it and failing at [`DEADLINE`].
fn finish(mut child: Child, what: &str) -> Run {
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for dsmc") {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: dsmc still ran after {DEADLINE:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        status,
        stdout: stdout.join().expect("stdout read"),
        stderr: stderr.join().expect("stderr read"),
    }
}

/// Asserts that the run's stderr holds `text`.
fn assert_stderr_has(run: &Run, text: &str) {
    assert!(run.stderr.contains(text), "{}", run.stderr);
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let child = dsmc_command(dir, args).spawn().expect("dsmc starts");
    let run = finish(child, &format!("dsmc {}", args.join(" ")));
    // Any JSON it printed must validate against docs/schema/.
    json_schema::assert_valid_output(args, run.stdout.as_bytes());
    run
}

/// The signals process `pid` catches (`SigCgt` of /proc), as a mask of
/// bit `signal - 1`.
fn caught(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .unwrap_or(0)
}

const SIGHUP: u32 = 1;
const SIGTERM: u32 = 15;

/// Waits (bounded) until `pid` catches `signal`: its handler is installed
/// once the check has started.
fn await_handler(pid: u32, signal: u32) {
    let start = Instant::now();
    while caught(pid) & (1 << (signal - 1)) == 0 {
        assert!(
            start.elapsed() < DEADLINE,
            "dsmc never installed a handler for signal {signal}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `kill` with `args` (the shell's, present wherever `sh` is).
fn kill(args: &str) {
    let status = Command::new("sh")
        .args(["-c", &format!("kill {args}")])
        .status()
        .expect("sh runs");
    assert!(status.success(), "kill {args}");
}

/// A long check, sent `signal` once it catches it.
fn check_sent(signal: &str, number: u32) -> Run {
    // The timeout only keeps a signal that is not caught from hanging the
    // test; the report must then say "interrupted", not "time limit".
    let args = ["check", "--timeout", "100s", "-D", BIG, SPEC];
    let child = dsmc_command(root(), &args).spawn().expect("dsmc starts");
    await_handler(child.id(), number);
    // Most likely in the middle of the search by then; earlier or later,
    // the report is the same in kind.
    std::thread::sleep(Duration::from_secs(1));
    kill(&format!("-{signal} {}", child.id()));
    finish(child, &format!("dsmc check after SIG{signal}"))
}

fn has_proc() -> bool {
    let here = Path::new("/proc/self/status").exists();
    if !here {
        eprintln!("no /proc here: the test needs it to know when dsmc catches signals");
    }
    here
}

/// SIGTERM (what a CI job's timeout, `timeout(1)`, systemd and Kubernetes
/// send) stops a check as Ctrl-C does: the partial report, exit 3.
#[test]
fn sigterm_stops_a_check_with_its_partial_report() {
    if !has_proc() {
        return;
    }
    let run = check_sent("TERM", SIGTERM);
    assert_partial_report(&run);
}

/// SIGHUP (the terminal closed, an SSH session dropped) does the same.
#[test]
fn sighup_stops_a_check_with_its_partial_report() {
    if !has_proc() {
        return;
    }
    let run = check_sent("HUP", SIGHUP);
    assert_partial_report(&run);
}

fn assert_partial_report(run: &Run) {
    assert_eq!(run.status.code(), Some(3), "stderr: {}", run.stderr);
    let out = &run.stdout;
    assert!(
        out.contains("the search is incomplete: it was interrupted (Ctrl-C, SIGTERM or SIGHUP)"),
        "{out}"
    );
    assert!(out.contains("consistent    invariant  unknown"), "{out}");
    assert!(out.contains("result: INCOMPLETE (interrupted;"), "{out}");
    assert!(
        run.stderr.contains("interrupted: stopping the check"),
        "{}",
        run.stderr
    );
}

/// Two signals at once, as a second Ctrl-C: the second exits at once with
/// 130. The process is stopped while both are sent, so that both are
/// pending when it goes on; its handler takes them one after the other,
/// while the check needs at least the rest of a batch to stop, so the
/// exit is 130 — but not by a guarantee, and a machine that held the
/// handler's thread back that long sees the first signal's report
/// (exit 3), which is accepted.
#[test]
fn a_second_signal_exits_at_once() {
    if !has_proc() {
        return;
    }
    let args = ["check", "--timeout", "100s", "-D", BIG, SPEC];
    let child = dsmc_command(root(), &args).spawn().expect("dsmc starts");
    let pid = child.id();
    await_handler(pid, SIGTERM);
    std::thread::sleep(Duration::from_secs(1));
    kill(&format!(
        "-STOP {pid}; kill -TERM {pid}; kill -HUP {pid}; kill -CONT {pid}"
    ));
    let run = finish(child, "dsmc check after SIGTERM and SIGHUP");
    match run.status.code() {
        Some(130) => {
            assert_stderr_has(&run, "interrupted again: exiting now");
            assert!(!run.stdout.contains("result:"), "{}", run.stdout);
        }
        Some(3) => {
            eprintln!("note: the check stopped before the second signal was handled");
            assert_partial_report(&run);
        }
        other => panic!("exit {other:?}, stderr: {}", run.stderr),
    }
}

/// `--threads 5000` on a small spec: capped with a warning, and the check
/// ends (it took 37 s uncapped, past its `--timeout 2s`).
#[test]
fn a_huge_thread_count_is_capped_with_a_warning() {
    let run = run_in(
        root(),
        &["check", "--threads", "5000", "--timeout", "60s", SPEC],
    );
    assert_eq!(run.status.code(), Some(0), "stderr: {}", run.stderr);
    assert_stderr_has(&run, "dsmc::cli::threads_capped");
    assert_stderr_has(&run, "`--threads 5000` is more than");
    let out = &run.stdout;
    assert!(out.contains("explored 288 distinct states"), "{out}");
    assert!(!out.contains("5000 threads"), "{out}");
    // A count within the cap is taken as it is, without a warning.
    let run = run_in(root(), &["check", "--threads", "1", SPEC]);
    assert_eq!(run.status.code(), Some(0));
    assert!(run.stdout.contains(", 1 thread)"), "{}", run.stdout);
    assert!(!run.stderr.contains("threads_capped"), "{}", run.stderr);
}

fn copy_spec(to: &Path) {
    std::fs::create_dir_all(to.parent().expect("a parent")).expect("can create directories");
    std::fs::copy(root().join("specs/ping_pong.ds"), to).expect("can copy a spec");
}

/// The specs a `--format json` run checked, in order.
fn specs_of(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            value["spec"].as_str().expect("a spec name").to_string()
        })
        .collect()
}

/// A `**` pattern over a tree with link cycles (a link to the parent, a
/// link to itself) ends and names each real spec once; a link to a file
/// is a spec, a link to a directory is not descended by `**`, but is
/// followed when named or matched by `*`. (Before, `glob` followed the
/// cycle for ever, its memory growing without bound.)
#[cfg(unix)]
#[test]
fn a_glob_over_link_cycles_ends_and_finds_the_real_specs() {
    use std::os::unix::fs::symlink;
    let dir = scratch_dir("hostile", "glob_link_cycles");
    copy_spec(&dir.join("specs/a.ds"));
    copy_spec(&dir.join("specs/nested/b.ds"));
    copy_spec(&dir.join("outside/c.ds"));
    symlink("..", dir.join("specs/nested/up")).expect("a link");
    symlink(".", dir.join("specs/self")).expect("a link");
    symlink("../outside", dir.join("specs/linked_dir")).expect("a link");
    symlink("../outside/c.ds", dir.join("specs/linked.ds")).expect("a link");
    let run = run_in(&dir, &["check", "--format", "json", "specs/**/*.ds"]);
    assert_eq!(run.status.code(), Some(0), "stderr: {}", run.stderr);
    assert_eq!(
        specs_of(&run),
        ["specs/a.ds", "specs/linked.ds", "specs/nested/b.ds"]
    );
    // A linked directory named in the pattern is followed.
    let run = run_in(
        &dir,
        &["check", "--format", "json", "specs/linked_dir/*.ds"],
    );
    assert_eq!(specs_of(&run), ["specs/linked_dir/c.ds"], "{}", run.stderr);
    // `*` follows a link one level, which the pattern bounds; the cycle
    // gives the same specs under other names, each checked once.
    let run = run_in(&dir, &["check", "--format", "json", "specs/*/*.ds"]);
    assert_eq!(
        specs_of(&run),
        [
            "specs/linked_dir/c.ds",
            "specs/nested/b.ds",
            "specs/self/a.ds"
        ],
        "{}",
        run.stderr
    );
    // A directory argument does not follow links to directories either.
    let run = run_in(&dir, &["check", "--format", "json", "specs"]);
    assert_eq!(
        specs_of(&run),
        ["specs/a.ds", "specs/linked.ds", "specs/nested/b.ds"]
    );
}

/// A file that never ends, or a spec far larger than the memory allows,
/// is refused before it is read whole: `dsmc check /dev/zero` once read
/// until the system killed it.
#[test]
fn a_spec_too_large_to_read_is_refused() {
    if Path::new("/dev/zero").exists() {
        let run = run_in(root(), &["check", "/dev/zero"]);
        assert_eq!(run.status.code(), Some(2), "{}", run.stderr);
        assert_stderr_has(&run, "dsmc::cli::spec_too_large");
        assert_stderr_has(&run, "larger than 32.0 MiB");
    }
    // 5 MB of invariants under a 100 MB limit: the front end alone would
    // take about a gigabyte.
    let dir = std::env::temp_dir().join(format!("dsmc-too-large-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let mut text =
        String::from("protocol P\nnode A { var x: bool = false  action go { x = !x } }\n");
    for i in 0..80_000 {
        text.push_str(&format!(
            "invariant i{i}: A.x || !A.x || A.x == !A.x || true\n"
        ));
    }
    let spec = dir.join("large.ds");
    std::fs::write(&spec, &text).expect("the spec is written");
    let path = spec.to_str().expect("a UTF-8 path");
    let run = run_in(root(), &["check", "--max-memory", "100M", path]);
    assert_eq!(run.status.code(), Some(2), "{}", run.stderr);
    assert_stderr_has(&run, "dsmc::cli::spec_too_large");
    assert_stderr_has(&run, "under this memory limit");
    let _ = std::fs::remove_dir_all(&dir);
}
