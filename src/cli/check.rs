//! `dsmc check`: checks each spec and reports its verdicts.
//!
//! The human report and JSON Lines are printed spec by spec, as each check
//! ends; JUnit and SARIF describe the whole run and are printed at the end.
//! With several specs the human report ends with a summary table; with
//! `--lock` every complete exploration is compared with `dsmc.lock`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dsmc::check::{CheckOptions, Checked, Status, Warnings};
use dsmc::diagnostic::Diagnostic;
use dsmc::explore::Options;
use dsmc::report::json::{LockReport, SpecReport};
use dsmc::text::neutralise;

use super::inputs::{self, Input};
use super::lock::{Comparison, Lock};
use super::report::{self, SpecText};
use super::run::SpecRun;
use crate::{CheckArgs, Deny, Engine, MessageFormat, ReportFormat, TraceArg};

/// Checks every spec in turn (one bad spec does not hide the others) and
/// returns the weightiest outcome.
pub fn run(mut args: CheckArgs) -> Status {
    // The JUnit, SARIF and JSON documents own stdout: the warning goes to
    // stderr for people, as the specs' diagnostics do with them.
    let warning_format = if args.format == ReportFormat::Human {
        args.message_format
    } else {
        MessageFormat::Human
    };
    args.threads = super::limits::worker_threads(args.threads, warning_format);
    let args = &args;
    let inputs = inputs::expand(&args.files);
    if args.engine == Engine::Stateright {
        return run_stateright(inputs, args);
    }
    let refused =
        refuse_outputs(args, &inputs).or_else(|| super::checkpoint::refuse(args, &inputs));
    if let Some((name, diagnostic)) = refused {
        print_problem(
            &name.display().to_string(),
            &diagnostic,
            args.message_format,
        );
        return Status::SpecErrors;
    }
    let distributed = match super::distributed::setup(args) {
        Ok(distributed) => distributed,
        Err(diagnostic) => {
            print_problem("command line", &diagnostic, args.message_format);
            return Status::SpecErrors;
        }
    };
    if let Some(distributed) = &distributed {
        if inputs.len() != 1 {
            let diagnostic = Diagnostic::error(
                "dsmc::distributed::one_spec",
                format!(
                    "a distributed check takes one spec, and {} were given",
                    inputs.len()
                ),
            )
            .help("run `dsmc check SPEC --processes N` once for each spec");
            print_problem("command line", &diagnostic, args.message_format);
            return Status::SpecErrors;
        }
        if !distributed.reports() {
            return check_as_worker(inputs, args, distributed);
        }
    }
    let mut lock = match args.lock_path() {
        None => None,
        Some(path) => match Lock::load(&path) {
            Ok(lock) => Some(lock),
            Err(e) => {
                report::print_diagnostics(&e.file, &[e.diagnostic], args.message_format);
                return Status::SpecErrors;
            }
        },
    };
    let (limits, _watchdog) = match Limits::start(args) {
        Ok(started) => started,
        Err(outcome) => return outcome,
    };
    let mut runs = Vec::new();
    let total = inputs.len();
    for (i, input) in inputs.into_iter().enumerate() {
        let run = check_input(input, args, &limits, lock.as_mut(), distributed.as_ref());
        emit(&run, args, i > 0);
        runs.push(run);
        if limits.signal.interrupted() {
            say_not_checked(total - i - 1);
            break;
        }
    }
    finish(&runs, args, lock.as_mut())
}

