//! Engine-only: unbounded recursion runs the main stack off the bottom of
//! SRAM into unmapped memory. The push faults (BusFault, escalated), the
//! HardFault's own stacking fails too: the core locks up and the engine
//! reports it.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use gale_conformance::hprintln;

#[inline(never)]
fn recurse(n: u32) -> u32 {
    let buf = core::hint::black_box([n; 64]);
    if core::hint::black_box(n) == u32::MAX {
        return 0;
    }
    buf[(n % 64) as usize].wrapping_add(recurse(n + 1))
}

#[entry]
fn main() -> ! {
    hprintln!("recursing");
    let r = recurse(0);
    hprintln!("not reached {}", r);
    gale_conformance::exit(true)
}
