//! Which bits of a state the properties and bounds read: phase 2 caches
//! their tests by those bits alone.

use super::Model;
use crate::typed::{Builtin, Expr, ExprKind, NodeKindId, PropertyKind, VarId};

impl Model {
    /// Per word of the fixed part, the bits that the spec's properties and
    /// bounds may read: every instance's field of each node variable they
    /// name. `None` when one reads anything else (the running node, crash
    /// or Byzantine flags).
    pub fn property_reads(&self) -> Option<Vec<u64>> {
        let mut vars = Vec::new();
        let mut all = true;
        for prop in &self.spec.properties {
            for e in property_exprs(&prop.kind) {
                all &= reads(e, &mut vars);
            }
        }
        for bound in &self.spec.bounds {
            all &= reads(&bound.expr, &mut vars);
        }
        if !all {
            return None;
        }
        let mut mask = vec![0u64; self.layout.fixed_words];
        for (kind, var) in vars {
            for slot in &self.layout.kinds[kind].vars[var].slots {
                if slot.bits > 0 {
                    mask[slot.word as usize] |= super::encoding::mask(slot.bits) << slot.shift;
                }
            }
        }
        Some(mask)
    }
}

/// A property's expressions.
fn property_exprs(kind: &PropertyKind) -> Vec<&Expr> {
    match kind {
        PropertyKind::Invariant(e)
        | PropertyKind::Stable(e)
        | PropertyKind::Reachable(e)
        | PropertyKind::Transient(e) => vec![e],
        PropertyKind::Next(a, b)
        | PropertyKind::Unless(a, b)
        | PropertyKind::LeadsTo(a, b)
        | PropertyKind::Ensures(a, b) => vec![a, b],
        PropertyKind::Variant {
            measure,
            while_cond,
            until,
        } => [measure, while_cond].into_iter().chain(until).collect(),
    }
}

/// Adds the node variables `e` reads to `vars`; false if it reads
/// anything else of the state.
fn reads(e: &Expr, vars: &mut Vec<(NodeKindId, VarId)>) -> bool {
    let all =
        |items: &[Expr], vars: &mut Vec<(NodeKindId, VarId)>| items.iter().all(|e| reads(e, vars));
    match &e.kind {
        ExprKind::RemoteVar { node, kind, var } => {
            vars.push((*kind, *var));
            reads(node, vars)
        }
        ExprKind::Var(_) | ExprKind::SelfId => false,
        ExprKind::Call(Builtin::Byzantine | Builtin::Crashed, _) => false,
        ExprKind::Call(_, args) => all(args, vars),
        ExprKind::Bool(_)
        | ExprKind::Int(_)
        | ExprKind::Variant(..)
        | ExprKind::None
        | ExprKind::Local(_)
        | ExprKind::All(_) => true,
        ExprKind::Instance(_, e)
        | ExprKind::Unary(_, e)
        | ExprKind::Field(e, _)
        | ExprKind::TupleField(e, _) => reads(e, vars),
        ExprKind::Binary(_, a, b) | ExprKind::MapGet(a, b) | ExprKind::SeqGet(a, b) => {
            reads(a, vars) && reads(b, vars)
        }
        ExprKind::Quant { domain, body, .. } => reads(domain, vars) && reads(body, vars),
        ExprKind::If(c, a, b) => reads(c, vars) && reads(a, vars) && reads(b, vars),
        ExprKind::Tuple(items)
        | ExprKind::SetLit(items)
        | ExprKind::SeqLit(items)
        | ExprKind::Record(items) => all(items, vars),
        ExprKind::MapLit { entries, default } => {
            entries
                .iter()
                .all(|(k, v)| reads(k, vars) && reads(v, vars))
                && default.as_deref().is_none_or(|d| reads(d, vars))
        }
    }
}
