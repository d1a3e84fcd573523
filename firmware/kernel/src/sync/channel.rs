//! Bounded multi-producer multi-consumer FIFO channel of `N` items.

use core::cell::RefCell;
use core::future::poll_fn;
use core::task::Poll;

use critical_section::Mutex;

use super::with;
use crate::waker_set::WakerSet;

struct State<T, const N: usize, const W: usize> {
    buf: [Option<T>; N],
    head: usize,
    len: usize,
    senders: WakerSet<W>,
    receivers: WakerSet<W>,
}

/// The channel was full; the value is handed back.
#[derive(Debug, PartialEq, Eq)]
pub struct Full<T>(pub T);

/// A channel holding up to `N` values, with up to `W` waiting senders and
/// `W` waiting receivers.
pub struct Channel<T, const N: usize, const W: usize> {
    state: Mutex<RefCell<State<T, N, W>>>,
}

impl<T, const N: usize, const W: usize> Default for Channel<T, N, W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize, const W: usize> Channel<T, N, W> {
    pub const fn new() -> Self {
        Channel {
            state: Mutex::new(RefCell::new(State {
                buf: [const { None }; N],
                head: 0,
                len: 0,
                senders: WakerSet::new(),
                receivers: WakerSet::new(),
            })),
        }
    }

    /// Queued values.
    pub fn len(&self) -> usize {
        with(&self.state, |s| s.len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Enqueues `value` unless full. ISR-safe.
    pub fn try_send(&self, value: T) -> Result<(), Full<T>> {
        with(&self.state, |s| {
            if s.len == N {
                return Err(Full(value));
            }
            let tail = (s.head + s.len) % N;
            s.buf[tail] = Some(value);
            s.len += 1;
            s.receivers.wake_all();
            Ok(())
        })
    }

    /// Dequeues the oldest value, if any. ISR-safe.
    pub fn try_recv(&self) -> Option<T> {
        with(&self.state, |s| {
            if s.len == 0 {
                return None;
            }
            let v = s.buf[s.head].take();
            s.head = (s.head + 1) % N;
            s.len -= 1;
            s.senders.wake_all();
            v
        })
    }

    /// Waits for room, then enqueues.
    pub async fn send(&self, value: T) {
        let mut value = Some(value);
        poll_fn(|cx| {
            let v = value.take().expect("send polled after completion");
            match self.try_send(v) {
                Ok(()) => Poll::Ready(()),
                Err(Full(v)) => {
                    value = Some(v);
                    with(&self.state, |s| s.senders.register(cx.waker()));
                    // Re-check: a receive between try_send and register
                    // would otherwise leave us asleep with room available.
                    if self.len() < N {
                        cx.waker().wake_by_ref();
                    }
                    Poll::Pending
                }
            }
        })
        .await
    }

    /// Waits until the channel is empty (every queued value received).
    /// Registers with the senders, so every `try_recv` wakes it.
    pub async fn drained(&self) {
        poll_fn(|cx| {
            with(&self.state, |s| {
                if s.len == 0 {
                    Poll::Ready(())
                } else {
                    s.senders.register(cx.waker());
                    Poll::Pending
                }
            })
        })
        .await
    }

    /// Waits for a value.
    pub async fn recv(&self) -> T {
        poll_fn(|cx| {
            with(&self.state, |s| {
                if s.len == 0 {
                    s.receivers.register(cx.waker());
                }
            });
            match self.try_recv() {
                Some(v) => Poll::Ready(v),
                None => Poll::Pending,
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::testing::{poll_once, Count};
    use core::pin::pin;
    use std::collections::VecDeque;

    #[test]
    fn receiver_waits_and_is_woken_by_an_isr_send() {
        let ch = Channel::<u32, 2, 1>::new();
        let c = Count::new();
        let mut rx = pin!(ch.recv());
        assert!(poll_once(rx.as_mut(), &c).is_pending());
        ch.try_send(7).unwrap();
        assert_eq!(c.get(), 1);
        assert_eq!(poll_once(rx.as_mut(), &c), Poll::Ready(7));
    }

    #[test]
    fn drained_waits_until_the_last_value_is_received() {
        let ch = Channel::<u32, 2, 1>::new();
        ch.try_send(1).unwrap();
        ch.try_send(2).unwrap();
        let c = Count::new();
        let mut d = pin!(ch.drained());
        assert!(poll_once(d.as_mut(), &c).is_pending());
        assert_eq!(ch.try_recv(), Some(1));
        assert_eq!(c.get(), 1);
        assert!(poll_once(d.as_mut(), &c).is_pending());
        assert_eq!(ch.try_recv(), Some(2));
        assert_eq!(poll_once(d.as_mut(), &c), Poll::Ready(()));
    }

    #[test]
    fn sender_waits_for_room() {
        let ch = Channel::<u32, 1, 1>::new();
        ch.try_send(1).unwrap();
        let c = Count::new();
        let mut tx = pin!(ch.send(2));
        assert!(poll_once(tx.as_mut(), &c).is_pending());
        assert_eq!(ch.try_recv(), Some(1));
        assert!(c.get() >= 1);
        assert!(poll_once(tx.as_mut(), &c).is_ready());
        assert_eq!(ch.try_recv(), Some(2));
    }

    /// Against `VecDeque` with capacity 3: FIFO order, fullness, emptiness.
    #[test]
    fn matches_a_bounded_queue_model() {
        bolero::check!().with_iterations(1000).with_type::<Vec<(bool, u16)>>().for_each(|ops| {
            let ch = Channel::<u16, 3, 1>::new();
            let mut model = VecDeque::new();
            for &(send, v) in ops {
                if send {
                    let ok = model.len() < 3;
                    if ok {
                        model.push_back(v);
                    }
                    assert_eq!(ch.try_send(v).is_ok(), ok);
                } else {
                    assert_eq!(ch.try_recv(), model.pop_front());
                }
                assert_eq!(ch.len(), model.len());
            }
        });
    }
}
