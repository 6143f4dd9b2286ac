//! What an expression's form tells before it runs: whether it is a
//! literal put together in place, which locals it reads, whether it can
//! fail, a bound on an integer's magnitude, a literal's value. Lowering
//! ([`super::expr`], [`super::shortcut`], [`super::code`]) reads these to
//! choose cheaper code that gives the same values and failures.

use crate::syntax::ast::Quantifier;
use crate::typed::*;

/// Whether `e` is a value put together in place: a tuple, record, set,
/// sequence or map literal, `some(x)`, or an `if` with such a branch.
pub(super) fn is_compound_literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::If(_, t, f) => is_compound_literal(t) || is_compound_literal(f),
        kind => matches!(
            kind,
            ExprKind::Tuple(_)
                | ExprKind::Record(_)
                | ExprKind::SetLit(_)
                | ExprKind::SeqLit(_)
                | ExprKind::MapLit { .. }
                | ExprKind::Call(Builtin::Some, _)
        ),
    }
}

/// Whether `e` reads any of `locals`.
pub(super) fn mentions(e: &Expr, locals: &[LocalId]) -> bool {
    match &e.kind {
        ExprKind::Local(l) => locals.contains(l),
        _ => e.children().into_iter().any(|x| mentions(x, locals)),
    }
}

/// Whether evaluating `e` can never fail, whatever the state and the
/// locals: then a quantifier over it may stop at its first deciding
/// element. A quantifier whose body may fail evaluates it for every
/// element, so that whether it fails does not depend on the order of the
/// elements (docs/language.md §19; symmetry reduction relies on it). The
/// answer is conservative: `false` only costs the early stop.
pub(super) fn cannot_fail(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Bool(_)
        | ExprKind::Int(_)
        | ExprKind::Variant(..)
        | ExprKind::None
        | ExprKind::SelfId
        | ExprKind::Var(_)
        | ExprKind::Local(_)
        | ExprKind::All(_) => true,
        ExprKind::RemoteVar { node, .. } => cannot_fail(node),
        ExprKind::Field(base, _) | ExprKind::TupleField(base, _) => cannot_fail(base),
        ExprKind::Unary(UnOp::Not, x) => cannot_fail(x),
        ExprKind::Binary(op, a, b) => match op {
            BinOp::And | BinOp::Or | BinOp::Implies => cannot_fail(a) && cannot_fail(b),
            // Comparisons and membership never fail: a compound literal on
            // one side is put into the other side's encoding, and one that
            // the encoding cannot hold is unequal (not a failure).
            BinOp::Eq
            | BinOp::Ne
            | BinOp::Lt
            | BinOp::Le
            | BinOp::Gt
            | BinOp::Ge
            | BinOp::InSet
            | BinOp::InSeq => operand_cannot_fail(a) && operand_cannot_fail(b),
            // Arithmetic whose result is bounded well inside `i64`.
            BinOp::Add | BinOp::Sub | BinOp::Mul => {
                cannot_fail(a) && cannot_fail(b) && magnitude(e).is_some()
            }
            // By a constant other than 0 and -1 (`i64::MIN / -1` overflows).
            BinOp::Div | BinOp::Rem => {
                cannot_fail(a) && matches!(b.kind, ExprKind::Int(n) if n != 0 && n != -1)
            }
            _ => false,
        },
        ExprKind::Unary(UnOp::Neg, x) => cannot_fail(x) && magnitude(e).is_some(),
        ExprKind::MapGet(map, key) => {
            // The key is stored into the map's key type: that cannot fail
            // for a stored value of a type the key type holds.
            let Type::Map(key_ty, _) = &map.ty else {
                return false;
            };
            let stored = matches!(
                key.kind,
                ExprKind::Var(_)
                    | ExprKind::RemoteVar { .. }
                    | ExprKind::Local(_)
                    | ExprKind::Field(..)
                    | ExprKind::TupleField(..)
            );
            let fits = match (&key.ty, &**key_ty) {
                (Type::Range { lo, hi }, Type::Range { lo: a, hi: b }) => a <= lo && hi <= b,
                (Type::Int, _) | (_, Type::Int) => false,
                (k, t) => k == t,
            };
            stored && fits && cannot_fail(map) && cannot_fail(key)
        }
        ExprKind::Call(
            Builtin::Len
            | Builtin::Min
            | Builtin::Max
            | Builtin::IsSome
            | Builtin::IsNone
            | Builtin::Byzantine
            | Builtin::Crashed,
            args,
        ) => args.iter().all(cannot_fail),
        // `sum` may overflow; `min` and `max` fail on an empty domain.
        ExprKind::Quant {
            quantifier: Quantifier::Forall | Quantifier::Exists | Quantifier::Count,
            domain,
            body,
            ..
        } => domain_cannot_fail(domain) && cannot_fail(body),
        ExprKind::Let {
            bindings,
            body,
            checked,
        } => !checked && bindings.iter().all(|(_, _, v)| cannot_fail(v)) && cannot_fail(body),
        ExprKind::If(c, t, f) => cannot_fail(c) && cannot_fail(t) && cannot_fail(f),
        ExprKind::Is(x, _) => cannot_fail(x),
        // Binding an arm's fields reads the payload; an arm's value is
        // put into the `match`'s type only when it packs differently,
        // which a boolean's or an integer's never does.
        ExprKind::Match(x, arms) => {
            (e.ty == Type::Bool || e.ty.is_int())
                && cannot_fail(x)
                && arms.iter().all(|a| cannot_fail(&a.body))
        }
        _ => false,
    }
}

