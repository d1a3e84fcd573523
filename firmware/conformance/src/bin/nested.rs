//! Nested priorities: preemption by a higher priority, no preemption within
//! a priority group (PRIGROUP), order of pending interrupts by priority then
//! sub-priority, tail-chaining, and IPSR/RETTOBASE in each handler.
#![no_std]
#![no_main]

use core::ptr::addr_of_mut;
use cortex_m_rt::{entry, exception};
use gale_conformance::reg::{self, AIRCR, ICSR, NVIC_IPR, NVIC_ISER, STIR};
use gale_conformance::{barrier, check, finish, hprint, hprintln, ipsr};

static mut LOG: [(u8, u8, u8, u8); 32] = [(0, 0, 0, 0); 32];
static mut LEN: usize = 0;

fn log(irq: u32, what: u8) {
    let rettobase = ((reg::read(ICSR) >> 11) & 1) as u8;
    unsafe {
        let l = &mut *addr_of_mut!(LOG);
        if LEN < l.len() {
            l[LEN] = (irq as u8, what, ipsr() as u8, rettobase);
            LEN += 1;
        }
    }
}

fn pend(irq: u32) {
    reg::write(STIR, irq);
    barrier();
}

#[exception]
unsafe fn DefaultHandler(irqn: i16) {
    let irq = irqn as u32;
    log(irq, b'+');
    match irq {
        1 => pend(2), // higher priority: preempts at once
        2 => pend(3), // lower priority: waits, tail-chains later
        4 => pend(5), // same group, other sub-priority: no preemption
        _ => {}
    }
    log(irq, b'-');
}

fn dump(what: &str) {
    hprint!("{}:", what);
    unsafe {
        let l = &*addr_of_mut!(LOG);
        for e in &l[..LEN] {
            hprint!(" {}{}(ipsr={},rtb={})", e.0, e.1 as char, e.2, e.3);
        }
        LEN = 0;
    }
    hprintln!("");
}

fn order() -> [u8; 8] {
    let mut o = [0; 8];
    unsafe {
        for (i, e) in (&*addr_of_mut!(LOG))[..LEN.min(8)].iter().enumerate() {
            o[i] = e.0 * 2 + (e.1 == b'+') as u8;
        }
    }
    o
}

#[entry]
fn main() -> ! {
    hprintln!("nested priorities conformance");
    let prio = [(1, 0x80), (2, 0x40), (3, 0xc0), (4, 0x80), (5, 0xa0), (6, 0xb0), (7, 0x80)];
    for (irq, p) in prio {
        reg::write8(NVIC_IPR + irq, p);
    }
    reg::write(NVIC_ISER, 0xfe);

    pend(1);
    let o = order();
    dump("preempt + tail-chain");
    // 1+ 2+ 2- 1- 3+ 3-
    check("2 preempts 1, 3 waits for both", o[..6] == [3, 5, 4, 2, 7, 6]);

    // PRIGROUP 5: group = bits 7:6; 0x80 and 0xa0 share group 0x80.
    reg::write(AIRCR, 0x05fa_0000 | (5 << 8));
    pend(4);
    let o = order();
    dump("same group");
    check("5 does not preempt 4 in the same group", o[..4] == [9, 8, 11, 10]);

    // Two pending at once: lower group/sub-priority first, not lower number.
    cortex_m::interrupt::disable();
    reg::write(STIR, 6);
    reg::write(STIR, 7);
    unsafe { cortex_m::interrupt::enable() };
    barrier();
    let o = order();
    dump("pending order");
    check("7 (sub 0x00) before 6 (sub 0x30)", o[..4] == [15, 14, 13, 12]);
    reg::write(AIRCR, 0x05fa_0000);
    check("back in thread mode", ipsr() == 0);
    finish()
}
