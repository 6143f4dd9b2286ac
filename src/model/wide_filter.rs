//! Walking only the members of a wide set of a union that can decide a
//! test on them.
//!
//! TLA+-style specs keep every message sent in one set of a union
//! (`msgs: set<Message>`, [`super::wide`]) and test it with quantifiers
//! whose body looks at one variant: `exists m in msgs: match m { M1b(a,
//! b, _, _) => a == x && b == y, _ => false }`. Every other variant gives
//! `false`, and so does an `M1b` whose fields differ from `x` and `y`.
//! When the spec is lowered, [`Lowerer::wide_filter`] works out from the
//! body's form which members can give the quantifier's deciding value (a
//! [`WideFilter`]): per variant, none, or those whose fields equal some
//! values computed once per evaluation. At run time the set's words are
//! masked with the bits of those members ([`WideFilter::walk`]), so the
//! loop visits only them, in the set's order.
//!
//! Invariant: a member left out evaluates the body to the value that does
//! not decide (`false` for `exists` and `count`, `true` for `forall`)
//! **without failing**, so the quantifier's value and its failures are
//! the same as over every member; and the values compared with fields
//! cannot fail and read no local bound inside the body, so computing them
//! once before the loop changes nothing either.
//!
//! The bits of one variant are a contiguous run of the set's bits: a wide
//! set's bit `i` is the `i`-th value of the element type
//! ([`super::wide_set::WideSet`]), and [`super::encoding::Enc::domain`] lists
//! a union's values variant by variant. The filter uses bit masks, so it
//! does not rely on that, but the run is why it touches few words: words
//! where no kept member can be are skipped.

use std::collections::HashMap;
use std::sync::Arc;

use super::encoding::{Shape, mask};
use super::expr::{Lowerer, Storer, mentions};
use super::facts::cannot_fail;
use super::wide_set::{FieldTest, LiveVariant, MAX_FIELD_BITS, MAX_TESTS, WideFilter, WideSet};
use crate::typed::{BinOp, Expr, ExprKind, LocalId, NodeKindId, Type, TypedSpec, UnOp};

/// Per variant: `None` when no member of it can give the wanted value
/// (each gives the other one without failing), else the field tests
/// (field index, value) every member that can must pass.
type Need = Vec<Option<Vec<(usize, Expr)>>>;

fn any(n: usize) -> Need {
    vec![Some(Vec::new()); n]
}

/// Members that may give the value in both `a` and `b` (`a && b`'s
/// `true`: a member left out of either gives `false`).
fn both(a: Need, b: Need) -> Need {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| match (x, y) {
            (Some(mut x), Some(y)) => {
                x.extend(y);
                Some(x)
            }
            _ => None,
        })
        .collect()
}

/// Members that may give the value in `a` or in `b`.
fn either(a: Need, b: Need) -> Need {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| match (x, y) {
            (None, None) => None,
            (Some(x), None) | (None, Some(x)) => Some(x),
            // Tests of one side only would leave out members of the other.
            (Some(_), Some(_)) => Some(Vec::new()),
        })
        .collect()
}

/// What the analysis knows about the locals in scope.
#[derive(Clone, Default)]
struct Scope {
    /// Locals holding the member itself.
    member: Vec<LocalId>,
    /// Locals bound by a `match` arm on the member: (variant, field).
    fields: HashMap<LocalId, (usize, usize)>,
    /// Locals bound by a `let` to a value that reads no inner local.
    outer: HashMap<LocalId, Expr>,
    /// Locals bound inside the body (values change per member).
    inner: Vec<LocalId>,
}

struct Analysis<'a> {
    /// How many variants the union has.
    n_variants: usize,
    spec: &'a TypedSpec,
}

