//! Liveness under fairness: fair-cycle search over the explored graph.
//!
//! For `P ~> Q` the checker looks for a fair behaviour that reaches a
//! `P ∧ ¬Q` state and then never sees `Q`:
//! 1. `B`: the reachable states where `P ∧ ¬Q` holds;
//! 2. `R`: the states reachable from `B` through `¬Q` states only (the
//!    successors are recomputed and looked up in the visited set, level by
//!    level in parallel), kept as a compact CSR graph (8 bytes per edge);
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

use std::collections::{HashMap, VecDeque};

use rayon::prelude::*;

use super::store::{global_id, lookup_hash, place, split_id};
use super::{Explorer, Lasso, StopReason, Trace};
use crate::model::{Model, Outcome, Pred, RtError, Scratch, Step, Task};

/// States whose successors are computed between two checks of the limits.
const LIVENESS_CHUNK: usize = 1 << 12;

/// No task: an unfair step.
const NO_TASK: u32 = u32::MAX;

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
            let (s, l) = split_id(g);
            by_shard[s][l as usize] = d as u32;
        }
        Dense {
            globals: explorer.order.clone(),
            by_shard,
        }
    }

    /// Bytes held.
    pub(super) fn bytes(&self) -> usize {
        8 * self.globals.capacity()
            + self
                .by_shard
                .iter()
                .map(|v| 4 * v.capacity())
                .sum::<usize>()
    }

    fn of(&self, global: u64) -> u32 {
        let (s, l) = split_id(global);
        self.by_shard[s][l as usize]
    }
}

/// A state's steps as first computed: successors and tasks before interning.
struct RawNode {
    edges: Vec<(u32, Option<Task>)>,
    enabled: Vec<Task>,
}

impl RawNode {
    fn bytes(&self) -> usize {
        std::mem::size_of::<(u32, Option<Task>)>() * self.edges.capacity()
            + std::mem::size_of::<Task>() * self.enabled.capacity()
    }
}

/// The subgraph `R` in compressed sparse rows. Node `i` of the graph is
/// dense state `states[i]`.
struct Graph {
    states: Vec<u32>,
    edge_start: Vec<u32>,
    /// (target graph node, task index or `NO_TASK`); only edges inside `R`
    /// that change the state and keep the measure.
    edges: Vec<(u32, u32)>,
    enabled_start: Vec<u32>,
    /// Task indices enabled at each node, sorted.
    enabled: Vec<u32>,
    /// Interned tasks: index → whether strongly fair.
    strong: Vec<bool>,
    /// Interned tasks: index → task.
    tasks: Vec<Task>,
}

impl Graph {
    fn edges(&self, v: u32) -> &[(u32, u32)] {
        &self.edges[self.edge_start[v as usize] as usize..self.edge_start[v as usize + 1] as usize]
    }

    fn enabled(&self, v: u32) -> &[u32] {
        &self.enabled
            [self.enabled_start[v as usize] as usize..self.enabled_start[v as usize + 1] as usize]
    }

    fn len(&self) -> usize {
        self.states.len()
    }
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
    /// Evaluates a predicate on every state, in dense order; `Err`: the
    /// first state (in dense order) where it fails, and why.
    pub(super) fn eval_all(&self, dense: &Dense, pred: &Pred) -> Result<Vec<i64>, (u64, RtError)> {
        let model = self.shared.model;
        dense
            .globals
            .par_iter()
            .map_init(
                || (Vec::new(), Vec::new()),
                |(locals, state), &g| {
                    self.load(g, state);
                    pred.eval(model, state, locals).map_err(|e| (g, e))
                },
            )
            .collect::<Vec<_>>()
            // In order, so that the failure reported does not depend on
            // the threads.
            .into_iter()
            .collect()
    }

