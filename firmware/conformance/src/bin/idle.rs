//! Benchmark workload: an idle node. SysTick at 1 kHz wakes a WFI loop that
//! does a little work per tick, for 10 seconds of device time.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m_rt::{entry, exception};
use gale_conformance::reg::{self, SYST_CSR, SYST_CVR, SYST_RVR};
use gale_conformance::{exit, hprintln};

const SECONDS: u32 = 10;
static TICKS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    TICKS.fetch_add(1, Ordering::Relaxed);
}

#[entry]
fn main() -> ! {
    hprintln!("idle workload");
    reg::write(SYST_RVR, 25_000 - 1);
    reg::write(SYST_CVR, 0);
    reg::write(SYST_CSR, 0b111);
    let mut work = 0u32;
    while TICKS.load(Ordering::Relaxed) < SECONDS * 1000 {
        cortex_m::asm::wfi();
        work = work.wrapping_mul(31).wrapping_add(TICKS.load(Ordering::Relaxed));
    }
    reg::write(SYST_CSR, 0);
    hprintln!("idle done {:#x}", work);
    exit(true)
}
