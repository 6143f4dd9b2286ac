//! The explorer's fast path: a cache of step outcomes and the `set` network
//! packed as a bit set.
//!
//! Two facts about many specs make most of the work of a step redundant.
//! Node code that reads and writes only its own instance's variables (with
//! its parameters, the message and constants) has an outcome that depends
//! on nothing else: the new values of those variables, the messages sent,
//! or a finding. Such outcomes are computed once, by the interpreter, and
//! replayed from a [`Memo`] keyed by the instance's own bits. And a `set`
//! network over a small universe of possible messages is a bit set: a state
//! becomes a fixed number of words ([`Packing::pack`]), the fixed part's bits
//! followed by one bit per possible message, hashed and compared without a
//! list of messages.
//!
//! [`Packing::new`] decides whether a spec qualifies: no guard or body reads
//! what the environment decides or writes another instance's variables,
//! each instance's key (its variables and the other instances' it reads)
//! within [`MAX_KEY_BITS`], and at most [`MAX_UNIVERSE`] possible
//! messages. A key of at most 64 bits is one word (a dense table's index,
//! or the narrow hash table's); a wider one (a TLA+-style leader reading
//! every acceptor's sets, say) is a [`WideKey`] in a table of its own, so
//! the narrow keys pay nothing for it. When every message
//! kind travels on a `set` network, the explorer stores packed states and
//! generates successors with [`Model::successors_packed`]; otherwise
//! (`multiset` and `fifo` networks) it keeps ordinary states, whose network
//! is a canonical list, and generates successors with
//! [`Model::successors_cached`], which replays the same cached outcomes and
//! edits the list. Both follow the interpreter's order and outcomes;
//! everything outside the search (traces, reports, the liveness graph's
//! successors) sees the ordinary form, through [`Packing::unpack`].
//!
//! A step source is an instance's actions or one message's deliveries; the
//! [`Memo`] maps a source and the key of the instance taking the steps to a
//! run of ops, through a dense table per source (key of at most 16 bits,
//! within a budget of 2M entries of lazily zeroed pages), a hash table past
//! that, or for a key wider than a word a hash table of its own. When every
//! source is dense and its key lies side by side in one word
//! ([`Packing::simple`]) the per-state loop is compiled without the other
//! cases. An op is a step and its effect: a self-loop, a finding, or
//! `(word, keep, set)` edits that replace the instance's own bits and
//! (packed) set the bits of the messages sent, or (ordinary) list them; a
//! packed edit that leaves every word as it was is replayed as a step back
//! to the state (`Sink::same`). A missing run is computed with the
//! interpreter (`Model::actions_of`, `Model::deliver`), so order and
//! outcomes are the interpreter's. Crashed and byzantine instances are
//! skipped and a partition holds back messages across it; the faults'
//! steps come after the protocol's, in the interpreter's order
//! (`Model::faults_packed`), and `Sink::fault` tells the explorer they are
//! not the protocol's (a state with only those is deadlocked).
//!
//! The lookups and replays index without bounds checks, each on an
//! invariant of this file alone, stated at the block: a source's word is in
//! the fixed part (`Packing::new` checks it), its dense table lies in the
//! memo's, an entry names ops the memo recorded (dropped only with every
//! entry by `Memo::forget`), and a message bit is in the universe (the
//! last word is masked to it).
//!
//! The files: `qualify.rs` reads the spec for [`Packing::new`] (whether its
//! code is local, the universe of messages); `packed.rs` reads and writes
//! packed states; `cache.rs` holds the [`Memo`] and records and replays
//! its runs; `successors.rs` generates a state's steps through it, and
//! `faults.rs` the faults' steps on packed states.

mod cache;
mod faults;
mod packed;
mod qualify;
mod successors;

pub use cache::{Memo, Sink};

use self::qualify::{Reads, expr_local, stmt_local, universe, wide_runs};
use crate::model::code::Resets;
use crate::model::encoding::mask;
use crate::model::layout::Slot;
use crate::model::{Layout, RtError};
use crate::syntax::ast::NetworkKind;
use crate::typed::*;

