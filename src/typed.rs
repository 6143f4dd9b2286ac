//! The typed program: what the front end hands to lowering.
//!
//! Every name is an id (an index into one of [`TypedSpec`]'s tables), every
//! constant is a value, every type is concrete (ranges have their bounds,
//! node kinds their instance counts) and every expression carries its type.
//! Spans stay on declarations, statements and expressions so that reports can
//! point back at the source; the explorer itself never looks at them.
//!
//! Invariant: a `TypedSpec` only exists for a spec without errors, so no
//! [`Type::Error`] appears in it.

use crate::syntax::ast::{Fairness, FaultKind, NetworkKind, Quantifier, Span};

/// Index of a node kind in [`TypedSpec::nodes`].
pub(crate) type NodeKindId = usize;
/// Index of a message kind in [`TypedSpec::messages`].
pub type MessageId = usize;
/// Index of an enum in [`TypedSpec::enums`].
pub(crate) type EnumId = usize;
/// Index of a variable in its node kind's [`NodeDef::vars`].
pub(crate) type VarId = usize;
/// Index of a local in the enclosing body's `locals` table.
pub(crate) type LocalId = usize;
/// Index of a union type in [`TypedSpec::unions`].
pub(crate) type UnionId = usize;
/// Index of a property in [`TypedSpec::properties`].
pub(crate) type PropertyId = usize;

/// A type with every size known.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `bool`
    Bool,
    /// The integers `lo..=hi`: the type of a stored integer.
    Range {
        /// The least value.
        lo: i64,
        /// The greatest value.
        hi: i64,
    },
    /// An integer computed by an expression, not yet stored. Assigning it to
    /// a [`Type::Range`] place is checked when the step runs.
    Int,
    /// An instance of a node kind.
    Node(NodeKindId),
    /// An enum, by its id.
    Enum(EnumId),
    /// A finite set of elements of the type.
    Set(Box<Type>),
    /// Total over the key type.
    Map(Box<Type>, Box<Type>),
    /// `none`, or `some(x)` for each x of the type.
    Option(Box<Type>),
    /// At most `max_len` elements.
    Seq(Box<Type>, u32),
    /// A tuple of the element types, in order.
    Tuple(Vec<Type>),
    /// Fields in declaration order.
    Record(Vec<(String, Type)>),
    /// A tagged union, declared by `type Name = union { .. }`.
    Union(UnionId),
    /// The type of an expression that already has an error; compatible with
    /// everything, so one mistake is reported once. Never in a `TypedSpec`.
    Error,
}

impl Type {
    /// Whether the type is an integer type (range or computed).
    pub fn is_int(&self) -> bool {
        matches!(self, Type::Range { .. } | Type::Int | Type::Error)
    }

    /// Whether values of the two types can be compared and assigned to each
    /// other: equal up to integer bounds (which are checked at run time).
    pub(crate) fn compatible(&self, other: &Type) -> bool {
        use Type::*;
        match (self, other) {
            (Error, _) | (_, Error) => true,
            (Range { .. } | Int, Range { .. } | Int) => true,
            (Bool, Bool) => true,
            (Node(a), Node(b)) => a == b,
            (Enum(a), Enum(b)) | (Union(a), Union(b)) => a == b,
            (Set(a), Set(b)) | (Option(a), Option(b)) => a.compatible(b),
            (Map(ka, va), Map(kb, vb)) => ka.compatible(kb) && va.compatible(vb),
            (Seq(a, _), Seq(b, _)) => a.compatible(b),
            (Tuple(a), Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.compatible(y))
            }
            (Record(a), Record(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((na, ta), (nb, tb))| na == nb && ta.compatible(tb))
            }
            _ => false,
        }
    }

    /// Whether the type or any part of it is [`Type::Error`].
    pub fn has_error(&self) -> bool {
        use Type::*;
        match self {
            Error => true,
            Bool | Range { .. } | Int | Node(_) | Enum(_) | Union(_) => false,
            Set(t) | Option(t) | Seq(t, _) => t.has_error(),
            Map(k, v) => k.has_error() || v.has_error(),
            Tuple(ts) => ts.iter().any(Type::has_error),
            Record(fs) => fs.iter().any(|(_, t)| t.has_error()),
        }
    }
}

