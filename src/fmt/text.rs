//! The one-line text of expressions, types and declaration headers.
//!
//! Everything here is a pure function of the AST: no comments. The one-line
//! texts ([`expr`] and the headers) are the same wherever they are placed;
//! the wrapped forms ([`wrapped`], [`wrapped_item`], [`wrapped_guard`])
//! depend only on the column they start at.
//!
//! Parentheses: an [`ExprKind::Paren`] node prints as a pair of parentheses
//! and no other pair is ever added, so the parser rebuilds the same tree,
//! with one exception. In the bounds of a range type (`0..N`) and of a
//! sequence type (`seq<T, K>`) the grammar allows only arithmetic, names and
//! literals, and a parenthesised atom there (`0..(N + 1) * 2`) loses its
//! parentheses in the AST. [`write_bound`] puts back a pair wherever the
//! bound grammar or precedence needs one.

use crate::syntax::ast::*;

/// The binding strength of prefix `-` and `!`: tighter than every infix
/// operator (see [`BinaryOp::precedence`]), looser than postfix accesses.
const PREFIX_PRECEDENCE: u8 = 8;

/// The text of an expression.
pub(super) fn expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e);
    out
}

/// Writes `items` separated by `, `.
fn write_list<T>(out: &mut String, items: &[T], mut write_item: impl FnMut(&mut String, &T)) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_item(out, item);
    }
}

fn write_names(out: &mut String, names: &[Ident]) {
    write_list(out, names, |out, name| out.push_str(&name.name));
}

fn write_expr(out: &mut String, e: &Expr) {
    // `a + b + c`, `x.f.g` and `m[i][j]` nest as deep as they are long, and
    // the parser takes them at any length: their spine is walked with a
    // loop, so that a long chain cannot exhaust the stack.
    let mut suffixes: Vec<&Expr> = Vec::new();
    let mut current = e;
    loop {
        match &current.kind {
            ExprKind::Binary(_, lhs, _) => {
                suffixes.push(current);
                current = lhs;
            }
            ExprKind::Field(base, _)
            | ExprKind::TupleField(base, ..)
            | ExprKind::Index(base, _) => {
                suffixes.push(current);
                current = base;
            }
            // A prefix operator precedes its operand, and what encloses it
            // on the spine follows the operand: it can be written now.
            ExprKind::Unary(op, operand) => {
                out.push_str(unary_symbol(*op));
                current = operand;
            }
            _ => break,
        }
    }
    write_atom(out, current);
    for suffix in suffixes.iter().rev() {
        match &suffix.kind {
            ExprKind::Binary(op, _, rhs) => {
                // A range reads as one value (`0..N`); every other operator
                // gets a space on each side.
                if *op == BinaryOp::Range {
                    out.push_str("..");
                } else {
                    out.push(' ');
                    out.push_str(op.symbol());
                    out.push(' ');
                }
                write_expr(out, rhs);
            }
            ExprKind::Field(_, name) => {
                out.push('.');
                out.push_str(&name.name);
            }
            ExprKind::TupleField(_, index, _) => {
                out.push('.');
                out.push_str(&index.to_string());
            }
            ExprKind::Index(_, index) => {
                out.push('[');
                write_expr(out, index);
                out.push(']');
            }
            _ => {}
        }
    }
}

