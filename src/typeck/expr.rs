//! Expressions: name resolution inside bodies and bidirectional typing.

use super::{Checker, Ctx, NameRes, TypeError};
use crate::diagnostic::did_you_mean;
use crate::index::DefKind;
use crate::resolve::{Global, ResolveError};
use crate::syntax::ast::{self, BinaryOp, Quantifier, Span, UnaryOp};
use crate::typed::*;

impl Checker<'_, '_> {
    /// Checks `e` against `expected`, reporting a mismatch. `cause` points at
    /// the declaration the expectation comes from.
    pub(super) fn check(
        &mut self,
        cx: &mut Ctx,
        e: &ast::Expr,
        expected: &Type,
        cause: Option<(Span, &str)>,
    ) -> Expr {
        let out = self.expr(cx, e, Some(expected));
        if !expected.compatible(&out.ty) {
            self.mismatch(expected, &out.ty, out.span, cause);
        }
        out
    }

    /// Works out the type of `e` with no expectation.
    pub(super) fn infer(&mut self, cx: &mut Ctx, e: &ast::Expr) -> Expr {
        self.expr(cx, e, None)
    }

    pub(super) fn mismatch(
        &mut self,
        expected: &Type,
        found: &Type,
        span: Span,
        cause: Option<(Span, &str)>,
    ) {
        if expected.has_error() || found.has_error() {
            return;
        }
        self.errors.push(TypeError::Mismatch {
            expected: self.type_name(expected),
            found: self.type_name(found),
            span,
            cause: cause.map(|(s, t)| (s, t.to_string())),
        });
    }

    /// What a bare name means here.
    pub(super) fn resolve_name(&self, cx: &Ctx, name: &str) -> NameRes {
        if let Some(id) = cx.lookup(name) {
            return NameRes::Local(id);
        }
        if let Some(kind) = cx.node
            && let Some(&v) = self.r.nodes[kind].var_index.get(name)
        {
            return NameRes::Var(v);
        }
        match self.r.globals.get(name).copied() {
            Some(Global::Const(i)) => {
                return match self.r.consts[i].value {
                    Some(v) => NameRes::Const(i, v),
                    // The constant had an error, already reported.
                    None => NameRes::Global(Global::Const(i)),
                };
            }
            Some(g) => return NameRes::Global(g),
            None => {}
        }
        if let Some(vs) = self.r.variants.get(name) {
            return NameRes::Variants(vs.clone());
        }
        if name == "none" {
            return NameRes::NoneLit;
        }
        NameRes::Unknown
    }

    fn error_expr(span: Span) -> Expr {
        Expr {
            kind: ExprKind::Bool(false),
            ty: Type::Error,
            span,
        }
    }

    fn unknown_name(&mut self, cx: &Ctx, name: &ast::Ident) {
        let mut candidates: Vec<String> = cx.local_names();
        if let Some(kind) = cx.node {
            candidates.extend(self.r.nodes[kind].var_index.keys().cloned());
        }
        candidates.extend(self.r.globals.keys().cloned());
        candidates.extend(self.r.variants.keys().cloned());
        let suggestion =
            did_you_mean(&name.name, candidates.iter().map(String::as_str)).map(str::to_string);
        self.r.errors.push(ResolveError::UnknownName {
            name: name.name.clone(),
            wanted: "name",
            span: name.span,
            suggestion,
        });
    }

    /// `self` or a bare variable `name` in a def's body.
    fn def_self(&mut self, name: &str, span: Span) {
        let def = self
            .checking
            .last()
            .map_or_else(String::new, |&d| self.r.defs[d].decl.name.name.clone());
        self.errors.push(TypeError::DefSelf {
            name: name.to_string(),
            def,
            span,
        });
    }

    fn read_var(&mut self, cx: &mut Ctx, kind: NodeKindId, var: VarId, span: Span) {
        cx.reads_state = true;
        self.var_reads.insert((kind, var));
        if cx.init_mode {
            self.errors.push(TypeError::InitReadsState { span });
        }
    }

    /// Whether `e`'s type can only be known from its context (so the other
    /// operand of `==` or `in` should be typed first).
    fn needs_context(&self, cx: &Ctx, e: &ast::Expr) -> bool {
        match &e.kind {
            ast::ExprKind::Name(n) => matches!(
                self.resolve_name(cx, &n.name),
                NameRes::Variants(_) | NameRes::NoneLit
            ),
            ast::ExprKind::Set(items) | ast::ExprKind::Seq(items) => {
                items.is_empty() || items.iter().all(|i| self.needs_context(cx, i))
            }
            ast::ExprKind::Map(_) | ast::ExprKind::Record(_) => true,
            ast::ExprKind::Paren(inner) => self.needs_context(cx, inner),
            ast::ExprKind::Call(name, args) if name.name == "some" => {
                args.iter().all(|a| self.needs_context(cx, a))
            }
            _ => false,
        }
    }

