//! Type checking: the third stage of the front end.
//!
//! [`check`] takes the [`Resolved`] declarations and checks every body:
//! variable initialisers, handler and action guards and statements, and
//! property expressions. It resolves the names inside them (locals, the
//! running node's variables, constants, node instances, enum variants chosen
//! by the expected type) and builds the [`TypedSpec`] lowering needs.
//!
//! Expressions are checked bidirectionally: [`Checker::expr`] takes the
//! expected type when the context knows it, which is how `{}`, `none` and a
//! bare variant name like `committed` get their types.

mod defs;
pub mod error;
mod expr;
mod lint;
mod stmt;
mod unions;

use std::collections::{BTreeMap, BTreeSet};

pub use error::{FrontError, Lint, TypeError};

use crate::index::{DefKind, Index};
use crate::resolve::{DeadlockDecl, Global, Resolved};
use crate::syntax::ast::{self, Span};
use crate::typed::*;

/// The outcome of type checking.
#[derive(Debug)]
pub struct Checked {
    /// The typed spec, when there were no errors (resolve errors included).
    pub spec: Option<TypedSpec>,
    /// Every error found, the resolver's first; empty when the spec is
    /// well formed and well typed.
    pub errors: Vec<FrontError>,
    /// Warnings about a valid spec that is probably not what was meant.
    pub lints: Vec<Lint>,
    /// Every name and what it refers to, errors or not.
    pub index: Index,
}

/// Checks every body of a resolved spec.
pub fn check(mut resolved: Resolved<'_>) -> Checked {
    let mut checker = Checker::new(&mut resolved);
    let spec = checker.check_spec();
    let errors = std::mem::take(&mut checker.errors);
    let lints = checker.lints();
    let senders = (0..checker.r.messages.len())
        .map(|m| {
            let kinds = checker.senders.get(&m);
            kinds.map_or_else(Vec::new, |k| k.iter().copied().collect())
        })
        .collect();
    let errors: Vec<FrontError> = (std::mem::take(&mut resolved.errors).into_iter())
        .map(FrontError::Resolve)
        .chain(errors.into_iter().map(FrontError::Type))
        .collect();
    let mut index = std::mem::take(&mut resolved.index);
    let node_names = resolved.nodes.iter().map(|n| n.decl.name.name.clone());
    index.set_type_names(node_names.collect(), resolved.enums.clone());
    index.set_senders(senders);
    Checked {
        spec: errors.is_empty().then_some(spec),
        errors,
        lints,
        index,
    }
}

/// How deep the bodies of defs inlined into one another may nest, summed
/// (each body is at most `syntax::depth::MAX_DEPTH` deep on its own).
pub(crate) const MAX_INLINE_DEPTH: usize = 256;

/// The most expression nodes all the inlined calls of a spec may hold.
pub(crate) const MAX_INLINED: usize = 1_000_000;

/// The most properties one quantified property (`name(v in D): ..`) may
/// stand for: each is checked and reported on its own.
pub(crate) const MAX_PROPERTY_INSTANCES: usize = 1024;

/// Where a body runs, and the locals in scope.
struct Ctx {
    /// The node kind whose code this is; `None` in properties.
    node: Option<NodeKindId>,
    locals: Vec<Local>,
    /// Innermost scope last.
    scopes: Vec<Vec<(String, LocalId)>>,
    /// Set when the body reads a variable.
    reads_state: bool,
    /// Initial values may not read variables.
    init_mode: bool,
    /// The innermost block, where a `let` is in scope.
    block: Span,
    /// Inside a def's body: no running node to read.
    in_def: bool,
    /// Set when the body uses `byzantine` or `crashed`.
    env_reads: bool,
    /// In an `init` predicate: the environment has done nothing yet.
    init_pred: bool,
    /// In a `step` property: `old(e)` reads the state before the step.
    step_prop: bool,
}

impl Ctx {
    fn new(node: Option<NodeKindId>) -> Ctx {
        Ctx {
            node,
            locals: Vec::new(),
            scopes: vec![Vec::new()],
            reads_state: false,
            init_mode: false,
            block: Span::default(),
            in_def: false,
            env_reads: false,
            init_pred: false,
            step_prop: false,
        }
    }

