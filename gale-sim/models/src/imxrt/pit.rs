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

use crate::sensors::link::{lane_read, lane_write, IrqLine};
use crate::sensors::ticker::Ticker;
use crate::{Access, Ctx, Peripheral};
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

const DEFAULT_CLOCK_HZ: u64 = 24_000_000;

#[derive(Clone, Copy, Default)]
struct Channel {
    ldval: u32,
    cval: u32,
    tctrl: u32,
    tif: bool,
}

impl Channel {
    fn chained(&self, index: usize) -> bool {
        index > 0 && self.tctrl & TCTRL_CHN != 0
    }

    /// Counts down `steps`; returns the number of timeouts.
    fn count(&mut self, steps: u64) -> u64 {
        if self.tctrl & TCTRL_TEN == 0 || steps == 0 {
            return 0;
        }
        let c = self.cval as u64;
        if steps <= c {
            self.cval -= steps as u32;
            return 0;
        }
        let period = self.ldval as u64 + 1;
        let rest = steps - (c + 1);
        self.cval = (self.ldval as u64 - rest % period) as u32;
        self.tif = true;
        1 + rest / period
    }
}

pub struct Pit {
    name: String,
    irq: IrqLine,
    ticker: Ticker,
    consumed: u64,
    mcr: u32,
    ch: [Channel; CHANNELS],
    ltmr64l_latch: u32,
}

impl Pit {
    /// PIT instance `name` (e.g. `PIT1`) on external interrupt `irq`.
    pub fn new(name: impl Into<String>, irq: Option<u32>) -> Self {
        Pit {
            name: name.into(),
            irq: IrqLine::new(irq),
            ticker: Ticker::running(DEFAULT_CLOCK_HZ, 1),
            consumed: 0,
            mcr: MCR_MDIS,
            ch: [Channel::default(); CHANNELS],
            ltmr64l_latch: 0,
        }
    }

    /// Sets the PIT input clock frequency.
    pub fn with_clock_hz(mut self, hz: u64) -> Self {
        self.ticker = Ticker::running(hz, 1);
        self
    }

    fn sync(&mut self, now: Nanos) {
        let ticks = self.ticker.ticks(now);
        let n = ticks - self.consumed;
        self.consumed = ticks;
        if self.mcr & MCR_MDIS != 0 {
            return;
        }
        let mut prev_timeouts = 0;
        for i in 0..CHANNELS {
            let input = if self.ch[i].chained(i) {
                prev_timeouts
            } else {
                n
            };
            prev_timeouts = self.ch[i].count(input);
        }
    }

    fn update_irq(&mut self, ctx: &mut Ctx) {
        let level = self.ch.iter().any(|c| c.tif && c.tctrl & TCTRL_TIE != 0);
        self.irq.set(level, ctx);
    }

    fn peek(&self, reg: u32) -> u32 {
        match reg {
            MCR => self.mcr,
            LTMR64L => self.ltmr64l_latch,
            LTMR64H => self.ch[1].cval,
            _ if reg >= CHANNEL_BASE && reg < CHANNEL_BASE + CHANNEL_STRIDE * CHANNELS as u32 => {
                let c = &self.ch[((reg - CHANNEL_BASE) / CHANNEL_STRIDE) as usize];
                match reg % CHANNEL_STRIDE {
                    LDVAL => c.ldval,
                    CVAL => c.cval,
                    TCTRL => c.tctrl,
                    TFLG => c.tif as u32,
                    _ => 0,
                }
            }
            _ => 0,
        }
    }
}

impl Peripheral for Pit {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> u32 {
        super::WINDOW
    }

    fn read(&mut self, offset: u32, _access: Access, ctx: &mut Ctx) -> u32 {
        self.sync(ctx.now);
        self.update_irq(ctx);
        let reg = offset & !3;
        if reg == LTMR64H {
            self.ltmr64l_latch = self.ch[0].cval;
        }
        lane_read(self.peek(reg), offset)
    }

    fn write(&mut self, offset: u32, access: Access, value: u32, ctx: &mut Ctx) {
        self.sync(ctx.now);
        let reg = offset & !3;
        let old = if reg % CHANNEL_STRIDE == TFLG {
            0
        } else {
            self.peek(reg)
        };
        let v = lane_write(old, offset, access, value);
        if reg == MCR {
            self.mcr = v & (MCR_FRZ | MCR_MDIS);
        } else if reg >= CHANNEL_BASE && reg < CHANNEL_BASE + CHANNEL_STRIDE * CHANNELS as u32 {
            let c = &mut self.ch[((reg - CHANNEL_BASE) / CHANNEL_STRIDE) as usize];
            match reg % CHANNEL_STRIDE {
                LDVAL => c.ldval = v,
                TCTRL => {
                    if v & TCTRL_TEN != 0 && c.tctrl & TCTRL_TEN == 0 {
                        c.cval = c.ldval;
                    }
                    c.tctrl = v & (TCTRL_TEN | TCTRL_TIE | TCTRL_CHN);
                }
                TFLG if v & TFLG_TIF != 0 => c.tif = false,
                _ => {}
            }
        }
        self.update_irq(ctx);
    }

    fn next_deadline(&self) -> Option<Nanos> {
        if self.mcr & MCR_MDIS != 0 {
            return None;
        }
        // Wake at the next timeout of every clock-driven channel that has,
        // or feeds a chain that has, its interrupt enabled.
        let mut wake: Option<u64> = None;
        for i in 0..CHANNELS {
            let c = &self.ch[i];
            let wants = (i..CHANNELS)
                .take_while(|&j| j == i || self.ch[j].chained(j))
                .any(|j| self.ch[j].tctrl & (TCTRL_TEN | TCTRL_TIE) == TCTRL_TEN | TCTRL_TIE);
            if wants && !c.chained(i) && c.tctrl & TCTRL_TEN != 0 {
                let t = self.consumed + c.cval as u64 + 1;
                wake = Some(wake.map_or(t, |w| w.min(t)));
            }
        }
        wake.and_then(|t| self.ticker.time_of(t))
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
