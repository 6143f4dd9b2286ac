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
    /// The constant's name.
    pub name: Ident,
    /// The declared type: `int`, a range or `bool`.
    pub ty: TypeExpr,
    /// The default value, used unless `-D` overrides it.
    pub value: Expr,
    /// The source range of the whole declaration.
    pub span: Span,
}

/// `type NAME = TYPE`
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDecl {
    /// The alias being declared.
    pub name: Ident,
    /// The type it stands for.
    pub ty: TypeExpr,
    /// The source range of the whole declaration.
    pub span: Span,
}

/// `def NAME(p: T, ...): TYPE = BODY`: a named, pure expression.
#[derive(Clone, Debug, PartialEq)]
pub struct DefDecl {
    /// The definition's name, by which expressions call it.
    pub name: Ident,
    /// `None` when written without parentheses (`def name: T = e`).
    pub params: Option<Vec<Field>>,
    /// The type of its value.
    pub ty: TypeExpr,
    /// The expression the definition stands for, over its parameters.
    pub body: Expr,
    /// The source range of the whole declaration.
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
    /// The delivery discipline: multiset, set or fifo.
    pub kind: NetworkKind,
    /// Empty: the whole network; otherwise only these message kinds.
    pub messages: Vec<Ident>,
    /// The source range of the whole declaration.
    pub span: Span,
}

/// `[unfair] message NAME(field: T, ...)`
#[derive(Clone, Debug, PartialEq)]
pub struct MessageDecl {
    /// Delivery of this kind is not weakly fair.
    pub unfair: bool,
    /// The message kind's name.
    pub name: Ident,
    /// Payload fields; empty for a message without payload.
    pub fields: Vec<Field>,
    /// The source range of the whole declaration.
    pub span: Span,
}

/// `name: TYPE`, in a payload, a record type or a parameter list.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The field's or parameter's name.
    pub name: Ident,
    /// Its declared type.
    pub ty: TypeExpr,
    /// Where `name: TYPE` is written.
    pub span: Span,
}

/// `faults { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct FaultsDecl {
    /// The fault lines inside the braces, in source order.
    pub faults: Vec<FaultDecl>,
    /// The source range of the whole block.
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
    /// Which fault the environment may inject.
    pub kind: FaultKind,
    /// A node kind (crash, restart, byzantine) or a message kind (lose,
    /// duplicate) the fault is limited to.
    pub target: Option<Ident>,
    /// The most times the fault may happen in one behaviour.
    pub budget: Option<Expr>,
    /// The source range of the fault line.
    pub span: Span,
}

/// `[symmetric] node NAME[COUNT] { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct NodeDecl {
    /// Instances are interchangeable (symmetry reduction).
    pub symmetric: bool,
    /// The node kind's name.
    pub name: Ident,
    /// `None` for a single node.
    pub count: Option<Expr>,
    /// Its variables, handlers and actions, in source order.
    pub items: Vec<NodeItem>,
    /// The source range of the whole declaration.
    pub span: Span,
}

/// A declaration inside a node.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeItem {
    /// A state variable of each instance.
    Var(VarDecl),
    /// An `on MSG` handler, run when a message is delivered.
    Handler(HandlerDecl),
    /// An `action`, a step the node may take on its own.
    Action(ActionDecl),
}

/// `[persistent] var NAME: TYPE = INIT` or `... in SET`
#[derive(Clone, Debug, PartialEq)]
pub struct VarDecl {
    /// Survives a crash-restart.
    pub persistent: bool,
    /// The variable's name.
    pub name: Ident,
    /// Its declared type.
    pub ty: TypeExpr,
    /// Its initial value or values.
    pub init: VarInit,
    /// The source range of the whole declaration.
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
    /// A name that binds the value.
    Name(Ident),
    /// `_`: the value is ignored.
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
    /// The name the sender's node is bound to, or `_`.
    pub binder: Binder,
    /// The sender's node kind when written.
    pub kind: Option<Ident>,
    /// The source range of the clause, `from` included.
    pub span: Span,
}

