//! The front end as one call: source text in, a checked spec or diagnostics
//! out. Tests, the CLI and the language server (`dsmc lsp`) all go through
//! [`check_source`], so a change of stages touches only this file.

use crate::diagnostic::Diagnostic;
use crate::index::Index;
use crate::typed::TypedSpec;
use crate::{resolve, syntax, typeck};

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
    /// The typed spec, when the spec has no errors.
    pub typed: Option<TypedSpec>,
    /// Every name of the parsed spec and what it refers to, errors or not;
    /// `None` when the spec does not parse.
    pub index: Option<Index>,
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
    let ast = match syntax::parse(source) {
        Ok(ast) => ast,
        Err(errors) => {
            return FrontEnd {
                ast: None,
                typed: None,
                index: None,
                diagnostics: errors
                    .iter()
                    .map(syntax::SyntaxError::to_diagnostic)
                    .collect(),
            };
        }
    };
    // Resolution and type-checking recurse as deeply as the tree (up to
    // `MAX_DEPTH`), which a debug build's 2 MB thread stack cannot hold:
    // a chain of 158 `<` overflowed it (tests/it/no_panic.rs, unclosed_openers).
    let checked = syntax::on_big_stack(|| {
        // The values are parsed here, so the resolver sees only syntax
        // trees; one that does not parse is the resolver's error, which
        // names the constant's type.
        let overrides: Vec<resolve::ConstOverride> = overrides
            .iter()
            .map(|o| resolve::ConstOverride {
                name: o.name.clone(),
                text: o.value.clone(),
                value: syntax::parse_expr(&o.value).ok(),
            })
            .collect();
        let resolved = resolve::resolve(&ast, &overrides);
        typeck::check(resolved)
    });
    let mut diagnostics: Vec<Diagnostic> = (checked.errors.iter())
        .map(typeck::FrontError::to_diagnostic)
        .collect();
    // Warnings only matter once the spec is otherwise right: an error often
    // leaves a variable unread or a message unhandled as a side effect.
    if diagnostics.is_empty() {
        diagnostics.extend(checked.lints.iter().map(typeck::Lint::to_diagnostic));
    }
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
    FrontEnd {
        typed: checked.spec,
        index: Some(checked.index),
        ast: Some(ast),
        diagnostics,
    }
}