    fn raw_node(&self, dense: &Dense, index: u32, scratch: &mut Scratch) -> RawNode {
        let model: &Model = self.shared.model;
        let state = &self.state(dense.globals[index as usize]);
        let fixed_words = self.shared.store_words;
        let mut stored = Vec::new();
        let mut node = RawNode {
            edges: Vec::new(),
            enabled: Vec::new(),
        };
        // A state outside a `bound` has no successors in the bounded
        // system, and no step is enabled there: a run that reaches it
        // stays there (docs/language.md, section 15). One whose bound
        // could not be evaluated is a finding of the search already.
        if !matches!(
            super::inside_bounds(model, state, &mut Vec::new()),
            Ok(true)
        ) {
            return node;
        }
        model.successors(state, scratch, &mut |step, outcome| {
            let Outcome::Next(next) = outcome else { return };
            if next == state {
                // Stuttering: neither enables nor takes a task.
                return;
            }
            let task = model.task(&step);
            if let Some(t) = task {
                node.enabled.push(t);
            }
            let next = self.stored_form(next, &mut stored);
            let placed = place(next, fixed_words);
            let hash = lookup_hash(placed, self.shared.packed.is_some());
            if let Some(local) = self.shards[placed.0].find(next, hash) {
                node.edges
                    .push((dense.of(global_id(placed.0, local)), task));
            }
        });
        node
    }