/// Writes an expression that is not an operator or an access (those are
/// the spine [`write_expr`] walks).
fn write_atom(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        ExprKind::Int(value) => out.push_str(&value.to_string()),
        ExprKind::Name(name) => out.push_str(&name.name),
        ExprKind::SelfRef => out.push_str("self"),
        ExprKind::Unary(..)
        | ExprKind::Binary(..)
        | ExprKind::Field(..)
        | ExprKind::TupleField(..)
        | ExprKind::Index(..) => write_expr(out, e),
        ExprKind::Call(name, args) => {
            out.push_str(&name.name);
            out.push('(');
            write_list(out, args, write_expr);
            out.push(')');
        }
        ExprKind::Quant {
            quantifier,
            groups,
            body,
        } => {
            write_quant_head(out, *quantifier, groups);
            out.push(' ');
            write_expr(out, body);
        }
        ExprKind::Let { bindings, body } => {
            write_let_head(out, bindings);
            out.push(' ');
            write_expr(out, body);
        }
        ExprKind::All(ty) => {
            out.push_str("all ");
            write_type(out, ty);
        }
        ExprKind::If(cond, then_value, else_value) => {
            out.push_str("if ");
            write_expr(out, cond);
            out.push_str(" { ");
            write_expr(out, then_value);
            out.push_str(" } else ");
            // `else if` and `else { if .. }` parse to the same tree; the
            // chain reads better.
            if let ExprKind::If(..) = else_value.kind {
                write_expr(out, else_value);
            } else {
                out.push_str("{ ");
                write_expr(out, else_value);
                out.push_str(" }");
            }
        }
        ExprKind::Match(scrutinee, arms) => {
            out.push_str("match ");
            write_expr(out, scrutinee);
            out.push_str(" { ");
            write_list(out, arms, |out, arm| {
                write_pattern(out, &arm.pattern);
                out.push_str(" => ");
                write_expr(out, &arm.body);
            });
            out.push_str(" }");
        }
        ExprKind::Is(base, variant) => {
            write_expr(out, base);
            out.push_str(" is ");
            out.push_str(&variant.name);
        }
        ExprKind::Tuple(items) => {
            out.push('(');
            write_list(out, items, write_expr);
            out.push(')');
        }
        ExprKind::Set(items) if items.is_empty() => out.push_str("{}"),
        ExprKind::Set(items) => {
            out.push_str("{ ");
            write_list(out, items, write_expr);
            out.push_str(" }");
        }
        ExprKind::Seq(items) => {
            out.push('[');
            write_list(out, items, write_expr);
            out.push(']');
        }
        ExprKind::Map(entries) => {
            out.push_str("{ ");
            write_list(out, entries, |out, (key, value)| {
                match key {
                    MapKey::Default(_) => out.push('_'),
                    MapKey::Key(key) => write_expr(out, key),
                }
                out.push_str(" -> ");
                write_expr(out, value);
            });
            out.push_str(" }");
        }
        ExprKind::Record(entries) => {
            out.push_str("{ ");
            write_list(out, entries, |out, (name, value)| {
                out.push_str(&name.name);
                out.push_str(": ");
                write_expr(out, value);
            });
            out.push_str(" }");
        }
        ExprKind::Paren(inner) => {
            out.push('(');
            write_expr(out, inner);
            out.push(')');
        }
    }
}

/// `forall x, y in S:`: a quantifier without its body.
fn write_quant_head(out: &mut String, quantifier: Quantifier, groups: &[QuantGroup]) {
    out.push_str(quantifier.keyword());
    out.push(' ');
    write_list(out, groups, |out, group| {
        write_names(out, &group.vars);
        out.push_str(" in ");
        write_expr(out, &group.domain);
    });
    out.push(':');
}

/// `let x = a, y = b in`: a `let` without its body.
fn write_let_head(out: &mut String, bindings: &[(Ident, Expr)]) {
    out.push_str("let ");
    write_list(out, bindings, |out, (name, value)| {
        out.push_str(&name.name);
        out.push_str(" = ");
        write_expr(out, value);
    });
    out.push_str(" in");
}

/// A `match` arm's pattern: `V(x, _)`, `V` or `_`.
fn write_pattern(out: &mut String, pattern: &Pattern) {
    match pattern {
        Pattern::Wildcard(_) => out.push('_'),
        Pattern::Variant { name, binders, .. } => {
            out.push_str(&name.name);
            if let Some(binders) = binders {
                out.push('(');
                write_list(out, binders, write_binder);
                out.push(')');
            }
        }
    }
}

fn unary_symbol(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Not => "!",
        UnaryOp::Neg => "-",
    }
}

