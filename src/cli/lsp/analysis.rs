//! What the language server shows about a spec's names. Names are resolved
//! by the resolver and the type checker alone, which record every
//! declaration and use in the front end's [`Index`], errors or not; this
//! module only words what the index holds: hover text for declarations
//! (from their source text and the facts the index keeps), the types of
//! locals, and completions.

use std::collections::{BTreeSet, HashMap};

use dsmc::index::{Def, DefId, DefKind, Index};
use dsmc::syntax::ast::{self, Item, NodeItem, Span, TypeExpr, TypeKind, VarInit};
use dsmc::typed::{Builtin, Type};

/// The names of one parsed spec, ready to be shown.
#[derive(Debug)]
pub struct Analysis {
    /// Every name and what it refers to, from the type checker.
    pub index: Index,
    /// Hover text of the declarations, by where their names are written.
    hovers: HashMap<Span, String>,
}

/// A name that may be written at a place.
#[derive(Debug)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    /// Its type, when it has one.
    pub detail: Option<String>,
}

/// What sort of name a [`Completion`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Constant,
    Type,
    Message,
    Node,
    Variable,
    Field,
    Variant,
    Local,
    Function,
}

impl Analysis {
    /// Words the declarations of a parsed spec and keeps its index.
    pub fn new(source: &str, spec: &ast::Spec, index: Index) -> Analysis {
        let mut hovers = Hovers {
            source,
            index: &index,
            out: HashMap::new(),
        };
        hovers.spec(spec);
        let hovers = hovers.out;
        Analysis { index, hovers }
    }

    /// The name at a byte offset and the definition it refers to.
    pub fn at(&self, offset: usize) -> Option<(Span, DefId)> {
        self.index.at(offset)
    }

    /// Where a definition's name is written.
    pub fn declaration(&self, id: DefId) -> Option<Span> {
        self.index.def(id).map(|d| d.span)
    }

    /// Every place that names a definition, its declaration included.
    pub fn references_to(&self, id: DefId) -> Vec<Span> {
        self.index.uses_of(id)
    }

    /// What hover shows for a definition, in Markdown.
    pub fn hover(&self, id: DefId) -> Option<String> {
        let def = self.index.def(id)?;
        if let Some(hover) = self.hovers.get(&def.span) {
            return Some(hover.clone());
        }
        let role = match &def.kind {
            DefKind::Param { action } => format!("parameter of action `{action}`"),
            DefKind::Payload {
                message,
                field: Some(field),
            } => format!("payload field `{field}` of `{message}`"),
            DefKind::Payload { message, .. } => format!("payload of `{message}`"),
            DefKind::Sender { message } => format!("the sender of `{message}`"),
            DefKind::Quantified(q) => format!("`{}` variable", q.keyword()),
            DefKind::For => "`for` variable".into(),
            DefKind::Let => "`let` binding".into(),
            DefKind::DefParam { def } => format!("parameter of def `{def}`"),
            DefKind::PropertyParam { property } => {
                format!("parameter of property `{property}`: checked for each value")
            }
            _ => String::new(),
        };
        let head = match &def.ty {
            Some(ty) if !ty.has_error() => format!("{}: {}", def.name, self.index.type_name(ty)),
            _ => def.name.clone(),
        };
        let mut hover = code(&head);
        if !role.is_empty() {
            hover.push_str(&format!("\n\n{role}"));
        }
        Some(hover)
    }