/// The most possible messages (bits) a packed network may have.
pub(crate) const MAX_UNIVERSE: usize = 1024;

/// The widest key of a step source's outcomes: the own bits of the
/// instance taking the steps and the other instances' variables its code
/// reads.
pub(crate) const MAX_KEY_BITS: u32 = 256;

/// A key wider than a word: bit `i` of the key at `key[i / 64]`.
type WideKey = [u64; (MAX_KEY_BITS / 64) as usize];

/// Outcomes a [`Memo`] holds before it starts afresh (a bound on its memory,
/// a few tens of MiB; the specs it helps need far fewer).
const MEMO_CAPACITY: usize = 1 << 18;

/// How a spec's states are packed, and what each instance's own bits are.
pub struct Packing {
    /// Whether states are packed (every message kind on a `set` network):
    /// else the step cache serves ordinary states, whose network is a list
    /// ([`Model::successors_cached`]), and the fields about the packed
    /// network (`base`, `words`, `bits`, `kind_masks`) are unused.
    packed_net: bool,
    /// Where the network's bits start: after the fixed part's.
    base: u32,
    /// Words of a packed state.
    words: usize,
    /// Bits of a packed state in use.
    bits: u32,
    /// Bit (counted from `base`) → message code, in increasing code order,
    /// so the bits in order are the canonical network (and a code's bit is
    /// found by binary search: [`Packing::bit_of`]).
    codes: Vec<u64>,
    /// By global instance: the slots of the key of its steps' outcomes
    /// (its "own bits": its variables, then the other instances' variables
    /// its code reads), each with its offset in the key.
    locals: Vec<Vec<(Slot, u32)>>,
    /// By global instance whose key is wider than a word: `locals` as
    /// runs of bits adjacent both in the state and in the key, (word,
    /// shift, bits, offset in the key), so that [`Packing::wide_key`] reads
    /// a variable of 64 bits or a few side by side at once.
    wide_runs: Vec<Vec<(u32, u32, u32, u32)>>,
    /// By global instance: the bits of its own variables (the first of
    /// `locals`, the only ones its steps write), by word (word, mask), as
    /// the recorded ops replace them.
    own_words: Vec<Vec<(u32, u64)>>,
    /// By global instance, when its variables lie side by side in one word
    /// (the usual case): that word, the shift and the mask of its bits.
    spans: Vec<Option<(usize, u32, u64)>>,
    /// By message kind: its bits in a packed state, as (word, mask) pairs.
    kind_masks: Vec<Vec<(usize, u64)>>,
    /// The sources of steps: every instance (its actions), then every
    /// message bit (its deliveries), each with where its runs are found.
    sources: Vec<StepSource>,
    /// The instances that have actions: their source (its `global`), kind
    /// and index in the kind.
    actors: Vec<(StepSource, NodeKindId, u32)>,
    /// Entries of every dense table together ([`StepSource::dense`]).
    dense_len: usize,
    /// Whether every source's own bits lie side by side in one word and
    /// index a dense table (the usual case): then its entry is one shift,
    /// one mask and one load away.
    simple: bool,
    /// By global instance: what a restart sets ([`Model::restart_resets`]),
    /// computed the first time it is needed.
    restarts: Vec<std::sync::OnceLock<Result<Resets, RtError>>>,
    /// By global instance: the word and the mask of its crash and
    /// byzantine flags, when it has any and they share a word (else
    /// `u32::MAX`: [`Model::down`] reads them).
    down: Vec<(u32, u64)>,
    /// Whether the spec has faults: then crashed and byzantine instances
    /// take no step of their code,
    /// a partition holds back the messages across it, and the faults'
    /// steps follow the protocol's ([`Model::faults_packed`]).
    faulty: bool,
    /// Whether the spec has a partition fault (then a partition may hold
    /// back messages: [`Model::cut`]).
    partitioned: bool,
}

