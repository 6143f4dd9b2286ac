//! The environment's steps: crashes, restarts, lost and duplicated
//! messages, partitions and forgeries, in the declaration order of
//! `spec.faults`, and the state they read (who is down, what is cut).

use super::code::Resets;
use super::step::{Outcome, Scratch, Step, StepKind};
use super::{Model, RtResult};
use crate::syntax::ast::FaultKind;
use crate::typed::*;

impl Model {
    /// Whether a partition separates two instances now.
    pub(super) fn cut(&self, words: &[u64], a: u32, b: u32) -> bool {
        match self.layout.partition {
            Some((active, sides)) if active.read(words) != 0 => {
                let s = sides.read(words);
                (s >> a) & 1 != (s >> b) & 1
            }
            _ => false,
        }
    }

    /// Whether every node instance has crashed.
    pub(crate) fn all_crashed(&self, state: &[u64]) -> bool {
        let words = &state[..self.layout.fixed_words];
        (0..self.layout.instances.len() as u32).all(|g| self.crashed(words, g))
    }

    /// Whether an instance is byzantine (it then runs none of its code).
    pub fn byzantine(&self, words: &[u64], global: u32) -> bool {
        let (k, inst) = self.layout.instances[global as usize];
        match &self.layout.kinds[k].byzantine {
            Some(slots) => slots[inst as usize].read(words) != 0,
            None => false,
        }
    }

    /// Whether an instance runs none of its code: crashed or byzantine.
    #[inline]
    pub(super) fn down(&self, words: &[u64], global: u32) -> bool {
        self.crashed(words, global) || self.byzantine(words, global)
    }

    pub(super) fn crashed(&self, words: &[u64], global: u32) -> bool {
        let (k, inst) = self.layout.instances[global as usize];
        match &self.layout.kinds[k].crashed {
            Some(slots) => slots[inst as usize].read(words) != 0,
            None => false,
        }
    }

    pub(super) fn faults(
        &self,
        state: &[u64],
        scratch: &mut Scratch,
        emit: &mut dyn FnMut(Step, Outcome),
    ) {
        for f_index in 0..self.spec.faults.len() {
            self.fault(f_index, state, scratch, emit);
        }
    }

    /// How many times fault `f_index` has been used, when it may be used
    /// again in a state with fixed part `words`; `None` when its budget is
    /// spent (healing a partition is always possible: the budget counts
    /// splits).
    pub(super) fn fault_budget_left(&self, f_index: usize, words: &[u64]) -> Option<u64> {
        let fault = &self.spec.faults[f_index];
        let used = self.layout.fault_counters[f_index].map_or(0, |c| c.read(words));
        let healing = fault.kind == FaultKind::Partition
            && self
                .layout
                .partition
                .is_some_and(|(active, _)| active.read(words) != 0);
        (fault.budget.is_none_or(|b| used < b as u64) || healing).then_some(used)
    }

    /// Whether the byzantine instances' forging is done by fault
    /// `f_index`: with several lines for one kind, the first forges.
    pub(super) fn forges(&self, f_index: usize) -> bool {
        let fault = &self.spec.faults[f_index];
        fault.kind == FaultKind::Byzantine
            && fault.node.is_some_and(|k| {
                let first = (self.spec.faults.iter())
                    .position(|g| g.kind == FaultKind::Byzantine && g.node == Some(k));
                first == Some(f_index)
            })
    }

    /// The forging steps of byzantine fault `f_index` from a state with
    /// fixed part `words`, whose network holds a message when `in_flight`
    /// says so: `each(step, code)` in order.
    pub(super) fn forgeries(
        &self,
        f_index: usize,
        words: &[u64],
        in_flight: impl Fn(u64) -> bool,
        mut each: impl FnMut(Step, u64),
    ) {
        let Some(k) = self.spec.faults[f_index].node else {
            return;
        };
        if !self.forges(f_index) {
            return;
        }
        let kl = &self.layout.kinds[k];
        for inst in 0..kl.count {
            let global = kl.first_global + inst;
            if !self.byzantine(words, global) || self.crashed(words, global) {
                continue;
            }
            for forge in &self.code.kinds[k].forge {
                for &dst in &forge.receivers {
                    // Byzantine receivers ignore what they get.
                    if self.byzantine(words, dst) {
                        continue;
                    }
                    for &payload in &forge.payloads {
                        let code = self.layout.msg.pack(global, dst, forge.message, payload);
                        // A message already in flight is not sent
                        // again: that keeps the network finite.
                        if in_flight(code) {
                            continue;
                        }
                        let step = Step {
                            kind: StepKind::Forge {
                                global,
                                fault: f_index as u32,
                                code,
                            },
                        };
                        each(step, code);
                    }
                }
            }
        }
    }

    /// What a restart of instance `inst` of kind `k` sets: each
    /// non-persistent variable's slot and its initial values (codes), one
    /// of which it takes; the same in every state.
    pub(super) fn restart_resets(&self, k: NodeKindId, inst: u32) -> RtResult<Resets> {
        let kl = &self.layout.kinds[k];
        let mut resets = Vec::new();
        for v in 0..kl.vars.len() {
            if !self.code.kinds[k].persistent[v] {
                resets.extend(self.init_digits(k, inst, v)?);
            }
        }
        Ok(resets)
    }

