//! Counterexamples as message sequence charts for the terminal.
//!
//! One lane per node instance, time going down: a row per step, with the
//! step's mark on its lane (an action `●`, a crash `✗`, a restart `↻`, a
//! forged message `◆`), an arrow from the sender's lane to the receiver's
//! for each delivered message (dashed and crossed out for a lost one), a
//! line across every lane for a partition and its healing. Right of the
//! lanes, each step is named as the spec names it (`RM[0].prepare`,
//! `TM ← Prepared from RM[0]`) with what it changed and sent on the rows
//! below. A liveness loop is bracketed in the left margin; the violated
//! property closes the chart.
//!
//! The chart is plain text: box drawing characters, or ASCII only
//! ([`ChartOptions::ascii`]). Nothing here knows about terminals.

use crate::explore::Trace;
use crate::model::{Model, StepEvent, TraceStep};

/// How to draw a chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChartOptions {
    /// Only ASCII characters (for terminals that cannot show Unicode).
    pub ascii: bool,
    /// The widest a lane may be, in columns; longer names are cut.
    pub max_lane_width: usize,
    /// With more lanes than this, lanes on which nothing happens are left
    /// out (the chart says which).
    pub max_idle_lanes: usize,
}

impl Default for ChartOptions {
    fn default() -> ChartOptions {
        ChartOptions {
            ascii: false,
            max_lane_width: 13,
            max_idle_lanes: 8,
        }
    }
}

/// The characters a chart is drawn with.
struct Glyphs {
    life: char,
    dead: char,
    line: char,
    dash: char,
    head_right: char,
    head_left: char,
    tail_right: char,
    tail_left: char,
    action: char,
    crash: char,
    restart: char,
    forge: char,
    to_self: char,
    lost: char,
    duplicated: char,
    cut: char,
    cut_line: char,
    heal: char,
    loop_top: char,
    loop_mid: char,
    loop_end: char,
    ellipsis: char,
    fails: char,
}

const UNICODE: Glyphs = Glyphs {
    life: '│',
    dead: '┆',
    line: '─',
    dash: '╌',
    head_right: '►',
    head_left: '◄',
    tail_right: '├',
    tail_left: '┤',
    action: '●',
    crash: '✗',
    restart: '↻',
    forge: '◆',
    to_self: '↺',
    lost: '✗',
    duplicated: '»',
    cut: '╪',
    cut_line: '═',
    heal: '┼',
    loop_top: '┌',
    loop_mid: '│',
    loop_end: '└',
    ellipsis: '…',
    fails: '✗',
};

const ASCII: Glyphs = Glyphs {
    life: '|',
    dead: ':',
    line: '-',
    dash: '~',
    head_right: '>',
    head_left: '<',
    tail_right: '+',
    tail_left: '+',
    action: '*',
    crash: 'X',
    restart: 'R',
    forge: '!',
    to_self: '@',
    lost: 'x',
    duplicated: '2',
    cut: '#',
    cut_line: '=',
    heal: '+',
    loop_top: '+',
    loop_mid: '|',
    loop_end: '+',
    ellipsis: '~',
    fails: 'X',
};

/// Whether a trace involves messages: a message sent or delivered, lost,
/// duplicated or forged. Such traces read best as a chart.
pub(crate) fn involves_messages(model: &Model, trace: &Trace) -> bool {
    steps(model, trace).iter().any(|s| {
        !s.sent.is_empty()
            || matches!(
                s.event,
                StepEvent::Deliver { .. }
                    | StepEvent::Lose { .. }
                    | StepEvent::Duplicate { .. }
                    | StepEvent::Forge { .. }
            )
    })
}

/// The steps of a trace in words, the failed last step included.
pub fn steps(model: &Model, trace: &Trace) -> Vec<TraceStep> {
    let mut out: Vec<TraceStep> = trace
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            model.describe_step(
                &trace.states[i],
                step,
                trace.states.get(i + 1).map(Vec::as_slice),
            )
        })
        .collect();
    if let Some((step, _)) = &trace.failed {
        let last = trace.states.last().map(Vec::as_slice).unwrap_or(&[]);
        out.push(model.describe_step(last, step, None));
    }
    out
}

