//! General-purpose timer TIM3 as a PWM output (RM0041 §14): channel 1 in
//! PWM mode 1 on PA6, 1 µs resolution.

use crate::gpio::{configure_output, OutputKind, Speed};
use crate::pac;

const CCMR1_OC1M_PWM1: u32 = 0b110 << 4;
const CCMR1_OC1PE: u32 = 1 << 3;
const CCER_CC1E: u32 = 1;
const CR1_CEN: u32 = 1;
const CR1_ARPE: u32 = 1 << 7;
const EGR_UG: u32 = 1;

/// TIM3 channel 1 PWM on PA6.
pub struct Pwm3 {
    regs: pac::TIM3,
}

impl Pwm3 {
    /// Clocks on (TIM3 on APB1, GPIOA on APB2), PA6 alternate-function
    /// push-pull, counter at 1 MHz from `timer_clk_hz`, period
    /// `period_us`, initial pulse `pulse_us`, running.
    pub fn new(regs: pac::TIM3, rcc: &pac::RCC, gpioa: &pac::GPIOA, timer_clk_hz: u32, period_us: u16, pulse_us: u16) -> Self {
        rcc.apb1enr().modify(|_, w| w.tim3en().set_bit());
        rcc.apb2enr().modify(|_, w| w.iopaen().set_bit());
        configure_output(gpioa, 6, OutputKind::AltPushPull, Speed::Mhz2);
        // SAFETY (all `bits` writes): values within the fields' ranges.
        regs.psc().write(|w| unsafe { w.bits(timer_clk_hz / 1_000_000 - 1) });
        regs.arr().write(|w| unsafe { w.bits(period_us as u32 - 1) });
        regs.ccr1().write(|w| unsafe { w.bits(pulse_us as u32) });
        regs.ccmr1_output().write(|w| unsafe { w.bits(CCMR1_OC1M_PWM1 | CCMR1_OC1PE) });
        regs.ccer().write(|w| unsafe { w.bits(CCER_CC1E) });
        regs.egr().write(|w| unsafe { w.bits(EGR_UG) });
        regs.cr1().write(|w| unsafe { w.bits(CR1_ARPE | CR1_CEN) });
        Pwm3 { regs }
    }

    /// New pulse width, taking effect at the next period (preloaded).
    pub fn set_pulse_us(&mut self, pulse_us: u16) {
        self.regs.ccr1().write(|w| unsafe { w.bits(pulse_us as u32) });
    }
}
