//! Turns pest's parse tree into the [`ast`](super::ast). Pest types never
//! leave [`super`]: callers get a [`Spec`] or a [`SyntaxError`].

use pest::Parser as _;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::sync::OnceLock;

use super::ast::*;
use super::error::SyntaxError;
use super::grammar::{DsParser, Rule};

/// Deeper nesting of brackets than this is refused before pest sees the
/// input, so that no input can exhaust the stack of the recursive parser.
pub const MAX_NESTING: usize = 200;

/// Parses a whole spec. A spec that holds characters changing the
/// direction of text is refused before it is parsed, with one error per
/// line that holds them; otherwise there is at most one error.
pub fn parse(source: &str) -> Result<Spec, Vec<SyntaxError>> {
    let direction = SyntaxError::text_direction(source);
    if !direction.is_empty() {
        return Err(direction);
    }
    check_nesting(source).map_err(|e| vec![e])?;
    super::depth::on_big_stack(|| {
        let spec = parse_unguarded(source).map_err(|e| vec![e])?;
        match super::depth::too_deep(&spec) {
            // The deep tree is dropped here, on the big stack.
            Some(span) => Err(vec![SyntaxError::too_deep_tree(
                span,
                super::depth::MAX_DEPTH,
            )]),
            None => Ok(spec),
        }
    })
}

fn parse_unguarded(source: &str) -> Result<Spec, SyntaxError> {
    let mut pairs = DsParser::parse(Rule::file, source)
        .map_err(|e| SyntaxError::from_pest(e, source, || literal_tokens_tried(source)))?;
    check_int_literals(&pairs)?;
    let file = pairs
        .next()
        .expect("the file rule always produces one pair");
    let mut inner = file.into_inner();
    let protocol_pair = inner
        .next()
        .expect("grammar: file starts with protocol_decl");
    let protocol = ident(
        protocol_pair
            .into_inner()
            .nth(1)
            .expect("grammar: protocol name"),
    );
    let mut items = Vec::new();
    for pair in inner {
        if pair.as_rule() == Rule::EOI {
            break;
        }
        items.push(item(pair));
    }
    Ok(Spec {
        protocol,
        items,
        comments: comments(source),
    })
}

/// Parses a lone expression (for `-D NAME=VALUE` overrides and tests).
pub fn parse_expr(source: &str) -> Result<Expr, SyntaxError> {
    check_nesting(source)?;
    if source.len() > 4096 {
        return Err(SyntaxError::too_deep(4096, 4096));
    }
    let mut pairs = DsParser::parse(Rule::standalone_expr, source)
        .map_err(|e| SyntaxError::from_pest(e, source, || None))?;
    check_int_literals(&pairs)?;
    let pair = pairs.next().expect("grammar: standalone_expr");
    Ok(expr(
        pair.into_inner()
            .next()
            .expect("grammar: standalone_expr holds expr"),
    ))
}

