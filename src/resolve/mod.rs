//! Name resolution of declarations: the second stage of the front end.
//!
//! [`resolve`] gives every top-level name an id, evaluates constants (after
//! `-D` overrides), turns every type written in a declaration into a concrete
//! [`Type`] (aliases expanded, range bounds computed, recursion and infinite
//! domains refused), resolves node kinds with their variables and action
//! parameters, message payloads, faults, `expect` and deadlock settings.
//! Bodies (guards, statements, property expressions) are left to the type
//! checker, which resolves the names inside them against the tables built
//! here, because which enum a bare variant name belongs to depends on types.
//!
//! Every error is collected; a declaration with an error gets a placeholder
//! ([`Type::Error`], a missing value) so later declarations are still checked.

mod consts;
pub mod error;

use std::collections::{BTreeMap, BTreeSet};

pub use error::ResolveError;

use crate::diagnostic::did_you_mean;
use crate::index::{DefKind, Index};
use crate::syntax::ast::{self, FaultKind, Ident, Item, NetworkKind, NodeItem, Span, TypeKind};
use crate::typed::{
    ConstValue, EnumDef, EnumId, FaultDef, MessageId, NodeKindId, PropertyId, Type, TypeNames,
    UnionDef, UnionId, UnionVariantDef, VarId,
};

/// What a top-level name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Global {
    /// A constant, by index in [`Resolved::consts`].
    Const(usize),
    /// A type alias, by index in [`Resolved::aliases`].
    Type(usize),
    /// A message kind.
    Message(MessageId),
    /// A node kind.
    Node(NodeKindId),
    /// A `def`, by index in [`Resolved::defs`].
    Def(usize),
    /// A variant of a union type: the union and the variant's index.
    Variant(UnionId, usize),
}

impl Global {
    /// The sort of declaration, as error messages say it.
    pub fn describe(self) -> &'static str {
        match self {
            Global::Const(_) => "constant",
            Global::Type(_) => "type",
            Global::Message(_) => "message",
            Global::Node(_) => "node kind",
            Global::Def(_) => "def",
            Global::Variant(..) => "union variant",
        }
    }
}

/// A constant, evaluated.
#[derive(Clone, Debug)]
pub struct ResolvedConst<'a> {
    /// Its declaration.
    pub decl: &'a ast::ConstDecl,
    /// `None` until evaluated, or when its value has an error.
    pub value: Option<ConstValue>,
    /// The constant's type: `Int` for `int`, a range, or `Bool`.
    pub ty: Type,
    /// Whether a `-D` override set the value.
    pub overridden: bool,
}

/// A type alias.
#[derive(Clone, Debug)]
pub struct ResolvedAlias<'a> {
    /// Its declaration.
    pub decl: &'a ast::TypeDecl,
    /// `None` until resolved.
    pub ty: Option<Type>,
}

/// A message kind with its payload types.
#[derive(Clone, Debug)]
pub struct ResolvedMessage<'a> {
    /// Its declaration.
    pub decl: &'a ast::MessageDecl,
    /// The payload fields' names and types, in order.
    pub fields: Vec<(String, Type)>,
    /// The delivery discipline of the network that carries it.
    pub network: NetworkKind,
    /// Whether its delivery is weakly fair.
    pub fair: bool,
}

/// A variable with its type.
#[derive(Clone, Debug)]
pub struct ResolvedVar<'a> {
    /// Its declaration.
    pub decl: &'a ast::VarDecl,
    /// Its type.
    pub ty: Type,
}

/// An action with its parameter types.
#[derive(Clone, Debug)]
pub struct ResolvedAction<'a> {
    /// Its declaration.
    pub decl: &'a ast::ActionDecl,
    /// Each parameter's name and type, in order.
    pub params: Vec<(&'a Ident, Type)>,
}

/// A `def` with its parameter and result types.
#[derive(Clone, Debug)]
pub struct ResolvedDef<'a> {
    /// Its declaration.
    pub decl: &'a ast::DefDecl,
    /// Each parameter's name and type, in order; empty without parentheses.
    pub params: Vec<(&'a Ident, Type)>,
    /// The type of its value.
    pub ty: Type,
}

/// A node kind.
#[derive(Clone, Debug)]
pub struct ResolvedNode<'a> {
    /// Its declaration.
    pub decl: &'a ast::NodeDecl,
    /// Instances (1 for a single node; 1 as a placeholder after an error).
    pub count: u32,
    /// Its variables, by [`VarId`].
    pub vars: Vec<ResolvedVar<'a>>,
    /// Each variable's name and its [`VarId`].
    pub var_index: BTreeMap<String, VarId>,
    /// Its message handlers, in source order; typed by the type checker.
    pub handlers: Vec<&'a ast::HandlerDecl>,
    /// Its actions, in source order.
    pub actions: Vec<ResolvedAction<'a>>,
}