/// A constant's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConstValue {
    /// An `int` constant.
    Int(i64),
    /// A `bool` constant.
    Bool(bool),
}

impl std::fmt::Display for ConstValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConstValue::Int(n) => write!(f, "{n}"),
            ConstValue::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// A checked spec, for one assignment of its constants. Only the type
/// checker builds one, and it hands it out only for a spec without errors
/// ([`crate::typeck::Checked::spec`]), so lowering, the oracle and every
/// engine may take a `TypedSpec` as valid.
/// (`non_exhaustive` keeps it from being built outside the crate.)
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TypedSpec {
    /// The name after `protocol`.
    pub protocol: String,
    /// Every constant with its value (after `-D` overrides), in source order.
    pub consts: Vec<ConstDef>,
    /// Enums, by [`EnumId`].
    pub enums: Vec<EnumDef>,
    /// Union types, by [`UnionId`].
    pub unions: Vec<UnionDef>,
    /// Message kinds, by [`MessageId`].
    pub messages: Vec<MessageDef>,
    /// Node kinds, by [`NodeKindId`].
    pub nodes: Vec<NodeDef>,
    /// The faults the environment may inject.
    pub faults: Vec<FaultDef>,
    /// Named properties, by [`PropertyId`], in source order.
    pub properties: Vec<PropertyDef>,
    /// Deadlock checking.
    pub deadlock: Deadlock,
    /// State constraints (`bound P`): exploration stops at states where one is false.
    pub bounds: Vec<Predicate>,
    /// `init: P` predicates, in source order: the initial states are the
    /// states of the variables' initial values in which all of them hold.
    pub inits: Vec<InitDef>,
}

/// An `init: P` declaration.
#[derive(Clone, Debug)]
pub struct InitDef {
    /// The condition every initial state must satisfy, with its locals.
    pub predicate: Predicate,
    /// The whole declaration.
    pub span: Span,
}

/// A constant.
#[derive(Clone, Debug)]
pub struct ConstDef {
    /// The constant's name.
    pub name: String,
    /// Its value: the declared one, or the `-D` override.
    pub value: ConstValue,
    /// Whether a `-D` override set the value.
    pub overridden: bool,
    /// The declaration.
    pub span: Span,
}

/// An enum: its variants in declaration order.
#[derive(Clone, Debug)]
pub struct EnumDef {
    /// The alias that names it, if any (`type Phase = enum { .. }`).
    pub name: Option<String>,
    /// The variant names, in declaration order; a value is an index into this.
    pub variants: Vec<String>,
    /// The `enum { .. }` type expression.
    pub span: Span,
}

/// A union type: its variants in declaration order. A value is one
/// variant with a value for each of its payload fields.
#[derive(Clone, Debug)]
pub struct UnionDef {
    /// The alias that declares it.
    pub name: String,
    /// The variants, in declaration order; a value's variant is an index into this.
    pub variants: Vec<UnionVariantDef>,
    /// The declaration.
    pub span: Span,
}

/// One variant of a union.
#[derive(Clone, Debug)]
pub struct UnionVariantDef {
    /// The variant's name, used as its constructor.
    pub name: String,
    /// Payload fields in order.
    pub fields: Vec<(String, Type)>,
    /// Where the variant is declared.
    pub span: Span,
}

/// One arm of a typed `match`.
#[derive(Clone, Debug)]
pub struct MatchArm {
    /// The variant it matches; `None` for `_`.
    pub variant: Option<usize>,
    /// A local per payload field, `None` for `_`.
    pub binds: Vec<Option<LocalId>>,
    /// The arm's value, with the payload locals bound.
    pub body: Expr,
}

