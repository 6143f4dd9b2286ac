//! Shrinking: smaller variants of a spec, and the greedy loop that keeps
//! the first one a predicate still accepts.

use std::collections::BTreeSet;

use super::ir::*;
use super::walk;

/// How big a spec is: its text's length, then the text (so that `0`
/// comes before `1`). Shrinking only ever goes down in this order, so it
/// ends.
fn measure(spec: &Spec) -> (usize, String) {
    let t = spec.render();
    (t.len(), t)
}

/// Shrinks `spec` while `still_fails` holds: tries every candidate of
/// [`candidates`] in order, keeps the first smaller one that still fails,
/// and starts again from it, until none does or `max_tries` predicate
/// calls are spent.
pub fn shrink(spec: &Spec, still_fails: &mut dyn FnMut(&Spec) -> bool, max_tries: usize) -> Spec {
    let mut best = spec.clone();
    let mut best_size = measure(&best);
    let mut tries = 0;
    let mut start = 0;
    loop {
        let cands = candidates(&best);
        let mut progressed = false;
        // Resume near where the last success was: earlier candidates
        // failed already, and seldom start to pass.
        let n = cands.len();
        for i in 0..n {
            let c = &cands[(start + i) % n];
            if tries >= max_tries {
                return best;
            }
            let size = measure(c);
            if size >= best_size {
                continue;
            }
            tries += 1;
            if still_fails(c) {
                best = c.clone();
                best_size = size;
                start = (start + i) % n;
                progressed = true;
                break;
            }
        }
        if !progressed {
            return best;
        }
    }
}

