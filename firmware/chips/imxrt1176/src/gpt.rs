//! GPT general purpose timer (IMXRT1170RM ch. GPT): free-running 32-bit
//! counter with output-compare channel 1.

use crate::ral::{self, gpt};

/// GPT instance `N`.
pub struct Gpt<const N: u8> {
    regs: gpt::Instance<N>,
}

impl<const N: u8> Gpt<N> {
    /// Software reset, free-run mode, clock source peripheral clock
    /// (CLKSRC = 1) divided by `prescale` (1..=4096), enabled.
    pub fn new(regs: gpt::Instance<N>, prescale: u32) -> Self {
        ral::write_reg!(gpt, regs, CR, 0);
        ral::write_reg!(gpt, regs, CR, SWR: 1);
        while ral::read_reg!(gpt, regs, CR, SWR == 1) {}
        ral::write_reg!(gpt, regs, PR, PRESCALER: prescale.clamp(1, 4096) - 1);
        ral::write_reg!(gpt, regs, SR, 0x3F);
        ral::write_reg!(gpt, regs, CR, FRR: 1, CLKSRC: 1, ENMOD: 1, EN: 1);
        Gpt { regs }
    }

    /// The counter.
    pub fn count(&self) -> u32 {
        ral::read_reg!(gpt, self.regs, CNT)
    }

    /// Compare channel 1 at `at` with its interrupt (IR.OF1IE) enabled.
    pub fn set_compare(&mut self, at: u32) {
        ral::write_reg!(gpt, self.regs, OCR[0], at);
        ral::modify_reg!(gpt, self.regs, IR, OF1IE: 1);
    }

    /// Clears the channel 1 compare flag (SR.OF1, write 1 to clear);
    /// returns whether it was set.
    pub fn clear_compare(&mut self) -> bool {
        let hit = ral::read_reg!(gpt, self.regs, SR, OF1 == 1);
        ral::write_reg!(gpt, self.regs, SR, OF1: 1);
        hit
    }
}
