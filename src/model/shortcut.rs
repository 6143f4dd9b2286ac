//! Shortcut forms: expressions of a common shape compiled into one
//! closure that reads the packed state directly, instead of a tree of
//! closures ([`Lowerer::expr`] tries these first). Each gives exactly the
//! value and the failures of the general form.

use std::sync::Arc;

use super::ExprFn;
use super::encoding::{Shape, mask};
use super::expr::{Domain, Into, Lowerer, constant, mentions, quant_nest, quant_values};
use super::value::recode;
use crate::syntax::ast::Quantifier;
use crate::typed::*;

impl Lowerer<'_> {
    /// For a read of the running node's own variable: its slots by instance
    /// and the offset its codes are read with (the low bound of an integer
    /// range, else 0), exactly as [`Lowerer::expr`] compiles the read.
    fn own_var(
        &self,
        e: &Expr,
        node: Option<NodeKindId>,
    ) -> Option<(Vec<super::layout::Slot>, i64)> {
        let ExprKind::Var(v) = &e.kind else {
            return None;
        };
        let var = &self.layout.kinds[node?].vars[*v];
        let lo = match var.enc.shape {
            Shape::Int { lo, .. } => lo,
            _ => 0,
        };
        Some((var.slots.clone(), lo))
    }

    /// For `n.var` with `n` a local: the local, the variable's slots by
    /// instance and its read offset, as [`Lowerer::expr`] compiles the read.
    fn local_var(&self, e: &Expr) -> Option<(LocalId, Vec<super::layout::Slot>, i64)> {
        let ExprKind::RemoteVar { node, kind, var } = &e.kind else {
            return None;
        };
        let ExprKind::Local(local) = node.kind else {
            return None;
        };
        let var = &self.layout.kinds[*kind].vars[*var];
        let lo = match var.enc.shape {
            Shape::Int { lo, .. } => lo,
            _ => 0,
        };
        Some((local, var.slots.clone(), lo))
    }

    /// `forall`/`exists var in D: var.v == constant` (or `!=`) without a
    /// closure call per instance: the instances' fields are compared with
    /// the constant a word at a time ([`FieldTest`]).
    pub(super) fn quant_field(
        &mut self,
        forall: bool,
        values: &Arc<Vec<i64>>,
        var: LocalId,
        body: &Expr,
    ) -> Option<ExprFn> {
        let ExprKind::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b) = &body.kind else {
            return None;
        };
        let ((local, slots, lo), c) =
            (self.local_var(a).zip(constant(b))).or_else(|| self.local_var(b).zip(constant(a)))?;
        let same_enc = a.ty.is_int() || self.enc(&a.ty, a.span) == self.enc(&b.ty, b.span);
        if !same_enc || local != var {
            return None;
        }
        let test = FieldTest::new(values.iter().map(|&v| slots[v as usize]), lo, c);
        let want = *op == BinOp::Eq;
        // exists ==: some field is c; forall ==: none differs; exists !=:
        // some differs; forall !=: every one differs.
        Some(match (forall, want) {
            (false, true) => Arc::new(move |ctx, _| Ok(test.some_equal(ctx.words) as i64)),
            (true, true) => Arc::new(move |ctx, _| Ok(!test.some_differ(ctx.words) as i64)),
            (false, false) => Arc::new(move |ctx, _| Ok(test.some_differ(ctx.words) as i64)),
            (true, false) => Arc::new(move |ctx, _| Ok(!test.some_equal(ctx.words) as i64)),
        })
    }

    /// `var == constant` (or `!=`, `want` false) for the running node's
    /// own variable or for `n.var` with `n` a local, in one closure that
    /// reads the field itself: no calls for the operands. The commonest
    /// guard shape.
    pub(super) fn field_equals(
        &self,
        a: &Expr,
        b: &Expr,
        want: bool,
        node: Option<NodeKindId>,
    ) -> Option<ExprFn> {
        // The commonest guard shape, `var == constant`, in one
        // closure: no calls for the operands.
        let own = self.own_var(a, node).zip(constant(b));
        let own = own.or_else(|| self.own_var(b, node).zip(constant(a)));
        if let Some(((slots, lo), c)) = own {
            return Some(Arc::new(move |ctx, _| {
                let v = lo.wrapping_add(slots[ctx.self_inst as usize].read(ctx.words) as i64);
                Ok(((v == c) == want) as i64)
            }));
        }
        // `n.var == constant` for a node `n` in a local (a
        // quantified variable, say).
        let remote = self.local_var(a).zip(constant(b));
        let remote = remote.or_else(|| self.local_var(b).zip(constant(a)));
        if let Some(((local, slots, lo), c)) = remote {
            return Some(Arc::new(move |ctx, locals| {
                let v = lo.wrapping_add(slots[locals[local] as usize].read(ctx.words) as i64);
                Ok(((v == c) == want) as i64)
            }));
        }
        None
    }

    /// `x in {a, b, c}`: `x` compared with each element, without building
    /// the set, so that the elements' type may hold more values than a set
    /// can pack (`x in {y}` with `x, y: 0..100`). Every element is
    /// evaluated, as the literal would be.
    pub(super) fn in_listed(
        &mut self,
        x: &Expr,
        items: &[Expr],
        node: Option<NodeKindId>,
    ) -> ExprFn {
        let int = x.ty.is_int();
        let ex = self.enc(&x.ty, x.span);
        let xv = self.expr(x, node);
        if int {
            let items: Vec<ExprFn> = items.iter().map(|i| self.expr(i, node)).collect();
            return Arc::new(move |ctx, locals| {
                let v = xv(ctx, locals)?;
                let mut found = false;
                for item in &items {
                    found |= item(ctx, locals)? == v;
                }
                Ok(found as i64)
            });
        }
        let items: Vec<Into> = items
            .iter()
            .map(|i| self.encode_into(&ex, i, node))
            .collect();
        Arc::new(move |ctx, locals| {
            let v = xv(ctx, locals)? as u64;
            let mut found = false;
            for item in &items {
                found |= item(ctx, locals)? == Some(v);
            }
            Ok(found as i64)
        })
    }

    /// `a - {x, y}` or `a & {x, y}`: the listed elements are put into the
    /// result's element encoding, and one it cannot hold is dropped (it
    /// takes nothing away from `a`, adds nothing to `a & ...`) rather than
    /// stored into the literal's own type first, where it could fail
    /// (`{0} - {x / y}` with `x / y` equal to 1).
    pub(super) fn minus_listed(
        &mut self,
        op: BinOp,
        a: &Expr,
        items: &[Expr],
        e: &Expr,
        node: Option<NodeKindId>,
    ) -> ExprFn {
        let span = e.span;
        let to = self.enc(&e.ty, span);
        let Shape::Set(elem) = to.shape.clone() else {
            return self.unpackable("typeck: `-` and `&` of sets are sets");
        };
        let ea = self.enc(&a.ty, a.span);
        let x = self.expr(a, node);
        let items: Vec<Into> = items
            .iter()
            .map(|item| self.encode_into(&elem, item, node))
            .collect();
        let same_a = ea == to;
        Arc::new(move |ctx, locals| {
            let p = x(ctx, locals)? as u64;
            let p = if same_a {
                p
            } else {
                recode(p, &ea, &to, span)?
            };
            let mut q = 0u64;
            for item in &items {
                if let Some(c) = item(ctx, locals)? {
                    q |= 1 << c;
                }
            }
            Ok(match op {
                BinOp::Diff => p & !q,
                _ => p & q,
            } as i64)
        })
    }
}

