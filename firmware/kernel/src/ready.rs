//! The ready set shared by wakers (any context, including ISRs) and the one
//! context that polls: one bit per task, set by `mark`, cleared by `claim`
//! before the task is polled. This is the part the loom model checks.

use crate::atomic::{AtomicU32, Ordering};

/// Ready bits of up to 32 tasks plus the hook that makes the poller run.
/// Aligned to 32 bytes so a pointer to it has five free low bits that carry
/// the task index inside a `RawWaker`.
#[repr(C, align(32))]
pub struct Ready {
    bits: AtomicU32,
    signal: fn(),
}

impl Ready {
    #[cfg(not(feature = "loom"))]
    pub const fn new(signal: fn()) -> Self {
        Ready { bits: AtomicU32::new(0), signal }
    }

    #[cfg(feature = "loom")]
    pub fn new(signal: fn()) -> Self {
        Ready { bits: AtomicU32::new(0), signal }
    }

    /// Marks task `index` ready and signals the poller. ISR-safe (one
    /// atomic OR). Returns whether the bit was newly set.
    pub fn mark(&self, index: u32) -> bool {
        let bit = 1 << (index & 31);
        let before = self.bits.fetch_or(bit, Ordering::AcqRel);
        (self.signal)();
        before & bit == 0
    }

    /// Atomically clears and returns the highest-priority (lowest index)
    /// ready task, if any.
    pub fn claim(&self) -> Option<u32> {
        let mut bits = self.bits.load(Ordering::Acquire);
        loop {
            if bits == 0 {
                return None;
            }
            let index = bits.trailing_zeros();
            match self.bits.compare_exchange_weak(bits, bits & !(1 << index), Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Some(index),
                Err(now) => bits = now,
            }
        }
    }

    /// The ready bits right now.
    pub fn peek(&self) -> u32 {
        self.bits.load(Ordering::Acquire)
    }
}
