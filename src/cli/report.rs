//! Everything the binary prints: diagnostics as miette reports for people or
//! as JSON lines for tools, and plain status lines.
//!
//! Printing never panics: a closed pipe (`dsmc check ... | head -1`) only
//! stops the output, where `println!` would panic. Any other failure to
//! write stdout (a full disk, `> /dev/full`) is remembered, and the run
//! ends with exit code 2 and a message on stderr ([`stdout_failure`]), so
//! that CI never takes an empty report for a green one.

use dsmc::diagnostic::Diagnostic;
use dsmc::lines::LineIndex;
use dsmc::report::json::JsonDiagnostic;
use dsmc::syntax::ast::Span;
use dsmc::text::{Neutralised, neutralise};
use miette::{MietteHandlerOpts, Report};
use std::io::{IsTerminal, Write};
use std::sync::Arc;

use crate::MessageFormat;

/// Whether reports on stderr may use colour: only on a terminal, and never
/// when `NO_COLOR` is set to anything but the empty string (no-color.org).
fn use_colour() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    std::io::stderr().is_terminal() && !no_color
}

/// Whether the terminal can show Unicode box drawing: not when `TERM` is
/// `dumb`, nor when the locale (`LC_ALL`, else `LC_CTYPE`, else `LANG`, the
/// first one set) is not UTF-8 or not set at all.
pub fn unicode_terminal() -> bool {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if var("TERM").is_some_and(|t| t == "dumb") {
        return false;
    }
    let locale = var("LC_ALL")
        .or_else(|| var("LC_CTYPE"))
        .or_else(|| var("LANG"))
        .unwrap_or_default()
        .to_ascii_lowercase();
    locale.contains("utf-8") || locale.contains("utf8")
}

/// Makes miette render every [`Report`] with dsmc's settings. Call once, at
/// the start of `main`.
pub fn install_miette_hook() {
    let colour = use_colour();
    // Setting the hook fails only if it was set before, and then the first
    // one stays: nothing to report.
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            MietteHandlerOpts::new()
                .color(colour)
                // Hyperlinks are escape sequences too.
                .terminal_links(colour)
                // Without this miette falls back to a plain narrated form
                // when `NO_GRAPHICS` is set; the graphical form is the one
                // the docs and snapshots show.
                .force_graphical(true)
                .build(),
        )
    }));
}

/// The first failure to write stdout, other than a closed pipe.
static STDOUT_FAILED: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Notes a failed write to stdout (a closed pipe is not a failure: the
/// reader has all it wanted).
fn note_stdout(result: std::io::Result<()>) {
    if let Err(e) = result
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        let _ = STDOUT_FAILED.set(e.to_string());
    }
}

/// Writes one line for people to stdout, ignoring a closed pipe and noting
/// any other failure ([`stdout_failure`]). Control characters, which can
/// come from a file name or a spec, are written as visible escapes
/// (`dsmc::text::neutralise`): they never reach the terminal.
pub fn print_line(line: &str) {
    print_verbatim(&neutralise(line));
}

/// Writes one line to stdout as it is: a document for tools (JSON, SARIF,
/// JUnit), whose serialiser escapes what it must, or text for people whose
/// parts from users are already neutralised (reports rendered by
/// [`render`]). Otherwise as [`print_line`].
pub fn print_verbatim(line: &str) {
    note_stdout(writeln!(std::io::stdout().lock(), "{line}"));
}

/// Flushes stdout; why some of what was printed there could not be
/// written, if so (a closed pipe aside).
pub fn stdout_failure() -> Option<String> {
    note_stdout(std::io::stdout().lock().flush());
    STDOUT_FAILED.get().cloned()
}

/// Writes one line to stderr, ignoring a closed pipe, with control
/// characters written as visible escapes as [`print_line`] does.
pub fn eprint_line(line: &str) {
    eprint_verbatim(&neutralise(line));
}

/// Writes one line to stderr as it is (see [`print_verbatim`]), noting a
/// failure other than a closed pipe ([`stderr_failed`]).
pub fn eprint_verbatim(line: &str) {
    note_stderr(writeln!(std::io::stderr().lock(), "{line}"));
}

/// Why a write to stderr failed, when one did (a closed pipe aside).
static STDERR_FAILED: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn note_stderr(result: std::io::Result<()>) {
    if let Err(e) = result
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        let _ = STDERR_FAILED.set(e.to_string());
    }
}

/// Whether some of what was written to stderr was lost (a full disk): the
/// run then ends with exit 2, since its diagnostics or warnings may be
/// missing. There is nowhere to say so.
pub fn stderr_failed() -> bool {
    note_stderr(std::io::stderr().lock().flush());
    STDERR_FAILED.get().is_some()
}

/// A spec's text with the name it is shown under.
pub struct SpecText {
    /// The path as the user wrote it.
    pub name: String,
    /// The whole file; shared with each rendered report.
    pub source: Arc<str>,
}

/// Prints the diagnostics of one spec in the chosen format, in the order
/// given.
pub fn print_diagnostics(spec: &SpecText, diagnostics: &[Diagnostic], format: MessageFormat) {
    match format {
        MessageFormat::Human => {
            let lines = LineIndex::new(&spec.source);
            for diagnostic in diagnostics {
                let text = render(spec, diagnostic, &lines);
                note_stderr(write!(std::io::stderr().lock(), "{text}"));
            }
        }
        MessageFormat::Json => {
            let lines = LineIndex::new(&spec.source);
            for diagnostic in diagnostics {
                match serde_json::to_string(&JsonDiagnostic::new(&spec.name, diagnostic, &lines)) {
                    Ok(json) => print_verbatim(&json),
                    // Strings and numbers always serialise; this only keeps
                    // a panic out of the binary.
                    Err(e) => {
                        eprint_line(&format!("error: cannot write a diagnostic as JSON: {e}"))
                    }
                }
            }
        }
    }
}

