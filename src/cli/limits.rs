//! The limits of a check or a simulation on the command line: `--max-memory
//! SIZE` and `--timeout DURATION` (parsed here, with a diagnostic that
//! points into the argument), the default memory guard, a watchdog of the
//! process's resident memory, Ctrl-C, SIGTERM and SIGHUP, and the cap on
//! `--threads`.
//!
//! The explorer itself does no IO: it accounts for the memory of its own
//! structures and reads a [`StopSignal`]. This module reads `/proc` and
//! the cgroup files, and sets the signal.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use dsmc::diagnostic::Diagnostic;
use dsmc::explore::{MemoryLimit, StopSignal};
use dsmc::syntax::ast::Span;

use super::report::{self, SpecText};
use crate::MessageFormat;

/// The share of the available memory the default guard lets a check use.
pub const GUARD_PERCENT: u64 = 80;

/// A bad `--max-memory` or `--timeout` value: the flag, what it was given,
/// and the diagnostic (its spans are offsets into `"{flag} {value}"`).
pub struct BadValue {
    pub flag: &'static str,
    pub value: String,
    pub diagnostic: Box<Diagnostic>,
}

impl BadValue {
    /// Prints the diagnostic against the command line it came from.
    pub fn print(&self, format: MessageFormat) {
        let spec = SpecText {
            name: "command line".to_string(),
            source: format!("{} {}", self.flag, self.value).into(),
        };
        report::print_diagnostics(&spec, std::slice::from_ref(&*self.diagnostic), format);
    }
}

/// A number, possibly with a fraction, at the start of `text`: its value
/// and its length in bytes.
fn number(text: &str) -> Option<(f64, usize)> {
    let digits = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let n = &text[..digits];
    if n.is_empty() || n.starts_with('.') || n.ends_with('.') || n.matches('.').count() > 1 {
        return None;
    }
    n.parse::<f64>().ok().map(|v| (v, digits))
}

/// Reads a size: a number and a unit, `512M`, `4G`, `1.5GiB`, `800MB`.
/// `K`, `M`, `G`, `T` (and `KiB`...) are powers of 1024; `KB`, `MB`, `GB`,
/// `TB` powers of 1000; `B` is bytes.
pub fn parse_size(flag: &'static str, value: &str) -> Result<u64, BadValue> {
    let offset = flag.len() + 1;
    let bad = |span: (usize, usize), label: &str, message: String| {
        BadValue {
        flag,
        value: value.to_string(),
        diagnostic: Box::new(Diagnostic::error("dsmc::cli::bad_size", message)
            .primary(
                Span {
                    start: offset + span.0,
                    end: offset + span.1,
                },
                label.to_string(),
            )
            .help(
                "write a number and a unit: 512M, 4G, 1.5GiB (K, M, G, T and KiB, MiB, GiB, TiB \
                 are powers of 1024; KB, MB, GB, TB powers of 1000)",
            )),
    }
    };
    let text = value.trim_end();
    let lead = text.len() - text.trim_start().len();
    let text = text.trim_start();
    let Some((n, len)) = number(text) else {
        return Err(bad(
            (lead, lead + text.len()),
            "expected a size",
            format!("`{flag}` expects a size such as 512M, found `{value}`"),
        ));
    };
    let unit_text = text[len..].trim_start();
    let unit_at = lead + text.len() - unit_text.len();
    let unit = match unit_text.to_ascii_lowercase().as_str() {
        "b" => 1u64,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "" => {
            return Err(bad(
                (lead, lead + len),
                "no unit",
                format!("`{flag}` needs a unit: `{value}` of what?"),
            ));
        }
        _ => {
            return Err(bad(
                (unit_at, unit_at + unit_text.len()),
                "unknown unit",
                format!("`{flag}`: unknown unit `{unit_text}`"),
            ));
        }
    };
    let bytes = n * unit as f64;
    if bytes < 1.0 || bytes >= u64::MAX as f64 {
        return Err(bad(
            (lead, lead + text.len()),
            if bytes < 1.0 {
                "too small"
            } else {
                "too large"
            },
            format!("`{flag}` must be at least one byte and fit in 64 bits, found `{value}`"),
        ));
    }
    Ok(bytes as u64)
}

