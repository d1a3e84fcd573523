//! A UART wire between two machines: the bytes one machine transmits
//! (taken from its trace) arrive at another machine's receiver, paced at the
//! wire's baud rate (8N1: 10 bit times a byte), with the bus faults of the
//! wire's schedule (disconnect, bit flips, framing errors).
//!
//! The runner feeds the sending end at quantum boundaries; since machines
//! run in a fixed order each quantum, delivery times are deterministic.

use crate::bus::{UartDevice, UartSymbol};
use crate::fault::{BusFault, FaultSchedule};
use gale_trace::Nanos;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

type Queue = Arc<Mutex<VecDeque<(Nanos, u8)>>>;

/// The sending end: the runner pushes transmitted bytes with their times.
#[derive(Clone)]
pub struct WireTx {
    queue: Queue,
}

impl WireTx {
    pub fn push(&self, t: Nanos, byte: u8) {
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back((t, byte));
    }
}

/// The receiving end, attached to a UART controller as its device.
pub struct UartWire {
    queue: Queue,
    byte_time: Nanos,
    /// When the line is free for the next byte.
    free_at: Nanos,
    faults: FaultSchedule,
}

impl UartWire {
    /// A wire at `baud` and its sending end.
    pub fn new(baud: u32, faults: FaultSchedule) -> (UartWire, WireTx) {
        let queue: Queue = Arc::default();
        let wire = UartWire {
            queue: queue.clone(),
            byte_time: 10_000_000_000 / baud.max(1) as u64,
            free_at: 0,
            faults,
        };
        (wire, WireTx { queue })
    }

    fn front(&self) -> Option<(Nanos, u8)> {
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .front()
            .copied()
    }
}

impl UartDevice for UartWire {
    /// Bytes the receiving machine sends back are not carried (one-way wire).
    fn receive(&mut self, _byte: u8, _now: Nanos) {}

    fn next_send(&self) -> Option<Nanos> {
        // A byte arrives one byte time after it started on the wire, and
        // not before the previous one has finished.
        self.front()
            .map(|(t, _)| t.max(self.free_at) + self.byte_time)
    }

    fn send(&mut self, now: Nanos) -> Option<UartSymbol> {
        let (t, byte) = self
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()?;
        let start = t.max(self.free_at);
        self.free_at = start + self.byte_time;
        let _ = now;
        if self
            .faults
            .is_active(start, |f| matches!(f, BusFault::Disconnect))
        {
            return None;
        }
        let byte = self.faults.corrupt(start, byte);
        if self
            .faults
            .is_active(start, |f| matches!(f, BusFault::FramingError))
        {
            Some(UartSymbol::FramingError(byte))
        } else {
            Some(UartSymbol::Byte(byte))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::FaultWindow;

    #[test]
    fn bytes_are_paced_in_order_and_faults_apply() {
        let faults = FaultSchedule::new(vec![FaultWindow {
            start: 5_000,
            end: 6_000,
            fault: BusFault::Disconnect,
        }]);
        let (mut w, tx) = UartWire::new(1_000_000, faults); // 10 us per byte
        assert_eq!(w.next_send(), None);
        for b in [1u8, 2, 3] {
            tx.push(0, b);
        }
        tx.push(5_000, 4);
        tx.push(50_000, 5);
        let mut got = Vec::new();
        while let Some(t) = w.next_send() {
            got.push((t, w.send(t)));
        }
        assert_eq!(
            got,
            vec![
                (10_000, Some(UartSymbol::Byte(1))),
                (20_000, Some(UartSymbol::Byte(2))),
                (30_000, Some(UartSymbol::Byte(3))),
                // Byte 4 waits for the line (starts at 30 us, outside the
                // disconnect window) and arrives at 40 us.
                (40_000, Some(UartSymbol::Byte(4))),
                (60_000, Some(UartSymbol::Byte(5))),
            ]
        );
    }

    #[test]
    fn disconnected_bytes_are_lost() {
        let faults = FaultSchedule::new(vec![FaultWindow {
            start: 0,
            end: 5_000,
            fault: BusFault::Disconnect,
        }]);
        let (mut w, tx) = UartWire::new(1_000_000, faults);
        tx.push(0, 1);
        tx.push(0, 2);
        let a = w.next_send().unwrap();
        assert_eq!(w.send(a), None);
        let b = w.next_send().unwrap();
        assert_eq!((b, w.send(b)), (20_000, Some(UartSymbol::Byte(2))));
    }
}