/// A process of a distributed check other than process 0: it checks its
/// share of the states and prints no report, only what went wrong (on
/// stderr): exit 0 when the check ended, 3 when a process was lost, 2 for
/// errors.
fn check_as_worker(
    inputs: Vec<Input>,
    args: &CheckArgs,
    distributed: &super::distributed::Distributed,
) -> Status {
    let (limits, _watchdog) = match Limits::start(args) {
        Ok(started) => started,
        Err(outcome) => return outcome,
    };
    let Some(input) = inputs.into_iter().next() else {
        return Status::SpecErrors;
    };
    let run = check_input(input, args, &limits, None, Some(distributed));
    match &run.checked {
        Checked::Errors(diagnostics) => {
            report::print_diagnostics(&run.spec, diagnostics, MessageFormat::Human);
            Status::SpecErrors
        }
        Checked::Explored { .. } => {
            let status = distributed.worker_status(Status::NoVerdict);
            distributed.linger_until_released();
            status
        }
    }
}

/// Why the files this run would write cannot be written, found before any
/// spec is checked: a `--report` path that names an input spec or the
/// lockfile (the inputs compared by canonical path, whatever glob or
/// spelling named them), or an output path that is a dangling symbolic link.
/// The path refused, and why.
fn refuse_outputs(args: &CheckArgs, inputs: &[Input]) -> Option<(PathBuf, Diagnostic)> {
    use super::atomic;
    if args.update_lock
        && let Some(lock) = args.lock_path()
        && let Err(e) = atomic::target(&lock)
    {
        let diagnostic = e.to_diagnostic("dsmc::lock::cannot_write", "the lockfile", &lock);
        return Some((lock, diagnostic));
    }
    let report = args.report.as_ref()?;
    if let Err(e) = atomic::target(report) {
        let diagnostic = e.to_diagnostic("dsmc::cli::cannot_write", "the report", report);
        return Some((report.clone(), diagnostic));
    }
    let identity = atomic::identity(report);
    let specs = inputs.iter().filter_map(|input| match input {
        Input::Spec(path) => Some((path.clone(), "a spec this run checks")),
        Input::Problem { .. } => None,
    });
    let lock = args
        .lock_path()
        .map(|path| (path, "the lockfile of this run"));
    let (clash, what) = specs
        .chain(lock)
        .find(|(path, _)| atomic::identity(path) == identity)?;
    Some((
        report.clone(),
        Diagnostic::error(
            "dsmc::cli::report_overwrites_input",
            format!(
                "`--report {}` would overwrite `{}`, {what}",
                report.display(),
                clash.display()
            ),
        )
        .help("give the HTML report a file of its own, such as `--report report.html`"),
    ))
}

/// The limits every spec of the run is checked under.
struct Limits {
    /// `--max-memory`, or the default guard.
    memory: Option<dsmc::explore::MemoryLimit>,
    timeout: Option<Duration>,
    /// `--checkpoint-every`.
    checkpoint_every: Duration,
    /// Set by Ctrl-C, SIGTERM, SIGHUP and by the memory watchdog.
    signal: dsmc::explore::StopSignal,
}

impl Limits {
    /// The limits of the run, with the watchdog of resident memory running
    /// when there is a memory limit; `Err` (a bad value, printed) is the
    /// outcome to exit with.
    fn start(args: &CheckArgs) -> Result<(Limits, Option<super::limits::Watchdog>), Status> {
        let limits = Limits::from_args(args).map_err(|bad| {
            bad.print(args.message_format);
            Status::SpecErrors
        })?;
        let watchdog = limits
            .memory
            .map(|limit| super::limits::Watchdog::start(limit, limits.signal.clone()));
        Ok((limits, watchdog))
    }

    fn from_args(args: &CheckArgs) -> Result<Limits, super::limits::BadValue> {
        use super::limits::{memory_limit, parse_duration, parse_size};
        let max_memory = match &args.max_memory {
            Some(v) => Some(parse_size("--max-memory", v)?),
            None => None,
        };
        let timeout = match &args.timeout {
            Some(v) => Some(parse_duration("--timeout", v)?),
            None => None,
        };
        let checkpoint_every = match &args.checkpoint_every {
            Some(v) => parse_duration("--checkpoint-every", v)?,
            None => super::checkpoint::DEFAULT_EVERY,
        };
        Ok(Limits {
            memory: memory_limit(max_memory),
            timeout,
            checkpoint_every,
            signal: super::limits::stop_signal(),
        })
    }
}

