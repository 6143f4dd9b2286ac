//! The table that ends the report of a run over several specs: one row per
//! spec with its distinct states, how its verdicts came out, its result and
//! its time, then the run's result and exit code.

use dsmc::check::{Checked, Status};
use dsmc::report::{Tally, tally, thousands};

use super::run::SpecRun;

/// The summary of a run, as text without a final newline.
pub fn table(runs: &[SpecRun], outcome: Status) -> String {
    let headers = ["spec", "states", "ok", "failed", "open", "result", "time"];
    let rows: Vec<[String; 7]> = runs.iter().map(row).collect();
    let mut widths = headers.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 7]| {
        let mut text = String::from(" ");
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            text.push(' ');
            // The spec and the result read left to right; numbers align right.
            let pad = width - cell.chars().count();
            if i == 0 || i == 5 {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            } else {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            }
            if i < cells.len() - 1 {
                text.push(' ');
            }
        }
        text.trim_end().to_string()
    };
    let plural = if runs.len() == 1 { "" } else { "s" };
    let mut out = format!("summary of {} spec{plural}\n", runs.len());
    out.push_str(&line(headers));
    out.push('\n');
    for row in &rows {
        out.push_str(&line(row.each_ref().map(String::as_str)));
        out.push('\n');
    }
    out.push_str(&closing_line(runs, outcome));
    out
}

fn row(run: &SpecRun) -> [String; 7] {
    let dash = || "-".to_string();
    let (states, counts) = match &run.checked {
        Checked::Errors(_) => (dash(), None),
        Checked::Explored {
            model, exploration, ..
        } => (
            thousands(exploration.states),
            Some(tally(model, exploration)),
        ),
    };
    let [ok, failed, open] = match counts {
        Some(Tally {
            met,
            unmet,
            open,
            not_selected,
        }) => [met, unmet, open + not_selected].map(|n| n.to_string()),
        None => [dash(), dash(), dash()],
    };
    [
        run.spec.name.clone(),
        states,
        ok,
        failed,
        open,
        run.result_word().to_string(),
        format!("{:.2} s", run.elapsed.as_secs_f64()),
    ]
}

/// `result: ERRORS (1 ok, 1 failed, 1 with errors; exit 2)`.
fn closing_line(runs: &[SpecRun], outcome: Status) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for run in runs {
        let word = run.result_word();
        match counts.iter_mut().find(|(w, _)| *w == word) {
            Some((_, n)) => *n += 1,
            None => counts.push((word, 1)),
        }
    }
    // A fixed order, whatever order the specs came in.
    let order = ["ok", "FAILED", "drift", "INCOMPLETE", "errors"];
    counts.sort_by_key(|(w, _)| order.iter().position(|o| o == w));
    let counts: Vec<String> = counts
        .iter()
        .map(|(w, n)| match *w {
            "FAILED" => format!("{n} failed"),
            "drift" => format!("{n} drifted from the lock"),
            "INCOMPLETE" => format!("{n} incomplete"),
            "errors" => format!("{n} with errors"),
            _ => format!("{n} {w}"),
        })
        .collect();
    let word = match outcome {
        Status::Ok => "ok",
        Status::Failed => "FAILED",
        Status::NoVerdict => "INCOMPLETE",
        Status::SpecErrors => "ERRORS",
    };
    format!(
        "result: {word} ({}; exit {})",
        counts.join(", "),
        outcome.exit_code()
    )
}
