//! Liveness under fairness: fair-cycle search over the explored graph.
//!
//! For `P ~> Q` the checker looks for a fair behaviour that reaches a
//! `P ∧ ¬Q` state and then never sees `Q`:
//! 1. `B`: the reachable states where `P ∧ ¬Q` holds;
//! 2. `R`: the states reachable from `B` through `¬Q` states only (the
//!    successors are recomputed and looked up in the visited set, level by
//!    level in parallel);
//! 3. the strongly connected components of `R` (iterative Tarjan);
//! 4. a component is *fair* when every weakly fair task enabled in all of its
//!    states is taken on one of its edges, and every strongly fair task
//!    enabled in any of its states is taken on one of its edges; a component
//!    that fails only the strong condition is refined by removing the states
//!    that enable the untaken task, and searched again (Emerson–Lei);
//! 5. a single state where no fair task is enabled is also a fair ending:
//!    the behaviour may stop there (a deadlock, or only unfair steps left).
//!
//! Stuttering steps (a step whose successor is the same state) neither
//! enable nor take a task, as in TLA+. The first candidate (by the depth of
//! its shallowest state, then its BFS position) becomes a lasso: the shortest
//! path to a `B` state, a path inside `R` to the component, and a cycle in
//! the component that takes or disables every task fairness asks for.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use rayon::prelude::*;

use super::store::{hash_state, shard_of};
use super::{Explorer, Lasso, Trace};
use crate::model::{Model, Outcome, Pred, Scratch, Step, Task};

/// The states of the search, numbered densely in BFS order.
pub(super) struct Dense {
    /// Dense index → global id.
    pub globals: Vec<u64>,
    /// Global id → dense index, by shard and local index.
    by_shard: Vec<Vec<u32>>,
}

impl Dense {
    pub(super) fn new(explorer: &Explorer) -> Dense {
        let mut by_shard: Vec<Vec<u32>> = explorer
            .shards
            .iter()
            .map(|s| vec![u32::MAX; s.len()])
            .collect();
        for (d, &g) in explorer.order.iter().enumerate() {
            let (s, l) = super::store::split_id(g);
            by_shard[s][l as usize] = d as u32;
        }
        Dense {
            globals: explorer.order.clone(),
            by_shard,
        }
    }

    fn of(&self, global: u64) -> u32 {
        let (s, l) = super::store::split_id(global);
        self.by_shard[s][l as usize]
    }
}

/// One step out of a state, as the fairness check needs it.
#[derive(Clone, Debug)]
struct Edge {
    /// Dense index of the successor.
    to: u32,
    task: Option<Task>,
    step: Step,
}

/// A state's steps, and the fair tasks it enables (non-stuttering steps).
#[derive(Clone, Debug, Default)]
struct Node {
    edges: Vec<Edge>,
    enabled: Vec<Task>,
}

/// What the search is about.
pub(super) struct Query<'a> {
    /// Where a counterexample may start (`P ∧ ¬Q`).
    pub start: &'a [bool],
    /// Where it may stay (`¬Q`).
    pub stay: &'a [bool],
    /// For variants: the measure, which must stay equal on the cycle's edges.
    pub measure: Option<&'a [i64]>,
}

