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
//! becomes a fixed number of words ([`Fast::pack`]), the fixed part's bits
//! followed by one bit per possible message, hashed and compared without a
//! list of messages.
//!
//! [`Fast::new`] decides whether a spec qualifies: no guard or body reads
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
//! successors) sees the ordinary form, through [`Fast::unpack`].
//!
//! A step source is an instance's actions or one message's deliveries; the
//! [`Memo`] maps a source and the key of the instance taking the steps to a
//! run of ops, through a dense table per source (key of at most 16 bits,
//! within a budget of 2M entries of lazily zeroed pages), a hash table past
//! that, or for a key wider than a word a hash table of its own. When every
//! source is dense and its key lies side by side in one word
//! ([`Fast::simple`]) the per-state loop is compiled without the other
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
//! the fixed part (`Fast::new` checks it), its dense table lies in the
//! memo's, an entry names ops the memo recorded (dropped only with every
//! entry by `Memo::forget`), and a message bit is in the universe (the
//! last word is masked to it).

use super::code::Resets;
use super::encoding::mask;
use super::layout::{Slot, shl};
use super::step::{Outcome, Scratch, Step, StepKind};
use super::{Layout, Model, RtError};
use crate::hash::mix;
use crate::syntax::ast::{FaultKind, NetworkKind};
use crate::typed::*;

/// The most possible messages (bits) a packed network may have.
pub const MAX_UNIVERSE: usize = 1024;

/// The widest key of a step source's outcomes: the own bits of the
/// instance taking the steps and the other instances' variables its code
/// reads.
pub const MAX_KEY_BITS: u32 = 256;

/// A key wider than a word: bit `i` of the key at `key[i / 64]`.
type WideKey = [u64; (MAX_KEY_BITS / 64) as usize];

/// Outcomes a [`Memo`] holds before it starts afresh (a bound on its memory,
/// a few tens of MiB; the specs it helps need far fewer).
const MEMO_CAPACITY: usize = 1 << 18;

