//! A wide set as the state holds it and as evaluation reads it: the
//! packing of its elements ([`WideSet`]), a set named in an expression
//! ([`WidePlace`]), the walk over its members, and the filter of the
//! members a quantifier must visit ([`WideFilter`]). The compilers of
//! `wide.rs` and `wide_filter.rs` make these; the layout and the
//! expression compiler only hold and run them.

use std::sync::Arc;

use super::encoding::{Enc, EncError};
use super::value::{Storer, from_code};
use super::{Ctx, ExprFn, RtResult, halt};
use crate::syntax::ast::Span;
use crate::typed::{Type, TypedSpec};

/// The most possible elements of a wide set (1,024 words an instance).
pub(crate) const MAX_WIDE_ELEMENTS: usize = 1 << 16;

/// Element codes of at most this many bits are turned into dense indices
/// by a table; wider ones by a binary search.
pub(crate) const TABLE_BITS: u32 = 16;

/// The packing of a wide set: which element each bit stands for.
///
/// Invariant: `codes` lists every code of `elem` in increasing order of
/// value (as [`Enc::domain`] gives them), and `index` is its inverse, so
/// a bit's element and an element's bit agree both ways.
#[derive(Debug, PartialEq, Eq)]
pub struct WideSet {
    /// The packing of an element (a code, as expressions pass it).
    pub elem: Enc,
    /// Words an instance's set takes.
    pub words: u32,
    /// By dense index: the element's code.
    codes: Vec<u64>,
    /// From an element's code to its dense index.
    index: DenseIndex,
}

#[derive(Debug, PartialEq, Eq)]
enum DenseIndex {
    /// By code: the dense index, `u32::MAX` for a code of no value.
    Table(Vec<u32>),
    /// `(code, dense index)`, sorted by code.
    Sorted(Vec<(u64, u32)>),
}

impl WideSet {
    /// The wide packing of a set of `elem_ty`.
    pub fn of(elem_ty: &Type, spec: &TypedSpec) -> Result<WideSet, EncError> {
        let elem = Enc::of(elem_ty, spec)?;
        let codes = match elem.domain() {
            Some(codes) if codes.len() <= MAX_WIDE_ELEMENTS => codes,
            Some(codes) => {
                return Err(EncError::SetElements {
                    elements: Some(codes.len() as u64),
                });
            }
            None => return Err(EncError::SetElements { elements: None }),
        };
        let index = if elem.bits <= TABLE_BITS {
            let mut table = vec![u32::MAX; 1usize << elem.bits];
            for (i, &c) in codes.iter().enumerate() {
                table[c as usize] = i as u32;
            }
            DenseIndex::Table(table)
        } else {
            let mut pairs: Vec<(u64, u32)> = codes
                .iter()
                .enumerate()
                .map(|(i, &c)| (c, i as u32))
                .collect();
            pairs.sort_unstable();
            DenseIndex::Sorted(pairs)
        };
        Ok(WideSet {
            elem,
            words: codes.len().div_ceil(64) as u32,
            codes,
            index,
        })
    }

    /// How many values an element can take (the bits in use).
    pub fn elements(&self) -> usize {
        self.codes.len()
    }

    /// The dense index of an element's code (`None` for a code of no value).
    #[inline]
    pub fn dense(&self, code: u64) -> Option<usize> {
        match &self.index {
            DenseIndex::Table(t) => match t.get(code as usize) {
                Some(&i) if i != u32::MAX => Some(i as usize),
                _ => None,
            },
            DenseIndex::Sorted(pairs) => pairs
                .binary_search_by_key(&code, |&(c, _)| c)
                .ok()
                .map(|at| pairs[at].1 as usize),
        }
    }

    /// The code of the element at dense index `i`.
    #[inline]
    pub fn code(&self, i: usize) -> u64 {
        self.codes[i]
    }

    /// The codes of the elements of the set in `words`, in increasing
    /// order of value.
    pub fn members<'w>(&'w self, words: &'w [u64]) -> impl Iterator<Item = u64> + 'w {
        bits(words).map(|i| self.codes[i])
    }
}

/// The indices of the set bits of `words`, lowest first.
fn bits(words: &[u64]) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(|(w, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            if rest == 0 {
                return None;
            }
            let b = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            Some(w * 64 + b)
        })
    })
}

/// Where the words of a wide set variable start, in the state being read.
pub(crate) type FirstWord = Arc<dyn Fn(&Ctx, &mut [i64]) -> RtResult<usize> + Send + Sync>;

