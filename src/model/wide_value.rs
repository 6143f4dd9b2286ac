//! Node variables wider than one word that are not sets: maps, records,
//! tuples and sequences whose code needs more than 64 bits.
//!
//! Such a variable is stored over whole words of the fixed part, as a
//! tree of parts ([`Part`]): each part that packs into one word (a map's
//! entry of `0..7`, a record of a log's sequence) is a *narrow* part, its
//! ordinary code ([`super::encoding`]) at a bit offset of its own, which
//! may straddle two words; a wide set inside is the words of a
//! [`WideSet`](super::wide_set::WideSet), aligned to a word; records and tuples put their parts side by side;
//! a map lays out one entry per key (in the keys' order of value, so a
//! `map<0..99, bool>` takes 100 bits) and a sequence its length then its
//! slots, each entry `stride` bits after the one before, so an entry
//! chosen at run time is found by one multiplication. Unused slots of a
//! sequence are 0, so two values are equal exactly when their bits are.
//!
//! Such a value is never an expression value (expressions pass `i64`
//! codes): the compiler reads and writes its parts in place. A narrow
//! part reached through `.f`, `.0`, `[k]` and `[i]` (`f[n]`, `log[i].term`,
//! `n.log[i]`) is read as any value is; `len`, `head` and `last` of a
//! sequence, `x in s`, `==` and `!=` (against another such value of the
//! same type or a literal) are compiled here, and so are assignments to
//! any part (`f[k] = v`, `log += e`, `r = { .. }`, `f = g`) and initial
//! values that are literals. A def's parameter or a `let .. in` bound to
//! such a part (or to a wide set) holds the part's first bit, and the
//! body reads the state there ([`Lowerer::bind_wide`]). Any other use is
//! refused when the spec is
//! lowered (`dsmc::lower::wide_value`). Specs without such a variable
//! never reach this module.

use std::sync::Arc;

use super::encoding::EncError;
use super::expr::{Lowerer, Storer, is_compound_literal};
use super::stmt::StmtFn;
use super::value::from_code;
use super::wide_parts::{BitAt, Part, ValuePlace, copy_bits, read_bits, same_bits, write_bits};
use super::wide_set::FirstWord;
use super::{Ctx, ExprFn, RtError, RtErrorKind, RtResult};
use crate::syntax::ast::Span;
use crate::typed::{Access, AssignKind, BinOp, Builtin, Expr, ExprKind, NodeKindId, Place, Type};

/// Writes a value of a part into words, at the part's offsets from a base
/// bit; reads the state from the context (so the value is computed from
/// the state before any of it is written).
type Writer = Arc<dyn Fn(&Ctx, &mut [i64], &mut [u64], u64) -> RtResult<()> + Send + Sync>;

fn err(kind: RtErrorKind, span: Span) -> RtError {
    RtError { kind, span }
}