    /// Types `e`, using `hint` (the expected type) where the expression
    /// needs it. The caller checks compatibility with the hint.
    pub(super) fn expr(&mut self, cx: &mut Ctx, e: &ast::Expr, hint: Option<&Type>) -> Expr {
        let span = e.span;
        let mk = |kind: ExprKind, ty: Type| Expr { kind, ty, span };
        // The context already failed; whatever this is would only repeat it.
        if hint == Some(&Type::Error) && self.needs_context(cx, e) {
            if let ast::ExprKind::Name(name) = &e.kind {
                let res = self.resolve_name(cx, &name.name);
                let definition = self.definition_of(cx, &res);
                self.refer(name.span, definition);
            }
            return Self::error_expr(span);
        }
        match &e.kind {
            ast::ExprKind::Bool(b) => mk(ExprKind::Bool(*b), Type::Bool),
            ast::ExprKind::Int(n) => mk(ExprKind::Int(*n), Type::Int),
            ast::ExprKind::Paren(inner) => {
                let mut out = self.expr(cx, inner, hint);
                out.span = span;
                out
            }
            ast::ExprKind::Name(name) => self.name_expr(cx, name, hint),
            ast::ExprKind::SelfRef => match cx.node {
                Some(k) => mk(ExprKind::SelfId, Type::Node(k)),
                None if cx.in_def => {
                    self.def_self("self", span);
                    Self::error_expr(span)
                }
                None => {
                    self.errors.push(TypeError::NoSelf { span });
                    Self::error_expr(span)
                }
            },
            ast::ExprKind::Unary(op, inner) => match op {
                UnaryOp::Not => {
                    let inner = self.check(cx, inner, &Type::Bool, None);
                    mk(ExprKind::Unary(UnOp::Not, Box::new(inner)), Type::Bool)
                }
                UnaryOp::Neg => {
                    let inner = self.check(cx, inner, &Type::Int, None);
                    match inner.kind {
                        // Fold `-5` into a literal so range checks see it.
                        ExprKind::Int(n) if n != i64::MIN => mk(ExprKind::Int(-n), Type::Int),
                        _ => mk(ExprKind::Unary(UnOp::Neg, Box::new(inner)), Type::Int),
                    }
                }
            },
            ast::ExprKind::Binary(op, a, b) => self.binary(cx, *op, a, b, hint, span),
            ast::ExprKind::Field(base, field) => self.field(cx, base, field, span),
            ast::ExprKind::TupleField(base, index, index_span) => {
                let base = self.infer(cx, base);
                match &base.ty {
                    Type::Tuple(ts) if (*index as usize) < ts.len() => {
                        let ty = ts[*index as usize].clone();
                        mk(ExprKind::TupleField(Box::new(base), *index as usize), ty)
                    }
                    Type::Error => Self::error_expr(span),
                    other => {
                        self.errors.push(TypeError::NoField {
                            ty: self.type_name(other),
                            field: index.to_string(),
                            span: *index_span,
                            suggestion: None,
                        });
                        Self::error_expr(span)
                    }
                }
            }
            ast::ExprKind::Index(base, index) => self.index(cx, base, index, span),
            ast::ExprKind::Call(name, args) => self.call(cx, name, args, hint, span),
            ast::ExprKind::Quant {
                quantifier,
                groups,
                body,
            } => self.quantifier(cx, *quantifier, groups, body, span),
            ast::ExprKind::Let { bindings, body } => {
                cx.push();
                let mut out = Vec::new();
                for (name, value) in bindings {
                    let value = self.infer(cx, value);
                    // An integer's range as far as the value's form tells,
                    // as for a `let` statement.
                    let ty = precise_type(&value);
                    // Seen by the later values and the body.
                    let scope = Span {
                        start: value.span.end,
                        end: span.end,
                    };
                    let local = self.bind(cx, name, ty.clone(), DefKind::Let, scope);
                    out.push((local, ty, value));
                }
                let body = self.expr(cx, body, hint);
                cx.pop();
                let ty = body.ty.clone();
                mk(
                    ExprKind::Let {
                        bindings: out,
                        body: Box::new(body),
                        checked: false,
                    },
                    ty,
                )
            }
            ast::ExprKind::All(te) => {
                let ty = self.r.resolve_type(te, None);
                mk(ExprKind::All(ty.clone()), Type::Set(Box::new(ty)))
            }
            ast::ExprKind::If(c, t, f) => {
                let c = self.check(cx, c, &Type::Bool, None);
                let t = self.expr(cx, t, hint);
                // Without an expected type, the else branch follows the
                // then branch's shape, not its integers' ranges.
                let ty = match hint {
                    Some(h) if !h.has_error() => h.clone(),
                    _ => forget_ranges(&t.ty),
                };
                let f = self.check(cx, f, &ty, None);
                let ty = if t.ty.is_int() && f.ty.is_int() && hint.is_none() {
                    Type::Int
                } else if ty.is_int() || ty.has_error() || t.ty.has_error() || f.ty.has_error() {
                    ty
                } else {
                    // Both branches' values, and the expected type's.
                    let own = join(&precise_type(&t), &precise_type(&f));
                    match hint {
                        Some(h) => cover(h, &own),
                        None => own,
                    }
                };
                if !ty.compatible(&t.ty) {
                    self.mismatch(&ty, &t.ty, t.span, None);
                }
                mk(ExprKind::If(Box::new(c), Box::new(t), Box::new(f)), ty)
            }
            ast::ExprKind::Tuple(items) => {
                let hints: Vec<Option<Type>> = match hint {
                    Some(Type::Tuple(ts)) if ts.len() == items.len() => {
                        ts.iter().cloned().map(Some).collect()
                    }
                    _ => vec![None; items.len()],
                };
                let items: Vec<Expr> = items
                    .iter()
                    .zip(&hints)
                    .map(|(i, h)| match h {
                        Some(h) => self.check(cx, i, h, None),
                        None => self.infer(cx, i),
                    })
                    .collect();
                // An integer part's type covers the expected range and
                // the part's own values, so the literal packs in it (a
                // part of `(true, -1)` is not an unbounded `int`, whose
                // values inside a collection are limited to `0..63`).
                let ty = Type::Tuple(
                    items
                        .iter()
                        .zip(&hints)
                        .map(|(item, h)| part_type(h.as_ref(), item))
                        .collect(),
                );
                mk(ExprKind::Tuple(items), ty)
            }
            ast::ExprKind::Set(items) => {
                let elem_hint = match hint {
                    Some(Type::Set(t)) => Some((**t).clone()),
                    _ => None,
                };
                let (items, elem) = self.elements(cx, items, elem_hint, span, "an empty set `{}`");
                mk(ExprKind::SetLit(items), Type::Set(Box::new(elem)))
            }
            ast::ExprKind::Seq(items) => {
                let (elem_hint, max) = match hint {
                    Some(Type::Seq(t, n)) => (Some((**t).clone()), Some(*n)),
                    _ => (None, None),
                };
                let (items, elem) =
                    self.elements(cx, items, elem_hint, span, "an empty sequence `[]`");
                let len = items.len() as u32;
                if let Some(max) = max
                    && len > max
                {
                    self.errors.push(TypeError::OutOfRange {
                        value: len as i64,
                        lo: 0,
                        hi: max as i64,
                        span,
                        decl: None,
                    });
                }
                mk(
                    ExprKind::SeqLit(items),
                    Type::Seq(Box::new(elem), max.unwrap_or(len)),
                )
            }
            ast::ExprKind::Map(entries) => self.map_lit(cx, entries, hint, span),
            ast::ExprKind::Record(fields) => self.record_lit(cx, fields, hint, span),
            ast::ExprKind::Match(scrutinee, arms) => {
                self.match_expr(cx, scrutinee, arms, hint, span)
            }
            ast::ExprKind::Is(e, name) => self.is_test(cx, e, name, span),
        }
    }

