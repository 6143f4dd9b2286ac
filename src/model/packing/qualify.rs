//! What [`Packing::new`](super::Packing::new) reads of a spec: whether its code
//! is local to an instance, the other instances' variables it reads, and
//! every message it can send.

use super::MAX_UNIVERSE;
use crate::model::Layout;
use crate::model::layout::{Slot, shl};
use crate::typed::*;

/// The runs of a key's slots (`Packing::wide_runs`): slots that follow each
/// other in one word of the state and in the key merged, up to 64 bits.
pub(super) fn wide_runs(key: &[(Slot, u32)]) -> Vec<(u32, u32, u32, u32)> {
    let mut runs: Vec<(u32, u32, u32, u32)> = Vec::new();
    for &(slot, offset) in key {
        match runs.last_mut() {
            Some((word, shift, bits, at))
                if *word == slot.word
                    && *shift + *bits == slot.shift
                    && *at + *bits == offset
                    && *bits + slot.bits <= 64 =>
            {
                *bits += slot.bits
            }
            _ => runs.push((slot.word, slot.shift, slot.bits, offset)),
        }
    }
    runs
}

/// Every message the spec's code can send or a byzantine instance forge
/// (`forgeable`), by code, in increasing order; `None` when there are more
/// than [`MAX_UNIVERSE`].
pub(super) fn universe(spec: &TypedSpec, layout: &Layout, forgeable: &[u64]) -> Option<Vec<u64>> {
    if forgeable.len() > MAX_UNIVERSE {
        return None;
    }
    let mut codes = forgeable.to_vec();
    for (k, node) in spec.nodes.iter().enumerate() {
        // (message, receiving kind; `None`: any) of every send in its code.
        let mut sends = Vec::new();
        for body in node
            .actions
            .iter()
            .map(|a| &a.body)
            .chain(node.handlers.iter().map(|h| &h.body))
        {
            collect_sends(&body.stmts, &mut sends);
        }
        sends.sort_unstable();
        sends.dedup();
        let senders = &layout.kinds[k];
        for (m, to) in sends {
            let mut payloads = vec![0u64];
            for (offset, enc) in &layout.msg.fields[m] {
                let values = enc.domain()?;
                if payloads.len() * values.len() > MAX_UNIVERSE {
                    return None;
                }
                payloads = payloads
                    .iter()
                    .flat_map(|p| values.iter().map(move |&c| p | shl(c, *offset)))
                    .collect();
            }
            let receivers: Vec<u32> = match to {
                Some(rk) => {
                    let r = &layout.kinds[rk];
                    (r.first_global..r.first_global + r.count).collect()
                }
                None => (0..layout.instances.len() as u32).collect(),
            };
            for src in senders.first_global..senders.first_global + senders.count {
                for &dst in &receivers {
                    for &payload in &payloads {
                        codes.push(layout.msg.pack(src, dst, m, payload));
                    }
                    if codes.len() > MAX_UNIVERSE {
                        return None;
                    }
                }
            }
        }
    }
    codes.sort_unstable();
    codes.dedup();
    Some(codes)
}

/// The messages sent by statements, with the kind they are sent to when
/// the type says it.
fn collect_sends(stmts: &[Stmt], out: &mut Vec<(MessageId, Option<NodeKindId>)>) {
    for s in stmts {
        match &s.kind {
            StmtKind::Send { dest, message, .. } => out.push((
                *message,
                match dest.ty {
                    Type::Node(k) => Some(k),
                    _ => None,
                },
            )),
            StmtKind::Broadcast { kind, message, .. } => out.push((*message, Some(*kind))),
            StmtKind::If {
                then_stmts,
                else_stmts,
                ..
            } => {
                collect_sends(then_stmts, out);
                collect_sends(else_stmts, out);
            }
            StmtKind::For { body, .. } => collect_sends(body, out),
            StmtKind::Assign { .. } | StmtKind::Let { .. } | StmtKind::Assert(_) => {}
        }
    }
}

/// Whether a statement writes only the running instance's variables (an
/// assignment always writes them) and reads nothing the environment
/// decides; the variables of other instances it reads, as (kind, var),
/// go to `reads`.
pub(super) fn stmt_local(s: &Stmt, reads: &mut Reads) -> bool {
    let all = |es: &[Expr], reads: &mut Reads| es.iter().all(|e| expr_local(e, reads));
    match &s.kind {
        StmtKind::Assign { place, value, .. } => {
            expr_local(value, reads)
                && place.path.iter().all(|a| match a {
                    Access::MapKey(e) | Access::SeqIndex(e) => expr_local(e, reads),
                    Access::Field(_) | Access::Tuple(_) => true,
                })
        }
        StmtKind::Let { value, .. } => expr_local(value, reads),
        StmtKind::If {
            cond,
            then_stmts,
            else_stmts,
        } => {
            expr_local(cond, reads)
                && then_stmts.iter().all(|s| stmt_local(s, reads))
                && else_stmts.iter().all(|s| stmt_local(s, reads))
        }
        StmtKind::For { domain, body, .. } => {
            expr_local(domain, reads) && body.iter().all(|s| stmt_local(s, reads))
        }
        StmtKind::Send { dest, args, .. } => expr_local(dest, reads) && all(args, reads),
        StmtKind::Broadcast { args, .. } => all(args, reads),
        StmtKind::Assert(e) => expr_local(e, reads),
    }
}

/// The variables of other instances a node's code reads: (kind, var).
pub(super) type Reads = Vec<(NodeKindId, VarId)>;

/// Whether an expression reads nothing the environment decides; the
/// variables of other instances it reads go to `reads`.
pub(super) fn expr_local(e: &Expr, reads: &mut Reads) -> bool {
    match &e.kind {
        ExprKind::RemoteVar { kind, var, .. } => {
            reads.push((*kind, *var));
        }
        ExprKind::Call(builtin, _) if builtin.is_environment_only() => return false,
        _ => {}
    }
    e.children().into_iter().all(|c| expr_local(c, reads))
}