fn write_type(out: &mut String, ty: &TypeExpr) {
    match &ty.kind {
        TypeKind::Bool => out.push_str("bool"),
        TypeKind::Int => out.push_str("int"),
        TypeKind::Range(lo, hi) => {
            write_bound(out, lo, true);
            out.push_str("..");
            write_bound(out, hi, false);
        }
        TypeKind::Enum(variants) => {
            out.push_str("enum { ");
            write_names(out, variants);
            out.push_str(" }");
        }
        TypeKind::Set(element) => {
            out.push_str("set<");
            write_type(out, element);
            out.push('>');
        }
        TypeKind::Map(key, value) => {
            out.push_str("map<");
            write_type(out, key);
            out.push_str(", ");
            write_type(out, value);
            out.push('>');
        }
        TypeKind::Option(inner) => {
            out.push_str("option<");
            write_type(out, inner);
            out.push('>');
        }
        TypeKind::Seq(element, max_len) => {
            out.push_str("seq<");
            write_type(out, element);
            out.push_str(", ");
            write_bound(out, max_len, false);
            out.push('>');
        }
        TypeKind::Tuple(items) => {
            out.push('(');
            write_list(out, items, write_type);
            out.push(')');
        }
        TypeKind::Record(fields) => {
            out.push_str("{ ");
            write_list(out, fields, write_field);
            out.push_str(" }");
        }
        TypeKind::Union(variants) => {
            out.push_str("union { ");
            write_list(out, variants, write_variant);
            out.push_str(" }");
        }
        TypeKind::Named(name) => out.push_str(&name.name),
    }
}

/// A union's variant: `V(f: T, ..)` or `V`.
fn write_variant(out: &mut String, v: &UnionVariant) {
    out.push_str(&v.name.name);
    if let Some(fields) = &v.fields {
        out.push('(');
        write_list(out, fields, write_field);
        out.push(')');
    }
}

/// `name: TYPE`
fn write_field(out: &mut String, field: &Field) {
    out.push_str(&field.name.name);
    out.push_str(": ");
    write_type(out, &field.ty);
}

/// Whether `op` may appear between the atoms of a type bound (the grammar's
/// `bound_infix`).
fn is_bound_op(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem
    )
}

/// Writes a whole type bound (a side of a range type, the length of a
/// sequence type). `leftmost_in_type` marks the low end of a range type,
/// where a name `bool` or `int` would be read as that type.
fn write_bound(out: &mut String, e: &Expr, leftmost_in_type: bool) {
    // A bound that is plain arithmetic over parenthesised groups reads best
    // as one group, as it was most likely written: `0..(N * (M + 1))`
    // rather than `0..N * ((M + 1))`.
    if !matches!(e.kind, ExprKind::Paren(_)) && contains_paren_group(e) && is_plain_arithmetic(e) {
        out.push('(');
        write_expr(out, e);
        out.push(')');
    } else {
        write_bound_operand(out, e, 0, leftmost_in_type);
    }
}

/// Writes an expression in a type bound, at a place where only operators
/// binding at least as tightly as `min_precedence` may appear without
/// parentheses.
///
/// The parser drops the parentheses of a bound atom `(e)`, so the tree does
/// not say where they were: they are put back around every subexpression
/// the bound grammar (names, integers, `-` and `+ - * / %`) cannot express
/// or precedence would regroup.
fn write_bound_operand(out: &mut String, e: &Expr, min_precedence: u8, leftmost_in_type: bool) {
    // The left spine is walked with a loop, as in `write_expr`.
    let mut right_operands: Vec<(BinaryOp, &Expr)> = Vec::new();
    let mut current = e;
    let mut min_precedence = min_precedence;
    let mut leftmost_in_type = leftmost_in_type;
    loop {
        match &current.kind {
            ExprKind::Binary(op, lhs, rhs)
                if is_bound_op(*op) && op.precedence() >= min_precedence =>
            {
                right_operands.push((*op, rhs));
                min_precedence = op.precedence();
                current = lhs;
            }
            ExprKind::Unary(UnaryOp::Neg, operand) => {
                out.push('-');
                min_precedence = PREFIX_PRECEDENCE;
                leftmost_in_type = false;
                current = operand;
            }
            _ => break,
        }
    }
    match &current.kind {
        ExprKind::Int(value) => out.push_str(&value.to_string()),
        ExprKind::Name(name)
            if !(leftmost_in_type && matches!(name.name.as_str(), "bool" | "int")) =>
        {
            out.push_str(&name.name);
        }
        _ => {
            // Anything else was an atom `( .. )` whose inside is an ordinary
            // expression, printed as such.
            out.push('(');
            write_expr(out, current);
            out.push(')');
        }
    }
    for (op, rhs) in right_operands.iter().rev() {
        out.push(' ');
        out.push_str(op.symbol());
        out.push(' ');
        // Left associative: an operand of the same level on the right was
        // grouped.
        write_bound_operand(out, rhs, op.precedence() + 1, false);
    }
}

