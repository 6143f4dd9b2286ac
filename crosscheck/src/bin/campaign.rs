//! The long differential campaign: generates specs from consecutive seeds,
//! compares every engine on each (in parallel), shrinks what they disagree
//! on and writes each shrunk spec as a `.ds` file.
//!
//! ```text
//! cargo run --release -p dsmc-crosscheck --bin campaign -- \
//!     --specs 100000 --seed S [--jobs J] [--threads-per-run T] [--out DIR]
//!     [--max-states N] [--no-oracle] [--shrink-tries N] [--per-kind N]
//!     [--print] [--max-rss-mib M]
//! ```
//!
//! A watchdog stops the campaign (exit 3) when the process holds more than
//! `--max-rss-mib` (12 GiB by default), and names the seeds being checked
//! then: one spec cannot take the machine down with the campaign's record.
//!
//! `--print` writes the generated specs to stdout, one after another, and
//! checks nothing: `campaign --specs 1 --seed S --print` shows seed S.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use dsmc_crosscheck::compare::{self, Disagreement, Engines, Limits, Report};
use dsmc_crosscheck::generate::{self, GenConfig};

/// The command line.
struct Args {
    specs: u64,
    seed: u64,
    jobs: usize,
    threads_per_run: usize,
    out: PathBuf,
    max_states: u64,
    oracle: bool,
    shrink_tries: usize,
    /// Shrink and write at most this many findings of each kind.
    per_kind: usize,
    /// Print the generated specs instead of checking them.
    print: bool,
    /// Stop the campaign when the process holds more than this (MiB).
    max_rss_mib: u64,
    /// Compare these spec files (a finding, say) instead of generated specs.
    files: Vec<PathBuf>,
}

fn usage() -> ! {
    eprintln!(
        "usage: campaign [--specs N] [--seed S] [--jobs J] [--threads-per-run T] [--out DIR] \
         [--max-states N] [--no-oracle] [--shrink-tries N] [--per-kind N] [--print] [--max-rss-mib M] \
         [--file SPEC ...]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        specs: 1000,
        seed: 0,
        jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
        threads_per_run: 3,
        out: PathBuf::from("crosscheck/findings/campaign"),
        max_states: 5_000,
        oracle: true,
        shrink_tries: 1_500,
        per_kind: 3,
        print: false,
        max_rss_mib: 12 * 1024,
        files: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        let num = |v: String| v.parse::<u64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--specs" => a.specs = num(value()),
            "--seed" => a.seed = num(value()),
            "--jobs" => a.jobs = num(value()).max(1) as usize,
            "--threads-per-run" => a.threads_per_run = num(value()).max(1) as usize,
            "--out" => a.out = PathBuf::from(value()),
            "--max-states" => a.max_states = num(value()),
            "--no-oracle" => a.oracle = false,
            "--shrink-tries" => a.shrink_tries = num(value()) as usize,
            "--per-kind" => a.per_kind = num(value()) as usize,
            "--print" => a.print = true,
            "--max-rss-mib" => a.max_rss_mib = num(value()),
            "--file" => a.files.push(PathBuf::from(value())),
            _ => usage(),
        }
    }
    a
}

/// The limits and engines of every comparison, from the arguments.
fn settings(args: &Args) -> (Limits, Engines) {
    let limits = Limits {
        max_states: args.max_states,
        ..Limits::default()
    };
    let engines = Engines {
        oracle: args.oracle,
        replay: args.oracle,
        threads: args.threads_per_run,
        ..Engines::default()
    };
    (limits, engines)
}

/// Compares each of `args.files` on every engine and the oracle, as the
/// campaign compares a generated spec; exit code 1 if any disagrees.
fn compare_files(args: &Args) -> i32 {
    let (limits, engines) = settings(args);
    let mut code = 0;
    for file in &args.files {
        let source = std::fs::read_to_string(file).unwrap_or_else(|e| {
            eprintln!("cannot read {}: {e}", file.display());
            std::process::exit(2)
        });
        let verdict = match compare::compare_source(&source, &limits, &engines) {
            Report::Rejected(codes) => format!("rejected by the front end ({})", codes.join(", ")),
            Report::TooBig => "too big".to_string(),
            Report::Compared { disagreements, .. } if disagreements.is_empty() => {
                "agree".to_string()
            }
            Report::Compared { disagreements, .. } => {
                code = 1;
                let kinds: Vec<String> = disagreements.iter().map(|d| d.kind()).collect();
                format!("disagree: {}", kinds.join("; "))
            }
        };
        println!("{}: {verdict}", file.display());
    }
    code
}