/// The deadlock setting as declared.
#[derive(Clone, Copy, Debug)]
pub enum DeadlockDecl<'a> {
    /// Neither `allow deadlock` nor `done when`: every stuck state is a deadlock.
    Check,
    /// `allow deadlock`
    Allowed,
    /// `done when P`, with P still untyped.
    DoneWhen(&'a ast::Expr),
}

/// The spec after declaration resolution. Bodies still point into the AST.
#[derive(Debug)]
pub struct Resolved<'a> {
    /// The spec resolved.
    pub ast: &'a ast::Spec,
    /// Every top-level name and what it refers to.
    pub globals: BTreeMap<String, Global>,
    /// The constants, in source order.
    pub consts: Vec<ResolvedConst<'a>>,
    /// The type aliases, in source order.
    pub aliases: Vec<ResolvedAlias<'a>>,
    /// The enums declared anywhere, by [`EnumId`].
    pub enums: Vec<EnumDef>,
    /// Variant name → every (enum, index) that has it.
    pub variants: BTreeMap<String, Vec<(EnumId, usize)>>,
    /// Union types, by [`UnionId`]; payload types filled in with their alias.
    pub unions: Vec<UnionDef>,
    /// The union each `type X = union { .. }` alias declares, by alias index.
    alias_union: BTreeMap<usize, UnionId>,
    /// The message kinds, by [`MessageId`].
    pub messages: Vec<ResolvedMessage<'a>>,
    /// The node kinds, by [`NodeKindId`].
    pub nodes: Vec<ResolvedNode<'a>>,
    /// The `def`s, in source order.
    pub defs: Vec<ResolvedDef<'a>>,
    /// The faults the environment may inject.
    pub faults: Vec<FaultDef>,
    /// The property declarations, by [`PropertyId`].
    pub properties: Vec<&'a ast::PropertyDecl>,
    /// Each property's name and its [`PropertyId`].
    pub property_index: BTreeMap<String, PropertyId>,
    /// The properties named by `expect violation`.
    pub expected_violations: BTreeSet<PropertyId>,
    /// How states without an enabled step are treated.
    pub deadlock: DeadlockDecl<'a>,
    /// The `bound P` constraints, still untyped, in source order.
    pub bounds: Vec<&'a ast::Expr>,
    /// `init: P` declarations, in source order.
    pub inits: Vec<&'a ast::InitDecl>,
    /// Errors so far; the type checker adds to them when it resolves types.
    pub errors: Vec<ResolveError>,
    /// Every declaration and name use so far; the type checker adds the
    /// names inside bodies.
    pub index: Index,
    /// Constants being evaluated, for cycle detection.
    const_in_progress: BTreeSet<usize>,
    /// Aliases being resolved, for recursion detection.
    alias_in_progress: BTreeSet<usize>,
    /// Override values by constant index.
    overrides: BTreeMap<usize, (String, ast::Expr)>,
}

/// A `-D NAME=VALUE` constant override as the resolver takes it: the front
/// end has parsed the value (`front::Override` is the text as written).
#[derive(Clone, Debug)]
pub struct ConstOverride {
    /// The constant's name.
    pub name: String,
    /// The value as written, for messages.
    pub text: String,
    /// The parsed value; `None` when the text is not an expression.
    pub value: Option<ast::Expr>,
}

/// Resolves the declarations of a parsed spec. Errors are in
/// [`Resolved::errors`]; the result is usable for type checking either way.
pub fn resolve<'a>(spec: &'a ast::Spec, overrides: &[ConstOverride]) -> Resolved<'a> {
    let mut r = Resolved {
        ast: spec,
        globals: BTreeMap::new(),
        consts: Vec::new(),
        aliases: Vec::new(),
        enums: Vec::new(),
        variants: BTreeMap::new(),
        unions: Vec::new(),
        alias_union: BTreeMap::new(),
        messages: Vec::new(),
        nodes: Vec::new(),
        defs: Vec::new(),
        faults: Vec::new(),
        properties: Vec::new(),
        property_index: BTreeMap::new(),
        expected_violations: BTreeSet::new(),
        deadlock: DeadlockDecl::Check,
        bounds: Vec::new(),
        inits: Vec::new(),
        errors: Vec::new(),
        index: Index::default(),
        const_in_progress: BTreeSet::new(),
        alias_in_progress: BTreeSet::new(),
        overrides: BTreeMap::new(),
    };
    r.collect_globals();
    r.apply_overrides(overrides);
    for index in 0..r.consts.len() {
        r.const_value(index);
    }
    for index in 0..r.aliases.len() {
        r.alias_type(index);
    }
    r.resolve_messages();
    r.resolve_nodes();
    r.resolve_defs();
    r.resolve_network();
    r.resolve_faults();
    r.resolve_rest();
    r.index_declarations();
    r
}

