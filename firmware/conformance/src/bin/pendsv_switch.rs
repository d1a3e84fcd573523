//! A PendSV context switch between two PSP threads, RTOS style. Around each
//! switch every thread loads known values into r0-r12 (and s0-s31 with an
//! FPU), pends PendSV, and checks the values survived the round trip
//! through the other thread.
#![no_std]
#![no_main]

use core::arch::naked_asm;
use core::ptr::{addr_of, addr_of_mut};
use cortex_m_rt::entry;
use gale_conformance::{check, finish, hprintln, run_on_psp};

const ROUNDS: u32 = 4;
const FP: bool = cfg!(target_abi = "eabihf");

static mut STACK_A: [u64; 512] = [0; 512];
static mut STACK_B: [u64; 512] = [0; 512];
#[no_mangle]
static mut SP_TABLE: [u32; 2] = [0; 2];
#[no_mangle]
static mut CURRENT: u32 = 0;
static mut SWITCHES: u32 = 0;
static mut CAPTURED: [u32; 45] = [0; 45];

#[cfg(target_abi = "eabihf")]
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn PendSV() {
    naked_asm!(
        "mrs r0, psp",
        "tst lr, #0x10",
        "it eq",
        "vstmdbeq r0!, {{s16-s31}}",
        "stmdb r0!, {{r4-r11, lr}}",
        "ldr r1, ={cur}",
        "ldr r2, [r1]",
        "ldr r3, ={tab}",
        "str r0, [r3, r2, lsl #2]",
        "eor r2, r2, #1",
        "str r2, [r1]",
        "ldr r0, [r3, r2, lsl #2]",
        "ldmia r0!, {{r4-r11, lr}}",
        "tst lr, #0x10",
        "it eq",
        "vldmiaeq r0!, {{s16-s31}}",
        "msr psp, r0",
        "ldr r1, ={sw}",
        "ldr r2, [r1]",
        "adds r2, #1",
        "str r2, [r1]",
        "bx lr",
        cur = sym CURRENT,
        tab = sym SP_TABLE,
        sw = sym SWITCHES,
    )
}

#[cfg(not(target_abi = "eabihf"))]
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn PendSV() {
    naked_asm!(
        "mrs r0, psp",
        "stmdb r0!, {{r4-r11, lr}}",
        "ldr r1, ={cur}",
        "ldr r2, [r1]",
        "ldr r3, ={tab}",
        "str r0, [r3, r2, lsl #2]",
        "eor r2, r2, #1",
        "str r2, [r1]",
        "ldr r0, [r3, r2, lsl #2]",
        "ldmia r0!, {{r4-r11, lr}}",
        "msr psp, r0",
        "ldr r1, ={sw}",
        "ldr r2, [r1]",
        "adds r2, #1",
        "str r2, [r1]",
        "bx lr",
        cur = sym CURRENT,
        tab = sym SP_TABLE,
        sw = sym SWITCHES,
    )
}

/// Loads r0-r12 from `ints` (and s0-s31 from `fps`), pends PendSV, then
/// hands the registers as they are after the switch to `record`.
#[cfg(target_abi = "eabihf")]
#[unsafe(naked)]
unsafe extern "C" fn switch_and_capture(ints: *const u32, fps: *const u32) {
    naked_asm!(
        "push {{r3-r11, lr}}",
        "vldmia r1, {{s0-s31}}",
        "ldm r0, {{r0-r12}}",
        "push {{r0, r1}}",
        "ldr r0, =0xe000ed04",
        "mov.w r1, #0x10000000",
        "str r1, [r0]",
        "pop {{r0, r1}}",
        "dsb",
        "isb",
        "sub sp, #12",
        "push {{r0-r12}}",
        "vpush {{s0-s31}}",
        "mov r0, sp",
        "bl {rec}",
        "add sp, #128",
        "add sp, #64",
        "pop {{r3-r11, pc}}",
        rec = sym record,
    )
}

