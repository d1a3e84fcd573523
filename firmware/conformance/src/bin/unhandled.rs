//! Engine-only: a store to unmapped memory with no fault handler installed
//! (cortex-m-rt's default HardFault). The engine must end the run with a
//! report naming the function, the address and the escalation.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use gale_conformance::hprintln;

#[inline(never)]
#[no_mangle]
fn poke_unmapped(addr: u32) {
    unsafe { core::ptr::write_volatile(addr as *mut u32, 0xdead_beef) };
}

#[entry]
fn main() -> ! {
    hprintln!("about to fault");
    poke_unmapped(0x3000_1234);
    hprintln!("not reached");
    gale_conformance::exit(true)
}
