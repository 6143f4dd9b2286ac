//! Checkpoints: the search written down between two batches, and taken up
//! again from there (`dsmc check --checkpoint DIR` and `--resume DIR`).
//!
//! A checkpoint is taken at the start of a batch, where everything the
//! batches before it found has been taken in and nothing of the batch has:
//! the visited set (each shard's records and networks; the hash tables are
//! built again on loading, the same), the current level's frontier and the
//! part of the next level stored so far, where in the level the batch
//! starts, and the explorer's findings and counters. Phase 1 of the batch,
//! which may have run already beside the previous batch's phase 2, is not
//! part of it: after a resume it runs again and gives the same. So a
//! resumed search stores the same states in the same order as one that
//! was never stopped, and ends with the same counts, verdicts and traces.
//!
//! The format is this module's own: a magic line, a version, a JSON header
//! (what the checkpoint belongs to, [`Identity`], and the explorer's small
//! state), then arrays of little-endian words, then a checksum of it all
//! and a closing magic line. Lengths are never trusted for allocation: a
//! truncated or corrupt file ends in an error, not in a huge allocation.
//! The explorer does no IO itself: it streams a checkpoint into the writer
//! its [`Checkpointing::save`] hands it, and reads one from a reader.

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use super::codec::Unreadable;
use super::codec::{In, Out, VERSION};
use super::store::{SHARDS, Shard, split_id};
use super::{Coverage, Explorer, Found, Frontier, Options};
use crate::hash::mix;
use crate::model::Model;

/// The first bytes of every checkpoint.
const MAGIC: &[u8; 16] = b"dsmc checkpoint\n";
/// The last bytes of every complete checkpoint.
const END: &[u8; 16] = b"end checkpoint\n\0";
/// The most a header may take (it holds findings, not states).
const MAX_HEADER: u64 = 256 << 20;

/// What a checkpoint belongs to. A resume must match it in every field:
/// the same dsmc, spec text, constants and options that change the search.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The version of dsmc that wrote it.
    pub dsmc: String,
    /// A hash of the spec's text ([`text_hash`]).
    pub spec: String,
    /// The `-D` constants, as `NAME=VALUE`, in the order given.
    pub constants: Vec<String>,
    /// Whether symmetry reduction was off (`--no-symmetry`).
    pub no_symmetry: bool,
    /// Whether every step was interpreted ([`super::Options::interpreted`]).
    pub interpreted: bool,
    /// The properties checked (by index), or all.
    pub properties: Option<Vec<usize>>,
}

impl Identity {
    /// How a checkpoint made for `self` differs from a check of `now`, in
    /// words; `None` when it is the same.
    pub fn difference(&self, now: &Identity) -> Option<String> {
        let list = |c: &[String]| match c {
            [] => "no `-D` constants".to_string(),
            c => format!("`-D {}`", c.join(" -D ")),
        };
        let flag = |on: bool, name: &str| match on {
            true => format!("with `{name}`"),
            false => format!("without `{name}`"),
        };
        if self.dsmc != now.dsmc {
            Some(format!(
                "it was written by dsmc {}, this is dsmc {}",
                self.dsmc, now.dsmc
            ))
        } else if self.spec != now.spec {
            Some("the spec has changed since it was written".to_string())
        } else if self.constants != now.constants {
            Some(format!(
                "it was made with {}, this check has {}",
                list(&self.constants),
                list(&now.constants)
            ))
        } else if self.no_symmetry != now.no_symmetry {
            Some(format!(
                "it was made {}, this check runs {}",
                flag(self.no_symmetry, "--no-symmetry"),
                flag(now.no_symmetry, "--no-symmetry")
            ))
        } else if self.interpreted != now.interpreted {
            Some("it was made with another `--engine`".to_string())
        } else if self.properties != now.properties {
            Some("it was made for another set of `--property`".to_string())
        } else {
            None
        }
    }
}

