//! STM32F100 RCC, reset and clock control (RM0041 section 6.3): CR, CFGR,
//! CIR, APB2RSTR, APB1RSTR, AHBENR, APB2ENR, APB1ENR, BDCR, CSR, CFGR2.
//!
//! Model rules:
//! - Oscillators and the PLL are ready the moment they are switched on:
//!   CR.HSIRDY/HSERDY/PLLRDY follow HSION/HSEON/PLLON, BDCR.LSERDY follows
//!   LSEON and CSR.LSIRDY follows LSION. A ready flag rising with its
//!   CIR.xxRDYIE set sets CIR.xxRDYF and the RCC interrupt.
//! - CFGR.SWS follows CFGR.SW once the selected source is ready (SW = 11 is
//!   not allowed and keeps the current source).
//! - Every other register stores its defined bits. CR.HSICAL reads 0x00
//!   (factory trimming is device specific; RM0041 gives 0x0000_XX83).
//! - CSR.RMVF clears the reset flags; after reset PINRSTF and PORRSTF read 1.

use crate::irq::IrqLine;
use crate::regs::{Reg, RegisterBlock, RegisterFile, Write};
use crate::Ctx;

// Register offsets.
const CR: u32 = 0x00;
const CFGR: u32 = 0x04;
const CIR: u32 = 0x08;
const AHBENR: u32 = 0x14;
const APB2ENR: u32 = 0x18;
const BDCR: u32 = 0x20;
const CSR: u32 = 0x24;

/// RM0041 6.3. CIR's clear bits (16..20, CSSC) and CSR.RMVF are strobes:
/// handled by the write hook, never stored.
const REGISTERS: &[Reg] = &[
    Reg::new("CR", CR).reset(0x0000_0083).rw(CR_RW),
    Reg::new("CFGR", CFGR).rw(CFGR_RW),
    Reg::new("CIR", CIR).rw(CIR_IE),
    Reg::new("APB2RSTR", 0x0c).rw(APB2_BITS),
    Reg::new("APB1RSTR", 0x10).rw(APB1_BITS),
    Reg::new("AHBENR", AHBENR).reset(0x0000_0014).rw(AHB_BITS),
    Reg::new("APB2ENR", APB2ENR).rw(APB2_BITS),
    Reg::new("APB1ENR", 0x1c).rw(APB1_BITS),
    Reg::new("BDCR", BDCR).rw(BDCR_RW),
    Reg::new("CSR", CSR).reset(0x0c00_0000).rw(CSR_LSION),
    Reg::new("CFGR2", 0x2c).rw(0xf),
];

// CR bits.
const CR_HSION: u32 = 1 << 0;
const CR_HSIRDY: u32 = 1 << 1;
const CR_HSEON: u32 = 1 << 16;
const CR_HSERDY: u32 = 1 << 17;
const CR_PLLON: u32 = 1 << 24;
const CR_PLLRDY: u32 = 1 << 25;
const CR_RW: u32 = 0x010d_00f9; // HSION, HSITRIM, HSEON, HSEBYP, CSSON, PLLON

// CFGR fields.
const CFGR_SW: u32 = 0b11;
const CFGR_SWS_SHIFT: u32 = 2;
const CFGR_RW: u32 = 0x073f_fff3;
const SW_HSI: u32 = 0;
const SW_HSE: u32 = 1;
const SW_PLL: u32 = 2;

// CIR: flags 0..4 (LSI, LSE, HSI, HSE, PLL ready), enables 8..12, clears 16..20, CSSC 23.
const CIR_FLAGS: u32 = 0x9f;
const CIR_IE: u32 = 0x1f00;
const CIR_CLEAR_SHIFT: u32 = 16;
const CIR_CSSC: u32 = 1 << 23;
const CIR_CSSF: u32 = 1 << 7;

// BDCR / CSR bits.
const BDCR_LSEON: u32 = 1 << 0;
const BDCR_LSERDY: u32 = 1 << 1;
const BDCR_RW: u32 = 0x0001_8305;
const CSR_LSION: u32 = 1 << 0;
const CSR_LSIRDY: u32 = 1 << 1;
const CSR_RMVF: u32 = 1 << 24;
const CSR_FLAGS: u32 = 0xfc00_0000;

// Defined bits of the reset and enable registers (RM0041 6.3.4..6.3.9).
const AHB_BITS: u32 = 0x0000_0157;
const APB2_BITS: u32 = 0x0007_5ffd;
const APB1_BITS: u32 = 0x787e_c9ff;

pub struct Rcc {
    regs: RegisterFile,
    irq: IrqLine,
}

impl Rcc {
    /// The RCC named `name` with its global interrupt `irq`.
    pub fn new(name: impl Into<String>, irq: Option<u32>) -> Self {
        Rcc {
            regs: RegisterFile::new(name, 0x400, REGISTERS),
            irq: IrqLine::new(irq),
        }
    }

    /// Ready bits in CIR flag order: LSI, LSE, HSI, HSE, PLL.
    fn ready(&self) -> u32 {
        let (cr, bdcr, csr) = (self.regs.get(CR), self.regs.get(BDCR), self.regs.get(CSR));
        (csr & CSR_LSIRDY != 0) as u32
            | ((bdcr & BDCR_LSERDY != 0) as u32) << 1
            | ((cr & CR_HSIRDY != 0) as u32) << 2
            | ((cr & CR_HSERDY != 0) as u32) << 3
            | ((cr & CR_PLLRDY != 0) as u32) << 4
    }

