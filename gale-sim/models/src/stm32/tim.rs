//! STM32F1 general-purpose timer, TIM2..TIM4 style (RM0041 section 14):
//! CR1, CR2, SMCR, DIER, SR, EGR, CCMR1, CCMR2, CCER, CNT, PSC, ARR,
//! CCR1..4, DCR, DMAR.
//!
//! Assumed input clock: 24 MHz (the STM32F100's maximum timer clock;
//! [`Tim::with_clock_hz`] overrides it).
//!
//! Model rules:
//! - The counter runs on virtual time while CR1.CEN is set, at the timer
//!   clock / (PSC + 1), counting up from 0 to ARR; the tick after ARR is an
//!   update event: CNT returns to 0, SR.UIF is set (unless CR1.UDIS), the
//!   preloaded PSC, ARR (with CR1.ARPE) and CCRx (with CCMRx.OCxPE) take
//!   effect, and CR1.OPM stops the counter. EGR.UG makes an update at once
//!   (no UIF with CR1.URS). Down and centre-aligned counting (DIR, CMS) and
//!   the slave modes (SMCR) are stored but count up.
//! - Output compare channels (CCxS = 00): SR.CCxIF is set when CNT reaches
//!   CCRx. OCxREF follows OCxM: frozen, active / inactive / toggle on match,
//!   forced inactive / active, PWM mode 1 (high while CNT < CCRx) and 2.
//!   With CCER.CCxE set, the pin level (OCxREF xor CCxP) is traced on every
//!   change as `Gpio { pin: "TIM3.CH1", level }`; such channels make the
//!   model wake at each of their edges. Input capture is not modelled.
//! - One interrupt line: SR & DIER (UIF, CC1IF..CC4IF, TIF).

use crate::irq::IrqLine;
use crate::regs::{Reg, RegisterBlock, RegisterFile, Write};
use crate::ticker::Ticker;
use crate::Ctx;
use gale_trace::{EventKind, Level, Nanos};

// Register offsets.
const CR1: u32 = 0x00;
const CR2: u32 = 0x04;
const SMCR: u32 = 0x08;
const DIER: u32 = 0x0c;
const SR: u32 = 0x10;
const EGR: u32 = 0x14;
const CCMR1: u32 = 0x18;
const CCMR2: u32 = 0x1c;
const CCER: u32 = 0x20;
const CNT: u32 = 0x24;
const PSC: u32 = 0x28;
const ARR: u32 = 0x2c;
const CCR1: u32 = 0x34;
const CCR2: u32 = 0x38;
const CCR3: u32 = 0x3c;
const CCR4: u32 = 0x40;

/// RM0041 14.4. SR flags are rc_w0; EGR is a write-only strobe; PSC, ARR
/// and CCRx hold the preload values (the active ones are the model's);
/// DMA bursts (DMAR) are not modelled.
const REGISTERS: &[Reg] = &[
    Reg::new("CR1", CR1).rw(0x3ff),
    Reg::new("CR2", CR2).rw(0xf8),
    Reg::new("SMCR", SMCR).rw(0xfff7),
    Reg::new("DIER", DIER).rw(0x5f5f),
    Reg::new("SR", SR).w0c(SR_MASK),
    Reg::new("EGR", EGR),
    Reg::new("CCMR1", CCMR1).rw(0xffff),
    Reg::new("CCMR2", CCMR2).rw(0xffff),
    Reg::new("CCER", CCER).rw(0x3333),
    Reg::new("CNT", CNT).rw(0xffff),
    Reg::new("PSC", PSC).rw(0xffff),
    Reg::new("ARR", ARR).reset(ARR_RESET).rw(0xffff),
    Reg::new("CCR1", CCR1).rw(0xffff),
    Reg::new("CCR2", CCR2).rw(0xffff),
    Reg::new("CCR3", CCR3).rw(0xffff),
    Reg::new("CCR4", CCR4).rw(0xffff),
    Reg::new("DCR", 0x48).rw(0x1f1f),
    Reg::new("DMAR", 0x4c),
];