/// Parses `source` again with pest's record of the tokens it tried, and
/// gives the furthest offset at which a token failed with the literal
/// tokens expected there, in backticks (whitespace and comments left out).
///
/// The record is switched on by a process-wide flag of pest's
/// (`set_error_detail`), read when a parse starts; the lock makes this
/// parse always see it on. A parse on another thread that starts meanwhile
/// keeps records too, which only costs it time: the errors pest gives do
/// not depend on the flag. Called only for a spec that failed, so a correct
/// spec never pays for the record.
fn literal_tokens_tried(source: &str) -> Option<(usize, Vec<String>)> {
    static DETAIL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let attempts = {
        let _only_us = DETAIL
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        pest::set_error_detail(true);
        let result = DsParser::parse(Rule::file, source);
        pest::set_error_detail(false);
        result.err()?.parse_attempts()?
    };
    let at = attempts.max_position;
    // Right after a word, pest also tried to go on with the word (`_`):
    // not what the user missed.
    let after_word = source
        .get(..at)
        .and_then(|head| head.chars().next_back())
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut tokens: Vec<String> = attempts
        .expected_tokens()
        .iter()
        .map(ToString::to_string)
        .filter(|t| is_literal_token(t))
        .filter(|t| !(after_word && t.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')))
        .map(|t| format!("`{t}`"))
        .collect();
    tokens.sort();
    tokens.dedup();
    Some((at, tokens))
}

/// Whether pest's description of a token tried is a literal of the
/// grammar that a user would write there: not whitespace, a comment, a
/// character class (`a..z`) or a built-in rule.
fn is_literal_token(token: &str) -> bool {
    let is_range = token.chars().count() == 4 && token.chars().skip(1).take(2).eq(['.', '.']);
    !matches!(
        token,
        " " | "\t" | "\r" | "\n" | "//" | "\u{feff}" | "BUILTIN_RULE"
    ) && !is_range
        && !token.is_empty()
}

/// Refuses an integer literal that does not fit a 64-bit integer, rather
/// than reading it as some other number.
fn check_int_literals(pairs: &Pairs<Rule>) -> Result<(), SyntaxError> {
    match pairs
        .clone()
        .flatten()
        .find(|p| p.as_rule() == Rule::int_lit && p.as_str().parse::<i64>().is_err())
    {
        Some(p) => Err(SyntaxError::IntTooLarge { at: span(&p) }),
        None => Ok(()),
    }
}

/// The most quantifier and `if` keywords inside the open brackets at any
/// point (counted from the start of the current item: [`starts_item`]). A quantifier's body and an `else if` nest without brackets, so
/// brackets alone do not bound pest's recursion; this does, far above any
/// real spec (the tree is held to [`super::depth::MAX_DEPTH`] afterwards).
const MAX_OPEN_KEYWORDS: usize = 4096;

/// Refuses inputs whose brackets nest deeper than [`MAX_NESTING`], or whose
/// open brackets hold more than [`MAX_OPEN_KEYWORDS`] quantifiers and `if`s.
fn check_nesting(source: &str) -> Result<(), SyntaxError> {
    // Per open bracket (and the top level): its quantifiers and `if`s.
    let mut keywords: Vec<usize> = vec![0];
    let mut open_keywords = 0usize;
    let mut in_comment = false;
    let bytes = source.as_bytes();
    let word_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_comment {
            in_comment = b != b'\n';
            i += 1;
            continue;
        }
        if word_char(b) {
            let start = i;
            while i < bytes.len() && word_char(bytes[i]) {
                i += 1;
            }
            if starts_item(&bytes[start..i]) && followed_by_name(&bytes[i..]) {
                // A new item: whatever quantifiers and `if`s the open
                // bracket held are closed (see `starts_item`).
                let here = keywords.last_mut().expect("the top level");
                open_keywords -= *here;
                *here = 0;
                continue;
            }
            if matches!(
                &bytes[start..i],
                b"forall" | b"exists" | b"count" | b"sum" | b"min" | b"max" | b"let" | b"if"
            ) {
                *keywords.last_mut().expect("the top level") += 1;
                open_keywords += 1;
                if open_keywords > MAX_OPEN_KEYWORDS {
                    return Err(SyntaxError::too_deep(start, MAX_OPEN_KEYWORDS));
                }
            }
            continue;
        }
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => in_comment = true,
            b'(' | b'[' | b'{' => {
                keywords.push(0);
                if keywords.len() - 1 > MAX_NESTING {
                    return Err(SyntaxError::too_deep(i, MAX_NESTING));
                }
            }
            b')' | b']' | b'}' if keywords.len() > 1 => {
                open_keywords -= keywords.pop().expect("an open bracket");
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Whether `word` starts an item (a declaration, a property, a node's
/// `var`, `action` or handler). Followed by a name, it ends any expression
/// before it: no expression has two words side by side (a binder follows
/// `count` or `let`, never one of these), so the parser has left every
/// quantifier and `if` open before it by then, and counting them can start
/// again. Without this, 4,097 quantified invariants were "too deep".
fn starts_item(word: &[u8]) -> bool {
    matches!(
        word,
        b"invariant"
            | b"stable"
            | b"reachable"
            | b"transient"
            | b"persistent"
            | b"variant"
            | b"property"
            | b"node"
            | b"const"
            | b"type"
            | b"message"
            | b"var"
            | b"action"
            | b"on"
            | b"def"
    )
}

/// Whether `rest` starts, after blanks and `//` comments, with a word that
/// is not reserved (a name).
fn followed_by_name(rest: &[u8]) -> bool {
    let mut i = 0;
    loop {
        match rest.get(i) {
            Some(b) if b.is_ascii_whitespace() => i += 1,
            Some(b'/') if rest.get(i + 1) == Some(&b'/') => {
                while rest.get(i).is_some_and(|&b| b != b'\n') {
                    i += 1;
                }
            }
            Some(&b) if b.is_ascii_alphabetic() || b == b'_' => {
                let end = rest[i..]
                    .iter()
                    .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
                    .map_or(rest.len(), |n| i + n);
                return !matches!(
                    &rest[i..end],
                    b"true"
                        | b"false"
                        | b"self"
                        | b"all"
                        | b"forall"
                        | b"exists"
                        | b"in"
                        | b"if"
                        | b"else"
                );
            }
            _ => return false,
        }
    }
}

/// Collects the `//` comments of the source, outside of nothing else: the
/// language has no string literals, so every `//` starts a comment.
fn comments(source: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(found) = source[rest..].find("//") {
        let start = rest + found;
        let end = source[start..]
            .find('\n')
            .map_or(source.len(), |n| start + n);
        let text = source[start + 2..end].trim_end_matches('\r').to_string();
        out.push(Comment {
            text,
            span: Span::new(start, end),
        });
        rest = end;
    }
    out
}

/// The span of a pair without the whitespace and comments pest lets a rule
/// swallow after its last token.
fn span(pair: &Pair<Rule>) -> Span {
    let start = pair.as_span().start();
    let mut text = pair.as_str();
    loop {
        text = text.trim_end();
        let line_start = text.rfind('\n').map_or(0, |n| n + 1);
        match text[line_start..].find("//") {
            Some(c) => text = &text[..line_start + c],
            None => break,
        }
    }
    Span::new(start, start + text.len())
}

fn ident(pair: Pair<Rule>) -> Ident {
    debug_assert_eq!(pair.as_rule(), Rule::ident);
    Ident {
        name: pair.as_str().to_string(),
        span: span(&pair),
    }
}

fn item(pair: Pair<Rule>) -> Item {
    let sp = span(&pair);
    match pair.as_rule() {
        Rule::const_decl => {
            let mut it = pair.into_inner().skip(1);
            let name = ident(it.next().unwrap());
            let ty = type_expr(it.next().unwrap());
            let value = expr(it.next().unwrap());
            Item::Const(ConstDecl {
                name,
                ty,
                value,
                span: sp,
            })
        }
        Rule::type_decl => {
            let mut it = pair.into_inner().skip(1);
            let name = ident(it.next().unwrap());
            let ty = type_expr(it.next().unwrap());
            Item::Type(TypeDecl { name, ty, span: sp })
        }
        Rule::network_decl => {
            let mut unfair = false;
            let mut kind = NetworkKind::Multiset;
            let mut messages = Vec::new();
            for p in pair.into_inner() {
                match p.as_rule() {
                    Rule::unfair => unfair = true,
                    Rule::network_kind => {
                        kind = match p.as_str() {
                            "set" => NetworkKind::Set,
                            "fifo" => NetworkKind::Fifo,
                            _ => NetworkKind::Multiset,
                        }
                    }
                    Rule::ident_list => messages = p.into_inner().map(ident).collect(),
                    _ => {}
                }
            }
            Item::Network(NetworkDecl {
                unfair,
                kind,
                messages,
                span: sp,
            })
        }
        Rule::message_decl => {
            let mut unfair = false;
            let mut name = None;
            let mut fields = Vec::new();
            for p in pair.into_inner() {
                match p.as_rule() {
                    Rule::unfair => unfair = true,
                    Rule::ident => name = Some(ident(p)),
                    Rule::field_list => fields = p.into_inner().map(field).collect(),
                    _ => {}
                }
            }
            Item::Message(MessageDecl {
                unfair,
                name: name.expect("grammar: message name"),
                fields,
                span: sp,
            })
        }
        Rule::node_decl => Item::Node(node_decl(pair)),
        Rule::faults_decl => {
            let faults = pair
                .into_inner()
                .filter(|p| p.as_rule() == Rule::fault)
                .map(fault)
                .collect();
            Item::Faults(FaultsDecl { faults, span: sp })
        }
        Rule::property_decl => Item::Property(property(pair.into_inner().next().unwrap())),
        Rule::allow_deadlock => Item::AllowDeadlock(sp),
        Rule::done_decl => {
            let cond = expr(pair.into_inner().nth(2).unwrap());
            Item::Done(DoneDecl { cond, span: sp })
        }
        Rule::bound_decl => {
            let cond = expr(pair.into_inner().nth(1).unwrap());
            Item::Bound(BoundDecl { cond, span: sp })
        }
        Rule::init_decl => {
            let cond = expr(pair.into_inner().nth(1).unwrap());
            Item::Init(InitDecl { cond, span: sp })
        }
        Rule::expect_decl => {
            let property = ident(pair.into_inner().nth(2).unwrap());
            Item::Expect(ExpectDecl { property, span: sp })
        }
        Rule::def_decl => {
            let mut name = None;
            let mut params = None;
            let mut ty = None;
            let mut body = None;
            for p in pair.into_inner() {
                match p.as_rule() {
                    Rule::ident => name = Some(ident(p)),
                    Rule::param_list => params = Some(p.into_inner().map(field).collect()),
                    Rule::type_expr => ty = Some(type_expr(p)),
                    Rule::expr => body = Some(expr(p)),
                    _ => {}
                }
            }
            Item::Def(DefDecl {
                name: name.expect("grammar: def name"),
                params,
                ty: ty.expect("grammar: def type"),
                body: body.expect("grammar: def body"),
                span: sp,
            })
        }
        rule => unreachable!("grammar: unexpected item {rule:?}"),
    }
}

fn field(pair: Pair<Rule>) -> Field {
    let sp = span(&pair);
    let mut it = pair.into_inner();
    let name = ident(it.next().unwrap());
    let ty = type_expr(it.next().unwrap());
    Field { name, ty, span: sp }
}

fn fault(pair: Pair<Rule>) -> FaultDecl {
    let sp = span(&pair);
    let mut kind = FaultKind::Crash;
    let mut target = None;
    let mut budget = None;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::fault_kind => {
                kind = match p.as_str() {
                    "restart" => FaultKind::Restart,
                    "lose" => FaultKind::Lose,
                    "duplicate" => FaultKind::Duplicate,
                    "partition" => FaultKind::Partition,
                    "byzantine" => FaultKind::Byzantine,
                    _ => FaultKind::Crash,
                }
            }
            Rule::ident => target = Some(ident(p)),
            Rule::expr => budget = Some(expr(p)),
            _ => {}
        }
    }
    FaultDecl {
        kind,
        target,
        budget,
        span: sp,
    }
}

fn node_decl(pair: Pair<Rule>) -> NodeDecl {
    let sp = span(&pair);
    let mut symmetric = false;
    let mut name = None;
    let mut count = None;
    let mut items = Vec::new();
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::symmetric => symmetric = true,
            Rule::ident => name = Some(ident(p)),
            Rule::node_count => count = Some(expr(p.into_inner().next().unwrap())),
            Rule::var_decl => items.push(NodeItem::Var(var_decl(p))),
            Rule::handler => items.push(NodeItem::Handler(handler(p))),
            Rule::action_decl => items.push(NodeItem::Action(action(p))),
            _ => {}
        }
    }
    NodeDecl {
        symmetric,
        name: name.expect("grammar: node name"),
        count,
        items,
        span: sp,
    }
}

fn var_decl(pair: Pair<Rule>) -> VarDecl {
    let sp = span(&pair);
    let mut persistent = false;
    let mut name = None;
    let mut ty = None;
    let mut init = None;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::persistent => persistent = true,
            Rule::ident => name = Some(ident(p)),
            Rule::type_expr => ty = Some(type_expr(p)),
            Rule::init_value => init = Some(VarInit::Value(expr(p.into_inner().next().unwrap()))),
            Rule::init_choice => init = Some(VarInit::OneOf(expr(p.into_inner().nth(1).unwrap()))),
            _ => {}
        }
    }
    VarDecl {
        persistent,
        name: name.expect("grammar: var name"),
        ty: ty.expect("grammar: var type"),
        init: init.expect("grammar: var init"),
        span: sp,
    }
}

