//! gust-f100: the STM32F100 failsafe node.
//!
//! Board wiring: USART1 TX on PA9 at 115200 8N1 from the 8 MHz HSI.
#![no_std]
#![no_main]

use chip_stm32f100::{pac, usart::Usart1, HSI_HZ};
use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use gale_logic::decimal;

const BANNER: &str = concat!("gust-f100 v", env!("CARGO_PKG_VERSION"), " boot\r\n");
const BAUD: u32 = 115_200;
/// Busy-wait between counter lines: about 1 ms of 8 MHz cycles.
const TICK_CYCLES: u32 = HSI_HZ / 1000;
const TICKS: u32 = 5;

#[entry]
fn main() -> ! {
    let dp = pac::Peripherals::take().unwrap_or_else(|| fail());
    let mut uart = Usart1::new(dp.USART1, &dp.RCC, &dp.GPIOA, HSI_HZ, BAUD);
    uart.write_all(BANNER.as_bytes());
    for n in 1..=TICKS {
        cortex_m::asm::delay(TICK_CYCLES);
        let mut digits = [0; decimal::U32_DIGITS];
        uart.write_all(b"tick ");
        uart.write_all(decimal::format_u32(n, &mut digits));
        uart.write_all(b"\r\n");
    }
    uart.flush();
    debug::exit(debug::EXIT_SUCCESS);
    loop {
        cortex_m::asm::wfi();
    }
}

fn fail() -> ! {
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    fail()
}
