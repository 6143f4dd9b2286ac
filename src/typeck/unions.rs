//! Union values: constructing a variant, `match` and `is`.

use super::expr::{cover, forget_ranges, join, precise_type};
use super::{Checker, Ctx, TypeError};
use crate::diagnostic::did_you_mean;
use crate::index::DefKind;
use crate::syntax::ast::{self, Span};
use crate::typed::*;

impl Checker<'_, '_> {
    /// `V(args)` or a bare `V` (`args` is `None`): variant `v` of union `u`.
    pub(super) fn construct(
        &mut self,
        cx: &mut Ctx,
        (u, v): (UnionId, usize),
        name: &ast::Ident,
        args: Option<&[ast::Expr]>,
        span: Span,
    ) -> Expr {
        let variant = self.r.unions[u].variants[v].clone();
        if args.is_some() {
            // A bare name is recorded by `name_expr`.
            self.refer(name.span, Some(variant.span));
        }
        let given = args.map_or(0, <[_]>::len);
        if given != variant.fields.len() {
            self.errors.push(TypeError::Arity {
                what: format!("variant `{}`", variant.name),
                expected: variant.fields.len(),
                noun: "field",
                found: given,
                span,
                decl: Some(variant.span),
            });
            for a in args.unwrap_or_default() {
                self.infer(cx, a);
            }
            return error_expr(span);
        }
        let cause = format!("field of `{}`", variant.name);
        let values = args
            .unwrap_or_default()
            .iter()
            .zip(&variant.fields)
            .map(|(a, (_, ty))| self.check(cx, a, ty, Some((variant.span, cause.as_str()))))
            .collect();
        Expr {
            kind: ExprKind::Construct(u, v, values),
            ty: Type::Union(u),
            span,
        }
    }

    /// The union a `match` or `is` looks into, or `None` after an error.
    fn union_of(&mut self, e: &Expr, what: &'static str) -> Option<UnionId> {
        match e.ty {
            Type::Union(u) => Some(u),
            Type::Error => None,
            _ => {
                self.errors.push(TypeError::NotAUnion {
                    what,
                    ty: self.type_name(&e.ty),
                    span: e.span,
                });
                None
            }
        }
    }

    /// Variant `name` of union `u`, reporting an unknown one.
    fn variant_of(&mut self, u: UnionId, name: &ast::Ident) -> Option<usize> {
        let union = &self.r.unions[u];
        match union.variants.iter().position(|v| v.name == name.name) {
            Some(v) => {
                let definition = union.variants[v].span;
                self.refer(name.span, Some(definition));
                Some(v)
            }
            None => {
                let suggestion =
                    did_you_mean(&name.name, union.variants.iter().map(|v| v.name.as_str()))
                        .map(str::to_string);
                self.errors.push(TypeError::UnknownVariant {
                    union: union.name.clone(),
                    name: name.name.clone(),
                    variants: union.variants.iter().map(|v| v.name.clone()).collect(),
                    span: name.span,
                    suggestion,
                });
                None
            }
        }
    }

    /// `e is V`.
    pub(super) fn is_test(
        &mut self,
        cx: &mut Ctx,
        e: &ast::Expr,
        name: &ast::Ident,
        span: Span,
    ) -> Expr {
        let e = self.infer(cx, e);
        let Some(u) = self.union_of(&e, "`is`") else {
            return error_expr(span);
        };
        let Some(v) = self.variant_of(u, name) else {
            return error_expr(span);
        };
        Expr {
            kind: ExprKind::Is(Box::new(e), v),
            ty: Type::Bool,
            span,
        }
    }

