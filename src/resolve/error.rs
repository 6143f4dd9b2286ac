//! The resolver's errors: facts, and the words for them.

use crate::diagnostic::Diagnostic;
use crate::syntax::ast::Span;

/// A problem with the declarations of a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolveError {
    /// A name that is declared nowhere.
    UnknownName {
        name: String,
        /// What was wanted: "type", "message", "node kind", "property", "name", ...
        wanted: &'static str,
        span: Span,
        suggestion: Option<String>,
    },
    /// Two declarations of one name.
    Duplicate {
        name: String,
        /// "constant", "variable", ...
        what: &'static str,
        first: Span,
        second: Span,
    },
    /// A `def` named like a built-in function.
    BuiltinName { name: String, span: Span },
    /// A name of the wrong sort (a message where a node kind is needed).
    WrongKind {
        name: String,
        expected: &'static str,
        found: &'static str,
        span: Span,
        decl: Option<Span>,
    },
    /// A type alias defined in terms of itself.
    RecursiveType {
        name: String,
        span: Span,
        decl: Span,
    },
    /// `int` where a finite type is needed.
    InfiniteType { span: Span },
    /// `union { .. }` anywhere but as the whole of a `type` declaration.
    InlineUnion { span: Span },
    /// `lo..hi` with lo > hi.
    EmptyRange { lo: i64, hi: i64, span: Span },
    /// An expression that must be known before exploration is not.
    NotConstant { span: Span, what: &'static str },
    /// A constant whose type is not `int`, a range or `bool`.
    ConstType { span: Span },
    /// A constant whose value depends on itself.
    ConstCycle { name: String, span: Span },
    /// A constant value of the wrong type.
    ConstMismatch {
        name: String,
        expected: String,
        span: Span,
        ty_span: Span,
    },
    /// A constant value outside its declared range (or a count below 1 ...).
    OutOfRange {
        value: i64,
        lo: i64,
        hi: i64,
        what: &'static str,
        span: Span,
        decl: Option<Span>,
    },
    /// Integer overflow while computing a constant.
    Overflow { span: Span },
    /// `-D NAME=V` for a name that is not a constant.
    UnknownOverride {
        name: String,
        suggestion: Option<String>,
    },
    /// `-D NAME=V` whose value is not a literal of the constant's type.
    BadOverride {
        name: String,
        value: String,
        expected: String,
    },
    /// A fault written without the target it needs, or with one it cannot have.
    FaultTarget {
        fault: &'static str,
        needs: Option<&'static str>,
        span: Span,
    },
    /// A fault that needs a budget has none.
    FaultBudget { fault: &'static str, span: Span },
    /// `restart K` without `crash K`.
    RestartWithoutCrash { kind: String, span: Span },
    /// `allow deadlock` and `done when` together.
    DeadlockConflict { allow: Span, done: Span },
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
