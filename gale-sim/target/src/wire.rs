//! The replay wire format, host side (the firmware side is
//! `firmware/replay/src/wire.rs`; both are described in `docs/hardware.md`).
//!
//! Frame: `magic u8 | seq u16 | len u16 | payload[len] | crc u16`,
//! little-endian, CRC-16/CCITT-FALSE over `seq`, `len` and the payload.
//! Requests (0xA7) come up on RTT up channel `replay`, responses (0xA8)
//! go down on down channel `replay`.

pub const REQUEST_MAGIC: u8 = 0xA7;
pub const RESPONSE_MAGIC: u8 = 0xA8;
pub const MAX_PAYLOAD: usize = 240;

/// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no xor out).
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in data {
        crc ^= (b as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Spi,
    I2c,
    UartWrite,
    UartRead,
    /// `UartRead` answered as (byte, flags) pairs; flags bit 0: framing error.
    UartReadFlagged,
}

impl Op {
    fn from_u8(b: u8) -> Option<Op> {
        Some(match b {
            1 => Op::Spi,
            2 => Op::I2c,
            3 => Op::UartWrite,
            4 => Op::UartRead,
            5 => Op::UartReadFlagged,
            _ => return None,
        })
    }
}

/// One bus transaction the firmware asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub seq: u16,
    pub op: Op,
    /// The bus peripheral's name (`LPSPI1`, `USART2`).
    pub bus: String,
    /// Chip select (SPI) or 7-bit address (I2C).
    pub target: u8,
    /// Firmware time of the request, nanoseconds since reset.
    pub t_ns: u64,
    pub read_len: usize,
    pub write: Vec<u8>,
}

/// The host's answer status (byte 0 of a response payload).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    Ok = 0,
    Nak = 1,
    NoDevice = 2,
    BadRequest = 3,
}

/// Encodes a response frame.
pub fn response(seq: u16, status: Status, data: &[u8]) -> Vec<u8> {
    let data = &data[..data.len().min(MAX_PAYLOAD - 1)];
    let len = 1 + data.len();
    let mut f = vec![RESPONSE_MAGIC];
    f.extend_from_slice(&seq.to_le_bytes());
    f.extend_from_slice(&(len as u16).to_le_bytes());
    f.push(status as u8);
    f.extend_from_slice(data);
    let crc = crc16(&f[1..]);
    f.extend_from_slice(&crc.to_le_bytes());
    f
}

/// Why a stream of request bytes could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    BadCrc {
        seq: u16,
    },
    BadLength(usize),
    BadPayload {
        seq: u16,
        why: &'static str,
    },
    /// Bytes that are not the start of a frame.
    Garbage(u8),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::BadCrc { seq } => write!(f, "request {seq} has a bad CRC"),
            WireError::BadLength(n) => write!(f, "frame length {n} is above {MAX_PAYLOAD}"),
            WireError::BadPayload { seq, why } => write!(f, "request {seq}: {why}"),
            WireError::Garbage(b) => write!(f, "byte {b:#04x} where a request should start"),
        }
    }
}

/// Reassembles requests from up-channel bytes.
#[derive(Default)]
pub struct Decoder {
    buf: Vec<u8>,
}

impl Decoder {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete request, `Ok(None)` if more bytes are needed.
    /// The up channel is lossless (it blocks when full), so any damage is
    /// an error, not something to resynchronise over.
    pub fn next_request(&mut self) -> Result<Option<Request>, WireError> {
        let Some(&magic) = self.buf.first() else {
            return Ok(None);
        };
        if magic != REQUEST_MAGIC {
            self.buf.remove(0);
            return Err(WireError::Garbage(magic));
        }
        if self.buf.len() < 5 {
            return Ok(None);
        }
        let seq = u16::from_le_bytes([self.buf[1], self.buf[2]]);
        let len = u16::from_le_bytes([self.buf[3], self.buf[4]]) as usize;
        if len > MAX_PAYLOAD {
            self.buf.clear();
            return Err(WireError::BadLength(len));
        }
        if self.buf.len() < 7 + len {
            return Ok(None);
        }
        let frame: Vec<u8> = self.buf.drain(..7 + len).collect();
        let crc = u16::from_le_bytes([frame[5 + len], frame[6 + len]]);
        if crc16(&frame[1..5 + len]) != crc {
            return Err(WireError::BadCrc { seq });
        }
        parse(seq, &frame[5..5 + len]).map(Some)
    }
}

