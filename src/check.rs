//! `dsmc check` as one call: source text in, verdicts out.
//!
//! [`check_source`] runs the front end, lowering and the explorer, and
//! [`Checked::status`] decides what the run means for the user (and the exit
//! code): every property as expected, one not as expected, or no verdict.

use crate::diagnostic::{Diagnostic, Severity};
use crate::explore::{self, Exploration, Verdict, checkpoint};
use crate::front::{self, Override};
use crate::model::{self, InitError, Model};
use crate::syntax::ast::Span;
use crate::typed::TypedSpec;

/// How to check.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// The `-D NAME=VALUE` constant overrides, in the order given.
    pub overrides: Vec<Override>,
    /// How to explore: limits, threads, symmetry, progress, checkpoints.
    pub explore: explore::Options,
    /// Check only these properties, by name (`--property`); empty: all.
    /// The others are reported as not selected.
    pub properties: Vec<String>,
    /// Start from the checkpoint in this file (`--resume`), which must
    /// belong to this spec, these constants and these options.
    pub resume: Option<std::path::PathBuf>,
    /// Explores with this instead of [`explore::explore`]: the distributed
    /// explorer of `dsmc check --processes` ([`crate::distributed`]).
    pub explorer: Option<Explorer>,
}

/// An exploration engine for [`CheckOptions::explorer`]: the compiled model
/// and the options in, the exploration or the diagnostics that say why
/// there is none out.
#[derive(Clone)]
#[allow(clippy::type_complexity)]
pub struct Explorer(
    pub  std::sync::Arc<
        dyn Fn(&Model, &explore::Options) -> Result<Exploration, Vec<Diagnostic>> + Send + Sync,
    >,
);

impl std::fmt::Debug for Explorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Explorer")
    }
}

/// What warnings mean for the outcome (`dsmc check --deny warnings`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Warnings {
    /// Warnings are shown and change nothing.
    #[default]
    Allow,
    /// Warnings become errors: a front-end warning stops the spec before
    /// exploration, as an error does (exit 2); a coverage warning is a
    /// finding of the exploration, as a failed property is (exit 1).
    Deny,
}

/// The outcome of checking one spec.
pub enum Checked {
    /// The spec has errors (front end or lowering); warnings may be among them.
    Errors(Vec<Diagnostic>),
    /// The spec was explored.
    Explored {
        /// Warnings of the front end and, after an exhaustive search, of
        /// coverage. Under [`Warnings::Deny`] the coverage ones have error
        /// severity and fail the check.
        warnings: Vec<Diagnostic>,
        /// The lowered spec that was explored.
        model: Box<Model>,
        /// The result of the search: verdicts, counts and counterexamples.
        exploration: Box<Exploration>,
    },
}

/// What a check concluded: of one spec ([`Checked::status`]), or of all
/// the files of a command (the binary's exit code).
///
/// The variants are ordered by how much they matter, so the status of
/// several files is the greatest one: a spec with errors (exit 2) outweighs
/// a failed property (exit 1), which outweighs a missing verdict (exit 3). A
/// counterexample is a definite answer and a missing verdict is not, so
/// across specs the order is the same as within one spec, where a violation
/// found before a limit stopped the search still fails the check.
///
/// The JSON report names it `ok`, `incomplete`, `failed` or `errors`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema,
)]
pub enum Status {
    /// Every property as expected.
    #[serde(rename = "ok")]
    Ok,
    /// The search stopped early, or an expectation could not be checked.
    #[serde(rename = "incomplete")]
    NoVerdict,
    /// Not as expected: a property (or a deadlock or a runtime error); for
    /// `dsmc fmt --check`, a file that is not formatted.
    #[serde(rename = "failed")]
    Failed,
    /// The spec has errors, or a file cannot be read or written.
    #[serde(rename = "errors")]
    SpecErrors,
}

