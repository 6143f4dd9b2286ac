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
//! [`Fast::new`] decides whether a spec qualifies: no faults, every message
//! kind carried by a `set` network, every guard and body local (no other
//! instance's variables), each kind's variables within 64 bits, and at most
//! [`MAX_UNIVERSE`] possible messages. The explorer then stores packed
//! states and generates successors with [`Model::successors_packed`], in
//! the interpreter's order and with its outcomes; everything outside the
//! search (traces, reports, the liveness graph's successors) sees the
//! ordinary form, through [`Fast::unpack`].

use std::collections::HashMap;

use super::encoding::mask;
use super::layout::{Slot, shl, shr};
use super::step::{Outcome, Scratch, Step};
use super::{Layout, Model, RtError};
use crate::syntax::ast::NetworkKind;
use crate::typed::*;

/// The most possible messages (bits) a packed network may have.
pub const MAX_UNIVERSE: usize = 1024;

/// Outcomes a [`Memo`] holds before it starts afresh (a bound on its memory,
/// a few tens of MiB; the specs it helps need far fewer).
const MEMO_CAPACITY: usize = 1 << 18;

/// How a spec's states are packed, and what each instance's own bits are.
pub struct Fast {
    /// Where the network's bits start: after the fixed part's.
    base: u32,
    /// Words of a packed state.
    words: usize,
    /// Bits of a packed state in use.
    bits: u32,
    /// Bit (counted from `base`) → message code, in increasing code order,
    /// so the bits in order are the canonical network.
    codes: Vec<u64>,
    /// Code → bit.
    bit_of: HashMap<u64, u32>,
    /// By global instance: each variable's slot and its offset in the
    /// instance's own bits.
    locals: Vec<Vec<(Slot, u32)>>,
    /// By global instance, when its variables lie side by side in one word
    /// (the usual case): that word, the shift and the mask of its bits.
    spans: Vec<Option<(usize, u32, u64)>>,
    /// By message kind: its bits in a packed state, as (word, mask) pairs.
    kind_masks: Vec<Vec<(usize, u64)>>,
}

impl Fast {
    /// The packing of a spec, if it qualifies for the fast path.
    pub(crate) fn new(spec: &TypedSpec, layout: &Layout) -> Option<Fast> {
        if !spec.faults.is_empty() || spec.messages.iter().any(|m| m.network != NetworkKind::Set) {
            return None;
        }
        let local_code = spec.nodes.iter().all(|node| {
            node.actions.iter().all(|a| {
                a.guard.as_ref().is_none_or(expr_local) && a.body.stmts.iter().all(stmt_local)
            }) && node.handlers.iter().all(|h| {
                h.guard.as_ref().is_none_or(expr_local) && h.body.stmts.iter().all(stmt_local)
            })
        });
        if !local_code {
            return None;
        }
        let mut locals = Vec::new();
        for kl in &layout.kinds {
            let bits: u32 = kl.vars.iter().map(|v| v.enc.bits).sum();
            if bits > 64 {
                return None;
            }
            for inst in 0..kl.count as usize {
                let mut offset = 0;
                let mut own = Vec::new();
                for var in &kl.vars {
                    let slot = var.slots[inst];
                    if slot.bits > 0 {
                        own.push((slot, offset));
                        offset += slot.bits;
                    }
                }
                locals.push(own);
            }
        }
        let spans = locals
            .iter()
            .map(|own| {
                let (first, _) = own.first()?;
                let side_by_side = own.iter().all(|(slot, offset)| {
                    slot.word == first.word && slot.shift == first.shift + offset
                });
                let bits: u32 = own.iter().map(|(slot, _)| slot.bits).sum();
                side_by_side.then_some((first.word as usize, first.shift, mask(bits)))
            })
            .collect();
        let codes = universe(spec, layout)?;
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
        let bit_of = codes
            .iter()
            .enumerate()
            .map(|(b, &c)| (c, b as u32))
            .collect();
        Some(Fast {
            base,
            words,
            bits,
            codes,
            bit_of,
            locals,
            spans,
            kind_masks,
        })
    }

