//! Signal: the latest value, overwritten by each `signal`, taken by one
//! waiting task. Also usable as a watch of the last value (`peek`).

use core::cell::RefCell;

use critical_section::Mutex;

use super::{wait_for, with};
use crate::waker_set::WakerSet;

struct State<T, const W: usize> {
    value: Option<T>,
    last: Option<T>,
    waiters: WakerSet<W>,
}

/// A signal of `T` with up to `W` waiting tasks.
pub struct Signal<T: Copy, const W: usize> {
    state: Mutex<RefCell<State<T, W>>>,
}

impl<T: Copy, const W: usize> Default for Signal<T, W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy, const W: usize> Signal<T, W> {
    pub const fn new() -> Self {
        Signal { state: Mutex::new(RefCell::new(State { value: None, last: None, waiters: WakerSet::new() })) }
    }

    /// Stores `value` (replacing an untaken one) and wakes waiters. ISR-safe.
    pub fn signal(&self, value: T) {
        with(&self.state, |s| {
            s.value = Some(value);
            s.last = Some(value);
            s.waiters.wake_all();
        })
    }

    /// Takes the pending value, if any.
    pub fn try_take(&self) -> Option<T> {
        with(&self.state, |s| s.value.take())
    }

    /// The last value ever signalled (taken or not): the watch view.
    pub fn peek(&self) -> Option<T> {
        with(&self.state, |s| s.last)
    }

    /// Waits for a value and takes it.
    pub fn wait(&self) -> impl core::future::Future<Output = T> + '_ {
        wait_for(&self.state, |s| s.value.take(), |s| &mut s.waiters)
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
}
