//! Async mutex for tasks of one executor.
//!
//! Priority policy: none is needed inside one executor, because its tasks
//! never preempt each other; but a lock held across an `.await` lets a
//! higher-priority task of the same executor wait on a lower one. Waiters
//! are woken all at once on unlock and the highest-priority one (lowest task
//! index, polled first) wins. Data shared with a higher executor or an
//! interrupt handler must use [`CeilingMutex`](super::ceiling::CeilingMutex).

use core::cell::{RefCell, UnsafeCell};
use core::ops::{Deref, DerefMut};

use critical_section::Mutex as CsMutex;

use super::{wait_for, with};
use crate::waker_set::WakerSet;

struct State<const W: usize> {
    locked: bool,
    waiters: WakerSet<W>,
}

/// A mutex over `T` with up to `W` waiting tasks.
pub struct Mutex<T, const W: usize> {
    state: CsMutex<RefCell<State<W>>>,
    data: UnsafeCell<T>,
}

// SAFETY: `data` is reachable only through a guard, and `locked` admits one guard.
unsafe impl<T: Send, const W: usize> Sync for Mutex<T, W> {}

/// Access to the data; unlocks on drop.
pub struct Guard<'a, T, const W: usize> {
    mutex: &'a Mutex<T, W>,
}

impl<T, const W: usize> Mutex<T, W> {
    pub const fn new(value: T) -> Self {
        Mutex { state: CsMutex::new(RefCell::new(State { locked: false, waiters: WakerSet::new() })), data: UnsafeCell::new(value) }
    }

    /// Locks if free.
    pub fn try_lock(&self) -> Option<Guard<'_, T, W>> {
        with(&self.state, |s| {
            if s.locked {
                None
            } else {
                s.locked = true;
                Some(Guard { mutex: self })
            }
        })
    }

    /// Waits for the lock.
    pub async fn lock(&self) -> Guard<'_, T, W> {
        wait_for(
            &self.state,
            |s| {
                let free = !s.locked;
                s.locked = true;
                free.then_some(())
            },
            |s| &mut s.waiters,
        )
        .await;
        Guard { mutex: self }
    }
}

impl<T, const W: usize> Drop for Guard<'_, T, W> {
    fn drop(&mut self) {
        with(&self.mutex.state, |s| {
            s.locked = false;
            s.waiters.wake_all();
        })
    }
}

impl<T, const W: usize> Deref for Guard<'_, T, W> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard is the only access while locked.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T, const W: usize> DerefMut for Guard<'_, T, W> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as above, and `&mut self` makes it exclusive.
        unsafe { &mut *self.mutex.data.get() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::testing::{poll_once, Count};
    use core::pin::pin;
    use core::task::Poll;

    #[test]
    fn second_locker_waits_until_the_guard_drops() {
        let m = Mutex::<u32, 2>::new(0);
        let g = m.try_lock().unwrap();
        assert!(m.try_lock().is_none());
        let c = Count::new();
        let mut l = pin!(m.lock());
        assert!(poll_once(l.as_mut(), &c).is_pending());
        drop(g);
        assert_eq!(c.get(), 1);
        match poll_once(l.as_mut(), &c) {
            Poll::Ready(mut g) => *g += 1,
            Poll::Pending => panic!("lock not granted after unlock"),
        }
        assert_eq!(*m.try_lock().unwrap(), 1);
    }
}