impl Analysis<'_> {
    /// The members for which `e` may evaluate to `want` or fail: every
    /// other member evaluates it to `!want` without failing.
    fn need(&self, e: &Expr, want: bool, scope: &Scope) -> Need {
        let n = self.n_variants;
        match &e.kind {
            ExprKind::Bool(b) if *b == want => any(n),
            ExprKind::Bool(_) => vec![None; n],
            ExprKind::Unary(UnOp::Not, x) => self.need(x, !want, scope),
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or | BinOp::Implies), a, b) => {
                // When `e` takes `want` only if both sides take a given
                // value (`a && b` true, `a || b` false, `a => b` false),
                // a member must pass both: `a`'s test, then `b`'s, which
                // is reached only when `a` did not fail. Otherwise `e`
                // takes `want` when either side does.
                let (both_sides, a_want, b_want) = match (op, want) {
                    (BinOp::And, true) => (true, true, true),
                    (BinOp::And, false) => (false, false, false),
                    (BinOp::Or, false) => (true, false, false),
                    (BinOp::Or, true) => (false, true, true),
                    (_, false) => (true, true, false),
                    (_, true) => (false, false, true),
                };
                let na = self.need(a, a_want, scope);
                if both_sides && !cannot_fail(a, self.spec) {
                    return na;
                }
                let nb = self.need(b, b_want, scope);
                if both_sides {
                    both(na, nb)
                } else {
                    either(na, nb)
                }
            }
            ExprKind::Binary(BinOp::Eq, a, b) if want => {
                let (field, value) = match (self.field(a, scope), self.field(b, scope)) {
                    (Some(f), None) => (f, b),
                    (None, Some(f)) => (f, a),
                    _ => return any(n),
                };
                let Some(value) = self.outer_value(value, scope) else {
                    return any(n);
                };
                let (local_ty, (variant, index)) = field;
                let comparable = match &local_ty {
                    Type::Range { .. } => value.ty.is_int(),
                    ty => value.ty == *ty,
                };
                if !comparable {
                    return any(n);
                }
                let mut out = any(n);
                out[variant] = Some(vec![(index, value)]);
                out
            }
            ExprKind::Is(x, v) if self.is_member(x, scope) => (0..n)
                .map(|w| (w == *v) == want)
                .map(|keep| keep.then(Vec::new))
                .collect(),
            ExprKind::Match(x, arms) if self.is_member(x, scope) => (0..n)
                .map(|v| {
                    let Some(arm) = arms.iter().find(|a| a.variant.is_none_or(|w| w == v)) else {
                        return Some(Vec::new());
                    };
                    let mut inner = scope.clone();
                    if arm.variant.is_some() {
                        for (i, local) in arm.binds.iter().enumerate() {
                            if let Some(l) = local {
                                inner.fields.insert(*l, (v, i));
                            }
                        }
                    }
                    self.need(&arm.body, want, &inner).swap_remove(v)
                })
                .collect(),
            ExprKind::Let {
                bindings,
                body,
                checked,
            } => {
                let mut inner = scope.clone();
                for (local, ty, value) in bindings {
                    let stored_as_is = !*checked || value.ty == *ty || fits(&value.ty, ty);
                    if !stored_as_is || !cannot_fail(value, self.spec) {
                        return any(n);
                    }
                    if self.is_member(value, &inner) {
                        inner.member.push(*local);
                    } else if let Some(v) = self.outer_value(value, &inner) {
                        inner.outer.insert(*local, v);
                    } else {
                        inner.inner.push(*local);
                    }
                }
                self.need(body, want, &inner)
            }
            _ => any(n),
        }
    }

    fn is_member(&self, e: &Expr, scope: &Scope) -> bool {
        matches!(e.kind, ExprKind::Local(l) if scope.member.contains(&l))
    }

    /// The variant and field a local bound by an arm stands for, with the
    /// local's type.
    fn field(&self, e: &Expr, scope: &Scope) -> Option<(Type, (usize, usize))> {
        match e.kind {
            ExprKind::Local(l) => scope.fields.get(&l).map(|&f| (e.ty.clone(), f)),
            _ => None,
        }
    }

    /// `e` as an expression of the locals outside the body, when it reads
    /// no local bound inside and cannot fail.
    fn outer_value(&self, e: &Expr, scope: &Scope) -> Option<Expr> {
        if let ExprKind::Local(l) = e.kind
            && let Some(v) = scope.outer.get(&l)
        {
            return Some(v.clone());
        }
        let bound: Vec<LocalId> = (scope.member.iter())
            .chain(scope.fields.keys())
            .chain(scope.outer.keys())
            .chain(&scope.inner)
            .copied()
            .collect();
        let mut inside = Vec::new();
        bound_inside(e, &mut inside);
        (cannot_fail(e, self.spec) && !mentions(e, &bound) && inside.is_empty()).then(|| e.clone())
    }
}

