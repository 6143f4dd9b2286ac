//! Compile time of the transition relation: each action, handler, initial
//! value and forgery lowered once into closures ([`Code`]), which
//! [`super::step`] runs for every state.

use std::sync::Arc;

use super::encoding::Enc;
use super::expr::Lowerer;
use super::stmt::StmtFn;
use super::value::from_code;
use super::{ExprFn, LowerError};
use crate::syntax::ast::{FaultKind, NetworkKind};
use crate::typed::*;

pub(super) struct ActionCode {
    /// (local, every value of the parameter's type).
    pub(super) params: Vec<(LocalId, Arc<Vec<i64>>)>,
    /// The order in which the search binds the parameters (indices into
    /// `params`, see [`binding_order`]); `stages` and `sources` count
    /// parameters in this order. Bindings are numbered, and their steps
    /// emitted, in declared order whatever it is.
    pub(super) order: Vec<usize>,
    /// Whether `order` differs from the declared order.
    pub(super) reordered: bool,
    pub(super) n_locals: usize,
    pub(super) guard: Option<ExprFn>,
    /// With parameters: the guard's conjuncts (its top-level `&&`), in
    /// order, each with how many parameters must be bound before it is
    /// tested: those it reads and those the conjuncts before it read, so
    /// that every binding tests them in the guard's order, as the guard
    /// would (see [`Model::run_action`]).
    pub(super) stages: Vec<(usize, ExprFn)>,
    /// By parameter, in `order`: where its values come from when the first conjunct
    /// tested once it is bound is `p in S` or `p == e` ([`ParamSource`]);
    /// that conjunct's stage is then `implied` and not tested again.
    pub(super) sources: Vec<Option<ParamSource>>,
    pub(super) implied: Vec<bool>,
    pub(super) body: StmtFn,
}

/// The values of a parameter `p` whose first conjunct, once it is bound,
/// pins it down: the others would fail that conjunct.
pub(super) enum ParamSource {
    /// `p in S`, with `S` a set of `p`'s type that reads only earlier
    /// parameters: the elements of `S`.
    Set {
        set: ExprFn,
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
        place: super::wide_set::WidePlace,
        /// By dense index in the set: the value's index in the
        /// parameter's domain.
        index_of: Vec<u32>,
        /// Whether the indices rise with the dense indices.
        rising: bool,
        /// When the next conjunct rules out members by their variant or
        /// fields ([`super::wide_filter`]): only the others are taken.
        filter: Option<Arc<super::wide_set::WideFilter>>,
    },
    /// `p == e` or `e == p`, with `e` of `p`'s type (or an integer, for
    /// an integer `p`) reading only earlier parameters: `e`'s value, if
    /// the domain holds it.
    Equal {
        value: ExprFn,
        /// Whether the domain's values are sorted (then searched by
        /// halves).
        sorted: bool,
    },
}

/// What a restart sets: each non-persistent variable's slot and the codes
/// of its initial values.
pub(super) type Resets = Vec<(super::Slot, Vec<u64>)>;

/// The conjuncts of an expression's top-level `&&`, left to right.
pub(super) fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Binary(BinOp::And, a, b) => {
            let mut out = conjuncts(a);
            out.extend(conjuncts(b));
            out
        }
        _ => vec![e],
    }
}

/// The order in which the search binds action `a`'s parameters (indices
/// into `a.params`): in the order its guard's conjuncts first read them,
/// the ones no conjunct reads last, each group in declared order. Each
/// conjunct is then tested once the fewest parameters are bound (those it
/// and the conjuncts before it read), so that one ruling a binding out
/// does so before the parameters it does not read are enumerated: Paxos's
/// `phase2a(b, v, q)` tests its quorum conjuncts once per `(b, q)`, not
/// once per value `v` as well.
fn binding_order(a: &ActionDef) -> Vec<usize> {
    let mut order: Vec<usize> = Vec::with_capacity(a.params.len());
    if let Some(g) = &a.guard {
        for c in conjuncts(g) {
            for (i, &p) in a.params.iter().enumerate() {
                if !order.contains(&i) && super::expr::mentions(c, &[p]) {
                    order.push(i);
                }
            }
        }
    }
    for i in 0..a.params.len() {
        if !order.contains(&i) {
            order.push(i);
        }
    }
    order
}