/// Every spec one simplification away from `spec`, the largest cuts first.
pub fn candidates(spec: &Spec) -> Vec<Spec> {
    let mut out: Vec<Spec> = vec![];
    let mut push = |s: Spec| {
        if &s != spec {
            out.push(s);
        }
    };
    // Node kinds, messages.
    if spec.nodes.len() > 1 {
        for n in &spec.nodes {
            let mut s = spec.clone();
            s.nodes.retain(|x| x.name != n.name);
            prune(&mut s, [n.name.clone()].into());
            push(s);
        }
    }
    for m in &spec.messages {
        let mut s = spec.clone();
        prune(&mut s, [m.name.clone()].into());
        push(s);
    }
    // Properties, bounds, faults, deadlock, networks.
    for i in 0..spec.props.len() {
        let mut s = spec.clone();
        s.props.remove(i);
        push(s);
    }
    for i in 0..spec.bounds.len() {
        let mut s = spec.clone();
        s.bounds.remove(i);
        push(s);
    }
    for i in 0..spec.faults.len() {
        let mut s = spec.clone();
        s.faults.remove(i);
        prune(&mut s, BTreeSet::new());
        push(s);
    }
    for d in [Deadlock::Allow, Deadlock::Check] {
        let mut s = spec.clone();
        s.deadlock = d;
        push(s);
    }
    for i in 0..spec.networks.len() {
        let mut s = spec.clone();
        s.networks.remove(i);
        push(s);
    }
    // Actions, handlers, vars.
    for (k, n) in spec.nodes.iter().enumerate() {
        for i in 0..n.actions.len() {
            let mut s = spec.clone();
            s.nodes[k].actions.remove(i);
            push(s);
        }
        for i in 0..n.handlers.len() {
            let mut s = spec.clone();
            s.nodes[k].handlers.remove(i);
            push(s);
        }
        for v in &n.vars {
            for in_props in [true, false] {
                let mut s = spec.clone();
                remove_var(&mut s, &v.name, &v.ty, in_props);
                push(s);
            }
        }
    }
    // Statements.
    let mut blocks = 0;
    {
        let mut c = spec.clone();
        walk::spec_blocks_mut(&mut c, &mut |_| blocks += 1);
    }
    for b in 0..blocks {
        let len = {
            let mut c = spec.clone();
            let mut len = 0;
            nth_block(&mut c, b, &mut |blk| len = blk.len());
            len
        };
        for i in 0..len {
            let mut s = spec.clone();
            let mut dead = BTreeSet::new();
            nth_block(&mut s, b, &mut |blk| {
                if let Stmt::Let { name, .. } = &blk[i] {
                    dead.insert(name.clone());
                }
                blk.remove(i);
            });
            prune(&mut s, dead);
            push(s);
            // An `if` by one of its branches.
            for branch in 0..2 {
                let mut s = spec.clone();
                let mut ok = false;
                nth_block(&mut s, b, &mut |blk| {
                    if let Stmt::If { then, els, .. } = blk[i].clone() {
                        let inner = if branch == 0 { Some(then) } else { els };
                        if let Some(inner) = inner {
                            blk.splice(i..=i, inner);
                            ok = true;
                        }
                    }
                });
                if ok {
                    push(s);
                }
            }
        }
    }
    // Guards.
    for (k, n) in spec.nodes.iter().enumerate() {
        for i in 0..n.actions.len() {
            if n.actions[i].guard.is_some() {
                let mut s = spec.clone();
                s.nodes[k].actions[i].guard = None;
                push(s);
            }
        }
        for i in 0..n.handlers.len() {
            if n.handlers[i].guard.is_some() {
                let mut s = spec.clone();
                s.nodes[k].handlers[i].guard = None;
                push(s);
            }
        }
    }
    // Expressions: a whole slot by a literal, a node by one of its parts.
    let mut slots = 0;
    {
        let mut c = spec.clone();
        walk::spec_slots_mut(&mut c, &mut |_, _| slots += 1);
    }
    for k in 0..slots {
        let mut s = spec.clone();
        let mut i = 0;
        let spec_copy = spec.clone();
        walk::spec_slots_mut(&mut s, &mut |e, ty| {
            if i == k
                && let Some(ty) = ty
                && let Some(d) = default_lit(&spec_copy, &ty)
            {
                *e = d;
            }
            i += 1;
        });
        push(s);
    }
    let mut nodes = 0;
    {
        let mut c = spec.clone();
        walk::all_exprs_mut(&mut c, &mut |_| nodes += 1);
    }
    for k in 0..nodes {
        let mut count = 0;
        let mut options = vec![];
        {
            let mut c = spec.clone();
            walk::all_exprs_mut(&mut c, &mut |e| {
                if count == k {
                    options = simpler(e);
                }
                count += 1;
            });
        }
        for o in options {
            let mut s = spec.clone();
            let mut i = 0;
            walk::all_exprs_mut(&mut s, &mut |e| {
                if i == k {
                    *e = o.clone();
                }
                i += 1;
            });
            push(s);
        }
    }
    // Numbers: counts, constants, budgets, ranges, capacities.
    for (k, n) in spec.nodes.iter().enumerate() {
        match &n.count {
            Some(Count::Lit(c)) if *c > 1 => {
                let mut s = spec.clone();
                s.nodes[k].count = Some(Count::Lit(c - 1));
                push(s);
            }
            Some(Count::Const(_)) => {
                let mut s = spec.clone();
                s.nodes[k].count = Some(Count::Lit(spec.count(&n.name)));
                push(s);
            }
            Some(_) => {
                let mut s = spec.clone();
                s.nodes[k].count = None;
                push(s);
            }
            None => {}
        }
        if n.symmetric {
            let mut s = spec.clone();
            s.nodes[k].symmetric = false;
            push(s);
        }
    }
    for i in 0..spec.consts.len() {
        let mut s = spec.clone();
        s.consts.remove(i);
        push(s);
        if spec.consts[i].1 > 1 {
            let mut s = spec.clone();
            s.consts[i].1 -= 1;
            push(s);
        }
    }
    for i in 0..spec.faults.len() {
        let mut s = spec.clone();
        match &mut s.faults[i] {
            Fault::Crash(_, b) | Fault::Restart(_, b) | Fault::Lose(_, b) | Fault::Partition(b) => {
                *b = match b {
                    None => Some(1),
                    Some(x) if *x > 0 => Some(*x - 1),
                    Some(x) => Some(*x),
                }
            }
            Fault::Duplicate(m, _) => *m = None,
            Fault::Byzantine(_, b) => *b = (*b - 1).max(0),
        }
        push(s);
    }
    for (k, n) in spec.nodes.iter().enumerate() {
        for (v, var) in n.vars.iter().enumerate() {
            for t in narrower(&var.ty) {
                let mut s = spec.clone();
                s.nodes[k].vars[v].ty = t;
                push(s);
            }
            if var.persistent {
                let mut s = spec.clone();
                s.nodes[k].vars[v].persistent = false;
                push(s);
            }
        }
    }
    for i in 0..spec.enums.len() {
        if spec.enums[i].name.is_some() {
            // Unused, it disappears; used, it is written inline twice and
            // the front end refuses the candidate.
            let mut s = spec.clone();
            s.enums[i].name = None;
            push(s);
        }
    }
    for i in 0..spec.aliases.len() {
        for t in narrower(&spec.aliases[i].1) {
            let mut s = spec.clone();
            s.aliases[i].1 = t;
            push(s);
        }
    }
    // Flags: fairness, expectations, networks, payloads, parameters.
    for (k, n) in spec.nodes.iter().enumerate() {
        for (i, a) in n.actions.iter().enumerate() {
            if a.fairness != Fairness::Unfair {
                let mut s = spec.clone();
                s.nodes[k].actions[i].fairness = Fairness::Unfair;
                push(s);
            }
            for (p, (name, ty)) in a.params.iter().enumerate() {
                let mut s = spec.clone();
                s.nodes[k].actions[i].params.remove(p);
                substitute(&mut s, name, ty);
                prune(&mut s, [name.clone()].into());
                push(s);
            }
        }
        for (i, h) in n.handlers.iter().enumerate() {
            if h.from != From::None {
                let mut s = spec.clone();
                s.nodes[k].handlers[i].from = From::None;
                let mut dead = BTreeSet::new();
                if let From::Bind(x) | From::BindKind(x, _) = &h.from {
                    dead.insert(x.clone());
                }
                prune(&mut s, dead);
                push(s);
            }
        }
    }
    for (i, p) in spec.props.iter().enumerate() {
        if p.expect_violation {
            let mut s = spec.clone();
            s.props[i].expect_violation = false;
            push(s);
        }
    }
    for (i, n) in spec.networks.iter().enumerate() {
        if n.unfair {
            let mut s = spec.clone();
            s.networks[i].unfair = false;
            push(s);
        }
        if n.kind != NetKind::Multiset {
            let mut s = spec.clone();
            s.networks[i].kind = NetKind::Multiset;
            push(s);
        }
    }
    for (i, m) in spec.messages.iter().enumerate() {
        if m.unfair {
            let mut s = spec.clone();
            s.messages[i].unfair = false;
            push(s);
        }
        for f in 0..m.fields.len() {
            let mut s = spec.clone();
            remove_field(&mut s, i, f);
            push(s);
        }
    }
    out
}

