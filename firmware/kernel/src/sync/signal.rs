//! Signal: the latest value, overwritten by each `signal`, taken by one
//! waiting task. Also usable as a watch of the last value (`peek`).

use core::cell::UnsafeCell;
use core::future::Future;
use core::task::{Poll, Waker};

use critical_section::Mutex;

use crate::waker_set::{Inserted, WakerSet};

struct State<T, const W: usize> {
    value: Option<T>,
    last: Option<T>,
    waiters: WakerSet<W>,
}

/// A signal of `T` with up to `W` waiting tasks.
///
/// The hot primitive of task hand-offs, so it skips `RefCell`: its state is
/// an `UnsafeCell` reached only inside a critical section, through
/// [`Signal::state`], and **no foreign code runs while a reference to the
/// state is live** (wakers are woken, cloned and dropped only after the
/// last use of the reference; this kernel's own wakers are cloned and woken
/// inline without calling through their vtable). So a waker whose `wake`,
/// `clone` or `drop` re-enters this signal sees a consistent state and
/// aliases nothing.
pub struct Signal<T: Copy, const W: usize> {
    state: Mutex<UnsafeCell<State<T, W>>>,
}

/// The future of [`Signal::wait`]; its `poll` is inlined into the task.
pub struct Wait<'a, T: Copy, const W: usize> {
    signal: &'a Signal<T, W>,
}

impl<T: Copy, const W: usize> Future for Wait<'_, T, W> {
    type Output = T;
    #[inline(always)]
    fn poll(self: core::pin::Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> Poll<T> {
        let signal = self.signal;
        let (poll, rest) = critical_section::with(|cs| signal.poll_wait(cs, cx.waker()));
        rest.settle();
        poll
    }
}

impl<T: Copy, const W: usize> Default for Signal<T, W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy, const W: usize> Signal<T, W> {
    pub const fn new() -> Self {
        Signal { state: Mutex::new(UnsafeCell::new(State { value: None, last: None, waiters: WakerSet::new() })) }
    }

    /// The state, inside critical section `cs`.
    ///
    /// # Safety
    /// The caller must not run foreign code (a waker's methods) or call
    /// `state` again while the returned reference is still to be used.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    unsafe fn state<'a>(&'a self, cs: critical_section::CriticalSection<'a>) -> &'a mut State<T, W> {
        // SAFETY: the critical section excludes every other context; the
        // caller excludes re-entry from this one.
        unsafe { &mut *self.state.borrow(cs).get() }
    }

    /// Stores `value` (replacing an untaken one) and wakes waiters. ISR-safe.
    pub fn signal(&self, value: T) {
        let mut waiters = critical_section::with(|cs| {
            // SAFETY: only plain data is touched; the wakers are moved out.
            let s = unsafe { self.state(cs) };
            s.value = Some(value);
            s.last = Some(value);
            s.waiters.take()
        });
        waiters.wake_all();
    }

    /// Takes the pending value, if any.
    pub fn try_take(&self) -> Option<T> {
        // SAFETY: plain data only.
        critical_section::with(|cs| unsafe { self.state(cs) }.value.take())
    }

    /// The last value ever signalled (taken or not): the watch view.
    pub fn peek(&self) -> Option<T> {
        // SAFETY: plain data only.
        critical_section::with(|cs| unsafe { self.state(cs) }.last)
    }

    /// Waits for a value and takes it. Check and registration happen in one
    /// critical section, so a signal cannot slip between them.
    pub fn wait(&self) -> Wait<'_, T, W> {
        Wait { signal: self }
    }

    #[inline(always)]
    fn poll_wait(&self, cs: critical_section::CriticalSection<'_>, waker: &Waker) -> (Poll<T>, Inserted) {
        // SAFETY: no foreign code runs while `s` is in use (see below).
        let s = unsafe { self.state(cs) };
        if let Some(v) = s.value.take() {
            return (Poll::Ready(v), Inserted::Stored);
        }
        let waker = match crate::executor::clone_own(waker) {
            Some(own) => own,
            None => {
                // A foreign waker: clone it with no reference held (its
                // clone may re-enter), then look again.
                let foreign = waker.clone();
                // SAFETY: `s` above is not used after this point.
                let s = unsafe { self.state(cs) };
                if let Some(v) = s.value.take() {
                    return (Poll::Ready(v), Inserted::Duplicate(foreign));
                }
                return (Poll::Pending, s.waiters.insert(foreign));
            }
        };
        (Poll::Pending, s.waiters.insert(waker))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::testing::{poll_once, Count};
    use core::pin::pin;
    use core::task::Poll;

    #[test]
    fn latest_value_wins_and_is_taken_once() {
        let s = Signal::<u8, 1>::new();
        let c = Count::new();
        let mut w = pin!(s.wait());
        assert!(poll_once(w.as_mut(), &c).is_pending());
        s.signal(1);
        s.signal(2);
        assert_eq!(poll_once(w.as_mut(), &c), Poll::Ready(2));
        assert_eq!(s.try_take(), None);
        assert_eq!(s.peek(), Some(2));
    }

    #[test]
    fn the_same_waker_registered_twice_is_woken_once() {
        let s = Signal::<u8, 1>::new();
        let c = Count::new();
        let mut w = pin!(s.wait());
        assert!(poll_once(w.as_mut(), &c).is_pending());
        assert!(poll_once(w.as_mut(), &c).is_pending());
        assert_eq!(c.get(), 0, "a duplicate registration must not wake");
        s.signal(7);
        assert_eq!(c.get(), 1);
        assert_eq!(poll_once(w.as_mut(), &c), Poll::Ready(7));
    }

    #[test]
    fn a_waiter_beyond_capacity_is_woken_at_once() {
        let s = Signal::<u8, 1>::new();
        let (a, b) = (Count::new(), Count::new());
        let mut wa = pin!(s.wait());
        let mut wb = pin!(s.wait());
        assert!(poll_once(wa.as_mut(), &a).is_pending());
        assert!(poll_once(wb.as_mut(), &b).is_pending());
        assert_eq!((a.get(), b.get()), (0, 1));
    }

    /// A foreign waker whose `clone` signals the same signal (re-entry
    /// while the wait registers): the wait must see that value rather than
    /// park with it pending (nothing would wake it).
    #[test]
    fn a_reentrant_foreign_clone_is_seen_by_the_wait() {
        use std::task::{Context, RawWaker, RawWakerVTable, Waker};
        static SIG: Signal<u8, 1> = Signal::new();
        static VT: RawWakerVTable = RawWakerVTable::new(
            |d| {
                SIG.signal(9);
                RawWaker::new(d, &VT)
            },
            |_| {},
            |_| {},
            |_| {},
        );
        // SAFETY: the vtable's functions ignore the data pointer.
        let waker = unsafe { Waker::from_raw(RawWaker::new(core::ptr::null(), &VT)) };
        let mut w = pin!(SIG.wait());
        assert_eq!(w.as_mut().poll(&mut Context::from_waker(&waker)), Poll::Ready(9));
        assert_eq!(SIG.try_take(), None);
    }
}
