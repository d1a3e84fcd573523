//! i.MX RT1170 GPT, general purpose timer (IMXRT1170RM chapter "General
//! Purpose Timer"): CR, PR, SR, IR, OCR1..3, ICR1..2, CNT.
//!
//! Assumed input clocks (CR.CLKSRC): 1 (peripheral clock) and 2 (high
//! frequency reference) both run at the GPT clock root, 24 MHz by default
//! (the RT1170 clock roots start from the 24 MHz oscillator;
//! [`Gpt::with_clock_hz`] overrides it); 4 is the 32.768 kHz clock; 5 is
//! the 24 MHz crystal clock divided by PR.PRESCALER24M + 1; 0 (none) and 3
//! (external pin) do not count. The counter then divides by PR.PRESCALER + 1.
//!
//! Model rules:
//! - The counter runs on virtual time while CR.EN is set. CR.ENMOD = 1
//!   resets it to 0 when enabled. CR.FRR = 0 (restart mode): the counter
//!   returns to 0 on the tick after it reaches OCR1, and a write to OCR1
//!   resets it. CR.FRR = 1: free run to 0xFFFF_FFFF, then SR.ROV.
//! - SR.OFn is set when the counter reaches OCRn; SR bits are write 1 to
//!   clear; the interrupt line is SR & IR. Input capture (ICR1/2) and the
//!   output-compare pins are not modelled (IF1/IF2 never set).
//! - CR.SWR resets the registers (keeping EN, ENMOD and the low-power
//!   enables) and reads back 0.

use crate::irq::IrqLine;
use crate::regs::{Reg, RegisterBlock, RegisterFile, Write};
use crate::ticker::Ticker;
use crate::Ctx;
use gale_trace::Nanos;

// Register offsets.
const CR: u32 = 0x00;
const PR: u32 = 0x04;
const SR: u32 = 0x08;
const IR: u32 = 0x0c;
const OCR1: u32 = 0x10;
const OCR2: u32 = 0x14;
const OCR3: u32 = 0x18;
const CNT: u32 = 0x24;

/// IMXRT1170RM GPT memory map. CR.SWR is a strobe (reads 0); CNT is the
/// model's counter; input capture is not modelled (ICR1/2 read 0).
const REGISTERS: &[Reg] = &[
    Reg::new("CR", CR).rw(CR_RW),
    Reg::new("PR", PR).rw(0xffff),
    Reg::new("SR", SR).w1c(SR_MASK),
    Reg::new("IR", IR).rw(SR_MASK),
    Reg::new("OCR1", OCR1).reset(OCR_RESET).rw(u32::MAX),
    Reg::new("OCR2", OCR2).reset(OCR_RESET).rw(u32::MAX),
    Reg::new("OCR3", OCR3).reset(OCR_RESET).rw(u32::MAX),
    Reg::new("ICR1", 0x1c),
    Reg::new("ICR2", 0x20),
    Reg::new("CNT", CNT),
];

// CR bits.
const CR_EN: u32 = 1 << 0;
const CR_ENMOD: u32 = 1 << 1;
const CR_CLKSRC_SHIFT: u32 = 6;
const CR_FRR: u32 = 1 << 9;
const CR_SWR: u32 = 1 << 15;
/// Bits a software reset keeps: EN, ENMOD, DBGEN, WAITEN, DOZEEN, STOPEN.
const CR_KEPT_BY_SWR: u32 = 0x3f;
const CR_RW: u32 = 0xffff_07ff & !CR_SWR;

// CLKSRC values.
const CLKSRC_PERIPHERAL: u32 = 1;
const CLKSRC_HIGH_FREQ: u32 = 2;
const CLKSRC_32K: u32 = 4;
const CLKSRC_24M: u32 = 5;

// SR bits (IR uses the same positions).
const SR_OF1: u32 = 1 << 0;
const SR_ROV: u32 = 1 << 5;
const SR_MASK: u32 = 0x3f;

const OCR_RESET: u32 = 0xffff_ffff;
const OSC_24M_HZ: u64 = 24_000_000;
const CLK_32K_HZ: u64 = 32_768;

pub struct Gpt {
    regs: RegisterFile,
    irq: IrqLine,
    clock_hz: u64,
    ticker: Ticker,
    /// Ticks already applied to CNT.
    consumed: u64,
}

impl Gpt {
    /// GPT instance `name` (e.g. `GPT1`) on external interrupt `irq`.
    pub fn new(name: impl Into<String>, irq: Option<u32>) -> Self {
        Gpt {
            regs: RegisterFile::new(name, super::WINDOW, REGISTERS),
            irq: IrqLine::new(irq),
            clock_hz: OSC_24M_HZ,
            ticker: Ticker::new(0, 1),
            consumed: 0,
        }
    }