impl TypeNames for Resolved<'_> {
    fn node_name(&self, kind: NodeKindId) -> String {
        self.nodes
            .get(kind)
            .map_or_else(|| "node".into(), |n| n.decl.name.name.clone())
    }

    fn enum_def(&self, id: EnumId) -> Option<&EnumDef> {
        self.enums.get(id)
    }

    fn union_name(&self, id: UnionId) -> Option<String> {
        self.unions.get(id).map(|u| u.name.clone())
    }
}

impl<'a> Resolved<'a> {
    /// Where a global is declared.
    pub(crate) fn global_span(&self, global: Global) -> Span {
        match global {
            Global::Const(i) => self.consts[i].decl.name.span,
            Global::Type(i) => self.aliases[i].decl.name.span,
            Global::Message(i) => self.messages[i].decl.name.span,
            Global::Node(i) => self.nodes[i].decl.name.span,
            Global::Def(i) => self.defs[i].decl.name.span,
            Global::Variant(u, v) => self.unions[u].variants[v].span,
        }
    }

    fn collect_globals(&mut self) {
        let spec = self.ast;
        for item in &spec.items {
            let (name, global) = match item {
                Item::Const(d) => {
                    self.consts.push(ResolvedConst {
                        decl: d,
                        value: None,
                        ty: Type::Int,
                        overridden: false,
                    });
                    (&d.name, Global::Const(self.consts.len() - 1))
                }
                Item::Type(d) => {
                    self.aliases.push(ResolvedAlias { decl: d, ty: None });
                    let alias = self.aliases.len() - 1;
                    if let TypeKind::Union(variants) = &d.ty.kind {
                        self.declare_union(alias, d, variants);
                    }
                    (&d.name, Global::Type(alias))
                }
                Item::Message(d) => {
                    self.messages.push(ResolvedMessage {
                        decl: d,
                        fields: Vec::new(),
                        network: NetworkKind::Multiset,
                        fair: !d.unfair,
                    });
                    (&d.name, Global::Message(self.messages.len() - 1))
                }
                Item::Node(d) => {
                    self.nodes.push(ResolvedNode {
                        decl: d,
                        count: 1,
                        vars: Vec::new(),
                        var_index: BTreeMap::new(),
                        handlers: Vec::new(),
                        actions: Vec::new(),
                    });
                    (&d.name, Global::Node(self.nodes.len() - 1))
                }
                Item::Def(d) => {
                    if crate::typed::Builtin::by_name(&d.name.name).is_some() {
                        self.errors.push(ResolveError::BuiltinName {
                            name: d.name.name.clone(),
                            span: d.name.span,
                        });
                    }
                    self.defs.push(ResolvedDef {
                        decl: d,
                        params: Vec::new(),
                        ty: Type::Error,
                    });
                    (&d.name, Global::Def(self.defs.len() - 1))
                }
                Item::Property(d) => {
                    let id = self.properties.len();
                    self.properties.push(d);
                    if let Some(&first) = self.property_index.get(&d.name.name) {
                        self.errors.push(ResolveError::Duplicate {
                            name: d.name.name.clone(),
                            what: "property",
                            first: self.properties[first].name.span,
                            second: d.name.span,
                        });
                    } else {
                        self.property_index.insert(d.name.name.clone(), id);
                    }
                    continue;
                }
                _ => continue,
            };
            self.declare_global(name, global);
        }
    }

    /// Declares `name` as `global`, or reports it as a duplicate of the
    /// global of that name declared first.
    fn declare_global(&mut self, name: &ast::Ident, global: Global) {
        if let Some(&first) = self.globals.get(&name.name) {
            self.errors.push(ResolveError::Duplicate {
                name: name.name.clone(),
                what: first.describe(),
                first: self.global_span(first),
                second: name.span,
            });
        } else {
            self.globals.insert(name.name.clone(), global);
        }
    }

