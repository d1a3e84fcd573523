//! SysTick on the core clock, waited for with WFI; COUNTFLAG; pending
//! SysTick by hand through ICSR while PRIMASK masks it.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m_rt::{entry, exception};
use gale_conformance::reg::{self, ICSR, SYST_CSR, SYST_CVR, SYST_RVR};
use gale_conformance::{barrier, check, finish, hprintln, ipsr};

static TICKS: AtomicU32 = AtomicU32::new(0);
static IPSR_SEEN: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    IPSR_SEEN.store(ipsr(), Ordering::Relaxed);
    TICKS.fetch_add(1, Ordering::Relaxed);
}

#[entry]
fn main() -> ! {
    hprintln!("systick + wfi conformance");
    // 1 ms at 25 MHz, core clock, interrupt on.
    reg::write(SYST_RVR, 25_000 - 1);
    reg::write(SYST_CVR, 0);
    check("reload reads back", reg::read(SYST_RVR) == 24_999);
    reg::write(SYST_CSR, 0b111);
    let mut wakeups = 0;
    while TICKS.load(Ordering::Relaxed) < 5 {
        cortex_m::asm::wfi();
        wakeups += 1;
    }
    check("five ticks taken while sleeping in wfi", TICKS.load(Ordering::Relaxed) >= 5 && wakeups >= 5);
    check("handler ran as exception 15", IPSR_SEEN.load(Ordering::Relaxed) == 15);
    let v = reg::read(SYST_CVR);
    check("current value within reload", v <= 24_999);
    // COUNTFLAG: set by a wrap, cleared by reading CSR.
    while reg::read(SYST_CSR) & (1 << 16) == 0 {}
    check("countflag clears on read", reg::read(SYST_CSR) & (1 << 16) == 0);
    reg::write(SYST_CSR, 0);

    // Pend SysTick by hand with interrupts masked, then unmask.
    let before = TICKS.load(Ordering::Relaxed);
    cortex_m::interrupt::disable();
    reg::write(ICSR, 1 << 26);
    barrier();
    check("pendstset shows pending", reg::read(ICSR) & (1 << 26) != 0);
    check("masked: not taken", TICKS.load(Ordering::Relaxed) == before);
    reg::write(ICSR, 1 << 25);
    check("pendstclr clears it", reg::read(ICSR) & (1 << 26) == 0);
    reg::write(ICSR, 1 << 26);
    unsafe { cortex_m::interrupt::enable() };
    barrier();
    check("taken once unmasked", TICKS.load(Ordering::Relaxed) == before + 1);
    finish()
}
