//! The graph the liveness passes leave (what cycles of `R` lead to), its
//! fair strongly connected components (Tarjan, Emerson–Lei refinement,
//! and under symmetry their lifts), and a fair cycle in one of them.

use std::collections::{HashMap, VecDeque};

use super::NO_TASK;
use crate::model::{Model, Perms, Symmetry, Task};

/// The subgraph `R` in compressed sparse rows. Node `i` of the graph is
/// dense state `states[i]`.
pub(super) struct Graph {
    pub(super) states: Vec<u32>,
    pub(super) edge_start: Vec<u32>,
    /// (target graph node, task index or `NO_TASK`); only edges inside `R`
    /// that change the state and keep the measure.
    pub(super) edges: Vec<(u32, u32)>,
    /// Under symmetry, by edge: the number of the renaming from the
    /// successor to the stored target ([`Symmetry::rank`]); else empty.
    pub(super) renamings: Vec<u64>,
    pub(super) enabled_start: Vec<u32>,
    /// Task indices enabled at each node, sorted.
    pub(super) enabled: Vec<u32>,
    /// Interned tasks: index → whether strongly fair.
    pub(super) strong: Vec<bool>,
    /// Interned tasks: index → task.
    pub(super) tasks: Vec<Task>,
}

impl Graph {
    pub(super) fn edges(&self, v: u32) -> &[(u32, u32)] {
        &self.edges[self.edge_start[v as usize] as usize..self.edge_start[v as usize + 1] as usize]
    }

    /// The renamings of [`Graph::edges`]`(v)`, under symmetry.
    pub(super) fn renamings(&self, v: u32) -> &[u64] {
        match self.renamings.is_empty() {
            true => &[],
            false => {
                &self.renamings
                    [self.edge_start[v as usize] as usize..self.edge_start[v as usize + 1] as usize]
            }
        }
    }

    pub(super) fn enabled(&self, v: u32) -> &[u32] {
        &self.enabled
            [self.enabled_start[v as usize] as usize..self.enabled_start[v as usize + 1] as usize]
    }

