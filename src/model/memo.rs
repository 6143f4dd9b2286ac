//! Memoised expressions: an expression that costs much to evaluate and
//! whose value depends on few bits (the state's bits it reads and its free
//! locals, at most 256 of them) is compiled with a cache keyed by those
//! bits.
//!
//! A TLA+-style spec transcribed as one node evaluates large quantified
//! formulas (an invariant's conjuncts, a guard over every quorum) in every
//! state, though each reads a small part of it that changes in few of
//! them. The value of an expression is a function of what it reads: the
//! node variables it names (every instance's slot, or, when the instance is
//! a free local or the running node, that instance's slot alone), the
//! running node's index when it asks for it, and its free locals. The key
//! packs all of it, each part at an offset of its own, so two evaluations
//! with one key read the same bits and compute the same value, failures
//! included; a failure is not kept, but evaluated again each time.
//!
//! The cache is per thread (a direct-mapped table, [`TABLE_SLOTS`] entries
//! of the key, the expression's id and its value), so it needs no lock and
//! results cannot depend on the number of threads: a hit returns the value
//! the evaluation would have given. Each memoised expression counts its
//! first [`TRIAL`] lookups; one that hit fewer than a quarter of them
//! evaluates directly from then on (keys that seldom repeat only add
//! work).

use crate::hash::mix;
use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use super::encoding::{Enc, Shape, mask};
use super::expr::Lowerer;
use super::layout::Slot;
use super::{Ctx, ExprFn};
use crate::syntax::ast::Quantifier;
use crate::typed::*;

/// The smallest estimated cost ([`cost`]) of an expression worth a cache:
/// below it, evaluating costs less than a lookup.
const MIN_COST: u64 = 48;

/// The widest key.
const MAX_KEY_BITS: u32 = 256;

/// Entries of a thread's table (48 bytes each).
const TABLE_SLOTS: usize = 1 << 17;

/// Lookups after which a memoised expression that seldom hits stops using
/// the cache.
const TRIAL: u32 = 1 << 13;

/// Where one part of a key comes from.
#[derive(Clone, Debug)]
enum Part {
    /// A free local's value, less `lo`; the key is not made (and the
    /// expression is evaluated directly) when that does not fit its bits.
    Local { local: LocalId, lo: i64, bits: u32 },
    /// The running node's index.
    SelfIndex { bits: u32 },
    /// Bits of the state read whatever the locals.
    Bits { word: u32, shift: u32, bits: u32 },
    /// A variable's slot of the instance in a free local (`None`: the
    /// running node).
    Instance {
        local: Option<LocalId>,
        slots: Arc<Vec<Slot>>,
        bits: u32,
    },
}

/// Where a part goes in the key, worked out when the plan is made: the
/// word (`at`), the shift in it, whether the part runs on into the next
/// word, and the mask of the part's bits.
#[derive(Clone, Copy, Debug)]
struct Place {
    at: usize,
    shift: u32,
    spills: bool,
    mask: u64,
}

/// How to make the key of one expression.
#[derive(Debug)]
pub(super) struct KeyPlan {
    parts: Vec<(Part, Place)>,
    /// Words of the key in use (the others are 0): those hashed.
    words: usize,
}

impl KeyPlan {
    /// The key of an evaluation, or `None` when a local holds a value its
    /// type's bits cannot (then there is no key to trust).
    #[inline]
    fn key(&self, ctx: &Ctx, locals: &[i64]) -> Option<Key> {
        let mut key = [0u64; KEY_WORDS];
        for (part, place) in &self.parts {
            let value = match part {
                Part::Local { local, lo, .. } => {
                    let v = locals[*local].wrapping_sub(*lo) as u64;
                    if v & !place.mask != 0 {
                        return None;
                    }
                    v
                }
                Part::SelfIndex { .. } => ctx.self_inst as u64,
                Part::Bits { word, shift, .. } => (ctx.words[*word as usize] >> shift) & place.mask,
                Part::Instance { local, slots, .. } => {
                    let i = match local {
                        Some(l) => locals[*l] as usize,
                        None => ctx.self_inst as usize,
                    };
                    slots.get(i)?.read(ctx.words)
                }
            };
            // Parts take at most 64 bits each and [`MAX_KEY_BITS`] in
            // all (`key_plan`), so a part spans at most two words; one
            // that spills has a shift above 0.
            key[place.at] |= value << place.shift;
            if place.spills {
                key[place.at + 1] |= value >> (64 - place.shift);
            }
        }
        Some(key)
    }
}