/// Lines longer than this are not shown as source snippets: miette's
/// renderer cannot lay them out (and nobody could read them).
const MAX_SNIPPET_LINE: usize = 4096;

/// A diagnostic rendered as a miette report, with the source marked, in
/// colour when stderr allows it (the hook set by [`install_miette_hook`]).
/// The spec's name, its source and the diagnostic's words are shown with
/// their control characters escaped, so the report holds no escape
/// sequence but miette's own.
/// `lines` indexes the spec's source, once for all its diagnostics.
pub fn render(spec: &SpecText, diagnostic: &Diagnostic, lines: &LineIndex) -> String {
    format!("{:?}\n", prepare(spec, diagnostic, lines))
}

/// A diagnostic rendered as [`render`] does, but never in colour and never
/// with hyperlinks: for text that goes into a file (JUnit, SARIF).
pub fn render_plain(spec: &SpecText, diagnostic: &Diagnostic) -> String {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_links(false)
            .with_width(100);
    let report = prepare(spec, diagnostic, &LineIndex::new(&spec.source));
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = handler.render_report(&mut out, report.as_ref());
    out.push('\n');
    out
}

/// The report of a diagnostic with its source attached, or, for a span on
/// a line too long to show, with the position in the message instead;
/// either way neutralised for a terminal ([`Diagnostic::for_terminal`]).
///
/// miette is given only the lines around the labels ([`Excerpt`]): given
/// the whole file, it reads the file from its start for every diagnostic,
/// and a spec with thousands of findings took minutes to report.
fn prepare(spec: &SpecText, diagnostic: &Diagnostic, lines: &LineIndex) -> Report {
    let long_line = diagnostic.labels.iter().any(|l| {
        let source: &str = &spec.source;
        let start = source[..l.span.start.min(source.len())]
            .rfind('\n')
            .map_or(0, |n| n + 1);
        let end = source[l.span.start.min(source.len())..]
            .find('\n')
            .map_or(source.len(), |n| l.span.start + n);
        end - start > MAX_SNIPPET_LINE
    });
    let name = neutralise(&spec.name).into_owned();
    if long_line {
        // Say where instead of showing it.
        let mut plain = diagnostic.clone();
        if let Some(label) = plain.labels.first() {
            let at = lines.position(label.span.start);
            plain.message = format!("{} ({name}:{at})", plain.message);
        }
        plain.labels.clear();
        return Report::new(plain.for_terminal(&Neutralised::new("")));
    }
    if diagnostic.labels.is_empty() {
        return Report::new(diagnostic.for_terminal(&Neutralised::new("")));
    }
    // The lines of the labels, with room for miette's context lines.
    let source: &str = &spec.source;
    let starts = diagnostic.labels.iter().map(|l| l.span.start);
    let ends = diagnostic
        .labels
        .iter()
        .map(|l| l.span.end.max(l.span.start));
    let first = lines
        .line_of(starts.min().unwrap_or(0))
        .saturating_sub(EXCERPT_CONTEXT);
    let last = lines.line_of(ends.max().unwrap_or(0)) + EXCERPT_CONTEXT;
    let (from, to) = (lines.line_start(first), lines.line_end(last));
    let mut local = diagnostic.clone();
    for label in &mut local.labels {
        let clamp = |offset: usize| offset.clamp(from, to) - from;
        label.span = Span::new(clamp(label.span.start), clamp(label.span.end));
    }
    let shown = Neutralised::excerpt(&source[from..to], from == 0);
    let diagnostic = local.for_terminal(&shown);
    // miette counts the header's column in bytes of the shown text; dsmc's
    // column is in characters of the file, as in every other output.
    let columns = diagnostic
        .labels
        .iter()
        .zip(&local.labels)
        .map(|(shown, label)| {
            (
                shown.span.start,
                lines.position(label.span.start + from).column,
            )
        })
        .collect();
    let excerpt = Excerpt {
        name,
        text: shown.into_text(),
        first_line: first,
        columns,
    };
    Report::new(diagnostic).with_source_code(excerpt)
}

/// Lines shown around a diagnostic's labels: more than miette asks for.
const EXCERPT_CONTEXT: usize = 3;

/// A few lines of a spec, from line `first_line` (0-based) on, as miette's
/// source: spans are offsets into `text`; lines are numbered as in the
/// file.
struct Excerpt {
    name: String,
    text: String,
    first_line: usize,
    /// Each label's start in `text` and its 1-based column in the file
    /// ([`LineIndex::position`]).
    columns: Vec<(usize, usize)>,
}

impl miette::SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        // Without context lines the column is the span's own, which
        // miette's header shows: dsmc's, when the span is a label's.
        let column = match self.columns.iter().find(|(at, _)| *at == span.offset()) {
            Some(&(_, column)) if context_lines_before == 0 => column - 1,
            _ => inner.column(),
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            column,
            inner.line_count(),
        )))
    }
}

/// "2 errors and 1 warning": the tally a human report ends with.
pub fn tally(diagnostics: &[Diagnostic]) -> String {
    let n_errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let n_warnings = diagnostics.len() - n_errors;
    let count = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (n_errors, n_warnings) {
        (e, 0) => count(e, "error"),
        (0, w) => count(w, "warning"),
        (e, w) => format!("{} and {}", count(e, "error"), count(w, "warning")),
    }
}