/// How a spec's states are packed, and what each instance's own bits are.
pub struct Fast {
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
    /// found by binary search: [`Fast::bit_of`]).
    codes: Vec<u64>,
    /// By global instance: the slots of the key of its steps' outcomes
    /// (its "own bits": its variables, then the other instances' variables
    /// its code reads), each with its offset in the key.
    locals: Vec<Vec<(Slot, u32)>>,
    /// By global instance whose key is wider than a word: `locals` as
    /// runs of bits adjacent both in the state and in the key, (word,
    /// shift, bits, offset in the key), so that [`Fast::wide_key`] reads
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
    /// Whether its key is wider than a word ([`Fast::wide_key`]): then its
    /// runs are in the memo's wide table, never a dense one.
    wide: bool,
    shift: u32,
    mask: u64,
    /// Where its dense table starts in the memo's `dense`, one entry per
    /// value of the own bits; `NOT_DENSE` when they are too many.
    dense: u32,
    /// The instance's crash and byzantine flags, as [`Fast::down`] has
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

impl Fast {
    /// The packing of a spec, if it qualifies for the fast path.
    /// `forgeable`: the messages byzantine instances may forge (they join
    /// the universe).
    pub(crate) fn new(spec: &TypedSpec, layout: &Layout, forgeable: &[u64]) -> Option<Fast> {
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
        Some(Fast {
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

    /// Whether some instance's key is wider than a word (its runs are in
    /// the memo's wide table).
    pub fn has_wide_keys(&self) -> bool {
        self.sources.iter().any(|s| s.wide)
    }

    /// Words of a packed state.
    pub fn words(&self) -> usize {
        self.words
    }

    /// The universe of a packed network: bit `b` is message `codes()[b]`,
    /// in increasing code order.
    pub(super) fn codes(&self) -> &[u64] {
        &self.codes
    }

    /// Where the network's bits start in a packed state.
    pub(super) fn base(&self) -> u32 {
        self.base
    }

    /// Bits of a packed state in use (every higher bit is zero).
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// Packs a state (fixed part, then its canonical network).
    pub fn pack(&self, fixed_words: usize, state: &[u64], out: &mut Vec<u64>) {
        out.clear();
        out.extend_from_slice(&state[..fixed_words]);
        out.resize(self.words, 0);
        for &code in &state[fixed_words..] {
            self.set_bit(out, self.bit_of(code));
        }
    }

    /// The ordinary form of a packed state.
    pub fn unpack(&self, fixed_words: usize, packed: &[u64], out: &mut Vec<u64>) {
        out.clear();
        out.extend_from_slice(&packed[..fixed_words]);
        if !self.base.is_multiple_of(64)
            && let Some(last) = out.get_mut(self.base as usize / 64)
        {
            *last &= mask(self.base % 64);
        }
        self.for_each_message(packed, |bit| out.push(self.codes[bit as usize]));
    }

    /// The bit of message `code` in a packed network.
    #[inline]
    fn bit_of(&self, code: u64) -> u32 {
        let bit = self.codes.binary_search(&code);
        bit.expect("every message a step can send is in the packed network's universe (Fast::new)")
            as u32
    }

    /// Whether a packed state's network holds the message of `bit`.
    #[inline]
    fn has_bit(&self, words: &[u64], bit: u32) -> bool {
        let at = self.base + bit;
        words[at as usize / 64] & (1 << (at % 64)) != 0
    }

    #[inline]
    fn set_bit(&self, words: &mut [u64], bit: u32) {
        let at = self.base + bit;
        words[at as usize / 64] |= 1 << (at % 64);
    }

    /// Calls `f` with the bit of every message in a packed state's network,
    /// in increasing order.
    #[inline]
    fn for_each_message(&self, packed: &[u64], mut f: impl FnMut(u32)) {
        if self.bits == self.base {
            return;
        }
        let first = self.base as usize / 64;
        let last = (self.bits as usize - 1) / 64;
        for (w, &word) in packed.iter().enumerate().take(last + 1).skip(first) {
            let mut word = word;
            if w == first {
                word &= !mask(self.base % 64);
            }
            while word != 0 {
                let at = w as u32 * 64 + word.trailing_zeros();
                word &= word - 1;
                f(at - self.base);
            }
        }
    }

    /// Marks in `sent` the kinds of the messages in a packed state's
    /// network (those not marked yet).
    pub fn mark_kinds(&self, packed: &[u64], sent: &mut [bool]) {
        for (m, masks) in self.kind_masks.iter().enumerate() {
            if !sent[m] && masks.iter().any(|&(w, mask)| packed[w] & mask != 0) {
                sent[m] = true;
            }
        }
    }

    /// The own bits of the instance taking the steps of `src` (`SIMPLE`:
    /// they lie side by side in one word).
    #[inline(always)]
    fn own_bits<const SIMPLE: bool>(&self, fixed: &[u64], src: &StepSource) -> u64 {
        match src.word {
            // A wide key is made by `Memo::cached` (`Fast::wide_key`).
            u32::MAX if !SIMPLE && src.wide => 0,
            u32::MAX if !SIMPLE => self.local(fixed, src.global),
            // SAFETY: a source's word is one of the fixed part's
            // (`Fast::new` takes it from the layout's slots, and checks
            // it), and `fixed` is the fixed part of a state.
            w => (unsafe { *fixed.get_unchecked(w as usize) } >> src.shift) & src.mask,
        }
    }

    /// Whether instance `global` is crashed or byzantine (then it takes
    /// no step of its code and receives nothing).
    #[inline(always)]
    fn is_down(&self, model: &Model, fixed: &[u64], global: u32) -> bool {
        match self.down[global as usize] {
            (u32::MAX, _) => model.down(fixed, global),
            (w, m) => fixed[w as usize] & m != 0,
        }
    }

    /// [`Fast::is_down`] for the instance taking the steps of `src`, from
    /// the flags the source carries.
    #[inline(always)]
    fn src_down(&self, model: &Model, fixed: &[u64], src: &StepSource) -> bool {
        match src.down_word {
            u32::MAX => model.down(fixed, src.global),
            // SAFETY: a flag word is one of the fixed part's (`Fast::new`
            // checks it), and `fixed` is the fixed part of a state; an
            // instance without flags has the mask 0 and reads nothing.
            w => {
                src.down_mask != 0
                    && unsafe { *fixed.get_unchecked(w as usize) } & src.down_mask != 0
            }
        }
    }

    /// Instance `global`'s key when it is wider than a word: each slot of
    /// `Fast::locals` at its offset, as [`Fast::local`] packs a narrow one.
    #[inline]
    fn wide_key(&self, words: &[u64], global: u32) -> WideKey {
        let mut key = WideKey::default();
        for &(word, shift, bits, offset) in &self.wide_runs[global as usize] {
            let value = (words[word as usize] >> shift) & mask(bits);
            let (w, s) = ((offset / 64) as usize, offset % 64);
            key[w] |= value << s;
            // A run takes at most 64 bits, so it spans at most two
            // words of the key; `s > 0` here.
            if s + bits > 64 {
                key[w + 1] |= value >> (64 - s);
            }
        }
        key
    }

    /// Instance `global`'s own bits.
    fn local(&self, words: &[u64], global: u32) -> u64 {
        if let Some((w, shift, mask)) = self.spans[global as usize] {
            return (words[w] >> shift) & mask;
        }
        self.locals[global as usize]
            .iter()
            .fold(0, |acc, (slot, offset)| {
                acc | shl(slot.read(words), *offset)
            })
    }
}

/// The runs of a key's slots (`Fast::wide_runs`): slots that follow each
/// other in one word of the state and in the key merged, up to 64 bits.
fn wide_runs(key: &[(Slot, u32)]) -> Vec<(u32, u32, u32, u32)> {
    let mut runs: Vec<(u32, u32, u32, u32)> = Vec::new();
    for &(slot, offset) in key {
        match runs.last_mut() {
            Some((word, shift, bits, at))
                if *word == slot.word
                    && *shift + *bits == slot.shift
                    && *at + *bits == offset
                    && *bits + slot.bits <= 64 =>
            {
                *bits += slot.bits
            }
            _ => runs.push((slot.word, slot.shift, slot.bits, offset)),
        }
    }
    runs
}

/// Every message the spec's code can send or a byzantine instance forge
/// (`forgeable`), by code, in increasing order; `None` when there are more
/// than [`MAX_UNIVERSE`].
fn universe(spec: &TypedSpec, layout: &Layout, forgeable: &[u64]) -> Option<Vec<u64>> {
    if forgeable.len() > MAX_UNIVERSE {
        return None;
    }
    let mut codes = forgeable.to_vec();
    for (k, node) in spec.nodes.iter().enumerate() {
        // (message, receiving kind; `None`: any) of every send in its code.
        let mut sends = Vec::new();
        for body in node
            .actions
            .iter()
            .map(|a| &a.body)
            .chain(node.handlers.iter().map(|h| &h.body))
        {
            collect_sends(&body.stmts, &mut sends);
        }
        sends.sort_unstable();
        sends.dedup();
        let senders = &layout.kinds[k];
        for (m, to) in sends {
            let mut payloads = vec![0u64];
            for (offset, enc) in &layout.msg.fields[m] {
                let values = enc.domain()?;
                if payloads.len() * values.len() > MAX_UNIVERSE {
                    return None;
                }
                payloads = payloads
                    .iter()
                    .flat_map(|p| values.iter().map(move |&c| p | shl(c, *offset)))
                    .collect();
            }
            let receivers: Vec<u32> = match to {
                Some(rk) => {
                    let r = &layout.kinds[rk];
                    (r.first_global..r.first_global + r.count).collect()
                }
                None => (0..layout.instances.len() as u32).collect(),
            };
            for src in senders.first_global..senders.first_global + senders.count {
                for &dst in &receivers {
                    for &payload in &payloads {
                        codes.push(layout.msg.pack(src, dst, m, payload));
                    }
                    if codes.len() > MAX_UNIVERSE {
                        return None;
                    }
                }
            }
        }
    }
    codes.sort_unstable();
    codes.dedup();
    Some(codes)
}

/// The messages sent by statements, with the kind they are sent to when
/// the type says it.
fn collect_sends(stmts: &[Stmt], out: &mut Vec<(MessageId, Option<NodeKindId>)>) {
    for s in stmts {
        match &s.kind {
            StmtKind::Send { dest, message, .. } => out.push((
                *message,
                match dest.ty {
                    Type::Node(k) => Some(k),
                    _ => None,
                },
            )),
            StmtKind::Broadcast { kind, message, .. } => out.push((*message, Some(*kind))),
            StmtKind::If {
                then_stmts,
                else_stmts,
                ..
            } => {
                collect_sends(then_stmts, out);
                collect_sends(else_stmts, out);
            }
            StmtKind::For { body, .. } => collect_sends(body, out),
            StmtKind::Assign { .. } | StmtKind::Let { .. } | StmtKind::Assert(_) => {}
        }
    }
}

/// Whether a statement writes only the running instance's variables (an
/// assignment always writes them) and reads nothing the environment
/// decides; the variables of other instances it reads, as (kind, var),
/// go to `reads`.
fn stmt_local(s: &Stmt, reads: &mut Reads) -> bool {
    let all = |es: &[Expr], reads: &mut Reads| es.iter().all(|e| expr_local(e, reads));
    match &s.kind {
        StmtKind::Assign { place, value, .. } => {
            expr_local(value, reads)
                && place.path.iter().all(|a| match a {
                    Access::MapKey(e) | Access::SeqIndex(e) => expr_local(e, reads),
                    Access::Field(_) | Access::Tuple(_) => true,
                })
        }
        StmtKind::Let { value, .. } => expr_local(value, reads),
        StmtKind::If {
            cond,
            then_stmts,
            else_stmts,
        } => {
            expr_local(cond, reads)
                && then_stmts.iter().all(|s| stmt_local(s, reads))
                && else_stmts.iter().all(|s| stmt_local(s, reads))
        }
        StmtKind::For { domain, body, .. } => {
            expr_local(domain, reads) && body.iter().all(|s| stmt_local(s, reads))
        }
        StmtKind::Send { dest, args, .. } => expr_local(dest, reads) && all(args, reads),
        StmtKind::Broadcast { args, .. } => all(args, reads),
        StmtKind::Assert(e) => expr_local(e, reads),
    }
}

/// The variables of other instances a node's code reads: (kind, var).
type Reads = Vec<(NodeKindId, VarId)>;

/// Whether an expression reads nothing the environment decides; the
/// variables of other instances it reads go to `reads`.
fn expr_local(e: &Expr, reads: &mut Reads) -> bool {
    match &e.kind {
        ExprKind::RemoteVar { kind, var, .. } => {
            reads.push((*kind, *var));
        }
        ExprKind::Call(builtin, _) if builtin.is_environment_only() => return false,
        _ => {}
    }
    e.children().into_iter().all(|c| expr_local(c, reads))
}

/// What a step does to a packed state, as the cache keeps it.
#[derive(Clone, Copy)]
struct Op {
    kind: OpKind,
    /// `Next`: the word holding (the first of) the instance's own bits,
    /// the bits of it kept, and the bits then set (its new own bits and
    /// the messages sent that fall in it): `next[word] = state[word] &
    /// keep | set`.
    word: u32,
    keep: u64,
    set: u64,
    /// `Next`: more such (word, keep, set) edits, `Memo::more[more..more
    /// + n_more]`. `Error`: the finding, `Memo::errors[more]`.
    more: u32,
    n_more: u32,
    /// The step, `Memo::steps[step]`.
    step: u32,
    /// Ordinary states (a list network): the messages the step sends,
    /// `Memo::sent[sent..sent + n_sent]`, in canonical order.
    sent: u32,
    n_sent: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum OpKind {
    /// The state itself.
    Same,
    /// Another state.
    Next,
    /// A runtime finding.
    Error,
}

/// A run of ops (`start`, `len`) as a table entry: `start << 32 | (len +
/// 1)`, so that 0 means "not computed".
#[inline]
fn entry(start: usize, len: usize) -> u64 {
    ((start as u64) << 32) | (len as u64 + 1)
}

/// An open-addressing map from a (source, own bits) key of `N` words to
/// an entry: `N = 2` for keys of a word, `N = 5` for wide ones.
struct Table<const N: usize> {
    /// (key, entry); an entry of 0 marks an empty slot.
    slots: Vec<([u64; N], u64)>,
    len: usize,
}

impl<const N: usize> Default for Table<N> {
    fn default() -> Self {
        Table {
            slots: Vec::new(),
            len: 0,
        }
    }
}

#[inline]
fn key_hash<const N: usize>(key: [u64; N]) -> u64 {
    key.iter().fold(0, |h, &w| mix(h, w))
}

impl<const N: usize> Table<N> {
    fn get(&self, key: [u64; N]) -> u64 {
        if self.slots.is_empty() {
            return 0;
        }
        let mask = self.slots.len() - 1;
        let mut i = key_hash(key) as usize & mask;
        loop {
            let (k, e) = self.slots[i];
            if e == 0 || k == key {
                return e;
            }
            i = (i + 1) & mask;
        }
    }

    fn insert(&mut self, key: [u64; N], e: u64) {
        if (self.len + 1) * 2 > self.slots.len() {
            let size = (self.slots.len() * 2).max(256);
            let old = std::mem::replace(&mut self.slots, vec![([0; N], 0); size]);
            self.len = 0;
            for (k, e) in old.into_iter().filter(|s| s.1 != 0) {
                self.put(k, e);
            }
        }
        self.put(key, e);
    }

    fn put(&mut self, key: [u64; N], e: u64) {
        let mask = self.slots.len() - 1;
        let mut i = key_hash(key) as usize & mask;
        while self.slots[i].1 != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = (key, e);
        self.len += 1;
    }
}

/// The cache of step outcomes, one per thread: by step source (an
/// instance's actions, one message's deliveries) and the own bits of the
/// instance taking the steps, the run of ops that replays them.
#[derive(Default)]
pub struct Memo {
    /// Every step recorded since the caller last drained it: the steps
    /// taken (or failed) in some explored state, for coverage.
    pub recorded: Vec<Step>,
    /// The dense tables of every source ([`StepSource::dense`]): entries
    /// ([`entry`]), 0 where not computed.
    dense: Vec<u64>,
    /// Entries of sources without a dense table, by (source, own bits).
    table: Table<2>,
    /// Entries of sources with a wide key ([`StepSource::wide`]), by
    /// (source, key).
    wide: Table<5>,
    ops: Vec<Op>,
    more: Vec<(u32, u64, u64)>,
    sent: Vec<u64>,
    steps: Vec<Step>,
    errors: Vec<RtError>,
    /// The successor being built.
    next: Vec<u64>,
    /// Ordinary states: the state a delivery's outcomes are computed on
    /// (the fixed part and the message), kept for its buffer.
    probe: Vec<u64>,
}

impl Memo {
    /// Fits the memo to a spec's packing (once: a memo serves one spec).
    #[inline]
    fn prepare(&mut self, fast: &Fast) {
        if self.dense.len() != fast.dense_len {
            self.forget(fast);
        }
    }

    /// Forgets every outcome.
    fn forget(&mut self, fast: &Fast) {
        // Zeroed anew rather than filled: the pages of a fresh zeroed
        // allocation become resident only as entries are written.
        self.dense = vec![0; fast.dense_len];
        self.table = Table::default();
        self.wide = Table::default();
        self.ops.clear();
        self.more.clear();
        self.sent.clear();
        self.steps.clear();
        self.errors.clear();
    }

    /// The entry of source `src` (index `index`) when the own bits of the
    /// instance taking the steps are `local` (a wide key is read from the
    /// fixed part, `fixed`), if known: from the source's dense table, else
    /// the hash table; 0 when not computed yet.
    #[inline(always)]
    fn cached<const SIMPLE: bool>(
        &self,
        fast: &Fast,
        fixed: &[u64],
        index: usize,
        src: &StepSource,
        local: u64,
    ) -> u64 {
        if !SIMPLE && src.wide {
            self.wide
                .get(wide_entry_key(index, fast.wide_key(fixed, src.global)))
        } else if SIMPLE || src.dense != NOT_DENSE {
            let at = src.dense as usize + local as usize;
            debug_assert!(at < self.dense.len());
            // SAFETY: the memo is prepared for this packing (`dense` has
            // `dense_len` entries) and a source's dense table, one entry
            // per value of its own bits, lies within them (`Fast::new`).
            unsafe { *self.dense.get_unchecked(at) }
        } else {
            self.table.get([index as u64, local])
        }
    }

    /// Records the outcomes of source `src` (index `index`) for own bits
    /// `local` with `compute` (which runs the interpreter into the memo);
    /// their entry.
    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn fill(
        &mut self,
        fast: &Fast,
        fixed: &[u64],
        index: usize,
        src: &StepSource,
        local: u64,
        compute: impl FnOnce(&mut Memo),
    ) -> u64 {
        // Full: start afresh (never while a run is replayed: runs are
        // looked up one at a time, and replayed before the next lookup).
        if self.ops.len() >= MEMO_CAPACITY {
            self.forget(fast);
        }
        let start = self.ops.len();
        compute(self);
        let e = entry(start, self.ops.len() - start);
        if src.wide {
            let key = wide_entry_key(index, fast.wide_key(fixed, src.global));
            self.wide.insert(key, e);
        } else if src.dense == NOT_DENSE {
            self.table.insert([index as u64, local], e);
        } else {
            self.dense[src.dense as usize + local as usize] = e;
        }
        e
    }

    /// Hands the run of entry `e` from the packed state `state` to `sink`.
    #[inline(always)]
    fn replay<S: Sink>(&mut self, state: &[u64], e: u64, sink: &mut S) {
        let (start, len) = ((e >> 32) as usize, (e as u32 - 1) as usize);
        let Memo {
            ops,
            more,
            steps,
            errors,
            next,
            ..
        } = self;
        debug_assert!(start + len <= ops.len());
        // SAFETY: an entry is made by `Memo::fill` for ops it has just
        // recorded, each with its step; ops and steps are only ever
        // dropped by `Memo::forget`, together with every entry.
        for op in unsafe { ops.get_unchecked(start..start + len) } {
            let step = unsafe { steps.get_unchecked(op.step as usize) };
            match op.kind {
                OpKind::Same => sink.same(step),
                OpKind::Next => {
                    // A step that writes what was there (a variable given
                    // its own value, a message sent that is in the network
                    // already) leads back to the state: `same`, as every
                    // sink would take it (a successor equal to the state
                    // is no edge and takes no task), without a successor
                    // to buffer.
                    if let ([n], [s]) = (next.as_mut_slice(), state) {
                        // One word, the usual case.
                        let w = (*s & op.keep) | op.set;
                        if w == *s {
                            sink.same(step);
                            continue;
                        }
                        *n = w;
                    } else {
                        next.clear();
                        next.extend_from_slice(state);
                        let w = op.word as usize;
                        let mut changed = false;
                        let mut edit = |w: usize, keep: u64, set: u64| {
                            let x = (next[w] & keep) | set;
                            changed |= x != next[w];
                            next[w] = x;
                        };
                        edit(w, op.keep, op.set);
                        let more = &more[op.more as usize..(op.more + op.n_more) as usize];
                        for &(w, keep, set) in more {
                            edit(w as usize, keep, set);
                        }
                        if !changed {
                            sink.same(step);
                            continue;
                        }
                    }
                    sink.next(step, next);
                }
                OpKind::Error => sink.error(step, &errors[op.more as usize]),
            }
        }
    }

    /// Hands the run of entry `e` from the ordinary state `state` to
    /// `emit`: each successor's fixed words edited, its network the
    /// state's, less the message at `removed` (a delivery off a `multiset`
    /// or `fifo` network), with the step's messages put in their places.
    fn replay_list(
        &mut self,
        model: &Model,
        state: &[u64],
        removed: Option<usize>,
        e: u64,
        emit: &mut dyn FnMut(Step, Outcome),
    ) {
        let (start, len) = ((e >> 32) as usize, (e as u32 - 1) as usize);
        let fixed_words = model.layout.fixed_words;
        let (fixed, net) = state.split_at(fixed_words);
        let Memo {
            ops,
            more,
            sent,
            steps,
            errors,
            next,
            ..
        } = self;
        for op in &ops[start..start + len] {
            let step = steps[op.step as usize];
            match op.kind {
                OpKind::Same => emit(step, Outcome::Next(state)),
                OpKind::Next => {
                    next.clear();
                    super::extend_words(next, fixed);
                    // A state without fixed words (no instance has a
                    // variable) has no word to edit: the op's edit is then
                    // the no-op `(0, !0, 0)`.
                    if let Some(x) = next.get_mut(op.word as usize) {
                        *x = (*x & op.keep) | op.set;
                    }
                    for &(w, keep, set) in &more[op.more as usize..(op.more + op.n_more) as usize] {
                        next[w as usize] = (next[w as usize] & keep) | set;
                    }
                    let sends = &sent[op.sent as usize..(op.sent + op.n_sent) as usize];
                    model.append_canonical_net(net, removed, sends, next);
                    emit(step, Outcome::Next(next));
                }
                OpKind::Error => emit(step, Outcome::Error(errors[op.more as usize].clone())),
            }
        }
    }
}

/// The wide table's key of source `index` with key `key`.
#[inline]
fn wide_entry_key(index: usize, key: WideKey) -> [u64; 5] {
    [index as u64, key[0], key[1], key[2], key[3]]
}

/// Makes `next` a copy of `state`: one word, the usual packed state,
/// without a call to `memcpy`.
#[inline(always)]
fn copy_state(next: &mut Vec<u64>, state: &[u64]) {
    if let ([n], [s]) = (next.as_mut_slice(), state) {
        *n = *s;
    } else {
        next.clear();
        next.extend_from_slice(state);
    }
}

/// Where [`Model::successors_packed`] hands the steps of a state, in order.
pub trait Sink {
    /// A step that leaves the state as it is.
    fn same(&mut self, step: &Step);
    /// A step to another state (packed).
    fn next(&mut self, step: &Step, next: &[u64]);
    /// A step that fails: a finding.
    fn error(&mut self, step: &Step, error: &RtError);
    /// A fault's step to another state (packed): not the protocol's, so a
    /// state with no other step is deadlocked.
    fn fault(&mut self, step: &Step, next: &[u64]);
}

/// Records the interpreter's outcomes of one step source (an instance's
/// actions, or one message's handlers) into the memo as ops.
fn record<'a>(
    fast: &'a Fast,
    fixed_words: usize,
    fixed: &'a [u64],
    global: u32,
    memo: &'a mut Memo,
) -> impl FnMut(Step, Outcome) + 'a {
    let own = &fast.own_words[global as usize];
    let Memo {
        ops,
        more,
        steps,
        errors,
        recorded,
        ..
    } = memo;
    move |step, outcome| {
        recorded.push(step);
        let mut op = Op {
            kind: OpKind::Same,
            word: 0,
            keep: !0,
            set: 0,
            more: 0,
            n_more: 0,
            step: steps.len() as u32,
            sent: 0,
            n_sent: 0,
        };
        steps.push(step);
        match outcome {
            Outcome::Next(next) if std::ptr::eq(next, fixed) => {}
            Outcome::Next(next) => {
                // (word, keep, set) by word: the own bits replaced, the
                // messages' bits set.
                let mut edits: Vec<(u32, u64, u64)> = own
                    .iter()
                    .map(|&(w, m)| (w, !m, next[w as usize] & m))
                    .collect();
                for code in &next[fixed_words..] {
                    let at = fast.base + fast.bit_of(*code);
                    let (w, m) = (at / 64, 1u64 << (at % 64));
                    match edits.iter_mut().find(|(word, _, _)| *word == w) {
                        Some((_, _, set)) => *set |= m,
                        None => edits.push((w, !0, m)),
                    }
                }
                let (word, keep, set) = edits.first().copied().unwrap_or((0, !0, 0));
                op = Op {
                    kind: OpKind::Next,
                    word,
                    keep,
                    set,
                    more: more.len() as u32,
                    n_more: edits.len().saturating_sub(1) as u32,
                    ..op
                };
                more.extend(edits.iter().skip(1));
            }
            Outcome::Error(e) => {
                op.kind = OpKind::Error;
                op.more = errors.len() as u32;
                errors.push(e);
            }
        }
        ops.push(op);
    }
}

/// Records the interpreter's outcomes of one step source into the memo as
/// ops on ordinary states: `probe` is the state the interpreter ran on (the
/// fixed part, with the delivered message as its network for a delivery),
/// `kept`: the delivered message when its kind stays in the network (a
/// `set` kind), so that it is not taken for a message sent.
fn record_list<'a>(
    fast: &'a Fast,
    fixed_words: usize,
    probe: &'a [u64],
    kept: Option<u64>,
    global: u32,
    memo: &'a mut Memo,
) -> impl FnMut(Step, Outcome) + 'a {
    let own = &fast.own_words[global as usize];
    let Memo {
        ops,
        more,
        sent,
        steps,
        errors,
        recorded,
        ..
    } = memo;
    move |step, outcome| {
        recorded.push(step);
        let mut op = Op {
            kind: OpKind::Same,
            word: 0,
            keep: !0,
            set: 0,
            more: 0,
            n_more: 0,
            step: steps.len() as u32,
            sent: 0,
            n_sent: 0,
        };
        steps.push(step);
        match outcome {
            Outcome::Next(next) if std::ptr::eq(next, probe) => {}
            Outcome::Next(next) => {
                let edits: Vec<(u32, u64, u64)> = own
                    .iter()
                    .map(|&(w, m)| (w, !m, next[w as usize] & m))
                    .collect();
                let (word, keep, set) = edits.first().copied().unwrap_or((0, !0, 0));
                let start = sent.len();
                let mut kept = kept;
                for &code in &next[fixed_words..] {
                    if kept == Some(code) {
                        kept = None;
                    } else {
                        sent.push(code);
                    }
                }
                op = Op {
                    kind: OpKind::Next,
                    word,
                    keep,
                    set,
                    more: more.len() as u32,
                    n_more: edits.len().saturating_sub(1) as u32,
                    sent: start as u32,
                    n_sent: (sent.len() - start) as u32,
                    ..op
                };
                more.extend(edits.iter().skip(1));
            }
            Outcome::Error(e) => {
                op.kind = OpKind::Error;
                op.more = errors.len() as u32;
                errors.push(e);
            }
        }
        ops.push(op);
    }
}

impl Model {
    /// The packing of states the explorer may use, if the spec qualifies.
    pub fn packing(&self) -> Option<&Fast> {
        self.fast.as_ref().filter(|f| f.packed_net)
    }

