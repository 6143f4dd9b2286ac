//! The documents of `dsmc check --format json` and `--message-format json`
//! as types: the contract with CI scripts and editors, in one place.
//!
//! [`SpecReport`] is one line of `--format json`; [`JsonDiagnostic`] one
//! line of `--message-format json` (and each entry of a report's
//! `diagnostics` and `warnings`). The JSON Schemas in docs/schema/ are
//! generated from these types ([`schemas`]); a test fails when the
//! committed files differ from what the types generate, and every JSON
//! line the tests produce is validated against them.
//!
//! Fields are only ever added, never renamed or removed. A report's keys
//! are written in sorted order ([`SpecReport::to_line`]), as they always
//! were; a diagnostic's in the order declared here.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use crate::check::{Checked, Status};
use crate::diagnostic::{Diagnostic, Severity};
use crate::explore::{Exploration, StopReason, Trace, Verdict};
use crate::lines::LineIndex;
use crate::model::Model;
use crate::typed::ConstValue;

use super::{evaluated_words, stop_clause};

/// One checked spec: a line of `dsmc check --format json`. Which of the
/// two forms it has follows from `status`: `errors` has `diagnostics`,
/// every other status the exploration's results.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(title = "dsmc check --format json: one line per spec")]
pub enum SpecReport {
    /// The spec has errors: it was not explored.
    Errors(ErrorsReport),
    /// The spec was explored (completely or not).
    Explored(Box<ExploredReport>),
}

/// What every report has, whatever its form.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Common {
    /// The spec's path as given on the command line.
    pub spec: String,
    /// The check's own status; drift from the lockfile shows in
    /// `exit_code` only.
    pub status: Status,
    /// What this spec alone would exit with (0, 1, 2 or 3), drift from the
    /// lockfile included.
    pub exit_code: u8,
    /// The most resident memory the dsmc process has had so far (`VmHWM`);
    /// `null` without `/proc`, and from the library, which has no process
    /// to measure.
    pub peak_resident_bytes: Option<u64>,
    /// Only under `--lock`: how the spec compares with the lockfile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock: Option<LockReport>,
}

/// A spec with errors.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorsReport {
    /// Spec, status, exit code, memory, lock.
    #[serde(flatten)]
    pub common: Common,
    /// The errors and warnings, in the form of `--message-format json`.
    pub diagnostics: Vec<JsonDiagnostic>,
}

/// An explored spec.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExploredReport {
    /// Spec, status, exit code, memory, lock.
    #[serde(flatten)]
    pub common: Common,
    /// The name after `protocol`.
    pub protocol: String,
    /// Each constant's value, after `-D`.
    pub constants: BTreeMap<String, ConstJson>,
    /// Whether every reachable state was explored.
    pub complete: bool,
    /// Why the check stopped early; `null` when it did not.
    pub stop: Option<StopReport>,
    /// Bytes the visited set holds at the end.
    pub memory_bytes: u64,
    /// Distinct reachable states.
    pub states: u64,
    /// Initial states plus every successor generated, duplicates and
    /// self-loops included.
    pub transitions: u64,
    /// Breadth-first levels, the initial level counted as 1; after a stop,
    /// the levels complete.
    pub depth: u32,
    /// States outside a `bound` (stored and checked, not expanded).
    pub pruned: u64,
    /// Wall time of the whole check, in seconds.
    pub elapsed_s: f64,
    /// Of which the liveness phase.
    pub liveness_s: f64,
    /// The node kinds whose instances were treated as interchangeable.
    pub symmetry: Vec<String>,
    /// One per property, in source order.
    pub properties: Vec<PropertyReport>,
    /// Whether a state with no step was found.
    pub deadlock: DeadlockReport,
    /// The first step that failed at run time, or the first state where a
    /// `bound` or `done when` could not be evaluated.
    pub runtime_error: Option<RuntimeErrorReport>,
    /// Front-end and coverage warnings, in the form of
    /// `--message-format json`.
    pub warnings: Vec<JsonDiagnostic>,
}

