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
    signal: Option<fn()>,
}

impl Ready {
    /// `signal` runs after every mark (e.g. pend the poller's interrupt);
    /// `None` for a poller that needs no prod (a WFI loop is ended by the
    /// interrupt that woke the task anyway).
    #[cfg(not(feature = "loom"))]
    pub const fn new(signal: Option<fn()>) -> Self {
        Ready { bits: AtomicU32::new(0), signal }
    }

    #[cfg(feature = "loom")]
    pub fn new(signal: Option<fn()>) -> Self {
        Ready { bits: AtomicU32::new(0), signal }
    }

    /// Marks task `index` ready and signals the poller. ISR-safe (one
    /// atomic OR). Returns whether the bit was newly set.
    #[inline(always)]
    pub fn mark(&self, index: u32) -> bool {
        let bit = 1 << (index & 31);
        // Release: whatever the waker published before the wake is visible
        // to the poller whose Acquire claim sees this bit.
        let before = self.bits.fetch_or(bit, Ordering::Release);
        if let Some(signal) = self.signal {
            signal();
        }
        before & bit == 0
    }

    /// Clears and returns the highest-priority (lowest index) ready task,
    /// if any. Single consumer: only the executor's one poller calls this
    /// (wakers only ever set bits), so the bit found by the load is still
    /// set when the atomic AND clears it.
    ///
    /// The load only picks the index (Relaxed); the AND is the Acquire: it
    /// reads the value of the latest mark of this bit (RMWs on one word are
    /// totally ordered), so the task's poll, which follows it, sees what the
    /// waker published; a mark ordered after the AND leaves the bit set
    /// for the next claim.
    #[inline(always)]
    pub fn claim(&self) -> Option<u32> {
        let bits = self.bits.load(Ordering::Relaxed);
        if bits == 0 {
            return None;
        }
        let index = bits.trailing_zeros();
        // XOR clears the bit: it is set (only this consumer clears bits,
        // wakers only set them), and XOR needs no inverted mask.
        self.bits.fetch_xor(1 << index, Ordering::Acquire);
        Some(index)
    }

    /// The ready bits right now.
    pub fn peek(&self) -> u32 {
        self.bits.load(Ordering::Acquire)
    }
}