/// A hash of a spec's text (64-bit FNV-1a, in hex): stable from build to
/// build, which the standard library's hasher does not promise.
pub(crate) fn text_hash(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// Streams a checkpoint into the writer it is given; returns whether the
/// checkpoint was written (the caller reports a failure: the search goes
/// on without it).
pub(crate) type SaveFn =
    dyn Fn(&mut dyn FnMut(&mut dyn Write) -> io::Result<()>) -> bool + Send + Sync;

/// Checkpoints during a search.
#[derive(Clone)]
pub struct Checkpointing {
    /// The least time between two checkpoints (from the end of one to the
    /// start of the next); zero: at every batch.
    pub every: Duration,
    /// What the checkpoints belong to (`check::check_source_with` fills it
    /// in).
    pub identity: Identity,
    /// Writes each checkpoint out.
    pub save: Arc<SaveFn>,
    /// Also write one when a limit or a signal stops the search at the
    /// start of a batch (a stop inside a batch keeps the last one).
    pub on_stop: bool,
}

impl std::fmt::Debug for Checkpointing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkpointing")
            .field("every", &self.every)
            .field("identity", &self.identity)
            .field("on_stop", &self.on_stop)
            .finish_non_exhaustive()
    }
}

/// A checkpoint loaded ([`load`]), for the search to start from; taken by
/// the first search that runs with it.
#[derive(Clone)]
pub struct Resume(Arc<Mutex<Option<Snapshot>>>);

impl Resume {
    /// Wraps a loaded checkpoint for the search to take.
    pub fn new(snapshot: Snapshot) -> Resume {
        Resume(Arc::new(Mutex::new(Some(snapshot))))
    }

    fn take(&self) -> Option<Snapshot> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

impl std::fmt::Debug for Resume {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Resume(..)")
    }
}

/// The explorer's state between batches, besides the visited set.
#[derive(Serialize, Deserialize)]
struct Header {
    identity: Identity,
    /// Where the search was: states stored, levels complete, the level
    /// under way and where its next batch starts in its frontier.
    states: u64,
    depth: u32,
    level: u32,
    at: u64,
    /// The time the search had taken, over all its runs.
    elapsed_s: f64,
    /// How states are stored, to check against the model.
    store_words: usize,
    store_bits: u32,
    networks: bool,
    shards: usize,
    checked: Vec<bool>,
    keep_order: bool,
    level_start: Option<Vec<u32>>,
    level_before: u64,
    backward: bool,
    found: Vec<Option<Found>>,
    reached: Vec<bool>,
    deadlock: Option<Found>,
    runtime_error: Option<Found>,
    coverage: Coverage,
    transitions: u64,
    pruned: u64,
    batch_buffers_max: usize,
    batch_networks_max: usize,
    batch_new_max: usize,
    buf_hint: (usize, usize),
    per_state: usize,
}

/// A checkpoint read into memory, ready to resume from.
pub struct Snapshot {
    header: Header,
    frontier: Frontier,
    next: Frontier,
    order: Vec<u64>,
    level_starts: Vec<u32>,
    idle: Vec<u64>,
    shards: Vec<Shard>,
}

impl Snapshot {
    /// Distinct states stored when it was taken.
    pub fn states(&self) -> u64 {
        self.header.states
    }

    /// BFS levels complete when it was taken.
    pub fn depth(&self) -> u32 {
        self.header.depth
    }

    /// How long the search had run when it was taken.
    pub fn elapsed(&self) -> Duration {
        Duration::try_from_secs_f64(self.header.elapsed_s).unwrap_or_default()
    }
}

/// Where the search is, at the start of a batch.
pub(super) struct Place<'a> {
    pub frontier: &'a Frontier,
    pub next: &'a Frontier,
    pub at: usize,
    pub depth: u32,
    pub level: u32,
}

/// Where a resumed search starts: as [`Place`], owned.
pub(super) struct Restored {
    pub frontier: Frontier,
    pub next: Frontier,
    pub at: usize,
    pub depth: u32,
    pub level: u32,
}

/// How the visited set of a search with `options` stores its states:
/// (words, used bits, whether states have a network part).
fn store_layout(model: &Model, options: &Options) -> (usize, u32, bool) {
    let packed = match options.interpreted {
        true => None,
        false => model.packing(),
    };
    match packed {
        Some(p) => (p.words(), p.bits(), false),
        None => (model.layout.fixed_words, model.layout.fixed_bits, true),
    }
}

