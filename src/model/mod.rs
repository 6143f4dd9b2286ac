//! The model IR: a typed spec compiled to packed states and closures.
//!
//! A state is a slice of `u64` words: a fixed part (every instance's
//! variables, crash flags, fault counters, packed per [`encoding`]) followed
//! by the network, a canonically ordered list of message codes. Guards,
//! effects and predicates are compiled once into closures that read and
//! write the packed words directly at offsets computed here; nothing walks
//! the typed program while exploring.
//!
//! [`lower`] builds a [`Model`]; [`Model::successors`] enumerates the steps
//! from a state in a fixed order, which is what makes exploration
//! deterministic.

mod code;
mod delta;
pub mod encoding;
mod expr;
mod facts;
mod faults;
pub mod halt;
mod initial;
mod layout;
mod memo;
mod packing;
mod reads;
mod shortcut;
mod step;
mod stmt;
mod symmetry;
mod trace;
mod union;
mod value;
pub mod wide;
mod wide_filter;
mod wide_parts;
mod wide_set;
pub(crate) mod wide_value;

use std::sync::Arc;

pub use initial::Initial;
pub(crate) use layout::extend_words;
pub use layout::{Layout, MsgLayout, Slot};
pub use packing::{Memo, Packing, Sink};
pub use step::{Outcome, Scratch, Step, StepKind, Task, TaskKey};
pub use symmetry::{PackedSym, Perms, SymScratch, Symmetry};
pub use trace::{Change, Sent, StepEvent, TraceStep};

use crate::diagnostic::Diagnostic;
use crate::syntax::ast::Span;
use crate::typed::TypedSpec;
use encoding::EncError;

/// A result of evaluation: a value or a runtime finding.
pub type RtResult<T> = Result<T, RtError>;

/// What went wrong while a step ran.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RtErrorKind {
    /// A value left its domain (range overflow).
    OutOfDomain {
        /// The value computed.
        value: i64,
        /// The domain's low bound.
        lo: i64,
        /// The domain's high bound.
        hi: i64,
    },
    /// `unwrap(none)`.
    UnwrapNone,
    /// `head`, `tail` or `last` of an empty sequence.
    EmptySeq,
    /// Appending to a full sequence.
    SeqFull {
        /// The sequence's bound.
        max: u32,
    },
    /// A sequence index outside `0..len`.
    IndexOutOfRange {
        /// The index given.
        index: i64,
        /// The sequence's length.
        len: i64,
    },
    /// Division or remainder by zero.
    DivByZero,
    /// Integer overflow in arithmetic.
    Overflow,
    /// An `assert` that failed.
    AssertFailed,
    /// A map literal without `_ ->` that misses a key.
    MapIncomplete,
    /// `min` (else `max`) over an empty domain.
    EmptyDomain {
        /// Whether it was `max`.
        max: bool,
    },
    /// The check was stopped (a limit or a signal) while this evaluation
    /// ran ([`halt`]). Never a finding.
    Interrupted,
}

/// A runtime finding at a place in the source.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RtError {
    /// What went wrong.
    pub kind: RtErrorKind,
    /// The expression or statement that went wrong.
    pub span: Span,
}

impl RtError {
    /// The finding in words.
    pub fn describe(&self) -> String {
        match &self.kind {
            RtErrorKind::OutOfDomain { value, lo, hi } => {
                format!("value {value} is outside `{lo}..{hi}`")
            }
            RtErrorKind::UnwrapNone => "`unwrap` of `none`".into(),
            RtErrorKind::EmptySeq => "the sequence is empty".into(),
            RtErrorKind::SeqFull { max } => {
                format!("the sequence is full (at most {max} elements)")
            }
            RtErrorKind::IndexOutOfRange { index, len } => {
                format!("index {index} is outside a sequence of length {len}")
            }
            RtErrorKind::DivByZero => "division by zero".into(),
            RtErrorKind::Overflow => "integer overflow".into(),
            RtErrorKind::AssertFailed => "assertion failed".into(),
            RtErrorKind::EmptyDomain { max } => format!(
                "`{}` over an empty domain has no value",
                if *max { "max" } else { "min" }
            ),
            RtErrorKind::Interrupted => "the check was stopped while this was evaluated".into(),
            RtErrorKind::MapIncomplete => {
                "the map literal has no value for some key (add `_ -> ...`)".into()
            }
        }
    }
}

