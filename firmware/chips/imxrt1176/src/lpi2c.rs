//! LPI2C controller mode (IMXRT1170RM ch. LPI2C), interrupt-driven,
//! through the command/data FIFO (MTDR commands: 0 transmit, 1 receive
//! DATA+1 bytes, 2 STOP, 4 START + address).
//!
//! Commands are written while the transmit FIFO has room (MFCR.TXWATER is
//! one less than its depth, so MSR.TDF means "room for a word"); when it is
//! full, and for received bytes and the STOP, the task enables the MIER
//! sources it waits for (TDIE, RDIE or SDIE, always with NDIE, ALIE and
//! FEIE) and sleeps on the [`IrqEvent`]; the board's LPI2C handler calls
//! [`on_interrupt`], which masks MIER and wakes the task. Received bytes
//! are taken a FIFO at a time (MFCR.RXWATER).

use embedded_hal_async::delay::DelayNs;
use embedded_hal_async::i2c::{self, ErrorKind, NoAcknowledgeSource, Operation};

use crate::ral::{self, lpi2c};
use gale_kernel::sync::irq_event::IrqEvent;

const CMD_TRANSMIT: u32 = 0;
const CMD_RECEIVE: u32 = 1;
const CMD_STOP: u32 = 2;
const CMD_START: u32 = 4;

/// NACK, arbitration lost, FIFO error (MSR and MIER bit positions).
const ERRORS: u32 = lpi2c::MSR::NDF::mask | lpi2c::MSR::ALF::mask | lpi2c::MSR::FEF::mask;

/// Longest wait for one FIFO of bytes or the STOP (4 bytes at 400 kHz:
/// ~100 µs; a target may stretch the clock).
const WAIT_TIMEOUT_US: u32 = 2_000;

/// LPI2C instance `N` as bus controller; `D` times out waits.
pub struct Lpi2c<const N: u8, D> {
    regs: lpi2c::Instance<N>,
    /// Receive FIFO depth (PARAM.MRXFIFO).
    rx_depth: usize,
    event: &'static IrqEvent,
    delay: D,
}

impl<const N: u8, D: DelayNs> Lpi2c<N, D> {
    /// Reset, SCL timing for `scl_hz` from `clk_hz`, controller enabled, all
    /// interrupt sources masked. `event` must be the one the LPI2C`N`
    /// handler passes to [`on_interrupt`].
    pub fn new(regs: lpi2c::Instance<N>, clk_hz: u32, scl_hz: u32, event: &'static IrqEvent, delay: D) -> Self {
        ral::write_reg!(lpi2c, regs, MCR, RST: 1, RTF: 1, RRF: 1);
        ral::write_reg!(lpi2c, regs, MCR, 0);
        ral::write_reg!(lpi2c, regs, MIER, 0);
        // SCL period = (CLKLO + CLKHI + 2) / (clk / 2^PRESCALE) (latency ignored).
        let mut prescale = 0;
        let mut cycles = clk_hz / scl_hz.max(1);
        while cycles > 120 && prescale < 7 {
            prescale += 1;
            cycles /= 2;
        }
        let lo = (cycles / 2).clamp(3, 63);
        let hi = cycles.saturating_sub(lo + 2).clamp(1, 63);
        ral::write_reg!(lpi2c, regs, MCFGR1, PRESCALE: prescale);
        ral::write_reg!(lpi2c, regs, MCCR0, CLKLO: lo, CLKHI: hi, SETHOLD: hi, DATAVD: hi / 2);
        // PARAM.MTXFIFO/MRXFIFO are log2 of the FIFO depths (4 words on the
        // RT1176); the water marks are 2-bit fields.
        let (tx, rx) = ral::read_reg!(lpi2c, regs, PARAM, MTXFIFO, MRXFIFO);
        let (tx_depth, rx_depth) = (1u32 << tx.min(2), 1usize << rx.min(2));
        ral::write_reg!(lpi2c, regs, MFCR, TXWATER: tx_depth - 1, RXWATER: 0);
        ral::write_reg!(lpi2c, regs, MCR, MEN: 1);
        Lpi2c { regs, rx_depth, event, delay }
    }

    /// Sleeps until `flag` (an MSR bit) or an error flag is set, with the
    /// matching MIER sources enabled; `false` on timeout.
    async fn wait(&mut self, flag: u32) -> bool {
        let regs = &self.regs;
        let ok = self
            .event
            .wait(
                &mut self.delay,
                WAIT_TIMEOUT_US,
                || ral::read_reg!(lpi2c, regs, MSR) & (flag | ERRORS) != 0,
                || ral::write_reg!(lpi2c, regs, MIER, flag | ERRORS),
            )
            .await;
        ral::write_reg!(lpi2c, self.regs, MIER, 0);
        ok
    }

    async fn push(&mut self, cmd: u32, data: u32) -> Result<(), ErrorKind> {
        self.check()?;
        if ral::read_reg!(lpi2c, self.regs, MSR, TDF == 0) && !self.wait(lpi2c::MSR::TDF::mask).await {
            return Err(ErrorKind::Other);
        }
        self.check()?;
        ral::write_reg!(lpi2c, self.regs, MTDR, CMD: cmd, DATA: data);
        Ok(())
    }

