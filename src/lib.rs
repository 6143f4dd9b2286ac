//! dsmc: a model checker for distributed protocols.
//!
//! The library is the whole checker without its terminal: it reads no files,
//! prints nothing and never exits the process. `src/main.rs` is the CLI.

pub mod diagnostic;
pub mod fmt;
pub mod front;
pub mod resolve;
pub mod syntax;
pub mod typeck;