    /// The steps of fault `f_index` (of `spec.faults`) from `state`.
    fn fault(
        &self,
        f_index: usize,
        state: &[u64],
        scratch: &mut Scratch,
        emit: &mut dyn FnMut(Step, Outcome),
    ) {
        let fixed = self.layout.fixed_words;
        let (words, net) = state.split_at(fixed);
        let msg = &self.layout.msg;
        let fault = &self.spec.faults[f_index];
        let counter = self.layout.fault_counters[f_index];
        let Some(used) = self.fault_budget_left(f_index, words) else {
            return;
        };
        let bump = |w: &mut [u64]| {
            if let Some(c) = counter {
                c.write(w, used + 1);
            }
        };
        match fault.kind {
            FaultKind::Crash | FaultKind::Restart => {
                let Some(k) = fault.node else { return };
                let kl = &self.layout.kinds[k];
                let Some(crashed) = &kl.crashed else { return };
                for inst in 0..kl.count {
                    let global = kl.first_global + inst;
                    let is_crashed = crashed[inst as usize].read(words) != 0;
                    if fault.kind == FaultKind::Crash && !is_crashed {
                        scratch.words.clear();
                        scratch.words.extend_from_slice(words);
                        crashed[inst as usize].write(&mut scratch.words, 1);
                        bump(&mut scratch.words);
                        scratch.sends.clear();
                        let step = Step {
                            kind: StepKind::Crash {
                                global,
                                fault: f_index as u32,
                            },
                        };
                        self.emit_next(scratch, net, None, step, emit);
                    } else if fault.kind == FaultKind::Restart && is_crashed {
                        let resets = match self.restart_resets(k, inst) {
                            Ok(resets) => resets,
                            Err(e) => {
                                let step = Step {
                                    kind: StepKind::Restart {
                                        global,
                                        fault: f_index as u32,
                                        choice: 0,
                                    },
                                };
                                emit(step, Outcome::Error(e));
                                continue;
                            }
                        };
                        let n_choices: usize = resets.iter().map(|(_, c)| c.len()).product();
                        for choice in 0..n_choices {
                            scratch.words.clear();
                            scratch.words.extend_from_slice(words);
                            crashed[inst as usize].write(&mut scratch.words, 0);
                            bump(&mut scratch.words);
                            let mut rest = choice;
                            for (slot, codes) in resets.iter().rev() {
                                slot.write(&mut scratch.words, codes[rest % codes.len()]);
                                rest /= codes.len();
                            }
                            scratch.sends.clear();
                            let step = Step {
                                kind: StepKind::Restart {
                                    global,
                                    fault: f_index as u32,
                                    choice: choice as u32,
                                },
                            };
                            self.emit_next(scratch, net, None, step, emit);
                        }
                    }
                }
            }
            FaultKind::Lose | FaultKind::Duplicate => {
                for (p, &code) in net.iter().enumerate() {
                    if p > 0 && net[p - 1] == code {
                        continue;
                    }
                    let m = msg.kind(code);
                    if fault.message.is_some_and(|fm| fm != m) {
                        continue;
                    }
                    let duplicate = fault.kind == FaultKind::Duplicate;
                    if duplicate && self.code.set[m] {
                        continue;
                    }
                    scratch.words.clear();
                    scratch.words.extend_from_slice(words);
                    bump(&mut scratch.words);
                    scratch.sends.clear();
                    let f = f_index as u32;
                    let step = if duplicate {
                        scratch.sends.push(code);
                        Step {
                            kind: StepKind::Duplicate { fault: f, code },
                        }
                    } else {
                        Step {
                            kind: StepKind::Lose { fault: f, code },
                        }
                    };
                    let removed = if duplicate { None } else { Some(p) };
                    self.emit_next(scratch, net, removed, step, emit);
                }
            }
            FaultKind::Partition => {
                let Some((active, sides)) = self.layout.partition else {
                    return;
                };
                let f = f_index as u32;
                if active.read(words) != 0 {
                    scratch.words.clear();
                    scratch.words.extend_from_slice(words);
                    active.write(&mut scratch.words, 0);
                    sides.write(&mut scratch.words, 0);
                    scratch.sends.clear();
                    let step = Step {
                        kind: StepKind::Heal { fault: f },
                    };
                    self.emit_next(scratch, net, None, step, emit);
                    return;
                }
                // Every split into two non-empty groups, instance 0 on
                // side 0: the sides with bit 0 clear, other than none.
                let n = self.layout.instances.len() as u32;
                let all = super::encoding::mask(n);
                let mut m: u64 = 2;
                while n > 1 && m <= all {
                    scratch.words.clear();
                    scratch.words.extend_from_slice(words);
                    active.write(&mut scratch.words, 1);
                    sides.write(&mut scratch.words, m);
                    bump(&mut scratch.words);
                    scratch.sends.clear();
                    let step = Step {
                        kind: StepKind::Partition { fault: f, sides: m },
                    };
                    self.emit_next(scratch, net, None, step, emit);
                    m += 2;
                }
            }
            FaultKind::Byzantine => {
                let in_flight = |c: u64| net.contains(&c);
                self.forgeries(f_index, words, in_flight, |step, code| {
                    scratch.words.clear();
                    scratch.words.extend_from_slice(words);
                    scratch.sends.clear();
                    scratch.sends.push(code);
                    self.emit_next(scratch, net, None, step, emit);
                });
            }
        }
    }
}