/// Reads a checkpoint for a search of `model` with `options`, which must
/// belong to `identity`.
pub fn load(
    model: &Model,
    options: &Options,
    identity: &Identity,
    reader: &mut dyn Read,
) -> Result<Snapshot, Unreadable> {
    let mut input = In {
        r: BufReader::with_capacity(1 << 20, reader),
        sum: 0,
    };
    let mut magic = [0; 16];
    input.r.read_exact(&mut magic).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => Unreadable::NotACheckpoint,
        _ => Unreadable::Io(e),
    })?;
    if &magic != MAGIC {
        return Err(Unreadable::NotACheckpoint);
    }
    let version = input.u32()?;
    if version != VERSION {
        return Err(Unreadable::Version(version));
    }
    let header_len = input.u64()?;
    if header_len > MAX_HEADER {
        return Err(Unreadable::Corrupt("its header is too long"));
    }
    let mut text = Vec::new();
    (&mut input.r).take(header_len).read_to_end(&mut text)?;
    if text.len() as u64 != header_len {
        return Err(Unreadable::Corrupt("it ends early"));
    }
    for &b in &text {
        input.sum = mix(input.sum, b as u64);
    }
    let header: Header = serde_json::from_slice(&text)
        .map_err(|_| Unreadable::Corrupt("its header cannot be read"))?;
    if let Some(how) = header.identity.difference(identity) {
        return Err(Unreadable::Mismatch(how));
    }
    let (words, bits, networks) = store_layout(model, options);
    let n_props = model.properties.len();
    let checked: Vec<bool> = (0..n_props).map(|p| options.checks(p)).collect();
    if (header.store_words, header.store_bits, header.networks) != (words, bits, networks)
        || header.shards != SHARDS
        || header.checked != checked
        || header.found.len() != n_props
        || header.reached.len() != n_props
    {
        return Err(Unreadable::Corrupt("it stores states in another layout"));
    }
    let frontier = Frontier {
        ids: input.u64s()?,
        words: input.u64s()?,
    };
    let next = Frontier {
        ids: input.u64s()?,
        words: input.u64s()?,
    };
    let order = input.u64s()?;
    let level_starts = input.u32s()?;
    let idle = input.u64s()?;
    let shards = (0..SHARDS)
        .map(|_| Shard::restore(&mut input, words, bits, networks))
        .collect::<Result<Vec<Shard>, Unreadable>>()?;
    let sum = input.sum;
    let stored_sum = input.u64()?;
    let mut end = [0; 16];
    input.r.read_exact(&mut end)?;
    if stored_sum != sum || &end != END {
        return Err(Unreadable::Corrupt("its checksum does not match"));
    }
    if input.r.read(&mut [0])? != 0 {
        return Err(Unreadable::Corrupt("it goes on after its end"));
    }
    // Every id must name a stored state, so that traces can be rebuilt.
    let lens: Vec<usize> = shards.iter().map(Shard::len).collect();
    let exists = |id: u64| {
        let (s, l) = split_id(id);
        id >> 32 == 0 && (l as usize) < lens[s]
    };
    let found_ok = |f: &Option<Found>| f.as_ref().is_none_or(|f| exists(f.id));
    let states: u64 = lens.iter().map(|&l| l as u64).sum();
    let width = if networks { 0 } else { words };
    let frontier_fits = |f: &Frontier| f.words.len() == f.ids.len() * width;
    let ok = shards
        .iter()
        .all(|s| s.parents_are(|p| p == super::NO_PARENT || exists(p)))
        && [&frontier.ids, &next.ids, &order, &idle]
            .iter()
            .all(|ids| ids.iter().all(|&id| exists(id)))
        && frontier_fits(&frontier)
        && frontier_fits(&next)
        && header.found.iter().all(found_ok)
        && found_ok(&header.deadlock)
        && found_ok(&header.runtime_error)
        && states == header.states
        && (header.at as usize) <= frontier.ids.len()
        && header
            .level_start
            .as_ref()
            .is_none_or(|starts| starts.len() == SHARDS);
    if !ok {
        return Err(Unreadable::Corrupt("its parts do not fit together"));
    }
    Ok(Snapshot {
        header,
        frontier,
        next,
        order,
        level_starts,
        idle,
        shards,
    })
}