    /// Applies "ready follows on" and the clock switch.
    fn settle(&mut self, ctx: &mut Ctx) {
        let before = self.ready();
        let regs = &mut self.regs;
        let mut follow =
            |reg: u32, on: u32, rdy: u32| regs.set_bits(reg, rdy, regs.get(reg) & on != 0);
        follow(CR, CR_HSION, CR_HSIRDY);
        follow(CR, CR_HSEON, CR_HSERDY);
        follow(CR, CR_PLLON, CR_PLLRDY);
        follow(BDCR, BDCR_LSEON, BDCR_LSERDY);
        follow(CSR, CSR_LSION, CSR_LSIRDY);
        let rose = self.ready() & !before;
        let cir = self.regs.get(CIR) | (rose & (self.regs.get(CIR) >> 8));
        self.regs.set(CIR, cir);
        let (cr, cfgr) = (self.regs.get(CR), self.regs.get(CFGR));
        let sw = cfgr & CFGR_SW;
        let source_ready = match sw {
            SW_HSI => cr & CR_HSIRDY != 0,
            SW_HSE => cr & CR_HSERDY != 0,
            SW_PLL => cr & CR_PLLRDY != 0,
            _ => false,
        };
        if source_ready {
            self.regs.set(
                CFGR,
                (cfgr & !(0b11 << CFGR_SWS_SHIFT)) | (sw << CFGR_SWS_SHIFT),
            );
        }
        let level = cir & CIR_FLAGS & ((cir >> 8) | CIR_CSSF) != 0;
        self.irq.set(level, ctx);
    }
}

impl RegisterBlock for Rcc {
    crate::register_file_in!(regs);

    fn on_write(&mut self, w: Write, ctx: &mut Ctx) {
        match w.reg {
            CIR => {
                let clear = ((w.value >> CIR_CLEAR_SHIFT) & 0x1f)
                    | if w.value & CIR_CSSC != 0 { CIR_CSSF } else { 0 };
                self.regs
                    .set(CIR, (w.old & CIR_FLAGS & !clear) | (w.new & CIR_IE));
            }
            CSR if w.value & CSR_RMVF != 0 => self.regs.set_bits(CSR, CSR_FLAGS, false),
            _ => {}
        }
        self.settle(ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::link::tests::with_ctx;
    use crate::{Access, IrqLines, Peripheral};
    use gale_trace::Trace;

    #[test]
    fn reset_values_and_ready_flags_follow_on_bits() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut r = Rcc::new("RCC", Some(5));
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            assert_eq!(r.read(CR, Access::Word, c), 0x83);
            assert_eq!(r.read(AHBENR, Access::Word, c), 0x14);
            assert_eq!(r.read(CSR, Access::Word, c), 0x0c00_0000);
            r.write(CR, Access::Word, 0x83 | CR_HSEON, c);
            assert_eq!(r.read(CR, Access::Word, c) & CR_HSERDY, CR_HSERDY);
            r.write(CR, Access::Word, r.regs.get(CR) | CR_PLLON, c);
            r.write(CR, Access::Word, CR_HSEON | CR_PLLON, c); // HSI off
            assert_eq!(
                r.read(CR, Access::Word, c) & (CR_HSIRDY | CR_PLLRDY),
                CR_PLLRDY
            );
        });
    }

    #[test]
    fn sws_follows_sw_only_for_ready_sources() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut r = Rcc::new("RCC", None);
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            r.write(CFGR, Access::Word, SW_PLL, c);
            assert_eq!(
                r.read(CFGR, Access::Word, c),
                SW_PLL,
                "PLL off: still on HSI"
            );
            r.write(CR, Access::Word, 0x83 | CR_PLLON, c);
            assert_eq!(
                r.read(CFGR, Access::Word, c),
                SW_PLL | SW_PLL << CFGR_SWS_SHIFT
            );
            r.write(CFGR, Access::Word, 0xffff_ffff, c);
            assert_eq!(
                r.read(CFGR, Access::Word, c),
                CFGR_RW | SW_PLL << CFGR_SWS_SHIFT,
                "SW=11 keeps PLL"
            );
        });
    }

    #[test]
    fn ready_interrupt_and_enables_store() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut r = Rcc::new("RCC", Some(5));
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            r.write(CIR, Access::Word, 1 << 11, c); // HSERDYIE
            r.write(CR, Access::Word, 0x83 | CR_HSEON, c);
            assert_eq!(r.read(CIR, Access::Word, c) & 0xff, 1 << 3);
            r.write(CIR, Access::Word, 1 << 11 | 1 << 19, c); // clear HSERDYF
            assert_eq!(r.read(CIR, Access::Word, c), 1 << 11);
            r.write(APB2ENR, Access::Word, 0xffff_ffff, c);
            assert_eq!(r.read(APB2ENR, Access::Word, c), APB2_BITS);
            r.write(CSR, Access::Word, CSR_RMVF | CSR_LSION, c);
            assert_eq!(r.read(CSR, Access::Word, c), CSR_LSION | CSR_LSIRDY);
        });
        assert_eq!(
            irqs.drain().collect::<Vec<_>>(),
            vec![(5, true), (5, false)]
        );
    }
}
