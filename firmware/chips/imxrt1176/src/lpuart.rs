//! LPUART (IMXRT1170RM ch. LPUART): 8N1. Transmit polled ([`Lpuart::write_all`])
//! or interrupt-driven from a byte channel ([`TxQueue`], drained by the
//! TDRE interrupt); receive by interrupt into a byte channel ([`RxQueue`]).

use crate::ral::{self, lpuart};
use crate::spin_until;
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
        while ral::read_reg!(lpuart, self.regs, STAT, TDRE == 1) {
            match tx.try_recv() {
                Some(b) => ral::write_reg!(lpuart, self.regs, DATA, b as u32),
                None => {
                    ral::modify_reg!(lpuart, self.regs, CTRL, TIE: 0);
                    return;
                }
            }
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

/// The transmit side: bytes queued for the LPUART's transmit interrupt.
/// `kick` enables that interrupt (CTRL.TIE) after bytes were queued.
pub struct TxQueue<'a, const Q: usize, const W: usize> {
    pub queue: &'a Channel<u8, Q, W>,
    pub kick: fn(),
}

impl<const Q: usize, const W: usize> embedded_io_async::ErrorType for TxQueue<'_, Q, W> {
    type Error = core::convert::Infallible;
}

impl<const Q: usize, const W: usize> embedded_io_async::Write for TxQueue<'_, Q, W> {
    /// Queues as many bytes as fit (at least one, waiting for room), then
    /// enables the transmit interrupt.
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        let Some((&first, rest)) = buf.split_first() else { return Ok(0) };
        if self.queue.try_send(first).is_err() {
            (self.kick)();
            self.queue.send(first).await;
        }
        let queued = 1 + rest.iter().take_while(|&&b| self.queue.try_send(b).is_ok()).count();
        (self.kick)();
        Ok(queued)
    }
}

/// The receive side: bytes the LPUART interrupt put into a channel.
pub struct RxQueue<'a, const Q: usize, const W: usize> {
    pub queue: &'a Channel<u8, Q, W>,
}

impl<const Q: usize, const W: usize> embedded_io_async::ErrorType for RxQueue<'_, Q, W> {
    type Error = core::convert::Infallible;
}

impl<const Q: usize, const W: usize> embedded_io_async::Read for RxQueue<'_, Q, W> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        buf[0] = self.queue.recv().await;
        let mut n = 1;
        while n < buf.len() {
            match self.queue.try_recv() {
                Some(b) => {
                    buf[n] = b;
                    n += 1;
                }
                None => break,
            }
        }
        Ok(n)
    }
}
