//! The HTML report (`dsmc check --report out.html`): one self-contained page
//! (inline CSS, inline script, no network) with each spec's summary, every
//! property's verdict and, for each counterexample, an SVG sequence diagram
//! and a table of the steps. Clicking a row of the table highlights the step
//! in the diagram, and the other way round.
//!
//! The page marks itself loaded (`<body data-ready="ok">`) once its script
//! has run, and records script errors in `#js-errors`, so that a headless
//! browser can tell that it works (tests/it/html.rs).

use crate::check::{Checked, Expectation, expectation};
use crate::explore::{Trace, Verdict};
use crate::model::{Model, StepEvent, TraceStep};
use crate::report::{eval_error_text, human, verdict_word, violation_label};

/// One spec of the report.
pub struct HtmlSpec<'a> {
    /// The path as given.
    pub path: &'a str,
    /// The spec's text.
    pub source: &'a str,
    /// What checking it gave.
    pub checked: &'a Checked,
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #1d2330; background: #fff; }
h1 { font-size: 1.5em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccd; } h3 { font-size: 1.05em; }
code, pre, td.mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 0.9em; }
pre.summary { background: #f5f6fa; padding: 0.6em 0.8em; border-radius: 4px; white-space: pre-wrap; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { text-align: left; padding: 0.2em 0.7em; border-bottom: 1px solid #e3e5ee; vertical-align: top; }
th { background: #f0f1f6; }
.ok { color: #17813a; font-weight: 600; } .fail { color: #c0262d; font-weight: 600; } .open { color: #7a7f8f; }
.result { font-weight: 600; margin: 1em 0; }
.counterexample { border: 1px solid #dde0ea; border-radius: 6px; padding: 0.5em 1em 1em; margin: 1.5em 0; }
.diagram { overflow-x: auto; }
tr.step-row { cursor: pointer; }
tr.step-row:hover { background: #f2f5fc; }
tr.step-row.selected { background: #fff1b8; }
tr.loop-start td { border-top: 2px solid #8a2be2; }
#js-errors:empty { display: none; }
#js-errors { color: #c0262d; }
"#;

/// The diagrams' styles: in the page, and inside a diagram shown alone.
const SVG_STYLE: &str = r#"
svg text { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 12px; fill: #1d2330; }
svg .lane-name { font-weight: 600; font-size: 13px; }
svg .lifeline { stroke: #9aa0b4; stroke-width: 1.5; }
svg .lifeline.dead { stroke-dasharray: 2 5; stroke: #9aa0b4; }
svg .msg-arrow { stroke: #2c5cc5; stroke-width: 1.8; fill: none; }
svg .msg-lost, svg .msg-dup { stroke: #c0262d; stroke-width: 1.5; stroke-dasharray: 5 4; fill: none; }
svg .msg-dup { stroke: #b26b00; }
svg .msg-send { stroke: #2c5cc5; stroke-width: 1.5; stroke-dasharray: 2 2; }
svg .action { fill: #1d2330; }
svg .forge { fill: #8a2be2; }
svg .fault { fill: #c0262d; font-weight: 700; font-size: 15px; }
svg .cut { stroke: #c0262d; stroke-width: 2; stroke-dasharray: 8 4; }
svg .heal { stroke: #17813a; stroke-width: 2; stroke-dasharray: 2 3; }
svg .row-bg { fill: transparent; }
svg .step { cursor: pointer; }
svg .step:hover .row-bg { fill: #f2f5fc; }
svg .step.selected .row-bg { fill: #fff1b8; }
svg .loop { fill: none; stroke: #8a2be2; stroke-width: 2; }
svg .loop-label { fill: #8a2be2; }
svg .verdict { fill: #c0262d; font-weight: 600; }
svg .step-number { fill: #7a7f8f; }
"#;

/// Selects a step in both the diagram and the table of its counterexample.
const SCRIPT: &str = r#"
(function () {
  var errors = document.getElementById('js-errors');
  window.addEventListener('error', function (e) {
    errors.textContent += (e.message || 'error') + '\n';
    document.body.setAttribute('data-ready', 'error');
  });
  function select(section, step) {
    var marked = section.querySelectorAll('.selected');
    for (var i = 0; i < marked.length; i++) marked[i].classList.remove('selected');
    var both = section.querySelectorAll('[data-step="' + step + '"]');
    for (var j = 0; j < both.length; j++) {
      both[j].classList.add('selected');
      if (both[j].tagName === 'TR') both[j].scrollIntoView({block: 'nearest'});
    }
  }
  var sections = document.querySelectorAll('.counterexample');
  for (var s = 0; s < sections.length; s++) {
    (function (section) {
      var clickable = section.querySelectorAll('.step, .step-row');
      for (var k = 0; k < clickable.length; k++) {
        clickable[k].addEventListener('click', function () {
          select(section, this.getAttribute('data-step'));
        });
      }
    })(sections[s]);
  }
  if (document.body.getAttribute('data-ready') !== 'error') {
    document.body.setAttribute('data-ready', 'ok');
  }
})();
"#;

/// The whole page.
pub fn report(specs: &[HtmlSpec]) -> String {
    let mut body = String::new();
    body.push_str("<h1>dsmc report</h1>\n");
    if specs.len() > 1 {
        body.push_str("<table><tr><th>spec</th><th>states</th><th>result</th></tr>\n");
        for spec in specs {
            let (states, result) = match spec.checked {
                Checked::Errors(_) => ("-".to_string(), "errors"),
                Checked::Explored { exploration, .. } => (
                    crate::report::thousands(exploration.states),
                    status_word(spec.checked),
                ),
            };
            body.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{states}</td><td>{result}</td></tr>\n",
                escape(spec.path)
            ));
        }
        body.push_str("</table>\n");
    }
    let mut counter = 0;
    for spec in specs {
        body.push_str(&spec_section(spec, &mut counter));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>dsmc report</title>\n<style>{STYLE}{SVG_STYLE}</style>\n</head>\n\
         <body data-ready=\"no\">\n<pre id=\"js-errors\"></pre>\n{body}<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
}

fn status_word(checked: &Checked) -> &'static str {
    match checked.status() {
        crate::check::Status::Ok => "ok",
        crate::check::Status::Failed => "FAILED",
        crate::check::Status::NoVerdict => "INCOMPLETE",
        crate::check::Status::SpecErrors => "errors",
    }
}

fn spec_section(spec: &HtmlSpec, counter: &mut usize) -> String {
    let mut out = format!("<h2><code>{}</code></h2>\n", escape(spec.path));
    let (model, exploration) = match spec.checked {
        Checked::Errors(diagnostics) => {
            out.push_str("<p class=\"fail\">the spec has errors and was not checked</p>\n<ul>\n");
            for d in diagnostics {
                out.push_str(&format!(
                    "<li><code>{}</code>: {}</li>\n",
                    escape(d.code),
                    escape(&d.message)
                ));
            }
            out.push_str("</ul>\n");
            return out;
        }
        Checked::Explored {
            model, exploration, ..
        } => (model, exploration),
    };
    let human = human(spec.path, spec.source, model, exploration, 0);
    // The header without the thread count, which a page has no use for.
    let header: String = human
        .header
        .lines()
        .map(|l| match l.find(", 0 threads)") {
            Some(i) => format!("{})", &l[..i]),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    out.push_str(&format!(
        "<pre class=\"summary\">{}</pre>\n",
        escape(&header)
    ));
    out.push_str("<table class=\"properties\"><tr><th></th><th>property</th><th>kind</th><th>verdict</th><th>expected</th></tr>\n");
    let mut traces: Vec<(String, String, &Trace)> = Vec::new();
    for (p, v) in model.spec.properties.iter().zip(&exploration.verdicts) {
        let (mark, class) = match expectation(v, p.expect_violation) {
            Expectation::Met => ("ok", "ok"),
            Expectation::Unmet => ("FAIL", "fail"),
            Expectation::Open => ("--", "open"),
        };
        out.push_str(&format!(
            "<tr><td class=\"{class}\">{mark}</td><td><code>{}</code></td><td>{}</td><td class=\"{class}\">{}</td><td>{}</td></tr>\n",
            escape(&p.name),
            p.kind.describe(),
            verdict_word(v),
            if p.expect_violation { "violated" } else { "holds" },
        ));
        if let Verdict::Error(t) = v {
            traces.push((
                format!("evaluation failed for <code>{}</code>", escape(&p.name)),
                eval_error_text(model, t).unwrap_or_default(),
                t,
            ));
        }
        if let Verdict::Violated(Some(t)) = v {
            let label = violation_label(&p.kind, Some(t));
            traces.push((
                format!("counterexample for <code>{}</code>", escape(&p.name)),
                format!("{} `{}` is violated: {label}", p.kind.describe(), p.name),
                t,
            ));
        }
    }
    match &exploration.deadlock {
        Verdict::Violated(t) => {
            out.push_str("<tr><td class=\"fail\">FAIL</td><td>deadlock</td><td></td><td class=\"fail\">found</td><td>none</td></tr>\n");
            if let Some(t) = t {
                traces.push((
                    "deadlock".into(),
                    "deadlock: no step is enabled here".into(),
                    t,
                ));
            }
        }
        Verdict::Holds => out.push_str(
            "<tr><td class=\"ok\">ok</td><td>deadlock</td><td></td><td class=\"ok\">none</td><td>none</td></tr>\n",
        ),
        _ => {}
    }
    out.push_str("</table>\n");
    if let Some(t) = &exploration.runtime_error {
        match t.failed.as_ref() {
            Some((_, e)) => traces.push((
                "runtime error".into(),
                format!("runtime error: {}", e.describe()),
                t,
            )),
            None => traces.push((
                "evaluation failed".into(),
                eval_error_text(model, t).unwrap_or_default(),
                t,
            )),
        }
    }
    out.push_str(&format!(
        "<p class=\"result\">{}</p>\n",
        escape(&human.result)
    ));
    for (title, verdict, trace) in traces {
        *counter += 1;
        out.push_str(&counterexample(model, trace, &title, &verdict, *counter));
    }
    out
}

/// Layout of the diagram, in pixels.
const LANE: f64 = 150.0;
const LEFT: f64 = 70.0;
const TOP: f64 = 40.0;
const ROW: f64 = 36.0;

/// One counterexample: the diagram and the table.
fn counterexample(model: &Model, trace: &Trace, title: &str, verdict: &str, id: usize) -> String {
    let steps = crate::msc::steps(model, trace);
    let mut out = format!(
        "<section class=\"counterexample\" id=\"cx{id}\">\n<h3>{title}</h3>\n<p class=\"fail\">{}</p>\n",
        escape(verdict)
    );
    out.push_str("<div class=\"diagram\">\n");
    out.push_str(&diagram(model, trace, &steps, verdict));
    out.push_str("</div>\n");
    out.push_str(&table(model, trace, &steps));
    out.push_str("</section>\n");
    out
}

/// A trace as an SVG sequence diagram without a verdict, with its styles
/// inside (for the pages of `dsmc explore`).
pub fn sequence_svg(model: &Model, trace: &Trace) -> String {
    let steps = crate::msc::steps(model, trace);
    let svg = diagram(model, trace, &steps, "");
    // Shown outside the report's page: the styles go inside.
    match svg.find("<defs>") {
        // On a page of any colour: a white ground of its own.
        Some(i) => format!(
            "{}<style>{SVG_STYLE}</style><rect width=\"100%\" height=\"100%\" fill=\"#fff\" rx=\"4\"/>{}",
            &svg[..i],
            &svg[i..]
        ),
        None => svg,
    }
}

fn diagram(model: &Model, trace: &Trace, steps: &[TraceStep], verdict: &str) -> String {
    let n = model.layout.instances.len();
    let x = |lane: u32| LEFT + LANE / 2.0 + lane as f64 * LANE;
    let y = |step: usize| TOP + 20.0 + (step as f64 + 0.5) * ROW;
    // Wide enough for the lanes and for the closing lines (7.3 px a
    // character of the 12 px monospace font).
    let text_width = 40.0 + 7.3 * verdict.chars().count().max(72) as f64;
    let width = (LEFT + n as f64 * LANE + 40.0).max(text_width);
    let bottom = y(steps.len()) - ROW / 2.0;
    let height = bottom + 60.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">\n\
         <defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"10\" markerHeight=\"10\" markerUnits=\"userSpaceOnUse\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#2c5cc5\"/></marker></defs>\n"
    );
    for lane in 0..n as u32 {
        svg.push_str(&format!(
            "<text class=\"lane-name\" x=\"{}\" y=\"{TOP}\" text-anchor=\"middle\">{}</text>\n",
            x(lane),
            escape(&model.global_name(lane))
        ));
    }
    // Lifelines, one segment per row, dashed while the node is crashed.
    let mut crashed = vec![false; n];
    for (i, step) in steps.iter().enumerate() {
        match step.event {
            StepEvent::Crash { node } => crashed[node as usize] = true,
            StepEvent::Restart { node } => crashed[node as usize] = false,
            _ => {}
        }
        let (top, bottom) = if i == 0 {
            (TOP + 8.0, y(i) + ROW / 2.0)
        } else {
            (y(i) - ROW / 2.0, y(i) + ROW / 2.0)
        };
        for (lane, &dead) in crashed.iter().enumerate() {
            let before_crash =
                matches!(step.event, StepEvent::Crash { node } if node as usize == lane);
            let (a, b) = if before_crash {
                (top, y(i))
            } else {
                (top, bottom)
            };
            svg.push_str(&format!(
                "<line class=\"lifeline{}\" x1=\"{x}\" y1=\"{a}\" x2=\"{x}\" y2=\"{b}\"/>\n",
                if dead && !before_crash { " dead" } else { "" },
                x = x(lane as u32)
            ));
            if before_crash {
                svg.push_str(&format!(
                    "<line class=\"lifeline dead\" x1=\"{x}\" y1=\"{a}\" x2=\"{x}\" y2=\"{b}\"/>\n",
                    x = x(lane as u32),
                    a = y(i),
                    b = bottom
                ));
            }
        }
    }
    // A tail below the last step, dotted for the crashed.
    if !steps.is_empty() {
        for (lane, &dead) in crashed.iter().enumerate() {
            svg.push_str(&format!(
                "<line class=\"lifeline{}\" x1=\"{x}\" y1=\"{bottom}\" x2=\"{x}\" y2=\"{}\"/>\n",
                if dead { " dead" } else { "" },
                bottom + 14.0,
                x = x(lane as u32)
            ));
        }
    }
    if steps.is_empty() {
        for lane in 0..n as u32 {
            svg.push_str(&format!(
                "<line class=\"lifeline\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\"/>\n",
                TOP + 8.0,
                TOP + 30.0,
                x = x(lane)
            ));
        }
    }
    for (i, step) in steps.iter().enumerate() {
        let yy = y(i);
        svg.push_str(&format!(
            "<g class=\"step\" data-step=\"{}\"><title>{}</title>\n<rect class=\"row-bg\" x=\"0\" y=\"{}\" width=\"{width}\" height=\"{ROW}\"/>\n<text class=\"step-number\" x=\"26\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
            i + 1,
            escape(&step.name),
            yy - ROW / 2.0,
            yy + 4.0,
            i + 1
        ));
        let label = |at: f64, text: &str, anchor: &str| {
            format!(
                "<text x=\"{at}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>\n",
                yy - 6.0,
                escape(text)
            )
        };
        // Each message sent: a short stub from the sender towards the
        // receiver (the arrow comes when it is delivered).
        for sent in &step.sent {
            if sent.from != sent.to && !matches!(step.event, StepEvent::Forge { .. }) {
                let (a, b) = (x(sent.from), x(sent.to));
                let end = a + (b - a).signum() * 22.0;
                svg.push_str(&format!(
                    "<line class=\"msg-send\" x1=\"{a}\" y1=\"{}\" x2=\"{end}\" y2=\"{}\"><title>sends {} → {}</title></line>\n",
                    yy + 6.0,
                    yy + 6.0,
                    escape(&sent.message),
                    escape(&model.global_name(sent.to))
                ));
            }
        }
        match &step.event {
            StepEvent::Action { node } => {
                svg.push_str(&format!(
                    "<circle class=\"action\" cx=\"{}\" cy=\"{yy}\" r=\"5\"/>\n",
                    x(*node)
                ));
                let name = step
                    .name
                    .split_once('.')
                    .map_or(step.name.as_str(), |(_, a)| a);
                svg.push_str(&label(x(*node) + 9.0, name, "start"));
            }
            StepEvent::Crash { node } | StepEvent::Restart { node } => {
                let (glyph, word) = if matches!(step.event, StepEvent::Crash { .. }) {
                    ("✗", "crash")
                } else {
                    ("↻", "restart")
                };
                svg.push_str(&format!(
                    "<text class=\"fault\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{glyph}</text>\n",
                    x(*node),
                    yy + 5.0
                ));
                svg.push_str(&label(x(*node) + 10.0, word, "start"));
            }
            StepEvent::Forge { node, message, .. } => {
                let cx = x(*node);
                svg.push_str(&format!(
                    "<polygon class=\"forge\" points=\"{},{yy} {cx},{} {},{yy} {cx},{}\"/>\n",
                    cx - 6.0,
                    yy - 6.0,
                    cx + 6.0,
                    yy + 6.0
                ));
                svg.push_str(&label(cx + 10.0, &format!("forges {message}"), "start"));
            }
            StepEvent::Deliver { from, to, message } => {
                svg.push_str(&message_line("msg-arrow", x(*from), x(*to), yy, true));
                if from == to {
                    // Right of the loop, clear of it.
                    svg.push_str(&format!(
                        "<text x=\"{}\" y=\"{}\">{}</text>\n",
                        x(*to) + 46.0,
                        yy + 4.0,
                        escape(message)
                    ));
                } else {
                    svg.push_str(&label(mid(x(*from), x(*to)), message, "middle"));
                }
            }
            StepEvent::Lose { from, to, message } => {
                svg.push_str(&message_line("msg-lost", x(*from), x(*to), yy, false));
                svg.push_str(&format!(
                    "<text class=\"fault\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">✗</text>\n",
                    x(*to) - (x(*to) - x(*from)).signum() * 14.0,
                    yy + 5.0
                ));
                svg.push_str(&label(
                    mid(x(*from), x(*to)),
                    &format!("{message} lost"),
                    "middle",
                ));
            }
            StepEvent::Duplicate { from, to, message } => {
                svg.push_str(&message_line("msg-dup", x(*from), x(*to), yy, false));
                svg.push_str(&label(
                    mid(x(*from), x(*to)),
                    &format!("{message} duplicated"),
                    "middle",
                ));
            }
            StepEvent::Partition { .. } | StepEvent::Heal => {
                let class = if matches!(step.event, StepEvent::Heal) {
                    "heal"
                } else {
                    "cut"
                };
                svg.push_str(&format!(
                    "<line class=\"{class}\" x1=\"{}\" y1=\"{yy}\" x2=\"{}\" y2=\"{yy}\"/>\n",
                    x(0) - 20.0,
                    x(n.saturating_sub(1) as u32) + 20.0
                ));
                svg.push_str(&label(x(0), &step.name, "start"));
            }
        }
        svg.push_str("</g>\n");
    }
    // The loop of a liveness counterexample, bracketed on the left.
    if let Some(lasso) = trace.lasso {
        if lasso.stutter {
            svg.push_str(&format!(
                "<text class=\"loop-label\" x=\"{LEFT}\" y=\"{}\">from state {} on, no fair step is enabled: the behaviour stops here</text>\n",
                bottom + 30.0,
                lasso.start
            ));
        } else if lasso.start < steps.len() {
            let (top, end) = (y(lasso.start) - ROW / 2.0 + 3.0, bottom - 3.0);
            svg.push_str(&format!(
                "<path class=\"loop\" d=\"M 44 {top} L 36 {top} L 36 {end} L 44 {end}\"/>\n<text class=\"loop-label\" x=\"32\" y=\"{}\" text-anchor=\"end\" transform=\"rotate(-90 32 {})\">loop</text>\n",
                (top + end) / 2.0,
                (top + end) / 2.0
            ));
        }
    }
    if !verdict.is_empty() {
        svg.push_str(&format!(
            "<text class=\"verdict\" x=\"8\" y=\"{}\">✗ {}</text>\n",
            bottom + 48.0,
            escape(verdict)
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

fn mid(a: f64, b: f64) -> f64 {
    (a + b) / 2.0
}

/// A message from x `a` to x `b` at height `y`; a loop back to the lane
/// when both are the same node.
fn message_line(class: &str, a: f64, b: f64, y: f64, head: bool) -> String {
    let marker = if head {
        " marker-end=\"url(#head)\""
    } else {
        ""
    };
    if (a - b).abs() < 1.0 {
        return format!(
            "<path class=\"{class}\" d=\"M {a} {} C {} {} {} {} {a} {}\"{marker}/>\n",
            y - 8.0,
            a + 40.0,
            y - 14.0,
            a + 40.0,
            y + 14.0,
            y + 8.0
        );
    }
    let end = b - (b - a).signum() * 2.0;
    format!("<line class=\"{class}\" x1=\"{a}\" y1=\"{y}\" x2=\"{end}\" y2=\"{y}\"{marker}/>\n")
}

fn table(model: &Model, trace: &Trace, steps: &[TraceStep]) -> String {
    let mut out = String::from(
        "<table class=\"steps\"><tr><th>step</th><th>node</th><th>action</th><th>changes</th></tr>\n",
    );
    let initial: Vec<String> = trace
        .states
        .first()
        .map(|s| {
            model
                .describe_state(s)
                .into_iter()
                .map(|c| {
                    if c.what == "network" {
                        format!("network {}", c.value)
                    } else {
                        format!("{} = {}", c.what, c.value)
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    out.push_str(&format!(
        "<tr><td>0</td><td></td><td>initial state</td><td class=\"mono\">{}</td></tr>\n",
        initial
            .iter()
            .map(|l| escape(l))
            .collect::<Vec<_>>()
            .join("<br>")
    ));
    let loop_start = trace.lasso.filter(|l| !l.stutter).map(|l| l.start);
    for (i, step) in steps.iter().enumerate() {
        let mut changes = crate::msc::change_lines(model, step);
        if i == trace.steps.len()
            && let Some((_, e)) = &trace.failed
        {
            changes.push(format!("fails: {}", e.describe()));
        }
        out.push_str(&format!(
            "<tr class=\"step-row{}\" data-step=\"{}\"><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td class=\"mono\">{}</td></tr>\n",
            if loop_start == Some(i) { " loop-start" } else { "" },
            i + 1,
            i + 1,
            escape(step.node.as_deref().unwrap_or("")),
            escape(&step.name),
            changes
                .iter()
                .map(|l| escape(l))
                .collect::<Vec<_>>()
                .join("<br>")
        ));
    }
    out.push_str("</table>\n");
    if let Some(lasso) = trace.lasso {
        out.push_str(&format!(
            "<p>{}</p>\n",
            if lasso.stutter {
                format!(
                    "From state {} on no fair step is enabled: the behaviour stops there for ever.",
                    lasso.start
                )
            } else {
                format!(
                    "From state {} on, steps {}–{} repeat for ever.",
                    lasso.start,
                    lasso.start + 1,
                    steps.len()
                )
            }
        ));
    }
    out
}
