//! CCR.DIV_0_TRP: with the trap off, UDIV/SDIV by zero give 0; with it on,
//! they raise UsageFault DIVBYZERO with the stacked PC at the division,
//! and a division by a non-zero divisor still just divides.
#![no_std]
#![no_main]

use core::arch::{asm, naked_asm};
use core::ptr::addr_of_mut;
use cortex_m_rt::entry;
use gale_conformance::reg::{self, CCR, CFSR, SHCSR};
use gale_conformance::{check, finish, hprintln};

const DIV_0_TRP: u32 = 1 << 4;
const DIVBYZERO: u32 = 1 << 25;

#[derive(Clone, Copy)]
struct Seen {
    exc: u32,
    cfsr: u32,
    pc: u32,
}

static mut SEEN: Seen = Seen { exc: 0, cfsr: 0, pc: 0 };

#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn UsageFault() {
    naked_asm!(
        "tst lr, #4",
        "ite eq",
        "mrseq r0, msp",
        "mrsne r0, psp",
        "movs r1, #6",
        "b {h}",
        h = sym on_fault,
    )
}

extern "C" fn on_fault(frame: *mut u32, exc: u32) {
    unsafe {
        let s = &mut *addr_of_mut!(SEEN);
        s.exc = exc;
        s.cfsr = reg::read(CFSR);
        s.pc = *frame.add(6);
        reg::write(CFSR, s.cfsr);
        // Skip the 32-bit division; its result register reads 0xdead.
        *frame.add(6) += 4;
        *frame.add(0) = 0xdead;
    }
}

/// `r0 / r1` unsigned, the result in r0 (the division is the first instruction).
#[unsafe(naked)]
unsafe extern "C" fn udiv(_a: u32, _b: u32) -> u32 {
    naked_asm!("udiv r0, r0, r1", "bx lr")
}

#[unsafe(naked)]
unsafe extern "C" fn sdiv(_a: i32, _b: i32) -> i32 {
    naked_asm!("sdiv r0, r0, r1", "bx lr")
}

fn take() -> Seen {
    unsafe {
        let s = *addr_of_mut!(SEEN);
        *addr_of_mut!(SEEN) = Seen { exc: 0, cfsr: 0, pc: 0 };
        s
    }
}

fn black_box(v: u32) -> u32 {
    let r;
    unsafe { asm!("mov {r}, {v}", r = out(reg) r, v = in(reg) v) };
    r
}

#[entry]
fn main() -> ! {
    hprintln!("divide-by-zero trap");
    reg::write(SHCSR, 0b111 << 16);
    let zero = black_box(0);

    let q = unsafe { udiv(7, zero) };
    let s = take();
    hprintln!("trap off: udiv 7/0 = {} exception {}", q, s.exc);
    check("trap off: udiv by zero is 0, no fault", q == 0 && s.exc == 0);

    reg::write(CCR, reg::read(CCR) | DIV_0_TRP);
    let q = unsafe { udiv(7, zero) };
    let s = take();
    hprintln!("trap on: udiv 7/0 -> exception {} cfsr={:#010x} r0={:#x}", s.exc, s.cfsr, q);
    check("udiv by zero: UsageFault DIVBYZERO", s.exc == 6 && s.cfsr == DIVBYZERO && q == 0xdead);
    check("stacked pc is the udiv", s.pc == udiv as *const () as u32 & !1);

    let q = unsafe { sdiv(-9, zero as i32) };
    let s = take();
    hprintln!("trap on: sdiv -9/0 -> exception {} cfsr={:#010x}", s.exc, s.cfsr);
    check("sdiv by zero: UsageFault DIVBYZERO", s.exc == 6 && s.cfsr == DIVBYZERO && q == 0xdead);

    let q = unsafe { sdiv(-9, black_box(2) as i32) };
    let s = take();
    check("trap on: sdiv -9/2 = -4, no fault", q == -4 && s.exc == 0);

    reg::write(CCR, reg::read(CCR) & !DIV_0_TRP);
    let q = unsafe { udiv(7, zero) };
    let s = take();
    check("trap off again: udiv by zero is 0", q == 0 && s.exc == 0);
    finish()
}