impl Status {
    /// The process exit code; `dsmc --help` lists them (`EXIT_CODES` in
    /// main.rs).
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Failed => 1,
            Status::SpecErrors => 2,
            Status::NoVerdict => 3,
        }
    }
}

/// How one property came out, relative to what the spec expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// As expected: holds, or violated under `expect violation`.
    Met,
    /// Not as expected.
    Unmet,
    /// No verdict (unchecked or unknown).
    Open,
}

/// Whether a verdict meets the property's expectation.
pub fn expectation(verdict: &Verdict, expect_violation: bool) -> Expectation {
    match (verdict, expect_violation) {
        (Verdict::Holds, false) | (Verdict::Violated(_), true) => Expectation::Met,
        (Verdict::Holds, true) | (Verdict::Violated(_), false) => Expectation::Unmet,
        // A failed evaluation is a finding, whatever was expected: it
        // neither establishes the property nor violates it.
        (Verdict::Error(_), _) => Expectation::Unmet,
        (Verdict::Unchecked | Verdict::NotSelected | Verdict::Unknown, _) => Expectation::Open,
    }
}

impl Checked {
    /// The overall status.
    pub fn status(&self) -> Status {
        let Checked::Explored {
            model, exploration, ..
        } = self
        else {
            return Status::SpecErrors;
        };
        let mut failed = matches!(exploration.deadlock, Verdict::Violated(_))
            || exploration.runtime_error.is_some()
            || self.denied_warnings() > 0;
        let mut open = !exploration.complete || exploration.stop.is_some();
        for (p, v) in model.spec.properties.iter().zip(&exploration.verdicts) {
            match expectation(v, p.expect_violation) {
                Expectation::Met => {}
                Expectation::Unmet => failed = true,
                // A property left out by `--property` decides nothing: the
                // user asked for the others. An unchecked liveness property
                // without an expectation is reported as unchecked but does
                // not withhold the verdict on the rest; an expectation that
                // cannot be checked does.
                Expectation::Open if matches!(v, Verdict::NotSelected) => {}
                Expectation::Open => open |= p.expect_violation || matches!(v, Verdict::Unknown),
            }
        }
        if failed {
            Status::Failed
        } else if open {
            Status::NoVerdict
        } else {
            Status::Ok
        }
    }
}

impl Checked {
    /// The warnings of an explored spec that [`Warnings::Deny`] turned into
    /// failures.
    pub fn denied_warnings(&self) -> usize {
        match self {
            Checked::Errors(_) => 0,
            Checked::Explored { warnings, .. } => warnings.iter().filter(|d| d.is_error()).count(),
        }
    }
}

/// Checks a spec end to end; warnings change nothing.
pub fn check_source(source: &str, options: &CheckOptions) -> Checked {
    check_source_with(source, options, Warnings::Allow)
}

/// A spec through the front end and lowering.
pub struct Compiled {
    /// The front end's warnings (errors under [`Warnings::Deny`] are
    /// never here: they fail [`compile`]).
    pub warnings: Vec<Diagnostic>,
    /// The model to explore.
    pub model: Model,
}

/// Runs the front end and lowering on a spec: the model with the front
/// end's warnings, or the diagnostics that stop it (the front end's, with
/// its warnings made errors under [`Warnings::Deny`]; else lowering's,
/// without the warnings, which an error often makes spurious).
pub fn compile(
    source: &str,
    overrides: &[Override],
    policy: Warnings,
) -> Result<Compiled, Vec<Diagnostic>> {
    let mut front = front::check_source(source, overrides);
    if policy == Warnings::Deny && front.diagnostics.iter().any(|d| !d.is_error()) {
        deny(&mut front.diagnostics);
        return Err(front.diagnostics);
    }
    let Some(typed) = front.typed else {
        return Err(front.diagnostics);
    };
    match model::lower(typed) {
        Ok(model) => Ok(Compiled {
            warnings: front.diagnostics,
            model,
        }),
        Err(errors) => Err(errors
            .iter()
            .map(model::LowerError::to_diagnostic)
            .collect()),
    }
}