    /// The step cache for ordinary states ([`Model::successors_cached`]),
    /// when the spec's code qualifies but its states are not packed (some
    /// message kind travels on a `multiset` or `fifo` network).
    pub fn step_cache(&self) -> Option<&Fast> {
        self.fast.as_ref().filter(|f| !f.packed_net)
    }

    /// Hands every step from a packed state to `sink`, in the order and
    /// with the outcomes of [`Model::successors`] (successors packed too),
    /// replaying cached outcomes where it can.
    pub fn successors_packed<S: Sink>(
        &self,
        state: &[u64],
        scratch: &mut Scratch,
        memo: &mut Memo,
        sink: &mut S,
    ) {
        let fast = self.packing().expect("successors_packed on a packed model");
        if fast.simple {
            self.successors_in::<true, S>(fast, state, scratch, memo, sink)
        } else {
            self.successors_in::<false, S>(fast, state, scratch, memo, sink)
        }
    }

    /// [`Model::successors_packed`], compiled once for specs whose sources
    /// are all simple ([`Fast::simple`]) and once for the others.
    #[inline(always)]
    fn successors_in<const SIMPLE: bool, S: Sink>(
        &self,
        fast: &Fast,
        state: &[u64],
        scratch: &mut Scratch,
        memo: &mut Memo,
        sink: &mut S,
    ) {
        let fixed_words = self.layout.fixed_words;
        let fixed = &state[..fixed_words];
        memo.prepare(fast);
        if memo.next.len() != state.len() {
            memo.next = state.to_vec();
        }
        for (src, k, inst) in &fast.actors {
            let (g, k, inst) = (src.global, *k, *inst);
            if fast.faulty && fast.src_down(self, fixed, src) {
                continue;
            }
            let local = fast.own_bits::<SIMPLE>(fixed, src);
            let mut e = memo.cached::<SIMPLE>(fast, fixed, g as usize, src, local);
            if e == 0 {
                e = memo.fill(fast, fixed, g as usize, src, local, |memo| {
                    let mut rec = record(fast, fixed_words, fixed, g, memo);
                    self.actions_of(fixed, k, inst, g, scratch, &mut rec);
                });
            }
            memo.replay(state, e, sink);
        }
        // Each message of the network, in the order of its bits.
        if fast.bits != fast.base {
            self.deliveries_in::<SIMPLE, S>(fast, state, scratch, memo, sink);
        }
        if fast.faulty {
            self.faults_packed(fast, state, memo, sink);
        }
    }

