//! USART in polled transmit mode (RM0041 §23).

use crate::pac;

/// BRR value for `baud` at peripheral clock `pclk_hz`: USARTDIV in 12.4
/// fixed point, rounded to nearest (RM0041 §23.3.4).
pub const fn brr_for(pclk_hz: u32, baud: u32) -> u16 {
    ((pclk_hz + baud / 2) / baud) as u16
}

/// USART1 on PA9 (TX) / PA10 (RX), polled transmit.
pub struct Usart1 {
    regs: pac::USART1,
}

impl Usart1 {
    /// Enables the GPIOA and USART1 clocks, puts PA9 in alternate-function
    /// push-pull, programs the baud rate and enables UE|TE|RE.
    pub fn new(regs: pac::USART1, rcc: &pac::RCC, gpioa: &pac::GPIOA, pclk2_hz: u32, baud: u32) -> Self {
        rcc.apb2enr().modify(|_, w| w.iopaen().set_bit().usart1en().set_bit());
        crate::gpio::configure_porta_output(gpioa, 9, crate::gpio::OutputKind::AltPushPull, crate::gpio::Speed::Mhz2);
        regs.brr().write(|w| unsafe { w.bits(brr_for(pclk2_hz, baud)) });
        regs.cr1().write(|w| w.ue().set_bit().te().set_bit().re().set_bit());
        Usart1 { regs }
    }

    /// Blocks until the transmit data register is empty, then writes `byte`.
    pub fn write_byte(&mut self, byte: u8) {
        while self.regs.sr().read().txe().bit_is_clear() {}
        self.regs.dr().write(|w| w.dr().set(byte as u16));
    }

    /// Writes all of `bytes`.
    pub fn write_all(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_byte(b);
        }
    }

    /// Blocks until the last frame has left the shift register (SR.TC).
    pub fn flush(&mut self) {
        while self.regs.sr().read().tc().bit_is_clear() {}
    }
}

impl core::fmt::Write for Usart1 {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.write_all(s.as_bytes());
        Ok(())
    }
}
