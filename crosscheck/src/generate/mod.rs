//! Random well-typed specs, and their shrinking.
//!
//! [`generate`] builds a [`Spec`] (the generator's own small AST, [`ir`])
//! from a seed with a splitmix64 stream ([`rng`]); [`Spec::render`] writes
//! it as `.ds` text; [`shrink`] removes and simplifies its parts while a
//! predicate still holds; [`features`] names the constructs a spec uses,
//! so that a test can check that a batch covers the language.

pub mod ir;
mod random;
pub mod rng;
mod shrink;
pub mod walk;

use std::collections::BTreeSet;

pub use ir::Spec;
pub use random::{GenConfig, generate};
pub use shrink::{candidates, shrink};

use ir::*;

/// The spec of a seed as text, with the default configuration.
pub fn source(seed: u64) -> String {
    generate(seed, &GenConfig::default()).render()
}

/// Every construct [`features`] can name; a large batch should use each.
pub const ALL_FEATURES: &[&str] = &[
    "bool",
    "range",
    "negative_range",
    "enum",
    "inline_enum",
    "node_id",
    "set",
    "map",
    "option",
    "tuple",
    "record",
    "seq",
    "nested_type",
    "alias",
    "const",
    "single_node",
    "indexed_node",
    "symmetric",
    "network_multiset",
    "network_set",
    "network_fifo",
    "unfair_network",
    "network_override",
    "unfair_message",
    "crash",
    "restart",
    "persistent",
    "lose",
    "duplicate",
    "partition",
    "byzantine",
    "remote_read",
    "bound",
    "done_when",
    "allow_deadlock",
    "deadlock_check",
    "action_params",
    "fair_action",
    "strong_fair_action",
    "handler_binders",
    "handler_from",
    "handler_from_kind",
    "handler_guard",
    "init_choice",
    "init_self",
    "assign",
    "assign_path",
    "assign_add",
    "if",
    "else",
    "for",
    "send",
    "broadcast",
    "assert",
    "let",
    "forall",
    "exists",
    "count",
    "if_expr",
    "all",
    "len",
    "min",
    "max",
    "some",
    "none",
    "is_some",
    "is_none",
    "unwrap",
    "head",
    "tail",
    "last",
    "crashed",
    "byzantine_call",
    "set_ops",
    "arith",
    "div_rem",
    "invariant",
    "stable",
    "reachable",
    "transient",
    "next",
    "unless",
    "leads_to",
    "leads_to_weak",
    "leads_to_strong",
    "ensures",
    "variant",
    "variant_until",
    "expect_violation",
];

