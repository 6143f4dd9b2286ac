//! Symmetry reduction over `symmetric` node kinds.
//!
//! The instances of a symmetric kind are interchangeable: permuting them
//! (their variables and flags, every value that names one of them, the
//! sender and receiver and payload of every message, the sides of a
//! partition) maps behaviours to behaviours and keeps every property's truth
//! (the type checker refuses `K[i]` for a symmetric `K`). The explorer
//! therefore stores one representative per orbit: [`Symmetry::canonical`].
//!
//! The representative is the smallest permuted state (word by word) among
//! the permutations that sort each kind's instances by a key that does not
//! depend on their names (their own variables that name no instance of a
//! symmetric kind, their flags, how many messages they have sent and have
//! waiting). Instances with equal keys are tried in every order, so the
//! representative is the same for every state of an orbit; when the ties
//! would need more than [`MAX_TRIES`] orders, they keep their current order,
//! which still picks a state of the orbit (exploration stays exhaustive and
//! deterministic) but may store an orbit more than once.
//!
//! [`Model::canonical_in`](super::Model::canonical_in) works with reused
//! buffers and says whether it renamed anything: a state whose sorted
//! order is the identity is its own representative, and is neither renamed
//! nor, when packed, packed again. `Model::canonical_packed` picks the same
//! representative for a packed state without its ordinary form: both run
//! one algorithm (`canonical_form`) over a `NetForm`, the ordinary list or
//! the packed bit set, where the messages each symmetric instance sent and
//! waits for are popcounts under masks, a permutation's renaming of the
//! network is a table of bit images (`PackedSym`, built when the model has
//! at most 5,040 permutations and 4M entries), and two networks compare as
//! their sorted code lists would.

use std::cmp::Ordering;

use super::encoding::{Enc, Shape, mask};
use super::{Model, Task, TaskKey};
use crate::typed::{NodeKindId, Type, TypedSpec};

/// The most tie-breaking orders tried for one state.
pub(crate) const MAX_TRIES: usize = 720;

/// A permutation of each symmetric kind's instances: `perm[g][old] = new`.
pub type Perms = Vec<Vec<u32>>;

/// How to rename the instances inside a stored code.
#[derive(Clone, Debug)]
enum Remap {
    /// A node id of symmetric group `g`.
    Node(usize),
    Option(Box<Remap>),
    /// (offset, bits, remap) of each part that names an instance.
    Product(Vec<(u32, u32, Remap)>),
    Set {
        elem: Box<Remap>,
    },
    /// A union: the remap of each variant's payload that names an instance.
    Union {
        payload_bits: u32,
        variants: Vec<Option<Remap>>,
    },
    Map {
        key: Option<Box<Remap>>,
        n_keys: u64,
        value_bits: u32,
        value: Option<Box<Remap>>,
    },
    Seq {
        elem_bits: u32,
        len_bits: u32,
        elem: Box<Remap>,
    },
}

impl Remap {
    fn of(ty: &Type, enc: &Enc, group: &[Option<usize>], spec: &TypedSpec) -> Option<Remap> {
        match (ty, &enc.shape) {
            (Type::Node(k), _) => group[*k].map(Remap::Node),
            (Type::Option(t), Shape::Option(inner)) => {
                Remap::of(t, inner, group, spec).map(|r| Remap::Option(Box::new(r)))
            }
            (Type::Tuple(ts), Shape::Product(parts)) => {
                Remap::product(ts.iter().collect(), parts, group, spec)
            }
            (Type::Record(fs), Shape::Product(parts)) => {
                Remap::product(fs.iter().map(|(_, t)| t).collect(), parts, group, spec)
            }
            (
                Type::Union(u),
                Shape::Union {
                    payload_bits,
                    variants,
                },
            ) => {
                let inner: Vec<Option<Remap>> = (spec.unions[*u].variants.iter())
                    .zip(variants)
                    .map(|(v, enc)| {
                        let Shape::Product(parts) = &enc.shape else {
                            return None;
                        };
                        Remap::product(
                            v.fields.iter().map(|(_, t)| t).collect(),
                            parts,
                            group,
                            spec,
                        )
                    })
                    .collect();
                let names = inner.iter().any(Option::is_some);
                names.then_some(Remap::Union {
                    payload_bits: *payload_bits,
                    variants: inner,
                })
            }
            (Type::Set(t), Shape::Set(elem)) => {
                Remap::of(t, elem, group, spec).map(|r| Remap::Set { elem: Box::new(r) })
            }
            (Type::Map(kt, vt), Shape::Map { key, value }) => {
                let kr = Remap::of(kt, key, group, spec);
                let vr = Remap::of(vt, value, group, spec);
                if kr.is_none() && vr.is_none() {
                    return None;
                }
                Some(Remap::Map {
                    key: kr.map(Box::new),
                    n_keys: key.domain().map_or(0, |d| d.len() as u64),
                    value_bits: value.bits,
                    value: vr.map(Box::new),
                })
            }
            (Type::Seq(t, _), Shape::Seq { elem, len_bits, .. }) => Remap::of(t, elem, group, spec)
                .map(|r| Remap::Seq {
                    elem_bits: elem.bits,
                    len_bits: *len_bits,
                    elem: Box::new(r),
                }),
            _ => None,
        }
    }

    fn product(
        ts: Vec<&Type>,
        parts: &[(u32, Enc)],
        group: &[Option<usize>],
        spec: &TypedSpec,
    ) -> Option<Remap> {
        let inner: Vec<(u32, u32, Remap)> = ts
            .into_iter()
            .zip(parts)
            .filter_map(|(t, (offset, enc))| {
                Remap::of(t, enc, group, spec).map(|r| (*offset, enc.bits, r))
            })
            .collect();
        (!inner.is_empty()).then_some(Remap::Product(inner))
    }