/// Reads a duration: numbers with units, `30s`, `5m`, `1h`, `500ms`,
/// `1m30s`, `1.5h`. Units: `ms`, `s` (`sec`), `m` (`min`), `h` (`hr`), `d`.
pub fn parse_duration(flag: &'static str, value: &str) -> Result<Duration, BadValue> {
    let offset = flag.len() + 1;
    let bad = |span: (usize, usize), label: &str, message: String| BadValue {
        flag,
        value: value.to_string(),
        diagnostic: Box::new(
            Diagnostic::error("dsmc::cli::bad_duration", message)
                .primary(
                    Span {
                        start: offset + span.0,
                        end: offset + span.1,
                    },
                    label.to_string(),
                )
                .help("write numbers with units: 30s, 5m, 1h, 500ms, 1m30s (ms, s, m, h, d)"),
        ),
    };
    let mut total = 0f64;
    let mut at = 0;
    let mut groups = 0;
    while at < value.len() {
        let rest = &value[at..];
        let skipped = rest.len() - rest.trim_start().len();
        at += skipped;
        if at == value.len() {
            break;
        }
        let Some((n, len)) = number(&value[at..]) else {
            let end = value[at..]
                .find(char::is_whitespace)
                .map_or(value.len(), |e| at + e);
            return Err(bad(
                (at, end),
                "expected a number",
                format!("`{flag}` expects a duration such as 30s, found `{value}`"),
            ));
        };
        let unit_start = at + len;
        let unit_len = value[unit_start..]
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(value.len() - unit_start);
        let unit_text = &value[unit_start..unit_start + unit_len];
        let seconds = match unit_text.to_ascii_lowercase().as_str() {
            "ms" => 0.001,
            "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hr" | "hrs" => 3600.0,
            "d" => 86_400.0,
            "" => {
                return Err(bad(
                    (at, unit_start),
                    "no unit",
                    format!("`{flag}` needs a unit: `{value}` of what?"),
                ));
            }
            _ => {
                return Err(bad(
                    (unit_start, unit_start + unit_len),
                    "unknown unit",
                    format!("`{flag}`: unknown unit `{unit_text}`"),
                ));
            }
        };
        total += n * seconds;
        groups += 1;
        at = unit_start + unit_len;
    }
    let whole = (0, value.len().max(1));
    if groups == 0 {
        return Err(bad(
            whole,
            "expected a duration",
            format!("`{flag}` expects a duration such as 30s, found `{value}`"),
        ));
    }
    // Durations past a century are not limits.
    if !(0.001..=3.2e9).contains(&total) {
        return Err(bad(
            whole,
            if total < 0.001 {
                "too short"
            } else {
                "too long"
            },
            format!("`{flag}` must be between 1ms and a century, found `{value}`"),
        ));
    }
    Ok(Duration::from_secs_f64(total))
}

/// A line of `/proc/self/status` or `/proc/meminfo` in kB, as bytes.
fn kb_field(text: &str, field: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|n| n.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

/// The process's anonymous resident memory (its heap and stacks, not the
/// program's mapped file), in bytes; `None` where `/proc` is not there.
pub fn resident_anon() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    kb_field(&status, "RssAnon").or_else(|| kb_field(&status, "VmRSS"))
}

/// The most resident memory the process has had (`VmHWM`), in bytes.
pub fn peak_resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    kb_field(&status, "VmHWM")
}

/// The memory this process may still use: `MemAvailable` of the machine,
/// or the memory limit of its cgroup or of any cgroup above it (v2
/// `memory.max`, v1 `memory.limit_in_bytes`) when smaller. `None` where
/// none of them can be read.
pub fn available_memory() -> Option<u64> {
    let read = |path: &std::path::Path| std::fs::read_to_string(path).ok();
    let own = read(std::path::Path::new("/proc/self/cgroup")).unwrap_or_default();
    let limits: Vec<String> = cgroup_limit_files(&own)
        .iter()
        .filter_map(|f| read(f))
        .collect();
    let limits: Vec<&str> = limits.iter().map(String::as_str).collect();
    available_from(
        read(std::path::Path::new("/proc/meminfo")).as_deref(),
        &limits,
    )
}

/// The memory-limit files that bind this process, from the text of
/// `/proc/self/cgroup`: its own cgroup's and every ancestor's, up to the
/// hierarchy's root (`0::/path` for v2, `N:memory:/path` for v1).
fn cgroup_limit_files(self_cgroup: &str) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for line in self_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (root, file) = if controllers.is_empty() {
            (std::path::PathBuf::from("/sys/fs/cgroup"), "memory.max")
        } else if controllers.split(',').any(|c| c == "memory") {
            (
                std::path::Path::new("/sys/fs/cgroup").join(controllers),
                "memory.limit_in_bytes",
            )
        } else {
            continue;
        };
        let mut dir = root.join(path.trim_start_matches('/'));
        loop {
            files.push(dir.join(file));
            if dir == root || !dir.pop() {
                break;
            }
        }
    }
    files
}

