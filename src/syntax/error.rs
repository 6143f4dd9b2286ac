//! Syntax errors: the facts pest gives, turned into words a user reads.
//!
//! Pest reports the set of rules it could have matched at the furthest point
//! it reached; [`describe`] names each rule as a user knows it ("an
//! expression", "`{`"), never as a grammar identifier.

use super::ast::Span;
use super::grammar::Rule;
use crate::diagnostic::Diagnostic;
use crate::text::{describe_char, is_text_direction_control, needs_naming};

/// Why a spec could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyntaxError {
    /// The parser could not go on (boxed: it is by far the largest).
    Unexpected(Box<Unexpected>),
    /// Characters that change the direction in which text is displayed
    /// ([`crate::text::TEXT_DIRECTION_CONTROLS`]), all on one line: the
    /// line may read differently from what the parser reads.
    TextDirection {
        /// Each character and where it is, in order.
        chars: Vec<(Span, char)>,
        /// Whether they are all inside a `//` comment.
        in_comment: bool,
    },
    /// An integer literal larger than a 64-bit integer holds.
    IntTooLarge {
        /// The literal.
        at: Span,
    },
    /// Brackets nest too deeply.
    TooDeep {
        /// The bracket that went past the limit.
        at: Span,
        /// The limit.
        limit: usize,
    },
}

