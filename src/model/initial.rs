//! Initial states: each variable's possible initial codes, and the
//! candidates they make as the numbers of a mixed radix ([`Initial`]).

use super::code::InitCode;
use super::expr::store;
use super::layout::Slot;
use super::value::{from_code, to_code};
use super::{Ctx, InitError, Model, RtResult};
use crate::syntax::ast::FaultKind;
use crate::typed::*;

impl Model {
    /// Every initial state, in order ([`Initial`]): the candidates that
    /// every `init` predicate admits. For a handful of initial states; the
    /// explorer streams them instead. Empty when none is admitted.
    pub fn initial_states(&self) -> Result<Vec<Vec<u64>>, InitError> {
        let initial = self.initial()?;
        let n = usize::try_from(initial.len()).unwrap_or(usize::MAX);
        let mut states = Vec::new();
        let mut locals = Vec::new();
        for i in 0..n {
            let mut s = Vec::new();
            if initial.admit(i as u128, &mut s, &mut locals)? {
                states.push(s);
            }
        }
        Ok(states)
    }

    /// The initial states, without making them: each variable's possible
    /// initial codes, then which instances are byzantine.
    pub fn initial(&self) -> RtResult<Initial> {
        let mut digits = Vec::new();
        for (k, kind) in self.code.kinds.iter().enumerate() {
            for inst in 0..self.layout.kinds[k].count {
                for v in 0..kind.init.len() {
                    for (slot, choices) in self.init_digits(k, inst, v)? {
                        digits.push(Digit::Var(slot, choices));
                    }
                }
            }
        }
        // Which instances are byzantine: every set of at most the budget
        // (the empty set first), per kind in declaration order.
        for (k, kl) in self.layout.kinds.iter().enumerate() {
            let Some(flags) = &kl.byzantine else { continue };
            let budget: u64 = self
                .spec
                .faults
                .iter()
                .filter(|f| f.kind == FaultKind::Byzantine && f.node == Some(k))
                .map(|f| f.budget.unwrap_or(kl.count) as u64)
                .sum();
            let subsets: Vec<u64> = (0..1u64 << kl.count)
                .filter(|m| m.count_ones() as u64 <= budget)
                .collect();
            digits.push(Digit::Byzantine(flags.clone(), subsets));
        }
        Ok(Initial {
            fixed: self.layout.fixed_words,
            digits,
            inits: self.inits.clone(),
        })
    }

    /// The possible initial codes of variable `v` of instance `inst`.
    /// Instance `inst`'s variable `v` of kind `k` as digits of the initial
    /// states: its field and its initial codes, or for a wide set or a
    /// wide value each of its words and the one value it starts with.
    pub(super) fn init_digits(
        &self,
        k: NodeKindId,
        inst: u32,
        v: VarId,
    ) -> RtResult<Vec<(Slot, Vec<u64>)>> {
        let var = &self.layout.kinds[k].vars[v];
        let init = &self.code.kinds[k].init[v];
        if let InitCode::Wide(_) | InitCode::WideValue(_) = init {
            let ctx = Ctx::of(&[], &[], inst);
            let mut locals = vec![0; self.spec.nodes[k].vars[v].locals.len()];
            let words = match init {
                InitCode::Wide(wide) => wide.words(&ctx, &mut locals)?,
                InitCode::WideValue(wide) => wide.words(&ctx, &mut locals)?,
                _ => unreachable!("matched above"),
            };
            let first = var.slots[inst as usize].word;
            return Ok((words.into_iter().enumerate())
                .map(|(w, word)| {
                    let slot = Slot {
                        word: first + w as u32,
                        shift: 0,
                        bits: 64,
                    };
                    (slot, vec![word])
                })
                .collect());
        }
        Ok(vec![(
            var.slots[inst as usize],
            self.init_choices(k, inst, v)?,
        )])
    }