/// A constant's value.
#[derive(Clone, Copy, Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ConstJson {
    /// An integer constant.
    Int(i64),
    /// A boolean constant.
    Bool(bool),
}

/// How a spec compares with the lockfile (`--lock`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LockReport {
    /// The lock entry: `specs/2pc.ds -D N=4`.
    pub entry: String,
    /// `same`, `changed`, `missing` or `not compared`.
    #[schemars(extend("enum" = ["same", "changed", "missing", "not compared"]))]
    pub status: &'static str,
    /// What changed, one line each (`states 288 → 301`).
    pub changes: Vec<String>,
}

/// Why and where a check stopped early.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StopReport {
    /// Which limit or signal stopped it.
    pub reason: StopWord,
    /// The limit reached: states, bytes or seconds; `null` for a signal.
    pub limit: Option<Limit>,
    /// The phase it stopped in.
    pub phase: PhaseWord,
    /// The human report's words for the stop.
    pub message: String,
    /// The breadth-first levels complete; `null` when the search itself
    /// was complete (a stop in the liveness phase).
    pub complete_depth: Option<u32>,
}

/// What stopped a check.
#[derive(Clone, Copy, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StopWord {
    /// `--max-states`.
    MaxStates,
    /// `--max-memory`.
    MaxMemory,
    /// The memory guard: the machine's available memory, with no
    /// `--max-memory` given.
    MemoryGuard,
    /// `--timeout`.
    Timeout,
    /// Ctrl-C, SIGTERM or SIGHUP.
    Interrupted,
    /// Another process of a distributed check (`--processes`) was lost.
    ProcessLost,
}

/// A limit: a count (states, bytes) or seconds.
#[derive(Clone, Copy, Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Limit {
    /// States or bytes.
    Count(u64),
    /// Seconds.
    Seconds(f64),
}

/// The phase a check stopped in.
#[derive(Clone, Copy, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhaseWord {
    /// The breadth-first search.
    Search,
    /// The liveness phase, after a complete search.
    Liveness,
}

/// One property and its verdict.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertyReport {
    /// As in the spec; a quantified property's instance is `name(value)`.
    pub name: String,
    /// The property's keyword.
    #[schemars(extend("enum" = crate::syntax::ast::PROPERTY_KIND_WORDS))]
    pub kind: &'static str,
    /// What the check established.
    pub verdict: VerdictWord,
    /// What the spec expects.
    pub expected: ExpectedWord,
    /// The counterexample (or, for verdict `error`, the way to the failed
    /// evaluation); `null` when there is none.
    pub trace: Option<Vec<TraceStepReport>>,
    /// For a liveness counterexample: the index in `trace` of the state
    /// where the loop starts.
    pub loop_start: Option<usize>,
    /// For a liveness counterexample: `cycle`, or `stop` when it ends in a
    /// state it stays in.
    pub loop_kind: Option<LoopWord>,
}

/// A verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub enum VerdictWord {
    /// It holds in every reachable state (or behaviour).
    #[serde(rename = "holds")]
    Holds,
    /// A counterexample was found.
    #[serde(rename = "violated")]
    Violated,
    /// Not checked by this engine (or `allow deadlock`).
    #[serde(rename = "unchecked")]
    Unchecked,
    /// Left out by `--property`.
    #[serde(rename = "not selected")]
    NotSelected,
    /// The search stopped before a verdict.
    #[serde(rename = "unknown")]
    Unknown,
    /// Evaluating the property failed in a reachable state.
    #[serde(rename = "error")]
    Error,
}

impl VerdictWord {
    /// The word of a verdict.
    pub fn of(verdict: &Verdict) -> VerdictWord {
        match verdict {
            Verdict::Holds => VerdictWord::Holds,
            Verdict::Violated(_) => VerdictWord::Violated,
            Verdict::Unchecked => VerdictWord::Unchecked,
            Verdict::NotSelected => VerdictWord::NotSelected,
            Verdict::Unknown => VerdictWord::Unknown,
            Verdict::Error(_) => VerdictWord::Error,
        }
    }
}

