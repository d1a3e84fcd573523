//! i.MX RT1170 PIT, periodic interrupt timer (IMXRT1170RM chapter "Periodic
//! Interrupt Timer"): MCR, LTMR64H, LTMR64L and four channels of LDVAL,
//! CVAL, TCTRL, TFLG.
//!
//! Assumed input clock: 24 MHz (the PIT clock root's reset source is the
//! 24 MHz oscillator; [`Pit::with_clock_hz`] overrides it).
//!
//! Model rules:
//! - MCR.MDIS (set at reset) stops every channel. A channel counts down from
//!   LDVAL while TCTRL.TEN is set, loading LDVAL when enabled; each timeout
//!   (every LDVAL + 1 clocks) sets TFLG.TIF and reloads LDVAL, so an LDVAL
//!   written while running takes effect at the next reload.
//! - TCTRL.CHN (channels 1..3): the channel counts timeouts of the previous
//!   channel instead of clocks.
//! - Reading LTMR64H returns channel 1's CVAL and latches channel 0's CVAL
//!   for the following LTMR64L read (the 64-bit lifetime timer).
//! - One interrupt line: any channel with TIF and TIE.

use crate::irq::IrqLine;
use crate::regs::{Reg, RegisterBlock, RegisterFile, Write};
use crate::ticker::Ticker;
use crate::Ctx;
use gale_trace::Nanos;

// Register offsets.
const MCR: u32 = 0x00;
const LTMR64H: u32 = 0xe0;
const LTMR64L: u32 = 0xe4;
/// Channel n's registers start at CHANNEL_BASE + n * CHANNEL_STRIDE.
const CHANNEL_BASE: u32 = 0x100;
const CHANNEL_STRIDE: u32 = 0x10;
const CHANNELS: usize = 4;
const LDVAL: u32 = 0x0;
const CVAL: u32 = 0x4;
const TCTRL: u32 = 0x8;
const TFLG: u32 = 0xc;

// Bits.
const MCR_FRZ: u32 = 1 << 0;
const MCR_MDIS: u32 = 1 << 1;
const TCTRL_TEN: u32 = 1 << 0;
const TCTRL_TIE: u32 = 1 << 1;
const TCTRL_CHN: u32 = 1 << 2;
const TFLG_TIF: u32 = 1 << 0;

/// One timer channel's four registers, named as in the SVD.
macro_rules! timer {
    ($n:literal) => {
        [
            Reg::new(
                concat!("TIMER", $n, "_LDVAL"),
                CHANNEL_BASE + $n * CHANNEL_STRIDE + LDVAL,
            )
            .rw(u32::MAX),
            Reg::new(
                concat!("TIMER", $n, "_CVAL"),
                CHANNEL_BASE + $n * CHANNEL_STRIDE + CVAL,
            ),
            Reg::new(
                concat!("TIMER", $n, "_TCTRL"),
                CHANNEL_BASE + $n * CHANNEL_STRIDE + TCTRL,
            )
            .rw(TCTRL_TEN | TCTRL_TIE | TCTRL_CHN),
            Reg::new(
                concat!("TIMER", $n, "_TFLG"),
                CHANNEL_BASE + $n * CHANNEL_STRIDE + TFLG,
            )
            .w1c(TFLG_TIF),
        ]
    };
}

const fn registers() -> [Reg; 3 + 4 * CHANNELS] {
    let [t0, t1, t2, t3] = [timer!(0), timer!(1), timer!(2), timer!(3)];
    [
        Reg::new("MCR", MCR).reset(MCR_MDIS).rw(MCR_FRZ | MCR_MDIS),
        Reg::new("LTMR64H", LTMR64H),
        Reg::new("LTMR64L", LTMR64L),
        t0[0],
        t0[1],
        t0[2],
        t0[3],
        t1[0],
        t1[1],
        t1[2],
        t1[3],
        t2[0],
        t2[1],
        t2[2],
        t2[3],
        t3[0],
        t3[1],
        t3[2],
        t3[3],
    ]
}