/// Applies `f` to the `n`-th block of [`walk::spec_blocks_mut`].
fn nth_block(spec: &mut Spec, n: usize, f: &mut dyn FnMut(&mut Vec<Stmt>)) {
    let mut i = 0;
    walk::spec_blocks_mut(spec, &mut |b| {
        if i == n {
            f(b);
        }
        i += 1;
    });
}

/// The simplest value of a type, when there is one to write.
pub fn default_lit(spec: &Spec, ty: &Ty) -> Option<Expr> {
    Some(match spec.resolve(ty) {
        Ty::Bool => Expr::Bool(false),
        Ty::Range(lo, hi) => Expr::Int(if lo <= 0 && 0 <= hi { 0 } else { lo }),
        Ty::Enum(e) => Expr::Variant(spec.enums[e].variants[0].clone()),
        Ty::Node(k) => {
            let n = spec.node(&k)?;
            if n.symmetric {
                return None;
            }
            match n.count {
                None => Expr::Inst(k, None),
                Some(_) => Expr::Inst(k, Some(Box::new(Expr::Int(0)))),
            }
        }
        Ty::Set(_) => Expr::SetLit(vec![]),
        Ty::Map(_, v) => Expr::MapLit(vec![], Some(Box::new(default_lit(spec, &v)?))),
        Ty::Opt(_) => Expr::NoneE,
        Ty::Tuple(ts) => Expr::Tuple(
            ts.iter()
                .map(|t| default_lit(spec, t))
                .collect::<Option<_>>()?,
        ),
        Ty::Record(fs) => Expr::Record(
            fs.iter()
                .map(|(n, t)| Some((n.clone(), default_lit(spec, t)?)))
                .collect::<Option<_>>()?,
        ),
        Ty::Seq(..) => Expr::SeqLit(vec![]),
        Ty::Alias(_) => unreachable!("resolved"),
    })
}