/// A message kind.
#[derive(Clone, Debug)]
pub struct MessageDef {
    /// The message kind's name.
    pub name: String,
    /// Payload fields in order.
    pub fields: Vec<(String, Type)>,
    /// How the network carries this kind.
    pub network: NetworkKind,
    /// Whether delivery of this kind is weakly fair.
    pub fair: bool,
    /// The declaration.
    pub span: Span,
}

/// A node kind.
#[derive(Clone, Debug)]
pub struct NodeDef {
    /// The node kind's name.
    pub name: String,
    /// Number of instances; 1 for a single node.
    pub count: u32,
    /// Whether it was declared with `[N]` (even if N = 1).
    pub indexed: bool,
    /// Declared `symmetric`.
    pub symmetric: bool,
    /// Its variables, by [`VarId`].
    pub vars: Vec<VarDef>,
    /// Its message handlers, in source order.
    pub handlers: Vec<HandlerDef>,
    /// Its actions, in source order.
    pub actions: Vec<ActionDef>,
    /// The message kinds its code sends (`send`, `broadcast`), in id order:
    /// what a byzantine instance of the kind may forge.
    pub sends: Vec<MessageId>,
    /// The declaration.
    pub span: Span,
}

/// A node variable.
#[derive(Clone, Debug)]
pub struct VarDef {
    /// The variable's name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Its initial value or values.
    pub init: Init,
    /// Survives crash-restart.
    pub persistent: bool,
    /// Locals of the initialiser: its quantifier variables.
    pub locals: Vec<Local>,
    /// The declaration.
    pub span: Span,
}

/// A variable's initial value(s). Evaluated with `self` bound to the instance.
#[derive(Clone, Debug)]
pub enum Init {
    /// `= e`: exactly this value.
    Value(Expr),
    /// Any element of the set.
    OneOf(Expr),
}

/// A code body: statements plus the table of locals they use.
#[derive(Clone, Debug, Default)]
pub struct Body {
    /// Parameters, payload binders, `let`s, `for` and quantifier variables.
    pub locals: Vec<Local>,
    /// The statements, in source order.
    pub stmts: Vec<Stmt>,
}

/// A local name.
#[derive(Clone, Debug)]
pub struct Local {
    /// The name as written.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Where the name is bound.
    pub span: Span,
}

/// `on M(...) from src when g { ... }`
#[derive(Clone, Debug)]
pub struct HandlerDef {
    /// The message kind handled.
    pub message: MessageId,
    /// Only messages from this kind are handled, when given.
    pub from_kind: Option<NodeKindId>,
    /// The local bound to the sender, if named.
    pub sender: Option<LocalId>,
    /// One entry per payload field: the local it is bound to, if any.
    pub payload: Vec<Option<LocalId>>,
    /// The `when` condition; the message is delivered only when it holds.
    pub guard: Option<Expr>,
    /// The statements run on delivery, with their locals.
    pub body: Body,
    /// The whole handler.
    pub span: Span,
}

/// `action name(params) when g { ... }`
#[derive(Clone, Debug)]
pub struct ActionDef {
    /// The action's name.
    pub name: String,
    /// Unfair, weakly fair or strongly fair.
    pub fairness: Fairness,
    /// `fair any action`: one fairness obligation for the whole family of
    /// parameter choices of an instance ([`crate::model::TaskKey`]).
    pub family: bool,
    /// Parameters: the first locals of the body.
    pub params: Vec<LocalId>,
    /// The `when` condition; the action is enabled only when it holds.
    pub guard: Option<Expr>,
    /// The statements the action runs, with their locals.
    pub body: Body,
    /// The whole action.
    pub span: Span,
}