/// Whether `e` is made of bound operators over names, integers and
/// [`ExprKind::Paren`] groups, grouped as precedence reads it: then its
/// ordinary text, parenthesised, parses back to `e` as a bound atom.
fn is_plain_arithmetic(e: &Expr) -> bool {
    let mut to_visit = vec![e];
    while let Some(e) = to_visit.pop() {
        match &e.kind {
            ExprKind::Int(_) | ExprKind::Name(_) | ExprKind::Paren(_) => {}
            ExprKind::Unary(UnaryOp::Neg, operand)
                if !matches!(operand.kind, ExprKind::Binary(..)) =>
            {
                to_visit.push(operand);
            }
            ExprKind::Binary(op, lhs, rhs) if is_bound_op(*op) => {
                let level = op.precedence();
                let lhs_regroups =
                    matches!(lhs.kind, ExprKind::Binary(inner, ..) if inner.precedence() < level);
                let rhs_regroups =
                    matches!(rhs.kind, ExprKind::Binary(inner, ..) if inner.precedence() <= level);
                if lhs_regroups || rhs_regroups {
                    return false;
                }
                to_visit.push(lhs);
                to_visit.push(rhs);
            }
            _ => return false,
        }
    }
    true
}

/// Whether a [`ExprKind::Paren`] group sits among the bound operators of
/// `e` (not inside another construct).
fn contains_paren_group(e: &Expr) -> bool {
    let mut to_visit = vec![e];
    while let Some(e) = to_visit.pop() {
        match &e.kind {
            ExprKind::Paren(_) => return true,
            ExprKind::Unary(UnaryOp::Neg, operand) => to_visit.push(operand),
            ExprKind::Binary(op, lhs, rhs) if is_bound_op(*op) => {
                to_visit.push(lhs);
                to_visit.push(rhs);
            }
            _ => {}
        }
    }
    false
}

/// The one-line text of a top-level declaration, or `None` for a node or a
/// `faults` block (those span several lines).
pub(super) fn simple_item(item: &Item) -> Option<String> {
    let mut out = String::new();
    match item {
        Item::Const(decl) => {
            out.push_str("const ");
            out.push_str(&decl.name.name);
            out.push_str(": ");
            write_type(&mut out, &decl.ty);
            out.push_str(" = ");
            write_expr(&mut out, &decl.value);
        }
        Item::Type(decl) => {
            out.push_str("type ");
            out.push_str(&decl.name.name);
            out.push_str(" = ");
            let head = out.len();
            write_type(&mut out, &decl.ty);
            // A union too wide for one line: a variant per line.
            if let TypeKind::Union(variants) = &decl.ty.kind
                && out.len() > super::MAX_WIDTH
            {
                out.truncate(head);
                out.push_str("union {\n");
                for v in variants {
                    out.push_str(super::INDENT);
                    write_variant(&mut out, v);
                    out.push_str(",\n");
                }
                out.push('}');
            }
        }
        Item::Network(decl) => {
            if decl.unfair {
                out.push_str("unfair ");
            }
            out.push_str("network ");
            out.push_str(decl.kind.keyword());
            if !decl.messages.is_empty() {
                out.push_str(" for ");
                write_names(&mut out, &decl.messages);
            }
        }
        Item::Message(decl) => {
            if decl.unfair {
                out.push_str("unfair ");
            }
            out.push_str("message ");
            out.push_str(&decl.name.name);
            // `message M()` and `message M` are the same declaration.
            if !decl.fields.is_empty() {
                out.push('(');
                write_list(&mut out, &decl.fields, write_field);
                out.push(')');
            }
        }
        Item::Property(decl) => write_property(&mut out, decl),
        Item::AllowDeadlock(_) => out.push_str("allow deadlock"),
        Item::Done(decl) => {
            out.push_str("done when ");
            write_expr(&mut out, &decl.cond);
        }
        Item::Bound(decl) => {
            out.push_str("bound ");
            write_expr(&mut out, &decl.cond);
        }
        Item::Init(decl) => {
            out.push_str("init: ");
            write_expr(&mut out, &decl.cond);
        }
        Item::Expect(decl) => {
            out.push_str("expect violation ");
            out.push_str(&decl.property.name);
        }
        Item::Def(decl) => {
            write_def_head(&mut out, decl);
            out.push(' ');
            write_expr(&mut out, &decl.body);
        }
        Item::Node(_) | Item::Faults(_) => return None,
    }
    Some(out)
}

