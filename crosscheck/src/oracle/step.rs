//! The transition relation: initial states, and every step from a state
//! with what it leads to (a successor or a run-time finding).
//!
//! Decisions the docs leave open (settled by reading src/model/step.rs):
//! - One delivery step per distinct message in flight and handler whose
//!   guard holds (copies of a message are one step); on a FIFO channel only
//!   the oldest message is deliverable.
//! - `lose` and `duplicate` take one step per distinct message of a
//!   `set` or `multiset` kind, and per run of equal adjacent messages of a
//!   FIFO channel (losing the first or the third of `[A, B, A]` differ);
//!   a duplicated FIFO message joins the end of its channel; `duplicate`
//!   has no step at all for a `set` message. Each fault line is its own
//!   budget, so a loss allowed by two lines is two steps.
//! - A split is chosen only when none is in force and the budget allows;
//!   healing is always possible while split. Splits cover every instance
//!   (crashed and faulty ones included).
//! - A byzantine instance that is not crashed forges every kind its kind's
//!   code sends, with every payload, to every honest instance of every kind
//!   with a handler for that kind, when that exact message is not in
//!   flight. With several byzantine lines for one kind the faulty set is
//!   the union of one choice per line.
//! - A step whose evaluation fails (guard or body) is a step: it counts as a
//!   transition and, for an action or delivery, as an enabled protocol step
//!   for deadlock detection (src/explore counts it so; docs/output.md says
//!   "every successor generated" and does not mention failed steps).

use dsmc::syntax::ast::{Fairness, FaultKind, NetworkKind};
use dsmc::typed::{Init, TypedSpec};

use super::eval::Env;
use super::state::{Msg, Net, State, instances};
use super::value::{Inst, R, Value, check_fits, domain};

/// A FIFO channel (sender, receiver) and a position in it.
type Channel = ((Inst, Inst), usize);

/// A fairness obligation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Task {
    /// A fair action of one instance with one binding of its parameters
    /// (none for `fair any action`: every binding is the one task).
    Action(Inst, usize, Vec<Value>),
    /// The delivery of one message (all copies are one task).
    Deliver(Msg),
}

/// What kind of step it is, for deadlock detection and fairness.
#[derive(Clone, Debug)]
pub struct StepInfo {
    /// In words, for replay diagnostics.
    pub label: String,
    /// Taken by the environment (never fair, not counted for deadlock).
    pub fault: bool,
    /// The task it takes, and whether that task is strongly fair.
    pub task: Option<(Task, bool)>,
}

/// One step and its outcome.
pub struct Succ {
    pub info: StepInfo,
    pub next: R<State>,
}

/// The name of an instance as traces write it: `RM[2]`, or `TM`.
pub fn inst_name(spec: &TypedSpec, (k, i): Inst) -> String {
    let n = &spec.nodes[k];
    if n.indexed {
        format!("{}[{i}]", n.name)
    } else {
        n.name.clone()
    }
}

/// The possible initial values of one variable of one instance.
fn init_choices(spec: &TypedSpec, inst: Inst, var: usize) -> R<Vec<Value>> {
    let def = &spec.nodes[inst.0].vars[var];
    let mut env = Env::new(spec, Some(inst), 64);
    let vals = match &def.init {
        Init::Value(e) => vec![env.eval(&empty_state(spec), e)?],
        Init::OneOf(e) => env
            .eval(&empty_state(spec), e)?
            .as_set()?
            .iter()
            .cloned()
            .collect(),
    };
    for v in &vals {
        check_fits(v, &def.ty)?;
    }
    Ok(vals)
}

/// A state with no variables set, for evaluating initialisers (which read
/// no variable).
fn empty_state(spec: &TypedSpec) -> State {
    State {
        vars: spec
            .nodes
            .iter()
            .map(|n| vec![Vec::new(); n.count as usize])
            .collect(),
        crashed: Default::default(),
        byzantine: Default::default(),
        used: vec![0; spec.faults.len()],
        partition: None,
        net: Net::default(),
    }
}

/// Every combination of one choice per list, the first list varying slowest.
fn combos(lists: &[Vec<Value>]) -> Vec<Vec<Value>> {
    let mut acc = vec![Vec::new()];
    for l in lists {
        let mut next = Vec::new();
        for p in &acc {
            for v in l {
                let mut q: Vec<Value> = p.clone();
                q.push(v.clone());
                next.push(q);
            }
        }
        acc = next;
    }
    acc
}

