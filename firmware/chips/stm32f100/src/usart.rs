//! USART (RM0041 §23): transmit by interrupt from a byte queue (TXEIE,
//! [`Usart::on_tx_interrupt`] with the kernel's [`TxQueue`]) or polled
//! ([`Usart::write_all`], kept for code that runs with no handler, e.g. the
//! benchmarks); receive by interrupt (RXNEIE, [`Usart::on_rx_interrupt`]
//! into a byte channel, read through [`RxQueue`] or `try_recv`). The
//! queues and the drain loop are the kernel's
//! (`gale_kernel::sync::byte_queue`), shared with the RT1176 LPUART.

use crate::gpio::{configure_output, OutputKind, Speed};
use crate::pac::{self, usart1::RegisterBlock};
use gale_kernel::sync::byte_queue::drain_tx;
pub use gale_kernel::sync::byte_queue::{RxQueue, TxQueue};
use gale_kernel::sync::channel::Channel;
use stm32f1::Periph;

/// BRR value for `baud` at peripheral clock `pclk_hz`: USARTDIV in 12.4
/// fixed point, rounded to nearest (RM0041 §23.3.4).
pub const fn brr_for(pclk_hz: u32, baud: u32) -> u16 {
    ((pclk_hz + baud / 2) / baud) as u16
}

/// A USART at base address `A` (USART1 0x4001_3800, USART2 0x4000_4400).
pub struct Usart<const A: usize> {
    regs: Periph<RegisterBlock, A>,
}

pub type Usart1 = Usart<0x4001_3800>;
pub type Usart2 = Usart<0x4000_4400>;

impl Usart1 {
    /// USART1 on PA9 (TX, AF push-pull) / PA10 (RX, input at reset):
    /// GPIOA and USART1 clocks on (APB2ENR), baud rate, UE|TE|RE.
    pub fn new(regs: pac::USART1, rcc: &pac::RCC, gpioa: &pac::GPIOA, pclk2_hz: u32, baud: u32) -> Self {
        rcc.apb2enr().modify(|_, w| w.iopaen().set_bit().usart1en().set_bit());
        configure_output(gpioa, 9, OutputKind::AltPushPull, Speed::Mhz2);
        Usart::enable(regs, pclk2_hz, baud)
    }
}

impl Usart2 {
    /// USART2 on PA2 (TX, AF push-pull) / PA3 (RX, input at reset):
    /// GPIOA (APB2ENR) and USART2 (APB1ENR) clocks on, baud rate, UE|TE|RE.
    pub fn new(regs: pac::USART2, rcc: &pac::RCC, gpioa: &pac::GPIOA, pclk1_hz: u32, baud: u32) -> Self {
        rcc.apb2enr().modify(|_, w| w.iopaen().set_bit());
        rcc.apb1enr().modify(|_, w| w.usart2en().set_bit());
        configure_output(gpioa, 2, OutputKind::AltPushPull, Speed::Mhz2);
        Usart::enable(regs, pclk1_hz, baud)
    }
}

impl<const A: usize> Usart<A> {
    fn enable(regs: Periph<RegisterBlock, A>, pclk_hz: u32, baud: u32) -> Self {
        regs.brr().write(|w| unsafe { w.bits(brr_for(pclk_hz, baud)) });
        regs.cr1().write(|w| w.ue().set_bit().te().set_bit().re().set_bit());
        Usart { regs }
    }

    /// Polled: blocks until the transmit data register is empty, then
    /// writes `byte`. Not while a [`TxQueue`] on the same USART holds
    /// bytes (the two would interleave); a boot banner before the queue is
    /// first used is fine.
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

    /// Blocks until the last frame has left the shift register (SR.TC):
    /// at most two frame times after the queue is drained.
    pub fn flush(&mut self) {
        while self.regs.sr().read().tc().bit_is_clear() {}
    }

    /// A received byte, if SR.RXNE; reading SR then DR also clears an
    /// overrun (SR.ORE), so reception continues after one.
    pub fn try_read(&mut self) -> Option<u8> {
        let sr = self.regs.sr().read();
        if sr.rxne().bit_is_set() || sr.ore().bit_is_set() {
            let b = self.regs.dr().read().dr().bits() as u8;
            sr.rxne().bit_is_set().then_some(b)
        } else {
            None
        }
    }

    /// Enables the receive interrupt (CR1.RXNEIE).
    pub fn enable_rx_interrupt(&mut self) {
        self.regs.cr1().modify(|_, w| w.rxneie().set_bit());
    }

    /// Receive interrupt body: moves every received byte into `rx`
    /// (dropping bytes when it is full).
    pub fn on_rx_interrupt<const Q: usize, const W: usize>(&mut self, rx: &Channel<u8, Q, W>) {
        while let Some(b) = self.try_read() {
            let _ = rx.try_send(b);
        }
    }

    /// Enables the transmit-empty interrupt (CR1.TXEIE): the handler then
    /// calls [`on_tx_interrupt`](Self::on_tx_interrupt). A [`TxQueue`]'s
    /// `kick` calls this after queueing.
    pub fn enable_tx_interrupt(&mut self) {
        self.regs.cr1().modify(|_, w| w.txeie().set_bit());
    }

    /// Transmit interrupt body: moves queued bytes into DR while SR.TXE is
    /// set (one byte: the USART has no FIFO); with the queue empty, clears
    /// TXEIE until the next [`TxQueue`] write sets it again. TC (end of the
    /// last frame) is not used as an interrupt; [`flush`](Self::flush)
    /// polls it where the wire must be idle (before an exit).
    pub fn on_tx_interrupt<const Q: usize, const W: usize>(&mut self, tx: &Channel<u8, Q, W>) {
        let regs = &self.regs;
        let empty = drain_tx(
            tx,
            || regs.sr().read().txe().bit_is_set(),
            |b| {
                regs.dr().write(|w| w.dr().set(b as u16));
            },
        );
        if empty {
            self.regs.cr1().modify(|_, w| w.txeie().clear_bit());
        }
    }
}

impl<const A: usize> core::fmt::Write for Usart<A> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.write_all(s.as_bytes());
        Ok(())
    }
}