fn binder(pair: Pair<Rule>) -> Binder {
    let inner = pair.into_inner().next().unwrap();
    match inner.as_rule() {
        Rule::wildcard => Binder::Wildcard(span(&inner)),
        _ => Binder::Name(ident(inner)),
    }
}

fn handler(pair: Pair<Rule>) -> HandlerDecl {
    let sp = span(&pair);
    let mut message = None;
    let mut binders = None;
    let mut from = None;
    let mut guard = None;
    let mut body = None;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::ident => message = Some(ident(p)),
            Rule::binder_list => binders = Some(p.into_inner().map(binder).collect()),
            Rule::from_clause => {
                let fsp = span(&p);
                let mut it = p.into_inner().skip(1);
                let b = binder(it.next().unwrap());
                let kind = it.next().map(ident);
                from = Some(FromClause {
                    binder: b,
                    kind,
                    span: fsp,
                });
            }
            Rule::guard => guard = Some(expr(p.into_inner().nth(1).unwrap())),
            Rule::block => body = Some(block(p)),
            _ => {}
        }
    }
    HandlerDecl {
        message: message.expect("grammar: handler message"),
        binders,
        from,
        guard,
        body: body.expect("grammar: handler body"),
        span: sp,
    }
}

fn action(pair: Pair<Rule>) -> ActionDecl {
    let sp = span(&pair);
    let mut fairness = Fairness::Unfair;
    let mut family = None;
    let mut name = None;
    let mut params = None;
    let mut guard = None;
    let mut body = None;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::fairness => {
                fairness = match p.into_inner().next().unwrap().as_rule() {
                    Rule::strong_fair => Fairness::Strong,
                    _ => Fairness::Weak,
                }
            }
            Rule::fair_family => family = Some(span(&p)),
            Rule::ident => name = Some(ident(p)),
            Rule::param_list => params = Some(p.into_inner().map(field).collect()),
            Rule::guard => guard = Some(expr(p.into_inner().nth(1).unwrap())),
            Rule::block => body = Some(block(p)),
            _ => {}
        }
    }
    ActionDecl {
        fairness,
        family,
        name: name.expect("grammar: action name"),
        params,
        guard,
        body: body.expect("grammar: action body"),
        span: sp,
    }
}