/// A wide set variable named in an expression: the running node's
/// (`var`), or another instance's (`n.var`).
#[derive(Clone)]
pub(crate) struct WidePlace {
    pub set: Arc<WideSet>,
    pub first: FirstWord,
}

impl WidePlace {
    /// The set's words in `ctx`.
    #[inline]
    pub(crate) fn words<'c>(&self, ctx: &'c Ctx, locals: &mut [i64]) -> RtResult<&'c [u64]> {
        let first = (self.first)(ctx, locals)?;
        Ok(&ctx.words[first..first + self.set.words as usize])
    }
}

/// Calls `f` with each element of a wide set (as an expression value), in
/// increasing order; stops early when `f` returns false. Returns whether
/// it ran to the end.
pub(crate) fn iterate_wide(
    place: &WidePlace,
    ctx: &Ctx,
    locals: &mut [i64],
    f: &mut dyn FnMut(i64, &mut [i64]) -> RtResult<bool>,
) -> RtResult<bool> {
    let first = (place.first)(ctx, locals)?;
    let set = &place.set;
    for w in 0..set.words as usize {
        let mut rest = ctx.words[first + w];
        while rest != 0 {
            let i = w * 64 + rest.trailing_zeros() as usize;
            rest &= rest - 1;
            halt::round()?;
            let v = from_code(set.code(i), &set.elem);
            if !f(v, locals)? {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// At most this many field tests in one filter (further ones are left to
/// the body: a filter with fewer tests keeps more members, never fewer).
pub(crate) const MAX_TESTS: usize = 8;

/// Fields of at most this many bits get a table of masks by value.
pub(crate) const MAX_FIELD_BITS: u32 = 10;

/// Which members of a wide set of a union a quantifier must visit.
pub(crate) struct WideFilter {
    /// The variants that may decide, each with its mask and field tests.
    pub(crate) variants: Vec<LiveVariant>,
    /// Words outside `lo..hi` hold no member any variant keeps.
    pub(crate) lo: usize,
    pub(crate) hi: usize,
}

pub(crate) struct LiveVariant {
    /// The bits of the variant's members, one entry per word of the set.
    pub(crate) mask: Vec<u64>,
    pub(crate) tests: Vec<FieldTest>,
}

/// `field == value`: only members whose field holds `value`'s code.
pub(crate) struct FieldTest {
    pub(crate) value: ExprFn,
    pub(crate) store: Storer,
    /// By the field's code: the bits of the members of this variant whose
    /// field holds it, `words` entries each.
    pub(crate) masks: Vec<u64>,
    pub(crate) words: usize,
}

impl WideFilter {
    /// Calls `f` with the dense index of each member of `words` (the set)
    /// the filter keeps, in increasing order; stops when `f` returns
    /// false. Returns whether it ran to the end.
    #[inline]
    pub(crate) fn walk(
        &self,
        ctx: &Ctx,
        locals: &mut [i64],
        words: &[u64],
        f: &mut dyn FnMut(usize, &mut [i64]) -> RtResult<bool>,
    ) -> RtResult<bool> {
        // Each test's mask offset (`usize::MAX`: no member passes), by
        // variant, tests in order.
        let mut at = [0usize; MAX_TESTS];
        let mut n = 0;
        for v in &self.variants {
            for t in &v.tests {
                let value = (t.value)(ctx, locals)?;
                at[n] = match t.store.store(value, Span::default()) {
                    Ok(code) if ((code as usize + 1) * t.words) <= t.masks.len() => {
                        code as usize * t.words
                    }
                    _ => usize::MAX,
                };
                n += 1;
            }
        }
        for (w, &word) in words.iter().enumerate().take(self.hi).skip(self.lo) {
            if word == 0 {
                continue;
            }
            let mut keep = 0u64;
            let mut i = 0;
            for v in &self.variants {
                let mut m = v.mask[w];
                for t in &v.tests {
                    m &= match at[i] {
                        usize::MAX => 0,
                        offset => t.masks[offset + w],
                    };
                    i += 1;
                }
                keep |= m;
            }
            let mut rest = word & keep;
            while rest != 0 {
                let d = w * 64 + rest.trailing_zeros() as usize;
                rest &= rest - 1;
                halt::round()?;
                if !f(d, locals)? {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_lists_set_bits_across_words() {
        let words = [0b101u64, 0, 1 << 63];
        assert_eq!(bits(&words).collect::<Vec<_>>(), vec![0, 2, 191]);
    }
}