    pub(super) fn len(&self) -> usize {
        self.states.len()
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

/// What [`fair_components`] makes of one strongly connected component.
enum Judgement {
    Fair,
    Unfair,
    /// Fair only without some states (strong fairness, Emerson–Lei): these
    /// are the states left, which may still hold a fair cycle.
    Refine(Vec<u32>),
}

/// The fair strongly connected components of the graph (with at least one
/// edge inside), refining for strong fairness. Each is sorted. Under
/// symmetry (`lift`), the graph is the quotient and a component is judged
/// by its lift ([`Lift::judge`]). With `accept` (by node), only the
/// components that hold an accepting node count, checked again after each
/// refinement (which may drop them all); since a refinement only removes
/// states no fair cycle can pass through, every fair cycle through an
/// accepting node lies in one of the components returned.
pub(super) fn fair_components(
    g: &Graph,
    mut lift: Option<&mut Lift>,
    accept: Option<&[bool]>,
) -> Vec<Vec<u32>> {
    let accepting = |set: &[u32]| accept.is_none_or(|a| set.iter().any(|&v| a[v as usize]));
    let mut out = Vec::new();
    let mut member = vec![false; g.len()];
    let mut work: Vec<Vec<u32>> = vec![(0..g.len() as u32).collect()];
    // Scratch, indexed by task: how many states of the component enable it,
    // and whether an edge inside takes it.
    let mut counts = TaskCounts {
        enabled: vec![0u32; g.strong.len()],
        taken: vec![false; g.strong.len()],
    };
    let mut scratch = TarjanScratch::new(g.len());
    while let Some(set) = work.pop() {
        for &v in &set {
            member[v as usize] = true;
        }
        let components = tarjan(g, &set, &member, &mut scratch);
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
            if has_edge && accepting(&component) {
                let judgement = match lift.as_deref_mut() {
                    None => counts.judge(g, &component, &member),
                    Some(lift) => lift.judge(g, &component, &member),
                };
                match judgement {
                    Judgement::Fair => out.push(component.clone()),
                    Judgement::Refine(rest) if !rest.is_empty() => work.push(rest),
                    Judgement::Refine(_) | Judgement::Unfair => {}
                }
            }
            for &v in &component {
                member[v as usize] = false;
            }
        }
    }
    out.sort();
    out
}

/// By task: how many states of a component enable it, and whether an edge
/// inside takes it (all zero between uses).
struct TaskCounts {
    enabled: Vec<u32>,
    taken: Vec<bool>,
}

impl TaskCounts {
    /// Whether a component (`member`: its states) of the graph itself is
    /// fair: every weakly fair task enabled in all its states is taken
    /// inside, and every strongly fair task enabled in any is.
    fn judge(&mut self, g: &Graph, component: &[u32], member: &[bool]) -> Judgement {
        let mut touched = Vec::new();
        for &v in component {
            for &(w, t) in g.edges(v) {
                if t != NO_TASK && member[w as usize] && !self.taken[t as usize] {
                    self.taken[t as usize] = true;
                    touched.push(t);
                }
            }
            for &t in g.enabled(v) {
                if self.enabled[t as usize] == 0 {
                    touched.push(t);
                }
                self.enabled[t as usize] += 1;
            }
        }
        let size = component.len() as u32;
        let weak_ok = touched.iter().all(|&t| {
            g.strong[t as usize] || self.enabled[t as usize] < size || self.taken[t as usize]
        });
        let judgement = if !weak_ok {
            Judgement::Unfair
        } else {
            let untaken_strong: Vec<u32> = (touched.iter().copied())
                .filter(|&t| {
                    g.strong[t as usize] && self.enabled[t as usize] > 0 && !self.taken[t as usize]
                })
                .collect();
            if untaken_strong.is_empty() {
                Judgement::Fair
            } else {
                // Drop the states that enable an untaken strong task.
                Judgement::Refine(
                    (component.iter().copied())
                        .filter(|&v| !g.enabled(v).iter().any(|t| untaken_strong.contains(t)))
                        .collect(),
                )
            }
        };
        for t in touched {
            self.enabled[t as usize] = 0;
            self.taken[t as usize] = false;
        }
        judgement
    }
}

/// How the quotient graph (stored states are orbit representatives) lifts
/// to the concrete one, for fairness under symmetry.
///
/// An edge `v → w` of the quotient is a step from the stored `v` to a
/// successor that the renaming `π` maps to the stored `w`. A concrete
/// state over `v` is `σ(v)` for a renaming `σ`, and its step along that
/// edge leads to `σπ⁻¹(w)`. The concrete states over a strongly connected
/// component `C` that one of them reaches form one concrete strongly
/// connected component `D`, and, with `σ_v` the renaming along a spanning
/// tree of `C` from its first state, they are `hσ_v(v)` for `h` in the
/// group `H` generated by `σ_v π⁻¹ σ_w⁻¹` over `C`'s edges. So `D` takes
/// the tasks `H·σ_v(t)` of `C`'s edges, and `hσ_v(v)` enables
/// `hσ_v(enabled(v))`: a task is enabled in every state of `D` exactly
/// when its whole `H`-orbit is in every `σ_v(enabled(v))`, and taken in `D`
/// when its orbit meets the normalised taken tasks. The fairness of `D`
/// is decided on `C` and these orbits, without building `D`.
pub(super) struct Lift<'a> {
    model: &'a Model,
    pub(super) sym: &'a Symmetry,
    /// Renaming number → its inverse.
    inverses: HashMap<u64, Perms>,
}

