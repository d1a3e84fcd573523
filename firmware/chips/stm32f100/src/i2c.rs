//! I2C1 controller (RM0041 §21), standard mode, interrupt-driven, with
//! the RM0041 master receiver sequences for 1, 2 and more bytes.
//!
//! Every wait for an SR1 event (SB, ADDR, BTF, TXE, RXNE) enables CR2's
//! ITEVTEN and ITERREN (plus ITBUFEN for TXE and RXNE only, so a full data
//! register does not keep interrupting a wait for BTF) and sleeps on the
//! [`IrqEvent`] (the kernel's interrupt completion, the same one the
//! RT1176 LPI2C driver uses); the board's I2C1_EV and I2C1_ER handlers
//! both call [`on_interrupt`], which masks those three enables and wakes
//! the task. An error flag ends a wait like the event does. The steps
//! between two events (ACK/POS/STOP around clearing ADDR, the DR reads)
//! run in the task without an await between them, as the RM0041 sequences
//! require; after BTF the controller stretches SCL until the task acts.

use embedded_hal_async::delay::DelayNs;
use embedded_hal_async::i2c::{self, ErrorKind, NoAcknowledgeSource, Operation};
use gale_kernel::sync::irq_event::IrqEvent;

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
const SR1_OVR: u32 = 1 << 11;
/// Every SR1 error flag (BERR, ARLO, AF, OVR, PECERR, TIMEOUT, SMBALERT):
/// each raises the error interrupt under ITERREN, so each ends a wait.
const SR1_ERRORS: u32 = 0xdf00;
const CR2_ITERREN: u16 = 1 << 8;
const CR2_ITEVTEN: u16 = 1 << 9;
const CR2_ITBUFEN: u16 = 1 << 10;
const CR2_IT: u16 = CR2_ITERREN | CR2_ITEVTEN | CR2_ITBUFEN;
/// Longest wait for one event (a byte at 100 kHz is 90 µs; a target may
/// stretch the clock).
const WAIT_TIMEOUT_US: u32 = 2_000;

/// I2C1 on PB6 (SCL) / PB7 (SDA); `D` times out waits.
pub struct I2c1<D> {
    regs: pac::I2C1,
    event: &'static IrqEvent,
    delay: D,
}

impl<D: DelayNs> I2c1<D> {
    /// Clocks on (GPIOB on APB2, I2C1 on APB1), PB6/PB7 alternate-function
    /// open-drain, software reset, standard mode at `scl_hz` (<= 100 kHz)
    /// from `pclk1_hz`, interrupt sources masked, enabled. `event` must be
    /// the one the I2C1_EV and I2C1_ER handlers pass to [`on_interrupt`].
    pub fn new(
        regs: pac::I2C1,
        rcc: &pac::RCC,
        gpiob: &pac::GPIOB,
        pclk1_hz: u32,
        scl_hz: u32,
        event: &'static IrqEvent,
        delay: D,
    ) -> Self {
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
        I2c1 { regs, event, delay }
    }

    fn sr1(&self) -> u32 {
        self.regs.sr1().read().bits() as u32
    }

    fn cr1_set(&mut self, set: u32, clear: u32) {
        // SAFETY: defined CR1 bits.
        self.regs.cr1().modify(|r, w| unsafe { w.bits(((r.bits() as u32 & !clear) | set) as _) });
    }

    /// Sleeps until `flag` in SR1 or an error flag; a NACK, arbitration
    /// loss, bus error or overrun ends the wait with that error (flags
    /// cleared by writing 0); no interrupt within the timeout is `Other`.
    async fn wait(&mut self, flag: u32, nack: NoAcknowledgeSource) -> Result<(), ErrorKind> {
        let arm = CR2_ITEVTEN | CR2_ITERREN | if flag & (SR1_TXE | SR1_RXNE) != 0 { CR2_ITBUFEN } else { 0 };
        let regs = &self.regs;
        let ok = self
            .event
            .wait(
                &mut self.delay,
                WAIT_TIMEOUT_US,
                || regs.sr1().read().bits() as u32 & (flag | SR1_ERRORS) != 0,
                // SAFETY (both): sets or clears the defined interrupt enables only.
                || {
                    regs.cr2().modify(|r, w| unsafe { w.bits(r.bits() | arm) });
                },
            )
            .await;
        self.regs.cr2().modify(|r, w| unsafe { w.bits(r.bits() & !CR2_IT) });
        let sr1 = self.sr1();
        if sr1 & SR1_ERRORS != 0 {
            // SAFETY: writing 0 clears the error flags (rc_w0).
            self.regs.sr1().write(|w| unsafe { w.bits(0) });
            return Err(if sr1 & SR1_AF != 0 {
                ErrorKind::NoAcknowledge(nack)
            } else if sr1 & SR1_ARLO != 0 {
                ErrorKind::ArbitrationLoss
            } else if sr1 & SR1_BERR != 0 {
                ErrorKind::Bus
            } else if sr1 & SR1_OVR != 0 {
                ErrorKind::Overrun
            } else {
                ErrorKind::Other
            });
        }
        if ok {
            Ok(())
        } else {
            Err(ErrorKind::Other)
        }
    }

