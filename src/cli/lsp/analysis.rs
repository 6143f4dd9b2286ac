//! What the language server knows about one spec: every declaration
//! (a [`Symbol`]) and every place a name refers to one, for hover and
//! go-to-definition.
//!
//! The names are resolved on the syntax tree, with the same scoping rules as
//! the type checker (locals, then the running node's vars, then the
//! top-level declarations, then enum variants), so that hover and
//! go-to-definition keep working while the spec has type errors, which is
//! most of the time while someone edits it. Types come from what the spec
//! writes (`var state: enum { ... }`), also for locals bound to a value whose
//! written type the syntax shows (`let e = log[i]` is an `Entry`); when the
//! spec has no errors the typed spec adds what only the checker knows:
//! constant values, instance counts, concrete range bounds and the types of
//! the other locals.
//!
//! Every walk recurses over the syntax tree, whose depth the parser bounds
//! (`syntax::depth`), so no input overflows the stack.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use dsmc::syntax::ast::{
    self, BinaryOp, Binder, Block, Expr, ExprKind, Fairness, Ident, Item, MapKey, MessageCtor,
    NodeItem, Span, Stmt, StmtKind, TypeExpr, TypeKind, VarInit,
};
use dsmc::typed::{self, Type, TypedSpec};

/// Index of a symbol in [`Analysis::symbols`].
pub type SymbolId = usize;

/// A declared name.
#[derive(Clone, Debug)]
pub struct Symbol {
    /// Where the name is written in its declaration.
    pub name_span: Span,
    /// What hover shows, in Markdown.
    pub hover: String,
    /// For a local whose type is a node kind: that kind, so that `r.state`
    /// finds the var.
    node_kind: Option<String>,
}

/// Every declaration of a spec and every reference to one.
#[derive(Debug, Default)]
pub struct Analysis {
    /// The declarations.
    pub symbols: Vec<Symbol>,
    /// Every name that refers to a symbol, declarations included, with the
    /// symbol it refers to.
    references: Vec<(Span, SymbolId)>,
}

impl Analysis {
    /// Indexes a parsed spec; `typed` adds facts when the spec has no errors.
    pub fn new(source: &str, spec: &ast::Spec, typed: Option<&TypedSpec>) -> Analysis {
        let mut builder = Builder::new(source, spec, typed);
        builder.declare();
        builder.walk();
        Analysis {
            symbols: builder.symbols,
            references: builder.references,
        }
    }

    /// Every place that names the symbol, its declaration included, in
    /// source order.
    pub fn references_to(&self, id: SymbolId) -> Vec<Span> {
        let mut spans: Vec<Span> = self
            .references
            .iter()
            .filter(|&&(_, target)| target == id)
            .map(|&(span, _)| span)
            .collect();
        spans.sort();
        spans.dedup();
        spans
    }

    /// The name at a byte offset and the symbol it refers to. A cursor just
    /// after a name counts as on it; the innermost name wins.
    pub fn at(&self, offset: usize) -> Option<(Span, &Symbol)> {
        let (span, id) = self.id_at(offset)?;
        self.symbols.get(id).map(|s| (span, s))
    }

    /// [`Self::at`], with the symbol's id.
    pub fn id_at(&self, offset: usize) -> Option<(Span, SymbolId)> {
        self.references
            .iter()
            .filter(|(span, _)| span.start <= offset && offset <= span.end)
            .min_by_key(|(span, _)| (span.len(), std::cmp::Reverse(span.start)))
            .copied()
    }
}

/// The vars of a node kind, by name.
#[derive(Default)]
struct NodeNames {
    vars: HashMap<String, SymbolId>,
}

/// A name in scope inside a body.
struct LocalName {
    name: String,
    id: SymbolId,
}

/// Builds an [`Analysis`] in two passes: [`Builder::declare`], then
/// [`Builder::walk`].
struct Builder<'a> {
    source: &'a str,
    spec: &'a ast::Spec,
    typed: Option<&'a TypedSpec>,
    /// Types the checker gave to locals, by the span of their binder.
    local_types: HashMap<Span, &'a Type>,
    symbols: Vec<Symbol>,
    references: Vec<(Span, SymbolId)>,
    /// Constants, type aliases, messages and node kinds.
    globals: HashMap<String, SymbolId>,
    properties: HashMap<String, SymbolId>,
    /// Variant name → the symbols of every enum variant so named.
    variants: HashMap<String, Vec<SymbolId>>,
    nodes: HashMap<String, NodeNames>,
    /// Message → the node kinds whose code sends it (for `from src`).
    senders: BTreeMap<String, BTreeSet<String>>,
    /// Messages, by name: their declarations.
    messages: HashMap<String, &'a ast::MessageDecl>,
    /// Properties named by `expect violation`.
    expected: BTreeSet<String>,
    /// The enum (by the span of its `enum { .. }`) of each variant.
    enum_of: HashMap<SymbolId, Span>,
    /// The written type of a var, constant, parameter, record field or
    /// local, when the spec writes it or it follows from what it does.
    declared: HashMap<SymbolId, &'a TypeExpr>,
    /// Record fields, by where their names are declared.
    record_fields: HashMap<Span, SymbolId>,
    /// The enum a bare variant name is expected to belong to here, as in
    /// `state == prepared`: the type checker picks the variant by the
    /// expected type, and so does the index.
    expected_enum: Option<Span>,
    /// The node kind whose code is walked.
    current_node: Option<String>,
    /// Innermost scope last.
    scopes: Vec<Vec<LocalName>>,
}

