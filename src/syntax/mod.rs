//! The concrete syntax: the pest grammar (`grammar/dsmc.pest`), the AST it is
//! turned into, and syntax errors. Pest's types stay inside this module.

pub mod ast;
mod depth;
mod error;
mod parser;

pub(crate) use depth::on_big_stack;
pub use error::SyntaxError;
pub use parser::{MAX_NESTING, parse, parse_expr};