    /// Types the elements of a set or sequence literal.
    fn elements(
        &mut self,
        cx: &mut Ctx,
        items: &[ast::Expr],
        elem_hint: Option<Type>,
        span: Span,
        what: &'static str,
    ) -> (Vec<Expr>, Type) {
        let mut elem = elem_hint.clone();
        let mut out = Vec::new();
        // Type the elements that know their own type first, so that bare
        // variants and `none` among them can take it.
        if elem.is_none()
            && let Some(first) = items.iter().find(|i| !self.needs_context(cx, i))
        {
            let typed = self.infer(cx, first);
            // The others follow its shape, not its integers' ranges.
            elem = Some(forget_ranges(&typed.ty));
        }
        for item in items {
            match &elem {
                Some(t) => out.push(self.check(cx, item, &t.clone(), None)),
                None => {
                    let typed = self.infer(cx, item);
                    elem = Some(widen(&typed.ty));
                    out.push(typed);
                }
            }
        }
        let elem = match elem {
            // A type that covers the expected one and every element's
            // values (integer ranges joined part by part), so that every
            // element packs in it.
            Some(t) if !t.has_error() && out.iter().all(|i| !i.ty.has_error()) => {
                let own = out.iter().map(precise_type).reduce(|a, b| join(&a, &b));
                match (own, &elem_hint) {
                    (Some(own), Some(hint)) => cover(hint, &own),
                    (Some(own), None) => own,
                    (None, _) => t,
                }
            }
            Some(t) => t,
            None => {
                self.errors.push(TypeError::CannotInfer { what, span });
                Type::Error
            }
        };
        (out, elem)
    }

    /// Types a bare name and records what it refers to.
    fn name_expr(&mut self, cx: &mut Ctx, name: &ast::Ident, hint: Option<&Type>) -> Expr {
        let res = self.resolve_name(cx, &name.name);
        let out = self.name_value(cx, name, hint, res.clone());
        let definition = match out.kind {
            ExprKind::Variant(e, i) => self.r.index.variant_span(e, i),
            _ => self.definition_of(cx, &res),
        };
        self.refer(name.span, definition);
        out
    }

    fn name_value(
        &mut self,
        cx: &mut Ctx,
        name: &ast::Ident,
        hint: Option<&Type>,
        res: NameRes,
    ) -> Expr {
        let span = name.span;
        let mk = |kind: ExprKind, ty: Type| Expr { kind, ty, span };
        // A local or variable that shadows a variant the context asks for:
        // take the variant (`prepared` in TM is its set; in a comparison with
        // an RM's state it is the RM's variant).
        if let (Some(Type::Enum(want)), NameRes::Local(_) | NameRes::Var(_)) = (hint, &res) {
            let ty = match &res {
                NameRes::Local(id) => cx.locals[*id].ty.clone(),
                NameRes::Var(v) => cx
                    .node
                    .map_or(Type::Error, |k| self.r.nodes[k].vars[*v].ty.clone()),
                _ => Type::Error,
            };
            if !ty.compatible(&Type::Enum(*want))
                && let Some(index) = self.r.enums[*want]
                    .variants
                    .iter()
                    .position(|v| *v == name.name)
            {
                return mk(ExprKind::Variant(*want, index), Type::Enum(*want));
            }
        }
        match res {
            NameRes::Local(id) => mk(ExprKind::Local(id), cx.locals[id].ty.clone()),
            NameRes::Var(v) => {
                let kind = cx.node.expect("vars resolve only inside nodes");
                self.read_var(cx, kind, v, span);
                mk(ExprKind::Var(v), self.r.nodes[kind].vars[v].ty.clone())
            }
            NameRes::Const(_, ConstValue::Int(n)) => mk(ExprKind::Int(n), Type::Int),
            NameRes::Const(_, ConstValue::Bool(b)) => mk(ExprKind::Bool(b), Type::Bool),
            NameRes::Global(Global::Const(_)) => Self::error_expr(span),
            NameRes::Global(Global::Def(d)) => self.call_def(cx, d, &[], span),
            NameRes::Global(Global::Variant(u, v)) => self.construct(cx, (u, v), name, None, span),
            NameRes::Global(Global::Node(k)) => {
                let node = &self.r.nodes[k];
                if node.decl.count.is_none() {
                    let zero = mk(ExprKind::Int(0), Type::Int);
                    mk(ExprKind::Instance(k, Box::new(zero)), Type::Node(k))
                } else {
                    self.errors.push(TypeError::KindAsValue {
                        name: name.name.clone(),
                        count: node.count,
                        span,
                    });
                    Self::error_expr(span)
                }
            }
            NameRes::Global(g) => {
                self.r.errors.push(ResolveError::WrongKind {
                    name: name.name.clone(),
                    expected: "value",
                    found: g.describe(),
                    span,
                    decl: Some(self.r.global_span(g)),
                });
                Self::error_expr(span)
            }
            NameRes::Variants(candidates) => {
                if let Some(Type::Enum(want)) = hint
                    && let Some((e, i)) = candidates.iter().find(|(e, _)| e == want)
                {
                    return mk(ExprKind::Variant(*e, *i), Type::Enum(*e));
                }
                match candidates.as_slice() {
                    [(e, i)] => mk(ExprKind::Variant(*e, *i), Type::Enum(*e)),
                    several => {
                        let enums = several
                            .iter()
                            .map(|(e, _)| self.type_name(&Type::Enum(*e)))
                            .collect();
                        self.errors.push(TypeError::AmbiguousVariant {
                            name: name.name.clone(),
                            enums,
                            span,
                        });
                        Self::error_expr(span)
                    }
                }
            }
            NameRes::NoneLit => match hint {
                Some(t @ Type::Option(_)) => mk(ExprKind::None, t.clone()),
                _ => {
                    self.errors.push(TypeError::CannotInfer {
                        what: "`none`",
                        span,
                    });
                    Self::error_expr(span)
                }
            },
            NameRes::Unknown => {
                let is_var = self
                    .r
                    .nodes
                    .iter()
                    .any(|n| n.var_index.contains_key(&name.name));
                if cx.in_def && is_var {
                    self.def_self(&name.name, span);
                } else {
                    self.unknown_name(cx, name);
                }
                Self::error_expr(span)
            }
        }
    }

    /// A type name used where a set is expected (`forall r in RM`), if `e`
    /// is one.
    pub(super) fn type_as_domain(&mut self, cx: &Ctx, e: &ast::Expr) -> Option<Type> {
        let ast::ExprKind::Name(name) = &e.kind else {
            return None;
        };
        match self.resolve_name(cx, &name.name) {
            NameRes::Global(g @ Global::Node(k)) => {
                self.refer(name.span, Some(self.r.global_span(g)));
                Some(Type::Node(k))
            }
            NameRes::Global(Global::Type(_)) => {
                let te = ast::TypeExpr {
                    kind: ast::TypeKind::Named(name.clone()),
                    span: e.span,
                };
                Some(self.r.resolve_type(&te, None))
            }
            _ => None,
        }
    }

