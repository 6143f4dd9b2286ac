//! What the front end learned about the names of a spec: every declaration
//! ([`Def`]) and every place that names one, recorded by the resolver and
//! the type checker as they resolve them, whether or not the spec has
//! errors. The language server answers hover, go-to-definition, references,
//! rename and completion from it; nothing else resolves names.

use std::collections::HashMap;

use crate::syntax::ast::{NetworkKind, Quantifier, Span};
use crate::typed::{
    ConstValue, EnumDef, EnumId, MessageId, NodeKindId, Type, TypeNames, UnionId, print_type,
};

/// Index of a definition in [`Index::defs`].
pub type DefId = usize;

/// What sort of thing a name declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DefKind {
    /// A constant, with its value when it has one.
    Const(Option<ConstValue>),
    /// A type alias.
    Alias,
    /// A message kind and how its network delivers it.
    Message {
        /// The message kind's id.
        id: MessageId,
        /// The delivery discipline of its network.
        network: NetworkKind,
        /// Whether its delivery is weakly fair.
        fair: bool,
    },
    /// A payload field in a message declaration.
    PayloadField {
        /// The name of the message kind it belongs to.
        message: String,
    },
    /// A node kind and its number of instances.
    Node {
        /// The node kind's id.
        id: NodeKindId,
        /// Its number of instances.
        count: u32,
    },
    /// A variable of a node kind.
    Var {
        /// The node kind that declares it.
        node: NodeKindId,
    },
    /// An action of a node kind.
    Action {
        /// The node kind that declares it.
        node: NodeKindId,
    },
    /// A property.
    Property,
    /// A variant of an enum.
    Variant(EnumId),
    /// A field of a record type.
    RecordField,
    /// A variant of a union type, with its payload fields.
    UnionVariant {
        /// The union it belongs to.
        union: UnionId,
        /// Its position among the union's variants.
        index: usize,
        /// Its payload fields' names and types, in order.
        fields: Vec<(String, Type)>,
    },
    /// An action's parameter.
    Param {
        /// The name of the action.
        action: String,
    },
    /// A handler's name for a payload field.
    Payload {
        /// The message kind handled, or the union variant of a `match` arm
        /// that binds it.
        message: String,
        /// The payload field it is bound to; `None` when there is no field
        /// at its position.
        field: Option<String>,
    },
    /// A handler's name for the sender (`from src`).
    Sender {
        /// The name of the message kind handled.
        message: String,
    },
    /// A variable bound by `forall`, `exists` or `count`.
    Quantified(Quantifier),
    /// A `for` variable.
    For,
    /// A `let` binding (a statement's or a `let ... in` expression's).
    Let,
    /// A `def`, with its parameters' names and types (`None` when written
    /// without parentheses).
    Def {
        /// The parameters' names and types.
        params: Option<Vec<(String, Type)>>,
    },
    /// A def's parameter.
    DefParam {
        /// The name of the def.
        def: String,
    },
    /// A parameter of a quantified property.
    PropertyParam {
        /// The name of the property.
        property: String,
    },
}

impl DefKind {
    /// Whether the name can stand in an expression.
    pub(crate) fn is_value(&self) -> bool {
        !matches!(
            self,
            DefKind::PayloadField { .. }
                | DefKind::Action { .. }
                | DefKind::Property
                | DefKind::RecordField
        )
    }
}

/// A declared name.
#[derive(Clone, Debug)]
pub struct Def {
    /// The name as declared.
    pub name: String,
    /// Where the name is written in its declaration.
    pub span: Span,
    /// What sort of thing it declares.
    pub kind: DefKind,
    /// The type of its values, for names that have values.
    pub ty: Option<Type>,
    /// Where the name can be used, for locals and variables; `None` for
    /// names usable everywhere.
    pub scope: Option<Span>,
}

/// Every name of a spec and what it refers to.
#[derive(Debug, Default)]
pub struct Index {
    defs: Vec<Def>,
    by_span: HashMap<Span, DefId>,
    /// (where a name is used, where its definition is written).
    uses: Vec<(Span, Span)>,
    /// The name after a dot (`base.name`) and the base's type: what may
    /// stand there.
    members: Vec<(Span, Type)>,
    /// The spans of each enum's variants, by [`EnumId`].
    variants: Vec<Vec<Span>>,
    /// Record types as declared, with the spans of their fields.
    records: Vec<(Type, Vec<Span>)>,
    /// For printing types: node kind names and enums.
    node_names: Vec<String>,
    enums: Vec<EnumDef>,
    /// The names of union types, by [`UnionId`].
    unions: Vec<String>,
    /// Record types that an alias names (`type Entry = { .. }`).
    record_aliases: Vec<(Type, String)>,
    /// Node kinds that send each message, by [`MessageId`].
    senders: Vec<Vec<NodeKindId>>,
    /// Off while the type checker checks a def's body again at a call: the
    /// names in it were recorded by the def's own check.
    paused: bool,
}