/// A source of steps: an instance's actions, or one message's deliveries.
#[derive(Clone, Copy)]
struct StepSource {
    /// The instance taking the steps.
    global: u32,
    /// Its own bits, when they lie side by side in one word: the word,
    /// the shift and the mask; else `word == u32::MAX`.
    word: u32,
    /// Whether its key is wider than a word ([`Packing::wide_key`]): then its
    /// runs are in the memo's wide table, never a dense one.
    wide: bool,
    shift: u32,
    mask: u64,
    /// Where its dense table starts in the memo's `dense`, one entry per
    /// value of the own bits; `NOT_DENSE` when they are too many.
    dense: u32,
    /// The instance's crash and byzantine flags, as [`Packing::down`] has
    /// them, kept here so that the per-state loops read them with the
    /// source.
    down_word: u32,
    down_mask: u64,
}

/// A [`StepSource`] without a dense table.
const NOT_DENSE: u32 = u32::MAX;

/// Own bits up to this wide index a dense table of runs (one `u64` per
/// value of the bits); wider ones go to a hash table.
const DENSE_BITS: u32 = 16;

/// Entries of dense tables a memo may have (8 bytes each, zeroed pages
/// that become resident as they are used); sources past the budget go to
/// the hash table.
const DENSE_BUDGET: usize = 1 << 21;

