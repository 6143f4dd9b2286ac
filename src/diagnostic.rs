//! The one form in which every stage reports a problem to the user.
//!
//! Each stage keeps its own error type holding the facts (spans, names,
//! types); the stage's `error` module turns those facts into a [`Diagnostic`]
//! with words. A `Diagnostic` implements [`miette::Diagnostic`], so the binary
//! renders it with labels and help; it also serialises with serde, and
//! `dsmc check --message-format json` gives the same facts to editors and CI.

use crate::syntax::ast::Span;
use serde::Serialize;
use std::fmt;

/// How serious a diagnostic is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The spec is usable; the user may want to look.
    Warning,
    /// The spec cannot be checked.
    Error,
}

/// A span in the source with a short note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there (lowercase, no final period).
    pub message: String,
    /// The primary label marks the fault; others mark causes.
    pub primary: bool,
}

/// One problem found in a spec.
///
/// Invariant: `code` has the form `dsmc::<stage>::<kind>`; `message` is
/// lowercase with no final period and puts code in backticks; the first
/// label, if any, is the primary one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code, such as `dsmc::resolve::unknown_name`.
    pub code: &'static str,
    /// The headline.
    pub message: String,
    /// Spans to mark, primary first.
    pub labels: Vec<Label>,
    /// A concrete fix, when one is known.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with a headline and no labels yet.
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }

    /// A warning with a headline and no labels yet.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Adds the primary label (the fault).
    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.insert(
            0,
            Label {
                span,
                message: message.into(),
                primary: true,
            },
        );
        self
    }

    /// Adds a secondary label (a cause, such as a declaration).
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    /// Sets the help text.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Sets the help text when there is one.
    pub(crate) fn maybe_help(mut self, help: Option<String>) -> Diagnostic {
        self.help = help;
        self
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The primary span, if the diagnostic has labels.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels.first().map(|l| l.span)
    }

    /// The diagnostic as a terminal should show it over `source`, the text
    /// of its spec with its control characters escaped: every text with
    /// its control characters escaped too, every span moved onto the shown
    /// source (`crate::text::Neutralised`).
    pub fn for_terminal(&self, source: &crate::text::Neutralised<'_>) -> Diagnostic {
        let shown = |text: &str| crate::text::neutralise(text).into_owned();
        Diagnostic {
            severity: self.severity,
            code: self.code,
            message: shown(&self.message),
            labels: self
                .labels
                .iter()
                .map(|label| Label {
                    span: source.span(label.span),
                    message: shown(&label.message),
                    primary: label.primary,
                })
                .collect(),
            help: self.help.as_deref().map(shown),
        }
    }

    /// The sort key that orders diagnostics by position, errors before
    /// warnings at the same place.
    pub(crate) fn sort_key(&self) -> (usize, std::cmp::Reverse<Severity>, &'static str) {
        (
            self.primary_span().map_or(usize::MAX, |s| s.start),
            std::cmp::Reverse(self.severity),
            self.code,
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().map(|l| {
            let text = if l.message.is_empty() {
                None
            } else {
                Some(l.message.clone())
            };
            if l.primary {
                miette::LabeledSpan::new_primary_with_span(text, l.span)
            } else {
                miette::LabeledSpan::new_with_span(text, l.span)
            }
        })))
    }
}

/// Suggests the candidate closest to `name` by edit distance, if one is close
/// enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let distance = strsim::damerau_levenshtein(name, candidate);
        let limit = (name.chars().count().max(candidate.chars().count()) / 3).max(1);
        let close = distance <= limit || candidate.eq_ignore_ascii_case(name);
        if close && best.is_none_or(|(d, c)| (distance, candidate) < (d, c)) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("prepard", ["prepared", "phase"]),
            Some("prepared")
        );
        assert_eq!(did_you_mean("zzz", ["prepared", "phase"]), None);
        assert_eq!(did_you_mean("Phase", ["phase"]), Some("phase"));
    }
}
