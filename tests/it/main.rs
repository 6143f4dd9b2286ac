//! The integration tests that use libtest, in one test binary.
//!
//! Each file under tests/ used to be a test binary of its own, and each of
//! them linked dsmc and its dependencies again (and instantiated the JSON
//! Schema validator again): a third of CI's test build. They are modules
//! of this one binary instead; `cargo test --test it NAME` runs the tests
//! whose path contains NAME, e.g. `cargo test --test it limits::`.
//! tests/cases.rs keeps a binary of its own: its runner is not libtest's.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/json_schema.rs"]
mod json_schema;

mod architecture;
mod big_inputs;
mod checkpoint;
mod ci;
mod cli;
mod differential;
mod distributed;
mod explore;
mod explore_ui;
mod fmt;
mod hostile;
mod html;
mod limits;
mod lsp;
mod msc;
mod no_panic;
mod run;
#[cfg(unix)]
mod writes;
