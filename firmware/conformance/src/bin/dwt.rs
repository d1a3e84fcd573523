//! DWT cycle counting (engine only: QEMU does not model the DWT): CYCCNT
//! counts while DEMCR.TRCENA and CYCCNTENA are set, is writable, and stops
//! when disabled.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use gale_conformance::reg::{self, DEMCR, DWT_CTRL, DWT_CYCCNT};
use gale_conformance::{check, finish, hprintln};

#[inline(never)]
fn spin(n: u32) {
    for _ in 0..n {
        cortex_m::asm::nop();
    }
}

#[entry]
fn main() -> ! {
    hprintln!("dwt cycle counter conformance");
    reg::write(DWT_CTRL, 1);
    let a = reg::read(DWT_CYCCNT);
    spin(100);
    check("stopped while DEMCR.TRCENA is clear", reg::read(DWT_CYCCNT) == a);
    reg::write(DEMCR, 1 << 24);
    reg::write(DWT_CYCCNT, 0);
    let a = reg::read(DWT_CYCCNT);
    spin(1000);
    let b = reg::read(DWT_CYCCNT);
    let d = b.wrapping_sub(a);
    check("1000 loop iterations take 2000..20000 cycles", (2000..20_000).contains(&d));
    spin(1000);
    let c = reg::read(DWT_CYCCNT);
    check("counting is linear", c.wrapping_sub(b).abs_diff(d) < d / 10 + 8);
    reg::write(DWT_CTRL, 0);
    let e = reg::read(DWT_CYCCNT);
    spin(100);
    check("stopped when CYCCNTENA is clear", reg::read(DWT_CYCCNT) == e);
    finish()
}
