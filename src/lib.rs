//! dsmc: a model checker for distributed protocols.
//!
//! The library is the whole checker without its terminal: it reads no files,
//! prints nothing and never exits the process. `src/main.rs` is the CLI.

#![warn(missing_docs)]

pub mod check;
pub mod diagnostic;
pub mod distributed;
pub mod explore;
pub mod fmt;
pub mod front;
mod hash;
pub mod html;
pub mod index;
pub mod lines;
pub mod model;
pub mod msc;
pub mod reference;
pub mod replay;
pub mod report;
pub mod resolve;
pub mod simulate;
pub mod syntax;
pub mod text;
pub mod typeck;
pub mod typed;
