//! Compiling statements: each becomes a closure that updates a scratch copy
//! of the fixed part of the state and collects the messages sent.

use std::sync::Arc;

use super::encoding::{Enc, Shape, mask};
use super::expr::{Lowerer, Storer, is_compound_literal, iterate};
use super::layout::Slot;
use super::value::{from_code, to_code};
use super::{Ctx, ExprFn, RtError, RtErrorKind, RtResult};
use crate::syntax::ast::Span;
use crate::typed::*;

/// What a statement can touch.
pub(crate) struct StepEnv<'a> {
    /// Scratch copy of the fixed part, updated in place.
    pub words: &'a mut [u64],
    /// The network before the step.
    pub net: &'a [u64],
    /// The running instance within its kind.
    pub self_inst: u32,
    /// The running instance's global index (the sender of its messages).
    pub self_global: u32,
    /// Codes of the messages sent so far in this step.
    pub sends: &'a mut Vec<u64>,
}

impl StepEnv<'_> {
    pub(crate) fn ctx(&self) -> Ctx<'_> {
        Ctx::of(self.words, self.net, self.self_inst)
    }
}

/// A compiled statement.
pub(crate) type StmtFn = Arc<dyn Fn(&mut StepEnv, &mut [i64]) -> RtResult<()> + Send + Sync>;

/// A step into a variable's code: a fixed offset or one computed from a key
/// or an index.
#[derive(Clone)]
enum Hop {
    Fixed(u32),
    MapKey {
        key: ExprFn,
        /// From the key expression's encoding to the map's keys'.
        to: Storer,
        value_bits: u32,
    },
    SeqIndex {
        index: ExprFn,
        len_bits: u32,
        elem_bits: u32,
    },
}

/// An assignment to a place inside one code (a variable's, or a narrow
/// part's of a wide value): the path to the place and what to store there.
pub(crate) struct NarrowAssign {
    hops: Vec<Hop>,
    /// The place's packing.
    target: Enc,
    value: ExprFn,
    storer: Storer,
    op: AssignKind,
    span: Span,
}

impl NarrowAssign {
    /// The code `whole` with the assignment made, evaluated in `env`.
    #[inline]
    pub(crate) fn apply(&self, whole: u64, env: &StepEnv, locals: &mut [i64]) -> RtResult<u64> {
        let span = self.span;
        let v = (self.value)(&env.ctx(), locals)?;
        // Find the bit offset of the place within the code.
        let mut offset = 0u64;
        let mut inner = whole;
        for hop in &self.hops {
            let step = match hop {
                Hop::Fixed(o) => *o as u64,
                Hop::MapKey {
                    key,
                    to,
                    value_bits,
                } => to.store(key(&env.ctx(), locals)?, span)? * *value_bits as u64,
                Hop::SeqIndex {
                    index,
                    len_bits,
                    elem_bits,
                } => {
                    let i = index(&env.ctx(), locals)?;
                    let len = (inner & mask(*len_bits)) as i64;
                    if i < 0 || i >= len {
                        return Err(RtError {
                            kind: RtErrorKind::IndexOutOfRange { index: i, len },
                            span,
                        });
                    }
                    *len_bits as u64 + i as u64 * *elem_bits as u64
                }
            };
            offset += step;
            inner = whole >> offset;
        }
        let target = &self.target;
        let old = (whole >> offset) & mask(target.bits);
        let new = apply(self.op, old, v, &self.storer, target, span)?;
        let m = mask(target.bits) << offset;
        Ok((whole & !m) | ((new << offset) & m))
    }
}

