//! Compiling union values: constructing a variant, `match` and `is`.
//!
//! A union's code is the variant's index above `payload_bits`, the
//! variant's fields side by side below (see [`super::encoding`]).

use std::sync::Arc;

use super::ExprFn;
use super::encoding::{Enc, Shape, mask};
use super::expr::{Lowerer, Storer};
use super::value::from_code;
use crate::syntax::ast::Span;
use crate::typed::{Expr, LocalId, MatchArm, NodeKindId};

/// A local bound by a pattern: the payload field at this offset, of this
/// encoding.
type Bind = (LocalId, u32, Enc);

/// The parts of a union's encoding, or `None` when the type did not pack
/// (the error is recorded).
fn union_shape(enc: &Enc) -> Option<(u32, &[Enc])> {
    match &enc.shape {
        Shape::Union {
            payload_bits,
            variants,
        } => Some((*payload_bits, variants)),
        _ => None,
    }
}

/// A variant's fields: (offset, encoding) of each.
fn fields(variant: &Enc) -> Vec<(u32, Enc)> {
    match &variant.shape {
        Shape::Product(parts) => parts.clone(),
        _ => Vec::new(),
    }
}

impl Lowerer<'_> {
    /// Variant `v` of `e`'s union, with payload `items`.
    pub(super) fn construct(
        &mut self,
        e: &Expr,
        v: usize,
        items: &[Expr],
        node: Option<NodeKindId>,
    ) -> ExprFn {
        let span = e.span;
        let enc = self.enc(&e.ty, span);
        let Some((payload_bits, variants)) = union_shape(&enc) else {
            return Arc::new(|_, _| Ok(0));
        };
        let tag = (v as u64) << payload_bits;
        self.product(tag, items, fields(&variants[v]), node, span)
    }

    /// `x is V`.
    pub(super) fn is_variant(&mut self, x: &Expr, v: usize, node: Option<NodeKindId>) -> ExprFn {
        let enc = self.enc(&x.ty, x.span);
        let Some((payload_bits, _)) = union_shape(&enc) else {
            return Arc::new(|_, _| Ok(0));
        };
        let x = self.expr(x, node);
        Arc::new(move |ctx, locals| {
            Ok(((x(ctx, locals)? as u64 >> payload_bits) == v as u64) as i64)
        })
    }

    /// `match x { arms }` of type `e.ty`: the first arm for the variant,
    /// its names bound to the payload's fields.
    pub(super) fn match_union(
        &mut self,
        e: &Expr,
        x: &Expr,
        arms: &[MatchArm],
        node: Option<NodeKindId>,
    ) -> ExprFn {
        let span = e.span;
        let enc = self.enc(&x.ty, x.span);
        let Some((payload_bits, variants)) = union_shape(&enc) else {
            return Arc::new(|_, _| Ok(0));
        };
        let variants = variants.to_vec();
        // The arm of each variant (type checking made sure there is one).
        let arm_of: Vec<usize> = (0..variants.len())
            .map(|v| {
                arms.iter()
                    .position(|a| a.variant.is_none_or(|w| w == v))
                    .unwrap_or(0)
            })
            .collect();
        let whole = (!e.ty.is_int()).then(|| self.enc(&e.ty, span));
        let compiled: Vec<(Vec<Bind>, ExprFn)> = arms
            .iter()
            .map(|arm| {
                let binds = match arm.variant {
                    Some(v) => arm
                        .binds
                        .iter()
                        .zip(fields(&variants[v]))
                        .filter_map(|(local, (offset, part))| local.map(|l| (l, offset, part)))
                        .collect(),
                    None => Vec::new(),
                };
                (binds, self.branch(&arm.body, whole.as_ref(), node))
            })
            .collect();
        let x = self.expr(x, node);
        Arc::new(move |ctx, locals| {
            let code = x(ctx, locals)? as u64;
            let tag = (code >> payload_bits) as usize;
            let payload = code & mask(payload_bits);
            let (binds, body) = &compiled[arm_of.get(tag).copied().unwrap_or(0)];
            for (local, offset, part) in binds {
                locals[*local] = from_code((payload >> offset) & mask(part.bits), part);
            }
            body(ctx, locals)
        })
    }

    /// An arm's body, put into the whole `match`'s encoding when its own
    /// type packs differently (an integer range of another width).
    fn branch(&mut self, body: &Expr, whole: Option<&Enc>, node: Option<NodeKindId>) -> ExprFn {
        let x = self.expr(body, node);
        let Some(to) = whole else {
            return x;
        };
        let from = self.enc(&body.ty, body.span);
        if from == *to {
            return x;
        }
        let to = Storer::new(&from, to);
        let span: Span = body.span;
        Arc::new(move |ctx, locals| Ok(to.store(x(ctx, locals)?, span)? as i64))
    }
}
