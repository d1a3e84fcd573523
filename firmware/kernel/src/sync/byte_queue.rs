//! Byte queues between a UART's interrupt handler and tasks: the one
//! transmit and receive pattern of every chip crate (RT1176 LPUART,
//! STM32F100 USART).
//!
//! * Transmit: tasks put bytes into a [`Channel`] through a [`TxQueue`]
//!   (async [`embedded_io_async::Write`] or the non-blocking
//!   [`TxQueue::try_write`]); after queueing, `kick` enables the UART's
//!   transmit-empty interrupt. The handler calls [`drain_tx`] with the
//!   chip's "data register has room" flag and data register write, and
//!   disables that interrupt when it returns `true` (queue empty), so an
//!   idle UART takes no interrupts.
//! * Receive: the handler `try_send`s received bytes into a channel (a
//!   full channel drops them); tasks read it through an [`RxQueue`]
//!   ([`embedded_io_async::Read`]).

use super::channel::Channel;

/// Transmit-interrupt body: while the hardware has room (`room()`), moves
/// the oldest queued byte to it (`put`). Returns `true` when the queue ran
/// empty with room left: the caller then disables its transmit-empty
/// interrupt until the next `kick`. Returns `false` when the hardware is
/// full (the interrupt comes again when it has room).
pub fn drain_tx<const Q: usize, const W: usize>(
    queue: &Channel<u8, Q, W>,
    mut room: impl FnMut() -> bool,
    mut put: impl FnMut(u8),
) -> bool {
    while room() {
        match queue.try_recv() {
            Some(b) => put(b),
            None => return true,
        }
    }
    false
}

/// The transmit side: bytes queued for a UART's transmit interrupt.
/// `kick` enables that interrupt after bytes were queued; the handler
/// drains the queue with [`drain_tx`].
pub struct TxQueue<'a, const Q: usize, const W: usize> {
    pub queue: &'a Channel<u8, Q, W>,
    pub kick: fn(),
}

impl<const Q: usize, const W: usize> TxQueue<'_, Q, W> {
    /// Non-blocking (usable before the scheduler runs and from handlers):
    /// queues as many bytes of `buf` as fit, enables the transmit
    /// interrupt, and returns how many were queued.
    pub fn try_write(&self, buf: &[u8]) -> usize {
        let n = buf.iter().take_while(|&&b| self.queue.try_send(b).is_ok()).count();
        if n > 0 {
            (self.kick)();
        }
        n
    }
}

impl<const Q: usize, const W: usize> embedded_io_async::ErrorType for TxQueue<'_, Q, W> {
    type Error = core::convert::Infallible;
}

impl<const Q: usize, const W: usize> embedded_io_async::Write for TxQueue<'_, Q, W> {
    /// Queues as many bytes as fit (at least one, waiting for room), then
    /// enables the transmit interrupt.
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        let Some((&first, rest)) = buf.split_first() else { return Ok(0) };
        if self.queue.try_send(first).is_err() {
            (self.kick)();
            self.queue.send(first).await;
        }
        let queued = 1 + rest.iter().take_while(|&&b| self.queue.try_send(b).is_ok()).count();
        (self.kick)();
        Ok(queued)
    }

    /// Waits until the handler has moved every queued byte to the UART.
    /// The last one or two bytes may still be on the wire (the chip's
    /// transmission-complete flag tells when they are not).
    async fn flush(&mut self) -> Result<(), Self::Error> {
        self.queue.drained().await;
        Ok(())
    }
}

/// The receive side: bytes a UART's receive interrupt put into a channel.
pub struct RxQueue<'a, const Q: usize, const W: usize> {
    pub queue: &'a Channel<u8, Q, W>,
}

impl<const Q: usize, const W: usize> embedded_io_async::ErrorType for RxQueue<'_, Q, W> {
    type Error = core::convert::Infallible;
}

impl<const Q: usize, const W: usize> embedded_io_async::Read for RxQueue<'_, Q, W> {
    /// Waits for one byte, then takes whatever else is queued (up to `buf`).
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        buf[0] = self.queue.recv().await;
        let mut n = 1;
        while n < buf.len() {
            match self.queue.try_recv() {
                Some(b) => {
                    buf[n] = b;
                    n += 1;
                }
                None => break,
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::testing::{poll_once, Count};
    use core::pin::pin;
    use core::task::Poll;
    use embedded_io_async::Write;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static KICKS: AtomicUsize = AtomicUsize::new(0);
    fn kick() {
        KICKS.fetch_add(1, Ordering::SeqCst);
    }

    /// A UART with a `room`-byte data register, as the handler sees it.
    fn handler(q: &Channel<u8, 4, 1>, room: usize, wire: &mut Vec<u8>) -> bool {
        let left = core::cell::Cell::new(room);
        drain_tx(
            q,
            || left.get() > 0,
            |b| {
                left.set(left.get() - 1);
                wire.push(b)
            },
        )
    }

    #[test]
    fn try_write_queues_what_fits_and_kicks() {
        let q = Channel::<u8, 4, 1>::new();
        let tx = TxQueue { queue: &q, kick };
        let before = KICKS.load(Ordering::SeqCst);
        assert_eq!(tx.try_write(b"abcdef"), 4);
        assert!(KICKS.load(Ordering::SeqCst) > before);
        assert_eq!(tx.try_write(b"g"), 0);
    }

    #[test]
    fn drain_stops_when_the_hardware_is_full_and_reports_an_empty_queue() {
        let q = Channel::<u8, 4, 1>::new();
        let tx = TxQueue { queue: &q, kick };
        tx.try_write(b"abc");
        let mut wire = Vec::new();
        // Room for one byte: interrupt stays on (queue not empty).
        assert!(!handler(&q, 1, &mut wire));
        assert_eq!(wire, b"a");
        // Room for two, two queued: the data register is full again.
        assert!(!handler(&q, 2, &mut wire));
        // Room, nothing queued: the caller turns its interrupt off.
        assert!(handler(&q, 1, &mut wire));
        assert_eq!(wire, b"abc");
    }

    #[test]
    fn async_write_waits_for_room_made_by_the_handler_and_flush_for_the_last_byte() {
        let q = Channel::<u8, 4, 1>::new();
        let mut tx = TxQueue { queue: &q, kick };
        let c = Count::new();
        let mut wire = Vec::new();
        assert_eq!(poll_once(pin!(tx.write(b"abcd")).as_mut(), &c), Poll::Ready(Ok(4)));
        {
            let mut w = pin!(tx.write(b"ef"));
            assert!(poll_once(w.as_mut(), &c).is_pending());
            handler(&q, 1, &mut wire);
            assert!(c.get() >= 1);
            assert_eq!(poll_once(w.as_mut(), &c), Poll::Ready(Ok(1)));
        }
        let mut f = pin!(tx.flush());
        assert!(poll_once(f.as_mut(), &c).is_pending());
        while !handler(&q, 1, &mut wire) {}
        assert_eq!(poll_once(f.as_mut(), &c), Poll::Ready(Ok(())));
        assert_eq!(wire, b"abcde");
    }
}