/// `def name(p: T): U =`: a definition without its body.
fn write_def_head(out: &mut String, decl: &DefDecl) {
    out.push_str("def ");
    out.push_str(&decl.name.name);
    if let Some(params) = &decl.params {
        out.push('(');
        write_list(out, params, write_field);
        out.push(')');
    }
    out.push_str(": ");
    write_type(out, &decl.ty);
    out.push_str(" =");
}

/// `invariant name(p in S):`: a property's keyword, name and parameters.
fn write_property_head(out: &mut String, decl: &PropertyDecl) {
    let keyword = match decl.kind {
        PropertyKind::Invariant(_) => "invariant",
        PropertyKind::Stable(_) => "stable",
        PropertyKind::Reachable(_) => "reachable",
        PropertyKind::Transient(_) => "transient",
        PropertyKind::Persistent(_) => "persistent",
        PropertyKind::Variant { .. } => "variant",
        PropertyKind::Step(_) => "step",
        PropertyKind::Next(..)
        | PropertyKind::Unless(..)
        | PropertyKind::LeadsTo(..)
        | PropertyKind::Ensures(..) => "property",
    };
    out.push_str(keyword);
    out.push(' ');
    out.push_str(&decl.name.name);
    if !decl.params.is_empty() {
        out.push('(');
        for (i, param) in decl.params.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&param.name.name);
            out.push_str(" in ");
            write_expr(out, &param.domain);
        }
        out.push(')');
    }
    out.push(':');
}

fn write_property(out: &mut String, decl: &PropertyDecl) {
    write_property_head(out, decl);
    out.push(' ');
    match &decl.kind {
        PropertyKind::Invariant(p)
        | PropertyKind::Stable(p)
        | PropertyKind::Reachable(p)
        | PropertyKind::Transient(p)
        | PropertyKind::Persistent(p)
        | PropertyKind::Step(p) => write_expr(out, p),
        PropertyKind::Next(p, q) => write_temporal(out, p, "next", q),
        PropertyKind::Unless(p, q) => write_temporal(out, p, "unless", q),
        PropertyKind::LeadsTo(p, q) => write_temporal(out, p, "~>", q),
        PropertyKind::Ensures(p, q) => write_temporal(out, p, "ensures", q),
        PropertyKind::Variant {
            measure,
            while_cond,
            until,
        } => {
            write_expr(out, measure);
            out.push_str(" while ");
            write_expr(out, while_cond);
            if let Some(until) = until {
                out.push_str(" until ");
                write_expr(out, until);
            }
        }
    }
}

fn write_temporal(out: &mut String, lhs: &Expr, op: &str, rhs: &Expr) {
    write_expr(out, lhs);
    out.push(' ');
    out.push_str(op);
    out.push(' ');
    write_expr(out, rhs);
}

/// `[symmetric] node NAME[COUNT]`, without the brace.
pub(super) fn node_header(node: &NodeDecl) -> String {
    let mut out = String::new();
    if node.symmetric {
        out.push_str("symmetric ");
    }
    out.push_str("node ");
    out.push_str(&node.name.name);
    if let Some(count) = &node.count {
        out.push('[');
        write_expr(&mut out, count);
        out.push(']');
    }
    out
}