fn block(pair: Pair<Rule>) -> Block {
    let sp = span(&pair);
    Block {
        stmts: pair.into_inner().map(stmt).collect(),
        span: sp,
    }
}

fn stmt(pair: Pair<Rule>) -> Stmt {
    let sp = span(&pair);
    let kind = match pair.as_rule() {
        Rule::if_stmt => {
            let mut it = pair.into_inner().skip(1);
            let cond = expr(it.next().unwrap());
            let then_block = block(it.next().unwrap());
            let else_branch =
                it.find(|p| p.as_rule() != Rule::kw_else)
                    .map(|p| match p.as_rule() {
                        Rule::if_stmt => ElseBranch::If(Box::new(stmt(p))),
                        _ => ElseBranch::Block(block(p)),
                    });
            StmtKind::If {
                cond,
                then_block,
                else_branch,
            }
        }
        Rule::for_stmt => {
            let mut it = pair
                .into_inner()
                .filter(|p| !matches!(p.as_rule(), Rule::kw_for | Rule::kw_in));
            let var = ident(it.next().unwrap());
            let domain = expr(it.next().unwrap());
            let body = block(it.next().unwrap());
            StmtKind::For { var, domain, body }
        }
        Rule::send_stmt => {
            let mut it = pair.into_inner().skip(1);
            let dest = expr(it.next().unwrap());
            let message = message_ctor(it.next().unwrap());
            StmtKind::Send { dest, message }
        }
        Rule::broadcast_stmt => {
            let mut it = pair.into_inner().skip(1);
            let kind = ident(it.next().unwrap());
            let message = message_ctor(it.next().unwrap());
            StmtKind::Broadcast { kind, message }
        }
        Rule::assert_stmt => StmtKind::Assert(expr(pair.into_inner().nth(1).unwrap())),
        Rule::let_stmt => {
            let mut it = pair.into_inner().skip(1);
            let name = ident(it.next().unwrap());
            let value = expr(it.next().unwrap());
            StmtKind::Let { name, value }
        }
        Rule::assign_stmt => {
            let mut it = pair.into_inner();
            let place = place(it.next().unwrap());
            let op = match it.next().unwrap().as_str() {
                "+=" => AssignOp::Add,
                "-=" => AssignOp::Remove,
                _ => AssignOp::Set,
            };
            let value = expr(it.next().unwrap());
            StmtKind::Assign { place, op, value }
        }
        rule => unreachable!("grammar: unexpected statement {rule:?}"),
    };
    Stmt { kind, span: sp }
}

