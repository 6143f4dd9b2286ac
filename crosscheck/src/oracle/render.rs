//! A state in dsmc's words (`Model::describe_state`, src/model/trace.rs):
//! one `(what, value)` pair per variable of every instance, then
//! `byzantine`, `crashed`, `partition`, the fault budgets used, and one
//! `network` entry per message copy in flight.
//!
//! Values are written as in a spec: `{ RM[0], RM[2] }`, `none`, `some(2)`,
//! `(2, 1)`, `{ P[0] -> none, ... }`, `[1, 2]`. dsmc lists a set's elements
//! and a map's keys in the order of its packed codes (src/model/encoding.rs
//! documents them: the first part of a tuple or record in the lowest bits),
//! so this renderer sorts set elements by that code; map keys in the order
//! of values, which is the same for every key type but sets and sequences.

use dsmc::typed::{Type, TypedSpec};

use super::state::State;
use super::step::{inst_name, msg_text};
use super::value::Value;

/// Bits needed to tell `n` values apart.
fn bits_for(n: u128) -> u32 {
    if n <= 1 {
        0
    } else {
        128 - (n - 1).leading_zeros()
    }
}

/// How many values a type with dense codes `0..n` has (bool, enum, node,
/// a range of at most 64 values), as dsmc packs set elements.
fn dense(spec: &TypedSpec, ty: &Type) -> Option<u128> {
    let n = match ty {
        Type::Bool => 2,
        Type::Enum(e) => spec.enums[*e].variants.len() as u128,
        Type::Union(u) if spec.unions[*u].variants.iter().all(|v| v.fields.is_empty()) => {
            spec.unions[*u].variants.len() as u128
        }
        Type::Node(k) => spec.nodes[*k].count as u128,
        Type::Range { lo, hi } => (*hi as i128 - *lo as i128 + 1).max(1) as u128,
        Type::Int => 64,
        _ => return None,
    };
    (bits(spec, ty) <= 6).then_some(n.clamp(1, 64))
}

/// The width of a type's packed code.
fn bits(spec: &TypedSpec, ty: &Type) -> u32 {
    match ty {
        Type::Bool => 1,
        Type::Enum(e) => bits_for(spec.enums[*e].variants.len() as u128),
        Type::Node(k) => bits_for(spec.nodes[*k].count as u128),
        Type::Range { lo, hi } => bits_for((*hi as i128 - *lo as i128 + 1) as u128),
        Type::Int | Type::Error => 6,
        Type::Option(t) => bits(spec, t) + 1,
        Type::Tuple(ts) => ts.iter().map(|t| bits(spec, t)).sum(),
        Type::Record(fs) => fs.iter().map(|(_, t)| bits(spec, t)).sum(),
        Type::Set(t) => dense(spec, t).unwrap_or(1 << bits(spec, t).min(100)) as u32,
        Type::Map(k, v) => (1u32 << bits(spec, k).min(20)) * bits(spec, v),
        Type::Seq(t, max) => bits_for(*max as u128 + 1) + bits(spec, t) * max,
        Type::Union(u) => {
            let variants = &spec.unions[*u].variants;
            let payload = (variants.iter())
                .map(|v| v.fields.iter().map(|(_, t)| bits(spec, t)).sum::<u32>())
                .max()
                .unwrap_or(0);
            payload + bits_for(variants.len() as u128)
        }
    }
}

/// Whether values of `ty` are ordered by their packed code rather than
/// lexicographically: those that hold a set, a map or a sequence.
pub(super) fn coded_order(spec: &TypedSpec, ty: &Type) -> bool {
    let coded_order = |t: &Type| coded_order(spec, t);
    match ty {
        Type::Set(_) | Type::Map(..) | Type::Seq(..) => true,
        Type::Option(t) => coded_order(t),
        Type::Tuple(ts) => ts.iter().any(coded_order),
        Type::Record(fs) => fs.iter().any(|(_, t)| coded_order(t)),
        Type::Union(u) => {
            (spec.unions[*u].variants.iter()).any(|v| v.fields.iter().any(|(_, t)| coded_order(t)))
        }
        _ => false,
    }
}

/// The packed code of a value (for ordering set elements as dsmc does).
pub(super) fn code(spec: &TypedSpec, v: &Value, ty: &Type) -> u128 {
    let sh = |c: u128, by: u32| if by >= 128 { 0 } else { c << by };
    match (v, ty) {
        (Value::Bool(b), _) => *b as u128,
        (Value::Int(n), Type::Range { lo, .. }) => (*n as i128 - *lo as i128) as u128,
        (Value::Int(n), _) => *n as u128,
        (Value::Enum(i), _) => *i as u128,
        (Value::Node((_, i)), _) => *i as u128,
        (Value::Opt(None), _) => 0,
        (Value::Opt(Some(x)), Type::Option(t)) => sh(code(spec, x, t), 1) | 1,
        (Value::Tuple(xs), Type::Tuple(ts)) => {
            let mut off = 0;
            let mut c = 0;
            // The first part in the highest bits, the last at 0.
            for (x, t) in xs.iter().zip(ts).rev() {
                c |= sh(code(spec, x, t), off);
                off += bits(spec, t);
            }
            c
        }
        (Value::Record(xs), Type::Record(fs)) => {
            let mut off = 0;
            let mut c = 0;
            for (x, (_, t)) in xs.iter().zip(fs).rev() {
                c |= sh(code(spec, x, t), off);
                off += bits(spec, t);
            }
            c
        }
        (Value::Union(i, xs), Type::Union(u)) => {
            let fields = &spec.unions[*u].variants[*i].fields;
            let mut off = 0;
            let mut c = 0;
            for (x, (_, t)) in xs.iter().zip(fields).rev() {
                c |= sh(code(spec, x, t), off);
                off += bits(spec, t);
            }
            let payload = bits(spec, ty) - bits_for(spec.unions[*u].variants.len() as u128);
            c | sh(*i as u128, payload)
        }
        (Value::Set(s), Type::Set(t)) => {
            s.iter().fold(0, |c, x| c | sh(1, code(spec, x, t) as u32))
        }
        (Value::Map(m), Type::Map(kt, vt)) => m.iter().fold(0, |c, (k, x)| {
            c | sh(code(spec, x, vt), code(spec, k, kt) as u32 * bits(spec, vt))
        }),
        (Value::Seq(s), Type::Seq(t, max)) => {
            let lb = bits_for(*max as u128 + 1);
            let b = bits(spec, t);
            (s.iter().enumerate()).fold(s.len() as u128, |c, (i, x)| {
                c | sh(code(spec, x, t), lb + i as u32 * b)
            })
        }
        _ => 0,
    }
}