/// Why a spec has no initial states to explore.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitError {
    /// Computing a variable's initial value failed.
    Value(RtError),
    /// Evaluating `init` predicate number `init` failed in `state`, a
    /// state of the variables' initial values.
    Predicate {
        /// The predicate's index among the spec's `init` predicates.
        init: usize,
        /// The finding.
        error: RtError,
        /// The candidate state it was evaluated in.
        state: Vec<u64>,
    },
    /// No state of the variables' initial values (`candidates` of them)
    /// satisfies every `init` predicate.
    Unsatisfied {
        /// How many candidate states were tried.
        candidates: u128,
    },
}

impl From<RtError> for InitError {
    fn from(e: RtError) -> InitError {
        InitError::Value(e)
    }
}

impl InitError {
    /// What went wrong, in words.
    pub fn describe(&self) -> String {
        match self {
            InitError::Value(e) => format!("computing an initial value failed: {}", e.describe()),
            InitError::Predicate { error, .. } => {
                format!(
                    "evaluating an `init` predicate failed: {}",
                    error.describe()
                )
            }
            InitError::Unsatisfied { candidates: 0 } => {
                "there is no initial state: a variable has no initial value".into()
            }
            InitError::Unsatisfied { candidates } => format!(
                "no initial state: none of the {candidates} combinations of the variables' \
                 initial values satisfies the `init` predicates"
            ),
        }
    }

    /// The span of the expression that failed, if one did.
    pub fn span(&self) -> Option<Span> {
        match self {
            InitError::Value(e) | InitError::Predicate { error: e, .. } => Some(e.span),
            InitError::Unsatisfied { .. } => None,
        }
    }
}

/// A compiled expression: reads the state, may bind locals (quantifiers),
/// yields a plain integer or a code.
pub(crate) type ExprFn = Arc<dyn Fn(&Ctx, &mut [i64]) -> RtResult<i64> + Send + Sync>;

/// What an expression can see.
pub struct Ctx<'a> {
    /// The fixed part of the state.
    pub words: &'a [u64],
    /// The network.
    pub net: &'a [u64],
    /// The running instance's index within its kind (0 outside nodes).
    pub self_inst: u32,
    /// The state before the step, read by `old(e)` in a `step` property;
    /// elsewhere the state itself.
    pub old_words: &'a [u64],
    /// The network of the state before the step (see `old_words`).
    pub old_net: &'a [u64],
}

impl<'a> Ctx<'a> {
    /// The context of one state (no step: `old` reads the state itself).
    #[inline(always)]
    pub fn of(words: &'a [u64], net: &'a [u64], self_inst: u32) -> Ctx<'a> {
        Ctx {
            words,
            net,
            self_inst,
            old_words: words,
            old_net: net,
        }
    }
}

/// A compiled state predicate with the number of locals it needs.
#[derive(Clone)]
pub struct Pred {
    /// The compiled expression: nonzero is true.
    pub ex: ExprFn,
    /// The locals (quantified and `let` variables) it needs.
    pub n_locals: usize,
}

impl Pred {
    /// Evaluates the predicate on a state.
    pub fn eval(&self, model: &Model, state: &[u64], locals: &mut Vec<i64>) -> RtResult<i64> {
        // Zeroed in place: a call to memset costs more than a few locals.
        locals.resize(self.n_locals, 0);
        locals.iter_mut().for_each(|l| *l = 0);
        let (words, net) = state.split_at(model.layout.fixed_words);
        let ctx = Ctx {
            words,
            net,
            self_inst: 0,
            old_words: words,
            old_net: net,
        };
        (self.ex)(&ctx, locals)
    }

    /// Evaluates the predicate of a `step` property on the step from
    /// `before` to `after`: `old(e)` reads `before`, the rest `after`.
    pub fn eval_step(
        &self,
        model: &Model,
        before: &[u64],
        after: &[u64],
        locals: &mut Vec<i64>,
    ) -> RtResult<i64> {
        locals.resize(self.n_locals, 0);
        locals.iter_mut().for_each(|l| *l = 0);
        let (words, net) = after.split_at(model.layout.fixed_words);
        let (old_words, old_net) = before.split_at(model.layout.fixed_words);
        let ctx = Ctx {
            words,
            net,
            self_inst: 0,
            old_words,
            old_net,
        };
        (self.ex)(&ctx, locals)
    }
}

