//! A node variable wider than a word as the state holds it: where the
//! parts of its value lie ([`WideValue`], [`Part`]), the reading and
//! writing of codes that straddle words, and a part named in an
//! expression ([`ValuePlace`]). The compiler of `wide_value.rs` makes
//! the places; the layout holds the packings.

use std::sync::Arc;

use super::encoding::{Enc, EncError, MAX_STATE_BITS, bits_for, mask};
use super::wide_set::WideSet;
use super::{Ctx, RtResult};
use crate::typed::{Type, TypedSpec};

/// The packing of a node variable wider than a word.
#[derive(Debug, PartialEq, Eq)]
pub struct WideValue {
    /// Where its parts lie.
    pub part: Arc<Part>,
    /// Words an instance's value takes.
    pub words: u32,
}

/// Where the parts of a wide value lie, in bits from the variable's first
/// bit; a map's or a sequence's entries are laid out as its first entry
/// is, each `stride` bits after the one before.
#[derive(Debug, PartialEq, Eq)]
pub enum Part {
    /// A value that packs into one word: its code at bit `at`.
    Narrow {
        /// Its first bit.
        at: u64,
        /// Its encoding.
        enc: Enc,
    },
    /// A wide set: its words from bit `at`, a multiple of 64.
    Set {
        /// Its first bit.
        at: u64,
        /// The set's elements, one bit each.
        set: Arc<WideSet>,
    },
    /// A record's fields or a tuple's components, in order.
    Product(Vec<Arc<Part>>),
    /// One entry per key, by the key's dense index ([`WideSet::dense`]).
    Map {
        /// The keys, numbered by their dense index.
        keys: Arc<WideSet>,
        /// Bits from one entry to the next.
        stride: u64,
        /// The first entry's parts.
        entry: Arc<Part>,
    },
    /// The length at `len_at`, then `max_len` slots.
    Seq {
        /// The first bit of the length.
        len_at: u64,
        /// The width of the length.
        len_bits: u32,
        /// The sequence's bound.
        max_len: u32,
        /// Bits from one slot to the next.
        stride: u64,
        /// The first slot's parts.
        entry: Arc<Part>,
    },
}

impl WideValue {
    /// The wide packing of `ty`, a type whose code does not fit a word.
    pub fn of(ty: &Type, spec: &TypedSpec) -> Result<WideValue, EncError> {
        let mut cursor = 0u64;
        let part = build(ty, spec, &mut cursor)?;
        if cursor > MAX_STATE_BITS {
            return Err(EncError::StateTooLarge { bits: cursor });
        }
        Ok(WideValue {
            part: Arc::new(part),
            words: cursor.div_ceil(64) as u32,
        })
    }
}

/// Lays out a value of `ty` from bit `cursor` on, and moves `cursor` past it.
fn build(ty: &Type, spec: &TypedSpec, cursor: &mut u64) -> Result<Part, EncError> {
    let error = match Enc::of(ty, spec) {
        Ok(enc) => {
            let at = *cursor;
            *cursor += enc.bits as u64;
            return Ok(Part::Narrow { at, enc });
        }
        Err(error) => error,
    };
    match ty {
        Type::Set(elem) if matches!(error, EncError::SetTooLarge { .. }) => {
            let set = WideSet::of(elem, spec)?;
            let at = cursor.div_ceil(64) * 64;
            *cursor = at + set.words as u64 * 64;
            Ok(Part::Set {
                at,
                set: Arc::new(set),
            })
        }
        Type::Tuple(ts) => Ok(Part::Product(
            (ts.iter())
                .map(|t| build(t, spec, cursor).map(Arc::new))
                .collect::<Result<_, _>>()?,
        )),
        Type::Record(fs) => Ok(Part::Product(
            (fs.iter())
                .map(|(_, t)| build(t, spec, cursor).map(Arc::new))
                .collect::<Result<_, _>>()?,
        )),
        Type::Map(k, v) => {
            let keys = WideSet::of(k, spec)?;
            let (stride, entry) = entries(v, spec, cursor, keys.elements() as u64)?;
            Ok(Part::Map {
                keys: Arc::new(keys),
                stride,
                entry,
            })
        }
        Type::Seq(t, max_len) => {
            let len_bits = bits_for(*max_len as u64 + 1);
            let len_at = *cursor;
            *cursor += len_bits as u64;
            let (stride, entry) = entries(t, spec, cursor, *max_len as u64)?;
            Ok(Part::Seq {
                len_at,
                len_bits,
                max_len: *max_len,
                stride,
                entry,
            })
        }
        _ => Err(error),
    }
}

/// Lays out `n` entries of type `ty` from `cursor`: the first entry's
/// parts and the distance between entries (whole words when an entry
/// holds a wide set, so that every entry's set is aligned as the first's).
fn entries(
    ty: &Type,
    spec: &TypedSpec,
    cursor: &mut u64,
    n: u64,
) -> Result<(u64, Arc<Part>), EncError> {
    let start = *cursor;
    let entry = build(ty, spec, cursor)?;
    let mut stride = *cursor - start;
    if entry.has_set() {
        stride = stride.div_ceil(64) * 64;
    }
    let end = (stride as u128 * n as u128) + start as u128;
    if end > MAX_STATE_BITS as u128 {
        return Err(EncError::StateTooLarge {
            bits: end.min(u64::MAX as u128) as u64,
        });
    }
    *cursor = end as u64;
    Ok((stride, Arc::new(entry)))
}

