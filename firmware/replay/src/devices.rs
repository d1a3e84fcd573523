//! Replay devices: the embedded-hal(-async) and embedded-io(-async) faces
//! the drivers already use, with every transaction sent to the host.

use crate::transact;
use crate::wire::{max_write, Op, Status};
use embedded_hal::i2c::{ErrorKind as I2cErrorKind, NoAcknowledgeSource, Operation as I2cOp};
use embedded_hal::spi::{ErrorKind as SpiErrorKind, Operation as SpiOp};

/// Largest SPI transfer / I2C transaction a replay device carries (bytes
/// out and bytes in, each).
pub const MAX_TRANSFER: usize = 64;

/// A UART whose transmitted bytes go to the host and whose received bytes
/// are asked for (`read_due`).
pub struct ReplayUart {
    pub bus: &'static str,
}

impl ReplayUart {
    pub const fn new(bus: &'static str) -> Self {
        ReplayUart { bus }
    }

    /// Sends `bytes` as one or more `UartWrite` requests.
    pub fn send(&self, bytes: &[u8]) {
        for chunk in bytes.chunks(max_write(self.bus)) {
            transact(Op::UartWrite, self.bus, 0, chunk, &mut []);
        }
    }

    /// The bytes the UART received by now (at most `buf.len()`).
    pub fn read_due(&self, buf: &mut [u8]) -> usize {
        match transact(Op::UartRead, self.bus, 0, &[], buf) {
            (Status::Ok, n) => n,
            _ => 0,
        }
    }

    /// Like [`read_due`](Self::read_due), each byte with whether it came
    /// with a framing error on the line (`UartReadFlagged`); returns how
    /// many pairs were filled.
    pub fn read_due_flagged(&self, out: &mut [(u8, bool)]) -> usize {
        let mut buf = [0u8; 64];
        let want = (out.len() * 2).min(buf.len());
        match transact(Op::UartReadFlagged, self.bus, 0, &[], &mut buf[..want]) {
            (Status::Ok, n) => {
                let pairs = (n / 2).min(out.len());
                for (i, slot) in out.iter_mut().enumerate().take(pairs) {
                    *slot = (buf[2 * i], buf[2 * i + 1] & 1 != 0);
                }
                pairs
            }
            _ => 0,
        }
    }
}

impl embedded_io::ErrorType for ReplayUart {
    type Error = core::convert::Infallible;
}

impl embedded_io_async::Write for ReplayUart {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.send(buf);
        Ok(buf.len())
    }
}

/// An SPI device (one chip select) on a replayed bus.
pub struct ReplaySpi {
    pub bus: &'static str,
    pub cs: u8,
}

/// The error of a replay device: the host said no.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayError(pub Status);

impl embedded_hal::spi::Error for ReplayError {
    fn kind(&self) -> SpiErrorKind {
        SpiErrorKind::Other
    }
}

impl embedded_hal::i2c::Error for ReplayError {
    fn kind(&self) -> I2cErrorKind {
        match self.0 {
            Status::Nak => I2cErrorKind::NoAcknowledge(NoAcknowledgeSource::Unknown),
            _ => I2cErrorKind::Other,
        }
    }
}

impl embedded_hal::spi::ErrorType for ReplaySpi {
    type Error = ReplayError;
}

impl embedded_hal_async::spi::SpiDevice for ReplaySpi {
    /// The whole transaction (one chip-select assertion) is one request:
    /// MOSI is the concatenation of the operations (reads clock out 0x00),
    /// MISO comes back and is handed out in the same order.
    async fn transaction(&mut self, ops: &mut [SpiOp<'_, u8>]) -> Result<(), Self::Error> {
        let mut mosi = [0u8; MAX_TRANSFER];
        let mut n = 0;
        for op in ops.iter() {
            let (len, src): (usize, Option<&[u8]>) = match op {
                SpiOp::Read(b) => (b.len(), None),
                SpiOp::Write(b) => (b.len(), Some(b)),
                SpiOp::Transfer(r, w) => (r.len().max(w.len()), Some(w)),
                SpiOp::TransferInPlace(b) => (b.len(), Some(b)),
                SpiOp::DelayNs(_) => (0, None),
            };
            let len = len.min(MAX_TRANSFER - n);
            if let Some(src) = src {
                let k = src.len().min(len);
                mosi[n..n + k].copy_from_slice(&src[..k]);
            }
            n += len;
        }
        let mut miso = [0u8; MAX_TRANSFER];
        let (status, _) = transact(Op::Spi, self.bus, self.cs, &mosi[..n], &mut miso[..n]);
        if status != Status::Ok {
            return Err(ReplayError(status));
        }
        let mut at = 0;
        for op in ops.iter_mut() {
            match op {
                SpiOp::Read(b) | SpiOp::TransferInPlace(b) => {
                    let k = b.len().min(n - at);
                    b[..k].copy_from_slice(&miso[at..at + k]);
                    at += k;
                }
                SpiOp::Transfer(r, w) => {
                    let len = r.len().max(w.len()).min(n - at);
                    let k = r.len().min(len);
                    r[..k].copy_from_slice(&miso[at..at + k]);
                    at += len;
                }
                SpiOp::Write(b) => at += b.len().min(n - at),
                SpiOp::DelayNs(_) => {}
            }
        }
        Ok(())
    }
}

/// An I2C bus whose transactions are replayed.
pub struct ReplayI2c {
    pub bus: &'static str,
}

impl embedded_hal::i2c::ErrorType for ReplayI2c {
    type Error = ReplayError;
}

impl embedded_hal_async::i2c::I2c for ReplayI2c {
    /// Supports what the drivers use: writes, reads, and writes followed by
    /// reads (repeated START), as one request.
    async fn transaction(&mut self, address: u8, ops: &mut [I2cOp<'_>]) -> Result<(), Self::Error> {
        let mut out = [0u8; MAX_TRANSFER];
        let mut n = 0;
        let mut want = 0;
        for op in ops.iter() {
            match op {
                I2cOp::Write(b) => {
                    let k = b.len().min(MAX_TRANSFER - n);
                    out[n..n + k].copy_from_slice(&b[..k]);
                    n += k;
                }
                I2cOp::Read(b) => want += b.len(),
            }
        }
        let mut inb = [0u8; MAX_TRANSFER];
        let want = want.min(MAX_TRANSFER);
        let (status, got) = transact(Op::I2c, self.bus, address, &out[..n], &mut inb[..want]);
        if status != Status::Ok {
            return Err(ReplayError(status));
        }
        let mut at = 0;
        for op in ops.iter_mut() {
            if let I2cOp::Read(b) = op {
                let k = b.len().min(got - at);
                b[..k].copy_from_slice(&inb[at..at + k]);
                at += k;
            }
        }
        Ok(())
    }
}
