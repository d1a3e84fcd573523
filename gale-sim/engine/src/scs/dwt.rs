//! DWT cycle counter (CYCCNT) backed by the virtual clock, gated by
//! DEMCR.TRCENA and DWT_CTRL.CYCCNTENA.

const CYCCNTENA: u32 = 1;
pub(crate) const DEMCR_TRCENA: u32 = 1 << 24;

pub(crate) struct Dwt {
    ctrl: u32,
    /// CYCCNT value at `base_cycle` (while running) or its frozen value.
    base_value: u32,
    base_cycle: u64,
    running: bool,
}

impl Dwt {
    pub fn new() -> Self {
        Dwt {
            ctrl: 0,
            base_value: 0,
            base_cycle: 0,
            running: false,
        }
    }

    fn cyccnt(&self, cycles: u64) -> u32 {
        if self.running {
            self.base_value
                .wrapping_add((cycles - self.base_cycle) as u32)
        } else {
            self.base_value
        }
    }

    fn update(&mut self, cycles: u64, demcr: u32) {
        let run = self.ctrl & CYCCNTENA != 0 && demcr & DEMCR_TRCENA != 0;
        if run != self.running {
            self.base_value = self.cyccnt(cycles);
            self.base_cycle = cycles;
            self.running = run;
        }
    }

    /// DEMCR changed (TRCENA gates the counter).
    pub fn demcr_written(&mut self, cycles: u64, demcr: u32) {
        self.update(cycles, demcr);
    }

    pub fn read(&self, off: u32, cycles: u64) -> u32 {
        match off {
            // CTRL: NUMCOMP = 0 comparators modelled; cycle counter present.
            0x000 => self.ctrl,
            0x004 => self.cyccnt(cycles),
            _ => 0,
        }
    }

    pub fn write(&mut self, off: u32, v: u32, cycles: u64, demcr: u32) {
        match off {
            0x000 => {
                self.ctrl = v & CYCCNTENA;
                self.update(cycles, demcr);
            }
            0x004 => {
                self.base_value = v;
                self.base_cycle = cycles;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_when_enabled_and_traced() {
        let mut d = Dwt::new();
        d.write(0, CYCCNTENA, 10, 0);
        assert_eq!(d.read(4, 100), 0, "TRCENA clear: stopped");
        d.demcr_written(100, DEMCR_TRCENA);
        assert_eq!(d.read(4, 150), 50);
        d.write(4, 1000, 150, DEMCR_TRCENA);
        assert_eq!(d.read(4, 160), 1010);
        d.write(0, 0, 170, DEMCR_TRCENA);
        assert_eq!(d.read(4, 500), 1020);
    }
}
