//! SVC from Thread mode on MSP and on PSP: the stacked frame, EXC_RETURN,
//! IPSR and CONTROL seen by the handler, and a result returned through the
//! stacked r0.
#![no_std]
#![no_main]

use core::arch::{asm, naked_asm};
use core::ptr::addr_of_mut;
use cortex_m_rt::entry;
use gale_conformance::{check, control, finish, hprintln, ipsr, run_on_psp};

#[derive(Clone, Copy, Default)]
struct Seen {
    imm: u32,
    exc_return: u32,
    ipsr: u32,
    control: u32,
    args: [u32; 4],
    xpsr: u32,
    frame: u32,
}

static mut SEEN: Seen = Seen { imm: 0, exc_return: 0, ipsr: 0, control: 0, args: [0; 4], xpsr: 0, frame: 0 };
static mut PSP_STACK: [u64; 256] = [0; 256];

#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn SVCall() {
    naked_asm!(
        "tst lr, #4",
        "ite eq",
        "mrseq r0, msp",
        "mrsne r0, psp",
        "mov r1, lr",
        "b {h}",
        h = sym svc_handler,
    )
}

extern "C" fn svc_handler(frame: *mut u32, exc_return: u32) {
    unsafe {
        let pc = *frame.add(6);
        let imm = *((pc - 2) as *const u8) as u32;
        let s = &mut *addr_of_mut!(SEEN);
        s.imm = imm;
        s.exc_return = exc_return;
        s.ipsr = ipsr();
        s.control = control();
        for i in 0..4 {
            s.args[i] = *frame.add(i);
        }
        s.xpsr = *frame.add(7);
        s.frame = frame as u32;
        *frame = s.args[0] + s.args[1] + imm * 1000;
    }
}

fn svc5(a: u32, b: u32, c: u32, d: u32) -> u32 {
    let r;
    unsafe { asm!("svc #5", inout("r0") a => r, in("r1") b, in("r2") c, in("r3") d) };
    r
}

fn svc42(a: u32, b: u32) -> u32 {
    let r;
    unsafe { asm!("svc #42", inout("r0") a => r, in("r1") b, in("r2") 0, in("r3") 0) };
    r
}

fn report(what: &str, r: u32, expect_r: u32, expect_imm: u32, expect_ret: u32) {
    let s = unsafe { *addr_of_mut!(SEEN) };
    hprintln!(
        "{}: r0={} imm={} exc_return={:#010x} ipsr={} control={:#x} args={:x?} xpsr.t={} xpsr.ipsr={}",
        what,
        r,
        s.imm,
        s.exc_return,
        s.ipsr,
        s.control & 3,
        s.args,
        (s.xpsr >> 24) & 1,
        s.xpsr & 0x1ff
    );
    check(what, r == expect_r && s.imm == expect_imm && s.exc_return & 0xffff_ffef == expect_ret && s.ipsr == 11 && s.control & 2 == 0);
}

/// SVC with SP 4 mod 8: the frame is realigned and xPSR bit 9 says so.
#[unsafe(naked)]
unsafe extern "C" fn svc_misaligned(_a: u32) -> u32 {
    naked_asm!(
        "push {{r4, lr}}",
        "mov r4, sp",
        "mov r1, sp",
        "bic r1, r1, #7",
        "sub r1, r1, #4",
        "mov sp, r1",
        "movs r1, #1",
        "movs r2, #0",
        "movs r3, #0",
        "svc #9",
        "mov sp, r4",
        "pop {{r4, pc}}",
    )
}

extern "C" fn on_psp() {
    check("thread on psp", control() & 2 == 2);
    let r = svc5(7, 8, 9, 10);
    report("svc from psp", r, 5015, 5, 0xffff_ffed);
    check("still on psp after return", control() & 2 == 2);
}

#[entry]
fn main() -> ! {
    hprintln!("svc conformance");
    let r = svc5(1, 2, 3, 4);
    report("svc from msp", r, 5003, 5, 0xffff_ffe9);
    let r = svc42(10, 20);
    report("svc 42 from msp", r, 42030, 42, 0xffff_ffe9);
    let r = unsafe { svc_misaligned(100) };
    let s = unsafe { *addr_of_mut!(SEEN) };
    hprintln!("svc from sp 4 mod 8: r0={} frame 8-aligned={} xpsr.9={}", r, s.frame % 8 == 0, (s.xpsr >> 9) & 1);
    check("realigned frame, xPSR bit 9 set, SP restored", r == 9101 && s.frame % 8 == 0 && (s.xpsr >> 9) & 1 == 1);

    let top = addr_of_mut!(PSP_STACK) as u32 + core::mem::size_of::<[u64; 256]>() as u32;
    unsafe { run_on_psp(on_psp, top) };
    check("back on msp", control() & 2 == 0);
    finish()
}