fn place(pair: Pair<Rule>) -> Expr {
    let mut it = pair.into_inner();
    let base = ident(it.next().unwrap());
    let mut e = Expr {
        span: base.span,
        kind: ExprKind::Name(base),
    };
    for access in it {
        e = apply_postfix(e, access);
    }
    e
}

fn message_ctor(pair: Pair<Rule>) -> MessageCtor {
    let sp = span(&pair);
    let mut it = pair.into_inner();
    let name = ident(it.next().unwrap());
    let args = it.next().map(|list| list.into_inner().map(expr).collect());
    MessageCtor {
        name,
        args,
        span: sp,
    }
}

fn property(pair: Pair<Rule>) -> PropertyDecl {
    let sp = span(&pair);
    let rule = pair.as_rule();
    let mut it = pair
        .into_inner()
        .filter(|p| !matches!(p.as_rule(), Rule::kw_while | Rule::kw_until))
        .skip(1)
        .peekable();
    let name = ident(it.next().unwrap());
    let mut params = Vec::new();
    while let Some(param) = it.next_if(|p| p.as_rule() == Rule::prop_param) {
        let mut parts = param.into_inner().filter(|p| p.as_rule() != Rule::kw_in);
        params.push(PropParam {
            name: ident(parts.next().unwrap()),
            domain: expr(parts.next().unwrap()),
        });
    }
    let kind = match rule {
        Rule::invariant_prop => PropertyKind::Invariant(expr(it.next().unwrap())),
        Rule::stable_prop => PropertyKind::Stable(expr(it.next().unwrap())),
        Rule::reachable_prop => PropertyKind::Reachable(expr(it.next().unwrap())),
        Rule::transient_prop => PropertyKind::Transient(expr(it.next().unwrap())),
        Rule::persistent_prop => PropertyKind::Persistent(expr(it.next().unwrap())),
        Rule::step_prop => PropertyKind::Step(expr(it.next().unwrap())),
        Rule::variant_prop => {
            let measure = expr(it.next().unwrap());
            let while_cond = expr(it.next().unwrap());
            let until = it.next().map(expr);
            PropertyKind::Variant {
                measure,
                while_cond,
                until,
            }
        }
        Rule::temporal_prop => {
            let lhs = expr(it.next().unwrap());
            let op = it.next().unwrap();
            let rhs = expr(it.next().unwrap());
            match op.as_str() {
                "~>" => PropertyKind::LeadsTo(lhs, rhs),
                "next" => PropertyKind::Next(lhs, rhs),
                "unless" => PropertyKind::Unless(lhs, rhs),
                _ => PropertyKind::Ensures(lhs, rhs),
            }
        }
        rule => unreachable!("grammar: unexpected property {rule:?}"),
    };
    PropertyDecl {
        name,
        params,
        kind,
        span: sp,
    }
}

