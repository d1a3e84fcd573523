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

use crate::sensors::link::{lane_read, lane_write, IrqLine};
use crate::{Access, Ctx, Peripheral};

// Register offsets.
const CR: u32 = 0x00;
const CFGR: u32 = 0x04;
const CIR: u32 = 0x08;
const APB2RSTR: u32 = 0x0c;
const APB1RSTR: u32 = 0x10;
const AHBENR: u32 = 0x14;
const APB2ENR: u32 = 0x18;
const APB1ENR: u32 = 0x1c;
const BDCR: u32 = 0x20;
const CSR: u32 = 0x24;
const CFGR2: u32 = 0x2c;

// Reset values.
const CR_RESET: u32 = 0x0000_0083;
const AHBENR_RESET: u32 = 0x0000_0014;
const CSR_RESET: u32 = 0x0c00_0000;

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
    name: String,
    irq: IrqLine,
    cr: u32,
    cfgr: u32,
    cir: u32,
    apb2rstr: u32,
    apb1rstr: u32,
    ahbenr: u32,
    apb2enr: u32,
    apb1enr: u32,
    bdcr: u32,
    csr: u32,
    cfgr2: u32,
}

impl Rcc {
    /// The RCC named `name` with its global interrupt `irq`.
    pub fn new(name: impl Into<String>, irq: Option<u32>) -> Self {
        Rcc {
            name: name.into(),
            irq: IrqLine::new(irq),
            cr: CR_RESET,
            cfgr: 0,
            cir: 0,
            apb2rstr: 0,
            apb1rstr: 0,
            ahbenr: AHBENR_RESET,
            apb2enr: 0,
            apb1enr: 0,
            bdcr: 0,
            csr: CSR_RESET,
            cfgr2: 0,
        }
    }

    /// Ready bits in CIR flag order: LSI, LSE, HSI, HSE, PLL.
    fn ready(&self) -> u32 {
        (self.csr & CSR_LSIRDY != 0) as u32
            | ((self.bdcr & BDCR_LSERDY != 0) as u32) << 1
            | ((self.cr & CR_HSIRDY != 0) as u32) << 2
            | ((self.cr & CR_HSERDY != 0) as u32) << 3
            | ((self.cr & CR_PLLRDY != 0) as u32) << 4
    }

    /// Applies "ready follows on" and the clock switch.
    fn settle(&mut self, ctx: &mut Ctx) {
        let before = self.ready();
        let follow =
            |reg: u32, on: u32, rdy: u32| if reg & on != 0 { reg | rdy } else { reg & !rdy };
        self.cr = follow(
            follow(follow(self.cr, CR_HSION, CR_HSIRDY), CR_HSEON, CR_HSERDY),
            CR_PLLON,
            CR_PLLRDY,
        );
        self.bdcr = follow(self.bdcr, BDCR_LSEON, BDCR_LSERDY);
        self.csr = follow(self.csr, CSR_LSION, CSR_LSIRDY);
        let rose = self.ready() & !before;
        self.cir |= rose & (self.cir >> 8);
        let sw = self.cfgr & CFGR_SW;
        let source_ready = match sw {
            SW_HSI => self.cr & CR_HSIRDY != 0,
            SW_HSE => self.cr & CR_HSERDY != 0,
            SW_PLL => self.cr & CR_PLLRDY != 0,
            _ => false,
        };
        if source_ready {
            self.cfgr = (self.cfgr & !(0b11 << CFGR_SWS_SHIFT)) | (sw << CFGR_SWS_SHIFT);
        }
        let level = self.cir & CIR_FLAGS & ((self.cir >> 8) | CIR_CSSF) != 0;
        self.irq.set(level, ctx);
    }

    fn peek(&self, reg: u32) -> u32 {
        match reg {
            CR => self.cr,
            CFGR => self.cfgr,
            CIR => self.cir,
            APB2RSTR => self.apb2rstr,
            APB1RSTR => self.apb1rstr,
            AHBENR => self.ahbenr,
            APB2ENR => self.apb2enr,
            APB1ENR => self.apb1enr,
            BDCR => self.bdcr,
            CSR => self.csr,
            CFGR2 => self.cfgr2,
            _ => 0,
        }
    }
}

impl Peripheral for Rcc {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> u32 {
        0x400
    }

    fn read(&mut self, offset: u32, _access: Access, _ctx: &mut Ctx) -> u32 {
        lane_read(self.peek(offset & !3), offset)
    }

    fn write(&mut self, offset: u32, access: Access, value: u32, ctx: &mut Ctx) {
        let reg = offset & !3;
        let v = lane_write(self.peek(reg), offset, access, value);
        match reg {
            CR => self.cr = (self.cr & !CR_RW) | (v & CR_RW),
            CFGR => self.cfgr = (self.cfgr & !CFGR_RW) | (v & CFGR_RW),
            CIR => {
                let clear =
                    ((v >> CIR_CLEAR_SHIFT) & 0x1f) | if v & CIR_CSSC != 0 { CIR_CSSF } else { 0 };
                self.cir = (self.cir & CIR_FLAGS & !clear) | (v & CIR_IE);
            }
            APB2RSTR => self.apb2rstr = v & APB2_BITS,
            APB1RSTR => self.apb1rstr = v & APB1_BITS,
            AHBENR => self.ahbenr = v & AHB_BITS,
            APB2ENR => self.apb2enr = v & APB2_BITS,
            APB1ENR => self.apb1enr = v & APB1_BITS,
            BDCR => self.bdcr = (self.bdcr & BDCR_LSERDY) | (v & BDCR_RW),
            CSR => {
                let flags = if v & CSR_RMVF != 0 {
                    0
                } else {
                    self.csr & CSR_FLAGS
                };
                self.csr = flags | (self.csr & CSR_LSIRDY) | (v & CSR_LSION);
            }
            CFGR2 => self.cfgr2 = v & 0xf,
            _ => {}
        }
        self.settle(ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::link::tests::with_ctx;
    use crate::IrqLines;
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
            r.write(CR, Access::Word, r.peek(CR) | CR_PLLON, c);
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