/// A property, compiled.
#[derive(Clone)]
pub enum CompiledProperty {
    /// `invariant P`.
    Invariant(Pred),
    /// `stable P`: `P` stays true once true.
    Stable(Pred),
    /// `reachable P`: some reachable state satisfies `P`.
    Reachable(Pred),
    /// `P next Q`: every step from a `P` state lands in `Q`.
    Next(Pred, Pred),
    /// `P unless Q`.
    Unless(Pred, Pred),
    /// `P ~> Q`.
    LeadsTo(Pred, Pred),
    /// `transient P`: checked as `P ~> !P`.
    Transient(Pred),
    /// `persistent P`: no fair run visits a `!P` state infinitely often
    /// (nor stops at one).
    Persistent(Pred),
    /// `P ensures Q`: `P unless Q` on every step, and `P ~> Q`.
    Ensures(Pred, Pred),
    /// `variant E while P until Q`.
    Variant {
        /// `E`, an integer at least 0.
        measure: Pred,
        /// `P`.
        while_cond: Pred,
        /// `Q`, when the property has `until`.
        until: Option<Pred>,
    },
    /// `step n: E`: E holds of every step ([`Pred::eval_step`]).
    Step(Pred),
}

/// A compiled spec.
pub struct Model {
    /// The typed spec, for names and spans in reports.
    pub spec: TypedSpec,
    /// Where everything lives in a state.
    pub layout: Layout,
    /// One entry per spec property, same order.
    pub properties: Vec<CompiledProperty>,
    /// `bound` predicates.
    pub bounds: Vec<Pred>,
    /// `done when` predicate.
    pub done: Option<Pred>,
    /// `init` predicates: the initial states are the states of the
    /// variables' initial values in which all of them hold ([`Initial`]).
    pub inits: Vec<Pred>,
    /// Whether deadlocks are reported.
    pub check_deadlock: bool,
    /// The symmetry of the `symmetric` kinds, if any.
    pub symmetry: Option<Symmetry>,
    pub(crate) code: code::Code,
    /// The fast path ([`packing`]), when the spec qualifies: the step cache,
    /// and the packed form of states when every message travels on a `set`
    /// network.
    pub(crate) fast: Option<Packing>,
    /// Symmetry reduction on packed states, when states are packed and the
    /// spec has symmetric kinds ([`Model::canonical_packed`]).
    pub(crate) packed_symmetry: Option<PackedSym>,
    /// How many expressions were compiled with a cache ([`memo`]).
    memoised: usize,
    /// The invariants and bounds split into parts, for testing a state
    /// from what changed since its parent ([`delta`]).
    pub(crate) delta: delta::Delta,
}

impl Model {
    /// Whether property `p` is about infinite behaviours (the liveness
    /// checker's), as its form says ([`crate::syntax::ast::PropertyKind::is_liveness`]).
    pub fn is_liveness(&self, p: usize) -> bool {
        self.spec.properties[p].kind.is_liveness()
    }

    /// By node kind: how many actions and how many handlers it declares.
    pub(crate) fn task_counts(&self) -> Vec<(usize, usize)> {
        (self.spec.nodes.iter())
            .map(|n| (n.actions.len(), n.handlers.len()))
            .collect()
    }

    /// How many message kinds the spec declares.
    pub(crate) fn message_kinds(&self) -> usize {
        self.spec.messages.len()
    }

    /// The name of node kind `kind`, for reports.
    pub(crate) fn kind_name(&self, kind: crate::typed::NodeKindId) -> &str {
        &self.spec.nodes[kind].name
    }
}

impl Model {
    /// How many invariants and bounds are tested part by part from what
    /// each step changed ([`delta`]).
    pub fn split_tests(&self) -> usize {
        (self.delta.properties.iter().chain(&self.delta.bounds))
            .filter(|d| d.is_some())
            .count()
    }

    /// The same model with every invariant and bound evaluated whole in
    /// every state: for tests that compare the two.
    pub fn without_split_tests(mut self) -> Model {
        self.delta = delta::Delta::default();
        self
    }

    /// How many expressions were compiled with a cache ([`memo`]): costly
    /// ones whose value depends on few bits.
    pub fn memoised_expressions(&self) -> usize {
        self.memoised
    }
}

impl Model {
    /// The symmetry the explorer reduces by. With a liveness property, the
    /// fair-cycle search runs on the quotient and lifts it
    /// (src/explore/liveness/), numbering renamings in a `u64`: a spec
    /// with more renamings than that is explored in full.
    pub fn reduction(&self) -> Option<&Symmetry> {
        let liveness = self.properties.iter().any(|p| {
            matches!(
                p,
                CompiledProperty::LeadsTo(..)
                    | CompiledProperty::Transient(_)
                    | CompiledProperty::Persistent(_)
                    | CompiledProperty::Ensures(..)
                    | CompiledProperty::Variant { .. }
            )
        });
        let sym = self.symmetry.as_ref()?;
        match liveness && sym.renamings().is_none() {
            true => None,
            false => Some(sym),
        }
    }
}

