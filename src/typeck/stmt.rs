//! Statements and assignable places.

use super::{Checker, Ctx, NameRes, TypeError};
use crate::index::DefKind;
use crate::resolve::Global;
use crate::syntax::ast::{self, AssignOp, Span};
use crate::typed::*;

impl Checker<'_, '_> {
    /// Checks a block in a new scope.
    pub(super) fn block(&mut self, cx: &mut Ctx, block: &ast::Block) -> Vec<Stmt> {
        cx.push();
        let outer = std::mem::replace(&mut cx.block, block.span);
        let out = block
            .stmts
            .iter()
            .filter_map(|s| self.stmt(cx, s))
            .collect();
        cx.block = outer;
        cx.pop();
        out
    }

    fn stmt(&mut self, cx: &mut Ctx, s: &ast::Stmt) -> Option<Stmt> {
        let kind = match &s.kind {
            ast::StmtKind::Assign { place, op, value } => {
                let place = match self.place(cx, place) {
                    Ok(place) => place,
                    Err(ty) => {
                        // Still check the value, against the place's type
                        // when known, so its own errors show.
                        self.expr(cx, value, Some(&ty));
                        return None;
                    }
                };
                let (kind, value) = match (op, &place.ty) {
                    (AssignOp::Set, ty) => {
                        let ty = ty.clone();
                        let v = self.check(cx, value, &ty, None);
                        self.literal_fits(&v, &ty, None);
                        (AssignKind::Set, v)
                    }
                    (AssignOp::Add, Type::Set(elem)) => {
                        let elem = (**elem).clone();
                        let v = self.check(cx, value, &elem, None);
                        self.literal_fits(&v, &elem, None);
                        (AssignKind::SetInsert, v)
                    }
                    (AssignOp::Remove, Type::Set(elem)) => {
                        let elem = (**elem).clone();
                        (AssignKind::SetRemove, self.check(cx, value, &elem, None))
                    }
                    (AssignOp::Add, Type::Seq(elem, _)) => {
                        let elem = (**elem).clone();
                        let v = self.check(cx, value, &elem, None);
                        self.literal_fits(&v, &elem, None);
                        (AssignKind::SeqAppend, v)
                    }
                    (AssignOp::Add | AssignOp::Remove, ty) if ty.is_int() => {
                        let v = self.check(cx, value, &Type::Int, None);
                        let kind = if *op == AssignOp::Add {
                            AssignKind::IntAdd
                        } else {
                            AssignKind::IntSub
                        };
                        (kind, v)
                    }
                    (op, ty) => {
                        let ty = ty.clone();
                        let v = self.infer(cx, value);
                        if !ty.has_error() && !v.ty.has_error() {
                            self.errors.push(TypeError::BadOperands {
                                op: op.symbol(),
                                left: self.type_name(&ty),
                                right: Some(self.type_name(&v.ty)),
                                span: s.span,
                            });
                        }
                        return None;
                    }
                };
                StmtKind::Assign { place, kind, value }
            }
            ast::StmtKind::Let { name, value } => {
                let value = self.infer(cx, value);
                // An integer's range as far as the value's form tells, so
                // that a literal built from the local packs it.
                let ty = super::expr::precise_type(&value);
                let scope = Span::new(name.span.start, cx.block.end.max(name.span.end));
                let local = self.bind(cx, name, ty, DefKind::Let, scope);
                StmtKind::Let { local, value }
            }
            ast::StmtKind::If {
                cond,
                then_block,
                else_branch,
            } => {
                let cond = self.check(cx, cond, &Type::Bool, None);
                let then_stmts = self.block(cx, then_block);
                let else_stmts = match else_branch {
                    None => Vec::new(),
                    Some(ast::ElseBranch::Block(b)) => self.block(cx, b),
                    Some(ast::ElseBranch::If(s)) => {
                        cx.push();
                        let out = self.stmt(cx, s).into_iter().collect();
                        cx.pop();
                        out
                    }
                };
                StmtKind::If {
                    cond,
                    then_stmts,
                    else_stmts,
                }
            }
            ast::StmtKind::For { var, domain, body } => {
                let (domain, elem) = self.domain(cx, domain);
                cx.push();
                let local = self.bind(cx, var, elem, DefKind::For, s.span);
                let body = self.block(cx, body);
                cx.pop();
                StmtKind::For {
                    local,
                    domain,
                    body,
                }
            }
            ast::StmtKind::Send { dest, message } => {
                let dest = self.infer(cx, dest);
                let m = self.r.expect_message(&message.name);
                let args = self.message_args(cx, m, message);
                let m = m?;
                match &dest.ty {
                    Type::Node(k) => self.check_receiver(*k, m, message),
                    Type::Error => {}
                    other => {
                        let found = self.type_name(other);
                        self.errors.push(TypeError::Mismatch {
                            expected: "a node".into(),
                            found,
                            span: dest.span,
                            cause: None,
                        });
                    }
                }
                StmtKind::Send {
                    dest,
                    message: m,
                    args: args?,
                }
            }
            ast::StmtKind::Broadcast { kind, message } => {
                let k = self.r.expect_node(kind);
                let m = self.r.expect_message(&message.name);
                let args = self.message_args(cx, m, message);
                let (k, m) = (k?, m?);
                self.check_receiver(k, m, message);
                StmtKind::Broadcast {
                    kind: k,
                    message: m,
                    args: args?,
                }
            }
            ast::StmtKind::Assert(e) => StmtKind::Assert(self.check(cx, e, &Type::Bool, None)),
        };
        Some(Stmt { kind, span: s.span })
    }

