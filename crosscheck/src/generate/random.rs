//! Random generation of a [`Spec`] from a seed.

use std::collections::BTreeMap;

use super::ir::*;
use super::rng::Rng;

/// Knobs of the generator.
#[derive(Clone, Debug)]
pub struct GenConfig {
    /// Quantifiers in var initial values.
    pub init_quantifiers: bool,
    /// The most node kinds.
    pub max_kinds: u32,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            init_quantifiers: true,
            max_kinds: 3,
        }
    }
}

/// Where an expression is generated.
#[derive(Clone, Debug, Default)]
struct Ctx {
    /// The running node kind (node code and initial values).
    node: Option<String>,
    /// The running node's vars.
    own: Vec<(String, Ty)>,
    locals: Vec<(String, Ty)>,
    /// Property, `bound` or `done when`: `crashed`, `byzantine`, no `self`.
    prop: bool,
    /// An initial value: literals, constants and `self` only.
    init: bool,
    /// Inside a `for` over a domain naming a symmetric kind: only
    /// order-independent statements.
    sym_loop: bool,
    /// In a handler: sends of non-`set` messages still allowed.
    handler_sends: Option<u32>,
    /// Inside a `for`.
    in_loop: bool,
}

struct Gen<'c> {
    rng: Rng,
    cfg: &'c GenConfig,
    spec: Spec,
    next: usize,
    /// (kind, var, type) of every var, for remote reads.
    all_vars: Vec<(String, String, Ty)>,
    /// Per kind, its fuel var (name, cap) when an action needs one.
    fuel: BTreeMap<String, (String, i64)>,
    /// How deep [`Gen::expr`] calls are nested now.
    nest: u32,
    /// How many [`Gen::expr`] calls this spec has made.
    made: u32,
}

/// The deepest nesting of [`Gen::expr`] calls.
const MAX_NEST: u32 = 40;

/// The most [`Gen::expr`] calls one spec may make before only literals
/// are made. Nesting alone does not bound the work: reading through a map
/// makes a key, which may read through a map, so one expression can
/// branch at every level (seed 20343046 grew past 20 GiB). Of the first
/// 100,000 seeds from 20261206, 99.9% make at most 210 calls and 8 reach
/// this bound; only those 8 change.
const MAX_MADE: u32 = 20_000;

/// Generates the spec of a seed.
pub fn generate(seed: u64, cfg: &GenConfig) -> Spec {
    let mut g = Gen {
        rng: Rng::new(seed),
        cfg,
        spec: Spec {
            consts: vec![],
            enums: vec![],
            aliases: vec![],
            networks: vec![],
            messages: vec![],
            nodes: vec![],
            faults: vec![],
            props: vec![],
            deadlock: Deadlock::Check,
            bounds: vec![],
        },
        next: 0,
        all_vars: vec![],
        fuel: BTreeMap::new(),
        nest: 0,
        made: 0,
    };
    g.top();
    g.spec
}

