//! `def`s: checked once on their own, then inlined at every call.
//!
//! A def's body is checked once with its parameters as the only locals and
//! no running node (`DefCheck`), which reports its errors. A call checks
//! the arguments against the parameter types and checks the body again in
//! the caller's table of locals, under fresh locals for the parameters and
//! with nothing else of the caller in scope; that second check cannot find
//! new errors in the body, so its errors are dropped. What depends on the
//! caller is reported at the call: node code cannot call a def that uses
//! `byzantine` or `crashed`, and an initial value cannot call one that
//! reads the state. The call becomes a typed `let` of the parameters.

use super::{Checker, Ctx, DefCheck, MAX_INLINE_DEPTH, MAX_INLINED, TypeError};
use crate::index::DefKind;
use crate::syntax::ast::{self, Span};
use crate::typed::*;

impl Checker<'_, '_> {
    /// Checks def `index` on its own, once; a def reached again while its
    /// check is under way is recursive.
    pub(super) fn ensure_def_checked(&mut self, index: usize) {
        if self.defs[index] != DefCheck::Unchecked {
            return;
        }
        self.defs[index] = DefCheck::InProgress;
        self.checking.push(index);
        let before = self.errors.len() + self.r.errors.len();
        let outer_depth = std::mem::take(&mut self.inline_depth);
        // The def's own check records its names, even when it is reached
        // from a body being inlined.
        let recording = self.r.index.set_recording(true);
        let mut cx = Ctx::new(None);
        self.def_body(&mut cx, index);
        self.r.index.set_recording(recording);
        self.inline_depth = outer_depth;
        self.checking.pop();
        let failed = self.errors.len() + self.r.errors.len() > before;
        self.defs[index] = if failed {
            DefCheck::Failed
        } else {
            DefCheck::Ok
        };
    }

    /// Binds the def's parameters as the only names in scope and checks its
    /// body against its type, with no running node. Returns the parameters'
    /// locals and the body.
    fn def_body(&mut self, cx: &mut Ctx, index: usize) -> (Vec<LocalId>, Expr) {
        let def = self.r.defs[index].clone();
        let scopes = std::mem::replace(&mut cx.scopes, vec![Vec::new()]);
        let node = cx.node.take();
        let in_def = std::mem::replace(&mut cx.in_def, true);
        let params = def
            .params
            .iter()
            .map(|(name, ty)| {
                let kind = DefKind::DefParam {
                    def: def.decl.name.name.clone(),
                };
                self.bind(cx, name, ty.clone(), kind, def.decl.span)
            })
            .collect();
        let depth = expr_depth(&def.decl.body);
        self.inline_depth += depth;
        let body = self.check(
            cx,
            &def.decl.body,
            &def.ty,
            Some((def.decl.ty.span, "the def's type")),
        );
        self.inline_depth -= depth;
        cx.scopes = scopes;
        cx.node = node;
        cx.in_def = in_def;
        (params, body)
    }