    /// Checks a message's arguments against its payload.
    fn message_args(
        &mut self,
        cx: &mut Ctx,
        m: Option<MessageId>,
        ctor: &ast::MessageCtor,
    ) -> Option<Vec<Expr>> {
        let written: &[ast::Expr] = ctor.args.as_deref().unwrap_or(&[]);
        let Some(m) = m else {
            for a in written {
                self.infer(cx, a);
            }
            return None;
        };
        let fields = self.r.messages[m].fields.clone();
        if written.len() != fields.len() {
            self.errors.push(TypeError::Arity {
                what: format!("message `{}`", ctor.name.name),
                expected: fields.len(),
                noun: "field",
                found: written.len(),
                span: ctor.span,
                decl: Some(self.r.messages[m].decl.span),
            });
            for a in written {
                self.infer(cx, a);
            }
            return None;
        }
        let decl = self.r.messages[m].decl;
        let mut out = Vec::new();
        for ((arg, (_, ty)), field) in written.iter().zip(&fields).zip(&decl.fields) {
            let v = self.check(cx, arg, ty, Some((field.ty.span, "field declared here")));
            self.literal_fits(&v, ty, Some(field.ty.span));
            out.push(v);
        }
        Some(out)
    }

    /// A message sent to kind `k` must have a handler there.
    fn check_receiver(&mut self, k: NodeKindId, m: MessageId, ctor: &ast::MessageCtor) {
        if !self.handled.contains(&(k, m)) {
            self.errors.push(TypeError::UnhandledMessage {
                message: ctor.name.name.clone(),
                kind: self.r.nodes[k].decl.name.name.clone(),
                span: ctor.span,
                kind_decl: self.r.nodes[k].decl.name.span,
            });
        }
    }