impl Lowerer<'_> {
    /// The wide value variable `var` of kind `kind`: its parts and its
    /// first word in each instance.
    fn wide_value_var(&self, kind: NodeKindId, var: usize) -> Option<(Arc<Part>, Arc<Vec<u32>>)> {
        let vl = &self.layout.kinds[kind].vars[var];
        let value = vl.wide_value.as_ref()?;
        Some((
            value.part.clone(),
            Arc::new(vl.slots.iter().map(|s| s.word).collect()),
        ))
    }

    /// `e` as a part of a wide value variable, when it names one.
    pub(crate) fn value_place(&mut self, e: &Expr, node: Option<NodeKindId>) -> Option<ValuePlace> {
        if !self.layout.has_wide {
            return None;
        }
        match &e.kind {
            ExprKind::Var(v) => {
                let (part, firsts) = self.wide_value_var(node?, *v)?;
                Some(ValuePlace {
                    part,
                    at: Arc::new(move |ctx, _| Ok(firsts[ctx.self_inst as usize] as u64 * 64)),
                })
            }
            ExprKind::RemoteVar {
                node: which,
                kind,
                var,
            } => {
                let (part, firsts) = self.wide_value_var(*kind, *var)?;
                let which = self.expr(which, node);
                Some(ValuePlace {
                    part,
                    at: Arc::new(move |ctx, locals| {
                        Ok(firsts[which(ctx, locals)? as usize] as u64 * 64)
                    }),
                })
            }
            ExprKind::Local(id) => (self.wide_locals.iter().rev())
                .find(|(local, _)| local == id)
                .map(|(_, place)| place.clone()),
            ExprKind::Field(base, i) | ExprKind::TupleField(base, i) => {
                let place = self.value_place(base, node)?;
                field_hop(place, *i)
            }
            ExprKind::MapGet(map, key) => {
                let place = self.value_place(map, node)?;
                self.key_hop(place, key, node)
            }
            ExprKind::SeqGet(seq, index) => {
                let place = self.value_place(seq, node)?;
                self.index_hop(place, index, node, e.span)
            }
            _ => None,
        }
    }

    /// Binds `local` (of type `ty`, a `let`'s or a def's parameter) to
    /// `value` in place, when `value` is a wide variable or a wide part of
    /// one: the binding computes where the part lies (the local holds its
    /// first bit) and the body reads the state there where it names the
    /// local. An expression reads one state, so this is the value.
    pub(crate) fn bind_wide(
        &mut self,
        local: usize,
        ty: &Type,
        value: &Expr,
        node: Option<NodeKindId>,
    ) -> Option<ExprFn> {
        if *ty != value.ty {
            return None;
        }
        let (part, at) = match self.value_place(value, node) {
            Some(place) if !matches!(&*place.part, Part::Narrow { .. }) => (place.part, place.at),
            Some(_) => return None,
            None => {
                let set = self.wide_place(value, node)?;
                let first = set.first.clone();
                let at: BitAt = Arc::new(move |ctx, locals| Ok(first(ctx, locals)? as u64 * 64));
                (
                    Arc::new(Part::Set {
                        at: 0,
                        set: set.set,
                    }),
                    at,
                )
            }
        };
        self.wide_locals.push((
            local,
            ValuePlace {
                part,
                at: Arc::new(move |_, locals| Ok(locals[local] as u64)),
            },
        ));
        Some(Arc::new(move |ctx, locals| Ok(at(ctx, locals)? as i64)))
    }

    /// The entry of map `place` at key `key`.
    fn key_hop(
        &mut self,
        place: ValuePlace,
        key: &Expr,
        node: Option<NodeKindId>,
    ) -> Option<ValuePlace> {
        let Part::Map {
            keys,
            stride,
            entry,
        } = &*place.part
        else {
            return None;
        };
        let (keys, stride) = (keys.clone(), *stride);
        let to = Storer::new(&self.enc(&key.ty, key.span), &keys.elem);
        let key_ex = self.expr(key, node);
        let span = key.span;
        let at = place.at;
        Some(ValuePlace {
            part: entry.clone(),
            at: Arc::new(move |ctx, locals| {
                let base = at(ctx, locals)?;
                let code = to.store(key_ex(ctx, locals)?, span)?;
                let i = keys.dense(code).ok_or_else(|| {
                    err(
                        RtErrorKind::OutOfDomain {
                            value: code as i64,
                            lo: 0,
                            hi: keys.elements() as i64 - 1,
                        },
                        span,
                    )
                })?;
                Ok(base + i as u64 * stride)
            }),
        })
    }

    /// Slot `index` of sequence `place` (a finding past its length).
    fn index_hop(
        &mut self,
        place: ValuePlace,
        index: &Expr,
        node: Option<NodeKindId>,
        span: Span,
    ) -> Option<ValuePlace> {
        let Part::Seq {
            len_at,
            len_bits,
            stride,
            entry,
            ..
        } = &*place.part
        else {
            return None;
        };
        let (len_at, len_bits, stride) = (*len_at, *len_bits, *stride);
        let index = self.expr(index, node);
        let at = place.at;
        Some(ValuePlace {
            part: entry.clone(),
            at: Arc::new(move |ctx, locals| {
                let base = at(ctx, locals)?;
                let i = index(ctx, locals)?;
                let len = read_bits(ctx.words, base + len_at, len_bits) as i64;
                if i < 0 || i >= len {
                    return Err(err(RtErrorKind::IndexOutOfRange { index: i, len }, span));
                }
                Ok(base + i as u64 * stride)
            }),
        })
    }

    /// Records a wide value used as a whole where only its parts can be,
    /// once for an expression and its parts.
    pub(crate) fn refuse_wide_compound(&mut self, span: Span, declared: Option<Span>) {
        if self.merge_wide_error(span, declared) {
            return;
        }
        self.errors.push(super::LowerError {
            what: "this value".into(),
            error: EncError::WideCompound { declared },
            span,
        });
    }

    /// The declaration of the wide value variable `e` is a part of.
    fn wide_root(&self, e: &Expr, node: Option<NodeKindId>) -> Option<Span> {
        match &e.kind {
            ExprKind::Var(v) => {
                let k = node?;
                (self.layout.kinds[k].vars[*v].wide_value.is_some())
                    .then(|| self.spec.nodes[k].vars[*v].span)
            }
            ExprKind::RemoteVar { kind, var, .. } => {
                (self.layout.kinds[*kind].vars[*var].wide_value.is_some())
                    .then(|| self.spec.nodes[*kind].vars[*var].span)
            }
            ExprKind::Field(b, _)
            | ExprKind::TupleField(b, _)
            | ExprKind::MapGet(b, _)
            | ExprKind::SeqGet(b, _) => self.wide_root(b, node),
            _ => None,
        }
    }

    /// A read of a part of a wide value variable: the value of a narrow
    /// part; `None` when `e` is no such part (or a wide set, which
    /// [`super::wide`] reads). A part wider than a word is refused here.
    pub(crate) fn wide_value_expr(&mut self, e: &Expr, node: Option<NodeKindId>) -> Option<ExprFn> {
        if !matches!(
            e.kind,
            ExprKind::Var(_)
                | ExprKind::RemoteVar { .. }
                | ExprKind::Local(_)
                | ExprKind::Field(..)
                | ExprKind::TupleField(..)
                | ExprKind::MapGet(..)
                | ExprKind::SeqGet(..)
        ) {
            return None;
        }
        let place = self.value_place(e, node)?;
        match &*place.part {
            Part::Narrow { at: offset, enc } => {
                let (offset, enc) = (*offset, enc.clone());
                let at = place.at;
                Some(Arc::new(move |ctx, locals| {
                    let code = read_bits(ctx.words, at(ctx, locals)? + offset, enc.bits);
                    Ok(from_code(code, &enc))
                }))
            }
            Part::Set { .. } => None,
            _ => {
                let declared = self.wide_root(e, node);
                self.refuse_wide_compound(e.span, declared);
                Some(Arc::new(|_, _| Ok(0)))
            }
        }
    }

    /// `==`, `!=` and `in` over wide values: two of the same type, one
    /// and a literal, an element and a sequence.
    pub(crate) fn wide_value_binary(
        &mut self,
        op: BinOp,
        a: &Expr,
        b: &Expr,
        e: &Expr,
        node: Option<NodeKindId>,
    ) -> Option<ExprFn> {
        let compound = |p: &ValuePlace| !matches!(&*p.part, Part::Narrow { .. } | Part::Set { .. });
        match op {
            BinOp::Eq | BinOp::Ne => {
                let want = op == BinOp::Eq;
                let (place, other) = match self.value_place(a, node) {
                    Some(p) if compound(&p) => (p, b),
                    _ => match self.value_place(b, node) {
                        Some(p) if compound(&p) => (p, a),
                        _ => return None,
                    },
                };
                let (lo, hi) = place.part.span();
                if let Some(q) = self.value_place(other, node)
                    && place.part.like(&q.part)
                {
                    let q_lo = q.part.span().0;
                    return Some(Arc::new(move |ctx, locals| {
                        let (x, y) = ((place.at)(ctx, locals)?, (q.at)(ctx, locals)?);
                        let same = same_bits(ctx.words, x + lo, ctx.words, y + q_lo, hi - lo);
                        Ok((same == want) as i64)
                    }));
                }
                if !is_compound_literal(other) {
                    let declared = self.wide_root(a, node).or(self.wide_root(b, node));
                    self.refuse_wide_compound(e.span, declared);
                    return Some(Arc::new(|_, _| Ok(0)));
                }
                let write = self.writer(&place.part, other, node);
                let words = hi.div_ceil(64) as usize;
                Some(Arc::new(move |ctx, locals| {
                    let mut value = vec![0u64; words];
                    // A literal the type cannot hold equals no value of it.
                    let same = match write(ctx, locals, &mut value, 0) {
                        Ok(()) => {
                            let x = (place.at)(ctx, locals)?;
                            same_bits(ctx.words, x + lo, &value, lo, hi - lo)
                        }
                        Err(RtError {
                            kind: RtErrorKind::OutOfDomain { .. } | RtErrorKind::SeqFull { .. },
                            ..
                        }) => false,
                        Err(e) => return Err(e),
                    };
                    Ok((same == want) as i64)
                }))
            }
            BinOp::InSeq => {
                let place = self.value_place(b, node)?;
                let Part::Seq {
                    len_at,
                    len_bits,
                    stride,
                    entry,
                    ..
                } = &*place.part
                else {
                    return None;
                };
                let Part::Narrow { at: offset, enc } = &**entry else {
                    let declared = self.wide_root(b, node);
                    self.refuse_wide_compound(e.span, declared);
                    return Some(Arc::new(|_, _| Ok(0)));
                };
                let (len_at, len_bits, stride, offset) = (*len_at, *len_bits, *stride, *offset);
                let enc = enc.clone();
                let from = self.enc(&a.ty, a.span);
                let to = Storer::new(&from, &enc);
                let x = self.expr(a, node);
                Some(Arc::new(move |ctx, locals| {
                    let v = x(ctx, locals)?;
                    let base = (place.at)(ctx, locals)?;
                    // A value the elements cannot hold is in no such sequence.
                    let Ok(code) = to.store(v, Span::default()) else {
                        return Ok(0);
                    };
                    let len = read_bits(ctx.words, base + len_at, len_bits);
                    Ok((0..len)
                        .any(|i| read_bits(ctx.words, base + offset + i * stride, enc.bits) == code)
                        as i64)
                }))
            }
            _ => None,
        }
    }

    /// `len`, `head` and `last` of a wide sequence variable (or one inside
    /// a wide value); `None` for anything else.
    pub(crate) fn wide_value_call(
        &mut self,
        builtin: Builtin,
        args: &[Expr],
        e: &Expr,
        node: Option<NodeKindId>,
    ) -> Option<ExprFn> {
        if !matches!(
            builtin,
            Builtin::Len | Builtin::Head | Builtin::Last | Builtin::Tail
        ) {
            return None;
        }
        let place = self.value_place(args.first()?, node)?;
        let Part::Seq {
            len_at,
            len_bits,
            stride,
            entry,
            ..
        } = &*place.part
        else {
            return None;
        };
        let (len_at, len_bits, stride) = (*len_at, *len_bits, *stride);
        let at = place.at.clone();
        if builtin == Builtin::Len {
            return Some(Arc::new(move |ctx, locals| {
                Ok(read_bits(ctx.words, at(ctx, locals)? + len_at, len_bits) as i64)
            }));
        }
        let (Part::Narrow { at: offset, enc }, false) = (&**entry, builtin == Builtin::Tail) else {
            let declared = self.wide_root(&args[0], node);
            self.refuse_wide_compound(e.span, declared);
            return Some(Arc::new(|_, _| Ok(0)));
        };
        let (offset, enc, span) = (*offset, enc.clone(), e.span);
        let last = builtin == Builtin::Last;
        Some(Arc::new(move |ctx, locals| {
            let base = at(ctx, locals)?;
            let len = read_bits(ctx.words, base + len_at, len_bits);
            if len == 0 {
                return Err(err(RtErrorKind::EmptySeq, span));
            }
            let i = if last { len - 1 } else { 0 };
            let code = read_bits(ctx.words, base + offset + i * stride, enc.bits);
            Ok(from_code(code, &enc))
        }))
    }

    /// Compiles `value` into a writer of `part`: another wide value of the
    /// same type, or a literal (records, tuples, maps, sequences, sets)
    /// whose narrow parts are ordinary expressions.
    fn writer(&mut self, part: &Arc<Part>, value: &Expr, node: Option<NodeKindId>) -> Writer {
        if let Some(from) = self.value_place(value, node)
            && from.part.like(part)
        {
            let (lo, hi) = part.span();
            let from_lo = from.part.span().0;
            return Arc::new(move |ctx, locals, out, base| {
                let src = (from.at)(ctx, locals)?;
                copy_bits(ctx.words, src + from_lo, out, base + lo, hi - lo);
                Ok(())
            });
        }
        let span = value.span;
        match (&**part, &value.kind) {
            (Part::Narrow { at, enc }, _) => {
                let (at, bits) = (*at, enc.bits);
                let to = Storer::new(&self.enc(&value.ty, value.span), enc);
                let ex = self.expr(value, node);
                Arc::new(move |ctx, locals, out, base| {
                    let code = to.store(ex(ctx, locals)?, span)?;
                    write_bits(out, base + at, bits, code);
                    Ok(())
                })
            }
            (_, ExprKind::If(c, t, f)) => {
                let c = self.expr(c, node);
                let (t, f) = (self.writer(part, t, node), self.writer(part, f, node));
                Arc::new(move |ctx, locals, out, base| {
                    if c(ctx, locals)? != 0 {
                        t(ctx, locals, out, base)
                    } else {
                        f(ctx, locals, out, base)
                    }
                })
            }
            (Part::Set { at, set }, ExprKind::SetLit(items)) => {
                let at = *at;
                let items: Vec<_> = (items.iter())
                    .map(|i| self.wide_element_checked(i, set, node))
                    .collect();
                Arc::new(move |ctx, locals, out, base| {
                    let first = ((base + at) / 64) as usize;
                    for item in &items {
                        let i = item(ctx, locals)?;
                        out[first + i / 64] |= 1 << (i % 64);
                    }
                    Ok(())
                })
            }
            (Part::Product(parts), ExprKind::Tuple(items) | ExprKind::Record(items))
                if parts.len() == items.len() =>
            {
                let writers: Vec<Writer> = (parts.iter().zip(items))
                    .map(|(p, i)| self.writer(p, i, node))
                    .collect();
                Arc::new(move |ctx, locals, out, base| {
                    for w in &writers {
                        w(ctx, locals, out, base)?;
                    }
                    Ok(())
                })
            }
            (
                Part::Map {
                    keys,
                    stride,
                    entry,
                },
                ExprKind::MapLit { entries, default },
            ) => {
                let (keys, stride) = (keys.clone(), *stride);
                let (lo, hi) = entry.span();
                let default = default.as_ref().map(|d| self.writer(entry, d, node));
                let listed: Vec<(ExprFn, Storer, Writer, Span)> = (entries.iter())
                    .map(|(k, v)| {
                        let to = Storer::new(&self.enc(&k.ty, k.span), &keys.elem);
                        (self.expr(k, node), to, self.writer(entry, v, node), k.span)
                    })
                    .collect();
                Arc::new(move |ctx, locals, out, base| {
                    if let Some(d) = &default {
                        for i in 0..keys.elements() as u64 {
                            d(ctx, locals, out, base + i * stride)?;
                        }
                    }
                    for (key, to, w, span) in &listed {
                        let code = to.store(key(ctx, locals)?, *span)?;
                        let Some(i) = keys.dense(code) else {
                            continue;
                        };
                        let entry_base = base + i as u64 * stride;
                        // An entry listed after `_`: its bits anew.
                        clear_bits(out, entry_base + lo, hi - lo);
                        w(ctx, locals, out, entry_base)?;
                    }
                    Ok(())
                })
            }
            (
                Part::Seq {
                    len_at,
                    len_bits,
                    max_len,
                    stride,
                    entry,
                },
                ExprKind::SeqLit(items),
            ) => {
                let (len_at, len_bits, max_len, stride) = (*len_at, *len_bits, *max_len, *stride);
                let writers: Vec<Writer> = (items.iter())
                    .map(|i| self.writer(entry, i, node))
                    .collect();
                Arc::new(move |ctx, locals, out, base| {
                    if writers.len() > max_len as usize {
                        return Err(err(RtErrorKind::SeqFull { max: max_len }, span));
                    }
                    write_bits(out, base + len_at, len_bits, writers.len() as u64);
                    for (i, w) in writers.iter().enumerate() {
                        w(ctx, locals, out, base + i as u64 * stride)?;
                    }
                    Ok(())
                })
            }
            _ => {
                let declared = self.wide_root(value, node);
                self.refuse_wide_compound(value.span, declared);
                Arc::new(|_, _, _, _| Ok(()))
            }
        }
    }

    /// An assignment to a part of a wide value variable of the running
    /// node; `None` when the variable is no wide value.
    pub(crate) fn wide_value_assign(
        &mut self,
        kind: NodeKindId,
        place: &Place,
        op: AssignKind,
        value: &Expr,
        span: Span,
    ) -> Option<StmtFn> {
        let (part, firsts) = self.wide_value_var(kind, place.var)?;
        let node = Some(kind);
        let mut here = ValuePlace {
            part,
            at: Arc::new(move |ctx, _| Ok(firsts[ctx.self_inst as usize] as u64 * 64)),
        };
        let mut rest = place.path.as_slice();
        while let Some((access, tail)) = rest.split_first() {
            let next = match (&*here.part, access) {
                (Part::Narrow { .. }, _) => break,
                (_, Access::Field(i) | Access::Tuple(i)) => field_hop(here, *i),
                (_, Access::MapKey(k)) => self.key_hop(here, k, node),
                (_, Access::SeqIndex(i)) => self.index_hop(here, i, node, span),
            };
            here = next.expect("typeck: place accesses match the variable's type");
            rest = tail;
        }
        let declared = self.spec.nodes[kind].vars[place.var].span;
        let at = here.at.clone();
        match &*here.part {
            Part::Narrow { at: offset, enc } => {
                let (offset, bits) = (*offset, enc.bits);
                let assign = self.narrow_assign(enc.clone(), rest, op, value, node, span);
                Some(Arc::new(move |env, locals| {
                    let bit = at(&env.ctx(), locals)? + offset;
                    let old = read_bits(env.words, bit, bits);
                    let new = assign.apply(old, env, locals)?;
                    write_bits(env.words, bit, bits, new);
                    Ok(())
                }))
            }
            Part::Set { at: offset, set } => {
                let offset = *offset;
                let first: FirstWord =
                    Arc::new(move |ctx, locals| Ok(((at(ctx, locals)? + offset) / 64) as usize));
                Some(self.wide_set_assign(set.clone(), first, op, value, node, declared))
            }
            Part::Seq {
                len_at,
                len_bits,
                max_len,
                stride,
                entry,
            } if op == AssignKind::SeqAppend => {
                let (len_at, len_bits, max_len, stride) = (*len_at, *len_bits, *max_len, *stride);
                let (lo, hi) = entry.span();
                let write = self.writer(entry, value, node);
                let words = hi.div_ceil(64) as usize;
                Some(Arc::new(move |env, locals| {
                    let mut new = vec![0u64; words];
                    let base = {
                        let ctx = env.ctx();
                        write(&ctx, locals, &mut new, 0)?;
                        at(&ctx, locals)?
                    };
                    let len = read_bits(env.words, base + len_at, len_bits);
                    if len >= max_len as u64 {
                        return Err(err(RtErrorKind::SeqFull { max: max_len }, span));
                    }
                    copy_bits(&new, lo, env.words, base + len * stride + lo, hi - lo);
                    write_bits(env.words, base + len_at, len_bits, len + 1);
                    Ok(())
                }))
            }
            whole if op == AssignKind::Set => {
                let (lo, hi) = whole.span();
                let write = self.writer(&here.part, value, node);
                let words = hi.div_ceil(64) as usize;
                Some(Arc::new(move |env, locals| {
                    let mut new = vec![0u64; words];
                    let base = {
                        let ctx = env.ctx();
                        write(&ctx, locals, &mut new, 0)?;
                        at(&ctx, locals)?
                    };
                    copy_bits(&new, lo, env.words, base + lo, hi - lo);
                    Ok(())
                }))
            }
            _ => {
                self.refuse_wide_compound(value.span, Some(declared));
                Some(Arc::new(|_, _| Ok(())))
            }
        }
    }

    /// The words of a wide value variable's initial value, a literal
    /// (`None` when `var` is no wide value).
    pub(crate) fn wide_value_init(
        &mut self,
        kind: NodeKindId,
        var: usize,
        value: &Expr,
    ) -> Option<WideValueInit> {
        let (part, _) = self.wide_value_var(kind, var)?;
        let words = self.layout.kinds[kind].vars[var]
            .wide_value
            .as_ref()
            .map_or(0, |v| v.words);
        Some(WideValueInit {
            words,
            write: self.writer(&part, value, Some(kind)),
        })
    }
}

/// The same place one field or component further in.
fn field_hop(place: ValuePlace, i: usize) -> Option<ValuePlace> {
    let Part::Product(parts) = &*place.part else {
        return None;
    };
    Some(ValuePlace {
        part: parts.get(i)?.clone(),
        at: place.at,
    })
}

/// Clears `len` bits from bit `at` of `words`.
fn clear_bits(words: &mut [u64], at: u64, len: u64) {
    let mut done = 0;
    while done < len {
        let n = (len - done).min(64) as u32;
        write_bits(words, at + done, n, 0);
        done += n as u64;
    }
}

/// A wide value variable's initial value.
pub(crate) struct WideValueInit {
    words: u32,
    write: Writer,
}

impl WideValueInit {
    /// The initial words, computed in `ctx` (of instance `ctx.self_inst`).
    pub(crate) fn words(&self, ctx: &Ctx, locals: &mut [i64]) -> RtResult<Vec<u64>> {
        let mut words = vec![0u64; self.words as usize];
        (self.write)(ctx, locals, &mut words, 0)?;
        Ok(words)
    }
}