/// `on MSG(a, b) from src when GUARD { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct HandlerDecl {
    /// The message kind handled.
    pub message: Ident,
    /// `None` when written without parentheses.
    pub binders: Option<Vec<Binder>>,
    /// The `from` clause binding the sender, if written.
    pub from: Option<FromClause>,
    /// The `when` condition; the message is only delivered when it holds.
    pub guard: Option<Expr>,
    /// The statements run on delivery.
    pub body: Block,
    /// The source range of the whole handler.
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
    /// Whether the action is unfair, weakly fair or strongly fair.
    pub fairness: Fairness,
    /// `any`: the fairness is of the action family, one obligation for
    /// all choices of the parameters (TLA+'s `WF_v(\E p: A(p))`), not one
    /// per choice; where the word is.
    pub family: Option<Span>,
    /// The action's name.
    pub name: Ident,
    /// `None` when written without parentheses.
    pub params: Option<Vec<Field>>,
    /// The `when` condition; the action is enabled only when it holds.
    pub guard: Option<Expr>,
    /// The statements the action runs.
    pub body: Block,
    /// The source range of the whole action.
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
    /// The statements, in source order.
    pub stmts: Vec<Stmt>,
    /// The source range, braces included.
    pub span: Span,
}

/// A statement with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    /// What the statement is.
    pub kind: StmtKind,
    /// The source range of the statement.
    pub span: Span,
}

/// `=`, `+=` or `-=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    /// `=`: replace the value.
    Set,
    /// `+=`: add to an integer, insert into a set or append to a sequence.
    Add,
    /// `-=`: subtract from an integer, or remove from a set.
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
        /// The variable, with any field and index accesses, that is written.
        place: Expr,
        /// Which assignment operator.
        op: AssignOp,
        /// The right-hand side.
        value: Expr,
    },
    /// `if c { } else if d { } else { }`
    If {
        /// The condition.
        cond: Expr,
        /// Run when the condition holds.
        then_block: Block,
        /// What follows `else`, if anything.
        else_branch: Option<ElseBranch>,
    },
    /// `for x in S { }`
    For {
        /// The loop variable, bound to each element in turn.
        var: Ident,
        /// The set iterated over.
        domain: Expr,
        /// Run once per element.
        body: Block,
    },
    /// `send DEST MSG(args)`
    Send {
        /// The receiving node instance.
        dest: Expr,
        /// The message sent.
        message: MessageCtor,
    },
    /// `broadcast KIND MSG(args)`: to every instance of KIND.
    Broadcast {
        /// The node kind every instance of which receives a copy.
        kind: Ident,
        /// The message sent.
        message: MessageCtor,
    },
    /// `assert e`
    Assert(Expr),
    /// `let x = e`
    Let {
        /// The name bound for the rest of the block.
        name: Ident,
        /// Its value.
        value: Expr,
    },
}

/// What follows `else`.
#[derive(Clone, Debug, PartialEq)]
pub enum ElseBranch {
    /// `else { ... }`
    Block(Block),
    /// `else if ...`: always a [`StmtKind::If`].
    If(Box<Stmt>),
}

/// `MSG` or `MSG(args)` in a send.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageCtor {
    /// The message kind.
    pub name: Ident,
    /// `None` when written without parentheses.
    pub args: Option<Vec<Expr>>,
    /// The source range of the constructor.
    pub span: Span,
}

/// A named property.
#[derive(Clone, Debug, PartialEq)]
pub struct PropertyDecl {
    /// The property's name, used in reports and `expect violation`.
    pub name: Ident,
    /// `name(v in D, ..)`: the property is checked once per combination of
    /// the parameters' values; empty for a plain property.
    pub params: Vec<PropParam>,
    /// The form of the property and its expressions.
    pub kind: PropertyKind,
    /// The source range of the whole declaration.
    pub span: Span,
}