/// Checks a spec end to end, with warnings allowed or denied.
pub fn check_source_with(source: &str, options: &CheckOptions, policy: Warnings) -> Checked {
    let (model, front_warnings) = match compile(source, &options.overrides, policy) {
        Ok(Compiled { warnings, model }) => (model, warnings),
        Err(diagnostics) => return Checked::Errors(diagnostics),
    };
    let statically_sent = statically_sent(&model.spec);
    let mut explore_options = options.explore.clone();
    if !options.properties.is_empty() {
        match select_properties(&model.spec, &options.properties) {
            Ok(selected) => explore_options.properties = Some(selected),
            Err(diagnostics) => return Checked::Errors(diagnostics),
        }
    }
    let identity = checkpoint_identity(source, options, &explore_options);
    if let Some(checkpointing) = &mut explore_options.checkpoint {
        checkpointing.identity = identity.clone();
    }
    if let Some(path) = &options.resume {
        match resume_from(path, &model, &explore_options, &identity) {
            Ok(resume) => explore_options.resume = Some(resume),
            Err(diagnostic) => return Checked::Errors(vec![diagnostic]),
        }
    }
    let explored = match &options.explorer {
        Some(explorer) => (explorer.0)(&model, &explore_options),
        None => explore::explore(&model, &explore_options)
            .map_err(|e| vec![initial_state_error(&model, &e)]),
    };
    match explored {
        Ok(exploration) => {
            let mut warnings = front_warnings;
            if exploration.complete {
                let mut coverage = coverage_warnings(&model, &exploration, &statically_sent);
                if policy == Warnings::Deny {
                    deny(&mut coverage);
                }
                warnings.extend(coverage);
            }
            Checked::Explored {
                warnings,
                model: Box::new(model),
                exploration: Box::new(exploration),
            }
        }
        Err(diagnostics) => Checked::Errors(diagnostics),
    }
}

/// The diagnostic for a spec without initial states to explore.
pub fn initial_state_error(model: &Model, e: &InitError) -> Diagnostic {
    match e {
        InitError::Value(e) => Diagnostic::error(
            "dsmc::check::initial_state",
            format!("computing the initial states failed: {}", e.describe()),
        )
        .primary(e.span, "while computing this initial value"),
        InitError::Predicate { init, error, state } => {
            let decl = model.spec.inits[*init].span;
            let values: Vec<String> = (model.describe_state(state).iter())
                .map(|c| format!("{} = {}", c.what, c.value))
                .collect();
            let mut d = Diagnostic::error(
                "dsmc::check::initial_state",
                format!(
                    "computing the initial states failed: evaluating an `init` predicate \
                     failed: {}",
                    error.describe()
                ),
            )
            .primary(error.span, "fails here");
            if !(decl.start <= error.span.start && error.span.end <= decl.end) {
                d = d.secondary(decl, "while evaluating this `init` predicate");
            }
            d.help(format!(
                "it fails in the state {}; an `init` predicate must have a value in every \
                 combination of the variables' initial values (guard it, e.g. \
                 `is_some(o) => unwrap(o) > 0`)",
                values.join(", ")
            ))
        }
        InitError::Unsatisfied { candidates: 0 } => Diagnostic::error(
            "dsmc::check::no_initial_state",
            "the spec has no initial state: a variable has no initial value",
        )
        .help(
            "give every variable at least one initial value (`var x: T in S` with `S` not empty)",
        ),
        InitError::Unsatisfied { candidates } => {
            let mut d = Diagnostic::error(
                "dsmc::check::no_initial_state",
                format!(
                    "the spec has no initial state: none of the {candidates} combinations of \
                     the variables' initial values satisfies every `init` predicate"
                ),
            );
            for (i, init) in model.spec.inits.iter().enumerate() {
                d = match i {
                    0 => d.primary(init.span, "no combination satisfies this"),
                    _ => d.secondary(init.span, "together with this"),
                };
            }
            d.help(
                "an `init` predicate only chooses among the states the variables' initial \
                 values give (`var x: T = v` or `var x: T in S`): widen those with `in`, \
                 or correct the predicates",
            )
        }
    }
}

