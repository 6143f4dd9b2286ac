//! A direct evaluator of typed expressions and statements over a [`State`].
//!
//! Decisions the docs leave open, written down here:
//! - Quantifiers evaluate the body for every binding, in ascending
//!   canonical order, and fail if any evaluation fails: whether a
//!   quantifier fails does not depend on the order (docs/language.md §19).
//!   dsmc stops early only where the body cannot fail, which gives the
//!   same result.
//! - A value is checked against its type only when it is stored (assigned,
//!   inserted or appended, sent as a payload, given as an initial value;
//!   docs/language.md §4). A literal that is only compared is a plain value:
//!   `t != (true, 5)` with `t: (bool, -1..1)` is true, not a finding
//!   (tests/explore/tuple_negative_parts.ds).
//! - `m[k]` with a key outside the map's key type (an integer out of its
//!   range) is a finding, like an index outside a sequence.
//! - Integer arithmetic is exact in `i64`; leaving `i64` is a finding. A
//!   range `a..b` whose elements are unbounded `int`s is a finding when
//!   one lies outside `0..=63`, as a collection of such integers holds
//!   them (docs/language.md §19).
//! - Inside a step, every read sees the step's effects so far, whether it
//!   reads a bare variable or `self.x` / `n.x` (the step works on one copy
//!   of the global state).

use std::collections::BTreeMap;

use dsmc::syntax::ast::Quantifier;
use dsmc::typed::{
    Access, AssignKind, BinOp, Builtin, Expr, ExprKind, Stmt, StmtKind, Type, TypedSpec, UnOp,
};

use super::state::{Msg, State};
use super::value::{Inst, R, Value, check_fits, domain, fail};

/// What an evaluation may read besides the state: the spec, the running
/// instance (node code only) and the locals of the enclosing body.
pub struct Env<'a> {
    pub spec: &'a TypedSpec,
    pub me: Option<Inst>,
    pub locals: Vec<Option<Value>>,
    /// Above 0 while evaluating a compound literal that is only compared
    /// (an operand of `==`, `!=` or `in` that dsmc puts into the other
    /// side's encoding): its unbounded integers are not held in `0..63`.
    compared: u32,
    /// In a `step` property: the state before the step, which `old(e)`
    /// reads.
    pub old: Option<State>,
}