/// Says on stderr how many specs a signal left unchecked, if any.
fn say_not_checked(left: usize) {
    if left > 0 {
        report::eprint_line(&format!(
            "interrupted: {left} more spec{} not checked",
            if left == 1 { "" } else { "s" }
        ));
    }
}

/// Reads and checks one input; compares it with the lock and records it
/// there under `--update-lock`.
fn check_input(
    input: Input,
    args: &CheckArgs,
    limits: &Limits,
    lock: Option<&mut Lock>,
    distributed: Option<&super::distributed::Distributed>,
) -> SpecRun {
    let start = Instant::now();
    let (path, name) = match input {
        Input::Spec(path) => {
            let name = path.display().to_string();
            (path, name)
        }
        Input::Problem { name, diagnostic } => return unreadable(name, diagnostic, start),
    };
    let budget = limits.memory.map(|limit| limit.budget());
    let source = match super::read_spec_within(&path, budget) {
        Ok(source) => source,
        Err(diagnostic) => return unreadable(name, diagnostic, start),
    };
    let checkpoint_dir = super::checkpoint::directory(args);
    let written = Arc::new(super::checkpoint::Written::default());
    if let Some(dir) = &args.resume
        && args.message_format != MessageFormat::Json
    {
        report::eprint_line(&format!(
            "resuming from `{}`",
            super::checkpoint::file(dir).display()
        ));
    }
    let progress = super::progress::start(&name);
    let options = CheckOptions {
        overrides: args.defines.clone(),
        explore: Options {
            threads: args.threads,
            max_states: args.max_states,
            max_memory: limits.memory,
            timeout: limits.timeout,
            stop: Some(limits.signal.clone()),
            no_symmetry: args.no_symmetry,
            progress: progress.as_ref().map(|(hook, _)| hook.clone()),
            properties: None,
            interpreted: args.engine == Engine::Interpreter,
            checkpoint: checkpoint_dir.map(|dir| {
                super::checkpoint::checkpointing(
                    dir,
                    limits.checkpoint_every,
                    args.message_format,
                    written.clone(),
                )
            }),
            resume: None,
            recompute_liveness_edges: false,
        },
        properties: args.properties.clone(),
        resume: args.resume.as_deref().map(super::checkpoint::file),
        explorer: distributed.map(|d| d.explorer(&source, args)),
    };
    let warnings = if args.deny.contains(&Deny::Warnings) {
        Warnings::Deny
    } else {
        Warnings::Allow
    };
    // The memory of the previous spec is free again.
    limits.signal.clear_memory();
    let checked = dsmc::check::check_source_with(&source, &options, warnings);
    if let Some((_, line)) = progress {
        line.clear();
    }
    if let (Some(dir), Checked::Explored { exploration, .. }) = (checkpoint_dir, &checked)
        && exploration.stop.is_some()
    {
        written.tell(dir, &path, args.message_format);
    }
    let spec = SpecText {
        name,
        source: Arc::from(source),
    };
    let elapsed = start.elapsed();
    let lock = lock.map(|lock| compare_with_lock(lock, &spec, &path, &checked, args));
    SpecRun {
        spec,
        checked,
        elapsed,
        lock,
        drift_fails: !args.update_lock,
    }
}

/// Compares a checked spec with the lock, and records it there under
/// `--update-lock`. Only complete explorations are compared: a spec with
/// errors or a search stopped by a limit established nothing to lock.
fn compare_with_lock(
    lock: &mut Lock,
    spec: &SpecText,
    path: &std::path::Path,
    checked: &Checked,
    args: &CheckArgs,
) -> (String, Comparison) {
    match checked {
        Checked::Errors(_) => (
            spec.name.clone(),
            Comparison::Skipped("the spec has errors"),
        ),
        Checked::Explored { exploration, .. } if exploration.stop.is_some() => (
            spec.name.clone(),
            Comparison::Skipped("the search is incomplete"),
        ),
        Checked::Explored {
            model, exploration, ..
        } => {
            let entry = lock.entry(path, &args.defines, model, exploration);
            let comparison = lock.compare(&entry);
            let label = entry.label();
            if args.update_lock {
                lock.record(entry);
            }
            (label, comparison)
        }
    }
}

