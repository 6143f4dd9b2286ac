//! Compiling typed expressions into closures over packed states.
//!
//! Invariant: an expression of integer type evaluates to the plain integer;
//! any other expression evaluates to its code in `Enc::of(expr.ty)`.

use std::sync::Arc;

use super::encoding::{Enc, Shape, mask};
use super::layout::Layout;
use super::value::{from_code, is_int, recode, to_code};
use super::{Ctx, ExprFn, LowerError, RtError, RtErrorKind, RtResult, halt};
use crate::syntax::ast::{Quantifier, Span};
use crate::typed::*;

pub(super) use super::facts::{Assumed, constant, is_compound_literal, mentions};
pub(crate) use super::value::Storer;

/// Compiles expressions and statements of one spec.
pub(crate) struct Lowerer<'s> {
    pub spec: &'s TypedSpec,
    pub layout: &'s Layout,
    pub errors: Vec<LowerError>,
    /// Whether costly expressions get a cache ([`Lowerer::memoise`]).
    pub memo: bool,
    /// How many did.
    pub memoised: usize,
    /// Locals bound by a `let` (a def's parameters) to a wide variable or
    /// a wide part of one, innermost last: read in place where they are
    /// named ([`super::wide_value`]).
    pub(crate) wide_locals: Vec<(LocalId, super::wide_parts::ValuePlace)>,
    /// What holds where the expression being compiled is evaluated (the
    /// conditions guarding it), for [`Lowerer::cannot_fail`].
    pub(crate) assumed: Assumed,
}

/// The set a quantifier or `for` ranges over.
#[derive(Clone)]
pub(crate) enum Domain {
    /// A fixed list of values (every value of a type).
    Values(Arc<Vec<i64>>),
    /// The integers from one bound to the other.
    IntRange(ExprFn, ExprFn),
    /// The elements of a set value.
    Set(ExprFn, Arc<Enc>),
    /// The elements of a set literal, without building the set (so they may
    /// be wider than a set can hold). Repeated values are visited once.
    Listed(Arc<Vec<ExprFn>>),
    /// The elements of a wide set variable, read in place.
    Wide(super::wide_set::WidePlace),
    /// The elements of a wide set of a union that a quantifier's body
    /// may decide on, read in place ([`super::wide_filter`]).
    WideFiltered(super::wide_set::WidePlace, Arc<super::wide_set::WideFilter>),
}

fn err(kind: RtErrorKind, span: Span) -> RtError {
    RtError { kind, span }
}

/// Stores expression value `v` of encoding `from` as a code of `to`.
#[inline]
pub(crate) fn store(v: i64, from: &Enc, to: &Enc, span: Span) -> RtResult<u64> {
    if is_int(to) {
        to_code(v, to, span)
    } else {
        recode(v as u64, from, to, span)
    }
}

/// Calls `f` with each element of the domain; stops early when `f` returns
/// false. Returns whether it ran to the end.
pub(crate) fn iterate(
    dom: &Domain,
    ctx: &Ctx,
    locals: &mut [i64],
    f: &mut dyn FnMut(i64, &mut [i64]) -> RtResult<bool>,
) -> RtResult<bool> {
    match dom {
        Domain::Values(vs) => {
            for &v in vs.iter() {
                halt::round()?;
                if !f(v, locals)? {
                    return Ok(false);
                }
            }
        }
        Domain::IntRange(lo, hi) => {
            let lo = lo(ctx, locals)?;
            let hi = hi(ctx, locals)?;
            let mut v = lo;
            while v <= hi {
                halt::round()?;
                if !f(v, locals)? {
                    return Ok(false);
                }
                v += 1;
            }
        }
        Domain::Listed(items) => {
            let mut seen: Vec<i64> = Vec::with_capacity(items.len());
            for item in items.iter() {
                let v = item(ctx, locals)?;
                if seen.contains(&v) {
                    continue;
                }
                seen.push(v);
            }
            // A set's order: by value (codes of one type order as values do).
            seen.sort_unstable();
            for v in seen {
                halt::round()?;
                if !f(v, locals)? {
                    return Ok(false);
                }
            }
        }
        Domain::Wide(place) => return super::wide_set::iterate_wide(place, ctx, locals, f),
        Domain::WideFiltered(place, filter) => {
            let words = place.words(ctx, locals)?;
            let set = &place.set;
            return filter.walk(ctx, locals, words, &mut |d, locals| {
                f(from_code(set.code(d), &set.elem), locals)
            });
        }
        Domain::Set(set, elem) => {
            let mut bits = set(ctx, locals)? as u64;
            while bits != 0 {
                let code = bits.trailing_zeros() as u64;
                bits &= bits - 1;
                halt::round()?;
                if !f(from_code(code, elem), locals)? {
                    return Ok(false);
                }
            }
        }
    }
    Ok(true)
}

/// Binds each of `vars` to every element (all combinations), calling `body`.
fn nest(
    dom: &Domain,
    vars: &[LocalId],
    ctx: &Ctx,
    locals: &mut [i64],
    body: &mut dyn FnMut(&mut [i64]) -> RtResult<bool>,
) -> RtResult<bool> {
    match vars.split_first() {
        None => body(locals),
        Some((v, rest)) => iterate(dom, ctx, locals, &mut |x, locals| {
            locals[*v] = x;
            nest(dom, rest, ctx, locals, body)
        }),
    }
}

/// The elements of set `code` (of encoding `from`) that `to`'s elements
/// can hold, as a set of `to`.
fn restrict(code: u64, from: &Enc, to: &Enc) -> u64 {
    let (Shape::Set(a), Shape::Set(b)) = (&from.shape, &to.shape) else {
        return 0;
    };
    let mut out = 0u64;
    let mut bits = code;
    while bits != 0 {
        let c = bits.trailing_zeros() as u64;
        bits &= bits - 1;
        if let Ok(d) = recode(c, a, b, Span::default()) {
            out |= 1 << d;
        }
    }
    out
}

/// Stores a value into another type ([`Lowerer::converter`]).
type Convert = Arc<dyn Fn(i64) -> RtResult<i64> + Send + Sync>;

