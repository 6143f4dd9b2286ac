//! The abstract syntax tree of a dsmc spec, exactly as written.
//!
//! Names are still strings here and every node carries the [`Span`] of the
//! source it came from. Nothing is checked yet beyond the grammar: the resolver
//! (`crate::resolve`) turns names into ids and the type checker
//! (`crate::typeck`) assigns types. The tree keeps enough of the source's shape
//! (declaration order, `else if` chains, optional parentheses around payloads)
//! that `crate::fmt` can print it back in canonical layout.

use std::fmt;

/// A half-open byte range `start..end` into the spec's source text.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Span {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset one past the last character.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// Whether the span covers no text.
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}..{}", self.start, self.end)
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> miette::SourceSpan {
        (span.start, span.len()).into()
    }
}

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it appears.
    pub span: Span,
}

/// A whole `.ds` file.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// The name after `protocol`.
    pub protocol: Ident,
    /// Top-level declarations in source order.
    pub items: Vec<Item>,
    /// The `//` comments of the file, in order; `fmt` puts them back.
    pub comments: Vec<Comment>,
}

/// A `//` line comment.
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    /// The text after `//`, without the line break.
    pub text: String,
    /// Where the comment is, `//` included.
    pub span: Span,
}

/// A top-level declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `const N: int = 3`
    Const(ConstDecl),
    /// `type Ballot = 0..B`
    Type(TypeDecl),
    /// `network set`, `unfair network multiset`, `network fifo for Marker`
    Network(NetworkDecl),
    /// `message Vote(term: Term)`
    Message(MessageDecl),
    /// `node RM[N] { ... }`
    Node(NodeDecl),
    /// `faults { crash RM <= 1 ... }`
    Faults(FaultsDecl),
    /// A named property.
    Property(PropertyDecl),
    /// `allow deadlock`
    AllowDeadlock(Span),
    /// `done when P`: states where P holds may have no enabled step.
    Done(DoneDecl),
    /// `bound P`: a state constraint that prunes exploration.
    Bound(BoundDecl),
    /// `init: P`: a predicate the initial states must satisfy.
    Init(InitDecl),
    /// `expect violation name`
    Expect(ExpectDecl),
    /// `def name(p: T): R = body`
    Def(DefDecl),
}

impl Item {
    /// The source range of the whole declaration.
    pub fn span(&self) -> Span {
        match self {
            Item::Const(d) => d.span,
            Item::Type(d) => d.span,
            Item::Network(d) => d.span,
            Item::Message(d) => d.span,
            Item::Node(d) => d.span,
            Item::Faults(d) => d.span,
            Item::Property(d) => d.span,
            Item::AllowDeadlock(span) => *span,
            Item::Done(d) => d.span,
            Item::Bound(d) => d.span,
            Item::Init(d) => d.span,
            Item::Expect(d) => d.span,
            Item::Def(d) => d.span,
        }
    }
}

/// `const NAME: TYPE = VALUE`; the value may be overridden with `-D NAME=V`.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub value: Expr,
    pub span: Span,
}

/// `type NAME = TYPE`
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

/// `def NAME(p: T, ...): TYPE = BODY`: a named, pure expression.
#[derive(Clone, Debug, PartialEq)]
pub struct DefDecl {
    pub name: Ident,
    /// `None` when written without parentheses (`def name: T = e`).
    pub params: Option<Vec<Field>>,
    /// The type of its value.
    pub ty: TypeExpr,
    pub body: Expr,
    pub span: Span,
}

/// How the network treats messages in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NetworkKind {
    /// Unordered; each copy is delivered at most once. The default.
    Multiset,
    /// A sent message stays deliverable forever (duplication and reordering).
    Set,
    /// Ordered per (sender, receiver) pair.
    Fifo,
}

impl NetworkKind {
    /// The keyword that names this kind.
    pub fn keyword(self) -> &'static str {
        match self {
            NetworkKind::Multiset => "multiset",
            NetworkKind::Set => "set",
            NetworkKind::Fifo => "fifo",
        }
    }
}

/// `[unfair] network KIND [for M1, M2]`
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkDecl {
    /// Delivery is not weakly fair.
    pub unfair: bool,
    pub kind: NetworkKind,
    /// Empty: the whole network; otherwise only these message kinds.
    pub messages: Vec<Ident>,
    pub span: Span,
}