    /// A quantifier over one or more groups of names. Several groups are
    /// nested quantifiers, each group inside the one before: `forall`,
    /// `exists`, `sum`, `min` and `max` nest as themselves, and `count`
    /// counts the innermost group's bindings and sums the counts over the
    /// outer groups'.
    fn quantifier(
        &mut self,
        cx: &mut Ctx,
        quantifier: Quantifier,
        groups: &[ast::QuantGroup],
        body: &ast::Expr,
        span: Span,
    ) -> Expr {
        let mut heads = Vec::with_capacity(groups.len());
        let mut outer: Vec<&str> = Vec::new();
        for group in groups {
            let (domain, elem) = self.domain(cx, &group.domain);
            if matches!(quantifier, Quantifier::Min | Quantifier::Max)
                && let Some(read) = reads_any(&group.domain, &outer)
            {
                // Nested, an empty inner domain would fail where the
                // bindings taken together are not empty.
                self.errors.push(TypeError::DependentAggregate {
                    keyword: quantifier.keyword(),
                    name: read.name.clone(),
                    read: read.span,
                });
            }
            cx.push();
            let vars: Vec<LocalId> = (group.vars.iter())
                .map(|v| {
                    let kind = DefKind::Quantified(quantifier);
                    self.bind(cx, v, elem.clone(), kind, span)
                })
                .collect();
            outer.extend(group.vars.iter().map(|v| v.name.as_str()));
            heads.push((vars, domain));
        }
        let body_ty = if quantifier.aggregates() {
            Type::Int
        } else {
            Type::Bool
        };
        let mut inner = self.check(cx, body, &body_ty, None);
        let last = heads.len() - 1;
        for (i, (vars, domain)) in heads.into_iter().enumerate().rev() {
            cx.pop();
            let q = match quantifier {
                Quantifier::Count if i < last => Quantifier::Sum,
                q => q,
            };
            let ty = match q {
                Quantifier::Forall | Quantifier::Exists => Type::Bool,
                _ => Type::Int,
            };
            inner = Expr {
                kind: ExprKind::Quant {
                    quantifier: q,
                    vars,
                    domain: Box::new(domain),
                    body: Box::new(inner),
                },
                ty,
                span,
            };
        }
        inner
    }

    /// The set a quantifier or `for` ranges over, and its element type.
    pub(super) fn domain(&mut self, cx: &mut Ctx, e: &ast::Expr) -> (Expr, Type) {
        if let Some(ty) = self.type_as_domain(cx, e) {
            let set = Expr {
                kind: ExprKind::All(ty.clone()),
                ty: Type::Set(Box::new(ty.clone())),
                span: e.span,
            };
            return (set, ty);
        }
        let set = self.infer(cx, e);
        let elem = match &set.ty {
            Type::Set(t) => (**t).clone(),
            Type::Error => Type::Error,
            other => {
                let found = self.type_name(other);
                self.errors.push(TypeError::Mismatch {
                    expected: "set<...>".into(),
                    found,
                    span: set.span,
                    cause: None,
                });
                Type::Error
            }
        };
        (set, elem)
    }

