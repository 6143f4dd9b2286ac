//! The transition relation: initial states, and the successors of a state in
//! a fixed order (instances in order: their actions, parameter bindings in
//! order, then deliveries in network order; then faults in declaration
//! order). The order is part of the contract: it decides which of several
//! shortest counterexamples is shown, the same at every thread count.

use super::code::{ActionCode, ParamSource};
use super::stmt::{StepEnv, StmtFn};
use super::value::from_code;
use super::{Ctx, ExprFn, Model, RtError, RtErrorKind, halt};
use crate::typed::*;

/// One step from a state, identified by what took it. Steps are cheap to
/// copy; traces turn them into words with [`Model::describe_step`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Step {
    /// What took the step.
    pub kind: StepKind,
}

/// The kinds of step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StepKind {
    /// Instance `global` runs action `action` with parameter combination
    /// `binding` (mixed-radix over the parameters' domains).
    Action {
        /// The instance, by global index.
        global: u32,
        /// The action, by index in its kind.
        action: u32,
        /// The parameters' values, a mixed-radix number.
        binding: u32,
    },
    /// Instance `global` handles message `code` with handler `handler`.
    Deliver {
        /// The receiving instance, by global index.
        global: u32,
        /// The handler, by index in the receiver's kind.
        handler: u32,
        /// The message's code.
        code: u64,
    },
    /// Fault `fault` crashes instance `global`.
    Crash {
        /// The instance, by global index.
        global: u32,
        /// The fault, by index in the spec's `faults`.
        fault: u32,
    },
    /// Fault `fault` restarts instance `global` (initial choice `choice`).
    Restart {
        /// The instance, by global index.
        global: u32,
        /// The fault, by index in the spec's `faults`.
        fault: u32,
        /// The choice of initial values, a mixed-radix number.
        choice: u32,
    },
    /// Fault `fault` drops one copy of message `code`.
    Lose {
        /// The fault, by index in the spec's `faults`.
        fault: u32,
        /// The message's code.
        code: u64,
    },
    /// Fault `fault` adds a copy of message `code`.
    Duplicate {
        /// The fault, by index in the spec's `faults`.
        fault: u32,
        /// The message's code.
        code: u64,
    },
    /// Fault `fault` splits the nodes: instances whose bit is set in `sides`
    /// on one side, the others on the other.
    Partition {
        /// The fault, by index in the spec's `faults`.
        fault: u32,
        /// One bit per instance, by global index: its side.
        sides: u64,
    },
    /// Fault `fault` heals the split.
    Heal {
        /// The fault, by index in the spec's `faults`.
        fault: u32,
    },
    /// Byzantine instance `global` (of fault `fault`) sends the forged
    /// message `code`.
    Forge {
        /// The byzantine instance, by global index.
        global: u32,
        /// The fault, by index in the spec's `faults`.
        fault: u32,
        /// The forged message's code.
        code: u64,
    },
}

/// The binding of the task of a `fair any action`: one obligation for
/// every choice of its parameters (no binding is this large).
pub(crate) const FAMILY: u32 = u32::MAX;

/// A fairness obligation: the steps of one fair action instance (with one
/// parameter binding, or with any for `fair any action`), or the delivery
/// of one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Task {
    /// Which steps the obligation is about.
    pub key: TaskKey,
    /// Strongly fair (else weakly).
    pub strong: bool,
}

/// What a [`Task`] is about. Ordered as the steps are: every action task
/// (by instance, action, binding) before every delivery (by code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaskKey {
    /// Instance `global` runs action `action` with parameter combination
    /// `binding`, or with any ([`FAMILY`], for `fair any action`).
    Action {
        /// The instance, by global index.
        global: u32,
        /// The action, by index in its kind.
        action: u32,
        /// The parameters' values, a mixed-radix number, or [`FAMILY`].
        binding: u32,
    },
    /// Message `code` is delivered.
    Deliver {
        /// The message's code.
        code: u64,
    },
}

impl std::hash::Hash for TaskKey {
    /// Two words, whatever the variant: the tasks' tables hash once per
    /// edge, and a derived hash would feed the discriminant byte by byte
    /// to a word hasher.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match *self {
            TaskKey::Action {
                global,
                action,
                binding,
            } => {
                state.write_u64(((global as u64) << 32) | action as u64);
                state.write_u64((1 << 32) | binding as u64);
            }
            TaskKey::Deliver { code } => {
                state.write_u64(code);
                state.write_u64(2 << 32);
            }
        }
    }
}