    /// The names that may be written at a byte offset: after a dot, the
    /// vars or fields of what is before it; elsewhere, every name in scope
    /// and the built-in functions.
    pub fn completions(&self, offset: usize) -> Vec<Completion> {
        let detail = |ty: &Option<Type>| ty.as_ref().map(|t| self.index.type_name(t));
        if let Some(base) = self.index.member_at(offset) {
            return match base {
                Type::Node(kind) => self
                    .index
                    .defs()
                    .iter()
                    .filter(|d| d.kind == DefKind::Var { node: *kind })
                    .map(|d| Completion {
                        label: d.name.clone(),
                        kind: CompletionKind::Variable,
                        detail: detail(&d.ty),
                    })
                    .collect(),
                Type::Record(fields) => fields
                    .iter()
                    .map(|(name, ty)| Completion {
                        label: name.clone(),
                        kind: CompletionKind::Field,
                        detail: Some(self.index.type_name(ty)),
                    })
                    .collect(),
                _ => Vec::new(),
            };
        }
        let mut out: Vec<Completion> = self
            .index
            .visible_at(offset)
            .into_iter()
            .map(|d: &Def| Completion {
                label: d.name.clone(),
                kind: completion_kind(&d.kind),
                detail: match &d.kind {
                    DefKind::Def {
                        params: Some(params),
                    } => Some(self.signature(params, d.ty.as_ref())),
                    _ => detail(&d.ty),
                },
            })
            .collect();
        let named: BTreeSet<String> = out.iter().map(|c| c.label.clone()).collect();
        out.extend(
            Builtin::NAMES
                .iter()
                .filter(|name| !named.contains(**name))
                .map(|name| Completion {
                    label: name.to_string(),
                    kind: CompletionKind::Function,
                    detail: None,
                }),
        );
        out
    }

    /// A def's parameters and type, `(x: int, lo: int): int`.
    fn signature(&self, params: &[(String, Type)], ty: Option<&Type>) -> String {
        let params = params
            .iter()
            .map(|(name, ty)| format!("{name}: {}", self.index.type_name(ty)))
            .collect::<Vec<_>>()
            .join(", ");
        match ty {
            Some(ty) => format!("({params}): {}", self.index.type_name(ty)),
            None => format!("({params})"),
        }
    }
}

fn completion_kind(kind: &DefKind) -> CompletionKind {
    match kind {
        DefKind::Const(_) => CompletionKind::Constant,
        DefKind::Alias => CompletionKind::Type,
        DefKind::Message { .. } => CompletionKind::Message,
        DefKind::Node { .. } => CompletionKind::Node,
        DefKind::Var { .. } => CompletionKind::Variable,
        DefKind::Variant(_) | DefKind::UnionVariant { .. } => CompletionKind::Variant,
        DefKind::PayloadField { .. } | DefKind::RecordField => CompletionKind::Field,
        DefKind::Def { .. } => CompletionKind::Function,
        _ => CompletionKind::Local,
    }
}

/// Builds the hover text of every declaration of a spec.
struct Hovers<'a> {
    source: &'a str,
    index: &'a Index,
    out: HashMap<Span, String>,
}

