//! The successors of a state through the step cache: packed states
//! ([`Model::successors_packed`]) and ordinary ones
//! ([`Model::successors_cached`]).

use super::Packing;
use super::cache::{Memo, Sink, record, record_list};
use crate::model::Model;
use crate::model::encoding::mask;
use crate::model::step::{Outcome, Scratch, Step};

impl Model {
    /// The packing of states the explorer may use, if the spec qualifies.
    pub fn packing(&self) -> Option<&Packing> {
        self.fast.as_ref().filter(|f| f.packed_net)
    }

    /// The step cache for ordinary states ([`Model::successors_cached`]),
    /// when the spec's code qualifies but its states are not packed (some
    /// message kind travels on a `multiset` or `fifo` network).
    pub fn step_cache(&self) -> Option<&Packing> {
        self.fast.as_ref().filter(|f| !f.packed_net)
    }

    /// Hands every step from a packed state to `sink`, in the order and
    /// with the outcomes of [`Model::successors`] (successors packed too),
    /// replaying cached outcomes where it can.
    pub(crate) fn successors_packed<S: Sink>(
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
    /// are all simple ([`Packing::simple`]) and once for the others.
    #[inline(always)]
    fn successors_in<const SIMPLE: bool, S: Sink>(
        &self,
        fast: &Packing,
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
        fast: &Packing,
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

    /// Hands every step from an ordinary state to `emit`, in the order and
    /// with the outcomes of [`Model::successors`], replaying cached
    /// outcomes for the actions and deliveries (the faults' steps are the
    /// interpreter's): the fast path for specs whose network is not
    /// packed ([`Model::step_cache`]).
    pub(crate) fn successors_cached(
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