// CR1 bits.
const CR1_CEN: u32 = 1 << 0;
const CR1_UDIS: u32 = 1 << 1;
const CR1_URS: u32 = 1 << 2;
const CR1_OPM: u32 = 1 << 3;
const CR1_ARPE: u32 = 1 << 7;

// SR / DIER / EGR bits.
const SR_UIF: u32 = 1 << 0;
const SR_CC1IF: u32 = 1 << 1;
const SR_MASK: u32 = 0x1e5f;
const DIER_IRQ_MASK: u32 = 0x5f;
const EGR_UG: u32 = 1 << 0;
const EGR_TG: u32 = 1 << 6;

// CCMRx output-compare fields (per channel byte).
const OCPE: u32 = 1 << 3;
const OCM_SHIFT: u32 = 4;
const OCM_FROZEN: u32 = 0;
const OCM_ACTIVE_ON_MATCH: u32 = 1;
const OCM_INACTIVE_ON_MATCH: u32 = 2;
const OCM_TOGGLE: u32 = 3;
const OCM_FORCE_INACTIVE: u32 = 4;
const OCM_FORCE_ACTIVE: u32 = 5;
const OCM_PWM1: u32 = 6;
const OCM_PWM2: u32 = 7;

const ARR_RESET: u32 = 0xffff;
const DEFAULT_CLOCK_HZ: u64 = 24_000_000;

pub struct Tim {
    regs: RegisterFile,
    irq: IrqLine,
    clock_hz: u64,
    ticker: Ticker,
    consumed: u64,
    /// Active values of PSC, ARR and CCRx (the registers hold the preloads).
    psc_active: u32,
    arr_active: u32,
    ccr_active: [u32; 4],
    /// OCxREF of each channel and the pin levels last traced.
    oc_ref: [bool; 4],
    traced: [Option<bool>; 4],
}

impl Tim {
    /// Timer instance `name` (e.g. `TIM3`) on external interrupt `irq`.
    pub fn new(name: impl Into<String>, irq: Option<u32>) -> Self {
        Tim {
            regs: RegisterFile::new(name, 0x400, REGISTERS),
            irq: IrqLine::new(irq),
            clock_hz: DEFAULT_CLOCK_HZ,
            ticker: Ticker::new(DEFAULT_CLOCK_HZ, 1),
            consumed: 0,
            psc_active: 0,
            arr_active: ARR_RESET,
            ccr_active: [0; 4],
            oc_ref: [false; 4],
            traced: [None; 4],
        }
    }

    /// Sets the timer input clock frequency.
    pub fn with_clock_hz(mut self, hz: u64) -> Self {
        self.clock_hz = hz;
        self.ticker = Ticker::new(hz, 1);
        self
    }

    /// Channel `ch`'s CCMR byte (CCxS, OCxPE, OCxM).
    fn ccmr_of(&self, ch: usize) -> u32 {
        (self.regs.get(CCMR1 + 4 * (ch as u32 / 2)) >> ((ch % 2) * 8)) & 0xff
    }

    fn is_output(&self, ch: usize) -> bool {
        self.ccmr_of(ch) & 3 == 0
    }

    fn ocm(&self, ch: usize) -> u32 {
        (self.ccmr_of(ch) >> OCM_SHIFT) & 7
    }

    fn enabled_output(&self, ch: usize) -> bool {
        self.is_output(ch) && self.regs.get(CCER) & (1 << (4 * ch)) != 0
    }

    fn period(&self) -> u64 {
        self.arr_active as u64 + 1
    }

    /// Ticks until CNT next equals `target` (None: never within a period).
    fn distance(&self, target: u64) -> Option<u64> {
        let p = self.period();
        let cnt = self.cnt() as u64;
        (target < p).then(|| match (target + p - cnt % p) % p {
            0 => p,
            d => d,
        })
    }

