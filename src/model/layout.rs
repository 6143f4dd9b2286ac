//! Where every variable, flag and counter lives in a state, and how a
//! message is packed into one word.

use std::sync::Arc;

use super::LowerError;
use super::encoding::{Enc, EncError, Shape, bits_for, mask};
use super::wide_parts::WideValue;
use super::wide_set::WideSet;
use crate::syntax::ast::FaultKind;
use crate::typed::{MessageId, NodeKindId, TypedSpec};

/// The most node instances of a spec, all kinds together. Far beyond what an
/// explicit-state search can explore; the limit keeps a spec like `node
/// A[2147483648]` from laying out billions of instances.
pub const MAX_INSTANCES: u64 = 4096;

pub use super::encoding::MAX_STATE_BITS;

/// A bit field in the fixed part of a state. A field never straddles two
/// words; a zero-width field reads as 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The index of the word that holds the field.
    pub word: u32,
    /// The position of the field's lowest bit in that word.
    pub shift: u32,
    /// The field's width.
    pub bits: u32,
}

/// Appends `words` to `to`: a state's few words (a fixed part, a
/// network) one by one, cheaper than a call to `memcpy`, and longer runs
/// with it.
#[inline(always)]
pub(crate) fn extend_words(to: &mut Vec<u64>, words: &[u64]) {
    if words.len() <= 8 {
        to.reserve(words.len());
        for &w in words {
            to.push(w);
        }
    } else {
        to.extend_from_slice(words);
    }
}

impl Slot {
    /// The field's code.
    #[inline]
    pub fn read(&self, words: &[u64]) -> u64 {
        if self.bits == 0 {
            return 0;
        }
        (words[self.word as usize] >> self.shift) & mask(self.bits)
    }

    /// Stores a code (which must fit).
    #[inline]
    pub fn write(&self, words: &mut [u64], code: u64) {
        if self.bits == 0 {
            return;
        }
        let m = mask(self.bits) << self.shift;
        let w = &mut words[self.word as usize];
        *w = (*w & !m) | ((code << self.shift) & m);
    }
}

/// A variable of a node kind: its packing and its field in each instance.
#[derive(Clone, Debug)]
pub struct VarLayout {
    pub enc: Enc,
    /// By instance. For a wide set, the first of its words, with no bits
    /// (`bits` 0: code that reads fields without knowing of wide sets
    /// finds nothing, and must not be given one; see [`WideSet`]).
    pub slots: Vec<Slot>,
    /// When the variable is a set wider than one word ([`super::wide`]):
    /// its packing, and `enc` is the set's shape with no bits.
    pub wide: Option<Arc<WideSet>>,
    /// When the variable is a map, record, tuple or sequence wider than
    /// one word ([`super::wide_value`]): its packing, and `enc` has no
    /// bits, as a wide set's.
    pub wide_value: Option<Arc<WideValue>>,
}

impl VarLayout {
    /// The words of instance `inst`'s value of a wide set or wide value
    /// variable, as a range of the fixed part (empty for any other
    /// variable).
    pub(crate) fn wide_words(&self, inst: usize) -> std::ops::Range<usize> {
        let words = match (&self.wide, &self.wide_value) {
            (Some(set), _) => set.words,
            (_, Some(value)) => value.words,
            (None, None) => return 0..0,
        };
        let first = self.slots[inst].word as usize;
        first..first + words as usize
    }

    /// Whether the variable spans whole words rather than a field: a
    /// wide set or a wide value.
    pub(crate) fn is_wide(&self) -> bool {
        self.wide.is_some() || self.wide_value.is_some()
    }
}

/// The fields of one node kind.
#[derive(Clone, Debug)]
pub struct KindLayout {
    /// Global index of instance 0 (instances of all kinds are numbered in
    /// declaration order, for message addresses).
    pub first_global: u32,
    /// The number of instances of the kind.
    pub count: u32,
    /// Where each variable of the kind lives, by [`crate::typed::VarId`].
    pub vars: Vec<VarLayout>,
    /// By instance, when the kind can crash.
    pub crashed: Option<Vec<Slot>>,
    /// By instance, when the kind has a `byzantine` fault: whether the
    /// instance is faulty (fixed in the initial state).
    pub byzantine: Option<Vec<Slot>>,
}