/// [`available_memory`] from the files' text: `/proc/meminfo` and the
/// cgroup limits that apply.
fn available_from(meminfo: Option<&str>, cgroup_limits: &[&str]) -> Option<u64> {
    let machine = meminfo.and_then(|m| kb_field(m, "MemAvailable"));
    // v2 writes "max" (which does not parse) for no limit; v1 a huge number.
    let cgroup = cgroup_limits
        .iter()
        .filter_map(|t| t.trim().parse::<u64>().ok())
        .filter(|&b| b < 1 << 60)
        .min();
    match (machine, cgroup) {
        (Some(m), Some(c)) => Some(m.min(c)),
        (m, c) => m.or(c),
    }
}

/// The memory limit of a run: `--max-memory`, or else the default guard
/// (`GUARD_PERCENT` of the available memory). What the process holds
/// already, rounded up to a MiB, is reserved: the search gets the rest.
pub fn memory_limit(max_memory: Option<u64>) -> Option<MemoryLimit> {
    let reserved = resident_anon().unwrap_or(0).div_ceil(1 << 20) << 20;
    match max_memory {
        Some(bytes) => Some(MemoryLimit {
            bytes,
            reserved,
            guard: false,
        }),
        None => available_memory().map(|available| MemoryLimit {
            bytes: available / 100 * GUARD_PERCENT,
            reserved,
            guard: true,
        }),
    }
}