/// What a checkpoint of this check belongs to.
fn checkpoint_identity(
    source: &str,
    options: &CheckOptions,
    explore_options: &explore::Options,
) -> checkpoint::Identity {
    checkpoint::Identity {
        dsmc: env!("CARGO_PKG_VERSION").to_string(),
        spec: checkpoint::text_hash(source),
        constants: (options.overrides.iter())
            .map(|o| format!("{}={}", o.name, o.value))
            .collect(),
        no_symmetry: explore_options.no_symmetry,
        interpreted: explore_options.interpreted,
        properties: explore_options.properties.clone(),
    }
}

/// Loads the checkpoint at `path` for a search of `model`; a diagnostic
/// when it cannot be resumed from.
fn resume_from(
    path: &std::path::Path,
    model: &Model,
    explore_options: &explore::Options,
    identity: &checkpoint::Identity,
) -> Result<checkpoint::Resume, Diagnostic> {
    let loaded = std::fs::File::open(path)
        .map_err(checkpoint::Unreadable::from)
        .and_then(|mut file| checkpoint::load(model, explore_options, identity, &mut file));
    match loaded {
        Ok(snapshot) => Ok(checkpoint::Resume::new(snapshot)),
        Err(problem) => {
            let (code, help) = match problem {
                checkpoint::Unreadable::Mismatch(_) => (
                    "dsmc::check::checkpoint_mismatch",
                    "resume with the spec, the `-D` constants and the options the checkpoint was \
                     made with, or check afresh without `--resume`",
                ),
                _ => (
                    "dsmc::check::checkpoint_unreadable",
                    "check afresh without `--resume`",
                ),
            };
            Err(Diagnostic::error(
                code,
                format!(
                    "cannot resume from `{}`: {}",
                    path.display(),
                    problem.describe()
                ),
            )
            .help(help))
        }
    }
}

/// The indices of the named properties; an error per unknown name. The
/// name of a quantified property (`decides`) selects each of its
/// instances (`decides(0)`, `decides(1)`, ..); an instance's name may be
/// written with or without spaces.
fn select_properties(spec: &TypedSpec, names: &[String]) -> Result<Vec<usize>, Vec<Diagnostic>> {
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let mut selected = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        let wanted = squeeze(name);
        let family = format!("{wanted}(");
        let matching: Vec<usize> = (spec.properties.iter().enumerate())
            .filter(|(_, p)| {
                let have = squeeze(&p.name);
                have == wanted || (!wanted.contains('(') && have.starts_with(&family))
            })
            .map(|(i, _)| i)
            .collect();
        match matching.is_empty() {
            false => selected.extend(matching),
            true => {
                let known = spec.properties.iter().map(|p| p.name.as_str());
                let mut d = Diagnostic::error(
                    "dsmc::check::unknown_property",
                    format!("the spec has no property `{name}` (`--property`)"),
                );
                if let Some(close) = crate::diagnostic::did_you_mean(name, known) {
                    d = d.help(format!("did you mean `{close}`?"));
                }
                errors.push(d);
            }
        }
    }
    if errors.is_empty() {
        Ok(selected)
    } else {
        Err(errors)
    }
}

/// Makes every warning an error (`--deny warnings`).
fn deny(diagnostics: &mut [Diagnostic]) {
    for d in diagnostics {
        d.severity = Severity::Error;
    }
}

/// By message kind: whether some `send` or `broadcast` statement sends it.
/// A kind that none sends is the front end's warning
/// (`dsmc::lint::unsent_message`), not coverage's.
fn statically_sent(spec: &TypedSpec) -> Vec<bool> {
    let mut sent = vec![false; spec.messages.len()];
    for node in &spec.nodes {
        for &m in &node.sends {
            sent[m] = true;
        }
    }
    sent
}