    /// (Repeated) START and the address byte; ADDR left set.
    async fn address(&mut self, addr: u8, read: bool) -> Result<(), ErrorKind> {
        self.cr1_set(CR1_START, 0);
        self.wait(SR1_SB, NoAcknowledgeSource::Address).await?;
        // SAFETY: DR takes the 8-bit address byte.
        self.regs.dr().write(|w| unsafe { w.bits(((addr as u32) << 1 | read as u32) as _) });
        self.wait(SR1_ADDR, NoAcknowledgeSource::Address).await
    }

    /// Reading SR1 then SR2 clears ADDR.
    fn clear_addr(&mut self) {
        let _ = self.sr1();
        let _ = self.regs.sr2().read().bits();
    }

    fn dr(&self) -> u8 {
        self.regs.dr().read().bits() as u8
    }

    async fn write_bytes(&mut self, bytes: &[u8]) -> Result<(), ErrorKind> {
        self.clear_addr();
        for &b in bytes {
            self.wait(SR1_TXE, NoAcknowledgeSource::Data).await?;
            // SAFETY: DR takes any byte.
            self.regs.dr().write(|w| unsafe { w.bits(b as _) });
        }
        self.wait(SR1_BTF, NoAcknowledgeSource::Data).await
    }

    /// RM0041 master receiver; `end` is CR1.STOP (last operation) or
    /// CR1.START (a repeated START follows).
    async fn read_bytes(&mut self, buf: &mut [u8], end: u32) -> Result<(), ErrorKind> {
        match buf.len() {
            0 => {
                self.clear_addr();
                self.cr1_set(end, 0);
            }
            1 => {
                self.cr1_set(0, CR1_ACK);
                self.clear_addr();
                self.cr1_set(end, 0);
                self.wait(SR1_RXNE, NoAcknowledgeSource::Data).await?;
                buf[0] = self.dr();
            }
            2 => {
                self.cr1_set(CR1_POS, CR1_ACK);
                self.clear_addr();
                self.wait(SR1_BTF, NoAcknowledgeSource::Data).await?;
                self.cr1_set(end, CR1_POS);
                buf[0] = self.dr();
                buf[1] = self.dr();
            }
            n => {
                self.cr1_set(CR1_ACK, CR1_POS);
                self.clear_addr();
                for b in buf[..n - 3].iter_mut() {
                    self.wait(SR1_RXNE, NoAcknowledgeSource::Data).await?;
                    *b = self.dr();
                }
                // Bytes n-3 and n-2 in DR and the shift register.
                self.wait(SR1_BTF, NoAcknowledgeSource::Data).await?;
                self.cr1_set(0, CR1_ACK);
                buf[n - 3] = self.dr();
                self.wait(SR1_BTF, NoAcknowledgeSource::Data).await?;
                self.cr1_set(end, 0);
                buf[n - 2] = self.dr();
                self.wait(SR1_RXNE, NoAcknowledgeSource::Data).await?;
                buf[n - 1] = self.dr();
            }
        }
        Ok(())
    }

    /// Runs `ops` addressed to `addr`: a (repeated) START at each direction
    /// change, one STOP at the end; STOP also after an error.
    pub async fn transaction(&mut self, addr: u8, ops: &mut [Operation<'_>]) -> Result<(), ErrorKind> {
        let result = self.run(addr, ops).await;
        if result.is_err() || matches!(ops.last(), Some(Operation::Write(_)) | None) {
            self.cr1_set(CR1_STOP, 0);
        }
        result
    }

    async fn run(&mut self, addr: u8, ops: &mut [Operation<'_>]) -> Result<(), ErrorKind> {
        let count = ops.len();
        let mut i = 0;
        while i < count {
            let read = matches!(ops[i], Operation::Read(_));
            self.address(addr, read).await?;
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
                    Operation::Read(buf) if k + 1 < n => self.read_continuing(buf).await?,
                    Operation::Read(buf) => self.read_bytes(buf, if last_run { CR1_STOP } else { CR1_START }).await?,
                    Operation::Write(bytes) => self.write_bytes(bytes).await?,
                }
            }
            i = j;
        }
        Ok(())
    }

    /// A read that the next read operation continues: ACK every byte.
    async fn read_continuing(&mut self, buf: &mut [u8]) -> Result<(), ErrorKind> {
        self.cr1_set(CR1_ACK, CR1_POS);
        self.clear_addr();
        for b in buf.iter_mut() {
            self.wait(SR1_RXNE, NoAcknowledgeSource::Data).await?;
            *b = self.dr();
        }
        Ok(())
    }
}

/// Interrupt handler body for I2C1_EV and I2C1_ER: masks the controller's
/// interrupt sources (CR2 ITEVTEN, ITBUFEN, ITERREN; the driver enables
/// the ones it waits for) and wakes the task waiting on `event`.
pub fn on_interrupt(event: &IrqEvent) {
    // SAFETY: the handler only clears CR2's interrupt enables, which the
    // task sets only to arm this interrupt; FREQ is kept.
    let regs = unsafe { &*pac::I2C1::ptr() };
    regs.cr2().modify(|r, w| unsafe { w.bits(r.bits() & !CR2_IT) });
    event.notify();
}

impl<D> i2c::ErrorType for I2c1<D> {
    type Error = ErrorKind;
}

impl<D: DelayNs> i2c::I2c for I2c1<D> {
    async fn transaction(&mut self, address: u8, operations: &mut [Operation<'_>]) -> Result<(), ErrorKind> {
        I2c1::transaction(self, address, operations).await
    }
}