/// Every subset of `items` with at most `k` elements.
fn subsets(items: &[Inst], k: usize) -> Vec<Vec<Inst>> {
    let mut out = vec![Vec::new()];
    for &it in items {
        let more: Vec<Vec<Inst>> = out
            .iter()
            .filter(|s| s.len() < k)
            .map(|s| {
                let mut s = s.clone();
                s.push(it);
                s
            })
            .collect();
        out.extend(more);
    }
    out
}

/// Every initial state (without duplicates, in a fixed order): the
/// combinations of the variables' initial values (and byzantine choices)
/// in which every `init` predicate holds. None at all is an error, as is
/// a predicate that cannot be evaluated in one of them.
pub fn initial_states(spec: &TypedSpec) -> R<Vec<State>> {
    let mut base = empty_state(spec);
    let mut slots = Vec::new();
    let mut lists = Vec::new();
    for inst in instances(spec) {
        for v in 0..spec.nodes[inst.0].vars.len() {
            slots.push((inst, v));
            lists.push(init_choices(spec, inst, v)?);
        }
    }
    // The byzantine choices: one subset per line, united.
    let mut byz: Vec<std::collections::BTreeSet<Inst>> = vec![Default::default()];
    for f in &spec.faults {
        if f.kind != FaultKind::Byzantine {
            continue;
        }
        let k = f.node.expect("byzantine names a kind");
        let insts: Vec<Inst> = (0..spec.nodes[k].count).map(|i| (k, i)).collect();
        let subs = subsets(&insts, f.budget.unwrap_or(u32::MAX) as usize);
        byz = byz
            .iter()
            .flat_map(|b| {
                subs.iter().map(move |s| {
                    let mut b = b.clone();
                    b.extend(s.iter().copied());
                    b
                })
            })
            .collect();
    }
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut candidates = 0u64;
    for combo in combos(&lists) {
        for ((inst, v), val) in slots.iter().zip(&combo) {
            let vars = &mut base.vars[inst.0][inst.1 as usize];
            if vars.len() <= *v {
                vars.resize(v + 1, Value::Bool(false));
            }
            vars[*v] = val.clone();
        }
        for b in &byz {
            let mut s = base.clone();
            s.byzantine = b.clone();
            if seen.insert(s.clone()) {
                candidates += 1;
                let mut admitted = true;
                for init in &spec.inits {
                    let mut env = Env::new(spec, None, init.predicate.locals.len());
                    if !env.test(&s, &init.predicate.expr)? {
                        admitted = false;
                        break;
                    }
                }
                if admitted {
                    out.push(s);
                }
            }
        }
    }
    if out.is_empty() {
        return super::value::fail(format!(
            "no initial state: none of the {candidates} combinations of initial values \
             satisfies the `init` predicates"
        ));
    }
    Ok(out)
}

