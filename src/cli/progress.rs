//! The live progress line of `dsmc check` on a terminal: distinct states,
//! states per second, the BFS level, the queue and the memory of the visited
//! set, then which liveness property is being checked. Drawn on stderr with
//! indicatif, and only when stderr is a terminal and `CI` is not set, so
//! logs and pipes never see it.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dsmc::explore::{Phase, Progress, ProgressHook};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether to show progress at all.
fn wanted() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// A progress line for the check of one spec; `None` when not wanted.
/// Clear it with [`ProgressBar::finish_and_clear`] before printing the
/// report.
pub fn start(spec: &str) -> Option<(ProgressHook, ProgressBar)> {
    if !wanted() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
        bar.set_style(style);
    }
    bar.set_message(format!("{spec}: compiling"));
    bar.enable_steady_tick(Duration::from_millis(120));
    let started = Instant::now();
    let spec = spec.to_string();
    let line = bar.clone();
    let hook = ProgressHook(Arc::new(move |p: &Progress| {
        line.set_message(describe(&spec, p, started.elapsed()));
    }));
    Some((hook, bar))
}

/// The line's text.
fn describe(spec: &str, p: &Progress, elapsed: Duration) -> String {
    let memory = format!("{:.1} MiB", p.memory_bytes as f64 / (1024.0 * 1024.0));
    match p.phase {
        Phase::Search => {
            let secs = elapsed.as_secs_f64();
            let rate = if secs > 0.0 {
                (p.states as f64 / secs) as u64
            } else {
                p.states
            };
            format!(
                "{spec}: {} distinct states ({}/s), level {}, queue {}, {memory}",
                dsmc::report::thousands(p.states),
                dsmc::report::thousands(rate),
                p.level,
                dsmc::report::thousands(p.queue),
            )
        }
        Phase::Liveness { nth, of, .. } => format!(
            "{spec}: {} distinct states; liveness property {nth} of {of}, {memory}",
            dsmc::report::thousands(p.states),
        ),
    }
}