    /// Sets the GPT clock root frequency (CLKSRC 1 and 2).
    pub fn with_clock_hz(mut self, hz: u64) -> Self {
        self.clock_hz = hz;
        self
    }

    /// Counter input frequency and divider for the current CR/PR.
    fn rate(&self) -> (u64, u64) {
        let pr = self.regs.get(PR);
        let pre = (pr & 0xfff) as u64 + 1;
        match (self.regs.get(CR) >> CR_CLKSRC_SHIFT) & 7 {
            CLKSRC_PERIPHERAL | CLKSRC_HIGH_FREQ => (self.clock_hz, pre),
            CLKSRC_32K => (CLK_32K_HZ, pre),
            CLKSRC_24M => (OSC_24M_HZ, pre * (((pr >> 12) & 0xf) as u64 + 1)),
            _ => (0, 1),
        }
    }

    /// Counter modulus: OCR1 + 1 in restart mode, 2^32 in free-run mode.
    fn modulus(&self) -> u64 {
        if !self.free_run() {
            self.regs.get(OCR1) as u64 + 1
        } else {
            1 << 32
        }
    }

    /// Ticks from `cnt` until the counter next equals `target` (or wraps,
    /// for `None`), within modulus `m`.
    fn distance(cnt: u64, target: Option<u64>, m: u64) -> Option<u64> {
        match target {
            Some(t) if t >= m => None,
            Some(t) => Some(match (t + m - cnt) % m {
                0 => m,
                d => d,
            }),
            None => Some(m - cnt),
        }
    }

    fn free_run(&self) -> bool {
        self.regs.get(CR) & CR_FRR != 0
    }

    fn ocr(&self) -> [u32; 3] {
        [OCR1, OCR2, OCR3].map(|r| self.regs.get(r))
    }

    /// Ticks to the next event (compare or wrap).
    fn ticks_to_event(&self) -> u64 {
        let m = self.modulus();
        let cnt = self.regs.get(CNT) as u64 % m;
        let wrap = Self::distance(cnt, None, m);
        self.ocr()
            .iter()
            .filter_map(|&o| Self::distance(cnt, Some(o as u64), m))
            .chain(wrap)
            .min()
            .unwrap_or(m)
    }

    /// Applies ticks counted up to `now`.
    fn sync(&mut self, now: Nanos) {
        let mut n = self.ticker.ticks(now) - self.consumed;
        self.consumed += n;
        let m = self.modulus();
        let (ocr, free_run) = (self.ocr(), self.free_run());
        let mut sr = self.regs.get(SR);
        if n > 2 * m {
            // Whole periods: every reachable compare fires, and the wrap.
            for (i, &o) in ocr.iter().enumerate() {
                if (o as u64) < m {
                    sr |= SR_OF1 << i;
                }
            }
            if free_run {
                sr |= SR_ROV;
            }
            n = m + n % m;
        }
        while n > 0 {
            let step = self.ticks_to_event().min(n);
            let cnt = (self.regs.get(CNT) as u64 % m + step) % m;
            self.regs.set(CNT, cnt as u32);
            n -= step;
            for (i, &o) in ocr.iter().enumerate() {
                if o as u64 == cnt {
                    sr |= SR_OF1 << i;
                }
            }
            if cnt == 0 && free_run {
                sr |= SR_ROV;
            }
        }
        self.regs.set(SR, sr);
    }

    /// Re-applies the clock configuration after a CR/PR change.
    fn reclock(&mut self, now: Nanos) {
        let (hz, div) = self.rate();
        self.ticker.set_rate(now, hz, div);
        if self.regs.get(CR) & CR_EN != 0 {
            self.ticker.start(now);
        } else {
            self.ticker.stop(now);
        }
        self.consumed = self.ticker.ticks(now);
    }

    fn update_irq(&mut self, ctx: &mut Ctx) {
        let level = self.regs.get(SR) & self.regs.get(IR) & SR_MASK != 0;
        self.irq.set(level, ctx);
    }
}

impl RegisterBlock for Gpt {
    crate::register_file_in!(regs);

    fn before_access(&mut self, ctx: &mut Ctx) {
        self.sync(ctx.now);
    }

    fn on_read(&mut self, _reg: u32, value: u32, ctx: &mut Ctx) -> u32 {
        self.update_irq(ctx);
        value
    }

