//! `dsmc fmt`: prints a spec in canonical layout.

use crate::syntax::ast::Spec;

/// Formats a parsed spec; `source` is the text it was parsed from (for blank
/// lines and comments).
pub fn format_spec(spec: &Spec, source: &str) -> String {
    let _ = (spec, source);
    unimplemented!("fmt is being written")
}