/// Why a typed spec could not be compiled: a capacity limit of the packed
/// encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LowerError {
    /// What could not be packed, in words (a variable, a message, ...).
    pub what: String,
    /// The limit it exceeded.
    pub error: EncError,
    /// Where it is declared.
    pub span: Span,
}

impl LowerError {
    /// The diagnostic a user sees.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let detail = match &self.error {
            EncError::TooWide { bits } => {
                format!("needs {bits} bits; dsmc packs each value into at most 64")
            }
            EncError::SetTooLarge { elem_bits } => {
                return Diagnostic::error(
                    "dsmc::lower::too_large",
                    format!(
                        "{} is too large to pack: a set value holds at most 64 possible \
                         elements, of codes of at most 6 bits, but these codes need \
                         {elem_bits} bits",
                        self.what
                    ),
                )
                .primary(self.span, "this type")
                .help(
                    "a set with more possible elements can only be a node variable \
                     (`var s: set<T> = {}`); elsewhere use smaller ranges or fewer instances",
                );
            }
            EncError::MapTooLarge { key_bits } => {
                format!("a map's keys may take at most 64 values, but these need {key_bits} bits")
            }
            EncError::SetElements { elements } => {
                let count = match elements {
                    Some(n) => format!("{n} possible elements"),
                    None => "more than a million possible elements".into(),
                };
                return Diagnostic::error(
                    "dsmc::lower::too_large",
                    format!(
                        "{} is too large to pack: the set has {count}; dsmc stores at most {}",
                        self.what,
                        wide_set::MAX_WIDE_ELEMENTS
                    ),
                )
                .primary(self.span, "this type")
                .help("give the set's elements smaller ranges or fewer fields");
            }
            EncError::WideValue { elements, declared } => {
                let mut d = Diagnostic::error(
                    "dsmc::lower::wide_value",
                    format!(
                        "{} has {elements} possible elements, too many for a value: dsmc \
                         can only read and write it in place",
                        self.what
                    ),
                )
                .primary(self.span, "this needs a set wider than 64 bits as a value");
                if let Some(declared) = declared {
                    d = d.secondary(*declared, "declared here");
                }
                return d.help(
                    "a set of more than 64 possible elements can be a node variable, used \
                     as `x in s`, `len(s)`, `s == t`, `s == {..}`, in a quantifier, an \
                     aggregate or a `for` (`exists x in s: ..`), and changed with `s += x`, \
                     `s -= x`, `s = {..}` or `s = t`",
                );
            }
            EncError::WideCompound { declared } => {
                let mut d = Diagnostic::error(
                    "dsmc::lower::wide_value",
                    format!(
                        "{} is wider than 64 bits: dsmc can only read and write it in place",
                        self.what
                    ),
                )
                .primary(self.span, "this needs a value wider than 64 bits");
                if let Some(declared) = declared {
                    d = d.secondary(*declared, "declared here");
                }
                return d.help(
                    "a map, record, tuple or sequence wider than 64 bits can be a node \
                     variable: read its parts (`m[k]`, `r.f`, `t.0`, `s[i]`, `len(s)`, \
                     `head(s)`, `last(s)`, `x in s`), compare it with `==` to another of \
                     its type or a literal, assign it or any of its parts (`=` from \
                     another of its type or a literal), append with `+=`, and pass it to a \
                     def; it cannot be a statement's `let`, a message field or a choice of \
                     `in`",
                );
            }
            EncError::TooManyInstances { count } => {
                return Diagnostic::error(
                    "dsmc::lower::too_large",
                    format!(
                        "the spec has {count} node instances; dsmc explores at most {}",
                        layout::MAX_INSTANCES
                    ),
                )
                .primary(self.span, "the largest node kind")
                .help("declare fewer instances: a model checker finds bugs with a handful");
            }
            EncError::StateTooLarge { bits } => {
                return Diagnostic::error(
                    "dsmc::lower::too_large",
                    format!(
                        "{} takes {bits} bits; a state may take at most {}",
                        self.what,
                        layout::MAX_STATE_BITS
                    ),
                )
                .primary(self.span, "this node kind")
                .help("declare fewer instances or smaller variables");
            }
            EncError::TooManyValues => {
                return Diagnostic::error(
                    "dsmc::lower::too_large",
                    format!(
                        "{} has more than a million values to try in each state",
                        self.what
                    ),
                )
                .primary(self.span, "this domain")
                .help("give the parameter or the quantified variable a smaller type");
            }
        };
        Diagnostic::error(
            "dsmc::lower::too_large",
            format!("{} is too large to pack: {detail}", self.what),
        )
        .primary(self.span, "this type")
        .help(
            "only a node variable may be wider than 64 bits; elsewhere use smaller ranges \
             or fewer instances, or split the value into several variables",
        )
    }
}

