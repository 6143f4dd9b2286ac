//! The faults' steps on packed states, each as [`Model::fault`] takes it on
//! ordinary states.

use super::Packing;
use super::cache::{Memo, Sink};
use crate::model::Model;
use crate::model::encoding::mask;
use crate::model::layout::Slot;
use crate::model::step::{Step, StepKind};
use crate::syntax::ast::FaultKind;
use crate::typed::NodeKindId;

/// Makes `next` a copy of `state`: one word, the usual packed state,
/// without a call to `memcpy`.
#[inline(always)]
fn copy_state(next: &mut Vec<u64>, state: &[u64]) {
    if let ([n], [s]) = (next.as_mut_slice(), state) {
        *n = *s;
    } else {
        next.clear();
        next.extend_from_slice(state);
    }
}

impl Model {
    /// The faults' steps from a packed state, in the interpreter's order
    /// (fault by fault, as written). Losing a message clears its bit;
    /// duplicating one is no step (copies on a `set` network merge);
    /// forging one sets its bit (forged messages are in the universe);
    /// a crash or a restart sets the instance's flag and (restart) its
    /// variables, a partition or a heal its sides: each as
    /// [`Model::fault`] does on ordinary states.
    pub(super) fn faults_packed<S: Sink>(
        &self,
        fast: &Packing,
        state: &[u64],
        memo: &mut Memo,
        sink: &mut S,
    ) {
        let fixed_words = self.layout.fixed_words;
        let fixed = &state[..fixed_words];
        for (f, fault) in self.spec.faults.iter().enumerate() {
            match fault.kind {
                FaultKind::Lose => self.lose_packed(fast, f, state, memo, sink),
                FaultKind::Crash => self.crash_packed(f, state, memo, sink),
                FaultKind::Restart => self.restart_packed(fast, f, state, memo, sink),
                FaultKind::Partition => self.partition_packed(f, state, memo, sink),
                FaultKind::Duplicate => {}
                FaultKind::Byzantine => {
                    let next = &mut memo.next;
                    let in_flight = |code| fast.has_bit(state, fast.bit_of(code));
                    self.forgeries(f, fixed, in_flight, |step, code| {
                        copy_state(next, state);
                        fast.set_bit(next, fast.bit_of(code));
                        sink.fault(&step, next);
                    });
                }
            }
        }
    }

    /// What `crash` or `restart` fault `f` works on from `state`: the
    /// count it has used, its node kind, that kind's crash flags (by
    /// instance) and the fault's counter; `None` when it takes no step
    /// (its budget spent, or no kind with crash flags).
    fn crash_scope(
        &self,
        f: usize,
        state: &[u64],
    ) -> Option<(u64, NodeKindId, &[Slot], Option<Slot>)> {
        let used = self.fault_budget_left(f, state)?;
        let k = self.spec.faults[f].node?;
        let crashed = self.layout.kinds[k].crashed.as_deref()?;
        Some((used, k, crashed, self.layout.fault_counters[f]))
    }

    /// The steps of `crash` fault `f` from a packed state: each live
    /// instance of its kind crashes (its flag set, the fault's count
    /// bumped), in order, as [`Model::fault`] does.
    fn crash_packed<S: Sink>(&self, f: usize, state: &[u64], memo: &mut Memo, sink: &mut S) {
        let Some((used, k, crashed, counter)) = self.crash_scope(f, state) else {
            return;
        };
        let kl = &self.layout.kinds[k];
        let next = &mut memo.next;
        for (inst, flag) in crashed.iter().enumerate() {
            if flag.read(state) != 0 {
                continue;
            }
            copy_state(next, state);
            flag.write(next, 1);
            if let Some(c) = counter {
                c.write(next, used + 1);
            }
            let step = Step {
                kind: StepKind::Crash {
                    global: kl.first_global + inst as u32,
                    fault: f as u32,
                },
            };
            sink.fault(&step, next);
        }
    }

