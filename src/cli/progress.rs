//! The live progress line of `dsmc check` on a terminal: distinct states,
//! states per second, the BFS level, the queue and the memory of the visited
//! set, then which liveness property is being checked. Drawn on stderr with
//! indicatif, and only when stderr is a terminal and `CI` is not set, so
//! logs and pipes never see it.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dsmc::explore::{Phase, Progress, ProgressHook};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether to show progress at all.
fn wanted() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// Checks shorter than this show no line at all: it would only flicker.
const QUIET_START: Duration = Duration::from_millis(500);

/// The progress line of one spec's check, drawn once the check has run
/// for [`QUIET_START`].
pub struct Line {
    bar: Arc<Mutex<Option<ProgressBar>>>,
}

impl Line {
    /// Removes the line, if it was drawn, before the report is printed.
    pub fn clear(&self) {
        if let Ok(bar) = self.bar.lock()
            && let Some(bar) = bar.as_ref()
        {
            bar.finish_and_clear();
        }
    }
}

/// A progress line for the check of one spec, and the hook that feeds it;
/// `None` when not wanted.
pub fn start(spec: &str) -> Option<(ProgressHook, Line)> {
    if !wanted() {
        return None;
    }
    let started = Instant::now();
    let spec = spec.to_string();
    let bar: Arc<Mutex<Option<ProgressBar>>> = Arc::default();
    let shared = Arc::clone(&bar);
    let hook = ProgressHook(Arc::new(move |p: &Progress| {
        let elapsed = started.elapsed();
        if elapsed < QUIET_START {
            return;
        }
        let Ok(mut slot) = shared.lock() else {
            return;
        };
        let bar = slot.get_or_insert_with(|| {
            // The clock starts with the check, not with the line.
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
                .with_elapsed(elapsed);
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        bar.set_message(describe(&spec, p, elapsed));
    }));
    Some((hook, Line { bar }))
}

/// The line's text.
fn describe(spec: &str, p: &Progress, elapsed: Duration) -> String {
    // The line goes to the terminal as it is: escape the name's controls.
    let spec = dsmc::text::neutralise(spec);
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
