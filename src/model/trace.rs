//! Turning states and steps into words: instance names, values, the step
//! that was taken and what it changed.

use super::Model;
use super::encoding::{Enc, Shape, mask};
use super::layout::VarLayout;
use super::step::{Step, StepKind};
use super::wide_parts::{Part, read_bits};
use super::wide_set::WideSet;
use crate::syntax::ast::{FaultKind, Span};
use crate::typed::{NodeKindId, Type};

/// One variable or network entry that a step changed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// `RM[1].state`, `network`, ...
    pub what: String,
    /// The new value, or `+ msg` / `- msg` for the network.
    pub value: String,
}

/// A step of a counterexample, in words.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TraceStep {
    /// The node that took the step (`None` for network faults).
    pub node: Option<String>,
    /// What it did: an action with its parameters, `on Msg from X`, a fault.
    pub action: String,
    /// The source of the action or handler, when it has one.
    #[serde(skip)]
    pub span: Option<Span>,
    /// The variables and network entries the step changed, with their new
    /// values.
    pub changes: Vec<Change>,
    /// The step as the spec names it: `RM[2].prepare`, `TM ← Prepared from
    /// RM[1]`, `crash TM`: what charts and `dsmc explore` show.
    #[serde(skip)]
    pub name: String,
    /// The step by lane (global instance index), for sequence charts.
    #[serde(skip)]
    pub event: StepEvent,
    /// The messages the step put into the network, in network order.
    #[serde(skip)]
    pub sent: Vec<Sent>,
}

/// What a step is, in terms of the lanes of a sequence chart: the global
/// instance indices of the nodes involved, and message labels
/// (`Vote(term: 1)`) without sender and receiver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepEvent {
    /// A local action of `node`.
    Action {
        /// The instance's lane.
        node: u32,
    },
    /// `to` handles `message` from `from`.
    Deliver {
        /// The sender's lane.
        from: u32,
        /// The receiver's lane.
        to: u32,
        /// The message's label.
        message: String,
    },
    /// `node` crashes.
    Crash {
        /// The instance's lane.
        node: u32,
    },
    /// `node` restarts.
    Restart {
        /// The instance's lane.
        node: u32,
    },
    /// A copy of `message` from `from` to `to` is lost.
    Lose {
        /// The sender's lane.
        from: u32,
        /// The receiver's lane.
        to: u32,
        /// The message's label.
        message: String,
    },
    /// A copy of `message` from `from` to `to` is duplicated.
    Duplicate {
        /// The sender's lane.
        from: u32,
        /// The receiver's lane.
        to: u32,
        /// The message's label.
        message: String,
    },
    /// The network splits: the instances with their bit set in `sides` on
    /// one side, the others on the other.
    Partition {
        /// One bit per lane: set for the instances on one side.
        sides: u64,
    },
    /// The partition heals.
    Heal,
    /// Byzantine `node` forges `message` to `to`.
    Forge {
        /// The byzantine instance's lane.
        node: u32,
        /// The receiver's lane.
        to: u32,
        /// The forged message's label.
        message: String,
    },
}

/// A message a step sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The sender's lane (global instance index).
    pub from: u32,
    /// The receiver's lane.
    pub to: u32,
    /// `Vote(term: 1)`.
    pub message: String,
}

impl Model {
    /// `RM[2]`, or `TM` for a single node.
    pub(crate) fn instance_name(&self, kind: NodeKindId, inst: u32) -> String {
        let node = &self.spec.nodes[kind];
        if node.indexed {
            format!("{}[{inst}]", node.name)
        } else {
            node.name.clone()
        }
    }

    /// The name of the instance with global index `global`.
    pub(crate) fn global_name(&self, global: u32) -> String {
        let (k, i) = self.layout.instances[global as usize];
        self.instance_name(k, i)
    }