/// One line of a `faults` block: `crash RM <= 1`.
pub(super) fn fault(fault: &FaultDecl) -> String {
    let mut out = String::from(fault.kind.keyword());
    if let Some(target) = &fault.target {
        out.push(' ');
        out.push_str(&target.name);
    }
    if let Some(budget) = &fault.budget {
        out.push_str(" <= ");
        write_expr(&mut out, budget);
    }
    out
}

/// `[persistent] var NAME: TYPE = INIT` or `... in SET`.
pub(super) fn var_decl(var: &VarDecl) -> String {
    let mut out = String::new();
    if var.persistent {
        out.push_str("persistent ");
    }
    out.push_str("var ");
    out.push_str(&var.name.name);
    out.push_str(": ");
    write_type(&mut out, &var.ty);
    match &var.init {
        VarInit::Value(value) => {
            out.push_str(" = ");
            write_expr(&mut out, value);
        }
        VarInit::OneOf(set) => {
            out.push_str(" in ");
            write_expr(&mut out, set);
        }
    }
    out
}

fn write_binder(out: &mut String, binder: &Binder) {
    match binder {
        Binder::Name(name) => out.push_str(&name.name),
        Binder::Wildcard(_) => out.push('_'),
    }
}

fn write_guard(out: &mut String, guard: Option<&Expr>) {
    if let Some(guard) = guard {
        out.push_str(" when ");
        write_expr(out, guard);
    }
}

/// `on MSG(a, _) from src: Kind when GUARD`, without the body.
pub(super) fn handler_header(handler: &HandlerDecl) -> String {
    let mut out = handler_head(handler);
    write_guard(&mut out, handler.guard.as_ref());
    out
}

/// `on MSG(a, _) from src: Kind`: the header without its guard.
pub(super) fn handler_head(handler: &HandlerDecl) -> String {
    let mut out = String::from("on ");
    out.push_str(&handler.message.name);
    if let Some(binders) = &handler.binders {
        out.push('(');
        write_list(&mut out, binders, write_binder);
        out.push(')');
    }
    if let Some(from) = &handler.from {
        out.push_str(" from ");
        write_binder(&mut out, &from.binder);
        if let Some(kind) = &from.kind {
            out.push_str(": ");
            out.push_str(&kind.name);
        }
    }
    out
}

/// `[fair | strong fair] action NAME(p: T) when GUARD`, without the body.
pub(super) fn action_header(action: &ActionDecl) -> String {
    let mut out = action_head(action);
    write_guard(&mut out, action.guard.as_ref());
    out
}

fn write_message(out: &mut String, message: &MessageCtor) {
    out.push_str(&message.name.name);
    if let Some(args) = &message.args {
        out.push('(');
        write_list(out, args, write_expr);
        out.push(')');
    }
}

/// The text of a statement without a block (everything but `if` and `for`),
/// or `None` for those two.
pub(super) fn simple_stmt(stmt: &Stmt) -> Option<String> {
    let mut out = String::new();
    match &stmt.kind {
        StmtKind::Assign { place, op, value } => {
            write_expr(&mut out, place);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write_expr(&mut out, value);
        }
        StmtKind::Send { dest, message } => {
            out.push_str("send ");
            write_expr(&mut out, dest);
            out.push(' ');
            write_message(&mut out, message);
        }
        StmtKind::Broadcast { kind, message } => {
            out.push_str("broadcast ");
            out.push_str(&kind.name);
            out.push(' ');
            write_message(&mut out, message);
        }
        StmtKind::Assert(cond) => {
            out.push_str("assert ");
            write_expr(&mut out, cond);
        }
        StmtKind::Let { name, value } => {
            out.push_str("let ");
            out.push_str(&name.name);
            out.push_str(" = ");
            write_expr(&mut out, value);
        }
        StmtKind::If { .. } | StmtKind::For { .. } => return None,
    }
    Some(out)
}

// ------------------------------------------------------------ wrapping

/// Spaces to column `n`.
fn spaces(n: usize) -> String {
    " ".repeat(n)
}