fn type_expr(pair: Pair<Rule>) -> TypeExpr {
    let sp = span(&pair);
    let inner = pair.into_inner().next().unwrap();
    let kind = match inner.as_rule() {
        Rule::bool_type => TypeKind::Bool,
        Rule::int_type => TypeKind::Int,
        Rule::enum_type => TypeKind::Enum(inner.into_inner().map(ident).collect()),
        Rule::set_type => TypeKind::Set(Box::new(type_expr(inner.into_inner().next().unwrap()))),
        Rule::option_type => {
            TypeKind::Option(Box::new(type_expr(inner.into_inner().next().unwrap())))
        }
        Rule::map_type => {
            let mut it = inner.into_inner();
            let k = type_expr(it.next().unwrap());
            let v = type_expr(it.next().unwrap());
            TypeKind::Map(Box::new(k), Box::new(v))
        }
        Rule::seq_type => {
            let mut it = inner.into_inner();
            let t = type_expr(it.next().unwrap());
            let k = climb(it.next().unwrap().into_inner());
            TypeKind::Seq(Box::new(t), Box::new(k))
        }
        Rule::range_type => {
            let mut it = inner.into_inner();
            let lo = climb(it.next().unwrap().into_inner());
            let hi = climb(it.next().unwrap().into_inner());
            TypeKind::Range(Box::new(lo), Box::new(hi))
        }
        Rule::tuple_type => TypeKind::Tuple(inner.into_inner().map(type_expr).collect()),
        Rule::record_type => TypeKind::Record(inner.into_inner().map(field).collect()),
        Rule::named_type => TypeKind::Named(ident(inner.into_inner().next().unwrap())),
        Rule::union_type => return union_type(inner, sp),
        rule => unreachable!("grammar: unexpected type {rule:?}"),
    };
    TypeExpr { kind, span: sp }
}

/// `union { .. }`; `sp` is the whole type's span.
fn union_type(pair: Pair<Rule>, sp: Span) -> TypeExpr {
    let variants = pair
        .into_inner()
        .filter(|p| p.as_rule() == Rule::union_variant)
        .map(|v| {
            let vsp = span(&v);
            let mut it = v.into_inner();
            let name = ident(it.next().unwrap());
            let fields = it.next().map(|list| list.into_inner().map(field).collect());
            UnionVariant {
                name,
                fields,
                span: vsp,
            }
        })
        .collect();
    TypeExpr {
        kind: TypeKind::Union(variants),
        span: sp,
    }
}