/// What the spec expects of a property.
#[derive(Clone, Copy, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedWord {
    /// The default.
    Holds,
    /// Under `expect violation`.
    Violated,
}

/// How a liveness counterexample repeats.
#[derive(Clone, Copy, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoopWord {
    /// It goes round a cycle of steps.
    Cycle,
    /// It stays in its last state for ever.
    Stop,
}

/// The deadlock check.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlockReport {
    /// `holds` (none found), `violated` or `unchecked` (`allow deadlock`).
    pub verdict: VerdictWord,
    /// The way to a deadlock, when one was found.
    pub trace: Option<Vec<TraceStepReport>>,
}

/// A run-time finding.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuntimeErrorReport {
    /// What failed.
    pub message: Option<String>,
    /// The way there.
    pub trace: Vec<TraceStepReport>,
}

/// One step of a trace; the first is the initial state.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TraceStepReport {
    /// The step as the listing and the chart name it (`RM[2].prepare`);
    /// `initial` for the first.
    pub step: String,
    /// The action or handler alone (`prepare`); `initial` for the first.
    pub action: String,
    /// The instance that took the step; `null` for a network fault and the
    /// initial state.
    pub node: Option<String>,
    /// What the step changed; for the first, the whole initial state.
    pub changes: Vec<ChangeReport>,
    /// Only on a step that failed at run time: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Only on the last step of a trace that ends where an evaluation
    /// failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation_error: Option<EvaluationErrorReport>,
}

/// One variable or network entry a step changed.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeReport {
    /// `RM[1].state`, `network`, ...
    pub what: String,
    /// The new value, or `+ msg` / `- msg` for the network.
    pub value: String,
}

/// An evaluation that failed in the last state of a trace.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationErrorReport {
    /// What was evaluated: ``invariant `ratio` ``, ``the `bound` ``.
    pub of: String,
    /// Why it failed: `division by zero`.
    pub message: String,
}

/// One diagnostic: a line of `--message-format json`.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "dsmc --message-format json: one line per diagnostic")]
pub struct JsonDiagnostic {
    /// The spec's path as given (or the argument that named no spec).
    pub file: String,
    /// `error` or `warning`.
    pub severity: Severity,
    /// The stable code, `dsmc::<stage>::<kind>`.
    pub code: String,
    /// The headline: lowercase, no final period, code in backticks.
    pub message: String,
    /// A concrete fix, when one is known.
    pub help: Option<String>,
    /// The marked spans, primary first.
    pub labels: Vec<JsonLabel>,
}

/// A label, with its span both as byte offsets and as 1-based lines and
/// columns ([`LineIndex::position`]: columns count characters). `end` is
/// the position just past the span, as `byte_end` is.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonLabel {
    /// May be empty.
    pub message: String,
    /// `true` for the fault, `false` for a cause.
    pub primary: bool,
    /// The span's first byte in the file.
    pub byte_start: usize,
    /// Just past its last byte.
    pub byte_end: usize,
    /// The 1-based line of `byte_start`.
    pub line_start: usize,
    /// The 1-based column of `byte_start`, in characters.
    pub column_start: usize,
    /// The 1-based line of `byte_end`.
    pub line_end: usize,
    /// The 1-based column of `byte_end`, in characters.
    pub column_end: usize,
}

impl JsonDiagnostic {
    /// A diagnostic of the spec named `file`, whose source `lines` indexes.
    pub fn new(file: &str, diagnostic: &Diagnostic, lines: &LineIndex<'_>) -> JsonDiagnostic {
        let labels = diagnostic
            .labels
            .iter()
            .map(|label| {
                let (start, end) = lines.span_positions(label.span);
                JsonLabel {
                    message: label.message.clone(),
                    primary: label.primary,
                    byte_start: label.span.start,
                    byte_end: label.span.end,
                    line_start: start.line,
                    column_start: start.column,
                    line_end: end.line,
                    column_end: end.column,
                }
            })
            .collect();
        JsonDiagnostic {
            file: file.to_string(),
            severity: diagnostic.severity,
            code: diagnostic.code.to_string(),
            message: diagnostic.message.clone(),
            help: diagnostic.help.clone(),
            labels,
        }
    }

