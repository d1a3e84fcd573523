//! An NVIC interrupt masked by BASEPRI (then PRIMASK, FAULTMASK, and its
//! enable bit) stays pending, and is taken as soon as the mask allows.
#![no_std]
#![no_main]

use core::arch::asm;
use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m_rt::{entry, exception};
use gale_conformance::reg::{self, ICSR, NVIC_ICER, NVIC_IPR, NVIC_ISER, NVIC_ISPR, STIR};
use gale_conformance::{barrier, check, finish, hprintln};

const IRQ: u32 = 5;
static COUNT: AtomicU32 = AtomicU32::new(0);

#[exception]
unsafe fn DefaultHandler(irqn: i16) {
    if irqn == IRQ as i16 {
        COUNT.fetch_add(1, Ordering::Relaxed);
    }
}

fn set_basepri(v: u32) {
    unsafe { asm!("msr basepri, {}", "isb", in(reg) v) };
}

fn set_basepri_max(v: u32) {
    unsafe { asm!("msr basepri_max, {}", "isb", in(reg) v) };
}

fn basepri() -> u32 {
    let r;
    unsafe { asm!("mrs {}, basepri", out(reg) r) };
    r
}

/// Unmasks a pending interrupt with an MSR inside an IT block: the
/// interrupt is taken mid-block, so the IT state must be stacked and
/// restored for the rest of the block to stay conditional.
/// Returns r1 + 16 * r2: 1 if only the EQ instruction ran.
#[unsafe(naked)]
unsafe extern "C" fn unmask_inside_it_block() -> u32 {
    core::arch::naked_asm!(
        "movs r0, #0",
        "movs r1, #0",
        "movs r2, #0",
        "cmp r0, #0",
        "itet eq",
        "msreq basepri, r0",
        "addne r2, r2, #1",
        "addeq r1, r1, #1",
        "add.w r0, r1, r2, lsl #4",
        "bx lr",
    )
}

fn count() -> u32 {
    COUNT.load(Ordering::Relaxed)
}

#[entry]
fn main() -> ! {
    hprintln!("basepri / primask / faultmask conformance");
    reg::write8(NVIC_IPR + IRQ, 0x80);
    reg::write(NVIC_ISER, 1 << IRQ);

    set_basepri(0x80);
    reg::write(NVIC_ISPR, 1 << IRQ);
    barrier();
    check("basepri 0x80 masks priority 0x80", count() == 0);
    check("ISPR shows it pending", reg::read(NVIC_ISPR) & (1 << IRQ) != 0);
    let icsr = reg::read(ICSR);
    hprintln!("icsr.vectpending={} isrpending={}", (icsr >> 12) & 0x1ff, (icsr >> 22) & 1);
    set_basepri(0xa0);
    check("basepri 0xa0 lets priority 0x80 in", count() == 1);
    check("pending cleared on entry", reg::read(NVIC_ISPR) & (1 << IRQ) == 0);

    set_basepri(0x40);
    set_basepri_max(0x60);
    hprintln!("basepri after basepri_max 0x60: {:#x}", basepri());
    set_basepri_max(0x20);
    hprintln!("basepri after basepri_max 0x20: {:#x}", basepri());
    set_basepri(0);

    cortex_m::interrupt::disable();
    reg::write(STIR, IRQ);
    barrier();
    check("primask masks it", count() == 1);
    unsafe { cortex_m::interrupt::enable() };
    barrier();
    check("taken after cpsie i", count() == 2);

    unsafe { asm!("cpsid f") };
    reg::write(STIR, IRQ);
    barrier();
    check("faultmask masks it", count() == 2);
    unsafe { asm!("cpsie f", "isb") };
    check("taken after cpsie f", count() == 3);

    set_basepri(0x80);
    reg::write(NVIC_ISPR, 1 << IRQ);
    barrier();
    let before = count();
    let r = unsafe { unmask_inside_it_block() };
    hprintln!("it block around the unmasking msr: result {} taken {}", r, count() - before);
    check("interrupt taken inside an IT block keeps the block conditional", r == 1 && count() == before + 1);

    reg::write(NVIC_ICER, 1 << IRQ);
    reg::write(NVIC_ISPR, 1 << IRQ);
    barrier();
    check("disabled interrupt is not taken", count() == 4);
    check("but stays pending", reg::read(NVIC_ISPR) & (1 << IRQ) != 0);
    reg::write(NVIC_ISER, 1 << IRQ);
    barrier();
    check("taken when enabled", count() == 5);
    finish()
}
