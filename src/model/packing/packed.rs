//! Reading and writing a packed state: its network's bits, and the own
//! bits and key of the instance taking a source's steps.

use super::{Packing, StepSource, WideKey};
use crate::model::Model;
use crate::model::encoding::mask;
use crate::model::layout::shl;

impl Packing {
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
    pub(in crate::model) fn codes(&self) -> &[u64] {
        &self.codes
    }

    /// Where the network's bits start in a packed state.
    pub(in crate::model) fn base(&self) -> u32 {
        self.base
    }

    /// Bits of a packed state in use (every higher bit is zero).
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// Packs a state (fixed part, then its canonical network).
    pub(crate) fn pack(&self, fixed_words: usize, state: &[u64], out: &mut Vec<u64>) {
        out.clear();
        out.extend_from_slice(&state[..fixed_words]);
        out.resize(self.words, 0);
        for &code in &state[fixed_words..] {
            self.set_bit(out, self.bit_of(code));
        }
    }

    /// The ordinary form of a packed state.
    pub(crate) fn unpack(&self, fixed_words: usize, packed: &[u64], out: &mut Vec<u64>) {
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
    pub(super) fn bit_of(&self, code: u64) -> u32 {
        let bit = self.codes.binary_search(&code);
        bit.expect(
            "every message a step can send is in the packed network's universe (Packing::new)",
        ) as u32
    }

    /// Whether a packed state's network holds the message of `bit`.
    #[inline]
    pub(super) fn has_bit(&self, words: &[u64], bit: u32) -> bool {
        let at = self.base + bit;
        words[at as usize / 64] & (1 << (at % 64)) != 0
    }

    #[inline]
    pub(super) fn set_bit(&self, words: &mut [u64], bit: u32) {
        let at = self.base + bit;
        words[at as usize / 64] |= 1 << (at % 64);
    }

    /// Calls `f` with the bit of every message in a packed state's network,
    /// in increasing order.
    #[inline]
    pub(super) fn for_each_message(&self, packed: &[u64], mut f: impl FnMut(u32)) {
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
    pub(crate) fn mark_kinds(&self, packed: &[u64], sent: &mut [bool]) {
        for (m, masks) in self.kind_masks.iter().enumerate() {
            if !sent[m] && masks.iter().any(|&(w, mask)| packed[w] & mask != 0) {
                sent[m] = true;
            }
        }
    }

    /// The own bits of the instance taking the steps of `src` (`SIMPLE`:
    /// they lie side by side in one word).
    #[inline(always)]
    pub(super) fn own_bits<const SIMPLE: bool>(&self, fixed: &[u64], src: &StepSource) -> u64 {
        match src.word {
            // A wide key is made by `Memo::cached` (`Packing::wide_key`).
            u32::MAX if !SIMPLE && src.wide => 0,
            u32::MAX if !SIMPLE => self.local(fixed, src.global),
            // SAFETY: a source's word is one of the fixed part's
            // (`Packing::new` takes it from the layout's slots, and checks
            // it), and `fixed` is the fixed part of a state.
            w => (unsafe { *fixed.get_unchecked(w as usize) } >> src.shift) & src.mask,
        }
    }

    /// Whether instance `global` is crashed or byzantine (then it takes
    /// no step of its code and receives nothing).
    #[inline(always)]
    pub(super) fn is_down(&self, model: &Model, fixed: &[u64], global: u32) -> bool {
        match self.down[global as usize] {
            (u32::MAX, _) => model.down(fixed, global),
            (w, m) => fixed[w as usize] & m != 0,
        }
    }

    /// [`Packing::is_down`] for the instance taking the steps of `src`, from
    /// the flags the source carries.
    #[inline(always)]
    pub(super) fn src_down(&self, model: &Model, fixed: &[u64], src: &StepSource) -> bool {
        match src.down_word {
            u32::MAX => model.down(fixed, src.global),
            // SAFETY: a flag word is one of the fixed part's (`Packing::new`
            // checks it), and `fixed` is the fixed part of a state; an
            // instance without flags has the mask 0 and reads nothing.
            w => {
                src.down_mask != 0
                    && unsafe { *fixed.get_unchecked(w as usize) } & src.down_mask != 0
            }
        }
    }

    /// Instance `global`'s key when it is wider than a word: each slot of
    /// `Packing::locals` at its offset, as [`Packing::local`] packs a narrow one.
    #[inline]
    pub(super) fn wide_key(&self, words: &[u64], global: u32) -> WideKey {
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
    pub(super) fn local(&self, words: &[u64], global: u32) -> u64 {
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
