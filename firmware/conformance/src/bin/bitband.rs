//! Engine-only: bit-band accesses as stm32f1xx-hal makes them (ARMv7-M
//! B3.5). SRAM bits set, cleared and read back through 0x2200_0000, byte
//! and halfword alias accesses, then RCC_APB2ENR bit 2 (IOPAEN) set through
//! 0x4242_0308, as `split()` does on the STM32F100; the test places an
//! RCC-like model at 0x4002_1000. On a Cortex-M7 the first alias access
//! faults (no bit-band there).
#![no_std]
#![no_main]

use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};
use cortex_m_rt::entry;
use gale_conformance::{check, finish, hprintln, reg};

static mut WORD: u32 = 0x8000_0001;

/// The alias word of bit `bit` of the byte at `addr` (SRAM or peripheral).
fn alias(addr: u32, bit: u32) -> u32 {
    (addr & 0xf000_0000) + 0x0200_0000 + (addr & 0x000f_ffff) * 32 + bit * 4
}

#[entry]
fn main() -> ! {
    let word = addr_of!(WORD) as u32;
    hprintln!("bit-band alias of {:#010x} at {:#010x}", word, alias(word, 0));
    reg::write(alias(word, 5), 1);
    check("sram: alias write sets the bit", unsafe { read_volatile(addr_of!(WORD)) } == 0x8000_0021);
    reg::write(alias(word, 0), 0x2); // bit 0 of the written value: 0
    check("sram: alias write of an even value clears the bit", unsafe { read_volatile(addr_of!(WORD)) } == 0x8000_0020);
    check("sram: alias reads return 0 or 1", reg::read(alias(word, 5)) == 1 && reg::read(alias(word, 4)) == 0 && reg::read(alias(word + 3, 7)) == 1);
    unsafe { write_volatile((alias(word + 1, 1)) as *mut u8, 1) };
    unsafe { write_volatile((alias(word + 2, 0)) as *mut u16, 0xffff) };
    check("sram: byte and halfword alias writes", unsafe { read_volatile(addr_of_mut!(WORD)) } == 0x8001_0220);
    check("sram: byte alias read", unsafe { read_volatile(alias(word + 1, 1) as *const u8) } == 1);

    const RCC_APB2ENR: u32 = 0x4002_1018;
    reg::write(RCC_APB2ENR, 0x1);
    reg::write(0x4242_0308, 1);
    check("peripheral: alias 0x42420308 sets RCC_APB2ENR.IOPAEN", reg::read(RCC_APB2ENR) == 0x5);
    check("peripheral: alias reads the bit", reg::read(0x4242_0308) == 1 && reg::read(0x4242_030c) == 0);
    reg::write(0x4242_0300, 0);
    check("peripheral: alias write clears only its bit", reg::read(RCC_APB2ENR) == 0x4);
    finish()
}