impl Lowerer<'_> {
    /// Compiles an assignment of `value` to the place `path` leads to
    /// inside a code of packing `enc`.
    pub(crate) fn narrow_assign(
        &mut self,
        mut enc: Enc,
        path: &[Access],
        op: AssignKind,
        value: &Expr,
        node: Option<NodeKindId>,
        span: Span,
    ) -> NarrowAssign {
        let mut hops = Vec::new();
        for access in path {
            let next = match (&enc.shape, access) {
                (Shape::Product(parts), Access::Field(i) | Access::Tuple(i)) => {
                    let (offset, part) = parts[*i].clone();
                    hops.push(Hop::Fixed(offset));
                    part
                }
                (Shape::Map { key, value }, Access::MapKey(k)) => {
                    hops.push(Hop::MapKey {
                        key: self.expr(k, node),
                        to: Storer::new(&self.enc(&k.ty, k.span), key),
                        value_bits: value.bits,
                    });
                    (**value).clone()
                }
                (Shape::Seq { elem, len_bits, .. }, Access::SeqIndex(i)) => {
                    hops.push(Hop::SeqIndex {
                        index: self.expr(i, node),
                        len_bits: *len_bits,
                        elem_bits: elem.bits,
                    });
                    (**elem).clone()
                }
                _ => unreachable!("typeck: place accesses match the variable's type"),
            };
            enc = next;
        }
        let target = enc;
        let from = self.enc(&value.ty, value.span);
        // The value is stored into the place itself, or as an
        // element of the set or sequence there.
        let storer = match &target.shape {
            Shape::Set(elem) | Shape::Seq { elem, .. } if !matches!(op, AssignKind::Set) => {
                Storer::new(&from, elem)
            }
            _ => Storer::new(&from, &target),
        };
        // `s -= literal`: a literal the set's elements cannot hold
        // is not in the set (put together part by part in the
        // element's encoding, as `in` does), not a failure.
        let (value, storer) = match (&target.shape, op) {
            (Shape::Set(elem), AssignKind::SetRemove) if is_compound_literal(value) => {
                let into = self.encode_into(elem, value, node);
                let code: ExprFn =
                    Arc::new(move |ctx, locals| Ok(into(ctx, locals)?.map_or(-1, |c| c as i64)));
                (code, Storer::Code)
            }
            _ => (self.expr(value, node), storer),
        };
        NarrowAssign {
            hops,
            target,
            value,
            storer,
            op,
            span,
        }
    }

    /// Compiles a block of statements of node kind `kind`.
    pub(crate) fn block(&mut self, stmts: &[Stmt], kind: NodeKindId) -> StmtFn {
        let mut compiled: Vec<StmtFn> = stmts.iter().map(|s| self.stmt(s, kind)).collect();
        if compiled.len() == 1 {
            return compiled.pop().expect("one statement");
        }
        Arc::new(move |env, locals| {
            for s in &compiled {
                s(env, locals)?;
            }
            Ok(())
        })
    }

    fn stmt(&mut self, s: &Stmt, kind: NodeKindId) -> StmtFn {
        let span = s.span;
        let node = Some(kind);
        match &s.kind {
            StmtKind::Assign {
                place,
                kind: op,
                value,
            } => {
                if place.path.is_empty()
                    && let Some(st) = self.wide_assign(kind, place.var, *op, value)
                {
                    return st;
                }
                if let Some(st) = self.wide_value_assign(kind, place, *op, value, span) {
                    return st;
                }
                let var = &self.layout.kinds[kind].vars[place.var];
                let slots: Vec<Slot> = var.slots.clone();
                let assign =
                    self.narrow_assign(var.enc.clone(), &place.path, *op, value, node, span);
                if assign.hops.is_empty() {
                    // The whole variable: no offsets to find.
                    let NarrowAssign {
                        value,
                        storer,
                        target,
                        op,
                        ..
                    } = assign;
                    return Arc::new(move |env, locals| {
                        let v = value(&env.ctx(), locals)?;
                        let slot = slots[env.self_inst as usize];
                        let old = slot.read(env.words);
                        slot.write(env.words, apply(op, old, v, &storer, &target, span)?);
                        Ok(())
                    });
                }
                Arc::new(move |env, locals| {
                    let slot = slots[env.self_inst as usize];
                    let whole = slot.read(env.words);
                    slot.write(env.words, assign.apply(whole, env, locals)?);
                    Ok(())
                })
            }
            StmtKind::Let { local, value } => {
                let value = self.expr(value, node);
                let local = *local;
                Arc::new(move |env, locals| {
                    locals[local] = value(&env.ctx(), locals)?;
                    Ok(())
                })
            }
            StmtKind::If {
                cond,
                then_stmts,
                else_stmts,
            } => {
                let cond = self.expr(cond, node);
                let then_b = self.block(then_stmts, kind);
                let else_b = self.block(else_stmts, kind);
                Arc::new(move |env, locals| {
                    if cond(&env.ctx(), locals)? != 0 {
                        then_b(env, locals)
                    } else {
                        else_b(env, locals)
                    }
                })
            }
            StmtKind::For {
                local,
                domain,
                body,
            } => {
                let dom = self.domain(domain, node);
                let body = self.block(body, kind);
                let local = *local;
                Arc::new(move |env, locals| {
                    // The domain is fixed when the loop starts, as if computed
                    // into a list first; the body may change the state.
                    let mut values = Vec::new();
                    iterate(&dom, &env.ctx(), locals, &mut |v, _| {
                        values.push(v);
                        Ok(true)
                    })?;
                    for v in values {
                        locals[local] = v;
                        body(env, locals)?;
                    }
                    Ok(())
                })
            }
            StmtKind::Send {
                dest,
                message,
                args,
            } => {
                let dest_kind = match dest.ty {
                    Type::Node(k) => k,
                    _ => unreachable!("typeck: sends go to nodes"),
                };
                let first = self.layout.kinds[dest_kind].first_global;
                let dest = self.expr(dest, node);
                let payload = self.payload(*message, args, node);
                let msg = self.layout.msg.clone();
                let message = *message;
                Arc::new(move |env, locals| {
                    let dst = first + dest(&env.ctx(), locals)? as u32;
                    let p = payload(&env.ctx(), locals)? as u64;
                    env.sends.push(msg.pack(env.self_global, dst, message, p));
                    Ok(())
                })
            }
            StmtKind::Broadcast {
                kind: to,
                message,
                args,
            } => {
                let first = self.layout.kinds[*to].first_global;
                let count = self.layout.kinds[*to].count;
                let payload = self.payload(*message, args, node);
                let msg = self.layout.msg.clone();
                let message = *message;
                Arc::new(move |env, locals| {
                    let p = payload(&env.ctx(), locals)? as u64;
                    for i in 0..count {
                        env.sends
                            .push(msg.pack(env.self_global, first + i, message, p));
                    }
                    Ok(())
                })
            }
            StmtKind::Assert(cond) => {
                let cond = self.expr(cond, node);
                Arc::new(move |env, locals| {
                    if cond(&env.ctx(), locals)? == 0 {
                        return Err(RtError {
                            kind: RtErrorKind::AssertFailed,
                            span,
                        });
                    }
                    Ok(())
                })
            }
        }
    }

    /// Compiles a message payload into one code.
    fn payload(&mut self, message: MessageId, args: &[Expr], node: Option<NodeKindId>) -> ExprFn {
        let fields = self.layout.msg.fields[message].clone();
        let parts: Vec<(ExprFn, Storer, u32)> = args
            .iter()
            .zip(fields)
            .map(|(a, (offset, enc))| {
                let from = self.enc(&a.ty, a.span);
                (self.expr(a, node), Storer::new(&from, &enc), offset)
            })
            .collect();
        if parts.is_empty() {
            return Arc::new(|_, _| Ok(0));
        }
        let spans: Vec<_> = args.iter().map(|a| a.span).collect();
        Arc::new(move |ctx, locals| {
            let mut code = 0u64;
            for ((arg, storer, offset), span) in parts.iter().zip(&spans) {
                code |= storer.store(arg(ctx, locals)?, *span)? << offset;
            }
            Ok(code as i64)
        })
    }
}

