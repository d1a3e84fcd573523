//! WFI with a pending but masked interrupt: PRIMASK is set and SysTick
//! (1 kHz) is pending, so every WFI returns at once (the interrupt would
//! preempt if PRIMASK were clear). The loop counts SysTick wraps through
//! COUNTFLAG for one second, then unmasks and takes the interrupt.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m_rt::{entry, exception};
use gale_conformance::reg::{self, ICSR, SYST_CSR, SYST_CVR, SYST_RVR};
use gale_conformance::{check, finish, hprintln};

const WRAPS: u32 = 1000;
const COUNTFLAG: u32 = 1 << 16;
const PENDSTSET: u32 = 1 << 26;
static TAKEN: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    TAKEN.fetch_add(1, Ordering::Relaxed);
}

#[entry]
fn main() -> ! {
    hprintln!("wfi with a masked pending interrupt");
    cortex_m::interrupt::disable();
    reg::write(SYST_RVR, 25_000 - 1);
    reg::write(SYST_CVR, 0);
    reg::write(SYST_CSR, 0b111);
    let mut wraps = 0;
    let mut wfis = 0u32;
    while wraps < WRAPS {
        cortex_m::asm::wfi();
        wfis += 1;
        if reg::read(SYST_CSR) & COUNTFLAG != 0 {
            wraps += 1;
        }
    }
    let pending = reg::read(ICSR) & PENDSTSET != 0;
    check("systick pending while masked", pending && TAKEN.load(Ordering::Relaxed) == 0);
    check("wfi returned at least once per wrap", wfis >= WRAPS);
    unsafe { cortex_m::interrupt::enable() };
    reg::write(SYST_CSR, 0);
    check("taken once unmasked", TAKEN.load(Ordering::Relaxed) == 1);
    hprintln!("{} wraps", wraps);
    finish()
}