fn parse(seq: u16, p: &[u8]) -> Result<Request, WireError> {
    let bad = |why| WireError::BadPayload { seq, why };
    let op = Op::from_u8(*p.first().ok_or(bad("empty"))?).ok_or(bad("unknown operation"))?;
    let bus_len = *p.get(1).ok_or(bad("no bus name"))? as usize;
    let fixed = 2 + bus_len + 1 + 8 + 2;
    if p.len() < fixed {
        return Err(bad("shorter than its header"));
    }
    let bus = std::str::from_utf8(&p[2..2 + bus_len])
        .map_err(|_| bad("bus name is not UTF-8"))?
        .to_string();
    let at = 2 + bus_len;
    let target = p[at];
    let t_ns = u64::from_le_bytes(p[at + 1..at + 9].try_into().unwrap());
    let read_len = u16::from_le_bytes([p[at + 9], p[at + 10]]) as usize;
    Ok(Request {
        seq,
        op,
        bus,
        target,
        t_ns,
        read_len,
        write: p[fixed..].to_vec(),
    })
}

/// Encodes a request as the firmware does (for tests and fakes).
pub fn request(r: &Request) -> Vec<u8> {
    let op = match r.op {
        Op::Spi => 1,
        Op::I2c => 2,
        Op::UartWrite => 3,
        Op::UartRead => 4,
        Op::UartReadFlagged => 5,
    };
    let mut p = vec![op, r.bus.len() as u8];
    p.extend_from_slice(r.bus.as_bytes());
    p.push(r.target);
    p.extend_from_slice(&r.t_ns.to_le_bytes());
    p.extend_from_slice(&(r.read_len as u16).to_le_bytes());
    p.extend_from_slice(&r.write);
    let mut f = vec![REQUEST_MAGIC];
    f.extend_from_slice(&r.seq.to_le_bytes());
    f.extend_from_slice(&(p.len() as u16).to_le_bytes());
    f.extend_from_slice(&p);
    let crc = crc16(&f[1..]);
    f.extend_from_slice(&crc.to_le_bytes());
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_check_value() {
        assert_eq!(crc16(b"123456789"), 0x29B1);
    }

    fn req(seq: u16) -> Request {
        Request {
            seq,
            op: Op::Spi,
            bus: "LPSPI1".into(),
            target: 2,
            t_ns: 1_000_123,
            read_len: 3,
            write: vec![0x80 | 0x1F, 0, 0],
        }
    }

    #[test]
    fn requests_round_trip_across_chunk_boundaries() {
        let mut bytes = request(&req(7));
        bytes.extend(request(&req(8)));
        let mut d = Decoder::default();
        let mut got = Vec::new();
        for chunk in bytes.chunks(5) {
            d.push(chunk);
            while let Some(r) = d.next_request().unwrap() {
                got.push(r);
            }
        }
        assert_eq!(got, vec![req(7), req(8)]);
    }

    #[test]
    fn a_damaged_request_is_an_error() {
        let mut bytes = request(&req(1));
        bytes[9] ^= 0x40;
        let mut d = Decoder::default();
        d.push(&bytes);
        assert_eq!(d.next_request(), Err(WireError::BadCrc { seq: 1 }));
    }

    #[test]
    fn response_layout() {
        let f = response(0x0102, Status::Nak, &[9]);
        assert_eq!(&f[..7], &[RESPONSE_MAGIC, 2, 1, 2, 0, 1, 9]);
        assert_eq!(crc16(&f[1..7]).to_le_bytes(), [f[7], f[8]]);
    }
}
