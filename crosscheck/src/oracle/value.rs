//! Plain values of the language, the domain of every type, and the check
//! that a value fits the type of the place it is stored into.

use std::collections::{BTreeMap, BTreeSet};

use dsmc::typed::{Type, TypedSpec};

/// A node instance: its kind and its index within the kind. The derived
/// order (kind, then index) is the global instance order.
pub type Inst = (usize, u32);

/// A run-time failure of an evaluation: a finding, never a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RtErr(pub String);

/// Shorthand for an evaluation result.
pub type R<T> = Result<T, RtErr>;

/// Builds an [`RtErr`].
pub fn fail<T>(msg: impl Into<String>) -> R<T> {
    Err(RtErr(msg.into()))
}

/// A value. Only values of the same type are ever compared, so the derived
/// order is the language's canonical order within a type: integers
/// ascending, `false < true`, enum variants and instances in declaration
/// order, `none` before every `some`, tuples, records and sequences
/// lexicographically.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    Bool(bool),
    Int(i64),
    /// An enum variant by index.
    Enum(usize),
    /// A node id.
    Node(Inst),
    Opt(Option<Box<Value>>),
    Tuple(Vec<Value>),
    /// Field values in the record type's order.
    Record(Vec<Value>),
    Set(BTreeSet<Value>),
    /// Total over the key type.
    Map(BTreeMap<Value, Value>),
    Seq(Vec<Value>),
    /// A union value: the variant's index and its payload, in field order.
    /// (Ordered by variant, then payload, as dsmc's codes are.)
    Union(usize, Vec<Value>),
}

impl Value {
    /// The boolean inside, or a failure for any other value.
    pub fn as_bool(&self) -> R<bool> {
        match self {
            Value::Bool(b) => Ok(*b),
            v => fail(format!("internal: expected a bool, found {v:?}")),
        }
    }

    /// The integer inside.
    pub fn as_int(&self) -> R<i64> {
        match self {
            Value::Int(n) => Ok(*n),
            v => fail(format!("internal: expected an integer, found {v:?}")),
        }
    }

    /// The node id inside.
    pub fn as_node(&self) -> R<Inst> {
        match self {
            Value::Node(i) => Ok(*i),
            v => fail(format!("internal: expected a node id, found {v:?}")),
        }
    }

    /// The set inside.
    pub fn as_set(&self) -> R<&BTreeSet<Value>> {
        match self {
            Value::Set(s) => Ok(s),
            v => fail(format!("internal: expected a set, found {v:?}")),
        }
    }
}

/// Every value of a finite type, in ascending canonical order. `int` has no
/// finite domain: asking for it is a failure (the front end never allows it).
pub fn domain(spec: &TypedSpec, ty: &Type) -> R<Vec<Value>> {
    Ok(match ty {
        Type::Bool => vec![Value::Bool(false), Value::Bool(true)],
        Type::Range { lo, hi } => (*lo..=*hi).map(Value::Int).collect(),
        Type::Enum(e) => (0..spec.enums[*e].variants.len())
            .map(Value::Enum)
            .collect(),
        Type::Node(k) => (0..spec.nodes[*k].count)
            .map(|i| Value::Node((*k, i)))
            .collect(),
        Type::Option(t) => {
            let mut out = vec![Value::Opt(None)];
            out.extend(
                domain(spec, t)?
                    .into_iter()
                    .map(|v| Value::Opt(Some(Box::new(v)))),
            );
            out
        }
        Type::Tuple(ts) => product(spec, ts.iter())?
            .into_iter()
            .map(Value::Tuple)
            .collect(),
        Type::Record(fs) => product(spec, fs.iter().map(|(_, t)| t))?
            .into_iter()
            .map(Value::Record)
            .collect(),
        Type::Union(u) => {
            let mut out = Vec::new();
            for (i, v) in spec.unions[*u].variants.iter().enumerate() {
                let payloads = product(spec, v.fields.iter().map(|(_, t)| t))?;
                out.extend(payloads.into_iter().map(|p| Value::Union(i, p)));
            }
            out
        }
        Type::Set(t) => {
            let elems = domain(spec, t)?;
            if elems.len() > 24 {
                return fail("too many values to enumerate");
            }
            let mut out: Vec<Value> = (0u64..(1 << elems.len()))
                .map(|bits| {
                    Value::Set(
                        (elems.iter().enumerate())
                            .filter(|(i, _)| bits >> i & 1 == 1)
                            .map(|(_, v)| v.clone())
                            .collect(),
                    )
                })
                .collect();
            out.sort();
            out
        }
        Type::Map(k, v) => {
            let keys = domain(spec, k)?;
            let values = domain(spec, v)?;
            let mut maps = vec![BTreeMap::new()];
            for key in &keys {
                let mut next = Vec::new();
                for m in &maps {
                    for val in &values {
                        let mut m2: BTreeMap<Value, Value> = m.clone();
                        m2.insert(key.clone(), val.clone());
                        next.push(m2);
                    }
                }
                maps = next;
                if maps.len() > 1 << 22 {
                    return fail("too many values to enumerate");
                }
            }
            let mut out: Vec<Value> = maps.into_iter().map(Value::Map).collect();
            out.sort();
            out
        }
        Type::Seq(t, max) => {
            let elems = domain(spec, t)?;
            let mut out = vec![Value::Seq(Vec::new())];
            let mut layer: Vec<Vec<Value>> = vec![Vec::new()];
            for _ in 0..*max {
                let mut next = Vec::new();
                for prefix in &layer {
                    for e in &elems {
                        let mut p = prefix.clone();
                        p.push(e.clone());
                        next.push(p);
                    }
                }
                if next.len() > 1 << 22 {
                    return fail("too many values to enumerate");
                }
                out.extend(next.iter().cloned().map(Value::Seq));
                layer = next;
            }
            out.sort();
            out
        }
        Type::Int | Type::Error => return fail("internal: the domain of `int`"),
    })
}