    fn bind(&mut self, name: &str, ty: Type, span: Span) -> LocalId {
        let id = self.locals.len();
        self.locals.push(Local {
            name: name.to_string(),
            ty,
            span,
        });
        self.scopes
            .last_mut()
            .expect("a scope is always open")
            .push((name.to_string(), id));
        id
    }

    fn lookup(&self, name: &str) -> Option<LocalId> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
    }

    fn push(&mut self) {
        self.scopes.push(Vec::new());
    }

    fn pop(&mut self) {
        self.scopes.pop();
    }

    fn local_names(&self) -> Vec<String> {
        self.scopes
            .iter()
            .flatten()
            .map(|(n, _)| n.clone())
            .collect()
    }
}

/// What a bare name in an expression refers to.
#[derive(Clone, Debug)]
enum NameRes {
    Local(LocalId),
    Var(VarId),
    /// A constant (its index) with its value.
    Const(usize, ConstValue),
    Global(Global),
    Variants(Vec<(EnumId, usize)>),
    NoneLit,
    Unknown,
}

struct Checker<'r, 'a> {
    r: &'r mut Resolved<'a>,
    errors: Vec<TypeError>,
    /// Variables read somewhere.
    var_reads: BTreeSet<(NodeKindId, VarId)>,
    /// Message → node kinds that send it (from a syntactic pre-pass).
    senders: BTreeMap<MessageId, BTreeSet<NodeKindId>>,
    /// (receiver kind, message) pairs with a handler.
    handled: BTreeSet<(NodeKindId, MessageId)>,
    /// Handlers of messages no one sends, for the lint.
    unsent_handlers: Vec<(String, Span)>,
    /// Each def's standalone check, by index in `Resolved::defs`.
    defs: Vec<DefCheck>,
    /// The defs whose standalone check is under way, outermost first.
    checking: Vec<usize>,
    /// The summed depth of the def bodies being inlined.
    inline_depth: usize,
    /// Expression nodes inlined so far.
    inlined: usize,
}

/// Where a def's standalone check stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DefCheck {
    Unchecked,
    InProgress,
    Ok,
    /// Its body had errors (reported once, by the standalone check):
    /// calls give an error expression without inlining it.
    Failed,
}

impl<'r, 'a> Checker<'r, 'a> {
    fn new(r: &'r mut Resolved<'a>) -> Checker<'r, 'a> {
        let mut c = Checker {
            r,
            errors: Vec::new(),
            var_reads: BTreeSet::new(),
            senders: BTreeMap::new(),
            handled: BTreeSet::new(),
            unsent_handlers: Vec::new(),
            defs: Vec::new(),
            checking: Vec::new(),
            inline_depth: 0,
            inlined: 0,
        };
        c.defs = vec![DefCheck::Unchecked; c.r.defs.len()];
        c.prepass();
        c
    }

    /// Collects who sends and who handles which message, before bodies are
    /// checked, so handlers can type `from` and sends can find receivers.
    fn prepass(&mut self) {
        for (kind, node) in self.r.nodes.iter().enumerate() {
            for item in &node.decl.items {
                let body = match item {
                    ast::NodeItem::Handler(h) => {
                        if let Some(Global::Message(m)) = self.r.globals.get(&h.message.name) {
                            self.handled.insert((kind, *m));
                        }
                        &h.body
                    }
                    ast::NodeItem::Action(a) => &a.body,
                    ast::NodeItem::Var(_) => continue,
                };
                let mut sent = Vec::new();
                collect_sends(&body.stmts, &mut sent);
                for name in sent {
                    if let Some(Global::Message(m)) = self.r.globals.get(name) {
                        self.senders.entry(*m).or_default().insert(kind);
                    }
                }
            }
        }
    }