/// The comparison of a variable's fields in a list of instances with one
/// constant, a word at a time: in each word, the fields XOR the constant's
/// code, each field's bits OR-ed down into its lowest bit, say which fields
/// differ from it. (Fields never straddle words.)
struct FieldTest {
    /// Per word holding some of the fields: the word, the bits of the
    /// fields, the constant's code in each field, the fields' lowest bits.
    words: Vec<(usize, u64, u64, u64)>,
    /// The fields' width.
    bits: u32,
    /// Some field has no bits (a variable of one value, `lo`): whether
    /// that value is the constant.
    empty: Option<bool>,
    /// Whether the constant has a code at all: if not, every field differs.
    in_range: bool,
}

impl FieldTest {
    /// The test of `slots` (one variable's fields; codes offset by `lo`)
    /// against the value `c`.
    fn new(slots: impl Iterator<Item = super::layout::Slot>, lo: i64, c: i64) -> FieldTest {
        let mut test = FieldTest {
            words: Vec::new(),
            bits: 0,
            empty: None,
            in_range: false,
        };
        let code = c.wrapping_sub(lo) as u64;
        for slot in slots {
            if slot.bits == 0 {
                test.empty = Some(c == lo);
                continue;
            }
            test.bits = slot.bits;
            test.in_range = code <= mask(slot.bits);
            let w = slot.word as usize;
            let at = match test.words.iter().position(|e| e.0 == w) {
                Some(at) => at,
                None => {
                    test.words.push((w, 0, 0, 0));
                    test.words.len() - 1
                }
            };
            let e = &mut test.words[at];
            e.1 |= mask(slot.bits) << slot.shift;
            e.2 |= (code & mask(slot.bits)) << slot.shift;
            e.3 |= 1 << slot.shift;
        }
        test
    }

