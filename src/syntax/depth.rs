//! Guards against inputs deep enough to exhaust the stack.
//!
//! Parsing runs on a thread with a large stack ([`on_big_stack`]), so pest's
//! recursion survives long operator chains and `else if` ladders; then
//! [`too_deep`] refuses trees deeper than [`MAX_DEPTH`], so that every later
//! stage, which recurses over the tree, and the compiled closures, which nest
//! as deeply as the expressions, run safely on ordinary stacks.

use super::ast::*;

/// The deepest expression or statement nesting accepted.
pub(crate) const MAX_DEPTH: usize = 256;

/// The stack for parsing: generous, and only touched as far as used.
const PARSE_STACK_BYTES: usize = 512 << 20;

/// Runs `f` on a thread with a large stack.
pub(crate) fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .stack_size(PARSE_STACK_BYTES)
            .spawn_scoped(scope, f);
        match handle {
            Ok(h) => match h.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            // No thread could be made (resource limits): do without.
            Err(_) => unreachable!("spawning the parser thread failed"),
        }
    })
}

/// The span of the first expression or statement nested deeper than
/// [`MAX_DEPTH`], if any. Iterative, so it cannot overflow itself.
pub fn too_deep(spec: &Spec) -> Option<Span> {
    let mut exprs: Vec<(&Expr, usize)> = Vec::new();
    let mut stmts: Vec<(&Stmt, usize)> = Vec::new();
    let mut types: Vec<(&TypeExpr, usize)> = Vec::new();
    for item in &spec.items {
        match item {
            Item::Const(d) => {
                types.push((&d.ty, 1));
                exprs.push((&d.value, 1));
            }
            Item::Type(d) => types.push((&d.ty, 1)),
            Item::Message(d) => types.extend(d.fields.iter().map(|f| (&f.ty, 1))),
            Item::Node(d) => {
                exprs.extend(d.count.iter().map(|e| (e, 1)));
                for ni in &d.items {
                    match ni {
                        NodeItem::Var(v) => {
                            types.push((&v.ty, 1));
                            match &v.init {
                                VarInit::Value(e) | VarInit::OneOf(e) => exprs.push((e, 1)),
                            }
                        }
                        NodeItem::Handler(h) => {
                            exprs.extend(h.guard.iter().map(|e| (e, 1)));
                            stmts.extend(h.body.stmts.iter().map(|s| (s, 1)));
                        }
                        NodeItem::Action(a) => {
                            types.extend(a.params.iter().flatten().map(|f| (&f.ty, 1)));
                            exprs.extend(a.guard.iter().map(|e| (e, 1)));
                            stmts.extend(a.body.stmts.iter().map(|s| (s, 1)));
                        }
                    }
                }
            }
            Item::Faults(d) => exprs.extend(
                d.faults
                    .iter()
                    .filter_map(|f| f.budget.as_ref())
                    .map(|e| (e, 1)),
            ),
            Item::Property(p) => {
                exprs.extend(p.params.iter().map(|param| (&param.domain, 1)));
                exprs.extend(p.kind.exprs().into_iter().map(|e| (e, 1)));
            }
            Item::Done(d) => exprs.push((&d.cond, 1)),
            Item::Bound(d) => exprs.push((&d.cond, 1)),
            Item::Init(d) => exprs.push((&d.cond, 1)),
            Item::Def(d) => {
                types.extend(d.params.iter().flatten().map(|f| (&f.ty, 1)));
                types.push((&d.ty, 1));
                exprs.push((&d.body, 1));
            }
            Item::Network(_) | Item::AllowDeadlock(_) | Item::Expect(_) => {}
        }
    }
    loop {
        if let Some((s, depth)) = stmts.pop() {
            if depth > MAX_DEPTH {
                return Some(s.span);
            }
            match &s.kind {
                StmtKind::Assign { place, value, .. } => {
                    exprs.push((place, depth));
                    exprs.push((value, depth));
                }
                StmtKind::If {
                    cond,
                    then_block,
                    else_branch,
                } => {
                    exprs.push((cond, depth));
                    stmts.extend(then_block.stmts.iter().map(|s| (s, depth + 1)));
                    match else_branch {
                        Some(ElseBranch::Block(b)) => {
                            stmts.extend(b.stmts.iter().map(|s| (s, depth + 1)))
                        }
                        Some(ElseBranch::If(s)) => stmts.push((s, depth + 1)),
                        None => {}
                    }
                }
                StmtKind::For { domain, body, .. } => {
                    exprs.push((domain, depth));
                    stmts.extend(body.stmts.iter().map(|s| (s, depth + 1)));
                }
                StmtKind::Send { dest, message } => {
                    exprs.push((dest, depth));
                    exprs.extend(message.args.iter().flatten().map(|e| (e, depth)));
                }
                StmtKind::Broadcast { message, .. } => {
                    exprs.extend(message.args.iter().flatten().map(|e| (e, depth)))
                }
                StmtKind::Assert(e) => exprs.push((e, depth)),
                StmtKind::Let { value, .. } => exprs.push((value, depth)),
            }
            continue;
        }
        if let Some((t, depth)) = types.pop() {
            if depth > MAX_DEPTH {
                return Some(t.span);
            }
            match &t.kind {
                TypeKind::Range(a, b) => {
                    exprs.push((a, depth + 1));
                    exprs.push((b, depth + 1));
                }
                TypeKind::Set(t) | TypeKind::Option(t) => types.push((t, depth + 1)),
                TypeKind::Map(k, v) => {
                    types.push((k, depth + 1));
                    types.push((v, depth + 1));
                }
                TypeKind::Seq(t, e) => {
                    types.push((t, depth + 1));
                    exprs.push((e, depth + 1));
                }
                TypeKind::Tuple(ts) => types.extend(ts.iter().map(|t| (t, depth + 1))),
                TypeKind::Record(fs) => types.extend(fs.iter().map(|f| (&f.ty, depth + 1))),
                TypeKind::Union(vs) => types.extend(
                    vs.iter()
                        .flat_map(|v| v.fields.iter().flatten())
                        .map(|f| (&f.ty, depth + 1)),
                ),
                TypeKind::Bool | TypeKind::Int | TypeKind::Enum(_) | TypeKind::Named(_) => {}
            }
            continue;
        }
        let (e, depth) = exprs.pop()?;
        if depth > MAX_DEPTH {
            return Some(e.span);
        }
        let d = depth + 1;
        match &e.kind {
            ExprKind::Bool(_) | ExprKind::Int(_) | ExprKind::Name(_) | ExprKind::SelfRef => {}
            ExprKind::Unary(_, x)
            | ExprKind::Paren(x)
            | ExprKind::Field(x, _)
            | ExprKind::Is(x, _)
            | ExprKind::TupleField(x, _, _) => exprs.push((x, d)),
            ExprKind::Match(x, arms) => {
                exprs.push((x, d));
                exprs.extend(arms.iter().map(|a| (&a.body, d)));
            }
            ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
                exprs.push((a, d));
                exprs.push((b, d));
            }
            ExprKind::Call(_, args)
            | ExprKind::Tuple(args)
            | ExprKind::Set(args)
            | ExprKind::Seq(args) => exprs.extend(args.iter().map(|a| (a, d))),
            ExprKind::Quant { groups, body, .. } => {
                exprs.extend(groups.iter().map(|g| (&g.domain, d)));
                exprs.push((body, d));
            }
            ExprKind::All(t) => types.push((t, d)),
            ExprKind::Let { bindings, body } => {
                exprs.extend(bindings.iter().map(|(_, v)| (v, d)));
                exprs.push((body, d));
            }
            ExprKind::If(c, t, f) => {
                exprs.push((c, d));
                exprs.push((t, d));
                exprs.push((f, d));
            }
            ExprKind::Map(entries) => {
                for (k, v) in entries {
                    if let MapKey::Key(k) = k {
                        exprs.push((k, d));
                    }
                    exprs.push((v, d));
                }
            }
            ExprKind::Record(fields) => exprs.extend(fields.iter().map(|(_, v)| (v, d))),
        }
    }
}
