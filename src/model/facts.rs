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
pub(super) fn cannot_fail(e: &Expr, spec: &TypedSpec) -> bool {
    cannot_fail_assuming(e, spec, &Assumed::default())
}

/// [`cannot_fail`] where `assumed` holds.
pub(super) fn cannot_fail_assuming(e: &Expr, spec: &TypedSpec, assumed: &Assumed) -> bool {
    Safety {
        spec,
        assumed: assumed.clone(),
    }
    .safe(e)
}

/// The walk of [`cannot_fail`], with what holds at the expression it is at.
struct Safety<'a> {
    spec: &'a TypedSpec,
    assumed: Assumed,
}

impl Safety<'_> {
    /// [`Safety::safe`] of `e` where `cond` evaluated to `truth`.
    fn safe_where(&mut self, cond: &Expr, truth: bool, e: &Expr) -> bool {
        let mark = self.assumed.mark();
        self.assumed.assume(cond, truth);
        let safe = self.safe(e);
        self.assumed.forget_since(mark);
        safe
    }

    fn safe(&mut self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Variant(..)
            | ExprKind::None
            | ExprKind::SelfId
            | ExprKind::Var(_)
            | ExprKind::Local(_)
            | ExprKind::All(_) => true,
            ExprKind::RemoteVar { node, .. } => self.safe(node),
            // `K[i]` checks that `i` is an instance of `K`.
            ExprKind::Instance(kind, index) => {
                let Some(count) = self.spec.nodes.get(*kind).map(|n| n.count as i64) else {
                    return false;
                };
                self.safe(index)
                    && (self.assumed.interval(index)).is_some_and(|(lo, hi)| 0 <= lo && hi < count)
            }
            ExprKind::Field(base, _) | ExprKind::TupleField(base, _) => self.safe(base),
            ExprKind::Unary(UnOp::Not, x) => self.safe(x),
            ExprKind::Binary(op, a, b) => match op {
                // The right side runs only where the left one decided
                // nothing: what that tells holds there.
                BinOp::And | BinOp::Implies => self.safe(a) && self.safe_where(a, true, b),
                BinOp::Or => self.safe(a) && self.safe_where(a, false, b),
                // Comparisons and membership never fail: a compound literal
                // on one side is put into the other side's encoding, and
                // one that the encoding cannot hold is unequal (not a
                // failure).
                BinOp::Eq
                | BinOp::Ne
                | BinOp::Lt
                | BinOp::Le
                | BinOp::Gt
                | BinOp::Ge
                | BinOp::InSet
                | BinOp::InSeq => self.operand_safe(a) && self.operand_safe(b),
                // Arithmetic whose result is bounded well inside `i64`.
                BinOp::Add | BinOp::Sub | BinOp::Mul => {
                    self.safe(a) && self.safe(b) && magnitude(e).is_some()
                }
                // By a constant other than 0 and -1 (`i64::MIN / -1`
                // overflows).
                BinOp::Div | BinOp::Rem => {
                    self.safe(a) && matches!(b.kind, ExprKind::Int(n) if n != 0 && n != -1)
                }
                _ => false,
            },
            ExprKind::Unary(UnOp::Neg, x) => self.safe(x) && magnitude(e).is_some(),
            ExprKind::MapGet(map, key) => {
                // The key is stored into the map's key type: that cannot
                // fail for a stored value of a type the key type holds.
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
                stored && fits && self.safe(map) && self.safe(key)
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
            ) => args.iter().all(|a| self.safe(a)),
            // The value is put into the option's element type.
            ExprKind::Call(Builtin::Some, args) => match (&e.ty, args.as_slice()) {
                (Type::Option(elem), [x]) => self.safe(x) && self.fits(x, elem),
                _ => false,
            },
            // Only where the option is known to be `some`.
            ExprKind::Call(Builtin::Unwrap, args) => match args.as_slice() {
                [
                    x @ Expr {
                        kind: ExprKind::Local(l),
                        ..
                    },
                ] => self.assumed.is_some(*l) && self.safe(x),
                _ => false,
            },
            // `sum` may overflow; `min` and `max` fail on an empty domain.
            ExprKind::Quant {
                quantifier: Quantifier::Forall | Quantifier::Exists | Quantifier::Count,
                domain,
                body,
                ..
            } => self.domain_safe(domain) && self.safe(body),
            // Each value is stored into its local's type, and the body's
            // into the whole's (a def's parameters and result): that cannot
            // fail for values the types hold.
            ExprKind::Let {
                bindings,
                body,
                checked,
            } => {
                let mark = self.assumed.mark();
                let mut safe = true;
                for (local, ty, value) in bindings {
                    if !self.safe(value) || (*checked && !self.fits(value, ty)) {
                        safe = false;
                        break;
                    }
                    // The local holds the value: what is known of it.
                    if let Some((lo, hi)) = self.assumed.interval(value) {
                        self.assumed.facts.push(Fact::Within(*local, lo, hi));
                    }
                }
                safe = safe && self.safe(body) && (!checked || self.fits(body, &e.ty));
                self.assumed.forget_since(mark);
                safe
            }
            ExprKind::If(c, t, f) => {
                self.safe(c) && self.safe_where(c, true, t) && self.safe_where(c, false, f)
            }
            ExprKind::Is(x, _) => self.safe(x),
            // Binding an arm's fields reads the payload; an arm's value is
            // put into the `match`'s type when it packs differently, which
            // a boolean's or an integer's never does.
            ExprKind::Match(x, arms) => {
                let whole_as_is = e.ty == Type::Bool || e.ty.is_int();
                self.safe(x)
                    && (arms.iter())
                        .all(|a| self.safe(&a.body) && (whole_as_is || self.fits(&a.body, &e.ty)))
            }
            // Each field is stored into the variant's field type.
            ExprKind::Construct(union, variant, items) => {
                let Some(def) = self.spec.unions.get(*union) else {
                    return false;
                };
                let Some(v) = def.variants.get(*variant) else {
                    return false;
                };
                let fields = &v.fields;
                items.len() == fields.len()
                    && (items.iter().zip(fields))
                        .all(|(x, (_, ty))| self.safe(x) && self.fits(x, ty))
            }
            _ => false,
        }
    }

    /// [`Safety::safe`] for the domain of a quantifier
    /// ([`Lowerer::domain`]): a range `a..b` only evaluates its bounds, a
    /// set literal its elements.
    fn domain_safe(&mut self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Binary(BinOp::Range, a, b) => self.safe(a) && self.safe(b),
            ExprKind::SetLit(items) => items.iter().all(|x| self.safe(x)),
            _ => self.safe(e),
        }
    }

    /// [`Safety::safe`] for an operand of a comparison or membership test,
    /// where a compound literal is put into the other side's encoding and
    /// cannot fail to be stored.
    fn operand_safe(&mut self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Tuple(items) | ExprKind::Record(items) | ExprKind::SetLit(items) => {
                items.iter().all(|x| self.operand_safe(x))
            }
            ExprKind::Call(Builtin::Some, items) => items.iter().all(|x| self.operand_safe(x)),
            ExprKind::If(c, t, f) => {
                self.safe(c) && self.safe_where(c, true, t) && self.operand_safe_where(c, false, f)
            }
            _ => self.safe(e),
        }
    }

    fn operand_safe_where(&mut self, cond: &Expr, truth: bool, e: &Expr) -> bool {
        let mark = self.assumed.mark();
        self.assumed.assume(cond, truth);
        let safe = self.operand_safe(e);
        self.assumed.forget_since(mark);
        safe
    }

    /// Whether storing `value` (evaluated here) into type `to` cannot
    /// fail: an integer in the range, a value of a type whose values all
    /// fit.
    fn fits(&self, value: &Expr, to: &Type) -> bool {
        match to {
            Type::Int => value.ty.is_int(),
            &Type::Range { lo, hi } => {
                value.ty.is_int()
                    && (self.assumed.interval(value)).is_some_and(|(a, b)| lo <= a && b <= hi)
            }
            _ => type_fits(&value.ty, to),
        }
    }
}