/// [`cannot_fail`] for the domain of a quantifier ([`Lowerer::domain`]): a
/// range `a..b` only evaluates its bounds, a set literal its elements.
fn domain_cannot_fail(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Binary(BinOp::Range, a, b) => cannot_fail(a) && cannot_fail(b),
        ExprKind::SetLit(items) => items.iter().all(cannot_fail),
        _ => cannot_fail(e),
    }
}

/// A bound on the absolute value of integer expression `e` that is well
/// inside `i64` (at most 2^62), when its form tells one: a literal, a read
/// of a stored value of a range type, and sums, differences, products,
/// negations, `min`, `max`, `len` and `if`s of those. Computed in `i128`,
/// so that the bound of a sub-expression cannot itself overflow.
fn magnitude(e: &Expr) -> Option<i128> {
    const LIMIT: i128 = 1 << 62;
    let m = match &e.kind {
        ExprKind::Int(n) => (*n as i128).abs(),
        ExprKind::Var(_)
        | ExprKind::RemoteVar { .. }
        | ExprKind::Local(_)
        | ExprKind::Field(..)
        | ExprKind::TupleField(..)
        | ExprKind::MapGet(..)
        | ExprKind::SeqGet(..) => match e.ty {
            Type::Range { lo, hi } => (lo as i128).abs().max((hi as i128).abs()),
            _ => return None,
        },
        // A set or a sequence packs into 64 bits.
        ExprKind::Call(Builtin::Len, _) => 64,
        ExprKind::Call(Builtin::Min | Builtin::Max, args) => {
            let mut m = 0;
            for a in args {
                m = m.max(magnitude(a)?);
            }
            m
        }
        ExprKind::Unary(UnOp::Neg, x) => magnitude(x)?,
        ExprKind::Binary(BinOp::Add | BinOp::Sub, a, b) => magnitude(a)? + magnitude(b)?,
        ExprKind::Binary(BinOp::Mul, a, b) => magnitude(a)?.checked_mul(magnitude(b)?)?,
        ExprKind::If(_, t, f) => magnitude(t)?.max(magnitude(f)?),
        ExprKind::Let { body, .. } => magnitude(body)?,
        ExprKind::Quant {
            quantifier: Quantifier::Min | Quantifier::Max,
            body,
            ..
        } => magnitude(body)?,
        _ => return None,
    };
    (m <= LIMIT).then_some(m)
}

/// [`cannot_fail`] for an operand of a comparison or membership test, where
/// a compound literal is put into the other side's encoding and cannot fail
/// to be stored.
fn operand_cannot_fail(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Tuple(items) | ExprKind::Record(items) | ExprKind::SetLit(items) => {
            items.iter().all(operand_cannot_fail)
        }
        ExprKind::Call(Builtin::Some, items) => items.iter().all(operand_cannot_fail),
        ExprKind::If(c, t, f) => cannot_fail(c) && operand_cannot_fail(t) && operand_cannot_fail(f),
        _ => cannot_fail(e),
    }
}

/// The value of a literal expression (a constant closure), if `e` is one.
pub(super) fn constant(e: &Expr) -> Option<i64> {
    match &e.kind {
        ExprKind::Bool(b) => Some(*b as i64),
        ExprKind::Int(n) => Some(*n),
        ExprKind::Variant(_, i) => Some(*i as i64),
        ExprKind::None => Some(0),
        _ => None,
    }
}
