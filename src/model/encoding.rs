//! How values are packed into bits.
//!
//! Every stored value has a fixed-width *code* of at most 64 bits:
//! - `bool`: 1 bit; an enum: the variant index; a node id: the instance index
//!   within its kind; a range `lo..hi`: `value - lo`;
//! - `option<T>`: bit 0 is "some", the code of T above it (none is 0);
//! - tuples and records: the codes of the parts side by side, first part in
//!   the highest bits (so that codes order as values do, lexicographically);
//! - `set<T>`: one bit per possible code of T (so T's code is at most 6 bits):
//!   as many bits as T has values when its codes are `0..n` (a bool, an enum,
//!   a node id, a range), so that a `set<RM>` of 9 instances takes 9 bits,
//!   not 16; a node variable of a set whose element codes are wider is a
//!   wide set, one bit per value of T over whole words ([`super::wide`]),
//!   which is not a code;
//! - `map<K, V>`: one slot of V's width per possible code of K;
//! - `seq<T, K>`: the length, then K slots of T's width; unused slots are 0.
//! - a union: the variant's index in the high bits, above a payload as wide
//!   as the widest variant's (its fields side by side, as a record's);
//!   a narrower payload leaves the bits above it 0.
//!
//! Codes are canonical: two values are equal exactly when their codes are.
//! Integers in expressions are plain `i64`s; they are turned into codes when
//! stored (checked against the range) and back when read.

use crate::typed::{Type, TypedSpec};

/// The most bits of a state's fixed part (32 KiB a state).
pub const MAX_STATE_BITS: u64 = 1 << 18;

/// Integers stored inside a collection without a declared range (a set
/// literal of computed integers, say) must lie in `0..=INT_IN_COLLECTION_MAX`.
pub const INT_IN_COLLECTION_MAX: i64 = 63;

/// The packing of one type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enc {
    /// Width of a code in bits (0 for a type with one value).
    pub bits: u32,
    /// How the code is laid out.
    pub shape: Shape,
}

/// The structure behind a code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Codes `0..n`, the value is the code (bool, enum, node id).
    Index {
        /// The number of values.
        n: u64,
    },
    /// An integer `lo..=hi`, stored as `value - lo`.
    Int {
        /// The least value, stored as 0.
        lo: i64,
        /// The greatest value.
        hi: i64,
    },
    /// Bit 0 set when some; the inner code above it.
    Option(Box<Enc>),
    /// Parts side by side, with the bit offset of each.
    Product(Vec<(u32, Enc)>),
    /// One bit per code of the element.
    Set(Box<Enc>),
    /// One slot per code of the key.
    Map {
        /// The packing of the key type.
        key: Box<Enc>,
        /// The packing of the value type: the width of a slot.
        value: Box<Enc>,
    },
    /// The variant's index above `payload_bits`, its payload below (each
    /// variant's a [`Shape::Product`] of its fields).
    Union {
        /// The width of the widest variant's payload.
        payload_bits: u32,
        /// Each variant's payload packing, by variant index.
        variants: Vec<Enc>,
    },
    /// Length in the low `len_bits`, then `max_len` slots.
    Seq {
        /// The packing of an element: the width of a slot.
        elem: Box<Enc>,
        /// The most elements the sequence holds.
        max_len: u32,
        /// The width of the length field.
        len_bits: u32,
    },
}

/// Why a type cannot be packed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncError {
    /// The code would need more than 64 bits.
    TooWide {
        /// The width it would need.
        bits: u64,
    },
    /// A set whose element codes need more than 6 bits.
    SetTooLarge {
        /// The width of the element codes.
        elem_bits: u32,
    },
    /// A set with more possible elements than a wide set holds
    /// ([`super::wide_set::MAX_WIDE_ELEMENTS`]; `None`: too many to list).
    SetElements {
        /// The number of possible elements, when it fits in a `u64`.
        elements: Option<u64>,
    },
    /// A wide set ([`super::wide`]) used as a value, where only a node
    /// variable read or written in place can be one: how many possible
    /// elements it has, and the variable's declaration when it is one.
    WideValue {
        /// The number of possible elements.
        elements: u64,
        /// The variable's declaration, when the value is a variable.
        declared: Option<crate::syntax::ast::Span>,
    },
    /// A map, record, tuple or sequence wider than a word
    /// ([`super::wide_value`]) used as a value, where only a node
    /// variable's parts read or written in place can be: the variable's
    /// declaration when it is one.
    WideCompound {
        /// The variable's declaration, when the value is a variable.
        declared: Option<crate::syntax::ast::Span>,
    },
    /// A map whose key codes need more than 6 bits.
    MapTooLarge {
        /// The width of the key codes.
        key_bits: u32,
    },
    /// A domain with too many values to enumerate (an action parameter, a
    /// quantifier over a type).
    TooManyValues,
    /// More node instances than [`super::layout::MAX_INSTANCES`].
    TooManyInstances {
        /// The total number of instances of all node kinds.
        count: u64,
    },
    /// A state's fixed part over [`super::layout::MAX_STATE_BITS`].
    StateTooLarge {
        /// The width the fixed part would need.
        bits: u64,
    },
}