    fn check_spec(&mut self) -> TypedSpec {
        for index in 0..self.r.defs.len() {
            self.ensure_def_checked(index);
        }
        let nodes: Vec<NodeDef> = (0..self.r.nodes.len())
            .map(|k| self.check_node(k))
            .collect();
        let properties: Vec<PropertyDef> = (0..self.r.properties.len())
            .flat_map(|p| self.check_property(p))
            .collect();
        let deadlock = match self.r.deadlock {
            DeadlockDecl::Check => Deadlock::Check,
            DeadlockDecl::Allowed => Deadlock::Allowed,
            DeadlockDecl::DoneWhen(e) => Deadlock::DoneWhen(self.predicate(e)),
        };
        let bounds_src: Vec<&ast::Expr> = self.r.bounds.clone();
        let bounds = bounds_src.into_iter().map(|e| self.predicate(e)).collect();
        let inits_src: Vec<&ast::InitDecl> = self.r.inits.clone();
        let inits = inits_src.into_iter().map(|d| self.init_def(d)).collect();
        TypedSpec {
            protocol: self.r.ast.protocol.name.clone(),
            unions: self.r.unions.clone(),
            consts: self
                .r
                .consts
                .iter()
                .filter_map(|c| {
                    Some(ConstDef {
                        name: c.decl.name.name.clone(),
                        value: c.value?,
                        overridden: c.overridden,
                        span: c.decl.span,
                    })
                })
                .collect(),
            enums: self.r.enums.clone(),
            messages: self
                .r
                .messages
                .iter()
                .map(|m| MessageDef {
                    name: m.decl.name.name.clone(),
                    fields: m.fields.clone(),
                    network: m.network,
                    fair: m.fair,
                    span: m.decl.span,
                })
                .collect(),
            nodes,
            faults: self.r.faults.clone(),
            properties,
            deadlock,
            bounds,
            inits,
        }
    }

    fn check_node(&mut self, kind: NodeKindId) -> NodeDef {
        let decl = self.r.nodes[kind].decl;
        let mut vars = Vec::new();
        for index in 0..self.r.nodes[kind].vars.len() {
            let v = self.r.nodes[kind].vars[index].clone();
            let mut cx = Ctx::new(Some(kind));
            cx.init_mode = true;
            let init = match &v.decl.init {
                ast::VarInit::Value(e) => {
                    let value = self.check(
                        &mut cx,
                        e,
                        &v.ty,
                        Some((v.decl.ty.span, "the variable's type")),
                    );
                    self.literal_fits(&value, &v.ty, Some(v.decl.ty.span));
                    Init::Value(value)
                }
                ast::VarInit::OneOf(e) => {
                    let set_ty = Type::Set(Box::new(v.ty.clone()));
                    let value = self.check(
                        &mut cx,
                        e,
                        &set_ty,
                        Some((v.decl.ty.span, "the variable's type")),
                    );
                    self.literal_fits(&value, &set_ty, Some(v.decl.ty.span));
                    Init::OneOf(value)
                }
            };
            vars.push(VarDef {
                name: v.decl.name.name.clone(),
                ty: v.ty.clone(),
                init,
                persistent: v.decl.persistent,
                locals: cx.locals,
                span: v.decl.span,
            });
        }
        let handlers_src = self.r.nodes[kind].handlers.clone();
        let handlers = handlers_src
            .into_iter()
            .filter_map(|h| self.check_handler(kind, h))
            .collect();
        let actions_src = self.r.nodes[kind].actions.clone();
        let actions = actions_src
            .into_iter()
            .map(|a| self.check_action(kind, &a))
            .collect();
        NodeDef {
            name: decl.name.name.clone(),
            count: self.r.nodes[kind].count,
            indexed: decl.count.is_some(),
            symmetric: decl.symmetric,
            vars,
            handlers,
            actions,
            sends: self
                .senders
                .iter()
                .filter(|(_, kinds)| kinds.contains(&kind))
                .map(|(&m, _)| m)
                .collect(),
            span: decl.span,
        }
    }