/// Replacements of an expression node by something of the same type.
fn simpler(e: &Expr) -> Vec<Expr> {
    match e {
        Expr::Bin("&&" | "||" | "=>", a, b) => vec![(**a).clone(), (**b).clone()],
        Expr::Bin("+" | "-" | "*" | "/" | "%", a, b) => vec![(**a).clone(), (**b).clone()],
        Expr::Bin("&", a, b) => vec![(**a).clone(), (**b).clone()],
        Expr::Bin("==" | "!=" | "<" | "<=" | ">" | ">=" | "in", ..) => {
            vec![Expr::Bool(true), Expr::Bool(false)]
        }
        Expr::Un("!", a) => vec![(**a).clone()],
        Expr::If(_, a, b) => vec![(**a).clone(), (**b).clone()],
        Expr::Call("min" | "max", xs) => xs.clone(),
        Expr::Quant("forall" | "exists", ..) => vec![Expr::Bool(true), Expr::Bool(false)],
        Expr::Quant("count", ..) => vec![Expr::Int(0)],
        Expr::SetLit(xs) | Expr::SeqLit(xs) if !xs.is_empty() => (0..xs.len())
            .map(|i| {
                let mut ys = xs.clone();
                ys.remove(i);
                match e {
                    Expr::SetLit(_) => Expr::SetLit(ys),
                    _ => Expr::SeqLit(ys),
                }
            })
            .collect(),
        Expr::MapLit(es, d) if !es.is_empty() && d.is_some() => {
            vec![Expr::MapLit(vec![], d.clone())]
        }
        Expr::Int(i) if *i != 0 => vec![Expr::Int(0)],
        _ => vec![],
    }
}

/// Types with fewer values: a range one shorter at either end, a shorter
/// sequence.
fn narrower(t: &Ty) -> Vec<Ty> {
    match t {
        Ty::Range(lo, hi) if lo < hi => vec![Ty::Range(lo + 1, *hi), Ty::Range(*lo, hi - 1)],
        Ty::Seq(e, k) if *k > 1 => vec![Ty::Seq(e.clone(), k - 1)],
        Ty::Tuple(ts) => (0..ts.len())
            .flat_map(|i| {
                narrower(&ts[i]).into_iter().map(move |n| {
                    let mut ts = ts.clone();
                    ts[i] = n;
                    Ty::Tuple(ts)
                })
            })
            .collect(),
        _ => vec![],
    }
}

/// Replaces every read of a var or local `name` with its type's simplest value.
fn substitute(spec: &mut Spec, name: &str, ty: &Ty) {
    substitute_in(spec, name, ty, true);
}

/// [`substitute`], in properties too or in node code only.
fn substitute_in(spec: &mut Spec, name: &str, ty: &Ty, in_props: bool) {
    let Some(d) = default_lit(spec, ty) else {
        return;
    };
    let props = std::mem::take(&mut spec.props);
    let bounds = std::mem::take(&mut spec.bounds);
    let done = std::mem::replace(&mut spec.deadlock, Deadlock::Check);
    let mut global = Spec {
        props,
        bounds,
        deadlock: done,
        nodes: vec![],
        ..spec.clone()
    };
    let mut replace = |e: &mut Expr| {
        let hit = match e {
            Expr::Var(n) | Expr::Local(n) => n == name,
            Expr::Remote(_, v) => v == name,
            _ => false,
        };
        if hit {
            *e = d.clone();
        }
    };
    walk::all_exprs_mut(spec, &mut replace);
    if in_props {
        walk::all_exprs_mut(&mut global, &mut replace);
    }
    spec.props = global.props;
    spec.bounds = global.bounds;
    spec.deadlock = global.deadlock;
}

/// Removes a var: its reads become a literal, what still names it goes.
fn remove_var(spec: &mut Spec, name: &str, ty: &Ty, in_props: bool) {
    substitute_in(spec, name, ty, in_props);
    for n in &mut spec.nodes {
        n.vars.retain(|v| v.name != name);
    }
    prune(spec, [name.to_string()].into());
}