/// A fault the environment may inject.
#[derive(Clone, Debug)]
pub struct FaultDef {
    /// Which fault.
    pub kind: FaultKind,
    /// The node kind for crash, restart and byzantine.
    pub node: Option<NodeKindId>,
    /// The message kind lose or duplicate is limited to, if any.
    pub message: Option<MessageId>,
    /// The most times it may happen in one behaviour; `None`: unbounded.
    pub budget: Option<u32>,
    /// The fault line in `faults { .. }`.
    pub span: Span,
}

/// Whether a state without enabled steps is reported.
#[derive(Clone, Debug)]
pub enum Deadlock {
    /// Every such state is a deadlock (the default).
    Check,
    /// `allow deadlock`: never reported.
    Allowed,
    /// `done when P`: reported unless P holds there.
    DoneWhen(Predicate),
}

/// A state predicate or expression outside any node, with its locals
/// (quantifier variables).
#[derive(Clone, Debug)]
pub struct Predicate {
    /// The quantifier and `let` variables of the expression.
    pub locals: Vec<Local>,
    /// The expression itself.
    pub expr: Expr,
}

/// A named property.
#[derive(Clone, Debug)]
pub struct PropertyDef {
    /// The property's name.
    pub name: String,
    /// Its form and expressions.
    pub kind: PropertyKind,
    /// Locals of all the property's expressions.
    pub locals: Vec<Local>,
    /// `expect violation NAME` was written for it.
    pub expect_violation: bool,
    /// Where the name is written, for reports that point at the property.
    pub name_span: Span,
    /// The whole declaration.
    pub span: Span,
}

/// The property forms over typed expressions; the expressions share the
/// property's locals.
pub type PropertyKind = crate::syntax::ast::PropertyKind<Expr>;

/// A statement.
#[derive(Clone, Debug)]
pub struct Stmt {
    /// What the statement does.
    pub kind: StmtKind,
    /// Where it is written.
    pub span: Span,
}

/// What an assignment does to its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignKind {
    /// `=`
    Set,
    /// `+=` on a set.
    SetInsert,
    /// `-=` on a set.
    SetRemove,
    /// `+=` on a sequence.
    SeqAppend,
    /// `+=` on an integer.
    IntAdd,
    /// `-=` on an integer.
    IntSub,
}

/// A step into a place: `var.f`, `var.0`, `var[k]`.
#[derive(Clone, Debug)]
pub enum Access {
    /// Record field by index.
    Field(usize),
    /// Tuple element.
    Tuple(usize),
    /// Map entry.
    MapKey(Expr),
    /// Sequence element (from 0).
    SeqIndex(Expr),
}

/// An assignable location: a variable of the running node and a path into it.
#[derive(Clone, Debug)]
pub struct Place {
    /// The variable of the running node that is written.
    pub var: VarId,
    /// Field, element and index accesses from the variable down to the location.
    pub path: Vec<Access>,
    /// The type of the location.
    pub ty: Type,
    /// Where the place is written.
    pub span: Span,
}

/// The statement forms.
#[derive(Clone, Debug)]
pub enum StmtKind {
    /// An assignment to a place of the running node.
    Assign {
        /// The location written.
        place: Place,
        /// How the value changes the place.
        kind: AssignKind,
        /// The right-hand side.
        value: Expr,
    },
    /// `let x = e`: binds a local for the rest of the block.
    Let {
        /// The local bound.
        local: LocalId,
        /// Its value.
        value: Expr,
    },
    /// `if`, with any `else if` chain nested in the else branch.
    If {
        /// The condition.
        cond: Expr,
        /// Run when the condition holds.
        then_stmts: Vec<Stmt>,
        /// Run otherwise; empty when there is no `else`.
        else_stmts: Vec<Stmt>,
    },
    /// `for x in S { .. }`: the body once per element of the set.
    For {
        /// The loop variable.
        local: LocalId,
        /// A set.
        domain: Expr,
        /// Run once per element.
        body: Vec<Stmt>,
    },
    /// `send dest M(args)`: puts one message in flight.
    Send {
        /// A node id.
        dest: Expr,
        /// The message kind.
        message: MessageId,
        /// The payload values, in field order.
        args: Vec<Expr>,
    },
    /// `broadcast K M(args)`: one message to every instance of a node kind.
    Broadcast {
        /// The node kind whose instances receive it.
        kind: NodeKindId,
        /// The message kind.
        message: MessageId,
        /// The payload values, in field order.
        args: Vec<Expr>,
    },
    /// `assert e`: a finding when e is false.
    Assert(Expr),
}

