//! Breadth-first exploration of a [`Model`], in parallel, deterministically.
//!
//! Each BFS level runs in two parallel phases:
//! 1. the frontier is cut into chunks; each chunk's successors are generated
//!    (and step properties checked) into per-shard buffers;
//! 2. each shard of the visited set takes, in chunk order, the successors
//!    that hash to it, keeps the new ones and checks state properties.
//!
//! A state's parent is its first generator in (frontier order, step order),
//! and the next frontier is the new states in the order of their first
//! generators (each successor a chunk buffers has a slot in that order, and
//! phase 2 fills the slots of the new ones), so counts,
//! verdicts and traces do not depend on the number of threads or the chunk
//! size. Violations found in a level are resolved to the one with the
//! smallest (frontier position, step index): the shortest counterexample
//! with ties broken canonically.

mod batch;
pub mod checkpoint;
mod checks;
mod codec;
mod explorer;
mod gathered;
mod liveness;
mod options;
mod outcome;
mod path;
mod remote;
mod shared;
mod store;

use crate::model::{InitError, Model};
pub(crate) use remote::{Batch, Expansion, Generator, symmetry_of};
use store::SHARDS;
pub(crate) use store::{NO_PARENT, Shard, global_id, split_id};

pub use options::*;
pub use outcome::*;

pub(crate) use batch::*;
pub(crate) use checks::*;
use explorer::*;
pub(crate) use gathered::*;
pub(crate) use path::*;
use shared::*;

/// Explores every reachable state of `model`.
pub fn explore(model: &Model, options: &Options) -> Result<Exploration, InitError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .build()
        .expect("a rayon pool with default settings builds");
    pool.install(|| Explorer::new(model, options).run())
}