impl Index {
    /// Declares a name; a second declaration at the same place is ignored.
    pub fn define(
        &mut self,
        name: &str,
        span: Span,
        kind: DefKind,
        ty: Option<Type>,
        scope: Option<Span>,
    ) {
        if self.paused || self.by_span.contains_key(&span) {
            return;
        }
        self.by_span.insert(span, self.defs.len());
        self.defs.push(Def {
            name: name.to_string(),
            span,
            kind,
            ty,
            scope,
        });
    }

    /// Records that the name at `span` refers to the one declared at
    /// `definition`.
    pub fn refer(&mut self, span: Span, definition: Span) {
        if !self.paused {
            self.uses.push((span, definition));
        }
    }

    /// Records the name after a dot and the type of what is before it.
    pub fn member(&mut self, span: Span, base: &Type) {
        if !self.paused {
            self.members.push((span, base.clone()));
        }
    }

    /// Turns the recording of declarations and uses off (`false`) or back
    /// on; returns whether it was on. The type checker turns it off while
    /// it checks a def's body again at a call, where every name stands at
    /// the same place as in the def's own check, which recorded it.
    pub(crate) fn set_recording(&mut self, on: bool) -> bool {
        !std::mem::replace(&mut self.paused, !on)
    }

    /// Records where the variants of enum `id` are declared.
    pub(crate) fn enum_variants(&mut self, id: EnumId, spans: Vec<Span>) {
        if self.variants.len() <= id {
            self.variants.resize(id + 1, Vec::new());
        }
        self.variants[id] = spans;
    }

    /// Where variant `index` of enum `id` is declared.
    pub(crate) fn variant_span(&self, id: EnumId, index: usize) -> Option<Span> {
        self.variants.get(id)?.get(index).copied()
    }

    /// Records a record type and where its fields are declared (the first
    /// declaration of a type wins).
    pub fn record(&mut self, ty: &Type, spans: Vec<Span>) {
        if !self.records.iter().any(|(t, _)| t == ty) {
            self.records.push((ty.clone(), spans));
        }
    }

    /// Where field `index` of a record type is declared.
    pub(crate) fn field_span(&self, ty: &Type, index: usize) -> Option<Span> {
        let (_, spans) = self.records.iter().find(|(t, _)| t == ty)?;
        spans.get(index).copied()
    }

    /// Records the alias that names a record type.
    pub(crate) fn record_alias(&mut self, ty: &Type, name: &str) {
        if matches!(ty, Type::Record(_)) && !self.record_aliases.iter().any(|(t, _)| t == ty) {
            self.record_aliases.push((ty.clone(), name.to_string()));
        }
    }

    /// The names and enums types are printed with.
    pub(crate) fn set_type_names(&mut self, node_names: Vec<String>, enums: Vec<EnumDef>) {
        self.node_names = node_names;
        self.enums = enums;
    }

    /// The names of union types, for printing types.
    pub(crate) fn set_unions(&mut self, names: Vec<String>) {
        self.unions = names;
    }

    /// Node kinds that send each message, by [`MessageId`].
    pub(crate) fn set_senders(&mut self, senders: Vec<Vec<NodeKindId>>) {
        self.senders = senders;
    }

    /// The node kinds whose code sends a message.
    pub fn senders(&self, message: MessageId) -> &[NodeKindId] {
        self.senders.get(message).map_or(&[], Vec::as_slice)
    }

    /// Every definition, in the order they were declared.
    pub fn defs(&self) -> &[Def] {
        &self.defs
    }

    /// A definition.
    pub fn def(&self, id: DefId) -> Option<&Def> {
        self.defs.get(id)
    }

    /// The definition whose name is written at `span`.
    pub fn def_at_span(&self, span: Span) -> Option<DefId> {
        self.by_span.get(&span).copied()
    }

    /// The name at a byte offset (a use or a declaration) and what it
    /// refers to. A cursor just after a name counts as on it; the innermost
    /// name wins.
    pub fn at(&self, offset: usize) -> Option<(Span, DefId)> {
        let declarations = self.defs.iter().map(|d| (d.span, d.span));
        self.uses
            .iter()
            .copied()
            .chain(declarations)
            .filter(|(span, _)| span.start <= offset && offset <= span.end)
            .filter_map(|(span, def)| Some((span, self.def_at_span(def)?)))
            .min_by_key(|(span, _)| (span.len(), std::cmp::Reverse(span.start)))
    }

