//! STM32F100 value line (RM0041) chip support on the `stm32f1` PAC.
//!
//! Clocks: out of reset the chip runs from the 8 MHz HSI; [`rcc::use_pll_24mhz`]
//! switches every bus clock (SYSCLK, HCLK, PCLK1, PCLK2) to 24 MHz.
#![no_std]

pub use stm32f1::stm32f100 as pac;

pub mod gpio;
pub mod i2c;
pub mod rcc;
pub mod spi;
pub mod tim;
pub mod usart;

/// HSI frequency after reset (RM0041 §6.2.1).
pub const HSI_HZ: u32 = 8_000_000;