/// The constructs a spec uses, by the names of [`ALL_FEATURES`].
pub fn features(spec: &Spec) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    let mut tys: Vec<Ty> = vec![];
    for (_, t) in &spec.aliases {
        tys.push(t.clone());
    }
    if !spec.aliases.is_empty() {
        out.insert("alias");
    }
    if !spec.consts.is_empty() {
        out.insert("const");
    }
    for m in &spec.messages {
        tys.extend(m.fields.iter().map(|(_, t)| t.clone()));
        if m.unfair {
            out.insert("unfair_message");
        }
    }
    for n in &spec.networks {
        out.insert(match n.kind {
            NetKind::Multiset => "network_multiset",
            NetKind::Set => "network_set",
            NetKind::Fifo => "network_fifo",
        });
        if n.unfair {
            out.insert("unfair_network");
        }
        if !n.for_msgs.is_empty() {
            out.insert("network_override");
        }
    }
    if !spec.messages.is_empty() && !spec.networks.iter().any(|n| n.for_msgs.is_empty()) {
        out.insert("network_multiset");
    }
    for f in &spec.faults {
        out.insert(match f {
            Fault::Crash(..) => "crash",
            Fault::Restart(..) => "restart",
            Fault::Lose(..) => "lose",
            Fault::Duplicate(..) => "duplicate",
            Fault::Partition(..) => "partition",
            Fault::Byzantine(..) => "byzantine",
        });
    }
    let mut fairness = BTreeSet::new();
    for n in &spec.nodes {
        out.insert(if n.count.is_some() {
            "indexed_node"
        } else {
            "single_node"
        });
        if n.symmetric {
            out.insert("symmetric");
        }
        for v in &n.vars {
            tys.push(v.ty.clone());
            if v.persistent {
                out.insert("persistent");
            }
            match &v.init {
                Init::Choice(_) => {
                    out.insert("init_choice");
                }
                Init::Value(Expr::SelfE) => {
                    out.insert("init_self");
                }
                Init::Value(_) => {}
            }
        }
        for h in &n.handlers {
            if h.binders.is_some() {
                out.insert("handler_binders");
            }
            match h.from {
                From::None => {}
                From::BindKind(..) => {
                    out.insert("handler_from_kind");
                }
                _ => {
                    out.insert("handler_from");
                }
            }
            if h.guard.is_some() {
                out.insert("handler_guard");
            }
        }
        for a in &n.actions {
            if !a.params.is_empty() {
                out.insert("action_params");
            }
            tys.extend(a.params.iter().map(|(_, t)| t.clone()));
            match a.fairness {
                Fairness::Unfair => {}
                Fairness::Weak => {
                    fairness.insert("weak");
                    out.insert("fair_action");
                }
                Fairness::Strong => {
                    fairness.insert("strong");
                    out.insert("strong_fair_action");
                }
            }
        }
    }
    walk::all_stmts(spec, &mut |s| {
        let f = match s {
            Stmt::Assign { place, op, .. } => {
                if !place.path.is_empty() {
                    out.insert("assign_path");
                }
                if *op != "=" {
                    out.insert("assign_add");
                }
                "assign"
            }
            Stmt::If { els, .. } => {
                if els.is_some() {
                    out.insert("else");
                }
                "if"
            }
            Stmt::For { .. } => "for",
            Stmt::Send { .. } => "send",
            Stmt::Broadcast { .. } => "broadcast",
            Stmt::Assert(_) => "assert",
            Stmt::Let { ty, .. } => {
                tys.push(ty.clone());
                "let"
            }
        };
        out.insert(f);
    });
    let mut copy = spec.clone();
    walk::all_exprs_mut(&mut copy, &mut |e| {
        let f = match e {
            Expr::Remote(..) => "remote_read",
            Expr::Quant(q, ..) => q,
            Expr::If(..) => "if_expr",
            Expr::All(_) => "all",
            Expr::NoneE => "none",
            Expr::Call("byzantine", _) => "byzantine_call",
            Expr::Call(f, _) => f,
            Expr::Bin("+" | "-" | "&", a, _)
                if matches!(**a, Expr::SetLit(_) | Expr::All(_))
                    || matches!(&**a, Expr::Bin("..", ..)) =>
            {
                "set_ops"
            }
            Expr::Bin("+" | "-" | "*", ..) => "arith",
            Expr::Bin("/" | "%", ..) => "div_rem",
            _ => return,
        };
        out.insert(f);
    });
    for p in &spec.props {
        if p.expect_violation {
            out.insert("expect_violation");
        }
        let f = match &p.kind {
            PropKind::Invariant(_) => "invariant",
            PropKind::Stable(_) => "stable",
            PropKind::Reachable(_) => "reachable",
            PropKind::Transient(_) => "transient",
            PropKind::Next(..) => "next",
            PropKind::Unless(..) => "unless",
            PropKind::LeadsTo(..) => {
                if fairness.contains("weak") {
                    out.insert("leads_to_weak");
                }
                if fairness.contains("strong") {
                    out.insert("leads_to_strong");
                }
                "leads_to"
            }
            PropKind::Ensures(..) => "ensures",
            PropKind::Variant(_, _, u) => {
                if u.is_some() {
                    out.insert("variant_until");
                }
                "variant"
            }
        };
        out.insert(f);
    }
    if !spec.bounds.is_empty() {
        out.insert("bound");
    }
    out.insert(match spec.deadlock {
        Deadlock::Check => "deadlock_check",
        Deadlock::Allow => "allow_deadlock",
        Deadlock::Done(_) => "done_when",
    });
    for t in &tys {
        type_features(spec, t, 0, &mut out);
    }
    out
}

fn type_features(spec: &Spec, t: &Ty, depth: u32, out: &mut BTreeSet<&'static str>) {
    let compound = !matches!(
        t,
        Ty::Bool | Ty::Range(..) | Ty::Enum(_) | Ty::Node(_) | Ty::Alias(_)
    );
    if compound && depth > 0 {
        out.insert("nested_type");
    }
    let d = depth + u32::from(compound);
    match t {
        Ty::Bool => {
            out.insert("bool");
        }
        Ty::Range(lo, _) => {
            out.insert("range");
            if *lo < 0 {
                out.insert("negative_range");
            }
        }
        Ty::Enum(e) => {
            out.insert(if spec.enums[*e].name.is_some() {
                "enum"
            } else {
                "inline_enum"
            });
        }
        Ty::Node(_) => {
            out.insert("node_id");
        }
        Ty::Set(e) => {
            out.insert("set");
            type_features(spec, e, d, out);
        }
        Ty::Map(k, v) => {
            out.insert("map");
            type_features(spec, k, d, out);
            type_features(spec, v, d, out);
        }
        Ty::Opt(e) => {
            out.insert("option");
            type_features(spec, e, d, out);
        }
        Ty::Tuple(ts) => {
            out.insert("tuple");
            for t in ts {
                type_features(spec, t, d, out);
            }
        }
        Ty::Record(fs) => {
            out.insert("record");
            for (_, t) in fs {
                type_features(spec, t, d, out);
            }
        }
        Ty::Seq(e, _) => {
            out.insert("seq");
            type_features(spec, e, d, out);
        }
        Ty::Alias(i) => type_features(spec, &spec.aliases[*i].1.clone(), depth, out),
    }
}
