//! LPUART (IMXRT1170RM ch. LPUART): 8N1. Transmit polled ([`Lpuart::write_all`])
//! or interrupt-driven from a byte channel ([`TxQueue`], drained by the
//! TDRE interrupt); receive by interrupt into a byte channel ([`RxQueue`]).
//! The queues and the drain loop are the kernel's
//! (`gale_kernel::sync::byte_queue`), shared with the STM32F100 USART.

use crate::ral::{self, lpuart};
use crate::spin_until;
use gale_kernel::sync::byte_queue::drain_tx;
pub use gale_kernel::sync::byte_queue::{RxQueue, TxQueue};
use gale_kernel::sync::channel::Channel;

/// Baud register value for `baud` at `clk_hz` with 16x oversampling:
/// (OSR field, SBR field).
pub const fn baud_fields(clk_hz: u32, baud: u32) -> (u32, u32) {
    let osr = 16;
    (osr - 1, (clk_hz + osr * baud / 2) / (osr * baud))
}

/// Transmit timed out (TDRE never set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxTimeout;

impl embedded_io::Error for TxTimeout {
    fn kind(&self) -> embedded_io::ErrorKind {
        embedded_io::ErrorKind::TimedOut
    }
}

/// LPUART instance `N`.
pub struct Lpuart<const N: u8> {
    regs: lpuart::Instance<N>,
}

impl<const N: u8> Lpuart<N> {
    /// Software reset, baud rate, 8N1, transmitter and receiver on.
    pub fn new(regs: lpuart::Instance<N>, clk_hz: u32, baud: u32) -> Self {
        ral::write_reg!(lpuart, regs, GLOBAL, RST: 1);
        ral::write_reg!(lpuart, regs, GLOBAL, RST: 0);
        let (osr, sbr) = baud_fields(clk_hz, baud);
        ral::write_reg!(lpuart, regs, BAUD, OSR: osr, SBR: sbr);
        ral::write_reg!(lpuart, regs, CTRL, TE: 1, RE: 1);
        Lpuart { regs }
    }

    /// Waits for room (STAT.TDRE), then writes `byte` to DATA.
    pub fn write_byte(&mut self, byte: u8) -> Result<(), TxTimeout> {
        if !spin_until(|| ral::read_reg!(lpuart, self.regs, STAT, TDRE == 1)) {
            return Err(TxTimeout);
        }
        ral::write_reg!(lpuart, self.regs, DATA, byte as u32);
        Ok(())
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), TxTimeout> {
        bytes.iter().try_for_each(|&b| self.write_byte(b))
    }

    /// A received byte, if any; clears an overrun so reception continues.
    pub fn try_read(&mut self) -> Option<u8> {
        if ral::read_reg!(lpuart, self.regs, STAT, OR == 1) {
            ral::modify_reg!(lpuart, self.regs, STAT, OR: 1);
        }
        if ral::read_reg!(lpuart, self.regs, STAT, RDRF == 1) {
            Some((ral::read_reg!(lpuart, self.regs, DATA) & 0xFF) as u8)
        } else {
            None
        }
    }

    /// Enables the receive-data interrupt (CTRL.RIE).
    pub fn enable_rx_interrupt(&mut self) {
        ral::modify_reg!(lpuart, self.regs, CTRL, RIE: 1, ORIE: 1);
    }

    /// Interrupt handler body: moves every received byte into `rx`
    /// (dropping bytes when it is full).
    pub fn on_interrupt<const Q: usize, const W: usize>(&mut self, rx: &Channel<u8, Q, W>) {
        while let Some(b) = self.try_read() {
            let _ = rx.try_send(b);
        }
    }

    /// Enables the transmit-empty interrupt (CTRL.TIE): the handler then
    /// calls [`on_tx_interrupt`](Self::on_tx_interrupt).
    pub fn enable_tx_interrupt(&mut self) {
        ral::modify_reg!(lpuart, self.regs, CTRL, TIE: 1);
    }

    /// Transmit interrupt body: moves queued bytes into DATA while STAT.TDRE
    /// is set; with the queue empty, disables TIE until the next
    /// [`TxQueue`] write enables it again.
    pub fn on_tx_interrupt<const Q: usize, const W: usize>(&mut self, tx: &Channel<u8, Q, W>) {
        let regs = &self.regs;
        let empty = drain_tx(tx, || ral::read_reg!(lpuart, regs, STAT, TDRE == 1), |b| ral::write_reg!(lpuart, regs, DATA, b as u32));
        if empty {
            ral::modify_reg!(lpuart, self.regs, CTRL, TIE: 0);
        }
    }
}

impl<const N: u8> embedded_io::ErrorType for Lpuart<N> {
    type Error = TxTimeout;
}

impl<const N: u8> embedded_io::Write for Lpuart<N> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, TxTimeout> {
        self.write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), TxTimeout> {
        if spin_until(|| ral::read_reg!(lpuart, self.regs, STAT, TC == 1)) {
            Ok(())
        } else {
            Err(TxTimeout)
        }
    }
}
