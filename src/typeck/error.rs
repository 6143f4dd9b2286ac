//! The type checker's errors and warnings: facts, and the words for them.
//! Types are already rendered to text (`expected`, `found`) by the checker,
//! which knows the names of enums and node kinds.

use crate::diagnostic::Diagnostic;
use crate::resolve::ResolveError;
use crate::syntax::ast::Span;

/// An error of the front end after parsing, in the one list the type
/// checker returns: a name error (the resolver's, or one the type checker
/// found in a body) or a type error.
#[derive(Clone, Debug)]
pub enum FrontError {
    /// A declaration or a name that does not resolve.
    Resolve(ResolveError),
    /// A type error.
    Type(TypeError),
}

impl FrontError {
    /// The error in words.
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            FrontError::Resolve(e) => e.to_diagnostic(),
            FrontError::Type(e) => e.to_diagnostic(),
        }
    }
}

/// A problem in a body, a property or an initial value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeError {
    /// A value of the wrong type (`dsmc::typeck::mismatch`).
    Mismatch {
        /// The type the place needs, as printed.
        expected: String,
        /// The type of the value, as printed.
        found: String,
        /// The value.
        span: Span,
        /// Where the expectation comes from, when it is a declaration.
        cause: Option<(Span, String)>,
    },
    /// An operator applied to operands it does not take
    /// (`dsmc::typeck::mismatch`).
    BadOperands {
        /// The operator as written.
        op: &'static str,
        /// The type of the (left) operand.
        left: String,
        /// The type of the right operand; `None` for a prefix operator.
        right: Option<String>,
        /// The whole operation.
        span: Span,
    },
    /// An integer literal outside the range of where it goes
    /// (`dsmc::typeck::out_of_range`).
    OutOfRange {
        /// The literal's value.
        value: i64,
        /// The least value of the range.
        lo: i64,
        /// The greatest value of the range.
        hi: i64,
        /// The literal.
        span: Span,
        /// Where the range is declared, when it is in the spec.
        decl: Option<Span>,
    },
    /// A message sent to a node kind without a handler for it
    /// (`dsmc::typeck::unhandled_message`).
    UnhandledMessage {
        /// The message kind.
        message: String,
        /// The receiving node kind.
        kind: String,
        /// The message constructor in the `send` or `broadcast`.
        span: Span,
        /// The node kind's name in its declaration.
        kind_decl: Span,
    },
    /// An assignment to a variable of another node
    /// (`dsmc::typeck::remote_assign`).
    RemoteAssign {
        /// The place assigned.
        span: Span,
        /// What the place is, as the message says it.
        what: String,
    },
    /// Assignment to something that is not a variable
    /// (`dsmc::typeck::not_assignable`).
    NotAssignable {
        /// The name assigned.
        name: String,
        /// What the name is: "constant", "parameter", ...
        what: &'static str,
        /// The place assigned.
        span: Span,
    },
    /// `from x: K` where K never sends the message (`dsmc::typeck::from_kind`).
    FromKind {
        /// The kind K written.
        kind: String,
        /// The message kind handled.
        message: String,
        /// The node kinds that do send it.
        senders: Vec<String>,
        /// The `from` clause.
        span: Span,
        /// The message kind's declaration.
        message_decl: Span,
    },
    /// `from x` for a message several kinds send (`dsmc::typeck::from_kind`).
    FromAmbiguous {
        /// The message kind handled.
        message: String,
        /// The node kinds that send it.
        senders: Vec<String>,
        /// The `from` clause.
        span: Span,
    },
    /// `from src` on a message that no kind sends: `src` has no kind
    /// (`dsmc::typeck::from_kind`).
    FromUnsent {
        /// The message kind handled.
        message: String,
        /// The `from` clause.
        span: Span,
    },
    /// A property that reads no state (`dsmc::typeck::constant_property`).
    ConstantProperty {
        /// The property.
        name: String,
        /// Its declaration.
        span: Span,
    },
    /// `old(e)` outside a `step` property (`dsmc::typeck::old_outside_step`).
    OldOutsideStep {
        /// The call of `old`.
        span: Span,
    },
    /// `min` or `max` over several groups of names where a later group's
    /// domain reads an earlier name (`dsmc::typeck::dependent_aggregate`).
    DependentAggregate {
        /// `min` or `max`.
        keyword: &'static str,
        /// The earlier name, as written.
        name: String,
        /// Where the later group's domain reads it.
        read: Span,
    },
    /// `any action`: a family fairness with no fairness to share
    /// (`dsmc::typeck::family_without_fairness`).
    FamilyWithoutFairness {
        /// The action.
        action: String,
        /// The word `any`.
        span: Span,
    },
    /// A quantified property's parameter over something that is not a
    /// listable type (`dsmc::typeck::property_param_domain`).
    PropertyParamDomain {
        /// The parameter.
        name: String,
        /// The domain's type, when it has one.
        found: Option<String>,
        /// The domain.
        span: Span,
    },
    /// A quantified property that stands for too many properties
    /// (`dsmc::typeck::too_many_property_instances`).
    TooManyPropertyInstances {
        /// The property.
        name: String,
        /// The number of combinations of its parameters' values;
        /// `usize::MAX` when that overflows.
        count: usize,
        /// The most instances allowed.
        max: usize,
        /// The property's declaration.
        span: Span,
    },
    /// `K[i]` for a symmetric kind K (`dsmc::typeck::asymmetric`).
    Asymmetric {
        /// The node kind.
        kind: String,
        /// The indexing.
        span: Span,
        /// The kind's name in its `symmetric` declaration.
        decl: Span,
    },
    /// `byzantine(n)` or `crashed(n)` inside a node
    /// (`dsmc::typeck::environment_only`).
    EnvironmentOnly {
        /// The built-in's name.
        name: &'static str,
        /// The call.
        span: Span,
    },
    /// Wrong number of arguments, fields or binders (`dsmc::typeck::arity`).
    Arity {
        /// What takes them: "message `Vote`", ...
        what: String,
        /// The number declared.
        expected: usize,
        /// "field", "argument", ...
        noun: &'static str,
        /// The number written.
        found: usize,
        /// Where they are written.
        span: Span,
        /// The declaration, when it is in the spec.
        decl: Option<Span>,
    },
    /// A node kind with several instances used as one value
    /// (`dsmc::resolve::wrong_kind`).
    KindAsValue {
        /// The node kind.
        name: String,
        /// Its number of instances.
        count: u32,
        /// Where it is used as a value.
        span: Span,
    },
    /// A bare enum variant that several enums have, with nothing to choose
    /// (`dsmc::typeck::ambiguous`).
    AmbiguousVariant {
        /// The variant's name.
        name: String,
        /// The enums that have it.
        enums: Vec<String>,
        /// Where it is used.
        span: Span,
    },
    /// An expression whose type cannot be worked out without context
    /// (`dsmc::typeck::cannot_infer`).
    CannotInfer {
        /// What the expression is, as the message says it.
        what: &'static str,
        /// The expression.
        span: Span,
    },
    /// `self` outside a node (`dsmc::typeck::no_self`).
    NoSelf {
        /// The `self`.
        span: Span,
    },
    /// Node code calling a def whose body uses `byzantine` or `crashed`
    /// (`dsmc::typeck::environment_only`).
    DefEnvironmentOnly {
        /// The def called.
        def: String,
        /// The call.
        span: Span,
    },
    /// A def whose body leads back to itself; `cycle` names the defs in
    /// order, the first one again at the end (`dsmc::typeck::recursive_def`).
    RecursiveDef {
        /// The defs of the cycle, in call order.
        cycle: Vec<String>,
        /// The call that closes the cycle.
        span: Span,
    },
    /// A def body that reads the running node: `self` or a bare variable
    /// (`dsmc::typeck::def_self`).
    DefSelf {
        /// The name read: `self` or the variable.
        name: String,
        /// The def.
        def: String,
        /// Where the name is read.
        span: Span,
    },
    /// Inlining defs into one another nests too deep or grows too large
    /// (`dsmc::typeck::def_too_large`).
    DefTooLarge {
        /// The def whose inlining goes over the limit.
        def: String,
        /// The call.
        span: Span,
    },
    /// An initial value that reads a variable (`dsmc::typeck::init_reads_state`).
    InitReadsState {
        /// The read.
        span: Span,
    },
    /// An `init` predicate that reads no variable (`dsmc::typeck::constant_init`).
    ConstantInit {
        /// The predicate.
        span: Span,
    },
    /// `byzantine(n)` or `crashed(n)` (`what`, directly or through a def)
    /// in an `init` predicate (`dsmc::typeck::init_environment`).
    InitEnvironment {
        /// The built-in, or the def that reads it, as the message says it.
        what: String,
        /// The call.
        span: Span,
    },
    /// `x.f` where `x` has no field `f` (`dsmc::typeck::no_field`).
    NoField {
        /// The type of `x`, as printed.
        ty: String,
        /// The name after the dot.
        field: String,
        /// Where that name is written.
        span: Span,
        /// A field or variable with a name close to it, if any.
        suggestion: Option<String>,
    },
    /// `match` or `is` on a value that is not of a union type
    /// (`dsmc::typeck::not_a_union`).
    NotAUnion {
        /// "`match`" or "`is`".
        what: &'static str,
        /// The value's type, as printed.
        ty: String,
        /// The value.
        span: Span,
    },
    /// A pattern or `is` naming no variant of the union
    /// (`dsmc::typeck::unknown_variant`).
    UnknownVariant {
        /// The union.
        union: String,
        /// The name written.
        name: String,
        /// The union's variants, in order.
        variants: Vec<String>,
        /// Where the name is written.
        span: Span,
        /// A variant with a name close to it, if any.
        suggestion: Option<String>,
    },
    /// A `match` without an arm for some variants and without `_`
    /// (`dsmc::typeck::non_exhaustive`).
    NonExhaustive {
        /// The union matched on.
        union: String,
        /// Each missing variant, and whether it has fields.
        missing: Vec<(String, bool)>,
        /// The scrutinee.
        span: Span,
        /// The whole `match`.
        whole: Span,
    },
    /// A `match` arm that no value reaches (`dsmc::typeck::unreachable_arm`).
    UnreachableArm {
        /// The unreachable arm's pattern.
        span: Span,
        /// The arm that takes its values.
        earlier: Span,
        /// Why the earlier arm takes its values, as its label says it.
        what: String,
    },
}