    /// Every place that names a definition, its declaration included, in
    /// source order.
    pub fn uses_of(&self, id: DefId) -> Vec<Span> {
        let Some(def) = self.defs.get(id) else {
            return Vec::new();
        };
        let mut spans: Vec<Span> = self
            .uses
            .iter()
            .filter(|(_, target)| *target == def.span)
            .map(|(span, _)| *span)
            .chain([def.span])
            .collect();
        spans.sort();
        spans.dedup();
        spans
    }

    /// The type of the base of the member name at a byte offset
    /// (`base.na|me`), if there is one there.
    pub fn member_at(&self, offset: usize) -> Option<&Type> {
        self.members
            .iter()
            .find(|(span, _)| span.start <= offset && offset <= span.end)
            .map(|(_, ty)| ty)
    }

    /// The names that can stand in an expression at a byte offset, the
    /// innermost of each name only.
    pub fn visible_at(&self, offset: usize) -> Vec<&Def> {
        let mut seen: HashMap<&str, &Def> = HashMap::new();
        for def in &self.defs {
            if !def.kind.is_value() {
                continue;
            }
            let inside = |s: Span| s.start <= offset && offset <= s.end;
            if !def.scope.is_none_or(inside) {
                continue;
            }
            let width = |d: &Def| d.scope.map_or(usize::MAX, Span::len);
            match seen.get(def.name.as_str()) {
                Some(other) if width(other) <= width(def) => {}
                _ => {
                    seen.insert(&def.name, def);
                }
            }
        }
        let mut out: Vec<&Def> = seen.into_values().collect();
        out.sort_by_key(|d| d.span);
        out
    }
}

impl TypeNames for Index {
    fn node_name(&self, kind: NodeKindId) -> String {
        self.node_names
            .get(kind)
            .cloned()
            .unwrap_or_else(|| "node".into())
    }

    fn enum_def(&self, id: EnumId) -> Option<&EnumDef> {
        self.enums.get(id)
    }

    fn union_name(&self, id: UnionId) -> Option<String> {
        self.unions.get(id).cloned()
    }

    fn record_name(&self, ty: &Type) -> Option<String> {
        self.record_aliases
            .iter()
            .find(|(t, _)| t == ty)
            .map(|(_, name)| name.clone())
    }
}

impl Index {
    /// A type as users write it, records named by their alias.
    pub fn type_name(&self, ty: &Type) -> String {
        print_type(self, ty)
    }
}

#[cfg(test)]
mod tests {
    use crate::front::check_source;

    /// A def called from `calls` places (a guard, an effect, a property).
    fn spec(calls: usize) -> String {
        let uses = [
            "  action go when clamp(n, 0, 2) > n { n = 1 }\n",
            "  action back when n > 0 { n = clamp(n - 1, 0, 2) }\n",
            "}\ninvariant i: clamp(Counter.n, 0, 2) == Counter.n\nnode Other {\n",
        ];
        let mut s = "protocol P\ndef clamp(x: int, lo: int, hi: int): int = \
                     let m = min(x, hi) in max(lo, m)\nnode Counter {\n  var n: 0..2 = 0\n"
            .to_string();
        for u in &uses[..calls] {
            s.push_str(u);
        }
        s.push_str("}\nallow deadlock\n");
        s
    }

    #[test]
    fn an_inlined_body_is_recorded_once() {
        for calls in 1..=3 {
            let source = spec(calls);
            let front = check_source(&source, &[]);
            assert!(!front.has_errors(), "{:?}", front.diagnostics);
            let index = front.index.expect("it parses");
            let body = source.find("let m").unwrap()..source.find("\nnode").unwrap();
            let mut inside: Vec<_> = index
                .uses
                .iter()
                .filter(|(span, _)| body.contains(&span.start))
                .copied()
                .collect();
            let text: Vec<&str> = inside
                .iter()
                .map(|(s, _)| &source[s.start..s.end])
                .collect();
            // `x`, `hi`, `lo` and `m`, each once, whatever the calls.
            assert_eq!(text.len(), 4, "{calls} calls: {text:?}");
            inside.sort();
            inside.dedup();
            assert_eq!(inside.len(), 4);
            // The parameters and the `let` once each, in the def.
            let locals = index
                .defs
                .iter()
                .filter(|d| d.span.start > source.find("def").unwrap() && body.end > d.span.end)
                .count();
            assert_eq!(locals, 4 + 1, "clamp, x, lo, hi and m");
        }
    }
}
