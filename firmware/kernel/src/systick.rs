//! Tickless time base on the Cortex-M SysTick: one [`Alarm`] for the timer
//! queue on every core of the project (M3, M4, M7), with no vendor timer.
//!
//! The 24-bit down-counter is restarted with a reload equal to the time left
//! until the earliest deadline, so an idle system takes one interrupt per
//! deadline, plus one per 2^24 cycles when no deadline is nearer (the
//! counter's range; 0.35 s at 48 MHz, 28 ms at 600 MHz) to keep the 64-bit
//! time. Time is counted in SysTick clock cycles.
//!
//! Accounting: `base` is the time when the current period started and
//! `period` its length; `now = base + (period - VAL)`, plus one `period` if the
//! counter wrapped and its interrupt has not run yet (SCB ICSR.PENDSTSET).
//! Reprogramming folds the elapsed time into `base` and restarts the counter;
//! the cycles between reading VAL and the restart (a few instructions) are
//! not counted, so time lags real cycles by that much per reprogramming.

use core::cell::Cell;

use critical_section::Mutex;

use crate::time::Alarm;

/// Largest period: the 24-bit reload range.
pub const MAX_PERIOD: u64 = 1 << 24;
/// Smallest period, so an alarm in the past still fires after the restart.
pub const MIN_PERIOD: u64 = 64;

/// The SysTick and SCB bits the alarm needs.
pub trait SysTickRegs: Sync {
    /// SYST_CVR: the current counter value.
    fn val(&self) -> u32;
    /// ICSR.PENDSTSET: a wrap's interrupt is pending.
    fn pending(&self) -> bool;
    /// ICSR.PENDSTCLR.
    fn clear_pending(&self);
    /// SYST_RVR = `reload`, then a write to SYST_CVR, which clears it so the
    /// counter restarts from `reload` at the next clock.
    fn restart(&self, reload: u32);
}

/// SysTick-based alarm.
pub struct SysTickAlarm<R> {
    regs: R,
    /// (base, period)
    state: Mutex<Cell<(u64, u64)>>,
}

impl<R: SysTickRegs> SysTickAlarm<R> {
    pub const fn new(regs: R) -> Self {
        SysTickAlarm { regs, state: Mutex::new(Cell::new((0, MAX_PERIOD))) }
    }

    /// Starts counting from zero with the longest period. Call once, with
    /// the SysTick interrupt enabled (CSR = ENABLE | TICKINT | CLKSOURCE).
    pub fn start(&self) {
        critical_section::with(|cs| {
            self.regs.restart((MAX_PERIOD - 1) as u32);
            self.regs.clear_pending();
            self.state.borrow(cs).set((0, MAX_PERIOD));
        })
    }

    fn elapsed_in_period(period: u64, val: u32) -> u64 {
        if val == 0 {
            0
        } else {
            period.saturating_sub(val as u64)
        }
    }

    fn now_in(&self, cs: critical_section::CriticalSection<'_>) -> u64 {
        let (base, period) = self.state.borrow(cs).get();
        let v1 = self.regs.val();
        let wrapped = self.regs.pending();
        let v2 = self.regs.val();
        if wrapped || v2 > v1 {
            base + period + Self::elapsed_in_period(period, v2)
        } else {
            base + Self::elapsed_in_period(period, v1)
        }
    }

    /// SysTick exception handler: accounts for the completed period. The
    /// board's handler calls this, then [`TimerQueue::on_alarm`](crate::time::TimerQueue::on_alarm).
    pub fn on_wrap(&self) {
        critical_section::with(|cs| {
            let cell = self.state.borrow(cs);
            let (base, period) = cell.get();
            cell.set((base + period, period));
        })
    }
}

impl<R: SysTickRegs> Alarm for SysTickAlarm<R> {
    fn now(&self) -> u64 {
        critical_section::with(|cs| self.now_in(cs))
    }

    fn set_alarm(&self, at: Option<u64>) {
        critical_section::with(|cs| {
            let t = self.now_in(cs);
            let period = match at {
                Some(at) => at.saturating_sub(t).clamp(MIN_PERIOD, MAX_PERIOD),
                None => MAX_PERIOD,
            };
            self.regs.restart((period - 1) as u32);
            self.regs.clear_pending();
            self.state.borrow(cs).set((t, period));
        })
    }
}

#[cfg(test)]
mod tests;