/// Prints an argument that named no spec, as the human report would.
fn print_problem(name: &str, diagnostic: &Diagnostic, format: MessageFormat) {
    let spec = SpecText {
        name: name.to_string(),
        source: "".into(),
    };
    report::print_diagnostics(&spec, std::slice::from_ref(diagnostic), format);
}

/// Prints what is printed as each spec ends: the human report, or the JSON
/// line; for JUnit and SARIF, only the diagnostics, on stderr.
fn emit(run: &SpecRun, args: &CheckArgs, not_first: bool) {
    match args.format {
        ReportFormat::Human => emit_human(run, args, not_first),
        ReportFormat::Json => {
            report::print_verbatim(&json_line(run));
        }
        ReportFormat::Junit | ReportFormat::Sarif => {
            // stdout is for the document; people read stderr.
            let diagnostics = match &run.checked {
                Checked::Errors(d) => d,
                Checked::Explored { warnings, .. } => warnings,
            };
            report::print_diagnostics(&run.spec, diagnostics, MessageFormat::Human);
        }
    }
}

fn emit_human(run: &SpecRun, args: &CheckArgs, not_first: bool) {
    let spec = &run.spec;
    // With diagnostics as JSON lines, stdout is for them alone. The text
    // is assembled from neutralised parts: rendered reports, and the
    // report's own text through `neutralise`.
    let print = |text: &str| {
        if args.message_format == MessageFormat::Json {
            report::eprint_verbatim(text);
        } else {
            report::print_verbatim(text);
        }
    };
    match &run.checked {
        Checked::Errors(diagnostics) => {
            report::print_diagnostics(spec, diagnostics, args.message_format);
            if args.message_format == MessageFormat::Human {
                let denied = if args.deny.contains(&Deny::Warnings)
                    && diagnostics
                        .iter()
                        .any(|d| d.code.starts_with("dsmc::lint::"))
                {
                    " (warnings are denied)"
                } else {
                    ""
                };
                report::eprint_line(&format!(
                    "{}: {}; the spec was not checked{denied}",
                    spec.name,
                    report::tally(diagnostics)
                ));
            }
        }
        Checked::Explored {
            warnings,
            model,
            exploration,
        } => {
            report::print_diagnostics(spec, warnings, args.message_format);
            let threads = args.threads.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
            });
            let human = dsmc::report::human_with(
                &spec.name,
                &spec.source,
                model,
                exploration,
                threads,
                trace_style(args),
            );
            let mut out = String::new();
            if not_first {
                out.push('\n');
            }
            out.push_str(&neutralise(&human.header));
            out.push('\n');
            out.push_str(&neutralise(&human.table));
            let lines = dsmc::lines::LineIndex::new(&spec.source);
            for finding in &human.findings {
                out.push('\n');
                out.push_str(&report::render(spec, &finding.diagnostic, &lines));
                if !finding.trace.is_empty() {
                    out.push_str(&neutralise(&finding.trace));
                }
            }
            out.push('\n');
            let denied = run.checked.denied_warnings();
            if denied > 0 {
                let tally = dsmc::report::tally(model, exploration);
                out.push_str(&neutralise(&dsmc::report::result_line(
                    &tally,
                    exploration.stop.map(|s| s.reason),
                    denied,
                )));
            } else {
                out.push_str(&neutralise(&human.result));
            }
            print(&out);
        }
    }
}

