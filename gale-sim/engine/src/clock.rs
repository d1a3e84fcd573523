//! The virtual clock: one retired instruction is one cycle at `hz`.

use crate::blocks::BlockCounts;
use gale_trace::{cycles_to_nanos, Nanos};
use std::cell::{Cell, UnsafeCell};
use std::rc::Rc;

/// The counters the block hook touches on every translated block, kept out
/// of the `RefCell` around the rest of the engine state so the hot path
/// needs no borrow bookkeeping.
pub(crate) struct Hot {
    /// Cycles elapsed since the machine was created (instructions retired
    /// plus cycles skipped while sleeping).
    pub cycles: Cell<u64>,
    /// Cycles skipped while sleeping (instructions = cycles - slept).
    pub slept: Cell<u64>,
    /// The block hook stops emulation at the first block starting at or
    /// after this cycle.
    pub stop_at: Cell<u64>,
    /// Something is pending but was masked: re-check at every block.
    pub watch: Cell<bool>,
    /// Only touched by the block hook and by `load_elf`, never re-entrantly.
    pub blocks: UnsafeCell<BlockCounts>,
}

#[derive(Clone)]
pub(crate) struct Clock {
    pub hz: u64,
    pub hot: Rc<Hot>,
}

impl Clock {
    pub fn new(hz: u64) -> Self {
        let hot = Hot {
            cycles: Cell::new(0),
            slept: Cell::new(0),
            stop_at: Cell::new(0),
            watch: Cell::new(false),
            blocks: UnsafeCell::new(BlockCounts::new()),
        };
        Clock { hz, hot: Rc::new(hot) }
    }

    pub fn cycles(&self) -> u64 {
        self.hot.cycles.get()
    }

    /// Instructions retired so far.
    pub fn instructions(&self) -> u64 {
        self.hot.cycles.get() - self.hot.slept.get()
    }

    /// Skips ahead to cycle `c` without executing (sleep).
    pub fn sleep_until(&self, c: u64) {
        let now = self.cycles();
        if c > now {
            self.hot.slept.set(self.hot.slept.get() + (c - now));
            self.hot.cycles.set(c);
        }
    }

    pub fn now(&self) -> Nanos {
        cycles_to_nanos(self.cycles(), self.hz)
    }

    /// The first cycle at or after virtual time `t`.
    pub fn cycle_at(&self, t: Nanos) -> u64 {
        if t == Nanos::MAX {
            return u64::MAX;
        }
        let c = (t as u128 * self.hz as u128).div_ceil(1_000_000_000u128);
        c.min(u64::MAX as u128) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_at_is_the_first_cycle_not_before_t() {
        let c = Clock::new(24_000_000);
        assert_eq!(c.cycle_at(1000), 24);
        // 41.67 ns per cycle: t = 42 ns needs cycle 2 (83 ns), cycle 1 is 41 ns.
        assert_eq!(c.cycle_at(42), 2);
        assert!(cycles_to_nanos(c.cycle_at(42), c.hz) >= 42);
        assert!(cycles_to_nanos(c.cycle_at(42) - 1, c.hz) < 42);
        assert_eq!(c.cycle_at(u64::MAX), u64::MAX);
    }
}