fn match_arm(pair: Pair<Rule>) -> MatchArm {
    let sp = span(&pair);
    let mut it = pair.into_inner();
    let pat = it.next().unwrap();
    let psp = span(&pat);
    let mut inner = pat.into_inner();
    let first = inner.next().unwrap();
    let pattern = match first.as_rule() {
        Rule::wildcard => Pattern::Wildcard(psp),
        _ => Pattern::Variant {
            name: ident(first),
            binders: inner
                .next()
                .map(|list| list.into_inner().map(binder).collect()),
            span: psp,
        },
    };
    MatchArm {
        pattern,
        body: expr(it.next().unwrap()),
        span: sp,
    }
}

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::implies, Assoc::Right))
            .op(Op::infix(Rule::or, Assoc::Left))
            .op(Op::infix(Rule::and, Assoc::Left))
            .op(Op::infix(Rule::eq, Assoc::Left)
                | Op::infix(Rule::ne, Assoc::Left)
                | Op::infix(Rule::lt, Assoc::Left)
                | Op::infix(Rule::le, Assoc::Left)
                | Op::infix(Rule::gt, Assoc::Left)
                | Op::infix(Rule::ge, Assoc::Left)
                | Op::infix(Rule::in_op, Assoc::Left))
            .op(Op::infix(Rule::range_op, Assoc::Left))
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left)
                | Op::infix(Rule::div, Assoc::Left)
                | Op::infix(Rule::rem, Assoc::Left)
                | Op::infix(Rule::inter, Assoc::Left))
            .op(Op::prefix(Rule::not) | Op::prefix(Rule::neg))
            .op(Op::postfix(Rule::field_access)
                | Op::postfix(Rule::index_access)
                | Op::postfix(Rule::is_test))
    })
}

fn expr(pair: Pair<Rule>) -> Expr {
    debug_assert_eq!(pair.as_rule(), Rule::expr);
    climb(pair.into_inner())
}

fn climb(pairs: Pairs<Rule>) -> Expr {
    pratt()
        .map_primary(primary)
        .map_prefix(|op, operand| {
            let sp = span(&op).to(operand.span);
            let op = match op.as_rule() {
                Rule::not => UnaryOp::Not,
                _ => UnaryOp::Neg,
            };
            Expr {
                kind: ExprKind::Unary(op, Box::new(operand)),
                span: sp,
            }
        })
        .map_postfix(apply_postfix)
        .map_infix(|lhs, op, rhs| {
            let sp = lhs.span.to(rhs.span);
            let op = match op.as_rule() {
                Rule::implies => BinaryOp::Implies,
                Rule::or => BinaryOp::Or,
                Rule::and => BinaryOp::And,
                Rule::eq => BinaryOp::Eq,
                Rule::ne => BinaryOp::Ne,
                Rule::lt => BinaryOp::Lt,
                Rule::le => BinaryOp::Le,
                Rule::gt => BinaryOp::Gt,
                Rule::ge => BinaryOp::Ge,
                Rule::in_op => BinaryOp::In,
                Rule::range_op => BinaryOp::Range,
                Rule::add => BinaryOp::Add,
                Rule::sub => BinaryOp::Sub,
                Rule::mul => BinaryOp::Mul,
                Rule::div => BinaryOp::Div,
                Rule::rem => BinaryOp::Rem,
                Rule::inter => BinaryOp::Inter,
                rule => unreachable!("grammar: unexpected operator {rule:?}"),
            };
            Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span: sp,
            }
        })
        .parse(pairs)
}

fn apply_postfix(base: Expr, op: Pair<Rule>) -> Expr {
    let sp = base.span.to(span(&op));
    let kind = match op.as_rule() {
        Rule::field_access => {
            let inner = op.into_inner().next().unwrap();
            match inner.as_rule() {
                Rule::ident => ExprKind::Field(Box::new(base), ident(inner)),
                _ => {
                    // A tuple index too large for u32 cannot name an element of
                    // any tuple; saturate and let the type checker refuse it.
                    let index = inner.as_str().parse::<u32>().unwrap_or(u32::MAX);
                    ExprKind::TupleField(Box::new(base), index, span(&inner))
                }
            }
        }
        Rule::is_test => ExprKind::Is(Box::new(base), ident(op.into_inner().nth(1).unwrap())),
        _ => ExprKind::Index(
            Box::new(base),
            Box::new(expr(op.into_inner().next().unwrap())),
        ),
    };
    Expr { kind, span: sp }
}

