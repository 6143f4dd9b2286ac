//! The `dsmc` command. It reads spec files, hands their text to the library,
//! renders what the library found and picks the exit code. This is the only
//! place in dsmc that prints, reads files or ends the process.

mod cli;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

use dsmc::front::Override;

/// The exit codes, shown at the end of `--help`. Keep in step with
/// [`dsmc::check::Status::exit_code`] and README.md.
const EXIT_CODES: &str = "\
Exit codes:
  0  everything as expected
  1  a property is not as expected, a warning is denied by `--deny warnings`,
     the state space differs from `dsmc.lock`; `fmt --check` found
     unformatted files
  2  the spec has errors, a file cannot be read, or the command line is wrong
  3  no verdict: the check stopped before it could decide (`--max-states`,
     `--max-memory` or the default memory guard, `--timeout`, Ctrl-C,
     SIGTERM, SIGHUP); a simulation cut short by `--timeout` or a signal
130 a second Ctrl-C, SIGTERM or SIGHUP: dsmc exited at once, without a
     report
Over several specs the weightiest counts: 2, then 1, then 3.";

/// dsmc: a model checker for distributed protocols.
#[derive(Debug, Parser)]
#[command(name = "dsmc", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check specs: report their errors and warnings, then explore them.
    #[command(after_help = EXIT_CODES)]
    Check(Box<CheckArgs>),
    /// Walk a spec's state space step by step in a browser: a page per
    /// state, served on 127.0.0.1 until stopped.
    Explore(ExploreArgs),
    /// Random walks through a spec too large to explore, checking its
    /// safety properties along the way (finds violations; proves nothing).
    Simulate(SimulateArgs),
    /// Rewrite specs in the canonical layout.
    #[command(after_help = EXIT_CODES)]
    Fmt(FmtArgs),
    /// Print a completion script for a shell, e.g.
    /// `dsmc completions bash > ~/.local/share/bash-completion/completions/dsmc`.
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Run the language server (LSP on stdin and stdout), for editors.
    ///
    /// Diagnostics as you type, hover, go to definition, references,
    /// rename, completion and document symbols for `.ds` files;
    /// docs/editor.md shows how to set up
    /// an editor. Exits with 0 after the client's `shutdown` and `exit`, 1
    /// otherwise.
    Lsp,
}

/// The arguments of `dsmc check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The specs to check: files, directories (every `.ds` file below,
    /// sorted) and glob patterns (`'specs/**/*.ds'`, expanded by dsmc). Each
    /// spec is checked once.
    #[arg(required = true, value_name = "SPEC")]
    pub files: Vec<PathBuf>,
    /// Give a constant another value, e.g. `-D N=5` (repeatable; applies to every spec).
    #[arg(short = 'D', value_name = "NAME=VALUE", value_parser = parse_override)]
    pub defines: Vec<Override>,
    /// How to print errors and warnings with `--format human` (the other
    /// formats carry them in their own way).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// How to print the results: a report for people, one JSON object per
    /// spec, JUnit XML or SARIF 2.1.0 (docs/output.md).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Make warnings failures: a front-end warning stops the spec as an
    /// error does (exit 2); a coverage warning fails the check (exit 1).
    #[arg(long, value_enum, value_name = "WHAT")]
    pub deny: Vec<Deny>,
    /// Compare each spec's state space (states, transitions, depth,
    /// verdicts) with a lockfile and fail on a difference (default path:
    /// `dsmc.lock`; give another with `--lock=PATH`).
    #[arg(
        long,
        value_name = "PATH",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "dsmc.lock"
    )]
    pub lock: Option<PathBuf>,
    /// Write what this run found into the lockfile (created if missing;
    /// entries of specs not checked are kept) instead of failing on a
    /// difference. Implies `--lock`.
    #[arg(long)]
    pub update_lock: bool,
    /// Worker threads (default, and 0: one per core; at most four per core,
    /// more is capped with a warning). Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Stop after this many distinct states (checked between batches of
    /// 8,192 frontier states, so the count may pass N by one batch); the
    /// report then says "incomplete" (exit 3).
    #[arg(long, value_name = "N")]
    pub max_states: Option<u64>,
    /// Stop before the search's memory crosses SIZE (`512M`, `4G`,
    /// `1.5GiB`); the report then says "incomplete" (exit 3). Without it,
    /// a check stops at 80% of the memory available, rather than be killed.
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
    /// Stop each spec's check after DURATION (`30s`, `5m`, `1h`, `500ms`,
    /// `1m30s`); the report then says "incomplete" (exit 3). Ctrl-C,
    /// SIGTERM and SIGHUP also stop a check with its partial report; a
    /// second one exits at once.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Explore every state even where the spec declares `symmetric` node
    /// kinds (by default, states that differ only by a permutation of a
    /// symmetric kind's instances count once).
    #[arg(long)]
    pub no_symmetry: bool,
    /// How the human report draws counterexamples: a sequence chart (the
    /// default for traces with messages) or the numbered listing.
    #[arg(long, value_enum, value_name = "STYLE", default_value_t = TraceArg::Auto)]
    pub trace: TraceArg,
    /// Draw charts with ASCII characters only (the default when the
    /// terminal's locale is not UTF-8, or TERM is `dumb`).
    #[arg(long)]
    pub ascii: bool,
    /// Also write the results as one self-contained HTML page (summary,
    /// verdicts, each counterexample as a sequence diagram and a table).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Check only this property (repeatable); the others are reported as
    /// unchecked. Without it, every property is checked.
    #[arg(long = "property", value_name = "NAME")]
    pub properties: Vec<String>,
    /// Which checker explores the spec: dsmc's own; dsmc's without its step
    /// cache and packed networks (for comparison); or Stateright's BFS
    /// checker as a reference (invariants and reachability only).
    #[arg(long, value_enum, default_value_t = Engine::Dsmc)]
    pub engine: Engine,
    /// Write checkpoints of the search into DIR (created if missing), every
    /// `--checkpoint-every` and when a limit or a signal stops the check,
    /// so that `--resume DIR` can go on from there. One spec per run.
    #[arg(long, value_name = "DIR")]
    pub checkpoint: Option<PathBuf>,
    /// The least time between two checkpoints (default 10m). A checkpoint
    /// is taken between two batches of the search, so a short time means
    /// one at every batch.
    #[arg(long, value_name = "DURATION")]
    pub checkpoint_every: Option<String>,
    /// Go on from the checkpoint in DIR, with the same spec, constants and
    /// options; the check ends as the uninterrupted one would. Checkpoints
    /// go on being written into DIR, unless `--checkpoint` names another.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Explore across N processes on this machine, joined over loopback,
    /// each owning a share of the states (docs/distributed.md). `--threads`
    /// then sets the threads of each process (default 1). Results are
    /// those of one process.
    #[arg(long, value_name = "N")]
    pub processes: Option<usize>,
    /// Explore across machines: FILE lists every process's `host:port`, one
    /// a line, in process order (timely dataflow's hostfile); run
    /// `dsmc check SPEC --hostfile FILE --process I` on each machine, with
    /// the same spec and options. Process 0 prints the report.
    #[arg(long, value_name = "FILE", conflicts_with = "processes")]
    pub hostfile: Option<PathBuf>,
    /// This process's line in `--hostfile` (from 0).
    #[arg(long, value_name = "I")]
    pub process: Option<usize>,
    /// Set by `--processes` for the processes it starts: every process's
    /// address, comma-separated.
    #[arg(long, hide = true, value_name = "LIST")]
    pub cluster_addresses: Option<String>,
}

