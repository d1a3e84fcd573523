//! The firmware side of the replay wire format (`docs/hardware.md`).
//!
//! Frame: `magic u8 | seq u16 | len u16 | payload[len] | crc u16`, all
//! little-endian; the CRC is CRC-16/CCITT-FALSE over `seq`, `len` and the
//! payload. Requests (magic 0xA7) go up, responses (0xA8) come down.

use gale_logic::crc::crc16_update;

pub const REQUEST_MAGIC: u8 = 0xA7;
pub const RESPONSE_MAGIC: u8 = 0xA8;
/// Largest payload either side sends.
pub const MAX_PAYLOAD: usize = 240;
pub const MAX_FRAME: usize = 5 + MAX_PAYLOAD + 2;
/// Request payload bytes before the written data, without the bus name.
const REQUEST_FIXED: usize = 1 + 1 + 1 + 8 + 2;

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    /// One chip-select-framed full-duplex SPI transfer (`target` = chip select).
    Spi = 1,
    /// An I2C write, read or write-then-read (`target` = 7-bit address).
    I2c = 2,
    /// Bytes the firmware transmits on a UART.
    UartWrite = 3,
    /// Bytes a UART received by the request's timestamp (at most the read length).
    UartRead = 4,
    /// The same as (byte, flags) pairs: flags bit 0 is a framing error on
    /// that byte (at most half the read length in pairs).
    UartReadFlagged = 5,
}

/// The host's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// I2C: the address or a written byte was not acknowledged.
    Nak,
    /// Nothing attached at that bus / chip select / address.
    NoDevice,
    /// The host could not parse the request.
    BadRequest,
    /// `init` was not called (never sent by the host).
    NoLink,
}

impl Status {
    fn from_u8(b: u8) -> Status {
        match b {
            0 => Status::Ok,
            1 => Status::Nak,
            2 => Status::NoDevice,
            _ => Status::BadRequest,
        }
    }
}

/// Most bytes one request can write on `bus`.
pub const fn max_write(bus: &str) -> usize {
    MAX_PAYLOAD - REQUEST_FIXED - bus.len()
}

/// Encodes a request into `out`; returns its length. `write` must fit
/// (`max_write`); longer data is cut.
#[allow(clippy::too_many_arguments)]
pub fn request(out: &mut [u8; MAX_FRAME], seq: u16, op: Op, bus: &str, target: u8, t_ns: u64, write: &[u8], read_len: usize) -> usize {
    let bus = &bus.as_bytes()[..bus.len().min(32)];
    let write = &write[..write.len().min(MAX_PAYLOAD - REQUEST_FIXED - bus.len())];
    let len = REQUEST_FIXED + bus.len() + write.len();
    out[0] = REQUEST_MAGIC;
    out[1..3].copy_from_slice(&seq.to_le_bytes());
    out[3..5].copy_from_slice(&(len as u16).to_le_bytes());
    let mut p = 5;
    let mut put = |bytes: &[u8]| {
        out[p..p + bytes.len()].copy_from_slice(bytes);
        p += bytes.len();
    };
    put(&[op as u8, bus.len() as u8]);
    put(bus);
    put(&[target]);
    put(&t_ns.to_le_bytes());
    put(&(read_len.min(u16::MAX as usize) as u16).to_le_bytes());
    put(write);
    let crc = crc16_update(0xFFFF, &out[1..p]);
    out[p..p + 2].copy_from_slice(&crc.to_le_bytes());
    p + 2
}

/// Reassembles response frames from down-channel bytes.
pub struct Receiver {
    buf: [u8; MAX_FRAME],
    n: usize,
}

impl Default for Receiver {
    fn default() -> Self {
        Self::new()
    }
}

impl Receiver {
    pub const fn new() -> Self {
        Receiver { buf: [0; MAX_FRAME], n: 0 }
    }

    /// Takes one byte; returns `(seq, status, data)` when it completed a
    /// frame with a good CRC. Bytes before a magic byte and frames with a
    /// bad CRC or length are dropped.
    pub fn push(&mut self, b: u8) -> Option<(u16, Status, &[u8])> {
        if self.n == 0 && b != RESPONSE_MAGIC {
            return None;
        }
        self.buf[self.n] = b;
        self.n += 1;
        if self.n < 5 {
            return None;
        }
        let len = u16::from_le_bytes([self.buf[3], self.buf[4]]) as usize;
        if len == 0 || len > MAX_PAYLOAD {
            self.n = 0;
            return None;
        }
        if self.n < 5 + len + 2 {
            return None;
        }
        self.n = 0;
        let crc = u16::from_le_bytes([self.buf[5 + len], self.buf[6 + len]]);
        if crc16_update(0xFFFF, &self.buf[1..5 + len]) != crc {
            return None;
        }
        let seq = u16::from_le_bytes([self.buf[1], self.buf[2]]);
        Some((seq, Status::from_u8(self.buf[5]), &self.buf[6..5 + len]))
    }
}