impl Explorer<'_> {
    /// Evaluates a predicate on every state, in dense order.
    pub(super) fn eval_all(&self, dense: &Dense, pred: &Pred) -> Vec<i64> {
        let model = self.model;
        dense
            .globals
            .par_iter()
            .map_init(Vec::new, |locals, &g| {
                pred.eval(model, self.state(g), locals).unwrap_or(0)
            })
            .collect()
    }

    fn node(&self, dense: &Dense, index: u32, scratch: &mut Scratch) -> Node {
        let model: &Model = self.model;
        let state = self.state(dense.globals[index as usize]);
        let mut node = Node::default();
        model.successors(state, scratch, &mut |step, outcome| {
            let Outcome::Next(next) = outcome else { return };
            let task = model.task(&step);
            if next == state {
                // Stuttering: neither enables nor takes a task.
                return;
            }
            if let Some(t) = task {
                node.enabled.push(t);
            }
            let hash = hash_state(next);
            let shard = &self.shards[shard_of(hash)];
            if let Some(local) = shard.find(next, hash) {
                let to = dense.of(super::store::global_id(shard_of(hash), local));
                node.edges.push(Edge { to, task, step });
            }
        });
        node.enabled.sort_unstable();
        node.enabled.dedup();
        node
    }

    /// Searches for a fair behaviour that starts in `query.start` and stays
    /// in `query.stay` for ever; returns it as a lasso.
    pub(super) fn fair_counterexample(&self, dense: &Dense, query: &Query) -> Option<Trace> {
        let n = dense.globals.len();
        // Reachability from the start states through `stay` states, level by
        // level; each level's successors are computed in parallel.
        let mut nodes: Vec<Option<Node>> = vec![None; n];
        let mut in_r = vec![false; n];
        let mut frontier: Vec<u32> = (0..n as u32)
            .filter(|&i| query.start[i as usize] && query.stay[i as usize])
            .collect();
        for &i in &frontier {
            in_r[i as usize] = true;
        }
        while !frontier.is_empty() {
            let computed: Vec<(u32, Node)> = frontier
                .par_iter()
                .map_init(Scratch::default, |scratch, &i| {
                    (i, self.node(dense, i, scratch))
                })
                .collect();
            let mut next = Vec::new();
            for (i, node) in computed {
                for e in &node.edges {
                    let to = e.to as usize;
                    if query.stay[to] && !in_r[to] && measure_kept(query, i, e.to) {
                        in_r[to] = true;
                        next.push(e.to);
                    }
                }
                nodes[i as usize] = Some(node);
            }
            next.sort_unstable();
            frontier = next;
        }
        let r_states: Vec<u32> = (0..n as u32).filter(|&i| in_r[i as usize]).collect();
        if r_states.is_empty() {
            return None;
        }
        let inside = |from: u32, e: &Edge| in_r[e.to as usize] && measure_kept(query, from, e.to);

        // Candidates: states where no fair task is enabled, and fair
        // components. The first by (depth, BFS position) wins.
        let depth = self.depths(dense);
        let mut best: Option<(u32, u32, Candidate)> = None;
        let consider = |rep: u32, c: Candidate, best: &mut Option<(u32, u32, Candidate)>| {
            let key = (depth[rep as usize], rep);
            if best.as_ref().is_none_or(|(d, r, _)| key < (*d, *r)) {
                *best = Some((key.0, key.1, c));
            }
        };
        for &i in &r_states {
            let node = nodes[i as usize]
                .as_ref()
                .expect("every state of R was expanded");
            if node.enabled.is_empty() {
                consider(i, Candidate::Stop, &mut best);
            }
        }
        let all: BTreeSet<u32> = r_states.iter().copied().collect();
        for component in fair_components(&nodes, &all, &inside) {
            let rep = *component
                .iter()
                .min_by_key(|&&i| (depth[i as usize], i))
                .expect("non-empty");
            consider(rep, Candidate::Cycle(component), &mut best);
        }
        let (_, rep, candidate) = best?;
        Some(self.lasso(dense, query, &nodes, &in_r, &depth, rep, candidate, &inside))
    }

    /// BFS depth of every state (0 for initial states), in dense order.
    fn depths(&self, dense: &Dense) -> Vec<u32> {
        let mut depth = vec![u32::MAX; dense.globals.len()];
        for d in 0..dense.globals.len() {
            let mut chain = Vec::new();
            let mut cur = d as u32;
            while depth[cur as usize] == u32::MAX {
                chain.push(cur);
                let (s, l) = super::store::split_id(dense.globals[cur as usize]);
                let parent = self.shards[s].parent(l);
                if parent == super::store::NO_PARENT {
                    break;
                }
                cur = dense.of(parent);
            }
            let mut base = if depth[cur as usize] == u32::MAX {
                0
            } else {
                depth[cur as usize] + 1
            };
            for &c in chain.iter().rev() {
                if depth[c as usize] == u32::MAX {
                    depth[c as usize] = base;
                }
                base = depth[c as usize] + 1;
            }
        }
        depth
    }

    #[allow(clippy::too_many_arguments)]
    fn lasso(
        &self,
        dense: &Dense,
        query: &Query,
        nodes: &[Option<Node>],
        in_r: &[bool],
        depth: &[u32],
        rep: u32,
        candidate: Candidate,
        inside: &dyn Fn(u32, &Edge) -> bool,
    ) -> Trace {
        // A path inside R from the shallowest start state that reaches `rep`.
        let mut sources: Vec<u32> = (0..in_r.len() as u32)
            .filter(|&i| in_r[i as usize] && query.start[i as usize])
            .collect();
        sources.sort_by_key(|&i| (depth[i as usize], i));
        let mut pred: BTreeMap<u32, (u32, Step)> = BTreeMap::new();
        let mut seen: BTreeSet<u32> = sources.iter().copied().collect();
        let mut queue: VecDeque<u32> = sources.iter().copied().collect();
        while let Some(i) = queue.pop_front() {
            if i == rep {
                break;
            }
            for e in &nodes[i as usize].as_ref().expect("expanded").edges {
                if inside(i, e) && seen.insert(e.to) {
                    pred.insert(e.to, (i, e.step));
                    queue.push_back(e.to);
                }
            }
        }
        let mut walk = vec![];
        let mut cur = rep;
        while let Some(&(p, step)) = pred.get(&cur) {
            walk.push((step, cur));
            cur = p;
        }
        walk.reverse();
        let mut trace = self.path(dense.globals[cur as usize]);
        for (step, to) in walk {
            trace.steps.push(step);
            trace
                .states
                .push(self.state(dense.globals[to as usize]).to_vec());
        }
        let loop_start = trace.states.len() - 1;
        match candidate {
            Candidate::Stop => {
                trace.lasso = Some(Lasso {
                    start: loop_start,
                    stutter: true,
                });
            }
            Candidate::Cycle(component) => {
                for (step, to) in fair_cycle(nodes, &component, rep, inside) {
                    trace.steps.push(step);
                    trace
                        .states
                        .push(self.state(dense.globals[to as usize]).to_vec());
                }
                trace.lasso = Some(Lasso {
                    start: loop_start,
                    stutter: false,
                });
            }
        }
        trace
    }
}

