//! One spec of a `dsmc check` run, checked: what the run's documents are
//! made from. `check.rs` makes them; `summary.rs`, `junit.rs` and
//! `sarif.rs` read them, and none of those three knows `check.rs`.

use std::time::Duration;

use dsmc::check::{Checked, Status};

use super::lock::Comparison;
use super::report::SpecText;

/// One spec of the run, checked.
pub struct SpecRun {
    /// The spec's name (its path as found) and text; empty text when it
    /// could not be read.
    pub spec: SpecText,
    pub checked: Checked,
    /// Wall time of reading and checking it.
    pub elapsed: Duration,
    /// How it compares with the lockfile, when `--lock` is given: the
    /// entry's label and the comparison.
    pub lock: Option<(String, Comparison)>,
    /// Whether a lock difference fails the run (not under `--update-lock`).
    pub drift_fails: bool,
}

impl SpecRun {
    /// What this spec alone means for the exit code: the check's status,
    /// and drift from the lock as a failure.
    pub fn outcome(&self) -> Status {
        let outcome = self.checked.status();
        let drift = self.drift_fails && self.lock.as_ref().is_some_and(|(_, c)| c.is_drift());
        if drift {
            outcome.max(Status::Failed)
        } else {
            outcome
        }
    }

    /// One word for the summary table.
    pub fn result_word(&self) -> &'static str {
        match self.checked.status() {
            Status::SpecErrors => "errors",
            Status::Failed => "FAILED",
            _ if self.outcome() == Status::Failed => "drift",
            Status::NoVerdict => "INCOMPLETE",
            Status::Ok => "ok",
        }
    }
}
