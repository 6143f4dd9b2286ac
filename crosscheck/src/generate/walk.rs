//! Traversals of the generator's AST: every expression node, every
//! expression slot (with its type when the context fixes one), every block.

use std::collections::BTreeMap;

use super::ir::*;

/// Visits `e` and every sub-expression, parents first.
pub fn expr(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match e {
        Expr::Inst(_, Some(i)) => expr(i, f),
        Expr::Remote(a, _) | Expr::Un(_, a) | Expr::Field(a, _) => expr(a, f),
        Expr::Bin(_, a, b) | Expr::Index(a, b) => {
            expr(a, f);
            expr(b, f);
        }
        Expr::If(c, a, b) => {
            expr(c, f);
            expr(a, f);
            expr(b, f);
        }
        Expr::Call(_, xs) | Expr::SetLit(xs) | Expr::SeqLit(xs) | Expr::Tuple(xs) => {
            for x in xs {
                expr(x, f);
            }
        }
        Expr::MapLit(es, d) => {
            for (k, v) in es {
                expr(k, f);
                expr(v, f);
            }
            if let Some(d) = d {
                expr(d, f);
            }
        }
        Expr::Record(fs) => {
            for (_, x) in fs {
                expr(x, f);
            }
        }
        Expr::Quant(_, _, d, b) => {
            expr(d, f);
            expr(b, f);
        }
        _ => {}
    }
}

/// The direct sub-expressions of `e`, mutably.
pub fn children_mut(e: &mut Expr) -> Vec<&mut Expr> {
    match e {
        Expr::Inst(_, Some(i)) => vec![&mut **i],
        Expr::Remote(a, _) | Expr::Un(_, a) | Expr::Field(a, _) => vec![&mut **a],
        Expr::Bin(_, a, b) | Expr::Index(a, b) => vec![&mut **a, &mut **b],
        Expr::If(c, a, b) => vec![&mut **c, &mut **a, &mut **b],
        Expr::Call(_, xs) | Expr::SetLit(xs) | Expr::SeqLit(xs) | Expr::Tuple(xs) => {
            xs.iter_mut().collect()
        }
        Expr::MapLit(es, d) => {
            let mut out: Vec<&mut Expr> = vec![];
            for (k, v) in es.iter_mut() {
                out.push(k);
                out.push(v);
            }
            if let Some(d) = d {
                out.push(&mut **d);
            }
            out
        }
        Expr::Record(fs) => fs.iter_mut().map(|(_, x)| x).collect(),
        Expr::Quant(_, _, d, b) => vec![&mut **d, &mut **b],
        _ => vec![],
    }
}

/// Visits `e` and every sub-expression mutably, parents first (a
/// replacement's own children are visited next).
pub fn expr_mut(e: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
    f(e);
    for c in children_mut(e) {
        expr_mut(c, f);
    }
}

/// Per message: (receiver kind, field types).
pub type MsgInfo = BTreeMap<String, (String, Vec<Ty>)>;

/// The message table the slot walk needs.
pub fn msg_info(spec: &Spec) -> MsgInfo {
    spec.messages
        .iter()
        .map(|m| {
            (
                m.name.clone(),
                (
                    m.receiver.clone(),
                    m.fields.iter().map(|(_, t)| t.clone()).collect(),
                ),
            )
        })
        .collect()
}

type SlotFn<'a> = dyn FnMut(&mut Expr, Option<Ty>) + 'a;

/// Every top-level expression of a block, with its type when known.
pub fn block_slots_mut(b: &mut [Stmt], info: &MsgInfo, f: &mut SlotFn) {
    for s in b {
        match s {
            Stmt::Assign { place, rhs, ty, .. } => {
                for a in &mut place.path {
                    if let Access::Index(i) = a {
                        f(i, None);
                    }
                }
                f(rhs, Some(ty.clone()));
            }
            Stmt::If { cond, then, els } => {
                f(cond, Some(Ty::Bool));
                block_slots_mut(then, info, f);
                if let Some(e) = els {
                    block_slots_mut(e, info, f);
                }
            }
            Stmt::For { domain, body, .. } => {
                f(domain, None);
                block_slots_mut(body, info, f);
            }
            Stmt::Send { dst, msg, args } => {
                let (recv, tys) = info.get(msg).cloned().unwrap_or_default();
                f(dst, Some(Ty::Node(recv)));
                for (i, a) in args.iter_mut().enumerate() {
                    f(a, tys.get(i).cloned());
                }
            }
            Stmt::Broadcast { msg, args, .. } => {
                let tys = info.get(msg).map(|x| x.1.clone()).unwrap_or_default();
                for (i, a) in args.iter_mut().enumerate() {
                    f(a, tys.get(i).cloned());
                }
            }
            Stmt::Assert(e) => f(e, Some(Ty::Bool)),
            Stmt::Let { ty, value, .. } => f(value, Some(ty.clone())),
        }
    }
}

