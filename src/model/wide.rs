//! Node variables wider than one word: sets over many possible elements.
//!
//! A `set<T>` whose element codes need more than 6 bits (a message union
//! of a few hundred values, a range of 100 numbers, 80 node instances)
//! cannot be a one-word bit mask over those codes ([`super::encoding`]).
//! As a node variable it is stored instead as one bit per *value* of `T`:
//! bit `i` stands for the `i`-th value of `T` in increasing order (its
//! dense index, [`WideSet::dense`]), so 54 possible records take 54 bits
//! whatever their codes, and a set of 300 messages takes 5 whole words of
//! the fixed part, in place of one field. The words of one instance's set
//! lie side by side, from [`super::layout::VarLayout::wide_words`].
//!
//! Such a set is never a value in an expression (expressions pass values
//! as `i64` codes): the compiler reads and writes it in place, in the
//! forms [`Lowerer`] recognises here (`x in s`, `len(s)`, `s == t`, `s ==
//! {..}`, quantifiers, aggregates and `for` over `s`; `s += x`, `s -= x`,
//! `s = {..}` and `s = t`). Any other use is refused when the spec is
//! lowered (`dsmc::lower::wide_value`). Specs with no such variable never
//! reach this module: their code is compiled exactly as before.

use std::sync::Arc;

use super::encoding::{Enc, EncError};
use super::expr::{Lowerer, Storer, is_compound_literal};
use super::stmt::StmtFn;
use super::wide_set::{FirstWord, TABLE_BITS, WidePlace, WideSet};
use super::{Ctx, ExprFn, RtResult};
use crate::syntax::ast::Span;
use crate::typed::{AssignKind, BinOp, Expr, ExprKind, NodeKindId, Type, VarId};

/// An element's dense index, `None` when the set's elements cannot hold
/// the value (then it is in no such set).
type Element = Arc<dyn Fn(&Ctx, &mut [i64]) -> RtResult<Option<usize>> + Send + Sync>;

/// An element's dense index, a failure when the set cannot hold the value.
type CheckedElement = Arc<dyn Fn(&Ctx, &mut [i64]) -> RtResult<usize> + Send + Sync>;

/// The words of a set literal: `None` when one of its values is in no set
/// of this type (so the literal equals none).
type Literal = Arc<dyn Fn(&Ctx, &mut [i64]) -> RtResult<Option<Vec<usize>>> + Send + Sync>;

/// The wide set variable `var` of kind `kind`, if it is one.
fn wide_var(l: &Lowerer, kind: NodeKindId, var: VarId) -> Option<(Arc<WideSet>, Vec<u32>)> {
    let vl = &l.layout.kinds[kind].vars[var];
    let set = vl.wide.clone()?;
    Some((set, vl.slots.iter().map(|s| s.word).collect()))
}