impl Gen<'_> {
    fn fresh(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{}", self.next)
    }

    fn top(&mut self) {
        // Constants, enums.
        if self.rng.chance(30) {
            let v = self.rng.range(1, 3);
            self.spec.consts.push(("C0".into(), v));
        }
        for _ in 0..self.rng.below(3) {
            let i = self.spec.enums.len();
            let n = self.rng.range(2, 3) as usize;
            let name = format!("E{i}");
            let variants = (0..n)
                .map(|j| format!("e{i}{}", (b'a' + j as u8) as char))
                .collect();
            self.spec.enums.push(EnumDef {
                name: Some(name),
                variants,
            });
        }
        // Node kinds.
        let kinds = self.rng.range(1, self.cfg.max_kinds as i64) as usize;
        for k in 0..kinds {
            let name = format!("N{k}");
            let count = match self.rng.below(10) {
                0..=3 => None,
                4 if !self.spec.consts.is_empty() => Some(Count::Const("C0".into())),
                _ => Some(Count::Lit(self.rng.range(1, 3) as u32)),
            };
            let symmetric = count.is_some() && self.rng.chance(25);
            self.spec.nodes.push(Node {
                name,
                count,
                symmetric,
                vars: vec![],
                handlers: vec![],
                actions: vec![],
            });
        }
        if self.rng.chance(25) {
            let t = self.pick_ty(2, false);
            let name = format!("T{}", self.spec.aliases.len());
            if self.spec.card(&t) <= 64 {
                self.spec.aliases.push((name, t));
            }
        }
        // Vars with their initial values.
        for k in 0..kinds {
            let nv = self.rng.range(1, 3);
            for _ in 0..nv {
                self.new_var(k);
            }
        }
        // Messages.
        let nm = self.rng.below(4);
        for _ in 0..nm {
            let sender = self.rng.pick(&self.spec.nodes).name.clone();
            let receiver = self.rng.pick(&self.spec.nodes).name.clone();
            let nf = self.rng.below(3);
            let mut fields = vec![];
            for _ in 0..nf {
                let d = if self.rng.chance(30) { 1 } else { 0 };
                let t = self.pick_ty(d, true);
                fields.push((self.fresh("f"), t));
            }
            let name = format!("M{}", self.spec.messages.len());
            self.spec.messages.push(Message {
                name,
                fields,
                unfair: self.rng.chance(10),
                sender,
                receiver,
            });
        }
        self.networks();
        self.all_vars = self
            .spec
            .nodes
            .iter()
            .flat_map(|n| {
                n.vars
                    .iter()
                    .map(|v| (n.name.clone(), v.name.clone(), v.ty.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        // Handlers and actions.
        for k in 0..kinds {
            let name = self.spec.nodes[k].name.clone();
            let received: Vec<String> = self
                .spec
                .messages
                .iter()
                .filter(|m| m.receiver == name)
                .map(|m| m.name.clone())
                .collect();
            for m in received {
                let n = if self.rng.chance(20) { 2 } else { 1 };
                for _ in 0..n {
                    let h = self.handler(k, &m);
                    self.spec.nodes[k].handlers.push(h);
                }
            }
            let na = self
                .rng
                .range(if received_none(&self.spec, k) { 1 } else { 0 }, 3);
            for _ in 0..na {
                let a = self.action(k, None);
                self.spec.nodes[k].actions.push(a);
            }
        }
        // Every message is sent somewhere.
        for i in 0..self.spec.messages.len() {
            let m = self.spec.messages[i].name.clone();
            if !sends_msg(&self.spec, &m) {
                let k = self
                    .spec
                    .nodes
                    .iter()
                    .position(|n| n.name == self.spec.messages[i].sender)
                    .unwrap();
                let a = self.action(k, Some(m));
                self.spec.nodes[k].actions.push(a);
            }
        }
        self.faults();
        self.properties();
        if self.rng.chance(20) {
            let c = self.prop_ctx();
            let b = self.state_pred(&c, 2);
            self.spec.bounds.push(b);
        }
        self.spec.deadlock = match self.rng.below(10) {
            0..=3 => Deadlock::Allow,
            4..=5 => {
                let c = self.prop_ctx();
                Deadlock::Done(self.state_pred(&c, 1))
            }
            _ => Deadlock::Check,
        };
    }

    fn networks(&mut self) {
        let kinds = [NetKind::Multiset, NetKind::Set, NetKind::Fifo];
        if self.rng.chance(70) {
            let kind = *self.rng.pick(&kinds);
            self.spec.networks.push(Network {
                kind,
                unfair: self.rng.chance(15),
                for_msgs: vec![],
            });
        }
        if !self.spec.messages.is_empty() && self.rng.chance(25) {
            let m = self.rng.pick(&self.spec.messages).name.clone();
            let kind = *self.rng.pick(&kinds);
            self.spec.networks.push(Network {
                kind,
                unfair: self.rng.chance(20),
                for_msgs: vec![m],
            });
        }
    }

    /// A var of kind `k` with an initial value.
    fn new_var(&mut self, k: usize) {
        let name = self.fresh("v");
        let kind = self.spec.nodes[k].name.clone();
        let ty = if self.rng.chance(12) {
            // An inline enum, for this var only.
            let i = self.spec.enums.len();
            let n = self.rng.range(2, 3) as usize;
            self.spec.enums.push(EnumDef {
                name: None,
                variants: (0..n)
                    .map(|j| format!("e{i}{}", (b'a' + j as u8) as char))
                    .collect(),
            });
            Ty::Enum(i)
        } else {
            let d = match self.rng.below(10) {
                0..=5 => 0,
                6..=8 => 1,
                _ => 2,
            };
            self.pick_ty(d, true)
        };
        let ctx = Ctx {
            node: Some(kind),
            init: true,
            ..Ctx::default()
        };
        let Some(init) = self.init(&ctx, &ty) else {
            return;
        };
        self.spec.nodes[k].vars.push(Var {
            name,
            ty,
            init,
            persistent: false,
        });
    }

    /// An initial value of a var: `= literal` or `in S`.
    fn init(&mut self, ctx: &Ctx, ty: &Ty) -> Option<Init> {
        let t = self.spec.resolve(ty);
        if self.rng.chance(25) {
            let card = self.spec.card(&t);
            match &t {
                Ty::Range(lo, hi) if self.rng.chance(50) => {
                    let a = self.rng.range(*lo, *hi);
                    let b = self.rng.range(a, *hi);
                    return Some(Init::Choice(Expr::Bin(
                        "..",
                        Box::new(Expr::Int(a)),
                        Box::new(Expr::Int(b)),
                    )));
                }
                _ if card <= 4 && !self.has_inline(&t) && self.rng.chance(50) => {
                    return Some(Init::Choice(Expr::All(ty.clone())));
                }
                _ => {
                    let n = self.rng.range(1, 2);
                    let mut xs = vec![];
                    for _ in 0..n {
                        xs.push(self.lit(ctx, &t)?);
                    }
                    return Some(Init::Choice(Expr::SetLit(xs)));
                }
            }
        }
        if let Ty::Node(k) = &t
            && self.is_sym(k)
            && ctx.node.as_deref() != Some(k.as_str())
        {
            return Some(Init::Choice(Expr::All(ty.clone())));
        }
        if self.cfg.init_quantifiers && t == Ty::Bool && self.rng.chance(20) {
            let q = Expr::Quant(
                "exists",
                vec![self.fresh("x")],
                Box::new(Expr::All(Ty::Bool)),
                Box::new(Expr::Bool(true)),
            );
            return Some(Init::Value(q));
        }
        let e = self.expr(ctx, &t, 1)?;
        Some(Init::Value(e))
    }

    /// Whether a type holds an inline enum (which `all` would declare again).
    fn has_inline(&self, t: &Ty) -> bool {
        match self.spec.resolve(t) {
            Ty::Enum(e) => self.spec.enums[e].name.is_none(),
            Ty::Set(t) | Ty::Opt(t) | Ty::Seq(t, _) => self.has_inline(&t),
            Ty::Map(k, v) => self.has_inline(&k) || self.has_inline(&v),
            Ty::Tuple(ts) => ts.iter().any(|t| self.has_inline(t)),
            Ty::Record(fs) => fs.iter().any(|(_, t)| self.has_inline(t)),
            _ => false,
        }
    }

    fn is_sym(&self, kind: &str) -> bool {
        self.spec.node(kind).is_some_and(|n| n.symmetric)
    }

    /// A small scalar type.
    fn scalar(&mut self, allow_sym: bool) -> Ty {
        loop {
            match self.rng.below(10) {
                0..=2 => return Ty::Bool,
                3..=6 => {
                    let lo = if self.rng.chance(25) {
                        self.rng.range(-2, -1)
                    } else {
                        0
                    };
                    let hi = lo + self.rng.range(1, 3);
                    return Ty::Range(lo, hi);
                }
                7 => {
                    let named: Vec<usize> = (0..self.spec.enums.len())
                        .filter(|&i| self.spec.enums[i].name.is_some())
                        .collect();
                    if !named.is_empty() {
                        return Ty::Enum(*self.rng.pick(&named));
                    }
                }
                _ => {
                    let n = self.rng.pick(&self.spec.nodes).clone();
                    if !n.symmetric || allow_sym {
                        return Ty::Node(n.name);
                    }
                }
            }
        }
    }

    /// A type of nesting depth at most `depth`; `allow_sym`: may be a
    /// symmetric kind's id at the top (or in a set, option or map key).
    fn pick_ty(&mut self, depth: u32, allow_sym: bool) -> Ty {
        for _ in 0..10 {
            let t = self.pick_ty_once(depth, allow_sym);
            let c = self.spec.card(&t);
            if c <= 4096 && self.fits(&t) {
                return t;
            }
        }
        Ty::Bool
    }

    /// Whether sets and maps stay within 64 bits.
    fn fits(&self, t: &Ty) -> bool {
        match t {
            Ty::Set(e) => self.spec.card(e) <= 12 && self.fits(e),
            Ty::Map(k, v) => self.spec.card(k) <= 6 && self.fits(v) && self.fits(k),
            Ty::Opt(e) => self.fits(e),
            Ty::Seq(e, _) => self.fits(e),
            Ty::Tuple(ts) => ts.iter().all(|t| self.fits(t)),
            Ty::Record(fs) => fs.iter().all(|(_, t)| self.fits(t)),
            Ty::Alias(i) => self.fits(&self.spec.aliases[*i].1.clone()),
            _ => true,
        }
    }

    fn pick_ty_once(&mut self, depth: u32, allow_sym: bool) -> Ty {
        if depth == 0 || self.rng.chance(40) {
            return self.scalar(allow_sym);
        }
        let d = depth - 1;
        match self.rng.below(8) {
            0 => Ty::Set(Box::new(self.pick_ty(d.min(1), allow_sym))),
            1 => Ty::Map(
                Box::new(self.scalar(allow_sym)),
                Box::new(self.pick_ty(d, false)),
            ),
            2 => Ty::Opt(Box::new(self.pick_ty(d, allow_sym))),
            3 => {
                let n = self.rng.range(2, 3) as usize;
                Ty::Tuple((0..n).map(|_| self.pick_ty(d, false)).collect())
            }
            4 => {
                let n = self.rng.range(1, 2) as usize;
                Ty::Record(
                    (0..n)
                        .map(|i| (format!("r{i}"), self.pick_ty(d, false)))
                        .collect(),
                )
            }
            5 => Ty::Seq(
                Box::new(self.pick_ty(d, false)),
                self.rng.range(1, 2) as u32,
            ),
            6 if !self.spec.aliases.is_empty() => {
                Ty::Alias(self.rng.below(self.spec.aliases.len() as u64) as usize)
            }
            _ => self.scalar(allow_sym),
        }
    }

    fn prop_ctx(&self) -> Ctx {
        Ctx {
            prop: true,
            ..Ctx::default()
        }
    }

    fn node_ctx(&self, k: usize) -> Ctx {
        let n = &self.spec.nodes[k];
        Ctx {
            node: Some(n.name.clone()),
            own: n
                .vars
                .iter()
                .map(|v| (v.name.clone(), v.ty.clone()))
                .collect(),
            ..Ctx::default()
        }
    }

    // ------------------------------------------------------------ expressions

    /// A literal of a (resolved) type; `None` for a symmetric kind's id
    /// other than `self`.
    fn lit(&mut self, ctx: &Ctx, ty: &Ty) -> Option<Expr> {
        let t = self.spec.resolve(ty);
        Some(match t {
            Ty::Bool => Expr::Bool(self.rng.chance(50)),
            Ty::Range(lo, hi) => Expr::Int(self.rng.range(lo, hi)),
            Ty::Enum(e) => Expr::Variant(self.rng.pick(&self.spec.enums[e].variants).clone()),
            Ty::Node(k) => {
                if ctx.node.as_deref() == Some(k.as_str()) && !ctx.prop && self.rng.chance(50) {
                    Expr::SelfE
                } else if self.is_sym(&k) {
                    if ctx.node.as_deref() == Some(k.as_str()) && !ctx.prop {
                        Expr::SelfE
                    } else {
                        return None;
                    }
                } else if self.spec.node(&k).unwrap().count.is_none() {
                    Expr::Inst(k, None)
                } else {
                    let n = self.spec.count(&k) as i64;
                    Expr::Inst(k, Some(Box::new(Expr::Int(self.rng.range(0, n - 1)))))
                }
            }
            Ty::Set(e) => {
                let n = self.rng.below(3);
                let mut xs = vec![];
                for _ in 0..n {
                    if let Some(x) = self.lit(ctx, &e)
                        && !xs.contains(&x)
                    {
                        xs.push(x);
                    }
                }
                Expr::SetLit(xs)
            }
            Ty::Map(k, v) => {
                let mut entries = vec![];
                if self.rng.chance(30)
                    && let Some(key) = self.lit(ctx, &k)
                {
                    entries.push((key, self.lit(ctx, &v)?));
                }
                Expr::MapLit(entries, Some(Box::new(self.lit(ctx, &v)?)))
            }
            Ty::Opt(e) => {
                if self.rng.chance(50) {
                    Expr::NoneE
                } else {
                    match self.lit(ctx, &e) {
                        Some(x) => Expr::Call("some", vec![x]),
                        None => Expr::NoneE,
                    }
                }
            }
            Ty::Tuple(ts) => {
                let mut xs = vec![];
                for t in &ts {
                    xs.push(self.lit(ctx, t)?);
                }
                Expr::Tuple(xs)
            }
            Ty::Record(fs) => {
                let mut xs = vec![];
                for (n, t) in &fs {
                    xs.push((n.clone(), self.lit(ctx, t)?));
                }
                Expr::Record(xs)
            }
            Ty::Seq(e, k) => {
                let n = self.rng.below(k as u64 + 1);
                let mut xs = vec![];
                for _ in 0..n {
                    xs.push(self.lit(ctx, &e)?);
                }
                Expr::SeqLit(xs)
            }
            Ty::Alias(_) => unreachable!("resolved"),
        })
    }

    /// The readable values in scope: (expression, type).
    fn bases(&mut self, ctx: &Ctx) -> Vec<(Expr, Ty)> {
        let mut out: Vec<(Expr, Ty)> = ctx
            .locals
            .iter()
            .map(|(n, t)| (Expr::Local(n.clone()), t.clone()))
            .collect();
        if !ctx.prop {
            out.extend(
                ctx.own
                    .iter()
                    .map(|(n, t)| (Expr::Var(n.clone()), t.clone())),
            );
        }
        // Remote reads.
        let vars = self.all_vars.clone();
        for (k, v, t) in vars {
            let sym = self.is_sym(&k);
            if !ctx.prop && self.rng.chance(60) {
                continue;
            }
            // Through a local naming an instance.
            let via: Vec<Expr> = ctx
                .locals
                .iter()
                .filter(|(_, lt)| self.spec.resolve(lt) == Ty::Node(k.clone()))
                .map(|(n, _)| Expr::Local(n.clone()))
                .collect();
            if !via.is_empty() {
                let inst = self.rng.pick(&via).clone();
                out.push((Expr::Remote(Box::new(inst), v.clone()), t.clone()));
            } else if !sym {
                let inst = if self.spec.node(&k).unwrap().count.is_none() {
                    Expr::Inst(k.clone(), None)
                } else {
                    let n = self.spec.count(&k) as i64;
                    Expr::Inst(
                        k.clone(),
                        Some(Box::new(Expr::Int(self.rng.range(0, n - 1)))),
                    )
                };
                out.push((Expr::Remote(Box::new(inst), v.clone()), t.clone()));
            }
        }
        out
    }

    /// Whether values of `have` can stand where `want` is expected.
    fn compat(&self, want: &Ty, have: &Ty) -> bool {
        let (w, h) = (self.spec.resolve(want), self.spec.resolve(have));
        matches!((&w, &h), (Ty::Range(..), Ty::Range(..))) || w == h
    }

    fn contains(&self, have: &Ty, want: &Ty) -> bool {
        if self.compat(want, have) {
            return true;
        }
        match self.spec.resolve(have) {
            Ty::Tuple(ts) => ts.iter().any(|t| self.contains(t, want)),
            Ty::Record(fs) => fs.iter().any(|(_, t)| self.contains(t, want)),
            Ty::Map(_, v) => self.contains(&v, want),
            Ty::Opt(t) | Ty::Seq(t, _) => self.contains(&t, want),
            _ => false,
        }
    }

    /// A value read from the state or the locals, of type `want`.
    fn source(&mut self, ctx: &Ctx, want: &Ty) -> Option<Expr> {
        let bases = self.bases(ctx);
        let fitting: Vec<(Expr, Ty)> = bases
            .into_iter()
            .filter(|(_, t)| self.contains(t, want))
            .collect();
        if fitting.is_empty() {
            return None;
        }
        let (e, t) = self.rng.pick(&fitting).clone();
        self.project(ctx, e, &t, want, 3)
    }

    fn project(&mut self, ctx: &Ctx, e: Expr, have: &Ty, want: &Ty, fuel: u32) -> Option<Expr> {
        if self.compat(want, have) {
            return Some(e);
        }
        if fuel == 0 {
            return None;
        }
        match self.spec.resolve(have) {
            Ty::Tuple(ts) => {
                let ok: Vec<usize> = (0..ts.len())
                    .filter(|&i| self.contains(&ts[i], want))
                    .collect();
                let i = *self.rng.pick(&ok);
                self.project(
                    ctx,
                    Expr::Field(Box::new(e), i.to_string()),
                    &ts[i],
                    want,
                    fuel - 1,
                )
            }
            Ty::Record(fs) => {
                let ok: Vec<usize> = (0..fs.len())
                    .filter(|&i| self.contains(&fs[i].1, want))
                    .collect();
                let i = *self.rng.pick(&ok);
                self.project(
                    ctx,
                    Expr::Field(Box::new(e), fs[i].0.clone()),
                    &fs[i].1,
                    want,
                    fuel - 1,
                )
            }
            Ty::Map(k, v) => {
                let key = self.expr(ctx, &k, 0)?;
                self.project(
                    ctx,
                    Expr::Index(Box::new(e), Box::new(key)),
                    &v,
                    want,
                    fuel - 1,
                )
            }
            Ty::Opt(t) => self.project(ctx, Expr::Call("unwrap", vec![e]), &t, want, fuel - 1),
            Ty::Seq(t, k) => {
                let x = match self.rng.below(3) {
                    0 => Expr::Call("head", vec![e]),
                    1 => Expr::Call("last", vec![e]),
                    _ => Expr::Index(
                        Box::new(e),
                        Box::new(Expr::Int(self.rng.range(0, k as i64 - 1))),
                    ),
                };
                self.project(ctx, x, &t, want, fuel - 1)
            }
            _ => None,
        }
    }

    /// An expression of type `ty`, or `None` when none can be made here.
    /// Nested calls are bounded: past [`MAX_NEST`] only literals.
    fn expr(&mut self, ctx: &Ctx, ty: &Ty, depth: u32) -> Option<Expr> {
        if self.nest >= MAX_NEST || self.made >= MAX_MADE {
            return self.lit(ctx, ty);
        }
        self.made += 1;
        self.nest += 1;
        let e = self.expr_inner(ctx, ty, depth);
        self.nest -= 1;
        e
    }

    fn expr_inner(&mut self, ctx: &Ctx, ty: &Ty, depth: u32) -> Option<Expr> {
        let t = self.spec.resolve(ty);
        if ctx.init {
            if let Ty::Range(lo, hi) = t
                && self.rng.chance(15)
                && let Some((c, _)) = self.spec.consts.iter().find(|(_, v)| (lo..=hi).contains(v))
            {
                return Some(Expr::Const(c.clone()));
            }
            return self.lit(ctx, &t);
        }
        if self.rng.chance(if depth == 0 { 65 } else { 35 })
            && let Some(e) = self.source(ctx, &t)
        {
            return Some(e);
        }
        let e = match &t {
            Ty::Bool => self.gen_bool(ctx, depth),
            Ty::Range(lo, hi) => self.gen_int(ctx, *lo, *hi, depth),
            Ty::Enum(_) | Ty::Node(_) | Ty::Tuple(_) | Ty::Record(_) | Ty::Map(..) => {
                if depth > 0 && self.rng.chance(15) {
                    let c = self.gen_bool(ctx, depth - 1)?;
                    let a = self.expr(ctx, &t, depth - 1)?;
                    let b = self.expr(ctx, &t, depth - 1)?;
                    Some(Expr::If(Box::new(c), Box::new(a), Box::new(b)))
                } else {
                    self.compound(ctx, &t, depth)
                }
            }
            Ty::Set(e) => self.gen_set(ctx, e, depth),
            Ty::Opt(e) => {
                if self.rng.chance(40) {
                    Some(Expr::NoneE)
                } else {
                    let x = self.expr(ctx, e, depth.saturating_sub(1))?;
                    Some(Expr::Call("some", vec![x]))
                }
            }
            Ty::Seq(e, k) => match self.rng.below(4) {
                0 if depth > 0 => {
                    let s = self.source(ctx, &t)?;
                    Some(Expr::Call("tail", vec![s]))
                }
                1 => Some(Expr::SeqLit(vec![])),
                _ => {
                    let n = self.rng.below(*k as u64 + 1);
                    let mut xs = vec![];
                    for _ in 0..n {
                        xs.push(self.expr(ctx, e, depth.saturating_sub(1))?);
                    }
                    Some(Expr::SeqLit(xs))
                }
            },
            Ty::Alias(_) => unreachable!("resolved"),
        };
        match e {
            Some(e) => Some(e),
            None => self.source(ctx, &t).or_else(|| self.lit(ctx, &t)),
        }
    }

    /// A tuple, record, map, enum or node id made of parts.
    fn compound(&mut self, ctx: &Ctx, t: &Ty, depth: u32) -> Option<Expr> {
        let d = depth.saturating_sub(1);
        match t {
            Ty::Tuple(ts) => {
                let mut xs = vec![];
                for t in ts {
                    xs.push(self.expr(ctx, t, d)?);
                }
                Some(Expr::Tuple(xs))
            }
            Ty::Record(fs) => {
                let mut xs = vec![];
                for (n, t) in fs {
                    xs.push((n.clone(), self.expr(ctx, t, d)?));
                }
                Some(Expr::Record(xs))
            }
            Ty::Map(k, v) => {
                let mut entries = vec![];
                if self.rng.chance(40)
                    && let Some(key) = self.expr(ctx, k, 0)
                {
                    entries.push((key, self.expr(ctx, v, d)?));
                }
                Some(Expr::MapLit(entries, Some(Box::new(self.expr(ctx, v, d)?))))
            }
            Ty::Node(k)
                if !self.is_sym(k)
                    && self.spec.node(k).is_some_and(|n| n.count.is_some())
                    && depth > 0
                    && self.rng.chance(30) =>
            {
                let n = self.spec.count(k) as i64;
                let i = self.gen_int(ctx, 0, n - 1, 0)?;
                Some(Expr::Inst(k.clone(), Some(Box::new(i))))
            }
            _ => self.lit(ctx, t),
        }
    }

    /// A domain to quantify or loop over: (expression, element type).
    fn domain(&mut self, ctx: &Ctx) -> Option<(Expr, Ty)> {
        match self.rng.below(6) {
            0..=2 => {
                let n = self.rng.pick(&self.spec.nodes).clone();
                let t = Ty::Node(n.name.clone());
                if self.rng.chance(50) {
                    Some((Expr::TypeName(t.clone()), t))
                } else {
                    Some((Expr::All(t.clone()), t))
                }
            }
            3 => {
                let lo = self.rng.range(-1, 1);
                let hi = lo + self.rng.range(-1, 2);
                Some((
                    Expr::Bin("..", Box::new(Expr::Int(lo)), Box::new(Expr::Int(hi))),
                    Ty::Range(lo.min(hi), hi.max(lo)),
                ))
            }
            4 => {
                let t = self.scalar(true);
                if self.spec.card(&t) > 6 {
                    return None;
                }
                Some((Expr::All(t.clone()), t))
            }
            _ => {
                // A set-valued source.
                let bases = self.bases(ctx);
                let sets: Vec<(Expr, Ty)> = bases
                    .into_iter()
                    .filter_map(|(e, t)| match self.spec.resolve(&t) {
                        Ty::Set(el) => Some((e, *el)),
                        _ => None,
                    })
                    .collect();
                if sets.is_empty() {
                    return None;
                }
                Some(self.rng.pick(&sets).clone())
            }
        }
    }

    fn gen_bool(&mut self, ctx: &Ctx, depth: u32) -> Option<Expr> {
        if depth == 0 {
            return match self.rng.below(4) {
                0 => Some(Expr::Bool(self.rng.chance(50))),
                _ => self.compare(ctx, 0),
            };
        }
        let d = depth - 1;
        match self.rng.below(20) {
            0..=1 => Some(Expr::Bool(self.rng.chance(70))),
            2..=4 => {
                let op = *self.rng.pick(&["&&", "||", "=>"]);
                let a = self.expr(ctx, &Ty::Bool, d)?;
                let b = self.expr(ctx, &Ty::Bool, d)?;
                Some(Expr::Bin(op, Box::new(a), Box::new(b)))
            }
            5 => {
                let a = self.expr(ctx, &Ty::Bool, d)?;
                Some(Expr::Un("!", Box::new(a)))
            }
            6..=9 => self.compare(ctx, d),
            10..=11 => {
                // Membership.
                let el = self.scalar(true);
                let x = self.expr(ctx, &el, d)?;
                let s = if self.rng.chance(20) {
                    self.source(ctx, &Ty::Seq(Box::new(el.clone()), 2))
                        .or_else(|| self.gen_set(ctx, &el, d))?
                } else {
                    self.gen_set(ctx, &el, d)?
                };
                if !self_typed(&s) {
                    return self.compare(ctx, d);
                }
                Some(Expr::Bin("in", Box::new(x), Box::new(s)))
            }
            12 => {
                // Subset.
                let el = self.scalar(true);
                let a = self.gen_set(ctx, &el, d)?;
                let b = self.gen_set(ctx, &el, d)?;
                if !self_typed(&a) && !self_typed(&b) {
                    return self.compare(ctx, d);
                }
                Some(Expr::Bin("<=", Box::new(a), Box::new(b)))
            }
            13 => {
                let bases = self.bases(ctx);
                let opts: Vec<Expr> = bases
                    .into_iter()
                    .filter(|(_, t)| matches!(self.spec.resolve(t), Ty::Opt(_)))
                    .map(|(e, _)| e)
                    .collect();
                if opts.is_empty() {
                    return self.compare(ctx, d);
                }
                let o = self.rng.pick(&opts).clone();
                let f = if self.rng.chance(50) {
                    "is_some"
                } else {
                    "is_none"
                };
                Some(Expr::Call(f, vec![o]))
            }
            14..=16 => {
                let (dom, el) = self.domain(ctx)?;
                let q = if self.rng.chance(50) {
                    "forall"
                } else {
                    "exists"
                };
                let mut names = vec![self.fresh("x")];
                if self.rng.chance(20) {
                    names.push(self.fresh("x"));
                }
                let mut inner = ctx.clone();
                for n in &names {
                    inner.locals.push((n.clone(), el.clone()));
                }
                let body = self.expr(&inner, &Ty::Bool, d)?;
                Some(Expr::Quant(q, names, Box::new(dom), Box::new(body)))
            }
            17 if ctx.prop => {
                let k = self.rng.pick(&self.spec.nodes).name.clone();
                let n = self.expr(ctx, &Ty::Node(k), 0)?;
                let f = if self.rng.chance(50) {
                    "crashed"
                } else {
                    "byzantine"
                };
                Some(Expr::Call(f, vec![n]))
            }
            _ => {
                let c = self.expr(ctx, &Ty::Bool, d)?;
                let a = self.expr(ctx, &Ty::Bool, d)?;
                let b = self.expr(ctx, &Ty::Bool, d)?;
                Some(Expr::If(Box::new(c), Box::new(a), Box::new(b)))
            }
        }
    }

    /// A comparison: of integers, or `==`/`!=` of any type in scope.
    fn compare(&mut self, ctx: &Ctx, depth: u32) -> Option<Expr> {
        let bases = self.bases(ctx);
        if !bases.is_empty() && self.rng.chance(60) {
            let (_, t) = self.rng.pick(&bases).clone();
            let t = self.spec.resolve(&t);
            let a = self.source(ctx, &t).or_else(|| self.expr(ctx, &t, depth))?;
            let b = self.expr(ctx, &t, depth)?;
            if !self_typed(&a) && !self_typed(&b) {
                return None;
            }
            let op = if matches!(t, Ty::Range(..)) {
                *self.rng.pick(&["==", "!=", "<", "<=", ">", ">="])
            } else {
                *self.rng.pick(&["==", "!="])
            };
            return Some(Expr::Bin(op, Box::new(a), Box::new(b)));
        }
        let a = self.gen_int(ctx, -1, 2, depth)?;
        let b = self.gen_int(ctx, -1, 2, depth)?;
        let op = *self.rng.pick(&["==", "!=", "<", "<=", ">", ">="]);
        Some(Expr::Bin(op, Box::new(a), Box::new(b)))
    }

    /// An integer expression whose value is mostly within `lo..=hi`.
    fn gen_int(&mut self, ctx: &Ctx, lo: i64, hi: i64, depth: u32) -> Option<Expr> {
        let want = Ty::Range(lo, hi);
        if depth == 0 {
            if self.rng.chance(55)
                && let Some(e) = self.source(ctx, &want)
            {
                return Some(e);
            }
            if self.rng.chance(10)
                && let Some((c, _)) = self.spec.consts.iter().find(|(_, v)| (lo..=hi).contains(v))
            {
                return Some(Expr::Const(c.clone()));
            }
            return Some(Expr::Int(self.rng.range(lo, hi)));
        }
        let d = depth - 1;
        match self.rng.below(16) {
            0..=3 => Some(Expr::Int(self.rng.range(lo, hi))),
            4..=6 => {
                // x + c, x - c, clamped.
                let op = if self.rng.chance(50) { "+" } else { "-" };
                let a = self.gen_int(ctx, lo, hi, d)?;
                let b = Expr::Int(self.rng.range(0, 1));
                let e = Expr::Bin(op, Box::new(a), Box::new(b));
                if self.rng.chance(70) {
                    Some(Expr::Call(
                        "min",
                        vec![Expr::Call("max", vec![e, Expr::Int(lo)]), Expr::Int(hi)],
                    ))
                } else {
                    Some(e)
                }
            }
            7 => {
                let op = *self.rng.pick(&["*", "/", "%"]);
                let a = self.gen_int(ctx, lo, hi, d)?;
                let b = self.gen_int(ctx, -1, 2, d)?;
                Some(Expr::Bin(op, Box::new(a), Box::new(b)))
            }
            8 => {
                let f = if self.rng.chance(50) { "min" } else { "max" };
                let a = self.gen_int(ctx, lo, hi, d)?;
                let b = self.gen_int(ctx, lo, hi, d)?;
                Some(Expr::Call(f, vec![a, b]))
            }
            9 if lo <= 0 && hi >= 0 => {
                let a = self.gen_int(ctx, -hi, -lo, d)?;
                Some(Expr::Un("-", Box::new(a)))
            }
            10 if lo <= 0 && hi >= 0 => {
                // len of a set or sequence.
                let bases = self.bases(ctx);
                let cs: Vec<Expr> = bases
                    .into_iter()
                    .filter(|(_, t)| matches!(self.spec.resolve(t), Ty::Set(_) | Ty::Seq(..)))
                    .map(|(e, _)| e)
                    .collect();
                if cs.is_empty() {
                    return Some(Expr::Int(0));
                }
                Some(Expr::Call("len", vec![self.rng.pick(&cs).clone()]))
            }
            11 if lo <= 0 && hi >= 0 => {
                let (dom, el) = self.domain(ctx)?;
                let x = self.fresh("x");
                let mut inner = ctx.clone();
                inner.locals.push((x.clone(), el));
                let body = self.expr(&inner, &Ty::Bool, d)?;
                Some(Expr::Quant("count", vec![x], Box::new(dom), Box::new(body)))
            }
            12 => {
                let c = self.expr(ctx, &Ty::Bool, d)?;
                let a = self.gen_int(ctx, lo, hi, d)?;
                let b = self.gen_int(ctx, lo, hi, d)?;
                Some(Expr::If(Box::new(c), Box::new(a), Box::new(b)))
            }
            _ => self
                .source(ctx, &want)
                .or(Some(Expr::Int(self.rng.range(lo, hi)))),
        }
    }

    fn gen_set(&mut self, ctx: &Ctx, el: &Ty, depth: u32) -> Option<Expr> {
        let st = Ty::Set(Box::new(el.clone()));
        if self.rng.chance(40)
            && let Some(s) = self.source(ctx, &st)
        {
            return Some(s);
        }
        let el_r = self.spec.resolve(el);
        match self.rng.below(10) {
            0..=1 if depth > 0 => {
                let op = *self.rng.pick(&["+", "-", "&"]);
                let a = self.gen_set(ctx, el, depth - 1)?;
                let b = self.gen_set(ctx, el, depth - 1)?;
                if !self_typed(&a) && !self_typed(&b) {
                    return Some(a);
                }
                Some(Expr::Bin(op, Box::new(a), Box::new(b)))
            }
            2 if self.spec.card(&el_r) <= 8 && !self.has_inline(&el_r) => {
                Some(Expr::All(el.clone()))
            }
            3 if matches!(el_r, Ty::Range(..)) => {
                let Ty::Range(lo, hi) = el_r else {
                    unreachable!()
                };
                let a = self.gen_int(ctx, lo, hi, 0)?;
                let b = self.gen_int(ctx, lo, hi, 0)?;
                Some(Expr::Bin("..", Box::new(a), Box::new(b)))
            }
            _ => {
                let n = self.rng.below(3);
                let mut xs = vec![];
                for _ in 0..n {
                    if let Some(x) = self.expr(ctx, el, depth.saturating_sub(1)) {
                        xs.push(x);
                    }
                }
                Some(Expr::SetLit(xs))
            }
        }
    }

    /// A property-side predicate that reads the state.
    fn state_pred(&mut self, ctx: &Ctx, depth: u32) -> Expr {
        for _ in 0..6 {
            if let Some(e) = self.expr(ctx, &Ty::Bool, depth)
                && reads_state(&e)
            {
                return e;
            }
        }
        // Fall back on a direct comparison of some var.
        let (k, v, t) = self.rng.pick(&self.all_vars).clone();
        let inst = if self.is_sym(&k) {
            let x = self.fresh("x");
            let mut inner = ctx.clone();
            inner.locals.push((x.clone(), Ty::Node(k.clone())));
            let val = self.lit(&inner, &t);
            let body = match val {
                Some(val) => Expr::Bin(
                    "==",
                    Box::new(Expr::Remote(Box::new(Expr::Local(x.clone())), v)),
                    Box::new(val),
                ),
                None => Expr::Bin(
                    "==",
                    Box::new(Expr::Remote(Box::new(Expr::Local(x.clone())), v.clone())),
                    Box::new(Expr::Remote(Box::new(Expr::Local(x.clone())), v)),
                ),
            };
            return Expr::Quant(
                "exists",
                vec![x],
                Box::new(Expr::TypeName(Ty::Node(k))),
                Box::new(body),
            );
        } else if self.spec.node(&k).unwrap().count.is_none() {
            Expr::Inst(k, None)
        } else {
            Expr::Inst(k, Some(Box::new(Expr::Int(0))))
        };
        let r = Expr::Remote(Box::new(inst), v);
        match self.lit(ctx, &t) {
            Some(val) => Expr::Bin("==", Box::new(r), Box::new(val)),
            None => Expr::Bin("==", Box::new(r.clone()), Box::new(r)),
        }
    }

    // ------------------------------------------------------------ statements

    fn block(&mut self, ctx: &mut Ctx, n: u32, depth: u32) -> Vec<Stmt> {
        let mut out = vec![];
        let saved = ctx.locals.len();
        for _ in 0..n {
            if let Some(s) = self.stmt(ctx, depth) {
                if let Stmt::Let { name, ty, .. } = &s {
                    ctx.locals.push((name.clone(), ty.clone()));
                }
                out.push(s);
            }
        }
        ctx.locals.truncate(saved);
        out
    }

    fn stmt(&mut self, ctx: &mut Ctx, depth: u32) -> Option<Stmt> {
        let node = ctx.node.clone()?;
        if ctx.sym_loop {
            return match self.rng.below(3) {
                0 => self.send(ctx, &node),
                _ => {
                    let sets: Vec<(String, Ty)> = ctx
                        .own
                        .iter()
                        .filter(|(_, t)| matches!(self.spec.resolve(t), Ty::Set(_)))
                        .cloned()
                        .collect();
                    if sets.is_empty() {
                        return None;
                    }
                    let (v, t) = self.rng.pick(&sets).clone();
                    let Ty::Set(el) = self.spec.resolve(&t) else {
                        unreachable!()
                    };
                    let rhs = self.expr(ctx, &el, 1)?;
                    let op = if self.rng.chance(70) { "+=" } else { "-=" };
                    Some(Stmt::Assign {
                        place: Place {
                            var: v,
                            path: vec![],
                        },
                        op,
                        rhs,
                        ty: *el,
                    })
                }
            };
        }
        match self.rng.below(20) {
            0..=8 => self.assign(ctx),
            9..=10 if depth > 0 => {
                let cond = self.expr(ctx, &Ty::Bool, 2)?;
                let nt = self.rng.range(1, 2) as u32;
                let then = self.block(ctx, nt, depth - 1);
                let els = if self.rng.chance(50) {
                    let ne = self.rng.range(1, 2) as u32;
                    Some(self.block(ctx, ne, depth - 1))
                } else {
                    None
                };
                Some(Stmt::If { cond, then, els })
            }
            11 if depth > 0 => {
                let (domain, elem) = self.domain(ctx)?;
                let var = self.fresh("x");
                let mut inner = ctx.clone();
                inner.locals.push((var.clone(), elem.clone()));
                inner.in_loop = true;
                if self.mentions_sym(&elem) {
                    inner.sym_loop = true;
                }
                let nb = self.rng.range(1, 2) as u32;
                let body = self.block(&mut inner, nb, depth - 1);
                Some(Stmt::For {
                    var,
                    elem,
                    domain,
                    body,
                })
            }
            12..=15 => self.send(ctx, &node),
            16 => Some(Stmt::Assert(self.expr(ctx, &Ty::Bool, 1)?)),
            _ => {
                let ty = self.pick_ty(1, true);
                let value = self.expr(ctx, &ty, 1)?;
                if !self_typed(&value) {
                    return None;
                }
                Some(Stmt::Let {
                    name: self.fresh("x"),
                    ty,
                    value,
                })
            }
        }
    }

    fn mentions_sym(&self, t: &Ty) -> bool {
        match self.spec.resolve(t) {
            Ty::Node(k) => self.is_sym(&k),
            Ty::Set(t) | Ty::Opt(t) | Ty::Seq(t, _) => self.mentions_sym(&t),
            Ty::Map(k, v) => self.mentions_sym(&k) || self.mentions_sym(&v),
            Ty::Tuple(ts) => ts.iter().any(|t| self.mentions_sym(t)),
            Ty::Record(fs) => fs.iter().any(|(_, t)| self.mentions_sym(t)),
            _ => false,
        }
    }

    fn assign(&mut self, ctx: &Ctx) -> Option<Stmt> {
        if ctx.own.is_empty() {
            return None;
        }
        let (var, vty) = self.rng.pick(&ctx.own).clone();
        let mut ty = self.spec.resolve(&vty);
        let mut path = vec![];
        while self.rng.chance(35) {
            match ty.clone() {
                Ty::Tuple(ts) => {
                    let i = self.rng.below(ts.len() as u64) as usize;
                    path.push(Access::Field(i.to_string()));
                    ty = ts[i].clone();
                }
                Ty::Record(fs) => {
                    let i = self.rng.below(fs.len() as u64) as usize;
                    path.push(Access::Field(fs[i].0.clone()));
                    ty = fs[i].1.clone();
                }
                Ty::Map(k, v) => {
                    path.push(Access::Index(self.expr(ctx, &k, 0)?));
                    ty = *v;
                }
                Ty::Seq(e, k) => {
                    path.push(Access::Index(Expr::Int(self.rng.range(0, k as i64 - 1))));
                    ty = *e;
                }
                _ => break,
            }
            ty = self.spec.resolve(&ty);
        }
        let place = Place { var, path };
        let (op, rhs, rty) = match &ty {
            Ty::Range(..) if self.rng.chance(30) => {
                let op = if self.rng.chance(50) { "+=" } else { "-=" };
                (op, Expr::Int(self.rng.range(1, 2)), Ty::Range(1, 2))
            }
            Ty::Set(e) if self.rng.chance(50) => {
                let op = if self.rng.chance(60) { "+=" } else { "-=" };
                (op, self.expr(ctx, e, 1)?, (**e).clone())
            }
            Ty::Seq(e, _) if self.rng.chance(50) => ("+=", self.expr(ctx, e, 1)?, (**e).clone()),
            _ => ("=", self.expr(ctx, &ty, 2)?, ty.clone()),
        };
        Some(Stmt::Assign {
            place,
            op,
            rhs,
            ty: rty,
        })
    }

    /// The network semantics of a message kind.
    fn net_of(&self, msg: &str) -> NetKind {
        net_of(&self.spec, msg)
    }

    fn send(&mut self, ctx: &mut Ctx, node: &str) -> Option<Stmt> {
        let msgs: Vec<Message> = self
            .spec
            .messages
            .iter()
            .filter(|m| m.sender == node)
            .cloned()
            .collect();
        if msgs.is_empty() {
            return None;
        }
        let m = self.rng.pick(&msgs).clone();
        self.send_msg(ctx, &m)
    }

    fn send_msg(&mut self, ctx: &mut Ctx, m: &Message) -> Option<Stmt> {
        let growing = self.net_of(&m.name) != NetKind::Set;
        let broadcast = self.rng.chance(25);
        if growing && let Some(left) = ctx.handler_sends {
            if left == 0 || broadcast || ctx.in_loop {
                return None;
            }
            ctx.handler_sends = Some(left - 1);
        }
        let mut args = vec![];
        for (_, t) in &m.fields {
            args.push(self.expr(ctx, t, 1)?);
        }
        if broadcast {
            return Some(Stmt::Broadcast {
                kind: m.receiver.clone(),
                msg: m.name.clone(),
                args,
            });
        }
        let dst = self.expr(ctx, &Ty::Node(m.receiver.clone()), 1)?;
        Some(Stmt::Send {
            dst,
            msg: m.name.clone(),
            args,
        })
    }

    fn handler(&mut self, k: usize, msg: &str) -> Handler {
        let m = self.spec.message(msg).unwrap().clone();
        let mut ctx = self.node_ctx(k);
        ctx.handler_sends = Some(1);
        let binders = if m.fields.is_empty() || self.rng.chance(25) {
            None
        } else {
            let mut bs = vec![];
            for (_, t) in &m.fields {
                if self.rng.chance(20) {
                    bs.push(None);
                } else {
                    let x = self.fresh("x");
                    ctx.locals.push((x.clone(), t.clone()));
                    bs.push(Some(x));
                }
            }
            Some(bs)
        };
        let from = match self.rng.below(5) {
            0 => From::None,
            1 => From::Wild,
            2 => {
                let x = self.fresh("x");
                ctx.locals.push((x.clone(), Ty::Node(m.sender.clone())));
                From::Bind(x)
            }
            _ => {
                let x = self.fresh("x");
                ctx.locals.push((x.clone(), Ty::Node(m.sender.clone())));
                From::BindKind(x, m.sender.clone())
            }
        };
        let guard = if self.rng.chance(50) {
            self.expr(&ctx, &Ty::Bool, 2)
        } else {
            None
        };
        let n = self.rng.range(1, 3) as u32;
        let body = self.block(&mut ctx, n, 2);
        Handler {
            msg: msg.into(),
            binders,
            from,
            guard,
            body,
        }
    }

    /// An action of kind `k`; `must_send`: it sends this message.
    fn action(&mut self, k: usize, must_send: Option<String>) -> Action {
        let mut ctx = self.node_ctx(k);
        let name = self.fresh("a");
        let fairness = match self.rng.below(10) {
            0..=4 => Fairness::Unfair,
            5..=7 => Fairness::Weak,
            _ => Fairness::Strong,
        };
        let mut params = vec![];
        for _ in 0..self.rng.below(3).saturating_sub(1) {
            let t = self.scalar(true);
            if self.spec.card(&t) > 4 {
                continue;
            }
            let p = self.fresh("p");
            ctx.locals.push((p.clone(), t.clone()));
            params.push((p, t));
        }
        let mut guard = if self.rng.chance(75) {
            self.expr(&ctx, &Ty::Bool, 2)
        } else {
            None
        };
        // A parameter drawn from a set, `p in S` first among the conjuncts
        // that read it: the explorer then binds it to the set's elements
        // rather than to every value of its type.
        for (i, (p, t)) in params.clone().into_iter().enumerate().rev() {
            if !self.rng.chance(30) {
                continue;
            }
            // `S` reads the parameters before `p` only.
            let mut before = ctx.clone();
            before
                .locals
                .truncate(before.locals.len() - (params.len() - i));
            let Some(set) = self.gen_set(&before, &t, 1).filter(self_typed) else {
                continue;
            };
            let member = Expr::Bin("in", Box::new(Expr::Local(p)), Box::new(set));
            guard = Some(match guard {
                Some(g) => Expr::Bin("&&", Box::new(member), Box::new(g)),
                None => member,
            });
        }
        let n = self.rng.range(1, 3) as u32;
        let mut body = self.block(&mut ctx, n, 2);
        if let Some(m) = must_send {
            let m = self.spec.message(&m).unwrap().clone();
            let mut sent = false;
            for _ in 0..8 {
                if let Some(s) = self.send_msg(&mut ctx, &m) {
                    body.push(s);
                    sent = true;
                    break;
                }
            }
            if !sent {
                // Parameters choose the receiver and the payload.
                let dst = self.fresh("p");
                params.push((dst.clone(), Ty::Node(m.receiver.clone())));
                let mut args = vec![];
                for (_, t) in &m.fields {
                    let p = self.fresh("p");
                    params.push((p.clone(), t.clone()));
                    args.push(Expr::Local(p));
                }
                body.push(Stmt::Send {
                    dst: Expr::Local(dst),
                    msg: m.name.clone(),
                    args,
                });
            }
        }
        // Actions that grow a multiset or fifo network run on fuel.
        if self.grows(&body) {
            let kind = self.spec.nodes[k].name.clone();
            let (fuel, cap) = match self.fuel.get(&kind) {
                Some(f) => f.clone(),
                None => {
                    let v = self.fresh("v");
                    let cap = self.rng.range(1, 2);
                    self.spec.nodes[k].vars.push(Var {
                        name: v.clone(),
                        ty: Ty::Range(0, cap),
                        init: Init::Value(Expr::Int(0)),
                        persistent: false,
                    });
                    self.all_vars
                        .push((kind.clone(), v.clone(), Ty::Range(0, cap)));
                    self.fuel.insert(kind, (v.clone(), cap));
                    (v, cap)
                }
            };
            let has = Expr::Bin(
                "<",
                Box::new(Expr::Var(fuel.clone())),
                Box::new(Expr::Int(cap)),
            );
            guard = Some(match guard {
                Some(g) => Expr::Bin("&&", Box::new(has), Box::new(g)),
                None => has,
            });
            body.insert(
                0,
                Stmt::Assign {
                    place: Place {
                        var: fuel,
                        path: vec![],
                    },
                    op: "+=",
                    rhs: Expr::Int(1),
                    ty: Ty::Range(1, 1),
                },
            );
        }
        Action {
            name,
            fairness,
            params,
            guard,
            body,
        }
    }

    /// Whether a block sends on a network that keeps every copy.
    fn grows(&self, body: &[Stmt]) -> bool {
        body.iter().any(|s| match s {
            Stmt::Send { msg, .. } | Stmt::Broadcast { msg, .. } => {
                self.net_of(msg) != NetKind::Set
            }
            Stmt::If { then, els, .. } => {
                self.grows(then) || els.as_ref().is_some_and(|e| self.grows(e))
            }
            Stmt::For { body, .. } => self.grows(body),
            _ => false,
        })
    }

    // ------------------------------------------------------------ faults, properties

    fn faults(&mut self) {
        let kinds: Vec<String> = self.spec.nodes.iter().map(|n| n.name.clone()).collect();
        if self.rng.chance(25) {
            let k = self.rng.pick(&kinds).clone();
            let b = if self.rng.chance(80) { Some(1) } else { None };
            self.spec.faults.push(Fault::Crash(k.clone(), b));
            if self.rng.chance(50) {
                self.spec.faults.push(Fault::Restart(k.clone(), Some(1)));
                let node = self.spec.nodes.iter_mut().find(|n| n.name == k).unwrap();
                for v in &mut node.vars {
                    if self.rng.chance(40) {
                        v.persistent = true;
                    }
                }
            }
        }
        if !self.spec.messages.is_empty() {
            if self.rng.chance(20) {
                let m = if self.rng.chance(40) {
                    Some(self.rng.pick(&self.spec.messages).name.clone())
                } else {
                    None
                };
                self.spec.faults.push(Fault::Lose(m, Some(1)));
            }
            if self.rng.chance(15) {
                let m = if self.rng.chance(40) {
                    Some(self.rng.pick(&self.spec.messages).name.clone())
                } else {
                    None
                };
                self.spec.faults.push(Fault::Duplicate(m, 1));
            }
            if self.rng.chance(12) {
                self.spec.faults.push(Fault::Partition(Some(1)));
            }
            if self.rng.chance(12) {
                let senders: Vec<String> = self
                    .spec
                    .messages
                    .iter()
                    .filter(|m| {
                        m.fields
                            .iter()
                            .fold(1u64, |a, (_, t)| a.saturating_mul(self.spec.card(t)))
                            <= 64
                    })
                    .map(|m| m.sender.clone())
                    .collect();
                if !senders.is_empty() {
                    let k = self.rng.pick(&senders).clone();
                    self.spec.faults.push(Fault::Byzantine(k, 1));
                }
            }
        }
    }

    fn properties(&mut self) {
        let n = self.rng.range(1, 4);
        for _ in 0..n {
            let ctx = self.prop_ctx();
            let kind = match self.rng.below(11) {
                0..=1 => PropKind::Invariant(self.state_pred(&ctx, 2)),
                2 => PropKind::Stable(self.state_pred(&ctx, 2)),
                3 => PropKind::Reachable(self.state_pred(&ctx, 2)),
                4 => PropKind::Transient(self.state_pred(&ctx, 2)),
                5 => PropKind::Next(self.state_pred(&ctx, 1), self.state_pred(&ctx, 1)),
                6 => PropKind::Unless(self.state_pred(&ctx, 1), self.state_pred(&ctx, 1)),
                7..=8 => PropKind::LeadsTo(self.state_pred(&ctx, 1), self.state_pred(&ctx, 1)),
                9 => PropKind::Ensures(self.state_pred(&ctx, 1), self.state_pred(&ctx, 1)),
                _ => {
                    let m = self.measure(&ctx);
                    let w = self.state_pred(&ctx, 1);
                    let u = if self.rng.chance(50) {
                        Some(self.state_pred(&ctx, 1))
                    } else {
                        None
                    };
                    PropKind::Variant(m, w, u)
                }
            };
            let name = self.fresh("q");
            self.spec.props.push(Prop {
                name,
                kind,
                expect_violation: self.rng.chance(12),
            });
        }
    }

    /// A variant's measure: an integer read from the state.
    fn measure(&mut self, ctx: &Ctx) -> Expr {
        for _ in 0..6 {
            if let Some(e) = self.gen_int(ctx, 0, 3, 1)
                && reads_state(&e)
            {
                return e;
            }
        }
        let ints: Vec<(String, String, Ty)> = self
            .all_vars
            .iter()
            .filter(|(k, _, t)| matches!(self.spec.resolve(t), Ty::Range(..)) && !self.is_sym(k))
            .cloned()
            .collect();
        if let Some((k, v, _)) = ints.first() {
            let inst = if self.spec.node(k).unwrap().count.is_none() {
                Expr::Inst(k.clone(), None)
            } else {
                Expr::Inst(k.clone(), Some(Box::new(Expr::Int(0))))
            };
            return Expr::Remote(Box::new(inst), v.clone());
        }
        let k = self.rng.pick(&self.spec.nodes).name.clone();
        let x = self.fresh("x");
        let mut inner = ctx.clone();
        inner.locals.push((x.clone(), Ty::Node(k.clone())));
        let body = self.state_pred(&inner, 0);
        Expr::Quant(
            "count",
            vec![x],
            Box::new(Expr::TypeName(Ty::Node(k))),
            Box::new(body),
        )
    }
}

/// Whether kind `k` receives no message.
fn received_none(spec: &Spec, k: usize) -> bool {
    !spec
        .messages
        .iter()
        .any(|m| m.receiver == spec.nodes[k].name)
}

/// The network semantics of a message kind.
pub fn net_of(spec: &Spec, msg: &str) -> NetKind {
    spec.networks
        .iter()
        .find(|n| n.for_msgs.iter().any(|m| m == msg))
        .or_else(|| spec.networks.iter().find(|n| n.for_msgs.is_empty()))
        .map_or(NetKind::Multiset, |n| n.kind)
}

/// Whether some statement sends `msg`.
pub fn sends_msg(spec: &Spec, msg: &str) -> bool {
    fn block(b: &[Stmt], msg: &str) -> bool {
        b.iter().any(|s| match s {
            Stmt::Send { msg: m, .. } | Stmt::Broadcast { msg: m, .. } => m == msg,
            Stmt::If { then, els, .. } => {
                block(then, msg) || els.as_ref().is_some_and(|e| block(e, msg))
            }
            Stmt::For { body, .. } => block(body, msg),
            _ => false,
        })
    }
    spec.nodes.iter().any(|n| {
        n.actions.iter().any(|a| block(&a.body, msg))
            || n.handlers.iter().any(|h| block(&h.body, msg))
    })
}

/// Whether an expression reads the state (a property must).
pub fn reads_state(e: &Expr) -> bool {
    let mut found = false;
    super::walk::expr(e, &mut |x| {
        if matches!(
            x,
            Expr::Var(_) | Expr::Remote(..) | Expr::Call("crashed" | "byzantine", _)
        ) {
            found = true;
        }
    });
    found
}

/// Whether an expression has a type of its own, without an expected type
/// (`{}`, `[]`, `none` and map literals do not).
pub fn self_typed(e: &Expr) -> bool {
    match e {
        Expr::SeqLit(_) => false,
        Expr::SetLit(xs) | Expr::Tuple(xs) if xs.is_empty() => false,
        Expr::SetLit(xs) => xs.iter().any(self_typed),
        Expr::Tuple(xs) => xs.iter().all(self_typed),
        Expr::Record(fs) => fs.iter().all(|(_, x)| self_typed(x)),
        Expr::NoneE | Expr::MapLit(..) => false,
        Expr::Call("some", xs) => xs.iter().all(self_typed),
        Expr::If(_, a, b) => self_typed(a) || self_typed(b),
        Expr::Bin("+" | "-" | "&", a, b) => self_typed(a) || self_typed(b),
        _ => true,
    }
}