/// Bits needed to tell `n` values apart.
pub fn bits_for(n: u64) -> u32 {
    if n <= 1 {
        0
    } else {
        64 - (n - 1).leading_zeros()
    }
}

/// A mask of the low `bits` bits.
pub fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

impl Enc {
    /// The packing of `ty` in `spec`.
    pub fn of(ty: &Type, spec: &TypedSpec) -> Result<Enc, EncError> {
        let enc = match ty {
            Type::Bool => Enc::index(2),
            Type::Enum(e) => Enc::index(spec.enums[*e].variants.len() as u64),
            Type::Node(k) => Enc::index(spec.nodes[*k].count as u64),
            Type::Range { lo, hi } => Enc::int(*lo, *hi),
            Type::Int | Type::Error => Enc::int(0, INT_IN_COLLECTION_MAX),
            Type::Option(t) => {
                let inner = Enc::of(t, spec)?;
                Enc {
                    bits: checked_bits(inner.bits as u64 + 1)?,
                    shape: Shape::Option(Box::new(inner)),
                }
            }
            Type::Tuple(ts) => Enc::product(ts.iter().map(|t| Enc::of(t, spec)))?,
            Type::Record(fs) => Enc::product(fs.iter().map(|(_, t)| Enc::of(t, spec)))?,
            Type::Union(u) => {
                let variants = (spec.unions[*u].variants.iter())
                    .map(|v| Enc::product(v.fields.iter().map(|(_, t)| Enc::of(t, spec))))
                    .collect::<Result<Vec<Enc>, EncError>>()?;
                let payload_bits = variants.iter().map(|v| v.bits).max().unwrap_or(0);
                let tag_bits = bits_for(variants.len() as u64);
                Enc {
                    bits: checked_bits(payload_bits as u64 + tag_bits as u64)?,
                    shape: Shape::Union {
                        payload_bits,
                        variants,
                    },
                }
            }
            Type::Set(t) => {
                let elem = Enc::of(t, spec)?;
                if elem.bits > 6 {
                    return Err(EncError::SetTooLarge {
                        elem_bits: elem.bits,
                    });
                }
                Enc {
                    bits: elem.dense_codes().unwrap_or(1 << elem.bits),
                    shape: Shape::Set(Box::new(elem)),
                }
            }
            Type::Map(k, v) => {
                let key = Enc::of(k, spec)?;
                let value = Enc::of(v, spec)?;
                if key.bits > 6 {
                    return Err(EncError::MapTooLarge { key_bits: key.bits });
                }
                Enc {
                    bits: checked_bits((1u64 << key.bits) * value.bits as u64)?,
                    shape: Shape::Map {
                        key: Box::new(key),
                        value: Box::new(value),
                    },
                }
            }
            Type::Seq(t, max_len) => {
                let elem = Enc::of(t, spec)?;
                let len_bits = bits_for(*max_len as u64 + 1);
                Enc {
                    bits: checked_bits(len_bits as u64 + elem.bits as u64 * *max_len as u64)?,
                    shape: Shape::Seq {
                        elem: Box::new(elem),
                        max_len: *max_len,
                        len_bits,
                    },
                }
            }
        };
        Ok(enc)
    }

    /// How many codes the type has when they are exactly `0..n` (a type
    /// of at most 6 bits: an element of a set).
    fn dense_codes(&self) -> Option<u32> {
        match self.shape {
            Shape::Index { n } if self.bits <= 6 => Some(n as u32),
            // Variants without payloads: codes `0..n`, as an enum's.
            Shape::Union {
                payload_bits: 0,
                ref variants,
            } if self.bits <= 6 => Some(variants.len() as u32),
            Shape::Int { lo, hi } if self.bits <= 6 => {
                Some((hi as i128 - lo as i128 + 1).clamp(1, 64) as u32)
            }
            _ => None,
        }
    }

    fn index(n: u64) -> Enc {
        Enc {
            bits: bits_for(n),
            shape: Shape::Index { n },
        }
    }

    fn int(lo: i64, hi: i64) -> Enc {
        let n = (hi as i128 - lo as i128 + 1).clamp(1, u64::MAX as i128) as u64;
        Enc {
            bits: bits_for(n),
            shape: Shape::Int { lo, hi },
        }
    }