fn measure_kept(query: &Query, from: u32, to: u32) -> bool {
    query
        .measure
        .is_none_or(|m| m[from as usize] == m[to as usize])
}

enum Candidate {
    /// Stop at the representative state: no fair task is enabled there.
    Stop,
    /// Cycle for ever inside this fair component.
    Cycle(BTreeSet<u32>),
}

/// The fair strongly connected components among `states` (with at least one
/// edge inside), refining for strong fairness.
fn fair_components(
    nodes: &[Option<Node>],
    states: &BTreeSet<u32>,
    inside: &dyn Fn(u32, &Edge) -> bool,
) -> Vec<BTreeSet<u32>> {
    let mut out = Vec::new();
    let mut work = vec![states.clone()];
    while let Some(set) = work.pop() {
        for component in tarjan(nodes, &set, inside) {
            let node = |i: u32| nodes[i as usize].as_ref().expect("expanded");
            let has_edge = component.iter().any(|&i| {
                node(i)
                    .edges
                    .iter()
                    .any(|e| e.to != i && component.contains(&e.to) && inside(i, e))
            });
            if !has_edge {
                continue;
            }
            let mut taken: BTreeSet<Task> = BTreeSet::new();
            for &i in &component {
                for e in &node(i).edges {
                    if let Some(t) = e.task
                        && e.to != i
                        && component.contains(&e.to)
                        && inside(i, e)
                    {
                        taken.insert(t);
                    }
                }
            }
            // Weak: a task enabled in every state must be taken.
            let mut always: Option<BTreeSet<Task>> = None;
            let mut somewhere: BTreeSet<Task> = BTreeSet::new();
            for &i in &component {
                let enabled: BTreeSet<Task> = node(i).enabled.iter().copied().collect();
                somewhere.extend(enabled.iter().copied().filter(|t| t.strong));
                always = Some(match always {
                    None => enabled,
                    Some(a) => a.intersection(&enabled).copied().collect(),
                });
            }
            let weak_ok = always.unwrap_or_default().iter().all(|t| taken.contains(t));
            if !weak_ok {
                continue;
            }
            let untaken_strong: BTreeSet<Task> = somewhere.difference(&taken).copied().collect();
            if untaken_strong.is_empty() {
                out.push(component);
            } else {
                // Drop the states that enable an untaken strong task; what
                // remains may still hold a fair cycle.
                let rest: BTreeSet<u32> = component
                    .iter()
                    .copied()
                    .filter(|&i| !node(i).enabled.iter().any(|t| untaken_strong.contains(t)))
                    .collect();
                if !rest.is_empty() {
                    work.push(rest);
                }
            }
        }
    }
    out.sort();
    out
}