    /// Makes the union of alias `alias` (its payload types come with the
    /// alias's) and declares its variants as globals.
    fn declare_union(&mut self, alias: usize, d: &ast::TypeDecl, variants: &[ast::UnionVariant]) {
        let id = self.unions.len();
        self.alias_union.insert(alias, id);
        self.unions.push(UnionDef {
            name: d.name.name.clone(),
            variants: variants
                .iter()
                .map(|v| UnionVariantDef {
                    name: v.name.name.clone(),
                    fields: Vec::new(),
                    span: v.name.span,
                })
                .collect(),
            span: d.ty.span,
        });
        for (index, v) in variants.iter().enumerate() {
            let name = &v.name;
            if crate::typed::Builtin::by_name(&name.name).is_some() {
                self.errors.push(ResolveError::BuiltinName {
                    name: name.name.clone(),
                    span: name.span,
                });
            }
            self.declare_global(name, Global::Variant(id, index));
        }
    }

    /// The payload types of union `id`, declared by `variants`.
    fn resolve_union(&mut self, id: UnionId, variants: &[ast::UnionVariant]) -> Type {
        for (index, v) in variants.iter().enumerate() {
            let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
            let mut fields = Vec::new();
            for f in v.fields.iter().flatten() {
                if let Some(first) = seen.insert(&f.name.name, f.name.span) {
                    self.errors.push(ResolveError::Duplicate {
                        name: f.name.name.clone(),
                        what: "field",
                        first,
                        second: f.name.span,
                    });
                    continue;
                }
                fields.push((f.name.name.clone(), self.resolve_type(&f.ty, None)));
            }
            self.unions[id].variants[index].fields = fields;
        }
        Type::Union(id)
    }

    /// Looks up a global of the sort `wanted`, reporting unknown names and
    /// names of another sort.
    pub(crate) fn expect_global(
        &mut self,
        name: &Ident,
        wanted: &'static str,
        accept: impl Fn(Global) -> bool,
    ) -> Option<Global> {
        if let Some(&g) = self.globals.get(&name.name) {
            let definition = self.global_span(g);
            self.index.refer(name.span, definition);
        }
        match self.globals.get(&name.name).copied() {
            Some(g) if accept(g) => Some(g),
            Some(g) => {
                self.errors.push(ResolveError::WrongKind {
                    name: name.name.clone(),
                    expected: wanted,
                    found: g.describe(),
                    span: name.span,
                    decl: Some(self.global_span(g)),
                });
                None
            }
            None => {
                let candidates: Vec<String> = self
                    .globals
                    .iter()
                    .filter(|(_, g)| accept(**g))
                    .map(|(n, _)| n.clone())
                    .collect();
                let suggestion = did_you_mean(&name.name, candidates.iter().map(String::as_str))
                    .map(str::to_string);
                self.errors.push(ResolveError::UnknownName {
                    name: name.name.clone(),
                    wanted,
                    span: name.span,
                    suggestion,
                });
                None
            }
        }
    }

    /// The node kind called `name`, reporting errors.
    pub(crate) fn expect_node(&mut self, name: &Ident) -> Option<NodeKindId> {
        match self.expect_global(name, "node kind", |g| matches!(g, Global::Node(_)))? {
            Global::Node(k) => Some(k),
            _ => None,
        }
    }

    /// The message kind called `name`, reporting errors.
    pub(crate) fn expect_message(&mut self, name: &Ident) -> Option<MessageId> {
        match self.expect_global(name, "message", |g| matches!(g, Global::Message(_)))? {
            Global::Message(m) => Some(m),
            _ => None,
        }
    }

    fn apply_overrides(&mut self, overrides: &[ConstOverride]) {
        for o in overrides {
            let index = self.consts.iter().position(|c| c.decl.name.name == o.name);
            let Some(index) = index else {
                let names: Vec<&str> = self
                    .consts
                    .iter()
                    .map(|c| c.decl.name.name.as_str())
                    .collect();
                self.errors.push(ResolveError::UnknownOverride {
                    name: o.name.clone(),
                    suggestion: did_you_mean(&o.name, names).map(str::to_string),
                });
                continue;
            };
            match &o.value {
                Some(expr) => {
                    self.overrides.insert(index, (o.text.clone(), expr.clone()));
                }
                None => self.errors.push(ResolveError::BadOverride {
                    name: o.name.clone(),
                    value: o.text.clone(),
                    expected: self.const_type_name(index),
                }),
            }
        }
    }

    fn const_type_name(&self, index: usize) -> String {
        match &self.consts[index].decl.ty.kind {
            TypeKind::Int => "int".into(),
            TypeKind::Bool => "bool".into(),
            _ => "a range".into(),
        }
    }