    fn on_write(&mut self, w: Write, ctx: &mut Ctx) {
        match w.reg {
            CR => {
                let v = w.merged();
                if v & CR_SWR != 0 {
                    self.regs.reset();
                    self.regs.set(CR, v & CR_KEPT_BY_SWR);
                }
                if v & !w.old & CR_EN != 0 && v & CR_ENMOD != 0 {
                    self.regs.set(CNT, 0);
                }
                self.reclock(ctx.now);
            }
            PR => self.reclock(ctx.now),
            OCR1 if !self.free_run() => self.regs.set(CNT, 0),
            _ => {}
        }
        self.update_irq(ctx);
    }

    fn next_event(&self) -> Option<Nanos> {
        if self.regs.get(IR) & SR_MASK == 0 || !self.ticker.is_running() {
            return None;
        }
        self.ticker.time_of(self.consumed + self.ticks_to_event())
    }

    fn on_event(&mut self, ctx: &mut Ctx) {
        self.sync(ctx.now);
        self.update_irq(ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::link::tests::with_ctx;
    use crate::{Access, IrqLines, Peripheral};
    use gale_trace::Trace;

    const IRQ: u32 = 119;
    const US: Nanos = 1_000;

    #[test]
    fn restart_mode_period_and_compare_irq() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut g = Gpt::new("GPT1", Some(IRQ));
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            g.write(PR, Access::Word, 23, c); // 24 MHz / 24 = 1 MHz
            g.write(OCR1, Access::Word, 999, c); // 1 ms period
            g.write(IR, Access::Word, SR_OF1, c);
            g.write(
                CR,
                Access::Word,
                CR_EN | CR_ENMOD | (CLKSRC_PERIPHERAL << CR_CLKSRC_SHIFT),
                c,
            );
        });
        assert_eq!(g.next_deadline(), Some(999 * US));
        with_ctx(&mut irqs, &mut trace, 500 * US, |c| {
            assert_eq!(g.read(CNT, Access::Word, c), 500)
        });
        with_ctx(&mut irqs, &mut trace, 999 * US, |c| g.advance(c));
        assert_eq!(irqs.drain().collect::<Vec<_>>(), vec![(IRQ, true)]);
        with_ctx(&mut irqs, &mut trace, 1_001 * US, |c| {
            assert_eq!(g.read(CNT, Access::Word, c), 1, "restarted at 0 after OCR1");
            g.write(SR, Access::Word, SR_OF1, c);
        });
        assert_eq!(irqs.drain().collect::<Vec<_>>(), vec![(IRQ, false)]);
        assert_eq!(g.next_deadline(), Some(1_999 * US));
    }

    #[test]
    fn free_run_rollover_and_24m_prescaler() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut g = Gpt::new("GPT2", None);
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            // 24 MHz / 3 / 8 = 1 MHz.
            g.write(PR, Access::Word, (2 << 12) | 7, c);
            g.write(OCR1 + 4, Access::Word, 10, c);
            g.write(
                CR,
                Access::Word,
                CR_EN | CR_FRR | (CLKSRC_24M << CR_CLKSRC_SHIFT),
                c,
            );
        });
        with_ctx(&mut irqs, &mut trace, 10 * US, |c| {
            assert_eq!(g.read(CNT, Access::Word, c), 10);
            assert_eq!(g.read(SR, Access::Word, c), 1 << 1, "OF2 at OCR2");
        });
        // 2^32 us later the counter has wrapped.
        with_ctx(&mut irqs, &mut trace, (1u64 << 32) * US + 20 * US, |c| {
            assert_eq!(g.read(CNT, Access::Word, c), 20);
            assert_ne!(g.read(SR, Access::Word, c) & SR_ROV, 0);
        });
    }

    #[test]
    fn disabled_counter_holds_and_swr_resets() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut g = Gpt::new("GPT1", None);
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            g.write(
                CR,
                Access::Word,
                CR_EN | CR_FRR | (CLKSRC_PERIPHERAL << CR_CLKSRC_SHIFT),
                c,
            );
        });
        with_ctx(&mut irqs, &mut trace, 1_000, |c| {
            assert_eq!(g.read(CNT, Access::Word, c), 24);
            g.write(
                CR,
                Access::Word,
                CR_FRR | (CLKSRC_PERIPHERAL << CR_CLKSRC_SHIFT),
                c,
            );
        });
        with_ctx(&mut irqs, &mut trace, 5_000, |c| {
            assert_eq!(g.read(CNT, Access::Word, c), 24);
            g.write(CR, Access::Word, CR_SWR | CR_FRR, c);
            assert_eq!(g.read(CR, Access::Word, c), 0);
            assert_eq!(g.read(OCR1, Access::Word, c), OCR_RESET);
            assert_eq!(g.read(CNT, Access::Word, c), 0);
        });
    }
}