    /// Words of a packed state.
    pub fn words(&self) -> usize {
        self.words
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
        for code in &state[fixed_words..] {
            let bit = self.bit_of.get(code).expect(
                "every message a step can send is in the packed network's universe (Fast::new)",
            );
            self.set_bit(out, *bit);
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

    /// Instance `global`'s own bits.
    #[inline(always)]
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

    /// Writes instance `global`'s own bits.
    #[inline]
    fn set_local(&self, words: &mut [u64], global: u32, local: u64) {
        if let Some((w, shift, mask)) = self.spans[global as usize] {
            words[w] = (words[w] & !(mask << shift)) | (local << shift);
            return;
        }
        for (slot, offset) in &self.locals[global as usize] {
            slot.write(words, shr(local, *offset) & mask(slot.bits));
        }
    }
}

/// Every message the spec's code can send, by code, in increasing order;
/// `None` when there are more than [`MAX_UNIVERSE`].
fn universe(spec: &TypedSpec, layout: &Layout) -> Option<Vec<u64>> {
    let mut codes = Vec::new();
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

/// Whether a statement reads and writes only the running instance's
/// variables (assignments always write them).
fn stmt_local(s: &Stmt) -> bool {
    match &s.kind {
        StmtKind::Assign { place, value, .. } => {
            expr_local(value)
                && place.path.iter().all(|a| match a {
                    Access::MapKey(e) | Access::SeqIndex(e) => expr_local(e),
                    Access::Field(_) | Access::Tuple(_) => true,
                })
        }
        StmtKind::Let { value, .. } => expr_local(value),
        StmtKind::If {
            cond,
            then_stmts,
            else_stmts,
        } => {
            expr_local(cond)
                && then_stmts.iter().all(stmt_local)
                && else_stmts.iter().all(stmt_local)
        }
        StmtKind::For { domain, body, .. } => expr_local(domain) && body.iter().all(stmt_local),
        StmtKind::Send { dest, args, .. } => expr_local(dest) && args.iter().all(expr_local),
        StmtKind::Broadcast { args, .. } => args.iter().all(expr_local),
        StmtKind::Assert(e) => expr_local(e),
    }
}

/// Whether an expression reads no variable of another instance and nothing
/// the environment decides.
fn expr_local(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::RemoteVar { .. } => false,
        ExprKind::Bool(_)
        | ExprKind::Int(_)
        | ExprKind::Variant(..)
        | ExprKind::None
        | ExprKind::SelfId
        | ExprKind::Var(_)
        | ExprKind::Local(_)
        | ExprKind::All(_) => true,
        ExprKind::Instance(_, e)
        | ExprKind::Unary(_, e)
        | ExprKind::Field(e, _)
        | ExprKind::TupleField(e, _) => expr_local(e),
        ExprKind::Binary(_, a, b) | ExprKind::MapGet(a, b) | ExprKind::SeqGet(a, b) => {
            expr_local(a) && expr_local(b)
        }
        ExprKind::Call(builtin, args) => {
            !builtin.is_environment_only() && args.iter().all(expr_local)
        }
        ExprKind::Quant { domain, body, .. } => expr_local(domain) && expr_local(body),
        ExprKind::If(c, a, b) => expr_local(c) && expr_local(a) && expr_local(b),
        ExprKind::Tuple(items)
        | ExprKind::SetLit(items)
        | ExprKind::SeqLit(items)
        | ExprKind::Record(items) => items.iter().all(expr_local),
        ExprKind::MapLit { entries, default } => {
            entries.iter().all(|(k, v)| expr_local(k) && expr_local(v))
                && default.as_deref().is_none_or(expr_local)
        }
    }
}

/// What a step did, as the cache keeps it.
enum Res {
    /// Nothing changed: the state itself.
    Same,
    /// The instance's new own bits and the messages sent (bits in
    /// [`Memo::bits`], from `start`, `len` of them).
    Next { local: u64, start: u32, len: u32 },
    /// A runtime finding.
    Error(Box<RtError>),
}

struct MemoOut {
    step: Step,
    res: Res,
}

/// An open-addressing map from a two-word key to a run of outcomes.
#[derive(Default)]
struct Table {
    /// (key, start, len); `len == u32::MAX` marks an empty slot.
    slots: Vec<([u64; 2], u32, u32)>,
    len: usize,
}

const EMPTY: ([u64; 2], u32, u32) = ([0, 0], 0, u32::MAX);

/// No last lookup ([`Memo::last_actions`]).
const NO_RUN: (u64, u32, u32) = (0, 0, u32::MAX);

#[inline]
fn key_hash(key: [u64; 2]) -> u64 {
    let h = (key[0] ^ key[1].rotate_left(29).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 31)
}

impl Table {
    #[inline]
    fn get(&self, key: [u64; 2]) -> Option<(u32, u32)> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = key_hash(key) as usize & mask;
        loop {
            let (k, start, len) = self.slots[i];
            if len == u32::MAX {
                return None;
            }
            if k == key {
                return Some((start, len));
            }
            i = (i + 1) & mask;
        }
    }

    fn insert(&mut self, key: [u64; 2], start: u32, len: u32) {
        if (self.len + 1) * 2 > self.slots.len() {
            let size = (self.slots.len() * 2).max(256);
            let old = std::mem::replace(&mut self.slots, vec![EMPTY; size]);
            self.len = 0;
            for (k, s, l) in old.into_iter().filter(|e| e.2 != u32::MAX) {
                self.put(k, s, l);
            }
        }
        self.put(key, start, len);
    }

    fn put(&mut self, key: [u64; 2], start: u32, len: u32) {
        let mask = self.slots.len() - 1;
        let mut i = key_hash(key) as usize & mask;
        while self.slots[i].2 != u32::MAX {
            i = (i + 1) & mask;
        }
        self.slots[i] = (key, start, len);
        self.len += 1;
    }

    fn clear(&mut self) {
        self.slots.clear();
        self.len = 0;
    }
}

/// Which of a memo's tables a lookup goes to.
#[derive(Clone, Copy)]
enum Source {
    Actions,
    Deliveries,
}

/// The cache of step outcomes, one per thread: actions by (instance, own
/// bits), deliveries by (message, receiver's own bits).
#[derive(Default)]
pub struct Memo {
    /// Every step recorded since the caller last drained it: the steps
    /// taken (or failed) in some explored state, for coverage.
    pub recorded: Vec<Step>,
    actions: Table,
    deliveries: Table,
    /// By instance: the own bits of its last lookup and the run found
    /// (`len == u32::MAX`: none). Successive states of a frontier often
    /// share an instance's bits: no hash, no probe.
    last_actions: Vec<(u64, u32, u32)>,
    /// The same by message bit, with the receiver's own bits.
    last_deliveries: Vec<(u64, u32, u32)>,
    outs: Vec<MemoOut>,
    bits: Vec<u32>,
    next: Vec<u64>,
}

impl Memo {
    /// Starts afresh when full (before an entry is computed, never while
    /// one is replayed).
    fn make_room(&mut self) {
        if self.outs.len() >= MEMO_CAPACITY {
            self.actions.clear();
            self.deliveries.clear();
            self.last_actions.fill(NO_RUN);
            self.last_deliveries.fill(NO_RUN);
            self.outs.clear();
            self.bits.clear();
        }
    }

