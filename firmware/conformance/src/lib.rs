//! Shared helpers for the conformance images: checks printed over
//! semihosting, exit, register addresses.
#![no_std]

use core::sync::atomic::{AtomicBool, Ordering};
pub use cortex_m_semihosting::{hprint, hprintln};
use cortex_m_semihosting::debug;

static FAILED: AtomicBool = AtomicBool::new(false);

/// Prints `what: ok` or `what: FAIL` and remembers failures.
pub fn check(what: &str, ok: bool) {
    hprintln!("{}: {}", what, if ok { "ok" } else { "FAIL" });
    if !ok {
        FAILED.store(true, Ordering::Relaxed);
    }
}

/// Exits with success if every check passed.
pub fn finish() -> ! {
    let failed = FAILED.load(Ordering::Relaxed);
    hprintln!("{}", if failed { "FAILED" } else { "PASSED" });
    exit(!failed)
}

pub fn exit(ok: bool) -> ! {
    debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    exit(false)
}

/// System Control Space registers used by the images.
pub mod reg {
    pub const ICSR: u32 = 0xe000_ed04;
    pub const VTOR: u32 = 0xe000_ed08;
    pub const AIRCR: u32 = 0xe000_ed0c;
    pub const SCR: u32 = 0xe000_ed10;
    pub const CCR: u32 = 0xe000_ed14;
    pub const SHPR2: u32 = 0xe000_ed1c;
    pub const SHPR3: u32 = 0xe000_ed20;
    pub const SHCSR: u32 = 0xe000_ed24;
    pub const CFSR: u32 = 0xe000_ed28;
    pub const HFSR: u32 = 0xe000_ed2c;
    pub const MMFAR: u32 = 0xe000_ed34;
    pub const BFAR: u32 = 0xe000_ed38;
    pub const SYST_CSR: u32 = 0xe000_e010;
    pub const SYST_RVR: u32 = 0xe000_e014;
    pub const SYST_CVR: u32 = 0xe000_e018;
    pub const NVIC_ISER: u32 = 0xe000_e100;
    pub const NVIC_ICER: u32 = 0xe000_e180;
    pub const NVIC_ISPR: u32 = 0xe000_e200;
    pub const NVIC_ICPR: u32 = 0xe000_e280;
    pub const NVIC_IABR: u32 = 0xe000_e300;
    pub const NVIC_IPR: u32 = 0xe000_e400;
    pub const STIR: u32 = 0xe000_ef00;
    pub const DEMCR: u32 = 0xe000_edfc;
    pub const DWT_CTRL: u32 = 0xe000_1000;
    pub const DWT_CYCCNT: u32 = 0xe000_1004;

    pub fn read(addr: u32) -> u32 {
        unsafe { core::ptr::read_volatile(addr as *const u32) }
    }

    pub fn write(addr: u32, v: u32) {
        unsafe { core::ptr::write_volatile(addr as *mut u32, v) }
    }

    pub fn write8(addr: u32, v: u8) {
        unsafe { core::ptr::write_volatile(addr as *mut u8, v) }
    }
}

/// The current IPSR (exception number).
pub fn ipsr() -> u32 {
    let r: u32;
    unsafe { core::arch::asm!("mrs {}, ipsr", out(reg) r) };
    r
}

pub fn control() -> u32 {
    let r: u32;
    unsafe { core::arch::asm!("mrs {}, control", out(reg) r) };
    r
}

pub fn barrier() {
    cortex_m::asm::dsb();
    cortex_m::asm::isb();
}

/// Runs `f` in Thread mode on the process stack (PSP = `stack_top`), then
/// switches back to the main stack.
#[unsafe(naked)]
pub unsafe extern "C" fn run_on_psp(f: extern "C" fn(), stack_top: u32) {
    core::arch::naked_asm!(
        "push {{r4, lr}}",
        "msr psp, r1",
        "movs r4, #2",
        "msr control, r4",
        "isb",
        "blx r0",
        "movs r4, #0",
        "msr control, r4",
        "isb",
        "pop {{r4, pc}}",
    )
}