/// A closure that puts a value into a given encoding, or says that the
/// encoding cannot hold it ([`Lowerer::encode_into`]).
pub(super) type Into = Arc<dyn Fn(&Ctx, &mut [i64]) -> RtResult<Option<u64>> + Send + Sync>;

/// `forall` (else `exists`) of one variable over a fixed list of values, as
/// a plain loop (the same result as through [`nest`]). A `strict` loop
/// evaluates the body for every value before it answers
/// ([`Lowerer::cannot_fail`]).
pub(super) fn quant_values(
    forall: bool,
    values: Arc<Vec<i64>>,
    var: LocalId,
    body: ExprFn,
    strict: bool,
) -> ExprFn {
    if strict {
        return Arc::new(move |ctx, locals| {
            let mut decided = false;
            for &v in values.iter() {
                halt::round()?;
                locals[var] = v;
                decided |= (body(ctx, locals)? != 0) != forall;
            }
            Ok((decided != forall) as i64)
        });
    }
    Arc::new(move |ctx, locals| {
        for &v in values.iter() {
            halt::round()?;
            locals[var] = v;
            if (body(ctx, locals)? != 0) != forall {
                return Ok(!forall as i64);
            }
        }
        Ok(forall as i64)
    })
}

/// `forall` (else `exists`) of `vars` over `dom` through [`nest`]; `strict`
/// as in [`quant_values`].
pub(super) fn quant_nest(
    forall: bool,
    dom: Domain,
    vars: Vec<LocalId>,
    body: ExprFn,
    strict: bool,
) -> ExprFn {
    Arc::new(move |ctx, locals| {
        let mut decided = false;
        nest(&dom, &vars, ctx, locals, &mut |locals| {
            decided |= (body(ctx, locals)? != 0) != forall;
            Ok(strict || !decided)
        })?;
        Ok((decided != forall) as i64)
    })
}

impl<'s> Lowerer<'s> {
    /// The code `base | items`, each item stored into its part (at its
    /// offset, in its encoding): a tuple, a record, a union's payload.
    pub(super) fn product(
        &mut self,
        base: u64,
        items: &[Expr],
        parts: Vec<(u32, Enc)>,
        node: Option<NodeKindId>,
        span: Span,
    ) -> ExprFn {
        let items: Vec<(ExprFn, Storer, u32)> = items
            .iter()
            .zip(parts)
            .map(|(item, (offset, part))| {
                let to = Storer::new(&self.enc(&item.ty, item.span), &part);
                (self.expr(item, node), to, offset)
            })
            .collect();
        Arc::new(move |ctx, locals| {
            let mut code = base;
            for (item, to, offset) in &items {
                code |= to.store(item(ctx, locals)?, span)? << offset;
            }
            Ok(code as i64)
        })
    }