    /// The deliveries of [`Model::successors_in`], in the order of the
    /// network's bits.
    #[inline(always)]
    fn deliveries_in<const SIMPLE: bool, S: Sink>(
        &self,
        fast: &Fast,
        state: &[u64],
        scratch: &mut Scratch,
        memo: &mut Memo,
        sink: &mut S,
    ) {
        let fixed_words = self.layout.fixed_words;
        let fixed = &state[..fixed_words];
        let first = fast.base as usize / 64;
        let last = (fast.bits as usize - 1) / 64;
        let instances = self.layout.instances.len();
        for (w, &word) in state.iter().enumerate().take(last + 1).skip(first) {
            let mut word = word;
            if w == first {
                word &= !mask(fast.base % 64);
            }
            if w == last && !fast.bits.is_multiple_of(64) {
                word &= mask(fast.bits % 64);
            }
            while word != 0 {
                let b = (w as u32 * 64 + word.trailing_zeros() - fast.base) as usize;
                word &= word - 1;
                let index = instances + b;
                // SAFETY: `b` is a bit of the universe (the last word was
                // masked to `bits`), and there is a source for each.
                let src = unsafe { fast.sources.get_unchecked(index) };
                if fast.faulty
                    && (fast.src_down(self, fixed, src)
                        || (fast.partitioned
                            && self.cut(fixed, self.layout.msg.src(fast.codes[b]), src.global)))
                {
                    continue;
                }
                let local = fast.own_bits::<SIMPLE>(fixed, src);
                let mut e = memo.cached::<SIMPLE>(fast, fixed, index, src, local);
                if e == 0 {
                    e = memo.fill(fast, fixed, index, src, local, |memo| {
                        let mut rec = record(fast, fixed_words, fixed, src.global, memo);
                        self.deliver(fixed, 0, fast.codes[b], scratch, &mut rec);
                    });
                }
                memo.replay(state, e, sink);
            }
        }
    }

