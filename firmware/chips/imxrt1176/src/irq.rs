//! The interrupt-to-task handshake of the interrupt-driven LPSPI and LPI2C
//! drivers (the LPUART uses the same pattern with a byte [`Channel`]
//! instead of a completion): the task enables the interrupt sources it
//! waits for and sleeps; the handler masks those sources (so the
//! level-triggered line drops) and calls [`IrqEvent::notify`], an ISR-safe
//! wake of the waiting task through the kernel's [`Signal`].
//!
//! [`Channel`]: gale_kernel::sync::channel::Channel

use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::Poll;

use embedded_hal_async::delay::DelayNs;
use gale_kernel::sync::signal::Signal;

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
