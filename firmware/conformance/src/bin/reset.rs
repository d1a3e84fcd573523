//! AIRCR.SYSRESETREQ: the core restarts from the reset vector with RAM
//! kept; a counter in `.uninit` survives and counts the boots.
#![no_std]
#![no_main]

use core::mem::MaybeUninit;
use core::ptr::{addr_of_mut, read_volatile, write_volatile};
use cortex_m_rt::entry;
use gale_conformance::reg::{self, AIRCR, VTOR};
use gale_conformance::{check, finish, hprintln, ipsr};

const MAGIC: u32 = 0xc0ff_ee00;

#[link_section = ".uninit.boots"]
static mut BOOTS: MaybeUninit<[u32; 2]> = MaybeUninit::uninit();

#[entry]
fn main() -> ! {
    let boots = unsafe {
        let p = addr_of_mut!(BOOTS) as *mut u32;
        if read_volatile(p) != MAGIC {
            write_volatile(p, MAGIC);
            write_volatile(p.add(1), 0);
        }
        let n = read_volatile(p.add(1)) + 1;
        write_volatile(p.add(1), n);
        n
    };
    hprintln!("boot {}", boots);
    check("thread mode after reset", ipsr() == 0);
    check("VTOR at the vector table", reg::read(VTOR) == 0);
    if boots < 3 {
        reg::write(AIRCR, 0x05fa_0004);
        loop {
            cortex_m::asm::dsb();
        }
    }
    finish()
}