    /// A call of def `index` (`f(args)`, or `f` alone for a def without
    /// parameters), inlined.
    pub(super) fn call_def(
        &mut self,
        cx: &mut Ctx,
        index: usize,
        args: &[ast::Expr],
        span: Span,
    ) -> Expr {
        let def = self.r.defs[index].clone();
        let name = def.decl.name.name.clone();
        let error = |c: &mut Self, cx: &mut Ctx| {
            for a in args {
                c.infer(cx, a);
            }
            Expr {
                kind: ExprKind::Bool(false),
                ty: Type::Error,
                span,
            }
        };
        if self.defs[index] == DefCheck::InProgress {
            let from = self
                .checking
                .iter()
                .position(|&d| d == index)
                .unwrap_or_default();
            let mut cycle: Vec<String> = self.checking[from..]
                .iter()
                .map(|&d| self.r.defs[d].decl.name.name.clone())
                .collect();
            cycle.push(name);
            self.errors.push(TypeError::RecursiveDef { cycle, span });
            return error(self, cx);
        }
        self.ensure_def_checked(index);
        if args.len() != def.params.len() {
            self.errors.push(TypeError::Arity {
                what: format!("`{name}`"),
                expected: def.params.len(),
                noun: "argument",
                found: args.len(),
                span,
                decl: Some(def.decl.name.span),
            });
            return error(self, cx);
        }
        if self.defs[index] == DefCheck::Failed {
            return error(self, cx);
        }
        let depth = expr_depth(&def.decl.body);
        let size = expr_size(&def.decl.body);
        if self.inline_depth + depth > MAX_INLINE_DEPTH || self.inlined + size > MAX_INLINED {
            self.errors.push(TypeError::DefTooLarge { def: name, span });
            return error(self, cx);
        }
        self.inlined += size;
        let args: Vec<Expr> = args
            .iter()
            .zip(&def.params)
            .map(|(a, (p, ty))| self.check(cx, a, ty, Some((p.span, "the parameter's type"))))
            .collect();
        // The body again, in the caller's table of locals.
        let errors = (self.errors.len(), self.r.errors.len());
        let init_mode = std::mem::take(&mut cx.init_mode);
        let reads_state = std::mem::take(&mut cx.reads_state);
        let env_reads = std::mem::take(&mut cx.env_reads);
        let in_node = cx.node.is_some();
        // Every name in the body stands where the def's own check found
        // it: recording it again would only repeat it.
        let recording = self.r.index.set_recording(false);
        // The body's own check reports nothing of this: its errors are
        // dropped below, and the call is blamed instead.
        let init_pred = std::mem::take(&mut cx.init_pred);
        let (params, body) = self.def_body(cx, index);
        self.r.index.set_recording(recording);
        // Only the size of what is inlined depends on the caller: a call
        // too large inside the body makes this call too large.
        let too_large = self.errors[errors.0..]
            .iter()
            .any(|e| matches!(e, TypeError::DefTooLarge { .. }));
        self.errors.truncate(errors.0);
        self.r.errors.truncate(errors.1);
        let (reads, env) = (cx.reads_state, cx.env_reads);
        cx.init_mode = init_mode;
        cx.init_pred = init_pred;
        cx.reads_state = reads_state || reads;
        cx.env_reads = env_reads || env;
        if env && in_node {
            self.errors.push(TypeError::DefEnvironmentOnly {
                def: name.clone(),
                span,
            });
        }
        if env && init_pred {
            self.errors.push(TypeError::InitEnvironment {
                what: format!("`{name}`, which reads `byzantine(..)` or `crashed(..)`,"),
                span,
            });
        }
        if reads && init_mode {
            self.errors.push(TypeError::InitReadsState { span });
        }
        if too_large {
            self.errors.push(TypeError::DefTooLarge {
                def: name.clone(),
                span,
            });
        }
        let checked = def.ty != body.ty
            || params
                .iter()
                .zip(&args)
                .any(|(&p, a)| cx.locals[p].ty != a.ty);
        Expr {
            kind: ExprKind::Let {
                bindings: params
                    .into_iter()
                    .zip(args)
                    .map(|(p, a)| (p, cx.locals[p].ty.clone(), a))
                    .collect(),
                body: Box::new(body),
                checked,
            },
            ty: def.ty,
            span,
        }
    }
}

/// How deep `e` nests (1 for a leaf). The parser holds every expression to
/// `syntax::depth::MAX_DEPTH`, so the recursion is bounded.
fn expr_depth(e: &ast::Expr) -> usize {
    1 + children(e).into_iter().map(expr_depth).max().unwrap_or(0)
}

/// How many expression nodes `e` holds.
fn expr_size(e: &ast::Expr) -> usize {
    1 + children(e).into_iter().map(expr_size).sum::<usize>()
}

/// The expressions directly inside `e` (types' bounds left out: they are
/// constants).
pub(super) fn children(e: &ast::Expr) -> Vec<&ast::Expr> {
    use ast::ExprKind as K;
    match &e.kind {
        K::Bool(_) | K::Int(_) | K::Name(_) | K::SelfRef | K::All(_) => Vec::new(),
        K::Unary(_, x) | K::Paren(x) | K::Field(x, _) | K::TupleField(x, ..) | K::Is(x, _) => {
            vec![x]
        }
        K::Match(x, arms) => std::iter::once(&**x)
            .chain(arms.iter().map(|a| &a.body))
            .collect(),
        K::Binary(_, a, b) | K::Index(a, b) => vec![a, b],
        K::Call(_, xs) | K::Tuple(xs) | K::Set(xs) | K::Seq(xs) => xs.iter().collect(),
        K::Quant { groups, body, .. } => (groups.iter().map(|g| &g.domain))
            .chain(std::iter::once(&**body))
            .collect(),
        K::Let { bindings, body } => bindings
            .iter()
            .map(|(_, v)| v)
            .chain(std::iter::once(&**body))
            .collect(),
        K::If(c, t, f) => vec![c, t, f],
        K::Map(entries) => entries
            .iter()
            .flat_map(|(k, v)| {
                let key = match k {
                    ast::MapKey::Key(k) => Some(k),
                    ast::MapKey::Default(_) => None,
                };
                key.into_iter().chain(std::iter::once(v))
            })
            .collect(),
        K::Record(fields) => fields.iter().map(|(_, v)| v).collect(),
    }
}