/// Whether every value of integer range `from` is one of `to`.
fn fits(from: &Type, to: &Type) -> bool {
    match (from, to) {
        (Type::Range { lo: a, hi: b }, Type::Range { lo, hi }) => lo <= a && b <= hi,
        (_, Type::Int) => from.is_int(),
        _ => false,
    }
}

/// The locals `e` binds (quantifiers, `let`s, `match` arms).
fn bound_inside(e: &Expr, out: &mut Vec<LocalId>) {
    match &e.kind {
        ExprKind::Quant { vars, .. } => out.extend(vars),
        ExprKind::Let { bindings, .. } => out.extend(bindings.iter().map(|(l, _, _)| *l)),
        ExprKind::Match(_, arms) => {
            for arm in arms {
                out.extend(arm.binds.iter().flatten());
                bound_inside(&arm.body, out);
            }
        }
        _ => {}
    }
    for c in e.children() {
        bound_inside(c, out);
    }
}

impl Lowerer<'_> {
    /// The filter for a quantifier over wide set `set` whose body `body`
    /// reads the member as `var`, when the body's form rules out members:
    /// those left out evaluate `body` to `!want` without failing. `None`
    /// when every member must be visited.
    pub(crate) fn wide_filter(
        &mut self,
        set: &WideSet,
        var: LocalId,
        body: &Expr,
        want: bool,
        node: Option<NodeKindId>,
    ) -> Option<Arc<WideFilter>> {
        let Shape::Union {
            payload_bits,
            variants,
        } = &set.elem.shape
        else {
            return None;
        };
        let analysis = Analysis {
            n_variants: variants.len(),
            spec: self.spec,
        };
        let scope = Scope {
            member: vec![var],
            ..Scope::default()
        };
        let need = analysis.need(body, want, &scope);
        if need.iter().all(|v| matches!(v, Some(t) if t.is_empty())) {
            return None;
        }
        let words = set.words as usize;
        let mut live = Vec::new();
        let mut n_tests = 0;
        for (v, tests) in need.into_iter().enumerate() {
            let Some(tests) = tests else { continue };
            let mut mask_v = vec![0u64; words];
            let tag_of = |d: usize| (set.code(d) >> payload_bits) as usize;
            for d in (0..set.elements()).filter(|&d| tag_of(d) == v) {
                mask_v[d / 64] |= 1 << (d % 64);
            }
            let Shape::Product(fields) = &variants[v].shape else {
                live.push(LiveVariant {
                    mask: mask_v,
                    tests: Vec::new(),
                });
                continue;
            };
            let mut compiled = Vec::new();
            for (index, value) in tests {
                let (offset, part) = &fields[index];
                if n_tests == MAX_TESTS || part.bits > MAX_FIELD_BITS {
                    continue;
                }
                let n_codes = 1usize << part.bits;
                let mut masks = vec![0u64; n_codes * words];
                for d in (0..set.elements()).filter(|&d| tag_of(d) == v) {
                    let payload = set.code(d) & mask(*payload_bits);
                    let code = ((payload >> offset) & mask(part.bits)) as usize;
                    masks[code * words + d / 64] |= 1 << (d % 64);
                }
                let store = Storer::new(&self.enc(&value.ty, value.span), part);
                compiled.push(FieldTest {
                    value: self.expr(&value, node),
                    store,
                    masks,
                    words,
                });
                n_tests += 1;
            }
            live.push(LiveVariant {
                mask: mask_v,
                tests: compiled,
            });
        }
        let union: Vec<u64> = (0..words)
            .map(|w| live.iter().fold(0, |m, v| m | v.mask[w]))
            .collect();
        let lo = union.iter().position(|&m| m != 0).unwrap_or(0);
        let hi = union.iter().rposition(|&m| m != 0).map_or(0, |w| w + 1);
        Some(Arc::new(WideFilter {
            variants: live,
            lo,
            hi,
        }))
    }
}