    /// The steps of `restart` fault `f` from a packed state: each crashed
    /// instance of its kind comes back (its flag cleared, the fault's
    /// count bumped) with each choice of initial values for its
    /// non-persistent variables, in order, as [`Model::fault`] does.
    fn restart_packed<S: Sink>(
        &self,
        fast: &Packing,
        f: usize,
        state: &[u64],
        memo: &mut Memo,
        sink: &mut S,
    ) {
        let Some((used, k, crashed, counter)) = self.crash_scope(f, state) else {
            return;
        };
        let kl = &self.layout.kinds[k];
        let next = &mut memo.next;
        for (inst, flag) in crashed.iter().enumerate() {
            if flag.read(state) == 0 {
                continue;
            }
            let global = kl.first_global + inst as u32;
            let step = |choice: usize| Step {
                kind: StepKind::Restart {
                    global,
                    fault: f as u32,
                    choice: choice as u32,
                },
            };
            let resets =
                fast.restarts[global as usize].get_or_init(|| self.restart_resets(k, inst as u32));
            let resets = match resets {
                Ok(resets) => resets,
                Err(e) => {
                    sink.error(&step(0), e);
                    continue;
                }
            };
            let n_choices: usize = resets.iter().map(|(_, c)| c.len()).product();
            for choice in 0..n_choices {
                copy_state(next, state);
                flag.write(next, 0);
                if let Some(c) = counter {
                    c.write(next, used + 1);
                }
                let mut rest = choice;
                for (slot, codes) in resets.iter().rev() {
                    slot.write(next, codes[rest % codes.len()]);
                    rest /= codes.len();
                }
                sink.fault(&step(choice), next);
            }
        }
    }

    /// The steps of `partition` fault `f` from a packed state, as
    /// [`Model::fault`] takes them: the heal when split, else every split
    /// into two non-empty groups (instance 0 on side 0), the fault's count
    /// bumped.
    fn partition_packed<S: Sink>(&self, f: usize, state: &[u64], memo: &mut Memo, sink: &mut S) {
        let Some(used) = self.fault_budget_left(f, state) else {
            return;
        };
        let Some((active, sides)) = self.layout.partition else {
            return;
        };
        let next = &mut memo.next;
        let fault = f as u32;
        if active.read(state) != 0 {
            copy_state(next, state);
            active.write(next, 0);
            sides.write(next, 0);
            sink.fault(
                &Step {
                    kind: StepKind::Heal { fault },
                },
                next,
            );
            return;
        }
        let counter = self.layout.fault_counters[f];
        let n = self.layout.instances.len() as u32;
        let all = mask(n);
        let mut m: u64 = 2;
        while n > 1 && m <= all {
            copy_state(next, state);
            active.write(next, 1);
            sides.write(next, m);
            if let Some(c) = counter {
                c.write(next, used + 1);
            }
            sink.fault(
                &Step {
                    kind: StepKind::Partition { fault, sides: m },
                },
                next,
            );
            m += 2;
        }
    }

    /// The steps of `lose` fault `f` from a packed state: one per message
    /// it may lose, in the order of their bits (the network's order).
    fn lose_packed<S: Sink>(
        &self,
        fast: &Packing,
        f: usize,
        state: &[u64],
        memo: &mut Memo,
        sink: &mut S,
    ) {
        let fault = &self.spec.faults[f];
        let counter = self.layout.fault_counters[f];
        let Some(used) = self.fault_budget_left(f, state) else {
            return;
        };
        let next = &mut memo.next;
        fast.for_each_message(state, |bit| {
            let code = fast.codes[bit as usize];
            if fault
                .message
                .is_some_and(|m| m != self.layout.msg.kind(code))
            {
                return;
            }
            copy_state(next, state);
            let at = fast.base + bit;
            next[at as usize / 64] &= !(1 << (at % 64));
            if let Some(c) = counter {
                c.write(next, used + 1);
            }
            let step = Step {
                kind: StepKind::Lose {
                    fault: f as u32,
                    code,
                },
            };
            sink.fault(&step, next);
        });
    }
}
