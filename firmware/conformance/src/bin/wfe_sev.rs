//! WFE and SEV: the event register (ARMv7-M B1.5.18). SEV sets it and a
//! WFE then returns at once; exception return sets it; WFE sleeps until
//! SysTick; with SCR.SEVONPEND a SysTick that PRIMASK masks still wakes WFE
//! by becoming pending.
//!
//! QEMU treats WFE as a yield (it never sleeps), so every check here holds
//! whether WFE slept or not: a WFE that should return at once is placed
//! where nothing could wake it (the engine would run into the test's time
//! limit), and the engine test checks separately that the sleeps skipped
//! virtual time instead of executing instructions.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m::asm::{sev, wfe};
use cortex_m_rt::{entry, exception};
use gale_conformance::reg::{self, ICSR, SCR, SYST_CSR, SYST_CVR, SYST_RVR};
use gale_conformance::{barrier, check, finish, hprintln};

static TICKS: AtomicU32 = AtomicU32::new(0);

const PENDSTSET: u32 = 1 << 26;
const SEVONPEND: u32 = 1 << 4;

#[exception]
fn SysTick() {
    TICKS.fetch_add(1, Ordering::Relaxed);
}

fn ticks() -> u32 {
    TICKS.load(Ordering::Relaxed)
}

/// SysTick on the core clock every 10 ms at 25 MHz, interrupt on.
fn systick_start() {
    reg::write(SYST_RVR, 250_000 - 1);
    reg::write(SYST_CVR, 0);
    reg::write(SYST_CSR, 0b111);
}

#[entry]
fn main() -> ! {
    hprintln!("wfe + sev conformance");

    // SysTick off, no interrupt enabled: only the event register can end
    // this WFE.
    sev();
    wfe();
    check("sev then wfe returns at once", ticks() == 0);

    // The event register is clear: WFE sleeps until the SysTick interrupt
    // (whose entry and return set the event register again).
    systick_start();
    sev();
    wfe();
    let mut wakeups = 0;
    while ticks() == 0 {
        wfe();
        wakeups += 1;
    }
    reg::write(SYST_CSR, 0);
    check("wfe slept until the systick interrupt", ticks() == 1 && wakeups >= 1);

    // SysTick is off again: the exception return above left the event
    // register set, so this WFE returns at once.
    wfe();
    check("wfe after an exception return returns at once", ticks() == 1);

    // PRIMASK masks SysTick; with SEVONPEND, SysTick becoming pending is
    // an event that ends the WFE.
    cortex_m::interrupt::disable();
    reg::write(SCR, SEVONPEND);
    check("scr.sevonpend reads back", reg::read(SCR) & SEVONPEND != 0);
    sev();
    wfe();
    systick_start();
    while reg::read(ICSR) & PENDSTSET == 0 {
        wfe();
    }
    reg::write(SYST_CSR, 0);
    check("sevonpend: masked systick pending, not taken", ticks() == 1);
    reg::write(SCR, 0);
    unsafe { cortex_m::interrupt::enable() };
    barrier();
    check("taken once unmasked", ticks() == 2);
    finish()
}