    /// The faults' steps from a packed state, in the interpreter's order
    /// (fault by fault, as written). Losing a message clears its bit;
    /// duplicating one is no step (copies on a `set` network merge);
    /// forging one sets its bit (forged messages are in the universe);
    /// a crash or a restart sets the instance's flag and (restart) its
    /// variables, a partition or a heal its sides: each as
    /// [`Model::fault`] does on ordinary states.
    fn faults_packed<S: Sink>(&self, fast: &Fast, state: &[u64], memo: &mut Memo, sink: &mut S) {
        let fixed_words = self.layout.fixed_words;
        let fixed = &state[..fixed_words];
        for (f, fault) in self.spec.faults.iter().enumerate() {
            match fault.kind {
                FaultKind::Lose => self.lose_packed(fast, f, state, memo, sink),
                FaultKind::Crash => self.crash_packed(f, state, memo, sink),
                FaultKind::Restart => self.restart_packed(fast, f, state, memo, sink),
                FaultKind::Partition => self.partition_packed(f, state, memo, sink),
                FaultKind::Duplicate => {}
                FaultKind::Byzantine => {
                    let next = &mut memo.next;
                    let in_flight = |code| fast.has_bit(state, fast.bit_of(code));
                    self.forgeries(f, fixed, in_flight, |step, code| {
                        copy_state(next, state);
                        fast.set_bit(next, fast.bit_of(code));
                        sink.fault(&step, next);
                    });
                }
            }
        }
    }