impl<'a> Lift<'a> {
    pub(super) fn new(model: &'a Model, sym: &'a Symmetry) -> Lift<'a> {
        Lift {
            model,
            sym,
            inverses: HashMap::new(),
        }
    }

    /// `π⁻¹` for the renaming numbered `rank`.
    pub(super) fn inverse(&mut self, rank: u64) -> &Perms {
        let sym = self.sym;
        (self.inverses)
            .entry(rank)
            .or_insert_with(|| Symmetry::inverse(&sym.unrank(rank)))
    }

    /// The spanning-tree renamings `σ_v` of a component from its first
    /// state, by position in `component`.
    fn tree(&mut self, g: &Graph, component: &[u32], member: &[bool]) -> HashMap<u32, Perms> {
        let root = component[0];
        let mut sigma: HashMap<u32, Perms> = HashMap::with_capacity(component.len());
        sigma.insert(root, self.sym.identity());
        let mut queue = VecDeque::from([root]);
        while let Some(v) = queue.pop_front() {
            for (&(w, _), &r) in g.edges(v).iter().zip(g.renamings(v)) {
                if member[w as usize] && !sigma.contains_key(&w) {
                    let next = Symmetry::compose(&sigma[&v], self.inverse(r));
                    sigma.insert(w, next);
                    queue.push_back(w);
                }
            }
        }
        sigma
    }

    /// [`TaskCounts::judge`] for the concrete component over a component of
    /// the quotient (see [`Lift`]).
    fn judge(&mut self, g: &Graph, component: &[u32], member: &[bool]) -> Judgement {
        let (model, sym) = (self.model, self.sym);
        let sigma = self.tree(g, component, member);
        // The generators of H (the identity left out), and the normalised
        // tasks taken and enabled.
        let mut generators: Vec<Perms> = Vec::new();
        let mut seen = std::collections::HashSet::from([0u64]);
        let mut taken = std::collections::HashSet::new();
        let mut enabled: Vec<std::collections::HashSet<Task>> = Vec::new();
        for &v in component {
            let sv = &sigma[&v];
            for (&(w, t), &r) in g.edges(v).iter().zip(g.renamings(v)) {
                if !member[w as usize] {
                    continue;
                }
                let h = Symmetry::compose(
                    &Symmetry::compose(sv, self.inverse(r)),
                    &Symmetry::inverse(&sigma[&w]),
                );
                if seen.insert(sym.rank(&h)) {
                    generators.push(h);
                }
                if t != NO_TASK {
                    taken.insert(model.permute_task(sym, g.tasks[t as usize], sv));
                }
            }
            enabled.push(
                (g.enabled(v).iter())
                    .map(|&t| model.permute_task(sym, g.tasks[t as usize], sv))
                    .collect(),
            );
        }
        let mut orbits: HashMap<Task, std::rc::Rc<Vec<Task>>> = HashMap::new();
        let mut orbit = |t: Task| -> std::rc::Rc<Vec<Task>> {
            if let Some(o) = orbits.get(&t) {
                return o.clone();
            }
            let mut members = vec![t];
            let mut at = 0;
            while at < members.len() {
                let x = members[at];
                at += 1;
                for h in &generators {
                    let y = model.permute_task(sym, x, h);
                    if !members.contains(&y) {
                        members.push(y);
                    }
                }
            }
            let o = std::rc::Rc::new(members);
            for &x in o.iter() {
                orbits.insert(x, o.clone());
            }
            o
        };
        let everywhere = |t: &Task| enabled.iter().all(|e| e.contains(t));
        // Weak fairness: a task whose orbit is enabled everywhere is taken.
        let mut candidates: Vec<Task> = enabled[0].iter().copied().collect();
        candidates.sort_unstable();
        for t in candidates
            .into_iter()
            .filter(|t| !t.strong && everywhere(t))
        {
            let o = orbit(t);
            if o.iter().all(everywhere) && !o.iter().any(|x| taken.contains(x)) {
                return Judgement::Unfair;
            }
        }
        // Strong fairness: a task enabled anywhere is taken, else the states
        // that enable some task of its orbit go.
        let mut somewhere: Vec<Task> = (enabled.iter().flatten())
            .filter(|t| t.strong)
            .copied()
            .collect();
        somewhere.sort_unstable();
        somewhere.dedup();
        let mut untaken = std::collections::HashSet::new();
        for t in somewhere {
            let o = orbit(t);
            if !o.iter().any(|x| taken.contains(x)) {
                untaken.extend(o.iter().copied());
            }
        }
        if untaken.is_empty() {
            return Judgement::Fair;
        }
        Judgement::Refine(
            (component.iter().zip(&enabled))
                .filter(|(_, e)| e.is_disjoint(&untaken))
                .map(|(&v, _)| v)
                .collect(),
        )
    }

    /// The concrete component over a fair component of the quotient, from
    /// state `start` renamed by `sigma`, as a graph of its own: node `i`
    /// is stored state `nodes[i].0` of `g` renamed by `nodes[i].1`, its
    /// tasks concrete. Node 0 is the start.
    pub(super) fn concrete(
        &mut self,
        g: &Graph,
        component: &[u32],
        start: u32,
        sigma: Perms,
    ) -> (Graph, Vec<(u32, Perms)>) {
        let (model, sym) = (self.model, self.sym);
        let mut member = vec![false; g.len()];
        for &v in component {
            member[v as usize] = true;
        }
        let mut nodes: Vec<(u32, Perms)> = Vec::new();
        let mut index: HashMap<(u32, u64), u32> = HashMap::new();
        index.insert((start, sym.rank(&sigma)), 0);
        nodes.push((start, sigma));
        let mut task_index: HashMap<Task, u32> = HashMap::new();
        let mut tasks: Vec<Task> = Vec::new();
        let mut intern = |t: Task| -> u32 {
            *task_index.entry(t).or_insert_with(|| {
                tasks.push(t);
                tasks.len() as u32 - 1
            })
        };
        let (mut edge_start, mut edges) = (vec![0u32], Vec::new());
        let (mut enabled_start, mut enabled) = (vec![0u32], Vec::new());
        let mut at = 0;
        while at < nodes.len() {
            let (v, sv) = nodes[at].clone();
            at += 1;
            for (&(w, t), &r) in g.edges(v).iter().zip(g.renamings(v)) {
                if !member[w as usize] {
                    continue;
                }
                let sw = Symmetry::compose(&sv, self.inverse(r));
                let key = (w, sym.rank(&sw));
                let to = match index.get(&key) {
                    Some(&i) => i,
                    None => {
                        index.insert(key, nodes.len() as u32);
                        nodes.push((w, sw));
                        nodes.len() as u32 - 1
                    }
                };
                let task = match t {
                    NO_TASK => NO_TASK,
                    t => intern(model.permute_task(sym, g.tasks[t as usize], &sv)),
                };
                edges.push((to, task));
            }
            edge_start.push(edges.len() as u32);
            let mut en: Vec<u32> = (g.enabled(v).iter())
                .map(|&t| intern(model.permute_task(sym, g.tasks[t as usize], &sv)))
                .collect();
            en.sort_unstable();
            en.dedup();
            enabled.extend(en);
            enabled_start.push(enabled.len() as u32);
        }
        let graph = Graph {
            states: nodes.iter().map(|(v, _)| g.states[*v as usize]).collect(),
            edge_start,
            edges,
            renamings: Vec::new(),
            enabled_start,
            enabled,
            strong: tasks.iter().map(|t| t.strong).collect(),
            tasks,
        };
        (graph, nodes)
    }
}