impl Lowerer<'_> {
    /// `e` as a wide set variable, when it names one.
    pub(crate) fn wide_place(&mut self, e: &Expr, node: Option<NodeKindId>) -> Option<WidePlace> {
        if !self.layout.has_wide {
            return None;
        }
        match &e.kind {
            ExprKind::Var(v) => {
                let (set, firsts) = wide_var(self, node?, *v)?;
                Some(WidePlace {
                    set,
                    first: Arc::new(move |ctx, _| Ok(firsts[ctx.self_inst as usize] as usize)),
                })
            }
            ExprKind::RemoteVar {
                node: which,
                kind,
                var,
            } => {
                let (set, firsts) = wide_var(self, *kind, *var)?;
                let which = self.expr(which, node);
                Some(WidePlace {
                    set,
                    first: Arc::new(move |ctx, locals| {
                        Ok(firsts[which(ctx, locals)? as usize] as usize)
                    }),
                })
            }
            _ => {
                // A wide set inside a wide value ([`super::wide_value`]).
                let place = self.value_place(e, node)?;
                let super::wide_parts::Part::Set { at: offset, set } = &*place.part else {
                    return None;
                };
                let (offset, at) = (*offset, place.at.clone());
                Some(WidePlace {
                    set: set.clone(),
                    first: Arc::new(move |ctx, locals| {
                        Ok(((at(ctx, locals)? + offset) / 64) as usize)
                    }),
                })
            }
        }
    }

    /// Records that the value at `span`, for wide set variable `var` of
    /// kind `kind`, would have to be a wide set value.
    pub(crate) fn refuse_wide_var(&mut self, span: Span, kind: NodeKindId, var: VarId) {
        let elements =
            (self.layout.kinds[kind].vars[var].wide.as_ref()).map_or(0, |s| s.elements() as u64);
        let declared = self.spec.nodes[kind].vars[var].span;
        self.push_wide_value(span, elements, Some(declared));
    }

    /// Records a wide set used as a value at `span`, once: the type's
    /// packing ([`Lowerer::enc`]) and the variable's reading may both find it.
    pub(crate) fn push_wide_value(&mut self, span: Span, elements: u64, declared: Option<Span>) {
        if self.merge_wide_error(span, declared) {
            return;
        }
        self.errors.push(super::LowerError {
            what: "this set".into(),
            error: EncError::WideValue { elements, declared },
            span,
        });
    }

    /// One error for an expression and its parts, the outermost: whether
    /// an error of a wide value used as a value already covers `span` (or
    /// lies inside it, and now covers it).
    pub(crate) fn merge_wide_error(&mut self, span: Span, declared: Option<Span>) -> bool {
        let inside = |a: Span, b: Span| b.start <= a.start && a.end <= b.end;
        for e in &mut self.errors {
            if let EncError::WideValue {
                declared: known, ..
            }
            | EncError::WideCompound { declared: known } = &mut e.error
            {
                if inside(span, e.span) {
                    *known = known.or(declared);
                    return true;
                }
                if inside(e.span, span) {
                    e.span = span;
                    *known = known.or(declared);
                    return true;
                }
            }
        }
        false
    }

    /// How many possible elements a set of type `ty` has, when it is a
    /// wide set (too many for a one-word value).
    pub(crate) fn wide_type(&self, ty: &Type) -> Option<u64> {
        let Type::Set(elem) = ty else {
            return None;
        };
        if !matches!(Enc::of(ty, self.spec), Err(EncError::SetTooLarge { .. })) {
            return None;
        }
        WideSet::of(elem, self.spec)
            .ok()
            .map(|s| s.elements() as u64)
    }

    /// When `e` (or one of its operands, `parts`) is a wide set used as a
    /// value: records the error, once for the whole of `e`.
    pub(crate) fn refuse_wide_value(
        &mut self,
        e: &Expr,
        parts: &[&Expr],
        node: Option<NodeKindId>,
    ) -> bool {
        let all = || std::iter::once(e).chain(parts.iter().copied());
        let Some(elements) = all().find_map(|x| self.wide_type(&x.ty)) else {
            return false;
        };
        let declared = all().find_map(|x| self.wide_var_in(x, node));
        self.push_wide_value(e.span, elements, declared);
        true
    }

    /// The declaration of the first wide set variable `e` reads.
    fn wide_var_in(&self, e: &Expr, node: Option<NodeKindId>) -> Option<Span> {
        let (kind, var) = match &e.kind {
            ExprKind::Var(v) => (node?, *v),
            ExprKind::RemoteVar { kind, var, .. } => (*kind, *var),
            _ => {
                return e
                    .children()
                    .into_iter()
                    .find_map(|x| self.wide_var_in(x, node));
            }
        };
        match self.layout.kinds[kind].vars[var].wide {
            Some(_) => Some(self.spec.nodes[kind].vars[var].span),
            None => e
                .children()
                .into_iter()
                .find_map(|x| self.wide_var_in(x, node)),
        }
    }

    /// `x`'s dense index in `set`: `None` when `set`'s elements cannot
    /// hold `x`'s value (`in`, `-=`, comparisons: it is in no such set).
    fn wide_element(&mut self, x: &Expr, set: &Arc<WideSet>, node: Option<NodeKindId>) -> Element {
        if let ExprKind::Construct(_, v, items) = &x.kind
            && let Some(direct) = self.wide_construct(*v, items, set, x.span, node)
        {
            return direct;
        }
        let set = set.clone();
        if is_compound_literal(x) {
            let into = self.encode_into(&set.elem, x, node);
            return Arc::new(move |ctx, locals| {
                Ok(into(ctx, locals)?.and_then(|code| set.dense(code)))
            });
        }
        let from = self.enc(&x.ty, x.span);
        let to = Storer::new(&from, &set.elem);
        let x = self.expr(x, node);
        let span = Span::default();
        Arc::new(move |ctx, locals| {
            let v = x(ctx, locals)?;
            Ok(to.store(v, span).ok().and_then(|code| set.dense(code)))
        })
    }

    /// `V(items)`'s dense index in `set`, a set of the same union, from
    /// the fields' values without putting the code together: the
    /// variant's members are a run of the set's bits, each field's values
    /// in order, earlier fields varying slowest ([`Enc::domain`]), so the
    /// index is the run's start plus a mixed radix of the fields'
    /// positions. The same values and failures as packing the code (each
    /// field stored as [`Lowerer::product`] does, at `span`) and looking
    /// it up; `None` when the layout is not so (checked here, once).
    fn wide_construct(
        &mut self,
        v: usize,
        items: &[Expr],
        set: &Arc<WideSet>,
        span: Span,
        node: Option<NodeKindId>,
    ) -> Option<Element> {
        let super::encoding::Shape::Union {
            payload_bits,
            variants,
        } = &set.elem.shape
        else {
            return None;
        };
        let super::encoding::Shape::Product(parts) = &variants.get(v)?.shape else {
            return None;
        };
        if parts.len() != items.len() {
            return None;
        }
        let tag = |d: usize| set.code(d) >> payload_bits;
        let start = (0..set.elements()).find(|&d| tag(d) == v as u64)?;
        // Per field: its position by code, and its stride.
        let mut fields: Vec<(Vec<u32>, usize)> = Vec::new();
        let mut stride = 1usize;
        for (_, part) in parts.iter().rev() {
            let codes = part.domain()?;
            if part.bits > TABLE_BITS {
                return None;
            }
            let mut position = vec![u32::MAX; 1usize << part.bits];
            for (i, &c) in codes.iter().enumerate() {
                position[c as usize] = i as u32;
            }
            fields.push((position, stride));
            stride = stride.checked_mul(codes.len())?;
        }
        fields.reverse();
        let end = start.checked_add(stride)?;
        if end > set.elements() || (end < set.elements() && tag(end) == v as u64) {
            return None;
        }
        for d in start..end {
            let payload = set.code(d) & super::encoding::mask(*payload_bits);
            let at = (parts.iter().zip(&fields)).try_fold(start, |at, ((offset, part), f)| {
                let code = (payload >> offset) & super::encoding::mask(part.bits);
                let p = *f.0.get(code as usize)?;
                (p != u32::MAX).then(|| at + p as usize * f.1)
            });
            if tag(d) != v as u64 || at != Some(d) {
                return None;
            }
        }
        let items: Vec<(ExprFn, Storer, Vec<u32>, usize)> = (items.iter().zip(parts).zip(fields))
            .map(|((item, (_, part)), (position, stride))| {
                let to = Storer::new(&self.enc(&item.ty, item.span), part);
                (self.expr(item, node), to, position, stride)
            })
            .collect();
        Some(Arc::new(move |ctx, locals| {
            let mut d = Some(start);
            for (item, to, position, stride) in &items {
                let code = to.store(item(ctx, locals)?, span)?;
                d = match position.get(code as usize) {
                    Some(&p) if p != u32::MAX => d.map(|d| d + p as usize * stride),
                    _ => None,
                };
            }
            Ok(d)
        }))
    }

    /// `x`'s dense index in `set`, a failure when the set cannot hold it
    /// (`+=`: every value a step stores is checked against its type).
    pub(crate) fn wide_element_checked(
        &mut self,
        x: &Expr,
        set: &Arc<WideSet>,
        node: Option<NodeKindId>,
    ) -> CheckedElement {
        let set = set.clone();
        let from = self.enc(&x.ty, x.span);
        let to = Storer::new(&from, &set.elem);
        let ex = self.expr(x, node);
        let span = x.span;
        Arc::new(move |ctx, locals| {
            let code = to.store(ex(ctx, locals)?, span)?;
            Ok(set
                .dense(code)
                .expect("a stored code is a value of the element type"))
        })
    }

    /// The dense indices of a set literal's values, sorted, each once.
    fn wide_literal(
        &mut self,
        items: &[Expr],
        set: &Arc<WideSet>,
        node: Option<NodeKindId>,
    ) -> Literal {
        let items: Vec<Element> = items
            .iter()
            .map(|i| self.wide_element(i, set, node))
            .collect();
        Arc::new(move |ctx, locals| {
            let mut out = Vec::with_capacity(items.len());
            for item in &items {
                match item(ctx, locals)? {
                    Some(i) => out.push(i),
                    None => return Ok(None),
                }
            }
            out.sort_unstable();
            out.dedup();
            Ok(Some(out))
        })
    }

    /// `in`, `==` and `!=` with a wide set variable on the right (on
    /// either side for comparisons); `None` for anything else.
    pub(crate) fn wide_binary(
        &mut self,
        op: BinOp,
        a: &Expr,
        b: &Expr,
        e: &Expr,
        node: Option<NodeKindId>,
    ) -> Option<ExprFn> {
        if !self.layout.has_wide {
            return None;
        }
        match op {
            BinOp::InSet => {
                let place = self.wide_place(b, node)?;
                let element = self.wide_element(a, &place.set, node);
                Some(Arc::new(move |ctx, locals| {
                    let Some(i) = element(ctx, locals)? else {
                        return Ok(0);
                    };
                    let words = place.words(ctx, locals)?;
                    Ok(((words[i / 64] >> (i % 64)) & 1) as i64)
                }))
            }
            BinOp::Eq | BinOp::Ne => {
                let want = op == BinOp::Eq;
                let (place, other) = match self.wide_place(a, node) {
                    Some(p) => (p, b),
                    None => (self.wide_place(b, node)?, a),
                };
                if let Some(q) = self.wide_place(other, node) {
                    if place.set.elem == q.set.elem {
                        return Some(Arc::new(move |ctx, locals| {
                            let same = place.words(ctx, locals)? == q.words(ctx, locals)?;
                            Ok((same == want) as i64)
                        }));
                    }
                    // Sets of different ranges: equal when they hold the
                    // same values (both list them in increasing order).
                    return Some(Arc::new(move |ctx, locals| {
                        let (p, q) = (place.clone(), q.clone());
                        let values = |w: &WidePlace, words: &[u64]| -> Vec<i64> {
                            (w.set.members(words))
                                .map(|c| super::value::from_code(c, &w.set.elem))
                                .collect()
                        };
                        let same =
                            values(&p, p.words(ctx, locals)?) == values(&q, q.words(ctx, locals)?);
                        Ok((same == want) as i64)
                    }));
                }
                let ExprKind::SetLit(items) = &other.kind else {
                    self.refuse_wide_value(e, &[a, b], node);
                    return Some(Arc::new(|_, _| Ok(0)));
                };
                let literal = self.wide_literal(items, &place.set, node);
                Some(Arc::new(move |ctx, locals| {
                    let same = match literal(ctx, locals)? {
                        None => false,
                        Some(indices) => {
                            let words = place.words(ctx, locals)?;
                            let n: u32 = words.iter().map(|w| w.count_ones()).sum();
                            n as usize == indices.len()
                                && indices
                                    .iter()
                                    .all(|&i| (words[i / 64] >> (i % 64)) & 1 == 1)
                        }
                    };
                    Ok((same == want) as i64)
                }))
            }
            _ => None,
        }
    }

    /// `len(s)` of a wide set variable.
    pub(crate) fn wide_len(&mut self, arg: &Expr, node: Option<NodeKindId>) -> Option<ExprFn> {
        let place = self.wide_place(arg, node)?;
        Some(Arc::new(move |ctx, locals| {
            let words = place.words(ctx, locals)?;
            Ok(words.iter().map(|w| w.count_ones() as i64).sum())
        }))
    }

    /// An assignment to a wide set variable of the running node (`place`
    /// is the variable itself: a wide set has no parts to assign).
    pub(crate) fn wide_assign(
        &mut self,
        kind: NodeKindId,
        var: VarId,
        op: AssignKind,
        value: &Expr,
    ) -> Option<StmtFn> {
        let (set, firsts) = wide_var(self, kind, var)?;
        let first: FirstWord = Arc::new(move |ctx, _| Ok(firsts[ctx.self_inst as usize] as usize));
        let declared = self.spec.nodes[kind].vars[var].span;
        Some(self.wide_set_assign(set, first, op, value, Some(kind), declared))
    }

    /// An assignment to a wide set, its words from `first`: a variable,
    /// or a part of a wide value ([`super::wide_value`]) declared at
    /// `declared`.
    pub(crate) fn wide_set_assign(
        &mut self,
        set: Arc<WideSet>,
        first: FirstWord,
        op: AssignKind,
        value: &Expr,
        node: Option<NodeKindId>,
        declared: Span,
    ) -> StmtFn {
        let n_words = set.words as usize;
        match op {
            AssignKind::SetInsert => {
                let element = self.wide_element_checked(value, &set, node);
                Arc::new(move |env, locals| {
                    let i = element(&env.ctx(), locals)?;
                    let first = first(&env.ctx(), locals)?;
                    env.words[first + i / 64] |= 1 << (i % 64);
                    Ok(())
                })
            }
            AssignKind::SetRemove => {
                let element = self.wide_element(value, &set, node);
                Arc::new(move |env, locals| {
                    if let Some(i) = element(&env.ctx(), locals)? {
                        let first = first(&env.ctx(), locals)?;
                        env.words[first + i / 64] &= !(1 << (i % 64));
                    }
                    Ok(())
                })
            }
            AssignKind::Set => {
                if let Some(from) = self.wide_place(value, node)
                    && from.set.elem != set.elem
                {
                    // A set of another range: each value stored, checked.
                    let to = Storer::new(&from.set.elem, &set.elem);
                    let span = value.span;
                    return Arc::new(move |env, locals| {
                        let mut indices = Vec::new();
                        for code in from.set.members(from.words(&env.ctx(), locals)?) {
                            let v = super::value::from_code(code, &from.set.elem);
                            let code = to.store(v, span)?;
                            indices.push(set.dense(code).expect("a stored code is a value"));
                        }
                        let first = first(&env.ctx(), locals)?;
                        set_only(&mut env.words[first..first + n_words], indices);
                        Ok(())
                    });
                }
                if let Some(from) = self.wide_place(value, node) {
                    return Arc::new(move |env, locals| {
                        let first = first(&env.ctx(), locals)?;
                        let source = from.words(&env.ctx(), locals)?.to_vec();
                        env.words[first..first + n_words].copy_from_slice(&source);
                        Ok(())
                    });
                }
                let ExprKind::SetLit(items) = &value.kind else {
                    // A one-word set value: each of its elements, checked.
                    let from = match Enc::of(&value.ty, self.spec) {
                        Ok(Enc {
                            shape: super::encoding::Shape::Set(elem),
                            ..
                        }) => *elem,
                        _ => {
                            self.push_wide_value(value.span, set.elements() as u64, Some(declared));
                            return Arc::new(|_, _| Ok(()));
                        }
                    };
                    let to = Storer::new(&from, &set.elem);
                    let ex = self.expr(value, node);
                    let span = value.span;
                    return Arc::new(move |env, locals| {
                        let mut bits = ex(&env.ctx(), locals)? as u64;
                        let mut indices = Vec::new();
                        while bits != 0 {
                            let code = bits.trailing_zeros() as u64;
                            bits &= bits - 1;
                            let v = super::value::from_code(code, &from);
                            let code = to.store(v, span)?;
                            indices.push(set.dense(code).expect("a stored code is a value"));
                        }
                        let first = first(&env.ctx(), locals)?;
                        set_only(&mut env.words[first..first + n_words], indices);
                        Ok(())
                    });
                };
                let items: Vec<_> = (items.iter())
                    .map(|i| self.wide_element_checked(i, &set, node))
                    .collect();
                Arc::new(move |env, locals| {
                    let mut indices = Vec::with_capacity(items.len());
                    for item in &items {
                        indices.push(item(&env.ctx(), locals)?);
                    }
                    let first = first(&env.ctx(), locals)?;
                    set_only(&mut env.words[first..first + n_words], indices);
                    Ok(())
                })
            }
            _ => unreachable!("typeck: sets take `=`, `+=` and `-=`"),
        }
    }

    /// The words of a wide set variable's initial value, a set literal
    /// (`Init::Value`); `None` when the initial value is not one.
    pub(crate) fn wide_init(
        &mut self,
        kind: NodeKindId,
        var: VarId,
        value: &Expr,
    ) -> Option<WideInit> {
        let (set, _) = wide_var(self, kind, var)?;
        let ExprKind::SetLit(items) = &value.kind else {
            self.refuse_wide_var(value.span, kind, var);
            return Some(WideInit {
                words: set.words,
                items: Vec::new(),
            });
        };
        let items = (items.iter())
            .map(|i| self.wide_element_checked(i, &set, Some(kind)))
            .collect();
        Some(WideInit {
            words: set.words,
            items,
        })
    }
}

/// A wide set variable's initial value: the words of a set literal.
pub(crate) struct WideInit {
    words: u32,
    items: Vec<CheckedElement>,
}

impl WideInit {
    /// The initial words, computed in `ctx` (of instance `ctx.self_inst`).
    pub(crate) fn words(&self, ctx: &Ctx, locals: &mut [i64]) -> RtResult<Vec<u64>> {
        let mut words = vec![0u64; self.words as usize];
        for item in &self.items {
            let i = item(ctx, locals)?;
            words[i / 64] |= 1 << (i % 64);
        }
        Ok(words)
    }
}

/// Makes `words` the bit set of exactly the dense `indices`.
fn set_only(words: &mut [u64], indices: Vec<usize>) {
    words.fill(0);
    for i in indices {
        words[i / 64] |= 1 << (i % 64);
    }
}