    fn check_handler(&mut self, kind: NodeKindId, h: &ast::HandlerDecl) -> Option<HandlerDef> {
        let message = self.r.expect_message(&h.message);
        let mut cx = Ctx::new(Some(kind));
        let fields = message.map(|m| self.r.messages[m].fields.clone());
        let mut payload = Vec::new();
        if let Some(binders) = &h.binders {
            if let Some(fields) = &fields
                && binders.len() != fields.len()
            {
                let m = &self.r.messages[message.unwrap_or_default()];
                self.errors.push(TypeError::Arity {
                    what: format!("message `{}`", m.decl.name.name),
                    expected: fields.len(),
                    noun: "field",
                    found: binders.len(),
                    span: binders.first().map_or(h.message.span, |b| {
                        b.span().to(binders.last().map_or(b.span(), |l| l.span()))
                    }),
                    decl: Some(m.decl.span),
                });
            }
            for (index, b) in binders.iter().enumerate() {
                let ty = fields
                    .as_ref()
                    .and_then(|f| f.get(index))
                    .map_or(Type::Error, |(_, t)| t.clone());
                let kind = DefKind::Payload {
                    message: h.message.name.clone(),
                    field: message.and_then(|m| {
                        let fields = &self.r.messages[m].fields;
                        fields.get(index).map(|(name, _)| name.clone())
                    }),
                };
                payload.push(match b {
                    ast::Binder::Name(name) => Some(self.bind(&mut cx, name, ty, kind, h.span)),
                    ast::Binder::Wildcard(_) => None,
                });
            }
        }
        if let Some(fields) = &fields {
            payload.resize(fields.len(), None);
        }
        let mut from_kind = None;
        let mut sender = None;
        let senders: Vec<NodeKindId> = message
            .and_then(|m| self.senders.get(&m))
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        if let Some(m) = message {
            if senders.is_empty() {
                self.unsent_handlers
                    .push((h.message.name.clone(), h.message.span));
            }
            self.handled.insert((kind, m));
        }
        if let Some(from) = &h.from {
            let ty = match &from.kind {
                Some(kind_name) => match self.r.expect_node(kind_name) {
                    Some(k) => {
                        if message.is_some() && !senders.contains(&k) && !senders.is_empty() {
                            self.errors.push(TypeError::FromKind {
                                kind: kind_name.name.clone(),
                                message: h.message.name.clone(),
                                senders: senders
                                    .iter()
                                    .map(|s| self.r.nodes[*s].decl.name.name.clone())
                                    .collect(),
                                span: from.span,
                                message_decl: message
                                    .map_or(from.span, |m| self.r.messages[m].decl.span),
                            });
                        }
                        from_kind = Some(k);
                        Type::Node(k)
                    }
                    None => Type::Error,
                },
                None => match senders.as_slice() {
                    [one] => Type::Node(*one),
                    // Found by fuzzing: the sender bound with the error type
                    // reached lowering (`send src M` panicked there).
                    [] if message.is_some() && matches!(from.binder, ast::Binder::Name(_)) => {
                        self.errors.push(TypeError::FromUnsent {
                            message: h.message.name.clone(),
                            span: from.span,
                        });
                        Type::Error
                    }
                    [] => Type::Error,
                    several => {
                        self.errors.push(TypeError::FromAmbiguous {
                            message: h.message.name.clone(),
                            senders: several
                                .iter()
                                .map(|s| self.r.nodes[*s].decl.name.name.clone())
                                .collect(),
                            span: from.span,
                        });
                        Type::Error
                    }
                },
            };
            if let ast::Binder::Name(name) = &from.binder {
                let kind = DefKind::Sender {
                    message: h.message.name.clone(),
                };
                sender = Some(self.bind(&mut cx, name, ty, kind, h.span));
            }
        }
        let guard = h
            .guard
            .as_ref()
            .map(|g| self.check(&mut cx, g, &Type::Bool, None));
        let stmts = self.block(&mut cx, &h.body);
        Some(HandlerDef {
            message: message?,
            from_kind,
            sender,
            payload,
            guard,
            body: Body {
                locals: cx.locals,
                stmts,
            },
            span: h.span,
        })
    }

