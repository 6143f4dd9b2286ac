//! Stopping a long evaluation from outside.
//!
//! The search looks at its stop flag (the deadline, a signal, the memory
//! watchdog) before each state, but a single guard or property can take
//! minutes: nested quantifiers over large domains. So the loops of the
//! evaluator count their rounds, and every [`EVERY`] rounds on a thread
//! they look at the flag that a [`Watch`] set for that thread. Once it is
//! raised the evaluation fails with [`RtErrorKind::Interrupted`], which is
//! never a finding: whoever set the watch drops what the evaluation was
//! for and stops, as it would at the next state.
//!
//! The count is per thread and the flag is read only when the count runs
//! out, so a round costs a decrement and a branch.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{RtError, RtErrorKind, RtResult};
use crate::syntax::ast::Span;

/// Rounds of evaluator loops between two looks at the flag.
const EVERY: u32 = 1 << 12;

thread_local! {
    /// The flag of the innermost live [`Watch`] on this thread, or null.
    static FLAG: Cell<*const AtomicBool> = const { Cell::new(std::ptr::null()) };
    /// Rounds left before the flag is looked at.
    static LEFT: Cell<u32> = const { Cell::new(EVERY) };
}

/// While it lives, evaluations on this thread fail with
/// [`RtErrorKind::Interrupted`] soon after `flag` is raised.
pub(crate) struct Watch {
    /// The watch it replaced (watches nest).
    outer: *const AtomicBool,
    /// Keeps the flag alive while [`FLAG`] points at it.
    flag: Arc<AtomicBool>,
}

impl Watch {
    /// Makes `flag` the flag that evaluations on this thread poll, until
    /// the watch is dropped.
    pub fn new(flag: &Arc<AtomicBool>) -> Watch {
        let flag = flag.clone();
        let outer = FLAG.with(|f| f.replace(Arc::as_ptr(&flag)));
        Watch { outer, flag }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        FLAG.with(|f| {
            debug_assert_eq!(f.get(), Arc::as_ptr(&self.flag));
            f.set(self.outer)
        });
    }
}

/// One round of an evaluator loop: fails once this thread's watched flag
/// is raised. (The error's span is empty: it is never shown.)
#[inline(always)]
pub(crate) fn round() -> RtResult<()> {
    let left = LEFT.with(|l| {
        let n = l.get().wrapping_sub(1);
        l.set(n);
        n
    });
    if left == 0 { look() } else { Ok(()) }
}

#[cold]
#[inline(never)]
fn look() -> RtResult<()> {
    LEFT.with(|l| l.set(EVERY));
    let raised = FLAG.with(|f| {
        let flag = f.get();
        // SAFETY: a non-null FLAG points into the `Arc` of the live Watch
        // that set it on this thread (watches are dropped in reverse order
        // of creation, restoring the pointer they replaced).
        !flag.is_null() && unsafe { &*flag }.load(Ordering::Relaxed)
    });
    match raised {
        true => Err(RtError {
            kind: RtErrorKind::Interrupted,
            span: Span::default(),
        }),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rounds_until_stopped(n: u64) -> Option<u64> {
        (0..n).find(|_| round().is_err())
    }

    #[test]
    fn a_raised_flag_stops_the_rounds_of_its_thread_only_while_watched() {
        let flag = Arc::new(AtomicBool::new(false));
        {
            let _watch = Watch::new(&flag);
            assert_eq!(rounds_until_stopped(3 * EVERY as u64), None);
            flag.store(true, Ordering::Relaxed);
            let stopped = rounds_until_stopped(3 * EVERY as u64);
            assert!(stopped.is_some_and(|n| n < EVERY as u64), "{stopped:?}");
            // Another thread's rounds do not see this thread's watch.
            let other = std::thread::spawn(|| rounds_until_stopped(3 * EVERY as u64));
            assert_eq!(other.join().unwrap(), None);
        }
        // Without the watch, the raised flag stops nothing.
        assert_eq!(rounds_until_stopped(3 * EVERY as u64), None);
    }

    #[test]
    fn watches_nest() {
        let outer = Arc::new(AtomicBool::new(false));
        let inner = Arc::new(AtomicBool::new(true));
        let _o = Watch::new(&outer);
        {
            let _i = Watch::new(&inner);
            assert!(rounds_until_stopped(2 * EVERY as u64).is_some());
        }
        assert_eq!(rounds_until_stopped(3 * EVERY as u64), None);
    }
}
