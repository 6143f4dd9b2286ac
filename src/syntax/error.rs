//! Syntax errors: the facts pest gives, turned into words a user reads.
//!
//! Pest reports the set of rules it could have matched at the furthest point
//! it reached; [`describe`] names each rule as a user knows it ("an
//! expression", "`{`"), never as a grammar identifier.

use super::ast::Span;
use super::parser::Rule;
use crate::diagnostic::Diagnostic;

/// Why a spec could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyntaxError {
    /// The parser could not go on at `at`.
    Unexpected {
        /// The offending token (or the end of input).
        at: Span,
        /// What would have been accepted there, in words, sorted.
        expected: Vec<&'static str>,
        /// The text found there (empty at the end of input).
        found: String,
    },
    /// Brackets nest too deeply.
    TooDeep {
        /// The bracket that went past the limit.
        at: Span,
        /// The limit.
        limit: usize,
    },
}

impl SyntaxError {
    pub(super) fn too_deep(offset: usize, limit: usize) -> SyntaxError {
        SyntaxError::TooDeep {
            at: Span::new(offset, offset + 1),
            limit,
        }
    }

    pub(super) fn too_deep_tree(at: Span, limit: usize) -> SyntaxError {
        SyntaxError::TooDeep { at, limit }
    }

    pub(super) fn from_pest(error: pest::error::Error<Rule>, source: &str) -> SyntaxError {
        let offset = match error.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
        let mut expected: Vec<&'static str> = match &error.variant {
            pest::error::ErrorVariant::ParsingError { positives, .. } => {
                positives.iter().filter_map(|r| describe(*r)).collect()
            }
            pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
        };
        // After a complete expression pest lists every infix operator; name
        // them as one.
        let n_operators = expected.iter().filter(|w| OPERATORS.contains(w)).count();
        if n_operators >= 3 {
            expected.retain(|w| !OPERATORS.contains(w));
            expected.push("an operator");
        }
        let n_starts = expected
            .iter()
            .filter(|w| EXPRESSION_STARTS.contains(w))
            .count();
        if n_starts >= 3 {
            expected.retain(|w| !EXPRESSION_STARTS.contains(w));
            expected.push("an expression");
        }
        expected.sort_unstable();
        expected.dedup();
        let found = token_at(source, offset);
        let end = offset + found.len().max(if offset < source.len() { 1 } else { 0 });
        // Never split a UTF-8 character.
        let mut end = end.min(source.len());
        while !source.is_char_boundary(end) {
            end += 1;
        }
        SyntaxError::Unexpected {
            at: Span::new(offset, end),
            expected,
            found,
        }
    }

    /// The diagnostic a user sees.
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            SyntaxError::Unexpected {
                at,
                expected,
                found,
            } => {
                let found_words = if found.is_empty() {
                    "the end of the file".to_string()
                } else {
                    format!("`{found}`")
                };
                let message = match expected.as_slice() {
                    [] => format!("unexpected {found_words}"),
                    _ => format!("expected {}, found {found_words}", one_of(expected)),
                };
                let label = match expected.as_slice() {
                    [] => "not expected here".to_string(),
                    [one] => format!("expected {one} here"),
                    _ => "unexpected here".to_string(),
                };
                Diagnostic::error("dsmc::parse::syntax", message)
                    .primary(*at, label)
                    .maybe_help(hint(expected, found))
            }
            SyntaxError::TooDeep { at, limit } => Diagnostic::error(
                "dsmc::parse::too_deep",
                format!("the spec nests more than {limit} levels deep"),
            )
            .primary(*at, "too deeply nested")
            .help("split the expression with `let` or name parts of it as separate properties"),
        }
    }
}

/// The words [`describe`] gives operators.
const OPERATORS: &[&str] = &[
    "`=>`", "`||`", "`&&`", "`==`", "`!=`", "`<=`", "`>=`", "`<`", "`>`", "`..`", "`+`", "`-`",
    "`*`", "`/`", "`%`", "`&`", "`.`", "`[`", "`in`",
];

/// The words [`describe`] gives the tokens that can start an expression.
const EXPRESSION_STARTS: &[&str] = &[
    "`!`",
    "`-`",
    "`true` or `false`",
    "a number",
    "a quantifier",
    "a name",
    "an expression",
];

/// A help line for the common slips.
fn hint(expected: &[&str], found: &str) -> Option<String> {
    if found == "=" && (expected.contains(&"`==`") || expected.contains(&"an operator")) {
        return Some("use `==` to compare; `=` only assigns".into());
    }
    if expected.contains(&"`protocol`") {
        return Some("a spec starts with `protocol Name`".into());
    }
    if matches!(found, "and" | "or" | "not") {
        return Some("write `&&`, `||` and `!` for and, or and not".into());
    }
    None
}

/// "a, b or c".
fn one_of(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The token starting at `offset`: a word, a number, or one symbol.
fn token_at(source: &str, offset: usize) -> String {
    let rest = match source.get(offset..) {
        Some(rest) => rest,
        None => return String::new(),
    };
    let mut chars = rest.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    if first.is_alphanumeric() || first == '_' {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    } else {
        for op in [
            "~>", "==", "!=", "<=", ">=", "=>", "->", "&&", "||", "+=", "-=", "..",
        ] {
            if rest.starts_with(op) {
                return op.to_string();
            }
        }
        first.to_string()
    }
}

/// What a grammar rule is called in an error message; `None` for rules a
/// user would not recognise on their own (they are covered by another).
fn describe(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "the end of the file",
        ident | binder | named_type | place => "a name",
        int_lit => "a number",
        bool_lit => "`true` or `false`",
        expr | bound_expr => "an expression",
        type_expr => "a type",
        block => "`{`",
        protocol_decl | kw_protocol => "`protocol`",
        const_decl | type_decl | network_decl | message_decl | node_decl | faults_decl
        | property_decl | allow_deadlock | done_decl | bound_decl | expect_decl => "a declaration",
        var_decl | handler | action_decl => "`var`, `on` or `action`",
        fault | fault_kind => {
            "a fault (`crash`, `restart`, `lose`, `duplicate`, `partition`, `byzantine`)"
        }
        network_kind => "`multiset`, `set` or `fifo`",
        if_stmt | for_stmt | send_stmt | broadcast_stmt | assert_stmt | let_stmt | assign_stmt => {
            "a statement"
        }
        assign_op => "`=`, `+=` or `-=`",
        guard | kw_when => "`when`",
        from_clause | kw_from => "`from`",
        binder_list | param_list | field_list | arg_list => "`(`",
        node_count => "`[`",
        message_ctor => "a message",
        init_value => "`=`",
        init_choice | kw_in | in_op => "`in`",
        temporal_op => "`~>`, `next`, `unless` or `ensures`",
        kw_while => "`while`",
        kw_until => "`until`",
        kw_deadlock => "`deadlock`",
        kw_violation => "`violation`",
        kw_else => "`else`",
        implies => "`=>`",
        or => "`||`",
        and => "`&&`",
        eq => "`==`",
        ne => "`!=`",
        le => "`<=`",
        ge => "`>=`",
        lt => "`<`",
        gt => "`>`",
        range_op => "`..`",
        add => "`+`",
        sub | neg => "`-`",
        mul => "`*`",
        div => "`/`",
        rem => "`%`",
        inter => "`&`",
        not => "`!`",
        field_access => "`.`",
        index_access => "`[`",
        quantifier | quantifier_kind => "a quantifier",
        _ => return None,
    })
}