    /// The run of outcomes for `key` (its second word the own bits of the
    /// instance that takes the step), `slot` being the instance (actions)
    /// or the message bit (deliveries): from the last lookup of that slot
    /// if the bits are the same, else from the table, else recorded by
    /// `compute` (which runs the interpreter into the memo).
    #[inline(always)]
    fn run(
        &mut self,
        source: Source,
        slot: usize,
        key: [u64; 2],
        compute: impl FnOnce(&mut Memo),
    ) -> (u32, u32) {
        let local = key[1];
        let (last, start, len) = match source {
            Source::Actions => self.last_actions[slot],
            Source::Deliveries => self.last_deliveries[slot],
        };
        if len != u32::MAX && last == local {
            return (start, len);
        }
        let found = match source {
            Source::Actions => self.actions.get(key),
            Source::Deliveries => self.deliveries.get(key),
        };
        let run = match found {
            Some(run) => run,
            None => {
                self.make_room();
                let start = self.outs.len() as u32;
                compute(self);
                let run = (start, self.outs.len() as u32 - start);
                match source {
                    Source::Actions => self.actions.insert(key, run.0, run.1),
                    Source::Deliveries => self.deliveries.insert(key, run.0, run.1),
                }
                run
            }
        };
        let entry = (local, run.0, run.1);
        match source {
            Source::Actions => self.last_actions[slot] = entry,
            Source::Deliveries => self.last_deliveries[slot] = entry,
        }
        run
    }