    pub(crate) fn new(spec: &'s TypedSpec, layout: &'s Layout) -> Lowerer<'s> {
        Lowerer {
            spec,
            layout,
            errors: Vec::new(),
            memo: true,
            memoised: 0,
            wide_locals: Vec::new(),
            assumed: Assumed::default(),
        }
    }

    /// The code of an expression whose type could not be packed: the
    /// error is recorded ([`Self::enc`] gave a stand-in encoding of another
    /// shape), and a model with errors is never explored.
    pub(super) fn unpackable(&self, what: &str) -> ExprFn {
        assert!(!self.errors.is_empty(), "{what}");
        Arc::new(|_, _| Ok(0))
    }

    /// The packing of a type; a capacity error is recorded.
    pub(crate) fn enc(&mut self, ty: &Type, span: Span) -> Enc {
        match Enc::of(ty, self.spec) {
            Ok(e) => e,
            Err(error) => {
                // A set that would be wide as a variable, used as a value.
                if let (super::encoding::EncError::SetTooLarge { .. }, Type::Set(elem)) =
                    (&error, ty)
                    && let Ok(set) = super::wide_set::WideSet::of(elem, self.spec)
                {
                    self.push_wide_value(span, set.elements() as u64, None);
                    return Enc::of(&Type::Bool, self.spec).expect("bool packs");
                }
                // A value that would be wide as a variable.
                if super::wide_parts::WideValue::of(ty, self.spec).is_ok() {
                    self.refuse_wide_compound(span, None);
                    return Enc::of(&Type::Bool, self.spec).expect("bool packs");
                }
                self.errors.push(LowerError {
                    what: "a value of this expression".into(),
                    error,
                    span,
                });
                Enc::of(&Type::Bool, self.spec).expect("bool packs")
            }
        }
    }

    /// Compiles a domain (the right side of `forall x in ...` or `for x in ...`).
    pub(crate) fn domain(&mut self, e: &Expr, node: Option<NodeKindId>) -> Domain {
        match &e.kind {
            ExprKind::All(ty) => {
                let enc = self.enc(ty, e.span);
                match enc.domain() {
                    Some(codes) => Domain::Values(Arc::new(
                        codes.into_iter().map(|c| from_code(c, &enc)).collect(),
                    )),
                    None => {
                        self.errors.push(LowerError {
                            what: "the domain of this quantifier".into(),
                            error: super::encoding::EncError::TooManyValues,
                            span: e.span,
                        });
                        Domain::Values(Arc::new(Vec::new()))
                    }
                }
            }
            ExprKind::Binary(BinOp::Range, a, b) => {
                Domain::IntRange(self.expr(a, node), self.expr(b, node))
            }
            ExprKind::SetLit(items) => {
                Domain::Listed(Arc::new(items.iter().map(|i| self.expr(i, node)).collect()))
            }
            _ => {
                if let Some(place) = self.wide_place(e, node) {
                    return Domain::Wide(place);
                }
                let enc = self.enc(&e.ty, e.span);
                let elem = match &enc.shape {
                    Shape::Set(elem) => (**elem).clone(),
                    _ => enc.clone(),
                };
                Domain::Set(self.expr(e, node), Arc::new(elem))
            }
        }
    }

    /// What storing a value of type `from` into type `to` takes (a `let`'s
    /// binding, a def's argument or result): `None` when the value stays
    /// as it is, else a check (an integer range) or a recoding that fails
    /// when `to` cannot hold the value.
    fn converter(&mut self, from: &Type, to: &Type, span: Span) -> Option<Convert> {
        match (from, to) {
            (_, Type::Int) => None,
            (Type::Range { lo: a, hi: b }, Type::Range { lo, hi }) if lo <= a && b <= hi => None,
            (_, &Type::Range { lo, hi }) => Some(Arc::new(move |v| {
                if v < lo || v > hi {
                    return Err(err(RtErrorKind::OutOfDomain { value: v, lo, hi }, span));
                }
                Ok(v)
            })),
            _ => {
                let (from, to) = (self.enc(from, span), self.enc(to, span));
                if from == to {
                    return None;
                }
                let storer = Storer::new(&from, &to);
                Some(Arc::new(move |v| Ok(storer.store(v, span)? as i64)))
            }
        }
    }

    /// Whether evaluating `e` where the expression being compiled is
    /// cannot fail ([`super::facts::cannot_fail`], with what holds there).
    pub(super) fn cannot_fail(&self, e: &Expr) -> bool {
        super::facts::cannot_fail_assuming(e, self.spec, &self.assumed)
    }

    /// [`Self::expr`] of `e`, which runs only where `cond` evaluated to
    /// `truth`.
    pub(super) fn expr_where(
        &mut self,
        cond: &Expr,
        truth: bool,
        e: &Expr,
        node: Option<NodeKindId>,
    ) -> ExprFn {
        let mark = self.assumed.mark();
        self.assumed.assume(cond, truth);
        let ex = self.expr(e, node);
        self.assumed.forget_since(mark);
        ex
    }

    /// Compiles an expression of the code of node kind `node` (or of a
    /// property when `None`).
    pub(crate) fn expr(&mut self, e: &Expr, node: Option<NodeKindId>) -> ExprFn {
        match self.memoise(e, node) {
            Some(ex) => ex,
            None => self.expr_direct(e, node),
        }
    }

    /// [`Self::expr`] without a cache for `e` itself.
    pub(super) fn expr_direct(&mut self, e: &Expr, node: Option<NodeKindId>) -> ExprFn {
        let span = e.span;
        if matches!(e.ty, Type::Set(_)) && self.refuse_wide_value(e, &[], node) {
            return self.unpackable("a wide set as a value");
        }
        if self.layout.has_wide
            && let Some(ex) = self.wide_value_expr(e, node)
        {
            return ex;
        }
        match &e.kind {
            ExprKind::Bool(b) => {
                let v = *b as i64;
                Arc::new(move |_, _| Ok(v))
            }
            ExprKind::Int(n) => {
                let v = *n;
                Arc::new(move |_, _| Ok(v))
            }
            ExprKind::Variant(_, i) => {
                let v = *i as i64;
                Arc::new(move |_, _| Ok(v))
            }
            ExprKind::None => Arc::new(|_, _| Ok(0)),
            ExprKind::SelfId => Arc::new(|ctx, _| Ok(ctx.self_inst as i64)),
            ExprKind::Instance(k, index) => {
                let count = self.spec.nodes[*k].count as i64;
                let index = self.expr(index, node);
                Arc::new(move |ctx, locals| {
                    let i = index(ctx, locals)?;
                    if i < 0 || i >= count {
                        return Err(err(
                            RtErrorKind::OutOfDomain {
                                value: i,
                                lo: 0,
                                hi: count - 1,
                            },
                            span,
                        ));
                    }
                    Ok(i)
                })
            }
            ExprKind::Var(v) => {
                let k = node.expect("typeck: own variables only inside nodes");
                let var = &self.layout.kinds[k].vars[*v];
                let slots = var.slots.clone();
                let enc = var.enc.clone();
                if let Shape::Int { lo, .. } = enc.shape {
                    Arc::new(move |ctx, _| {
                        Ok(lo + slots[ctx.self_inst as usize].read(ctx.words) as i64)
                    })
                } else {
                    Arc::new(move |ctx, _| Ok(slots[ctx.self_inst as usize].read(ctx.words) as i64))
                }
            }
            ExprKind::RemoteVar {
                node: which,
                kind,
                var,
            } => {
                let which = self.expr(which, node);
                let var = &self.layout.kinds[*kind].vars[*var];
                let slots = var.slots.clone();
                let enc = var.enc.clone();
                Arc::new(move |ctx, locals| {
                    let i = which(ctx, locals)? as usize;
                    Ok(from_code(slots[i].read(ctx.words), &enc))
                })
            }
            ExprKind::Local(id) => {
                let id = *id;
                Arc::new(move |_, locals| Ok(locals[id]))
            }
            ExprKind::Unary(op, inner) => {
                let inner = self.expr(inner, node);
                match op {
                    UnOp::Not => Arc::new(move |ctx, locals| Ok((inner(ctx, locals)? == 0) as i64)),
                    UnOp::Neg => Arc::new(move |ctx, locals| {
                        inner(ctx, locals)?
                            .checked_neg()
                            .ok_or_else(|| err(RtErrorKind::Overflow, span))
                    }),
                }
            }
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, e, node),
            ExprKind::Field(base, index) | ExprKind::TupleField(base, index) => {
                let enc = self.enc(&base.ty, base.span);
                let base = self.expr(base, node);
                let Shape::Product(parts) = &enc.shape else {
                    return self.unpackable("typeck: fields of records and tuples only");
                };
                let (offset, part) = parts[*index].clone();
                Arc::new(move |ctx, locals| {
                    let code = base(ctx, locals)? as u64;
                    Ok(from_code((code >> offset) & mask(part.bits), &part))
                })
            }
            ExprKind::MapGet(map, key) => {
                let enc = self.enc(&map.ty, map.span);
                let Shape::Map {
                    key: kenc,
                    value: venc,
                } = enc.shape
                else {
                    return self.unpackable("typeck: map lookups on maps only");
                };
                let key_to = Storer::new(&self.enc(&key.ty, key.span), &kenc);
                let map = self.expr(map, node);
                let key = self.expr(key, node);
                Arc::new(move |ctx, locals| {
                    let m = map(ctx, locals)? as u64;
                    let k = key_to.store(key(ctx, locals)?, span)?;
                    let shift = k * venc.bits as u64;
                    Ok(from_code((m >> shift) & mask(venc.bits), &venc))
                })
            }
            ExprKind::SeqGet(seq, index) => {
                let enc = self.enc(&seq.ty, seq.span);
                let Shape::Seq { elem, len_bits, .. } = enc.shape else {
                    return self.unpackable("typeck: sequence indexing on sequences only");
                };
                let seq = self.expr(seq, node);
                let index = self.expr(index, node);
                Arc::new(move |ctx, locals| {
                    let s = seq(ctx, locals)? as u64;
                    let i = index(ctx, locals)?;
                    let len = (s & mask(len_bits)) as i64;
                    if i < 0 || i >= len {
                        return Err(err(RtErrorKind::IndexOutOfRange { index: i, len }, span));
                    }
                    let shift = len_bits as u64 + i as u64 * elem.bits as u64;
                    Ok(from_code((s >> shift) & mask(elem.bits), &elem))
                })
            }
            ExprKind::Call(builtin, args) => self.call(*builtin, args, e, node),
            ExprKind::Quant {
                quantifier,
                vars,
                domain,
                body,
            } => {
                if let Some(split) = self.split_exists(*quantifier, vars, domain, body, node) {
                    return split;
                }
                let mut dom = self.domain(domain, node);
                // Over a wide set of a union, only the members that can
                // decide (`false` for `forall`, `true` for the others).
                if let (
                    Domain::Wide(place),
                    [var],
                    Quantifier::Forall | Quantifier::Exists | Quantifier::Count,
                ) = (&dom, vars.as_slice(), quantifier)
                {
                    let want = *quantifier != Quantifier::Forall;
                    if let Some(filter) =
                        self.wide_filter(&place.set.clone(), *var, body, want, node)
                    {
                        dom = Domain::WideFiltered(place.clone(), filter);
                    }
                }
                let strict = !self.cannot_fail(body);
                if let (Domain::Values(vs), [var], Quantifier::Forall | Quantifier::Exists) =
                    (&dom, vars.as_slice(), quantifier)
                {
                    let forall = *quantifier == Quantifier::Forall;
                    if let Some(ex) = self.quant_field(forall, vs, *var, body) {
                        return ex;
                    }
                    let body = self.expr(body, node);
                    return quant_values(forall, vs.clone(), *var, body, strict);
                }
                let body = self.expr(body, node);
                let vars = vars.clone();
                match quantifier {
                    Quantifier::Forall => quant_nest(true, dom, vars, body, strict),
                    Quantifier::Exists => quant_nest(false, dom, vars, body, strict),
                    // Summed in `i128` (no `i64` terms add up past it) and
                    // checked once at the end, so that whether a sum
                    // overflows does not depend on the order of its terms.
                    Quantifier::Sum => Arc::new(move |ctx, locals| {
                        let mut total = 0i128;
                        nest(&dom, &vars, ctx, locals, &mut |locals| {
                            total += body(ctx, locals)? as i128;
                            Ok(true)
                        })?;
                        i64::try_from(total).map_err(|_| err(RtErrorKind::Overflow, span))
                    }),
                    Quantifier::Min | Quantifier::Max => {
                        let max = *quantifier == Quantifier::Max;
                        Arc::new(move |ctx, locals| {
                            let mut best: Option<i64> = None;
                            nest(&dom, &vars, ctx, locals, &mut |locals| {
                                let v = body(ctx, locals)?;
                                best = Some(match best {
                                    Some(b) if max => b.max(v),
                                    Some(b) => b.min(v),
                                    None => v,
                                });
                                Ok(true)
                            })?;
                            best.ok_or_else(|| err(RtErrorKind::EmptyDomain { max }, span))
                        })
                    }
                    Quantifier::Count => Arc::new(move |ctx, locals| {
                        let mut n = 0i64;
                        nest(&dom, &vars, ctx, locals, &mut |locals| {
                            if body(ctx, locals)? != 0 {
                                n += 1;
                            }
                            Ok(true)
                        })?;
                        Ok(n)
                    }),
                }
            }
            ExprKind::Let {
                bindings,
                body,
                checked,
            } => {
                let mut steps: Vec<(LocalId, ExprFn, Option<Convert>)> = Vec::new();
                let aliases = self.wide_locals.len();
                for (local, ty, value) in bindings {
                    if self.layout.has_wide
                        && let Some(bind) = self.bind_wide(*local, ty, value, node)
                    {
                        steps.push((*local, bind, None));
                        continue;
                    }
                    let convert = if *checked {
                        self.converter(&value.ty, ty, value.span)
                    } else {
                        None
                    };
                    steps.push((*local, self.expr(value, node), convert));
                }
                let convert = if *checked {
                    self.converter(&body.ty, &e.ty, body.span)
                } else {
                    None
                };
                let body = self.expr(body, node);
                self.wide_locals.truncate(aliases);
                Arc::new(move |ctx, locals| {
                    for (local, value, convert) in &steps {
                        let v = value(ctx, locals)?;
                        locals[*local] = match convert {
                            Some(c) => c(v)?,
                            None => v,
                        };
                    }
                    let v = body(ctx, locals)?;
                    match &convert {
                        Some(c) => c(v),
                        None => Ok(v),
                    }
                })
            }
            ExprKind::All(ty) => {
                let enc = self.enc(ty, span);
                let set_enc = self.enc(&e.ty, span);
                let m = enc
                    .domain()
                    .filter(|_| matches!(set_enc.shape, Shape::Set(_)))
                    .map(|codes| codes.iter().fold(0u64, |m, c| m | (1u64 << c)));
                match m {
                    Some(m) => Arc::new(move |_, _| Ok(m as i64)),
                    None => {
                        self.errors.push(LowerError {
                            what: "this set of every value".into(),
                            error: super::encoding::EncError::SetTooLarge {
                                elem_bits: enc.bits,
                            },
                            span,
                        });
                        Arc::new(|_, _| Ok(0))
                    }
                }
            }
            ExprKind::If(cond, t, f) => {
                let c = self.expr(cond, node);
                // A branch whose type packs differently from the whole's
                // (`(v, 0)` of `(-1..0, 0..0)` in an `if` of `(-1..0,
                // 0..3)`) is put into the whole's encoding.
                let branch = |this: &mut Self, b: &Expr, truth: bool| -> ExprFn {
                    let x = this.expr_where(cond, truth, b, node);
                    if e.ty.is_int() {
                        return x;
                    }
                    let (from, to) = (this.enc(&b.ty, b.span), this.enc(&e.ty, span));
                    if from == to {
                        return x;
                    }
                    let to = Storer::new(&from, &to);
                    Arc::new(move |ctx, locals| Ok(to.store(x(ctx, locals)?, span)? as i64))
                };
                let (t, f) = (branch(self, t, true), branch(self, f, false));
                Arc::new(move |ctx, locals| {
                    if c(ctx, locals)? != 0 {
                        t(ctx, locals)
                    } else {
                        f(ctx, locals)
                    }
                })
            }
            ExprKind::Construct(_, v, items) => self.construct(e, *v, items, node),
            ExprKind::Is(x, v) => self.is_variant(x, *v, node),
            ExprKind::Match(x, arms) => self.match_union(e, x, arms, node),
            ExprKind::Tuple(items) | ExprKind::Record(items) => {
                let enc = self.enc(&e.ty, span);
                let Shape::Product(parts) = enc.shape else {
                    return self.unpackable("typeck: tuples and records are products");
                };
                self.product(0, items, parts, node, span)
            }
            ExprKind::SetLit(items) => {
                let enc = self.enc(&e.ty, span);
                let Shape::Set(elem) = enc.shape else {
                    return self.unpackable("typeck: set literals are sets");
                };
                let items: Vec<(ExprFn, Storer)> = items
                    .iter()
                    .map(|i| {
                        (
                            self.expr(i, node),
                            Storer::new(&self.enc(&i.ty, i.span), &elem),
                        )
                    })
                    .collect();
                Arc::new(move |ctx, locals| {
                    let mut m = 0u64;
                    for (item, to) in &items {
                        m |= 1u64 << to.store(item(ctx, locals)?, span)?;
                    }
                    Ok(m as i64)
                })
            }
            ExprKind::SeqLit(items) => {
                let enc = self.enc(&e.ty, span);
                let Shape::Seq {
                    elem,
                    len_bits,
                    max_len,
                } = enc.shape
                else {
                    return self.unpackable("typeck: sequence literals are sequences");
                };
                if items.len() > max_len as usize {
                    let n = items.len();
                    return Arc::new(move |_, _| {
                        Err(err(RtErrorKind::SeqFull { max: max_len }, span)).map(|()| n as i64)
                    });
                }
                let items: Vec<(ExprFn, Storer)> = items
                    .iter()
                    .map(|i| {
                        (
                            self.expr(i, node),
                            Storer::new(&self.enc(&i.ty, i.span), &elem),
                        )
                    })
                    .collect();
                Arc::new(move |ctx, locals| {
                    let mut code = items.len() as u64;
                    for (index, (item, to)) in items.iter().enumerate() {
                        let c = to.store(item(ctx, locals)?, span)?;
                        code |= c << (len_bits as u64 + index as u64 * elem.bits as u64);
                    }
                    Ok(code as i64)
                })
            }
            ExprKind::MapLit { entries, default } => {
                let enc = self.enc(&e.ty, span);
                let Shape::Map { key, value } = enc.shape else {
                    return self.unpackable("typeck: map literals are maps");
                };
                let keys: Arc<Vec<u64>> = Arc::new(key.domain().unwrap_or_default());
                let default = default.as_ref().map(|d| {
                    let to = Storer::new(&self.enc(&d.ty, d.span), &value);
                    (self.expr(d, node), to)
                });
                let entries: Vec<(ExprFn, Storer, ExprFn, Storer)> = entries
                    .iter()
                    .map(|(k, v)| {
                        (
                            self.expr(k, node),
                            Storer::new(&self.enc(&k.ty, k.span), &key),
                            self.expr(v, node),
                            Storer::new(&self.enc(&v.ty, v.span), &value),
                        )
                    })
                    .collect();
                Arc::new(move |ctx, locals| {
                    let mut code = 0u64;
                    let mut filled = 0u64;
                    let fallback = match &default {
                        Some((d, _)) => Some(d(ctx, locals)?),
                        None => None,
                    };
                    for (k, kto, v, vto) in &entries {
                        let k = kto.store(k(ctx, locals)?, span)?;
                        let c = vto.store(v(ctx, locals)?, span)?;
                        let shift = k * value.bits as u64;
                        code = (code & !(mask(value.bits) << shift)) | (c << shift);
                        filled |= 1 << k;
                    }
                    // `_ -> v` fills the keys no entry gave; `v` is stored
                    // only when one is left.
                    if let (Some(v), Some((_, to))) = (fallback, &default)
                        && keys.iter().any(|k| filled >> k & 1 == 0)
                    {
                        let c = to.store(v, span)?;
                        for k in keys.iter().filter(|k| filled >> **k & 1 == 0) {
                            code |= c << (k * value.bits as u64);
                        }
                        filled = u64::MAX;
                    }
                    if keys.iter().any(|k| filled >> k & 1 == 0) {
                        return Err(err(RtErrorKind::MapIncomplete, span));
                    }
                    Ok(code as i64)
                })
            }
        }
    }

    /// Compiles `e` into a code of `target`, the encoding of a type
    /// compatible with `e`'s, or `None` when `target` cannot hold the
    /// value. Literals ([`is_compound_literal`]) are put together part by part
    /// in `target`'s parts, so that no part is first packed in the
    /// literal's own type (where an integer would have to lie in
    /// `0..63`); every part is evaluated, as the literal would be.
    pub(super) fn encode_into(&mut self, target: &Enc, e: &Expr, node: Option<NodeKindId>) -> Into {
        match (&e.kind, &target.shape) {
            (ExprKind::Tuple(items) | ExprKind::Record(items), Shape::Product(parts))
                if items.len() == parts.len() =>
            {
                let parts: Vec<(Into, u32)> = items
                    .iter()
                    .zip(parts)
                    .map(|(item, (offset, part))| (self.encode_into(part, item, node), *offset))
                    .collect();
                Arc::new(move |ctx, locals| {
                    let mut code = Some(0u64);
                    for (part, offset) in &parts {
                        let c = part(ctx, locals)?;
                        code = code.zip(c).map(|(code, c)| code | c << offset);
                    }
                    Ok(code)
                })
            }
            (ExprKind::If(c, t, f), _) if is_compound_literal(e) => {
                let c = self.expr(c, node);
                let (t, f) = (
                    self.encode_into(target, t, node),
                    self.encode_into(target, f, node),
                );
                Arc::new(move |ctx, locals| {
                    if c(ctx, locals)? != 0 {
                        t(ctx, locals)
                    } else {
                        f(ctx, locals)
                    }
                })
            }
            (ExprKind::Call(Builtin::Some, args), Shape::Option(inner)) if args.len() == 1 => {
                let arg = self.encode_into(inner, &args[0], node);
                Arc::new(move |ctx, locals| Ok(arg(ctx, locals)?.map(|c| (c << 1) | 1)))
            }
            (
                ExprKind::SeqLit(items),
                Shape::Seq {
                    elem,
                    max_len,
                    len_bits,
                },
            ) => {
                let fits = items.len() <= *max_len as usize;
                let (elem, len_bits) = (elem.clone(), *len_bits);
                let items: Vec<Into> = items
                    .iter()
                    .map(|item| self.encode_into(&elem, item, node))
                    .collect();
                Arc::new(move |ctx, locals| {
                    let mut code = Some(items.len() as u64);
                    for (index, item) in items.iter().enumerate() {
                        let c = item(ctx, locals)?;
                        let shift = len_bits as u64 + index as u64 * elem.bits as u64;
                        code = code.zip(c).map(|(code, c)| code | c << shift);
                    }
                    // Longer than the type allows: no value of it.
                    Ok(code.filter(|_| fits))
                })
            }
            (ExprKind::MapLit { entries, default }, Shape::Map { key, value }) => {
                let keys = key.domain().unwrap_or_default();
                let (vbits, span) = (value.bits as u64, e.span);
                let default = default.as_ref().map(|d| self.encode_into(value, d, node));
                let entries: Vec<(Into, Into)> = entries
                    .iter()
                    .map(|(k, v)| {
                        (
                            self.encode_into(key, k, node),
                            self.encode_into(value, v, node),
                        )
                    })
                    .collect();
                Arc::new(move |ctx, locals| {
                    let mut code = Some(0u64);
                    let mut filled = 0u64;
                    let fallback = match &default {
                        Some(d) => Some(d(ctx, locals)?),
                        None => None,
                    };
                    for (k, v) in &entries {
                        let (k, c) = (k(ctx, locals)?, v(ctx, locals)?);
                        if let Some(k) = k {
                            filled |= 1 << k;
                            code = code.zip(c).map(|(code, c)| {
                                (code & !(mask(vbits as u32) << (k * vbits))) | c << (k * vbits)
                            });
                        } else {
                            code = None;
                        }
                    }
                    // `_ -> v` fills the keys no entry gave: `v` matters
                    // only when one is left.
                    if let Some(c) = fallback {
                        let left = !filled;
                        for k in keys.iter().filter(|k| left >> **k & 1 == 1) {
                            code = code.zip(c).map(|(code, c)| code | c << (k * vbits));
                            filled |= 1 << k;
                        }
                    }
                    // A map literal must give every key a value, compared
                    // or not.
                    if code.is_some() && keys.iter().any(|k| filled >> k & 1 == 0) {
                        return Err(err(RtErrorKind::MapIncomplete, span));
                    }
                    Ok(code)
                })
            }
            (ExprKind::SetLit(items), Shape::Set(elem)) => {
                let items: Vec<Into> = items
                    .iter()
                    .map(|item| self.encode_into(elem, item, node))
                    .collect();
                Arc::new(move |ctx, locals| {
                    let mut code = Some(0u64);
                    for item in &items {
                        let c = item(ctx, locals)?;
                        code = code.zip(c).map(|(code, c)| code | 1 << c);
                    }
                    Ok(code)
                })
            }
            _ => {
                let to = Storer::new(&self.enc(&e.ty, e.span), target);
                let x = self.expr(e, node);
                let span = e.span;
                Arc::new(move |ctx, locals| Ok(to.store(x(ctx, locals)?, span).ok()))
            }
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        a: &Expr,
        b: &Expr,
        e: &Expr,
        node: Option<NodeKindId>,
    ) -> ExprFn {
        if let Some(ex) = self.wide_binary(op, a, b, e, node) {
            return ex;
        }
        if self.layout.has_wide
            && let Some(ex) = self.wide_value_binary(op, a, b, e, node)
        {
            return ex;
        }
        if self.layout.has_wide && self.refuse_wide_value(e, &[a, b], node) {
            return self.unpackable("a wide set as an operand");
        }
        if op == BinOp::InSet
            && let ExprKind::SetLit(items) = &b.kind
            && !is_compound_literal(a)
        {
            return self.in_listed(a, items, node);
        }
        if matches!(op, BinOp::Diff | BinOp::Inter)
            && let ExprKind::SetLit(items) = &b.kind
        {
            return self.minus_listed(op, a, items, e, node);
        }
        let span = e.span;
        let ea = self.enc(&a.ty, a.span);
        let eb = self.enc(&b.ty, b.span);
        let int_operands = a.ty.is_int();
        let x = self.expr(a, node);
        let y = match op {
            BinOp::And | BinOp::Implies => self.expr_where(a, true, b, node),
            BinOp::Or => self.expr_where(a, false, b, node),
            _ => self.expr(b, node),
        };
        macro_rules! arith {
            ($f:expr) => {
                Arc::new(move |ctx, locals| {
                    let p = x(ctx, locals)?;
                    let q = y(ctx, locals)?;
                    $f(p, q).ok_or_else(|| err(RtErrorKind::Overflow, span))
                })
            };
        }
        match op {
            BinOp::And => Arc::new(move |ctx, locals| {
                Ok((x(ctx, locals)? != 0 && y(ctx, locals)? != 0) as i64)
            }),
            BinOp::Or => Arc::new(move |ctx, locals| {
                Ok((x(ctx, locals)? != 0 || y(ctx, locals)? != 0) as i64)
            }),
            BinOp::Implies => Arc::new(move |ctx, locals| {
                Ok((x(ctx, locals)? == 0 || y(ctx, locals)? != 0) as i64)
            }),
            BinOp::Eq | BinOp::Ne => {
                let want = op == BinOp::Eq;
                // A tuple, record or set literal is put into the other
                // side's encoding part by part: a literal that the other
                // side's type cannot hold (`t == (true, 5)` with `t: (bool,
                // -1..1)`) is unequal to it, not a failed evaluation.
                if !int_operands && is_compound_literal(a) != is_compound_literal(b) {
                    return if is_compound_literal(b) {
                        let lit = self.encode_into(&ea, b, node);
                        Arc::new(move |ctx, locals| {
                            let p = x(ctx, locals)? as u64;
                            Ok(((lit(ctx, locals)? == Some(p)) == want) as i64)
                        })
                    } else {
                        let lit = self.encode_into(&eb, a, node);
                        Arc::new(move |ctx, locals| {
                            let p = lit(ctx, locals)?;
                            Ok(((p == Some(y(ctx, locals)? as u64)) == want) as i64)
                        })
                    };
                }
                if int_operands || ea == eb {
                    if let Some(ex) = self.field_equals(a, b, want, node) {
                        return ex;
                    }
                    if let Some(c) = constant(b) {
                        return Arc::new(move |ctx, locals| {
                            Ok(((x(ctx, locals)? == c) == want) as i64)
                        });
                    }
                    Arc::new(move |ctx, locals| {
                        Ok(((x(ctx, locals)? == y(ctx, locals)?) == want) as i64)
                    })
                } else {
                    Arc::new(move |ctx, locals| {
                        let p = x(ctx, locals)? as u64;
                        let q = y(ctx, locals)? as u64;
                        // A value outside the other side's domain is unequal.
                        let same = recode(q, &eb, &ea, span).is_ok_and(|q| q == p);
                        Ok((same == want) as i64)
                    })
                }
            }
            BinOp::Lt => {
                Arc::new(move |ctx, locals| Ok((x(ctx, locals)? < y(ctx, locals)?) as i64))
            }
            BinOp::Le => {
                Arc::new(move |ctx, locals| Ok((x(ctx, locals)? <= y(ctx, locals)?) as i64))
            }
            BinOp::Gt => {
                Arc::new(move |ctx, locals| Ok((x(ctx, locals)? > y(ctx, locals)?) as i64))
            }
            BinOp::Ge => {
                Arc::new(move |ctx, locals| Ok((x(ctx, locals)? >= y(ctx, locals)?) as i64))
            }
            BinOp::Add => arith!(i64::checked_add),
            BinOp::Sub => arith!(i64::checked_sub),
            BinOp::Mul => arith!(i64::checked_mul),
            BinOp::Div | BinOp::Rem => {
                let div = op == BinOp::Div;
                Arc::new(move |ctx, locals| {
                    let p = x(ctx, locals)?;
                    let q = y(ctx, locals)?;
                    if q == 0 {
                        return Err(err(RtErrorKind::DivByZero, span));
                    }
                    // Rounds toward zero, as Rust and C do (docs/language.md).
                    let r = if div {
                        p.checked_div(q)
                    } else {
                        p.checked_rem(q)
                    };
                    r.ok_or_else(|| err(RtErrorKind::Overflow, span))
                })
            }
            BinOp::InSet => {
                let Shape::Set(elem) = eb.shape.clone() else {
                    return self.unpackable("typeck: `in` a set");
                };
                if is_compound_literal(a) {
                    let lit = self.encode_into(&elem, a, node);
                    return Arc::new(move |ctx, locals| {
                        let code = lit(ctx, locals)?;
                        let s = y(ctx, locals)? as u64;
                        Ok(code.map_or(0, |code| (s >> code) & 1) as i64)
                    });
                }
                let to = Storer::new(&ea, &elem);
                Arc::new(move |ctx, locals| {
                    let v = x(ctx, locals)?;
                    let s = y(ctx, locals)? as u64;
                    Ok(match to.store(v, span) {
                        Ok(code) => (s >> code) & 1,
                        Err(_) => 0,
                    } as i64)
                })
            }
            BinOp::InSeq => {
                let Shape::Seq { elem, len_bits, .. } = eb.shape.clone() else {
                    return self.unpackable("typeck: `in` a sequence");
                };
                let into = if is_compound_literal(a) {
                    self.encode_into(&elem, a, node)
                } else {
                    let to = Storer::new(&ea, &elem);
                    Arc::new(move |ctx: &Ctx, locals: &mut [i64]| {
                        Ok(to.store(x(ctx, locals)?, span).ok())
                    })
                };
                Arc::new(move |ctx, locals| {
                    let code = into(ctx, locals)?;
                    let s = y(ctx, locals)? as u64;
                    // A value the element type cannot hold is not in it.
                    let Some(code) = code else {
                        return Ok(0);
                    };
                    let len = s & mask(len_bits);
                    let found = (0..len).any(|i| {
                        (s >> (len_bits as u64 + i * elem.bits as u64)) & mask(elem.bits) == code
                    });
                    Ok(found as i64)
                })
            }
            BinOp::Range => {
                // A range used as a value: a set of small integers.
                let enc = self.enc(&e.ty, span);
                let Shape::Set(elem) = enc.shape else {
                    // Too large to pack: `enc` recorded the error, and the
                    // spec is not explored.
                    return Arc::new(|_, _| Ok(0));
                };
                Arc::new(move |ctx, locals| {
                    let lo = x(ctx, locals)?;
                    let hi = y(ctx, locals)?;
                    let mut m = 0u64;
                    let mut v = lo;
                    while v <= hi {
                        m |= 1u64 << to_code(v, &elem, span)?;
                        v += 1;
                    }
                    Ok(m as i64)
                })
            }
            BinOp::Union | BinOp::Diff | BinOp::Inter | BinOp::Subset => {
                // `p <= q` compares in q's domain: q's elements outside
                // p's domain do not matter, and p's outside q's make p no
                // subset. The others compute in the result's domain.
                let to = if op == BinOp::Subset {
                    eb.clone()
                } else {
                    self.enc(&e.ty, span)
                };
                let same_a = ea == to;
                let same_b = eb == to;
                Arc::new(move |ctx, locals| {
                    let p = x(ctx, locals)? as u64;
                    let q = y(ctx, locals)? as u64;
                    let p = if same_a {
                        p
                    } else if op == BinOp::Subset {
                        // An element outside q's domain is not in q.
                        match recode(p, &ea, &to, span) {
                            Ok(p) => p,
                            Err(_) => return Ok(0),
                        }
                    } else {
                        recode(p, &ea, &to, span)?
                    };
                    let q = if same_b {
                        q
                    } else if matches!(op, BinOp::Diff | BinOp::Inter) {
                        // q's elements outside the result's domain take
                        // nothing away from p and add nothing to p & q.
                        restrict(q, &eb, &to)
                    } else {
                        recode(q, &eb, &to, span)?
                    };
                    Ok(match op {
                        BinOp::Union => p | q,
                        BinOp::Diff => p & !q,
                        BinOp::Inter => p & q,
                        _ => ((p & !q) == 0) as u64,
                    } as i64)
                })
            }
        }
    }

    fn call(
        &mut self,
        builtin: Builtin,
        args: &[Expr],
        e: &Expr,
        node: Option<NodeKindId>,
    ) -> ExprFn {
        if self.layout.has_wide
            && let Some(ex) = self.wide_value_call(builtin, args, e, node)
        {
            return ex;
        }
        if builtin == Builtin::Len
            && let Some(ex) = self.wide_len(&args[0], node)
        {
            return ex;
        }
        if self.layout.has_wide && self.refuse_wide_value(e, &args.iter().collect::<Vec<_>>(), node)
        {
            return self.unpackable("a wide set as an argument");
        }
        let span = e.span;
        let arg_enc = self.enc(&args[0].ty, args[0].span);
        let x = self.expr(&args[0], node);
        match builtin {
            Builtin::Min | Builtin::Max => {
                let y = self.expr(&args[1], node);
                let min = builtin == Builtin::Min;
                Arc::new(move |ctx, locals| {
                    let p = x(ctx, locals)?;
                    let q = y(ctx, locals)?;
                    Ok(if min { p.min(q) } else { p.max(q) })
                })
            }
            Builtin::Len => match arg_enc.shape {
                Shape::Set(_) => {
                    Arc::new(move |ctx, locals| Ok((x(ctx, locals)? as u64).count_ones() as i64))
                }
                Shape::Seq { len_bits, .. } => Arc::new(move |ctx, locals| {
                    Ok(((x(ctx, locals)? as u64) & mask(len_bits)) as i64)
                }),
                _ => unreachable!("typeck: len of sets and sequences"),
            },
            Builtin::Some => {
                let enc = self.enc(&e.ty, span);
                let Shape::Option(inner) = enc.shape else {
                    return self.unpackable("typeck: some() is an option");
                };
                let to = Storer::new(&arg_enc, &inner);
                Arc::new(
                    move |ctx, locals| Ok(((to.store(x(ctx, locals)?, span)? << 1) | 1) as i64),
                )
            }
            Builtin::IsSome => Arc::new(move |ctx, locals| Ok(x(ctx, locals)? & 1)),
            Builtin::IsNone => Arc::new(move |ctx, locals| Ok((x(ctx, locals)? & 1) ^ 1)),
            Builtin::Unwrap => {
                let Shape::Option(inner) = arg_enc.shape else {
                    return self.unpackable("typeck: unwrap of options");
                };
                Arc::new(move |ctx, locals| {
                    let c = x(ctx, locals)? as u64;
                    if c & 1 == 0 {
                        return Err(err(RtErrorKind::UnwrapNone, span));
                    }
                    Ok(from_code(c >> 1, &inner))
                })
            }
            Builtin::Head | Builtin::Last | Builtin::Tail => {
                let Shape::Seq { elem, len_bits, .. } = arg_enc.shape else {
                    return self.unpackable("typeck: head, last and tail of sequences");
                };
                Arc::new(move |ctx, locals| {
                    let s = x(ctx, locals)? as u64;
                    let len = s & mask(len_bits);
                    if len == 0 {
                        return Err(err(RtErrorKind::EmptySeq, span));
                    }
                    let slot =
                        |i: u64| (s >> (len_bits as u64 + i * elem.bits as u64)) & mask(elem.bits);
                    Ok(match builtin {
                        Builtin::Head => from_code(slot(0), &elem),
                        Builtin::Last => from_code(slot(len - 1), &elem),
                        _ => {
                            let body = s >> len_bits;
                            let rest = (body >> elem.bits).checked_shl(len_bits).unwrap_or(0);
                            // Clear the slot that moved out of the length.
                            let keep = mask(len_bits + ((len - 1) * elem.bits as u64) as u32);
                            ((rest & keep & !mask(len_bits)) | (len - 1)) as i64
                        }
                    })
                })
            }
            // The argument read in the state before the step.
            Builtin::Old => Arc::new(move |ctx, locals| {
                let before = Ctx::of(ctx.old_words, ctx.old_net, ctx.self_inst);
                x(&before, locals)
            }),
            Builtin::Byzantine | Builtin::Crashed => {
                let crate::typed::Type::Node(k) = args[0].ty else {
                    return self.unpackable("typeck: byzantine and crashed of node instances");
                };
                let kl = &self.layout.kinds[k];
                let flags = if builtin == Builtin::Byzantine {
                    kl.byzantine.clone()
                } else {
                    kl.crashed.clone()
                };
                match flags {
                    // The kind has no such fault: never.
                    None => Arc::new(move |ctx, locals| {
                        x(ctx, locals)?;
                        Ok(0)
                    }),
                    Some(slots) => Arc::new(move |ctx, locals| {
                        let i = x(ctx, locals)? as usize;
                        Ok(slots.get(i).map_or(0, |s| s.read(ctx.words)) as i64)
                    }),
                }
            }
        }
    }
}