/// A typed expression.
#[derive(Clone, Debug)]
pub struct Expr {
    /// The form and its operands.
    pub kind: ExprKind,
    /// The expression's type.
    pub ty: Type,
    /// Where it is written.
    pub span: Span,
}

impl Expr {
    /// The expressions directly inside this one, in source order.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Variant(..)
            | ExprKind::None
            | ExprKind::SelfId
            | ExprKind::Var(_)
            | ExprKind::Local(_)
            | ExprKind::All(_) => Vec::new(),
            ExprKind::Instance(_, x)
            | ExprKind::Unary(_, x)
            | ExprKind::Field(x, _)
            | ExprKind::TupleField(x, _)
            | ExprKind::RemoteVar { node: x, .. } => vec![x],
            ExprKind::Binary(_, a, b) | ExprKind::MapGet(a, b) | ExprKind::SeqGet(a, b) => {
                vec![a, b]
            }
            ExprKind::Quant { domain, body, .. } => vec![domain, body],
            ExprKind::Let { bindings, body, .. } => bindings
                .iter()
                .map(|(_, _, v)| v)
                .chain(std::iter::once(&**body))
                .collect(),
            ExprKind::If(c, a, b) => vec![c, a, b],
            ExprKind::Is(x, _) => vec![x],
            ExprKind::Match(x, arms) => std::iter::once(&**x)
                .chain(arms.iter().map(|a| &a.body))
                .collect(),
            ExprKind::Construct(_, _, items)
            | ExprKind::Call(_, items)
            | ExprKind::Tuple(items)
            | ExprKind::SetLit(items)
            | ExprKind::SeqLit(items)
            | ExprKind::Record(items) => items.iter().collect(),
            ExprKind::MapLit { entries, default } => (entries.iter())
                .flat_map(|(k, v)| [k, v])
                .chain(default.as_deref())
                .collect(),
        }
    }
}

/// Built-in functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// Size of a set or length of a sequence.
    Len,
    /// `min(a, b)`: the lesser of two integers.
    Min,
    /// `max(a, b)`: the greater of two integers.
    Max,
    /// `some(x)`
    Some,
    /// `is_some(o)`: whether an option holds a value.
    IsSome,
    /// `is_none(o)`: whether an option is `none`.
    IsNone,
    /// The value in an option; a finding when it is none.
    Unwrap,
    /// First element of a sequence; a finding when empty.
    Head,
    /// The sequence without its first element; a finding when empty.
    Tail,
    /// Last element of a sequence; a finding when empty.
    Last,
    /// `byzantine(n)`: whether instance n is faulty (properties only).
    Byzantine,
    /// `crashed(n)`: whether instance n is crashed now (properties only).
    Crashed,
    /// `old(e)`: e in the state before the step (`step` properties only).
    Old,
}

impl Builtin {
    /// Looks a built-in function up by name.
    pub(crate) fn by_name(name: &str) -> Option<Builtin> {
        Some(match name {
            "len" => Builtin::Len,
            "min" => Builtin::Min,
            "max" => Builtin::Max,
            "some" => Builtin::Some,
            "is_some" => Builtin::IsSome,
            "is_none" => Builtin::IsNone,
            "unwrap" => Builtin::Unwrap,
            "head" => Builtin::Head,
            "tail" => Builtin::Tail,
            "last" => Builtin::Last,
            "byzantine" => Builtin::Byzantine,
            "crashed" => Builtin::Crashed,
            "old" => Builtin::Old,
            _ => return None,
        })
    }