/// What a worker found for one seed.
enum Found {
    Rejected,
    TooBig,
    Agreed,
    /// Disagreements explained by a known dsmc bug.
    Known,
    Disagreed {
        seed: u64,
        kinds: Vec<String>,
        shrunk: Option<(String, Vec<Disagreement>)>,
    },
}

fn main() {
    let args = parse_args();
    if args.print {
        for i in 0..args.specs {
            let seed = args.seed.wrapping_add(i);
            println!(
                "// seed {seed}\n{}",
                generate::generate(seed, &GenConfig::default()).render()
            );
        }
        return;
    }
    // Panics are findings, reported through catch_unwind: keep them quiet.
    std::panic::set_hook(Box::new(|_| {}));
    if !args.files.is_empty() {
        std::process::exit(compare_files(&args));
    }
    std::fs::create_dir_all(&args.out).unwrap_or_else(|e| {
        eprintln!("cannot create {}: {e}", args.out.display());
        std::process::exit(2)
    });
    let (limits, engines) = settings(&args);
    let cfg = GenConfig::default();
    let next = AtomicU64::new(0);
    // How many findings of each kind are being or were shrunk.
    let claimed = std::sync::Mutex::new(BTreeMap::<String, usize>::new());
    let start = Instant::now();
    let (tx, rx) = mpsc::channel::<Found>();
    let (mut done, mut rejected, mut too_big, mut agreed) = (0u64, 0u64, 0u64, 0u64);
    let mut known = 0u64;
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    let mut disagreeing = 0u64;
    let mut written = vec![];
    // The seed each worker is on, for the watchdog.
    let in_flight: Vec<AtomicU64> = (0..args.jobs).map(|_| AtomicU64::new(u64::MAX)).collect();
    let finished = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        {
            let (in_flight, finished, args) = (&in_flight, &finished, &args);
            scope.spawn(move || watchdog(in_flight, finished, args.max_rss_mib));
        }
        for mine in &in_flight {
            let tx = tx.clone();
            let (next, claimed, limits, engines, cfg, args) =
                (&next, &claimed, &limits, &engines, &cfg, &args);
            // A big stack: deep specs must not abort the whole campaign.
            let worker = std::thread::Builder::new().stack_size(256 << 20);
            let spawned = worker.spawn_scoped(scope, move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= args.specs {
                        break;
                    }
                    let seed = args.seed.wrapping_add(i);
                    mine.store(seed, Ordering::Relaxed);
                    let spec = generate::generate(seed, cfg);
                    let found = match compare::compare_source(&spec.render(), limits, engines) {
                        Report::Rejected(_) => Found::Rejected,
                        Report::TooBig => Found::TooBig,
                        Report::Compared {
                            disagreements,
                            known,
                            ..
                        } if disagreements.is_empty() => {
                            if known.is_empty() {
                                Found::Agreed
                            } else {
                                Found::Known
                            }
                        }
                        Report::Compared { disagreements, .. } => {
                            let mut kinds: Vec<String> =
                                disagreements.iter().map(Disagreement::kind).collect();
                            kinds.sort();
                            kinds.dedup();
                            // Shrink only the first few of each kind.
                            let fresh = {
                                let mut c = claimed.lock().unwrap();
                                let fresh = kinds
                                    .iter()
                                    .any(|k| c.get(k).copied().unwrap_or(0) < args.per_kind);
                                if fresh {
                                    for k in &kinds {
                                        *c.entry(k.clone()).or_insert(0) += 1;
                                    }
                                }
                                fresh
                            };
                            let shrunk = fresh.then(|| {
                                let (small, ds) = compare::shrink_disagreement(
                                    &spec,
                                    &disagreements,
                                    limits,
                                    engines,
                                    args.shrink_tries,
                                );
                                let ds = if ds.is_empty() {
                                    disagreements.clone()
                                } else {
                                    ds
                                };
                                (small.render(), ds)
                            });
                            Found::Disagreed {
                                seed,
                                kinds,
                                shrunk,
                            }
                        }
                    };
                    mine.store(u64::MAX, Ordering::Relaxed);
                    if tx.send(found).is_err() {
                        break;
                    }
                }
            });
            if let Err(e) = spawned {
                eprintln!("cannot start a worker: {e}");
                std::process::exit(2);
            }
        }
        drop(tx);
        let mut last = Instant::now();
        for found in rx {
            done += 1;
            match found {
                Found::Rejected => rejected += 1,
                Found::TooBig => too_big += 1,
                Found::Agreed => agreed += 1,
                Found::Known => known += 1,
                Found::Disagreed {
                    seed,
                    kinds,
                    shrunk,
                } => {
                    disagreeing += 1;
                    // Every disagreeing seed, so that each can be checked
                    // again (the files are written for a few per kind).
                    println!("disagree: seed {seed} ({})", kinds.join("; "));
                    for k in &kinds {
                        *by_kind.entry(k.clone()).or_insert(0) += 1;
                    }
                    if let Some((text, ds)) = shrunk {
                        let slug: String = kinds[0]
                            .chars()
                            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                            .collect();
                        let path = args.out.join(format!("{slug}-seed{seed}.ds"));
                        let body = format!(
                            "// campaign seed {seed} (generator seed; shrunk)\n{}{text}",
                            compare::header(&ds)
                        );
                        match std::fs::write(&path, body) {
                            Ok(()) => {
                                println!("finding: {} ({})", path.display(), kinds.join("; "));
                                written.push(path);
                            }
                            Err(e) => eprintln!("cannot write {}: {e}", path.display()),
                        }
                    }
                }
            }
            if last.elapsed() >= Duration::from_secs(5) || done == args.specs {
                last = Instant::now();
                let secs = start.elapsed().as_secs_f64();
                println!(
                    "[{secs:7.1}s] {done}/{} specs ({:.0}/s): {agreed} agree, {disagreeing} disagree, {known} known bugs, \
                     {rejected} rejected by the front end, {too_big} too big",
                    args.specs,
                    done as f64 / secs.max(1e-9)
                );
            }
        }
        finished.store(true, Ordering::Relaxed);
    });
    let secs = start.elapsed().as_secs_f64();
    println!();
    println!("summary");
    println!(
        "  specs:        {done} (seeds {}..{})",
        args.seed,
        args.seed.wrapping_add(args.specs)
    );
    println!(
        "  time:         {secs:.1} s ({:.1} specs/s, {} jobs)",
        done as f64 / secs.max(1e-9),
        args.jobs
    );
    println!("  agree:        {agreed}");
    println!(
        "  rejected:     {rejected} by the front end ({:.2}%)",
        100.0 * rejected as f64 / done.max(1) as f64
    );
    println!(
        "  too big:      {too_big} (over {} states or a stopped run)",
        args.max_states
    );
    println!("  known bugs:   {known} (disagreements explained by a known dsmc bug)");
    println!("  disagree:     {disagreeing}");
    for (k, n) in &by_kind {
        println!("    {n:6}  {k}");
    }
    println!(
        "  findings written: {} in {}",
        written.len(),
        args.out.display()
    );
    if disagreeing > 0 {
        std::process::exit(1);
    }
}

/// The bytes this process holds in memory (resident), from /proc.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Stops the whole campaign, naming the seeds in flight, when the process
/// holds more than `max_mib`: a spec that outgrows the per-spec limits
/// (which count states) is a finding to look at, not a reason to lose the
/// record to the kernel's OOM killer.
fn watchdog(in_flight: &[AtomicU64], finished: &std::sync::atomic::AtomicBool, max_mib: u64) {
    while !finished.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(200));
        let Some(rss) = resident_bytes() else { return };
        if rss > max_mib << 20 {
            let seeds: Vec<String> = in_flight
                .iter()
                .map(|s| s.load(Ordering::Relaxed))
                .filter(|&s| s != u64::MAX)
                .map(|s| s.to_string())
                .collect();
            println!(
                "stopped: the campaign holds {} MiB (over --max-rss-mib {max_mib}) while checking seed(s) {}; \
                 rerun each with `campaign --specs 1 --seed S`",
                rss >> 20,
                seeds.join(", ")
            );
            std::process::exit(3);
        }
    }
}
