//! `dsmc check` as one call: source text in, verdicts out.
//!
//! [`check_source`] runs the front end, lowering and the explorer, and
//! [`Checked::status`] decides what the run means for the user (and the exit
//! code): every property as expected, one not as expected, or no verdict.

use crate::diagnostic::Diagnostic;
use crate::explore::{self, Exploration, Verdict};
use crate::front::{self, Override};
use crate::model::{self, Model};

/// How to check.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    pub overrides: Vec<Override>,
    pub explore: explore::Options,
}

/// The outcome of checking one spec.
pub enum Checked {
    /// The spec has errors (front end or lowering); warnings may be among them.
    Errors(Vec<Diagnostic>),
    /// The spec was explored.
    Explored {
        /// Warnings of the front end.
        warnings: Vec<Diagnostic>,
        model: Box<Model>,
        exploration: Box<Exploration>,
    },
}

/// What a checked spec means for the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Every property as expected.
    Ok,
    /// A property is not as expected (or a deadlock or a runtime error).
    Failed,
    /// The search stopped early, or an expectation could not be checked.
    NoVerdict,
    /// The spec has errors.
    SpecErrors,
}

impl Status {
    /// The process exit code for this status.
    pub fn exit_code(self) -> i32 {
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
        (Verdict::Unchecked | Verdict::Unknown, _) => Expectation::Open,
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
            || exploration.runtime_error.is_some();
        let mut open = !exploration.complete;
        for (p, v) in model.spec.properties.iter().zip(&exploration.verdicts) {
            match expectation(v, p.expect_violation) {
                Expectation::Met => {}
                Expectation::Unmet => failed = true,
                // An unchecked liveness property without an expectation is
                // reported as unchecked but does not withhold the verdict on
                // the rest; an expectation that cannot be checked does.
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

/// Checks a spec end to end.
pub fn check_source(source: &str, options: &CheckOptions) -> Checked {
    let front = front::check_source(source, &options.overrides);
    let Some(typed) = front.typed else {
        return Checked::Errors(front.diagnostics);
    };
    let model = match model::lower(typed) {
        Ok(m) => m,
        Err(errors) => {
            return Checked::Errors(
                errors
                    .iter()
                    .map(model::LowerError::to_diagnostic)
                    .collect(),
            );
        }
    };
    match explore::explore(&model, &options.explore) {
        Ok(exploration) => {
            let mut warnings = front.diagnostics;
            if exploration.complete {
                warnings.extend(coverage_warnings(&model, &exploration));
            }
            Checked::Explored {
                warnings,
                model: Box::new(model),
                exploration: Box::new(exploration),
            }
        }
        Err(e) => Checked::Errors(vec![
            Diagnostic::error(
                "dsmc::check::initial_state",
                format!("computing the initial states failed: {}", e.describe()),
            )
            .primary(e.span, "while computing this initial value"),
        ]),
    }
}

/// Actions and handlers that never ran in any reachable state: dead code in
/// the protocol, or a guard that can never hold. Only meaningful after an
/// exhaustive search.
fn coverage_warnings(model: &Model, exploration: &Exploration) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (k, node) in model.spec.nodes.iter().enumerate() {
        for (a, action) in node.actions.iter().enumerate() {
            if !exploration.coverage.actions[k][a] {
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
            if !exploration.coverage.handlers[k][h] {
                let message = &model.spec.messages[handler.message].name;
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
    out
}