/// The new code of a place after `op` with value `v`.
fn apply(
    op: AssignKind,
    old: u64,
    v: i64,
    storer: &Storer,
    target: &Enc,
    span: crate::syntax::ast::Span,
) -> RtResult<u64> {
    Ok(match op {
        AssignKind::Set => storer.store(v, span)?,
        AssignKind::SetInsert | AssignKind::SetRemove => {
            let Shape::Set(_) = &target.shape else {
                unreachable!("typeck: += and -= on sets")
            };
            match storer.store(v, span) {
                Ok(code) if op == AssignKind::SetInsert => old | (1 << code),
                Ok(code) => old & !(1 << code),
                // Nothing outside the element domain can be in the set.
                Err(_) if op == AssignKind::SetRemove => old,
                Err(e) => return Err(e),
            }
        }
        AssignKind::SeqAppend => {
            let Shape::Seq {
                elem,
                max_len,
                len_bits,
            } = &target.shape
            else {
                unreachable!("typeck: += on sequences")
            };
            let len = old & mask(*len_bits);
            if len >= *max_len as u64 {
                return Err(RtError {
                    kind: RtErrorKind::SeqFull { max: *max_len },
                    span,
                });
            }
            let code = storer.store(v, span)?;
            ((old & !mask(*len_bits)) | (len + 1))
                | (code << (*len_bits as u64 + len * elem.bits as u64))
        }
        AssignKind::IntAdd | AssignKind::IntSub => {
            let current = from_code(old, target);
            let next = if op == AssignKind::IntAdd {
                current.checked_add(v)
            } else {
                current.checked_sub(v)
            };
            let next = next.ok_or(RtError {
                kind: RtErrorKind::Overflow,
                span,
            })?;
            to_code(next, target, span)?
        }
    })
}