/// Removes field `f` of message `m`: from sends, and from handlers' binders.
fn remove_field(spec: &mut Spec, m: usize, f: usize) {
    let msg = spec.messages[m].name.clone();
    let ty = spec.messages[m].fields[f].1.clone();
    spec.messages[m].fields.remove(f);
    let mut dead = BTreeSet::new();
    for n in &mut spec.nodes {
        for h in &mut n.handlers {
            if h.msg == msg
                && let Some(bs) = &mut h.binders
            {
                if let Some(Some(x)) = bs.get(f) {
                    dead.insert(x.clone());
                }
                bs.remove(f);
                if bs.is_empty() {
                    h.binders = None;
                }
            }
        }
    }
    walk::spec_blocks_mut(spec, &mut |b| {
        for s in b.iter_mut() {
            match s {
                Stmt::Send { msg: m2, args, .. } | Stmt::Broadcast { msg: m2, args, .. }
                    if *m2 == msg && f < args.len() =>
                {
                    args.remove(f);
                }
                _ => {}
            }
        }
    });
    for x in &dead {
        substitute(spec, x, &ty);
    }
    prune(spec, dead);
}

/// Whether a type names a dead kind.
fn ty_dead(spec: &Spec, t: &Ty, dead: &BTreeSet<String>) -> bool {
    match spec.resolve(t) {
        Ty::Node(k) => dead.contains(&k),
        Ty::Set(t) | Ty::Opt(t) | Ty::Seq(t, _) => ty_dead(spec, &t, dead),
        Ty::Map(k, v) => ty_dead(spec, &k, dead) || ty_dead(spec, &v, dead),
        Ty::Tuple(ts) => ts.iter().any(|t| ty_dead(spec, t, dead)),
        Ty::Record(fs) => fs.iter().any(|(_, t)| ty_dead(spec, t, dead)),
        _ => false,
    }
}

/// Whether an expression names something dead.
fn expr_dead(spec: &Spec, e: &Expr, dead: &BTreeSet<String>) -> bool {
    let mut hit = false;
    walk::expr(e, &mut |x| {
        hit |= match x {
            Expr::Var(n) | Expr::Local(n) | Expr::Inst(n, _) => dead.contains(n),
            Expr::Remote(_, v) => dead.contains(v),
            Expr::All(t) | Expr::TypeName(t) => ty_dead(spec, t, dead),
            _ => false,
        };
    });
    hit
}