    fn binary(
        &mut self,
        cx: &mut Ctx,
        op: BinaryOp,
        a: &ast::Expr,
        b: &ast::Expr,
        hint: Option<&Type>,
        span: Span,
    ) -> Expr {
        let mk = |kind: BinOp, x: Expr, y: Expr, ty: Type| Expr {
            kind: ExprKind::Binary(kind, Box::new(x), Box::new(y)),
            ty,
            span,
        };
        match op {
            BinaryOp::Implies | BinaryOp::Or | BinaryOp::And => {
                let x = self.check(cx, a, &Type::Bool, None);
                let y = self.check(cx, b, &Type::Bool, None);
                let kind = match op {
                    BinaryOp::Implies => BinOp::Implies,
                    BinaryOp::Or => BinOp::Or,
                    _ => BinOp::And,
                };
                mk(kind, x, y, Type::Bool)
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                let (x, y) = self.same_type_pair(cx, a, b);
                let kind = if op == BinaryOp::Eq {
                    BinOp::Eq
                } else {
                    BinOp::Ne
                };
                mk(kind, x, y, Type::Bool)
            }
            BinaryOp::In => {
                let (x, y) = if self.needs_context(cx, a) {
                    let y = self.infer(cx, b);
                    let elem = match &y.ty {
                        Type::Set(t) | Type::Seq(t, _) => Some((**t).clone()),
                        _ => None,
                    };
                    let x = match elem {
                        Some(t) => self.check(cx, a, &t, None),
                        None => self.infer(cx, a),
                    };
                    (x, y)
                } else {
                    let x = self.infer(cx, a);
                    let y = self.expr(cx, b, Some(&Type::Set(Box::new(x.ty.clone()))));
                    (x, y)
                };
                let kind = match &y.ty {
                    Type::Set(t) if t.compatible(&x.ty) => Some(BinOp::InSet),
                    Type::Seq(t, _) if t.compatible(&x.ty) => Some(BinOp::InSeq),
                    Type::Error => Some(BinOp::InSet),
                    _ if x.ty == Type::Error => Some(BinOp::InSet),
                    _ => None,
                };
                match kind {
                    Some(kind) => mk(kind, x, y, Type::Bool),
                    None => self.bad_operands("in", &x.ty, Some(&y.ty), span),
                }
            }
            BinaryOp::Lt | BinaryOp::Gt | BinaryOp::Ge => {
                let x = self.check(cx, a, &Type::Int, None);
                let y = self.check(cx, b, &Type::Int, None);
                let kind = match op {
                    BinaryOp::Lt => BinOp::Lt,
                    BinaryOp::Gt => BinOp::Gt,
                    _ => BinOp::Ge,
                };
                mk(kind, x, y, Type::Bool)
            }
            BinaryOp::Le => {
                let (x, y) = self.same_type_pair(cx, a, b);
                match (&x.ty, &y.ty) {
                    (Type::Set(_), Type::Set(_)) => mk(BinOp::Subset, x, y, Type::Bool),
                    (tx, ty) if tx.is_int() && ty.is_int() => mk(BinOp::Le, x, y, Type::Bool),
                    (tx, ty) => self.bad_operands("<=", &tx.clone(), Some(&ty.clone()), span),
                }
            }
            BinaryOp::Range => {
                let x = self.check(cx, a, &Type::Int, None);
                let y = self.check(cx, b, &Type::Int, None);
                // The elements cover the expected range and what the
                // bounds can be (`var x: -1..1 in -1..1`, `{} + (-2..2)`).
                let own = int_range(&x)
                    .zip(int_range(&y))
                    .map(|((lo, _), (_, hi))| (lo, hi));
                let expected = match hint {
                    Some(Type::Set(t)) => Some(&**t),
                    _ => None,
                };
                let elem = match own {
                    // Always empty: any type holds it; the expected one,
                    // or one that joins with others without widening.
                    Some((lo, hi)) if lo > hi => {
                        expected.cloned().unwrap_or(Type::Range { lo, hi: lo })
                    }
                    Some(own) => hull(expected, own),
                    None => expected.cloned().unwrap_or(Type::Int),
                };
                mk(BinOp::Range, x, y, Type::Set(Box::new(elem)))
            }
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                let x = self.check(cx, a, &Type::Int, None);
                let y = self.check(cx, b, &Type::Int, None);
                let kind = match op {
                    BinaryOp::Mul => BinOp::Mul,
                    BinaryOp::Div => BinOp::Div,
                    _ => BinOp::Rem,
                };
                mk(kind, x, y, Type::Int)
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Inter => {
                // The operand that knows its type decides between the set
                // and the integer meaning; the other is checked against it.
                let a_first = !self.needs_context(cx, a) || self.needs_context(cx, b);
                let (first, second) = if a_first { (a, b) } else { (b, a) };
                let known = self.infer(cx, first);
                let (x, y) = match &known.ty {
                    Type::Set(_) => {
                        let other = self.check(cx, second, &known.ty.clone(), None);
                        if a_first {
                            (known, other)
                        } else {
                            (other, known)
                        }
                    }
                    t if t.is_int() && op != BinaryOp::Inter => {
                        let other = self.check(cx, second, &Type::Int, None);
                        if a_first {
                            (known, other)
                        } else {
                            (other, known)
                        }
                    }
                    _ => {
                        let other = self.infer(cx, second);
                        let (x, y) = if a_first {
                            (known, other)
                        } else {
                            (other, known)
                        };
                        return self.bad_operands(op.symbol(), &x.ty, Some(&y.ty), span);
                    }
                };
                if x.ty.has_error() || y.ty.has_error() {
                    return Self::error_expr(span);
                }
                match &x.ty {
                    Type::Set(_) => {
                        let kind = match op {
                            BinaryOp::Add => BinOp::Union,
                            BinaryOp::Sub => BinOp::Diff,
                            _ => BinOp::Inter,
                        };
                        // A union holds both sides' integers; a difference
                        // and an intersection only the left side's.
                        let ty = match kind {
                            BinOp::Union => join(&x.ty, &y.ty),
                            _ => x.ty.clone(),
                        };
                        mk(kind, x, y, ty)
                    }
                    _ => {
                        let kind = if op == BinaryOp::Add {
                            BinOp::Add
                        } else {
                            BinOp::Sub
                        };
                        mk(kind, x, y, Type::Int)
                    }
                }
            }
        }
    }

    /// Types two operands that must have one type, the context-free one
    /// first; reports a mismatch.
    fn same_type_pair(&mut self, cx: &mut Ctx, a: &ast::Expr, b: &ast::Expr) -> (Expr, Expr) {
        if self.needs_context(cx, a) && !self.needs_context(cx, b) {
            let y = self.infer(cx, b);
            let x = self.check(cx, a, &y.ty.clone(), None);
            (x, y)
        } else {
            let x = self.infer(cx, a);
            let y = self.check(cx, b, &x.ty.clone(), None);
            (x, y)
        }
    }

    fn bad_operands(
        &mut self,
        op: &'static str,
        left: &Type,
        right: Option<&Type>,
        span: Span,
    ) -> Expr {
        if !left.has_error() && !right.is_some_and(Type::has_error) {
            self.errors.push(TypeError::BadOperands {
                op,
                left: self.type_name(left),
                right: right.map(|r| self.type_name(r)),
                span,
            });
        }
        Self::error_expr(span)
    }

    fn field(&mut self, cx: &mut Ctx, base: &ast::Expr, field: &ast::Ident, span: Span) -> Expr {
        let base = self.infer(cx, base);
        self.r.index.member(field.span, &base.ty);
        match &base.ty {
            Type::Node(k) => {
                let k = *k;
                match self.r.nodes[k].var_index.get(&field.name).copied() {
                    Some(v) => {
                        self.refer(field.span, Some(self.r.nodes[k].vars[v].decl.name.span));
                        self.read_var(cx, k, v, span);
                        let ty = self.r.nodes[k].vars[v].ty.clone();
                        let kind = if matches!(base.kind, ExprKind::SelfId) {
                            ExprKind::Var(v)
                        } else {
                            ExprKind::RemoteVar {
                                node: Box::new(base),
                                kind: k,
                                var: v,
                            }
                        };
                        Expr { kind, ty, span }
                    }
                    None => {
                        let names = self.r.nodes[k].var_index.keys().map(String::as_str);
                        let suggestion = did_you_mean(&field.name, names).map(str::to_string);
                        self.errors.push(TypeError::NoField {
                            ty: self.r.nodes[k].decl.name.name.clone(),
                            field: field.name.clone(),
                            span: field.span,
                            suggestion,
                        });
                        Self::error_expr(span)
                    }
                }
            }
            Type::Record(fields) => match fields.iter().position(|(n, _)| *n == field.name) {
                Some(index) => {
                    let definition = self.r.index.field_span(&base.ty, index);
                    self.refer(field.span, definition);
                    let ty = fields[index].1.clone();
                    Expr {
                        kind: ExprKind::Field(Box::new(base), index),
                        ty,
                        span,
                    }
                }
                None => {
                    let suggestion =
                        did_you_mean(&field.name, fields.iter().map(|(n, _)| n.as_str()))
                            .map(str::to_string);
                    self.errors.push(TypeError::NoField {
                        ty: self.type_name(&base.ty),
                        field: field.name.clone(),
                        span: field.span,
                        suggestion,
                    });
                    Self::error_expr(span)
                }
            },
            Type::Error => Self::error_expr(span),
            other => {
                self.errors.push(TypeError::NoField {
                    ty: self.type_name(other),
                    field: field.name.clone(),
                    span: field.span,
                    suggestion: None,
                });
                Self::error_expr(span)
            }
        }
    }