    /// NACK, arbitration loss, FIFO error: clear the flags and report.
    fn check(&mut self) -> Result<(), ErrorKind> {
        let msr = ral::read_reg!(lpi2c, self.regs, MSR);
        let ndf = msr & lpi2c::MSR::NDF::mask != 0;
        let alf = msr & lpi2c::MSR::ALF::mask != 0;
        let fef = msr & lpi2c::MSR::FEF::mask != 0;
        if ndf || alf || fef {
            ral::write_reg!(lpi2c, self.regs, MSR, NDF: ndf as u32, ALF: alf as u32, FEF: fef as u32);
            ral::modify_reg!(lpi2c, self.regs, MCR, RTF: 1, RRF: 1);
            return Err(if ndf {
                ErrorKind::NoAcknowledge(NoAcknowledgeSource::Unknown)
            } else if alf {
                ErrorKind::ArbitrationLoss
            } else {
                ErrorKind::Overrun
            });
        }
        Ok(())
    }

    /// Receives `buf.len()` (1..=256) bytes of an open read: one receive
    /// command, then the bytes a FIFO at a time.
    async fn receive(&mut self, buf: &mut [u8]) -> Result<(), ErrorKind> {
        self.push(CMD_RECEIVE, buf.len() as u32 - 1).await?;
        for part in buf.chunks_mut(self.rx_depth) {
            // RDF: more than RXWATER bytes received, i.e. the whole part.
            ral::modify_reg!(lpi2c, self.regs, MFCR, RXWATER: part.len() as u32 - 1);
            let ok = self.wait(lpi2c::MSR::RDF::mask).await;
            self.check()?;
            if !ok {
                return Err(ErrorKind::Other);
            }
            for b in part.iter_mut() {
                let r = ral::read_reg!(lpi2c, self.regs, MRDR);
                if r & lpi2c::MRDR::RXEMPTY::mask != 0 {
                    return Err(ErrorKind::Other);
                }
                *b = r as u8;
            }
        }
        Ok(())
    }

    /// Runs `ops` addressed to `addr` with repeated STARTs between
    /// direction changes and one STOP at the end.
    pub async fn transaction(&mut self, addr: u8, ops: &mut [Operation<'_>]) -> Result<(), ErrorKind> {
        if ops.is_empty() {
            return Ok(());
        }
        let result = self.run(addr, ops).await;
        let stop = self.push(CMD_STOP, 0).await;
        // Wait for the STOP (MSR.SDF; after a NACK the controller sent it
        // already), then clear it.
        let stopped = self.wait(lpi2c::MSR::SDF::mask).await;
        ral::write_reg!(lpi2c, self.regs, MSR, SDF: 1);
        result.and(stop).and_then(|_| self.check()).and(if stopped { Ok(()) } else { Err(ErrorKind::Other) })
    }

    async fn run(&mut self, addr: u8, ops: &mut [Operation<'_>]) -> Result<(), ErrorKind> {
        let mut last_read: Option<bool> = None;
        for op in ops.iter_mut() {
            let read = matches!(op, Operation::Read(_));
            if last_read != Some(read) {
                self.push(CMD_START, (addr as u32) << 1 | read as u32).await?;
                last_read = Some(read);
            }
            match op {
                Operation::Write(bytes) => {
                    for &b in bytes.iter() {
                        self.push(CMD_TRANSMIT, b as u32).await?;
                    }
                }
                Operation::Read(buf) => {
                    for chunk in buf.chunks_mut(256) {
                        self.receive(chunk).await?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Interrupt handler body for LPI2C`N`: masks every controller interrupt
/// source (MIER = 0; the driver enables the ones it waits for) and wakes
/// the task waiting on `event`.
pub fn on_interrupt<const N: u8>(event: &IrqEvent)
where
    lpi2c::Instance<N>: ral::Valid,
{
    let base = match N {
        1 => lpi2c::LPI2C1,
        2 => lpi2c::LPI2C2,
        3 => lpi2c::LPI2C3,
        4 => lpi2c::LPI2C4,
        5 => lpi2c::LPI2C5,
        _ => lpi2c::LPI2C6,
    };
    // SAFETY: a valid instance (`Valid` bound); the handler only writes
    // MIER, which the task writes only to arm this interrupt.
    let regs = unsafe { lpi2c::Instance::<N>::new(base) };
    ral::write_reg!(lpi2c, regs, MIER, 0);
    event.notify();
}

impl<const N: u8, D> i2c::ErrorType for Lpi2c<N, D> {
    type Error = ErrorKind;
}

impl<const N: u8, D: DelayNs> i2c::I2c for Lpi2c<N, D> {
    async fn transaction(&mut self, address: u8, operations: &mut [Operation<'_>]) -> Result<(), ErrorKind> {
        Lpi2c::transaction(self, address, operations).await
    }
}