    /// Emits the outcomes `start..start + len` for instance `global` from
    /// the packed state `state`.
    #[inline(always)]
    fn replay<E: FnMut(Step, Outcome)>(
        &mut self,
        fast: &Fast,
        state: &[u64],
        global: u32,
        (start, len): (u32, u32),
        emit: &mut E,
    ) {
        let Memo {
            outs, bits, next, ..
        } = self;
        for out in &outs[start as usize..(start + len) as usize] {
            match &out.res {
                Res::Same => emit(out.step, Outcome::Next(state)),
                Res::Next { local, start, len } => {
                    next.clear();
                    next.extend_from_slice(state);
                    fast.set_local(next, global, *local);
                    for &b in &bits[*start as usize..(*start + *len) as usize] {
                        fast.set_bit(next, b);
                    }
                    emit(out.step, Outcome::Next(next));
                }
                Res::Error(e) => emit(out.step, Outcome::Error((**e).clone())),
            }
        }
    }
}

/// Records the interpreter's outcomes of one step source (an instance's
/// actions, or one message's handlers) into the memo.
fn record<'a>(
    fast: &'a Fast,
    fixed_words: usize,
    fixed: &'a [u64],
    global: u32,
    memo: &'a mut Memo,
) -> impl FnMut(Step, Outcome) + 'a {
    let Memo {
        outs,
        bits,
        recorded,
        ..
    } = memo;
    move |step, outcome| {
        recorded.push(step);
        let res = match outcome {
            Outcome::Next(next) if std::ptr::eq(next, fixed) => Res::Same,
            Outcome::Next(next) => {
                let start = bits.len() as u32;
                for code in &next[fixed_words..] {
                    bits.push(*fast.bit_of.get(code).expect(
                        "every message a step can send is in the packed network's universe (Fast::new)",
                    ));
                }
                Res::Next {
                    local: fast.local(&next[..fixed_words], global),
                    start,
                    len: bits.len() as u32 - start,
                }
            }
            Outcome::Error(e) => Res::Error(Box::new(e)),
        };
        outs.push(MemoOut { step, res });
    }
}

impl Model {
    /// The packing of states the explorer may use, if the spec qualifies.
    pub fn packing(&self) -> Option<&Fast> {
        self.packed.as_ref()
    }

    /// Enumerates every step from a packed state, in the order and with
    /// the outcomes of [`Model::successors`] (successors packed too),
    /// replaying cached outcomes where it can.
    pub fn successors_packed<E: FnMut(Step, Outcome)>(
        &self,
        state: &[u64],
        scratch: &mut Scratch,
        memo: &mut Memo,
        emit: &mut E,
    ) {
        let fast = self
            .packed
            .as_ref()
            .expect("successors_packed on a packed model");
        let fixed_words = self.layout.fixed_words;
        let fixed = &state[..fixed_words];
        if memo.last_actions.len() != self.layout.instances.len() {
            memo.last_actions = vec![NO_RUN; self.layout.instances.len()];
        }
        if memo.last_deliveries.len() != fast.codes.len() {
            memo.last_deliveries = vec![NO_RUN; fast.codes.len()];
        }
        for (global, &(k, inst)) in self.layout.instances.iter().enumerate() {
            if !self.has_actions(k) {
                continue;
            }
            let g = global as u32;
            let key = [u64::from(g), fast.local(fixed, g)];
            let run = memo.run(Source::Actions, global, key, |memo| {
                let mut rec = record(fast, fixed_words, fixed, g, memo);
                self.actions_of(fixed, k, inst, g, scratch, &mut rec);
            });
            memo.replay(fast, state, g, run, emit);
        }
        let msg = &self.layout.msg;
        let mut bits = std::mem::take(&mut scratch.bits);
        bits.clear();
        fast.for_each_message(state, |b| bits.push(b));
        for &b in &bits {
            let code = fast.codes[b as usize];
            let dst = msg.dst(code);
            let key = [code, fast.local(fixed, dst)];
            let run = memo.run(Source::Deliveries, b as usize, key, |memo| {
                let mut rec = record(fast, fixed_words, fixed, dst, memo);
                self.deliver(fixed, 0, code, scratch, &mut rec);
            });
            memo.replay(fast, state, dst, run, emit);
        }
        scratch.bits = bits;
    }
}