/// Watches the process's resident memory while it lives: when it reaches
/// the limit, asks the search to stop. A backstop for what the explorer's
/// own accounting does not see (the allocator's slack, the model).
pub struct Watchdog {
    done: std::sync::Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watchdog {
    /// Starts watching, every 20 ms.
    pub fn start(limit: MemoryLimit, signal: StopSignal) -> Watchdog {
        let done = std::sync::Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let thread = std::thread::Builder::new()
            .name("dsmc-memory".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    if resident_anon().is_some_and(|r| r >= limit.bytes) {
                        signal.memory_full();
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
            .ok();
        Watchdog { done, thread }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How many worker threads per core `--threads` may ask for. More threads
/// than cores only add waiting: each parallel step of the search wakes
/// every worker, so 5,000 threads on two cores turned a 288-state check
/// into half a minute, and a timeout was only seen between such steps.
/// Four per core still lets a user try oversubscription.
pub const THREADS_PER_CORE: usize = 4;

/// The most worker threads a check runs: [`THREADS_PER_CORE`] per core
/// (`available_parallelism`, which counts the cores this process may run
/// on; one when it cannot be known).
pub fn max_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get) * THREADS_PER_CORE
}

/// The worker threads of a check: `--threads N` (0 means the default, one
/// per core), capped at [`max_threads`]. A capped value is said in a
/// warning on stderr (`dsmc::cli::threads_capped`).
pub fn worker_threads(requested: Option<usize>, format: MessageFormat) -> Option<usize> {
    let requested = requested.filter(|&n| n > 0)?;
    let cap = max_threads();
    if requested <= cap {
        return Some(requested);
    }
    let flag = "--threads";
    let value = requested.to_string();
    let diagnostic = Diagnostic::warning(
        "dsmc::cli::threads_capped",
        format!("`{flag} {requested}` is more than {cap} threads: using {cap}"),
    )
    .primary(
        Span {
            start: flag.len() + 1,
            end: flag.len() + 1 + value.len(),
        },
        format!("at most {THREADS_PER_CORE} per core"),
    )
    .help("results do not depend on the thread count; more threads than cores only add waiting");
    let spec = SpecText {
        name: "command line".to_string(),
        source: format!("{flag} {value}").into(),
    };
    report::print_diagnostics(&spec, std::slice::from_ref(&diagnostic), format);
    Some(cap)
}

/// The exit code of a second interruption, which ends the process at once
/// (the shell's convention for SIGINT: 128 + 2; the handler is not told
/// which signal came, so SIGTERM and SIGHUP exit with it too).
const EXIT_INTERRUPTED: i32 = 130;

/// The process's stop signal, with the interruption handler installed on
/// first use: the first Ctrl-C (SIGINT), SIGTERM or SIGHUP asks the running
/// check to stop (it then reports what it established, exit 3); a second
/// one, of any of the three, exits at once.
///
/// SIGTERM and SIGHUP are caught (ctrlc's `termination` feature) because a
/// CI job's timeout, a batch scheduler and a closed terminal send them:
/// the partial report is what such a run has to show. Before the first
/// call, and in the commands that never call it (`fmt`, `lsp`), the three
/// signals keep their default effect; `explore` sets its own handler
/// ([`on_interrupt`]).
pub fn stop_signal() -> StopSignal {
    static SIGNAL: OnceLock<StopSignal> = OnceLock::new();
    SIGNAL
        .get_or_init(|| {
            let signal = StopSignal::new();
            let handler = signal.clone();
            // Fails only when a handler is set already; the signals then
            // keep their default effect.
            let _ = ctrlc::set_handler(move || {
                if handler.interrupted() {
                    report::eprint_line("interrupted again: exiting now");
                    std::process::exit(EXIT_INTERRUPTED);
                }
                handler.interrupt();
                report::eprint_line(
                    "interrupted: stopping the check (a second Ctrl-C, SIGTERM or \
                     SIGHUP exits at once)",
                );
            });
            signal
        })
        .clone()
}

/// For a command that runs until it is stopped (`dsmc explore`): `stop` is
/// called on the first Ctrl-C, SIGTERM or SIGHUP, and a second one exits at
/// once (130, as [`stop_signal`]'s). The handler can be set once per
/// process, so a command calls either this or [`stop_signal`]; when it
/// cannot be set, the signals keep their default effect.
pub fn on_interrupt(stop: impl Fn() + Send + 'static) {
    let interrupted = AtomicBool::new(false);
    let _ = ctrlc::set_handler(move || {
        if interrupted.swap(true, Ordering::SeqCst) {
            report::eprint_line("interrupted again: exiting now");
            std::process::exit(EXIT_INTERRUPTED);
        }
        stop();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        let ok = |v: &str| parse_size("--max-memory", v).ok();
        assert_eq!(ok("512M"), Some(512 << 20));
        assert_eq!(ok("4G"), Some(4 << 30));
        assert_eq!(ok("1.5GiB"), Some(3 << 29));
        assert_eq!(ok("20mb"), Some(20_000_000));
        assert_eq!(ok(" 64 KiB "), Some(64 << 10));
        assert_eq!(ok("100B"), Some(100));
        for bad in ["", "M", "512", "5X", "1.2.3G", ".5G", "0M", "-1G", "1e9"] {
            assert!(ok(bad).is_none(), "{bad} is refused");
        }
    }

    #[test]
    fn durations() {
        let ok = |v: &str| parse_duration("--timeout", v).ok();
        assert_eq!(ok("30s"), Some(Duration::from_secs(30)));
        assert_eq!(ok("5m"), Some(Duration::from_secs(300)));
        assert_eq!(ok("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(ok("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(ok("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(ok("1h 30m"), Some(Duration::from_secs(5400)));
        assert_eq!(ok("1.5s"), Some(Duration::from_millis(1500)));
        for bad in ["", "30", "s", "5 minutes", "0s", "1x", "-1s", "1e3s"] {
            assert!(ok(bad).is_none(), "{bad} is refused");
        }
    }

    #[test]
    fn the_guard_takes_the_smaller_of_the_machine_and_the_cgroup() {
        let meminfo = "MemTotal:       24731000 kB\nMemAvailable:   20000000 kB\n";
        let machine = 20_000_000 * 1024;
        assert_eq!(available_from(Some(meminfo), &[]), Some(machine));
        assert_eq!(available_from(Some(meminfo), &["max\n"]), Some(machine));
        assert_eq!(
            available_from(Some(meminfo), &["max\n", "1073741824\n"]),
            Some(1 << 30)
        );
        assert_eq!(
            available_from(Some(meminfo), &["9223372036854771712\n"]),
            Some(machine)
        );
        assert_eq!(
            available_from(None, &["2147483648", "1073741824"]),
            Some(1 << 30)
        );
        assert_eq!(available_from(None, &[]), None);
    }

    #[test]
    fn the_cgroup_limits_are_the_own_and_every_ancestors() {
        let files = |text: &str| -> Vec<String> {
            cgroup_limit_files(text)
                .iter()
                .map(|p| p.display().to_string())
                .collect()
        };
        assert_eq!(
            files("0::/user.slice/run.scope\n"),
            [
                "/sys/fs/cgroup/user.slice/run.scope/memory.max",
                "/sys/fs/cgroup/user.slice/memory.max",
                "/sys/fs/cgroup/memory.max",
            ]
        );
        assert_eq!(
            files("5:cpu,cpuacct:/a\n4:memory:/process_api/x\n0::/\n"),
            [
                "/sys/fs/cgroup/memory/process_api/x/memory.limit_in_bytes",
                "/sys/fs/cgroup/memory/process_api/memory.limit_in_bytes",
                "/sys/fs/cgroup/memory/memory.limit_in_bytes",
                "/sys/fs/cgroup/memory.max",
            ]
        );
        assert!(files("").is_empty());
    }

    #[test]
    fn the_unit_is_pointed_at() {
        let e = parse_size("--max-memory", "5X").expect_err("refused");
        let span = e.diagnostic.primary_span().expect("a label");
        assert_eq!(&"--max-memory 5X"[span.start..span.end], "X");
        let e = parse_duration("--timeout", "1m30q").expect_err("refused");
        let span = e.diagnostic.primary_span().expect("a label");
        assert_eq!(&"--timeout 1m30q"[span.start..span.end], "q");
    }
}
