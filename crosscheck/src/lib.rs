//! dsmc's differential fuzzer.
//!
//! - [`generate`] writes random well-typed specs (as text) and shrinks them.
//! - [`oracle`] is an independent checker: a plain breadth-first search over
//!   a direct evaluator of [`dsmc::typed::TypedSpec`]. Clarity over speed;
//!   it shares no code with `dsmc::model` or `dsmc::explore`.
//! - [`compare`] runs one spec through every engine and says where they
//!   disagree.

pub mod compare;
pub mod generate;
pub mod oracle;