/// Removes everything that names a dead kind, message, var or local, and
/// what that in turn leaves dangling, until nothing changes.
fn prune(spec: &mut Spec, mut dead: BTreeSet<String>) {
    loop {
        let before = dead.len();
        let snapshot = spec.clone();
        spec.nodes.retain(|n| !dead.contains(&n.name));
        // Messages.
        let mut gone = vec![];
        spec.messages.retain(|m| {
            let keep = !dead.contains(&m.name)
                && !dead.contains(&m.sender)
                && !dead.contains(&m.receiver)
                && !m.fields.iter().any(|(_, t)| ty_dead(&snapshot, t, &dead));
            if !keep {
                gone.push(m.name.clone());
            }
            keep
        });
        dead.extend(gone);
        for n in &mut spec.networks {
            let had = !n.for_msgs.is_empty();
            n.for_msgs.retain(|m| !dead.contains(m));
            if had && n.for_msgs.is_empty() {
                n.for_msgs.push(String::new());
            }
        }
        spec.networks
            .retain(|n| !(n.for_msgs.len() == 1 && n.for_msgs[0].is_empty()));
        // Faults.
        spec.faults.retain(|f| match f {
            Fault::Crash(k, _) | Fault::Restart(k, _) | Fault::Byzantine(k, _) => !dead.contains(k),
            Fault::Lose(Some(m), _) | Fault::Duplicate(Some(m), _) => !dead.contains(m),
            _ => true,
        });
        let crashes: Vec<String> = spec
            .faults
            .iter()
            .filter_map(|f| match f {
                Fault::Crash(k, _) => Some(k.clone()),
                _ => None,
            })
            .collect();
        spec.faults
            .retain(|f| !matches!(f, Fault::Restart(k, _) if !crashes.contains(k)));
        // Vars, handlers, actions.
        let mut newly = vec![];
        for n in &mut spec.nodes {
            n.vars.retain(|v| {
                let init = match &v.init {
                    Init::Value(e) | Init::Choice(e) => e,
                };
                let keep = !ty_dead(&snapshot, &v.ty, &dead) && !expr_dead(&snapshot, init, &dead);
                if !keep {
                    newly.push(v.name.clone());
                }
                keep
            });
            n.handlers.retain(|h| {
                !dead.contains(&h.msg)
                    && !matches!(&h.from, From::BindKind(_, k) if dead.contains(k))
            });
            for h in &mut n.handlers {
                if h.guard
                    .as_ref()
                    .is_some_and(|g| expr_dead(&snapshot, g, &dead))
                {
                    h.guard = None;
                }
                prune_block(&snapshot, &mut h.body, &dead, &mut newly);
            }
            for a in &mut n.actions {
                a.params.retain(|(p, t)| {
                    let keep = !ty_dead(&snapshot, t, &dead);
                    if !keep {
                        newly.push(p.clone());
                    }
                    keep
                });
                if a.guard
                    .as_ref()
                    .is_some_and(|g| expr_dead(&snapshot, g, &dead))
                {
                    a.guard = None;
                }
                prune_block(&snapshot, &mut a.body, &dead, &mut newly);
            }
        }
        dead.extend(newly);
        spec.props.retain(|p| {
            let es: Vec<&Expr> = match &p.kind {
                PropKind::Invariant(e)
                | PropKind::Stable(e)
                | PropKind::Reachable(e)
                | PropKind::Transient(e) => vec![e],
                PropKind::Next(a, b)
                | PropKind::Unless(a, b)
                | PropKind::LeadsTo(a, b)
                | PropKind::Ensures(a, b) => vec![a, b],
                PropKind::Variant(m, w, u) => {
                    let mut v = vec![m, w];
                    v.extend(u.iter());
                    v
                }
            };
            !es.iter().any(|e| expr_dead(&snapshot, e, &dead))
        });
        spec.bounds.retain(|b| !expr_dead(&snapshot, b, &dead));
        if let Deadlock::Done(e) = &spec.deadlock
            && expr_dead(&snapshot, e, &dead)
        {
            spec.deadlock = Deadlock::Allow;
        }
        if dead.len() == before && *spec == snapshot {
            return;
        }
    }
}

/// Removes the statements of a block that name something dead; the names
/// of removed `let`s and loops join `newly`.
fn prune_block(spec: &Spec, b: &mut Vec<Stmt>, dead: &BTreeSet<String>, newly: &mut Vec<String>) {
    let d = |e: &Expr| expr_dead(spec, e, dead);
    b.retain(|s| {
        let keep = match s {
            Stmt::Assign { place, rhs, .. } => {
                !dead.contains(&place.var)
                    && !d(rhs)
                    && !place
                        .path
                        .iter()
                        .any(|a| matches!(a, Access::Index(i) if d(i)))
            }
            Stmt::If { cond, .. } => !d(cond),
            Stmt::For { domain, elem, .. } => !d(domain) && !ty_dead(spec, elem, dead),
            Stmt::Send { dst, msg, args } => !dead.contains(msg) && !d(dst) && !args.iter().any(d),
            Stmt::Broadcast { kind, msg, args } => {
                !dead.contains(kind) && !dead.contains(msg) && !args.iter().any(d)
            }
            Stmt::Assert(e) => !d(e),
            Stmt::Let { value, ty, .. } => !d(value) && !ty_dead(spec, ty, dead),
        };
        if !keep && let Stmt::Let { name, .. } = s {
            newly.push(name.clone());
        }
        keep
    });
    for s in b.iter_mut() {
        match s {
            Stmt::If { then, els, .. } => {
                prune_block(spec, then, dead, newly);
                if let Some(e) = els {
                    prune_block(spec, e, dead, newly);
                }
            }
            Stmt::For { body, .. } => prune_block(spec, body, dead, newly),
            _ => {}
        }
    }
}
