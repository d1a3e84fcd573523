//! STM32F1 peripheral models (RM0041, the STM32F100xx reference manual).

pub mod usart;
pub mod afio;
pub mod rcc;
pub mod gpio;
pub mod spi;
pub mod i2c;
pub mod tim;
