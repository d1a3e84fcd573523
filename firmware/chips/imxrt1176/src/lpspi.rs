//! LPSPI controller mode (IMXRT1170RM ch. LPSPI), interrupt-driven, 8-bit
//! frames, hardware chip selects PCS0..PCS3 framed with TCR.CONT.
//!
//! A transfer goes out in chunks of at most one FIFO less one word (the
//! TCR command shares the transmit FIFO): the task writes the chunk's
//! bytes to TDR, sets FCR.RXWATER so that SR.RDF means "the whole chunk
//! is in the receive FIFO", enables IER.RDIE and sleeps on the
//! [`IrqEvent`]; the board's LPSPI handler calls [`on_interrupt`], which
//! masks IER and wakes the task, which then empties RDR.

use core::cell::RefCell;

use embedded_hal_async::delay::DelayNs;
use embedded_hal_async::spi::{self, Operation};

use crate::ral::{self, lpspi};
use gale_kernel::sync::irq_event::IrqEvent;

/// Longest wait for one chunk (at most 15 bytes: 15 µs at 8 MHz).
const CHUNK_TIMEOUT_US: u32 = 1_000;

/// Why a transfer failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// A chunk did not complete (no RDF interrupt within the timeout):
    /// no clock, no interrupt wiring, or no peripheral.
    Timeout,
    /// The bus was already in a transaction (a second device used the
    /// shared bus while a transfer was suspended).
    Busy,
}

impl spi::Error for Error {
    fn kind(&self) -> spi::ErrorKind {
        spi::ErrorKind::Other
    }
}

/// SPI clock polarity/phase: mode 0 (CPOL=0, CPHA=0) or mode 3 (1, 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Mode0,
    Mode3,
}

/// LPSPI instance `N` as bus controller; `D` times out waits.
pub struct Lpspi<const N: u8, D> {
    regs: lpspi::Instance<N>,
    mode: Mode,
    /// Data bytes per chunk: FIFO depth (PARAM) less the command word.
    chunk: usize,
    event: &'static IrqEvent,
    delay: D,
}

impl<const N: u8, D: DelayNs> Lpspi<N, D> {
    /// Reset, controller mode, SCK = `clk_hz / (SCKDIV + 2)` closest to and
    /// not above `sck_hz`, module enabled, all interrupt sources masked.
    /// `event` must be the one the LPSPI`N` handler passes to
    /// [`on_interrupt`].
    pub fn new(regs: lpspi::Instance<N>, clk_hz: u32, sck_hz: u32, mode: Mode, event: &'static IrqEvent, delay: D) -> Self {
        ral::write_reg!(lpspi, regs, CR, RST: 1, RTF: 1, RRF: 1);
        ral::write_reg!(lpspi, regs, CR, 0);
        ral::write_reg!(lpspi, regs, IER, 0);
        ral::write_reg!(lpspi, regs, CFGR1, MASTER: 1);
        let div = clk_hz.div_ceil(sck_hz.max(1)).clamp(2, 257) - 2;
        ral::write_reg!(lpspi, regs, CCR, SCKDIV: div, DBT: div, PCSSCK: div / 2, SCKPCS: div / 2);
        ral::write_reg!(lpspi, regs, FCR, TXWATER: 0, RXWATER: 0);
        ral::write_reg!(lpspi, regs, CR, MEN: 1);
        // PARAM.TXFIFO/RXFIFO are log2 of the FIFO depths (16 words on the RT1176).
        let (tx, rx) = ral::read_reg!(lpspi, regs, PARAM, TXFIFO, RXFIFO);
        let depth = 1usize << tx.min(rx).min(4);
        Lpspi { regs, mode, chunk: depth.saturating_sub(1).max(1), event, delay }
    }

    fn command(&mut self, pcs: u8, cont: bool) {
        let (cpol, cpha) = match self.mode {
            Mode::Mode0 => (0, 0),
            Mode::Mode3 => (1, 1),
        };
        ral::write_reg!(lpspi, self.regs, TCR, CPOL: cpol, CPHA: cpha, PCS: pcs as u32 & 3, CONT: cont as u32, FRAMESZ: 7);
    }