/// Strongly connected components of the subgraph on `set` (iterative Tarjan).
fn tarjan(
    nodes: &[Option<Node>],
    set: &BTreeSet<u32>,
    inside: &dyn Fn(u32, &Edge) -> bool,
) -> Vec<BTreeSet<u32>> {
    let mut index: BTreeMap<u32, u32> = BTreeMap::new();
    let mut low: BTreeMap<u32, u32> = BTreeMap::new();
    let mut on_stack: BTreeSet<u32> = BTreeSet::new();
    let mut stack: Vec<u32> = Vec::new();
    let mut out = Vec::new();
    let mut counter = 0u32;
    for &root in set {
        if index.contains_key(&root) {
            continue;
        }
        // (state, next edge to look at)
        let mut call: Vec<(u32, usize)> = vec![(root, 0)];
        index.insert(root, counter);
        low.insert(root, counter);
        counter += 1;
        stack.push(root);
        on_stack.insert(root);
        while let Some(top) = call.len().checked_sub(1) {
            let (v, next) = call[top];
            let edges = &nodes[v as usize].as_ref().expect("expanded").edges;
            if next < edges.len() {
                let e = &edges[next];
                call[top].1 += 1;
                let w = e.to;
                if !set.contains(&w) || !inside(v, e) {
                    continue;
                }
                if let std::collections::btree_map::Entry::Vacant(e) = index.entry(w) {
                    e.insert(counter);
                    low.insert(w, counter);
                    counter += 1;
                    stack.push(w);
                    on_stack.insert(w);
                    call.push((w, 0));
                } else if on_stack.contains(&w) {
                    let lw = index[&w];
                    let lv = low[&v];
                    low.insert(v, lv.min(lw));
                }
            } else {
                call.pop();
                if let Some(&(parent, _)) = call.last() {
                    let lv = low[&v];
                    let lp = low[&parent];
                    low.insert(parent, lp.min(lv));
                }
                if low[&v] == index[&v] {
                    let mut component = BTreeSet::new();
                    loop {
                        let w = stack.pop().expect("v is on the stack");
                        on_stack.remove(&w);
                        component.insert(w);
                        if w == v {
                            break;
                        }
                    }
                    out.push(component);
                }
            }
        }
    }
    out
}

/// A cycle from `start` back to `start` inside `component` that takes every
/// task fairness requires there (and passes through a state disabling each
/// weak task that is not always enabled), as (step, state reached) pairs.
fn fair_cycle(
    nodes: &[Option<Node>],
    component: &BTreeSet<u32>,
    start: u32,
    inside: &dyn Fn(u32, &Edge) -> bool,
) -> Vec<(Step, u32)> {
    let node = |i: u32| nodes[i as usize].as_ref().expect("expanded");
    let internal = |i: u32, e: &Edge| e.to != i && component.contains(&e.to) && inside(i, e);
    // Goals: for each task taken inside, one edge taking it.
    let mut goals: Vec<(u32, usize)> = Vec::new();
    let mut covered: BTreeSet<Task> = BTreeSet::new();
    for &i in component {
        for (k, e) in node(i).edges.iter().enumerate() {
            if let Some(t) = e.task
                && internal(i, e)
                && covered.insert(t)
            {
                goals.push((i, k));
            }
        }
    }
    // Goals: a state disabling each weak task enabled somewhere but not taken.
    let mut states_to_visit: Vec<u32> = Vec::new();
    let enabled_somewhere: BTreeSet<Task> = component
        .iter()
        .flat_map(|&i| node(i).enabled.iter().copied())
        .collect();
    for t in enabled_somewhere.difference(&covered) {
        if let Some(&i) = component.iter().find(|&&i| !node(i).enabled.contains(t)) {
            states_to_visit.push(i);
        }
    }
    let path_to = |from: u32, to: u32| -> Vec<(Step, u32)> {
        if from == to {
            return Vec::new();
        }
        let mut pred: BTreeMap<u32, (u32, Step)> = BTreeMap::new();
        let mut queue = VecDeque::from([from]);
        let mut seen = BTreeSet::from([from]);
        while let Some(i) = queue.pop_front() {
            if i == to {
                break;
            }
            for e in &node(i).edges {
                if internal(i, e) && seen.insert(e.to) {
                    pred.insert(e.to, (i, e.step));
                    queue.push_back(e.to);
                }
            }
        }
        let mut out = Vec::new();
        let mut cur = to;
        while let Some(&(p, step)) = pred.get(&cur) {
            out.push((step, cur));
            cur = p;
        }
        out.reverse();
        out
    };
    let mut cycle = Vec::new();
    let mut cur = start;
    for (i, k) in goals {
        cycle.extend(path_to(cur, i));
        let e = &node(i).edges[k];
        cycle.push((e.step, e.to));
        cur = e.to;
    }
    for s in states_to_visit {
        cycle.extend(path_to(cur, s));
        cur = s;
    }
    cycle.extend(path_to(cur, start));
    if cycle.is_empty() {
        // A component always has an edge; go round the shortest loop.
        if let Some(e) = node(start).edges.iter().find(|e| internal(start, e)) {
            cycle.push((e.step, e.to));
            cycle.extend(path_to(e.to, start));
        }
    }
    cycle
}