/// Compiles a typed spec.
pub fn lower(spec: TypedSpec) -> Result<Model, Vec<LowerError>> {
    lower_with(spec, true)
}

/// Compiles a typed spec with every expression evaluated directly, without
/// the caches of [`memo`]: the same model, for tests that compare the two.
pub fn lower_without_memo(spec: TypedSpec) -> Result<Model, Vec<LowerError>> {
    lower_with(spec, false)
}

fn lower_with(spec: TypedSpec, memo: bool) -> Result<Model, Vec<LowerError>> {
    let layout = Layout::new(&spec)?;
    let mut lowerer = expr::Lowerer::new(&spec, &layout);
    lowerer.memo = memo;
    let code = code::Code::compile(&mut lowerer)?;
    let properties = spec
        .properties
        .iter()
        .map(|p| {
            let n_locals = p.locals.len();
            let mut pred = |e: &crate::typed::Expr| Pred {
                ex: lowerer.expr(e, None),
                n_locals,
            };
            use crate::typed::PropertyKind as P;
            match &p.kind {
                P::Invariant(e) => CompiledProperty::Invariant(pred(e)),
                P::Stable(e) => CompiledProperty::Stable(pred(e)),
                P::Reachable(e) => CompiledProperty::Reachable(pred(e)),
                P::Next(a, b) => CompiledProperty::Next(pred(a), pred(b)),
                P::Unless(a, b) => CompiledProperty::Unless(pred(a), pred(b)),
                P::LeadsTo(a, b) => CompiledProperty::LeadsTo(pred(a), pred(b)),
                P::Transient(e) => CompiledProperty::Transient(pred(e)),
                P::Persistent(e) => CompiledProperty::Persistent(pred(e)),
                P::Step(e) => CompiledProperty::Step(pred(e)),
                P::Ensures(a, b) => CompiledProperty::Ensures(pred(a), pred(b)),
                P::Variant {
                    measure,
                    while_cond,
                    until,
                } => CompiledProperty::Variant {
                    measure: pred(measure),
                    while_cond: pred(while_cond),
                    until: until.as_ref().map(&mut pred),
                },
            }
        })
        .collect();
    let bounds = spec
        .bounds
        .iter()
        .map(|b| Pred {
            ex: lowerer.expr(&b.expr, None),
            n_locals: b.locals.len(),
        })
        .collect();
    // Split like the caches: only when the model is the optimised one;
    // not after an error (compiling the parts would report it again).
    let delta = if memo && lowerer.errors.is_empty() {
        delta::Delta {
            properties: (spec.properties.iter())
                .map(|p| match &p.kind {
                    crate::typed::PropertyKind::Invariant(e) => lowerer.delta(e, p.locals.len()),
                    _ => None,
                })
                .collect(),
            bounds: (spec.bounds.iter())
                .map(|b| lowerer.delta(&b.expr, b.locals.len()))
                .collect(),
        }
    } else {
        delta::Delta::default()
    };
    let inits = spec
        .inits
        .iter()
        .map(|i| Pred {
            ex: lowerer.expr(&i.predicate.expr, None),
            n_locals: i.predicate.locals.len(),
        })
        .collect();
    let (done, check_deadlock) = match &spec.deadlock {
        crate::typed::Deadlock::Check => (None, true),
        crate::typed::Deadlock::Allowed => (None, false),
        crate::typed::Deadlock::DoneWhen(p) => (
            Some(Pred {
                ex: lowerer.expr(&p.expr, None),
                n_locals: p.locals.len(),
            }),
            true,
        ),
    };
    let errors = std::mem::take(&mut lowerer.errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let memoised = lowerer.memoised;
    let symmetry = Symmetry::new(&spec, &layout);
    let fast = Packing::new(&spec, &layout, &code.forgeable(&layout));
    let mut model = Model {
        fast,
        spec,
        symmetry,
        layout,
        properties,
        bounds,
        done,
        inits,
        check_deadlock,
        code,
        packed_symmetry: None,
        memoised,
        delta,
    };
    if let (Some(sym), Some(fast)) = (&model.symmetry, model.packing()) {
        model.packed_symmetry = PackedSym::new(&model, sym, fast);
    }
    Ok(model)
}