/// The values of parameter `p` of action `a` (of kind `k`) from conjunct
/// `c` ([`ParamSource`]), when `c` is `p in S` with `S` a set of exactly
/// `p`'s type, or `p == e`, and does not otherwise read `p`.
pub(super) fn param_source(
    l: &mut Lowerer,
    k: NodeKindId,
    a: &ActionDef,
    p: LocalId,
    c: &Expr,
) -> Option<ParamSource> {
    use super::expr::{is_compound_literal, mentions};
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
                    filter: None,
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

pub(super) struct HandlerCode {
    pub(super) from_kind: Option<NodeKindId>,
    pub(super) sender: Option<LocalId>,
    /// Per payload field: the local it binds and the field's packing.
    pub(super) payload: Vec<Option<(LocalId, Enc)>>,
    pub(super) n_locals: usize,
    pub(super) guard: Option<ExprFn>,
    pub(super) body: StmtFn,
}

pub(super) enum InitCode {
    Value {
        ex: ExprFn,
        from: Enc,
        to: Enc,
    },
    OneOf {
        ex: ExprFn,
        elem: Enc,
        to: Enc,
    },
    /// `in lo..hi`: each integer of the range, without building the set
    /// (so the range may hold more values than a set can).
    OneOfRange {
        lo: ExprFn,
        hi: ExprFn,
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
        items: Vec<(ExprFn, Enc)>,
        to: Enc,
    },
    /// A wide set variable's initial set literal ([`super::wide`]).
    Wide(super::wide::WideInit),
    /// A wide value variable's initial literal ([`super::wide_value`]).
    WideValue(super::wide_value::WideValueInit),
}

/// What a byzantine instance of a kind may send: per message kind its code
/// sends, every payload and every receiver that handles it.
pub(super) struct ForgeCode {
    pub(super) message: MessageId,
    /// Packed payloads, in code order.
    pub(super) payloads: Vec<u64>,
    /// Global indices of the instances with a handler for the message.
    pub(super) receivers: Vec<u32>,
}

pub(super) struct KindCode {
    pub(super) actions: Vec<ActionCode>,
    /// Empty unless the kind has a `byzantine` fault.
    pub(super) forge: Vec<ForgeCode>,
    pub(super) handlers: Vec<HandlerCode>,
    /// By message kind: the handlers for it, in declaration order.
    pub(super) handlers_by_msg: Vec<Vec<u32>>,
    /// By variable.
    pub(super) init: Vec<InitCode>,
    pub(super) persistent: Vec<bool>,
}

/// The compiled transition relation.
pub(crate) struct Code {
    pub(super) kinds: Vec<KindCode>,
    /// Whether some kind can crash or be byzantine (else no instance ever
    /// is, and the per-step checks are skipped).
    pub(super) faulty: bool,
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
                let order = binding_order(a);
                // The parameters' locals in the order they are bound.
                let bound_params: Vec<LocalId> = order.iter().map(|&i| a.params[i]).collect();
                if let (Some(g), false) = (&a.guard, a.params.is_empty()) {
                    let mark = l.assumed.mark();
                    let mut bound = 0;
                    // The parameter whose conjuncts are being tested, while
                    // one of them may still give its values: those before
                    // it in the run cannot fail, so testing them on the
                    // source's values only skips no failure.
                    let mut open: Option<usize> = None;
                    let all = conjuncts(g);
                    for (at, c) in all.iter().copied().enumerate() {
                        let reads = (bound_params.iter())
                            .rposition(|&p| super::expr::mentions(c, &[p]))
                            .map_or(0, |i| i + 1);
                        if reads > bound {
                            open = Some(reads - 1);
                        }
                        bound = bound.max(reads);
                        let mut source = match open {
                            Some(i) if i + 1 == reads => param_source(l, k, a, bound_params[i], c),
                            _ => None,
                        };
                        // The next conjunct, when it reads no later
                        // parameter, is tested on each member right after:
                        // the members it rules out without failing need
                        // not be taken.
                        if let Some(ParamSource::Wide { place, filter, .. }) = &mut source
                            && let Some(next) = all.get(at + 1)
                            && !(bound_params[reads..].iter())
                                .any(|&p| super::expr::mentions(next, &[p]))
                        {
                            let p = bound_params[reads - 1];
                            *filter = l.wide_filter(&place.set.clone(), p, next, true, Some(k));
                        }
                        implied.push(source.is_some());
                        if let Some(source) = source {
                            sources[reads - 1] = Some(source);
                            open = None;
                        } else if !l.cannot_fail(c) {
                            open = None;
                        }
                        stages.push((bound, l.expr(c, Some(k))));
                        // The next conjuncts are tested only where this
                        // one held.
                        l.assumed.assume(c, true);
                    }
                    l.assumed.forget_since(mark);
                }
                let reordered = order.iter().enumerate().any(|(at, &i)| at != i);
                actions.push(ActionCode {
                    params,
                    order,
                    reordered,
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
pub(super) fn forge_code(l: &mut Lowerer, k: NodeKindId) -> Vec<ForgeCode> {
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