    /// Resolves the left side of an assignment to a variable of the running
    /// node and a path into it.
    /// On failure (reported), the place's type if it is known, else
    /// [`Type::Error`].
    fn place(&mut self, cx: &mut Ctx, e: &ast::Expr) -> Result<Place, Type> {
        let span = e.span;
        match &e.kind {
            ast::ExprKind::Name(name) => match self.resolve_name(cx, &name.name) {
                res @ NameRes::Var(v) => {
                    let definition = self.definition_of(cx, &res);
                    self.refer(name.span, definition);
                    let kind = cx.node.ok_or(Type::Error)?;
                    Ok(Place {
                        var: v,
                        path: Vec::new(),
                        ty: self.r.nodes[kind].vars[v].ty.clone(),
                        span,
                    })
                }
                NameRes::Unknown => {
                    self.infer(cx, e);
                    Err(Type::Error)
                }
                other => {
                    let definition = self.definition_of(cx, &other);
                    self.refer(name.span, definition);
                    let what = match other {
                        NameRes::Local(_) => "the local name",
                        NameRes::Const(..) | NameRes::Global(Global::Const(_)) => "the constant",
                        NameRes::Global(Global::Node(_)) => "the node",
                        NameRes::Global(Global::Message(_)) => "the message",
                        NameRes::Global(Global::Type(_)) => "the type",
                        _ => "the enum variant",
                    };
                    self.errors.push(TypeError::NotAssignable {
                        name: name.name.clone(),
                        what,
                        span,
                    });
                    Err(Type::Error)
                }
            },
            ast::ExprKind::Field(base, field) => {
                if matches!(base.kind, ast::ExprKind::SelfRef) {
                    let kind = cx.node.ok_or(Type::Error)?;
                    let Some(&v) = self.r.nodes[kind].var_index.get(&field.name) else {
                        self.infer(cx, e);
                        return Err(Type::Error);
                    };
                    self.r.index.member(field.span, &Type::Node(kind));
                    let definition = self.r.nodes[kind].vars[v].decl.name.span;
                    self.refer(field.span, Some(definition));
                    return Ok(Place {
                        var: v,
                        path: Vec::new(),
                        ty: self.r.nodes[kind].vars[v].ty.clone(),
                        span,
                    });
                }
                if self.is_node_valued(cx, base) {
                    let n_errors = self.errors.len() + self.r.errors.len();
                    let typed = self.infer(cx, e);
                    if self.errors.len() + self.r.errors.len() == n_errors && !typed.ty.has_error()
                    {
                        self.errors.push(TypeError::RemoteAssign {
                            span,
                            what: format!("`{}` of another node", field.name),
                        });
                    }
                    return Err(typed.ty);
                }
                let mut place = self.place(cx, base)?;
                self.r.index.member(field.span, &place.ty);
                match place.ty.clone() {
                    Type::Record(fields) => match fields.iter().position(|(n, _)| *n == field.name)
                    {
                        Some(index) => {
                            let definition = self.r.index.field_span(&place.ty, index);
                            self.refer(field.span, definition);
                            place.path.push(Access::Field(index));
                            place.ty = fields[index].1.clone();
                            place.span = span;
                            Ok(place)
                        }
                        None => {
                            self.errors.push(TypeError::NoField {
                                ty: self.type_name(&place.ty),
                                field: field.name.clone(),
                                span: field.span,
                                suggestion: crate::diagnostic::did_you_mean(
                                    &field.name,
                                    fields.iter().map(|(n, _)| n.as_str()),
                                )
                                .map(str::to_string),
                            });
                            Err(Type::Error)
                        }
                    },
                    Type::Error => Err(Type::Error),
                    other => {
                        self.errors.push(TypeError::NoField {
                            ty: self.type_name(&other),
                            field: field.name.clone(),
                            span: field.span,
                            suggestion: None,
                        });
                        Err(Type::Error)
                    }
                }
            }
            ast::ExprKind::TupleField(base, index, index_span) => {
                let mut place = self.place(cx, base)?;
                match place.ty.clone() {
                    Type::Tuple(ts) if (*index as usize) < ts.len() => {
                        place.path.push(Access::Tuple(*index as usize));
                        place.ty = ts[*index as usize].clone();
                        place.span = span;
                        Ok(place)
                    }
                    Type::Error => Err(Type::Error),
                    other => {
                        self.errors.push(TypeError::NoField {
                            ty: self.type_name(&other),
                            field: index.to_string(),
                            span: *index_span,
                            suggestion: None,
                        });
                        Err(Type::Error)
                    }
                }
            }
            ast::ExprKind::Index(base, index) => {
                let mut place = self.place(cx, base)?;
                match place.ty.clone() {
                    Type::Map(k, v) => {
                        let key = self.check(cx, index, &k, None);
                        place.path.push(Access::MapKey(key));
                        place.ty = *v;
                        place.span = span;
                        Ok(place)
                    }
                    Type::Seq(t, _) => {
                        let i = self.check(cx, index, &Type::Int, None);
                        place.path.push(Access::SeqIndex(i));
                        place.ty = *t;
                        place.span = span;
                        Ok(place)
                    }
                    Type::Error => Err(Type::Error),
                    other => {
                        let found = self.type_name(&other);
                        self.errors.push(TypeError::Mismatch {
                            expected: "a map or a sequence".into(),
                            found,
                            span: place.span,
                            cause: None,
                        });
                        Err(Type::Error)
                    }
                }
            }
            _ => {
                self.errors.push(TypeError::NotAssignable {
                    name: "this expression".into(),
                    what: "",
                    span,
                });
                Err(Type::Error)
            }
        }
    }

    /// Whether `e` denotes a node instance (so `e.x = ...` writes another
    /// node's variable).
    fn is_node_valued(&self, cx: &Ctx, e: &ast::Expr) -> bool {
        match &e.kind {
            ast::ExprKind::Name(name) => match self.resolve_name(cx, &name.name) {
                NameRes::Global(Global::Node(_)) => true,
                NameRes::Local(id) => matches!(cx.locals[id].ty, Type::Node(_)),
                NameRes::Var(v) => cx
                    .node
                    .is_some_and(|k| matches!(self.r.nodes[k].vars[v].ty, Type::Node(_))),
                _ => false,
            },
            ast::ExprKind::Index(base, _) => match &base.kind {
                ast::ExprKind::Name(name) => {
                    matches!(
                        self.resolve_name(cx, &name.name),
                        NameRes::Global(Global::Node(_))
                    )
                }
                _ => false,
            },
            ast::ExprKind::Paren(inner) => self.is_node_valued(cx, inner),
            _ => false,
        }
    }
}