    /// Resolves a written type to a concrete one. `int` is refused unless
    /// `allow_int`. Errors are recorded and give [`Type::Error`].
    pub(crate) fn resolve_type(&mut self, te: &ast::TypeExpr, alias_name: Option<&str>) -> Type {
        match &te.kind {
            TypeKind::Bool => Type::Bool,
            TypeKind::Int => {
                self.errors
                    .push(ResolveError::InfiniteType { span: te.span });
                Type::Error
            }
            TypeKind::Range(lo, hi) => {
                let lo_v = self.const_int(lo, "a range bound");
                let hi_v = self.const_int(hi, "a range bound");
                match (lo_v, hi_v) {
                    (Some(lo), Some(hi)) if lo <= hi => Type::Range { lo, hi },
                    (Some(lo), Some(hi)) => {
                        self.errors.push(ResolveError::EmptyRange {
                            lo,
                            hi,
                            span: te.span,
                        });
                        Type::Error
                    }
                    _ => Type::Error,
                }
            }
            TypeKind::Enum(variants) => {
                let id = self.enums.len();
                let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
                for (index, v) in variants.iter().enumerate() {
                    if let Some(first) = seen.insert(&v.name, v.span) {
                        self.errors.push(ResolveError::Duplicate {
                            name: v.name.clone(),
                            what: "variant",
                            first,
                            second: v.span,
                        });
                        continue;
                    }
                    self.variants
                        .entry(v.name.clone())
                        .or_default()
                        .push((id, index));
                }
                for v in variants {
                    self.index.define(
                        &v.name,
                        v.span,
                        DefKind::Variant(id),
                        Some(Type::Enum(id)),
                        None,
                    );
                }
                self.index
                    .enum_variants(id, variants.iter().map(|v| v.span).collect());
                self.enums.push(EnumDef {
                    name: alias_name.map(str::to_string),
                    variants: variants.iter().map(|v| v.name.clone()).collect(),
                    span: te.span,
                });
                Type::Enum(id)
            }
            TypeKind::Set(t) => Type::Set(Box::new(self.resolve_type(t, None))),
            TypeKind::Option(t) => Type::Option(Box::new(self.resolve_type(t, None))),
            TypeKind::Map(k, v) => {
                let k = self.resolve_type(k, None);
                let v = self.resolve_type(v, None);
                Type::Map(Box::new(k), Box::new(v))
            }
            TypeKind::Seq(t, bound) => {
                let t = self.resolve_type(t, None);
                match self.const_u32(bound, "a sequence bound", 0) {
                    Some(n) => Type::Seq(Box::new(t), n),
                    None => Type::Error,
                }
            }
            TypeKind::Tuple(ts) => {
                Type::Tuple(ts.iter().map(|t| self.resolve_type(t, None)).collect())
            }
            TypeKind::Record(fields) => {
                let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
                let mut out = Vec::new();
                let mut spans = Vec::new();
                for f in fields {
                    if let Some(first) = seen.insert(&f.name.name, f.name.span) {
                        self.errors.push(ResolveError::Duplicate {
                            name: f.name.name.clone(),
                            what: "field",
                            first,
                            second: f.name.span,
                        });
                        continue;
                    }
                    let ty = self.resolve_type(&f.ty, None);
                    self.index.define(
                        &f.name.name,
                        f.name.span,
                        DefKind::RecordField,
                        Some(ty.clone()),
                        None,
                    );
                    spans.push(f.name.span);
                    out.push((f.name.name.clone(), ty));
                }
                let ty = Type::Record(out);
                self.index.record(&ty, spans);
                ty
            }
            // The whole of a `type` declaration is resolved by
            // `alias_type`: this one is inside another type.
            TypeKind::Union(_) => {
                self.errors
                    .push(ResolveError::InlineUnion { span: te.span });
                Type::Error
            }
            TypeKind::Named(name) => match self.expect_global(name, "type", |g| {
                matches!(g, Global::Type(_) | Global::Node(_))
            }) {
                Some(Global::Node(k)) => Type::Node(k),
                Some(Global::Type(a)) => match self.alias_type_at(a, name.span) {
                    Some(t) => t,
                    None => Type::Error,
                },
                _ => Type::Error,
            },
        }
    }