/// Words of a key.
const KEY_WORDS: usize = (MAX_KEY_BITS / 64) as usize;

/// A key: the bits an evaluation depends on, side by side.
type Key = [u64; KEY_WORDS];

/// One entry of a thread's table; `id == 0`: empty.
#[derive(Clone, Copy, Default)]
struct Entry {
    key: Key,
    id: u64,
    value: i64,
}

thread_local! {
    static TABLE: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

/// Ids of memoised expressions, unique in the process (so that the
/// entries of one model are never taken for another's).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The slot of a key (of which the first `words` are in use) in a
/// thread's table, computed once for its lookup and its insertion.
#[inline]
fn home(key: &Key, words: usize, id: u64) -> usize {
    let h = key[..words].iter().fold(mix(0, id), |h, &w| mix(h, w));
    (h >> 40) as usize & (TABLE_SLOTS - 1)
}

fn lookup(slot: usize, key: &Key, id: u64) -> Option<i64> {
    TABLE.with(|t| {
        let t = t.borrow();
        let e = t.get(slot)?;
        (e.id == id && e.key == *key).then_some(e.value)
    })
}

fn insert(slot: usize, key: Key, id: u64, value: i64) {
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        if t.is_empty() {
            *t = vec![Entry::default(); TABLE_SLOTS];
        }
        t[slot] = Entry { key, id, value };
    })
}

/// How often a memoised expression's lookups hit, until it decides.
struct Trial {
    tries: AtomicU32,
    hits: AtomicU32,
    off: AtomicBool,
}

/// `inner` with a cache keyed by `plan`.
fn memoised(inner: ExprFn, plan: KeyPlan) -> ExprFn {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let trial = Trial {
        tries: AtomicU32::new(0),
        hits: AtomicU32::new(0),
        off: AtomicBool::new(false),
    };
    Arc::new(move |ctx, locals| {
        if trial.off.load(Ordering::Relaxed) {
            return inner(ctx, locals);
        }
        let Some(key) = plan.key(ctx, locals) else {
            return inner(ctx, locals);
        };
        let counting = trial.tries.load(Ordering::Relaxed) < TRIAL;
        if counting {
            let tries = trial.tries.fetch_add(1, Ordering::Relaxed) + 1;
            if tries == TRIAL && trial.hits.load(Ordering::Relaxed) < TRIAL / 4 {
                trial.off.store(true, Ordering::Relaxed);
            }
        }
        let slot = home(&key, plan.words, id);
        if let Some(value) = lookup(slot, &key, id) {
            if counting {
                trial.hits.fetch_add(1, Ordering::Relaxed);
            }
            return Ok(value);
        }
        let value = inner(ctx, locals)?;
        insert(slot, key, id, value);
        Ok(value)
    })
}