    fn to_update(&self) -> u64 {
        // CNT above ARR (ARR lowered without preload) runs on to 0xFFFF.
        let cnt = self.cnt();
        if cnt > self.arr_active {
            0x1_0000 - cnt as u64
        } else {
            self.period() - cnt as u64
        }
    }

    fn cnt(&self) -> u32 {
        self.regs.get(CNT)
    }

    /// Ticks to the next update or compare match.
    fn ticks_to_event(&self) -> u64 {
        (0..4)
            .filter(|&ch| self.is_output(ch))
            .filter_map(|ch| self.distance(self.ccr_active[ch] as u64))
            .fold(self.to_update(), u64::min)
    }

    /// The update event: shadow registers load, UIF, one-pulse stop.
    fn update_event(&mut self, set_uif: bool, at: Nanos) {
        self.regs.set(CNT, 0);
        self.arr_active = self.regs.get(ARR);
        self.ccr_active = [CCR1, CCR2, CCR3, CCR4].map(|r| self.regs.get(r));
        let psc = self.regs.get(PSC);
        if self.psc_active != psc {
            self.psc_active = psc;
            self.ticker.set_rate(at, self.clock_hz, psc as u64 + 1);
            self.consumed = self.ticker.ticks(at);
        }
        let cr1 = self.regs.get(CR1);
        if set_uif && cr1 & CR1_UDIS == 0 {
            self.regs.set_bits(SR, SR_UIF, true);
        }
        if cr1 & CR1_OPM != 0 {
            self.regs.set_bits(CR1, CR1_CEN, false);
            self.ticker.stop(at);
        }
    }

    /// OCxREF after the counter moved to `cnt` (`matched`: CNT == CCRx).
    fn refresh_outputs(&mut self, matched: [bool; 4]) {
        let cnt = self.cnt();
        for (ch, hit) in matched.into_iter().enumerate() {
            if !self.is_output(ch) {
                continue;
            }
            let ccr = self.ccr_active[ch];
            self.oc_ref[ch] = match self.ocm(ch) {
                OCM_FROZEN => self.oc_ref[ch],
                OCM_ACTIVE_ON_MATCH => self.oc_ref[ch] || hit,
                OCM_INACTIVE_ON_MATCH => self.oc_ref[ch] && !hit,
                OCM_TOGGLE => self.oc_ref[ch] ^ hit,
                OCM_FORCE_INACTIVE => false,
                OCM_FORCE_ACTIVE => true,
                OCM_PWM1 => cnt < ccr,
                OCM_PWM2 => cnt >= ccr,
                _ => unreachable!("3-bit field"),
            };
        }
    }

    fn trace_outputs(&mut self, ctx: &mut Ctx) {
        for ch in 0..4 {
            let level = self
                .enabled_output(ch)
                .then(|| self.oc_ref[ch] ^ (self.regs.get(CCER) & (2 << (4 * ch)) != 0));
            if level != self.traced[ch] {
                self.traced[ch] = level;
                if let Some(high) = level {
                    let level = if high { Level::High } else { Level::Low };
                    let name = self.regs.name();
                    ctx.emit(
                        name,
                        EventKind::Gpio {
                            pin: format!("{name}.CH{}", ch + 1),
                            level,
                        },
                    );
                }
            }
        }
    }