/// Where and why the parser could not go on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unexpected {
    /// The offending token (or the end of input).
    pub at: Span,
    /// What would have been accepted there, in words, sorted.
    pub expected: Vec<String>,
    /// The text found there (empty at the end of input).
    pub found: String,
    /// The word just before `at` (empty when there is none): `not` in
    /// `when not x`, `invariant` when a block was left open.
    pub before: String,
    /// The bracket before `at` most likely left open, when the file ends
    /// with brackets open: often the cause of the error. The flag says
    /// whether it is certainly unclosed.
    pub unclosed: Option<(Span, char, bool)>,
    /// The keyword that starts the declaration, node item or statement the
    /// parser was inside when it broke, when it broke inside one (empty
    /// otherwise): its shape is the help.
    pub within: String,
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

    /// The error pest gave. `detail` parses again with pest's record of
    /// the literal tokens it tried (costly, so only when needed): it gives
    /// the furthest offset any token was tried at and those tokens, in
    /// words.
    pub(super) fn from_pest(
        error: pest::error::Error<Rule>,
        source: &str,
        detail: impl FnOnce() -> Option<(usize, Vec<String>)>,
    ) -> SyntaxError {
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
        let mut expected: Vec<String> = expected.into_iter().map(str::to_string).collect();
        let mut offset = offset;
        let mut found = token_at(source, offset);
        let mut within = String::new();
        // Pest lists only rules, never literal tokens such as `:`: a
        // declaration, node item or statement that breaks at a punctuation
        // mark inside it is reported at its first word, as "expected a node
        // item, found `var`". Ask pest where the furthest token failed.
        if starts_expected_construct(&expected, &found)
            && let Some((at, tokens)) = detail()
            && at > offset
            && at <= source.len()
            && source.is_char_boundary(at)
        {
            // With no token to name, the message is "unexpected ...", and
            // the help shows the construct's shape.
            within = std::mem::take(&mut found);
            offset = at;
            found = token_at(source, offset);
            expected = tokens;
        }
        let before = word_before(source, offset);
        let end = offset + found.len().max(if offset < source.len() { 1 } else { 0 });
        // Never split a UTF-8 character.
        let mut end = end.min(source.len());
        while !source.is_char_boundary(end) {
            end += 1;
        }
        SyntaxError::Unexpected(Box::new(Unexpected {
            at: Span::new(offset, end),
            expected,
            found,
            before,
            unclosed: unclosed_bracket(source, offset),
            within,
        }))
    }

    /// One error per line holding characters that change the direction of
    /// text, anywhere in `source`, in order. One pass over the text.
    pub(super) fn text_direction(source: &str) -> Vec<SyntaxError> {
        let mut errors: Vec<SyntaxError> = Vec::new();
        let bytes = source.as_bytes();
        let mut line = 0usize;
        // The line of the last error.
        let mut error_line = usize::MAX;
        // No string literals: the first `//` of a line starts a comment.
        let mut in_comment = false;
        for (i, c) in source.char_indices() {
            match c {
                '\n' => {
                    line += 1;
                    in_comment = false;
                }
                '/' if bytes.get(i + 1) == Some(&b'/') => in_comment = true,
                _ if is_text_direction_control(c) => {
                    let at = (Span::new(i, i + c.len_utf8()), c);
                    match errors.last_mut() {
                        Some(SyntaxError::TextDirection {
                            chars,
                            in_comment: all_in_comment,
                        }) if line == error_line => {
                            chars.push(at);
                            *all_in_comment &= in_comment;
                        }
                        _ => {
                            error_line = line;
                            errors.push(SyntaxError::TextDirection {
                                chars: vec![at],
                                in_comment,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        errors
    }

    /// The diagnostic a user sees.
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            SyntaxError::Unexpected(unexpected) => {
                let Unexpected {
                    at,
                    expected,
                    found,
                    before,
                    unclosed,
                    within,
                } = unexpected.as_ref();
                let found_words = found_words(found);
                let message = match expected.as_slice() {
                    [] => format!("unexpected {found_words}"),
                    _ => format!("expected {}, found {found_words}", one_of(expected)),
                };
                let label = match expected.as_slice() {
                    [] => "not expected here".to_string(),
                    // The label sits under the text: keep it short and
                    // leave an explained list to the headline.
                    [one] => format!("expected {} here", one.split(" (").next().unwrap_or(one)),
                    _ => "unexpected here".to_string(),
                };
                let hint = hint(expected, found, before).or_else(|| construct_shape(within));
                let diagnostic =
                    Diagnostic::error("dsmc::parse::syntax", message).primary(*at, label);
                match unclosed {
                    Some((span, open, certain)) => diagnostic
                        .secondary(
                            *span,
                            if *certain {
                                format!("this `{open}` is never closed")
                            } else {
                                format!("this `{open}` may be the one left open")
                            },
                        )
                        .help(hint.unwrap_or_else(|| {
                            format!(
                                "close it with `{}` where its block or list ends",
                                closing(*open)
                            )
                        })),
                    None => diagnostic.maybe_help(hint),
                }
            }
            SyntaxError::TextDirection { chars, in_comment } => {
                let count = match chars.len() {
                    1 => "a character that changes".to_string(),
                    n => format!("{n} characters that change"),
                };
                let place = if *in_comment {
                    "a comment"
                } else {
                    "this line"
                };
                let mut names: Vec<String> = Vec::new();
                for (_, c) in chars {
                    let name = describe_char(*c);
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                let (names, verb, pronoun) = match names.as_slice() {
                    [one] => (one.clone(), "makes", "it"),
                    _ => (all_of(&names), "make", "them"),
                };
                let mut diagnostic = Diagnostic::error(
                    "dsmc::parse::text_direction",
                    format!("{place} holds {count} the direction of text"),
                );
                for (i, (span, c)) in chars.iter().enumerate() {
                    let label = describe_char(*c);
                    diagnostic = if i == 0 {
                        diagnostic.primary(*span, label)
                    } else {
                        diagnostic.secondary(*span, label)
                    };
                }
                diagnostic.help(format!(
                    "{names} {verb} an editor show the line in another order than dsmc reads \
                     it, which can hide what the spec does: remove {pronoun}"
                ))
            }
            SyntaxError::IntTooLarge { at } => Diagnostic::error(
                "dsmc::parse::int_too_large",
                "integer literal does not fit a 64-bit integer",
            )
            .primary(*at, format!("larger than {}", i64::MAX))
            .help("dsmc's integers are 64-bit: use a smaller value"),
            SyntaxError::TooDeep { at, limit } => Diagnostic::error(
                "dsmc::parse::too_deep",
                format!("the spec nests more than {limit} levels deep"),
            )
            .primary(*at, "too deeply nested")
            .help("split the expression with `let` or name parts of it as separate properties"),
        }
    }
}

/// The bracket most likely left open before `offset`, when the file ends
/// with brackets open, as (span, bracket, whether it is certain). Brackets
/// pair by nesting, `//` comments skipped; so a block left open takes the
/// `}` meant for the block around it. A bracket whose closing bracket starts
/// a line less indented than its own line is therefore the likelier culprit
/// (not certain); otherwise, the innermost bracket still open at the end.
fn unclosed_bracket(source: &str, offset: usize) -> Option<(Span, char, bool)> {
    let indent = |at: usize| {
        let line = source[..at].rfind('\n').map_or(0, |n| n + 1);
        let width = source[line..]
            .bytes()
            .take_while(|&b| b == b' ' || b == b'\t')
            .count();
        (width, line + width == at)
    };
    let mut open: Vec<(usize, char)> = Vec::new();
    let mut suspect = None;
    let mut in_comment = false;
    let bytes = source.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if in_comment {
            in_comment = b != b'\n';
            continue;
        }
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => in_comment = true,
            b'(' | b'[' | b'{' => open.push((i, b as char)),
            b')' | b']' | b'}' => {
                if let Some((at, c)) = open.pop() {
                    let (closer_indent, starts_line) = indent(i);
                    if suspect.is_none() && starts_line && closer_indent < indent(at).0 {
                        suspect = Some((at, c));
                    }
                }
            }
            _ => {}
        }
    }
    let (open_at, open_c) = open.iter().rev().find(|(at, _)| *at < offset).copied()?;
    Some(match suspect.filter(|(at, _)| *at < offset) {
        Some((at, c)) => (Span::new(at, at + 1), c, false),
        None => (Span::new(open_at, open_at + 1), open_c, true),
    })
}

/// The bracket that closes `open`.
fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// What [`describe`] calls a fault.
const FAULT: &str = "a fault (`crash`, `restart`, `lose`, `duplicate`, `partition`, `byzantine`)";

/// What [`describe`] calls a network kind. Entries with alternatives of
/// their own bracket them, so that a list of entries still reads.
const NETWORK_KIND: &str = "a network kind (`multiset`, `set` or `fifo`)";

/// What [`describe`] calls the items of a node.
const NODE_ITEM: &str = "a node item (`var`, `on` or `action`)";

/// What [`describe`] calls an assignment operator; one entry of a list, so
/// its alternatives are in brackets.
const ASSIGNMENT: &str = "an assignment (`=`, `+=` or `-=`)";

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

/// Words that start a top-level declaration.
const DECLARATION_KEYWORDS: &[&str] = &[
    "step",
    "const",
    "type",
    "network",
    "message",
    "node",
    "faults",
    "invariant",
    "stable",
    "reachable",
    "transient",
    "persistent",
    "variant",
    "property",
    "allow",
    "done",
    "bound",
    "init",
    "expect",
    "symmetric",
    "unfair",
];

/// Words that start a node item.
const NODE_ITEM_KEYWORDS: &[&str] = &["var", "persistent", "on", "action", "fair", "strong"];

/// Words that start a statement other than an assignment.
const STATEMENT_KEYWORDS: &[&str] = &["if", "for", "send", "broadcast", "assert", "let"];

/// Words that can never be names (the grammar's `reserved` rule).
const RESERVED_WORDS: &[&str] = &[
    "true", "false", "self", "all", "forall", "exists", "in", "if", "else",
];

/// How a message shows the text found where the parser stopped: in
/// backticks, or named in words when it cannot be seen (`U+00A0 NO-BREAK
/// SPACE`, `U+001B ESCAPE`).
fn found_words(found: &str) -> String {
    let mut chars = found.chars();
    match (chars.next(), chars.next()) {
        (None, _) => "the end of the file".to_string(),
        (Some(c), None) if needs_naming(c) => describe_char(c),
        _ => format!("`{found}`"),
    }
}

/// The keywords that start the constructs `expected` lists.
fn construct_keywords(expected: &[String]) -> Vec<&'static str> {
    let mut keywords = Vec::new();
    for item in expected {
        match item.as_str() {
            "a declaration" => keywords.extend(DECLARATION_KEYWORDS),
            NODE_ITEM => keywords.extend(NODE_ITEM_KEYWORDS),
            "a statement" => keywords.extend(STATEMENT_KEYWORDS),
            _ => {}
        }
    }
    keywords
}

/// Whether `found` is the keyword that starts one of the constructs pest
/// says it expected: pest then failed inside that construct.
fn starts_expected_construct(expected: &[String], found: &str) -> bool {
    construct_keywords(expected).contains(&found)
}

/// The help for an error inside the construct that `keyword` starts: how
/// that construct is written.
fn construct_shape(keyword: &str) -> Option<String> {
    if keyword.is_empty() {
        return None;
    }
    if let Some(shape) = declaration_shape(keyword) {
        return Some(format!(
            "a declaration that starts with `{keyword}` is written {shape}"
        ));
    }
    let (what, shape) = match keyword {
        "var" | "persistent" => (
            "node item",
            "`var name: T = value` or `var name: T in S` (after `persistent`, if any)",
        ),
        "on" => (
            "node item",
            "`on Msg(binders) from src when guard { ... }` (the parts after `Msg` optional)",
        ),
        "action" | "fair" | "strong" => (
            "node item",
            "`action name(p: T) when guard { ... }` (parameters and guard optional)",
        ),
        "if" => ("statement", "`if condition { ... } else { ... }`"),
        "for" => ("statement", "`for x in S { ... }`"),
        "send" => ("statement", "`send destination Msg(args)`"),
        "broadcast" => ("statement", "`broadcast Kind Msg(args)`"),
        "assert" => ("statement", "`assert condition`"),
        "let" => ("statement", "`let name = value`"),
        _ => return None,
    };
    Some(format!(
        "a {what} that starts with `{keyword}` is written {shape}"
    ))
}

/// A help line for the common slips, from what was expected, what was found
/// and the word before it.
fn hint(expected: &[String], found: &str, before: &str) -> Option<String> {
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    let expected = expected.as_slice();
    if let Some(help) = odd_character_hint(found) {
        return Some(help);
    }
    if found == "=" && (expected.contains(&"`==`") || expected.contains(&"an operator")) {
        return Some("use `==` to compare; `=` only assigns".into());
    }
    if expected.contains(&"`protocol`") {
        return Some("a spec starts with `protocol Name`".into());
    }
    if matches!(found, "and" | "or" | "not") || matches!(before, "and" | "or" | "not") {
        return Some("write `&&`, `||` and `!` for and, or and not".into());
    }
    if found == "/*" {
        return Some(
            "comments start with `//` and end at the end of the line; there are no block comments"
                .into(),
        );
    }
    if RESERVED_WORDS.contains(&found) && expected.contains(&"a name") {
        return Some(format!("`{found}` is a reserved word and cannot be a name"));
    }
    // Keywords are contextual, so a declaration inside a block left open
    // reads as the start of an assignment `invariant ... = ...`.
    if DECLARATION_KEYWORDS.contains(&before) && expected.contains(&ASSIGNMENT) {
        return Some(format!(
            "a `}}` may be missing before `{before}`: the block above is still open"
        ));
    }
    // Pest gives up on a declaration as a whole when it fails at a
    // punctuation mark inside it, and reports its first word: show the
    // shape the declaration must have.
    if expected.contains(&"a declaration")
        && let Some(shape) = declaration_shape(found)
    {
        return Some(format!(
            "a declaration that starts with `{found}` is written {shape}"
        ));
    }
    let candidates: &[&str] = if expected.contains(&"a declaration") {
        DECLARATION_KEYWORDS
    } else if expected.contains(&FAULT) {
        &[
            "crash",
            "restart",
            "lose",
            "duplicate",
            "partition",
            "byzantine",
        ]
    } else if expected.contains(&NETWORK_KIND) {
        &["multiset", "set", "fifo"]
    } else if expected.contains(&NODE_ITEM) {
        &["var", "persistent", "on", "action", "fair", "strong"]
    } else {
        &[]
    };
    if let Some(word) = crate::diagnostic::did_you_mean(found, candidates.iter().copied()) {
        return Some(format!("did you mean `{word}`?"));
    }
    let found_a_word = found.starts_with(|c: char| c.is_alphabetic() || c == '_');
    if found_a_word && expected.contains(&"a declaration") {
        return Some(
            "a declaration starts with `const`, `type`, `network`, `message`, `node`, `faults`, \
             a property (`invariant`, `stable`, `reachable`, `transient`, `persistent`, `property`, \
             `variant`), \
             `allow deadlock`, `done when`, `bound` or `expect violation`"
                .into(),
        );
    }
    None
}

/// The help for an invisible or control character where the parser
/// stopped.
fn odd_character_hint(found: &str) -> Option<String> {
    let mut chars = found.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return None;
    };
    if !needs_naming(c) {
        return None;
    }
    let name = describe_char(c);
    Some(if c == crate::text::BYTE_ORDER_MARK {
        "a byte order mark may only start the file: delete this one".to_string()
    } else if c.is_whitespace() {
        format!("{name} looks like a space but is not one: replace it with a plain space")
    } else if c.is_control() {
        format!("{name} is a control character, which a spec cannot hold: delete it")
    } else {
        format!("{name} cannot be seen in most editors: delete it")
    })
}

/// How the declaration that starts with `keyword` is written.
fn declaration_shape(keyword: &str) -> Option<&'static str> {
    Some(match keyword {
        "const" => "`const N: int = 3`",
        "type" => "`type Name = T`",
        "network" => "`network multiset`, `network set` or `network fifo`",
        "message" => "`message Name` or `message Name(field: T, ...)`",
        "node" | "symmetric" => "`node Name { ... }` or `node Name[N] { ... }`",
        "faults" => "`faults { crash Kind <= 1 ... }`",
        "invariant" => "`invariant name: predicate`",
        "stable" => "`stable name: predicate`",
        "reachable" => "`reachable name: predicate`",
        "transient" => "`transient name: predicate`",
        "persistent" => {
            "`persistent name: predicate` (at top level) or `persistent var x: T = v` (in a node)"
        }
        "property" => "`property name: P ~> Q` (or `next`, `unless`, `ensures` for `~>`)",
        "variant" => "`variant name: E while P until Q`",
        "step" => "`step name: E`, with `old(e)` for e before the step",
        "allow" => "`allow deadlock`",
        "done" => "`done when predicate`",
        "bound" => "`bound predicate`",
        "init" => "`init: predicate`",
        "expect" => "`expect violation property_name`",
        _ => return None,
    })
}

