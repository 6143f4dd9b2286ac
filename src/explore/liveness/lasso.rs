//! The counterexample of a liveness property: the shortest path to a
//! start state, a shortest path inside `R` to the chosen state, and a fair
//! cycle through its component ([`Explorer::lasso`]); under symmetry the
//! stored states renamed into a real run ([`Explorer::lifted_lasso`]).

use std::collections::{HashMap, VecDeque};

use super::graph::{Graph, Lift, fair_cycle};
use super::nodes::{Nodes, Out};
use super::region::Region;
use super::rows::Rows;
use super::steps::{Pool, Work};
use super::{Dense, NO_TASK, Query};
use crate::explore::{Explorer, Lasso, Trace};
use crate::model::{Outcome, Perms, Scratch, Step, Symmetry, Task};

impl Explorer<'_> {
    /// The shortest path inside `R` from a state of `query.start` (the
    /// shallowest first, then in `R`'s order) to dense state `target`, as
    /// dense states: a breadth-first search over recomputed successors.
    pub(super) fn path_in_region(
        &self,
        dense: &Dense,
        query: &Query,
        region: &Region,
        target: u32,
        rows: &Rows,
        pool: &Pool,
    ) -> Vec<u32> {
        // A start state is its own shortest path (every start is at
        // distance 0 of the search below).
        if query.start[target as usize] {
            return vec![target];
        }
        let mut sources: Vec<u32> = (region.states.iter().copied())
            .filter(|&i| query.start[i as usize])
            .collect();
        sources.sort_by_key(|&i| (dense.depth(i), region.position(i)));
        let mut pred: HashMap<u32, u32> = HashMap::new();
        let mut seen = vec![false; dense.globals.len()];
        let mut queue = VecDeque::new();
        for &i in &sources {
            if !std::mem::replace(&mut seen[i as usize], true) {
                queue.push_back(i);
            }
        }
        let mut work = pool.take().unwrap_or_default();
        let mut nodes = Nodes::default();
        while let Some(v) = queue.pop_front() {
            if v == target {
                break;
            }
            match rows.row(v) {
                Some(at) => {
                    nodes.start();
                    rows.append_to(at, &mut nodes);
                }
                None => self.raw_nodes_into(dense, &[v], &mut work, false, &mut nodes),
            }
            for &Out { to: w, .. } in nodes.edges(0) {
                if query.kept(v, w) && !std::mem::replace(&mut seen[w as usize], true) {
                    pred.insert(w, v);
                    queue.push_back(w);
                }
            }
        }
        pool.put(work);
        let mut walk = vec![target];
        while let Some(&p) = pred.get(walk.last().expect("non-empty")) {
            walk.push(p);
        }
        walk.reverse();
        walk
    }
    /// The first step (in step order) from dense state `from` to dense state
    /// `to`, preferring one of task `task` when given.
    pub(super) fn step_between(
        &self,
        dense: &Dense,
        from: u32,
        to: u32,
        task: Option<Task>,
    ) -> Step {
        let before = &self.state(dense.globals[from as usize]);
        let after = &self.state(dense.globals[to as usize]);
        self.step_to(before, after, task, &mut Scratch::default())
    }

    /// The first step (in step order) from state `before` to state `after`
    /// (both in the ordinary form), preferring one of task `task` when
    /// given.
    pub(super) fn step_to(
        &self,
        before: &[u64],
        after: &[u64],
        task: Option<Task>,
        scratch: &mut Scratch,
    ) -> Step {
        let model = self.shared.model;
        let mut any = None;
        let mut of_task = None;
        model.successors(before, scratch, &mut |step, outcome| {
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

    /// [`Self::lasso`] under symmetry, where `g` is the quotient: the
    /// stored states along `walk` are renamed into a real behaviour of the
    /// spec, and the cycle is found in the concrete component over the
    /// fair component of `g` ([`Lift::concrete`]), so that it returns to
    /// the very state it left and is fair to every instance.
    pub(super) fn lifted_lasso(
        &self,
        dense: &Dense,
        g: &Graph,
        walk: Vec<u32>,
        component: Option<Vec<u32>>,
        lift: &mut Lift,
    ) -> Trace {
        let (model, sym) = (self.shared.model, lift.sym);
        let (mut trace, sigma) = self.concrete_path(dense.globals[walk[0] as usize]);
        let mut sigma = sigma.expect("a path under symmetry comes with its renaming");
        let mut work = Work::default();
        let mut scratch = Scratch::default();
        let mut concrete = Vec::new();
        let mut push =
            |trace: &mut Trace, dense_state: u32, renaming: &Perms, task: Option<Task>| {
                let stored = self.state(dense.globals[dense_state as usize]);
                model.permute(sym, &stored, renaming, &mut concrete);
                let before = trace.states.last().expect("a path has states");
                let step = self.step_to(before, &concrete, task, &mut scratch);
                trace.steps.push(step);
                trace.states.push(concrete.clone());
            };
        for pair in walk.windows(2) {
            let out = *(self.raw_node(dense, pair[0], &mut work).edges(0).iter())
                .find(|o| o.to == pair[1])
                .expect("the walk goes along steps of the model");
            sigma = Symmetry::compose(&sigma, lift.inverse(out.renaming));
            push(&mut trace, pair[1], &sigma, None);
        }
        let start = trace.states.len() - 1;
        let stutter = match component {
            None => true,
            Some(component) => {
                let rep = *walk.last().expect("a path ends somewhere");
                let at = (component.iter())
                    .copied()
                    .find(|&v| g.states[v as usize] == rep)
                    .expect("the representative is in its component");
                let (d, nodes) = lift.concrete(g, &component, at, sigma);
                let all: Vec<u32> = (0..d.len() as u32).collect();
                for (_, to, task) in fair_cycle(&d, &all, 0) {
                    let want = (task != NO_TASK).then(|| d.tasks[task as usize]);
                    push(
                        &mut trace,
                        d.states[to as usize],
                        &nodes[to as usize].1,
                        want,
                    );
                }
                false
            }
        };
        trace.lasso = Some(Lasso { start, stutter });
        trace
    }

    /// The counterexample: the shortest path to a start state, then `walk`
    /// (dense states, inside `R`) to its last state, and then, when that
    /// state lies in a fair component of `g`, a cycle in it (else the
    /// behaviour stops there).
    pub(super) fn lasso(
        &self,
        dense: &Dense,
        g: &Graph,
        walk: Vec<u32>,
        component: Option<Vec<u32>>,
    ) -> Trace {
        let rep = *walk.last().expect("a path ends somewhere");
        let mut trace = self.path(dense.globals[walk[0] as usize]);
        for pair in walk.windows(2) {
            trace
                .steps
                .push(self.step_between(dense, pair[0], pair[1], None));
            trace
                .states
                .push(self.state(dense.globals[pair[1] as usize]));
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
                let at = (component.iter())
                    .copied()
                    .find(|&v| g.states[v as usize] == rep)
                    .expect("the representative is in its component");
                for (from, to, task) in fair_cycle(g, &component, at) {
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
