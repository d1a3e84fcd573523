//! Engine-only: a semihosting call outside the sandbox (SYS_CLOCK).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use gale_conformance::hprintln;

#[entry]
fn main() -> ! {
    hprintln!("asking for the host clock");
    let t = unsafe { cortex_m_semihosting::syscall!(CLOCK) };
    hprintln!("clock {}", t);
    gale_conformance::exit(true)
}