/// The lanes a step draws on.
fn lanes_of(step: &TraceStep) -> Vec<u32> {
    let mut lanes: Vec<u32> = match &step.event {
        StepEvent::Action { node } | StepEvent::Crash { node } | StepEvent::Restart { node } => {
            vec![*node]
        }
        StepEvent::Deliver { from, to, .. }
        | StepEvent::Lose { from, to, .. }
        | StepEvent::Duplicate { from, to, .. } => vec![*from, *to],
        StepEvent::Forge { node, to, .. } => vec![*node, *to],
        StepEvent::Partition { .. } | StepEvent::Heal => Vec::new(),
    };
    // A message sent but never delivered involves only its sender.
    lanes.extend(step.sent.iter().map(|s| s.from));
    lanes
}

/// The lines of changes shown under a step: variables, and the messages
/// sent grouped by label (`sends Commit → RM[0], RM[1]`). Network removals,
/// crash flags and the partition show in the chart itself.
pub fn change_lines(model: &Model, step: &TraceStep) -> Vec<String> {
    let mut lines: Vec<String> = step
        .changes
        .iter()
        .filter(|c| c.what != "network" && c.what != "partition" && c.what.contains('.'))
        .map(|c| format!("{} = {}", c.what, c.value))
        .collect();
    let mut groups: Vec<(u32, &str, Vec<String>)> = Vec::new();
    // A forged message is the step itself.
    let sent = if matches!(step.event, StepEvent::Forge { .. }) {
        &[][..]
    } else {
        &step.sent[..]
    };
    for s in sent {
        let to = model.global_name(s.to);
        match groups
            .iter_mut()
            .find(|(from, m, _)| *from == s.from && *m == s.message)
        {
            Some((_, _, tos)) => tos.push(to),
            None => groups.push((s.from, &s.message, vec![to])),
        }
    }
    for (from, message, tos) in groups {
        let who = if Some(model.global_name(from)) == step.node {
            String::new()
        } else {
            format!("{} ", model.global_name(from))
        };
        lines.push(format!("{who}sends {message} → {}", tos.join(", ")));
    }
    lines
}

/// One text row of the chart under construction.
struct Row {
    cells: Vec<char>,
    text: String,
}

