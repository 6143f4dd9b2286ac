//! A global state as plain Rust values: every instance's variables, the
//! environment's bookkeeping (crashes, byzantine choice, fault budgets used,
//! the partition) and the network.

use std::collections::{BTreeMap, BTreeSet};

use dsmc::syntax::ast::NetworkKind;
use dsmc::typed::{MessageId, TypedSpec};

use super::value::{Inst, Value};

/// A message in flight: kind, payload (in field order), sender, receiver.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Msg {
    pub kind: MessageId,
    pub payload: Vec<Value>,
    pub src: Inst,
    pub dst: Inst,
}

/// The messages in flight, kept canonical by construction: `set` kinds in a
/// set, `multiset` kinds as a count per distinct message, `fifo` kinds as
/// one ordered queue per (sender, receiver) channel (empty queues removed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Net {
    pub set: BTreeSet<Msg>,
    pub bag: BTreeMap<Msg, u32>,
    pub fifo: BTreeMap<(Inst, Inst), Vec<Msg>>,
}

impl Net {
    /// Puts one message into the network (a `set` message already there
    /// changes nothing; a `fifo` message joins the end of its channel).
    pub fn send(&mut self, spec: &TypedSpec, m: Msg) {
        match spec.messages[m.kind].network {
            NetworkKind::Set => {
                self.set.insert(m);
            }
            NetworkKind::Multiset => *self.bag.entry(m).or_insert(0) += 1,
            NetworkKind::Fifo => self.fifo.entry((m.src, m.dst)).or_default().push(m),
        }
    }

    /// Removes one copy of a `multiset` or `set` message.
    pub fn remove_unordered(&mut self, m: &Msg) {
        if self.set.remove(m) {
            return;
        }
        if let Some(n) = self.bag.get_mut(m) {
            *n -= 1;
            if *n == 0 {
                self.bag.remove(m);
            }
        }
    }

    /// Removes the message at `pos` of a FIFO channel.
    pub fn remove_fifo(&mut self, ch: (Inst, Inst), pos: usize) {
        if let Some(q) = self.fifo.get_mut(&ch) {
            q.remove(pos);
            if q.is_empty() {
                self.fifo.remove(&ch);
            }
        }
    }

    /// Whether this exact message is in flight (any copy, any position).
    pub fn contains(&self, m: &Msg) -> bool {
        self.set.contains(m)
            || self.bag.contains_key(m)
            || (self.fifo.get(&(m.src, m.dst))).is_some_and(|q| q.contains(m))
    }

    /// Every copy in flight (for rendering).
    pub fn all_copies(&self) -> Vec<&Msg> {
        let mut out: Vec<&Msg> = self.set.iter().collect();
        for (m, n) in &self.bag {
            out.extend(std::iter::repeat_n(m, *n as usize));
        }
        for q in self.fifo.values() {
            out.extend(q.iter());
        }
        out
    }
}

/// A global state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    /// By node kind, instance and variable.
    pub vars: Vec<Vec<Vec<Value>>>,
    /// Crashed instances.
    pub crashed: BTreeSet<Inst>,
    /// Faulty (byzantine) instances: chosen in the initial state, fixed.
    pub byzantine: BTreeSet<Inst>,
    /// By fault line: how many times it happened (only lines with a budget
    /// are counted, since only they need it; byzantine lines never).
    pub used: Vec<u32>,
    /// The side of a split not holding the first instance, while split.
    pub partition: Option<BTreeSet<Inst>>,
    pub net: Net,
}

impl State {
    /// Whether `i` may take steps: neither crashed nor faulty.
    pub fn live(&self, i: Inst) -> bool {
        !self.crashed.contains(&i) && !self.byzantine.contains(&i)
    }

    /// Whether a partition separates `a` and `b`.
    pub fn separated(&self, a: Inst, b: Inst) -> bool {
        self.partition
            .as_ref()
            .is_some_and(|side| side.contains(&a) != side.contains(&b))
    }
}

/// Every instance of the spec in global order.
pub fn instances(spec: &TypedSpec) -> Vec<Inst> {
    (spec.nodes.iter().enumerate())
        .flat_map(|(k, n)| (0..n.count).map(move |i| (k, i)))
        .collect()
}