/// How a message is packed into one `u64`, lowest bits first: payload, kind,
/// destination, source. Sorting codes therefore groups messages by channel
/// (source, destination).
#[derive(Clone, Debug)]
pub struct MsgLayout {
    /// The position of the message kind's field, just above the payload.
    pub kind_shift: u32,
    /// The width of the message kind's field.
    pub kind_bits: u32,
    /// The position of the destination's global instance index.
    pub dst_shift: u32,
    /// The position of the source's global instance index, in the top bits.
    pub src_shift: u32,
    /// The width of a global instance index (destination and source alike).
    pub inst_bits: u32,
    /// By message kind: each field's offset and packing.
    pub fields: Vec<Vec<(u32, Enc)>>,
}

impl MsgLayout {
    /// Packs a message.
    #[inline]
    pub(crate) fn pack(&self, src: u32, dst: u32, kind: MessageId, payload: u64) -> u64 {
        payload
            | shl(kind as u64, self.kind_shift)
            | shl(dst as u64, self.dst_shift)
            | shl(src as u64, self.src_shift)
    }

    /// The message kind of a code.
    #[inline]
    pub fn kind(&self, code: u64) -> MessageId {
        (shr(code, self.kind_shift) & mask(self.kind_bits)) as MessageId
    }

    /// The global index of the sender.
    #[inline]
    pub fn src(&self, code: u64) -> u32 {
        (shr(code, self.src_shift) & mask(self.inst_bits)) as u32
    }

    /// The global index of the receiver.
    #[inline]
    pub fn dst(&self, code: u64) -> u32 {
        (shr(code, self.dst_shift) & mask(self.inst_bits)) as u32
    }

    /// The channel (source, destination) of a code, as one number.
    #[inline]
    pub fn channel(&self, code: u64) -> u64 {
        shr(code, self.dst_shift)
    }

    /// The code of payload field `field` of a message of kind `kind`.
    #[inline]
    pub fn field(&self, code: u64, kind: MessageId, field: usize) -> u64 {
        let (offset, enc) = &self.fields[kind][field];
        shr(code, *offset) & mask(enc.bits)
    }
}

/// `v << s`, 0 when everything is shifted out.
#[inline]
pub(crate) fn shl(v: u64, s: u32) -> u64 {
    v.checked_shl(s).unwrap_or(0)
}

/// `v >> s`, 0 when everything is shifted out.
#[inline]
pub(crate) fn shr(v: u64, s: u32) -> u64 {
    v.checked_shr(s).unwrap_or(0)
}

/// The layout of a whole state.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Words in the fixed part.
    pub fixed_words: usize,
    /// Bits of the fixed part in use: every bit from this one up (in the
    /// last word) is always zero. The visited set stores only these.
    pub fixed_bits: u32,
    /// The fields of each node kind, by [`NodeKindId`].
    pub kinds: Vec<KindLayout>,
    /// By fault (same order as the spec's faults): its counter, when it has a budget.
    pub fault_counters: Vec<Option<Slot>>,
    /// When the spec has a `partition` fault: whether the network is split
    /// now, and the side of each instance (bit = global index; instance 0 is
    /// always on side 0, so each split has one encoding).
    pub partition: Option<(Slot, Slot)>,
    /// How a message in flight is packed.
    pub msg: MsgLayout,
    /// Global instance index → (kind, instance).
    pub instances: Vec<(NodeKindId, u32)>,
    /// Whether some variable is a wide set ([`VarLayout::wide`]); when
    /// not, nothing of [`super::wide`] is compiled in.
    pub has_wide: bool,
}

/// Hands out bit fields word by word.
struct Allocator {
    word: u32,
    bit: u32,
}

impl Allocator {
    fn alloc(&mut self, bits: u32) -> Slot {
        if bits == 0 {
            return Slot {
                word: 0,
                shift: 0,
                bits: 0,
            };
        }
        if self.bit + bits > 64 {
            self.word += 1;
            self.bit = 0;
        }
        let slot = Slot {
            word: self.word,
            shift: self.bit,
            bits,
        };
        self.bit += bits;
        slot
    }