    /// The diagnostics of one spec.
    pub fn all(file: &str, source: &str, diagnostics: &[Diagnostic]) -> Vec<JsonDiagnostic> {
        let lines = LineIndex::new(source);
        diagnostics
            .iter()
            .map(|d| JsonDiagnostic::new(file, d, &lines))
            .collect()
    }
}

impl SpecReport {
    /// The report of one checked spec named `path`, whose text is `source`.
    /// `exit_code` is the check's own, `peak_resident_bytes` `null` and
    /// `lock` absent: the binary fills those in ([`SpecReport::common_mut`]).
    pub fn new(path: &str, source: &str, checked: &Checked) -> SpecReport {
        let status = checked.status();
        let common = Common {
            spec: path.to_string(),
            status,
            exit_code: status.exit_code(),
            peak_resident_bytes: None,
            lock: None,
        };
        match checked {
            Checked::Errors(diagnostics) => SpecReport::Errors(ErrorsReport {
                common,
                diagnostics: JsonDiagnostic::all(path, source, diagnostics),
            }),
            Checked::Explored {
                model,
                exploration,
                warnings,
            } => SpecReport::Explored(Box::new(explored(
                common,
                model,
                exploration,
                JsonDiagnostic::all(path, source, warnings),
            ))),
        }
    }

    /// The fields every form has.
    pub fn common_mut(&mut self) -> &mut Common {
        match self {
            SpecReport::Errors(r) => &mut r.common,
            SpecReport::Explored(r) => &mut r.common,
        }
    }

    /// The report as one line of JSON, keys sorted at every level.
    pub fn to_line(&self) -> String {
        // Through `Value`, whose maps are ordered: the same bytes as the
        // `json!` objects the report was once built from.
        serde_json::to_value(self).map_or_else(|e| e.to_string(), |value| value.to_string())
    }
}

fn explored(
    common: Common,
    model: &Model,
    exploration: &Exploration,
    warnings: Vec<JsonDiagnostic>,
) -> ExploredReport {
    let spec = &model.spec;
    let constants = spec
        .consts
        .iter()
        .map(|c| {
            let value = match c.value {
                ConstValue::Int(n) => ConstJson::Int(n),
                ConstValue::Bool(b) => ConstJson::Bool(b),
            };
            (c.name.clone(), value)
        })
        .collect();
    let properties = spec
        .properties
        .iter()
        .zip(&exploration.verdicts)
        .map(|(p, v)| {
            let (trace, loop_start, loop_kind) = match v {
                Verdict::Violated(Some(t)) | Verdict::Error(t) => (
                    Some(trace_steps(model, t)),
                    t.lasso.map(|l| l.start),
                    t.lasso.map(|l| {
                        if l.stutter {
                            LoopWord::Stop
                        } else {
                            LoopWord::Cycle
                        }
                    }),
                ),
                _ => (None, None, None),
            };
            PropertyReport {
                name: p.name.clone(),
                kind: p.kind.describe(),
                verdict: VerdictWord::of(v),
                expected: if p.expect_violation {
                    ExpectedWord::Violated
                } else {
                    ExpectedWord::Holds
                },
                trace,
                loop_start,
                loop_kind,
            }
        })
        .collect();
    let deadlock = DeadlockReport {
        verdict: VerdictWord::of(&exploration.deadlock),
        trace: match &exploration.deadlock {
            Verdict::Violated(Some(t)) => Some(trace_steps(model, t)),
            _ => None,
        },
    };
    let runtime_error = exploration.runtime_error.as_ref().map(|t| {
        let message = match (&t.failed, &t.eval_error) {
            (Some((_, e)), _) => Some(e.describe()),
            (None, Some(e)) => Some(format!(
                "evaluating {} fails: {}",
                evaluated_words(model, e.what),
                e.error.describe()
            )),
            (None, None) => None,
        };
        RuntimeErrorReport {
            message,
            trace: trace_steps(model, t),
        }
    });
    ExploredReport {
        common,
        protocol: spec.protocol.clone(),
        constants,
        complete: exploration.complete,
        stop: stop_report(exploration),
        memory_bytes: exploration.memory_bytes as u64,
        states: exploration.states,
        transitions: exploration.transitions,
        depth: exploration.depth,
        pruned: exploration.pruned,
        elapsed_s: exploration.elapsed.as_secs_f64(),
        liveness_s: exploration.liveness_elapsed.as_secs_f64(),
        symmetry: (exploration.symmetry.iter())
            .map(|&k| model.kind_name(k).to_string())
            .collect(),
        properties,
        deadlock,
        runtime_error,
        warnings,
    }
}