/// How `--trace` and `--ascii` (or the terminal) ask traces to be drawn.
fn trace_style(args: &CheckArgs) -> dsmc::report::TraceStyle {
    use dsmc::report::TraceStyle;
    let chart = dsmc::msc::ChartOptions {
        ascii: args.ascii || !report::unicode_terminal(),
        ..Default::default()
    };
    match args.trace {
        TraceArg::Auto => TraceStyle::Auto(chart),
        TraceArg::Msc => TraceStyle::Chart(chart),
        TraceArg::Text => TraceStyle::Text,
    }
}

/// The JSON object of one spec: the library's, with the exit code of this
/// spec alone (drift from the lock included), the process's peak memory,
/// and the lock comparison under `--lock`.
fn json_line(run: &SpecRun) -> String {
    let mut value = SpecReport::new(&run.spec.name, &run.spec.source, &run.checked);
    let common = value.common_mut();
    common.exit_code = run.outcome().exit_code();
    // Of the whole process so far (with several specs, the largest).
    common.peak_resident_bytes = super::limits::peak_resident();
    common.lock = run.lock.as_ref().map(|(label, comparison)| LockReport {
        entry: label.clone(),
        status: comparison.word(),
        changes: comparison.lines(),
    });
    value.to_line()
}

/// Prints what ends the run: the summary table, the JUnit or SARIF
/// document, the lock's verdict; writes the lock under `--update-lock`.
fn finish(runs: &[SpecRun], args: &CheckArgs, lock: Option<&mut Lock>) -> Status {
    let mut outcome = runs
        .iter()
        .map(SpecRun::outcome)
        .max()
        .unwrap_or(Status::Ok);
    // People read the summary and the lock's verdict: on stdout with the
    // human report, on stderr when stdout carries a document.
    let to_people = |text: &str| {
        if args.format == ReportFormat::Human && args.message_format == MessageFormat::Human {
            report::print_line(text);
        } else {
            report::eprint_line(text);
        }
    };
    match args.format {
        ReportFormat::Human if runs.len() > 1 => {
            to_people(&format!("\n{}", super::summary::table(runs, outcome)));
        }
        ReportFormat::Human | ReportFormat::Json => {}
        ReportFormat::Junit => {
            report::print_verbatim(&super::junit::report(runs, lock.as_deref()));
            to_people(&super::summary::table(runs, outcome));
        }
        ReportFormat::Sarif => {
            report::print_verbatim(&super::sarif::log(runs, outcome));
            to_people(&super::summary::table(runs, outcome));
        }
    }
    if let Some(path) = &args.report {
        let specs: Vec<dsmc::html::HtmlSpec> = runs
            .iter()
            .map(|run| dsmc::html::HtmlSpec {
                path: &run.spec.name,
                source: &run.spec.source,
                checked: &run.checked,
            })
            .collect();
        match super::atomic::write(path, dsmc::html::report(&specs).as_bytes()) {
            Ok(()) => report::eprint_line(&format!("wrote the report to {}", path.display())),
            Err(e) => {
                let diagnostic = e.to_diagnostic("dsmc::cli::cannot_write", "the report", path);
                print_problem(
                    &path.display().to_string(),
                    &diagnostic,
                    args.message_format,
                );
                outcome = Status::SpecErrors;
            }
        }
    }
    if let Some(lock) = lock {
        // The verdict says "updated" only once the file is written.
        let action = if !args.update_lock {
            LockAction::Compare
        } else {
            match lock.write() {
                Ok(_) => LockAction::Updated,
                Err(e) => {
                    report::print_diagnostics(&e.file, &[e.diagnostic], args.message_format);
                    outcome = Status::SpecErrors;
                    LockAction::NotUpdated
                }
            }
        };
        to_people(&format!("\n{}", lock_report(runs, lock, action)));
    }
    outcome
}

/// What a run did with the lockfile.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LockAction {
    /// Compared with it (`--lock`).
    Compare,
    /// Wrote this run's entries into it (`--update-lock`).
    Updated,
    /// Tried to, and failed: the file is as it was.
    NotUpdated,
}

