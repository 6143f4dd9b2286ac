//! The generator's own small spec AST, and its rendering as `.ds` text.
//!
//! Every name in a generated spec is unique across the spec (kinds `N0`,
//! messages `M0`, vars `v0`, locals `x0`, ...), so that shrinking can find
//! and remove everything that mentions one by its name alone.

use std::fmt::Write as _;

/// A type. Node kinds and aliases are named; enums are indices into
/// [`Spec::enums`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ty {
    Bool,
    Range(i64, i64),
    Enum(usize),
    Node(String),
    Set(Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
    Opt(Box<Ty>),
    Tuple(Vec<Ty>),
    Record(Vec<(String, Ty)>),
    Seq(Box<Ty>, u32),
    /// `type T = ...`: an index into [`Spec::aliases`].
    Alias(usize),
}

/// An expression. Operators keep their spelling.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Bool(bool),
    Int(i64),
    /// An enum variant, by its (unique) name.
    Variant(String),
    /// `K` (a single node) or `K[i]`.
    Inst(String, Option<Box<Expr>>),
    /// A constant, by name.
    Const(String),
    SelfE,
    /// A let name, parameter, binder, quantifier or loop variable.
    Local(String),
    /// A var of the running node.
    Var(String),
    /// `n.v`: a var of another instance.
    Remote(Box<Expr>, String),
    Un(&'static str, Box<Expr>),
    Bin(&'static str, Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A builtin call: `len`, `min`, `max`, `some`, `is_some`, `is_none`,
    /// `unwrap`, `head`, `tail`, `last`, `crashed`, `byzantine`.
    Call(&'static str, Vec<Expr>),
    NoneE,
    SetLit(Vec<Expr>),
    SeqLit(Vec<Expr>),
    /// Explicit entries, then the `_ ->` default (None: every key listed).
    MapLit(Vec<(Expr, Expr)>, Option<Box<Expr>>),
    Tuple(Vec<Expr>),
    Record(Vec<(String, Expr)>),
    /// `.f` or `.0`.
    Field(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    /// `forall`/`exists`/`count` names `in` domain `:` body.
    Quant(&'static str, Vec<String>, Box<Expr>, Box<Expr>),
    /// `all T`.
    All(Ty),
    /// A type name as a domain: `K` for a node kind, or an alias.
    TypeName(Ty),
}

/// A place: a var of the running node and accesses into it.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    pub var: String,
    pub path: Vec<Access>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Access {
    Field(String),
    Index(Expr),
}

/// A statement; assignments and lets keep the type of their value.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Assign {
        place: Place,
        op: &'static str,
        rhs: Expr,
        ty: Ty,
    },
    If {
        cond: Expr,
        then: Vec<Stmt>,
        els: Option<Vec<Stmt>>,
    },
    For {
        var: String,
        elem: Ty,
        domain: Expr,
        body: Vec<Stmt>,
    },
    Send {
        dst: Expr,
        msg: String,
        args: Vec<Expr>,
    },
    Broadcast {
        kind: String,
        msg: String,
        args: Vec<Expr>,
    },
    Assert(Expr),
    Let {
        name: String,
        ty: Ty,
        value: Expr,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fairness {
    Unfair,
    Weak,
    Strong,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Init {
    Value(Expr),
    Choice(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Var {
    pub name: String,
    pub ty: Ty,
    pub init: Init,
    pub persistent: bool,
}

/// `from` in a handler.
#[derive(Clone, Debug, PartialEq)]
pub enum From {
    None,
    Wild,
    Bind(String),
    /// `from src: Kind`.
    BindKind(String, String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    pub msg: String,
    /// `None`: no parentheses; `Some`: one binder per field (`None` is `_`).
    pub binders: Option<Vec<Option<String>>>,
    pub from: From,
    pub guard: Option<Expr>,
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub name: String,
    pub fairness: Fairness,
    pub params: Vec<(String, Ty)>,
    pub guard: Option<Expr>,
    pub body: Vec<Stmt>,
}

/// The instance count of a node kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Count {
    Lit(u32),
    Const(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub name: String,
    /// `None`: a single node.
    pub count: Option<Count>,
    pub symmetric: bool,
    pub vars: Vec<Var>,
    pub handlers: Vec<Handler>,
    pub actions: Vec<Action>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub name: String,
    pub fields: Vec<(String, Ty)>,
    pub unfair: bool,
    /// The only kind whose code sends it (not printed).
    pub sender: String,
    /// The only kind it is sent to (not printed).
    pub receiver: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetKind {
    Multiset,
    Set,
    Fifo,
}

impl NetKind {
    fn word(self) -> &'static str {
        match self {
            NetKind::Multiset => "multiset",
            NetKind::Set => "set",
            NetKind::Fifo => "fifo",
        }
    }
}

/// A `network` line; `for_msgs` empty: the default line.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub kind: NetKind,
    pub unfair: bool,
    pub for_msgs: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    Crash(String, Option<i64>),
    Restart(String, Option<i64>),
    Lose(Option<String>, Option<i64>),
    Duplicate(Option<String>, i64),
    Partition(Option<i64>),
    Byzantine(String, i64),
}

#[derive(Clone, Debug, PartialEq)]
pub enum PropKind {
    Invariant(Expr),
    Stable(Expr),
    Reachable(Expr),
    Transient(Expr),
    Next(Expr, Expr),
    Unless(Expr, Expr),
    LeadsTo(Expr, Expr),
    Ensures(Expr, Expr),
    Variant(Expr, Expr, Option<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Prop {
    pub name: String,
    pub kind: PropKind,
    pub expect_violation: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Deadlock {
    Check,
    Allow,
    Done(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumDef {
    /// The alias name; `None`: written inline (used by one var only).
    pub name: Option<String>,
    pub variants: Vec<String>,
}

/// A generated spec.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub consts: Vec<(String, i64)>,
    pub enums: Vec<EnumDef>,
    pub aliases: Vec<(String, Ty)>,
    pub networks: Vec<Network>,
    pub messages: Vec<Message>,
    pub nodes: Vec<Node>,
    pub faults: Vec<Fault>,
    pub props: Vec<Prop>,
    pub deadlock: Deadlock,
    pub bounds: Vec<Expr>,
}

impl Spec {
    /// The type with aliases replaced by what they stand for (deeply).
    pub fn resolve(&self, ty: &Ty) -> Ty {
        match ty {
            Ty::Alias(i) => self.resolve(&self.aliases[*i].1),
            Ty::Set(t) => Ty::Set(Box::new(self.resolve(t))),
            Ty::Map(k, v) => Ty::Map(Box::new(self.resolve(k)), Box::new(self.resolve(v))),
            Ty::Opt(t) => Ty::Opt(Box::new(self.resolve(t))),
            Ty::Tuple(ts) => Ty::Tuple(ts.iter().map(|t| self.resolve(t)).collect()),
            Ty::Record(fs) => Ty::Record(
                fs.iter()
                    .map(|(n, t)| (n.clone(), self.resolve(t)))
                    .collect(),
            ),
            Ty::Seq(t, k) => Ty::Seq(Box::new(self.resolve(t)), *k),
            other => other.clone(),
        }
    }

    /// The node kind of this name.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The message of this name.
    pub fn message(&self, name: &str) -> Option<&Message> {
        self.messages.iter().find(|m| m.name == name)
    }

    /// The number of instances of a kind.
    pub fn count(&self, kind: &str) -> u32 {
        match self.node(kind).and_then(|n| n.count.as_ref()) {
            None => 1,
            Some(Count::Lit(n)) => *n,
            Some(Count::Const(c)) => self
                .consts
                .iter()
                .find(|(n, _)| n == c)
                .map_or(1, |(_, v)| *v as u32),
        }
    }

    /// The number of values of a type (saturating).
    pub fn card(&self, ty: &Ty) -> u64 {
        match ty {
            Ty::Bool => 2,
            Ty::Range(lo, hi) => (hi - lo + 1).max(0) as u64,
            Ty::Enum(e) => self.enums[*e].variants.len() as u64,
            Ty::Node(k) => self.count(k) as u64,
            Ty::Set(t) => 1u64.checked_shl(self.card(t) as u32).unwrap_or(u64::MAX),
            Ty::Map(k, v) => self.card(v).saturating_pow(self.card(k).min(64) as u32),
            Ty::Opt(t) => self.card(t).saturating_add(1),
            Ty::Tuple(ts) => ts.iter().fold(1, |a, t| a.saturating_mul(self.card(t))),
            Ty::Record(fs) => fs
                .iter()
                .fold(1, |a, (_, t)| a.saturating_mul(self.card(t))),
            Ty::Seq(t, k) => {
                let c = self.card(t);
                let mut total = 0u64;
                let mut p = 1u64;
                for _ in 0..=*k {
                    total = total.saturating_add(p);
                    p = p.saturating_mul(c);
                }
                total
            }
            Ty::Alias(i) => self.card(&self.aliases[*i].1),
        }
    }

    /// The spec as `.ds` text.
    pub fn render(&self) -> String {
        let mut out = String::from("protocol Fuzz\n\n");
        for (n, v) in &self.consts {
            let _ = writeln!(out, "const {n}: int = {v}");
        }
        for e in &self.enums {
            if let Some(n) = &e.name {
                let _ = writeln!(out, "type {n} = enum {{ {} }}", e.variants.join(", "));
            }
        }
        for (n, t) in &self.aliases {
            let _ = writeln!(out, "type {n} = {}", self.ty(t));
        }
        for net in &self.networks {
            if net.unfair {
                out.push_str("unfair ");
            }
            let _ = write!(out, "network {}", net.kind.word());
            if !net.for_msgs.is_empty() {
                let _ = write!(out, " for {}", net.for_msgs.join(", "));
            }
            out.push('\n');
        }
        for m in &self.messages {
            if m.unfair {
                out.push_str("unfair ");
            }
            let _ = write!(out, "message {}", m.name);
            if !m.fields.is_empty() {
                let fs: Vec<String> = m
                    .fields
                    .iter()
                    .map(|(n, t)| format!("{n}: {}", self.ty(t)))
                    .collect();
                let _ = write!(out, "({})", fs.join(", "));
            }
            out.push('\n');
        }
        if !self.faults.is_empty() {
            out.push_str("faults {\n");
            for f in &self.faults {
                let budget = |b: &Option<i64>| b.map(|b| format!(" <= {b}")).unwrap_or_default();
                let line = match f {
                    Fault::Crash(k, b) => format!("crash {k}{}", budget(b)),
                    Fault::Restart(k, b) => format!("restart {k}{}", budget(b)),
                    Fault::Lose(m, b) => format!(
                        "lose{}{}",
                        m.as_ref().map(|m| format!(" {m}")).unwrap_or_default(),
                        budget(b)
                    ),
                    Fault::Duplicate(m, b) => format!(
                        "duplicate{} <= {b}",
                        m.as_ref().map(|m| format!(" {m}")).unwrap_or_default()
                    ),
                    Fault::Partition(b) => format!("partition{}", budget(b)),
                    Fault::Byzantine(k, b) => format!("byzantine {k} <= {b}"),
                };
                let _ = writeln!(out, "  {line}");
            }
            out.push_str("}\n");
        }
        for n in &self.nodes {
            out.push('\n');
            self.render_node(n, &mut out);
        }
        out.push('\n');
        for p in &self.props {
            let line = match &p.kind {
                PropKind::Invariant(e) => format!("invariant {}: {}", p.name, self.expr(e)),
                PropKind::Stable(e) => format!("stable {}: {}", p.name, self.expr(e)),
                PropKind::Reachable(e) => format!("reachable {}: {}", p.name, self.expr(e)),
                PropKind::Transient(e) => format!("transient {}: {}", p.name, self.expr(e)),
                PropKind::Next(a, b) => self.temporal(&p.name, a, "next", b),
                PropKind::Unless(a, b) => self.temporal(&p.name, a, "unless", b),
                PropKind::LeadsTo(a, b) => self.temporal(&p.name, a, "~>", b),
                PropKind::Ensures(a, b) => self.temporal(&p.name, a, "ensures", b),
                PropKind::Variant(m, w, u) => {
                    let mut s = format!(
                        "variant {}: {} while {}",
                        p.name,
                        self.paren_expr(m),
                        self.paren_expr(w)
                    );
                    if let Some(u) = u {
                        let _ = write!(s, " until {}", self.paren_expr(u));
                    }
                    s
                }
            };
            let _ = writeln!(out, "{line}");
            if p.expect_violation {
                let _ = writeln!(out, "expect violation {}", p.name);
            }
        }
        for b in &self.bounds {
            let _ = writeln!(out, "bound {}", self.expr(b));
        }
        match &self.deadlock {
            Deadlock::Check => {}
            Deadlock::Allow => out.push_str("allow deadlock\n"),
            Deadlock::Done(e) => {
                let _ = writeln!(out, "done when {}", self.expr(e));
            }
        }
        out
    }

    fn temporal(&self, name: &str, a: &Expr, op: &str, b: &Expr) -> String {
        format!(
            "property {name}: {} {op} {}",
            self.paren_expr(a),
            self.paren_expr(b)
        )
    }

    fn render_node(&self, n: &Node, out: &mut String) {
        if n.symmetric {
            out.push_str("symmetric ");
        }
        let _ = write!(out, "node {}", n.name);
        match &n.count {
            None => {}
            Some(Count::Lit(c)) => {
                let _ = write!(out, "[{c}]");
            }
            Some(Count::Const(c)) => {
                let _ = write!(out, "[{c}]");
            }
        }
        out.push_str(" {\n");
        for v in &n.vars {
            let p = if v.persistent { "persistent " } else { "" };
            let init = match &v.init {
                Init::Value(e) => format!("= {}", self.expr(e)),
                Init::Choice(e) => format!("in {}", self.expr(e)),
            };
            let _ = writeln!(out, "  {p}var {}: {} {init}", v.name, self.ty(&v.ty));
        }
        for h in &n.handlers {
            let _ = write!(out, "  on {}", h.msg);
            if let Some(bs) = &h.binders {
                let bs: Vec<&str> = bs.iter().map(|b| b.as_deref().unwrap_or("_")).collect();
                let _ = write!(out, "({})", bs.join(", "));
            }
            match &h.from {
                From::None => {}
                From::Wild => out.push_str(" from _"),
                From::Bind(s) => {
                    let _ = write!(out, " from {s}");
                }
                From::BindKind(s, k) => {
                    let _ = write!(out, " from {s}: {k}");
                }
            }
            if let Some(g) = &h.guard {
                let _ = write!(out, " when {}", self.expr(g));
            }
            out.push(' ');
            self.block(&h.body, 1, out);
            out.push('\n');
        }
        for a in &n.actions {
            match a.fairness {
                Fairness::Unfair => {}
                Fairness::Weak => out.push_str("  fair"),
                Fairness::Strong => out.push_str("  strong fair"),
            }
            let lead = if a.fairness == Fairness::Unfair {
                "  "
            } else {
                " "
            };
            let _ = write!(out, "{lead}action {}", a.name);
            if !a.params.is_empty() {
                let ps: Vec<String> = a
                    .params
                    .iter()
                    .map(|(n, t)| format!("{n}: {}", self.ty(t)))
                    .collect();
                let _ = write!(out, "({})", ps.join(", "));
            }
            if let Some(g) = &a.guard {
                let _ = write!(out, " when {}", self.expr(g));
            }
            out.push(' ');
            self.block(&a.body, 1, out);
            out.push('\n');
        }
        out.push_str("}\n");
    }

    fn block(&self, stmts: &[Stmt], indent: usize, out: &mut String) {
        if stmts.is_empty() {
            out.push_str("{ }");
            return;
        }
        out.push_str("{\n");
        for s in stmts {
            for _ in 0..=indent {
                out.push_str("  ");
            }
            self.stmt(s, indent + 1, out);
            out.push('\n');
        }
        for _ in 0..indent {
            out.push_str("  ");
        }
        out.push('}');
    }

    fn stmt(&self, s: &Stmt, indent: usize, out: &mut String) {
        match s {
            Stmt::Assign { place, op, rhs, .. } => {
                out.push_str(&place.var);
                for a in &place.path {
                    match a {
                        Access::Field(f) => {
                            let _ = write!(out, ".{f}");
                        }
                        Access::Index(i) => {
                            let _ = write!(out, "[{}]", self.expr(i));
                        }
                    }
                }
                let _ = write!(out, " {op} {}", self.expr(rhs));
            }
            Stmt::If { cond, then, els } => {
                let _ = write!(out, "if {} ", self.expr(cond));
                self.block(then, indent, out);
                if let Some(e) = els {
                    out.push_str(" else ");
                    self.block(e, indent, out);
                }
            }
            Stmt::For {
                var, domain, body, ..
            } => {
                let _ = write!(out, "for {var} in {} ", self.expr(domain));
                self.block(body, indent, out);
            }
            Stmt::Send { dst, msg, args } => {
                let _ = write!(out, "send {} {msg}{}", self.expr(dst), self.args(args));
            }
            Stmt::Broadcast { kind, msg, args } => {
                let _ = write!(out, "broadcast {kind} {msg}{}", self.args(args));
            }
            Stmt::Assert(e) => {
                let _ = write!(out, "assert {}", self.expr(e));
            }
            Stmt::Let { name, value, .. } => {
                let _ = write!(out, "let {name} = {}", self.expr(value));
            }
        }
    }

    fn args(&self, args: &[Expr]) -> String {
        if args.is_empty() {
            String::new()
        } else {
            let a: Vec<String> = args.iter().map(|e| self.expr(e)).collect();
            format!("({})", a.join(", "))
        }
    }

    /// A type as written.
    pub fn ty(&self, t: &Ty) -> String {
        match t {
            Ty::Bool => "bool".into(),
            Ty::Range(lo, hi) => format!("{lo}..{hi}"),
            Ty::Enum(e) => match &self.enums[*e].name {
                Some(n) => n.clone(),
                None => format!("enum {{ {} }}", self.enums[*e].variants.join(", ")),
            },
            Ty::Node(k) => k.clone(),
            Ty::Set(t) => format!("set<{}>", self.ty(t)),
            Ty::Map(k, v) => format!("map<{}, {}>", self.ty(k), self.ty(v)),
            Ty::Opt(t) => format!("option<{}>", self.ty(t)),
            Ty::Tuple(ts) => {
                let s: Vec<String> = ts.iter().map(|t| self.ty(t)).collect();
                format!("({})", s.join(", "))
            }
            Ty::Record(fs) => {
                let s: Vec<String> = fs
                    .iter()
                    .map(|(n, t)| format!("{n}: {}", self.ty(t)))
                    .collect();
                format!("{{ {} }}", s.join(", "))
            }
            Ty::Seq(t, k) => format!("seq<{}, {k}>", self.ty(t)),
            Ty::Alias(i) => self.aliases[*i].0.clone(),
        }
    }

    /// An expression in parentheses unless it is atomic.
    fn paren_expr(&self, e: &Expr) -> String {
        let s = self.expr(e);
        if is_atomic(e) { s } else { format!("({s})") }
    }

    /// An expression as written; operators and quantifiers parenthesised.
    pub fn expr(&self, e: &Expr) -> String {
        match e {
            Expr::Bool(b) => b.to_string(),
            Expr::Int(i) => i.to_string(),
            Expr::Variant(v) => v.clone(),
            Expr::Inst(k, None) => k.clone(),
            Expr::Inst(k, Some(i)) => format!("{k}[{}]", self.expr(i)),
            Expr::Const(c) => c.clone(),
            Expr::SelfE => "self".into(),
            Expr::Local(n) | Expr::Var(n) => n.clone(),
            Expr::Remote(n, v) => format!("{}.{v}", self.postfix_base(n)),
            Expr::Un(op, a) => format!("{op}{}", self.paren_expr(a)),
            Expr::Bin(op, a, b) => format!("({} {op} {})", self.expr(a), self.expr(b)),
            Expr::If(c, a, b) => format!(
                "(if {} {{ {} }} else {{ {} }})",
                self.expr(c),
                self.expr(a),
                self.expr(b)
            ),
            Expr::Call(f, args) => {
                let a: Vec<String> = args.iter().map(|e| self.expr(e)).collect();
                format!("{f}({})", a.join(", "))
            }
            Expr::NoneE => "none".into(),
            Expr::SetLit(es) => {
                let a: Vec<String> = es.iter().map(|e| self.expr(e)).collect();
                format!("{{{}}}", a.join(", "))
            }
            Expr::SeqLit(es) => {
                let a: Vec<String> = es.iter().map(|e| self.expr(e)).collect();
                format!("[{}]", a.join(", "))
            }
            Expr::MapLit(entries, default) => {
                let mut a: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{} -> {}", self.expr(k), self.expr(v)))
                    .collect();
                if let Some(d) = default {
                    a.push(format!("_ -> {}", self.expr(d)));
                }
                format!("{{ {} }}", a.join(", "))
            }
            Expr::Tuple(es) => {
                let a: Vec<String> = es.iter().map(|e| self.expr(e)).collect();
                format!("({})", a.join(", "))
            }
            Expr::Record(fs) => {
                let a: Vec<String> = fs
                    .iter()
                    .map(|(n, e)| format!("{n}: {}", self.expr(e)))
                    .collect();
                format!("{{ {} }}", a.join(", "))
            }
            Expr::Field(a, f) => format!("{}.{f}", self.postfix_base(a)),
            Expr::Index(a, i) => format!("{}[{}]", self.postfix_base(a), self.expr(i)),
            Expr::Quant(q, names, d, body) => format!(
                "({q} {} in {}: {})",
                names.join(", "),
                self.expr(d),
                self.expr(body)
            ),
            Expr::All(t) => format!("(all {})", self.ty(t)),
            Expr::TypeName(t) => self.ty(t),
        }
    }

    /// The expression as the base of `.f` or `[i]`.
    fn postfix_base(&self, e: &Expr) -> String {
        match e {
            Expr::Local(_)
            | Expr::Var(_)
            | Expr::Inst(..)
            | Expr::SelfE
            | Expr::Remote(..)
            | Expr::Field(..)
            | Expr::Index(..)
            | Expr::Call(..) => self.expr(e),
            _ => format!("({})", self.expr(e)),
        }
    }
}

/// Whether an expression prints without needing parentheses around it.
fn is_atomic(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Bool(_)
            | Expr::Int(0..)
            | Expr::Variant(_)
            | Expr::Local(_)
            | Expr::Var(_)
            | Expr::Const(_)
            | Expr::Inst(..)
            | Expr::Remote(..)
            | Expr::Call(..)
            | Expr::Bin(..)
            | Expr::Quant(..)
            | Expr::If(..)
            | Expr::Field(..)
            | Expr::Index(..)
    )
}