/// Every combination of one value per type, the first type varying slowest.
fn product<'a>(spec: &TypedSpec, tys: impl Iterator<Item = &'a Type>) -> R<Vec<Vec<Value>>> {
    let mut acc = vec![Vec::new()];
    for t in tys {
        let d = domain(spec, t)?;
        let mut next = Vec::with_capacity(acc.len() * d.len());
        for prefix in &acc {
            for v in &d {
                let mut p: Vec<Value> = prefix.clone();
                p.push(v.clone());
                next.push(p);
            }
        }
        acc = next;
    }
    Ok(acc)
}

/// Whether `v` is a value of `ty`: integers within their range, sequences
/// within their bound, recursively. `int` (a computed integer) takes any
/// integer.
pub fn fits(v: &Value, ty: &Type) -> bool {
    match (v, ty) {
        (Value::Int(n), Type::Range { lo, hi }) => lo <= n && n <= hi,
        (Value::Int(_), Type::Int) => true,
        (Value::Bool(_), Type::Bool) => true,
        (Value::Enum(_), Type::Enum(_)) => true,
        (Value::Node((k, _)), Type::Node(kt)) => k == kt,
        (Value::Opt(None), Type::Option(_)) => true,
        (Value::Opt(Some(x)), Type::Option(t)) => fits(x, t),
        (Value::Tuple(xs), Type::Tuple(ts)) => {
            xs.len() == ts.len() && xs.iter().zip(ts).all(|(x, t)| fits(x, t))
        }
        (Value::Record(xs), Type::Record(fs)) => {
            xs.len() == fs.len() && xs.iter().zip(fs).all(|(x, (_, t))| fits(x, t))
        }
        // Its payload was checked against the fields' types when built.
        (Value::Union(..), Type::Union(_)) => true,
        (Value::Set(s), Type::Set(t)) => s.iter().all(|x| fits(x, t)),
        (Value::Map(m), Type::Map(kt, vt)) => m.iter().all(|(k, v)| fits(k, kt) && fits(v, vt)),
        (Value::Seq(s), Type::Seq(t, max)) => {
            s.len() <= *max as usize && s.iter().all(|x| fits(x, t))
        }
        _ => false,
    }
}

/// Why `v` does not fit `ty`, in words (for a finding): the first part
/// that does not fit.
pub fn misfit(v: &Value, ty: &Type) -> String {
    let first = |pairs: Vec<(&Value, &Type)>| {
        (pairs.into_iter())
            .find(|(x, t)| !fits(x, t))
            .map(|(x, t)| misfit(x, t))
    };
    let inner = match (v, ty) {
        (Value::Int(n), Type::Range { lo, hi }) => {
            return format!("value {n} is outside `{lo}..{hi}`");
        }
        (Value::Seq(s), Type::Seq(_, max)) if s.len() > *max as usize => {
            return format!("a sequence of {} elements exceeds its bound {max}", s.len());
        }
        (Value::Opt(Some(x)), Type::Option(t)) => first(vec![(&**x, &**t)]),
        (Value::Tuple(xs), Type::Tuple(ts)) => first(xs.iter().zip(ts).collect()),
        (Value::Record(xs), Type::Record(fs)) => {
            first(xs.iter().zip(fs.iter().map(|(_, t)| t)).collect())
        }
        (Value::Set(s), Type::Set(t)) => first(s.iter().map(|x| (x, &**t)).collect()),
        (Value::Seq(s), Type::Seq(t, _)) => first(s.iter().map(|x| (x, &**t)).collect()),
        (Value::Map(m), Type::Map(kt, vt)) => first(
            m.iter()
                .flat_map(|(k, x)| [(k, &**kt), (x, &**vt)])
                .collect(),
        ),
        _ => None,
    };
    inner.unwrap_or_else(|| format!("value {v:?} does not fit {ty:?}"))
}

/// Checks that `v` fits `ty`; a finding when it does not.
pub fn check_fits(v: &Value, ty: &Type) -> R<()> {
    if fits(v, ty) {
        Ok(())
    } else {
        fail(misfit(v, ty))
    }
}
