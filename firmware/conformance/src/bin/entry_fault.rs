//! Engine-only: a fault whose own exception entry fails. VTOR points at
//! unmapped memory, then a load from unmapped memory raises a BusFault; the
//! BusFault's vector cannot be fetched, so the run ends with a report that
//! must name both the vector fetch and the original bus fault.
#![no_std]
#![no_main]

use core::arch::naked_asm;
use cortex_m_rt::entry;
use gale_conformance::hprintln;
use gale_conformance::reg::{self, SHCSR, VTOR};

/// Unmapped in the engine's MPS2 map.
const BAD_VTOR: u32 = 0x3000_0000;
const BAD_LOAD: u32 = 0x3000_0040;

#[unsafe(naked)]
unsafe extern "C" fn load(_addr: u32) -> u32 {
    naked_asm!("ldr r0, [r0]", "bx lr")
}

#[entry]
fn main() -> ! {
    hprintln!("fault during exception entry");
    reg::write(SHCSR, 0b111 << 16);
    reg::write(VTOR, BAD_VTOR);
    let v = unsafe { load(BAD_LOAD) };
    hprintln!("not reached: {}", v);
    gale_conformance::exit(false)
}
