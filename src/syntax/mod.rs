//! The concrete syntax: the pest grammar (`grammar/dsmc.pest`), the AST it is
//! turned into, and syntax errors. Pest's types stay inside this module.

pub mod ast;
mod depth;
mod error;
mod grammar;
mod parser;

pub(crate) use depth::on_big_stack;
pub use error::{SyntaxError, Unexpected};
pub use parser::{MAX_NESTING, parse, parse_expr};

/// Splits text roughly into tokens: runs of letters, digits and `_`, runs of
/// whitespace, and single other characters; joining them gives the text
/// back. Not the grammar's tokens: the unit in which the mutation tests
/// (`tests/it/no_panic.rs`) and the fuzzers (`fuzz/`) edit specs.
pub fn rough_tokens(text: &str) -> Vec<&str> {
    #[derive(PartialEq)]
    enum Class {
        Word,
        Space,
        Other,
    }
    let class = |c: char| {
        if c.is_alphanumeric() || c == '_' {
            Class::Word
        } else if c.is_whitespace() {
            Class::Space
        } else {
            Class::Other
        }
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut previous: Option<Class> = None;
    for (i, c) in text.char_indices() {
        let current = class(c);
        let joins = previous
            .as_ref()
            .is_some_and(|p| *p == current && current != Class::Other);
        if !joins && i > start {
            out.push(&text[start..i]);
            start = i;
        }
        previous = Some(current);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}