    /// A constant count at least `lo` that fits in 32 bits; an error (and
    /// `None`) otherwise. `what` names it in errors ("a fault budget").
    fn const_u32(&mut self, e: &ast::Expr, what: &'static str, lo: i64) -> Option<u32> {
        let n = self.const_int(e, what)?;
        if (lo..=u32::MAX as i64).contains(&n) {
            return Some(n as u32);
        }
        self.errors.push(ResolveError::OutOfRange {
            value: n,
            lo,
            hi: u32::MAX as i64,
            what,
            span: e.span,
            decl: None,
        });
        None
    }

    /// The type an alias stands for; `None` (after an error) for a recursive one.
    fn alias_type_at(&mut self, index: usize, use_span: Span) -> Option<Type> {
        if let Some(t) = &self.aliases[index].ty {
            return Some(t.clone());
        }
        if self.alias_in_progress.contains(&index) {
            let decl = self.aliases[index].decl;
            self.errors.push(ResolveError::RecursiveType {
                name: decl.name.name.clone(),
                span: use_span,
                decl: decl.name.span,
            });
            return None;
        }
        Some(self.alias_type(index))
    }

    fn alias_type(&mut self, index: usize) -> Type {
        if let Some(t) = &self.aliases[index].ty {
            return t.clone();
        }
        self.alias_in_progress.insert(index);
        let decl = self.aliases[index].decl;
        let ty = match (&decl.ty.kind, self.alias_union.get(&index)) {
            (TypeKind::Union(variants), Some(&id)) => self.resolve_union(id, variants),
            _ => self.resolve_type(&decl.ty, Some(&decl.name.name)),
        };
        self.index.record_alias(&ty, &decl.name.name);
        self.alias_in_progress.remove(&index);
        self.aliases[index].ty = Some(ty.clone());
        ty
    }

    fn resolve_messages(&mut self) {
        for index in 0..self.messages.len() {
            let decl = self.messages[index].decl;
            let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
            let mut fields = Vec::new();
            for f in &decl.fields {
                if let Some(first) = seen.insert(&f.name.name, f.name.span) {
                    self.errors.push(ResolveError::Duplicate {
                        name: f.name.name.clone(),
                        what: "field",
                        first,
                        second: f.name.span,
                    });
                }
                fields.push((f.name.name.clone(), self.resolve_type(&f.ty, None)));
            }
            self.messages[index].fields = fields;
        }
    }

    fn resolve_nodes(&mut self) {
        for index in 0..self.nodes.len() {
            let decl = self.nodes[index].decl;
            let count = match &decl.count {
                None => 1,
                Some(e) => self.const_u32(e, "the number of instances", 1).unwrap_or(1),
            };
            let mut vars = Vec::new();
            let mut var_index = BTreeMap::new();
            let mut handlers = Vec::new();
            let mut actions: Vec<ResolvedAction> = Vec::new();
            let mut action_names: BTreeMap<&str, Span> = BTreeMap::new();
            for item in &decl.items {
                match item {
                    NodeItem::Var(v) => {
                        if let Some(&first) = var_index.get(&v.name.name) {
                            let first: &ResolvedVar = &vars[first];
                            self.errors.push(ResolveError::Duplicate {
                                name: v.name.name.clone(),
                                what: "variable",
                                first: first.decl.name.span,
                                second: v.name.span,
                            });
                            continue;
                        }
                        let ty = self.resolve_type(&v.ty, None);
                        var_index.insert(v.name.name.clone(), vars.len());
                        vars.push(ResolvedVar { decl: v, ty });
                    }
                    NodeItem::Handler(h) => handlers.push(h),
                    NodeItem::Action(a) => {
                        if let Some(first) = action_names.insert(&a.name.name, a.name.span) {
                            self.errors.push(ResolveError::Duplicate {
                                name: a.name.name.clone(),
                                what: "action",
                                first,
                                second: a.name.span,
                            });
                        }
                        self.duplicate_params(a.params.iter().flatten());
                        let mut params = Vec::new();
                        for p in a.params.iter().flatten() {
                            params.push((&p.name, self.resolve_type(&p.ty, None)));
                        }
                        actions.push(ResolvedAction { decl: a, params });
                    }
                }
            }
            let node = &mut self.nodes[index];
            node.count = count;
            node.vars = vars;
            node.var_index = var_index;
            node.handlers = handlers;
            node.actions = actions;
        }
    }

