//! The virtual clock: one retired instruction is one cycle at `hz`.

use gale_trace::{cycles_to_nanos, Nanos};

#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    pub hz: u64,
    /// Cycles elapsed since the machine was created (instructions retired
    /// plus cycles skipped while sleeping).
    pub cycles: u64,
}

impl Clock {
    pub fn now(&self) -> Nanos {
        cycles_to_nanos(self.cycles, self.hz)
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
        let c = Clock { hz: 24_000_000, cycles: 0 };
        assert_eq!(c.cycle_at(1000), 24);
        // 41.67 ns per cycle: t = 42 ns needs cycle 2 (83 ns), cycle 1 is 41 ns.
        assert_eq!(c.cycle_at(42), 2);
        assert!(cycles_to_nanos(c.cycle_at(42), c.hz) >= 42);
        assert!(cycles_to_nanos(c.cycle_at(42) - 1, c.hz) < 42);
        assert_eq!(c.cycle_at(u64::MAX), u64::MAX);
    }
}