impl Lowerer<'_> {
    /// `e` compiled with a cache, when it is worth one and its key fits;
    /// `None` otherwise (the caller compiles it directly).
    pub(super) fn memoise(&mut self, e: &Expr, node: Option<NodeKindId>) -> Option<ExprFn> {
        if !self.memo || cost(self.spec, e) < MIN_COST {
            return None;
        }
        let plan = self.key_plan(e, node)?;
        // Its parts may have caches of their own: when this one seldom
        // hits and stops looking, theirs still serve.
        let inner = self.expr_direct(e, node);
        self.memoised += 1;
        Some(memoised(inner, plan))
    }

    /// Whether `e` compiles with a cache of its own ([`Lowerer::memoise`]).
    pub(super) fn memoisable(&self, e: &Expr) -> bool {
        self.memo && cost(self.spec, e) >= MIN_COST && self.key_plan(e, None).is_some()
    }

    /// The key of `e`'s evaluations, if it fits in [`MAX_KEY_BITS`].
    fn key_plan(&self, e: &Expr, node: Option<NodeKindId>) -> Option<KeyPlan> {
        let mut reads = Reads::default();
        collect(e, &mut Vec::new(), &mut reads)?;
        // A wide variable's words are no field to key by: no cache.
        let wide = |kind: NodeKindId, var: VarId| self.layout.kinds[kind].vars[var].is_wide();
        if self.layout.has_wide
            && (reads.all.iter().any(|&(k, v)| wide(k, v))
                || (reads.instance.iter()).any(|&(_, k, v)| k.or(node).is_none_or(|k| wide(k, v))))
        {
            return None;
        }
        let mut parts = Vec::new();
        let mut total = 0u32;
        for (local, ty) in &reads.locals {
            let enc = Enc::of(ty, self.spec).ok()?;
            let lo = match (ty, &enc.shape) {
                (Type::Int | Type::Error, _) => return None,
                (_, Shape::Int { lo, .. }) => *lo,
                _ => 0,
            };
            total += enc.bits;
            parts.push(Part::Local {
                local: *local,
                lo,
                bits: enc.bits,
            });
        }
        let own = node.map(|k| self.spec.nodes[k].count as u64);
        if reads.self_index {
            let bits = index_bits(own?);
            total += bits;
            parts.push(Part::SelfIndex { bits });
        }
        for &(local, kind, var) in &reads.instance {
            // `None`: a variable of the running node.
            let kind = match kind {
                Some(kind) => kind,
                None => node?,
            };
            let slots = self.layout.kinds[kind].vars[var].slots.clone();
            let bits = slots.iter().map(|s| s.bits).max().unwrap_or(0);
            total += bits;
            parts.push(Part::Instance {
                local,
                slots: Arc::new(slots),
                bits,
            });
        }
        // Every instance's slot of the variables read through other
        // expressions, as runs of adjacent bits per word.
        let mut words = vec![0u64; self.layout.fixed_words];
        for &(kind, var) in &reads.all {
            for slot in &self.layout.kinds[kind].vars[var].slots {
                if slot.bits > 0 {
                    words[slot.word as usize] |= mask(slot.bits) << slot.shift;
                }
            }
        }
        for (w, &m) in words.iter().enumerate() {
            let mut m = m;
            while m != 0 {
                let shift = m.trailing_zeros();
                let bits = (m >> shift).trailing_ones();
                m &= !(mask(bits) << shift);
                total += bits;
                parts.push(Part::Bits {
                    word: w as u32,
                    shift,
                    bits,
                });
            }
        }
        if total > MAX_KEY_BITS {
            return None;
        }
        let mut offset = 0u32;
        let parts = (parts.into_iter())
            .map(|part| {
                let bits = match &part {
                    Part::Local { bits, .. }
                    | Part::SelfIndex { bits }
                    | Part::Bits { bits, .. }
                    | Part::Instance { bits, .. } => *bits,
                };
                let (at, shift) = ((offset / 64) as usize, offset % 64);
                offset += bits;
                // A part of no bits adds 0: kept in the key's words
                // (the last part of a full key starts past them).
                let place = Place {
                    at: at.min(KEY_WORDS - 1),
                    shift,
                    spills: shift + bits > 64,
                    mask: mask(bits),
                };
                (part, place)
            })
            .collect();
        Some(KeyPlan {
            parts,
            words: (total as usize).div_ceil(64).max(1),
        })
    }
}

/// Bits of an index below `count`.
fn index_bits(count: u64) -> u32 {
    64 - count.saturating_sub(1).leading_zeros()
}

/// What an expression reads.
#[derive(Default)]
pub(super) struct Reads {
    /// Free locals, with their types.
    pub(super) locals: Vec<(LocalId, Type)>,
    /// The running node's index.
    pub(super) self_index: bool,
    /// Variables of one instance: a free local's (`Some`, with the local's
    /// kind) or the running node's (`None`, of the lowerer's node kind).
    pub(super) instance: Vec<(Option<LocalId>, Option<NodeKindId>, VarId)>,
    /// Variables read of every instance.
    pub(super) all: Vec<(NodeKindId, VarId)>,
}