    /// Applies the ticks counted up to `ctx.now`, event by event.
    fn sync(&mut self, ctx: &mut Ctx) {
        loop {
            let n = self.ticker.ticks(ctx.now).saturating_sub(self.consumed);
            if n == 0 || self.regs.get(CR1) & CR1_CEN == 0 {
                break;
            }
            let p = self.period();
            if n > 2 * p
                && self.cnt() <= self.arr_active
                && (0..4).all(|ch| !self.enabled_output(ch))
            {
                // Whole periods without observers: apply their flags at once.
                let skip = (n / p - 1) * p;
                self.consumed += skip;
                for ch in 0..4 {
                    if self.is_output(ch) && (self.ccr_active[ch] as u64) < p {
                        self.regs.set_bits(SR, SR_CC1IF << ch, true);
                    }
                }
                if self.regs.get(CR1) & CR1_UDIS == 0 {
                    self.regs.set_bits(SR, SR_UIF, true);
                }
                continue;
            }
            let step = self.ticks_to_event().min(n);
            self.consumed += step;
            let wraps = step == self.to_update();
            if wraps {
                let at = self.ticker.time_of(self.consumed).unwrap_or(ctx.now);
                self.update_event(true, at);
            } else {
                self.regs.set(CNT, self.cnt() + step as u32);
            }
            let mut matched = [false; 4];
            for (ch, m) in matched.iter_mut().enumerate() {
                if self.is_output(ch) && self.cnt() == self.ccr_active[ch] {
                    *m = true;
                    self.regs.set_bits(SR, SR_CC1IF << ch, true);
                }
            }
            self.refresh_outputs(matched);
            self.trace_outputs(ctx);
        }
    }

    fn update_irq(&mut self, ctx: &mut Ctx) {
        let level = self.regs.get(SR) & self.regs.get(DIER) & DIER_IRQ_MASK != 0;
        self.irq.set(level, ctx);
    }
}

impl RegisterBlock for Tim {
    crate::register_file_in!(regs);

    fn before_access(&mut self, ctx: &mut Ctx) {
        self.sync(ctx);
    }

    fn on_read(&mut self, _reg: u32, value: u32, ctx: &mut Ctx) -> u32 {
        self.update_irq(ctx);
        value
    }

    fn on_write(&mut self, w: Write, ctx: &mut Ctx) {
        match w.reg {
            CR1 => {
                match (w.old & CR1_CEN != 0, w.new & CR1_CEN != 0) {
                    (false, true) => {
                        self.ticker
                            .set_rate(ctx.now, self.clock_hz, self.psc_active as u64 + 1);
                        self.ticker.start(ctx.now);
                    }
                    (true, false) => self.ticker.stop(ctx.now),
                    _ => {}
                }
                self.consumed = self.ticker.ticks(ctx.now);
            }
            EGR => {
                if w.value & EGR_UG != 0 {
                    self.update_event(self.regs.get(CR1) & CR1_URS == 0, ctx.now);
                }
                self.regs.set_bits(SR, w.value & (0x1e | EGR_TG), true);
            }
            ARR if self.regs.get(CR1) & CR1_ARPE == 0 => self.arr_active = w.new,
            CCR1..=CCR4 => {
                let ch = ((w.reg - CCR1) / 4) as usize;
                if self.ccmr_of(ch) & OCPE == 0 {
                    self.ccr_active[ch] = w.new;
                }
            }
            _ => {}
        }
        if matches!(w.reg, CCMR1 | CCMR2 | CCER | CNT | CCR1..=CCR4 | EGR) {
            self.refresh_outputs([false; 4]);
        }
        self.trace_outputs(ctx);
        self.update_irq(ctx);
    }

    fn next_event(&self) -> Option<Nanos> {
        if self.regs.get(CR1) & CR1_CEN == 0 {
            return None;
        }
        let watched =
            self.regs.get(DIER) & DIER_IRQ_MASK != 0 || (0..4).any(|ch| self.enabled_output(ch));
        if !watched {
            return None;
        }
        self.ticker.time_of(self.consumed + self.ticks_to_event())
    }