    fn apply(&self, code: u64, perms: &Perms) -> u64 {
        match self {
            Remap::Node(g) => perms[*g].get(code as usize).map_or(code, |&n| n as u64),
            Remap::Option(inner) => {
                if code & 1 == 0 {
                    code
                } else {
                    (inner.apply(code >> 1, perms) << 1) | 1
                }
            }
            Remap::Product(parts) => {
                let mut out = code;
                for (offset, bits, r) in parts {
                    let m = mask(*bits);
                    let part = (code >> offset) & m;
                    out = (out & !(m << offset)) | ((r.apply(part, perms) & m) << offset);
                }
                out
            }
            Remap::Union {
                payload_bits,
                variants,
            } => {
                let tag = code >> payload_bits;
                match variants.get(tag as usize) {
                    Some(Some(r)) => {
                        let m = mask(*payload_bits);
                        (code & !m) | (r.apply(code & m, perms) & m)
                    }
                    _ => code,
                }
            }
            Remap::Set { elem } => {
                let mut out = 0u64;
                let mut bits = code;
                while bits != 0 {
                    let c = bits.trailing_zeros() as u64;
                    bits &= bits - 1;
                    out |= 1u64 << elem.apply(c, perms);
                }
                out
            }
            Remap::Map {
                key,
                n_keys,
                value_bits,
                value,
            } => {
                let m = mask(*value_bits);
                let mut out = 0u64;
                // The usual map keyed by instances, with values that name
                // none: each value moves to its key's new place.
                if let (Some(Remap::Node(g)), None) = (key.as_deref(), value) {
                    let perm = &perms[*g];
                    let bits = *value_bits as u64;
                    for k in 0..*n_keys {
                        let v = (code >> (k * bits)) & m;
                        let k2 = perm.get(k as usize).map_or(k, |&n| n as u64);
                        out |= v << (k2 * bits);
                    }
                    return out;
                }
                for k in 0..*n_keys {
                    let v = (code >> (k * *value_bits as u64)) & m;
                    let k2 = key.as_ref().map_or(k, |r| r.apply(k, perms));
                    let v2 = value.as_ref().map_or(v, |r| r.apply(v, perms));
                    out |= (v2 & m) << (k2 * *value_bits as u64);
                }
                out
            }
            Remap::Seq {
                elem_bits,
                len_bits,
                elem,
            } => {
                let len = code & mask(*len_bits);
                let m = mask(*elem_bits);
                let mut out = code;
                for i in 0..len {
                    let shift = *len_bits as u64 + i * *elem_bits as u64;
                    let e = (code >> shift) & m;
                    out = (out & !(m << shift)) | ((elem.apply(e, perms) & m) << shift);
                }
                out
            }
        }
    }
}

/// One symmetric kind.
#[derive(Clone, Debug)]
struct Group {
    kind: NodeKindId,
    count: u32,
    first_global: u32,
    /// Variables of other kinds that say something about each instance by
    /// position: a `set<K>` (membership) or a `map<K, V>` whose values name
    /// no symmetric instance (the value). They sharpen the sorting key.
    views: Vec<View>,
    /// Per instance, `own` fields each: its variables that name no
    /// symmetric instance, then its crash and byzantine flags (the start
    /// of its sorting key).
    own_slots: Vec<super::Slot>,
    own: usize,
    /// The kind's own variables keyed by the kind: `set<K>` and `map<K,
    /// V>` whose values name no instance. Each gives three more fields of
    /// the sorting key ([`Keyed::fields`]).
    keyed: Vec<Keyed>,
}

/// A variable of a symmetric kind K keyed by K ([`Group::keyed`]).
#[derive(Clone, Debug)]
struct Keyed {
    /// By instance.
    slots: Vec<super::Slot>,
    /// Bits of a value (1 for a set: membership).
    value_bits: u32,
}

impl Keyed {
    /// Instance `inst`'s part of the sorting key, name-free (a renaming of
    /// the instances moves these fields with the instance they describe):
    /// its own entry for itself; a tally of its entries for the others;
    /// and a tally of the others' entries for it. `values` holds every
    /// instance's value of the variable.
    #[inline]
    fn fields(&self, values: &[u64], inst: usize) -> [u64; 3] {
        let bits = self.value_bits as u64;
        let entry = |value: u64, at: usize| (value >> (at as u64 * bits)) & mask(self.value_bits);
        // A sum of a function of each entry depends on the multiset of
        // entries only. Up to 8 distinct values, a byte-wide count each;
        // otherwise a mixed sum (a collision only leaves a tie to try).
        let tally = |v: u64| {
            if bits <= 3 {
                1u64 << (8 * v)
            } else {
                (v ^ 0x9E37_79B9_7F4A_7C15).wrapping_mul(0xff51_afd7_ed55_8ccd)
            }
        };
        let mine = values[inst];
        let (mut row, mut col) = (0u64, 0u64);
        for (j, &theirs) in values.iter().enumerate() {
            if j != inst {
                row = row.wrapping_add(tally(entry(mine, j)));
                col = col.wrapping_add(tally(entry(theirs, inst)));
            }
        }
        [entry(mine, inst), row, col]
    }
}

impl Group {
    /// Instance `inst`'s fields that name no instance ([`Group::own_slots`]).
    #[inline]
    fn own_of(&self, inst: usize) -> &[super::Slot] {
        &self.own_slots[inst * self.own..(inst + 1) * self.own]
    }
}

#[derive(Clone, Debug)]
enum View {
    Set(super::Slot),
    Map { slot: super::Slot, value_bits: u32 },
}

/// The compiled symmetry of a spec.
#[derive(Clone, Debug)]
pub struct Symmetry {
    groups: Vec<Group>,
    /// By kind, by variable: how to rename inside its values.
    vars: Vec<Vec<Option<Remap>>>,
    /// By kind: its group if it is symmetric, and the variables whose
    /// values name instances (renamed in every instance).
    kind_group: Vec<Option<usize>>,
    named: Vec<Vec<usize>>,
    /// By message kind, by field: (offset, bits, remap).
    fields: Vec<Vec<(u32, u32, Remap)>>,
    /// Global instance → (group, instance), for symmetric kinds.
    global: Vec<Option<(usize, u32)>>,
    /// By kind, by action, by parameter: how to rename its value, and the
    /// values its type takes in the order bindings count them in
    /// ([`Model::permute_task`]).
    params: Vec<Vec<Vec<Option<Remap>>>>,
    /// By group: its instance count.
    counts: Vec<usize>,
}