/// Adds what `e` reads (with `bound` the locals bound around it inside the
/// memoised expression); `None` when it reads what a key cannot hold (the
/// crash or Byzantine flags).
pub(super) fn collect(e: &Expr, bound: &mut Vec<LocalId>, reads: &mut Reads) -> Option<()> {
    match &e.kind {
        ExprKind::Local(l) => {
            if !bound.contains(l) && !reads.locals.iter().any(|(x, _)| x == l) {
                reads.locals.push((*l, e.ty.clone()));
            }
            return Some(());
        }
        ExprKind::SelfId => {
            reads.self_index = true;
            return Some(());
        }
        ExprKind::Var(v) => {
            reads.self_index = true;
            push_unique(&mut reads.instance, (None, None, *v));
            return Some(());
        }
        ExprKind::RemoteVar { node, kind, var } => {
            if let ExprKind::Local(l) = node.kind
                && !bound.contains(&l)
            {
                push_unique(&mut reads.instance, (Some(l), Some(*kind), *var));
            } else {
                push_unique(&mut reads.all, (*kind, *var));
            }
        }
        // `old(e)` reads another state than the key's.
        ExprKind::Call(Builtin::Byzantine | Builtin::Crashed | Builtin::Old, _) => return None,
        ExprKind::Quant {
            vars, domain, body, ..
        } => {
            collect(domain, bound, reads)?;
            let depth = bound.len();
            bound.extend(vars.iter().copied());
            let r = collect(body, bound, reads);
            bound.truncate(depth);
            return r;
        }
        ExprKind::Let { bindings, body, .. } => {
            let depth = bound.len();
            for (local, _, value) in bindings {
                // A binding's value sees the bindings before it.
                collect(value, bound, reads)?;
                bound.push(*local);
            }
            let r = collect(body, bound, reads);
            bound.truncate(depth);
            return r;
        }
        _ => {}
    }
    for child in e.children() {
        collect(child, bound, reads)?;
    }
    Some(())
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// A rough count of the closures an evaluation of `e` runs: quantifiers
/// multiply their body's by their domain's size.
fn cost(spec: &TypedSpec, e: &Expr) -> u64 {
    match &e.kind {
        ExprKind::Quant {
            quantifier,
            vars,
            domain,
            body,
        } => {
            let n = domain_size(spec, domain);
            let body_cost = match (&body.kind, quantifier, vars.len()) {
                // `exists a, b in D: P(a) && Q(b)` is two linear searches.
                (ExprKind::Binary(BinOp::And, l, r), Quantifier::Exists, 2) => {
                    return cost(spec, domain) + n * (cost(spec, l) + cost(spec, r));
                }
                // `v.var == constant` over instances: one test of words.
                (ExprKind::Binary(BinOp::Eq | BinOp::Ne, _, _), _, 1)
                    if matches!(domain.kind, ExprKind::All(_)) && cost(spec, body) <= 4 =>
                {
                    return 2;
                }
                _ => cost(spec, body),
            };
            let n = n.saturating_pow(vars.len() as u32);
            cost(spec, domain).saturating_add(n.saturating_mul(body_cost.saturating_add(1)))
        }
        _ => e
            .children()
            .into_iter()
            .fold(1u64, |c, x| c.saturating_add(cost(spec, x))),
    }
}

/// A guess at the number of elements of a domain.
fn domain_size(spec: &TypedSpec, domain: &Expr) -> u64 {
    match &domain.kind {
        ExprKind::All(ty) => values(spec, ty),
        ExprKind::SetLit(items) => items.len() as u64,
        ExprKind::Binary(BinOp::Range, _, _) => 4,
        _ => match &domain.ty {
            // A set value: half its possible elements, say.
            Type::Set(elem) => (values(spec, elem) / 2).clamp(1, 32),
            _ => 4,
        },
    }
}

/// The number of values of a type (saturating).
fn values(spec: &TypedSpec, ty: &Type) -> u64 {
    match ty {
        Type::Bool => 2,
        Type::Range { lo, hi } => (hi - lo + 1).max(0) as u64,
        Type::Node(k) => spec.nodes[*k].count as u64,
        Type::Enum(e) => spec.enums[*e].variants.len() as u64,
        Type::Set(t) => 1u64
            .checked_shl(values(spec, t).min(63) as u32)
            .unwrap_or(u64::MAX),
        Type::Option(t) => values(spec, t).saturating_add(1),
        Type::Tuple(ts) => ts
            .iter()
            .fold(1u64, |n, t| n.saturating_mul(values(spec, t))),
        Type::Record(fs) => fs
            .iter()
            .fold(1u64, |n, (_, t)| n.saturating_mul(values(spec, t))),
        _ => 64,
    }
}
