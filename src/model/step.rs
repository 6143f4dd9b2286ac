//! The transition relation: initial states, and the successors of a state in
//! a fixed order (instances in order: their actions, parameter bindings in
//! order, then deliveries in network order; then faults in declaration
//! order). The order is part of the contract: it decides which of several
//! shortest counterexamples is shown, the same at every thread count.

use std::sync::Arc;

use super::encoding::Enc;
use super::expr::{Lowerer, store};
use super::layout::Slot;
use super::stmt::{St, StepEnv};
use super::value::{from_code, to_code};
use super::{Ctx, Ex, InitError, LowerError, Model, R, RtError, RtErrorKind, halt};
use crate::syntax::ast::{FaultKind, NetworkKind};
use crate::typed::*;

/// One step from a state, identified by what took it. Steps are cheap to
/// copy; traces turn them into words with [`Model::describe_step`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Step {
    pub kind: StepKind,
}

/// The kinds of step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StepKind {
    /// Instance `global` runs action `action` with parameter combination
    /// `binding` (mixed-radix over the parameters' domains).
    Action {
        global: u32,
        action: u32,
        binding: u32,
    },
    /// Instance `global` handles message `code` with handler `handler`.
    Deliver {
        global: u32,
        handler: u32,
        code: u64,
    },
    /// Fault `fault` crashes instance `global`.
    Crash { global: u32, fault: u32 },
    /// Fault `fault` restarts instance `global` (initial choice `choice`).
    Restart {
        global: u32,
        fault: u32,
        choice: u32,
    },
    /// Fault `fault` drops one copy of message `code`.
    Lose { fault: u32, code: u64 },
    /// Fault `fault` adds a copy of message `code`.
    Duplicate { fault: u32, code: u64 },
    /// Fault `fault` splits the nodes: instances whose bit is set in `sides`
    /// on one side, the others on the other.
    Partition { fault: u32, sides: u64 },
    /// Fault `fault` heals the split.
    Heal { fault: u32 },
    /// Byzantine instance `global` (of fault `fault`) sends the forged
    /// message `code`.
    Forge { global: u32, fault: u32, code: u64 },
}

/// A fairness obligation: the steps of one fair action instance (with one
/// parameter binding), or the delivery of one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Task {
    /// Identifies the task: `(1 << 120) | global << 64 | action << 32 | binding`
    /// for an action, `(2 << 120) | code` for a delivery.
    pub key: u128,
    /// Strongly fair (else weakly).
    pub strong: bool,
}

impl Step {
    /// Whether the environment took the step (a crash, a loss, ...).
    pub fn is_fault(&self) -> bool {
        !matches!(
            self.kind,
            StepKind::Action { .. } | StepKind::Deliver { .. }
        )
    }
}

/// What a step led to.
pub enum Outcome<'a> {
    /// The successor state.
    Next(&'a [u64]),
    /// The step failed at run time: a finding.
    Error(RtError),
}

struct ActionCode {
    /// (local, every value of the parameter's type).
    params: Vec<(LocalId, Arc<Vec<i64>>)>,
    n_locals: usize,
    guard: Option<Ex>,
    /// With parameters: the guard's conjuncts (its top-level `&&`), in
    /// order, each with how many parameters must be bound before it is
    /// tested: those it reads and those the conjuncts before it read, so
    /// that every binding tests them in the guard's order, as the guard
    /// would (see [`Model::run_action`]).
    stages: Vec<(usize, Ex)>,
    /// By parameter: where its values come from when the first conjunct
    /// tested once it is bound is `p in S` or `p == e` ([`ParamSource`]);
    /// that conjunct's stage is then `implied` and not tested again.
    sources: Vec<Option<ParamSource>>,
    implied: Vec<bool>,
    body: St,
}

/// The values of a parameter `p` whose first conjunct, once it is bound,
/// pins it down: the others would fail that conjunct.
enum ParamSource {
    /// `p in S`, with `S` a set of `p`'s type that reads only earlier
    /// parameters: the elements of `S`.
    Set {
        set: Ex,
        /// By code of `p`'s type (every code of a set element is below
        /// 64): the value's index in the parameter's domain.
        index_of: Vec<u32>,
        /// Whether the indices rise with the codes (else they are
        /// sorted, so that bindings come in their usual order).
        rising: bool,
    },
    /// `p in S` with `S` a wide set variable of `p`'s type (TLA+'s
    /// `\E m \in msgs`): the elements whose bits are set, read in place.
    Wide {
        place: super::wide::WidePlace,
        /// By dense index in the set: the value's index in the
        /// parameter's domain.
        index_of: Vec<u32>,
        /// Whether the indices rise with the dense indices.
        rising: bool,
    },
    /// `p == e` or `e == p`, with `e` of `p`'s type (or an integer, for
    /// an integer `p`) reading only earlier parameters: `e`'s value, if
    /// the domain holds it.
    Equal {
        value: Ex,
        /// Whether the domain's values are sorted (then searched by
        /// halves).
        sorted: bool,
    },
}

/// What a restart sets: each non-persistent variable's slot and the codes
/// of its initial values.
pub(super) type Resets = Vec<(super::Slot, Vec<u64>)>;

/// The conjuncts of an expression's top-level `&&`, left to right.
fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Binary(BinOp::And, a, b) => {
            let mut out = conjuncts(a);
            out.extend(conjuncts(b));
            out
        }
        _ => vec![e],
    }
}

