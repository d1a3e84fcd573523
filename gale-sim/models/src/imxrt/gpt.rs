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

use crate::sensors::link::{lane_read, lane_write, IrqLine};
use crate::sensors::ticker::Ticker;
use crate::{Access, Ctx, Peripheral};
use gale_trace::Nanos;

// Register offsets.
const CR: u32 = 0x00;
const PR: u32 = 0x04;
const SR: u32 = 0x08;
const IR: u32 = 0x0c;
const OCR1: u32 = 0x10;
const OCR3: u32 = 0x18;
const ICR1: u32 = 0x1c;
const ICR2: u32 = 0x20;
const CNT: u32 = 0x24;

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
    name: String,
    irq: IrqLine,
    clock_hz: u64,
    ticker: Ticker,
    /// Ticks already applied to `cnt`.
    consumed: u64,
    cr: u32,
    pr: u32,
    sr: u32,
    ir: u32,
    ocr: [u32; 3],
    cnt: u32,
}

impl Gpt {
    /// GPT instance `name` (e.g. `GPT1`) on external interrupt `irq`.
    pub fn new(name: impl Into<String>, irq: Option<u32>) -> Self {
        Gpt {
            name: name.into(),
            irq: IrqLine::new(irq),
            clock_hz: OSC_24M_HZ,
            ticker: Ticker::new(0, 1),
            consumed: 0,
            cr: 0,
            pr: 0,
            sr: 0,
            ir: 0,
            ocr: [OCR_RESET; 3],
            cnt: 0,
        }
    }

    /// Sets the GPT clock root frequency (CLKSRC 1 and 2).
    pub fn with_clock_hz(mut self, hz: u64) -> Self {
        self.clock_hz = hz;
        self
    }

    /// Counter input frequency and divider for the current CR/PR.
    fn rate(&self) -> (u64, u64) {
        let pre = (self.pr & 0xfff) as u64 + 1;
        match (self.cr >> CR_CLKSRC_SHIFT) & 7 {
            CLKSRC_PERIPHERAL | CLKSRC_HIGH_FREQ => (self.clock_hz, pre),
            CLKSRC_32K => (CLK_32K_HZ, pre),
            CLKSRC_24M => (OSC_24M_HZ, pre * (((self.pr >> 12) & 0xf) as u64 + 1)),
            _ => (0, 1),
        }
    }

    /// Counter modulus: OCR1 + 1 in restart mode, 2^32 in free-run mode.
    fn modulus(&self) -> u64 {
        if self.cr & CR_FRR == 0 {
            self.ocr[0] as u64 + 1
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

    /// Ticks to the next event (compare or wrap).
    fn next_event(&self) -> u64 {
        let m = self.modulus();
        let cnt = self.cnt as u64 % m;
        let wrap = Self::distance(cnt, None, m);
        self.ocr
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
        if n > 2 * m {
            // Whole periods: every reachable compare fires, and the wrap.
            for (i, &o) in self.ocr.iter().enumerate() {
                if (o as u64) < m {
                    self.sr |= SR_OF1 << i;
                }
            }
            if self.cr & CR_FRR != 0 {
                self.sr |= SR_ROV;
            }
            n = m + n % m;
        }
        while n > 0 {
            let step = self.next_event().min(n);
            let cnt = (self.cnt as u64 % m + step) % m;
            self.cnt = cnt as u32;
            n -= step;
            for (i, &o) in self.ocr.iter().enumerate() {
                if o as u64 == cnt {
                    self.sr |= SR_OF1 << i;
                }
            }
            if cnt == 0 && self.cr & CR_FRR != 0 {
                self.sr |= SR_ROV;
            }
        }
    }

    /// Re-applies the clock configuration after a CR/PR change.
    fn reclock(&mut self, now: Nanos) {
        let (hz, div) = self.rate();
        self.ticker.set_rate(now, hz, div);
        if self.cr & CR_EN != 0 {
            self.ticker.start(now);
        } else {
            self.ticker.stop(now);
        }
        self.consumed = self.ticker.ticks(now);
    }

    fn update_irq(&mut self, ctx: &mut Ctx) {
        let level = self.sr & self.ir & SR_MASK != 0;
        self.irq.set(level, ctx);
    }

    fn peek(&self, reg: u32) -> u32 {
        match reg {
            CR => self.cr,
            PR => self.pr,
            SR => self.sr,
            IR => self.ir,
            OCR1..=OCR3 => self.ocr[((reg - OCR1) / 4) as usize],
            ICR1 | ICR2 => 0,
            CNT => self.cnt,
            _ => 0,
        }
    }
}

impl Peripheral for Gpt {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> u32 {
        super::WINDOW
    }

    fn read(&mut self, offset: u32, _access: Access, ctx: &mut Ctx) -> u32 {
        self.sync(ctx.now);
        self.update_irq(ctx);
        lane_read(self.peek(offset & !3), offset)
    }

    fn write(&mut self, offset: u32, access: Access, value: u32, ctx: &mut Ctx) {
        self.sync(ctx.now);
        let reg = offset & !3;
        let old = if reg == SR { 0 } else { self.peek(reg) };
        let v = lane_write(old, offset, access, value);
        match reg {
            CR => {
                let enabling = v & CR_EN != 0 && self.cr & CR_EN == 0;
                if v & CR_SWR != 0 {
                    self.cr = v & CR_KEPT_BY_SWR;
                    self.pr = 0;
                    self.sr = 0;
                    self.ir = 0;
                    self.ocr = [OCR_RESET; 3];
                    self.cnt = 0;
                } else {
                    self.cr = v & CR_RW;
                }
                if enabling && self.cr & CR_ENMOD != 0 {
                    self.cnt = 0;
                }
                self.reclock(ctx.now);
            }
            PR => {
                self.pr = v & 0xffff;
                self.reclock(ctx.now);
            }
            SR => self.sr &= !(v & SR_MASK),
            IR => self.ir = v & SR_MASK,
            OCR1..=OCR3 => {
                let i = ((reg - OCR1) / 4) as usize;
                self.ocr[i] = v;
                if i == 0 && self.cr & CR_FRR == 0 {
                    self.cnt = 0;
                }
            }
            _ => {}
        }
        self.update_irq(ctx);
    }

    fn next_deadline(&self) -> Option<Nanos> {
        if self.ir & SR_MASK == 0 || !self.ticker.is_running() {
            return None;
        }
        self.ticker.time_of(self.consumed + self.next_event())
    }

    fn advance(&mut self, ctx: &mut Ctx) {
        self.sync(ctx.now);
        self.update_irq(ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::link::tests::with_ctx;
    use crate::IrqLines;
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
