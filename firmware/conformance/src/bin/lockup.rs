//! Engine-only: a HardFault handler that itself faults: lockup.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use gale_conformance::hprintln;

#[no_mangle]
pub unsafe extern "C" fn HardFault() {
    // Fault again while in HardFault (priority -1): the core locks up.
    unsafe { core::ptr::read_volatile(0x3000_0000 as *const u32) };
}

#[entry]
fn main() -> ! {
    hprintln!("about to lock up");
    unsafe { core::ptr::read_volatile(0x3000_0010 as *const u32) };
    gale_conformance::exit(true)
}
