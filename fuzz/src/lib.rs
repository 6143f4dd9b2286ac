//! What the fuzz targets share: the corpus of specs, a structure-aware
//! mutator that edits specs token by token and line by line (so that most
//! mutants still parse and reach the later stages), and the front end run.

use dsmc::syntax::rough_tokens;
use std::path::Path;
use std::sync::LazyLock;

/// Every `.ds` file of the repository's `specs/`, `tests/cases/` and
/// `tests/explore/`, as text, sorted.
pub static CORPUS: LazyLock<Vec<String>> = LazyLock::new(|| {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "ds")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                out.push(text);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut corpus = Vec::new();
    for dir in ["specs", "tests/cases", "tests/explore"] {
        walk(&root.join(dir), &mut corpus);
    }
    corpus.sort();
    corpus
});

/// Every distinct token of the corpus.
static VOCABULARY: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut words: Vec<&str> = CORPUS
        .iter()
        .flat_map(|text| rough_tokens(text))
        .filter(|t| !t.trim().is_empty())
        .collect();
    words.sort_unstable();
    words.dedup();
    words
});

/// Every distinct non-blank line of the corpus.
static LINES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut lines: Vec<&str> = CORPUS
        .iter()
        .flat_map(|text| text.split_inclusive('\n'))
        .filter(|l| !l.trim().is_empty())
        .collect();
    lines.sort_unstable();
    lines.dedup();
    lines
});

/// Numbers at the edges of ranges, widths and encodings.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "7",
    "63",
    "64",
    "65",
    "255",
    "256",
    "1000000",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "99999999999999999999999999",
    "-1",
    "-9223372036854775808",
];

/// A small deterministic generator (SplitMix64), seeded by libFuzzer.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        if items.is_empty() {
            ""
        } else {
            items[self.below(items.len())]
        }
    }
}

/// Applies one to four structure-aware edits to `text`: on tokens (delete,
/// duplicate, swap, replace by a word of the corpus, insert one, a number
/// at an edge), on lines (delete, duplicate, insert or replace by a line of
/// another spec), or on brackets (wrap a run of tokens in parentheses).
/// Empty input is replaced by a whole spec of the corpus.
pub fn mutate_text(text: &str, rng: &mut Rng) -> String {
    if text.trim().is_empty() && !CORPUS.is_empty() {
        return CORPUS[rng.below(CORPUS.len())].clone();
    }
    let mut current = text.to_string();
    for _ in 0..1 + rng.below(4) {
        current = mutate_once(&current, rng);
    }
    current
}

fn mutate_once(text: &str, rng: &mut Rng) -> String {
    let mut toks = rough_tokens(text);
    // Positions of tokens that are not whitespace.
    let solid: Vec<usize> = (0..toks.len())
        .filter(|&i| !toks[i].trim().is_empty())
        .collect();
    let any_solid = |rng: &mut Rng| -> Option<usize> {
        (!solid.is_empty()).then(|| solid[rng.below(solid.len())])
    };
    match rng.below(12) {
        0 => {
            if let Some(i) = any_solid(rng) {
                let n = 1 + rng.below(4).min(toks.len() - i - 1);
                toks.drain(i..i + n);
            }
        }
        1 => {
            if let Some(i) = any_solid(rng) {
                let n = 1 + rng.below(6).min(toks.len() - i - 1);
                let run: Vec<&str> = toks[i..i + n].to_vec();
                toks.splice(i..i, run);
            }
        }
        2 => {
            if let (Some(a), Some(b)) = (any_solid(rng), any_solid(rng)) {
                toks.swap(a, b);
            }
        }
        3 => {
            if let Some(i) = any_solid(rng) {
                toks[i] = rng.pick(&VOCABULARY);
            }
        }
        4 => {
            let i = rng.below(toks.len() + 1);
            let word = rng.pick(&VOCABULARY);
            toks.splice(i..i, [" ", word, " "]);
        }
        5 => {
            let numbers: Vec<usize> = solid
                .iter()
                .copied()
                .filter(|&i| toks[i].starts_with(|c: char| c.is_ascii_digit()))
                .collect();
            if !numbers.is_empty() {
                let i = numbers[rng.below(numbers.len())];
                toks[i] = rng.pick(NUMBERS);
            }
        }
        6 => {
            if let Some(i) = any_solid(rng) {
                let n = 1 + rng.below(5).min(toks.len() - i - 1);
                toks.insert(i + n, ")");
                toks.insert(i, "(");
            }
        }
        7..=11 => return mutate_lines(text, rng),
        _ => unreachable!(),
    }
    toks.concat()
}