/// The values of parameter `i` of action `a` (of kind `k`) from conjunct
/// `c` ([`ParamSource`]), when `c` is `p in S` with `S` a set of exactly
/// `p`'s type, or `p == e`, and does not otherwise read `p`.
fn param_source(
    l: &mut Lowerer,
    k: NodeKindId,
    a: &ActionDef,
    i: usize,
    c: &Expr,
) -> Option<ParamSource> {
    use super::expr::{is_compound_literal, mentions};
    let p = a.params[i];
    let ty = &a.body.locals[p].ty;
    let is_p = |e: &Expr| matches!(e.kind, ExprKind::Local(l) if l == p);
    match &c.kind {
        ExprKind::Binary(BinOp::InSet, x, set) => {
            let Type::Set(elem) = &set.ty else {
                return None;
            };
            if !is_p(x) || **elem != *ty || mentions(set, &[p]) {
                return None;
            }
            let span = a.body.locals[p].span;
            let codes = l.enc(ty, span).domain()?;
            // A wide set variable: its set bits, read in place.
            if let Some(place) = l.wide_place(set, Some(k)) {
                let mut index_of = vec![u32::MAX; place.set.elements()];
                for (index, &code) in codes.iter().enumerate() {
                    *index_of.get_mut(place.set.dense(code)?)? = index as u32;
                }
                if index_of.contains(&u32::MAX) {
                    return None;
                }
                let rising = index_of.is_sorted();
                return Some(ParamSource::Wide {
                    place,
                    index_of,
                    rising,
                });
            }
            if codes.iter().any(|&c| c >= 64) {
                return None;
            }
            let mut index_of = vec![u32::MAX; 64];
            for (index, &code) in codes.iter().enumerate() {
                index_of[code as usize] = index as u32;
            }
            Some(ParamSource::Set {
                set: l.expr(set, Some(k)),
                index_of,
                rising: codes.is_sorted(),
            })
        }
        ExprKind::Binary(BinOp::Eq, x, y) => {
            let e = match (is_p(x), is_p(y)) {
                (true, false) => y,
                (false, true) => x,
                _ => return None,
            };
            // The same comparison as the conjunct's: integers by value,
            // other values by code in one encoding (no literal put
            // together in the other side's).
            let same = match ty {
                Type::Range { .. } => e.ty.is_int(),
                _ => e.ty == *ty,
            };
            if !same || mentions(e, &[p]) || is_compound_literal(e) {
                return None;
            }
            let span = a.body.locals[p].span;
            let codes = l.enc(ty, span).domain()?;
            let enc = l.enc(ty, span);
            let values: Vec<i64> = codes.iter().map(|&c| from_code(c, &enc)).collect();
            Some(ParamSource::Equal {
                value: l.expr(e, Some(k)),
                sorted: values.is_sorted(),
            })
        }
        _ => None,
    }
}

struct HandlerCode {
    from_kind: Option<NodeKindId>,
    sender: Option<LocalId>,
    /// Per payload field: the local it binds and the field's packing.
    payload: Vec<Option<(LocalId, Enc)>>,
    n_locals: usize,
    guard: Option<Ex>,
    body: St,
}

enum InitCode {
    Value {
        ex: Ex,
        from: Enc,
        to: Enc,
    },
    OneOf {
        ex: Ex,
        elem: Enc,
        to: Enc,
    },
    /// `in lo..hi`: each integer of the range, without building the set
    /// (so the range may hold more values than a set can).
    OneOfRange {
        lo: Ex,
        hi: Ex,
        to: Enc,
    },
    /// `in all T`: each value of T, listed once when the spec is compiled
    /// (so T may have more values than a set can hold), in order of code.
    OneOfAll {
        codes: Vec<u64>,
        from: Enc,
        to: Enc,
    },
    /// `in { a, b }`: each listed value, without building the set (so the
    /// elements may be wider than a set can hold).
    OneOfListed {
        items: Vec<(Ex, Enc)>,
        to: Enc,
    },
    /// A wide set variable's initial set literal ([`super::wide`]).
    Wide(super::wide::WideInit),
    /// A wide value variable's initial literal ([`super::wide_value`]).
    WideValue(super::wide_value::WideValueInit),
}

/// What a byzantine instance of a kind may send: per message kind its code
/// sends, every payload and every receiver that handles it.
struct ForgeCode {
    message: MessageId,
    /// Packed payloads, in code order.
    payloads: Vec<u64>,
    /// Global indices of the instances with a handler for the message.
    receivers: Vec<u32>,
}

struct KindCode {
    actions: Vec<ActionCode>,
    /// Empty unless the kind has a `byzantine` fault.
    forge: Vec<ForgeCode>,
    handlers: Vec<HandlerCode>,
    /// By message kind: the handlers for it, in declaration order.
    handlers_by_msg: Vec<Vec<u32>>,
    /// By variable.
    init: Vec<InitCode>,
    persistent: Vec<bool>,
}

/// The compiled transition relation.
pub(crate) struct Code {
    kinds: Vec<KindCode>,
    /// Whether some kind can crash or be byzantine (else no instance ever
    /// is, and the per-step checks are skipped).
    faulty: bool,
    /// By message kind.
    pub(super) fifo: Vec<bool>,
    /// Whether some message kind is FIFO (else a canonical network is
    /// simply sorted by code: see [`Model::net_key`]).
    pub(crate) any_fifo: bool,
    pub(super) set: Vec<bool>,
}

impl Code {
    /// Every message a byzantine instance may forge (code order, no
    /// repeats): the messages of `byzantine` faults' forging steps.
    pub(crate) fn forgeable(&self, layout: &super::Layout) -> Vec<u64> {
        let mut codes = Vec::new();
        for (k, kind) in self.kinds.iter().enumerate() {
            let kl = &layout.kinds[k];
            for global in kl.first_global..kl.first_global + kl.count {
                for forge in &kind.forge {
                    for &dst in &forge.receivers {
                        for &payload in &forge.payloads {
                            codes.push(layout.msg.pack(global, dst, forge.message, payload));
                        }
                    }
                }
            }
        }
        codes.sort_unstable();
        codes.dedup();
        codes
    }