impl Symmetry {
    /// The symmetry of a spec with a `symmetric` kind of two or more instances.
    pub(crate) fn new(spec: &TypedSpec, layout: &super::Layout) -> Option<Symmetry> {
        // Renaming instances moves fields, not the words of wide sets:
        // a spec with one is explored without the reduction.
        if layout.has_wide {
            return None;
        }
        let mut group = vec![None; spec.nodes.len()];
        let mut groups = Vec::new();
        for (k, node) in spec.nodes.iter().enumerate() {
            if node.symmetric && node.count > 1 {
                group[k] = Some(groups.len());
                groups.push(Group {
                    kind: k,
                    count: node.count,
                    first_global: layout.kinds[k].first_global,
                    views: Vec::new(),
                    own_slots: Vec::new(),
                    own: 0,
                    keyed: Vec::new(),
                });
            }
        }
        if groups.is_empty() {
            return None;
        }
        for (k, node) in spec.nodes.iter().enumerate() {
            if group[k].is_some() {
                continue;
            }
            for (v, var) in node.vars.iter().enumerate() {
                let vl = &layout.kinds[k].vars[v];
                let view = |kt: &Type| match kt {
                    Type::Node(target) => group[*target],
                    _ => None,
                };
                match (&var.ty, &vl.enc.shape) {
                    (Type::Set(t), Shape::Set(_)) => {
                        if let Some(g) = view(t) {
                            for slot in &vl.slots {
                                groups[g].views.push(View::Set(*slot));
                            }
                        }
                    }
                    (Type::Map(kt, vt), Shape::Map { value, .. }) => {
                        if let Some(g) = view(kt)
                            && Remap::of(vt, value, &group, spec).is_none()
                        {
                            for slot in &vl.slots {
                                groups[g].views.push(View::Map {
                                    slot: *slot,
                                    value_bits: value.bits,
                                });
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let vars: Vec<Vec<Option<Remap>>> = spec
            .nodes
            .iter()
            .enumerate()
            .map(|(k, node)| {
                node.vars
                    .iter()
                    .enumerate()
                    .map(|(v, var)| Remap::of(&var.ty, &layout.kinds[k].vars[v].enc, &group, spec))
                    .collect()
            })
            .collect();
        let fields = spec
            .messages
            .iter()
            .enumerate()
            .map(|(m, def)| {
                def.fields
                    .iter()
                    .zip(&layout.msg.fields[m])
                    .filter_map(|((_, ty), (offset, enc))| {
                        Remap::of(ty, enc, &group, spec).map(|r| (*offset, enc.bits, r))
                    })
                    .collect()
            })
            .collect();
        let global = layout
            .instances
            .iter()
            .map(|&(k, i)| group[k].map(|g| (g, i)))
            .collect();
        for g in &mut groups {
            let kl = &layout.kinds[g.kind];
            let names: &Vec<Option<Remap>> = &vars[g.kind];
            for inst in 0..g.count as usize {
                let own = (kl.vars.iter().zip(names))
                    .filter(|(_, r)| r.is_none())
                    .map(|(vl, _)| vl.slots[inst]);
                let flags = [&kl.crashed, &kl.byzantine].into_iter().flatten();
                g.own_slots.extend(own.chain(flags.map(|f| f[inst])));
            }
            g.own = g.own_slots.len() / g.count as usize;
            let node = &spec.nodes[g.kind];
            for (v, var) in node.vars.iter().enumerate() {
                let vl = &kl.vars[v];
                let value_bits = match (&var.ty, &vl.enc.shape) {
                    (Type::Set(t), Shape::Set(_)) if **t == Type::Node(g.kind) => 1,
                    (Type::Map(kt, vt), Shape::Map { value, .. })
                        if **kt == Type::Node(g.kind)
                            && Remap::of(vt, value, &group, spec).is_none() =>
                    {
                        value.bits
                    }
                    _ => continue,
                };
                if value_bits > 0 {
                    g.keyed.push(Keyed {
                        slots: vl.slots.clone(),
                        value_bits,
                    });
                }
            }
        }
        let named = (vars.iter())
            .map(|names| {
                (names.iter().enumerate())
                    .filter(|(_, r)| r.is_some())
                    .map(|(v, _)| v)
                    .collect()
            })
            .collect();
        let params = (spec.nodes.iter())
            .map(|node| {
                (node.actions.iter())
                    .map(|action| {
                        (action.params.iter())
                            .map(|&local| {
                                let ty = &action.body.locals[local].ty;
                                let enc = super::encoding::Enc::of(ty, spec).ok()?;
                                Remap::of(ty, &enc, &group, spec)
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let counts = groups.iter().map(|g| g.count as usize).collect();
        Some(Symmetry {
            groups,
            vars,
            kind_group: group,
            named,
            fields,
            global,
            params,
            counts,
        })
    }

    /// The symmetric kinds, in declaration order; reports name them.
    pub fn kinds(&self) -> Vec<NodeKindId> {
        self.groups.iter().map(|g| g.kind).collect()
    }

    /// The identity permutation.
    pub fn identity(&self) -> Perms {
        self.groups.iter().map(|g| (0..g.count).collect()).collect()
    }

    /// The inverse of a permutation.
    pub(crate) fn inverse(perms: &Perms) -> Perms {
        perms
            .iter()
            .map(|p| {
                let mut inv = vec![0u32; p.len()];
                for (old, &new) in p.iter().enumerate() {
                    inv[new as usize] = old as u32;
                }
                inv
            })
            .collect()
    }

    /// `a` after `b`: `(a ∘ b)[x] = a[b[x]]`.
    pub(crate) fn compose(a: &Perms, b: &Perms) -> Perms {
        a.iter()
            .zip(b)
            .map(|(pa, pb)| pb.iter().map(|&x| pa[x as usize]).collect())
            .collect()
    }

    /// How many renamings there are (the product of the groups'
    /// factorials), when a `u64` counts them.
    pub fn renamings(&self) -> Option<u64> {
        (self.groups.iter()).try_fold(1u64, |acc, g| {
            (1..=g.count as u64).try_fold(acc, |acc, k| acc.checked_mul(k))
        })
    }

    /// The number of a renaming, below [`Symmetry::renamings`] (which
    /// must be `Some`); the identity is 0.
    pub(crate) fn rank(&self, perms: &Perms) -> u64 {
        rank(&self.counts, perms) as u64
    }

    /// The renaming numbered `rank` ([`Symmetry::rank`]).
    pub(crate) fn unrank(&self, rank: u64) -> Perms {
        let mut perms = Perms::new();
        unrank(&self.counts, rank as usize, &mut perms);
        perms
    }

    fn global_new(&self, global: u32, perms: &Perms) -> u32 {
        match self.global[global as usize] {
            Some((g, i)) => self.groups[g].first_global + perms[g][i as usize],
            None => global,
        }
    }
}

impl Model {
    /// The task `task` becomes when the instances are renamed by `perms`:
    /// the same action of the renamed instance with its parameters
    /// renamed, or the delivery of the renamed message.
    pub fn permute_task(&self, sym: &Symmetry, task: Task, perms: &Perms) -> Task {
        let key = match task.key {
            TaskKey::Action {
                global,
                action,
                binding,
            } => {
                let (k, _) = self.layout.instances[global as usize];
                let remaps = &sym.params[k][action as usize];
                let binding =
                    if binding == super::step::FAMILY || remaps.iter().all(Option::is_none) {
                        binding
                    } else {
                        let mut values = self.binding_values(k, action as usize, binding);
                        for (v, remap) in values.iter_mut().zip(remaps) {
                            if let Some(r) = remap {
                                *v = r.apply(*v as u64, perms) as i64;
                            }
                        }
                        self.binding_of(k, action as usize, &values)
                    };
                TaskKey::Action {
                    global: sym.global_new(global, perms),
                    action,
                    binding,
                }
            }
            TaskKey::Deliver { code } => {
                let msg = &self.layout.msg;
                let code = rename_message(msg, sym, code, perms, |gl| sym.global_new(gl, perms));
                TaskKey::Deliver { code }
            }
        };
        Task { key, ..task }
    }

    /// `state` with the instances of each symmetric kind renamed by `perms`.
    pub fn permute(&self, sym: &Symmetry, state: &[u64], perms: &Perms, out: &mut Vec<u64>) {
        self.permute_fixed(sym, state, perms, out);
        self.permute_network(sym, state, perms, out);
    }

    /// The fixed part of [`Model::permute`]: `out` becomes the renamed
    /// fixed words alone.
    fn permute_fixed(&self, sym: &Symmetry, state: &[u64], perms: &Perms, out: &mut Vec<u64>) {
        let fixed = self.layout.fixed_words;
        out.clear();
        out.extend_from_slice(&state[..fixed]);
        let words = &state[..fixed];
        for (k, kl) in self.layout.kinds.iter().enumerate() {
            let named = &sym.named[k];
            let group = sym.kind_group[k].map(|g| (&sym.groups[g], &perms[g]));
            if group.is_none() && named.is_empty() {
                continue;
            }
            for inst in 0..kl.count as usize {
                let to = match group {
                    Some((group, perm)) => {
                        let to = perm[inst] as usize;
                        // The fields that name no instance move with it (an
                        // instance that stays put keeps them: `out` has
                        // them already).
                        if to != inst {
                            for (a, b) in group.own_of(inst).iter().zip(group.own_of(to)) {
                                b.write(out, a.read(words));
                            }
                        }
                        to
                    }
                    None => inst,
                };
                for &v in named {
                    if let Some(r) = &sym.vars[k][v] {
                        let slots = &kl.vars[v].slots;
                        slots[to].write(out, r.apply(slots[inst].read(words), perms));
                    }
                }
            }
        }
        if let Some((active, sides)) = self.layout.partition
            && active.read(words) != 0
        {
            let n = self.layout.instances.len() as u32;
            let old = sides.read(words);
            let mut new = 0u64;
            for gl in 0..n {
                if (old >> gl) & 1 == 1 {
                    new |= 1 << sym.global_new(gl, perms);
                }
            }
            // Instance 0 is always on side 0.
            if new & 1 == 1 {
                new = !new & mask(n);
            }
            sides.write(out, new);
        }
    }

    /// The network part of [`Model::permute`]: appends the renamed
    /// network to `out`, which holds the renamed fixed words.
    fn permute_network(&self, sym: &Symmetry, state: &[u64], perms: &Perms, out: &mut Vec<u64>) {
        let fixed = self.layout.fixed_words;
        let msg = &self.layout.msg;
        let start = out.len();
        // Each instance's new global index, looked up once.
        let mut renamed = [0u32; 64];
        let n = self.layout.instances.len();
        let small = n <= renamed.len();
        if small {
            for (gl, new) in renamed.iter_mut().enumerate().take(n) {
                *new = sym.global_new(gl as u32, perms);
            }
        }
        let rename = |gl: u32| match small {
            true => renamed[gl as usize],
            false => sym.global_new(gl, perms),
        };
        for &code in &state[fixed..] {
            out.push(rename_message(msg, sym, code, perms, rename));
        }
        // The canonical network order (a stable sort keeps each FIFO
        // channel's order; channels move whole). Without FIFO kinds it is
        // the order of the codes, whose top bits are the channel.
        if self.code.any_fifo {
            out[start..].sort_by_key(|&c| self.net_key(c));
        } else {
            out[start..].sort_unstable();
        }
    }

    /// The orbit representative of `state` and the permutation that maps
    /// `state` to it.
    pub fn canonical(&self, sym: &Symmetry, state: &[u64], out: &mut Vec<u64>) -> Perms {
        let mut scratch = SymScratch::default();
        self.canonical_in(sym, state, out, &mut scratch);
        scratch.best
    }

    /// Whether the explorer reduces by symmetry on packed states, without
    /// their ordinary form ([`Model::canonical_packed`]).
    pub fn reduces_packed_states(&self) -> bool {
        self.reduction().is_some() && self.packing().is_some() && self.packed_symmetry.is_some()
    }

    /// [`Model::canonical`] with reused memory: the permutation is left in
    /// `scratch.best`. Whether it renames anything: if not, `out` is
    /// `state`.
    pub(crate) fn canonical_in(
        &self,
        sym: &Symmetry,
        state: &[u64],
        out: &mut Vec<u64>,
        scratch: &mut SymScratch,
    ) -> bool {
        let form = Listed { model: self, sym };
        self.canonical_form(sym, &form, state, out, scratch)
    }

    /// [`Model::canonical_in`] for a packed state (every message on a `set`
    /// network), without its ordinary form: the same representative as
    /// unpacking, choosing and packing again, with the network kept as a
    /// bit set throughout ([`PackedSym`]). `out` is the packed
    /// representative when the result is `true` (else `state` is).
    pub fn canonical_packed(
        &self,
        sym: &Symmetry,
        ps: &PackedSym,
        state: &[u64],
        out: &mut Vec<u64>,
        scratch: &mut SymScratch,
    ) -> bool {
        let fixed = self.layout.fixed_words;
        let mut split = std::mem::take(&mut scratch.split);
        let mut chosen = std::mem::take(&mut scratch.split_out);
        ps.split(fixed, state, &mut split);
        let renamed = self.canonical_form(sym, &Bits { ps }, &split, &mut chosen, scratch);
        if renamed {
            ps.join(fixed, &chosen, out);
        }
        scratch.split = split;
        scratch.split_out = chosen;
        renamed
    }

    /// [`Model::canonical_in`] over a network held in `form`.
    fn canonical_form<F: NetForm>(
        &self,
        sym: &Symmetry,
        form: &F,
        state: &[u64],
        out: &mut Vec<u64>,
        scratch: &mut SymScratch,
    ) -> bool {
        let fixed = self.layout.fixed_words;
        let words = &state[..fixed];
        let SymScratch {
            keys,
            values,
            sent,
            waiting,
            orders,
            runs,
            best,
            trial,
            candidate,
            all_runs,
            arrangements,
            counter,
            trial_orders,
            ..
        } = scratch;
        // Messages sent and waiting, by global instance: part of the keys.
        let instances = self.layout.instances.len();
        sent.clear();
        sent.resize(instances, 0);
        waiting.clear();
        waiting.resize(instances, 0);
        form.count(&state[fixed..], sent, waiting);
        // Per group: instances sorted by their name-free key, and the runs of
        // equal keys.
        orders.resize_with(sym.groups.len(), Vec::new);
        runs.resize_with(sym.groups.len(), Vec::new);
        let mut tries: usize = 1;
        for (g, group) in sym.groups.iter().enumerate() {
            let own = group.own;
            let viewed = own + 2 + group.views.len();
            let width = viewed + 3 * group.keyed.len();
            keys.clear();
            keys.resize(group.count as usize * width, 0);
            for (k, keyed) in group.keyed.iter().enumerate() {
                values.clear();
                values.extend(keyed.slots.iter().map(|slot| slot.read(words)));
                for (inst, key) in keys.chunks_exact_mut(width).enumerate() {
                    let at = viewed + 3 * k;
                    key[at..at + 3].copy_from_slice(&keyed.fields(values, inst));
                }
            }
            for (inst, key) in keys.chunks_exact_mut(width).enumerate() {
                for (k, slot) in key.iter_mut().zip(group.own_of(inst)) {
                    *k = slot.read(words);
                }
                let global = (group.first_global as usize) + inst;
                key[own] = sent[global] as u64;
                key[own + 1] = waiting[global] as u64;
                for (k, view) in key[own + 2..].iter_mut().zip(&group.views) {
                    *k = match view {
                        View::Set(slot) => (slot.read(words) >> inst) & 1,
                        View::Map { slot, value_bits } => {
                            (slot.read(words) >> (inst as u64 * *value_bits as u64))
                                & mask(*value_bits)
                        }
                    };
                }
            }
            let key = |inst: u32| &keys[inst as usize * width..(inst as usize + 1) * width];
            let order = &mut orders[g];
            order.clear();
            order.extend(0..group.count);
            order.sort_by(|&a, &b| key(a).cmp(key(b)));
            let group_runs = &mut runs[g];
            group_runs.clear();
            let mut i = 0;
            while i < order.len() {
                let mut j = i + 1;
                while j < order.len() && key(order[j]) == key(order[i]) {
                    j += 1;
                }
                if j - i > 1 {
                    group_runs.push((i, j));
                    tries = tries.saturating_mul((1..=j - i).product());
                }
                i = j;
            }
        }
        to_perms(orders, best);
        // The identity renames nothing (the network is in canonical order
        // already; the sides of a partition are put in theirs by renaming).
        let identity = best
            .iter()
            .all(|p| p.iter().enumerate().all(|(i, &x)| i == x as usize));
        let mut renamed = !(identity && self.layout.partition.is_none());
        if renamed {
            self.permute_fixed(sym, state, best, out);
            form.permute_net(state, best, out);
        } else {
            out.clear();
            out.extend_from_slice(state);
        }
        if tries == 1 {
            return renamed;
        }
        // A run whose members can be swapped without changing the state
        // (each adjacent transposition is an automorphism, so every order
        // is) gives the same candidate in every order: leave it out.
        tries = 1;
        for (g, group_runs) in runs.iter_mut().enumerate() {
            group_runs.retain(|&(a, b)| {
                let interchangeable = (a..b - 1).all(|p| {
                    identity_into(sym, trial);
                    let (x, y) = (orders[g][p] as usize, orders[g][p + 1] as usize);
                    trial[g].swap(x, y);
                    // The network is compared only when the fixed words
                    // are the same.
                    self.permute_fixed(sym, state, trial, candidate);
                    candidate[..] == state[..fixed] && {
                        form.permute_net(state, trial, candidate);
                        candidate[..] == *state
                    }
                });
                !interchangeable
            });
            for &(a, b) in group_runs.iter() {
                tries = tries.saturating_mul((1..=b - a).product());
            }
        }
        if tries == 1 || tries > MAX_TRIES {
            return renamed;
        }
        // Every order of every run of ties: a mixed-radix counter over the
        // runs' permutations.
        all_runs.clear();
        for (g, rs) in runs.iter().enumerate() {
            all_runs.extend(rs.iter().map(|&(a, b)| (g, a, b)));
        }
        // A run's orders, as positions within the run: every order of
        // `n` positions, computed once per `n`.
        for &(_, a, b) in all_runs.iter() {
            let n = b - a;
            if arrangements.len() <= n {
                arrangements.resize_with(n + 1, Vec::new);
            }
            if arrangements[n].is_empty() {
                arrangements[n] = permutations(&(0..n as u32).collect::<Vec<_>>());
            }
        }
        counter.clear();
        counter.resize(all_runs.len(), 0);
        trial_orders.resize_with(sym.groups.len(), Vec::new);
        for (t, o) in trial_orders.iter_mut().zip(orders.iter()) {
            t.clear();
            t.extend_from_slice(o);
        }
        loop {
            // Advance (the all-zero combination is the identity order,
            // already tried).
            let mut r = 0;
            loop {
                if r == counter.len() {
                    return renamed;
                }
                counter[r] += 1;
                let (_, a, b) = all_runs[r];
                if counter[r] < arrangements[b - a].len() {
                    break;
                }
                counter[r] = 0;
                r += 1;
            }
            for (r, &(g, a, b)) in all_runs.iter().enumerate() {
                let order = &arrangements[b - a][counter[r]];
                for (i, &at) in order.iter().enumerate() {
                    trial_orders[g][a + i] = orders[g][a + at as usize];
                }
            }
            to_perms(trial_orders, trial);
            // Representatives compare word by word, the fixed words first:
            // the network is renamed only when they do not decide.
            self.permute_fixed(sym, state, trial, candidate);
            let by_fixed = candidate[..].cmp(&out[..fixed]);
            if by_fixed == Ordering::Greater {
                continue;
            }
            form.permute_net(state, trial, candidate);
            if by_fixed == Ordering::Less
                || form.cmp_net(&candidate[fixed..], &out[fixed..]) == Ordering::Less
            {
                std::mem::swap(out, candidate);
                std::mem::swap(best, trial);
                renamed = true;
            }
        }
    }
}

/// How the network part of a state is held while its representative is
/// chosen ([`Model::canonical_form`]).
trait NetForm {
    /// Counts the messages of network part `net` by sender and by receiver
    /// (zeroed, one entry per global instance; only the instances of
    /// symmetric kinds need be counted).
    fn count(&self, net: &[u64], sent: &mut [u32], waiting: &mut [u32]);
    /// Appends the network part of `state` renamed by `perms` to `out`,
    /// which holds the renamed fixed words.
    fn permute_net(&self, state: &[u64], perms: &Perms, out: &mut Vec<u64>);
    /// Orders two network parts of as many messages as their ordinary
    /// forms (canonical lists of codes) order.
    fn cmp_net(&self, a: &[u64], b: &[u64]) -> Ordering;
}

/// The ordinary form: the network is the canonical list of codes.
struct Listed<'a> {
    model: &'a Model,
    sym: &'a Symmetry,
}

impl NetForm for Listed<'_> {
    #[inline]
    fn count(&self, net: &[u64], sent: &mut [u32], waiting: &mut [u32]) {
        let msg = &self.model.layout.msg;
        for &c in net {
            sent[msg.src(c) as usize] += 1;
            waiting[msg.dst(c) as usize] += 1;
        }
    }

    fn permute_net(&self, state: &[u64], perms: &Perms, out: &mut Vec<u64>) {
        self.model.permute_network(self.sym, state, perms, out);
    }

    fn cmp_net(&self, a: &[u64], b: &[u64]) -> Ordering {
        a.cmp(b)
    }
}

/// The packed form, split: the fixed words, then the network as a bit set
/// of its own words, bit `b` for the universe's `b`-th code
/// ([`PackedSym::split`]).
struct Bits<'a> {
    ps: &'a PackedSym,
}

impl NetForm for Bits<'_> {
    /// A word at a time: each symmetric instance's messages are a mask.
    #[inline]
    fn count(&self, net: &[u64], sent: &mut [u32], waiting: &mut [u32]) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has the instruction (just checked).
            unsafe { count_popcnt(self.ps, net, sent, waiting) };
            return;
        }
        count_masked(self.ps, net, sent, waiting);
    }

    fn permute_net(&self, state: &[u64], perms: &Perms, out: &mut Vec<u64>) {
        let image = self.ps.image(perms);
        let start = out.len();
        out.resize(start + self.ps.net_words, 0);
        let net = &state[state.len() - self.ps.net_words..];
        for_each_bit(net, |b| {
            let to = image[b as usize] as usize;
            out[start + to / 64] |= 1 << (to % 64);
        });
    }

    /// The sets' sorted lists of codes first differ where the lowest bit in
    /// which the sets differ is: the list holding that code is the smaller.
    fn cmp_net(&self, a: &[u64], b: &[u64]) -> Ordering {
        for (&x, &y) in a.iter().zip(b) {
            let differ = x ^ y;
            if differ != 0 {
                let lowest = differ & differ.wrapping_neg();
                return if x & lowest != 0 {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
            }
        }
        Ordering::Equal
    }
}

/// [`NetForm::count`] for [`Bits`]: each symmetric instance's messages,
/// sent and waiting, are the network's bits under a mask.
#[inline(always)]
fn count_masked(ps: &PackedSym, net: &[u64], sent: &mut [u32], waiting: &mut [u32]) {
    let n = ps.net_words;
    for (i, &global) in ps.counted.iter().enumerate() {
        let masks = &ps.masks[2 * i * n..2 * (i + 1) * n];
        let (from, to) = masks.split_at(n);
        let (mut s, mut w) = (0, 0);
        for ((&x, &f), &t) in net.iter().zip(from).zip(to) {
            s += (x & f).count_ones();
            w += (x & t).count_ones();
        }
        sent[global as usize] = s;
        waiting[global as usize] = w;
    }
}

/// [`count_masked`] with the CPU's population count instruction, which
/// the baseline x86-64 target leaves out.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn count_popcnt(ps: &PackedSym, net: &[u64], sent: &mut [u32], waiting: &mut [u32]) {
    count_masked(ps, net, sent, waiting)
}

/// Calls `f` with the index of every set bit of `words`, in increasing order.
#[inline]
fn for_each_bit(words: &[u64], mut f: impl FnMut(u32)) {
    for (w, &word) in words.iter().enumerate() {
        let mut word = word;
        while word != 0 {
            f(w as u32 * 64 + word.trailing_zeros());
            word &= word - 1;
        }
    }
}

/// The most permutations (all groups together) whose renamings of the
/// packed network [`PackedSym`] tabulates, and the most table entries.
const PACKED_PERMS: usize = 5040;
const PACKED_ENTRIES: usize = 1 << 22;

/// Symmetry reduction on packed states ([`Model::canonical_packed`]): each
/// message bit's sender and receiver, and its image under every
/// permutation, tabulated once.
pub struct PackedSym {
    /// Where the network's bits start in a packed state, the words of a
    /// packed state, and the words of the network alone.
    base: u32,
    words: usize,
    net_words: usize,
    /// The global instances of the symmetric kinds, and for each the
    /// network bits of the messages it sent, then of those sent to it
    /// (`net_words` words each).
    counted: Vec<u32>,
    masks: Vec<u64>,
    /// By group: its instance count (the permutations' ranks are mixed
    /// radix over the groups, each group's its Lehmer code).
    counts: Vec<usize>,
    /// By permutation rank: every bit's image, `bits` entries each.
    images: Vec<u32>,
    bits: usize,
}

impl PackedSym {
    /// The tables for a packed spec, or `None` when they would be too big
    /// or a renamed message falls outside the universe (then the explorer
    /// chooses representatives in the ordinary form).
    pub(crate) fn new(model: &Model, sym: &Symmetry, fast: &super::Packing) -> Option<PackedSym> {
        let codes = fast.codes();
        let msg = &model.layout.msg;
        let counts: Vec<usize> = sym.groups.iter().map(|g| g.count as usize).collect();
        let mut total = 1usize;
        for &n in &counts {
            total = total.checked_mul((1..=n).product::<usize>())?;
        }
        if total > PACKED_PERMS || total.checked_mul(codes.len())? > PACKED_ENTRIES {
            return None;
        }
        let mut images = Vec::with_capacity(total * codes.len());
        let mut perms = Perms::new();
        for rank in 0..total {
            unrank(&counts, rank, &mut perms);
            let rename = |gl: u32| sym.global_new(gl, &perms);
            for &code in codes {
                let to = rename_message(msg, sym, code, &perms, rename);
                images.push(codes.binary_search(&to).ok()? as u32);
            }
        }
        let net_words = codes.len().div_ceil(64);
        let counted: Vec<u32> = (sym.groups.iter())
            .flat_map(|g| g.first_global..g.first_global + g.count)
            .collect();
        let mut masks = vec![0u64; counted.len() * 2 * net_words];
        for (i, &global) in counted.iter().enumerate() {
            let (from, to) =
                masks[2 * i * net_words..2 * (i + 1) * net_words].split_at_mut(net_words);
            for (b, &c) in codes.iter().enumerate() {
                if msg.src(c) == global {
                    from[b / 64] |= 1 << (b % 64);
                }
                if msg.dst(c) == global {
                    to[b / 64] |= 1 << (b % 64);
                }
            }
        }
        Some(PackedSym {
            base: fast.base(),
            words: fast.words(),
            net_words,
            counted,
            masks,
            counts,
            images,
            bits: codes.len(),
        })
    }

    /// Every bit's image under `perms`.
    #[inline]
    fn image(&self, perms: &Perms) -> &[u32] {
        let rank = rank(&self.counts, perms);
        &self.images[rank * self.bits..(rank + 1) * self.bits]
    }

    /// A packed state as the fixed words (without the network's bits)
    /// followed by the network's own words.
    fn split(&self, fixed: usize, packed: &[u64], out: &mut Vec<u64>) {
        out.clear();
        out.extend_from_slice(&packed[..fixed]);
        let (first, shift) = (self.base as usize / 64, self.base % 64);
        if shift != 0
            && let Some(last) = out.get_mut(first)
        {
            *last &= mask(shift);
        }
        for i in 0..self.net_words {
            let w = first + i;
            let mut v = packed.get(w).map_or(0, |&x| x >> shift);
            if shift != 0
                && let Some(&next) = packed.get(w + 1)
            {
                v |= next << (64 - shift);
            }
            out.push(v);
        }
        if !self.bits.is_multiple_of(64)
            && let Some(last) = out.last_mut()
        {
            *last &= mask((self.bits % 64) as u32);
        }
    }

    /// The packed state of a split one ([`PackedSym::split`]).
    fn join(&self, fixed: usize, split: &[u64], out: &mut Vec<u64>) {
        out.clear();
        out.extend_from_slice(&split[..fixed]);
        out.resize(self.words, 0);
        let (first, shift) = (self.base as usize / 64, self.base % 64);
        for (i, &v) in split[fixed..].iter().enumerate() {
            let w = first + i;
            if w < out.len() {
                out[w] |= v << shift;
            }
            if shift != 0 && w + 1 < out.len() {
                out[w + 1] |= v >> (64 - shift);
            }
        }
    }
}

/// The rank of `perms` among all permutations of groups of `counts`
/// instances: each group's Lehmer code, mixed radix over the groups.
fn rank(counts: &[usize], perms: &Perms) -> usize {
    let mut rank = 0usize;
    for (&n, p) in counts.iter().zip(perms) {
        let mut r = 0usize;
        for i in 0..n {
            let smaller_after = p[i + 1..n].iter().filter(|&&x| x < p[i]).count();
            r = r * (n - i) + smaller_after;
        }
        rank = rank * (1..=n).product::<usize>() + r;
    }
    rank
}

/// The permutations of rank `rank` ([`rank`]), into `perms`.
fn unrank(counts: &[usize], mut rank: usize, perms: &mut Perms) {
    perms.resize_with(counts.len(), Vec::new);
    for (g, &n) in counts.iter().enumerate().rev() {
        let size: usize = (1..=n).product();
        let mut r = rank % size;
        rank /= size;
        // The Lehmer digits, most significant first.
        let mut digits = vec![0usize; n];
        for i in (0..n).rev() {
            let radix = n - i;
            digits[i] = r % radix;
            r /= radix;
        }
        let mut left: Vec<u32> = (0..n as u32).collect();
        let p = &mut perms[g];
        p.clear();
        for d in digits {
            p.push(left.remove(d));
        }
    }
}

/// Message `code` with the instances it names renamed by `perms`
/// (`rename` maps a global instance to its new global index).
fn rename_message(
    msg: &super::layout::MsgLayout,
    sym: &Symmetry,
    code: u64,
    perms: &Perms,
    rename: impl Fn(u32) -> u32,
) -> u64 {
    let m = msg.kind(code);
    let mut payload = code & mask(msg.kind_shift);
    for (offset, bits, r) in &sym.fields[m] {
        let fm = mask(*bits);
        let part = (payload >> offset) & fm;
        payload = (payload & !(fm << offset)) | ((r.apply(part, perms) & fm) << offset);
    }
    msg.pack(rename(msg.src(code)), rename(msg.dst(code)), m, payload)
}

/// Memory [`Model::canonical_in`] reuses from one state to the next.
#[derive(Default)]
pub struct SymScratch {
    /// One group's keys, instance after instance (all of one width).
    keys: Vec<u64>,
    /// One keyed variable's value in each instance ([`Keyed::fields`]).
    values: Vec<u64>,
    /// By global instance: messages in the network it sent, and those
    /// waiting for it.
    sent: Vec<u32>,
    waiting: Vec<u32>,
    /// By group: instances in key order, and the runs of equal keys.
    orders: Vec<Vec<u32>>,
    runs: Vec<Vec<(usize, usize)>>,
    /// The permutation to the representative.
    pub best: Perms,
    /// A permutation and a state being tried.
    trial: Perms,
    candidate: Vec<u64>,
    /// The runs of ties still to try, as (group, start, end); by run
    /// length, every order of that many positions; the order tried of
    /// each run; the orders of instances it makes.
    all_runs: Vec<(usize, usize, usize)>,
    arrangements: Vec<Vec<Vec<u32>>>,
    counter: Vec<usize>,
    trial_orders: Vec<Vec<u32>>,
    /// A packed state split, and its representative
    /// ([`Model::canonical_packed`]).
    split: Vec<u64>,
    split_out: Vec<u64>,
}

/// The permutation that puts each group's instances in `orders`' order:
/// `perms[g][orders[g][pos]] = pos`.
fn to_perms(orders: &[Vec<u32>], perms: &mut Perms) {
    perms.resize_with(orders.len(), Vec::new);
    for (order, p) in orders.iter().zip(perms.iter_mut()) {
        p.clear();
        p.resize(order.len(), 0);
        for (pos, &inst) in order.iter().enumerate() {
            p[inst as usize] = pos as u32;
        }
    }
}

/// The identity permutation, in `perms`.
fn identity_into(sym: &Symmetry, perms: &mut Perms) {
    perms.resize_with(sym.groups.len(), Vec::new);
    for (group, p) in sym.groups.iter().zip(perms.iter_mut()) {
        p.clear();
        p.extend(0..group.count);
    }
}

/// Every order of `items`, the given order first.
fn permutations(items: &[u32]) -> Vec<Vec<u32>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, first);
            out.push(tail);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_number_every_permutation_once() {
        let counts = [3, 1, 2];
        let mut perms = Perms::new();
        let mut seen = std::collections::HashSet::new();
        for r in 0..12 {
            unrank(&counts, r, &mut perms);
            assert_eq!(rank(&counts, &perms), r);
            assert!(seen.insert(perms.clone()), "{perms:?} twice");
        }
        unrank(&counts, 0, &mut perms);
        assert_eq!(perms, vec![vec![0, 1, 2], vec![0], vec![0, 1]]);
    }

    /// Bit sets of as many members order as their sorted lists of members.
    #[test]
    fn bit_sets_order_as_their_lists() {
        let list = |set: u64| -> Vec<u64> { (0..64).filter(|b| set >> b & 1 == 1).collect() };
        let sets: Vec<u64> = (0u64..256).collect();
        let ps = PackedSym {
            base: 0,
            words: 1,
            net_words: 1,
            counted: Vec::new(),
            masks: Vec::new(),
            counts: Vec::new(),
            images: Vec::new(),
            bits: 8,
        };
        let bits = Bits { ps: &ps };
        for &a in &sets {
            for &b in &sets {
                if a.count_ones() == b.count_ones() {
                    assert_eq!(
                        bits.cmp_net(&[a], &[b]),
                        list(a).cmp(&list(b)),
                        "{a:b} {b:b}"
                    );
                }
            }
        }
    }
}