fn mutate_lines(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let at = rng.below(lines.len());
    match rng.below(5) {
        0 if !lines.is_empty() => {
            lines.remove(at);
        }
        1 if !lines.is_empty() => {
            let n = 1 + rng.below(5).min(lines.len() - at - 1);
            let run: Vec<&str> = lines[at..at + n].to_vec();
            lines.splice(at..at, run);
        }
        2 if !lines.is_empty() => lines[at] = rng.pick(&LINES),
        3 if !lines.is_empty() => {
            let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
            lines.swap(a, b);
        }
        _ => {
            // A run of lines from another spec.
            if !CORPUS.is_empty() {
                let other: Vec<&str> = CORPUS[rng.below(CORPUS.len())]
                    .split_inclusive('\n')
                    .collect();
                let from = rng.below(other.len());
                let n = 1 + rng.below(8).min(other.len().saturating_sub(from + 1));
                let run = other[from..(from + n).min(other.len())].to_vec();
                lines.splice(at..at, run);
            }
        }
    }
    let mut out = lines.concat();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Lines `..cut_a` of `a` then lines `cut_b..` of `b`, with the cuts chosen
/// by `rng`: two specs spliced at line boundaries.
pub fn crossover_text(a: &str, b: &str, rng: &mut Rng) -> String {
    let la: Vec<&str> = a.split_inclusive('\n').collect();
    let lb: Vec<&str> = b.split_inclusive('\n').collect();
    let cut_a = rng.below(la.len() + 1);
    let cut_b = rng.below(lb.len() + 1);
    let mut out = la[..cut_a].concat();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&lb[cut_b..].concat());
    out
}

/// Writes `text` into libFuzzer's buffer, cut at `max_size` bytes; returns
/// the new size.
pub fn write_out(text: &str, data: &mut [u8], max_size: usize) -> usize {
    let n = text.len().min(max_size).min(data.len());
    data[..n].copy_from_slice(&text.as_bytes()[..n]);
    n
}

/// The structure-aware mutation of libFuzzer's buffer: mostly
/// [`mutate_text`], sometimes libFuzzer's own byte-level mutation, which
/// finds what tokens cannot (odd characters, invalid UTF-8).
pub fn mutate(data: &mut [u8], size: usize, max_size: usize, seed: u32) -> usize {
    let mut rng = Rng::new(u64::from(seed));
    if rng.below(10) == 0 {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    let text = String::from_utf8_lossy(&data[..size]).into_owned();
    let mutant = mutate_text(&text, &mut rng);
    write_out(&mutant, data, max_size)
}

/// The crossover of two inputs: [`crossover_text`].
pub fn crossover(data1: &[u8], data2: &[u8], out: &mut [u8], seed: u32) -> usize {
    let mut rng = Rng::new(u64::from(seed));
    let a = String::from_utf8_lossy(data1);
    let b = String::from_utf8_lossy(data2);
    let child = crossover_text(&a, &b, &mut rng);
    write_out(&child, out, out.len())
}

/// Renders a diagnostic as the CLI does (miette's graphical handler, here
/// without colour); a diagnostic that cannot be rendered, a span outside the
/// source for instance, is a bug.
pub fn render(diagnostic: &dsmc::diagnostic::Diagnostic, source: &str) -> String {
    use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, Report};
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(80);
    let report = Report::new(diagnostic.clone())
        .with_source_code(NamedSource::new("fuzz.ds", source.to_string()));
    let mut out = String::new();
    if let Err(e) = handler.render_report(&mut out, &*report) {
        panic!("cannot render {diagnostic:?}: {e}");
    }
    out
}

/// The front end and lowering, as `dsmc check` runs them before exploring;
/// the model when the spec has no errors. On a spec that parses, the
/// formatter runs too (`dsmc fmt`), and every diagnostic is rendered.
pub fn front_and_lower(source: &str) -> Option<dsmc::model::Model> {
    let front = dsmc::front::check_source(source, &[]);
    if let Some(ast) = &front.ast {
        let _ = dsmc::fmt::format_spec(ast, source);
    }
    for d in &front.diagnostics {
        render(d, source);
    }
    if front.has_errors() {
        return None;
    }
    match dsmc::model::lower(front.typed?) {
        Ok(model) => Some(model),
        Err(errors) => {
            for e in &errors {
                render(&e.to_diagnostic(), source);
            }
            None
        }
    }
}

/// The most states `explore_bounded` stores.
pub const MAX_STATES: u64 = 10_000;

/// The most node instances of a model `explore_bounded` explores. The
/// explorer's `--timeout` is checked between batches of 2,048 states, too
/// coarse for libFuzzer's one-second limit, and the cost of a state grows
/// with the instances (`forall a, b in Server` over 63 servers took 20 s for 10,000
/// states under coverage instrumentation): without this bound such specs,
/// slow but not wrong, stop the fuzzer as timeouts.
pub const MAX_INSTANCES: usize = 8;

/// Explores `model` on one thread, stopping after [`MAX_STATES`] states, and
/// writes the human report with its traces as listings and as charts.
/// Models of more than [`MAX_INSTANCES`] instances are skipped.
pub fn explore_bounded(model: &dsmc::model::Model, source: &str) {
    use dsmc::report::{TraceStyle, human_with};
    if model.layout.instances.len() > MAX_INSTANCES {
        return;
    }
    let options = dsmc::explore::Options {
        threads: Some(1),
        max_states: Some(MAX_STATES),
        ..Default::default()
    };
    match dsmc::explore::explore(model, &options) {
        Ok(exploration) => {
            for style in [
                TraceStyle::Text,
                TraceStyle::Chart(dsmc::msc::ChartOptions::default()),
            ] {
                let report = human_with("fuzz.ds", source, model, &exploration, 1, style);
                let _ = (report.header, report.table, report.findings, report.result);
            }
        }
        Err(e) => {
            let _ = e.describe();
        }
    }
}