    /// The steps of `crash` fault `f` from a packed state: each live
    /// instance of its kind crashes (its flag set, the fault's count
    /// bumped), in order, as [`Model::fault`] does.
    fn crash_packed<S: Sink>(&self, f: usize, state: &[u64], memo: &mut Memo, sink: &mut S) {
        let fault = &self.spec.faults[f];
        let Some(used) = self.fault_budget_left(f, state) else {
            return;
        };
        let Some(k) = fault.node else { return };
        let kl = &self.layout.kinds[k];
        let Some(crashed) = &kl.crashed else { return };
        let counter = self.layout.fault_counters[f];
        let next = &mut memo.next;
        for (inst, flag) in crashed.iter().enumerate() {
            if flag.read(state) != 0 {
                continue;
            }
            copy_state(next, state);
            flag.write(next, 1);
            if let Some(c) = counter {
                c.write(next, used + 1);
            }
            let step = Step {
                kind: StepKind::Crash {
                    global: kl.first_global + inst as u32,
                    fault: f as u32,
                },
            };
            sink.fault(&step, next);
        }
    }

    /// The steps of `restart` fault `f` from a packed state: each crashed
    /// instance of its kind comes back (its flag cleared, the fault's
    /// count bumped) with each choice of initial values for its
    /// non-persistent variables, in order, as [`Model::fault`] does.
    fn restart_packed<S: Sink>(
        &self,
        fast: &Fast,
        f: usize,
        state: &[u64],
        memo: &mut Memo,
        sink: &mut S,
    ) {
        let fault = &self.spec.faults[f];
        let Some(used) = self.fault_budget_left(f, state) else {
            return;
        };
        let Some(k) = fault.node else { return };
        let kl = &self.layout.kinds[k];
        let Some(crashed) = &kl.crashed else { return };
        let counter = self.layout.fault_counters[f];
        let next = &mut memo.next;
        for (inst, flag) in crashed.iter().enumerate() {
            if flag.read(state) == 0 {
                continue;
            }
            let global = kl.first_global + inst as u32;
            let step = |choice: usize| Step {
                kind: StepKind::Restart {
                    global,
                    fault: f as u32,
                    choice: choice as u32,
                },
            };
            let resets =
                fast.restarts[global as usize].get_or_init(|| self.restart_resets(k, inst as u32));
            let resets = match resets {
                Ok(resets) => resets,
                Err(e) => {
                    sink.error(&step(0), e);
                    continue;
                }
            };
            let n_choices: usize = resets.iter().map(|(_, c)| c.len()).product();
            for choice in 0..n_choices {
                copy_state(next, state);
                flag.write(next, 0);
                if let Some(c) = counter {
                    c.write(next, used + 1);
                }
                let mut rest = choice;
                for (slot, codes) in resets.iter().rev() {
                    slot.write(next, codes[rest % codes.len()]);
                    rest /= codes.len();
                }
                sink.fault(&step(choice), next);
            }
        }
    }