/// `[unfair] message NAME(field: T, ...)`
#[derive(Clone, Debug, PartialEq)]
pub struct MessageDecl {
    /// Delivery of this kind is not weakly fair.
    pub unfair: bool,
    pub name: Ident,
    /// Payload fields; empty for a message without payload.
    pub fields: Vec<Field>,
    pub span: Span,
}

/// `name: TYPE`, in a payload, a record type or a parameter list.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

/// `faults { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct FaultsDecl {
    pub faults: Vec<FaultDecl>,
    pub span: Span,
}

/// The kinds of fault the environment may inject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// A node stops for good.
    Crash,
    /// A crashed node comes back; non-persistent vars reset.
    Restart,
    /// A message in flight is dropped.
    Lose,
    /// A message in flight is copied.
    Duplicate,
    /// Links between groups of nodes are cut, and later healed.
    Partition,
    /// Some instances of a kind are faulty from the start.
    Byzantine,
}

impl FaultKind {
    /// The keyword that names this fault.
    pub fn keyword(self) -> &'static str {
        match self {
            FaultKind::Crash => "crash",
            FaultKind::Restart => "restart",
            FaultKind::Lose => "lose",
            FaultKind::Duplicate => "duplicate",
            FaultKind::Partition => "partition",
            FaultKind::Byzantine => "byzantine",
        }
    }
}

/// `crash RM <= 1`, `lose <= 2`, `lose Prepared <= 1`, `partition`, ...
#[derive(Clone, Debug, PartialEq)]
pub struct FaultDecl {
    pub kind: FaultKind,
    /// A node kind (crash, restart, byzantine) or a message kind (lose,
    /// duplicate) the fault is limited to.
    pub target: Option<Ident>,
    /// The most times the fault may happen in one behaviour.
    pub budget: Option<Expr>,
    pub span: Span,
}

/// `[symmetric] node NAME[COUNT] { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct NodeDecl {
    /// Instances are interchangeable (symmetry reduction).
    pub symmetric: bool,
    pub name: Ident,
    /// `None` for a single node.
    pub count: Option<Expr>,
    pub items: Vec<NodeItem>,
    pub span: Span,
}

/// A declaration inside a node.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeItem {
    Var(VarDecl),
    Handler(HandlerDecl),
    Action(ActionDecl),
}

/// `[persistent] var NAME: TYPE = INIT` or `... in SET`
#[derive(Clone, Debug, PartialEq)]
pub struct VarDecl {
    /// Survives a crash-restart.
    pub persistent: bool,
    pub name: Ident,
    pub ty: TypeExpr,
    pub init: VarInit,
    pub span: Span,
}

/// The initial value(s) of a variable.
#[derive(Clone, Debug, PartialEq)]
pub enum VarInit {
    /// `= e`: exactly this value.
    Value(Expr),
    /// `in S`: any element of S, one initial state per choice.
    OneOf(Expr),
}

/// A name bound by a pattern: a name or `_`.
#[derive(Clone, Debug, PartialEq)]
pub enum Binder {
    Name(Ident),
    Wildcard(Span),
}

impl Binder {
    /// Where the binder is written.
    pub fn span(&self) -> Span {
        match self {
            Binder::Name(ident) => ident.span,
            Binder::Wildcard(span) => *span,
        }
    }
}

/// `from NAME[: KIND]`
#[derive(Clone, Debug, PartialEq)]
pub struct FromClause {
    pub binder: Binder,
    /// The sender's node kind when written.
    pub kind: Option<Ident>,
    pub span: Span,
}

/// `on MSG(a, b) from src when GUARD { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct HandlerDecl {
    pub message: Ident,
    /// `None` when written without parentheses.
    pub binders: Option<Vec<Binder>>,
    pub from: Option<FromClause>,
    pub guard: Option<Expr>,
    pub body: Block,
    pub span: Span,
}

/// The fairness of an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fairness {
    /// No fairness: the action may be enabled forever and never taken.
    Unfair,
    /// `fair action`: weakly fair.
    Weak,
    /// `strong fair action`: strongly fair.
    Strong,
}

/// `[fair | strong fair] [any] action NAME(p: T) when GUARD { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct ActionDecl {
    pub fairness: Fairness,
    /// `any`: the fairness is of the action family, one obligation for
    /// all choices of the parameters (TLA+'s `WF_v(\E p: A(p))`), not one
    /// per choice; where the word is.
    pub family: Option<Span>,
    pub name: Ident,
    /// `None` when written without parentheses.
    pub params: Option<Vec<Field>>,
    pub guard: Option<Expr>,
    pub body: Block,
    pub span: Span,
}

