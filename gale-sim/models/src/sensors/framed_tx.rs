//! A UART device that sends one frame per epoch at a fixed rate, byte by
//! byte at the baud rate (8N1: 10 bit times a byte), with the bus faults of
//! its schedule applied to what goes on the line. The u-blox receiver and
//! the heartbeat source are both this, with different frames.

use crate::bus::{UartDevice, UartSymbol};
use crate::fault::{BusFault, FaultSchedule};
use gale_trace::Nanos;

/// What a periodic transmitter sends: the frame for the epoch at `t`.
pub trait FrameMaker: Send {
    fn frame(&mut self, t: Nanos) -> Vec<u8>;
}

pub struct FramedTx<M> {
    maker: M,
    baud: u32,
    first_epoch: Nanos,
    period: Nanos,
    faults: FaultSchedule,
    frame: Vec<u8>,
    pos: usize,
    frame_start: Nanos,
    next_epoch: u64,
}

impl<M: FrameMaker> FramedTx<M> {
    /// Frames from `maker` every 1/`rate_hz` seconds from `first_epoch`.
    pub fn with_maker(
        maker: M,
        baud: u32,
        rate_hz: f64,
        first_epoch: Nanos,
        faults: FaultSchedule,
    ) -> Self {
        let period = (1e9 / rate_hz.max(1e-3)).round() as Nanos;
        FramedTx {
            maker,
            baud,
            first_epoch,
            period: period.max(1),
            faults,
            frame: Vec::new(),
            pos: 0,
            frame_start: 0,
            next_epoch: 0,
        }
    }

    pub fn maker(&self) -> &M {
        &self.maker
    }

    fn epoch_time(&self, k: u64) -> Nanos {
        self.first_epoch + k * self.period
    }

    /// Send time of byte `i` of the current frame.
    fn byte_time(&self, i: usize) -> Nanos {
        self.frame_start + i as u64 * 10_000_000_000 / self.baud.max(1) as u64
    }
}

impl<M: FrameMaker> UartDevice for FramedTx<M> {
    fn receive(&mut self, _byte: u8, _now: Nanos) {}

    fn next_send(&self) -> Option<Nanos> {
        Some(if self.pos < self.frame.len() {
            self.byte_time(self.pos)
        } else {
            self.epoch_time(self.next_epoch)
        })
    }

    fn send(&mut self, _now: Nanos) -> Option<UartSymbol> {
        if self.pos >= self.frame.len() {
            let t = self.epoch_time(self.next_epoch);
            self.frame = self.maker.frame(t);
            self.frame_start = t;
            self.pos = 0;
            if self.frame.is_empty() {
                self.next_epoch += 1;
                return None;
            }
        }
        let t = self.byte_time(self.pos);
        let byte = self.faults.corrupt(t, self.frame[self.pos]);
        self.pos += 1;
        if self.pos == self.frame.len() {
            // Next epoch that starts after this frame's last byte has gone.
            let end = self.byte_time(self.pos);
            while self.epoch_time(self.next_epoch) < end {
                self.next_epoch += 1;
            }
        }
        if self
            .faults
            .is_active(t, |f| matches!(f, BusFault::Disconnect))
        {
            None
        } else if self
            .faults
            .is_active(t, |f| matches!(f, BusFault::FramingError))
        {
            Some(UartSymbol::FramingError(byte))
        } else {
            Some(UartSymbol::Byte(byte))
        }
    }
}