/// The lock's verdict on the run: what differs, or that nothing does.
fn lock_report(runs: &[SpecRun], lock: &Lock, action: LockAction) -> String {
    let updating = action != LockAction::Compare;
    let name = lock.path.display();
    let mut lines = Vec::new();
    let (mut same, mut changed, mut missing) = (0, 0, 0);
    for run in runs {
        let Some((label, comparison)) = &run.lock else {
            continue;
        };
        match comparison {
            Comparison::Same => same += 1,
            Comparison::Changed(_) => changed += 1,
            Comparison::Missing => missing += 1,
            Comparison::Skipped(_) => {}
        }
        for line in comparison.lines() {
            lines.push(format!("  {label}: {line}"));
        }
    }
    let head = if action == LockAction::NotUpdated {
        format!(
            "{name}: not updated ({changed} changed, {missing} not in the lock, {same} as recorded)"
        )
    } else if updating {
        if changed + missing == 0 {
            format!("{name}: up to date ({same} as recorded)")
        } else {
            format!("{name}: updated ({changed} changed, {missing} added, {same} as recorded)")
        }
    } else if changed + missing == 0 {
        format!("{name}: {same} as recorded")
    } else {
        format!(
            "{name}: the state space changed ({changed} changed, {missing} not in the lock, {same} as recorded)"
        )
    };
    let mut out = head;
    for line in lines {
        out.push('\n');
        out.push_str(&line);
    }
    if !updating && changed + missing > 0 {
        out.push_str(if lock.existed {
            "\n  if the change is intended, run again with --update-lock to record it"
        } else {
            "\n  the lock does not exist yet: run with --update-lock to create it"
        });
    }
    out
}

/// Checks every spec with Stateright's checker, under the same limits as
/// dsmc's engine (`--max-states`, `--max-memory` or the default guard,
/// `--timeout`, the first Ctrl-C, SIGTERM or SIGHUP), and returns the
/// weightiest outcome.
fn run_stateright(inputs: Vec<Input>, args: &CheckArgs) -> Status {
    let (limits, _watchdog) = match Limits::start(args) {
        Ok(started) => started,
        Err(outcome) => return outcome,
    };
    let mut outcome = Status::Ok;
    let total = inputs.len();
    for (i, input) in inputs.into_iter().enumerate() {
        let this = match input {
            Input::Spec(path) => check_with_stateright(&path, args, &limits),
            Input::Problem { name, diagnostic } => {
                print_problem(&name, &diagnostic, args.message_format);
                Status::SpecErrors
            }
        };
        outcome = outcome.max(this);
        if limits.signal.interrupted() {
            say_not_checked(total - i - 1);
            break;
        }
    }
    outcome
}