#[cfg(not(target_abi = "eabihf"))]
#[unsafe(naked)]
unsafe extern "C" fn switch_and_capture(ints: *const u32, fps: *const u32) {
    naked_asm!(
        "push {{r3-r11, lr}}",
        "ldm r0, {{r0-r12}}",
        "push {{r0, r1}}",
        "ldr r0, =0xe000ed04",
        "mov.w r1, #0x10000000",
        "str r1, [r0]",
        "pop {{r0, r1}}",
        "dsb",
        "isb",
        "sub sp, #12",
        "push {{r0-r12}}",
        "mov r0, sp",
        "bl {rec}",
        "add sp, #64",
        "pop {{r3-r11, pc}}",
        rec = sym record,
    )
}

extern "C" fn record(sp: *const u32) {
    // FP build: s0-s31 then r0-r12; otherwise r0-r12 only.
    unsafe {
        let c = &mut *addr_of_mut!(CAPTURED);
        let (ints, fps) = if FP { (sp.add(32), Some(sp)) } else { (sp, None) };
        for i in 0..13 {
            c[i] = *ints.add(i);
        }
        if let Some(f) = fps {
            for i in 0..32 {
                c[13 + i] = *f.add(i);
            }
        }
    }
}

fn round(id: u32, r: u32) -> bool {
    let mut ints = [0u32; 13];
    let mut fps = [0u32; 32];
    for (n, v) in ints.iter_mut().enumerate() {
        *v = 0x1000_0000 * (id + 1) + r * 0x100 + n as u32;
    }
    for (n, v) in fps.iter_mut().enumerate() {
        *v = ((id * 100 + r * 10 + n as u32) as f32 + 0.25).to_bits();
    }
    unsafe { switch_and_capture(ints.as_ptr(), fps.as_ptr()) };
    let c = unsafe { *addr_of!(CAPTURED) };
    let ints_ok = c[..13] == ints;
    let fps_ok = !FP || c[13..] == fps;
    let name = if id == 0 { "A" } else { "B" };
    if FP {
        hprintln!("thread {} round {}: r0-r12 {}, s0-s31 {}", name, r, ok(ints_ok), ok(fps_ok));
    } else {
        hprintln!("thread {} round {}: r0-r12 {}", name, r, ok(ints_ok));
    }
    ints_ok && fps_ok
}

fn ok(b: bool) -> &'static str {
    if b { "intact" } else { "CORRUPTED" }
}

extern "C" fn thread_a() {
    let mut all = true;
    for r in 0..ROUNDS {
        all &= round(0, r);
    }
    check("registers survive every switch", all);
    let switches = unsafe { *addr_of!(SWITCHES) };
    hprintln!("switches: {}", switches);
    check("one PendSV per handover", switches == 2 * ROUNDS);
    finish()
}

extern "C" fn thread_b() -> ! {
    let mut r = 0;
    loop {
        if !round(1, r) {
            check("thread B registers", false);
        }
        r += 1;
    }
}

#[entry]
fn main() -> ! {
    hprintln!("pendsv context switch conformance (fp: {})", FP);
    unsafe {
        // PendSV at the lowest priority, as an RTOS sets it.
        gale_conformance::reg::write8(0xe000_ed22, 0xff);
        // Thread B's first context: a hardware frame + r4-r11 + EXC_RETURN.
        let top_b = addr_of_mut!(STACK_B) as u32 + 4096;
        let frame = (top_b - 32) as *mut u32;
        for i in 0..8 {
            *frame.add(i) = 0;
        }
        *frame.add(6) = thread_b as *const () as u32 & !1;
        *frame.add(7) = 0x0100_0000;
        let saved = (top_b - 32 - 36) as *mut u32;
        for i in 0..8 {
            *saved.add(i) = 0;
        }
        *saved.add(8) = 0xffff_fffd;
        (*addr_of_mut!(SP_TABLE))[1] = saved as u32;
        let top_a = addr_of_mut!(STACK_A) as u32 + 4096;
        run_on_psp(thread_a, top_a);
    }
    check("thread A returned", false);
    finish()
}