fn primary(pair: Pair<Rule>) -> Expr {
    let sp = span(&pair);
    let kind = match pair.as_rule() {
        Rule::bool_lit => ExprKind::Bool(pair.as_str() == "true"),
        Rule::int_lit => ExprKind::Int(
            pair.as_str()
                .parse::<i64>()
                .expect("check_int_literals: every literal fits"),
        ),
        Rule::ident => ExprKind::Name(ident(pair)),
        Rule::self_expr => ExprKind::SelfRef,
        Rule::call => {
            let mut it = pair.into_inner();
            let name = ident(it.next().unwrap());
            ExprKind::Call(name, it.map(expr).collect())
        }
        Rule::quantifier => {
            let mut it = pair.into_inner();
            let quantifier = match it.next().unwrap().as_str() {
                "forall" => Quantifier::Forall,
                "exists" => Quantifier::Exists,
                "sum" => Quantifier::Sum,
                "min" => Quantifier::Min,
                "max" => Quantifier::Max,
                _ => Quantifier::Count,
            };
            let mut groups = Vec::new();
            let mut body = None;
            for p in it {
                match p.as_rule() {
                    Rule::quant_group => {
                        let mut vars = Vec::new();
                        let mut domain = None;
                        for q in p.into_inner() {
                            match q.as_rule() {
                                Rule::ident => vars.push(ident(q)),
                                Rule::expr => domain = Some(expr(q)),
                                _ => {}
                            }
                        }
                        let domain = domain.expect("grammar: quantifier domain");
                        groups.push(QuantGroup { vars, domain });
                    }
                    Rule::expr => body = Some(expr(p)),
                    _ => {}
                }
            }
            ExprKind::Quant {
                quantifier,
                groups,
                body: Box::new(body.expect("grammar: quantifier body")),
            }
        }
        Rule::let_expr => {
            let mut bindings = Vec::new();
            let mut body = None;
            for p in pair.into_inner() {
                match p.as_rule() {
                    Rule::let_binding => {
                        let mut it = p.into_inner();
                        let name = ident(it.next().unwrap());
                        let value = climb(it.next().unwrap().into_inner());
                        bindings.push((name, value));
                    }
                    Rule::expr => body = Some(expr(p)),
                    _ => {}
                }
            }
            ExprKind::Let {
                bindings,
                body: Box::new(body.expect("grammar: let body")),
            }
        }
        Rule::if_expr => {
            let mut it = pair
                .into_inner()
                .filter(|p| !matches!(p.as_rule(), Rule::kw_if | Rule::kw_else));
            let cond = expr(it.next().unwrap());
            let then_e = expr(it.next().unwrap());
            let else_pair = it.next().unwrap();
            let else_e = match else_pair.as_rule() {
                Rule::if_expr => primary(else_pair),
                _ => expr(else_pair),
            };
            ExprKind::If(Box::new(cond), Box::new(then_e), Box::new(else_e))
        }
        Rule::match_expr => {
            let mut it = pair.into_inner().skip(1);
            let scrutinee = expr(it.next().unwrap());
            ExprKind::Match(Box::new(scrutinee), it.map(match_arm).collect())
        }
        Rule::all_expr => ExprKind::All(type_expr(pair.into_inner().nth(1).unwrap())),
        Rule::paren_or_tuple => {
            let mut items: Vec<Expr> = pair.into_inner().map(expr).collect();
            if items.len() == 1 {
                ExprKind::Paren(Box::new(items.pop().unwrap()))
            } else {
                ExprKind::Tuple(items)
            }
        }
        Rule::record_lit => ExprKind::Record(
            pair.into_inner()
                .map(|entry| {
                    let mut it = entry.into_inner();
                    let name = ident(it.next().unwrap());
                    (name, expr(it.next().unwrap()))
                })
                .collect(),
        ),
        Rule::map_or_set => {
            let mut it = pair.into_inner();
            match (it.next(), it.next()) {
                (Some(first), Some(rest)) if rest.as_rule() == Rule::map_rest => {
                    let first_key = match first.as_rule() {
                        Rule::wildcard => MapKey::Default(span(&first)),
                        _ => MapKey::Key(expr(first)),
                    };
                    let mut rest = rest.into_inner();
                    let mut entries = vec![(first_key, expr(rest.next().unwrap()))];
                    entries.extend(rest.map(|entry| {
                        let mut it = entry.into_inner();
                        let key_pair = it.next().unwrap().into_inner().next().unwrap();
                        let key = match key_pair.as_rule() {
                            Rule::wildcard => MapKey::Default(span(&key_pair)),
                            _ => MapKey::Key(expr(key_pair)),
                        };
                        (key, expr(it.next().unwrap()))
                    }));
                    ExprKind::Map(entries)
                }
                (Some(first), rest) => ExprKind::Set(
                    std::iter::once(expr(first))
                        .chain(rest.into_iter().flat_map(|r| r.into_inner().map(expr)))
                        .collect(),
                ),
                (None, _) => ExprKind::Set(Vec::new()),
            }
        }
        Rule::seq_lit => ExprKind::Seq(pair.into_inner().map(expr).collect()),
        Rule::expr => return expr(pair),
        rule => unreachable!("grammar: unexpected primary {rule:?}"),
    };
    Expr { kind, span: sp }
}