/// Runs Stateright's checker on the compiled spec (invariants and
/// reachability only) under `limits` and prints what it found. A search
/// stopped by a limit is reported as dsmc's engine reports it: incomplete,
/// why, and `unknown` for every property it found no discovery for.
fn check_with_stateright(path: &std::path::Path, args: &CheckArgs, limits: &Limits) -> Status {
    let budget = limits.memory.map(|limit| limit.budget());
    let source = match super::read_spec_within(path, budget) {
        Ok(source) => source,
        Err(diagnostic) => {
            print_problem(
                &path.display().to_string(),
                &diagnostic,
                args.message_format,
            );
            return Status::SpecErrors;
        }
    };
    let spec = SpecText {
        name: path.display().to_string(),
        source: Arc::from(source),
    };
    let front = dsmc::front::check_source(&spec.source, &args.defines);
    report::print_diagnostics(&spec, &front.diagnostics, args.message_format);
    let Some(typed) = front.typed else {
        return Status::SpecErrors;
    };
    let model = match dsmc::model::lower(typed) {
        Ok(m) => Arc::new(m),
        Err(errors) => {
            let diagnostics: Vec<_> = errors
                .iter()
                .map(dsmc::model::LowerError::to_diagnostic)
                .collect();
            report::print_diagnostics(&spec, &diagnostics, args.message_format);
            return Status::SpecErrors;
        }
    };
    let threads = args.threads.unwrap_or(1);
    let start = std::time::Instant::now();
    let reference_limits = dsmc::reference::ReferenceLimits {
        max_states: args.max_states,
        max_memory: limits.memory,
        timeout: limits.timeout,
        stop: Some(limits.signal.clone()),
    };
    // The memory of the previous spec is free again.
    limits.signal.clear_memory();
    let result = dsmc::reference::check_with_stateright_within(
        Arc::clone(&model),
        threads,
        &reference_limits,
    );
    let mut out = format!(
        "{}: protocol {} (Stateright's checker)\n{} {} distinct states in {:.2} s\n",
        spec.name,
        model.spec.protocol,
        if result.stop.is_some() {
            "stopped after"
        } else {
            "explored"
        },
        dsmc::report::thousands(result.states),
        start.elapsed().as_secs_f64()
    );
    let mut tally = dsmc::report::Tally::default();
    let mut lines = String::new();
    for (p, prop) in model.spec.properties.iter().enumerate() {
        let verdict = match result.discoveries.iter().find(|(i, _)| *i == p) {
            Some(_) if result.failures.properties.contains(&p) => {
                tally.unmet += 1;
                "error (its evaluation failed in a reachable state)"
            }
            Some(&(_, discovered)) => {
                let is_invariant = matches!(
                    model.properties[p],
                    dsmc::model::CompiledProperty::Invariant(_)
                );
                if !discovered && result.stop.is_some() {
                    // Neither a counterexample nor an example: a stopped
                    // search establishes nothing by not finding one.
                    tally.open += 1;
                    "unknown"
                } else {
                    let violated = discovered == is_invariant;
                    if violated == prop.expect_violation {
                        tally.met += 1;
                    } else {
                        tally.unmet += 1;
                    }
                    if violated { "violated" } else { "holds" }
                }
            }
            None => {
                tally.open += 1;
                "unchecked (not supported by this engine)"
            }
        };
        lines.push_str(&format!(
            "  {:<20} {:<10} {verdict}\n",
            prop.name,
            prop.kind.describe()
        ));
    }
    for failure in &result.failures.steps {
        tally.unmet += 1;
        lines.push_str(&format!("  FAIL {failure}\n"));
    }
    if let Some(reason) = result.stop {
        out.push_str(&format!(
            "the search is incomplete: {}\n",
            dsmc::report::stop_clause(reason)
        ));
        out.push_str(if tally.met > 0 || tally.unmet > 0 {
            "  a verdict below was found before the stop and is final; `unknown`: the search stopped before a verdict\n"
        } else {
            "  `unknown`: the search stopped before a verdict\n"
        });
        if let Some(further) = dsmc::report::go_further(reason) {
            out.push_str(&format!("  to go further: {further}\n"));
        }
    }
    out.push('\n');
    out.push_str(&lines);
    if result.stop.is_some() {
        out.push('\n');
        out.push_str(&dsmc::report::result_line(&tally, result.stop, 0));
        out.push('\n');
    }
    report::print_line(&out);
    if tally.unmet > 0 {
        Status::Failed
    } else if result.stop.is_some() {
        Status::NoVerdict
    } else {
        Status::Ok
    }
}

/// The run of an input that names no readable spec: its one diagnostic.
fn unreadable(name: String, diagnostic: dsmc::diagnostic::Diagnostic, start: Instant) -> SpecRun {
    SpecRun {
        spec: SpecText {
            name,
            source: "".into(),
        },
        checked: Checked::Errors(vec![diagnostic]),
        elapsed: start.elapsed(),
        lock: None,
        drift_fails: false,
    }
}
