//! Deliberate faults with the status registers checked: a precise bus fault
//! on a load and a store, an undefined instruction, an interworking branch
//! to ARM state (INVSTATE), and a bus fault escalated to HardFault while
//! BusFault is disabled. Each handler records the state and skips the
//! faulting instruction.
#![no_std]
#![no_main]

use core::arch::naked_asm;
use core::ptr::addr_of_mut;
use cortex_m_rt::entry;
use gale_conformance::reg::{self, BFAR, CFSR, HFSR, SHCSR};
use gale_conformance::{check, finish, hprintln};

/// Unmapped on every MPS2 board (and in the engine's MPS2 map).
const BAD: u32 = 0x3000_0040;

#[derive(Clone, Copy)]
struct Seen {
    exc: u32,
    cfsr: u32,
    hfsr: u32,
    bfar: u32,
    pc: u32,
}

static mut SEEN: Seen = Seen { exc: 0, cfsr: 0, hfsr: 0, bfar: 0, pc: 0 };

macro_rules! trampoline {
    ($name:ident, $exc:expr) => {
        #[unsafe(naked)]
        #[no_mangle]
        pub unsafe extern "C" fn $name() {
            naked_asm!(
                "tst lr, #4",
                "ite eq",
                "mrseq r0, msp",
                "mrsne r0, psp",
                "movs r1, #{exc}",
                "b {h}",
                exc = const $exc,
                h = sym on_fault,
            )
        }
    };
}

trampoline!(BusFault, 5);
trampoline!(UsageFault, 6);
trampoline!(HardFault, 3);

extern "C" fn on_fault(frame: *mut u32, exc: u32) {
    unsafe {
        let s = &mut *addr_of_mut!(SEEN);
        s.exc = exc;
        s.cfsr = reg::read(CFSR);
        s.hfsr = reg::read(HFSR);
        s.bfar = reg::read(BFAR);
        s.pc = *frame.add(6);
        // Clear the status (write-one-to-clear).
        reg::write(CFSR, s.cfsr);
        reg::write(HFSR, s.hfsr);
        if s.cfsr & (1 << 17) != 0 {
            // INVSTATE: resume at the caller with the Thumb bit set.
            *frame.add(6) = *frame.add(5) & !1;
            *frame.add(7) |= 1 << 24;
        } else {
            // Skip the 16-bit faulting instruction.
            *frame.add(6) += 2;
        }
    }
}

#[unsafe(naked)]
unsafe extern "C" fn load(_addr: u32) -> u32 {
    naked_asm!("ldr r0, [r0]", "bx lr")
}

#[unsafe(naked)]
unsafe extern "C" fn store(_addr: u32) {
    naked_asm!("str r0, [r0]", "bx lr")
}

#[unsafe(naked)]
unsafe extern "C" fn undefined() {
    naked_asm!("udf #7", "bx lr")
}

/// Branches to an even address: an attempt to enter ARM state.
#[unsafe(naked)]
unsafe extern "C" fn to_arm_state() {
    naked_asm!("adr r0, 1f", "bx r0", ".align 2", "1:", "nop", "bx lr")
}

fn take() -> Seen {
    unsafe {
        let s = *addr_of_mut!(SEEN);
        *addr_of_mut!(SEEN) = Seen { exc: 0, cfsr: 0, hfsr: 0, bfar: 0, pc: 0 };
        s
    }
}

fn show(what: &str, s: Seen) {
    hprintln!("{}: exception {} cfsr={:#010x} hfsr={:#010x}", what, s.exc, s.cfsr, s.hfsr);
}

fn addr(f: unsafe extern "C" fn(u32) -> u32) -> u32 {
    f as *const () as u32 & !1
}

#[entry]
fn main() -> ! {
    hprintln!("fault conformance");
    // MemManage, BusFault and UsageFault enabled.
    reg::write(SHCSR, 0b111 << 16);

    unsafe { load(BAD) };
    let s = take();
    show("load from unmapped", s);
    check("precise bus fault, BFAR valid", s.exc == 5 && s.cfsr == 0x8200 && s.bfar == BAD);
    check("stacked pc is the load", s.pc == addr(load));

    unsafe { store(BAD) };
    let s = take();
    show("store to unmapped", s);
    check("precise bus fault on store", s.exc == 5 && s.cfsr & 0x8200 == 0x8200 && s.bfar == BAD);

    unsafe { undefined() };
    let s = take();
    show("udf", s);
    check("usage fault UNDEFINSTR", s.exc == 6 && s.cfsr == 1 << 16);
    check("stacked pc is the udf", s.pc == undefined as *const () as u32 & !1);

    unsafe { to_arm_state() };
    let s = take();
    show("bx to even address", s);
    check("usage fault INVSTATE", s.exc == 6 && s.cfsr == 1 << 17);

    // BusFault disabled: the same load escalates to HardFault.
    reg::write(SHCSR, 0b101 << 16);
    unsafe { load(BAD) };
    let s = take();
    show("load with busfault disabled", s);
    check("escalated: HardFault FORCED + PRECISERR", s.exc == 3 && s.hfsr == 1 << 30 && s.cfsr == 0x8200);
    check("status cleared by write-one", reg::read(CFSR) == 0 && reg::read(HFSR) == 0);
    finish()
}
