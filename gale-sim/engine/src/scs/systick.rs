//! SysTick (ARMv7-M B3.3), driven by the virtual clock: the counter value is
//! computed from the cycle count, and the next wrap is a clock event so WFI
//! can skip straight to it.

const ENABLE: u32 = 1 << 0;
const TICKINT: u32 = 1 << 1;
const CLKSOURCE: u32 = 1 << 2;
const COUNTFLAG: u32 = 1 << 16;

/// The external reference clock runs at the core clock / 8 (as on STM32).
pub(crate) const REF_DIVIDER: u64 = 8;

pub(crate) struct SysTick {
    ctrl: u32,
    load: u32,
    /// Counter value while stopped.
    frozen: u32,
    /// While running: the counter tick at which the value was `v0`.
    anchor: u64,
    v0: u32,
    /// Next tick at which the counter reaches 0 (u64::MAX: none).
    next_zero: u64,
    hz: u64,
}

impl SysTick {
    pub fn new(hz: u64) -> Self {
        SysTick {
            ctrl: 0,
            load: 0,
            frozen: 0,
            anchor: 0,
            v0: 0,
            next_zero: u64::MAX,
            hz,
        }
    }

    fn div(&self) -> u64 {
        if self.ctrl & CLKSOURCE != 0 {
            1
        } else {
            REF_DIVIDER
        }
    }

    fn tick(&self, cycles: u64) -> u64 {
        cycles / self.div()
    }

    fn running(&self) -> bool {
        self.ctrl & ENABLE != 0
    }

    /// The counter value at `cycles`.
    pub fn value(&self, cycles: u64) -> u32 {
        if !self.running() {
            return self.frozen;
        }
        let t = self.tick(cycles).saturating_sub(self.anchor);
        if t < self.v0 as u64 {
            return self.v0 - t as u32;
        }
        if self.load == 0 {
            return 0;
        }
        let k = (t - self.v0 as u64) % (self.load as u64 + 1);
        if k == 0 {
            0
        } else {
            self.load + 1 - k as u32
        }
    }

    fn next_zero_after(&self, tick: u64) -> u64 {
        let first = self.anchor + self.v0 as u64;
        if tick < first {
            return first;
        }
        if self.load == 0 {
            return u64::MAX;
        }
        let period = self.load as u64 + 1;
        first + ((tick - first) / period + 1) * period
    }

    fn reanchor(&mut self, cycles: u64, value: u32) {
        self.anchor = self.tick(cycles);
        self.v0 = value;
        self.next_zero = if self.running() {
            self.next_zero_after(self.anchor)
        } else {
            u64::MAX
        };
    }

    /// The cycle of the next wrap event, if counting.
    pub fn next_event_cycle(&self) -> u64 {
        if self.next_zero == u64::MAX {
            u64::MAX
        } else {
            self.next_zero.saturating_mul(self.div())
        }
    }

    /// Processes wraps up to `cycles`; returns whether the SysTick exception
    /// should be pended.
    pub fn catch_up(&mut self, cycles: u64) -> bool {
        let tick = self.tick(cycles);
        if self.next_zero > tick {
            return false;
        }
        self.ctrl |= COUNTFLAG;
        self.next_zero = self.next_zero_after(tick);
        self.ctrl & TICKINT != 0
    }

    pub fn read(&mut self, off: u32, cycles: u64) -> u32 {
        match off {
            0x10 => {
                let v = self.ctrl;
                self.ctrl &= !COUNTFLAG;
                v
            }
            0x14 => self.load,
            0x18 => self.value(cycles),
            // CALIB: reference clock present, TENMS = ticks per 10 ms - 1.
            0x1c => {
                let tenms = (self.hz / REF_DIVIDER / 100).saturating_sub(1) as u32;
                tenms.min(0x00ff_ffff)
            }
            _ => 0,
        }
    }

    pub fn write(&mut self, off: u32, v: u32, cycles: u64) {
        match off {
            0x10 => {
                let cur = self.value(cycles);
                self.ctrl = (self.ctrl & COUNTFLAG) | (v & (ENABLE | TICKINT | CLKSOURCE));
                self.frozen = cur;
                self.reanchor(cycles, cur);
            }
            0x14 => {
                let cur = self.value(cycles);
                self.load = v & 0x00ff_ffff;
                self.reanchor(cycles, cur);
            }
            0x18 => {
                self.ctrl &= !COUNTFLAG;
                self.frozen = 0;
                self.reanchor(cycles, 0);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_wraps_and_pends() {
        let mut s = SysTick::new(8_000_000);
        s.write(0x14, 99, 0);
        s.write(0x18, 0, 0);
        s.write(0x10, ENABLE | TICKINT | CLKSOURCE, 0);
        assert_eq!(s.value(0), 0);
        assert_eq!(s.value(1), 99);
        assert_eq!(s.value(50), 50);
        assert_eq!(s.next_event_cycle(), 100);
        assert!(!s.catch_up(99));
        assert!(s.catch_up(100));
        assert_eq!(s.next_event_cycle(), 200);
        assert_eq!(s.read(0x10, 100) & COUNTFLAG, COUNTFLAG);
        assert_eq!(s.read(0x10, 100) & COUNTFLAG, 0, "COUNTFLAG clears on read");
        // Skipping several periods at once still pends (once) and re-arms.
        assert!(s.catch_up(1050));
        assert_eq!(s.next_event_cycle(), 1100);
    }

    #[test]
    fn reference_clock_divides_and_disable_freezes() {
        let mut s = SysTick::new(8_000_000);
        s.write(0x14, 9, 0);
        s.write(0x10, ENABLE, 0);
        assert_eq!(s.next_event_cycle(), 10 * REF_DIVIDER);
        assert_eq!(s.value(3 * REF_DIVIDER), 7);
        s.write(0x10, 0, 3 * REF_DIVIDER);
        assert_eq!(s.value(1000), 7);
        assert_eq!(s.next_event_cycle(), u64::MAX);
        assert!(!s.catch_up(10_000));
    }
}