    /// `match e { arms }`: every variant covered once, by its own arm or
    /// by a last `_`.
    pub(super) fn match_expr(
        &mut self,
        cx: &mut Ctx,
        scrutinee: &ast::Expr,
        arms: &[ast::MatchArm],
        hint: Option<&Type>,
        span: Span,
    ) -> Expr {
        let scrutinee = self.infer(cx, scrutinee);
        let union = self.union_of(&scrutinee, "`match`");
        // Where each variant is matched, and the `_` arm.
        let n = union.map_or(0, |u| self.r.unions[u].variants.len());
        let mut covered: Vec<Option<Span>> = vec![None; n];
        let mut wildcard: Option<Span> = None;
        let mut typed = Vec::new();
        let mut ty: Option<Type> = hint.filter(|h| !h.has_error()).cloned();
        for arm in arms {
            cx.push();
            let pattern_span = arm.pattern.span();
            if let Some(earlier) = wildcard {
                self.errors.push(TypeError::UnreachableArm {
                    span: pattern_span,
                    earlier,
                    what: "`_` above matches every value".into(),
                });
            }
            let mut variant = None;
            let mut binds = Vec::new();
            match (&arm.pattern, union) {
                (ast::Pattern::Wildcard(_), _) => {
                    if wildcard.is_none() && n > 0 && covered.iter().all(Option::is_some) {
                        self.errors.push(TypeError::UnreachableArm {
                            span: pattern_span,
                            earlier: covered[n - 1].unwrap_or(pattern_span),
                            what: "every variant is matched above".into(),
                        });
                    }
                    wildcard.get_or_insert(pattern_span);
                }
                (ast::Pattern::Variant { name, binders, .. }, Some(u)) => {
                    let found = self.variant_of(u, name);
                    if found.is_none() {
                        self.bind_untyped(cx, binders.as_deref(), arm);
                    }
                    if let Some(v) = found {
                        variant = Some(v);
                        if let Some(earlier) = covered[v] {
                            if wildcard.is_none() {
                                self.errors.push(TypeError::UnreachableArm {
                                    span: pattern_span,
                                    earlier,
                                    what: format!("`{}` is matched here first", name.name),
                                });
                            }
                        } else {
                            covered[v] = Some(pattern_span);
                        }
                        binds = self.bind_pattern(cx, u, v, name, binders.as_deref(), arm);
                    }
                }
                (ast::Pattern::Variant { binders, .. }, None) => {
                    self.bind_untyped(cx, binders.as_deref(), arm);
                }
            }
            let body = match &ty {
                Some(t) if !typed.is_empty() || hint.is_some() => {
                    if typed.is_empty() {
                        self.expr(cx, &arm.body, Some(t))
                    } else {
                        self.check(cx, &arm.body, t, None)
                    }
                }
                _ => self.expr(cx, &arm.body, hint),
            };
            if ty.is_none() {
                ty = Some(forget_ranges(&body.ty));
            }
            cx.pop();
            typed.push(MatchArm {
                variant,
                binds,
                body,
            });
        }
        if let Some(u) = union
            && wildcard.is_none()
        {
            let missing: Vec<(String, bool)> = (self.r.unions[u].variants.iter())
                .zip(&covered)
                .filter(|(_, c)| c.is_none())
                .map(|(v, _)| (v.name.clone(), !v.fields.is_empty()))
                .collect();
            if !missing.is_empty() {
                self.errors.push(TypeError::NonExhaustive {
                    union: self.r.unions[u].name.clone(),
                    missing,
                    span: scrutinee.span,
                    whole: span,
                });
            }
        }
        let Some(ty) = ty else {
            return error_expr(span);
        };
        let bodies: Vec<&Expr> = typed.iter().map(|a| &a.body).collect();
        let ty = if hint.is_none() && bodies.iter().all(|b| b.ty.is_int()) {
            Type::Int
        } else if ty.is_int() || ty.has_error() || bodies.iter().any(|b| b.ty.has_error()) {
            ty
        } else {
            let own = (bodies.iter().map(|b| precise_type(b)))
                .reduce(|a, b| join(&a, &b))
                .unwrap_or(ty);
            match hint {
                Some(h) => cover(h, &own),
                None => own,
            }
        };
        if let Some(first) = typed.first()
            && !ty.compatible(&first.body.ty)
        {
            self.mismatch(&ty, &first.body.ty, first.body.span, None);
        }
        Expr {
            kind: ExprKind::Match(Box::new(scrutinee), typed),
            ty,
            span,
        }
    }

    /// Binds a pattern's names without types, after an error (so that the
    /// arm's value does not report them unknown).
    fn bind_untyped(&mut self, cx: &mut Ctx, binders: Option<&[ast::Binder]>, arm: &ast::MatchArm) {
        for b in binders.unwrap_or_default() {
            if let ast::Binder::Name(id) = b {
                self.bind(cx, id, Type::Error, DefKind::Let, arm.body.span);
            }
        }
    }

    /// Binds the names of pattern `V(a, _, c)` to the payload fields of
    /// variant `v`, for the arm's body.
    fn bind_pattern(
        &mut self,
        cx: &mut Ctx,
        u: UnionId,
        v: usize,
        name: &ast::Ident,
        binders: Option<&[ast::Binder]>,
        arm: &ast::MatchArm,
    ) -> Vec<Option<LocalId>> {
        let variant = self.r.unions[u].variants[v].clone();
        let given = binders.map_or(0, <[_]>::len);
        let arity_ok = given == variant.fields.len();
        if !arity_ok {
            self.errors.push(TypeError::Arity {
                what: format!("variant `{}`", variant.name),
                expected: variant.fields.len(),
                noun: "field",
                found: given,
                span: arm.pattern.span(),
                decl: Some(variant.span),
            });
        }
        let mut out = Vec::new();
        for (i, b) in binders.unwrap_or_default().iter().enumerate() {
            let field = variant.fields.get(i).filter(|_| arity_ok);
            match b {
                ast::Binder::Name(id) => {
                    let ty = field.map_or(Type::Error, |(_, t)| t.clone());
                    let kind = DefKind::Payload {
                        message: name.name.clone(),
                        field: field.map(|(f, _)| f.clone()),
                    };
                    out.push(Some(self.bind(cx, id, ty, kind, arm.body.span)));
                }
                ast::Binder::Wildcard(_) => out.push(None),
            }
        }
        out.resize(variant.fields.len(), None);
        out.truncate(variant.fields.len());
        out
    }
}

fn error_expr(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Bool(false),
        ty: Type::Error,
        span,
    }
}