    /// Runs `ops` as one chip-select framed transfer on PCS `pcs`.
    pub async fn transaction(&mut self, pcs: u8, ops: &mut [Operation<'_, u8>]) -> Result<(), Error> {
        self.command(pcs, true);
        let mut result = Ok(());
        for op in ops.iter_mut() {
            result = self.run(op).await;
            if result.is_err() {
                // Drop what a failed chunk left in the FIFOs.
                ral::modify_reg!(lpspi, self.regs, CR, RTF: 1, RRF: 1);
                break;
            }
        }
        // A command with CONT clear ends the continuous transfer: PCS released.
        self.command(pcs, false);
        result
    }

    /// Full-duplex exchange of `n` bytes: byte `i` out is `out(i)`, byte
    /// `i` in goes to `into(i, byte)`.
    async fn exchange(&mut self, n: usize, out: impl Fn(usize) -> u8, mut into: impl FnMut(usize, u8)) -> Result<(), Error> {
        let mut done = 0;
        while done < n {
            let k = (n - done).min(self.chunk);
            for i in done..done + k {
                ral::write_reg!(lpspi, self.regs, TDR, out(i) as u32);
            }
            // RDF: more than RXWATER words received, i.e. the whole chunk.
            ral::write_reg!(lpspi, self.regs, FCR, TXWATER: 0, RXWATER: k as u32 - 1);
            let regs = &self.regs;
            let ok = self
                .event
                .wait(
                    &mut self.delay,
                    CHUNK_TIMEOUT_US,
                    || ral::read_reg!(lpspi, regs, SR, RDF == 1),
                    || ral::write_reg!(lpspi, regs, IER, RDIE: 1),
                )
                .await;
            ral::write_reg!(lpspi, self.regs, IER, 0);
            if !ok {
                return Err(Error::Timeout);
            }
            for i in done..done + k {
                into(i, ral::read_reg!(lpspi, self.regs, RDR) as u8);
            }
            done += k;
        }
        Ok(())
    }

    async fn run(&mut self, op: &mut Operation<'_, u8>) -> Result<(), Error> {
        match op {
            Operation::Read(buf) => self.exchange(buf.len(), |_| 0, |i, b| buf[i] = b).await,
            Operation::Write(buf) => self.exchange(buf.len(), |i| buf[i], |_, _| ()).await,
            Operation::Transfer(read, write) => {
                let n = read.len().max(write.len());
                self.exchange(
                    n,
                    |i| write.get(i).copied().unwrap_or(0),
                    |i, b| {
                        if let Some(slot) = read.get_mut(i) {
                            *slot = b;
                        }
                    },
                )
                .await
            }
            Operation::TransferInPlace(buf) => {
                // Every byte of a chunk is written before any is read back.
                let mut chunk = [0u8; 16];
                let mut done = 0;
                while done < buf.len() {
                    let k = (buf.len() - done).min(self.chunk).min(chunk.len());
                    chunk[..k].copy_from_slice(&buf[done..done + k]);
                    self.exchange(k, |i| chunk[i], |i, b| buf[done + i] = b).await?;
                    done += k;
                }
                Ok(())
            }
            Operation::DelayNs(ns) => {
                self.delay.delay_ns(*ns).await;
                Ok(())
            }
        }
    }
}

/// Interrupt handler body for LPSPI`N`: masks every LPSPI interrupt source
/// (IER = 0; the driver enables the one it waits for) and wakes the task
/// waiting on `event`.
pub fn on_interrupt<const N: u8>(event: &IrqEvent)
where
    lpspi::Instance<N>: ral::Valid,
{
    let base = match N {
        1 => lpspi::LPSPI1,
        2 => lpspi::LPSPI2,
        3 => lpspi::LPSPI3,
        4 => lpspi::LPSPI4,
        5 => lpspi::LPSPI5,
        _ => lpspi::LPSPI6,
    };
    // SAFETY: a valid instance (`Valid` bound); the handler only writes
    // IER, which the task writes only to arm this interrupt.
    let regs = unsafe { lpspi::Instance::<N>::new(base) };
    ral::write_reg!(lpspi, regs, IER, 0);
    event.notify();
}

/// One device on a shared LPSPI bus, selected by hardware PCS `pcs`.
pub struct Device<'a, const N: u8, D> {
    pub bus: &'a RefCell<Lpspi<N, D>>,
    pub pcs: u8,
}

impl<const N: u8, D> spi::ErrorType for Device<'_, N, D> {
    type Error = Error;
}

impl<const N: u8, D: DelayNs> spi::SpiDevice for Device<'_, N, D> {
    #[allow(clippy::await_holding_refcell_ref, reason = "held on purpose; a second borrow gets Busy, never a panic")]
    async fn transaction(&mut self, ops: &mut [Operation<'_, u8>]) -> Result<(), Error> {
        // The borrow spans the interrupt waits: a second device's
        // transaction meanwhile (another task on the same bus) gets
        // `Busy` instead of a panic.
        let Ok(mut bus) = self.bus.try_borrow_mut() else { return Err(Error::Busy) };
        bus.transaction(self.pcs, ops).await
    }
}