/// Draws a trace as a sequence chart. `verdict` is the closing line (the
/// violated property and what the violation means).
pub fn chart(model: &Model, trace: &Trace, verdict: &str, options: &ChartOptions) -> String {
    let g = if options.ascii { &ASCII } else { &UNICODE };
    let steps = steps(model, trace);
    let n_instances = model.layout.instances.len() as u32;

    // Which lanes to draw.
    let mut lanes: Vec<u32> = (0..n_instances).collect();
    let mut hidden = Vec::new();
    if lanes.len() > options.max_idle_lanes {
        let mut used = vec![false; n_instances as usize];
        for step in &steps {
            for lane in lanes_of(step) {
                if let Some(u) = used.get_mut(lane as usize) {
                    *u = true;
                }
            }
        }
        hidden = lanes
            .iter()
            .copied()
            .filter(|&l| !used[l as usize])
            .collect();
        lanes.retain(|&l| used[l as usize]);
    }
    let names: Vec<String> = lanes.iter().map(|&l| model.global_name(l)).collect();
    // Wide enough for the names, and for the labels of delivered messages
    // on their arrows between neighbouring lanes, up to the cap.
    let longest_name = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let longest_label = steps
        .iter()
        .filter_map(|s| match &s.event {
            StepEvent::Deliver { message, .. } => Some(message.chars().count()),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let cap = options.max_lane_width.max(6);
    let lane_width = if longest_label + 5 <= cap {
        (longest_name + 3).max(longest_label + 5)
    } else {
        longest_name + 3
    }
    .clamp(6, cap);
    let column = |lane: u32| lanes.iter().position(|&l| l == lane);

    let digits = steps.len().max(1).to_string().len();
    // Loop bracket, a space, the step number, two spaces.
    let gutter = 2 + digits + 2;
    let width = gutter + lanes.len() * lane_width;
    let x = |col: usize| gutter + col * lane_width + lane_width / 2;

    let mut crashed = vec![false; n_instances as usize];
    let blank = |crashed: &[bool]| -> Vec<char> {
        let mut cells = vec![' '; width];
        for (col, &lane) in lanes.iter().enumerate() {
            cells[x(col)] = if crashed[lane as usize] {
                g.dead
            } else {
                g.life
            };
        }
        cells
    };

    let mut rows: Vec<Row> = Vec::new();
    // The header: names centred on their lanes.
    let mut header = vec![' '; width];
    for (col, name) in names.iter().enumerate() {
        let name: Vec<char> = cut(name, lane_width - 1, g.ellipsis).chars().collect();
        let start = (x(col) + 1).saturating_sub(name.len().div_ceil(2));
        for (i, c) in name.iter().enumerate() {
            if let Some(cell) = header.get_mut(start + i) {
                *cell = *c;
            }
        }
    }
    rows.push(Row {
        cells: header,
        text: String::new(),
    });
    rows.push(Row {
        cells: blank(&crashed),
        text: "initial state".into(),
    });
    if let Some(first) = trace.states.first() {
        // One line per instance: `RM[0]  state = working, ...`.
        let mut lines: Vec<(String, Vec<String>)> = Vec::new();
        for c in model.describe_state(first) {
            if c.what == "network" {
                continue;
            }
            let (who, var) = c.what.split_once('.').unwrap_or(("", &c.what));
            let item = format!("{var} = {}", c.value);
            match lines.last_mut() {
                Some((w, items)) if w == who => items.push(item),
                _ => lines.push((who.to_string(), vec![item])),
            }
        }
        for (who, items) in lines {
            let who = if who.is_empty() {
                String::new()
            } else {
                format!("{who}: ")
            };
            rows.push(Row {
                cells: blank(&crashed),
                text: format!("  {who}{}", items.join(", ")),
            });
        }
    }

    let loop_start = trace.lasso.filter(|l| !l.stutter).map(|l| l.start);
    let mut loop_rows = None;
    for (i, step) in steps.iter().enumerate() {
        let failed = trace.failed.is_some() && i == trace.steps.len();
        rows.push(Row {
            cells: blank(&crashed),
            text: String::new(),
        });
        if loop_start == Some(i) {
            loop_rows = Some(rows.len());
        }
        let mut cells = blank(&crashed);
        let number = format!("{:>digits$}", i + 1);
        for (k, c) in number.chars().enumerate() {
            cells[2 + k] = c;
        }
        let mark = |lane: u32, c: char, cells: &mut [char]| {
            if let Some(col) = column(lane) {
                cells[x(col)] = c;
            }
        };
        match &step.event {
            StepEvent::Action { node } => mark(*node, g.action, &mut cells),
            StepEvent::Crash { node } => {
                mark(*node, g.crash, &mut cells);
                crashed[*node as usize] = true;
            }
            StepEvent::Restart { node } => {
                mark(*node, g.restart, &mut cells);
                crashed[*node as usize] = false;
            }
            StepEvent::Forge { node, .. } => mark(*node, g.forge, &mut cells),
            StepEvent::Deliver { from, to, message } => arrow(
                &mut cells,
                g,
                *from,
                *to,
                message,
                Arrow::Delivered,
                &column,
                &x,
            ),
            StepEvent::Lose { from, to, message } => {
                arrow(&mut cells, g, *from, *to, message, Arrow::Lost, &column, &x)
            }
            StepEvent::Duplicate { from, to, message } => arrow(
                &mut cells,
                g,
                *from,
                *to,
                message,
                Arrow::Duplicated,
                &column,
                &x,
            ),
            StepEvent::Partition { .. } | StepEvent::Heal => {
                let (cross, fill) = if matches!(step.event, StepEvent::Heal) {
                    (g.heal, g.line)
                } else {
                    (g.cut, g.cut_line)
                };
                if !lanes.is_empty() {
                    for cell in &mut cells[x(0)..=x(lanes.len() - 1)] {
                        *cell = fill;
                    }
                    for col in 0..lanes.len() {
                        cells[x(col)] = cross;
                    }
                }
            }
        }
        if failed && let Some(node) = step_node(&step.event) {
            mark(node, g.fails, &mut cells);
        }
        let text = if failed {
            let error = trace
                .failed
                .as_ref()
                .map(|(_, e)| e.describe())
                .unwrap_or_default();
            format!("{}  fails: {error}", step.name)
        } else {
            step.name.clone()
        };
        rows.push(Row { cells, text });
        for line in change_lines(model, step) {
            rows.push(Row {
                cells: blank(&crashed),
                text: format!("  {line}"),
            });
        }
    }

    if let Some(lasso) = trace.lasso {
        rows.push(Row {
            cells: blank(&crashed),
            text: String::new(),
        });
        if lasso.stutter {
            rows.push(Row {
                cells: blank(&crashed),
                text: format!(
                    "from state {} on no fair step is enabled: the behaviour stops here for ever",
                    lasso.start
                ),
            });
        } else {
            let last = rows.len();
            rows.push(Row {
                cells: blank(&crashed),
                text: format!(
                    "back at state {}: steps {}–{} repeat for ever",
                    lasso.start,
                    lasso.start + 1,
                    steps.len()
                ),
            });
            if let Some(first) = loop_rows {
                rows[first].cells[0] = g.loop_top;
                for row in &mut rows[first + 1..last] {
                    row.cells[0] = g.loop_mid;
                }
                rows[last].cells[0] = g.loop_end;
            }
        }
    }

    let mut out = String::new();
    for row in &rows {
        let mut line: String = row.cells.iter().collect();
        if !row.text.is_empty() {
            line.push_str("  ");
            if options.ascii {
                line.push_str(&to_ascii(&row.text));
            } else {
                line.push_str(&row.text);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if !hidden.is_empty() {
        let hidden: Vec<String> = hidden.iter().map(|&l| model.global_name(l)).collect();
        out.push_str(&format!(
            "  ({} without a step not shown: {})\n",
            if hidden.len() == 1 {
                "1 node".to_string()
            } else {
                format!("{} nodes", hidden.len())
            },
            hidden.join(", ")
        ));
    }
    let closing = format!("  {} {verdict}\n", g.fails);
    if options.ascii {
        out.push_str(&to_ascii(&closing));
    } else {
        out.push_str(&closing);
    }
    out
}

/// Text with the few non-ASCII characters dsmc writes spelled in ASCII;
/// anything else non-ASCII (from a spec's own names) becomes `?`.
fn to_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '→' => out.push_str("->"),
            '←' => out.push_str("<-"),
            '–' | '─' => out.push('-'),
            '…' => out.push_str("..."),
            c if c.is_ascii() => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// The node a step is taken by, if any.
fn step_node(event: &StepEvent) -> Option<u32> {
    match event {
        StepEvent::Action { node }
        | StepEvent::Crash { node }
        | StepEvent::Restart { node }
        | StepEvent::Forge { node, .. } => Some(*node),
        StepEvent::Deliver { to, .. } => Some(*to),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Arrow {
    Delivered,
    Lost,
    Duplicated,
}

/// Draws a message from lane `from` to lane `to` into a row, its label on
/// the arrow when it fits.
#[allow(clippy::too_many_arguments)]
fn arrow(
    cells: &mut [char],
    g: &Glyphs,
    from: u32,
    to: u32,
    label: &str,
    kind: Arrow,
    column: &dyn Fn(u32) -> Option<usize>,
    x: &dyn Fn(usize) -> usize,
) {
    let (Some(a), Some(b)) = (column(from), column(to)) else {
        return;
    };
    let (xa, xb) = (x(a), x(b));
    let fill = if kind == Arrow::Delivered {
        g.line
    } else {
        g.dash
    };
    if xa == xb {
        cells[xa] = match kind {
            Arrow::Delivered => g.to_self,
            Arrow::Lost => g.lost,
            Arrow::Duplicated => g.duplicated,
        };
        return;
    }
    let (lo, hi) = (xa.min(xb), xa.max(xb));
    for cell in &mut cells[lo + 1..hi] {
        *cell = fill;
    }
    let head = match kind {
        Arrow::Delivered if xb > xa => g.head_right,
        Arrow::Delivered => g.head_left,
        Arrow::Lost => g.lost,
        Arrow::Duplicated => g.duplicated,
    };
    if xb > xa {
        cells[xa] = g.tail_right;
        cells[xb - 1] = head;
    } else {
        cells[xa] = g.tail_left;
        cells[xb + 1] = head;
    }
    // The label, centred between the ends, with a line character on each
    // side of it.
    let room = hi - lo - 1;
    let label: Vec<char> = label.chars().collect();
    if label.len() + 4 <= room {
        let start = lo + 1 + (room - label.len()) / 2;
        for (i, c) in label.iter().enumerate() {
            cells[start + i] = *c;
        }
        cells[start - 1] = ' ';
        cells[start + label.len()] = ' ';
    }
}

/// `text` cut to at most `max` characters, the last one an ellipsis.
fn cut(text: &str, max: usize, ellipsis: char) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push(ellipsis);
    out
}