    fn index(&mut self, cx: &mut Ctx, base: &ast::Expr, index: &ast::Expr, span: Span) -> Expr {
        // `RM[i]`: an instance of a node kind.
        if let ast::ExprKind::Name(name) = &base.kind
            && let NameRes::Global(Global::Node(k)) = self.resolve_name(cx, &name.name)
        {
            self.refer(name.span, Some(self.r.global_span(Global::Node(k))));
            let i = self.check(cx, index, &Type::Int, None);
            if self.r.nodes[k].decl.symmetric {
                self.errors.push(TypeError::Asymmetric {
                    kind: name.name.clone(),
                    span,
                    decl: self.r.nodes[k].decl.name.span,
                });
            }
            let count = self.r.nodes[k].count as i64;
            if let ExprKind::Int(n) = i.kind
                && (n < 0 || n >= count)
            {
                self.errors.push(TypeError::OutOfRange {
                    value: n,
                    lo: 0,
                    hi: count - 1,
                    span: i.span,
                    decl: Some(self.r.nodes[k].decl.name.span),
                });
            }
            return Expr {
                kind: ExprKind::Instance(k, Box::new(i)),
                ty: Type::Node(k),
                span,
            };
        }
        let base = self.infer(cx, base);
        match base.ty.clone() {
            Type::Map(k, v) => {
                let key = self.check(cx, index, &k, None);
                Expr {
                    kind: ExprKind::MapGet(Box::new(base), Box::new(key)),
                    ty: *v,
                    span,
                }
            }
            Type::Seq(t, _) => {
                let i = self.check(cx, index, &Type::Int, None);
                Expr {
                    kind: ExprKind::SeqGet(Box::new(base), Box::new(i)),
                    ty: *t,
                    span,
                }
            }
            Type::Error => {
                self.infer(cx, index);
                Self::error_expr(span)
            }
            other => {
                // The index's names still resolve.
                self.infer(cx, index);
                let found = self.type_name(&other);
                self.errors.push(TypeError::Mismatch {
                    expected: "a map, a sequence or a node kind".into(),
                    found,
                    span: base.span,
                    cause: None,
                });
                Self::error_expr(span)
            }
        }
    }

    fn call(
        &mut self,
        cx: &mut Ctx,
        name: &ast::Ident,
        args: &[ast::Expr],
        hint: Option<&Type>,
        span: Span,
    ) -> Expr {
        if Builtin::by_name(&name.name).is_none()
            && let Some(g @ Global::Def(d)) = self.r.globals.get(&name.name).copied()
        {
            self.refer(name.span, Some(self.r.global_span(g)));
            return self.call_def(cx, d, args, span);
        }
        if Builtin::by_name(&name.name).is_none()
            && let Some(Global::Variant(u, v)) = self.r.globals.get(&name.name).copied()
        {
            return self.construct(cx, (u, v), name, Some(args), span);
        }
        let Some(builtin) = Builtin::by_name(&name.name) else {
            let defs = self.r.defs.iter().map(|d| d.decl.name.name.as_str());
            let suggestion = did_you_mean(&name.name, Builtin::NAMES.iter().copied().chain(defs))
                .map(str::to_string);
            self.r.errors.push(ResolveError::UnknownName {
                name: name.name.clone(),
                wanted: "function",
                span: name.span,
                suggestion,
            });
            for a in args {
                self.infer(cx, a);
            }
            return Self::error_expr(span);
        };
        let arity = match builtin {
            Builtin::Min | Builtin::Max => 2,
            _ => 1,
        };
        if args.len() != arity {
            self.errors.push(TypeError::Arity {
                what: format!("`{}`", name.name),
                expected: arity,
                noun: "argument",
                found: args.len(),
                span,
                decl: None,
            });
            for a in args {
                self.infer(cx, a);
            }
            return Self::error_expr(span);
        }
        let mk = |args: Vec<Expr>, ty: Type| Expr {
            kind: ExprKind::Call(builtin, args),
            ty,
            span,
        };
        match builtin {
            Builtin::Min | Builtin::Max => {
                let x = self.check(cx, &args[0], &Type::Int, None);
                let y = self.check(cx, &args[1], &Type::Int, None);
                mk(vec![x, y], Type::Int)
            }
            Builtin::Some => {
                let inner_hint = match hint {
                    Some(Type::Option(t)) => Some((**t).clone()),
                    _ => None,
                };
                let x = match &inner_hint {
                    Some(t) => self.check(cx, &args[0], t, None),
                    None => self.infer(cx, &args[0]),
                };
                // As a tuple's part: an integer covers the expected range
                // and its own values (`some(-1)`).
                let ty = Type::Option(Box::new(part_type(inner_hint.as_ref(), &x)));
                mk(vec![x], ty)
            }
            Builtin::Len => {
                let x = self.infer(cx, &args[0]);
                match &x.ty {
                    Type::Set(_) | Type::Seq(..) | Type::Error => mk(vec![x], Type::Int),
                    other => self.bad_operands("len", &other.clone(), None, span),
                }
            }
            Builtin::IsSome | Builtin::IsNone | Builtin::Unwrap => {
                let x = self.infer(cx, &args[0]);
                match x.ty.clone() {
                    Type::Option(t) => {
                        let ty = if builtin == Builtin::Unwrap {
                            *t
                        } else {
                            Type::Bool
                        };
                        mk(vec![x], ty)
                    }
                    Type::Error => Self::error_expr(span),
                    other => self.bad_operands(builtin_name(builtin), &other, None, span),
                }
            }
            Builtin::Head | Builtin::Last | Builtin::Tail => {
                let x = self.infer(cx, &args[0]);
                match x.ty.clone() {
                    Type::Seq(t, n) => {
                        let ty = if builtin == Builtin::Tail {
                            Type::Seq(t, n)
                        } else {
                            *t
                        };
                        mk(vec![x], ty)
                    }
                    Type::Error => Self::error_expr(span),
                    other => self.bad_operands(builtin_name(builtin), &other, None, span),
                }
            }
            Builtin::Old => {
                let x = self.expr(cx, &args[0], hint);
                if !cx.step_prop {
                    self.errors.push(TypeError::OldOutsideStep { span });
                    return Self::error_expr(span);
                }
                let ty = x.ty.clone();
                mk(vec![x], ty)
            }
            Builtin::Byzantine | Builtin::Crashed => {
                let x = self.infer(cx, &args[0]);
                cx.env_reads = true;
                if cx.init_pred {
                    self.errors.push(TypeError::InitEnvironment {
                        what: format!("`{}(..)`", builtin_name(builtin)),
                        span,
                    });
                    return Self::error_expr(span);
                }
                if cx.node.is_some() {
                    self.errors.push(TypeError::EnvironmentOnly {
                        name: builtin_name(builtin),
                        span,
                    });
                    return Self::error_expr(span);
                }
                cx.reads_state = true;
                match x.ty.clone() {
                    Type::Node(_) => mk(vec![x], Type::Bool),
                    Type::Error => Self::error_expr(span),
                    other => self.bad_operands(builtin_name(builtin), &other, None, span),
                }
            }
        }
    }