fn stop_report(exploration: &Exploration) -> Option<StopReport> {
    let stop = exploration.stop?;
    let (reason, limit) = match stop.reason {
        StopReason::MaxStates(n) => (StopWord::MaxStates, Some(Limit::Count(n))),
        StopReason::Memory(l) if l.guard => (StopWord::MemoryGuard, Some(Limit::Count(l.bytes))),
        StopReason::Memory(l) => (StopWord::MaxMemory, Some(Limit::Count(l.bytes))),
        StopReason::Timeout(d) => (StopWord::Timeout, Some(Limit::Seconds(d.as_secs_f64()))),
        StopReason::Interrupted => (StopWord::Interrupted, None),
        StopReason::ProcessLost => (StopWord::ProcessLost, None),
    };
    Some(StopReport {
        reason,
        limit,
        phase: if stop.in_liveness {
            PhaseWord::Liveness
        } else {
            PhaseWord::Search
        },
        message: stop_clause(stop.reason),
        complete_depth: (!stop.in_liveness).then_some(exploration.depth),
    })
}

fn trace_steps(model: &Model, trace: &Trace) -> Vec<TraceStepReport> {
    let changes = |changes: Vec<crate::model::Change>| {
        changes
            .into_iter()
            .map(|c| ChangeReport {
                what: c.what,
                value: c.value,
            })
            .collect()
    };
    let mut steps = Vec::new();
    if let Some(first) = trace.states.first() {
        steps.push(TraceStepReport {
            step: "initial".to_string(),
            action: "initial".to_string(),
            node: None,
            changes: changes(model.describe_state(first)),
            error: None,
            evaluation_error: None,
        });
    }
    for (i, step) in trace.steps.iter().enumerate() {
        let d = model.describe_step(
            &trace.states[i],
            step,
            trace.states.get(i + 1).map(Vec::as_slice),
        );
        steps.push(TraceStepReport {
            step: d.name,
            action: d.action,
            node: d.node,
            changes: changes(d.changes),
            error: None,
            evaluation_error: None,
        });
    }
    if let Some((step, error)) = &trace.failed {
        let last = trace.states.last().map(Vec::as_slice).unwrap_or(&[]);
        let d = model.describe_step(last, step, None);
        steps.push(TraceStepReport {
            step: d.name,
            action: d.action,
            node: d.node,
            changes: Vec::new(),
            error: Some(error.describe()),
            evaluation_error: None,
        });
    }
    if let Some(e) = &trace.eval_error
        && let Some(last) = steps.last_mut()
    {
        last.evaluation_error = Some(EvaluationErrorReport {
            of: evaluated_words(model, e.what),
            message: e.error.describe(),
        });
    }
    steps
}

/// The JSON Schemas of the two documents, generated from the types above:
/// `(file name under docs/schema/, pretty-printed schema)`.
pub fn schemas() -> Vec<(&'static str, String)> {
    let settings = schemars::generate::SchemaSettings::draft2020_12().for_serialize();
    let text = |schema: schemars::Schema| {
        let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        text.push('\n');
        text
    };
    vec![
        (
            "report.schema.json",
            text(
                settings
                    .clone()
                    .into_generator()
                    .into_root_schema_for::<SpecReport>(),
            ),
        ),
        (
            "diagnostic.schema.json",
            text(
                settings
                    .into_generator()
                    .into_root_schema_for::<JsonDiagnostic>(),
            ),
        ),
    ]
}
