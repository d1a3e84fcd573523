//! Interrupt completion: the handshake of interrupt-driven bus drivers
//! (chip-imxrt1176 LPSPI and LPI2C; the LPUART uses the same pattern with a
//! byte [`Channel`](super::channel::Channel) instead). The task enables the
//! interrupt sources it waits for and sleeps; the handler masks those
//! sources (so a level-triggered line drops) and calls
//! [`IrqEvent::notify`], an ISR-safe wake of the waiting task through a
//! [`Signal`].

use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::Poll;

use super::signal::Signal;
use embedded_hal_async::delay::DelayNs;

/// One peripheral's interrupt completion, a `static` shared by the driver
/// (task side) and the board's interrupt handler.
pub struct IrqEvent {
    signal: Signal<(), 1>,
}

impl Default for IrqEvent {
    fn default() -> Self {
        Self::new()
    }
}

impl IrqEvent {
    pub const fn new() -> Self {
        IrqEvent { signal: Signal::new() }
    }

    /// Interrupt side, after the handler masked the sources it served:
    /// wakes the waiting task. ISR-safe.
    pub fn notify(&self) {
        self.signal.signal(());
    }

    /// Task side: enables the interrupt sources with `arm`, sleeps until
    /// the handler's [`notify`](Self::notify), and returns `true` once
    /// `ready()` holds after a wake; a wake with `ready()` still false arms
    /// again (a stale notification is harmless). Returns `ready()` after
    /// `timeout_us` without a notification: a missing clock, pin or
    /// interrupt wiring gives an error instead of a hung task. The
    /// timeout's timer is only armed if the first poll finds no
    /// notification.
    pub async fn wait<D: DelayNs>(&self, delay: &mut D, timeout_us: u32, mut ready: impl FnMut() -> bool, mut arm: impl FnMut()) -> bool {
        let mut timeout = pin!(delay.delay_us(timeout_us));
        loop {
            // A notification left from an earlier wait (e.g. one that
            // timed out) must not end this one.
            let _ = self.signal.try_take();
            arm();
            let mut woke = pin!(self.signal.wait());
            let notified = poll_fn(|cx| match woke.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(true),
                Poll::Pending => timeout.as_mut().poll(cx).map(|()| false),
            })
            .await;
            if !notified || ready() {
                return ready();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::testing::{poll_once, Count};
    use core::cell::Cell;
    use core::task::Poll;

    /// A delay that completes on its second poll (the first registers).
    struct TwoPolls<'a>(&'a Cell<u32>);

    impl DelayNs for TwoPolls<'_> {
        async fn delay_ns(&mut self, _ns: u32) {
            poll_fn(|_| {
                self.0.set(self.0.get() + 1);
                if self.0.get() >= 2 {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await
        }
    }

    #[test]
    fn a_notify_from_the_arm_ends_the_wait_without_the_timer() {
        // The sim's case: the condition already holds, the handler runs as
        // soon as the source is enabled.
        let ev = IrqEvent::new();
        let (c, polls) = (Count::new(), Cell::new(0));
        let mut d = TwoPolls(&polls);
        let armed = Cell::new(0);
        let mut w = pin!(ev.wait(
            &mut d,
            100,
            || true,
            || {
                armed.set(armed.get() + 1);
                ev.notify();
            }
        ));
        assert_eq!(poll_once(w.as_mut(), &c), Poll::Ready(true));
        assert_eq!(armed.get(), 1);
        assert_eq!(polls.get(), 0, "timeout never polled");
    }

    #[test]
    fn a_later_notify_wakes_and_a_stale_one_is_dropped() {
        let ev = IrqEvent::new();
        ev.notify(); // left over from an earlier wait
        let (c, polls) = (Count::new(), Cell::new(0));
        let mut d = TwoPolls(&polls);
        let (ready, armed) = (Cell::new(false), Cell::new(0));
        let mut w = pin!(ev.wait(&mut d, 100, || ready.get(), || armed.set(armed.get() + 1)));
        assert!(poll_once(w.as_mut(), &c).is_pending(), "stale notify ended the wait");
        assert_eq!(armed.get(), 1, "stale notify taken before arming, not served as a wake");
        ready.set(true);
        ev.notify();
        assert_eq!(c.get(), 1, "notify wakes the task");
        assert_eq!(poll_once(w.as_mut(), &c), Poll::Ready(true));
    }

    #[test]
    fn a_spurious_notify_rearms_and_a_missing_one_times_out() {
        let ev = IrqEvent::new();
        let (c, polls) = (Count::new(), Cell::new(0));
        let mut d = TwoPolls(&polls);
        let armed = Cell::new(0);
        let mut w = pin!(ev.wait(&mut d, 100, || false, || armed.set(armed.get() + 1)));
        assert!(poll_once(w.as_mut(), &c).is_pending());
        ev.notify(); // condition still false: arm again and keep waiting
        assert_eq!(poll_once(w.as_mut(), &c), Poll::Ready(false), "second timer poll times out");
        assert_eq!(armed.get(), 2);
    }
}