impl TypeError {
    /// The diagnostic a user sees.
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            TypeError::Mismatch {
                expected,
                found,
                span,
                cause,
            } => {
                let d = Diagnostic::error(
                    "dsmc::typeck::mismatch",
                    format!("mismatched types: expected `{expected}`, found `{found}`"),
                )
                .primary(*span, format!("this is `{found}`"));
                match cause {
                    Some((cause_span, text)) => d.secondary(*cause_span, text.clone()),
                    None => d,
                }
            }
            TypeError::BadOperands { op, left, right, span } => {
                let operands = match right {
                    Some(right) => format!("`{left}` and `{right}`"),
                    None => format!("`{left}`"),
                };
                Diagnostic::error(
                    "dsmc::typeck::mismatch",
                    format!("`{op}` cannot be applied to {operands}"),
                )
                .primary(*span, format!("`{op}` does not take {operands}"))
                .maybe_help(operator_help(op))
            }
            TypeError::OutOfRange {
                value,
                lo,
                hi,
                span,
                decl,
            } => {
                let d = Diagnostic::error(
                    "dsmc::typeck::out_of_range",
                    format!("literal {value} is outside `{lo}..{hi}`"),
                )
                .primary(*span, format!("must be between {lo} and {hi}"));
                match decl {
                    Some(decl) => d.secondary(*decl, "range declared here"),
                    None => d,
                }
            }
            TypeError::UnhandledMessage {
                message,
                kind,
                span,
                kind_decl,
            } => Diagnostic::error(
                "dsmc::typeck::unhandled_message",
                format!("`{message}` is sent to `{kind}`, which never handles it"),
            )
            .primary(*span, format!("sent to `{kind}` here"))
            .secondary(*kind_decl, format!("`{kind}` has no `on {message}` handler"))
            .help(format!("add `on {message} {{ ... }}` to node `{kind}`, or send it to a node that handles it")),
            TypeError::RemoteAssign { span, what } => Diagnostic::error(
                "dsmc::typeck::remote_assign",
                format!("cannot assign to {what}: a node only changes its own variables"),
            )
            .primary(*span, "another node's variable")
            .help("send that node a message and let its handler make the change"),
            TypeError::NotAssignable { name, what, span } => Diagnostic::error(
                "dsmc::typeck::not_assignable",
                format!("cannot assign to {what} `{name}`"),
            )
            .primary(*span, "not a variable of this node"),
            TypeError::FromKind {
                kind,
                message,
                senders,
                span,
                message_decl,
            } => {
                let help = if senders.is_empty() {
                    format!("no node kind sends `{message}`")
                } else {
                    format!("`{message}` is sent by {}", list(senders))
                };
                Diagnostic::error(
                    "dsmc::typeck::from_kind",
                    format!("`{kind}` never sends `{message}`, so this handler never runs"),
                )
                .primary(*span, format!("expects `{message}` from `{kind}`"))
                .secondary(*message_decl, format!("`{message}` is declared here"))
                .help(help)
            }
            TypeError::FromAmbiguous { message, senders, span } => Diagnostic::error(
                "dsmc::typeck::from_kind",
                format!("`{message}` is sent by {}: say which sender this handler takes", list(senders)),
            )
            .primary(*span, "the sender's kind is ambiguous")
            .help(format!("write `from src: {}`", senders.first().map_or("Kind", String::as_str))),
            TypeError::FromUnsent { message, span } => Diagnostic::error(
                "dsmc::typeck::from_kind",
                format!("no node sends `{message}`, so its sender has no kind"),
            )
            .primary(*span, "the sender's kind is unknown")
            .help(format!("send `{message}` somewhere, or write `from src: Kind`")),
            TypeError::ConstantProperty { name, span } => Diagnostic::error(
                "dsmc::typeck::constant_property",
                format!("property `{name}` reads no state, so it is trivially true or false"),
            )
            .primary(*span, "this never changes")
            .help("refer to node variables, e.g. `TM.phase` or `forall r in RM: r.state == ...`"),
            TypeError::FamilyWithoutFairness { action, span } => Diagnostic::error(
                "dsmc::typeck::family_without_fairness",
                format!("`any` on action `{action}`, which is not fair"),
            )
            .primary(*span, "`any` shares a fairness obligation, and there is none")
            .help(
                "write `fair any action` (weak) or `strong fair any action` for one \
                 obligation over all parameter choices, or drop `any`",
            ),
            TypeError::OldOutsideStep { span } => Diagnostic::error(
                "dsmc::typeck::old_outside_step",
                "`old(..)` is only meaningful in a `step` property",
            )
            .primary(*span, "there is no step before this")
            .help(
                "state the claim about steps as `step name: ..`, where `old(e)` is e before \
                 the step and every other name is read after it",
            ),
            TypeError::DependentAggregate {
                keyword,
                name,
                read,
            } => Diagnostic::error(
                "dsmc::typeck::dependent_aggregate",
                format!(
                    "the domains of a `{keyword}` over several groups of names must not depend on each other"
                ),
            )
            .primary(*read, format!("this domain reads `{name}`, bound by an earlier group"))
            .help(format!(
                "nest the `{keyword}`s (`{keyword} a in A: {keyword} b in f(a): ..`), which fails \
                 when some inner domain is empty, or take the {keyword} over one domain of pairs"
            )),
            TypeError::PropertyParamDomain { name, found, span } => Diagnostic::error(
                "dsmc::typeck::property_param_domain",
                match found {
                    Some(ty) => format!(
                        "property parameter `{name}` ranges over `{ty}`, whose values cannot be listed"
                    ),
                    None => format!("property parameter `{name}` must range over a type"),
                },
            )
            .primary(*span, "not a finite type of scalar values")
            .help(
                "write the name of a type or node kind (`v in Value`, `n in Node`): `bool`, \
                 a range, an enum, a node kind, or options and tuples of them; \
                 quantify inside the property for anything else",
            ),
            TypeError::TooManyPropertyInstances {
                name,
                count,
                max,
                span,
            } => Diagnostic::error(
                "dsmc::typeck::too_many_property_instances",
                format!(
                    "property `{name}` stands for {} properties, more than the {max} allowed",
                    if *count == usize::MAX {
                        "too many".to_string()
                    } else {
                        count.to_string()
                    }
                ),
            )
            .primary(*span, "one property is checked per combination of the parameters")
            .help("give the parameters smaller types, or quantify inside the property"),
            TypeError::Asymmetric { kind, span, decl } => Diagnostic::error(
                "dsmc::typeck::asymmetric",
                format!("`{kind}` is symmetric, so its instances cannot be named by index"),
            )
            .primary(*span, "this singles out one instance")
            .secondary(*decl, "declared `symmetric` here")
            .help(format!(
                "quantify instead (`forall n in {kind}: ...`, `exists n in {kind}: ...`), \
                 or remove `symmetric` if the instances really differ"
            )),
            TypeError::EnvironmentOnly { name, span } => Diagnostic::error(
                "dsmc::typeck::environment_only",
                format!("`{name}(..)` is not available to node code"),
            )
            .primary(*span, "a node cannot observe this")
            .help(format!(
                "`{name}` tells what the environment did, which no real node can know; \
                 use it in properties, `bound` and `done when`"
            )),
            TypeError::Arity {
                what,
                expected,
                noun,
                found,
                span,
                decl,
            } => {
                let plural = if *expected == 1 { "" } else { "s" };
                let verb = if *found == 1 { "was" } else { "were" };
                let d = Diagnostic::error(
                    "dsmc::typeck::arity",
                    format!("{what} takes {expected} {noun}{plural}, but {found} {verb} given"),
                )
                .primary(*span, format!("{found} given here"));
                match decl {
                    Some(decl) => d.secondary(*decl, "declared here"),
                    None => d,
                }
            }
            TypeError::KindAsValue { name, count, span } => Diagnostic::error(
                "dsmc::resolve::wrong_kind",
                format!("node kind `{name}` has {count} instances and is not a single value"),
            )
            .primary(*span, "which instance?")
            .help(format!("name one instance as `{name}[i]`, all of them as `all {name}`, or quantify: `forall n in {name}: ...`")),
            TypeError::AmbiguousVariant { name, enums, span } => Diagnostic::error(
                "dsmc::typeck::ambiguous",
                format!("`{name}` is a variant of several enums: {}", list(enums)),
            )
            .primary(*span, "cannot tell which enum is meant")
            .help("compare it with a variable of the enum, e.g. `x.state == ...`"),
            TypeError::CannotInfer { what, span } => Diagnostic::error(
                "dsmc::typeck::cannot_infer",
                format!("cannot tell the type of {what} here"),
            )
            .primary(*span, "type unknown")
            .help("use it where a type is expected, e.g. assign it to a variable or compare it with one"),
            TypeError::NoSelf { span } => Diagnostic::error(
                "dsmc::typeck::no_self",
                "`self` only exists inside a node",
            )
            .primary(*span, "not inside a node")
            .help("properties talk about all nodes: quantify, e.g. `forall n in RM: n.x ...`"),
            TypeError::DefEnvironmentOnly { def, span } => Diagnostic::error(
                "dsmc::typeck::environment_only",
                format!("`{def}` reads `byzantine(..)` or `crashed(..)`, which node code cannot"),
            )
            .primary(*span, "a node cannot observe this")
            .help(format!(
                "`{def}` tells what the environment did, which no real node can know; \
                 call it from properties, `bound` and `done when`"
            )),
            TypeError::RecursiveDef { cycle, span } => {
                let path = cycle
                    .iter()
                    .map(|d| format!("`{d}`"))
                    .collect::<Vec<_>>()
                    .join(" → ");
                let first = cycle.first().cloned().unwrap_or_default();
                Diagnostic::error(
                    "dsmc::typeck::recursive_def",
                    format!("`{first}` is defined in terms of itself: {path}"),
                )
                .primary(*span, format!("this call leads back to `{first}`"))
                .help(
                    "a def is inlined where it is called, so it cannot call itself, \
                     directly or through other defs; use a quantifier (`forall`, `sum`, \
                     `max`, ...) over a finite domain instead",
                )
            }
            TypeError::DefSelf { name, def, span } => Diagnostic::error(
                "dsmc::typeck::def_self",
                format!("the def `{def}` cannot read `{name}` of the running node"),
            )
            .primary(*span, "a def has no running node")
            .help(
                "a def reads node state only through its parameters or through \
                 quantifiers, as a property does: take the node as a parameter \
                 (`n: Kind`) and read `n.var`, and pass `self` at the call",
            ),
            TypeError::DefTooLarge { def, span } => Diagnostic::error(
                "dsmc::typeck::def_too_large",
                format!("inlining `{def}` here makes the expression too large"),
            )
            .primary(*span, "this call")
            .help(format!(
                "defs are inlined where they are called: the bodies of defs calling \
                 one another may nest at most {} levels deep, and a spec's inlined defs \
                 may hold at most {} expressions; split the def or compute less in it",
                super::MAX_INLINE_DEPTH,
                super::MAX_INLINED
            )),
            TypeError::InitReadsState { span } => Diagnostic::error(
                "dsmc::typeck::init_reads_state",
                "an initial value cannot read variables",
            )
            .primary(*span, "reads the state")
            .help(
                "use constants, literals and `self`; to relate variables in the initial \
                 states, add a top-level `init: predicate`",
            ),
            TypeError::ConstantInit { span } => Diagnostic::error(
                "dsmc::typeck::constant_init",
                "this `init` predicate reads no variable, so it keeps every initial state or none",
            )
            .primary(*span, "the same in every state")
            .help(
                "refer to node variables, e.g. `init: forall p in Proc: p.count == 0`; \
                 a constant condition belongs in the constants' types",
            ),
            TypeError::InitEnvironment { what, span } => Diagnostic::error(
                "dsmc::typeck::init_environment",
                format!("{what} has no meaning in an `init` predicate"),
            )
            .primary(*span, "the environment has not acted yet")
            .help(
                "no instance has crashed in an initial state, and which are byzantine is the \
                 environment's choice, made for every initial state: constrain node variables only",
            ),
            TypeError::NoField {
                ty,
                field,
                span,
                suggestion,
            } => Diagnostic::error(
                "dsmc::typeck::no_field",
                format!("`{ty}` has no field or variable `{field}`"),
            )
            .primary(*span, "unknown field")
            .maybe_help(suggestion.as_ref().map(|s| format!("did you mean `{s}`?"))),
            TypeError::NotAUnion { what, ty, span } => Diagnostic::error(
                "dsmc::typeck::not_a_union",
                format!("{what} needs a value of a union type, found `{ty}`"),
            )
            .primary(*span, format!("this is a `{ty}`"))
            .help(
                "declare the type with `type Name = union { V(field: T), .. }`; \
                 test other values with `==` or `if`",
            ),
            TypeError::UnknownVariant {
                union,
                name,
                variants,
                span,
                suggestion,
            } => Diagnostic::error(
                "dsmc::typeck::unknown_variant",
                format!("`{union}` has no variant `{name}`"),
            )
            .primary(*span, format!("not a variant of `{union}`"))
            .help(match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("its variants are `{}`", variants.join("`, `")),
            }),
            TypeError::NonExhaustive {
                union,
                missing,
                span,
                whole,
            } => {
                let plural = if missing.len() == 1 { "" } else { "s" };
                let names: Vec<&str> = missing.iter().map(|(n, _)| n.as_str()).collect();
                let arms: Vec<String> = (missing.iter())
                    .map(|(n, fields)| {
                        let payload = if *fields { "(..)" } else { "" };
                        format!("`{n}{payload} => ..`")
                    })
                    .collect();
                Diagnostic::error(
                    "dsmc::typeck::non_exhaustive",
                    format!(
                        "this `match` has no arm for variant{plural} `{}` of `{union}`",
                        names.join("`, `")
                    ),
                )
                .primary(*span, format!("a `{union}` may be `{}`", names[0]))
                .secondary(*whole, "in this `match`")
                .help(format!(
                    "add the arm{plural} {}, or a last `_ => ..` arm",
                    arms.join(", ")
                ))
            }
            TypeError::UnreachableArm {
                span,
                earlier,
                what,
            } => Diagnostic::error(
                "dsmc::typeck::unreachable_arm",
                "this `match` arm is never reached",
            )
            .primary(*span, "no value reaches this arm")
            .secondary(*earlier, what.clone())
            .help("remove the arm, or move it above the arm that takes its values"),
        }
    }
}