    /// All names, for suggestions.
    pub const NAMES: &'static [&'static str] = &[
        "len",
        "min",
        "max",
        "some",
        "is_some",
        "is_none",
        "unwrap",
        "head",
        "tail",
        "last",
        "byzantine",
        "crashed",
        "old",
    ];

    /// Whether it reads what the environment did, which node code cannot
    /// know: allowed in properties, `bound` and `done when` only.
    pub(crate) fn is_environment_only(self) -> bool {
        matches!(self, Builtin::Byzantine | Builtin::Crashed)
    }
}

/// Operators with their meaning fixed by the operand types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `=>` on booleans.
    Implies,
    /// `||` on booleans.
    Or,
    /// `&&` on booleans.
    And,
    /// Equality on any type.
    Eq,
    /// Inequality on any type.
    Ne,
    /// Integer comparisons.
    Lt,
    /// `<=` on integers.
    Le,
    /// `>` on integers.
    Gt,
    /// `>=` on integers.
    Ge,
    /// Set inclusion `a <= b`.
    Subset,
    /// `x in S` for a set.
    InSet,
    /// `x in s` for a sequence.
    InSeq,
    /// `a..b`: a set of integers.
    Range,
    /// Integer addition.
    Add,
    /// Integer subtraction.
    Sub,
    /// Integer multiplication.
    Mul,
    /// Integer division; a finding on zero.
    Div,
    /// Remainder; a finding on zero.
    Rem,
    /// Set union (`+` on sets).
    Union,
    /// Set difference (`-` on sets).
    Diff,
    /// Set intersection (`&`).
    Inter,
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    /// `!` on a boolean.
    Not,
    /// `-` on an integer.
    Neg,
}

/// The expression forms.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// A boolean literal or a `bool` constant's value.
    Bool(bool),
    /// An integer literal or an integer constant's value.
    Int(i64),
    /// A variant of an enum, by index.
    Variant(EnumId, usize),
    /// `none` of the expression's option type.
    None,
    /// Instance `index` of a node kind (`RM[i]`, or `TM` for a single node).
    Instance(NodeKindId, Box<Expr>),
    /// The running node.
    SelfId,
    /// A variable of the running node.
    Var(VarId),
    /// Variable `var` of instance `node` of kind `kind`.
    RemoteVar {
        /// The instance whose variable is read.
        node: Box<Expr>,
        /// Its node kind.
        kind: NodeKindId,
        /// The variable, in that kind's table.
        var: VarId,
    },
    /// A local of the enclosing body or predicate: a parameter, a payload or
    /// sender binder, or a `let`, `for` or quantifier variable.
    Local(LocalId),
    /// A prefix operator applied to an operand.
    Unary(UnOp, Box<Expr>),
    /// An infix operator applied to two operands.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// Record field by index.
    Field(Box<Expr>, usize),
    /// Tuple element by index.
    TupleField(Box<Expr>, usize),
    /// `m[k]`: the value of a map at a key.
    MapGet(Box<Expr>, Box<Expr>),
    /// `s[i]`: a sequence element (from 0); a finding when out of range.
    SeqGet(Box<Expr>, Box<Expr>),
    /// A call of a built-in function.
    Call(Builtin, Vec<Expr>),
    /// `forall`, `exists` and `count` have a boolean body; `sum`, `min`
    /// and `max` an integer one (`min` and `max` fail on an empty domain).
    Quant {
        /// Which quantifier or aggregate.
        quantifier: Quantifier,
        /// One local per bound variable.
        vars: Vec<LocalId>,
        /// A set.
        domain: Box<Expr>,
        /// The condition or value computed per binding.
        body: Box<Expr>,
    },
    /// Every value of the type (the expression's type is a set of it).
    All(Type),
    /// `let x = a, y = b in body`, and the call of a `def` (its parameters
    /// bound to the arguments). Each value is evaluated in turn and stored
    /// into its local's type (a finding when it does not fit: an argument
    /// outside a parameter's range); then the body is evaluated and its
    /// value stored into the expression's type (a def's result type).
    Let {
        /// Each local, its type (what the value is stored into) and its
        /// value.
        bindings: Vec<(LocalId, Type, Expr)>,
        /// The expression that sees all the bindings.
        body: Box<Expr>,
        /// Whether a value may not fit where it is stored (an argument of
        /// another type than its parameter's, a body of another type than
        /// the def's); otherwise every store is the value as it is.
        checked: bool,
    },
    /// `if c { a } else { b }`
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A tuple of the values, in order.
    Tuple(Vec<Expr>),
    /// A set literal `{ a, b }`.
    SetLit(Vec<Expr>),
    /// A sequence literal `[a, b]`.
    SeqLit(Vec<Expr>),
    /// Listed entries, then the value of every other key.
    MapLit {
        /// The listed keys and their values.
        entries: Vec<(Expr, Expr)>,
        /// The value of every key not listed (`_ -> v`), if written.
        default: Option<Box<Expr>>,
    },
    /// Field values in the record type's order.
    Record(Vec<Expr>),
    /// Variant `.1` of union `.0` with its payload, in field order.
    Construct(UnionId, usize, Vec<Expr>),
    /// `match e { .. }`: the first arm whose variant is `e`'s.
    Match(Box<Expr>, Vec<MatchArm>),
    /// `e is V`: whether `e` is variant `.1` of its union.
    Is(Box<Expr>, usize),
}