    pub(crate) fn compile(l: &mut Lowerer) -> Result<Code, Vec<LowerError>> {
        let spec = l.spec;
        let mut kinds = Vec::new();
        for (k, node) in spec.nodes.iter().enumerate() {
            let mut actions = Vec::new();
            for a in &node.actions {
                let params = a
                    .params
                    .iter()
                    .map(|&p| {
                        let local = &a.body.locals[p];
                        let enc = l.enc(&local.ty, local.span);
                        let values = match enc.domain() {
                            Some(codes) => codes.into_iter().map(|c| from_code(c, &enc)).collect(),
                            None => {
                                // More than a million choices per step: refuse
                                // rather than silently never run the action.
                                l.errors.push(LowerError {
                                    what: format!("the domain of parameter `{}`", local.name),
                                    error: super::encoding::EncError::TooManyValues,
                                    span: local.span,
                                });
                                Vec::new()
                            }
                        };
                        (p, Arc::new(values))
                    })
                    .collect();
                let mut stages = Vec::new();
                let mut sources: Vec<Option<ParamSource>> = a.params.iter().map(|_| None).collect();
                let mut implied = Vec::new();
                if let (Some(g), false) = (&a.guard, a.params.is_empty()) {
                    let mut bound = 0;
                    // The parameter whose conjuncts are being tested, while
                    // one of them may still give its values: those before
                    // it in the run cannot fail, so testing them on the
                    // source's values only skips no failure.
                    let mut open: Option<usize> = None;
                    for c in conjuncts(g) {
                        let reads = (a.params.iter())
                            .rposition(|&p| super::expr::mentions(c, &[p]))
                            .map_or(0, |i| i + 1);
                        if reads > bound {
                            open = Some(reads - 1);
                        }
                        bound = bound.max(reads);
                        let source = match open {
                            Some(i) if i + 1 == reads => param_source(l, k, a, i, c),
                            _ => None,
                        };
                        implied.push(source.is_some());
                        if let Some(source) = source {
                            sources[reads - 1] = Some(source);
                            open = None;
                        } else if !super::expr::cannot_fail(c) {
                            open = None;
                        }
                        stages.push((bound, l.expr(c, Some(k))));
                    }
                }
                actions.push(ActionCode {
                    params,
                    n_locals: a.body.locals.len(),
                    guard: a.guard.as_ref().map(|g| l.expr(g, Some(k))),
                    stages,
                    sources,
                    implied,
                    body: l.block(&a.body.stmts, k),
                });
            }
            let mut handlers = Vec::new();
            let mut handlers_by_msg = vec![Vec::new(); spec.messages.len()];
            for (index, h) in node.handlers.iter().enumerate() {
                handlers_by_msg[h.message].push(index as u32);
                let fields = &l.layout.msg.fields[h.message];
                let payload = h
                    .payload
                    .iter()
                    .zip(fields)
                    .map(|(local, (_, enc))| local.map(|id| (id, enc.clone())))
                    .collect();
                handlers.push(HandlerCode {
                    from_kind: h.from_kind,
                    sender: h.sender,
                    payload,
                    n_locals: h.body.locals.len(),
                    guard: h.guard.as_ref().map(|g| l.expr(g, Some(k))),
                    body: l.block(&h.body.stmts, k),
                });
            }
            let mut init = Vec::new();
            for (v, var) in node.vars.iter().enumerate() {
                let to = l.layout.kinds[k].vars[v].enc.clone();
                if l.layout.kinds[k].vars[v].wide_value.is_some() {
                    let value = match &var.init {
                        Init::Value(e) => e,
                        Init::OneOf(e) => {
                            // `in S` of wide values: S would be a value.
                            l.refuse_wide_compound(e.span, Some(var.span));
                            e
                        }
                    };
                    if let Some(wide) = l.wide_value_init(k, v, value) {
                        init.push(InitCode::WideValue(wide));
                        continue;
                    }
                }
                if l.layout.kinds[k].vars[v].wide.is_some() {
                    let value = match &var.init {
                        Init::Value(e) | Init::OneOf(e) => e,
                    };
                    if let Init::OneOf(e) = &var.init {
                        // `in S` of sets of sets: S would be a value.
                        l.refuse_wide_var(e.span, k, v);
                    }
                    if let Some(wide) = l.wide_init(k, v, value) {
                        init.push(InitCode::Wide(wide));
                        continue;
                    }
                }
                init.push(match &var.init {
                    Init::Value(e) => InitCode::Value {
                        ex: l.expr(e, Some(k)),
                        from: l.enc(&e.ty, e.span),
                        to,
                    },
                    Init::OneOf(Expr {
                        kind: ExprKind::SetLit(items),
                        ..
                    }) => InitCode::OneOfListed {
                        items: items
                            .iter()
                            .map(|i| (l.expr(i, Some(k)), l.enc(&i.ty, i.span)))
                            .collect(),
                        to,
                    },
                    Init::OneOf(Expr {
                        kind: ExprKind::All(ty),
                        span,
                        ..
                    }) => {
                        let from = l.enc(ty, *span);
                        let mut codes = from.domain().unwrap_or_else(|| {
                            l.errors.push(super::LowerError {
                                what: format!("the initial values of `{}`", var.name),
                                error: super::encoding::EncError::TooManyValues,
                                span: *span,
                            });
                            Vec::new()
                        });
                        // The order of `in S`'s elements: by code.
                        codes.sort_unstable();
                        InitCode::OneOfAll { codes, from, to }
                    }
                    Init::OneOf(Expr {
                        kind: ExprKind::Binary(BinOp::Range, lo, hi),
                        ..
                    }) => InitCode::OneOfRange {
                        lo: l.expr(lo, Some(k)),
                        hi: l.expr(hi, Some(k)),
                        to,
                    },
                    Init::OneOf(e) => {
                        let set = l.enc(&e.ty, e.span);
                        let elem = match set.shape {
                            super::encoding::Shape::Set(elem) => *elem,
                            // Already reported as too large to pack.
                            _ => set,
                        };
                        InitCode::OneOf {
                            ex: l.expr(e, Some(k)),
                            elem,
                            to,
                        }
                    }
                });
            }
            let forge = if spec
                .faults
                .iter()
                .any(|f| f.kind == FaultKind::Byzantine && f.node == Some(k))
            {
                forge_code(l, k)
            } else {
                Vec::new()
            };
            kinds.push(KindCode {
                actions,
                forge,
                handlers,
                handlers_by_msg,
                init,
                persistent: node.vars.iter().map(|v| v.persistent).collect(),
            });
        }
        if !l.errors.is_empty() {
            return Err(std::mem::take(&mut l.errors));
        }
        Ok(Code {
            kinds,
            faulty: l
                .layout
                .kinds
                .iter()
                .any(|k| k.crashed.is_some() || k.byzantine.is_some()),
            fifo: spec
                .messages
                .iter()
                .map(|m| m.network == NetworkKind::Fifo)
                .collect(),
            any_fifo: spec.messages.iter().any(|m| m.network == NetworkKind::Fifo),
            set: spec
                .messages
                .iter()
                .map(|m| m.network == NetworkKind::Set)
                .collect(),
        })
    }
}