impl ActionDecl {
    /// The words before `action`, as written in canonical form: `fair `,
    /// `strong fair any `, or nothing.
    pub fn fairness_words(&self) -> &'static str {
        match (self.fairness, self.family.is_some()) {
            (Fairness::Unfair, false) => "",
            (Fairness::Unfair, true) => "any ",
            (Fairness::Weak, false) => "fair ",
            (Fairness::Weak, true) => "fair any ",
            (Fairness::Strong, false) => "strong fair ",
            (Fairness::Strong, true) => "strong fair any ",
        }
    }
}

/// `{ stmt ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

/// A statement with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

/// `=`, `+=` or `-=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    Set,
    Add,
    Remove,
}

impl AssignOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            AssignOp::Set => "=",
            AssignOp::Add => "+=",
            AssignOp::Remove => "-=",
        }
    }
}

/// The statements of an action or handler body.
#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `place op value`; the place is a variable with accesses (`m[k].f`).
    Assign {
        place: Expr,
        op: AssignOp,
        value: Expr,
    },
    /// `if c { } else if d { } else { }`
    If {
        cond: Expr,
        then_block: Block,
        else_branch: Option<ElseBranch>,
    },
    /// `for x in S { }`
    For {
        var: Ident,
        domain: Expr,
        body: Block,
    },
    /// `send DEST MSG(args)`
    Send { dest: Expr, message: MessageCtor },
    /// `broadcast KIND MSG(args)`: to every instance of KIND.
    Broadcast { kind: Ident, message: MessageCtor },
    /// `assert e`
    Assert(Expr),
    /// `let x = e`
    Let { name: Ident, value: Expr },
}

/// What follows `else`.
#[derive(Clone, Debug, PartialEq)]
pub enum ElseBranch {
    Block(Block),
    /// `else if ...`: always a [`StmtKind::If`].
    If(Box<Stmt>),
}

/// `MSG` or `MSG(args)` in a send.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageCtor {
    pub name: Ident,
    /// `None` when written without parentheses.
    pub args: Option<Vec<Expr>>,
    pub span: Span,
}

/// A named property.
#[derive(Clone, Debug, PartialEq)]
pub struct PropertyDecl {
    pub name: Ident,
    /// `name(v in D, ..)`: the property is checked once per combination of
    /// the parameters' values; empty for a plain property.
    pub params: Vec<PropParam>,
    pub kind: PropertyKind,
    pub span: Span,
}

/// One parameter of a quantified property: `v in D`, where `D` names a
/// finite type or a node kind.
#[derive(Clone, Debug, PartialEq)]
pub struct PropParam {
    pub name: Ident,
    pub domain: Expr,
}

/// The forms of property in DESIGN.md §1, over the expressions of a stage:
/// the parser's [`Expr`] here, the type checker's `typed::Expr` in
/// `typed::PropertyKind`. One enum, so that a form is added once.
#[derive(Clone, Debug, PartialEq)]
pub enum PropertyKind<E = Expr> {
    /// `invariant n: P`
    Invariant(E),
    /// `stable n: P`
    Stable(E),
    /// `reachable n: P`
    Reachable(E),
    /// `transient n: P`
    Transient(E),
    /// `persistent n: P`: in every fair run P eventually holds for ever
    /// (TLA+'s `<>[]P`).
    Persistent(E),
    /// `property n: P next Q`
    Next(E, E),
    /// `property n: P unless Q`
    Unless(E, E),
    /// `property n: P ~> Q`
    LeadsTo(E, E),
    /// `property n: P ensures Q`
    Ensures(E, E),
    /// `variant n: E while P [until Q]`
    Variant {
        measure: E,
        while_cond: E,
        until: Option<E>,
    },
    /// `step n: E`: E holds of every step, read after it, with `old(e)`
    /// read before it.
    Step(E),
}

/// Every word [`PropertyKind::describe`] gives, for the JSON report's
/// schema (src/report/json.rs). Keep it in step with `describe`: the
/// schema test validates every report the tests produce, and each form has
/// a case.
pub const PROPERTY_KIND_WORDS: [&str; 11] = [
    "invariant",
    "stable",
    "reachable",
    "transient",
    "persistent",
    "next",
    "unless",
    "leads-to",
    "ensures",
    "variant",
    "step",
];