    fn resolve_network(&mut self) {
        let spec = self.ast;
        let mut global: Option<&ast::NetworkDecl> = None;
        let mut overridden: BTreeMap<MessageId, Span> = BTreeMap::new();
        for item in &spec.items {
            let Item::Network(n) = item else { continue };
            if n.messages.is_empty() {
                if let Some(first) = global {
                    self.errors.push(ResolveError::Duplicate {
                        name: "network".into(),
                        what: "network declaration",
                        first: first.span,
                        second: n.span,
                    });
                } else {
                    global = Some(n);
                }
            }
        }
        let (kind, unfair) = global.map_or((NetworkKind::Multiset, false), |n| (n.kind, n.unfair));
        for m in &mut self.messages {
            m.network = kind;
            m.fair = !m.decl.unfair && !unfair;
        }
        for item in &spec.items {
            let Item::Network(n) = item else { continue };
            for name in &n.messages {
                let Some(id) = self.expect_message(name) else {
                    continue;
                };
                if let Some(first) = overridden.insert(id, name.span) {
                    self.errors.push(ResolveError::Duplicate {
                        name: name.name.clone(),
                        what: "network override",
                        first,
                        second: name.span,
                    });
                }
                let m = &mut self.messages[id];
                m.network = n.kind;
                m.fair = !m.decl.unfair && !n.unfair;
            }
        }
    }

    fn resolve_faults(&mut self) {
        let spec = self.ast;
        let mut crashable: BTreeSet<NodeKindId> = BTreeSet::new();
        let mut restarts: Vec<(NodeKindId, Span)> = Vec::new();
        for item in &spec.items {
            let Item::Faults(block) = item else { continue };
            for f in &block.faults {
                let keyword = f.kind.keyword();
                let mut node = None;
                let mut message = None;
                match f.kind {
                    FaultKind::Crash | FaultKind::Restart | FaultKind::Byzantine => match &f.target
                    {
                        Some(t) => node = self.expect_node(t),
                        None => self.errors.push(ResolveError::FaultTarget {
                            fault: keyword,
                            needs: Some("node kind"),
                            span: f.span,
                        }),
                    },
                    FaultKind::Lose | FaultKind::Duplicate => {
                        if let Some(t) = &f.target {
                            message = self.expect_message(t);
                        }
                    }
                    FaultKind::Partition => {
                        if let Some(t) = &f.target {
                            self.errors.push(ResolveError::FaultTarget {
                                fault: keyword,
                                needs: None,
                                span: t.span,
                            });
                        }
                    }
                }
                let budget = match &f.budget {
                    Some(e) => self.const_u32(e, "a fault budget", 0),
                    None => {
                        if matches!(f.kind, FaultKind::Duplicate | FaultKind::Byzantine) {
                            self.errors.push(ResolveError::FaultBudget {
                                fault: keyword,
                                span: f.span,
                            });
                        }
                        None
                    }
                };
                match (f.kind, node) {
                    (FaultKind::Crash, Some(k)) => {
                        crashable.insert(k);
                    }
                    (FaultKind::Restart, Some(k)) => restarts.push((k, f.span)),
                    _ => {}
                }
                self.faults.push(FaultDef {
                    kind: f.kind,
                    node,
                    message,
                    budget,
                    span: f.span,
                });
            }
        }
        for (k, span) in restarts {
            if !crashable.contains(&k) {
                self.errors.push(ResolveError::RestartWithoutCrash {
                    kind: self.nodes[k].decl.name.name.clone(),
                    span,
                });
            }
        }
    }

    /// The parameter and result types of every `def`. A def never stores
    /// a value, so `int` is allowed as a whole parameter or result type.
    fn resolve_defs(&mut self) {
        for index in 0..self.defs.len() {
            let decl = self.defs[index].decl;
            self.duplicate_params(decl.params.iter().flatten());
            let mut params = Vec::new();
            for p in decl.params.iter().flatten() {
                params.push((&p.name, self.resolve_value_type(&p.ty)));
            }
            let ty = self.resolve_value_type(&decl.ty);
            self.defs[index].params = params;
            self.defs[index].ty = ty;
        }
    }

