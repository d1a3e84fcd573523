//! STM32F1 peripheral models (RM0041, the STM32F100xx reference manual).

pub mod usart;
