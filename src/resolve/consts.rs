//! Constants: evaluation of constant expressions, with overrides and cycle
//! detection. Range bounds, instance counts, sequence bounds and fault
//! budgets are constant expressions too.

use super::{Global, ResolveError, Resolved};
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, TypeKind, UnaryOp};
use crate::typed::{ConstValue, Type};

impl Resolved<'_> {
    /// The value of constant `index`, evaluating it on first use.
    pub(super) fn const_value(&mut self, index: usize) -> Option<ConstValue> {
        if let Some(v) = self.consts[index].value {
            return Some(v);
        }
        let decl = self.consts[index].decl;
        if !self.const_in_progress.insert(index) {
            self.errors.push(ResolveError::ConstCycle {
                name: decl.name.name.clone(),
                span: decl.name.span,
            });
            return None;
        }
        let ty = match &decl.ty.kind {
            TypeKind::Int => Some(Type::Int),
            TypeKind::Bool => Some(Type::Bool),
            TypeKind::Range(..) => Some(self.resolve_type(&decl.ty, None)),
            _ => {
                self.errors
                    .push(ResolveError::ConstType { span: decl.ty.span });
                None
            }
        };
        let override_expr = self.overrides.get(&index).cloned();
        let value = match &override_expr {
            Some((_, e)) => self.eval_const_quiet(e),
            None => self.eval_const(&decl.value, "a constant's value"),
        };
        self.const_in_progress.remove(&index);
        let ty = ty?;
        let value = match (&ty, value) {
            (Type::Error, _) | (_, None) => {
                if let Some((text, _)) = &override_expr {
                    self.errors.push(ResolveError::BadOverride {
                        name: decl.name.name.clone(),
                        value: text.clone(),
                        expected: super::consts::type_words(&ty),
                    });
                }
                return None;
            }
            (_, Some(v)) => v,
        };
        let ok = match (&ty, value) {
            (Type::Bool, ConstValue::Bool(_)) | (Type::Int, ConstValue::Int(_)) => true,
            (Type::Range { lo, hi }, ConstValue::Int(n)) => {
                if n < *lo || n > *hi {
                    match &override_expr {
                        Some((text, _)) => self.errors.push(ResolveError::BadOverride {
                            name: decl.name.name.clone(),
                            value: text.clone(),
                            expected: format!("{lo}..{hi}"),
                        }),
                        None => self.errors.push(ResolveError::OutOfRange {
                            value: n,
                            lo: *lo,
                            hi: *hi,
                            what: "value",
                            span: decl.value.span,
                            decl: Some(decl.ty.span),
                        }),
                    }
                    return None;
                }
                true
            }
            _ => false,
        };
        if !ok {
            match &override_expr {
                Some((text, _)) => self.errors.push(ResolveError::BadOverride {
                    name: decl.name.name.clone(),
                    value: text.clone(),
                    expected: type_words(&ty),
                }),
                None => self.errors.push(ResolveError::ConstMismatch {
                    name: decl.name.name.clone(),
                    expected: type_words(&ty),
                    span: decl.value.span,
                    ty_span: decl.ty.span,
                }),
            }
            return None;
        }
        self.consts[index].ty = ty;
        self.consts[index].value = Some(value);
        self.consts[index].overridden = override_expr.is_some();
        Some(value)
    }

    /// Evaluates an integer constant expression; `what` names it in errors.
    pub(crate) fn const_int(&mut self, e: &Expr, what: &'static str) -> Option<i64> {
        match self.eval_const(e, what)? {
            ConstValue::Int(n) => Some(n),
            ConstValue::Bool(_) => {
                self.errors
                    .push(ResolveError::NotConstant { span: e.span, what });
                None
            }
        }
    }

    /// Evaluates an override's expression: its errors are reported once, as
    /// a bad override, by the caller.
    fn eval_const_quiet(&mut self, e: &Expr) -> Option<ConstValue> {
        let n_errors = self.errors.len();
        let v = self.eval_const(e, "an override");
        self.errors.truncate(n_errors);
        v
    }

    /// Evaluates a constant expression: literals, constants, arithmetic,
    /// comparisons and logic.
    pub(crate) fn eval_const(&mut self, e: &Expr, what: &'static str) -> Option<ConstValue> {
        use ConstValue::{Bool, Int};
        let not_constant = |r: &mut Self| {
            r.errors
                .push(ResolveError::NotConstant { span: e.span, what });
            None
        };
        match &e.kind {
            ExprKind::Int(n) => Some(Int(*n)),
            ExprKind::Bool(b) => Some(Bool(*b)),
            ExprKind::Paren(inner) => self.eval_const(inner, what),
            ExprKind::Name(name) => match self.globals.get(&name.name).copied() {
                Some(Global::Const(i)) => {
                    self.index.refer(name.span, self.consts[i].decl.name.span);
                    self.const_value(i)
                }
                _ => not_constant(self),
            },
            ExprKind::Unary(op, inner) => match (op, self.eval_const(inner, what)?) {
                (UnaryOp::Neg, Int(n)) => match n.checked_neg() {
                    Some(v) => Some(Int(v)),
                    None => {
                        self.errors.push(ResolveError::Overflow { span: e.span });
                        None
                    }
                },
                (UnaryOp::Not, Bool(b)) => Some(Bool(!b)),
                _ => not_constant(self),
            },
            ExprKind::Binary(op, a, b) => {
                let a = self.eval_const(a, what)?;
                let b = self.eval_const(b, what)?;
                let arith = |f: fn(i64, i64) -> Option<i64>, r: &mut Self| match (a, b) {
                    (Int(x), Int(y)) => match f(x, y) {
                        Some(v) => Some(Int(v)),
                        None => {
                            r.errors.push(ResolveError::Overflow { span: e.span });
                            None
                        }
                    },
                    _ => not_constant(r),
                };
                match op {
                    BinaryOp::Add => arith(i64::checked_add, self),
                    BinaryOp::Sub => arith(i64::checked_sub, self),
                    BinaryOp::Mul => arith(i64::checked_mul, self),
                    BinaryOp::Div => arith(i64::checked_div, self),
                    BinaryOp::Rem => arith(i64::checked_rem, self),
                    BinaryOp::Eq => Some(Bool(a == b)),
                    BinaryOp::Ne => Some(Bool(a != b)),
                    BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => match (a, b) {
                        (Int(x), Int(y)) => Some(Bool(match op {
                            BinaryOp::Lt => x < y,
                            BinaryOp::Le => x <= y,
                            BinaryOp::Gt => x > y,
                            _ => x >= y,
                        })),
                        _ => not_constant(self),
                    },
                    BinaryOp::And | BinaryOp::Or | BinaryOp::Implies => match (a, b) {
                        (Bool(x), Bool(y)) => Some(Bool(match op {
                            BinaryOp::And => x && y,
                            BinaryOp::Or => x || y,
                            _ => !x || y,
                        })),
                        _ => not_constant(self),
                    },
                    _ => not_constant(self),
                }
            }
            ExprKind::If(c, t, f) => match self.eval_const(c, what)? {
                Bool(true) => self.eval_const(t, what),
                Bool(false) => self.eval_const(f, what),
                _ => not_constant(self),
            },
            ExprKind::Call(name, args)
                if matches!(name.name.as_str(), "min" | "max") && args.len() == 2 =>
            {
                match (
                    self.eval_const(&args[0], what)?,
                    self.eval_const(&args[1], what)?,
                ) {
                    (Int(x), Int(y)) => Some(Int(if name.name == "min" {
                        x.min(y)
                    } else {
                        x.max(y)
                    })),
                    _ => not_constant(self),
                }
            }
            _ => not_constant(self),
        }
    }
}

/// A constant type in words.
pub(super) fn type_words(ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::Range { lo, hi } => format!("{lo}..{hi}"),
        _ => "int".into(),
    }
}