/// "a, b or c".
fn one_of(items: &[impl AsRef<str>]) -> String {
    joined(items, "or")
}

/// "a, b and c".
fn all_of(items: &[impl AsRef<str>]) -> String {
    joined(items, "and")
}

/// The items separated by commas, the last two by `word`.
fn joined(items: &[impl AsRef<str>], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} {word} {}", init.join(", "), last.as_ref())
        }
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
            "/*", "~>", "==", "!=", "<=", ">=", "=>", "->", "&&", "||", "+=", "-=", "..",
        ] {
            if rest.starts_with(op) {
                return op.to_string();
            }
        }
        first.to_string()
    }
}

/// The word (name, keyword or number) that ends just before `offset`, with
/// only whitespace between; empty when a symbol or nothing is there.
fn word_before(source: &str, offset: usize) -> String {
    let Some(head) = source.get(..offset) else {
        return String::new();
    };
    let head = head.trim_end();
    let start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map_or(head.len(), |(i, _)| i);
    head[start..].to_string()
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
        expr | bound_expr | let_value => "an expression",
        let_expr => "`let`",
        let_binding => "a name",
        type_expr => "a type",
        block => "`{`",
        protocol_decl | kw_protocol => "`protocol`",
        const_decl | type_decl | network_decl | message_decl | node_decl | faults_decl
        | property_decl | allow_deadlock | done_decl | bound_decl | init_decl | expect_decl
        | def_decl => "a declaration",
        var_decl | handler | action_decl => NODE_ITEM,
        fault | fault_kind => FAULT,
        network_kind => NETWORK_KIND,
        if_stmt | for_stmt | send_stmt | broadcast_stmt | assert_stmt | let_stmt | assign_stmt => {
            "a statement"
        }
        assign_op => ASSIGNMENT,
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
        union_type | kw_union => "`union`",
        union_variant => "a variant",
        match_arm | pattern => "a pattern",
        quantifier | quantifier_kind => "a quantifier",
        _ => return None,
    })
}
