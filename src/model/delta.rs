//! Tests of a new state from its parent's: an invariant or a bound split
//! into parts, each with the bits of the state it reads, so that a state
//! reached by a step evaluates only the parts whose bits the step changed.
//!
//! The search tests a state when it stores it, and expands it only when
//! the tests came out clean: every open invariant held (a violated one is
//! closed before the next level: `explore::Explorer::phase2_context`) and
//! every bound held (a state outside one is not expanded). So each part of
//! an open invariant or of a bound was true in the parent, without a
//! failure; a part that reads none of the bits that differ between the
//! parent and the child is true in the child too, and need not be
//! evaluated. A TLA+-style invariant (a conjunction of formulas over every
//! acceptor, say) mostly reads bits that a step leaves alone.
//!
//! The parts of a predicate are the operands of its top-level `&&` chain;
//! an operand that is a `forall` over a fixed list of values (every
//! instance of a node kind, every value of a small type) is split further
//! into one part per value (per combination, with several variables),
//! unless it has a cache of its own ([`super::memo`]): one lookup of the
//! whole costs less than one per part.
//! Evaluating the changed parts in order gives what the whole predicate
//! gives: `&&` stops at its first false operand, and so do the parts; a
//! `forall` whose body may fail evaluates every element and fails if any
//! fails (docs/language.md §19), and so does its group of parts, while the
//! parts left out are true and cannot fail.

use super::encoding::mask;
use super::expr::Lowerer;
use super::layout::Layout;
use super::memo::{Reads, collect};
use super::value::from_code;
use super::{Ctx, ExprFn, Model, RtResult};
use crate::syntax::ast::Quantifier;
use crate::typed::*;

/// The most parts one `forall` is split into.
const MAX_PARTS: usize = 64;

/// A predicate split into parts, evaluated in a state from what changed
/// since a parent where it held.
#[derive(Clone)]
pub(crate) struct DeltaPred {
    groups: Vec<Group>,
    n_locals: usize,
}

/// Parts evaluated together: one operand of the `&&` chain, or a `forall`
/// split per value.
#[derive(Clone)]
struct Group {
    parts: Vec<Part>,
    /// Whether every part is evaluated even after a false one (a `forall`
    /// whose body may fail).
    strict: bool,
}

#[derive(Clone)]
struct Part {
    ex: ExprFn,
    /// The quantified variables' values for this part.
    binds: Vec<(LocalId, i64)>,
    /// The bits it reads, as (word, mask) of the fixed part; `None` when it
    /// reads what a mask cannot say (the crash and Byzantine flags): then
    /// it is always evaluated.
    reads: Option<Vec<(u32, u64)>>,
}

impl Part {
    #[inline]
    fn changed(&self, changed: &[u64]) -> bool {
        match &self.reads {
            Some(reads) => reads.iter().any(|&(w, m)| changed[w as usize] & m != 0),
            None => true,
        }
    }
}