impl Explorer<'_> {
    /// Whether a checkpoint is due at the start of a batch.
    pub(super) fn checkpoint_due(&self) -> bool {
        (self.options.checkpoint.as_ref()).is_some_and(|c| self.last_save.elapsed() >= c.every)
    }

    /// Writes a checkpoint of the search at `place`, if checkpoints are
    /// asked for.
    pub(super) fn save_checkpoint(&mut self, place: &Place<'_>) {
        let Some(checkpointing) = &self.options.checkpoint else {
            return;
        };
        let header = Header {
            identity: checkpointing.identity.clone(),
            states: self.n_states(),
            depth: place.depth,
            level: place.level,
            at: place.at as u64,
            elapsed_s: (self.elapsed_before + self.start.elapsed()).as_secs_f64(),
            store_words: self.shared.store_words,
            store_bits: self.store_bits,
            networks: self.shared.packed.is_none(),
            shards: SHARDS,
            checked: self.checked.clone(),
            keep_order: self.keep_order,
            level_start: self.level_start.clone(),
            level_before: self.level_before,
            backward: self.backward,
            found: self.found.clone(),
            reached: self.reached.clone(),
            deadlock: self.deadlock.clone(),
            runtime_error: self.runtime_error.clone(),
            coverage: self.coverage.clone(),
            transitions: self.transitions,
            pruned: self.pruned,
            batch_buffers_max: self.batch_buffers_max,
            batch_networks_max: self.batch_networks_max,
            batch_new_max: self.batch_new_max,
            buf_hint: self.buf_hint,
            per_state: self.per_state,
        };
        let this = &*self;
        let mut write = |w: &mut dyn Write| -> io::Result<()> {
            let text = serde_json::to_vec(&header).map_err(io::Error::other)?;
            let mut out = Out {
                w: BufWriter::with_capacity(1 << 20, w),
                sum: 0,
            };
            out.w.write_all(MAGIC)?;
            out.u32_values(&[VERSION])?;
            out.u64(text.len() as u64)?;
            out.w.write_all(&text)?;
            for &b in &text {
                out.sum = mix(out.sum, b as u64);
            }
            for frontier in [place.frontier, place.next] {
                out.u64s(&frontier.ids)?;
                out.u64s(&frontier.words)?;
            }
            out.u64s(&this.order)?;
            out.u32s(&this.level_starts)?;
            out.u64s(&this.idle)?;
            for shard in &this.shards {
                shard.save(&mut out)?;
            }
            let sum = out.sum;
            out.w.write_all(&sum.to_le_bytes())?;
            out.w.write_all(END)?;
            out.w.flush()
        };
        (checkpointing.save)(&mut write);
        self.last_save = Instant::now();
    }

    /// Writes a checkpoint of a search that a limit or a signal stopped at
    /// `place`, the start of a batch, if checkpoints are asked for then.
    pub(super) fn checkpoint_on_stop(&mut self, place: &Place<'_>) {
        if (self.options.checkpoint.as_ref()).is_some_and(|c| c.on_stop) {
            self.save_checkpoint(place);
        }
    }

    /// Takes up the search from a checkpoint: where it stood.
    pub(super) fn restore(&mut self, snapshot: Snapshot) -> Restored {
        let Snapshot {
            header: h,
            frontier,
            next,
            order,
            level_starts,
            idle,
            shards,
        } = snapshot;
        self.shards = shards;
        self.order = order;
        self.level_starts = level_starts;
        self.idle = idle;
        self.level_start = h.level_start;
        self.level_before = h.level_before;
        self.backward = h.backward;
        self.found = h.found;
        self.reached = h.reached;
        self.deadlock = h.deadlock;
        self.runtime_error = h.runtime_error;
        self.coverage = h.coverage;
        self.transitions = h.transitions;
        self.pruned = h.pruned;
        self.batch_buffers_max = h.batch_buffers_max;
        self.batch_networks_max = h.batch_networks_max;
        self.batch_new_max = h.batch_new_max;
        self.buf_hint = h.buf_hint;
        self.per_state = h.per_state;
        self.elapsed_before = Duration::try_from_secs_f64(h.elapsed_s).unwrap_or_default();
        Restored {
            frontier,
            next,
            at: h.at as usize,
            depth: h.depth,
            level: h.level,
        }
    }

    /// The snapshot to start from, if the search resumes.
    pub(super) fn take_resume(&self) -> Option<Snapshot> {
        self.options.resume.as_ref().and_then(Resume::take)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_say_how_they_differ() {
        let a = Identity {
            dsmc: "1".into(),
            spec: text_hash("protocol P"),
            constants: vec!["N=3".into()],
            ..Identity::default()
        };
        assert_eq!(a.difference(&a.clone()), None);
        let b = Identity {
            constants: vec!["N=4".into()],
            ..a.clone()
        };
        assert_eq!(
            a.difference(&b).as_deref(),
            Some("it was made with `-D N=3`, this check has `-D N=4`")
        );
        let c = Identity {
            spec: text_hash("protocol Q"),
            ..a.clone()
        };
        assert!(a.difference(&c).unwrap().contains("spec has changed"));
    }
}