    /// `n` whole words, from the next free one: the first.
    fn alloc_words(&mut self, n: u32) -> u32 {
        if self.bit > 0 {
            self.word += 1;
            self.bit = 0;
        }
        let first = self.word;
        self.word += n;
        first
    }

    fn words(&self) -> usize {
        if self.bit == 0 {
            self.word as usize
        } else {
            self.word as usize + 1
        }
    }
}

impl Layout {
    /// Lays out a spec's state.
    pub fn new(spec: &TypedSpec) -> Result<Layout, Vec<LowerError>> {
        let mut errors = Vec::new();
        let mut alloc = Allocator { word: 0, bit: 0 };
        let mut kinds = Vec::new();
        let mut instances = Vec::new();
        let crashable: Vec<bool> = (0..spec.nodes.len())
            .map(|k| {
                spec.faults
                    .iter()
                    .any(|f| f.kind == FaultKind::Crash && f.node == Some(k))
            })
            .collect();
        let byzantine: Vec<bool> = (0..spec.nodes.len())
            .map(|k| {
                spec.faults
                    .iter()
                    .any(|f| f.kind == FaultKind::Byzantine && f.node == Some(k))
            })
            .collect();
        let total: u64 = spec.nodes.iter().map(|n| u64::from(n.count)).sum();
        if total > MAX_INSTANCES {
            let widest = spec.nodes.iter().max_by_key(|n| n.count);
            return Err(vec![LowerError {
                what: "the spec's node instances".into(),
                error: EncError::TooManyInstances { count: total },
                span: widest.map_or(Default::default(), |n| n.span),
            }]);
        }
        for (k, node) in spec.nodes.iter().enumerate() {
            let first_global = instances.len() as u32;
            for i in 0..node.count {
                instances.push((k, i));
            }
            let mut vars = Vec::new();
            let mut encs = Vec::new();
            let mut wides = Vec::new();
            let mut wide_values = Vec::new();
            for v in &node.vars {
                // Too wide for a word, but a map, record, tuple or
                // sequence of narrow (or wide set) parts: a wide value.
                if !matches!(v.ty, crate::typed::Type::Set(_))
                    && Enc::of(&v.ty, spec).is_err()
                    && let Ok(value) = WideValue::of(&v.ty, spec)
                {
                    encs.push(Enc {
                        bits: 0,
                        shape: Shape::Index { n: 1 },
                    });
                    wides.push(None);
                    wide_values.push(Some(Arc::new(value)));
                    continue;
                }
                wide_values.push(None);
                let packed = match (Enc::of(&v.ty, spec), &v.ty) {
                    // Too many possible elements for one word: a wide set.
                    (Err(EncError::SetTooLarge { .. }), crate::typed::Type::Set(elem)) => {
                        WideSet::of(elem, spec).map(|set| {
                            let enc = Enc {
                                bits: 0,
                                shape: Shape::Set(Box::new(set.elem.clone())),
                            };
                            wides.push(Some(Arc::new(set)));
                            enc
                        })
                    }
                    (Ok(enc), _) => {
                        wides.push(None);
                        Ok(enc)
                    }
                    (Err(error), _) => Err(error),
                };
                match packed {
                    Ok(enc) => encs.push(enc),
                    Err(error) => {
                        wides.push(None);
                        errors.push(LowerError {
                            what: format!("variable `{}` of `{}`", v.name, node.name),
                            error,
                            span: v.span,
                        });
                        encs.push(Enc::of(&crate::typed::Type::Bool, spec).expect("bool packs"));
                    }
                }
            }
            // Instance-major: one instance's variables sit together.
            let mut slots: Vec<Vec<Slot>> = vec![Vec::new(); encs.len()];
            let mut crashed = Vec::new();
            let mut faulty = Vec::new();
            for _ in 0..node.count {
                for (v, enc) in encs.iter().enumerate() {
                    let words = (wides[v].as_ref().map(|set| set.words))
                        .or(wide_values[v].as_ref().map(|value| value.words));
                    slots[v].push(match words {
                        Some(words) => Slot {
                            word: alloc.alloc_words(words),
                            shift: 0,
                            bits: 0,
                        },
                        None => alloc.alloc(enc.bits),
                    });
                }
                if crashable[k] {
                    crashed.push(alloc.alloc(1));
                }
                if byzantine[k] {
                    faulty.push(alloc.alloc(1));
                }
            }
            if u64::from(alloc.word) * 64 > MAX_STATE_BITS {
                return Err(vec![LowerError {
                    what: format!("the state, with the variables of `{}`,", node.name),
                    error: EncError::StateTooLarge {
                        bits: u64::from(alloc.word) * 64,
                    },
                    span: node.span,
                }]);
            }
            for (((enc, slots), wide), wide_value) in
                encs.into_iter().zip(slots).zip(wides).zip(wide_values)
            {
                vars.push(VarLayout {
                    enc,
                    slots,
                    wide,
                    wide_value,
                });
            }
            kinds.push(KindLayout {
                first_global,
                count: node.count,
                vars,
                crashed: if crashable[k] { Some(crashed) } else { None },
                byzantine: if byzantine[k] { Some(faulty) } else { None },
            });
        }
        let partition = if spec.faults.iter().any(|f| f.kind == FaultKind::Partition) {
            if instances.len() > 64 {
                let span = spec
                    .faults
                    .iter()
                    .find(|f| f.kind == FaultKind::Partition)
                    .map_or(Default::default(), |f| f.span);
                errors.push(LowerError {
                    what: "a partition of more than 64 node instances".into(),
                    error: EncError::TooWide {
                        bits: instances.len() as u64,
                    },
                    span,
                });
                None
            } else {
                Some((alloc.alloc(1), alloc.alloc(instances.len() as u32)))
            }
        } else {
            None
        };
        // A byzantine budget bounds how many instances are faulty, which the
        // flags already record: no counter.
        let fault_counters = spec
            .faults
            .iter()
            .map(|f| {
                if f.kind == FaultKind::Byzantine {
                    return None;
                }
                f.budget.map(|b| alloc.alloc(bits_for(b as u64 + 1)))
            })
            .collect();
        let mut fields = Vec::new();
        let mut payload_bits = 0u32;
        for m in &spec.messages {
            let mut offset = 0u64;
            let mut fs = Vec::new();
            for (name, ty) in &m.fields {
                match Enc::of(ty, spec) {
                    Ok(enc) => {
                        fs.push((offset as u32, enc.clone()));
                        offset += enc.bits as u64;
                    }
                    Err(error) => errors.push(LowerError {
                        what: format!("field `{name}` of message `{}`", m.name),
                        error,
                        span: m.span,
                    }),
                }
            }
            if offset > 64 {
                errors.push(LowerError {
                    what: format!("message `{}`", m.name),
                    error: EncError::TooWide { bits: offset },
                    span: m.span,
                });
            }
            payload_bits = payload_bits.max(offset.min(64) as u32);
            fields.push(fs);
        }
        let kind_bits = bits_for(spec.messages.len() as u64);
        let inst_bits = bits_for(instances.len() as u64);
        let total = payload_bits as u64 + kind_bits as u64 + 2 * inst_bits as u64;
        if total > 64 {
            let span = spec.messages.first().map_or(Default::default(), |m| m.span);
            errors.push(LowerError {
                what: "a message with its sender and receiver".into(),
                error: EncError::TooWide { bits: total },
                span,
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let kind_shift = payload_bits;
        let dst_shift = kind_shift + kind_bits;
        let src_shift = dst_shift + inst_bits;
        Ok(Layout {
            fixed_words: alloc.words(),
            fixed_bits: alloc.word * 64 + alloc.bit,
            fault_counters,
            partition,
            msg: MsgLayout {
                kind_shift,
                kind_bits,
                dst_shift,
                src_shift,
                inst_bits,
                fields,
            },
            has_wide: kinds.iter().any(|k| k.vars.iter().any(|v| v.is_wide())),
            kinds,
            instances,
        })
    }
}