impl CheckArgs {
    /// The lockfile to compare with, if any.
    pub fn lock_path(&self) -> Option<PathBuf> {
        match (&self.lock, self.update_lock) {
            (Some(path), _) => Some(path.clone()),
            (None, true) => Some(PathBuf::from("dsmc.lock")),
            (None, false) => None,
        }
    }

    /// Combinations clap cannot refuse by itself.
    fn conflict(&self) -> Option<&'static str> {
        let stateright = self.engine == Engine::Stateright;
        if stateright && self.format != ReportFormat::Human {
            return Some("`--engine stateright` prints the human report only; drop `--format`");
        }
        if stateright && self.report.is_some() {
            return Some("`--engine stateright` cannot write `--report`");
        }
        if stateright && (self.checkpoint.is_some() || self.resume.is_some()) {
            return Some("`--engine stateright` cannot write or resume checkpoints");
        }
        let distributed = self.processes.is_some() || self.hostfile.is_some();
        if stateright && distributed {
            return Some(
                "`--engine stateright` runs in one process; drop `--processes`/`--hostfile`",
            );
        }
        if self.process.is_some() && self.hostfile.is_none() && self.cluster_addresses.is_none() {
            return Some("`--process I` needs `--hostfile FILE`");
        }
        if self.hostfile.is_some() && self.process.is_none() {
            return Some("`--hostfile FILE` needs `--process I`: this process's line in FILE");
        }
        if self.checkpoint_every.is_some() && self.checkpoint.is_none() && self.resume.is_none() {
            return Some("`--checkpoint-every` needs `--checkpoint DIR` (or `--resume DIR`)");
        }
        if stateright && self.lock_path().is_some() {
            return Some("`--engine stateright` cannot be used with `--lock` or `--update-lock`");
        }
        None
    }
}

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Counts, a line per property and each counterexample, on stdout.
    Human,
    /// One JSON object per spec and line on stdout (docs/output.md).
    Json,
    /// JUnit XML on stdout: a test suite per spec, a test case per property.
    Junit,
    /// SARIF 2.1.0 on stdout: a result per failure and per diagnostic.
    Sarif,
}

/// How counterexamples are drawn in the human report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TraceArg {
    /// A chart for traces that involve messages, else the listing.
    Auto,
    /// A message sequence chart: a lane per node, time going down.
    Msc,
    /// The numbered listing of steps with what each changed.
    Text,
}

/// What `--deny` turns into failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    /// Every warning: the front end's and coverage's.
    Warnings,
}