impl<'a> Env<'a> {
    /// An environment with `n` unbound locals.
    pub fn new(spec: &'a TypedSpec, me: Option<Inst>, n: usize) -> Env<'a> {
        Env {
            spec,
            me,
            locals: vec![None; n],
            compared: 0,
            old: None,
        }
    }

    fn me(&self) -> R<Inst> {
        self.me
            .map_or_else(|| fail("internal: `self` outside a node"), Ok)
    }

    fn local(&self, l: usize) -> R<Value> {
        match self.locals.get(l) {
            Some(Some(v)) => Ok(v.clone()),
            _ => fail(format!("internal: local {l} unbound")),
        }
    }

    /// Binds local `l`.
    pub fn bind(&mut self, l: usize, v: Value) {
        if self.locals.len() <= l {
            self.locals.resize(l + 1, None);
        }
        self.locals[l] = Some(v);
    }

    /// Evaluates a boolean expression.
    pub fn test(&mut self, st: &State, e: &Expr) -> R<bool> {
        self.eval(st, e)?.as_bool()
    }

    /// Evaluates an expression in state `st`.
    pub fn eval(&mut self, st: &State, e: &Expr) -> R<Value> {
        use ExprKind as K;
        let v = match &e.kind {
            K::Bool(b) => Value::Bool(*b),
            K::Int(n) => Value::Int(*n),
            K::Variant(_, i) => Value::Enum(*i),
            K::None => Value::Opt(None),
            K::Instance(k, idx) => {
                let i = self.eval(st, idx)?.as_int()?;
                let count = self.spec.nodes[*k].count as i64;
                if i < 0 || i >= count {
                    return fail(format!(
                        "instance index {i} is outside `0..{}` of {}",
                        count - 1,
                        self.spec.nodes[*k].name
                    ));
                }
                Value::Node((*k, i as u32))
            }
            K::SelfId => Value::Node(self.me()?),
            K::Var(v) => {
                let (k, i) = self.me()?;
                st.vars[k][i as usize][*v].clone()
            }
            K::RemoteVar { node, kind, var } => {
                let (k, i) = self.eval(st, node)?.as_node()?;
                debug_assert_eq!(k, *kind);
                st.vars[k][i as usize][*var].clone()
            }
            K::Local(l) => self.local(*l)?,
            K::Unary(UnOp::Not, x) => Value::Bool(!self.test(st, x)?),
            K::Unary(UnOp::Neg, x) => {
                let n = self.eval(st, x)?.as_int()?;
                Value::Int(
                    n.checked_neg()
                        .map_or_else(|| fail("integer overflow"), Ok)?,
                )
            }
            // A range is built as a set.
            K::Binary(BinOp::Range, a, b) => {
                let set = self.binary(st, BinOp::Range, a, b)?;
                self.built(set, e)?
            }
            K::Binary(op, a, b) => self.binary(st, *op, a, b)?,
            K::Field(x, f) | K::TupleField(x, f) => match self.eval(st, x)? {
                Value::Record(fs) | Value::Tuple(fs) => fs[*f].clone(),
                v => return fail(format!("internal: field of {v:?}")),
            },
            K::MapGet(m, k) => {
                let m = self.eval(st, m)?;
                let k = self.eval(st, k)?;
                match m {
                    Value::Map(m) => match m.get(&k) {
                        Some(v) => v.clone(),
                        None => return fail(format!("key {k:?} is outside the map's key type")),
                    },
                    v => return fail(format!("internal: lookup in {v:?}")),
                }
            }
            K::SeqGet(s, i) => {
                let s = self.eval(st, s)?;
                let i = self.eval(st, i)?.as_int()?;
                let Value::Seq(s) = s else {
                    return fail("internal: index of a non-sequence");
                };
                if i < 0 || i as usize >= s.len() {
                    return fail(format!(
                        "index {i} is outside a sequence of length {}",
                        s.len()
                    ));
                }
                s[i as usize].clone()
            }
            K::Call(Builtin::Some, args) => {
                let v = self.call(st, Builtin::Some, args)?;
                self.built(v, e)?
            }
            K::Call(f, args) => self.call(st, *f, args)?,
            K::Quant {
                quantifier,
                vars,
                domain,
                body,
            } => {
                let d: Vec<Value> = self.domain(st, domain)?.as_set()?.iter().cloned().collect();
                if quantifier.aggregates() {
                    let mut values = Vec::new();
                    self.aggregate(st, vars, &d, body, &mut values)?;
                    match quantifier {
                        // Summed exactly; only the total must fit `i64`.
                        Quantifier::Sum => {
                            let total: i128 = values.iter().map(|&v| v as i128).sum();
                            Value::Int(
                                i64::try_from(total)
                                    .map_or_else(|_| fail("integer overflow"), Ok)?,
                            )
                        }
                        Quantifier::Min => match values.iter().min() {
                            Some(&v) => Value::Int(v),
                            None => return fail("`min` over an empty domain"),
                        },
                        _ => match values.iter().max() {
                            Some(&v) => Value::Int(v),
                            None => return fail("`max` over an empty domain"),
                        },
                    }
                } else {
                    let mut count = 0i64;
                    let found = self.quant(st, *quantifier, vars, &d, body, &mut count)?;
                    match quantifier {
                        Quantifier::Count => Value::Int(count),
                        Quantifier::Forall => Value::Bool(!found),
                        _ => Value::Bool(found),
                    }
                }
            }
            // A binding's value, and the body's, are stored into their
            // types when the `let` says a store may fail (a def's call).
            K::Let {
                bindings,
                body,
                checked,
            } => {
                for (local, ty, value) in bindings {
                    let v = self.eval(st, value)?;
                    if *checked {
                        check_fits(&v, ty)?;
                    }
                    self.bind(*local, v);
                }
                let v = self.eval(st, body)?;
                if *checked {
                    check_fits(&v, &e.ty)?;
                }
                v
            }
            K::All(t) => Value::Set(domain(self.spec, t)?.into_iter().collect()),
            K::If(c, a, b) => {
                if self.test(st, c)? {
                    self.eval(st, a)?
                } else {
                    self.eval(st, b)?
                }
            }
            // Each payload value is stored into its field's type.
            K::Construct(u, i, xs) => {
                let fields = &self.spec.unions[*u].variants[*i].fields;
                let xs = self.eval_all(st, xs)?;
                for (x, (_, t)) in xs.iter().zip(fields) {
                    check_fits(x, t)?;
                }
                Value::Union(*i, xs)
            }
            K::Is(x, i) => match self.eval(st, x)? {
                Value::Union(j, _) => Value::Bool(j == *i),
                v => return fail(format!("internal: `is` on {v:?}")),
            },
            K::Match(x, arms) => {
                let Value::Union(j, payload) = self.eval(st, x)? else {
                    return fail("internal: `match` on a non-union");
                };
                let Some(arm) = arms.iter().find(|a| a.variant.is_none_or(|v| v == j)) else {
                    return fail("internal: no arm matches");
                };
                if arm.variant.is_some() {
                    for (local, v) in arm.binds.iter().zip(payload) {
                        if let Some(l) = local {
                            self.bind(*l, v);
                        }
                    }
                }
                self.eval(st, &arm.body)?
            }
            K::Tuple(xs) => {
                let v = Value::Tuple(self.eval_all(st, xs)?);
                self.built(v, e)?
            }
            K::Record(xs) => {
                let v = Value::Record(self.eval_all(st, xs)?);
                self.built(v, e)?
            }
            K::SetLit(xs) => {
                let v = Value::Set(self.eval_all(st, xs)?.into_iter().collect());
                self.built(v, e)?
            }
            K::SeqLit(xs) => {
                let v = Value::Seq(self.eval_all(st, xs)?);
                self.built(v, e)?
            }
            K::MapLit { entries, default } => {
                let Type::Map(kt, _) = &e.ty else {
                    return fail("internal: a map literal without a map type");
                };
                let mut m = BTreeMap::new();
                if let Some(d) = default {
                    let d = self.eval(st, d)?;
                    for k in domain(self.spec, kt)? {
                        m.insert(k, d.clone());
                    }
                }
                for (k, v) in entries {
                    let k = self.eval(st, k)?;
                    let v = self.eval(st, v)?;
                    m.insert(k, v);
                }
                self.built(Value::Map(m), e)?
            }
        };
        Ok(v)
    }

    /// `e`, only compared when `compared` ([`Env::compared`]).
    fn eval_compared(&mut self, st: &State, e: &Expr, compared: bool) -> R<Value> {
        self.compared += compared as u32;
        let v = self.eval(st, e);
        self.compared -= compared as u32;
        v
    }

    /// A compound value built from expression `e` (a literal, `some`, a
    /// range): unless it is only compared, its unbounded integers must lie
    /// in `0..=63`, as dsmc packs them (docs/language.md §19).
    fn built(&self, v: Value, e: &Expr) -> R<Value> {
        if self.compared == 0 {
            ints_in_collection(&v, &e.ty)?;
        }
        Ok(v)
    }

    /// The domain of a quantifier or a `for`: a range `a..b` or a set
    /// literal is iterated, not built as a set, so its elements are not
    /// held in a collection.
    fn domain(&mut self, st: &State, d: &Expr) -> R<Value> {
        match &d.kind {
            ExprKind::Binary(BinOp::Range, a, b) => self.binary(st, BinOp::Range, a, b),
            // Listed elements are iterated too, not built into a set.
            ExprKind::SetLit(xs) => Ok(Value::Set(self.eval_all(st, xs)?.into_iter().collect())),
            _ => self.eval(st, d),
        }
    }

    fn eval_all(&mut self, st: &State, xs: &[Expr]) -> R<Vec<Value>> {
        xs.iter().map(|x| self.eval(st, x)).collect()
    }

    /// Runs the bindings of `vars[..]` over `d`, every one of them; returns
    /// whether one decided (exists: a witness; forall: a counterexample).
    fn quant(
        &mut self,
        st: &State,
        q: Quantifier,
        vars: &[usize],
        d: &[Value],
        body: &Expr,
        count: &mut i64,
    ) -> R<bool> {
        let Some((&first, rest)) = vars.split_first() else {
            let b = self.test(st, body)?;
            return Ok(match q {
                Quantifier::Exists => b,
                Quantifier::Forall => !b,
                _ => {
                    *count += b as i64;
                    false
                }
            });
        };
        let mut decided = false;
        for v in d {
            self.bind(first, v.clone());
            decided |= self.quant(st, q, rest, d, body, count)?;
        }
        Ok(decided)
    }

    /// The values of integer `body` for every binding of `vars[..]` over
    /// `d` (`sum`, `min`, `max`).
    fn aggregate(
        &mut self,
        st: &State,
        vars: &[usize],
        d: &[Value],
        body: &Expr,
        out: &mut Vec<i64>,
    ) -> R<()> {
        let Some((&first, rest)) = vars.split_first() else {
            out.push(self.eval(st, body)?.as_int()?);
            return Ok(());
        };
        for v in d {
            self.bind(first, v.clone());
            self.aggregate(st, rest, d, body, out)?;
        }
        Ok(())
    }

    fn binary(&mut self, st: &State, op: BinOp, a: &Expr, b: &Expr) -> R<Value> {
        use BinOp::*;
        // The short-circuit operators first.
        match op {
            Implies => return Ok(Value::Bool(!self.test(st, a)? || self.test(st, b)?)),
            Or => return Ok(Value::Bool(self.test(st, a)? || self.test(st, b)?)),
            And => return Ok(Value::Bool(self.test(st, a)? && self.test(st, b)?)),
            _ => {}
        }
        // Which operand is only compared, as dsmc compiles it (a compound
        // literal beside a value, or the listed set of `x in {a, b}`).
        let (a_compared, b_compared) = match op {
            Eq | Ne if !a.ty.is_int() => {
                let (ca, cb) = (compound_literal(a), compound_literal(b));
                (ca && !cb, cb && !ca)
            }
            InSet if matches!(b.kind, ExprKind::SetLit(_)) && !compound_literal(a) => (false, true),
            InSet | InSeq => (compound_literal(a), false),
            // `a - {x}`, `a & {x}`: dsmc puts the listed elements into the
            // result's type, dropping those it cannot hold.
            Diff | Inter if matches!(b.kind, ExprKind::SetLit(_)) => (false, true),
            _ => (false, false),
        };
        let x = self.eval_compared(st, a, a_compared)?;
        let y = self.eval_compared(st, b, b_compared)?;
        let int = |f: fn(i64, i64) -> Option<i64>| -> R<Value> {
            let (p, q) = (x.as_int()?, y.as_int()?);
            f(p, q)
                .map(Value::Int)
                .map_or_else(|| fail("integer overflow"), Ok)
        };
        Ok(match op {
            Eq => Value::Bool(x == y),
            Ne => Value::Bool(x != y),
            Lt => Value::Bool(x.as_int()? < y.as_int()?),
            Le => Value::Bool(x.as_int()? <= y.as_int()?),
            Gt => Value::Bool(x.as_int()? > y.as_int()?),
            Ge => Value::Bool(x.as_int()? >= y.as_int()?),
            Subset => Value::Bool(x.as_set()?.is_subset(y.as_set()?)),
            InSet => Value::Bool(y.as_set()?.contains(&x)),
            InSeq => match &y {
                Value::Seq(s) => Value::Bool(s.contains(&x)),
                _ => return fail("internal: `in` a non-sequence"),
            },
            Range => {
                let (lo, hi) = (x.as_int()?, y.as_int()?);
                if hi >= lo && (hi as i128 - lo as i128) > 1 << 24 {
                    return fail("a range too large to build");
                }
                Value::Set((lo..=hi).map(Value::Int).collect())
            }
            Add => int(i64::checked_add)?,
            Sub => int(i64::checked_sub)?,
            Mul => int(i64::checked_mul)?,
            Div | Rem => {
                if y.as_int()? == 0 {
                    return fail("division by zero");
                }
                int(if op == Div {
                    i64::checked_div
                } else {
                    i64::checked_rem
                })?
            }
            Union => Value::Set(x.as_set()?.union(y.as_set()?).cloned().collect()),
            Diff => Value::Set(x.as_set()?.difference(y.as_set()?).cloned().collect()),
            Inter => Value::Set(x.as_set()?.intersection(y.as_set()?).cloned().collect()),
            Implies | Or | And => unreachable!("handled above"),
        })
    }

    fn call(&mut self, st: &State, f: Builtin, args: &[Expr]) -> R<Value> {
        if f == Builtin::Old {
            let Some(before) = self.old.clone() else {
                return fail("internal: `old` outside a step property");
            };
            return self.eval(&before, &args[0]);
        }
        let mut vals = self.eval_all(st, args)?;
        let arg = |vals: &mut Vec<Value>| vals.swap_remove(0);
        Ok(match f {
            Builtin::Len => match arg(&mut vals) {
                Value::Set(s) => Value::Int(s.len() as i64),
                Value::Seq(s) => Value::Int(s.len() as i64),
                v => return fail(format!("internal: len of {v:?}")),
            },
            Builtin::Min => Value::Int(vals[0].as_int()?.min(vals[1].as_int()?)),
            Builtin::Max => Value::Int(vals[0].as_int()?.max(vals[1].as_int()?)),
            Builtin::Some => Value::Opt(Some(Box::new(arg(&mut vals)))),
            Builtin::IsSome => Value::Bool(matches!(vals[0], Value::Opt(Some(_)))),
            Builtin::IsNone => Value::Bool(matches!(vals[0], Value::Opt(None))),
            Builtin::Unwrap => match arg(&mut vals) {
                Value::Opt(Some(x)) => *x,
                _ => return fail("`unwrap` of `none`"),
            },
            Builtin::Head | Builtin::Tail | Builtin::Last => {
                let Value::Seq(mut s) = arg(&mut vals) else {
                    return fail("internal: head/tail/last of a non-sequence");
                };
                if s.is_empty() {
                    return fail("head, tail or last of an empty sequence");
                }
                match f {
                    Builtin::Head => s.swap_remove(0),
                    Builtin::Last => s.pop().expect("non-empty"),
                    _ => {
                        s.remove(0);
                        Value::Seq(s)
                    }
                }
            }
            Builtin::Byzantine => Value::Bool(st.byzantine.contains(&vals[0].as_node()?)),
            Builtin::Crashed => Value::Bool(st.crashed.contains(&vals[0].as_node()?)),
            Builtin::Old => unreachable!("evaluated in the state before the step, above"),
        })
    }

    /// Runs statements on `st`, the step's working copy of the state.
    pub fn exec(&mut self, st: &mut State, stmts: &[Stmt]) -> R<()> {
        for s in stmts {
            self.exec_one(st, s)?;
        }
        Ok(())
    }

    fn exec_one(&mut self, st: &mut State, s: &Stmt) -> R<()> {
        match &s.kind {
            StmtKind::Assign { place, kind, value } => {
                let me = self.me()?;
                // Resolve the path's keys and indices, then the value.
                let mut keys = Vec::new();
                for a in &place.path {
                    keys.push(match a {
                        Access::MapKey(k) | Access::SeqIndex(k) => Some(self.eval(st, k)?),
                        _ => None,
                    });
                }
                let v = self.eval(st, value)?;
                let root = &mut st.vars[me.0][me.1 as usize][place.var];
                let slot = walk(root, &place.path, &keys)?;
                let new = match kind {
                    AssignKind::Set => v,
                    AssignKind::SetInsert => {
                        let Type::Set(t) = &place.ty else {
                            return fail("internal: `+=` on a non-set");
                        };
                        check_fits(&v, t)?;
                        let mut s = slot.as_set()?.clone();
                        s.insert(v);
                        Value::Set(s)
                    }
                    AssignKind::SetRemove => {
                        let mut s = slot.as_set()?.clone();
                        s.remove(&v);
                        Value::Set(s)
                    }
                    AssignKind::SeqAppend => {
                        let (Type::Seq(t, max), Value::Seq(s)) = (&place.ty, &*slot) else {
                            return fail("internal: append to a non-sequence");
                        };
                        check_fits(&v, t)?;
                        if s.len() >= *max as usize {
                            return fail(format!("append to a full sequence (bound {max})"));
                        }
                        let mut s = s.clone();
                        s.push(v);
                        Value::Seq(s)
                    }
                    AssignKind::IntAdd | AssignKind::IntSub => {
                        let (a, b) = (slot.as_int()?, v.as_int()?);
                        let r = if *kind == AssignKind::IntAdd {
                            a.checked_add(b)
                        } else {
                            a.checked_sub(b)
                        };
                        Value::Int(r.map_or_else(|| fail("integer overflow"), Ok)?)
                    }
                };
                check_fits(&new, &place.ty)?;
                *slot = new;
            }
            StmtKind::Let { local, value } => {
                let v = self.eval(st, value)?;
                self.bind(*local, v);
            }
            StmtKind::If {
                cond,
                then_stmts,
                else_stmts,
            } => {
                if self.test(st, cond)? {
                    self.exec(st, then_stmts)?;
                } else {
                    self.exec(st, else_stmts)?;
                }
            }
            StmtKind::For {
                local,
                domain,
                body,
            } => {
                let mut d: Vec<Value> =
                    self.domain(st, domain)?.as_set()?.iter().cloned().collect();
                // Values order themselves lexicographically, which is the
                // order docs/language.md gives for every element type but
                // those holding sets, maps or sequences: those go by code.
                if let Type::Set(el) = &domain.ty
                    && super::render::coded_order(self.spec, el)
                {
                    d.sort_by_cached_key(|v| super::render::code(self.spec, v, el));
                }
                for v in d {
                    self.bind(*local, v);
                    self.exec(st, body)?;
                }
            }
            StmtKind::Send {
                dest,
                message,
                args,
            } => {
                let dst = self.eval(st, dest)?.as_node()?;
                let payload = self.payload(st, *message, args)?;
                let src = self.me()?;
                st.net.send(
                    self.spec,
                    Msg {
                        kind: *message,
                        payload,
                        src,
                        dst,
                    },
                );
            }
            StmtKind::Broadcast {
                kind,
                message,
                args,
            } => {
                let payload = self.payload(st, *message, args)?;
                let src = self.me()?;
                for i in 0..self.spec.nodes[*kind].count {
                    st.net.send(
                        self.spec,
                        Msg {
                            kind: *message,
                            payload: payload.clone(),
                            src,
                            dst: (*kind, i),
                        },
                    );
                }
            }
            StmtKind::Assert(e) => {
                if !self.test(st, e)? {
                    return fail("assertion failed");
                }
            }
        }
        Ok(())
    }

    /// A message's payload, each field checked against its type.
    fn payload(&mut self, st: &State, m: usize, args: &[Expr]) -> R<Vec<Value>> {
        let vals = self.eval_all(st, args)?;
        for (v, (_, t)) in vals.iter().zip(&self.spec.messages[m].fields) {
            check_fits(v, t)?;
        }
        Ok(vals)
    }
}

/// The location a place's path leads to inside a variable's value.
fn walk<'v>(mut v: &'v mut Value, path: &[Access], keys: &[Option<Value>]) -> R<&'v mut Value> {
    for (a, key) in path.iter().zip(keys) {
        v = match (a, v) {
            (Access::Field(i) | Access::Tuple(i), Value::Record(fs) | Value::Tuple(fs)) => {
                &mut fs[*i]
            }
            (Access::MapKey(_), Value::Map(m)) => {
                let k = key.as_ref().expect("evaluated");
                match m.get_mut(k) {
                    Some(x) => x,
                    None => return fail(format!("key {k:?} is outside the map's key type")),
                }
            }
            (Access::SeqIndex(_), Value::Seq(s)) => {
                let i = key.as_ref().expect("evaluated").as_int()?;
                let len = s.len();
                if i < 0 || i as usize >= len {
                    return fail(format!("index {i} is outside a sequence of length {len}"));
                }
                &mut s[i as usize]
            }
            (_, v) => return fail(format!("internal: bad place into {v:?}")),
        };
    }
    Ok(v)
}

