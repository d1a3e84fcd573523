//! I2C1 controller (RM0041 §21), standard mode, polled, with the RM0041
//! master receiver sequences for 1, 2 and more bytes.

use embedded_hal_async::i2c::{self, ErrorKind, NoAcknowledgeSource, Operation};

use crate::gpio::{configure_output, OutputKind, Speed};
use crate::pac;

const CR1_PE: u32 = 1 << 0;
const CR1_START: u32 = 1 << 8;
const CR1_STOP: u32 = 1 << 9;
const CR1_ACK: u32 = 1 << 10;
const CR1_POS: u32 = 1 << 11;
const CR1_SWRST: u32 = 1 << 15;
const SR1_SB: u32 = 1 << 0;
const SR1_ADDR: u32 = 1 << 1;
const SR1_BTF: u32 = 1 << 2;
const SR1_RXNE: u32 = 1 << 6;
const SR1_TXE: u32 = 1 << 7;
const SR1_BERR: u32 = 1 << 8;
const SR1_ARLO: u32 = 1 << 9;
const SR1_AF: u32 = 1 << 10;
const SPIN_LIMIT: u32 = 20_000;

/// I2C1 on PB6 (SCL) / PB7 (SDA).
pub struct I2c1 {
    regs: pac::I2C1,
}

impl I2c1 {
    /// Clocks on (GPIOB on APB2, I2C1 on APB1), PB6/PB7 alternate-function
    /// open-drain, software reset, standard mode at `scl_hz` (<= 100 kHz)
    /// from `pclk1_hz`, enabled.
    pub fn new(regs: pac::I2C1, rcc: &pac::RCC, gpiob: &pac::GPIOB, pclk1_hz: u32, scl_hz: u32) -> Self {
        rcc.apb2enr().modify(|_, w| w.iopben().set_bit());
        rcc.apb1enr().modify(|_, w| w.i2c1en().set_bit());
        configure_output(gpiob, 6, OutputKind::AltOpenDrain, Speed::Mhz2);
        configure_output(gpiob, 7, OutputKind::AltOpenDrain, Speed::Mhz2);
        let freq_mhz = (pclk1_hz / 1_000_000).clamp(2, 36);
        let ccr = (pclk1_hz / (2 * scl_hz.clamp(1, 100_000))).max(4);
        // SAFETY (all `bits` writes): defined fields, values in range.
        unsafe {
            regs.cr1().write(|w| w.bits(CR1_SWRST as _));
            regs.cr1().write(|w| w.bits(0));
            regs.cr2().write(|w| w.bits(freq_mhz as _));
            regs.ccr().write(|w| w.bits(ccr as _));
            regs.trise().write(|w| w.bits((freq_mhz + 1) as _));
            regs.cr1().write(|w| w.bits(CR1_PE as _));
        }
        I2c1 { regs }
    }

    fn sr1(&self) -> u32 {
        self.regs.sr1().read().bits() as u32
    }

    fn cr1_set(&mut self, set: u32, clear: u32) {
        // SAFETY: defined CR1 bits.
        self.regs.cr1().modify(|r, w| unsafe { w.bits(((r.bits() as u32 & !clear) | set) as _) });
    }

    /// Waits for `flag` in SR1; a NACK, arbitration loss or bus error ends
    /// the wait with that error (flags cleared by writing 0).
    fn wait(&mut self, flag: u32, nack: NoAcknowledgeSource) -> Result<(), ErrorKind> {
        for _ in 0..SPIN_LIMIT {
            let sr1 = self.sr1();
            let error = if sr1 & SR1_AF != 0 {
                Some(ErrorKind::NoAcknowledge(nack))
            } else if sr1 & SR1_ARLO != 0 {
                Some(ErrorKind::ArbitrationLoss)
            } else if sr1 & SR1_BERR != 0 {
                Some(ErrorKind::Bus)
            } else {
                None
            };
            if let Some(e) = error {
                // SAFETY: writing 0 clears the error flags (rc_w0).
                self.regs.sr1().write(|w| unsafe { w.bits(0) });
                return Err(e);
            }
            if sr1 & flag != 0 {
                return Ok(());
            }
        }
        Err(ErrorKind::Other)
    }

    /// (Repeated) START and the address byte; ADDR left set.
    fn address(&mut self, addr: u8, read: bool) -> Result<(), ErrorKind> {
        self.cr1_set(CR1_START, 0);
        self.wait(SR1_SB, NoAcknowledgeSource::Address)?;
        // SAFETY: DR takes the 8-bit address byte.
        self.regs.dr().write(|w| unsafe { w.bits(((addr as u32) << 1 | read as u32) as _) });
        self.wait(SR1_ADDR, NoAcknowledgeSource::Address)
    }