impl Packing {
    /// The packing of a spec, if it qualifies for the fast path.
    /// `forgeable`: the messages byzantine instances may forge (they join
    /// the universe).
    pub(crate) fn new(spec: &TypedSpec, layout: &Layout, forgeable: &[u64]) -> Option<Packing> {
        // A wide set variable is no field of a key: the interpreter runs.
        if layout.has_wide {
            return None;
        }
        let packed_net = spec.messages.iter().all(|m| m.network == NetworkKind::Set);
        // By kind: the other instances' variables its code reads.
        let mut remote: Vec<Reads> = Vec::new();
        for node in &spec.nodes {
            let mut reads = Reads::new();
            let code = (node.actions.iter().map(|a| (&a.guard, &a.body)))
                .chain(node.handlers.iter().map(|h| (&h.guard, &h.body)));
            for (guard, body) in code {
                let guard_ok = guard.as_ref().is_none_or(|g| expr_local(g, &mut reads));
                if !guard_ok || !body.stmts.iter().all(|s| stmt_local(s, &mut reads)) {
                    return None;
                }
            }
            reads.sort_unstable();
            reads.dedup();
            remote.push(reads);
        }
        // By global instance: the slots of the key of its steps' outcomes,
        // its own variables' first (`own`), then those of every instance
        // of each variable its code reads elsewhere.
        let mut locals = Vec::new();
        let mut own_len = Vec::new();
        for (k, kl) in layout.kinds.iter().enumerate() {
            for inst in 0..kl.count as usize {
                let mut offset = 0u32;
                let mut key = Vec::new();
                for var in &kl.vars {
                    let slot = var.slots[inst];
                    if slot.bits > 0 {
                        key.push((slot, offset));
                        offset += slot.bits;
                    }
                }
                own_len.push(key.len());
                for &(rk, rv) in &remote[k] {
                    for &slot in &layout.kinds[rk].vars[rv].slots {
                        if slot.bits > 0 && !key.iter().any(|(s, _)| *s == slot) {
                            key.push((slot, offset));
                            offset += slot.bits;
                        }
                    }
                }
                if offset > MAX_KEY_BITS {
                    return None;
                }
                locals.push(key);
            }
        }
        let spans: Vec<Option<(usize, u32, u64)>> = locals
            .iter()
            .map(|own| {
                let (first, _) = own.first()?;
                let side_by_side = own.iter().all(|(slot, offset)| {
                    slot.word == first.word && slot.shift == first.shift + offset
                });
                let bits: u32 = own.iter().map(|(slot, _)| slot.bits).sum();
                let fixed = (first.word as usize) < layout.fixed_words;
                (side_by_side && fixed).then_some((first.word as usize, first.shift, mask(bits)))
            })
            .collect();
        let codes = universe(spec, layout, forgeable)?;
        let base = layout.fixed_bits;
        let mut kind_masks = vec![Vec::<(usize, u64)>::new(); spec.messages.len()];
        for (b, &code) in codes.iter().enumerate() {
            let at = base as usize + b;
            let (word, bit) = (at / 64, 1u64 << (at % 64));
            let masks = &mut kind_masks[layout.msg.kind(code)];
            match masks.last_mut() {
                Some((w, m)) if *w == word => *m |= bit,
                _ => masks.push((word, bit)),
            }
        }
        let bits = base.checked_add(codes.len() as u32)?;
        let words = (bits as usize).div_ceil(64).max(layout.fixed_words);
        let down: Vec<(u32, u64)> = (layout.instances.iter())
            .map(|&(k, inst)| {
                let kl = &layout.kinds[k];
                let flags: Vec<Slot> = [&kl.crashed, &kl.byzantine]
                    .into_iter()
                    .flatten()
                    .map(|f| f[inst as usize])
                    .collect();
                match flags.first() {
                    None => (0, 0),
                    Some(f)
                        if flags.iter().all(|g| g.word == f.word)
                            && (f.word as usize) < layout.fixed_words =>
                    {
                        let m = flags.iter().fold(0, |m, g| m | (mask(g.bits) << g.shift));
                        (f.word, m)
                    }
                    Some(_) => (u32::MAX, 0),
                }
            })
            .collect();
        let mut dense_len = 0usize;
        let sources: Vec<StepSource> = (0..layout.instances.len() as u32)
            .chain(codes.iter().map(|&c| layout.msg.dst(c)))
            .map(|global| {
                let own: &Vec<(Slot, u32)> = &locals[global as usize];
                let width: u32 = own.iter().map(|(slot, _)| slot.bits).sum();
                let size = 1usize << width.min(DENSE_BITS + 1);
                let dense = if width <= DENSE_BITS && dense_len + size <= DENSE_BUDGET {
                    dense_len += size;
                    (dense_len - size) as u32
                } else {
                    NOT_DENSE
                };
                let (word, shift, mask) = match spans[global as usize] {
                    Some((w, shift, mask)) => (w as u32, shift, mask),
                    None => (u32::MAX, 0, 0),
                };
                let (down_word, down_mask) = down[global as usize];
                StepSource {
                    global,
                    word,
                    wide: width > 64,
                    shift,
                    mask,
                    dense,
                    down_word,
                    down_mask,
                }
            })
            .collect();
        let simple =
            (sources.iter()).all(|s: &StepSource| s.word != u32::MAX && s.dense != NOT_DENSE);
        let actors = (layout.instances.iter().enumerate())
            .filter(|(_, (k, _))| !spec.nodes[*k].actions.is_empty())
            .map(|(g, &(k, inst))| (sources[g], k, inst))
            .collect();
        let own_words = (locals.iter().zip(&own_len))
            .map(|(key, &own)| {
                let mut words: Vec<(u32, u64)> = Vec::new();
                for (slot, _) in &key[..own] {
                    let m = mask(slot.bits) << slot.shift;
                    match words.iter_mut().find(|(w, _)| *w == slot.word) {
                        Some((_, bits)) => *bits |= m,
                        None => words.push((slot.word, m)),
                    }
                }
                words
            })
            .collect();
        Some(Packing {
            own_words,
            restarts: (0..layout.instances.len())
                .map(|_| Default::default())
                .collect(),
            down,
            packed_net,
            base,
            words,
            bits,
            codes,
            wide_runs: locals.iter().map(|key| wide_runs(key)).collect(),
            locals,
            spans,
            kind_masks,
            sources,
            simple,
            actors,
            dense_len,
            faulty: !spec.faults.is_empty(),
            partitioned: layout.partition.is_some(),
        })
    }
}