impl<E> PropertyKind<E> {
    /// The word users know the form by, as reports print it.
    pub fn describe(&self) -> &'static str {
        match self {
            PropertyKind::Invariant(_) => "invariant",
            PropertyKind::Stable(_) => "stable",
            PropertyKind::Reachable(_) => "reachable",
            PropertyKind::Transient(_) => "transient",
            PropertyKind::Persistent(_) => "persistent",
            PropertyKind::Next(..) => "next",
            PropertyKind::Unless(..) => "unless",
            PropertyKind::LeadsTo(..) => "leads-to",
            PropertyKind::Ensures(..) => "ensures",
            PropertyKind::Variant { .. } => "variant",
            PropertyKind::Step(_) => "step",
        }
    }

    /// The same form over other expressions: `f` applied to each, in the
    /// order they are written.
    pub fn map<F, T>(&self, mut f: F) -> PropertyKind<T>
    where
        F: FnMut(&E) -> T,
    {
        use PropertyKind as P;
        match self {
            P::Invariant(e) => P::Invariant(f(e)),
            P::Stable(e) => P::Stable(f(e)),
            P::Reachable(e) => P::Reachable(f(e)),
            P::Transient(e) => P::Transient(f(e)),
            P::Persistent(e) => P::Persistent(f(e)),
            P::Step(e) => P::Step(f(e)),
            P::Next(a, b) => P::Next(f(a), f(b)),
            P::Unless(a, b) => P::Unless(f(a), f(b)),
            P::LeadsTo(a, b) => P::LeadsTo(f(a), f(b)),
            P::Ensures(a, b) => P::Ensures(f(a), f(b)),
            P::Variant {
                measure,
                while_cond,
                until,
            } => P::Variant {
                measure: f(measure),
                while_cond: f(while_cond),
                until: until.as_ref().map(&mut f),
            },
        }
    }

    /// The form's expressions, in the order they are written.
    pub fn exprs(&self) -> Vec<&E> {
        use PropertyKind as P;
        match self {
            P::Invariant(e)
            | P::Stable(e)
            | P::Reachable(e)
            | P::Transient(e)
            | P::Persistent(e)
            | P::Step(e) => vec![e],
            P::Next(a, b) | P::Unless(a, b) | P::LeadsTo(a, b) | P::Ensures(a, b) => vec![a, b],
            P::Variant {
                measure,
                while_cond,
                until,
            } => [measure, while_cond].into_iter().chain(until).collect(),
        }
    }

    /// Whether the form is about infinite behaviours (needs the liveness
    /// checker).
    pub fn is_liveness(&self) -> bool {
        matches!(
            self,
            PropertyKind::Transient(_)
                | PropertyKind::Persistent(_)
                | PropertyKind::LeadsTo(..)
                | PropertyKind::Ensures(..)
                | PropertyKind::Variant { .. }
        )
    }
}

/// `done when P`
#[derive(Clone, Debug, PartialEq)]
pub struct DoneDecl {
    pub cond: Expr,
    pub span: Span,
}

/// `bound P`
#[derive(Clone, Debug, PartialEq)]
pub struct BoundDecl {
    pub cond: Expr,
    pub span: Span,
}

/// `init: P`
#[derive(Clone, Debug, PartialEq)]
pub struct InitDecl {
    pub cond: Expr,
    pub span: Span,
}

/// `expect violation NAME`
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectDecl {
    pub property: Ident,
    pub span: Span,
}

/// A type as written.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeKind,
    pub span: Span,
}

/// The type constructors.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    Bool,
    /// Unbounded integers: only for constants.
    Int,
    /// `lo..hi`, both inclusive.
    Range(Box<Expr>, Box<Expr>),
    /// `enum { a, b }`
    Enum(Vec<Ident>),
    /// `set<T>`
    Set(Box<TypeExpr>),
    /// `map<K, V>`: total over K.
    Map(Box<TypeExpr>, Box<TypeExpr>),
    /// `option<T>`
    Option(Box<TypeExpr>),
    /// `seq<T, K>`: at most K elements.
    Seq(Box<TypeExpr>, Box<Expr>),
    /// `(A, B)`
    Tuple(Vec<TypeExpr>),
    /// `{ f: A, g: B }`
    Record(Vec<Field>),
    /// `union { V(f: A), W }`: only as the whole of a `type` declaration.
    Union(Vec<UnionVariant>),
    /// A type alias or a node kind.
    Named(Ident),
}