    fn check_action(
        &mut self,
        kind: NodeKindId,
        a: &crate::resolve::ResolvedAction<'_>,
    ) -> ActionDef {
        let mut cx = Ctx::new(Some(kind));
        let params = a
            .params
            .iter()
            .map(|(name, ty)| {
                let kind = DefKind::Param {
                    action: a.decl.name.name.clone(),
                };
                self.bind(&mut cx, name, ty.clone(), kind, a.decl.span)
            })
            .collect();
        let guard = a
            .decl
            .guard
            .as_ref()
            .map(|g| self.check(&mut cx, g, &Type::Bool, None));
        let stmts = self.block(&mut cx, &a.decl.body);
        if let Some(span) = a.decl.family
            && a.decl.fairness == ast::Fairness::Unfair
        {
            self.errors.push(TypeError::FamilyWithoutFairness {
                action: a.decl.name.name.clone(),
                span,
            });
        }
        ActionDef {
            name: a.decl.name.name.clone(),
            fairness: a.decl.fairness,
            family: a.decl.family.is_some() && a.decl.fairness != ast::Fairness::Unfair,
            params,
            guard,
            body: Body {
                locals: cx.locals,
                stmts,
            },
            span: a.decl.span,
        }
    }

    fn predicate(&mut self, e: &ast::Expr) -> Predicate {
        let mut cx = Ctx::new(None);
        let expr = self.check(&mut cx, e, &Type::Bool, None);
        Predicate {
            locals: cx.locals,
            expr,
        }
    }

    /// An `init: P` declaration: a predicate over the whole state, as a
    /// property's, that must read some variable and cannot ask what the
    /// environment did (nothing, yet).
    fn init_def(&mut self, decl: &ast::InitDecl) -> InitDef {
        let n_errors = self.errors.len() + self.r.errors.len();
        let mut cx = Ctx::new(None);
        cx.init_pred = true;
        let expr = self.check(&mut cx, &decl.cond, &Type::Bool, None);
        // Only when it is otherwise right: an unresolved name would make
        // it look constant.
        if !cx.reads_state && self.errors.len() + self.r.errors.len() == n_errors {
            self.errors.push(TypeError::ConstantInit {
                span: decl.cond.span,
            });
        }
        InitDef {
            predicate: Predicate {
                locals: cx.locals,
                expr,
            },
            span: decl.span,
        }
    }

    /// A property, or for a quantified one (`name(v in D): ..`) one
    /// property per combination of its parameters' values, named
    /// `name(value, ..)`, each binding the parameters with a `let`.
    fn check_property(&mut self, index: PropertyId) -> Vec<PropertyDef> {
        let decl = self.r.properties[index];
        let n_errors = self.errors.len() + self.r.errors.len();
        let mut cx = Ctx::new(None);
        cx.step_prop = matches!(decl.kind, ast::PropertyKind::Step(_));
        cx.push();
        let mut params = Vec::new();
        for param in &decl.params {
            let (ty, values) = self.property_param(&mut cx, param);
            let kind = DefKind::PropertyParam {
                property: decl.name.name.clone(),
            };
            let local = self.bind(&mut cx, &param.name, ty.clone(), kind, decl.span);
            params.push((local, ty, values));
        }
        let def = self.property_body(index, &mut cx, n_errors);
        cx.pop();
        if params.is_empty() {
            return vec![def];
        }
        let combinations: usize = params
            .iter()
            .map(|(_, _, values)| values.len())
            .try_fold(1usize, |n, k| n.checked_mul(k))
            .unwrap_or(usize::MAX);
        if combinations > MAX_PROPERTY_INSTANCES {
            self.errors.push(TypeError::TooManyPropertyInstances {
                name: decl.name.name.clone(),
                count: combinations,
                max: MAX_PROPERTY_INSTANCES,
                span: decl.span,
            });
            return vec![def];
        }
        if combinations == 0 {
            // A domain that is an error, already reported, or a node kind
            // of no instances: no property to check.
            return Vec::new();
        }
        // Every combination, the first parameter varying slowest.
        let mut out = Vec::with_capacity(combinations);
        let mut digits = vec![0usize; params.len()];
        loop {
            let mut names = Vec::with_capacity(params.len());
            let mut bindings = Vec::with_capacity(params.len());
            for ((local, ty, values), &d) in params.iter().zip(&digits) {
                let (name, value) = &values[d];
                names.push(name.clone());
                bindings.push((*local, ty.clone(), value.clone()));
            }
            let bind = |e: &Expr| Expr {
                kind: ExprKind::Let {
                    bindings: bindings.clone(),
                    body: Box::new(e.clone()),
                    checked: false,
                },
                ty: e.ty.clone(),
                span: e.span,
            };
            out.push(PropertyDef {
                name: format!("{}({})", def.name, names.join(", ")),
                kind: def.kind.map(bind),
                ..def.clone()
            });
            let mut i = params.len();
            loop {
                if i == 0 {
                    return out;
                }
                i -= 1;
                digits[i] += 1;
                if digits[i] < params[i].2.len() {
                    break;
                }
                digits[i] = 0;
            }
        }
    }