/// Per graph node, Tarjan's index and low link ([`UNSEEN`]: not visited)
/// and whether it is on the stack; reset after each use for the nodes used.
struct TarjanScratch {
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
}

const UNSEEN: u32 = u32::MAX;

impl TarjanScratch {
    fn new(n: usize) -> TarjanScratch {
        TarjanScratch {
            index: vec![UNSEEN; n],
            low: vec![UNSEEN; n],
            on_stack: vec![false; n],
        }
    }
}

/// Strongly connected components of the subgraph on `set` (whose members
/// are marked in `member`), by iterative Tarjan. Each is sorted.
fn tarjan(g: &Graph, set: &[u32], member: &[bool], t: &mut TarjanScratch) -> Vec<Vec<u32>> {
    let mut stack: Vec<u32> = Vec::new();
    let mut out = Vec::new();
    let mut counter = 0u32;
    for &root in set {
        if t.index[root as usize] != UNSEEN {
            continue;
        }
        let mut call: Vec<(u32, usize)> = vec![(root, 0)];
        t.index[root as usize] = counter;
        t.low[root as usize] = counter;
        counter += 1;
        stack.push(root);
        t.on_stack[root as usize] = true;
        while let Some(top) = call.len().checked_sub(1) {
            let (v, next) = call[top];
            let edges = g.edges(v);
            if next < edges.len() {
                call[top].1 += 1;
                let w = edges[next].0;
                if !member[w as usize] {
                    continue;
                }
                if t.index[w as usize] == UNSEEN {
                    t.index[w as usize] = counter;
                    t.low[w as usize] = counter;
                    counter += 1;
                    stack.push(w);
                    t.on_stack[w as usize] = true;
                    call.push((w, 0));
                } else if t.on_stack[w as usize] {
                    t.low[v as usize] = t.low[v as usize].min(t.index[w as usize]);
                }
            } else {
                call.pop();
                let (iv, lv) = (t.index[v as usize], t.low[v as usize]);
                if let Some(&(parent, _)) = call.last() {
                    t.low[parent as usize] = t.low[parent as usize].min(lv);
                }
                if lv == iv {
                    let mut component = Vec::new();
                    loop {
                        let w = stack.pop().expect("v is on the stack");
                        t.on_stack[w as usize] = false;
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
    for &v in set {
        t.index[v as usize] = UNSEEN;
        t.low[v as usize] = UNSEEN;
    }
    out
}

/// A cycle from `start` back to `start` inside `component` that takes every
/// task taken inside it and passes through a state disabling each task that
/// is enabled somewhere but not taken, as (from, to, task) edges.
pub(super) fn fair_cycle(g: &Graph, component: &[u32], start: u32) -> Vec<(u32, u32, u32)> {
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