    /// Builds `R` for a query. Graph nodes are numbered in discovery order
    /// (deterministic: each level is sorted); each level is compacted as
    /// soon as it is computed, so only the CSR arrays grow.
    /// Stops (`Err`) when a limit is reached: the limits are checked before
    /// each piece of `LIVENESS_CHUNK` states.
    fn graph(&self, dense: &Dense, query: &Query) -> Result<Graph, StopReason> {
        let n = dense.globals.len();
        let mut node_of = vec![u32::MAX; n];
        let kept = |from: u32, to: u32| {
            query.stay[to as usize]
                && query
                    .measure
                    .is_none_or(|m| m[from as usize] == m[to as usize])
        };
        let mut states: Vec<u32> = Vec::new();
        let mut frontier: Vec<u32> = (0..n as u32)
            .filter(|&i| query.start[i as usize] && query.stay[i as usize])
            .collect();
        for &i in &frontier {
            node_of[i as usize] = states.len() as u32;
            states.push(i);
        }
        let mut index_of: HashMap<Task, u32> = HashMap::new();
        let mut tasks: Vec<Task> = Vec::new();
        let mut edge_start = vec![0u32];
        // Targets are dense indices until every node is numbered.
        let mut edges: Vec<(u32, u32)> = Vec::new();
        let mut enabled_start = vec![0u32];
        let mut enabled: Vec<u32> = Vec::new();
        // The most a piece has added to the graph, in bytes.
        let mut piece_max = 0;
        let graph_bytes = |edges: &Vec<(u32, u32)>, enabled: &Vec<u32>, starts: usize| {
            8 * edges.capacity() + 4 * (enabled.capacity() + 3 * starts)
        };
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for piece in frontier.chunks(LIVENESS_CHUNK) {
                let held = self.held_bytes(&[]) + dense.bytes() + 4 * node_of.capacity();
                let grown = graph_bytes(&edges, &enabled, edge_start.capacity());
                if let Some(reason) = self.must_stop(held + grown, 2 * piece_max) {
                    return Err(reason);
                }
                let computed: Vec<RawNode> = piece
                    .par_iter()
                    .map_init(Scratch::default, |scratch, &i| {
                        self.raw_node(dense, i, scratch)
                    })
                    .collect();
                let raw: usize = computed.iter().map(RawNode::bytes).sum();
                for (&i, node) in piece.iter().zip(computed) {
                    let mut intern = |t: Task| -> u32 {
                        *index_of.entry(t).or_insert_with(|| {
                            tasks.push(t);
                            tasks.len() as u32 - 1
                        })
                    };
                    for &(to, task) in &node.edges {
                        if !kept(i, to) {
                            continue;
                        }
                        if node_of[to as usize] == u32::MAX {
                            node_of[to as usize] = u32::MAX - 1;
                            next.push(to);
                        }
                        edges.push((to, task.map_or(NO_TASK, &mut intern)));
                    }
                    edge_start.push(edges.len() as u32);
                    let mut en: Vec<u32> = node.enabled.iter().map(|t| intern(*t)).collect();
                    en.sort_unstable();
                    en.dedup();
                    enabled.extend(en);
                    enabled_start.push(enabled.len() as u32);
                }
                let now = graph_bytes(&edges, &enabled, edge_start.capacity());
                piece_max = piece_max.max(raw + now.saturating_sub(grown));
            }
            next.sort_unstable();
            for &i in &next {
                node_of[i as usize] = states.len() as u32;
                states.push(i);
            }
            frontier = next;
        }
        for e in &mut edges {
            e.0 = node_of[e.0 as usize];
        }
        Ok(Graph {
            states,
            edge_start,
            edges,
            enabled_start,
            enabled,
            strong: tasks.iter().map(|t| t.strong).collect(),
            tasks,
        })
    }

    /// Searches for a fair behaviour that starts in `query.start` and stays
    /// in `query.stay` for ever; returns it as a lasso. `Err` when a limit
    /// stopped the search.
    pub(super) fn fair_counterexample(
        &self,
        dense: &Dense,
        query: &Query,
    ) -> Result<Option<Trace>, StopReason> {
        let g = self.graph(dense, query)?;
        if g.len() == 0 {
            return Ok(None);
        }
        let depth = self.depths(dense);
        let rank = |v: u32| (depth[g.states[v as usize] as usize], g.states[v as usize]);
        // (rank, representative node, its component; none: stop there).
        type Best = ((u32, u32), u32, Option<Vec<u32>>);
        let mut best: Option<Best> = None;
        for v in 0..g.len() as u32 {
            if g.enabled(v).is_empty() && best.as_ref().is_none_or(|(r, _, _)| rank(v) < *r) {
                best = Some((rank(v), v, None));
            }
        }
        for component in fair_components(&g) {
            let rep = *component
                .iter()
                .min_by_key(|&&v| rank(v))
                .expect("non-empty");
            if best.as_ref().is_none_or(|(r, _, _)| rank(rep) < *r) {
                best = Some((rank(rep), rep, Some(component)));
            }
        }
        let Some((_, rep, component)) = best else {
            return Ok(None);
        };
        Ok(Some(self.lasso(dense, query, &g, &depth, rep, component)))
    }

    /// BFS depth of every state (0 for initial states), in dense order.
    fn depths(&self, dense: &Dense) -> Vec<u32> {
        let mut depth = vec![u32::MAX; dense.globals.len()];
        for d in 0..dense.globals.len() {
            let mut chain = Vec::new();
            let mut cur = d as u32;
            while depth[cur as usize] == u32::MAX {
                chain.push(cur);
                let (s, l) = split_id(dense.globals[cur as usize]);
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

    /// The first step (in step order) from dense state `from` to dense state
    /// `to`, preferring one of task `task` when given.
    fn step_between(&self, dense: &Dense, from: u32, to: u32, task: Option<Task>) -> Step {
        let model = self.shared.model;
        let before = &self.state(dense.globals[from as usize]);
        let after = &self.state(dense.globals[to as usize]);
        let mut any = None;
        let mut of_task = None;
        let mut scratch = Scratch::default();
        model.successors(before, &mut scratch, &mut |step, outcome| {
            if let Outcome::Next(next) = outcome
                && next == after
            {
                any.get_or_insert(step);
                if task.is_some() && model.task(&step) == task {
                    of_task.get_or_insert(step);
                }
            }
        });
        of_task
            .or(any)
            .expect("an edge of the graph is a step of the model")
    }

    fn lasso(
        &self,
        dense: &Dense,
        query: &Query,
        g: &Graph,
        depth: &[u32],
        rep: u32,
        component: Option<Vec<u32>>,
    ) -> Trace {
        // A path inside R from the shallowest start state that reaches `rep`.
        let mut sources: Vec<u32> = (0..g.len() as u32)
            .filter(|&v| query.start[g.states[v as usize] as usize])
            .collect();
        sources.sort_by_key(|&v| (depth[g.states[v as usize] as usize], v));
        let pred = bfs(g, &sources, None, rep);
        let mut walk = vec![rep];
        while let Some(&p) = pred.get(walk.last().expect("non-empty")) {
            walk.push(p);
        }
        walk.reverse();
        let first = g.states[walk[0] as usize];
        let mut trace = self.path(dense.globals[first as usize]);
        for pair in walk.windows(2) {
            let (a, b) = (g.states[pair[0] as usize], g.states[pair[1] as usize]);
            trace.steps.push(self.step_between(dense, a, b, None));
            trace.states.push(self.state(dense.globals[b as usize]));
        }
        let start = trace.states.len() - 1;
        match component {
            None => {
                trace.lasso = Some(Lasso {
                    start,
                    stutter: true,
                });
            }
            Some(component) => {
                for (from, to, task) in fair_cycle(g, &component, rep) {
                    let (a, b) = (g.states[from as usize], g.states[to as usize]);
                    let want = (task != NO_TASK).then(|| g.tasks[task as usize]);
                    trace.steps.push(self.step_between(dense, a, b, want));
                    trace.states.push(self.state(dense.globals[b as usize]));
                }
                trace.lasso = Some(Lasso {
                    start,
                    stutter: false,
                });
            }
        }
        trace
    }
}

/// Breadth-first search from `sources` (in order) to `target` over the
/// graph's edges, restricted to `within` when given; returns predecessors.
fn bfs(g: &Graph, sources: &[u32], within: Option<&[bool]>, target: u32) -> HashMap<u32, u32> {
    let mut pred = HashMap::new();
    let mut seen = vec![false; g.len()];
    let mut queue = VecDeque::new();
    for &s in sources {
        if !seen[s as usize] {
            seen[s as usize] = true;
            queue.push_back(s);
        }
    }
    while let Some(v) = queue.pop_front() {
        if v == target {
            break;
        }
        for &(w, _) in g.edges(v) {
            if within.is_some_and(|m| !m[w as usize]) || seen[w as usize] {
                continue;
            }
            seen[w as usize] = true;
            pred.insert(w, v);
            queue.push_back(w);
        }
    }
    pred
}

/// The fair strongly connected components of the graph (with at least one
/// edge inside), refining for strong fairness. Each is sorted.
fn fair_components(g: &Graph) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    let mut member = vec![false; g.len()];
    let mut work: Vec<Vec<u32>> = vec![(0..g.len() as u32).collect()];
    // Scratch, indexed by task: how many states of the component enable it,
    // and whether an edge inside takes it.
    let mut enabled_count = vec![0u32; g.strong.len()];
    let mut taken = vec![false; g.strong.len()];
    while let Some(set) = work.pop() {
        for &v in &set {
            member[v as usize] = true;
        }
        let components = tarjan(g, &set, &member);
        for &v in &set {
            member[v as usize] = false;
        }
        for component in components {
            for &v in &component {
                member[v as usize] = true;
            }
            let has_edge = component
                .iter()
                .any(|&v| g.edges(v).iter().any(|&(w, _)| member[w as usize]));
            let mut touched = Vec::new();
            if has_edge {
                for &v in &component {
                    for &(w, t) in g.edges(v) {
                        if t != NO_TASK && member[w as usize] && !taken[t as usize] {
                            taken[t as usize] = true;
                            touched.push(t);
                        }
                    }
                    for &t in g.enabled(v) {
                        if enabled_count[t as usize] == 0 {
                            touched.push(t);
                        }
                        enabled_count[t as usize] += 1;
                    }
                }
                let size = component.len() as u32;
                let weak_ok = touched.iter().all(|&t| {
                    g.strong[t as usize] || enabled_count[t as usize] < size || taken[t as usize]
                });
                if weak_ok {
                    let untaken_strong: Vec<u32> = touched
                        .iter()
                        .copied()
                        .filter(|&t| {
                            g.strong[t as usize]
                                && enabled_count[t as usize] > 0
                                && !taken[t as usize]
                        })
                        .collect();
                    if untaken_strong.is_empty() {
                        out.push(component.clone());
                    } else {
                        // Drop the states that enable an untaken strong task;
                        // what remains may still hold a fair cycle.
                        let rest: Vec<u32> = component
                            .iter()
                            .copied()
                            .filter(|&v| !g.enabled(v).iter().any(|t| untaken_strong.contains(t)))
                            .collect();
                        if !rest.is_empty() {
                            work.push(rest);
                        }
                    }
                }
            }
            for t in touched {
                enabled_count[t as usize] = 0;
                taken[t as usize] = false;
            }
            for &v in &component {
                member[v as usize] = false;
            }
        }
    }
    out.sort();
    out
}

/// Strongly connected components of the subgraph on `set` (whose members
/// are marked in `member`), by iterative Tarjan. Each is sorted.
fn tarjan(g: &Graph, set: &[u32], member: &[bool]) -> Vec<Vec<u32>> {
    const UNSEEN: u32 = u32::MAX;
    let mut index: HashMap<u32, (u32, u32)> = HashMap::with_capacity(set.len());
    let mut on_stack: HashMap<u32, bool> = HashMap::with_capacity(set.len());
    let mut stack: Vec<u32> = Vec::new();
    let mut out = Vec::new();
    let mut counter = 0u32;
    let lookup = |index: &HashMap<u32, (u32, u32)>, v: u32| index.get(&v).map_or(UNSEEN, |x| x.0);
    for &root in set {
        if lookup(&index, root) != UNSEEN {
            continue;
        }
        let mut call: Vec<(u32, usize)> = vec![(root, 0)];
        index.insert(root, (counter, counter));
        counter += 1;
        stack.push(root);
        on_stack.insert(root, true);
        while let Some(top) = call.len().checked_sub(1) {
            let (v, next) = call[top];
            let edges = g.edges(v);
            if next < edges.len() {
                call[top].1 += 1;
                let w = edges[next].0;
                if !member[w as usize] {
                    continue;
                }
                if lookup(&index, w) == UNSEEN {
                    index.insert(w, (counter, counter));
                    counter += 1;
                    stack.push(w);
                    on_stack.insert(w, true);
                    call.push((w, 0));
                } else if on_stack.get(&w).copied().unwrap_or(false) {
                    let iw = index[&w].0;
                    let entry = index.get_mut(&v).expect("v was indexed");
                    entry.1 = entry.1.min(iw);
                }
            } else {
                call.pop();
                let (iv, lv) = index[&v];
                if let Some(&(parent, _)) = call.last() {
                    let entry = index.get_mut(&parent).expect("parent was indexed");
                    entry.1 = entry.1.min(lv);
                }
                if lv == iv {
                    let mut component = Vec::new();
                    loop {
                        let w = stack.pop().expect("v is on the stack");
                        on_stack.insert(w, false);
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    component.sort_unstable();
                    out.push(component);
                }
            }
        }
    }
    out
}

/// A cycle from `start` back to `start` inside `component` that takes every
/// task taken inside it and passes through a state disabling each task that
/// is enabled somewhere but not taken, as (from, to, task) edges.
fn fair_cycle(g: &Graph, component: &[u32], start: u32) -> Vec<(u32, u32, u32)> {
    let mut member = vec![false; g.len()];
    for &v in component {
        member[v as usize] = true;
    }
    let mut goals: Vec<(u32, u32, u32)> = Vec::new();
    let mut covered: HashMap<u32, ()> = HashMap::new();
    for &v in component {
        for &(w, t) in g.edges(v) {
            if t != NO_TASK && member[w as usize] && covered.insert(t, ()).is_none() {
                goals.push((v, w, t));
            }
        }
    }
    let mut visits: Vec<u32> = Vec::new();
    let mut enabled_somewhere: Vec<u32> = component
        .iter()
        .flat_map(|&v| g.enabled(v).iter().copied())
        .collect();
    enabled_somewhere.sort_unstable();
    enabled_somewhere.dedup();
    for t in enabled_somewhere {
        if covered.contains_key(&t) {
            continue;
        }
        if let Some(&v) = component.iter().find(|&&v| !g.enabled(v).contains(&t)) {
            visits.push(v);
        }
    }
    let path = |from: u32, to: u32| -> Vec<(u32, u32, u32)> {
        if from == to {
            return Vec::new();
        }
        let pred = bfs(g, &[from], Some(&member), to);
        let mut out = Vec::new();
        let mut cur = to;
        while let Some(&p) = pred.get(&cur) {
            let t = g
                .edges(p)
                .iter()
                .find(|&&(w, _)| w == cur)
                .map_or(NO_TASK, |&(_, t)| t);
            out.push((p, cur, t));
            cur = p;
        }
        out.reverse();
        out
    };
    let mut cycle = Vec::new();
    let mut cur = start;
    for (v, w, t) in goals {
        cycle.extend(path(cur, v));
        cycle.push((v, w, t));
        cur = w;
    }
    for v in visits {
        cycle.extend(path(cur, v));
        cur = v;
    }
    cycle.extend(path(cur, start));
    if cycle.is_empty() {
        // A component always has an edge inside; go round the shortest loop.
        if let Some(&(w, t)) = g.edges(start).iter().find(|&&(w, _)| member[w as usize]) {
            cycle.push((start, w, t));
            cycle.extend(path(w, start));
        }
    }
    cycle
}