/// Every step from `st`, in a fixed order: actions, deliveries, faults.
pub fn successors(spec: &TypedSpec, st: &State) -> Vec<Succ> {
    let mut out = Vec::new();
    let insts = instances(spec);
    // Actions.
    for &inst in &insts {
        if !st.live(inst) {
            continue;
        }
        for (a, def) in spec.nodes[inst.0].actions.iter().enumerate() {
            let lists: R<Vec<Vec<Value>>> = def
                .params
                .iter()
                .map(|&p| domain(spec, &def.body.locals[p].ty))
                .collect();
            let bindings = match lists {
                Ok(l) => combos(&l),
                Err(e) => {
                    out.push(Succ {
                        info: StepInfo {
                            label: format!("{}.{}", inst_name(spec, inst), def.name),
                            fault: false,
                            task: None,
                        },
                        next: Err(e),
                    });
                    continue;
                }
            };
            for binding in bindings {
                let mut env = Env::new(spec, Some(inst), def.body.locals.len());
                for (&p, v) in def.params.iter().zip(&binding) {
                    env.bind(p, v.clone());
                }
                let label = format!("{}.{}{binding:?}", inst_name(spec, inst), def.name);
                // `fair any action`: one task for every binding.
                let task_binding = if def.family {
                    Vec::new()
                } else {
                    binding.clone()
                };
                let task = match def.fairness {
                    Fairness::Unfair => None,
                    Fairness::Weak => Some((Task::Action(inst, a, task_binding), false)),
                    Fairness::Strong => Some((Task::Action(inst, a, task_binding), true)),
                };
                let info = StepInfo {
                    label,
                    fault: false,
                    task,
                };
                let enabled = match &def.guard {
                    None => Ok(true),
                    Some(g) => env.test(st, g),
                };
                match enabled {
                    Ok(false) => {}
                    Err(e) => out.push(Succ { info, next: Err(e) }),
                    Ok(true) => {
                        let mut next = st.clone();
                        let r = env.exec(&mut next, &def.body.stmts).map(|()| next);
                        out.push(Succ { info, next: r });
                    }
                }
            }
        }
    }
    // Deliveries: distinct messages, FIFO heads only.
    let mut deliverable: Vec<(Msg, Option<Channel>)> = Vec::new();
    deliverable.extend(st.net.set.iter().map(|m| (m.clone(), None)));
    deliverable.extend(st.net.bag.keys().map(|m| (m.clone(), None)));
    for (ch, q) in &st.net.fifo {
        deliverable.push((q[0].clone(), Some((*ch, 0))));
    }
    for (m, fifo) in deliverable {
        if !st.live(m.dst) || st.separated(m.src, m.dst) {
            continue;
        }
        let mdef = &spec.messages[m.kind];
        for h in &spec.nodes[m.dst.0].handlers {
            if h.message != m.kind || h.from_kind.is_some_and(|k| k != m.src.0) {
                continue;
            }
            let mut env = Env::new(spec, Some(m.dst), h.body.locals.len());
            if let Some(s) = h.sender {
                env.bind(s, Value::Node(m.src));
            }
            for (b, v) in h.payload.iter().zip(&m.payload) {
                if let Some(l) = b {
                    env.bind(*l, v.clone());
                }
            }
            let info = StepInfo {
                label: format!(
                    "{} <- {} from {}",
                    inst_name(spec, m.dst),
                    msg_label(spec, &m),
                    inst_name(spec, m.src)
                ),
                fault: false,
                task: mdef.fair.then(|| (Task::Deliver(m.clone()), false)),
            };
            let enabled = match &h.guard {
                None => Ok(true),
                Some(g) => env.test(st, g),
            };
            match enabled {
                Ok(false) => {}
                Err(e) => out.push(Succ { info, next: Err(e) }),
                Ok(true) => {
                    let mut next = st.clone();
                    match fifo {
                        Some((ch, pos)) => next.net.remove_fifo(ch, pos),
                        None => {
                            if mdef.network != NetworkKind::Set {
                                next.net.remove_unordered(&m);
                            }
                        }
                    }
                    let r = env.exec(&mut next, &h.body.stmts).map(|()| next);
                    out.push(Succ { info, next: r });
                }
            }
        }
    }
    faults(spec, st, &insts, &mut out);
    out
}

/// `Vote(granted: true)`: a message's kind and payload.
pub fn msg_label(spec: &TypedSpec, m: &Msg) -> String {
    let def = &spec.messages[m.kind];
    if def.fields.is_empty() {
        def.name.clone()
    } else {
        let items: Vec<String> = (def.fields.iter().zip(&m.payload))
            .map(|((n, t), v)| format!("{n}: {}", super::render::value(spec, v, t)))
            .collect();
        format!("{}({})", def.name, items.join(", "))
    }
}