    /// The type a property's parameter ranges over and each of its values,
    /// with the name a report gives it. The domain must name a finite type
    /// whose values can be listed: `bool`, a range, an enum, a node kind
    /// that is not symmetric, or options and tuples of those.
    fn property_param(
        &mut self,
        cx: &mut Ctx,
        param: &ast::PropParam,
    ) -> (Type, Vec<(String, Expr)>) {
        let span = param.domain.span;
        let ty = match self.type_as_domain(cx, &param.domain) {
            Some(ty) => ty,
            None => match &param.domain.kind {
                ast::ExprKind::All(te) => self.r.resolve_type(te, None),
                // `lo..hi` with constant bounds, read as the range type.
                ast::ExprKind::Binary(ast::BinaryOp::Range, lo, hi) => {
                    let te = ast::TypeExpr {
                        kind: ast::TypeKind::Range(lo.clone(), hi.clone()),
                        span,
                    };
                    self.r.resolve_type(&te, None)
                }
                _ => {
                    self.errors.push(TypeError::PropertyParamDomain {
                        name: param.name.name.clone(),
                        found: None,
                        span,
                    });
                    return (Type::Error, Vec::new());
                }
            },
        };
        if let Type::Node(k) = ty
            && self.r.nodes[k].decl.symmetric
        {
            self.errors.push(TypeError::Asymmetric {
                kind: self.r.nodes[k].decl.name.name.clone(),
                span,
                decl: self.r.nodes[k].decl.name.span,
            });
            return (ty, Vec::new());
        }
        match self.values_of(&ty, span) {
            Some(values) => (ty, values),
            None => {
                if ty != Type::Error {
                    let found = Some(self.type_name(&ty));
                    self.errors.push(TypeError::PropertyParamDomain {
                        name: param.name.name.clone(),
                        found,
                        span,
                    });
                }
                (Type::Error, Vec::new())
            }
        }
    }