    /// Parts side by side, the first in the highest bits: codes then
    /// order as the values do, lexicographically, so that a set of tuples
    /// is visited (`for`, quantifiers) in the same order as `all T` lists
    /// its values.
    fn product(parts: impl Iterator<Item = Result<Enc, EncError>>) -> Result<Enc, EncError> {
        let parts = parts.collect::<Result<Vec<Enc>, EncError>>()?;
        let total = checked_bits(parts.iter().map(|p| p.bits as u64).sum())?;
        let mut offset = total;
        let out = parts
            .into_iter()
            .map(|part| {
                offset -= part.bits;
                (offset, part)
            })
            .collect();
        Ok(Enc {
            bits: total,
            shape: Shape::Product(out),
        })
    }

    /// Every valid code of the type, in increasing order of value (for
    /// quantifiers over a type and for `all T`). `None` when there are too
    /// many to list.
    ///
    /// Invariant: a union's codes come variant by variant (the variant's
    /// index is above the payload), each variant's in the order of its
    /// fields' values, earlier fields varying slowest. A wide set's bit
    /// `i` stands for the `i`-th of these ([`super::wide_set::WideSet`]), so
    /// the members of one variant are a contiguous run of its bits, which
    /// [`super::wide_filter`] relies on to skip whole words.
    pub fn domain(&self) -> Option<Vec<u64>> {
        const LIMIT: usize = 1 << 20;
        let out = match &self.shape {
            Shape::Index { n } => {
                if *n as usize > LIMIT {
                    return None;
                }
                (0..*n).collect()
            }
            Shape::Int { lo, hi } => {
                let n = (*hi as i128 - *lo as i128 + 1) as u128;
                if n > LIMIT as u128 {
                    return None;
                }
                (0..n as u64).collect()
            }
            Shape::Option(inner) => {
                let mut v = vec![0];
                v.extend(inner.domain()?.into_iter().map(|c| (c << 1) | 1));
                v
            }
            Shape::Product(parts) => {
                let mut acc = vec![0u64];
                for (offset, enc) in parts {
                    let d = enc.domain()?;
                    if acc.len().saturating_mul(d.len()) > LIMIT {
                        return None;
                    }
                    // Earlier parts vary slowest, as in lexicographic order.
                    acc = acc
                        .iter()
                        .flat_map(|a| d.iter().map(move |c| a | (c << offset)))
                        .collect();
                }
                acc
            }
            Shape::Union {
                payload_bits,
                variants,
            } => {
                let mut out = Vec::new();
                for (tag, v) in variants.iter().enumerate() {
                    let d = v.domain()?;
                    if out.len() + d.len() > LIMIT {
                        return None;
                    }
                    out.extend(d.into_iter().map(|c| ((tag as u64) << payload_bits) | c));
                }
                out
            }
            Shape::Set(elem) => {
                let d = elem.domain()?;
                if d.len() > 20 {
                    return None;
                }
                (0u64..(1u64 << d.len()))
                    .map(|subset| {
                        d.iter()
                            .enumerate()
                            .filter(|(i, _)| subset >> i & 1 == 1)
                            .fold(0u64, |m, (_, c)| m | (1u64 << c))
                    })
                    .collect()
            }
            Shape::Map { key, value } => {
                let keys = key.domain()?;
                let values = value.domain()?;
                let mut acc = vec![0u64];
                for k in &keys {
                    if acc.len().saturating_mul(values.len()) > LIMIT {
                        return None;
                    }
                    let shift = k * value.bits as u64;
                    acc = acc
                        .iter()
                        .flat_map(|a| values.iter().map(move |v| a | (v << shift)))
                        .collect();
                }
                acc
            }
            Shape::Seq {
                elem,
                max_len,
                len_bits,
            } => {
                let d = elem.domain()?;
                let mut out = vec![0u64];
                let mut layer = vec![0u64];
                for len in 1..=*max_len as u64 {
                    let mut next = Vec::new();
                    for prefix in &layer {
                        for c in &d {
                            next.push(
                                prefix | (c << (*len_bits as u64 + (len - 1) * elem.bits as u64)),
                            );
                        }
                    }
                    if out.len() + next.len() > LIMIT {
                        return None;
                    }
                    out.extend(next.iter().map(|p| (p & !mask(*len_bits)) | len));
                    layer = next;
                }
                out
            }
        };
        Some(out)
    }
}

fn checked_bits(bits: u64) -> Result<u32, EncError> {
    if bits > 64 {
        Err(EncError::TooWide { bits })
    } else {
        Ok(bits as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_for_counts() {
        assert_eq!(bits_for(1), 0);
        assert_eq!(bits_for(2), 1);
        assert_eq!(bits_for(3), 2);
        assert_eq!(bits_for(4), 2);
        assert_eq!(bits_for(5), 3);
    }

    #[test]
    fn seq_domain_lists_every_length() {
        let enc = Enc {
            bits: 2 + 2,
            shape: Shape::Seq {
                elem: Box::new(Enc::index(2)),
                max_len: 2,
                len_bits: 2,
            },
        };
        // [], [0], [1], [0,0], [0,1], [1,0], [1,1]
        assert_eq!(enc.domain().map(|d| d.len()), Some(7));
    }
}