    fn init_choices(&self, k: NodeKindId, inst: u32, v: VarId) -> RtResult<Vec<u64>> {
        let ctx = Ctx::of(&[], &[], inst);
        // One slot per quantifier variable of the initialiser.
        let mut locals = vec![0; self.spec.nodes[k].vars[v].locals.len()];
        Ok(match &self.code.kinds[k].init[v] {
            InitCode::Value { ex, from, to } => {
                let span = self.spec.nodes[k].vars[v].span;
                vec![store(ex(&ctx, &mut locals)?, from, to, span)?]
            }
            InitCode::OneOfListed { items, to } => {
                let span = self.spec.nodes[k].vars[v].span;
                let mut out = Vec::new();
                for (ex, from) in items {
                    let code = store(ex(&ctx, &mut locals)?, from, to, span)?;
                    if !out.contains(&code) {
                        out.push(code);
                    }
                }
                // The same order as a set's: by code.
                out.sort_unstable();
                out
            }
            InitCode::OneOfAll { codes, from, to } => {
                let span = self.spec.nodes[k].vars[v].span;
                let mut out = Vec::with_capacity(codes.len());
                for &code in codes {
                    out.push(store(from_code(code, from), from, to, span)?);
                }
                out
            }
            InitCode::OneOfRange { lo, hi, to } => {
                let span = self.spec.nodes[k].vars[v].span;
                let (lo, hi) = (lo(&ctx, &mut locals)?, hi(&ctx, &mut locals)?);
                let mut out = Vec::new();
                let mut value = lo;
                // In order of value, which is the order of codes.
                while value <= hi {
                    out.push(to_code(value, to, span)?);
                    value += 1;
                }
                out
            }
            InitCode::Wide(_) | InitCode::WideValue(_) => {
                unreachable!("wide variables start from `init_digits`")
            }
            InitCode::OneOf { ex, elem, to } => {
                let span = self.spec.nodes[k].vars[v].span;
                let mut bits = ex(&ctx, &mut locals)? as u64;
                let mut out = Vec::new();
                while bits != 0 {
                    let code = bits.trailing_zeros() as u64;
                    bits &= bits - 1;
                    out.push(store(from_code(code, elem), elem, to, span)?);
                }
                out
            }
        })
    }
}

/// A spec's candidate initial states as the numbers of a mixed radix: one
/// digit per variable of each instance (its possible initial codes, in
/// order), then one per kind with byzantine instances (which of them are),
/// the last digit the fastest. Candidate `i` is made from `i` alone, so the
/// candidates can be streamed in order, or one drawn at random, without
/// holding them all. The initial states are the candidates in which every
/// `init` predicate holds ([`Initial::admit`]); without one, all of them.
pub struct Initial {
    fixed: usize,
    digits: Vec<Digit>,
    inits: Vec<super::Pred>,
}

enum Digit {
    Var(Slot, Vec<u64>),
    Byzantine(Vec<Slot>, Vec<u64>),
}

impl Digit {
    fn radix(&self) -> u128 {
        match self {
            Digit::Var(_, choices) => choices.len() as u128,
            Digit::Byzantine(_, subsets) => subsets.len() as u128,
        }
    }
}

impl Initial {
    /// How many candidate initial states there are (at most `u128::MAX`):
    /// all initial states when [`Initial::filtered`] is false.
    pub fn len(&self) -> u128 {
        (self.digits.iter()).fold(1u128, |n, d| n.saturating_mul(d.radix()))
    }

    /// Whether there is no candidate initial state.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `init` predicates choose among the candidates.
    pub fn filtered(&self) -> bool {
        !self.inits.is_empty()
    }

    /// Candidate `index` (below [`Initial::len`]) into `out`, and whether
    /// it is an initial state: whether every `init` predicate holds in it.
    /// A predicate whose evaluation fails is an error, never "false".
    pub fn admit(
        &self,
        index: u128,
        out: &mut Vec<u64>,
        locals: &mut Vec<i64>,
    ) -> Result<bool, InitError> {
        self.state(index, out);
        self.admits(out, locals)
    }

    /// Whether every `init` predicate holds in a candidate state (in the
    /// order they are declared, up to the first that does not).
    pub(crate) fn admits(&self, state: &[u64], locals: &mut Vec<i64>) -> Result<bool, InitError> {
        let ctx = Ctx::of(&state[..self.fixed], &state[self.fixed..], 0);
        for (init, pred) in self.inits.iter().enumerate() {
            locals.clear();
            locals.resize(pred.n_locals, 0);
            match (pred.ex)(&ctx, locals) {
                Ok(0) => return Ok(false),
                Ok(_) => {}
                Err(error) => {
                    return Err(InitError::Predicate {
                        init,
                        error,
                        state: state.to_vec(),
                    });
                }
            }
        }
        Ok(true)
    }

    /// Candidate number `index` (below [`Initial::len`]) into `out`.
    pub fn state(&self, mut index: u128, out: &mut Vec<u64>) {
        out.clear();
        out.resize(self.fixed, 0);
        for digit in self.digits.iter().rev() {
            let radix = digit.radix();
            let d = (index % radix) as usize;
            index /= radix;
            match digit {
                Digit::Var(slot, choices) => slot.write(out, choices[d]),
                Digit::Byzantine(flags, subsets) => {
                    for (i, slot) in flags.iter().enumerate() {
                        slot.write(out, (subsets[d] >> i) & 1);
                    }
                }
            }
        }
    }
}
