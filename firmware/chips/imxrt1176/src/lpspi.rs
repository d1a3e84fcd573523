//! LPSPI controller mode (IMXRT1170RM ch. LPSPI), polled, 8-bit frames,
//! hardware chip selects PCS0..PCS3 framed with TCR.CONT.

use core::cell::RefCell;

use embedded_hal_async::spi::{self, Operation};

use crate::ral::{self, lpspi};
use crate::spin_until;

/// A transfer did not complete (RDF never set): no clock, or no peripheral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeout;

impl spi::Error for Timeout {
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

/// LPSPI instance `N` as bus controller.
pub struct Lpspi<const N: u8> {
    regs: lpspi::Instance<N>,
    mode: Mode,
}

impl<const N: u8> Lpspi<N> {
    /// Reset, controller mode, SCK = `clk_hz / (SCKDIV + 2)` closest to and
    /// not above `sck_hz`, FIFO watermarks 0, module enabled.
    pub fn new(regs: lpspi::Instance<N>, clk_hz: u32, sck_hz: u32, mode: Mode) -> Self {
        ral::write_reg!(lpspi, regs, CR, RST: 1, RTF: 1, RRF: 1);
        ral::write_reg!(lpspi, regs, CR, 0);
        ral::write_reg!(lpspi, regs, CFGR1, MASTER: 1);
        let div = clk_hz.div_ceil(sck_hz.max(1)).clamp(2, 257) - 2;
        ral::write_reg!(lpspi, regs, CCR, SCKDIV: div, DBT: div, PCSSCK: div / 2, SCKPCS: div / 2);
        ral::write_reg!(lpspi, regs, FCR, TXWATER: 0, RXWATER: 0);
        ral::write_reg!(lpspi, regs, CR, MEN: 1);
        Lpspi { regs, mode }
    }

    fn command(&mut self, pcs: u8, cont: bool) {
        let (cpol, cpha) = match self.mode {
            Mode::Mode0 => (0, 0),
            Mode::Mode3 => (1, 1),
        };
        ral::write_reg!(lpspi, self.regs, TCR, CPOL: cpol, CPHA: cpha, PCS: pcs as u32, CONT: cont as u32, FRAMESZ: 7);
    }

    /// One full-duplex byte.
    fn exchange(&mut self, out: u8) -> Result<u8, Timeout> {
        if !spin_until(|| ral::read_reg!(lpspi, self.regs, SR, TDF == 1)) {
            return Err(Timeout);
        }
        ral::write_reg!(lpspi, self.regs, TDR, out as u32);
        if !spin_until(|| ral::read_reg!(lpspi, self.regs, SR, RDF == 1)) {
            return Err(Timeout);
        }
        Ok(ral::read_reg!(lpspi, self.regs, RDR) as u8)
    }

    /// Runs `ops` as one chip-select framed transfer on PCS `pcs`.
    pub fn transaction(&mut self, pcs: u8, ops: &mut [Operation<'_, u8>]) -> Result<(), Timeout> {
        self.command(pcs, true);
        let result = ops.iter_mut().try_for_each(|op| self.run(op));
        // A command with CONT clear ends the continuous transfer: PCS released.
        self.command(pcs, false);
        result
    }

    fn run(&mut self, op: &mut Operation<'_, u8>) -> Result<(), Timeout> {
        match op {
            Operation::Read(buf) => buf.iter_mut().try_for_each(|b| {
                *b = self.exchange(0)?;
                Ok(())
            }),
            Operation::Write(buf) => buf.iter().try_for_each(|&b| self.exchange(b).map(drop)),
            Operation::Transfer(read, write) => {
                let n = read.len().max(write.len());
                (0..n).try_for_each(|i| {
                    let r = self.exchange(write.get(i).copied().unwrap_or(0))?;
                    if let Some(slot) = read.get_mut(i) {
                        *slot = r;
                    }
                    Ok(())
                })
            }
            Operation::TransferInPlace(buf) => buf.iter_mut().try_for_each(|b| {
                *b = self.exchange(*b)?;
                Ok(())
            }),
            Operation::DelayNs(ns) => {
                // ~1 loop per ns at the core clock is an overestimate; fine for setup delays.
                for _ in 0..*ns / 4 {
                    core::hint::spin_loop();
                }
                Ok(())
            }
        }
    }
}

/// One device on a shared LPSPI bus, selected by hardware PCS `pcs`.
pub struct Device<'a, const N: u8> {
    pub bus: &'a RefCell<Lpspi<N>>,
    pub pcs: u8,
}

impl<const N: u8> spi::ErrorType for Device<'_, N> {
    type Error = Timeout;
}

impl<const N: u8> spi::SpiDevice for Device<'_, N> {
    async fn transaction(&mut self, ops: &mut [Operation<'_, u8>]) -> Result<(), Timeout> {
        // Polled: completes without awaiting, so the borrow never spans a yield.
        self.bus.borrow_mut().transaction(self.pcs, ops)
    }
}
