//! dsmc: a model checker for distributed protocols.
//!
//! The library is the whole checker without its terminal: it reads no files,
//! prints nothing and never exits the process. `src/main.rs` is the CLI.

pub mod diagnostic;
pub mod syntax;
pub mod front;
pub mod fmt;
pub mod resolve;
pub mod typeck;
pub mod typed;
pub mod model;
pub mod explore;
pub mod check;
pub mod report;