    /// Every value of `ty` as a constant expression, with its printed
    /// form; `None` when `ty` is not a listable type, or has more than
    /// [`MAX_PROPERTY_INSTANCES`] values.
    fn values_of(&self, ty: &Type, span: Span) -> Option<Vec<(String, Expr)>> {
        let mk = |kind: ExprKind| Expr {
            kind,
            ty: ty.clone(),
            span,
        };
        let values = match ty {
            Type::Bool => [false, true]
                .into_iter()
                .map(|b| (b.to_string(), mk(ExprKind::Bool(b))))
                .collect(),
            Type::Range { lo, hi } => {
                if hi.checked_sub(*lo)? >= MAX_PROPERTY_INSTANCES as i64 {
                    return None;
                }
                (*lo..=*hi)
                    .map(|n| {
                        let int = Expr {
                            kind: ExprKind::Int(n),
                            ty: Type::Int,
                            span,
                        };
                        (n.to_string(), int)
                    })
                    .collect()
            }
            Type::Enum(id) => self
                .r
                .enums
                .get(*id)?
                .variants
                .iter()
                .enumerate()
                .map(|(i, name)| (name.clone(), mk(ExprKind::Variant(*id, i))))
                .collect(),
            Type::Node(k) => {
                let node = &self.r.nodes[*k];
                let indexed = node.decl.count.is_some();
                (0..node.count)
                    .map(|i| {
                        let index = Expr {
                            kind: ExprKind::Int(i as i64),
                            ty: Type::Int,
                            span,
                        };
                        let name = if indexed {
                            format!("{}[{i}]", node.decl.name.name)
                        } else {
                            node.decl.name.name.clone()
                        };
                        (name, mk(ExprKind::Instance(*k, Box::new(index))))
                    })
                    .collect()
            }
            Type::Option(inner) => {
                let mut out = vec![("none".to_string(), mk(ExprKind::None))];
                for (name, value) in self.values_of(inner, span)? {
                    let some = mk(ExprKind::Call(Builtin::Some, vec![value]));
                    out.push((format!("some({name})"), some));
                }
                out
            }
            Type::Tuple(parts) => {
                let mut out: Vec<(Vec<String>, Vec<Expr>)> = vec![(Vec::new(), Vec::new())];
                for part in parts {
                    let values = self.values_of(part, span)?;
                    if out.len().checked_mul(values.len())? > MAX_PROPERTY_INSTANCES {
                        return None;
                    }
                    out = out
                        .into_iter()
                        .flat_map(|(names, exprs)| {
                            values.iter().map(move |(n, e)| {
                                let mut names = names.clone();
                                let mut exprs = exprs.clone();
                                names.push(n.clone());
                                exprs.push(e.clone());
                                (names, exprs)
                            })
                        })
                        .collect();
                }
                out.into_iter()
                    .map(|(names, exprs)| {
                        let name = format!("({})", names.join(", "));
                        (name, mk(ExprKind::Tuple(exprs)))
                    })
                    .collect()
            }
            _ => return None,
        };
        Some(values)
    }

    /// The expressions of property `index`, checked with the locals of
    /// `cx` (its parameters) in scope.
    fn property_body(&mut self, index: PropertyId, cx: &mut Ctx, n_errors: usize) -> PropertyDef {
        let decl = self.r.properties[index];
        let boolean = |c: &mut Self, cx: &mut Ctx, e: &ast::Expr| c.check(cx, e, &Type::Bool, None);
        use ast::PropertyKind as P;
        let kind = match &decl.kind {
            P::Invariant(e) => PropertyKind::Invariant(boolean(self, cx, e)),
            P::Stable(e) => PropertyKind::Stable(boolean(self, cx, e)),
            P::Reachable(e) => PropertyKind::Reachable(boolean(self, cx, e)),
            P::Transient(e) => PropertyKind::Transient(boolean(self, cx, e)),
            P::Persistent(e) => PropertyKind::Persistent(boolean(self, cx, e)),
            P::Step(e) => PropertyKind::Step(boolean(self, cx, e)),
            P::Next(a, b) => PropertyKind::Next(boolean(self, cx, a), boolean(self, cx, b)),
            P::Unless(a, b) => PropertyKind::Unless(boolean(self, cx, a), boolean(self, cx, b)),
            P::LeadsTo(a, b) => PropertyKind::LeadsTo(boolean(self, cx, a), boolean(self, cx, b)),
            P::Ensures(a, b) => PropertyKind::Ensures(boolean(self, cx, a), boolean(self, cx, b)),
            P::Variant {
                measure,
                while_cond,
                until,
            } => {
                let measure_e = self.check(cx, measure, &Type::Int, None);
                PropertyKind::Variant {
                    measure: measure_e,
                    while_cond: boolean(self, cx, while_cond),
                    until: until.as_ref().map(|u| boolean(self, cx, u)),
                }
            }
        };
        // Only when the property is otherwise right: an unresolved name
        // would make it look constant.
        if !cx.reads_state && self.errors.len() + self.r.errors.len() == n_errors {
            self.errors.push(TypeError::ConstantProperty {
                name: decl.name.name.clone(),
                span: decl.span,
            });
        }
        PropertyDef {
            name: decl.name.name.clone(),
            kind,
            locals: cx.locals.clone(),
            expect_violation: self.r.expected_violations.contains(&index),
            name_span: decl.name.span,
            span: decl.span,
        }
    }

