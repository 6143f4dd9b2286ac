//! Which bits of a state the properties and bounds read: phase 2 caches
//! their tests by those bits alone.

use super::Model;
use crate::typed::{Builtin, Expr, ExprKind, NodeKindId, PropertyKind, VarId};

impl Model {
    /// Per word of the fixed part, the bits that the spec's properties and
    /// bounds may read: every instance's field of each node variable they
    /// name. `None` when one reads anything else (the running node, crash
    /// or Byzantine flags).
    pub(crate) fn property_reads(&self) -> Option<Vec<u64>> {
        let mut vars = Vec::new();
        let mut all = true;
        for prop in &self.spec.properties {
            for e in PropertyKind::exprs(&prop.kind) {
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
            for inst in 0..self.layout.kinds[kind].vars[var].slots.len() {
                super::delta::mark_var(&self.layout, kind, var, inst, &mut mask);
            }
        }
        Some(mask)
    }
}

/// Adds the node variables `e` reads to `vars`; false if it reads
/// anything else of the state.
fn reads(e: &Expr, vars: &mut Vec<(NodeKindId, VarId)>) -> bool {
    match &e.kind {
        ExprKind::RemoteVar { kind, var, .. } => vars.push((*kind, *var)),
        ExprKind::Var(_) | ExprKind::SelfId => return false,
        ExprKind::Call(Builtin::Byzantine | Builtin::Crashed, _) => return false,
        _ => {}
    }
    e.children().into_iter().all(|x| reads(x, vars))
}