    fn map_lit(
        &mut self,
        cx: &mut Ctx,
        entries: &[(ast::MapKey, ast::Expr)],
        hint: Option<&Type>,
        span: Span,
    ) -> Expr {
        let (mut key_ty, mut val_ty) = match hint {
            Some(Type::Map(k, v)) => (Some((**k).clone()), Some((**v).clone())),
            _ => (None, None),
        };
        let mut out = Vec::new();
        let mut default = None;
        for (key, value) in entries {
            let value = match &val_ty {
                Some(t) => self.check(cx, value, &t.clone(), None),
                None => {
                    let v = self.infer(cx, value);
                    val_ty = Some(widen(&v.ty));
                    v
                }
            };
            match key {
                ast::MapKey::Default(_) => default = Some(Box::new(value)),
                ast::MapKey::Key(k) => {
                    let k = match &key_ty {
                        Some(t) => self.check(cx, k, &t.clone(), None),
                        None => {
                            let k = self.infer(cx, k);
                            key_ty = Some(widen(&k.ty));
                            k
                        }
                    };
                    out.push((k, value));
                }
            }
        }
        let (Some(k), Some(v)) = (key_ty, val_ty) else {
            self.errors.push(TypeError::CannotInfer {
                what: "this map literal",
                span,
            });
            return Self::error_expr(span);
        };
        // `_ -> v` stands for every other key of the key type: an
        // unbounded `int` has no list of keys to stand for.
        if default.is_some() && k == Type::Int {
            self.errors.push(TypeError::CannotInfer {
                what: "the keys `_ ->` stands for (integer keys need a declared range)",
                span,
            });
            return Self::error_expr(span);
        }
        Expr {
            kind: ExprKind::MapLit {
                entries: out,
                default,
            },
            ty: Type::Map(Box::new(k), Box::new(v)),
            span,
        }
    }

    fn record_lit(
        &mut self,
        cx: &mut Ctx,
        fields: &[(ast::Ident, ast::Expr)],
        hint: Option<&Type>,
        span: Span,
    ) -> Expr {
        let Some(Type::Record(expected)) = hint else {
            // No declared record type: the literal's own fields, as written.
            let mut values = Vec::new();
            let mut tys = Vec::new();
            for (name, value) in fields {
                let v = self.infer(cx, value);
                tys.push((name.name.clone(), part_type(None, &v)));
                values.push(v);
            }
            return Expr {
                kind: ExprKind::Record(values),
                ty: Type::Record(tys),
                span,
            };
        };
        let record = Type::Record(expected.clone());
        let expected = expected.clone();
        let mut values: Vec<Option<Expr>> = vec![None; expected.len()];
        for (name, value) in fields {
            self.r.index.member(name.span, &record);
            let position = expected.iter().position(|(n, _)| *n == name.name);
            if let Some(index) = position {
                let definition = self.r.index.field_span(&record, index);
                self.refer(name.span, definition);
            }
            match position {
                Some(index) if values[index].is_none() => {
                    values[index] = Some(self.check(cx, value, &expected[index].1, None));
                }
                Some(_) => {
                    self.r.errors.push(ResolveError::Duplicate {
                        name: name.name.clone(),
                        what: "field",
                        first: name.span,
                        second: name.span,
                    });
                }
                None => {
                    let suggestion =
                        did_you_mean(&name.name, expected.iter().map(|(n, _)| n.as_str()))
                            .map(str::to_string);
                    self.errors.push(TypeError::NoField {
                        ty: self.type_name(&Type::Record(expected.clone())),
                        field: name.name.clone(),
                        span: name.span,
                        suggestion,
                    });
                    self.infer(cx, value);
                }
            }
        }
        let missing: Vec<&str> = expected
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|((n, _), _)| n.as_str())
            .collect();
        if !missing.is_empty() {
            self.errors.push(TypeError::Mismatch {
                expected: self.type_name(&Type::Record(expected.clone())),
                found: format!("a record without `{}`", missing.join("`, `")),
                span,
                cause: None,
            });
            return Self::error_expr(span);
        }
        let values: Vec<Expr> = values.into_iter().flatten().collect();
        // As a tuple's parts: an integer field covers the declared range
        // and its own values.
        let ty = Type::Record(
            expected
                .iter()
                .zip(&values)
                .map(|((name, t), v)| (name.clone(), part_type(Some(t), v)))
                .collect(),
        );
        Expr {
            kind: ExprKind::Record(values),
            ty,
            span,
        }
    }
}

/// The type to give a collection built from a value of type `t`: integer
/// ranges widen to `int`, so `{x, 5}` is a set of ints.
/// The values an integer expression can take, as far as its form tells: a
/// literal, a value of a range type, and their negations, sums,
/// differences, products, `min`, `max` and `if`s. `None` when unknown or
/// when the bounds overflow.
fn int_range(e: &Expr) -> Option<(i64, i64)> {
    if let Type::Range { lo, hi } = e.ty {
        return Some((lo, hi));
    }
    match &e.kind {
        ExprKind::Int(n) => Some((*n, *n)),
        ExprKind::Unary(UnOp::Neg, x) => {
            let (lo, hi) = int_range(x)?;
            Some((hi.checked_neg()?, lo.checked_neg()?))
        }
        ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul), a, b) => {
            let ((a0, a1), (b0, b1)) = (int_range(a)?, int_range(b)?);
            match op {
                BinOp::Add => Some((a0.checked_add(b0)?, a1.checked_add(b1)?)),
                BinOp::Sub => Some((a0.checked_sub(b1)?, a1.checked_sub(b0)?)),
                _ => {
                    let corners = [
                        a0.checked_mul(b0)?,
                        a0.checked_mul(b1)?,
                        a1.checked_mul(b0)?,
                        a1.checked_mul(b1)?,
                    ];
                    Some((*corners.iter().min()?, *corners.iter().max()?))
                }
            }
        }
        ExprKind::If(_, t, f) => {
            let ((t0, t1), (f0, f1)) = (int_range(t)?, int_range(f)?);
            Some((t0.min(f0), t1.max(f1)))
        }
        ExprKind::Let { body, .. } => int_range(body),
        ExprKind::Quant {
            quantifier: Quantifier::Min | Quantifier::Max,
            body,
            ..
        } => int_range(body),
        ExprKind::Call(Builtin::Min | Builtin::Max, args) if args.len() == 2 => {
            let ((a0, a1), (b0, b1)) = (int_range(&args[0])?, int_range(&args[1])?);
            Some((a0.min(b0), a1.max(b1)))
        }
        _ => None,
    }
}