impl<'a> Builder<'a> {
    fn new(source: &'a str, spec: &'a ast::Spec, typed: Option<&'a TypedSpec>) -> Builder<'a> {
        let mut local_types = HashMap::new();
        if let Some(typed) = typed {
            let mut add = |locals: &'a [typed::Local]| {
                for local in locals {
                    local_types.insert(local.span, &local.ty);
                }
            };
            for node in &typed.nodes {
                for handler in &node.handlers {
                    add(&handler.body.locals);
                }
                for action in &node.actions {
                    add(&action.body.locals);
                }
            }
            for property in &typed.properties {
                add(&property.locals);
            }
            for bound in &typed.bounds {
                add(&bound.locals);
            }
            if let typed::Deadlock::DoneWhen(done) = &typed.deadlock {
                add(&done.locals);
            }
        }
        Builder {
            source,
            spec,
            typed,
            local_types,
            symbols: Vec::new(),
            references: Vec::new(),
            globals: HashMap::new(),
            properties: HashMap::new(),
            variants: HashMap::new(),
            nodes: HashMap::new(),
            senders: BTreeMap::new(),
            messages: HashMap::new(),
            expected: BTreeSet::new(),
            enum_of: HashMap::new(),
            declared: HashMap::new(),
            record_fields: HashMap::new(),
            expected_enum: None,
            current_node: None,
            scopes: Vec::new(),
        }
    }

    /// The source text of a span on one line, shortened when long.
    fn text(&self, span: Span) -> String {
        let raw = self.source.get(span.start..span.end).unwrap_or("");
        let mut words = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        const MAX_CHARS: usize = 160;
        if words.chars().count() > MAX_CHARS {
            words = words.chars().take(MAX_CHARS).collect::<String>() + " …";
        }
        words
    }

    fn add(&mut self, name: &Ident, hover: String, node_kind: Option<String>) -> SymbolId {
        let id = self.symbols.len();
        self.symbols.push(Symbol {
            name_span: name.span,
            hover,
            node_kind,
        });
        self.references.push((name.span, id));
        id
    }

    fn refer(&mut self, span: Span, id: SymbolId) {
        self.references.push((span, id));
    }

    /// The first pass: every top-level declaration, var, action and enum
    /// variant gets its symbol, so that uses before declarations resolve.
    fn declare(&mut self) {
        let spec = self.spec;
        for item in &spec.items {
            match item {
                Item::Node(node) => self.collect_senders(node),
                Item::Message(m) => {
                    self.messages.entry(m.name.name.clone()).or_insert(m);
                }
                Item::Expect(e) => {
                    self.expected.insert(e.property.name.clone());
                }
                _ => {}
            }
        }
        for item in &spec.items {
            match item {
                Item::Const(c) => {
                    let hover = self.const_hover(c);
                    let id = self.add(&c.name, hover, None);
                    self.typed_as(id, &c.ty);
                    self.globals.entry(c.name.name.clone()).or_insert(id);
                    self.declare_variants(&c.ty, &c.name.name);
                }
                Item::Type(t) => {
                    let hover = code(&format!("type {} = {}", t.name.name, self.text(t.ty.span)));
                    let id = self.add(&t.name, hover, None);
                    self.globals.entry(t.name.name.clone()).or_insert(id);
                    self.declare_variants(&t.ty, &t.name.name);
                }
                Item::Message(m) => {
                    let hover = self.message_hover(m);
                    let id = self.add(&m.name, hover, None);
                    self.globals.entry(m.name.name.clone()).or_insert(id);
                    for field in &m.fields {
                        let hover = format!(
                            "{}\n\npayload field of message `{}`",
                            code(&format!(
                                "{}: {}",
                                field.name.name,
                                self.text(field.ty.span)
                            )),
                            m.name.name
                        );
                        let field_id = self.add(&field.name, hover, None);
                        self.typed_as(field_id, &field.ty);
                        self.declare_variants(
                            &field.ty,
                            &format!("{}.{}", m.name.name, field.name.name),
                        );
                    }
                }
                Item::Node(node) => self.declare_node(node),
                Item::Property(p) => {
                    let mut hover = code(&self.text(p.span));
                    hover.push_str(&format!("\n\n{} property", p.kind.describe()));
                    if self.expected.contains(&p.name.name) {
                        hover.push_str("; expected to be violated (`expect violation`)");
                    }
                    let id = self.add(&p.name, hover, None);
                    self.properties.entry(p.name.name.clone()).or_insert(id);
                }
                _ => {}
            }
        }
    }

    fn declare_node(&mut self, node: &'a ast::NodeDecl) {
        let name = &node.name.name;
        let count = node.count.as_ref().map(|c| self.text(c.span));
        let mut head = String::new();
        if node.symmetric {
            head.push_str("symmetric ");
        }
        head.push_str(&format!("node {name}"));
        if let Some(count) = &count {
            head.push_str(&format!("[{count}]"));
        }
        // The instance count: the checker's, or else one the syntax shows
        // (`RM[3]`, `RM[N]` with `const N: int = 3`).
        let instances = match (self.typed_node(name), &node.count) {
            (Some(def), _) => Some(i64::from(def.count)),
            (None, None) => Some(1),
            (None, Some(count)) => self.literal_int(count),
        };
        let vars = node
            .items
            .iter()
            .filter(|i| matches!(i, NodeItem::Var(_)))
            .count();
        let vars = format!("{vars} var{}", if vars == 1 { "" } else { "s" });
        let summary = match instances {
            Some(1) if node.count.is_none() => format!("a single node; {vars}"),
            Some(1) => format!("1 instance; {vars}"),
            Some(n) => format!("{n} instances; {vars}"),
            None => vars,
        };
        let hover = format!("{}\n\n{summary}", code(&head));
        let id = self.add(&node.name, hover, None);
        self.globals.entry(name.clone()).or_insert(id);
        let mut names = NodeNames::default();
        for item in &node.items {
            match item {
                NodeItem::Var(var) => {
                    let hover = self.var_hover(name, var);
                    let var_id = self.add(&var.name, hover, self.node_kind_of_type(&var.ty));
                    self.typed_as(var_id, &var.ty);
                    names.vars.entry(var.name.name.clone()).or_insert(var_id);
                    self.declare_variants(&var.ty, &format!("{name}.{}", var.name.name));
                }
                NodeItem::Action(action) => {
                    let hover = self.action_hover(name, action);
                    self.add(&action.name, hover, None);
                    for param in action.params.iter().flatten() {
                        self.declare_variants(&param.ty, &param.name.name);
                    }
                }
                NodeItem::Handler(_) => {}
            }
        }
        self.nodes.entry(name.clone()).or_insert(names);
    }