    /// Per word of fields: (the fields' lowest bits set where the field
    /// differs from the constant, the fields' lowest bits).
    #[inline]
    fn differ<'a>(&'a self, words: &'a [u64]) -> impl Iterator<Item = (u64, u64)> + 'a {
        self.words.iter().map(move |&(w, fields, code, low)| {
            let x = (words[w] ^ code) & fields;
            let mut folded = x;
            for j in 1..self.bits {
                folded |= x >> j;
            }
            (folded & low, low)
        })
    }

    /// Whether some field holds the constant.
    #[inline]
    fn some_equal(&self, words: &[u64]) -> bool {
        self.empty == Some(true)
            || (self.in_range && self.differ(words).any(|(differ, low)| differ != low))
    }

    /// Whether some field holds another value.
    #[inline]
    fn some_differ(&self, words: &[u64]) -> bool {
        self.empty == Some(false)
            || (!self.words.is_empty()
                && (!self.in_range || self.differ(words).any(|(differ, _)| differ != 0)))
    }
}

impl Lowerer<'_> {
    /// `exists a, b in D: P(a) && Q(b)`, where no variable is read by both
    /// sides, as `(exists a in D: P(a)) && (exists b in D: Q(b))`: linear
    /// instead of quadratic in `D` (`consistent` in specs/2pc.ds). The two
    /// agree, an empty domain included (both are false), and so do their
    /// failures when the sides evaluate every element ([`Lowerer::cannot_fail`]):
    /// both fail when some `P(a)` fails, or when some `P(a)` holds and
    /// some `Q(b)` fails.
    pub(super) fn split_exists(
        &mut self,
        quantifier: Quantifier,
        vars: &[LocalId],
        domain: &Expr,
        body: &Expr,
        node: Option<NodeKindId>,
    ) -> Option<ExprFn> {
        let ExprKind::Binary(BinOp::And, left, right) = &body.kind else {
            return None;
        };
        if quantifier != Quantifier::Exists || vars.len() < 2 || mentions(domain, vars) {
            return None;
        }
        let (right_vars, left_vars): (Vec<LocalId>, Vec<LocalId>) =
            vars.iter().partition(|&&v| mentions(right, &[v]));
        if left_vars.is_empty() || right_vars.is_empty() || mentions(left, &right_vars) {
            return None;
        }
        let side = |this: &mut Self, vars: Vec<LocalId>, body: &Expr| -> ExprFn {
            let dom = this.domain(domain, node);
            let strict = !this.cannot_fail(body);
            if let (Domain::Values(vs), [var]) = (&dom, vars.as_slice()) {
                if let Some(ex) = this.quant_field(false, vs, *var, body) {
                    return ex;
                }
                let body = this.expr(body, node);
                return quant_values(false, vs.clone(), *var, body, strict);
            }
            let body = this.expr(body, node);
            quant_nest(false, dom, vars, body, strict)
        };
        let left = side(self, left_vars, left);
        let right = side(self, right_vars, right);
        Some(Arc::new(move |ctx, locals| {
            Ok((left(ctx, locals)? != 0 && right(ctx, locals)? != 0) as i64)
        }))
    }
}