/// IMXRT1170RM PIT memory map. CVAL counts down (the model's); LTMR64L
/// holds channel 0's CVAL latched by the last LTMR64H read.
const REGISTERS: &[Reg] = &registers();

const DEFAULT_CLOCK_HZ: u64 = 24_000_000;

/// Channel `ch`'s register at `reg` (LDVAL, CVAL, TCTRL, TFLG).
const fn at(ch: usize, reg: u32) -> u32 {
    CHANNEL_BASE + ch as u32 * CHANNEL_STRIDE + reg
}

pub struct Pit {
    regs: RegisterFile,
    irq: IrqLine,
    ticker: Ticker,
    consumed: u64,
}

impl Pit {
    /// PIT instance `name` (e.g. `PIT1`) on external interrupt `irq`.
    pub fn new(name: impl Into<String>, irq: Option<u32>) -> Self {
        Pit {
            regs: RegisterFile::new(name, super::WINDOW, REGISTERS),
            irq: IrqLine::new(irq),
            ticker: Ticker::running(DEFAULT_CLOCK_HZ, 1),
            consumed: 0,
        }
    }

    /// Sets the PIT input clock frequency.
    pub fn with_clock_hz(mut self, hz: u64) -> Self {
        self.ticker = Ticker::running(hz, 1);
        self
    }

    fn tctrl(&self, ch: usize) -> u32 {
        self.regs.get(at(ch, TCTRL))
    }

    fn chained(&self, ch: usize) -> bool {
        ch > 0 && self.tctrl(ch) & TCTRL_CHN != 0
    }

    /// Counts channel `ch` down `steps`; returns the number of timeouts.
    fn count(&mut self, ch: usize, steps: u64) -> u64 {
        if self.tctrl(ch) & TCTRL_TEN == 0 || steps == 0 {
            return 0;
        }
        let c = self.regs.get(at(ch, CVAL)) as u64;
        if steps <= c {
            self.regs.set(at(ch, CVAL), (c - steps) as u32);
            return 0;
        }
        let ldval = self.regs.get(at(ch, LDVAL)) as u64;
        let period = ldval + 1;
        let rest = steps - (c + 1);
        self.regs.set(at(ch, CVAL), (ldval - rest % period) as u32);
        self.regs.set(at(ch, TFLG), TFLG_TIF);
        1 + rest / period
    }

    fn sync(&mut self, now: Nanos) {
        let ticks = self.ticker.ticks(now);
        let n = ticks - self.consumed;
        self.consumed = ticks;
        if self.regs.get(MCR) & MCR_MDIS != 0 {
            return;
        }
        let mut prev_timeouts = 0;
        for ch in 0..CHANNELS {
            let input = if self.chained(ch) { prev_timeouts } else { n };
            prev_timeouts = self.count(ch, input);
        }
    }

    fn update_irq(&mut self, ctx: &mut Ctx) {
        let level = (0..CHANNELS).any(|ch| {
            self.regs.get(at(ch, TFLG)) & TFLG_TIF != 0 && self.tctrl(ch) & TCTRL_TIE != 0
        });
        self.irq.set(level, ctx);
    }
}

impl RegisterBlock for Pit {
    crate::register_file_in!(regs);

    fn before_access(&mut self, ctx: &mut Ctx) {
        self.sync(ctx.now);
    }

    fn on_read(&mut self, reg: u32, value: u32, ctx: &mut Ctx) -> u32 {
        self.update_irq(ctx);
        if reg == LTMR64H {
            self.regs.set(LTMR64L, self.regs.get(at(0, CVAL)));
            return self.regs.get(at(1, CVAL));
        }
        value
    }

    fn on_write(&mut self, w: Write, ctx: &mut Ctx) {
        if w.reg >= CHANNEL_BASE
            && w.reg % CHANNEL_STRIDE == TCTRL
            && w.new & !w.old & TCTRL_TEN != 0
        {
            // Enabling loads LDVAL.
            let ch = ((w.reg - CHANNEL_BASE) / CHANNEL_STRIDE) as usize;
            self.regs.set(at(ch, CVAL), self.regs.get(at(ch, LDVAL)));
        }
        self.update_irq(ctx);
    }

