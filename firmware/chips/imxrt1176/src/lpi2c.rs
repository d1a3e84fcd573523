//! LPI2C controller mode (IMXRT1170RM ch. LPI2C), polled, through the
//! command/data FIFO (MTDR commands: 0 transmit, 1 receive DATA+1 bytes,
//! 2 STOP, 4 START + address).

use embedded_hal_async::i2c::{self, ErrorKind, NoAcknowledgeSource, Operation};

use crate::ral::{self, lpi2c};
use crate::spin_until;

const CMD_TRANSMIT: u32 = 0;
const CMD_RECEIVE: u32 = 1;
const CMD_STOP: u32 = 2;
const CMD_START: u32 = 4;

/// LPI2C instance `N` as bus controller.
pub struct Lpi2c<const N: u8> {
    regs: lpi2c::Instance<N>,
}

impl<const N: u8> Lpi2c<N> {
    /// Reset, SCL timing for `scl_hz` from `clk_hz`, controller enabled.
    pub fn new(regs: lpi2c::Instance<N>, clk_hz: u32, scl_hz: u32) -> Self {
        ral::write_reg!(lpi2c, regs, MCR, RST: 1, RTF: 1, RRF: 1);
        ral::write_reg!(lpi2c, regs, MCR, 0);
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
        ral::write_reg!(lpi2c, regs, MFCR, TXWATER: 0, RXWATER: 0);
        ral::write_reg!(lpi2c, regs, MCR, MEN: 1);
        Lpi2c { regs }
    }

    fn push(&mut self, cmd: u32, data: u32) -> Result<(), ErrorKind> {
        self.check()?;
        if !spin_until(|| ral::read_reg!(lpi2c, self.regs, MSR, TDF == 1)) {
            return Err(ErrorKind::Other);
        }
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

    fn pop(&mut self) -> Result<u8, ErrorKind> {
        let mut byte = None;
        let ok = spin_until(|| {
            let r = ral::read_reg!(lpi2c, self.regs, MRDR);
            if r & lpi2c::MRDR::RXEMPTY::mask == 0 {
                byte = Some(r as u8);
            }
            byte.is_some() || self.check().is_err()
        });
        match (ok, byte) {
            (_, Some(b)) => Ok(b),
            (true, None) => self.check().and(Err(ErrorKind::NoAcknowledge(NoAcknowledgeSource::Unknown))),
            (false, None) => Err(ErrorKind::Other),
        }
    }

    /// Runs `ops` addressed to `addr` with repeated STARTs between
    /// direction changes and one STOP at the end.
    pub fn transaction(&mut self, addr: u8, ops: &mut [Operation<'_>]) -> Result<(), ErrorKind> {
        let result = self.run(addr, ops);
        let stop = self.push(CMD_STOP, 0);
        // Wait for the STOP (MSR.SDF), then clear it.
        spin_until(|| ral::read_reg!(lpi2c, self.regs, MSR, SDF == 1));
        ral::write_reg!(lpi2c, self.regs, MSR, SDF: 1);
        result.and(stop).and_then(|_| self.check())
    }

    fn run(&mut self, addr: u8, ops: &mut [Operation<'_>]) -> Result<(), ErrorKind> {
        let mut last_read: Option<bool> = None;
        for op in ops.iter_mut() {
            let read = matches!(op, Operation::Read(_));
            if last_read != Some(read) {
                self.push(CMD_START, (addr as u32) << 1 | read as u32)?;
                last_read = Some(read);
            }
            match op {
                Operation::Write(bytes) => bytes.iter().try_for_each(|&b| self.push(CMD_TRANSMIT, b as u32))?,
                Operation::Read(buf) => {
                    for chunk in buf.chunks_mut(256) {
                        self.push(CMD_RECEIVE, chunk.len() as u32 - 1)?;
                        for b in chunk.iter_mut() {
                            *b = self.pop()?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

impl<const N: u8> i2c::ErrorType for Lpi2c<N> {
    type Error = ErrorKind;
}

impl<const N: u8> i2c::I2c for Lpi2c<N> {
    async fn transaction(&mut self, address: u8, operations: &mut [Operation<'_>]) -> Result<(), ErrorKind> {
        Lpi2c::transaction(self, address, operations)
    }
}
