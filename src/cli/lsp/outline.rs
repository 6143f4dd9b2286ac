//! The document outline (`textDocument/documentSymbol`): constants, type
//! aliases, defs, messages with their fields, node kinds with their vars,
//! actions and handlers, and properties, in source order.

use dsmc::syntax::ast::{self, Item, NodeItem, Span, TypeKind};
use lsp_types::{DocumentSymbol, SymbolKind};

use super::position::LspPositions;
use dsmc::lines::LineIndex;

/// The outline of a parsed spec.
pub fn outline(source: &str, spec: &ast::Spec, lines: &LineIndex<'_>) -> Vec<DocumentSymbol> {
    let text = |span: Span| {
        source
            .get(span.start..span.end)
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let symbol = |name: &ast::Ident, span: Span, kind, detail: Option<String>, children| {
        #[allow(deprecated)] // `deprecated` is a required field of the struct.
        DocumentSymbol {
            name: name.name.clone(),
            detail,
            kind,
            tags: None,
            deprecated: None,
            // The protocol asks for the name to lie within the whole.
            range: lines.lsp_range(span.to(name.span)),
            selection_range: lines.lsp_range(name.span),
            children,
        }
    };
    let mut symbols = Vec::new();
    for item in &spec.items {
        match item {
            Item::Const(c) => symbols.push(symbol(
                &c.name,
                c.span,
                SymbolKind::CONSTANT,
                Some(format!("{} = {}", text(c.ty.span), text(c.value.span))),
                None,
            )),
            Item::Type(t) => {
                let (kind, children) = match &t.ty.kind {
                    TypeKind::Enum(variants) => (
                        SymbolKind::ENUM,
                        Some(
                            variants
                                .iter()
                                .map(|v| symbol(v, v.span, SymbolKind::ENUM_MEMBER, None, None))
                                .collect(),
                        ),
                    ),
                    TypeKind::Union(variants) => (
                        SymbolKind::ENUM,
                        Some(
                            variants
                                .iter()
                                .map(|v| {
                                    let detail = v.fields.as_ref().map(|_| text(v.span));
                                    symbol(&v.name, v.span, SymbolKind::ENUM_MEMBER, detail, None)
                                })
                                .collect(),
                        ),
                    ),
                    _ => (SymbolKind::TYPE_PARAMETER, None),
                };
                symbols.push(symbol(
                    &t.name,
                    t.span,
                    kind,
                    Some(text(t.ty.span)),
                    children,
                ));
            }
            Item::Message(m) => {
                let fields: Vec<DocumentSymbol> = m
                    .fields
                    .iter()
                    .map(|f| {
                        symbol(
                            &f.name,
                            f.span,
                            SymbolKind::FIELD,
                            Some(text(f.ty.span)),
                            None,
                        )
                    })
                    .collect();
                symbols.push(symbol(
                    &m.name,
                    m.span,
                    SymbolKind::STRUCT,
                    Some("message".into()),
                    (!fields.is_empty()).then_some(fields),
                ));
            }
            Item::Node(node) => {
                let children = node
                    .items
                    .iter()
                    .map(|item| match item {
                        NodeItem::Var(v) => symbol(
                            &v.name,
                            v.span,
                            SymbolKind::FIELD,
                            Some(text(v.ty.span)),
                            None,
                        ),
                        NodeItem::Action(a) => {
                            let fairness = format!("{}action", a.fairness_words());
                            symbol(&a.name, a.span, SymbolKind::METHOD, Some(fairness), None)
                        }
                        NodeItem::Handler(h) => {
                            let name = ast::Ident {
                                name: format!("on {}", h.message.name),
                                span: h.message.span,
                            };
                            symbol(
                                &name,
                                h.span,
                                SymbolKind::EVENT,
                                Some("handler".into()),
                                None,
                            )
                        }
                    })
                    .collect();
                let detail = match &node.count {
                    Some(count) => format!("node [{}]", text(count.span)),
                    None => "node".into(),
                };
                symbols.push(symbol(
                    &node.name,
                    node.span,
                    SymbolKind::CLASS,
                    Some(detail),
                    Some(children),
                ));
            }
            Item::Property(p) => symbols.push(symbol(
                &p.name,
                p.span,
                SymbolKind::PROPERTY,
                Some(p.kind.describe().into()),
                None,
            )),
            Item::Def(d) => {
                let params = d
                    .params
                    .as_ref()
                    .map(|ps| {
                        let ps = ps
                            .iter()
                            .map(|p| format!("{}: {}", p.name.name, text(p.ty.span)))
                            .collect::<Vec<_>>();
                        format!("({})", ps.join(", "))
                    })
                    .unwrap_or_default();
                symbols.push(symbol(
                    &d.name,
                    d.span,
                    SymbolKind::FUNCTION,
                    Some(format!("def{params}: {}", text(d.ty.span))),
                    None,
                ));
            }
            Item::Network(_)
            | Item::Faults(_)
            | Item::AllowDeadlock(_)
            | Item::Done(_)
            | Item::Bound(_)
            | Item::Init(_)
            | Item::Expect(_) => {}
        }
    }
    symbols
}
