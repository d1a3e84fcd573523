//! Engine-only (on QEMU's MPS2 all of this is RAM): with the code memory
//! read-only and SRAM non-executable, a store to code is a precise bus
//! fault and a jump into SRAM a MemManage instruction access violation.
#![no_std]
#![no_main]

use core::arch::naked_asm;
use core::ptr::addr_of_mut;
use cortex_m_rt::entry;
use gale_conformance::reg::{self, BFAR, CFSR, SHCSR};
use gale_conformance::{check, finish, hprintln};

static mut SEEN: [u32; 4] = [0; 4];
/// A Thumb `bx lr` to jump to in (non-executable) SRAM.
static mut RAM_CODE: [u16; 2] = [0x4770, 0x4770];

#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn BusFault() {
    naked_asm!("mrs r0, msp", "movs r1, #5", "b {h}", h = sym on_fault)
}

#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn MemoryManagement() {
    naked_asm!("mrs r0, msp", "movs r1, #4", "b {h}", h = sym on_fault)
}

extern "C" fn on_fault(frame: *mut u32, exc: u32) {
    unsafe {
        let s = &mut *addr_of_mut!(SEEN);
        s[0] = exc;
        s[1] = reg::read(CFSR);
        s[2] = reg::read(BFAR);
        s[3] = *frame.add(6);
        reg::write(CFSR, s[1]);
        if exc == 4 {
            // Fetch fault: return to the caller.
            *frame.add(6) = *frame.add(5) & !1;
        } else {
            *frame.add(6) += 2;
        }
    }
}

#[unsafe(naked)]
unsafe extern "C" fn store(_addr: u32) {
    naked_asm!("str r0, [r0]", "bx lr")
}

fn take() -> [u32; 4] {
    unsafe { core::mem::replace(&mut *addr_of_mut!(SEEN), [0; 4]) }
}

#[entry]
fn main() -> ! {
    hprintln!("memory protection");
    reg::write(SHCSR, 0b011 << 16);
    unsafe { store(0x100) };
    let s = take();
    hprintln!("store to code: exception {} cfsr={:#010x} bfar={:#x}", s[0], s[1], s[2]);
    check("bus fault on a store to read-only memory", s[0] == 5 && s[1] == 0x8200 && s[2] == 0x100);
    unsafe { store(0x104) };
    let s = take();
    check("and again on the next store to the same page", s[0] == 5 && s[2] == 0x104);
    check("read-only memory unchanged", unsafe { core::ptr::read_volatile(0x104 as *const u32) } != 0x104);
    let f: extern "C" fn() = unsafe { core::mem::transmute((addr_of_mut!(RAM_CODE) as usize) | 1) };
    f();
    let s = take();
    hprintln!("jump to sram: exception {} cfsr={:#010x} pc={:#x}", s[0], s[1], s[3]);
    check("MemManage IACCVIOL on a fetch from non-executable memory", s[0] == 4 && s[1] & 1 == 1 && s[3] == addr_of_mut!(RAM_CODE) as u32);
    finish()
}
