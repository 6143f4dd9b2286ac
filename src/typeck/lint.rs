//! Warnings about valid specs that are probably not what was meant.

use super::{Checker, Lint};
use crate::typed::MessageId;

impl Checker<'_, '_> {
    /// The lints of the whole spec, once every body has been checked.
    pub(super) fn lints(&self) -> Vec<Lint> {
        let mut out = Vec::new();
        for (kind, node) in self.r.nodes.iter().enumerate() {
            for (var, v) in node.vars.iter().enumerate() {
                if !self.var_reads.contains(&(kind, var)) {
                    out.push(Lint::UnusedVar {
                        name: v.decl.name.name.clone(),
                        kind: node.decl.name.name.clone(),
                        span: v.decl.name.span,
                    });
                }
            }
        }
        for (id, m) in self.r.messages.iter().enumerate() {
            let sent = self.senders.get(&id).is_some_and(|s| !s.is_empty());
            let handled = self
                .handled
                .iter()
                .any(|(_, hm): &(usize, MessageId)| *hm == id);
            if !sent && !handled {
                out.push(Lint::UnusedMessage {
                    name: m.decl.name.name.clone(),
                    span: m.decl.name.span,
                });
            }
        }
        for node in &self.r.nodes {
            for a in &node.decl.items {
                if let crate::syntax::ast::NodeItem::Action(a) = a
                    && let Some(span) = a.family
                    && a.fairness != crate::syntax::ast::Fairness::Unfair
                    && a.params.as_ref().is_none_or(Vec::is_empty)
                {
                    out.push(Lint::FamilyWithoutParameters {
                        action: a.name.name.clone(),
                        span,
                    });
                }
            }
        }
        for (name, span) in &self.unsent_handlers {
            out.push(Lint::UnsentMessage {
                name: name.clone(),
                span: *span,
            });
        }
        out
    }
}