/// A value of type `ty` in words, as dsmc writes it.
pub fn value(spec: &TypedSpec, v: &Value, ty: &Type) -> String {
    match (v, ty) {
        (Value::Bool(b), _) => b.to_string(),
        (Value::Int(n), _) => n.to_string(),
        (Value::Enum(i), Type::Enum(e)) => spec.enums[*e].variants[*i].clone(),
        (Value::Node(i), _) => inst_name(spec, *i),
        (Value::Opt(None), _) => "none".into(),
        (Value::Opt(Some(x)), Type::Option(t)) => format!("some({})", value(spec, x, t)),
        (Value::Tuple(xs), Type::Tuple(ts)) => {
            let items: Vec<String> = xs.iter().zip(ts).map(|(x, t)| value(spec, x, t)).collect();
            format!("({})", items.join(", "))
        }
        (Value::Record(xs), Type::Record(fs)) => {
            let items: Vec<String> = (xs.iter().zip(fs))
                .map(|(x, (n, t))| format!("{n}: {}", value(spec, x, t)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        (Value::Union(i, xs), Type::Union(u)) => {
            let v = &spec.unions[*u].variants[*i];
            if v.fields.is_empty() {
                return v.name.clone();
            }
            let items: Vec<String> = (xs.iter().zip(&v.fields))
                .map(|(x, (_, t))| value(spec, x, t))
                .collect();
            format!("{}({})", v.name, items.join(", "))
        }
        (Value::Set(s), Type::Set(t)) => {
            if s.is_empty() {
                return "{}".into();
            }
            let mut items: Vec<(u128, String)> = s
                .iter()
                .map(|x| (code(spec, x, t), value(spec, x, t)))
                .collect();
            items.sort();
            let items: Vec<String> = items.into_iter().map(|(_, s)| s).collect();
            format!("{{ {} }}", items.join(", "))
        }
        (Value::Map(m), Type::Map(kt, vt)) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, x)| format!("{} -> {}", value(spec, k, kt), value(spec, x, vt)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        (Value::Seq(s), Type::Seq(t, _)) => {
            let items: Vec<String> = s.iter().map(|x| value(spec, x, t)).collect();
            format!("[{}]", items.join(", "))
        }
        (v, _) => format!("{v:?}"),
    }
}

/// Every part of a state in dsmc's words, in dsmc's order (the network in
/// this oracle's order: by channel, FIFO order kept).
pub fn describe(spec: &TypedSpec, st: &State) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, node) in spec.nodes.iter().enumerate() {
        for i in 0..node.count {
            for (v, var) in node.vars.iter().enumerate() {
                out.push((
                    format!("{}.{}", inst_name(spec, (k, i)), var.name),
                    value(spec, &st.vars[k][i as usize][v], &var.ty),
                ));
            }
        }
    }
    let names = |set: &mut dyn Iterator<Item = &(usize, u32)>| {
        let items: Vec<String> = set.map(|i| inst_name(spec, *i)).collect();
        if items.is_empty() {
            "{}".to_string()
        } else {
            format!("{{ {} }}", items.join(", "))
        }
    };
    let has_byzantine =
        (spec.faults.iter()).any(|f| f.kind == dsmc::syntax::ast::FaultKind::Byzantine);
    if has_byzantine {
        out.push(("byzantine".into(), names(&mut st.byzantine.iter())));
    }
    if !st.crashed.is_empty() {
        out.push(("crashed".into(), names(&mut st.crashed.iter())));
    }
    if let Some(side) = &st.partition {
        let all = super::state::instances(spec);
        let a: Vec<_> = all.iter().filter(|i| !side.contains(i)).collect();
        let b: Vec<_> = all.iter().filter(|i| side.contains(i)).collect();
        let join = |xs: Vec<&(usize, u32)>| {
            xs.iter()
                .map(|i| inst_name(spec, **i))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push((
            "partition".into(),
            format!("{{ {} }} | {{ {} }}", join(a), join(b)),
        ));
    }
    for (f, def) in spec.faults.iter().enumerate() {
        let Some(budget) = def.budget else { continue };
        if def.kind == dsmc::syntax::ast::FaultKind::Byzantine || st.used[f] == 0 {
            continue;
        }
        let target = def
            .node
            .map(|k| format!(" {}", spec.nodes[k].name))
            .or_else(|| def.message.map(|m| format!(" {}", spec.messages[m].name)))
            .unwrap_or_default();
        out.push((
            format!("faults used ({}{target})", def.kind.keyword()),
            format!("{} of {budget}", st.used[f]),
        ));
    }
    for m in st.net.all_copies() {
        out.push(("network".into(), format!("+ {}", msg_text(spec, m))));
    }
    out
}
