//! Fair cycles on the explicit state graph (docs/language.md §12, §15).
//!
//! A run may stutter at any state, so a fair "cycle" is a set of states C,
//! strongly connected by real steps inside C (or a single state), such
//! that every weakly fair task enabled at every state of C is taken by a
//! step inside C, and every strongly fair task enabled at some state of C
//! is taken by a step inside C. A single state where no fair task is
//! enabled is the run that stops there for ever. Steps that lead back to
//! their own state are stuttering: they neither enable nor take a task.
//!
//! The search: the strongly connected components of the region, each
//! checked whole; a component that fails only on strong fairness is split
//! by removing the states that enable an untaken strong task, and its
//! remaining components are checked again (the usual refinement).

use std::collections::BTreeSet;

/// One step of the graph: its target and the fair task it takes, if any.
#[derive(Clone, Copy, Debug)]
pub struct Edge {
    pub to: usize,
    pub task: Option<usize>,
}

/// The explicit state graph with fairness tasks.
pub struct Graph {
    /// By state: its steps (none for a state pruned by a bound).
    pub edges: Vec<Vec<Edge>>,
    /// By task id: strongly fair (else weakly).
    pub strong: Vec<bool>,
}

impl Graph {
    /// The fair tasks enabled at `s` (by steps that change the state).
    pub fn enabled(&self, s: usize) -> BTreeSet<usize> {
        (self.edges[s].iter())
            .filter(|e| e.to != s)
            .filter_map(|e| e.task)
            .collect()
    }

    /// Whether the sub-graph of states with `inside[s]`, using only the
    /// edges `keep` allows, contains a fair cycle; returns one component
    /// that is fair, if any.
    pub fn fair_component(
        &self,
        inside: &[bool],
        keep: &dyn Fn(usize, &Edge) -> bool,
    ) -> Option<Vec<usize>> {
        self.fair_component_through(inside, keep, &|_| true)
    }

    /// [`Graph::fair_component`] for a component that holds a state
    /// `through` accepts (checked again on every part a refinement leaves).
    pub fn fair_component_through(
        &self,
        inside: &[bool],
        keep: &dyn Fn(usize, &Edge) -> bool,
        through: &dyn Fn(usize) -> bool,
    ) -> Option<Vec<usize>> {
        let nodes: Vec<usize> = (0..inside.len()).filter(|&s| inside[s]).collect();
        for comp in self.sccs(&nodes, inside, keep) {
            if let Some(c) = self.fair_in(comp, keep, through) {
                return Some(c);
            }
        }
        None
    }

    /// A fair sub-component of the strongly connected `comp` that holds a
    /// state `through` accepts, if any.
    fn fair_in(
        &self,
        comp: Vec<usize>,
        keep: &dyn Fn(usize, &Edge) -> bool,
        through: &dyn Fn(usize) -> bool,
    ) -> Option<Vec<usize>> {
        if !comp.iter().any(|&s| through(s)) {
            return None;
        }
        let mut inside = vec![false; self.edges.len()];
        for &s in &comp {
            inside[s] = true;
        }
        let mut taken = BTreeSet::new();
        for &s in &comp {
            for e in &self.edges[s] {
                if e.to != s && inside[e.to] && keep(s, e) {
                    taken.extend(e.task);
                }
            }
        }
        let enabled: Vec<BTreeSet<usize>> = comp.iter().map(|&s| self.enabled(s)).collect();
        // Weak: enabled everywhere in C and never taken: no subset is fair.
        let everywhere = enabled
            .iter()
            .skip(1)
            .fold(enabled[0].clone(), |acc, e| &acc & e);
        if everywhere
            .iter()
            .any(|t| !self.strong[*t] && !taken.contains(t))
        {
            return None;
        }
        // Strong: enabled somewhere and never taken: drop where it is enabled.
        let bad: BTreeSet<usize> = (enabled.iter().flatten())
            .filter(|t| self.strong[**t] && !taken.contains(t))
            .copied()
            .collect();
        if bad.is_empty() {
            return Some(comp);
        }
        let rest: Vec<usize> = (comp.iter().zip(&enabled))
            .filter(|(_, en)| en.is_disjoint(&bad))
            .map(|(&s, _)| s)
            .collect();
        let mut inside = vec![false; self.edges.len()];
        for &s in &rest {
            inside[s] = true;
        }
        for sub in self.sccs(&rest, &inside, keep) {
            if let Some(c) = self.fair_in(sub, keep, through) {
                return Some(c);
            }
        }
        None
    }

    /// The strongly connected components of the sub-graph on `nodes`
    /// (iterative Tarjan), singletons included.
    fn sccs(
        &self,
        nodes: &[usize],
        inside: &[bool],
        keep: &dyn Fn(usize, &Edge) -> bool,
    ) -> Vec<Vec<usize>> {
        const NONE: usize = usize::MAX;
        let n = self.edges.len();
        let mut index = vec![NONE; n];
        let mut low = vec![0; n];
        let mut on_stack = vec![false; n];
        let mut stack = Vec::new();
        let mut next = 0;
        let mut out = Vec::new();
        for &root in nodes {
            if index[root] != NONE {
                continue;
            }
            // (state, position in its edge list)
            let mut call: Vec<(usize, usize)> = vec![(root, 0)];
            index[root] = next;
            low[root] = next;
            next += 1;
            stack.push(root);
            on_stack[root] = true;
            while let Some(&mut (v, ref mut pos)) = call.last_mut() {
                let edges = &self.edges[v];
                if *pos < edges.len() {
                    let e = edges[*pos];
                    *pos += 1;
                    let w = e.to;
                    if !inside[w] || !keep(v, &e) {
                        continue;
                    }
                    if index[w] == NONE {
                        index[w] = next;
                        low[w] = next;
                        next += 1;
                        stack.push(w);
                        on_stack[w] = true;
                        call.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                } else {
                    call.pop();
                    if let Some(&(u, _)) = call.last() {
                        low[u] = low[u].min(low[v]);
                    }
                    if low[v] == index[v] {
                        let mut comp = Vec::new();
                        loop {
                            let w = stack.pop().expect("on the stack");
                            on_stack[w] = false;
                            comp.push(w);
                            if w == v {
                                break;
                            }
                        }
                        out.push(comp);
                    }
                }
            }
        }
        out
    }
}