/// One parameter of a quantified property: `v in D`, where `D` names a
/// finite type or a node kind.
#[derive(Clone, Debug, PartialEq)]
pub struct PropParam {
    /// The parameter's name.
    pub name: Ident,
    /// The finite type or node kind it ranges over.
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
        /// The integer that must decrease.
        measure: E,
        /// The condition under which each step must decrease the measure.
        while_cond: E,
        /// The condition that ends the obligation, if written.
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
pub(crate) const PROPERTY_KIND_WORDS: [&str; 11] = [
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
    pub(crate) fn exprs(&self) -> Vec<&E> {
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
    /// The condition under which a state with no enabled step is not a deadlock.
    pub cond: Expr,
    /// The source range of the whole declaration.
    pub span: Span,
}

/// `bound P`
#[derive(Clone, Debug, PartialEq)]
pub struct BoundDecl {
    /// The constraint; states where it fails are not explored further.
    pub cond: Expr,
    /// The source range of the whole declaration.
    pub span: Span,
}

/// `init: P`
#[derive(Clone, Debug, PartialEq)]
pub struct InitDecl {
    /// The predicate; initial states where it fails are dropped.
    pub cond: Expr,
    /// The source range of the whole declaration.
    pub span: Span,
}

/// `expect violation NAME`
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectDecl {
    /// The property the spec expects to be violated.
    pub property: Ident,
    /// The source range of the whole declaration.
    pub span: Span,
}

/// A type as written.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    /// Which type constructor, with its arguments.
    pub kind: TypeKind,
    /// Where the type is written.
    pub span: Span,
}

/// The type constructors.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// `bool`
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
    /// The variant's name.
    pub name: Ident,
    /// `None` when written without parentheses.
    pub fields: Option<Vec<Field>>,
    /// The source range of the variant.
    pub span: Span,
}

/// One arm of a `match`.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchArm {
    /// The pattern the scrutinee is matched against.
    pub pattern: Pattern,
    /// The arm's value when the pattern matches.
    pub body: Expr,
    /// The source range of the arm.
    pub span: Span,
}

/// The pattern of a `match` arm.
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    /// `_`: every value not matched by an earlier arm.
    Wildcard(Span),
    /// `V` or `V(a, _, c)`.
    Variant {
        /// The union variant matched.
        name: Ident,
        /// Names for the payload fields; `None` when written without parentheses.
        binders: Option<Vec<Binder>>,
        /// The source range of the pattern.
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
    /// Which expression form, with its operands.
    pub kind: ExprKind,
    /// Where the expression is written.
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
    /// `=>`: logical implication.
    Implies,
    /// `||`: logical or.
    Or,
    /// `&&`: logical and.
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`: set membership.
    In,
    /// `a..b`: the set of integers from a to b inclusive.
    Range,
    /// `+`: integer addition, or set union.
    Add,
    /// `-`: integer subtraction, or set difference.
    Sub,
    /// `*`
    Mul,
    /// `/`: integer division.
    Div,
    /// `%`: integer remainder.
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

/// `x, y in S` in a quantifier: names that range over one domain
/// independently (every pair of elements, equal ones included).
#[derive(Clone, Debug, PartialEq)]
pub struct QuantGroup {
    /// The bound names.
    pub vars: Vec<Ident>,
    /// The set or finite type the names range over.
    pub domain: Expr,
}

/// `forall`, `exists`, `count`, `sum`, `min` or `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantifier {
    /// Whether the body holds for every binding.
    Forall,
    /// Whether the body holds for some binding.
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
    /// `k -> v`: one listed key.
    Key(Expr),
}

/// The expression forms.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `true` or `false`.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A name: variable, constant, parameter, node, enum variant, ...
    Name(Ident),
    /// `self`
    SelfRef,
    /// A prefix operator applied to an operand.
    Unary(UnaryOp, Box<Expr>),
    /// An infix operator applied to two operands.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `e.name`: a record field or another node's variable.
    Field(Box<Expr>, Ident),
    /// `e.0`: a tuple element.
    TupleField(Box<Expr>, u32, Span),
    /// `e[i]`: a map lookup, a sequence element or a node instance.
    Index(Box<Expr>, Box<Expr>),
    /// `f(args)`: a built-in function.
    Call(Ident, Vec<Expr>),
    /// `forall x, y in S, z in T: body`
    Quant {
        /// Which quantifier or aggregate.
        quantifier: Quantifier,
        /// The groups of bound names, in order (at least one). A later
        /// group's domain may read the names of the earlier ones.
        groups: Vec<QuantGroup>,
        /// The condition or value computed per binding.
        body: Box<Expr>,
    },
    /// `all T`: every value of a finite type.
    All(TypeExpr),
    /// `let x = a, y = b in body`: each name bound in turn, seen by the
    /// later values and the body.
    Let {
        /// The names and their values, in order.
        bindings: Vec<(Ident, Expr)>,
        /// The expression that sees all the bindings.
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