/// What the exhaustive search never did: dead code in the protocol, or a
/// guard that can never hold. Only meaningful after an exhaustive search.
///
/// - an action that never ran (`dsmc::coverage::never_enabled`);
/// - a message kind that `send` statements name but that is never in flight
///   (`dsmc::coverage::never_sent`), or that is in flight but no handler
///   ever takes (`dsmc::coverage::never_delivered`): one warning at the
///   message, with its handlers marked, instead of one per handler;
/// - otherwise, a handler that never ran (`dsmc::coverage::never_enabled`).
///
/// A `reachable` property that no state satisfies is not a warning: it is
/// the property's verdict, `violated`.
fn coverage_warnings(
    model: &Model,
    exploration: &Exploration,
    statically_sent: &[bool],
) -> Vec<Diagnostic> {
    let spec = &model.spec;
    let coverage = &exploration.coverage;
    let mut out = Vec::new();
    // By message kind: its handlers, and whether one of them ran.
    let mut handlers: Vec<Vec<Span>> = vec![Vec::new(); spec.messages.len()];
    let mut delivered = vec![false; spec.messages.len()];
    for (k, node) in spec.nodes.iter().enumerate() {
        for (h, handler) in node.handlers.iter().enumerate() {
            handlers[handler.message].push(handler.span);
            delivered[handler.message] |= coverage.handlers[k][h];
        }
    }
    // Message kinds reported as a whole; their handlers are not reported
    // one by one.
    let mut reported: Vec<bool> = vec![false; spec.messages.len()];
    for (m, message) in spec.messages.iter().enumerate() {
        let sent = coverage.sent.get(m).copied().unwrap_or(true);
        if delivered[m] || !statically_sent[m] {
            continue;
        }
        let mut diagnostic = if sent {
            Diagnostic::warning(
                "dsmc::coverage::never_delivered",
                format!(
                    "message `{}` is sent but never delivered in any reachable state",
                    message.name
                ),
            )
            .primary(message.span, "sent, never delivered")
            .help("its receivers crash or are cut off first, or no handler's guard holds when it arrives")
        } else {
            Diagnostic::warning(
                "dsmc::coverage::never_sent",
                format!(
                    "message `{}` is never sent in any reachable state",
                    message.name
                ),
            )
            .primary(message.span, "never sent")
            .help("no step that sends it ever runs; check the guards of its senders")
        };
        for &span in &handlers[m] {
            diagnostic = diagnostic.secondary(span, "so this handler never runs");
        }
        reported[m] = true;
        out.push(diagnostic);
    }
    for (k, node) in spec.nodes.iter().enumerate() {
        for (a, action) in node.actions.iter().enumerate() {
            if !coverage.actions[k][a] {
                out.push(
                    Diagnostic::warning(
                        "dsmc::coverage::never_enabled",
                        format!(
                            "action `{}` of `{}` never runs in any reachable state",
                            action.name, node.name
                        ),
                    )
                    .primary(action.span, "never enabled")
                    .help(
                        "its guard is never true where it could run; remove it, or check the guard",
                    ),
                );
            }
        }
        for (h, handler) in node.handlers.iter().enumerate() {
            // A handler of a message nobody sends is the front end's
            // warning already.
            if !coverage.handlers[k][h]
                && !reported[handler.message]
                && statically_sent[handler.message]
            {
                let message = &spec.messages[handler.message].name;
                out.push(
                    Diagnostic::warning(
                        "dsmc::coverage::never_enabled",
                        format!(
                            "handler `on {message}` of `{}` never runs in any reachable state",
                            node.name
                        ),
                    )
                    .primary(handler.span, "never runs")
                    .help(
                        "the message never arrives here, or the guard is never true when it does",
                    ),
                );
            }
        }
    }
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}