/// One variant of a union type: its name and payload fields.
#[derive(Clone, Debug, PartialEq)]
pub struct UnionVariant {
    pub name: Ident,
    /// `None` when written without parentheses.
    pub fields: Option<Vec<Field>>,
    pub span: Span,
}

/// One arm of a `match`.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchArm {
    pub pattern: Pattern,
    pub body: Expr,
    pub span: Span,
}

/// The pattern of a `match` arm.
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    /// `_`: every value not matched by an earlier arm.
    Wildcard(Span),
    /// `V` or `V(a, _, c)`.
    Variant {
        name: Ident,
        binders: Option<Vec<Binder>>,
        span: Span,
    },
}

impl Pattern {
    /// Where the pattern is written.
    pub fn span(&self) -> Span {
        match self {
            Pattern::Wildcard(span) | Pattern::Variant { span, .. } => *span,
        }
    }
}

/// An expression with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `!`
    Not,
    /// `-`
    Neg,
}

/// Infix operators, loosest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Implies,
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    /// `a..b`: the set of integers from a to b inclusive.
    Range,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    /// `&`: set intersection.
    Inter,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Implies => "=>",
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::Range => "..",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Inter => "&",
        }
    }

    /// Binding strength: higher binds tighter. Operators of one level
    /// associate to the left, except `=>` (right) and the comparisons (none).
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Implies => 1,
            BinaryOp::Or => 2,
            BinaryOp::And => 3,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::In => 4,
            BinaryOp::Range => 5,
            BinaryOp::Add | BinaryOp::Sub => 6,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem | BinaryOp::Inter => 7,
        }
    }
}

/// `forall`, `exists`, `count`, `sum`, `min` or `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantifier {
    Forall,
    Exists,
    /// The number of bindings that satisfy the body.
    Count,
    /// The sum of the body's values over the bindings (0 when none).
    Sum,
    /// The least of the body's values; a finding over an empty domain.
    Min,
    /// The greatest of the body's values; a finding over an empty domain.
    Max,
}

impl Quantifier {
    /// The keyword as written.
    pub fn keyword(self) -> &'static str {
        match self {
            Quantifier::Forall => "forall",
            Quantifier::Exists => "exists",
            Quantifier::Count => "count",
            Quantifier::Sum => "sum",
            Quantifier::Min => "min",
            Quantifier::Max => "max",
        }
    }

    /// Whether the body is an integer (`sum`, `min`, `max`) rather than a
    /// condition.
    pub fn aggregates(self) -> bool {
        matches!(self, Quantifier::Sum | Quantifier::Min | Quantifier::Max)
    }
}

/// A key in a map literal.
#[derive(Clone, Debug, PartialEq)]
pub enum MapKey {
    /// `_ -> v`: every key not listed.
    Default(Span),
    Key(Expr),
}

/// The expression forms.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Bool(bool),
    Int(i64),
    /// A name: variable, constant, parameter, node, enum variant, ...
    Name(Ident),
    /// `self`
    SelfRef,
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `e.name`: a record field or another node's variable.
    Field(Box<Expr>, Ident),
    /// `e.0`: a tuple element.
    TupleField(Box<Expr>, u32, Span),
    /// `e[i]`: a map lookup, a sequence element or a node instance.
    Index(Box<Expr>, Box<Expr>),
    /// `f(args)`: a built-in function.
    Call(Ident, Vec<Expr>),
    /// `forall x, y in S: body`
    Quant {
        quantifier: Quantifier,
        vars: Vec<Ident>,
        domain: Box<Expr>,
        body: Box<Expr>,
    },
    /// `all T`: every value of a finite type.
    All(TypeExpr),
    /// `let x = a, y = b in body`: each name bound in turn, seen by the
    /// later values and the body.
    Let {
        bindings: Vec<(Ident, Expr)>,
        body: Box<Expr>,
    },
    /// `if c { a } else { b }`
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `(a, b)`
    Tuple(Vec<Expr>),
    /// `{ a, b }`
    Set(Vec<Expr>),
    /// `[a, b]`
    Seq(Vec<Expr>),
    /// `{ k -> v, _ -> d }`
    Map(Vec<(MapKey, Expr)>),
    /// `{ f: a, g: b }`
    Record(Vec<(Ident, Expr)>),
    /// `(e)`: kept so spans and formatting follow the source.
    Paren(Box<Expr>),
    /// `match e { arms }`
    Match(Box<Expr>, Vec<MatchArm>),
    /// `e is V`: whether a union value is variant V.
    Is(Box<Expr>, Ident),
}