/// Whether every value of type `from` is stored into type `to` as it is
/// or recoded without failing.
fn type_fits(from: &Type, to: &Type) -> bool {
    use Type::*;
    match (from, to) {
        (Range { lo: a, hi: b }, Range { lo, hi }) => lo <= a && b <= hi,
        (_, Int) => from.is_int(),
        (Option(a), Option(b)) | (Set(a), Set(b)) => type_fits(a, b),
        (Seq(a, n), Seq(b, m)) => n <= m && type_fits(a, b),
        (Map(ka, va), Map(kb, vb)) => ka == kb && type_fits(va, vb),
        (Tuple(a), Tuple(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| type_fits(x, y)),
        (Record(a), Record(b)) => {
            a.len() == b.len()
                && (a.iter().zip(b)).all(|((na, x), (nb, y))| na == nb && type_fits(x, y))
        }
        (Error, _) | (_, Error) => false,
        _ => from == to,
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

/// What is known about locals where an expression is evaluated, from the
/// conditions that guard it: the right side of `a && b` and `a => b` runs
/// only where `a` held, of `a || b` only where it did not, an `if`'s
/// branches only where the condition held or did not, and an action's
/// guard conjunct only where the ones before it held. [`cannot_fail`]
/// reads it to see that `f(c)` with `f`'s parameter of type `0..2` cannot
/// fail under `c != -1 =>` although `c` is of type `-1..1`.
///
/// A local is bound once (the type checker gives every binder its own
/// local, a def's parameters a new one at each call), so a fact about a
/// local holds wherever code compiled under it runs.
#[derive(Clone, Debug, Default)]
pub(crate) struct Assumed {
    facts: Vec<Fact>,
}

#[derive(Clone, Copy, Debug)]
enum Fact {
    /// The integer local lies in `lo..=hi`.
    Within(LocalId, i64, i64),
    /// The option local is `some`.
    IsSome(LocalId),
}

impl Assumed {
    /// How many facts are held: [`Assumed::forget_since`] of it drops the
    /// ones added after.
    pub(crate) fn mark(&self) -> usize {
        self.facts.len()
    }

    /// Drops the facts added since `mark`.
    pub(crate) fn forget_since(&mut self, mark: usize) {
        self.facts.truncate(mark);
    }

    /// Adds what `cond` evaluating to `truth` (without failing) tells
    /// about locals; conditions of other forms tell nothing.
    pub(crate) fn assume(&mut self, cond: &Expr, truth: bool) {
        match &cond.kind {
            ExprKind::Unary(UnOp::Not, x) => self.assume(x, !truth),
            ExprKind::Binary(BinOp::And, a, b) if truth => {
                self.assume(a, true);
                self.assume(b, true);
            }
            ExprKind::Binary(BinOp::Or, a, b) if !truth => {
                self.assume(a, false);
                self.assume(b, false);
            }
            ExprKind::Binary(BinOp::Implies, a, b) if !truth => {
                self.assume(a, true);
                self.assume(b, false);
            }
            ExprKind::Binary(
                op @ (BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge),
                a,
                b,
            ) if a.ty.is_int() && b.ty.is_int() => {
                let op = if truth { *op } else { negated(*op) };
                if let ExprKind::Local(l) = a.kind {
                    self.narrow(l, &a.ty, op, b);
                }
                if let ExprKind::Local(l) = b.kind {
                    self.narrow(l, &b.ty, flipped(op), a);
                }
            }
            ExprKind::Call(Builtin::IsSome, args) if truth => self.some(args),
            ExprKind::Call(Builtin::IsNone, args) if !truth => self.some(args),
            _ => {}
        }
    }

    fn some(&mut self, args: &[Expr]) {
        if let [
            Expr {
                kind: ExprKind::Local(l),
                ..
            },
        ] = args
        {
            self.facts.push(Fact::IsSome(*l));
        }
    }

    /// Adds that local `l` (of integer type `ty`) stands in relation `op`
    /// to the value of `other`.
    fn narrow(&mut self, l: LocalId, ty: &Type, op: BinOp, other: &Expr) {
        let Some((lo, hi)) = self.interval(other) else {
            return;
        };
        let (now_lo, now_hi) = self.local_interval(l, Some(ty));
        let (new_lo, new_hi) = match op {
            BinOp::Eq => (lo, hi),
            BinOp::Ne if lo == hi && lo == now_lo => (now_lo.saturating_add(1), now_hi),
            BinOp::Ne if lo == hi && lo == now_hi => (now_lo, now_hi.saturating_sub(1)),
            BinOp::Lt => (i64::MIN, hi.saturating_sub(1)),
            BinOp::Le => (i64::MIN, hi),
            BinOp::Gt => (lo.saturating_add(1), i64::MAX),
            BinOp::Ge => (lo, i64::MAX),
            _ => return,
        };
        self.facts.push(Fact::Within(l, new_lo, new_hi));
    }

    /// The values local `l` can hold here: its type's, narrowed by the
    /// facts (unbounded for an `int`).
    fn local_interval(&self, l: LocalId, ty: Option<&Type>) -> (i64, i64) {
        let (mut lo, mut hi) = match ty {
            Some(&Type::Range { lo, hi }) => (lo, hi),
            _ => (i64::MIN, i64::MAX),
        };
        for fact in &self.facts {
            if let Fact::Within(m, a, b) = *fact
                && m == l
            {
                lo = lo.max(a);
                hi = hi.min(b);
            }
        }
        (lo, hi)
    }

    /// The values integer expression `e` can take here, as far as its form
    /// and the facts tell (`None` when unbounded or unknown).
    fn interval(&self, e: &Expr) -> Option<(i64, i64)> {
        let known = match &e.kind {
            ExprKind::Int(n) => Some((*n, *n)),
            ExprKind::Local(l) => {
                let (lo, hi) = self.local_interval(*l, Some(&e.ty));
                (lo != i64::MIN && hi != i64::MAX).then_some((lo, hi))
            }
            ExprKind::Unary(UnOp::Neg, x) => {
                let (lo, hi) = self.interval(x)?;
                Some((hi.checked_neg()?, lo.checked_neg()?))
            }
            ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
                let ((a0, a1), (b0, b1)) = (self.interval(a)?, self.interval(b)?);
                match op {
                    BinOp::Add => Some((a0.checked_add(b0)?, a1.checked_add(b1)?)),
                    _ => Some((a0.checked_sub(b1)?, a1.checked_sub(b0)?)),
                }
            }
            _ => None,
        };
        match (known, &e.ty) {
            (Some((lo, hi)), &Type::Range { lo: a, hi: b }) => Some((lo.max(a), hi.min(b))),
            (Some(k), _) => Some(k),
            (None, &Type::Range { lo, hi }) => Some((lo, hi)),
            (None, _) => None,
        }
    }

    fn is_some(&self, l: LocalId) -> bool {
        (self.facts.iter()).any(|f| matches!(*f, Fact::IsSome(m) if m == l))
    }
}

/// The relation that holds when `op` does not.
fn negated(op: BinOp) -> BinOp {
    match op {
        BinOp::Eq => BinOp::Ne,
        BinOp::Ne => BinOp::Eq,
        BinOp::Lt => BinOp::Ge,
        BinOp::Le => BinOp::Gt,
        BinOp::Gt => BinOp::Le,
        BinOp::Ge => BinOp::Lt,
        op => op,
    }
}

/// `op` with its operands swapped (`a < b` is `b > a`).
fn flipped(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        op => op,
    }
}
