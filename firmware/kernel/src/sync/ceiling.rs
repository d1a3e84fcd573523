//! Priority-ceiling mutex for data shared across priority levels (the
//! interrupt executor, the thread executor, interrupt handlers).
//!
//! Protocol: immediate priority ceiling. `lock` raises the current execution
//! priority to the mutex's ceiling (on Cortex-M: BASEPRI, through a
//! [`PriorityMask`]) for the duration of the closure, so no other user of
//! the mutex can preempt the holder: mutual exclusion without waiting, no
//! deadlock between two such mutexes, and a higher-priority context is
//! delayed at most by the longest closure. The ceiling must be at least the
//! highest priority of any context that locks the mutex (a board-level
//! rule; `lock` cannot see who else uses it). Locking the same mutex again
//! from inside its closure is refused with [`Nested`].

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

/// Raising and restoring the execution priority.
pub trait PriorityMask: Sync {
    /// Masks every interrupt whose priority is not above `ceiling`; returns
    /// the previous mask for `restore`.
    fn raise(&self, ceiling: u8) -> u8;
    fn restore(&self, previous: u8);
}

/// `lock` was called from inside the same mutex's closure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nested;

/// A ceiling mutex over `T`.
pub struct CeilingMutex<T> {
    ceiling: u8,
    mask: &'static dyn PriorityMask,
    held: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: access happens only inside `lock`, with the ceiling raised so no
// other locker runs, and `held` rejects nested access.
unsafe impl<T: Send> Sync for CeilingMutex<T> {}

impl<T> CeilingMutex<T> {
    pub const fn new(ceiling: u8, mask: &'static dyn PriorityMask, value: T) -> Self {
        CeilingMutex { ceiling, mask, held: AtomicBool::new(false), data: UnsafeCell::new(value) }
    }

    /// Runs `f` on the data at the ceiling priority.
    pub fn lock<R>(&self, f: impl FnOnce(&mut T) -> R) -> Result<R, Nested> {
        let previous = self.mask.raise(self.ceiling);
        if self.held.swap(true, Ordering::Acquire) {
            self.mask.restore(previous);
            return Err(Nested);
        }
        // SAFETY: see the Sync impl.
        let r = f(unsafe { &mut *self.data.get() });
        self.held.store(false, Ordering::Release);
        self.mask.restore(previous);
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU8;

    struct Basepri(AtomicU8);
    impl PriorityMask for Basepri {
        fn raise(&self, ceiling: u8) -> u8 {
            let prev = self.0.load(Ordering::SeqCst);
            self.0.store(prev.max(ceiling), Ordering::SeqCst);
            prev
        }
        fn restore(&self, previous: u8) {
            self.0.store(previous, Ordering::SeqCst);
        }
    }

    static MASK: Basepri = Basepri(AtomicU8::new(0));

    #[test]
    fn runs_at_the_ceiling_restores_after_and_refuses_nesting() {
        let m = CeilingMutex::new(3, &MASK, 10u32);
        let seen = m
            .lock(|v| {
                *v += 1;
                (MASK.0.load(Ordering::SeqCst), m.lock(|_| ()))
            })
            .unwrap();
        assert_eq!(seen, (3, Err(Nested)));
        assert_eq!(MASK.0.load(Ordering::SeqCst), 0);
        assert_eq!(m.lock(|v| *v), Ok(11));
    }
}