impl Step {
    /// Whether the environment took the step (a crash, a loss, ...).
    pub(crate) fn is_fault(&self) -> bool {
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

/// Reusable buffers for [`Model::successors`], one per thread.
#[derive(Default)]
pub struct Scratch {
    pub(super) words: Vec<u64>,
    pub(super) sends: Vec<u64>,
    locals: Vec<i64>,
    next: Vec<u64>,
    params: ParamScratch,
}

/// The bookkeeping of [`Model::run_action`]'s search over bindings.
#[derive(Default)]
struct ParamScratch {
    /// By parameter in declared order: the bindings below each of its
    /// values (the binding number's mixed radix, the last parameter
    /// fastest).
    below: Vec<usize>,
    /// By parameter in binding order ([`ActionCode::order`]): the
    /// bindings below each of its values in that order (how many a
    /// failure at that depth stands for), and what one of its values adds
    /// to the binding number.
    block: Vec<usize>,
    stride: Vec<usize>,
    /// A reordered search's outcomes, by binding number: `None` for a
    /// binding whose guard holds, the failure otherwise; emitted in
    /// binding order once the search is over.
    pending: Vec<(usize, Option<RtError>)>,
    index: Vec<usize>,
    pos: Vec<usize>,
    stage_at: Vec<usize>,
    cands: Vec<Vec<u32>>,
    /// By parameter: its source failed, so it takes every value and its
    /// implied conjunct is tested after all.
    fallback: Vec<bool>,
}

impl Model {
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
    pub(super) fn emit_next(
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
        let (block, stride) = (&mut params.block, &mut params.stride);
        block.clear();
        block.resize(k + 1, 1);
        stride.clear();
        stride.resize(k, 1);
        for (at, &i) in action.order.iter().enumerate().rev() {
            block[at] = block[at + 1] * action.params[i].1.len();
            stride[at] = below[i + 1];
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
            block,
            stride,
            pending,
            index,
            pos,
            stage_at,
            cands,
            fallback,
        } = params;
        pending.clear();
        let reordered = action.reordered;
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
            (0..depth).map(|j| index[j] * stride[j]).sum()
        };
        // Every binding under the bound parameters fails with `e`.
        let fail_all = |index: &[usize],
                        depth: usize,
                        e: &RtError,
                        pending: &mut Vec<(usize, Option<RtError>)>,
                        emit: &mut dyn FnMut(Step, Outcome)| {
            let first = first_below(index, depth);
            if !reordered {
                for b in first..first + block[depth] {
                    emit(step_of(b), Outcome::Error(e.clone()));
                }
                return;
            }
            for n in 0..block[depth] {
                let binding = first
                    + (depth..k)
                        .map(|at| (n / block[at + 1]) % (block[at] / block[at + 1]) * stride[at])
                        .sum::<usize>();
                pending.push((binding, Some(e.clone())));
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
                        fail_all(index, depth, &e, pending, emit);
                        ruled_out = true;
                        break;
                    }
                }
            }
            if !ruled_out {
                if depth == k && reordered {
                    pending.push((first_below(index, k), None));
                } else if depth == k {
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
                    let (local, domain) = &action.params[action.order[depth]];
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
                            filter: Some(filter),
                        }) => {
                            let walked = place.words(&ctx, &mut scratch.locals).and_then(|words| {
                                filter.walk(&ctx, &mut scratch.locals, words, &mut |i, _| {
                                    c.push(index_of[i]);
                                    Ok(true)
                                })
                            });
                            match walked {
                                Ok(_) => {
                                    if !rising {
                                        c.sort_unstable();
                                    }
                                }
                                Err(_) => {
                                    c.clear();
                                    c.extend(0..domain.len() as u32);
                                    fallback[depth] = true;
                                }
                            }
                        }
                        Some(ParamSource::Wide {
                            place,
                            index_of,
                            rising,
                            filter: None,
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
                    let (local, domain) = &action.params[action.order[i]];
                    index[i] = next as usize;
                    scratch.locals[*local] = domain[next as usize];
                    stage = stage_at[depth];
                    continue 'search;
                }
                depth -= 1;
            }
        }
        if !reordered {
            return;
        }
        // The outcomes in binding order, as a search in declared order
        // would have emitted them.
        pending.sort_unstable_by_key(|&(binding, _)| binding);
        for (binding, outcome) in pending.drain(..) {
            if let Some(e) = outcome {
                emit(step_of(binding), Outcome::Error(e));
                continue;
            }
            scratch.locals.fill(0);
            for (i, (local, domain)) in action.params.iter().enumerate() {
                scratch.locals[*local] = domain[(binding / below[i + 1]) % domain.len()];
            }
            let step = step_of(binding);
            self.run_body(state, inst, global, &action.body, None, step, scratch, emit);
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
        guard: Option<&ExprFn>,
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
        body: &StmtFn,
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
                let def = &self.spec.nodes[k].actions[action as usize];
                let strong = match def.fairness {
                    crate::syntax::ast::Fairness::Unfair => return None,
                    crate::syntax::ast::Fairness::Weak => false,
                    crate::syntax::ast::Fairness::Strong => true,
                };
                Some(Task {
                    key: TaskKey::Action {
                        global,
                        action,
                        binding: if def.family { FAMILY } else { binding },
                    },
                    strong,
                })
            }
            StepKind::Deliver { code, .. } => {
                let m = self.layout.msg.kind(code);
                self.spec.messages[m].fair.then_some(Task {
                    key: TaskKey::Deliver { code },
                    strong: false,
                })
            }
            _ => None,
        }
    }

    /// The parameter values of an action binding, for traces.
    pub(crate) fn binding_values(&self, kind: NodeKindId, action: usize, binding: u32) -> Vec<i64> {
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
    pub(crate) fn binding_of(&self, kind: NodeKindId, action: usize, values: &[i64]) -> u32 {
        let a = &self.code.kinds[kind].actions[action];
        let mut binding = 0usize;
        for ((_, domain), v) in a.params.iter().zip(values) {
            let at = (domain.iter().position(|d| d == v))
                .expect("a renamed parameter value is a value of its type");
            binding = binding * domain.len() + at;
        }
        binding as u32
    }
}