/// The fault steps from `st`.
fn faults(spec: &TypedSpec, st: &State, insts: &[Inst], out: &mut Vec<Succ>) {
    let fault_step = |label: String, next: R<State>| Succ {
        info: StepInfo {
            label,
            fault: true,
            task: None,
        },
        next,
    };
    for (f, def) in spec.faults.iter().enumerate() {
        let used = st.used[f];
        let split = st.partition.is_some();
        let exhausted = def.budget.is_some_and(|b| used >= b);
        let bump = |s: &mut State| {
            if def.budget.is_some() {
                s.used[f] += 1;
            }
        };
        if def.kind == FaultKind::Partition && split {
            let mut next = st.clone();
            next.partition = None;
            out.push(fault_step("heal the partition".into(), Ok(next)));
            continue;
        }
        if exhausted {
            continue;
        }
        match def.kind {
            FaultKind::Crash => {
                let k = def.node.expect("crash names a kind");
                for i in 0..spec.nodes[k].count {
                    if st.crashed.contains(&(k, i)) {
                        continue;
                    }
                    let mut next = st.clone();
                    next.crashed.insert((k, i));
                    bump(&mut next);
                    out.push(fault_step(
                        format!("crash {}", inst_name(spec, (k, i))),
                        Ok(next),
                    ));
                }
            }
            FaultKind::Restart => {
                let k = def.node.expect("restart names a kind");
                for i in 0..spec.nodes[k].count {
                    if !st.crashed.contains(&(k, i)) {
                        continue;
                    }
                    let label = format!("restart {}", inst_name(spec, (k, i)));
                    let mut vars = Vec::new();
                    let mut lists = Vec::new();
                    let mut err = None;
                    for (v, vdef) in spec.nodes[k].vars.iter().enumerate() {
                        if vdef.persistent {
                            continue;
                        }
                        match init_choices(spec, (k, i), v) {
                            Ok(l) => {
                                vars.push(v);
                                lists.push(l);
                            }
                            Err(e) => err = Some(e),
                        }
                    }
                    if let Some(e) = err {
                        out.push(fault_step(label, Err(e)));
                        continue;
                    }
                    for combo in combos(&lists) {
                        let mut next = st.clone();
                        next.crashed.remove(&(k, i));
                        bump(&mut next);
                        for (&v, val) in vars.iter().zip(combo) {
                            next.vars[k][i as usize][v] = val;
                        }
                        out.push(fault_step(label.clone(), Ok(next)));
                    }
                }
            }
            FaultKind::Lose | FaultKind::Duplicate => {
                let dup = def.kind == FaultKind::Duplicate;
                let verb = if dup { "duplicate" } else { "lose" };
                let wanted = |m: &Msg| def.message.is_none_or(|k| k == m.kind);
                for m in st.net.set.iter().chain(st.net.bag.keys()) {
                    if !wanted(m) || dup && spec.messages[m.kind].network == NetworkKind::Set {
                        continue;
                    }
                    let mut next = st.clone();
                    if dup {
                        next.net.send(spec, m.clone());
                    } else {
                        next.net.remove_unordered(m);
                    }
                    bump(&mut next);
                    out.push(fault_step(
                        format!("{verb} {}", msg_text(spec, m)),
                        Ok(next),
                    ));
                }
                for (ch, q) in &st.net.fifo {
                    for (pos, m) in q.iter().enumerate() {
                        if !wanted(m) || pos > 0 && q[pos - 1] == *m {
                            continue;
                        }
                        let mut next = st.clone();
                        if dup {
                            next.net.send(spec, m.clone());
                        } else {
                            next.net.remove_fifo(*ch, pos);
                        }
                        bump(&mut next);
                        out.push(fault_step(
                            format!("{verb} {}", msg_text(spec, m)),
                            Ok(next),
                        ));
                    }
                }
            }
            FaultKind::Partition => {
                // Every split into two non-empty sides; the first instance
                // is never in the stored side, so each split is one state.
                let n = insts.len();
                if n < 2 {
                    continue;
                }
                for bits in 1u64..(1u64 << (n - 1)) {
                    let side = (1..n)
                        .filter(|j| bits >> (j - 1) & 1 == 1)
                        .map(|j| insts[j])
                        .collect();
                    let mut next = st.clone();
                    next.partition = Some(side);
                    bump(&mut next);
                    out.push(fault_step("partition".into(), Ok(next)));
                }
            }
            FaultKind::Byzantine => {
                let k = def.node.expect("byzantine names a kind");
                let first = spec
                    .faults
                    .iter()
                    .position(|g| g.kind == FaultKind::Byzantine && g.node == Some(k));
                if first != Some(f) {
                    continue;
                }
                forge(spec, st, k, insts, out);
            }
        }
    }
}

/// The forge steps of the faulty instances of kind `k`.
fn forge(spec: &TypedSpec, st: &State, k: usize, insts: &[Inst], out: &mut Vec<Succ>) {
    for i in 0..spec.nodes[k].count {
        let b = (k, i);
        if !st.byzantine.contains(&b) || st.crashed.contains(&b) {
            continue;
        }
        for &m in &spec.nodes[k].sends {
            let fields: R<Vec<Vec<Value>>> = spec.messages[m]
                .fields
                .iter()
                .map(|(_, t)| domain(spec, t))
                .collect();
            let Ok(fields) = fields else { continue };
            let payloads = combos(&fields);
            for &dst in insts {
                let handles = spec.nodes[dst.0].handlers.iter().any(|h| h.message == m);
                if !handles || st.byzantine.contains(&dst) {
                    continue;
                }
                for p in &payloads {
                    let msg = Msg {
                        kind: m,
                        payload: p.clone(),
                        src: b,
                        dst,
                    };
                    if st.net.contains(&msg) {
                        continue;
                    }
                    let mut next = st.clone();
                    let label = format!("forge {}", msg_text(spec, &msg));
                    next.net.send(spec, msg);
                    out.push(Succ {
                        info: StepInfo {
                            label,
                            fault: true,
                            task: None,
                        },
                        next: Ok(next),
                    });
                }
            }
        }
    }
}

/// `Vote(granted: true) RM[0] → TM`: a message in words.
pub fn msg_text(spec: &TypedSpec, m: &Msg) -> String {
    format!(
        "{} {} → {}",
        msg_label(spec, m),
        inst_name(spec, m.src),
        inst_name(spec, m.dst)
    )
}