/// The messages a byzantine instance of kind `k` may forge. Refuses (as a
/// lowering error at the fault) a message whose payloads are too many to try.
fn forge_code(l: &mut Lowerer, k: NodeKindId) -> Vec<ForgeCode> {
    let spec = l.spec;
    let span = spec
        .faults
        .iter()
        .find(|f| f.kind == FaultKind::Byzantine && f.node == Some(k))
        .map_or(Default::default(), |f| f.span);
    let mut out = Vec::new();
    for &m in &spec.nodes[k].sends {
        let mut payloads = vec![0u64];
        let mut too_many = false;
        for (offset, enc) in &l.layout.msg.fields[m] {
            let Some(codes) = enc.domain() else {
                too_many = true;
                break;
            };
            let mut next = Vec::with_capacity(payloads.len() * codes.len());
            for &p in &payloads {
                for &c in &codes {
                    next.push(p | super::layout::shl(c, *offset));
                }
            }
            if next.len() > 1 << 16 {
                too_many = true;
                break;
            }
            payloads = next;
        }
        if too_many {
            l.errors.push(LowerError {
                what: format!(
                    "the payloads a byzantine `{}` may forge in `{}`",
                    spec.nodes[k].name, spec.messages[m].name
                ),
                error: super::encoding::EncError::TooManyValues,
                span,
            });
            continue;
        }
        payloads.sort_unstable();
        let mut receivers = Vec::new();
        for (rk, node) in spec.nodes.iter().enumerate() {
            if node.handlers.iter().any(|h| h.message == m) {
                let first = l.layout.kinds[rk].first_global;
                receivers.extend(first..first + node.count);
            }
        }
        out.push(ForgeCode {
            message: m,
            payloads,
            receivers,
        });
    }
    out
}

/// Reusable buffers for [`Model::successors`], one per thread.
#[derive(Default)]
pub struct Scratch {
    words: Vec<u64>,
    sends: Vec<u64>,
    locals: Vec<i64>,
    next: Vec<u64>,
    params: ParamScratch,
}