/// Whether `e` is a value put together in place that dsmc compares part by
/// part: a tuple, record, set, sequence or map literal, `some(x)`, or an
/// `if` with such a branch (dsmc's `is_compound_literal`).
fn compound_literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::If(_, t, f) => compound_literal(t) || compound_literal(f),
        ExprKind::Tuple(_)
        | ExprKind::Record(_)
        | ExprKind::SetLit(_)
        | ExprKind::SeqLit(_)
        | ExprKind::MapLit { .. } => true,
        ExprKind::Call(Builtin::Some, _) => true,
        _ => false,
    }
}

/// A finding when compound value `v` of type `ty` holds an unbounded
/// integer outside `0..=63` (a top-level integer is not packed).
fn ints_in_collection(v: &Value, ty: &Type) -> R<()> {
    fn inside(v: &Value, ty: &Type) -> R<()> {
        let max = dsmc::model::encoding::INT_IN_COLLECTION_MAX;
        match (v, ty) {
            (Value::Int(n), Type::Int) if !(0..=max).contains(n) => {
                fail(format!("value {n} is outside `0..{max}`"))
            }
            (Value::Opt(Some(x)), Type::Option(t)) => inside(x, t),
            (Value::Tuple(xs), Type::Tuple(ts)) => {
                xs.iter().zip(ts).try_for_each(|(x, t)| inside(x, t))
            }
            (Value::Record(xs), Type::Record(fs)) => {
                xs.iter().zip(fs).try_for_each(|(x, (_, t))| inside(x, t))
            }
            (Value::Set(xs), Type::Set(t)) => xs.iter().try_for_each(|x| inside(x, t)),
            (Value::Seq(xs), Type::Seq(t, _)) => xs.iter().try_for_each(|x| inside(x, t)),
            (Value::Map(m), Type::Map(kt, vt)) => m
                .iter()
                .try_for_each(|(k, x)| inside(k, kt).and_then(|_| inside(x, vt))),
            _ => Ok(()),
        }
    }
    inside(v, ty)
}