impl Hovers<'_> {
    /// The source text of a span on one line, shortened when long.
    fn text(&self, span: Span) -> String {
        self.text_of(self.source.get(span.start..span.end).unwrap_or(""))
    }

    /// The index's definition of the name declared at `span`.
    fn def(&self, span: Span) -> Option<&Def> {
        self.index.def(self.index.def_at_span(span)?)
    }

    fn spec(&mut self, spec: &ast::Spec) {
        let expected: BTreeSet<&str> = spec
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Expect(e) => Some(e.property.name.as_str()),
                _ => None,
            })
            .collect();
        for item in &spec.items {
            match item {
                Item::Const(c) => {
                    let written = self.text(c.value.span);
                    let mut hover = code(&format!(
                        "const {}: {} = {written}",
                        c.name.name,
                        self.text(c.ty.span)
                    ));
                    if let Some(DefKind::Const(Some(value))) =
                        self.def(c.name.span).map(|d| &d.kind)
                        && value.to_string() != written
                    {
                        hover.push_str(&format!("\n\nvalue: `{value}`"));
                    }
                    self.out.insert(c.name.span, hover);
                    self.variants(&c.ty, &c.name.name);
                }
                Item::Type(t) => {
                    let hover = code(&format!("type {} = {}", t.name.name, self.text(t.ty.span)));
                    self.out.insert(t.name.span, hover);
                    self.variants(&t.ty, &t.name.name);
                }
                Item::Message(m) => self.message(m),
                Item::Node(node) => self.node(node),
                Item::Property(p) => {
                    let mut hover = code(&self.text(p.span));
                    hover.push_str(&format!("\n\n{} property", p.kind.describe()));
                    if expected.contains(p.name.name.as_str()) {
                        hover.push_str("; expected to be violated (`expect violation`)");
                    }
                    self.out.insert(p.name.span, hover);
                }
                Item::Def(d) => self.def_decl(d),
                _ => {}
            }
        }
    }

    /// A def: its signature and body, the comment written just above it,
    /// and how many calls inline it.
    fn def_decl(&mut self, d: &ast::DefDecl) {
        let params = d
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
        let mut hover = code(&format!(
            "def {}{params}: {} = {}",
            d.name.name,
            self.text(d.ty.span),
            self.text(d.body.span)
        ));
        let doc = self.comment_above(d.span.start);
        if !doc.is_empty() {
            hover.push_str(&format!("\n\n{doc}"));
        }
        let calls = self
            .index
            .def_at_span(d.name.span)
            .map_or(0, |id| self.index.uses_of(id).len().saturating_sub(1));
        let calls = match calls {
            0 => "never called".to_string(),
            1 => "inlined at its one call".to_string(),
            n => format!("inlined at each of its {n} calls"),
        };
        hover.push_str(&format!("\n\ndef, {calls}"));
        self.out.insert(d.name.span, hover);
        for p in d.params.iter().flatten() {
            self.variants(&p.ty, &p.name.name);
        }
    }

    /// The `//` comment on the lines just above a declaration starting at
    /// `start`, its lines joined.
    fn comment_above(&self, start: usize) -> String {
        let before = self.source.get(..start).unwrap_or("");
        // Only when the declaration starts its line.
        let Some(above) = before.trim_end_matches([' ', '\t']).strip_suffix('\n') else {
            return String::new();
        };
        // `split`, not `lines`: a blank line just above ends the comment.
        let mut lines: Vec<&str> = above
            .split('\n')
            .rev()
            .map(str::trim)
            .take_while(|l| l.starts_with("//"))
            .map(|l| l.trim_start_matches('/').trim())
            .collect();
        lines.reverse();
        self.text_of(&lines.join(" "))
    }

    /// A text on one line, shortened when long.
    fn text_of(&self, raw: &str) -> String {
        let mut words = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        const MAX_CHARS: usize = 160;
        if words.chars().count() > MAX_CHARS {
            words = words.chars().take(MAX_CHARS).collect::<String>() + " …";
        }
        words
    }

    fn message(&mut self, m: &ast::MessageDecl) {
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
        if let Some(DefKind::Message { id, network, fair }) =
            self.def(m.name.span).map(|d| d.kind.clone())
        {
            let fairness = if fair { "fair" } else { "unfair" };
            hover.push_str(&format!(
                "\n\nnetwork `{}`, {fairness} delivery",
                network.keyword()
            ));
            let senders = self.index.senders(id);
            if !senders.is_empty() {
                let kinds = senders
                    .iter()
                    .map(|k| format!("`{}`", self.index.type_name(&Type::Node(*k))))
                    .collect::<Vec<_>>()
                    .join(", ");
                hover.push_str(&format!("\n\nsent by {kinds}"));
            }
        }
        self.out.insert(m.name.span, hover);
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
            self.out.insert(field.name.span, hover);
            let owner = format!("{}.{}", m.name.name, field.name.name);
            self.variants(&field.ty, &owner);
        }
    }

    fn node(&mut self, node: &ast::NodeDecl) {
        let name = &node.name.name;
        let mut head = String::new();
        if node.symmetric {
            head.push_str("symmetric ");
        }
        head.push_str(&format!("node {name}"));
        if let Some(count) = &node.count {
            head.push_str(&format!("[{}]", self.text(count.span)));
        }
        let vars = node
            .items
            .iter()
            .filter(|i| matches!(i, NodeItem::Var(_)))
            .count();
        let vars = format!("{vars} var{}", if vars == 1 { "" } else { "s" });
        let summary = match self.def(node.name.span).map(|d| &d.kind) {
            _ if node.count.is_none() => format!("a single node; {vars}"),
            Some(DefKind::Node { count: 1, .. }) => format!("1 instance; {vars}"),
            Some(DefKind::Node { count, .. }) => format!("{count} instances; {vars}"),
            _ => vars,
        };
        self.out
            .insert(node.name.span, format!("{}\n\n{summary}", code(&head)));
        for item in &node.items {
            match item {
                NodeItem::Var(var) => {
                    let hover = self.var(name, var);
                    self.out.insert(var.name.span, hover);
                    self.variants(&var.ty, &format!("{name}.{}", var.name.name));
                }
                NodeItem::Action(action) => {
                    let hover = self.action(name, action);
                    self.out.insert(action.name.span, hover);
                    for param in action.params.iter().flatten() {
                        self.variants(&param.ty, &param.name.name);
                    }
                }
                NodeItem::Handler(_) => {}
            }
        }
    }

    fn var(&self, node: &str, var: &ast::VarDecl) -> String {
        let written = self.text(var.ty.span);
        let mut head = String::new();
        if var.persistent {
            head.push_str("persistent ");
        }
        head.push_str(&format!("var {node}.{}: {written}", var.name.name));
        let mut hover = code(&head);
        let concrete = self
            .def(var.name.span)
            .and_then(|d| d.ty.as_ref())
            .filter(|ty| !ty.has_error())
            .map(|ty| self.index.type_name(ty));
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

    fn action(&self, node: &str, action: &ast::ActionDecl) -> String {
        let fairness = action.fairness_words();
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

    /// Words the enum variants and record fields written in a type.
    fn variants(&mut self, ty: &TypeExpr, owner: &str) {
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
                    self.out.insert(variant.span, hover);
                }
            }
            TypeKind::Set(t) | TypeKind::Option(t) | TypeKind::Seq(t, _) => {
                self.variants(t, owner);
            }
            TypeKind::Map(k, v) => {
                self.variants(k, owner);
                self.variants(v, owner);
            }
            TypeKind::Tuple(ts) => {
                for t in ts {
                    self.variants(t, owner);
                }
            }
            TypeKind::Record(fields) => {
                for field in fields {
                    let head = format!("{}: {}", field.name.name, self.text(field.ty.span));
                    let hover = format!("{}\n\nfield of `{owner}`", code(&head));
                    self.out.insert(field.name.span, hover);
                    self.variants(&field.ty, &format!("{owner}.{}", field.name.name));
                }
            }
            TypeKind::Union(variants) => {
                for variant in variants {
                    let head = match &variant.fields {
                        Some(_) => self.text(variant.span),
                        None => variant.name.name.clone(),
                    };
                    let hover = format!("{}\n\nvariant of union `{owner}`", code(&head));
                    self.out.insert(variant.name.span, hover);
                    for field in variant.fields.iter().flatten() {
                        let head = format!("{}: {}", field.name.name, self.text(field.ty.span));
                        let what = format!("{owner}.{}", variant.name.name);
                        let hover = format!("{}\n\nfield of `{what}`", code(&head));
                        self.out.insert(field.name.span, hover);
                        self.variants(&field.ty, &format!("{what}.{}", field.name.name));
                    }
                }
            }
            TypeKind::Bool | TypeKind::Int | TypeKind::Range(..) | TypeKind::Named(_) => {}
        }
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
        let analysis = analyse(source)?;
        let offset = source.match_indices(needle).nth(nth)?.0;
        let (_, id) = analysis.at(offset)?;
        let span = analysis.declaration(id)?;
        let declared = source[span.start..span.end].to_string();
        let line = source[..span.start].lines().count();
        Some((analysis.hover(id)?, format!("{declared}@{line}")))
    }

    fn analyse(source: &str) -> Option<Analysis> {
        let front = check_source(source, &[]);
        Some(Analysis::new(source, front.ast.as_ref()?, front.index?))
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

    const DEFS: &str = include_str!("../../../tests/cases/ok/defs_let_aggregates.ds");

    #[test]
    fn defs_their_parameters_and_lets() {
        let (def, at) = look(DEFS, "clamp(load", 0).unwrap();
        assert!(
            def.contains("def clamp(x: int, lo: int, hi: int): int = max(lo, min(x, hi))"),
            "{def}"
        );
        assert!(def.contains("inlined at its one call"), "{def}");
        assert!(at.starts_with("clamp@"), "{at}");
        let (bare, _) = look(
            DEFS, "empty
", 0,
        )
        .unwrap();
        assert!(bare.contains("def empty(): set<Load> = {}"), "{bare}");
        assert!(bare.contains("inlined at each of its 2 calls"), "{bare}");
        let param = hover(DEFS, "hi))", 0);
        assert!(param.contains("parameter of def `clamp`"), "{param}");
        let (_, at) = look(DEFS, "h - l", 0).unwrap();
        assert!(at.starts_with("h@"), "{at}");
        let (_, at) = look(DEFS, "m\n", 0).unwrap();
        assert!(at.starts_with("m@"), "{at}");
    }

    const UNIONS: &str = include_str!("../../../tests/cases/ok/type_union.ds");

    #[test]
    fn union_variants_their_fields_and_match_bindings() {
        // A variant built in an action, tested with `is`, matched in a
        // pattern: each goes to the declaration, and hovers with it.
        for (needle, nth) in [
            ("Prepare(b) in sent", 0),
            ("Promise {", 0),
            ("Accept(b, _)", 0),
        ] {
            let (hover, at) = look(UNIONS, needle, nth).unwrap();
            let name = needle.split(['(', ' ']).next().unwrap();
            assert!(at.starts_with(&format!("{name}@")), "{needle}: {at}");
            assert!(
                hover.contains("variant of union `Msg`"),
                "{needle}: {hover}"
            );
        }
        let promise = hover(UNIONS, "Promise {", 0);
        assert!(
            promise.contains("Promise(bal: Ballot, acc: Acceptor, vbal: -1..B)"),
            "{promise}"
        );
        // A name bound by a pattern: the payload field's type.
        let (bound, at) = look(UNIONS, "b, _, _) => b", 0).unwrap();
        assert!(bound.contains("b: 0..1"), "{bound}");
        assert!(
            bound.contains("payload field `bal` of `Promise`"),
            "{bound}"
        );
        assert!(at.starts_with("b@"), "{at}");
        // A union-typed var prints with the union's name.
        let var = hover(UNIONS, "last = some", 0);
        assert!(var.contains("option<Msg>"), "{var}");
    }

    #[test]
    fn a_def_shows_the_comment_above_it() {
        let source = "protocol P\n// The first line,\n  //   and the second.\ndef one: int = 1\n\n// Not this.\n\ndef two: int = one + 1\ninvariant i: two == 2 && Z.b\nnode Z { var b: bool = true }\n";
        let one = hover(source, "one + 1", 0);
        assert!(
            one.contains("\n\nThe first line, and the second.\n\n"),
            "{one}"
        );
        let two = hover(source, "two ==", 0);
        assert!(!two.contains("Not this"), "{two}");
    }

    #[test]
    fn references_include_the_declaration_and_every_use() {
        let analysis = analyse(TWO_PHASE).unwrap();
        let offset = TWO_PHASE.find("message Prepared").unwrap() + "message ".len();
        let (_, id) = analysis.at(offset).unwrap();
        let uses: Vec<&str> = analysis
            .references_to(id)
            .iter()
            .map(|s| &TWO_PHASE[s.start..s.end])
            .collect();
        // The declaration, the handler and the send.
        assert_eq!(uses, ["Prepared"; 3]);
    }
}