impl DeltaPred {
    /// The predicate's value in `state` (`changed`: its fixed words xor its
    /// parent's), given that it held in the parent.
    pub fn holds(
        &self,
        model: &Model,
        state: &[u64],
        changed: &[u64],
        locals: &mut Vec<i64>,
    ) -> RtResult<bool> {
        locals.resize(self.n_locals, 0);
        locals.iter_mut().for_each(|l| *l = 0);
        let (words, net) = state.split_at(model.layout.fixed_words);
        let ctx = Ctx::of(words, net, 0);
        for group in &self.groups {
            let mut holds = true;
            for part in &group.parts {
                if !part.changed(changed) {
                    continue;
                }
                for &(local, value) in &part.binds {
                    locals[local] = value;
                }
                if (part.ex)(&ctx, locals)? == 0 {
                    if !group.strict {
                        return Ok(false);
                    }
                    holds = false;
                }
            }
            if !holds {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Marks the bits of instance `inst`'s value of `var` of node kind `kind`
/// in `mask` (the words of the fixed part).
pub(super) fn mark_var(layout: &Layout, kind: NodeKindId, var: VarId, inst: usize, m: &mut [u64]) {
    let vl = &layout.kinds[kind].vars[var];
    // A wide set: every bit of its words.
    m[vl.wide_words(inst)].fill(u64::MAX);
    if let Some(slot) = vl.slots.get(inst)
        && slot.bits > 0
    {
        m[slot.word as usize] |= mask(slot.bits) << slot.shift;
    }
}

impl Lowerer<'_> {
    /// `e` split into parts, or `None` when no part would ever be left out
    /// (every part reads what a mask cannot say).
    pub(super) fn delta(&mut self, e: &Expr, n_locals: usize) -> Option<DeltaPred> {
        let mut operands = Vec::new();
        conjuncts(e, &mut operands);
        let mut groups = Vec::new();
        for operand in operands {
            let group = self.split_forall(operand).unwrap_or_else(|| Group {
                parts: vec![self.part(operand, Vec::new())],
                strict: false,
            });
            groups.push(group);
        }
        let useful = groups
            .iter()
            .flat_map(|g| &g.parts)
            .any(|p| p.reads.is_some());
        useful.then_some(DeltaPred { groups, n_locals })
    }

    /// A `forall` over a fixed list of values as one part per value (per
    /// combination of values).
    fn split_forall(&mut self, e: &Expr) -> Option<Group> {
        // A formula with a cache of its own costs one lookup whole, and
        // one per part split: kept whole.
        if self.memoisable(e) {
            return None;
        }
        let ExprKind::Quant {
            quantifier: Quantifier::Forall,
            vars,
            domain,
            body,
        } = &e.kind
        else {
            return None;
        };
        let ExprKind::All(ty) = &domain.kind else {
            return None;
        };
        let enc = super::encoding::Enc::of(ty, self.spec).ok()?;
        let codes = enc.domain()?;
        let combos = codes.len().checked_pow(vars.len() as u32)?;
        if combos == 0 || combos > MAX_PARTS {
            return None;
        }
        let values: Vec<i64> = codes.iter().map(|&c| from_code(c, &enc)).collect();
        let mut parts = Vec::with_capacity(combos);
        for n in 0..combos {
            // The combination's values, the first variable outermost.
            let mut rest = n;
            let mut binds = vec![(0, 0); vars.len()];
            for (i, &var) in vars.iter().enumerate().rev() {
                binds[i] = (var, values[rest % values.len()]);
                rest /= values.len();
            }
            parts.push(self.part(body, binds));
        }
        Some(Group {
            parts,
            strict: !self.cannot_fail(body),
        })
    }

    fn part(&mut self, e: &Expr, binds: Vec<(LocalId, i64)>) -> Part {
        let reads = self.part_reads(e, &binds);
        Part {
            ex: self.expr(e, None),
            binds,
            reads,
        }
    }

    /// The bits `e` reads with `binds` given, as (word, mask) pairs.
    fn part_reads(&self, e: &Expr, binds: &[(LocalId, i64)]) -> Option<Vec<(u32, u64)>> {
        let mut reads = Reads::default();
        collect(e, &mut Vec::new(), &mut reads)?;
        let bound = |l: LocalId| binds.iter().find(|&&(b, _)| b == l).map(|&(_, v)| v);
        if reads.self_index || reads.locals.iter().any(|(l, _)| bound(*l).is_none()) {
            return None;
        }
        let mut m = vec![0u64; self.layout.fixed_words];
        for &(local, kind, var) in &reads.instance {
            let (Some(local), Some(kind)) = (local, kind) else {
                return None;
            };
            let inst = usize::try_from(bound(local)?).ok()?;
            mark_var(self.layout, kind, var, inst, &mut m);
        }
        for &(kind, var) in &reads.all {
            for inst in 0..self.layout.kinds[kind].vars[var].slots.len() {
                mark_var(self.layout, kind, var, inst, &mut m);
            }
        }
        Some(
            (m.iter().enumerate())
                .filter(|&(_, &m)| m != 0)
                .map(|(w, &m)| (w as u32, m))
                .collect(),
        )
    }
}

/// The operands of `e`'s top-level `&&` chain, in order.
fn conjuncts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Binary(BinOp::And, a, b) => {
            conjuncts(a, out);
            conjuncts(b, out);
        }
        _ => out.push(e),
    }
}

/// The split predicates of a model: by property index, an invariant's
/// (`None` for the other forms, evaluated whole); by index, the bounds'
/// (`None`: evaluated whole).
#[derive(Clone, Default)]
pub(crate) struct Delta {
    pub properties: Vec<Option<DeltaPred>>,
    pub bounds: Vec<Option<DeltaPred>>,
}