    /// A stored code of type `ty` in words.
    pub(crate) fn format_code(&self, code: u64, ty: &Type, enc: &Enc) -> String {
        match (ty, &enc.shape) {
            (Type::Bool, _) => (code != 0).to_string(),
            (Type::Range { .. } | Type::Int | Type::Error, Shape::Int { lo, .. }) => {
                (lo + code as i64).to_string()
            }
            (Type::Enum(e), _) => self.spec.enums[*e]
                .variants
                .get(code as usize)
                .cloned()
                .unwrap_or_else(|| format!("?{code}")),
            (Type::Node(k), _) => self.instance_name(*k, code as u32),
            (Type::Option(t), Shape::Option(inner)) => {
                if code & 1 == 0 {
                    "none".into()
                } else {
                    format!("some({})", self.format_code(code >> 1, t, inner))
                }
            }
            (Type::Tuple(ts), Shape::Product(parts)) => {
                let items: Vec<String> = ts
                    .iter()
                    .zip(parts)
                    .map(|(t, (o, e))| self.format_code((code >> o) & mask(e.bits), t, e))
                    .collect();
                format!("({})", items.join(", "))
            }
            (Type::Record(fs), Shape::Product(parts)) => {
                let items: Vec<String> = fs
                    .iter()
                    .zip(parts)
                    .map(|((n, t), (o, e))| {
                        format!(
                            "{n}: {}",
                            self.format_code((code >> o) & mask(e.bits), t, e)
                        )
                    })
                    .collect();
                format!("{{ {} }}", items.join(", "))
            }
            (
                Type::Union(u),
                Shape::Union {
                    payload_bits,
                    variants,
                },
            ) => {
                let tag = (code >> payload_bits) as usize;
                let payload = code & mask(*payload_bits);
                let (
                    Some(def),
                    Some(Enc {
                        shape: Shape::Product(parts),
                        ..
                    }),
                ) = (self.spec.unions[*u].variants.get(tag), variants.get(tag))
                else {
                    return format!("?{code}");
                };
                if def.fields.is_empty() {
                    return def.name.clone();
                }
                let items: Vec<String> = (def.fields.iter())
                    .zip(parts)
                    .map(|((_, t), (o, e))| self.format_code((payload >> o) & mask(e.bits), t, e))
                    .collect();
                format!("{}({})", def.name, items.join(", "))
            }
            (Type::Set(t), Shape::Set(elem)) => {
                let mut items = Vec::new();
                let mut bits = code;
                while bits != 0 {
                    let c = bits.trailing_zeros() as u64;
                    bits &= bits - 1;
                    items.push(self.format_code(c, t, elem));
                }
                if items.is_empty() {
                    "{}".into()
                } else {
                    format!("{{ {} }}", items.join(", "))
                }
            }
            (Type::Map(kt, vt), Shape::Map { key, value }) => {
                let items: Vec<String> = key
                    .domain()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|k| {
                        let v = (code >> (k * value.bits as u64)) & mask(value.bits);
                        format!(
                            "{} -> {}",
                            self.format_code(k, kt, key),
                            self.format_code(v, vt, value)
                        )
                    })
                    .collect();
                format!("{{ {} }}", items.join(", "))
            }
            (Type::Seq(t, _), Shape::Seq { elem, len_bits, .. }) => {
                let len = code & mask(*len_bits);
                let items: Vec<String> = (0..len)
                    .map(|i| {
                        let c =
                            (code >> (*len_bits as u64 + i * elem.bits as u64)) & mask(elem.bits);
                        self.format_code(c, t, elem)
                    })
                    .collect();
                format!("[{}]", items.join(", "))
            }
            _ => code.to_string(),
        }
    }

    /// Instance `inst`'s value of variable `vl` (of type `ty`) in `state`,
    /// in words: a field's code, or a wide set's words.
    fn format_var(&self, state: &[u64], ty: &Type, vl: &VarLayout, inst: usize) -> String {
        if let Some(value) = &vl.wide_value {
            let first = vl.slots[inst].word as u64 * 64;
            return self.format_part(state, first, ty, &value.part);
        }
        let (Some(set), Type::Set(t)) = (&vl.wide, ty) else {
            return self.format_code(vl.slots[inst].read(state), ty, &vl.enc);
        };
        self.format_wide_set(&state[vl.wide_words(inst)], t, set)
    }

    /// A wide set's words in words: `{ a, b }`.
    fn format_wide_set(&self, words: &[u64], t: &Type, set: &WideSet) -> String {
        let items: Vec<String> = set
            .members(words)
            .map(|c| self.format_code(c, t, &set.elem))
            .collect();
        if items.is_empty() {
            "{}".into()
        } else {
            format!("{{ {} }}", items.join(", "))
        }
    }

    /// A part of a wide value (of type `ty`) whose offsets count from bit
    /// `base` of `state`, in words, as [`Self::format_code`] writes values.
    fn format_part(&self, state: &[u64], base: u64, ty: &Type, part: &Part) -> String {
        match (part, ty) {
            (Part::Narrow { at, enc }, _) => {
                self.format_code(read_bits(state, base + at, enc.bits), ty, enc)
            }
            (Part::Set { at, set }, Type::Set(t)) => {
                let first = ((base + at) / 64) as usize;
                self.format_wide_set(&state[first..first + set.words as usize], t, set)
            }
            (Part::Product(parts), Type::Tuple(ts)) => {
                let items: Vec<String> = (parts.iter().zip(ts))
                    .map(|(p, t)| self.format_part(state, base, t, p))
                    .collect();
                format!("({})", items.join(", "))
            }
            (Part::Product(parts), Type::Record(fs)) => {
                let items: Vec<String> = (parts.iter().zip(fs))
                    .map(|(p, (n, t))| format!("{n}: {}", self.format_part(state, base, t, p)))
                    .collect();
                format!("{{ {} }}", items.join(", "))
            }
            (
                Part::Map {
                    keys,
                    stride,
                    entry,
                },
                Type::Map(kt, vt),
            ) => {
                let items: Vec<String> = (0..keys.elements())
                    .map(|i| {
                        format!(
                            "{} -> {}",
                            self.format_code(keys.code(i), kt, &keys.elem),
                            self.format_part(state, base + i as u64 * stride, vt, entry)
                        )
                    })
                    .collect();
                format!("{{ {} }}", items.join(", "))
            }
            (
                Part::Seq {
                    len_at,
                    len_bits,
                    stride,
                    entry,
                    ..
                },
                Type::Seq(t, _),
            ) => {
                let len = read_bits(state, base + len_at, *len_bits);
                let items: Vec<String> = (0..len)
                    .map(|i| self.format_part(state, base + i * stride, t, entry))
                    .collect();
                format!("[{}]", items.join(", "))
            }
            _ => "?".into(),
        }
    }

    /// What changed in a part of a wide value, its offsets counting from
    /// bit `base`: the entries and fields that changed, each with its new
    /// value (a sequence's whole new value).
    fn diff_part(
        &self,
        what: String,
        (before, after): (&[u64], &[u64]),
        base: u64,
        ty: &Type,
        part: &Part,
        out: &mut Vec<Change>,
    ) {
        let (lo, hi) = part.span();
        let mut changed = false;
        let mut at = base + lo;
        while at < base + hi {
            let n = (base + hi - at).min(64) as u32;
            changed |= read_bits(before, at, n) != read_bits(after, at, n);
            at += n as u64;
        }
        if !changed {
            return;
        }
        match (part, ty) {
            (Part::Narrow { at, enc }, _) => {
                let (a, b) = (
                    read_bits(before, base + at, enc.bits),
                    read_bits(after, base + at, enc.bits),
                );
                self.diff_value(what, a, b, ty, enc, out);
            }
            (Part::Product(parts), Type::Tuple(ts)) => {
                for (i, (p, t)) in parts.iter().zip(ts).enumerate() {
                    self.diff_part(format!("{what}.{i}"), (before, after), base, t, p, out);
                }
            }
            (Part::Product(parts), Type::Record(fs)) => {
                for (p, (n, t)) in parts.iter().zip(fs) {
                    self.diff_part(format!("{what}.{n}"), (before, after), base, t, p, out);
                }
            }
            (
                Part::Map {
                    keys,
                    stride,
                    entry,
                },
                Type::Map(kt, vt),
            ) => {
                for i in 0..keys.elements() {
                    let key = self.format_code(keys.code(i), kt, &keys.elem);
                    let entry_base = base + i as u64 * stride;
                    let what = format!("{what}[{key}]");
                    self.diff_part(what, (before, after), entry_base, vt, entry, out);
                }
            }
            _ => out.push(Change {
                what,
                value: self.format_part(after, base, ty, part),
            }),
        }
    }

    /// A message code in words: `Vote(term: 1, granted: true) RM[0] → TM`.
    pub(crate) fn format_message(&self, code: u64) -> String {
        let msg = &self.layout.msg;
        format!(
            "{} {} → {}",
            self.message_label(code),
            self.global_name(msg.src(code)),
            self.global_name(msg.dst(code))
        )
    }

    /// A message's kind and payload, without sender and receiver:
    /// `Vote(term: 1, granted: true)`.
    pub(crate) fn message_label(&self, code: u64) -> String {
        let msg = &self.layout.msg;
        let m = msg.kind(code);
        let def = &self.spec.messages[m];
        if def.fields.is_empty() {
            def.name.clone()
        } else {
            let items: Vec<String> = def
                .fields
                .iter()
                .enumerate()
                .map(|(f, (name, ty))| {
                    let enc = &msg.fields[m][f].1;
                    format!(
                        "{name}: {}",
                        self.format_code(msg.field(code, m, f), ty, enc)
                    )
                })
                .collect();
            format!("{}({})", def.name, items.join(", "))
        }
    }

    /// Every variable of a state, for the first state of a trace.
    pub fn describe_state(&self, state: &[u64]) -> Vec<Change> {
        let mut out = Vec::new();
        for (k, kl) in self.layout.kinds.iter().enumerate() {
            for inst in 0..kl.count {
                for (v, vl) in kl.vars.iter().enumerate() {
                    let var = &self.spec.nodes[k].vars[v];
                    out.push(Change {
                        what: format!("{}.{}", self.instance_name(k, inst), var.name),
                        value: self.format_var(state, &var.ty, vl, inst as usize),
                    });
                }
            }
        }
        if self.layout.kinds.iter().any(|kl| kl.byzantine.is_some()) {
            let faulty: Vec<String> = (0..self.layout.instances.len() as u32)
                .filter(|&g| self.byzantine(state, g))
                .map(|g| self.global_name(g))
                .collect();
            out.push(Change {
                what: "byzantine".into(),
                value: if faulty.is_empty() {
                    "{}".into()
                } else {
                    format!("{{ {} }}", faulty.join(", "))
                },
            });
        }
        out.extend(self.describe_environment(state));
        for &code in &state[self.layout.fixed_words..] {
            out.push(Change {
                what: "network".into(),
                value: format!("+ {}", self.format_message(code)),
            });
        }
        out
    }

    /// The environment's part of a state, where it is not the initial one:
    /// the crashed instances, an active partition and the fault budgets used
    /// so far. Without it, a state after `crash P[0]` would read exactly as
    /// the state before.
    fn describe_environment(&self, state: &[u64]) -> Vec<Change> {
        let mut out = Vec::new();
        let crashed: Vec<String> = (0..self.layout.instances.len() as u32)
            .filter(|&g| {
                let (k, inst) = self.layout.instances[g as usize];
                self.layout.kinds[k]
                    .crashed
                    .as_ref()
                    .is_some_and(|flags| flags[inst as usize].read(state) != 0)
            })
            .map(|g| self.global_name(g))
            .collect();
        if !crashed.is_empty() {
            out.push(Change {
                what: "crashed".into(),
                value: format!("{{ {} }}", crashed.join(", ")),
            });
        }
        if let Some((active, sides)) = self.layout.partition
            && active.read(state) != 0
        {
            let sides = sides.read(state);
            let side = |s: u64| {
                (0..self.layout.instances.len() as u32)
                    .filter(|g| (sides >> g) & 1 == s)
                    .map(|g| self.global_name(g))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push(Change {
                what: "partition".into(),
                value: format!("{{ {} }} | {{ {} }}", side(0), side(1)),
            });
        }
        for (fault, slot) in self.spec.faults.iter().zip(&self.layout.fault_counters) {
            let Some(slot) = slot else { continue };
            let used = slot.read(state);
            if used == 0 {
                continue;
            }
            let target = fault
                .node
                .map(|k| format!(" {}", self.spec.nodes[k].name))
                .or_else(|| {
                    fault
                        .message
                        .map(|m| format!(" {}", self.spec.messages[m].name))
                })
                .unwrap_or_default();
            let budget = fault.budget.map_or(String::new(), |b| format!(" of {b}"));
            out.push(Change {
                what: format!("faults used ({}{target})", fault.kind.keyword()),
                value: format!("{used}{budget}"),
            });
        }
        out
    }

    /// What changed between two states.
    pub fn diff(&self, before: &[u64], after: &[u64]) -> Vec<Change> {
        let mut out = Vec::new();
        for (k, kl) in self.layout.kinds.iter().enumerate() {
            for inst in 0..kl.count {
                if let Some(crashed) = &kl.crashed {
                    let (a, b) = (
                        crashed[inst as usize].read(before),
                        crashed[inst as usize].read(after),
                    );
                    if a != b {
                        out.push(Change {
                            what: self.instance_name(k, inst),
                            value: if b != 0 {
                                "crashed".into()
                            } else {
                                "restarted".into()
                            },
                        });
                    }
                }
                for (v, vl) in kl.vars.iter().enumerate() {
                    if let Some(value) = &vl.wide_value {
                        let var = &self.spec.nodes[k].vars[v];
                        let what = format!("{}.{}", self.instance_name(k, inst), var.name);
                        let base = vl.slots[inst as usize].word as u64 * 64;
                        let sides = (before, after);
                        self.diff_part(what, sides, base, &var.ty, &value.part, &mut out);
                        continue;
                    }
                    if vl.wide.is_some() {
                        // A wide set: the whole new set when a word changed.
                        let words = vl.wide_words(inst as usize);
                        if before[words.clone()] != after[words] {
                            let var = &self.spec.nodes[k].vars[v];
                            out.push(Change {
                                what: format!("{}.{}", self.instance_name(k, inst), var.name),
                                value: self.format_var(after, &var.ty, vl, inst as usize),
                            });
                        }
                        continue;
                    }
                    let slot = vl.slots[inst as usize];
                    let (a, b) = (slot.read(before), slot.read(after));
                    if a != b {
                        let var = &self.spec.nodes[k].vars[v];
                        let what = format!("{}.{}", self.instance_name(k, inst), var.name);
                        self.diff_value(what, a, b, &var.ty, &vl.enc, &mut out);
                    }
                }
            }
        }
        if let Some((active, sides)) = self.layout.partition {
            let (a, b) = (active.read(before), active.read(after));
            if a != b || sides.read(before) != sides.read(after) {
                out.push(Change {
                    what: "partition".into(),
                    value: if b != 0 {
                        "split".into()
                    } else {
                        "healed".into()
                    },
                });
            }
        }
        let fixed = self.layout.fixed_words;
        let (mut old, mut new) = (before[fixed..].to_vec(), after[fixed..].to_vec());
        old.sort_unstable();
        new.sort_unstable();
        let (mut i, mut j) = (0, 0);
        while i < old.len() || j < new.len() {
            if j == new.len() || (i < old.len() && old[i] < new[j]) {
                out.push(Change {
                    what: "network".into(),
                    value: format!("- {}", self.format_message(old[i])),
                });
                i += 1;
            } else if i == old.len() || new[j] < old[i] {
                out.push(Change {
                    what: "network".into(),
                    value: format!("+ {}", self.format_message(new[j])),
                });
                j += 1;
            } else {
                i += 1;
                j += 1;
            }
        }
        out
    }

    /// What changed in one value: for a map or a record of which only some
    /// entries changed, those entries (`P[1].heard[P[0]] = some(0)`,
    /// `x.term = 2`); else the whole new value.
    fn diff_value(
        &self,
        what: String,
        a: u64,
        b: u64,
        ty: &Type,
        enc: &Enc,
        out: &mut Vec<Change>,
    ) {
        match (ty, &enc.shape) {
            (Type::Map(kt, vt), Shape::Map { key, value }) => {
                let keys = key.domain().unwrap_or_default();
                let entry =
                    |code: u64, k: u64| (code >> (k * value.bits as u64)) & mask(value.bits);
                let changed: Vec<u64> = keys
                    .iter()
                    .copied()
                    .filter(|&k| entry(a, k) != entry(b, k))
                    .collect();
                if changed.len() < keys.len() {
                    for k in changed {
                        let what = format!("{what}[{}]", self.format_code(k, kt, key));
                        self.diff_value(what, entry(a, k), entry(b, k), vt, value, out);
                    }
                    return;
                }
            }
            (Type::Record(fs), Shape::Product(parts)) => {
                let field = |code: u64, o: u32, e: &Enc| (code >> o) & mask(e.bits);
                let changed = fs
                    .iter()
                    .zip(parts)
                    .filter(|(_, (o, e))| field(a, *o, e) != field(b, *o, e))
                    .count();
                if changed < fs.len() {
                    for ((n, t), (o, e)) in fs.iter().zip(parts) {
                        let (x, y) = (field(a, *o, e), field(b, *o, e));
                        if x != y {
                            self.diff_value(format!("{what}.{n}"), x, y, t, e, out);
                        }
                    }
                    return;
                }
            }
            _ => {}
        }
        out.push(Change {
            what,
            value: self.format_code(b, ty, enc),
        });
    }

    /// The messages in `after`'s network that were not in `before`'s (one
    /// per added copy).
    fn sent_between(&self, before: &[u64], after: &[u64]) -> Vec<Sent> {
        let fixed = self.layout.fixed_words;
        let (mut old, mut new) = (before[fixed..].to_vec(), after[fixed..].to_vec());
        old.sort_unstable();
        new.sort_unstable();
        let mut sent = Vec::new();
        let mut i = 0;
        for code in new {
            while i < old.len() && old[i] < code {
                i += 1;
            }
            if i < old.len() && old[i] == code {
                i += 1;
            } else {
                sent.push(Sent {
                    from: self.layout.msg.src(code),
                    to: self.layout.msg.dst(code),
                    message: self.message_label(code),
                });
            }
        }
        sent
    }

    /// A step's name as the spec says it (`RM[0].prepare`), without a state.
    pub fn step_name(&self, step: &Step) -> String {
        // Naming a step reads only the step: no state, no changes.
        self.describe_step(&[], step, None).name
    }

    /// A step in words, with its changes from `before` to `after`.
    pub fn describe_step(&self, before: &[u64], step: &Step, after: Option<&[u64]>) -> TraceStep {
        let changes = after.map(|a| self.diff(before, a)).unwrap_or_default();
        let sent = after
            .map(|a| self.sent_between(before, a))
            .unwrap_or_default();
        let msg = &self.layout.msg;
        let (event, name) = match step.kind {
            StepKind::Action { global, .. } => (StepEvent::Action { node: global }, None),
            StepKind::Deliver { global, code, .. } => {
                let (from, message) = (msg.src(code), self.message_label(code));
                let name = format!(
                    "{} ← {message} from {}",
                    self.global_name(global),
                    self.global_name(from)
                );
                let event = StepEvent::Deliver {
                    from,
                    to: global,
                    message,
                };
                (event, Some(name))
            }
            StepKind::Crash { global, .. } => (
                StepEvent::Crash { node: global },
                Some(format!("crash {}", self.global_name(global))),
            ),
            StepKind::Restart { global, .. } => (
                StepEvent::Restart { node: global },
                Some(format!("restart {}", self.global_name(global))),
            ),
            StepKind::Lose { code, .. } => (
                StepEvent::Lose {
                    from: msg.src(code),
                    to: msg.dst(code),
                    message: self.message_label(code),
                },
                Some(format!("lose {}", self.format_message(code))),
            ),
            StepKind::Duplicate { code, .. } => (
                StepEvent::Duplicate {
                    from: msg.src(code),
                    to: msg.dst(code),
                    message: self.message_label(code),
                },
                Some(format!("duplicate {}", self.format_message(code))),
            ),
            StepKind::Partition { sides, .. } => (StepEvent::Partition { sides }, None),
            StepKind::Heal { .. } => (StepEvent::Heal, Some("heal the partition".into())),
            StepKind::Forge { global, code, .. } => (
                StepEvent::Forge {
                    node: global,
                    to: msg.dst(code),
                    message: self.message_label(code),
                },
                Some(format!(
                    "{} forges {} → {} (byzantine)",
                    self.global_name(global),
                    self.message_label(code),
                    self.global_name(msg.dst(code))
                )),
            ),
        };
        let (node, action, span) = match step.kind {
            StepKind::Action {
                global,
                action,
                binding,
            } => {
                let (k, _) = self.layout.instances[global as usize];
                let def = &self.spec.nodes[k].actions[action as usize];
                let values = self.binding_values(k, action as usize, binding);
                let params: Vec<String> = def
                    .params
                    .iter()
                    .zip(values)
                    .map(|(&p, v)| {
                        let local = &def.body.locals[p];
                        self.format_value(v, &local.ty)
                    })
                    .collect();
                let text = if params.is_empty() {
                    def.name.clone()
                } else {
                    format!("{}({})", def.name, params.join(", "))
                };
                (Some(self.global_name(global)), text, Some(def.span))
            }
            StepKind::Deliver {
                global,
                handler,
                code,
            } => {
                let (k, _) = self.layout.instances[global as usize];
                let def = &self.spec.nodes[k].handlers[handler as usize];
                (
                    Some(self.global_name(global)),
                    format!("on {}", self.format_message(code)),
                    Some(def.span),
                )
            }
            StepKind::Crash { global, fault } => (
                Some(self.global_name(global)),
                "crash (fault)".into(),
                Some(self.spec.faults[fault as usize].span),
            ),
            StepKind::Restart { global, fault, .. } => (
                Some(self.global_name(global)),
                "restart (fault)".into(),
                Some(self.spec.faults[fault as usize].span),
            ),
            StepKind::Partition { fault, sides } => {
                let (a, b): (Vec<String>, Vec<String>) = {
                    let names = |side: u64| {
                        (0..self.layout.instances.len() as u32)
                            .filter(|g| (sides >> g) & 1 == side)
                            .map(|g| self.global_name(g))
                            .collect::<Vec<_>>()
                    };
                    (names(0), names(1))
                };
                (
                    None,
                    format!(
                        "partition {{ {} }} | {{ {} }} (fault)",
                        a.join(", "),
                        b.join(", ")
                    ),
                    Some(self.spec.faults[fault as usize].span),
                )
            }
            StepKind::Forge {
                global,
                fault,
                code,
            } => (
                Some(self.global_name(global)),
                format!("forge {} (byzantine)", self.format_message(code)),
                Some(self.spec.faults[fault as usize].span),
            ),
            StepKind::Heal { fault } => (
                None,
                "heal the partition (fault)".into(),
                Some(self.spec.faults[fault as usize].span),
            ),
            StepKind::Lose { fault, code } | StepKind::Duplicate { fault, code } => {
                let f = &self.spec.faults[fault as usize];
                let verb = if f.kind == FaultKind::Lose {
                    "lose"
                } else {
                    "duplicate"
                };
                (
                    None,
                    format!("{verb} {} (fault)", self.format_message(code)),
                    Some(f.span),
                )
            }
        };
        let name = name.unwrap_or_else(|| match (&event, &node) {
            (StepEvent::Action { .. }, Some(n)) => format!("{n}.{action}"),
            _ => action.trim_end_matches(" (fault)").to_string(),
        });
        TraceStep {
            node,
            action,
            span,
            changes,
            name,
            event,
            sent,
        }
    }

    /// An expression value of type `ty` in words.
    pub(crate) fn format_value(&self, v: i64, ty: &Type) -> String {
        if ty.is_int() {
            return v.to_string();
        }
        match Enc::of(ty, &self.spec) {
            Ok(enc) => self.format_code(v as u64, ty, &enc),
            Err(_) => v.to_string(),
        }
    }
}