impl Part {
    /// The bits `lo..hi` this part spans (entries of maps and sequences
    /// included).
    pub fn span(&self) -> (u64, u64) {
        match self {
            Part::Narrow { at, enc } => (*at, at + enc.bits as u64),
            Part::Set { at, set } => (*at, at + set.words as u64 * 64),
            Part::Product(parts) => parts
                .iter()
                .map(|p| p.span())
                .fold((u64::MAX, 0), |(lo, hi), (l, h)| (lo.min(l), hi.max(h))),
            Part::Map {
                keys,
                stride,
                entry,
            } => {
                let (lo, hi) = entry.span();
                let n = keys.elements() as u64;
                (lo, hi + n.saturating_sub(1) * stride)
            }
            Part::Seq {
                len_at,
                len_bits,
                max_len,
                stride,
                entry,
            } => {
                let hi = if *max_len == 0 {
                    len_at + *len_bits as u64
                } else {
                    entry.span().1 + (*max_len as u64 - 1) * stride
                };
                (*len_at, hi)
            }
        }
    }

    /// Whether `other` is laid out as this part is, `shift` bits further
    /// (two parts of one type, wherever they lie).
    pub(crate) fn same_layout(&self, other: &Part, shift: i128) -> bool {
        let moved = |a: u64, b: u64| a as i128 + shift == b as i128;
        match (self, other) {
            (Part::Narrow { at: a, enc: x }, Part::Narrow { at: b, enc: y }) => {
                moved(*a, *b) && x == y
            }
            (Part::Set { at: a, set: x }, Part::Set { at: b, set: y }) => moved(*a, *b) && x == y,
            (Part::Product(xs), Part::Product(ys)) => {
                xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| x.same_layout(y, shift))
            }
            (
                Part::Map {
                    keys: k1,
                    stride: s1,
                    entry: e1,
                },
                Part::Map {
                    keys: k2,
                    stride: s2,
                    entry: e2,
                },
            ) => k1 == k2 && s1 == s2 && e1.same_layout(e2, shift),
            (
                Part::Seq {
                    len_at: l1,
                    len_bits: b1,
                    max_len: m1,
                    stride: s1,
                    entry: e1,
                },
                Part::Seq {
                    len_at: l2,
                    len_bits: b2,
                    max_len: m2,
                    stride: s2,
                    entry: e2,
                },
            ) => moved(*l1, *l2) && b1 == b2 && m1 == m2 && s1 == s2 && e1.same_layout(e2, shift),
            _ => false,
        }
    }

    /// Whether `other`, wherever it lies, holds the same values as this
    /// part, laid out alike.
    pub(crate) fn like(&self, other: &Part) -> bool {
        let shift = other.span().0 as i128 - self.span().0 as i128;
        self.same_layout(other, shift)
    }

    fn has_set(&self) -> bool {
        match self {
            Part::Narrow { .. } => false,
            Part::Set { .. } => true,
            Part::Product(parts) => parts.iter().any(|p| p.has_set()),
            Part::Map { entry, .. } | Part::Seq { entry, .. } => entry.has_set(),
        }
    }
}

/// The `bits`-bit code at bit `at` of `words` (it may straddle two words).
#[inline]
pub(crate) fn read_bits(words: &[u64], at: u64, bits: u32) -> u64 {
    if bits == 0 {
        return 0;
    }
    let (w, s) = ((at / 64) as usize, (at % 64) as u32);
    let mut v = words[w] >> s;
    if s + bits > 64 {
        v |= words[w + 1] << (64 - s);
    }
    v & mask(bits)
}

/// Stores the `bits`-bit `code` at bit `at` of `words`.
#[inline]
pub(crate) fn write_bits(words: &mut [u64], at: u64, bits: u32, code: u64) {
    if bits == 0 {
        return;
    }
    let (w, s) = ((at / 64) as usize, (at % 64) as u32);
    let m = mask(bits);
    let code = code & m;
    words[w] = (words[w] & !(m << s)) | (code << s);
    if s + bits > 64 {
        let low = 64 - s;
        let high = mask(bits - low);
        words[w + 1] = (words[w + 1] & !high) | (code >> low);
    }
}

/// Copies `len` bits from bit `from` of `src` to bit `to` of `dst`.
pub(crate) fn copy_bits(src: &[u64], from: u64, dst: &mut [u64], to: u64, len: u64) {
    let mut done = 0;
    while done < len {
        let n = (len - done).min(64) as u32;
        write_bits(dst, to + done, n, read_bits(src, from + done, n));
        done += n as u64;
    }
}

/// Whether `len` bits from `a_at` of `a` equal those from `b_at` of `b`.
pub(crate) fn same_bits(a: &[u64], a_at: u64, b: &[u64], b_at: u64, len: u64) -> bool {
    let mut done = 0;
    while done < len {
        let n = (len - done).min(64) as u32;
        if read_bits(a, a_at + done, n) != read_bits(b, b_at + done, n) {
            return false;
        }
        done += n as u64;
    }
    true
}

/// Where a part of a wide value lies in the state being read: the bit
/// its layout's offsets count from.
pub(crate) type BitAt = Arc<dyn Fn(&Ctx, &mut [i64]) -> RtResult<u64> + Send + Sync>;

/// A part of a wide variable named in an expression or a statement.
#[derive(Clone)]
pub(crate) struct ValuePlace {
    pub part: Arc<Part>,
    pub at: BitAt,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_straddle_words() {
        let mut words = [0u64; 3];
        write_bits(&mut words, 62, 5, 0b10111);
        assert_eq!(read_bits(&words, 62, 5), 0b10111);
        assert_eq!(words[0] >> 62, 0b11);
        assert_eq!(words[1], 0b101);
        write_bits(&mut words, 64, 64, u64::MAX);
        assert_eq!(read_bits(&words, 62, 2), 0b11);
        assert_eq!(read_bits(&words, 128, 64), 0);
        let mut copy = [0u64; 4];
        copy_bits(&words, 62, &mut copy, 3, 130);
        assert!(same_bits(&words, 62, &copy, 3, 130));
    }
}