/// What printing a type needs to know besides the type: the names of node
/// kinds and the enums.
pub(crate) trait TypeNames {
    /// The name of a node kind.
    fn node_name(&self, kind: NodeKindId) -> String;
    /// An enum's definition.
    fn enum_def(&self, id: EnumId) -> Option<&EnumDef>;
    /// A union's name.
    fn union_name(&self, _id: UnionId) -> Option<String> {
        None
    }
    /// A name for a record type, if it has one (diagnostics print records
    /// by their fields).
    fn record_name(&self, _ty: &Type) -> Option<String> {
        None
    }
}

/// A type as users write it: the one printer of types, for diagnostics and
/// the language server.
pub(crate) fn print_type(names: &dyn TypeNames, ty: &Type) -> String {
    let list = |ts: &mut dyn Iterator<Item = String>| ts.collect::<Vec<_>>().join(", ");
    match ty {
        Type::Bool => "bool".into(),
        Type::Range { lo, hi } => format!("{lo}..{hi}"),
        Type::Int => "int".into(),
        Type::Node(k) => names.node_name(*k),
        Type::Enum(e) => match names.enum_def(*e) {
            Some(def) => match &def.name {
                Some(name) => name.clone(),
                None => format!("enum {{ {} }}", def.variants.join(", ")),
            },
            None => "enum".into(),
        },
        Type::Set(t) => format!("set<{}>", print_type(names, t)),
        Type::Map(k, v) => format!("map<{}, {}>", print_type(names, k), print_type(names, v)),
        Type::Option(t) => format!("option<{}>", print_type(names, t)),
        Type::Seq(t, n) => format!("seq<{}, {n}>", print_type(names, t)),
        Type::Tuple(ts) => format!("({})", list(&mut ts.iter().map(|t| print_type(names, t)))),
        Type::Record(fs) => match names.record_name(ty) {
            Some(name) => name,
            None => format!(
                "{{ {} }}",
                list(
                    &mut fs
                        .iter()
                        .map(|(n, t)| format!("{n}: {}", print_type(names, t)))
                )
            ),
        },
        Type::Union(u) => names.union_name(*u).unwrap_or_else(|| "union".into()),
        Type::Error => "{unknown}".into(),
    }
}