/// Where `e` names one of `names`, if it does (a name shadowed inside `e`
/// counts too: the domain still reads the outer one's name).
fn reads_any<'e>(e: &'e ast::Expr, names: &[&str]) -> Option<&'e ast::Ident> {
    if let ast::ExprKind::Name(ident) = &e.kind
        && names.contains(&ident.name.as_str())
    {
        return Some(ident);
    }
    super::defs::children(e)
        .into_iter()
        .find_map(|c| reads_any(c, names))
}

/// `t` with every integer range an unbounded `int`: the shape a sibling
/// (another element of a literal, the other branch of an `if`) must have,
/// without the sibling's own values.
pub(super) fn forget_ranges(t: &Type) -> Type {
    use Type::*;
    match t {
        Range { .. } => Int,
        Tuple(ts) => Tuple(ts.iter().map(forget_ranges).collect()),
        Record(fs) => Record(
            fs.iter()
                .map(|(n, t)| (n.clone(), forget_ranges(t)))
                .collect(),
        ),
        Set(t) => Set(Box::new(forget_ranges(t))),
        Option(t) => Option(Box::new(forget_ranges(t))),
        Seq(t, n) => Seq(Box::new(forget_ranges(t)), *n),
        Map(k, v) => Map(Box::new(forget_ranges(k)), Box::new(forget_ranges(v))),
        other => other.clone(),
    }
}

/// The type of an expression's values as far as they are known: an
/// integer's range when [`int_range`] knows it.
pub(super) fn precise_type(e: &Expr) -> Type {
    match int_range(e) {
        Some((lo, hi)) if e.ty.is_int() => Type::Range { lo, hi },
        _ => e.ty.clone(),
    }
}

/// A type holding the values of two compatible types: integer ranges
/// joined, part by part; an unbounded `int` anywhere stays `int`.
pub(super) fn join(a: &Type, b: &Type) -> Type {
    use Type::*;
    match (a, b) {
        (Range { lo, hi }, Range { lo: c, hi: d }) => Range {
            lo: *lo.min(c),
            hi: *hi.max(d),
        },
        (x, y) if x.is_int() && y.is_int() => Int,
        (Tuple(xs), Tuple(ys)) if xs.len() == ys.len() => {
            Tuple(xs.iter().zip(ys).map(|(x, y)| join(x, y)).collect())
        }
        (Record(xs), Record(ys)) if xs.len() == ys.len() => Record(
            xs.iter()
                .zip(ys)
                .map(|((n, x), (_, y))| (n.clone(), join(x, y)))
                .collect(),
        ),
        (Set(x), Set(y)) => Set(Box::new(join(x, y))),
        (Option(x), Option(y)) => Option(Box::new(join(x, y))),
        (Seq(x, n), Seq(y, m)) => Seq(Box::new(join(x, y)), (*n).max(*m)),
        (Map(k, v), Map(l, w)) => Map(Box::new(join(k, l)), Box::new(join(v, w))),
        _ => a.clone(),
    }
}

/// A type holding the expected type's values and `own`'s: like [`join`],
/// but where `own` does not know an integer's range (`int`), the expected
/// range stands.
pub(super) fn cover(expected: &Type, own: &Type) -> Type {
    use Type::*;
    match (expected, own) {
        (Range { .. }, Int) => expected.clone(),
        (Int, Range { .. }) => own.clone(),
        (Tuple(xs), Tuple(ys)) if xs.len() == ys.len() => {
            Tuple(xs.iter().zip(ys).map(|(x, y)| cover(x, y)).collect())
        }
        (Record(xs), Record(ys)) if xs.len() == ys.len() => Record(
            xs.iter()
                .zip(ys)
                .map(|((n, x), (_, y))| (n.clone(), cover(x, y)))
                .collect(),
        ),
        (Set(x), Set(y)) => Set(Box::new(cover(x, y))),
        (Option(x), Option(y)) => Option(Box::new(cover(x, y))),
        (Seq(x, n), Seq(y, m)) => Seq(Box::new(cover(x, y)), (*n).max(*m)),
        (Map(k, v), Map(l, w)) => Map(Box::new(cover(k, l)), Box::new(cover(v, w))),
        _ => join(expected, own),
    }
}

/// A range covering `own` and, when it is a range, `expected`.
fn hull(expected: Option<&Type>, (lo, hi): (i64, i64)) -> Type {
    match expected {
        Some(Type::Range { lo: a, hi: b }) => Type::Range {
            lo: lo.min(*a),
            hi: hi.max(*b),
        },
        _ => Type::Range { lo, hi },
    }
}

/// The type of a tuple or record literal's part: for an integer, a range covering
/// the expected one and the part's own values (or the expected type, or
/// `int`, when the part's values are unknown); otherwise the part's own.
fn part_type(expected: Option<&Type>, item: &Expr) -> Type {
    if !item.ty.is_int() || item.ty.has_error() {
        return item.ty.clone();
    }
    match (int_range(item), expected) {
        (Some(own), expected) => hull(expected, own),
        (None, Some(expected)) if expected.is_int() => expected.clone(),
        _ => Type::Int,
    }
}

fn widen(t: &Type) -> Type {
    match t {
        Type::Range { .. } => Type::Int,
        other => other.clone(),
    }
}

fn builtin_name(b: Builtin) -> &'static str {
    match b {
        Builtin::Len => "len",
        Builtin::Min => "min",
        Builtin::Max => "max",
        Builtin::Some => "some",
        Builtin::IsSome => "is_some",
        Builtin::IsNone => "is_none",
        Builtin::Unwrap => "unwrap",
        Builtin::Head => "head",
        Builtin::Tail => "tail",
        Builtin::Last => "last",
        Builtin::Byzantine => "byzantine",
        Builtin::Crashed => "crashed",
        Builtin::Old => "old",
    }
}