/// The bookkeeping of [`Model::run_action`]'s search over bindings.
#[derive(Default)]
struct ParamScratch {
    below: Vec<usize>,
    index: Vec<usize>,
    pos: Vec<usize>,
    stage_at: Vec<usize>,
    cands: Vec<Vec<u32>>,
    /// By parameter: its source failed, so it takes every value and its
    /// implied conjunct is tested after all.
    fallback: Vec<bool>,
}

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
    pub fn initial(&self) -> R<Initial> {
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
    fn init_digits(&self, k: NodeKindId, inst: u32, v: VarId) -> R<Vec<(Slot, Vec<u64>)>> {
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

    fn init_choices(&self, k: NodeKindId, inst: u32, v: VarId) -> R<Vec<u64>> {
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

    /// Whether a partition separates two instances now.
    pub(super) fn cut(&self, words: &[u64], a: u32, b: u32) -> bool {
        match self.layout.partition {
            Some((active, sides)) if active.read(words) != 0 => {
                let s = sides.read(words);
                (s >> a) & 1 != (s >> b) & 1
            }
            _ => false,
        }
    }

    /// Whether every node instance has crashed.
    pub fn all_crashed(&self, state: &[u64]) -> bool {
        let words = &state[..self.layout.fixed_words];
        (0..self.layout.instances.len() as u32).all(|g| self.crashed(words, g))
    }

    /// Whether an instance is byzantine (it then runs none of its code).
    pub fn byzantine(&self, words: &[u64], global: u32) -> bool {
        let (k, inst) = self.layout.instances[global as usize];
        match &self.layout.kinds[k].byzantine {
            Some(slots) => slots[inst as usize].read(words) != 0,
            None => false,
        }
    }

    /// Whether an instance runs none of its code: crashed or byzantine.
    #[inline]
    pub(super) fn down(&self, words: &[u64], global: u32) -> bool {
        self.crashed(words, global) || self.byzantine(words, global)
    }

    pub(super) fn crashed(&self, words: &[u64], global: u32) -> bool {
        let (k, inst) = self.layout.instances[global as usize];
        match &self.layout.kinds[k].crashed {
            Some(slots) => slots[inst as usize].read(words) != 0,
            None => false,
        }
    }

    /// Where a message sorts in a canonical network: by channel, FIFO
    /// messages (in sending order) before the others (by code).
    #[inline]
    pub(crate) fn net_key(&self, c: u64) -> (u64, bool, u64) {
        let msg = &self.layout.msg;
        let is_fifo = self.code.fifo[msg.kind(c)];
        (msg.channel(c), !is_fifo, if is_fifo { 0 } else { c })
    }

    /// Appends the canonical successor network to `out`: `old` without the
    /// copy at `removed`, plus `sends`, ordered by channel, FIFO messages
    /// keeping their order, others sorted, copies of `set` messages merged.
    pub(super) fn append_canonical_net(
        &self,
        old: &[u64],
        removed: Option<usize>,
        extra: &[u64],
        out: &mut Vec<u64>,
    ) {
        let base = out.len();
        match removed {
            Some(r) => {
                super::extend_words(out, &old[..r]);
                super::extend_words(out, &old[r + 1..]);
            }
            None => super::extend_words(out, old),
        }
        // `old` is canonical, so each new message is inserted at its place:
        // after every message of its channel that sorts before it (a FIFO
        // message goes after all FIFO messages of its channel).
        let msg = &self.layout.msg;
        let key = |c: u64| self.net_key(c);
        for &c in extra {
            let at = if self.code.any_fifo {
                let k = key(c);
                base + out[base..].partition_point(|&x| key(x) <= k)
            } else {
                // Without FIFO messages the key of a code orders as the code
                // itself: the channel is the code's top bits.
                base + out[base..].partition_point(|&x| x <= c)
            };
            // A `set` network holds one copy of each message.
            if self.code.set[msg.kind(c)] && at > base && out[at - 1] == c {
                continue;
            }
            out.insert(at, c);
        }
    }

    /// Emits the successor made of `scratch.words` and the canonical network
    /// after the step, built once in `scratch.next`.
    fn emit_next(
        &self,
        scratch: &mut Scratch,
        old_net: &[u64],
        removed: Option<usize>,
        step: Step,
        emit: &mut dyn FnMut(Step, Outcome),
    ) {
        let mut next = std::mem::take(&mut scratch.next);
        next.clear();
        next.extend_from_slice(&scratch.words);
        self.append_canonical_net(old_net, removed, &scratch.sends, &mut next);
        emit(step, Outcome::Next(&next));
        scratch.next = next;
    }

    /// Enumerates every step from `state`, in the fixed order.
    pub fn successors(
        &self,
        state: &[u64],
        scratch: &mut Scratch,
        emit: &mut dyn FnMut(Step, Outcome),
    ) {
        let fixed = self.layout.fixed_words;
        let (words, net) = state.split_at(fixed);
        let mut global = 0u32;
        for k in 0..self.code.kinds.len() {
            let kl = &self.layout.kinds[k];
            for inst in 0..kl.count {
                let g = global;
                global += 1;
                if self.code.faulty && (self.crashed(words, g) || self.byzantine(words, g)) {
                    continue;
                }
                self.actions_of(state, k, inst, g, scratch, emit);
            }
        }
        // Deliveries, in network order.
        let msg = &self.layout.msg;
        let mut fifo_head_channel: Option<u64> = None;
        for (p, &code) in net.iter().enumerate() {
            let m = msg.kind(code);
            if self.code.fifo[m] {
                let ch = msg.channel(code);
                if fifo_head_channel == Some(ch) {
                    continue;
                }
                fifo_head_channel = Some(ch);
            } else if p > 0 && net[p - 1] == code {
                continue;
            }
            let dst = msg.dst(code);
            if (self.code.faulty && (self.crashed(words, dst) || self.byzantine(words, dst)))
                || self.cut(words, msg.src(code), dst)
            {
                continue;
            }
            self.deliver(state, p, code, scratch, emit);
        }
        self.faults(state, scratch, emit);
    }

    /// Runs every action of instance `inst` (global index `global`) of kind
    /// `k`, in order.
    pub(crate) fn actions_of(
        &self,
        state: &[u64],
        k: NodeKindId,
        inst: u32,
        global: u32,
        scratch: &mut Scratch,
        emit: &mut dyn FnMut(Step, Outcome),
    ) {
        for (a_index, action) in self.code.kinds[k].actions.iter().enumerate() {
            self.run_action(state, inst, global, a_index as u32, action, scratch, emit);
        }
    }

    /// Delivers the message at position `p` of the network (code `code`) to
    /// its receiver, which can take it: every handler for it, in order.
    pub(crate) fn deliver(
        &self,
        state: &[u64],
        p: usize,
        code: u64,
        scratch: &mut Scratch,
        emit: &mut dyn FnMut(Step, Outcome),
    ) {
        let (words, net) = state.split_at(self.layout.fixed_words);
        let msg = &self.layout.msg;
        let m = msg.kind(code);
        let dst = msg.dst(code);
        let (k, inst) = self.layout.instances[dst as usize];
        let src = msg.src(code);
        let (src_kind, src_inst) = self.layout.instances[src as usize];
        let kind = &self.code.kinds[k];
        for &h in &kind.handlers_by_msg[m] {
            let handler = &kind.handlers[h as usize];
            if handler.from_kind.is_some_and(|fk| fk != src_kind) {
                continue;
            }
            scratch.locals.clear();
            scratch.locals.resize(handler.n_locals, 0);
            if let Some(s) = handler.sender {
                scratch.locals[s] = src_inst as i64;
            }
            for (f, bind) in handler.payload.iter().enumerate() {
                if let Some((local, enc)) = bind {
                    scratch.locals[*local] = from_code(msg.field(code, m, f), enc);
                }
            }
            let step = Step {
                kind: StepKind::Deliver {
                    global: dst,
                    handler: h,
                    code,
                },
            };
            if !self.guard_holds(
                handler.guard.as_ref(),
                words,
                net,
                inst,
                step,
                scratch,
                emit,
            ) {
                continue;
            }
            let removed = if self.code.set[m] { None } else { Some(p) };
            self.run_body(
                state,
                inst,
                dst,
                &handler.body,
                removed,
                step,
                scratch,
                emit,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn run_action(
        &self,
        state: &[u64],
        inst: u32,
        global: u32,
        a_index: u32,
        action: &ActionCode,
        scratch: &mut Scratch,
        emit: &mut dyn FnMut(Step, Outcome),
    ) {
        let (words, net) = state.split_at(self.layout.fixed_words);
        if action.params.is_empty() {
            // One binding, nothing to bind: the commonest action.
            scratch.locals.clear();
            scratch.locals.resize(action.n_locals, 0);
            let step = Step {
                kind: StepKind::Action {
                    global,
                    action: a_index,
                    binding: 0,
                },
            };
            if self.guard_holds(action.guard.as_ref(), words, net, inst, step, scratch, emit) {
                self.run_body(state, inst, global, &action.body, None, step, scratch, emit);
            }
            return;
        }
        // Every binding in mixed radix, last parameter fastest. Each
        // conjunct of the guard is tested as soon as the parameters it
        // needs are bound ([`ActionCode::stages`]): one that fails rules
        // out every binding below, and one whose evaluation fails is
        // that failure for each of them, in order, as the whole guard
        // would be for each binding. A parameter with a source
        // ([`ParamSource`]) takes only the elements of its set: the others
        // would fail its first conjunct.
        let k = action.params.len();
        // Taken out of `scratch` for the search (a body runs with the rest).
        let mut params = std::mem::take(&mut scratch.params);
        // The bindings below a parameter's each value.
        let below = &mut params.below;
        below.clear();
        below.resize(k + 1, 1);
        for i in (0..k).rev() {
            below[i] = below[i + 1] * action.params[i].1.len();
        }
        if below[0] != 0 {
            self.bindings(
                state,
                inst,
                global,
                a_index,
                action,
                &mut params,
                scratch,
                emit,
            );
        }
        scratch.params = params;
    }

    /// The search of [`Model::run_action`] over an action's bindings, with
    /// its bookkeeping set up.
    #[allow(clippy::too_many_arguments)]
    fn bindings(
        &self,
        state: &[u64],
        inst: u32,
        global: u32,
        a_index: u32,
        action: &ActionCode,
        params: &mut ParamScratch,
        scratch: &mut Scratch,
        emit: &mut dyn FnMut(Step, Outcome),
    ) {
        let (words, net) = state.split_at(self.layout.fixed_words);
        let k = action.params.len();
        let ParamScratch {
            below,
            index,
            pos,
            stage_at,
            cands,
            fallback,
        } = params;
        fallback.clear();
        fallback.resize(k, false);
        scratch.locals.clear();
        scratch.locals.resize(action.n_locals, 0);
        let ctx = Ctx::of(words, net, inst);
        let step_of = |binding: usize| Step {
            kind: StepKind::Action {
                global,
                action: a_index,
                binding: binding as u32,
            },
        };
        // `index[i]`: the value of parameter i now bound, the `pos[i]`-th
        // of its candidates `cands[i]`; `depth`: how many are bound;
        // `stage`: the first conjunct not yet tested on them; `stage_at`:
        // where each depth's conjuncts start, to test them again when a
        // parameter takes its next value.
        index.clear();
        index.resize(k, 0);
        pos.clear();
        pos.resize(k, 0);
        stage_at.clear();
        stage_at.resize(k + 1, 0);
        cands.resize_with(k, Vec::new);
        // The first binding under the bound parameters.
        let first_below = |index: &[usize], depth: usize| -> usize {
            (0..depth).map(|j| index[j] * below[j + 1]).sum()
        };
        let fail_all =
            |index: &[usize], depth: usize, e: &RtError, emit: &mut dyn FnMut(Step, Outcome)| {
                let first = first_below(index, depth);
                for b in first..first + below[depth] {
                    emit(step_of(b), Outcome::Error(e.clone()));
                }
            };
        let mut depth = 0usize;
        let mut stage = 0usize;
        'search: loop {
            if halt::round().is_err() {
                // The check is stopping: the batch of this state is
                // dropped, with its steps (see `halt`).
                return;
            }
            // Test the conjuncts the bound parameters allow.
            let mut ruled_out = false;
            while stage < action.stages.len() && action.stages[stage].0 <= depth {
                if action.implied[stage] && !fallback[action.stages[stage].0 - 1] {
                    stage += 1;
                    continue;
                }
                match (action.stages[stage].1)(&ctx, &mut scratch.locals) {
                    Ok(0) => {
                        ruled_out = true;
                        break;
                    }
                    Ok(_) => stage += 1,
                    Err(e) if e.kind == RtErrorKind::Interrupted => return,
                    Err(e) => {
                        fail_all(index, depth, &e, emit);
                        ruled_out = true;
                        break;
                    }
                }
            }
            if !ruled_out {
                if depth == k {
                    // A whole binding whose guard holds: its locals as
                    // the step starts them (parameters bound, the rest 0).
                    scratch.locals.fill(0);
                    for (i, (local, domain)) in action.params.iter().enumerate() {
                        scratch.locals[*local] = domain[index[i]];
                    }
                    let step = step_of(first_below(index, k));
                    self.run_body(state, inst, global, &action.body, None, step, scratch, emit);
                    // The conjuncts read the parameters from the locals.
                    for (i, (local, domain)) in action.params.iter().enumerate() {
                        scratch.locals[*local] = domain[index[i]];
                    }
                } else {
                    // The next parameter's candidates, and its first.
                    stage_at[depth + 1] = stage;
                    let (local, domain) = &action.params[depth];
                    let c = &mut cands[depth];
                    c.clear();
                    fallback[depth] = false;
                    match &action.sources[depth] {
                        None => c.extend(0..domain.len() as u32),
                        Some(ParamSource::Set {
                            set,
                            index_of,
                            rising,
                        }) => match set(&ctx, &mut scratch.locals) {
                            Ok(set) => {
                                let mut bits = set as u64;
                                while bits != 0 {
                                    let code = bits.trailing_zeros() as usize;
                                    bits &= bits - 1;
                                    c.push(index_of[code]);
                                }
                                if !rising {
                                    c.sort_unstable();
                                }
                            }
                            // Every value, with the conjunct tested on each:
                            // it fails, in order, where the conjuncts
                            // before it hold, as without a source.
                            Err(_) => {
                                c.extend(0..domain.len() as u32);
                                fallback[depth] = true;
                            }
                        },
                        Some(ParamSource::Wide {
                            place,
                            index_of,
                            rising,
                        }) => match place.words(&ctx, &mut scratch.locals) {
                            Ok(words) => {
                                for (w, &word) in words.iter().enumerate() {
                                    let mut bits = word;
                                    while bits != 0 {
                                        let i = w * 64 + bits.trailing_zeros() as usize;
                                        bits &= bits - 1;
                                        c.push(index_of[i]);
                                    }
                                }
                                if !rising {
                                    c.sort_unstable();
                                }
                            }
                            Err(_) => {
                                c.extend(0..domain.len() as u32);
                                fallback[depth] = true;
                            }
                        },
                        Some(ParamSource::Equal { value, sorted }) => {
                            match value(&ctx, &mut scratch.locals) {
                                Ok(v) => {
                                    let at = match sorted {
                                        true => domain.binary_search(&v).ok(),
                                        false => domain.iter().position(|&x| x == v),
                                    };
                                    c.extend(at.map(|at| at as u32));
                                }
                                Err(_) => {
                                    c.extend(0..domain.len() as u32);
                                    fallback[depth] = true;
                                }
                            }
                        }
                    }
                    if let Some(&first) = c.first() {
                        pos[depth] = 0;
                        index[depth] = first as usize;
                        scratch.locals[*local] = domain[first as usize];
                        depth += 1;
                        continue 'search;
                    }
                }
            }
            // Next candidate at the deepest bound parameter, backing up
            // past those that have taken their last.
            loop {
                if depth == 0 {
                    break 'search;
                }
                let i = depth - 1;
                pos[i] += 1;
                if let Some(&next) = cands[i].get(pos[i]) {
                    let (local, domain) = &action.params[i];
                    index[i] = next as usize;
                    scratch.locals[*local] = domain[next as usize];
                    stage = stage_at[depth];
                    continue 'search;
                }
                depth -= 1;
            }
        }
    }

    /// Whether the guard of an action or handler step whose locals are
    /// bound holds on the current state (checked before anything else of
    /// the step is set up: most candidate steps stop here). A guard that
    /// fails at run time emits the failure and does not hold.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn guard_holds(
        &self,
        guard: Option<&Ex>,
        words: &[u64],
        net: &[u64],
        inst: u32,
        step: Step,
        scratch: &mut Scratch,
        emit: &mut dyn FnMut(Step, Outcome),
    ) -> bool {
        let Some(guard) = guard else {
            return true;
        };
        let ctx = Ctx::of(words, net, inst);
        match guard(&ctx, &mut scratch.locals) {
            Ok(v) => v != 0,
            Err(e) => {
                emit(step, Outcome::Error(e));
                false
            }
        }
    }

    /// Runs the body of an action or handler step whose guard holds, on a
    /// scratch copy; emits the successor (without the message at
    /// `removed`) or the failure.
    #[allow(clippy::too_many_arguments)]
    fn run_body(
        &self,
        state: &[u64],
        inst: u32,
        global: u32,
        body: &St,
        removed: Option<usize>,
        step: Step,
        scratch: &mut Scratch,
        emit: &mut dyn FnMut(Step, Outcome),
    ) {
        let (words, net) = state.split_at(self.layout.fixed_words);
        scratch.words.clear();
        scratch.words.extend_from_slice(words);
        scratch.sends.clear();
        let mut locals = std::mem::take(&mut scratch.locals);
        let result = {
            let mut env = StepEnv {
                words: &mut scratch.words,
                net,
                self_inst: inst,
                self_global: global,
                sends: &mut scratch.sends,
            };
            body(&mut env, &mut locals)
        };
        scratch.locals = locals;
        match result {
            // A step that changes no variable, sends nothing and removes no
            // message (a `set` message delivered again, say) leads back to
            // the state itself: no successor to build.
            // (Compared word by word: a few words, cheaper than a call to
            // memcmp.)
            Ok(())
                if removed.is_none()
                    && scratch.sends.is_empty()
                    && scratch.words.iter().zip(words).all(|(a, b)| a == b) =>
            {
                emit(step, Outcome::Next(state))
            }
            Ok(()) => self.emit_next(scratch, net, removed, step, emit),
            Err(e) => emit(step, Outcome::Error(e)),
        }
    }

    pub(super) fn faults(
        &self,
        state: &[u64],
        scratch: &mut Scratch,
        emit: &mut dyn FnMut(Step, Outcome),
    ) {
        for f_index in 0..self.spec.faults.len() {
            self.fault(f_index, state, scratch, emit);
        }
    }

    /// How many times fault `f_index` has been used, when it may be used
    /// again in a state with fixed part `words`; `None` when its budget is
    /// spent (healing a partition is always possible: the budget counts
    /// splits).
    pub(super) fn fault_budget_left(&self, f_index: usize, words: &[u64]) -> Option<u64> {
        let fault = &self.spec.faults[f_index];
        let used = self.layout.fault_counters[f_index].map_or(0, |c| c.read(words));
        let healing = fault.kind == FaultKind::Partition
            && self
                .layout
                .partition
                .is_some_and(|(active, _)| active.read(words) != 0);
        (fault.budget.is_none_or(|b| used < b as u64) || healing).then_some(used)
    }

    /// Whether the byzantine instances' forging is done by fault
    /// `f_index`: with several lines for one kind, the first forges.
    pub(super) fn forges(&self, f_index: usize) -> bool {
        let fault = &self.spec.faults[f_index];
        fault.kind == FaultKind::Byzantine
            && fault.node.is_some_and(|k| {
                let first = (self.spec.faults.iter())
                    .position(|g| g.kind == FaultKind::Byzantine && g.node == Some(k));
                first == Some(f_index)
            })
    }

    /// The forging steps of byzantine fault `f_index` from a state with
    /// fixed part `words`, whose network holds a message when `in_flight`
    /// says so: `each(step, code)` in order.
    pub(super) fn forgeries(
        &self,
        f_index: usize,
        words: &[u64],
        in_flight: impl Fn(u64) -> bool,
        mut each: impl FnMut(Step, u64),
    ) {
        let Some(k) = self.spec.faults[f_index].node else {
            return;
        };
        if !self.forges(f_index) {
            return;
        }
        let kl = &self.layout.kinds[k];
        for inst in 0..kl.count {
            let global = kl.first_global + inst;
            if !self.byzantine(words, global) || self.crashed(words, global) {
                continue;
            }
            for forge in &self.code.kinds[k].forge {
                for &dst in &forge.receivers {
                    // Byzantine receivers ignore what they get.
                    if self.byzantine(words, dst) {
                        continue;
                    }
                    for &payload in &forge.payloads {
                        let code = self.layout.msg.pack(global, dst, forge.message, payload);
                        // A message already in flight is not sent
                        // again: that keeps the network finite.
                        if in_flight(code) {
                            continue;
                        }
                        let step = Step {
                            kind: StepKind::Forge {
                                global,
                                fault: f_index as u32,
                                code,
                            },
                        };
                        each(step, code);
                    }
                }
            }
        }
    }

    /// What a restart of instance `inst` of kind `k` sets: each
    /// non-persistent variable's slot and its initial values (codes), one
    /// of which it takes; the same in every state.
    pub(super) fn restart_resets(&self, k: NodeKindId, inst: u32) -> R<Resets> {
        let kl = &self.layout.kinds[k];
        let mut resets = Vec::new();
        for v in 0..kl.vars.len() {
            if !self.code.kinds[k].persistent[v] {
                resets.extend(self.init_digits(k, inst, v)?);
            }
        }
        Ok(resets)
    }

    /// The steps of fault `f_index` (of `spec.faults`) from `state`.
    fn fault(
        &self,
        f_index: usize,
        state: &[u64],
        scratch: &mut Scratch,
        emit: &mut dyn FnMut(Step, Outcome),
    ) {
        let fixed = self.layout.fixed_words;
        let (words, net) = state.split_at(fixed);
        let msg = &self.layout.msg;
        let fault = &self.spec.faults[f_index];
        let counter = self.layout.fault_counters[f_index];
        let Some(used) = self.fault_budget_left(f_index, words) else {
            return;
        };
        let bump = |w: &mut [u64]| {
            if let Some(c) = counter {
                c.write(w, used + 1);
            }
        };
        match fault.kind {
            FaultKind::Crash | FaultKind::Restart => {
                let Some(k) = fault.node else { return };
                let kl = &self.layout.kinds[k];
                let Some(crashed) = &kl.crashed else { return };
                for inst in 0..kl.count {
                    let global = kl.first_global + inst;
                    let is_crashed = crashed[inst as usize].read(words) != 0;
                    if fault.kind == FaultKind::Crash && !is_crashed {
                        scratch.words.clear();
                        scratch.words.extend_from_slice(words);
                        crashed[inst as usize].write(&mut scratch.words, 1);
                        bump(&mut scratch.words);
                        scratch.sends.clear();
                        let step = Step {
                            kind: StepKind::Crash {
                                global,
                                fault: f_index as u32,
                            },
                        };
                        self.emit_next(scratch, net, None, step, emit);
                    } else if fault.kind == FaultKind::Restart && is_crashed {
                        let resets = match self.restart_resets(k, inst) {
                            Ok(resets) => resets,
                            Err(e) => {
                                let step = Step {
                                    kind: StepKind::Restart {
                                        global,
                                        fault: f_index as u32,
                                        choice: 0,
                                    },
                                };
                                emit(step, Outcome::Error(e));
                                continue;
                            }
                        };
                        let n_choices: usize = resets.iter().map(|(_, c)| c.len()).product();
                        for choice in 0..n_choices {
                            scratch.words.clear();
                            scratch.words.extend_from_slice(words);
                            crashed[inst as usize].write(&mut scratch.words, 0);
                            bump(&mut scratch.words);
                            let mut rest = choice;
                            for (slot, codes) in resets.iter().rev() {
                                slot.write(&mut scratch.words, codes[rest % codes.len()]);
                                rest /= codes.len();
                            }
                            scratch.sends.clear();
                            let step = Step {
                                kind: StepKind::Restart {
                                    global,
                                    fault: f_index as u32,
                                    choice: choice as u32,
                                },
                            };
                            self.emit_next(scratch, net, None, step, emit);
                        }
                    }
                }
            }
            FaultKind::Lose | FaultKind::Duplicate => {
                for (p, &code) in net.iter().enumerate() {
                    if p > 0 && net[p - 1] == code {
                        continue;
                    }
                    let m = msg.kind(code);
                    if fault.message.is_some_and(|fm| fm != m) {
                        continue;
                    }
                    let duplicate = fault.kind == FaultKind::Duplicate;
                    if duplicate && self.code.set[m] {
                        continue;
                    }
                    scratch.words.clear();
                    scratch.words.extend_from_slice(words);
                    bump(&mut scratch.words);
                    scratch.sends.clear();
                    let f = f_index as u32;
                    let step = if duplicate {
                        scratch.sends.push(code);
                        Step {
                            kind: StepKind::Duplicate { fault: f, code },
                        }
                    } else {
                        Step {
                            kind: StepKind::Lose { fault: f, code },
                        }
                    };
                    let removed = if duplicate { None } else { Some(p) };
                    self.emit_next(scratch, net, removed, step, emit);
                }
            }
            FaultKind::Partition => {
                let Some((active, sides)) = self.layout.partition else {
                    return;
                };
                let f = f_index as u32;
                if active.read(words) != 0 {
                    scratch.words.clear();
                    scratch.words.extend_from_slice(words);
                    active.write(&mut scratch.words, 0);
                    sides.write(&mut scratch.words, 0);
                    scratch.sends.clear();
                    let step = Step {
                        kind: StepKind::Heal { fault: f },
                    };
                    self.emit_next(scratch, net, None, step, emit);
                    return;
                }
                // Every split into two non-empty groups, instance 0 on
                // side 0: the sides with bit 0 clear, other than none.
                let n = self.layout.instances.len() as u32;
                let all = super::encoding::mask(n);
                let mut m: u64 = 2;
                while n > 1 && m <= all {
                    scratch.words.clear();
                    scratch.words.extend_from_slice(words);
                    active.write(&mut scratch.words, 1);
                    sides.write(&mut scratch.words, m);
                    bump(&mut scratch.words);
                    scratch.sends.clear();
                    let step = Step {
                        kind: StepKind::Partition { fault: f, sides: m },
                    };
                    self.emit_next(scratch, net, None, step, emit);
                    m += 2;
                }
            }
            FaultKind::Byzantine => {
                let in_flight = |c: u64| net.contains(&c);
                self.forgeries(f_index, words, in_flight, |step, code| {
                    scratch.words.clear();
                    scratch.words.extend_from_slice(words);
                    scratch.sends.clear();
                    scratch.sends.push(code);
                    self.emit_next(scratch, net, None, step, emit);
                });
            }
        }
    }

    /// The fairness task a step belongs to; `None` for unfair steps (unfair
    /// actions and messages, faults).
    pub fn task(&self, step: &Step) -> Option<Task> {
        match step.kind {
            StepKind::Action {
                global,
                action,
                binding,
            } => {
                let (k, _) = self.layout.instances[global as usize];
                let strong = match self.spec.nodes[k].actions[action as usize].fairness {
                    crate::syntax::ast::Fairness::Unfair => return None,
                    crate::syntax::ast::Fairness::Weak => false,
                    crate::syntax::ast::Fairness::Strong => true,
                };
                Some(Task {
                    key: (1u128 << 120)
                        | ((global as u128) << 64)
                        | ((action as u128) << 32)
                        | binding as u128,
                    strong,
                })
            }
            StepKind::Deliver { code, .. } => {
                let m = self.layout.msg.kind(code);
                self.spec.messages[m].fair.then_some(Task {
                    key: (2u128 << 120) | code as u128,
                    strong: false,
                })
            }
            _ => None,
        }
    }

    /// The parameter values of an action binding, for traces.
    pub fn binding_values(&self, kind: NodeKindId, action: usize, binding: u32) -> Vec<i64> {
        let a = &self.code.kinds[kind].actions[action];
        let mut out = vec![0; a.params.len()];
        let mut rest = binding as usize;
        for (i, (_, domain)) in a.params.iter().enumerate().rev() {
            out[i] = domain[rest % domain.len()];
            rest /= domain.len();
        }
        out
    }

    /// The binding of an action whose parameters take `values`
    /// ([`Model::binding_values`]' inverse).
    pub fn binding_of(&self, kind: NodeKindId, action: usize, values: &[i64]) -> u32 {
        let a = &self.code.kinds[kind].actions[action];
        let mut binding = 0usize;
        for ((_, domain), v) in a.params.iter().zip(values) {
            let at = (domain.iter().position(|d| d == v))
                .expect("a renamed parameter value is a value of its type");
            binding = binding * domain.len() + at;
        }
        binding as u32
    }

    /// Whether a message kind's network keeps messages after delivery.
    pub fn is_set_network(&self, m: MessageId) -> bool {
        self.code.set[m]
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
    pub fn admits(&self, state: &[u64], locals: &mut Vec<i64>) -> Result<bool, InitError> {
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