    /// Reading SR1 then SR2 clears ADDR.
    fn clear_addr(&mut self) {
        let _ = self.sr1();
        let _ = self.regs.sr2().read().bits();
    }

    fn dr(&self) -> u8 {
        self.regs.dr().read().bits() as u8
    }

    fn write_bytes(&mut self, bytes: &[u8]) -> Result<(), ErrorKind> {
        self.clear_addr();
        for &b in bytes {
            self.wait(SR1_TXE, NoAcknowledgeSource::Data)?;
            // SAFETY: DR takes any byte.
            self.regs.dr().write(|w| unsafe { w.bits(b as _) });
        }
        self.wait(SR1_BTF, NoAcknowledgeSource::Data)
    }

    /// RM0041 master receiver; `end` is CR1.STOP (last operation) or
    /// CR1.START (a repeated START follows).
    fn read_bytes(&mut self, buf: &mut [u8], end: u32) -> Result<(), ErrorKind> {
        match buf.len() {
            0 => {
                self.clear_addr();
                self.cr1_set(end, 0);
            }
            1 => {
                self.cr1_set(0, CR1_ACK);
                self.clear_addr();
                self.cr1_set(end, 0);
                self.wait(SR1_RXNE, NoAcknowledgeSource::Data)?;
                buf[0] = self.dr();
            }
            2 => {
                self.cr1_set(CR1_POS, CR1_ACK);
                self.clear_addr();
                self.wait(SR1_BTF, NoAcknowledgeSource::Data)?;
                self.cr1_set(end, CR1_POS);
                buf[0] = self.dr();
                buf[1] = self.dr();
            }
            n => {
                self.cr1_set(CR1_ACK, CR1_POS);
                self.clear_addr();
                for b in buf[..n - 3].iter_mut() {
                    self.wait(SR1_RXNE, NoAcknowledgeSource::Data)?;
                    *b = self.dr();
                }
                // Bytes n-3 and n-2 in DR and the shift register.
                self.wait(SR1_BTF, NoAcknowledgeSource::Data)?;
                self.cr1_set(0, CR1_ACK);
                buf[n - 3] = self.dr();
                self.wait(SR1_BTF, NoAcknowledgeSource::Data)?;
                self.cr1_set(end, 0);
                buf[n - 2] = self.dr();
                self.wait(SR1_RXNE, NoAcknowledgeSource::Data)?;
                buf[n - 1] = self.dr();
            }
        }
        Ok(())
    }

    /// Runs `ops` addressed to `addr`: a (repeated) START at each direction
    /// change, one STOP at the end; STOP also after an error.
    pub fn transaction(&mut self, addr: u8, ops: &mut [Operation<'_>]) -> Result<(), ErrorKind> {
        let result = self.run(addr, ops);
        if result.is_err() || matches!(ops.last(), Some(Operation::Write(_)) | None) {
            self.cr1_set(CR1_STOP, 0);
        }
        result
    }

    fn run(&mut self, addr: u8, ops: &mut [Operation<'_>]) -> Result<(), ErrorKind> {
        let count = ops.len();
        let mut i = 0;
        while i < count {
            let read = matches!(ops[i], Operation::Read(_));
            self.address(addr, read)?;
            // Consecutive operations of one direction form one transfer.
            let mut j = i;
            while j < count && matches!(ops[j], Operation::Read(_)) == read {
                j += 1;
            }
            let last_run = j == count;
            let run = &mut ops[i..j];
            let n = run.len();
            for (k, op) in run.iter_mut().enumerate() {
                match op {
                    // Reads of one run are concatenated on the wire; only
                    // the last one ends it (STOP, or START for what follows).
                    Operation::Read(buf) if k + 1 < n => self.read_continuing(buf)?,
                    Operation::Read(buf) => self.read_bytes(buf, if last_run { CR1_STOP } else { CR1_START })?,
                    Operation::Write(bytes) => self.write_bytes(bytes)?,
                }
            }
            i = j;
        }
        Ok(())
    }

    /// A read that the next read operation continues: ACK every byte.
    fn read_continuing(&mut self, buf: &mut [u8]) -> Result<(), ErrorKind> {
        self.cr1_set(CR1_ACK, CR1_POS);
        self.clear_addr();
        for b in buf.iter_mut() {
            self.wait(SR1_RXNE, NoAcknowledgeSource::Data)?;
            *b = self.dr();
        }
        Ok(())
    }
}

impl i2c::ErrorType for I2c1 {
    type Error = ErrorKind;
}

impl i2c::I2c for I2c1 {
    async fn transaction(&mut self, address: u8, operations: &mut [Operation<'_>]) -> Result<(), ErrorKind> {
        I2c1::transaction(self, address, operations)
    }
}
