//! Counting semaphore.

use core::cell::RefCell;

use critical_section::Mutex;

use super::{wait_for, with};
use crate::waker_set::WakerSet;

struct State<const W: usize> {
    permits: u32,
    waiters: WakerSet<W>,
}

/// A semaphore with up to `W` waiting tasks.
pub struct Semaphore<const W: usize> {
    state: Mutex<RefCell<State<W>>>,
}

impl<const W: usize> Semaphore<W> {
    pub const fn new(permits: u32) -> Self {
        Semaphore { state: Mutex::new(RefCell::new(State { permits, waiters: WakerSet::new() })) }
    }

    /// Permits available now.
    pub fn available(&self) -> u32 {
        with(&self.state, |s| s.permits)
    }

    /// Takes `n` permits if all are available. ISR-safe.
    pub fn try_acquire(&self, n: u32) -> bool {
        with(&self.state, |s| {
            if s.permits >= n {
                s.permits -= n;
                true
            } else {
                false
            }
        })
    }

    /// Waits until `n` permits are available and takes them.
    pub async fn acquire(&self, n: u32) {
        wait_for(
            &self.state,
            |s| {
                let ok = s.permits >= n;
                if ok {
                    s.permits -= n;
                }
                ok.then_some(())
            },
            |s| &mut s.waiters,
        )
        .await
    }

    /// Returns `n` permits (saturating) and wakes the waiters. ISR-safe.
    pub fn release(&self, n: u32) {
        with(&self.state, |s| {
            s.permits = s.permits.saturating_add(n);
            s.waiters.wake_all();
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::testing::{poll_once, Count};
    use core::pin::pin;

    #[test]
    fn waiter_is_woken_by_release_and_then_acquires() {
        let sem = Semaphore::<2>::new(1);
        assert!(sem.try_acquire(1));
        let c = Count::new();
        let mut fut = pin!(sem.acquire(1));
        assert!(poll_once(fut.as_mut(), &c).is_pending());
        sem.release(1);
        assert_eq!(c.get(), 1);
        assert!(poll_once(fut.as_mut(), &c).is_ready());
        assert_eq!(sem.available(), 0);
    }

    /// Against a plain counter: any sequence of try_acquire/release keeps
    /// the same count and the same success results.
    #[test]
    fn matches_a_counter_model() {
        bolero::check!().with_iterations(1000).with_type::<(u8, Vec<(bool, u8)>)>().for_each(|(init, ops)| {
            let sem = Semaphore::<1>::new(*init as u32);
            let mut model = *init as u32;
            for &(acquire, n) in ops {
                let n = n as u32 % 4;
                if acquire {
                    let ok = model >= n;
                    if ok {
                        model -= n;
                    }
                    assert_eq!(sem.try_acquire(n), ok);
                } else {
                    model += n;
                    sem.release(n);
                }
                assert_eq!(sem.available(), model);
            }
        });
    }
}
