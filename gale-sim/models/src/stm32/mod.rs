//! STM32F1 peripheral models (RM0041, the STM32F100xx reference manual).

pub mod afio;
pub mod gpio;
pub mod i2c;
pub mod rcc;
pub mod spi;
pub mod tim;
pub mod usart;