/// The operands of a chain of one operator along the left spine:
/// `a && b && c` is `((a && b) && c)` in the tree, and gives `[a, b, c]`.
fn chain(e: &Expr, op: BinaryOp) -> Vec<&Expr> {
    let mut rest = Vec::new();
    let mut current = e;
    while let ExprKind::Binary(o, lhs, rhs) = &current.kind {
        if *o != op {
            break;
        }
        rest.push(&**rhs);
        current = lhs;
    }
    rest.push(current);
    rest.reverse();
    rest
}

/// The text of an expression that starts at column `col`, broken over
/// lines when its one-line text would pass [`super::MAX_WIDTH`]; `ind` is
/// the column its continuation lines start at.
///
/// Only the loosest constructs break: a chain of `&&`, `||` or `=>` puts
/// each operator at the start of a line of its own; a quantifier's body
/// goes on the next line, two columns in; a `match` puts one arm on each
/// line; an `if` puts each branch on lines of its own; parentheses keep
/// what they enclose aligned one column in. The tokens are those of the
/// one-line text, so the result parses back to the same tree.
pub(super) fn wrapped(e: &Expr, col: usize, ind: usize) -> String {
    let flat = expr(e);
    if col + flat.chars().count() <= super::MAX_WIDTH {
        return flat;
    }
    match &e.kind {
        ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or | BinaryOp::Implies), ..) => {
            // `=>` groups to the right, `&&` and `||` to the left.
            let operands = match (op, &e.kind) {
                (BinaryOp::Implies, ExprKind::Binary(_, lhs, rhs)) => vec![&**lhs, &**rhs],
                _ => chain(e, *op),
            };
            let symbol = op.symbol();
            let mut out = wrapped(operands[0], col, ind);
            let at = ind + symbol.len() + 1;
            for operand in &operands[1..] {
                out.push('\n');
                out.push_str(&spaces(ind));
                out.push_str(symbol);
                out.push(' ');
                out.push_str(&wrapped(operand, at, at));
            }
            out
        }
        ExprKind::Unary(op, operand) => {
            let symbol = unary_symbol(*op);
            format!("{symbol}{}", wrapped(operand, col + symbol.len(), ind))
        }
        ExprKind::Paren(inner) => format!("({})", wrapped(inner, col + 1, col + 1)),
        ExprKind::Quant {
            quantifier,
            groups,
            body,
        } => {
            let mut out = String::new();
            write_quant_head(&mut out, *quantifier, groups);
            if matches!(body.kind, ExprKind::Match(..)) {
                // `forall m in msgs: match m {` reads as one header.
                let at = col + out.chars().count() + 1;
                out.push(' ');
                out.push_str(&wrapped(body, at, ind));
            } else {
                out.push('\n');
                out.push_str(&spaces(ind + 2));
                out.push_str(&wrapped(body, ind + 2, ind + 2));
            }
            out
        }
        ExprKind::Match(scrutinee, arms) => {
            let mut out = String::from("match ");
            write_expr(&mut out, scrutinee);
            out.push_str(" {");
            for arm in arms {
                out.push('\n');
                out.push_str(&spaces(ind + 2));
                let start = out.len();
                write_pattern(&mut out, &arm.pattern);
                out.push_str(" =>");
                let head = ind + 2 + out[start..].chars().count();
                let value = wrapped(&arm.body, head + 1, ind + 4);
                if value.contains('\n') && !starts_a_bracket(&arm.body) {
                    // A value that breaks starts on a line of its own.
                    out.push('\n');
                    out.push_str(&spaces(ind + 4));
                    out.push_str(&wrapped(&arm.body, ind + 4, ind + 4));
                } else {
                    out.push(' ');
                    out.push_str(&value);
                }
                out.push(',');
            }
            out.push('\n');
            out.push_str(&spaces(ind));
            out.push('}');
            out
        }
        ExprKind::If(cond, then_value, else_value) => {
            let mut out = String::from("if ");
            out.push_str(&wrapped(cond, col + 3, ind + 3));
            out.push_str(" {\n");
            out.push_str(&spaces(ind + 2));
            out.push_str(&wrapped(then_value, ind + 2, ind + 2));
            out.push('\n');
            out.push_str(&spaces(ind));
            out.push_str("} else ");
            if let ExprKind::If(..) = else_value.kind {
                out.push_str(&wrapped(else_value, ind + 7, ind));
            } else {
                out.push_str("{\n");
                out.push_str(&spaces(ind + 2));
                out.push_str(&wrapped(else_value, ind + 2, ind + 2));
                out.push('\n');
                out.push_str(&spaces(ind));
                out.push('}');
            }
            out
        }
        ExprKind::Let { bindings, body } => {
            let mut out = String::new();
            write_let_head(&mut out, bindings);
            out.push('\n');
            out.push_str(&spaces(ind));
            out.push_str(&wrapped(body, ind, ind));
            out
        }
        _ => flat,
    }
}