    /// Binds a local in the innermost scope and declares it in the index,
    /// usable inside `scope`.
    fn bind(
        &mut self,
        cx: &mut Ctx,
        name: &ast::Ident,
        ty: Type,
        kind: DefKind,
        scope: Span,
    ) -> LocalId {
        let def_ty = Some(ty.clone());
        self.r
            .index
            .define(&name.name, name.span, kind, def_ty, Some(scope));
        cx.bind(&name.name, ty, name.span)
    }

    /// Where the declaration a resolved name refers to is written; for
    /// variants, the first candidate's.
    fn definition_of(&self, cx: &Ctx, res: &NameRes) -> Option<Span> {
        match res {
            NameRes::Local(id) => cx.locals.get(*id).map(|l| l.span),
            NameRes::Var(v) => Some(self.r.nodes[cx.node?].vars.get(*v)?.decl.name.span),
            NameRes::Const(i, _) => Some(self.r.consts[*i].decl.name.span),
            NameRes::Global(g) => Some(self.r.global_span(*g)),
            NameRes::Variants(candidates) => {
                let (e, i) = candidates.first()?;
                self.r.index.variant_span(*e, *i)
            }
            NameRes::NoneLit | NameRes::Unknown => None,
        }
    }

    /// Records what the name at `span` refers to.
    fn refer(&mut self, span: Span, definition: Option<Span>) {
        if let Some(definition) = definition {
            self.r.index.refer(span, definition);
        }
    }

    /// A type as users write it.
    fn type_name(&self, ty: &Type) -> String {
        print_type(&*self.r, ty)
    }

    /// Reports an integer literal (also inside set, sequence and tuple
    /// literals) that cannot be stored in `target`.
    fn literal_fits(&mut self, value: &Expr, target: &Type, decl: Option<Span>) {
        match (&value.kind, target) {
            (ExprKind::Int(n), Type::Range { lo, hi }) if n < lo || n > hi => {
                self.errors.push(TypeError::OutOfRange {
                    value: *n,
                    lo: *lo,
                    hi: *hi,
                    span: value.span,
                    decl,
                });
            }
            (ExprKind::SetLit(items), Type::Set(elem))
            | (ExprKind::SeqLit(items), Type::Seq(elem, _)) => {
                for item in items {
                    self.literal_fits(item, elem, decl);
                }
            }
            (ExprKind::Tuple(items), Type::Tuple(tys)) => {
                for (item, ty) in items.iter().zip(tys) {
                    self.literal_fits(item, ty, decl);
                }
            }
            (ExprKind::Call(Builtin::Some, args), Type::Option(inner)) => {
                for arg in args {
                    self.literal_fits(arg, inner, decl);
                }
            }
            (ExprKind::Record(items), Type::Record(fields)) => {
                for (item, (_, ty)) in items.iter().zip(fields) {
                    self.literal_fits(item, ty, decl);
                }
            }
            (ExprKind::MapLit { entries, default }, Type::Map(k, v)) => {
                for (key, value) in entries {
                    self.literal_fits(key, k, decl);
                    self.literal_fits(value, v, decl);
                }
                if let Some(d) = default {
                    self.literal_fits(d, v, decl);
                }
            }
            _ => {}
        }
    }
}

/// Names of messages sent anywhere in these statements.
fn collect_sends<'s>(stmts: &'s [ast::Stmt], out: &mut Vec<&'s str>) {
    for s in stmts {
        match &s.kind {
            ast::StmtKind::Send { message, .. } | ast::StmtKind::Broadcast { message, .. } => {
                out.push(&message.name.name)
            }
            ast::StmtKind::If {
                then_block,
                else_branch,
                ..
            } => {
                collect_sends(&then_block.stmts, out);
                match else_branch {
                    Some(ast::ElseBranch::Block(b)) => collect_sends(&b.stmts, out),
                    Some(ast::ElseBranch::If(s)) => collect_sends(std::slice::from_ref(s), out),
                    None => {}
                }
            }
            ast::StmtKind::For { body, .. } => collect_sends(&body.stmts, out),
            _ => {}
        }
    }
}