    fn on_event(&mut self, ctx: &mut Ctx) {
        self.sync(ctx);
        self.update_irq(ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::link::tests::with_ctx;
    use crate::{Access, IrqLines, Peripheral};
    use gale_trace::Trace;

    const IRQ: u32 = 29;
    const US: Nanos = 1_000;

    /// Runs the model like the engine does: advance at every deadline up to `until`.
    fn run_until(t: &mut Tim, irqs: &mut IrqLines, trace: &mut Trace, until: Nanos) {
        while let Some(d) = t.next_deadline().filter(|d| *d <= until) {
            with_ctx(irqs, trace, d, |c| t.advance(c));
        }
    }

    #[test]
    fn update_interrupt_period_and_psc_preload() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut t = Tim::new("TIM2", Some(IRQ));
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            t.write(PSC, Access::Word, 23, c); // 1 MHz after the next update
            t.write(ARR, Access::Word, 999, c);
            t.write(EGR, Access::Word, EGR_UG, c);
            t.write(SR, Access::Word, 0, c);
            t.write(DIER, Access::Word, 1, c);
            t.write(CR1, Access::Word, CR1_CEN, c);
        });
        assert_eq!(t.next_deadline(), Some(1_000 * US));
        with_ctx(&mut irqs, &mut trace, 400 * US, |c| {
            assert_eq!(t.read(CNT, Access::Word, c), 400)
        });
        with_ctx(&mut irqs, &mut trace, 1_000 * US, |c| t.advance(c));
        assert_eq!(irqs.drain().collect::<Vec<_>>(), vec![(IRQ, true)]);
        with_ctx(&mut irqs, &mut trace, 1_000 * US, |c| {
            assert_eq!(t.read(SR, Access::Word, c) & SR_UIF, SR_UIF);
            t.write(SR, Access::Word, !SR_UIF, c);
            // New prescaler only from the next update on.
            t.write(PSC, Access::Word, 47, c);
        });
        assert_eq!(t.next_deadline(), Some(2_000 * US));
        with_ctx(&mut irqs, &mut trace, 2_000 * US, |c| t.advance(c));
        assert_eq!(t.next_deadline(), Some(4_000 * US));
    }

    #[test]
    fn pwm_mode_1_edges_are_traced() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut t = Tim::new("TIM3", None).with_clock_hz(1_000_000);
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            t.write(ARR, Access::Word, 99, c); // 100 us period
            t.write(CCR1, Access::Word, 25, c); // 25 % duty
            t.write(CCMR1, Access::Word, OCM_PWM1 << OCM_SHIFT | OCPE, c);
            t.write(CCER, Access::Word, 1, c);
            t.write(CR1, Access::Word, CR1_CEN, c);
        });
        run_until(&mut t, &mut irqs, &mut trace, 250 * US);
        let edges: Vec<(Nanos, Level)> = trace
            .events()
            .iter()
            .map(|e| match &e.kind {
                EventKind::Gpio { pin, level } if pin == "TIM3.CH1" => (e.t, *level),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            edges,
            vec![
                (0, Level::High),
                (25 * US, Level::Low),
                (100 * US, Level::High),
                (125 * US, Level::Low),
                (200 * US, Level::High),
                (225 * US, Level::Low),
            ]
        );
    }

    #[test]
    fn one_pulse_stops_and_compare_flags() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut t = Tim::new("TIM4", None).with_clock_hz(1_000_000);
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            t.write(ARR, Access::Word, 9, c);
            for ch in [0, 2, 3] {
                t.write(CCR1 + 4 * ch, Access::Word, 100, c); // beyond ARR: never matches
            }
            t.write(CCR1 + 4, Access::Word, 5, c);
            t.write(CR1, Access::Word, CR1_CEN | CR1_OPM, c);
        });
        with_ctx(&mut irqs, &mut trace, 1_000 * US, |c| {
            assert_eq!(t.read(CR1, Access::Word, c) & CR1_CEN, 0);
            assert_eq!(t.read(CNT, Access::Word, c), 0);
            assert_eq!(t.read(SR, Access::Word, c), SR_UIF | SR_CC1IF << 1);
        });
    }

    #[test]
    fn long_idle_skips_periods_but_keeps_phase() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut t = Tim::new("TIM2", None);
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            t.write(ARR, Access::Word, 23, c); // 1 us period at 24 MHz
            t.write(CR1, Access::Word, CR1_CEN, c);
        });
        with_ctx(&mut irqs, &mut trace, 10_000_000_000 + 500, |c| {
            assert_eq!(t.read(CNT, Access::Word, c), 12);
            assert_eq!(t.read(SR, Access::Word, c) & SR_UIF, SR_UIF);
        });
    }
}
