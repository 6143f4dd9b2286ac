//! The resolver's errors: facts, and the words for them.

use crate::diagnostic::Diagnostic;
use crate::syntax::ast::Span;

/// A problem with the declarations of a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolveError {
    /// A name that is declared nowhere (`dsmc::resolve::unknown_name`).
    UnknownName {
        /// The name as written.
        name: String,
        /// What was wanted: "type", "message", "node kind", "property", "name", ...
        wanted: &'static str,
        /// Where the name is used.
        span: Span,
        /// A declared name of the wanted sort close to it, if any.
        suggestion: Option<String>,
    },
    /// Two declarations of one name (`dsmc::resolve::duplicate`).
    Duplicate {
        /// The name declared twice.
        name: String,
        /// "constant", "variable", ...
        what: &'static str,
        /// The earlier declaration.
        first: Span,
        /// The later declaration, which the error points at.
        second: Span,
    },
    /// A `def` named like a built-in function (`dsmc::resolve::duplicate`).
    BuiltinName {
        /// The def's name.
        name: String,
        /// Where the name is written.
        span: Span,
    },
    /// A name of the wrong sort (a message where a node kind is needed)
    /// (`dsmc::resolve::wrong_kind`).
    WrongKind {
        /// The name as written.
        name: String,
        /// The sort the place needs.
        expected: &'static str,
        /// The sort the name was declared as.
        found: &'static str,
        /// Where the name is used.
        span: Span,
        /// Its declaration, when it has one in the spec.
        decl: Option<Span>,
    },
    /// A type alias defined in terms of itself (`dsmc::typeck::recursive_type`).
    RecursiveType {
        /// The alias.
        name: String,
        /// Where it is named within its own definition.
        span: Span,
        /// Its name in its declaration.
        decl: Span,
    },
    /// `int` where a finite type is needed (`dsmc::typeck::infinite_type`).
    InfiniteType {
        /// Where `int` is written.
        span: Span,
    },
    /// `union { .. }` anywhere but as the whole of a `type` declaration
    /// (`dsmc::resolve::inline_union`).
    InlineUnion {
        /// Where the union type is written.
        span: Span,
    },
    /// `lo..hi` with lo > hi (`dsmc::typeck::empty_range`).
    EmptyRange {
        /// The lower bound's value.
        lo: i64,
        /// The upper bound's value.
        hi: i64,
        /// Where the range is written.
        span: Span,
    },
    /// An expression that must be known before exploration is not
    /// (`dsmc::typeck::not_constant`).
    NotConstant {
        /// The expression.
        span: Span,
        /// What it is, as the message says it: "a constant's value", ...
        what: &'static str,
    },
    /// A constant whose type is not `int`, a range or `bool`
    /// (`dsmc::typeck::const_type`).
    ConstType {
        /// The declared type.
        span: Span,
    },
    /// A constant whose value depends on itself (`dsmc::resolve::const_cycle`).
    ConstCycle {
        /// The constant.
        name: String,
        /// Its name in its declaration.
        span: Span,
    },
    /// A constant value of the wrong type (`dsmc::typeck::mismatch`).
    ConstMismatch {
        /// The constant.
        name: String,
        /// Its declared type, as printed.
        expected: String,
        /// The value.
        span: Span,
        /// The declared type.
        ty_span: Span,
    },
    /// A constant value outside its declared range (or a count below 1 ...)
    /// (`dsmc::typeck::out_of_range`).
    OutOfRange {
        /// The value computed.
        value: i64,
        /// The least value allowed.
        lo: i64,
        /// The greatest value allowed.
        hi: i64,
        /// What the value is, as the message says it.
        what: &'static str,
        /// The expression that gives the value.
        span: Span,
        /// Where the range is declared, when there is one in the spec.
        decl: Option<Span>,
    },
    /// Integer overflow while computing a constant (`dsmc::typeck::overflow`).
    Overflow {
        /// The expression that overflows.
        span: Span,
    },
    /// `-D NAME=V` for a name that is not a constant (`dsmc::typeck::override`).
    UnknownOverride {
        /// The name given on the command line.
        name: String,
        /// A constant with a name close to it, if any.
        suggestion: Option<String>,
    },
    /// `-D NAME=V` whose value is not a literal of the constant's type
    /// (`dsmc::typeck::override`).
    BadOverride {
        /// The constant.
        name: String,
        /// The value given, as written.
        value: String,
        /// The constant's type, as printed.
        expected: String,
    },
    /// A fault written without the target it needs, or with one it cannot have
    /// (`dsmc::resolve::fault_target`).
    FaultTarget {
        /// The fault's keyword.
        fault: &'static str,
        /// The sort of target it needs ("node kind"); `None` when it takes none.
        needs: Option<&'static str>,
        /// The fault line.
        span: Span,
    },
    /// A fault that needs a budget has none (`dsmc::resolve::fault_budget`).
    FaultBudget {
        /// The fault's keyword.
        fault: &'static str,
        /// The fault line.
        span: Span,
    },
    /// `restart K` without `crash K` (`dsmc::resolve::restart_without_crash`).
    RestartWithoutCrash {
        /// The node kind K.
        kind: String,
        /// The `restart` line.
        span: Span,
    },
    /// `allow deadlock` and `done when` together
    /// (`dsmc::resolve::deadlock_conflict`).
    DeadlockConflict {
        /// The `allow deadlock` declaration.
        allow: Span,
        /// The `done when` declaration.
        done: Span,
    },
}