    /// Declares the variants of every enum written in a type.
    fn declare_variants(&mut self, ty: &'a TypeExpr, owner: &str) {
        match &ty.kind {
            TypeKind::Enum(variants) => {
                let all = variants
                    .iter()
                    .map(|v| v.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                for variant in variants {
                    let hover = format!(
                        "{}\n\nvariant of `{owner}`: `enum {{ {all} }}`",
                        code(&variant.name)
                    );
                    let id = self.add(variant, hover, None);
                    self.enum_of.insert(id, ty.span);
                    self.variants
                        .entry(variant.name.clone())
                        .or_default()
                        .push(id);
                }
            }
            TypeKind::Set(t) | TypeKind::Option(t) | TypeKind::Seq(t, _) => {
                self.declare_variants(t, owner);
            }
            TypeKind::Map(k, v) => {
                self.declare_variants(k, owner);
                self.declare_variants(v, owner);
            }
            TypeKind::Tuple(ts) => {
                for t in ts {
                    self.declare_variants(t, owner);
                }
            }
            TypeKind::Record(fields) => {
                for field in fields {
                    let hover = format!(
                        "{}\n\nfield of `{owner}`",
                        code(&format!(
                            "{}: {}",
                            field.name.name,
                            self.text(field.ty.span)
                        ))
                    );
                    let id = self.add(&field.name, hover, None);
                    self.typed_as(id, &field.ty);
                    self.record_fields.insert(field.name.span, id);
                    self.declare_variants(&field.ty, &format!("{owner}.{}", field.name.name));
                }
            }
            TypeKind::Bool | TypeKind::Int | TypeKind::Range(..) | TypeKind::Named(_) => {}
        }
    }

    /// Which node kinds send which messages, read from the code as the type
    /// checker does, to type `from src` without a kind.
    fn collect_senders(&mut self, node: &ast::NodeDecl) {
        fn block(b: &Block, out: &mut Vec<String>) {
            for s in &b.stmts {
                stmt(s, out);
            }
        }
        fn stmt(s: &Stmt, out: &mut Vec<String>) {
            match &s.kind {
                StmtKind::Send { message, .. } | StmtKind::Broadcast { message, .. } => {
                    out.push(message.name.name.clone());
                }
                StmtKind::If {
                    then_block,
                    else_branch,
                    ..
                } => {
                    block(then_block, out);
                    match else_branch {
                        Some(ast::ElseBranch::Block(b)) => block(b, out),
                        Some(ast::ElseBranch::If(s)) => stmt(s, out),
                        None => {}
                    }
                }
                StmtKind::For { body, .. } => block(body, out),
                _ => {}
            }
        }
        let mut sent = Vec::new();
        for item in &node.items {
            match item {
                NodeItem::Handler(h) => block(&h.body, &mut sent),
                NodeItem::Action(a) => block(&a.body, &mut sent),
                NodeItem::Var(_) => {}
            }
        }
        for message in sent {
            self.senders
                .entry(message)
                .or_default()
                .insert(node.name.name.clone());
        }
    }

    /// Records the written type of a symbol.
    fn typed_as(&mut self, id: SymbolId, ty: &'a TypeExpr) {
        self.declared.insert(id, ty);
    }

    /// A type with the aliases it names expanded.
    fn expand(&self, ty: &'a TypeExpr) -> &'a TypeExpr {
        // Aliases may be cyclic in a spec with errors.
        const MAX_ALIAS_DEPTH: usize = 16;
        let mut ty = ty;
        for _ in 0..MAX_ALIAS_DEPTH {
            let TypeKind::Named(name) = &ty.kind else {
                break;
            };
            let alias = self.spec.items.iter().find_map(|i| match i {
                Item::Type(t) if t.name.name == name.name => Some(&t.ty),
                _ => None,
            });
            match alias {
                Some(aliased) => ty = aliased,
                None => break,
            }
        }
        ty
    }

    /// The written type of an expression's value, when the syntax tells:
    /// names, `RM[i].var`, record fields, map and sequence elements, `head`,
    /// `last` and `unwrap`.
    fn type_of_expr(&self, e: &'a Expr) -> Option<&'a TypeExpr> {
        match &e.kind {
            ExprKind::Paren(inner) => self.type_of_expr(inner),
            ExprKind::Name(name) => self.declared.get(&self.resolve_name(&name.name)?).copied(),
            ExprKind::Field(base, field) => {
                // The base's type is computed once: see `node_kind_of_syntax`.
                let kind = match self.node_kind_of_syntax(base) {
                    Some(kind) => kind,
                    None => {
                        let base_ty = self.expand(self.type_of_expr(base)?);
                        match &base_ty.kind {
                            TypeKind::Record(fields) => {
                                return fields
                                    .iter()
                                    .find(|f| f.name.name == field.name)
                                    .map(|f| &f.ty);
                            }
                            _ => self.node_kind_of_type(base_ty)?,
                        }
                    }
                };
                let var = self.nodes.get(&kind)?.vars.get(&field.name)?;
                self.declared.get(var).copied()
            }
            ExprKind::Index(base, _) => match &self.expand(self.type_of_expr(base)?).kind {
                TypeKind::Map(_, value) => Some(value),
                TypeKind::Seq(elem, _) => Some(elem),
                _ => None,
            },
            ExprKind::Call(function, args) if args.len() == 1 => {
                let arg = self.expand(self.type_of_expr(&args[0])?);
                match (function.name.as_str(), &arg.kind) {
                    ("head" | "last", TypeKind::Seq(elem, _)) => Some(elem),
                    ("unwrap", TypeKind::Option(inner)) => Some(inner),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The written type of the elements of a domain (`for x in D`,
    /// `forall x in D`), when the syntax tells.
    fn element_type(&self, domain: &'a Expr) -> Option<&'a TypeExpr> {
        match &domain.kind {
            ExprKind::Paren(inner) => self.element_type(inner),
            ExprKind::All(ty) => Some(ty),
            _ => match &self.expand(self.type_of_expr(domain)?).kind {
                TypeKind::Set(elem) | TypeKind::Seq(elem, _) => Some(elem),
                _ => None,
            },
        }
    }

    /// The `enum { .. }` a written type is, through aliases.
    fn enum_of_type(&self, ty: &'a TypeExpr) -> Option<Span> {
        let ty = self.expand(ty);
        matches!(ty.kind, TypeKind::Enum(_)).then_some(ty.span)
    }

    /// The enum of an expression's value, when the syntax tells.
    fn enum_of_expr(&self, e: &'a Expr) -> Option<Span> {
        self.enum_of_type(self.type_of_expr(e)?)
    }

    /// Walks an expression expecting a value of the given enum.
    fn expr_expecting(&mut self, e: &'a Expr, expected: Option<Span>) {
        let outer = std::mem::replace(&mut self.expected_enum, expected);
        self.expr(e);
        self.expected_enum = outer;
    }

    /// The value of an integer literal, or of a constant defined as one.
    fn literal_int(&self, e: &'a Expr) -> Option<i64> {
        match &e.kind {
            ExprKind::Int(n) => Some(*n),
            ExprKind::Paren(inner) => self.literal_int(inner),
            ExprKind::Name(name) => self.spec.items.iter().find_map(|i| match i {
                Item::Const(c) if c.name.name == name.name => match &c.value.kind {
                    ExprKind::Int(n) => Some(*n),
                    _ => None,
                },
                _ => None,
            }),
            _ => None,
        }
    }

    fn typed_node(&self, name: &str) -> Option<&'a typed::NodeDef> {
        self.typed?.nodes.iter().find(|n| n.name == name)
    }

    fn const_hover(&self, c: &ast::ConstDecl) -> String {
        let written = self.text(c.value.span);
        let mut hover = code(&format!(
            "const {}: {} = {written}",
            c.name.name,
            self.text(c.ty.span)
        ));
        let value = self
            .typed
            .and_then(|t| t.consts.iter().find(|k| k.name == c.name.name));
        if let Some(value) = value
            && value.value.to_string() != written
        {
            hover.push_str(&format!("\n\nvalue: `{}`", value.value));
        }
        hover
    }

    fn message_hover(&self, m: &ast::MessageDecl) -> String {
        let fields = m
            .fields
            .iter()
            .map(|f| format!("{}: {}", f.name.name, self.text(f.ty.span)))
            .collect::<Vec<_>>();
        let mut head = String::new();
        if m.unfair {
            head.push_str("unfair ");
        }
        head.push_str(&format!("message {}", m.name.name));
        if !fields.is_empty() {
            head.push_str(&format!("({})", fields.join(", ")));
        }
        let mut hover = code(&head);
        if let Some(def) = self
            .typed
            .and_then(|t| t.messages.iter().find(|d| d.name == m.name.name))
        {
            let fairness = if def.fair { "fair" } else { "unfair" };
            hover.push_str(&format!(
                "\n\nnetwork `{}`, {fairness} delivery",
                def.network.keyword()
            ));
        }
        if let Some(kinds) = self.senders.get(&m.name.name) {
            let kinds = kinds
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            hover.push_str(&format!("\n\nsent by {kinds}"));
        }
        hover
    }

    fn var_hover(&self, node: &str, var: &ast::VarDecl) -> String {
        let written = self.text(var.ty.span);
        let mut head = String::new();
        if var.persistent {
            head.push_str("persistent ");
        }
        head.push_str(&format!("var {node}.{}: {written}", var.name.name));
        let mut hover = code(&head);
        let concrete = self.typed_node(node).and_then(|n| {
            n.vars
                .iter()
                .find(|v| v.name == var.name.name)
                .map(|v| self.type_name(&v.ty))
        });
        if let Some(concrete) = concrete
            && concrete != written
        {
            hover.push_str(&format!("\n\ntype: `{concrete}`"));
        }
        let init = match &var.init {
            VarInit::Value(e) => format!("initially `{}`", self.text(e.span)),
            VarInit::OneOf(e) => format!("initially any of `{}`", self.text(e.span)),
        };
        hover.push_str(&format!("\n\n{init}"));
        hover
    }

    fn action_hover(&self, node: &str, action: &ast::ActionDecl) -> String {
        let fairness = match action.fairness {
            Fairness::Unfair => "",
            Fairness::Weak => "fair ",
            Fairness::Strong => "strong fair ",
        };
        let params = action
            .params
            .as_ref()
            .map(|ps| {
                let ps = ps
                    .iter()
                    .map(|p| format!("{}: {}", p.name.name, self.text(p.ty.span)))
                    .collect::<Vec<_>>();
                format!("({})", ps.join(", "))
            })
            .unwrap_or_default();
        code(&format!(
            "{fairness}action {node}.{}{params}",
            action.name.name
        ))
    }

    /// A typed type as users write it.
    fn type_name(&self, ty: &Type) -> String {
        let Some(typed) = self.typed else {
            return String::new();
        };
        type_name(typed, ty)
    }

    /// The node kind a written type names, if it names one.
    fn node_kind_of_type(&self, ty: &'a TypeExpr) -> Option<String> {
        match &ty.kind {
            TypeKind::Named(name) if self.is_node_kind(&name.name) => Some(name.name.clone()),
            _ => None,
        }
    }

    fn is_node_kind(&self, name: &str) -> bool {
        self.spec
            .items
            .iter()
            .any(|i| matches!(i, Item::Node(n) if n.name.name == name))
    }

    /// Declares a local in the innermost scope. `written` is its type as
    /// written, if it is; `node_kind` the node kind of its values, if known.
    fn local(
        &mut self,
        name: &Ident,
        ty_expr: Option<&'a TypeExpr>,
        written: Option<String>,
        mut node_kind: Option<String>,
        role: &str,
    ) {
        let checked = self.local_types.get(&name.span).copied();
        if node_kind.is_none()
            && let (Some(Type::Node(k)), Some(typed)) = (checked, self.typed)
        {
            node_kind = typed.nodes.get(*k).map(|n| n.name.clone());
        }
        // The type as written (where the local is declared, or where the
        // value it is bound to comes from) keeps alias names, which the
        // checker's types have expanded.
        let ty = written
            .or_else(|| ty_expr.map(|t| self.text(t.span)))
            .or_else(|| checked.map(|t| self.type_name(t)))
            .or_else(|| node_kind.clone());
        let head = match ty {
            Some(ty) => format!("{}: {ty}", name.name),
            None => name.name.clone(),
        };
        let hover = format!("{}\n\n{role}", code(&head));
        let id = self.add(name, hover, node_kind);
        if let Some(ty) = ty_expr {
            self.typed_as(id, ty);
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(LocalName {
                name: name.name.clone(),
                id,
            });
        }
    }

    /// The second pass: every body, with names resolved.
    fn walk(&mut self) {
        let spec = self.spec;
        for item in &spec.items {
            match item {
                Item::Const(c) => {
                    self.type_expr(&c.ty);
                    self.expr(&c.value);
                }
                Item::Type(t) => self.type_expr(&t.ty),
                Item::Network(n) => {
                    for m in &n.messages {
                        self.global_ref(m);
                    }
                }
                Item::Message(m) => {
                    for f in &m.fields {
                        self.type_expr(&f.ty);
                    }
                }
                Item::Node(node) => self.walk_node(node),
                Item::Faults(faults) => {
                    for fault in &faults.faults {
                        if let Some(target) = &fault.target {
                            self.global_ref(target);
                        }
                        if let Some(budget) = &fault.budget {
                            self.expr(budget);
                        }
                    }
                }
                Item::Property(p) => self.property(p),
                // Defs are left to the type checker's diagnostics for now.
                Item::AllowDeadlock(_) | Item::Def(_) => {}
                Item::Done(d) => self.scoped_expr(&d.cond),
                Item::Bound(b) => self.scoped_expr(&b.cond),
                Item::Expect(e) => {
                    if let Some(&id) = self.properties.get(&e.property.name) {
                        self.refer(e.property.span, id);
                    }
                }
            }
        }
    }

    fn scoped_expr(&mut self, e: &'a Expr) {
        self.scopes.push(Vec::new());
        self.expr(e);
        self.scopes.pop();
    }

    fn property(&mut self, p: &'a ast::PropertyDecl) {
        use ast::PropertyKind::*;
        match &p.kind {
            Invariant(e) | Stable(e) | Reachable(e) | Transient(e) => self.scoped_expr(e),
            Next(a, b) | Unless(a, b) | LeadsTo(a, b) | Ensures(a, b) => {
                self.scoped_expr(a);
                self.scoped_expr(b);
            }
            Variant {
                measure,
                while_cond,
                until,
            } => {
                self.scoped_expr(measure);
                self.scoped_expr(while_cond);
                if let Some(until) = until {
                    self.scoped_expr(until);
                }
            }
        }
    }

    fn walk_node(&mut self, node: &'a ast::NodeDecl) {
        if let Some(count) = &node.count {
            self.expr(count);
        }
        self.current_node = Some(node.name.name.clone());
        for item in &node.items {
            match item {
                NodeItem::Var(var) => {
                    self.type_expr(&var.ty);
                    let expected = self.enum_of_type(&var.ty);
                    match &var.init {
                        VarInit::Value(e) | VarInit::OneOf(e) => {
                            self.scopes.push(Vec::new());
                            self.expr_expecting(e, expected);
                            self.scopes.pop();
                        }
                    }
                }
                NodeItem::Handler(h) => self.handler(h),
                NodeItem::Action(a) => {
                    self.scopes.push(Vec::new());
                    for param in a.params.iter().flatten() {
                        self.type_expr(&param.ty);
                        let written = self.text(param.ty.span);
                        let kind = self.node_kind_of_type(&param.ty);
                        let role = format!("parameter of action `{}`", a.name.name);
                        self.local(&param.name, Some(&param.ty), Some(written), kind, &role);
                    }
                    if let Some(guard) = &a.guard {
                        self.expr(guard);
                    }
                    self.block(&a.body);
                    self.scopes.pop();
                }
            }
        }
        self.current_node = None;
    }

    fn handler(&mut self, h: &'a ast::HandlerDecl) {
        self.global_ref(&h.message);
        self.scopes.push(Vec::new());
        let message = self.messages.get(&h.message.name).copied();
        for (index, binder) in h.binders.iter().flatten().enumerate() {
            let Binder::Name(name) = binder else { continue };
            let field = message.and_then(|m| m.fields.get(index));
            let written = field.map(|f| self.text(f.ty.span));
            let kind = field.and_then(|f| self.node_kind_of_type(&f.ty));
            let role = match field {
                Some(f) => format!("payload field `{}` of `{}`", f.name.name, h.message.name),
                None => format!("payload of `{}`", h.message.name),
            };
            self.local(name, field.map(|f| &f.ty), written, kind, &role);
        }
        if let Some(from) = &h.from {
            if let Some(kind) = &from.kind {
                self.global_ref(kind);
            }
            if let Binder::Name(name) = &from.binder {
                let kind = match &from.kind {
                    Some(k) => Some(k.name.clone()),
                    None => self
                        .senders
                        .get(&h.message.name)
                        .filter(|s| s.len() == 1)
                        .and_then(|s| s.first().cloned()),
                };
                let role = format!("the sender of `{}`", h.message.name);
                self.local(name, None, None, kind, &role);
            }
        }
        if let Some(guard) = &h.guard {
            self.expr(guard);
        }
        self.block(&h.body);
        self.scopes.pop();
    }

    fn block(&mut self, b: &'a Block) {
        self.scopes.push(Vec::new());
        for s in &b.stmts {
            self.stmt(s);
        }
        self.scopes.pop();
    }

    fn stmt(&mut self, s: &'a Stmt) {
        match &s.kind {
            StmtKind::Assign { place, value, .. } => {
                self.expr(place);
                let expected = self.enum_of_expr(place);
                self.expr_expecting(value, expected);
            }
            StmtKind::If {
                cond,
                then_block,
                else_branch,
            } => {
                self.expr(cond);
                self.block(then_block);
                match else_branch {
                    Some(ast::ElseBranch::Block(b)) => self.block(b),
                    Some(ast::ElseBranch::If(s)) => self.stmt(s),
                    None => {}
                }
            }
            StmtKind::For { var, domain, body } => {
                self.expr(domain);
                self.scopes.push(Vec::new());
                let kind = self.node_kind_of_domain(domain);
                let elem = self.element_type(domain);
                self.local(var, elem, None, kind, "`for` variable");
                self.block(body);
                self.scopes.pop();
            }
            StmtKind::Send { dest, message } => {
                self.expr(dest);
                self.message_ctor(message);
            }
            StmtKind::Broadcast { kind, message } => {
                self.global_ref(kind);
                self.message_ctor(message);
            }
            StmtKind::Assert(e) => self.expr(e),
            StmtKind::Let { name, value } => {
                self.expr(value);
                let kind = self.node_kind_of(value);
                let ty = self.type_of_expr(value);
                self.local(name, ty, None, kind, "`let` binding");
            }
        }
    }

    fn message_ctor(&mut self, ctor: &'a MessageCtor) {
        self.global_ref(&ctor.name);
        for arg in ctor.args.iter().flatten() {
            self.expr(arg);
        }
    }

    fn global_ref(&mut self, name: &Ident) {
        if let Some(&id) = self.globals.get(&name.name) {
            self.refer(name.span, id);
        }
    }

    fn type_expr(&mut self, ty: &'a TypeExpr) {
        match &ty.kind {
            TypeKind::Bool | TypeKind::Int => {}
            TypeKind::Range(lo, hi) => {
                self.expr(lo);
                self.expr(hi);
            }
            // Declared (and referenced) in the first pass.
            TypeKind::Enum(_) => {}
            TypeKind::Set(t) | TypeKind::Option(t) => self.type_expr(t),
            TypeKind::Map(k, v) => {
                self.type_expr(k);
                self.type_expr(v);
            }
            TypeKind::Seq(t, n) => {
                self.type_expr(t);
                self.expr(n);
            }
            TypeKind::Tuple(ts) => {
                for t in ts {
                    self.type_expr(t);
                }
            }
            TypeKind::Record(fields) => {
                for f in fields {
                    self.type_expr(&f.ty);
                }
            }
            TypeKind::Named(name) => self.global_ref(name),
        }
    }

    /// What a bare name refers to: a local, a var of the running node, a
    /// top-level declaration or an enum variant, in that order.
    fn resolve_name(&self, name: &str) -> Option<SymbolId> {
        let local = self
            .scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|l| l.name == name)
            .map(|l| l.id);
        local
            .or_else(|| {
                let node = self.current_node.as_ref()?;
                self.nodes.get(node)?.vars.get(name).copied()
            })
            .or_else(|| self.globals.get(name).copied())
            .or_else(|| {
                let candidates = self.variants.get(name)?;
                candidates
                    .iter()
                    .copied()
                    .find(|id| {
                        self.expected_enum.is_some()
                            && self.enum_of.get(id) == self.expected_enum.as_ref()
                    })
                    .or_else(|| candidates.first().copied())
            })
    }

    /// The node kind of an expression's value, when it is clear from the
    /// syntax: `self`, `TM`, `RM[i]`, a local or var of a node type.
    fn node_kind_of(&self, e: &'a Expr) -> Option<String> {
        self.node_kind_of_syntax(e)
            .or_else(|| self.node_kind_of_type(self.type_of_expr(e)?))
    }

    /// [`Self::node_kind_of`] for the forms that need no type: it does not
    /// call [`Self::type_of_expr`], which calls it on every field access, so
    /// that a chain of accesses costs linear time, not exponential.
    fn node_kind_of_syntax(&self, e: &'a Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Paren(inner) => self.node_kind_of_syntax(inner),
            ExprKind::SelfRef => self.current_node.clone(),
            ExprKind::Name(name) => {
                if self.is_node_kind(&name.name) {
                    return Some(name.name.clone());
                }
                let id = self.resolve_name(&name.name)?;
                self.symbols
                    .get(id)?
                    .node_kind
                    .clone()
                    .or_else(|| self.node_kind_of_type(self.declared.get(&id)?))
            }
            ExprKind::Index(base, _) => match &base.kind {
                ExprKind::Name(name) if self.is_node_kind(&name.name) => Some(name.name.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The symbol of field `name` of a record-valued expression.
    fn record_field(&self, base: &'a Expr, name: &str) -> Option<SymbolId> {
        match &self.expand(self.type_of_expr(base)?).kind {
            TypeKind::Record(fields) => {
                let field = fields.iter().find(|f| f.name.name == name)?;
                self.record_fields.get(&field.name.span).copied()
            }
            _ => None,
        }
    }

    /// The node kind of the elements of a domain: `RM`, `all RM`.
    fn node_kind_of_domain(&self, domain: &'a Expr) -> Option<String> {
        match &domain.kind {
            ExprKind::Paren(inner) => self.node_kind_of_domain(inner),
            ExprKind::Name(name) if self.is_node_kind(&name.name) => Some(name.name.clone()),
            ExprKind::All(ty) => self.node_kind_of_type(ty),
            _ => None,
        }
    }

    fn expr(&mut self, e: &'a Expr) {
        // The expected enum reaches a bare name through parentheses, set
        // literals (`state in { committed, aborted }`) and `if` branches.
        let expected = match &e.kind {
            ExprKind::Name(_) | ExprKind::Paren(_) | ExprKind::Set(_) | ExprKind::If(..) => {
                self.expected_enum
            }
            _ => None,
        };
        let outer = std::mem::replace(&mut self.expected_enum, expected);
        self.expr_inner(e);
        self.expected_enum = outer;
    }

    fn expr_inner(&mut self, e: &'a Expr) {
        match &e.kind {
            // `let` expressions: not analysed yet (their names are local).
            ExprKind::Bool(_) | ExprKind::Int(_) | ExprKind::SelfRef | ExprKind::Let { .. } => {}
            ExprKind::Name(name) => {
                if let Some(id) = self.resolve_name(&name.name) {
                    self.refer(name.span, id);
                }
            }
            ExprKind::Unary(_, a) | ExprKind::Paren(a) | ExprKind::TupleField(a, ..) => {
                self.expr(a);
            }
            ExprKind::Binary(BinaryOp::Eq | BinaryOp::Ne | BinaryOp::In, a, b) => {
                let expected = self.enum_of_expr(a).or_else(|| self.enum_of_expr(b));
                self.expr_expecting(a, expected);
                self.expr_expecting(b, expected);
            }
            ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Field(base, field) => {
                self.expr(base);
                let target = match self.node_kind_of(base) {
                    Some(kind) => self
                        .nodes
                        .get(&kind)
                        .and_then(|n| n.vars.get(&field.name).copied()),
                    None => self.record_field(base, &field.name),
                };
                if let Some(target) = target {
                    self.refer(field.span, target);
                }
            }
            ExprKind::Call(_, args) | ExprKind::Tuple(args) | ExprKind::Set(args) => {
                for arg in args {
                    self.expr(arg);
                }
            }
            ExprKind::Seq(items) => {
                for item in items {
                    self.expr(item);
                }
            }
            ExprKind::Quant {
                quantifier,
                vars,
                domain,
                body,
            } => {
                self.expr(domain);
                self.scopes.push(Vec::new());
                let kind = self.node_kind_of_domain(domain);
                let role = format!("`{}` variable", quantifier.keyword());
                let elem = self.element_type(domain);
                for var in vars {
                    self.local(var, elem, None, kind.clone(), &role);
                }
                self.expr(body);
                self.scopes.pop();
            }
            ExprKind::All(ty) => self.type_expr(ty),
            ExprKind::If(c, a, b) => {
                let expected = self.expected_enum;
                self.expr_expecting(c, None);
                self.expr_expecting(a, expected);
                self.expr_expecting(b, expected);
            }
            ExprKind::Map(entries) => {
                for (key, value) in entries {
                    if let MapKey::Key(key) = key {
                        self.expr(key);
                    }
                    self.expr(value);
                }
            }
            ExprKind::Record(fields) => {
                for (_, value) in fields {
                    self.expr(value);
                }
            }
        }
    }
}

/// A typed type as users write it.
pub fn type_name(typed: &TypedSpec, ty: &Type) -> String {
    let list = |ts: &mut dyn Iterator<Item = String>| ts.collect::<Vec<_>>().join(", ");
    match ty {
        Type::Bool => "bool".into(),
        Type::Range { lo, hi } => format!("{lo}..{hi}"),
        Type::Int => "int".into(),
        Type::Node(k) => typed
            .nodes
            .get(*k)
            .map_or_else(|| "node".into(), |n| n.name.clone()),
        Type::Enum(e) => match typed.enums.get(*e) {
            Some(def) => match &def.name {
                Some(name) => name.clone(),
                None => format!("enum {{ {} }}", def.variants.join(", ")),
            },
            None => "enum".into(),
        },
        Type::Set(t) => format!("set<{}>", type_name(typed, t)),
        Type::Map(k, v) => format!("map<{}, {}>", type_name(typed, k), type_name(typed, v)),
        Type::Option(t) => format!("option<{}>", type_name(typed, t)),
        Type::Seq(t, n) => format!("seq<{}, {n}>", type_name(typed, t)),
        Type::Tuple(ts) => format!("({})", list(&mut ts.iter().map(|t| type_name(typed, t)))),
        Type::Record(fs) => format!(
            "{{ {} }}",
            list(
                &mut fs
                    .iter()
                    .map(|(n, t)| format!("{n}: {}", type_name(typed, t)))
            )
        ),
        Type::Error => "{unknown}".into(),
    }
}

/// A line of dsmc as a Markdown code block.
fn code(text: &str) -> String {
    format!("```dsmc\n{text}\n```")
}

#[cfg(test)]
mod tests {
    use super::*;
    use dsmc::front::check_source;

    const TWO_PHASE: &str = include_str!("../../../specs/2pc.ds");

    /// The hover and the declaration's text for the `nth` occurrence of
    /// `needle` (0-based), with the cursor on its first character.
    fn look(source: &str, needle: &str, nth: usize) -> Option<(String, String)> {
        let front = check_source(source, &[]);
        let ast = front.ast.as_ref()?;
        let analysis = Analysis::new(source, ast, front.typed.as_ref());
        let offset = source.match_indices(needle).nth(nth)?.0;
        let (_, symbol) = analysis.at(offset)?;
        let declared = source[symbol.name_span.start..symbol.name_span.end].to_string();
        let line = source[..symbol.name_span.start].lines().count();
        Some((symbol.hover.clone(), format!("{declared}@{line}")))
    }

    fn hover(source: &str, needle: &str, nth: usize) -> String {
        look(source, needle, nth)
            .unwrap_or_else(|| panic!("nothing at `{needle}` #{nth}"))
            .0
    }

    #[test]
    fn hover_shows_declarations_with_their_types() {
        let var = hover(TWO_PHASE, "state = prepared", 0);
        assert!(var.contains("var RM.state: enum { working, prepared, committed, aborted }"));
        assert!(var.contains("initially `working`"));
        let node = hover(TWO_PHASE, "RM Commit", 0);
        assert!(
            node.contains("node RM[N]") && node.contains("3 instances"),
            "{node}"
        );
        let message = hover(TWO_PHASE, "Prepared\n  }", 0);
        assert!(message.contains("message Prepared"), "{message}");
        assert!(
            message.contains("network `set`, fair delivery"),
            "{message}"
        );
        assert!(message.contains("sent by `RM`"), "{message}");
        let constant = hover(TWO_PHASE, "N]", 0);
        assert!(constant.contains("const N: int = 3"), "{constant}");
        let property = hover(TWO_PHASE, "consistent:", 0);
        assert!(property.contains("invariant property"), "{property}");
        // `from rm`: the only sender of Prepared is RM.
        let sender = hover(TWO_PHASE, "rm }", 0);
        assert!(sender.contains("rm: RM"), "{sender}");
        let quantified = hover(TWO_PHASE, "r.state == committed", 0);
        assert!(quantified.contains("r: RM"), "{quantified}");
    }

    #[test]
    fn a_bare_variant_belongs_to_the_expected_enum() {
        // `committed` is a variant of TM.phase and of RM.state.
        let (tm, at_tm) = look(TWO_PHASE, "committed\n    broadcast", 0).unwrap();
        assert!(tm.contains("variant of `TM.phase`"), "{tm}");
        let (rm, at_rm) = look(TWO_PHASE, "committed\nproperty", 0).unwrap();
        assert!(rm.contains("variant of `RM.state`"), "{rm}");
        assert_ne!(at_tm, at_rm);
        let (_, set_literal) = look(TWO_PHASE, "committed, aborted }\n", 0).unwrap();
        assert_eq!(set_literal, at_rm);
    }

    #[test]
    fn definitions_are_found_through_remote_vars_and_locals() {
        let (_, at) = look(TWO_PHASE, "state == committed", 0).unwrap();
        assert_eq!(at, "state@62");
        let (_, at) = look(TWO_PHASE, "phase == committed", 0).unwrap();
        assert_eq!(at, "phase@46");
        let (_, at) = look(TWO_PHASE, "rm }", 0).unwrap();
        assert_eq!(at, "rm@49");
    }

    #[test]
    fn hover_works_while_the_spec_has_type_errors() {
        let broken = TWO_PHASE.replace("state == working {", "state == 0 {");
        assert!(check_source(&broken, &[]).has_errors());
        let var = hover(&broken, "state = prepared", 0);
        assert!(var.contains("var RM.state"), "{var}");
        let node = hover(&broken, "RM Commit", 0);
        assert!(node.contains("3 instances"), "{node}");
    }

    const KV: &str = include_str!("../../../specs/kv_replication.ds");

    #[test]
    fn record_fields_and_inferred_local_types() {
        let (field, at) = look(KV, "op == put {\n        store", 0).unwrap();
        assert!(
            field.contains("op: Op") && field.contains("field of `Entry`"),
            "{field}"
        );
        assert!(at.starts_with("op@"), "{at}");
        let local = hover(KV, "e)\n  }", 0);
        assert!(local.contains("e: Entry"), "{local}");
        // `b` in `from b`: the only sender of Ack is Backup; `b.log` is its var.
        let (_, at) = look(KV, "log[i] == Primary", 0).unwrap();
        assert!(at.starts_with("log@91"), "{at}");
    }

    #[test]
    fn long_access_chains_take_linear_time() {
        let chain = ".f".repeat(200);
        let source = format!(
            "protocol P\ntype R = {{ f: bool }}\nnode A {{\n  var r: R = {{ f: true }}\n}}\ninvariant i: A.r{chain} == A.r{chain}\n"
        );
        let start = std::time::Instant::now();
        let _ = look(&source, "f ==", 0);
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn references_include_the_declaration_and_every_use() {
        let front = check_source(TWO_PHASE, &[]);
        let ast = front.ast.as_ref().unwrap();
        let analysis = Analysis::new(TWO_PHASE, ast, front.typed.as_ref());
        let offset = TWO_PHASE.find("message Prepared").unwrap() + "message ".len();
        let (_, id) = analysis.id_at(offset).unwrap();
        let uses: Vec<&str> = analysis
            .references_to(id)
            .iter()
            .map(|s| &TWO_PHASE[s.start..s.end])
            .collect();
        // The declaration, the handler and the send.
        assert_eq!(uses, ["Prepared"; 3]);
    }
}