    /// Reports each parameter named like an earlier one of the same list.
    fn duplicate_params<'p>(&mut self, params: impl Iterator<Item = &'p ast::Field>) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for p in params {
            if let Some(first) = seen.insert(&p.name.name, p.name.span) {
                self.errors.push(ResolveError::Duplicate {
                    name: p.name.name.clone(),
                    what: "parameter",
                    first,
                    second: p.name.span,
                });
            }
        }
    }

    /// A type that may be `int` as a whole (never inside another type).
    fn resolve_value_type(&mut self, te: &ast::TypeExpr) -> Type {
        match te.kind {
            TypeKind::Int => Type::Int,
            _ => self.resolve_type(te, None),
        }
    }

    fn resolve_rest(&mut self) {
        let spec = self.ast;
        let mut allow: Option<Span> = None;
        let mut done: Option<&ast::DoneDecl> = None;
        for item in &spec.items {
            match item {
                Item::Expect(e) => match self.property_index.get(&e.property.name) {
                    Some(&id) => {
                        self.index
                            .refer(e.property.span, self.properties[id].name.span);
                        self.expected_violations.insert(id);
                    }
                    None => {
                        let suggestion = did_you_mean(
                            &e.property.name,
                            self.property_index.keys().map(String::as_str),
                        )
                        .map(str::to_string);
                        self.errors.push(ResolveError::UnknownName {
                            name: e.property.name.clone(),
                            wanted: "property",
                            span: e.property.span,
                            suggestion,
                        });
                    }
                },
                Item::AllowDeadlock(span) => allow = Some(*span),
                Item::Done(d) => {
                    if let Some(first) = done {
                        self.errors.push(ResolveError::Duplicate {
                            name: "done".into(),
                            what: "`done when` declaration",
                            first: first.span,
                            second: d.span,
                        });
                    } else {
                        done = Some(d);
                    }
                }
                Item::Bound(b) => self.bounds.push(&b.cond),
                Item::Init(i) => self.inits.push(i),
                _ => {}
            }
        }
        self.deadlock = match (allow, done) {
            (Some(a), Some(d)) => {
                self.errors.push(ResolveError::DeadlockConflict {
                    allow: a,
                    done: d.span,
                });
                DeadlockDecl::Allowed
            }
            (Some(_), None) => DeadlockDecl::Allowed,
            (None, Some(d)) => DeadlockDecl::DoneWhen(&d.cond),
            (None, None) => DeadlockDecl::Check,
        };
    }

    /// Declares every top-level name, variable and action in the index,
    /// with what resolution found out about it.
    fn index_declarations(&mut self) {
        let mut index = std::mem::take(&mut self.index);
        for c in &self.consts {
            let name = &c.decl.name;
            let ty = Some(c.ty.clone());
            index.define(&name.name, name.span, DefKind::Const(c.value), ty, None);
        }
        for a in &self.aliases {
            let name = &a.decl.name;
            index.define(&name.name, name.span, DefKind::Alias, a.ty.clone(), None);
        }
        for (id, m) in self.messages.iter().enumerate() {
            let name = &m.decl.name;
            let kind = DefKind::Message {
                id,
                network: m.network,
                fair: m.fair,
            };
            index.define(&name.name, name.span, kind, None, None);
            for (field, (_, ty)) in m.decl.fields.iter().zip(&m.fields) {
                let kind = DefKind::PayloadField {
                    message: name.name.clone(),
                };
                let ty = Some(ty.clone());
                index.define(&field.name.name, field.name.span, kind, ty, None);
            }
        }
        for (id, node) in self.nodes.iter().enumerate() {
            let name = &node.decl.name;
            let kind = DefKind::Node {
                id,
                count: node.count,
            };
            index.define(&name.name, name.span, kind, None, None);
            for var in &node.vars {
                let name = &var.decl.name;
                let kind = DefKind::Var { node: id };
                let (ty, scope) = (Some(var.ty.clone()), Some(node.decl.span));
                index.define(&name.name, name.span, kind, ty, scope);
            }
            for action in &node.actions {
                let name = &action.decl.name;
                index.define(
                    &name.name,
                    name.span,
                    DefKind::Action { node: id },
                    None,
                    None,
                );
            }
        }
        for d in &self.defs {
            let name = &d.decl.name;
            let params = d.decl.params.as_ref().map(|_| {
                d.params
                    .iter()
                    .map(|(p, ty)| (p.name.clone(), ty.clone()))
                    .collect()
            });
            let (kind, ty) = (DefKind::Def { params }, Some(d.ty.clone()));
            index.define(&name.name, name.span, kind, ty, None);
        }
        for p in &self.properties {
            index.define(&p.name.name, p.name.span, DefKind::Property, None, None);
        }
        for (id, u) in self.unions.iter().enumerate() {
            for (i, v) in u.variants.iter().enumerate() {
                let kind = DefKind::UnionVariant {
                    union: id,
                    index: i,
                    fields: v.fields.clone(),
                };
                index_define_variant(&mut index, v, kind, id);
            }
        }
        index.set_unions(self.unions.iter().map(|u| u.name.clone()).collect());
        self.index = index;
    }
}

/// Declares a union variant in the index, with its union as its type.
fn index_define_variant(index: &mut Index, v: &UnionVariantDef, kind: DefKind, id: UnionId) {
    index.define(&v.name, v.span, kind, Some(Type::Union(id)), None);
}