impl ResolveError {
    /// The diagnostic a user sees.
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            ResolveError::UnknownName {
                name,
                wanted,
                span,
                suggestion,
            } => Diagnostic::error("dsmc::resolve::unknown_name", format!("unknown {wanted} `{name}`"))
                .primary(*span, "not declared anywhere")
                .maybe_help(suggestion.as_ref().map(|s| format!("did you mean `{s}`?"))),
            ResolveError::Duplicate {
                name,
                what,
                first,
                second,
            } => Diagnostic::error("dsmc::resolve::duplicate", format!("`{name}` is declared twice"))
                .primary(*second, format!("second declaration of `{name}`"))
                .secondary(*first, format!("first declared here as a {what}"))
                .help("rename one of them"),
            ResolveError::BuiltinName { name, span } => Diagnostic::error(
                "dsmc::resolve::duplicate",
                format!("`{name}` is the name of a built-in function"),
            )
            .primary(*span, "a def cannot take a built-in function's name")
            .help("rename the def"),
            ResolveError::WrongKind {
                name,
                expected,
                found,
                span,
                decl,
            } => {
                let d = Diagnostic::error(
                    "dsmc::resolve::wrong_kind",
                    format!("expected a {expected}, but `{name}` is a {found}"),
                )
                .primary(*span, format!("used as a {expected} here"));
                match decl {
                    Some(decl) => d.secondary(*decl, format!("`{name}` is declared here as a {found}")),
                    None => d,
                }
            }
            ResolveError::RecursiveType { name, span, decl } => Diagnostic::error(
                "dsmc::typeck::recursive_type",
                format!("type `{name}` is defined in terms of itself"),
            )
            .primary(*span, "refers back to the type being defined")
            .secondary(*decl, format!("`{name}` is declared here"))
            .help("every type must have a finite domain; use a bounded `seq` or a set instead of recursion"),
            ResolveError::InfiniteType { span } => Diagnostic::error(
                "dsmc::typeck::infinite_type",
                "`int` has no finite domain and cannot be stored in a state",
            )
            .primary(*span, "unbounded type")
            .help("use a range such as `0..N`; `int` is only for constants"),
            ResolveError::InlineUnion { span } => Diagnostic::error(
                "dsmc::resolve::inline_union",
                "a union type must be declared with a name",
            )
            .primary(*span, "a union written inside another type")
            .help("declare it as `type Name = union { .. }` and write `Name` here"),
            ResolveError::EmptyRange { lo, hi, span } => {
                Diagnostic::error("dsmc::typeck::empty_range", format!("the range `{lo}..{hi}` has no values"))
                    .primary(*span, "lower bound above upper bound")
            }
            ResolveError::NotConstant { span, what } => Diagnostic::error(
                "dsmc::typeck::not_constant",
                format!("{what} must be known before exploration starts"),
            )
            .primary(*span, "this depends on the state or is not a constant expression")
            .help("use literals, constants and arithmetic"),
            ResolveError::ConstType { span } => Diagnostic::error(
                "dsmc::typeck::const_type",
                "a constant must be an `int`, a range or a `bool`",
            )
            .primary(*span, "unsupported constant type"),
            ResolveError::ConstCycle { name, span } => Diagnostic::error(
                "dsmc::resolve::const_cycle",
                format!("the value of constant `{name}` depends on itself"),
            )
            .primary(*span, "part of a cycle of constants"),
            ResolveError::ConstMismatch {
                name,
                expected,
                span,
                ty_span,
            } => Diagnostic::error(
                "dsmc::typeck::mismatch",
                format!("constant `{name}` has type `{expected}` but its value does not"),
            )
            .primary(*span, format!("expected `{expected}`"))
            .secondary(*ty_span, "declared type"),
            ResolveError::OutOfRange {
                value,
                lo,
                hi,
                what,
                span,
                decl,
            } => {
                let d = Diagnostic::error(
                    "dsmc::typeck::out_of_range",
                    format!("{what} {value} is outside `{lo}..{hi}`"),
                )
                .primary(*span, format!("must be between {lo} and {hi}"));
                match decl {
                    Some(decl) => d.secondary(*decl, "range declared here"),
                    None => d,
                }
            }
            ResolveError::Overflow { span } => {
                Diagnostic::error("dsmc::typeck::overflow", "integer overflow while computing a constant")
                    .primary(*span, "overflows a 64-bit integer")
            }
            ResolveError::UnknownOverride { name, suggestion } => Diagnostic::error(
                "dsmc::typeck::override",
                format!("`-D {name}=...` names no constant of this spec"),
            )
            .maybe_help(suggestion.as_ref().map(|s| format!("did you mean `-D {s}=...`?"))),
            ResolveError::BadOverride { name, value, expected } => Diagnostic::error(
                "dsmc::typeck::override",
                format!("`-D {name}={value}`: expected a value of type `{expected}`"),
            )
            .help(format!("write a literal of type `{expected}`, e.g. `-D {name}=...`")),
            ResolveError::FaultTarget { fault, needs, span } => match needs {
                Some(needs) => Diagnostic::error(
                    "dsmc::resolve::fault_target",
                    format!("`{fault}` needs the {needs} it applies to"),
                )
                .primary(*span, format!("name a {needs} after `{fault}`")),
                None => Diagnostic::error(
                    "dsmc::resolve::fault_target",
                    format!("`{fault}` applies to the whole network and takes no name"),
                )
                .primary(*span, "remove this name"),
            },
            ResolveError::FaultBudget { fault, span } => Diagnostic::error(
                "dsmc::resolve::fault_budget",
                format!("`{fault}` needs a budget to keep the state space finite"),
            )
            .primary(*span, "no budget")
            .help(format!("write e.g. `{fault} <= 1`")),
            ResolveError::RestartWithoutCrash { kind, span } => Diagnostic::error(
                "dsmc::resolve::restart_without_crash",
                format!("`restart {kind}` without `crash {kind}`: nothing can restart"),
            )
            .primary(*span, "no crash fault for this kind")
            .help(format!("add `crash {kind} <= 1` to the faults")),
            ResolveError::DeadlockConflict { allow, done } => Diagnostic::error(
                "dsmc::resolve::deadlock_conflict",
                "`allow deadlock` and `done when` contradict each other",
            )
            .primary(*done, "says which stuck states are fine")
            .secondary(*allow, "says every stuck state is fine")
            .help("keep one of them"),
        }
    }
}
