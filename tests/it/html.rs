//! The HTML report (`dsmc check --report FILE`): a self-contained page that
//! a real browser loads without script errors, with one arrow per delivered
//! message in its diagrams. The browser part runs headless Chromium when it
//! is installed (`.ci/run` installs it, so CI always runs it).

use crate::run::scratch_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The specs of the report and the messages their counterexamples deliver:
/// 2 in eager commit's, 4 in FLP's.
const SPECS: &[&str] = &["specs/2pc_eager_commit.ds", "specs/flp.ds"];
const DELIVERIES: usize = 6;

/// Writes the report of [`SPECS`] into `dir` and returns its path.
fn write_report(dir: &Path) -> PathBuf {
    let report = dir.join("report.html");
    let mut args = vec!["check".to_string()];
    args.extend(SPECS.iter().map(|s| s.to_string()));
    args.push("--report".into());
    args.push(report.display().to_string());
    let output = Command::new(env!("CARGO_BIN_EXE_dsmc"))
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the dsmc binary runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    report
}

#[test]
fn the_report_is_one_self_contained_page() {
    let dir = scratch_dir("html", "html_self_contained");
    let html = std::fs::read_to_string(write_report(&dir)).expect("the report was written");
    assert!(html.starts_with("<!DOCTYPE html>"));
    for external in ["src=\"http", "href=\"http", "<link", "@import", "src=\"//"] {
        assert!(!html.contains(external), "the page loads `{external}`");
    }
    assert_eq!(html.matches("class=\"msg-arrow\"").count(), DELIVERIES);
    assert_eq!(
        html.matches("<svg ").count(),
        2,
        "one diagram per counterexample"
    );
    // Every step of the diagrams has its row in a table, and back.
    assert_eq!(
        html.matches("<g class=\"step\" data-step=").count(),
        html.matches("<tr class=\"step-row").count()
    );
    assert!(html.contains("RM[0] ← Commit from TM"));
    assert!(html.contains("invariant `consistent` is violated"));
}

#[test]
fn a_report_that_cannot_be_written_is_an_error() {
    let dir = scratch_dir("html", "html_cannot_write");
    let output = Command::new(env!("CARGO_BIN_EXE_dsmc"))
        .args(["check", "specs/2pc.ds", "--report"])
        .arg(dir.join("missing/dir/report.html"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the dsmc binary runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("dsmc::cli::cannot_write"));
}

/// The installed Chromium, if any.
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
}

/// Runs a command, killing it after `limit`; its stdout.
fn run_with_limit(command: &mut Command, limit: Duration) -> String {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the browser starts");
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut out);
        out
    });
    let start = Instant::now();
    loop {
        if child
            .try_wait()
            .expect("can wait for the browser")
            .is_some()
        {
            break;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the browser did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().expect("the reader thread ends")
}

#[test]
fn a_headless_browser_loads_the_report_without_errors() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the browser test: install chromium (.ci/run does)"
        );
        eprintln!("note: chromium is not installed; the browser test is skipped");
        return;
    };
    let dir = scratch_dir("html", "html_in_a_browser");
    let report = write_report(&dir);
    let url = format!("file://{}", report.display());
    let profile = dir.join("profile");
    let dom = run_with_limit(
        Command::new(browser).args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            &url,
        ]),
        Duration::from_secs(120),
    );
    // The page's script marks the body once it has run, and writes any
    // script error into #js-errors.
    assert!(
        dom.contains("data-ready=\"ok\""),
        "the script did not run to its end: {}",
        &dom[..dom.len().min(2000)]
    );
    assert!(
        dom.contains("<pre id=\"js-errors\"></pre>"),
        "script errors: {dom}"
    );
    assert_eq!(dom.matches("class=\"msg-arrow\"").count(), DELIVERIES);
    // A screenshot renders the page for real (layout and SVG).
    let png = dir.join("report.png");
    run_with_limit(
        Command::new(browser).args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.display()),
            &format!("--screenshot={}", png.display()),
            "--window-size=1200,1600",
            &url,
        ]),
        Duration::from_secs(120),
    );
    let bytes = std::fs::read(&png).expect("the browser wrote a screenshot");
    assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
}
