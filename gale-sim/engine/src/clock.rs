//! The virtual clock: one retired instruction is one cycle at `hz`.

use gale_trace::{cycles_to_nanos, Nanos};
use std::cell::Cell;
use std::rc::Rc;

/// The clock words the translated code reads and writes itself (the
/// patched unicorn's `uc_gale_set_clock`, see vendor/unicorn-sys): every
/// translated block checks `cycles < deadline` on entry and, if so, adds its
/// instruction count to `cycles` without leaving the JIT. Otherwise it
/// stores its count in `count` and calls the block hook.
#[repr(C)]
pub(crate) struct JitClock {
    pub cycles: Cell<u64>,
    pub deadline: Cell<u64>,
    pub count: Cell<u64>,
    /// Set to 1 by SEV (the event register's JIT half; see `Sys::take_event`).
    pub event: Cell<u64>,
}

/// The counters the block hook touches, kept out of the `RefCell` around
/// the rest of the engine state so the hook needs no borrow bookkeeping.
pub(crate) struct Hot {
    /// `jit.cycles`: cycles elapsed since the machine was created
    /// (instructions retired plus cycles skipped while sleeping).
    pub jit: JitClock,
    /// Cycles skipped while sleeping (instructions = cycles - slept).
    pub slept: Cell<u64>,
    /// The block hook stops emulation at the first block starting at or
    /// after this cycle.
    stop_at: Cell<u64>,
    /// Something is pending but was masked: re-check at every block.
    watch: Cell<bool>,
}

impl Hot {
    pub fn stop_at(&self) -> u64 {
        self.stop_at.get()
    }

    pub fn watch(&self) -> bool {
        self.watch.get()
    }

    pub fn set_stop_at(&self, c: u64) {
        self.stop_at.set(c);
        self.sync();
    }

    pub fn set_watch(&self, w: bool) {
        self.watch.set(w);
        self.sync();
    }

    /// The JIT's deadline: every block calls the hook while watching.
    fn sync(&self) {
        self.jit.deadline.set(if self.watch.get() {
            0
        } else {
            self.stop_at.get()
        });
    }
}

#[derive(Clone)]
pub(crate) struct Clock {
    pub hz: u64,
    pub hot: Rc<Hot>,
}

impl Clock {
    pub fn new(hz: u64) -> Self {
        let hot = Hot {
            jit: JitClock {
                cycles: Cell::new(0),
                deadline: Cell::new(0),
                count: Cell::new(0),
                event: Cell::new(0),
            },
            slept: Cell::new(0),
            stop_at: Cell::new(0),
            watch: Cell::new(false),
        };
        Clock {
            hz,
            hot: Rc::new(hot),
        }
    }

    pub fn cycles(&self) -> u64 {
        self.hot.jit.cycles.get()
    }

    /// Instructions retired so far.
    pub fn instructions(&self) -> u64 {
        self.hot.jit.cycles.get() - self.hot.slept.get()
    }

    /// Skips ahead to cycle `c` without executing (sleep).
    pub fn sleep_until(&self, c: u64) {
        let now = self.cycles();
        if c > now {
            self.hot.slept.set(self.hot.slept.get() + (c - now));
            self.hot.jit.cycles.set(c);
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
