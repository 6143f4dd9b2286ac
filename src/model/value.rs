//! Moving values between their expression form (plain integers, codes) and
//! stored codes, with the domain checks that make an overflow a finding.

use super::encoding::{Enc, Shape, mask};
use super::{RtError, RtErrorKind, RtResult};
use crate::syntax::ast::Span;

/// Whether values of this encoding are plain integers in expressions.
pub fn is_int(enc: &Enc) -> bool {
    matches!(enc.shape, Shape::Int { .. })
}

/// The code of expression value `v` stored as `enc`: integers are checked
/// against the range and offset; other values are codes already.
#[inline]
pub(crate) fn to_code(v: i64, enc: &Enc, span: Span) -> RtResult<u64> {
    match enc.shape {
        Shape::Int { lo, hi } => {
            if v < lo || v > hi {
                return Err(RtError {
                    kind: RtErrorKind::OutOfDomain { value: v, lo, hi },
                    span,
                });
            }
            Ok((v as i128 - lo as i128) as u64)
        }
        _ => Ok(v as u64),
    }
}

/// The expression value of a code stored as `enc`.
#[inline]
pub(crate) fn from_code(c: u64, enc: &Enc) -> i64 {
    match enc.shape {
        Shape::Int { lo, .. } => (lo as i128 + c as i128) as i64,
        _ => c as i64,
    }
}

/// Re-encodes a code of one encoding into another for the same value (the
/// two differ only in integer ranges), checking the target's ranges.
pub(crate) fn recode(c: u64, from: &Enc, to: &Enc, span: Span) -> RtResult<u64> {
    if from == to {
        return Ok(c);
    }
    match (&from.shape, &to.shape) {
        (Shape::Int { .. }, Shape::Int { .. }) => to_code(from_code(c, from), to, span),
        (Shape::Option(a), Shape::Option(b)) => {
            if c & 1 == 0 {
                Ok(0)
            } else {
                Ok((recode(c >> 1, a, b, span)? << 1) | 1)
            }
        }
        (Shape::Product(pa), Shape::Product(pb)) if pa.len() == pb.len() => {
            let mut out = 0u64;
            for ((oa, ea), (ob, eb)) in pa.iter().zip(pb) {
                let part = (c >> oa) & mask(ea.bits);
                out |= recode(part, ea, eb, span)? << ob;
            }
            Ok(out)
        }
        (Shape::Set(a), Shape::Set(b)) => {
            let mut out = 0u64;
            let mut bits = c;
            while bits != 0 {
                let code = bits.trailing_zeros() as u64;
                bits &= bits - 1;
                out |= 1u64 << recode(code, a, b, span)?;
            }
            Ok(out)
        }
        (Shape::Map { key: ka, value: va }, Shape::Map { key: kb, value: vb }) => {
            let mut out = 0u64;
            for k in ka.domain().unwrap_or_default() {
                let v = (c >> (k * va.bits as u64)) & mask(va.bits);
                let k2 = recode(k, ka, kb, span)?;
                out |= recode(v, va, vb, span)? << (k2 * vb.bits as u64);
            }
            Ok(out)
        }
        (
            Shape::Seq {
                elem: ea,
                len_bits: la,
                ..
            },
            Shape::Seq {
                elem: eb,
                max_len: mb,
                len_bits: lb,
            },
        ) => {
            let len = c & mask(*la);
            if len > *mb as u64 {
                return Err(RtError {
                    kind: RtErrorKind::SeqFull { max: *mb },
                    span,
                });
            }
            let mut out = len;
            for i in 0..len {
                let e = (c >> (*la as u64 + i * ea.bits as u64)) & mask(ea.bits);
                out |= recode(e, ea, eb, span)? << (*lb as u64 + i * eb.bits as u64);
            }
            Ok(out)
        }
        // Same structure, different index sizes (cannot happen for
        // well-typed programs: those are node kinds and enums, compared by id).
        _ => Ok(c),
    }
}

/// `store` of `expr.rs` with the comparison of the two encodings done once, when the
/// code is compiled.
#[derive(Clone)]
pub(crate) enum Storer {
    /// Into an integer range: checked and offset.
    Int(Enc),
    /// Between equal encodings: the code as it is.
    Same,
    /// Between different encodings of the same value.
    Recode(Enc, Enc),
    /// The value is already a code of the target, put together there by
    /// [`Lowerer::encode_into`](super::expr::Lowerer::encode_into);
    /// negative when the target cannot hold it (then storing fails).
    Code,
}

impl Storer {
    pub(crate) fn new(from: &Enc, to: &Enc) -> Storer {
        if is_int(to) {
            Storer::Int(to.clone())
        } else if from == to {
            Storer::Same
        } else {
            Storer::Recode(from.clone(), to.clone())
        }
    }

    /// The same as `store(v, from, to, span)`.
    #[inline]
    pub(crate) fn store(&self, v: i64, span: Span) -> RtResult<u64> {
        match self {
            Storer::Int(to) => to_code(v, to, span),
            Storer::Same => Ok(v as u64),
            Storer::Recode(from, to) => recode(v as u64, from, to, span),
            Storer::Code if v < 0 => Err(RtError {
                kind: RtErrorKind::OutOfDomain {
                    value: v,
                    lo: 0,
                    hi: 0,
                },
                span,
            }),
            Storer::Code => Ok(v as u64),
        }
    }
}
