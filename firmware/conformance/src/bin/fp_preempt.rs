//! FP extended frames: Thread mode uses s0-s15/FPSCR, PendSV (lowest
//! priority) uses them too and is preempted by SysTick (highest), which
//! clobbers them. Each level must get its own values back; EXC_RETURN must
//! say "FP frame" at both levels.
#![no_std]
#![no_main]
// Without an FPU (thumbv7m) the image only reports that it does not apply.
#![cfg_attr(not(target_abi = "eabihf"), allow(unused))]

use core::arch::naked_asm;
use core::ptr::addr_of;
use cortex_m_rt::entry;
use gale_conformance::{check, finish, hprintln, reg};

const FPSCR_THREAD: u32 = 0x8000_0000;
const FPSCR_PENDSV: u32 = 0x4000_0000;
const FPSCR_TICK: u32 = 0x1000_0000;

static mut PAT_THREAD: [f32; 16] = [0.0; 16];
static mut PAT_PENDSV: [f32; 16] = [0.0; 16];
static mut PAT_TICK: [f32; 16] = [0.0; 16];
/// s0-s15 then FPSCR as each level saw them after the inner level returned.
static mut OUT_THREAD: [u32; 17] = [0; 17];
static mut OUT_PENDSV: [u32; 17] = [0; 17];
static mut LR_PENDSV: u32 = 0;
static mut LR_TICK: u32 = 0;
static mut FLAG: u32 = 0;

#[cfg(target_abi = "eabihf")]
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn PendSV() {
    naked_asm!(
        "push {{r4, lr}}",
        "ldr r0, ={lr}",
        "str lr, [r0]",
        "ldr r0, ={pat}",
        "vldmia r0, {{s0-s15}}",
        "ldr r0, ={fpscr}",
        "vmsr fpscr, r0",
        "ldr r0, =0xe000e014",
        "movs r1, #200",
        "str r1, [r0]",
        "ldr r0, =0xe000e018",
        "movs r1, #0",
        "str r1, [r0]",
        "ldr r0, =0xe000e010",
        "movs r1, #7",
        "str r1, [r0]",
        "ldr r1, ={flag}",
        "2:",
        "ldr r2, [r1]",
        "cmp r2, #0",
        "beq 2b",
        "ldr r0, ={out}",
        "vstmia r0, {{s0-s15}}",
        "vmrs r2, fpscr",
        "str r2, [r0, #64]",
        "pop {{r4, pc}}",
        lr = sym LR_PENDSV,
        pat = sym PAT_PENDSV,
        fpscr = const FPSCR_PENDSV,
        flag = sym FLAG,
        out = sym OUT_PENDSV,
    )
}

#[cfg(target_abi = "eabihf")]
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn SysTick() {
    naked_asm!(
        "ldr r0, ={lr}",
        "str lr, [r0]",
        "ldr r0, ={pat}",
        "vldmia r0, {{s0-s15}}",
        "ldr r0, ={fpscr}",
        "vmsr fpscr, r0",
        "ldr r0, =0xe000e010",
        "movs r1, #0",
        "str r1, [r0]",
        "ldr r0, ={flag}",
        "movs r1, #1",
        "str r1, [r0]",
        "bx lr",
        lr = sym LR_TICK,
        pat = sym PAT_TICK,
        fpscr = const FPSCR_TICK,
        flag = sym FLAG,
    )
}

#[cfg(target_abi = "eabihf")]
#[unsafe(naked)]
unsafe extern "C" fn thread_part() {
    naked_asm!(
        "push {{r4, lr}}",
        "ldr r0, ={pat}",
        "vldmia r0, {{s0-s15}}",
        "ldr r0, ={fpscr}",
        "vmsr fpscr, r0",
        "ldr r0, =0xe000ed04",
        "mov.w r1, #0x10000000",
        "str r1, [r0]",
        "dsb",
        "isb",
        "ldr r0, ={out}",
        "vstmia r0, {{s0-s15}}",
        "vmrs r2, fpscr",
        "str r2, [r0, #64]",
        "pop {{r4, pc}}",
        pat = sym PAT_THREAD,
        fpscr = const FPSCR_THREAD,
        out = sym OUT_THREAD,
    )
}

fn matches(out: &[u32; 17], pat: &[f32; 16], fpscr: u32) -> (bool, bool) {
    let regs = out[..16].iter().zip(pat).all(|(o, p)| *o == p.to_bits());
    (regs, out[16] == fpscr)
}

#[cfg(not(target_abi = "eabihf"))]
#[entry]
fn main() -> ! {
    hprintln!("fp extended frame conformance: needs an FPU");
    gale_conformance::exit(false)
}

#[cfg(target_abi = "eabihf")]
#[entry]
fn main() -> ! {
    hprintln!("fp extended frame conformance");
    unsafe {
        for i in 0..16 {
            PAT_THREAD[i] = 1.5 + i as f32;
            PAT_PENDSV[i] = -100.25 - i as f32;
            PAT_TICK[i] = 7777.0 * (i as f32 + 1.0);
        }
    }
    // PendSV lowest, SysTick highest.
    reg::write8(0xe000_ed22, 0xf0);
    reg::write8(0xe000_ed23, 0x00);
    unsafe { thread_part() };
    let (lr_p, lr_t) = unsafe { (*addr_of!(LR_PENDSV), *addr_of!(LR_TICK)) };
    hprintln!("exc_return in PendSV={:#010x} in SysTick={:#010x}", lr_p, lr_t);
    check("PendSV entered from Thread with an FP frame", lr_p == 0xffff_ffe9);
    check("SysTick preempted PendSV with an FP frame", lr_t == 0xffff_ffe1);
    let (r, f) = unsafe { matches(&*addr_of!(OUT_PENDSV), &*addr_of!(PAT_PENDSV), FPSCR_PENDSV) };
    check("PendSV s0-s15 survive SysTick", r);
    check("PendSV FPSCR survives SysTick", f);
    let (r, f) = unsafe { matches(&*addr_of!(OUT_THREAD), &*addr_of!(PAT_THREAD), FPSCR_THREAD) };
    check("Thread s0-s15 survive PendSV", r);
    check("Thread FPSCR survives PendSV", f);
    finish()
}