    /// The steps of `partition` fault `f` from a packed state, as
    /// [`Model::fault`] takes them: the heal when split, else every split
    /// into two non-empty groups (instance 0 on side 0), the fault's count
    /// bumped.
    fn partition_packed<S: Sink>(&self, f: usize, state: &[u64], memo: &mut Memo, sink: &mut S) {
        let Some(used) = self.fault_budget_left(f, state) else {
            return;
        };
        let Some((active, sides)) = self.layout.partition else {
            return;
        };
        let next = &mut memo.next;
        let fault = f as u32;
        if active.read(state) != 0 {
            copy_state(next, state);
            active.write(next, 0);
            sides.write(next, 0);
            sink.fault(
                &Step {
                    kind: StepKind::Heal { fault },
                },
                next,
            );
            return;
        }
        let counter = self.layout.fault_counters[f];
        let n = self.layout.instances.len() as u32;
        let all = mask(n);
        let mut m: u64 = 2;
        while n > 1 && m <= all {
            copy_state(next, state);
            active.write(next, 1);
            sides.write(next, m);
            if let Some(c) = counter {
                c.write(next, used + 1);
            }
            sink.fault(
                &Step {
                    kind: StepKind::Partition { fault, sides: m },
                },
                next,
            );
            m += 2;
        }
    }