fn operator_help(op: &str) -> Option<String> {
    match op {
        "+" | "-" | "&" => {
            Some("`+`, `-` and `&` take two integers or two sets of the same type".into())
        }
        "in" => Some("`x in S` needs a set or sequence `S` of `x`'s type".into()),
        "<=" => {
            Some("`<=` compares integers, or tests whether one set is a subset of another".into())
        }
        _ => None,
    }
}

/// "`a`, `b` and `c`".
fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A lint: a warning about a spec that is valid but probably not meant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lint {
    /// A variable nothing reads (`dsmc::lint::unused_var`).
    UnusedVar {
        /// The variable.
        name: String,
        /// The node kind that declares it.
        kind: String,
        /// Its declaration.
        span: Span,
    },
    /// A message kind never sent and never handled (`dsmc::lint::unused_message`).
    UnusedMessage {
        /// The message kind.
        name: String,
        /// Its declaration.
        span: Span,
    },
    /// A handler for a message no node sends (`dsmc::lint::unsent_message`).
    UnsentMessage {
        /// The message kind.
        name: String,
        /// The handler.
        span: Span,
    },
    /// `fair any action` without parameters: the same as `fair action`
    /// (`dsmc::lint::family_without_parameters`).
    FamilyWithoutParameters {
        /// The action.
        action: String,
        /// The word `any`.
        span: Span,
    },
}

impl Lint {
    /// The diagnostic a user sees.
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            Lint::UnusedVar { name, kind, span } => Diagnostic::warning(
                "dsmc::lint::unused_var",
                format!("variable `{name}` of `{kind}` is never read"),
            )
            .primary(*span, "written at most, never read")
            .help("read it in a guard or a property, or remove it: it only multiplies states"),
            Lint::UnusedMessage { name, span } => Diagnostic::warning(
                "dsmc::lint::unused_message",
                format!("message `{name}` is never sent nor handled"),
            )
            .primary(*span, "unused message")
            .help("remove it, or send it somewhere"),
            Lint::UnsentMessage { name, span } => Diagnostic::warning(
                "dsmc::lint::unsent_message",
                format!("no node sends `{name}`, so this handler never runs"),
            )
            .primary(*span, "handler for a message nobody sends"),
            Lint::FamilyWithoutParameters { action, span } => Diagnostic::warning(
                "dsmc::lint::family_without_parameters",
                format!("`any` on action `{action}`, which has no parameters"),
            )
            .primary(
                *span,
                "a family of one: this is plain per-instance fairness",
            )
            .help("drop `any`, or give the action the parameters it ranges over"),
        }
    }
}