/// Every top-level expression of the spec, with its type when known.
pub fn spec_slots_mut(spec: &mut Spec, f: &mut SlotFn) {
    let info = msg_info(spec);
    for n in &mut spec.nodes {
        for v in &mut n.vars {
            match &mut v.init {
                Init::Value(e) => f(e, Some(v.ty.clone())),
                Init::Choice(e) => f(e, None),
            }
        }
        for h in &mut n.handlers {
            if let Some(g) = &mut h.guard {
                f(g, Some(Ty::Bool));
            }
            block_slots_mut(&mut h.body, &info, f);
        }
        for a in &mut n.actions {
            if let Some(g) = &mut a.guard {
                f(g, Some(Ty::Bool));
            }
            block_slots_mut(&mut a.body, &info, f);
        }
    }
    for p in &mut spec.props {
        match &mut p.kind {
            PropKind::Invariant(e)
            | PropKind::Stable(e)
            | PropKind::Reachable(e)
            | PropKind::Transient(e) => f(e, Some(Ty::Bool)),
            PropKind::Next(a, b)
            | PropKind::Unless(a, b)
            | PropKind::LeadsTo(a, b)
            | PropKind::Ensures(a, b) => {
                f(a, Some(Ty::Bool));
                f(b, Some(Ty::Bool));
            }
            PropKind::Variant(m, w, u) => {
                f(m, Some(Ty::Range(0, 0)));
                f(w, Some(Ty::Bool));
                if let Some(u) = u {
                    f(u, Some(Ty::Bool));
                }
            }
        }
    }
    for b in &mut spec.bounds {
        f(b, Some(Ty::Bool));
    }
    if let Deadlock::Done(e) = &mut spec.deadlock {
        f(e, Some(Ty::Bool));
    }
}

/// Every block of node code, outer blocks before the blocks they hold.
pub fn spec_blocks_mut(spec: &mut Spec, f: &mut dyn FnMut(&mut Vec<Stmt>)) {
    fn rec(b: &mut Vec<Stmt>, f: &mut dyn FnMut(&mut Vec<Stmt>)) {
        f(b);
        for s in b.iter_mut() {
            match s {
                Stmt::If { then, els, .. } => {
                    rec(then, f);
                    if let Some(e) = els {
                        rec(e, f);
                    }
                }
                Stmt::For { body, .. } => rec(body, f),
                _ => {}
            }
        }
    }
    for n in &mut spec.nodes {
        for h in &mut n.handlers {
            rec(&mut h.body, f);
        }
        for a in &mut n.actions {
            rec(&mut a.body, f);
        }
    }
}

/// Every expression node of the spec, mutably.
pub fn all_exprs_mut(spec: &mut Spec, f: &mut dyn FnMut(&mut Expr)) {
    spec_slots_mut(spec, &mut |e, _| expr_mut(e, f));
}

/// Every statement of the spec, at any depth.
pub fn all_stmts(spec: &Spec, f: &mut dyn FnMut(&Stmt)) {
    fn rec(b: &[Stmt], f: &mut dyn FnMut(&Stmt)) {
        for s in b {
            f(s);
            match s {
                Stmt::If { then, els, .. } => {
                    rec(then, f);
                    if let Some(e) = els {
                        rec(e, f);
                    }
                }
                Stmt::For { body, .. } => rec(body, f),
                _ => {}
            }
        }
    }
    for n in &spec.nodes {
        for h in &n.handlers {
            rec(&h.body, f);
        }
        for a in &n.actions {
            rec(&a.body, f);
        }
    }
}
