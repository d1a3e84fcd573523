//! Cortex-M glue (M3, M4, M7): the SysTick registers behind
//! [`SysTickRegs`], BASEPRI behind [`PriorityMask`], and the wait/signal
//! hooks of the thread executor.

use cortex_m::peripheral::{SCB, SYST};

use crate::sync::ceiling::PriorityMask;
use crate::systick::SysTickRegs;

const ICSR_PENDSTSET: u32 = 1 << 26;
const ICSR_PENDSTCLR: u32 = 1 << 25;
const CSR_ENABLE_TICKINT_CORE_CLOCK: u32 = 0b111;

/// The core's SysTick.
pub struct SysTickHw;

impl SysTickRegs for SysTickHw {
    fn val(&self) -> u32 {
        // SAFETY: read of a status register.
        unsafe { (*SYST::PTR).cvr.read() }
    }
    fn pending(&self) -> bool {
        // SAFETY: read of a status register.
        unsafe { (*SCB::PTR).icsr.read() & ICSR_PENDSTSET != 0 }
    }
    fn clear_pending(&self) {
        // SAFETY: ICSR write-1 bit; other written zeros have no effect.
        unsafe { (*SCB::PTR).icsr.write(ICSR_PENDSTCLR) }
    }
    fn restart(&self, reload: u32) {
        // SAFETY: the SysTick belongs to the alarm (boards do not use it otherwise).
        unsafe {
            (*SYST::PTR).rvr.write(reload & 0x00FF_FFFF);
            (*SYST::PTR).cvr.write(0);
        }
    }
}

/// Starts SysTick on the core clock with its interrupt enabled.
pub fn enable_systick() {
    // SAFETY: as above.
    unsafe { (*SYST::PTR).csr.write(CSR_ENABLE_TICKINT_CORE_CLOCK) }
}

/// BASEPRI as the priority mask of ceiling mutexes. Ceilings are raw
/// priority bytes (lower is more urgent, 0 masks nothing).
pub struct Basepri;

impl PriorityMask for Basepri {
    fn raise(&self, ceiling: u8) -> u8 {
        let previous = cortex_m::register::basepri::read();
        // basepri_max only ever raises the priority.
        cortex_m::register::basepri_max::write(ceiling);
        previous
    }
    fn restore(&self, previous: u8) {
        // SAFETY: restores the value read by `raise` on the same context.
        unsafe { cortex_m::register::basepri::write(previous) }
    }
}

/// Thread executor signal: SEV (wakes a WFE; WFI is ended by the interrupt
/// that woke the task anyway).
pub fn sev() {
    cortex_m::asm::sev();
}

/// Thread executor idle: WFI.
pub fn wfi() {
    cortex_m::asm::wfi();
}