    fn next_event(&self) -> Option<Nanos> {
        if self.regs.get(MCR) & MCR_MDIS != 0 {
            return None;
        }
        // Wake at the next timeout of every clock-driven channel that has,
        // or feeds a chain that has, its interrupt enabled.
        let mut wake: Option<u64> = None;
        for i in 0..CHANNELS {
            let wants = (i..CHANNELS)
                .take_while(|&j| j == i || self.chained(j))
                .any(|j| self.tctrl(j) & (TCTRL_TEN | TCTRL_TIE) == TCTRL_TEN | TCTRL_TIE);
            if wants && !self.chained(i) && self.tctrl(i) & TCTRL_TEN != 0 {
                let t = self.consumed + self.regs.get(at(i, CVAL)) as u64 + 1;
                wake = Some(wake.map_or(t, |w| w.min(t)));
            }
        }
        wake.and_then(|t| self.ticker.time_of(t))
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

    const IRQ: u32 = 155;
    const CH0: u32 = CHANNEL_BASE;
    const CH1: u32 = CHANNEL_BASE + CHANNEL_STRIDE;

    #[test]
    fn periodic_timeout_raises_irq_and_reloads() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut p = Pit::new("PIT1", Some(IRQ));
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            assert_eq!(p.read(MCR, Access::Word, c), MCR_MDIS);
            p.write(MCR, Access::Word, 0, c);
            p.write(CH0 + LDVAL, Access::Word, 24_000 - 1, c); // 1 ms
            p.write(CH0 + TCTRL, Access::Word, TCTRL_TEN | TCTRL_TIE, c);
        });
        assert_eq!(p.next_deadline(), Some(1_000_000));
        with_ctx(&mut irqs, &mut trace, 500_000, |c| {
            assert_eq!(p.read(CH0 + CVAL, Access::Word, c), 11_999)
        });
        with_ctx(&mut irqs, &mut trace, 1_000_000, |c| p.advance(c));
        assert_eq!(irqs.drain().collect::<Vec<_>>(), vec![(IRQ, true)]);
        with_ctx(&mut irqs, &mut trace, 1_000_000, |c| {
            assert_eq!(p.read(CH0 + CVAL, Access::Word, c), 23_999);
            p.write(CH0 + TFLG, Access::Word, TFLG_TIF, c);
        });
        assert_eq!(irqs.drain().collect::<Vec<_>>(), vec![(IRQ, false)]);
        assert_eq!(p.next_deadline(), Some(2_000_000));
    }

    #[test]
    fn mdis_stops_and_chain_counts_timeouts() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut p = Pit::new("PIT1", None).with_clock_hz(1_000_000);
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            p.write(CH0 + LDVAL, Access::Word, 9, c); // 10 us
            p.write(CH1 + LDVAL, Access::Word, 100, c);
            p.write(
                CH1 + TCTRL,
                Access::Word,
                TCTRL_TEN | TCTRL_CHN | TCTRL_TIE,
                c,
            );
            p.write(CH0 + TCTRL, Access::Word, TCTRL_TEN, c);
        });
        assert_eq!(p.next_deadline(), None, "module disabled");
        with_ctx(&mut irqs, &mut trace, 50_000, |c| {
            assert_eq!(p.read(CH0 + CVAL, Access::Word, c), 9);
            p.write(MCR, Access::Word, 0, c);
        });
        assert_eq!(
            p.next_deadline(),
            Some(60_000),
            "chained channel wakes via channel 0"
        );
        with_ctx(&mut irqs, &mut trace, 80_000, |c| {
            assert_eq!(p.read(LTMR64H, Access::Word, c), 97);
            assert_eq!(p.read(LTMR64L, Access::Word, c), 9);
            assert_eq!(p.read(CH0 + TFLG, Access::Word, c), 1);
            assert_eq!(p.read(CH1 + TFLG, Access::Word, c), 0);
        });
    }
}