/// The exploration engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// dsmc's parallel explorer.
    Dsmc,
    /// dsmc's explorer with every step interpreted: no step cache, no packed
    /// `set` network (slower; for comparison).
    Interpreter,
    /// Stateright's checker on the same compiled model.
    Stateright,
}

/// The arguments of `dsmc explore`.
#[derive(Debug, clap::Args)]
pub struct ExploreArgs {
    /// The spec to explore.
    #[arg(value_name = "SPEC")]
    pub file: PathBuf,
    /// Give a constant another value, e.g. `-D N=5` (repeatable).
    #[arg(short = 'D', value_name = "NAME=VALUE", value_parser = parse_override)]
    pub defines: Vec<Override>,
    /// The port on 127.0.0.1 to serve the pages on (0: any free port; the
    /// address is printed).
    #[arg(long, value_name = "PORT", default_value_t = 3000)]
    pub port: u16,
}

/// The arguments of `dsmc simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// The spec to simulate.
    #[arg(value_name = "SPEC")]
    pub file: PathBuf,
    /// Give a constant another value, e.g. `-D N=5` (repeatable).
    #[arg(short = 'D', value_name = "NAME=VALUE", value_parser = parse_override)]
    pub defines: Vec<Override>,
    /// How many random walks.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub runs: u64,
    /// The most steps in one walk.
    #[arg(long, value_name = "D", default_value_t = 100)]
    pub depth: u32,
    /// The seed: the same seed gives the same walks.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// Stop walking after DURATION (`30s`, `5m`, `1h`, `500ms`) and report
    /// the walks done (exit 3 unless something was found). Ctrl-C, SIGTERM
    /// and SIGHUP do the same; a second one exits at once.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
}

/// The arguments of `dsmc fmt`.
#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// The spec files to format in place.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Change no file: print the diff formatting would apply and exit with 1
    /// if any file is not formatted.
    #[arg(long)]
    pub check: bool,
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// Reports with the source marked, on stderr, for people.
    Human,
    /// One JSON object per diagnostic and line, on stdout, for editors and CI.
    Json,
}

/// Reads `NAME=VALUE`; an error here is a usage error (exit 2) before any
/// file is read.
fn parse_override(text: &str) -> Result<Override, String> {
    match Override::parse(text) {
        Some(o) if !o.name.is_empty() && !o.value.is_empty() => Ok(o),
        Some(_) => Err(format!(
            "expected NAME=VALUE with both parts, found `{text}`"
        )),
        None => Err(format!(
            "expected NAME=VALUE, found `{text}` (there is no `=`)"
        )),
    }
}

/// The stack the commands run on. The front end recurses over the syntax
/// tree, so a long chain of operators in a spec needs a deep stack; like
/// rustc, dsmc runs on a thread with room to spare rather than on the main
/// thread's few MiB. Only the pages used are ever allocated.
const STACK_BYTES: usize = 256 * 1024 * 1024;

/// The exit code of a process that panicked, as Rust's own.
const EXIT_PANIC: u8 = 101;

fn main() -> ExitCode {
    // Clap prints its own usage errors and exits with 2, as documented.
    let args = Cli::parse();
    if let Command::Check(check) = &args.command
        && let Some(conflict) = check.conflict()
    {
        Cli::command()
            .error(clap::error::ErrorKind::ArgumentConflict, conflict)
            .exit();
    }
    cli::report::install_miette_hook();
    // The language server speaks on stdout itself, and handles its errors.
    let lsp = matches!(args.command, Command::Lsp);
    let run = move || match args.command {
        Command::Check(check) => cli::check::run(*check).exit_code(),
        Command::Fmt(fmt) => cli::fmt::run(&fmt).exit_code(),
        Command::Explore(explore) => cli::explore::run(&explore).exit_code(),
        Command::Simulate(simulate) => cli::simulate::run(&simulate).exit_code(),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "dsmc", &mut out);
            // A script for the shell, as clap wrote it.
            cli::report::print_verbatim(String::from_utf8_lossy(&out).trim_end());
            dsmc::check::Status::Ok.exit_code()
        }
        // The protocol fixes its exit codes.
        Command::Lsp => cli::lsp::run(),
    };
    let outcome = std::thread::Builder::new()
        .name("dsmc".into())
        .stack_size(STACK_BYTES)
        .spawn(run)
        .map(|thread| thread.join());
    match outcome {
        Ok(Ok(code)) => match cli::report::stdout_failure() {
            Some(why) if !lsp => {
                cli::report::eprint_line(&format!(
                    "error[dsmc::io::stdout]: the output could not be written to stdout ({why}); \
                     what was printed there is incomplete"
                ));
                ExitCode::from(dsmc::check::Status::SpecErrors.exit_code())
            }
            _ if !lsp && cli::report::stderr_failed() => {
                ExitCode::from(dsmc::check::Status::SpecErrors.exit_code())
            }
            _ => ExitCode::from(code),
        },
        // The panic message is already on stderr.
        Ok(Err(_)) => ExitCode::from(EXIT_PANIC),
        Err(e) => {
            cli::report::eprint_line(&format!("error: cannot start a thread: {e}"));
            ExitCode::from(EXIT_PANIC)
        }
    }
}