    /// The steps of `lose` fault `f` from a packed state: one per message
    /// it may lose, in the order of their bits (the network's order).
    fn lose_packed<S: Sink>(
        &self,
        fast: &Fast,
        f: usize,
        state: &[u64],
        memo: &mut Memo,
        sink: &mut S,
    ) {
        let fault = &self.spec.faults[f];
        let counter = self.layout.fault_counters[f];
        let Some(used) = self.fault_budget_left(f, state) else {
            return;
        };
        let next = &mut memo.next;
        fast.for_each_message(state, |bit| {
            let code = fast.codes[bit as usize];
            if fault
                .message
                .is_some_and(|m| m != self.layout.msg.kind(code))
            {
                return;
            }
            copy_state(next, state);
            let at = fast.base + bit;
            next[at as usize / 64] &= !(1 << (at % 64));
            if let Some(c) = counter {
                c.write(next, used + 1);
            }
            let step = Step {
                kind: StepKind::Lose {
                    fault: f as u32,
                    code,
                },
            };
            sink.fault(&step, next);
        });
    }

    /// Hands every step from an ordinary state to `emit`, in the order and
    /// with the outcomes of [`Model::successors`], replaying cached
    /// outcomes for the actions and deliveries (the faults' steps are the
    /// interpreter's): the fast path for specs whose network is not
    /// packed ([`Model::step_cache`]).
    pub fn successors_cached(
        &self,
        state: &[u64],
        scratch: &mut Scratch,
        memo: &mut Memo,
        emit: &mut dyn FnMut(Step, Outcome),
    ) {
        let fast = self
            .step_cache()
            .expect("successors_cached with a step cache");
        let fixed_words = self.layout.fixed_words;
        let (fixed, net) = state.split_at(fixed_words);
        memo.prepare(fast);
        for (src, k, inst) in &fast.actors {
            let (g, k, inst) = (src.global, *k, *inst);
            if fast.faulty && fast.src_down(self, fixed, src) {
                continue;
            }
            let local = fast.own_bits::<false>(fixed, src);
            let mut e = memo.cached::<false>(fast, fixed, g as usize, src, local);
            if e == 0 {
                e = memo.fill(fast, fixed, g as usize, src, local, |memo| {
                    let mut rec = record_list(fast, fixed_words, fixed, None, g, memo);
                    self.actions_of(fixed, k, inst, g, scratch, &mut rec);
                });
            }
            memo.replay_list(self, state, None, e, emit);
        }
        // Deliveries, in network order: one per distinct message, and only
        // the oldest of each FIFO channel.
        let msg = &self.layout.msg;
        let instances = self.layout.instances.len();
        let mut fifo_head_channel: Option<u64> = None;
        let mut probe = std::mem::take(&mut memo.probe);
        for (p, &code) in net.iter().enumerate() {
            let m = msg.kind(code);
            if self.code.fifo[m] {
                let ch = msg.channel(code);
                if fifo_head_channel == Some(ch) {
                    continue;
                }
                fifo_head_channel = Some(ch);
            } else if p > 0 && net[p - 1] == code {
                continue;
            }
            let dst = msg.dst(code);
            if fast.faulty
                && (fast.is_down(self, fixed, dst)
                    || (fast.partitioned && self.cut(fixed, msg.src(code), dst)))
            {
                continue;
            }
            let index = instances + fast.bit_of(code) as usize;
            let src = &fast.sources[index];
            let local = fast.own_bits::<false>(fixed, src);
            let mut e = memo.cached::<false>(fast, fixed, index, src, local);
            let set = self.code.set[m];
            if e == 0 {
                probe.clear();
                probe.extend_from_slice(fixed);
                probe.push(code);
                let kept = set.then_some(code);
                e = memo.fill(fast, fixed, index, src, local, |memo| {
                    let mut rec = record_list(fast, fixed_words, &probe, kept, dst, memo);
                    self.deliver(&probe, 0, code, scratch, &mut rec);
                });
            }
            let removed = if set { None } else { Some(p) };
            memo.replay_list(self, state, removed, e, emit);
        }
        memo.probe = probe;
        if fast.faulty {
            self.faults(state, scratch, emit);
        }
    }
}