/// Whether an expression's broken text opens with a bracket that its
/// last line closes (`match .. {`, `if .. {`, `(..)`), so that it can
/// start on the line before.
fn starts_a_bracket(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Match(..) | ExprKind::If(..) | ExprKind::Paren(..)
    )
}

/// The text of a top-level declaration that holds an expression, over
/// several lines: the declaration's head, then its expression on the lines
/// below, one level in and broken where it must be ([`wrapped`]); `None`
/// for the other declarations. Used when [`simple_item`]'s one line is too
/// wide.
pub(super) fn wrapped_item(item: &Item) -> Option<String> {
    let ind = super::INDENT.len();
    let below = |head: String, e: &Expr| format!("{head}\n{}{}", spaces(ind), wrapped(e, ind, ind));
    match item {
        Item::Property(decl) => {
            let mut head_only = String::new();
            let expression = match &decl.kind {
                PropertyKind::Invariant(p)
                | PropertyKind::Stable(p)
                | PropertyKind::Reachable(p)
                | PropertyKind::Transient(p)
                | PropertyKind::Persistent(p)
                | PropertyKind::Step(p) => Some(p),
                _ => None,
            };
            write_property_head(&mut head_only, decl);
            match (&decl.kind, expression) {
                (_, Some(p)) => Some(below(head_only, p)),
                (
                    PropertyKind::Next(p, q)
                    | PropertyKind::Unless(p, q)
                    | PropertyKind::LeadsTo(p, q)
                    | PropertyKind::Ensures(p, q),
                    None,
                ) => {
                    let op = match decl.kind {
                        PropertyKind::Next(..) => "next",
                        PropertyKind::Unless(..) => "unless",
                        PropertyKind::LeadsTo(..) => "~>",
                        _ => "ensures",
                    };
                    let at = ind + op.len() + 1;
                    Some(format!(
                        "{head_only}\n{pad}{}\n{pad}{op} {}",
                        wrapped(p, ind, ind),
                        wrapped(q, at, at),
                        pad = spaces(ind),
                    ))
                }
                _ => None,
            }
        }
        Item::Def(decl) => {
            let mut head = String::new();
            write_def_head(&mut head, decl);
            Some(below(head, &decl.body))
        }
        Item::Bound(decl) => Some(below("bound".into(), &decl.cond)),
        Item::Done(decl) => Some(below("done when".into(), &decl.cond)),
        Item::Init(decl) => Some(below("init:".into(), &decl.cond)),
        _ => None,
    }
}

/// The guard of an action or handler header on lines of its own: `when`
/// one level in from the header's indentation `indent` (a column), its
/// continuation lines a level further.
pub(super) fn wrapped_guard(guard: &Expr, indent: usize) -> String {
    let when = indent + super::INDENT.len();
    let mut out = String::from("\n");
    out.push_str(&spaces(when));
    out.push_str("when ");
    out.push_str(&wrapped(guard, when + 5, when + super::INDENT.len()));
    out
}

/// `[fair | strong fair] [any] action NAME(p: T)`: the header without its
/// guard.
pub(super) fn action_head(action: &ActionDecl) -> String {
    let mut out = String::from(action.fairness_words());
    out.push_str("action ");
    out.push_str(&action.name.name);
    if let Some(params) = &action.params {
        out.push('(');
        write_list(&mut out, params, write_field);
        out.push(')');
    }
    out
}
