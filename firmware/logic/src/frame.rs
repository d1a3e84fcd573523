//! Telemetry framing shared by every image and the host tools.
//!
//! Wire format (all multi-byte fields little-endian):
//!
//! | offset | size | field                                                   |
//! |--------|------|---------------------------------------------------------|
//! | 0      | 2    | sync `0xA5 0x5A`                                        |
//! | 2      | 1    | `len`: payload length in bytes (0..=[`MAX_PAYLOAD`])    |
//! | 3      | 1    | `id`: message id ([`crate::telemetry`] lists them)      |
//! | 4      | 2    | `seq`: u16 sequence number, +1 per frame, wrapping      |
//! | 6      | len  | payload                                                 |
//! | 6+len  | 2    | CRC-16/CCITT-FALSE over bytes 2..6+len (len,id,seq,payload) |
//!
//! The CRC is [`crate::crc::crc16`]: poly 0x1021, init 0xFFFF, no reflection,
//! no final XOR.

use crate::crc::{crc16, crc16_update};
use crate::payload::Payload;

/// First and second sync byte.
pub const SYNC: [u8; 2] = [0xA5, 0x5A];
/// Largest payload a frame carries.
pub const MAX_PAYLOAD: usize = 64;
/// Bytes around the payload: sync(2) + len(1) + id(1) + seq(2) + crc(2).
pub const OVERHEAD: usize = 8;
/// Largest encoded frame.
pub const MAX_FRAME: usize = MAX_PAYLOAD + OVERHEAD;

/// A decoded frame, payload copied into a fixed buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    pub id: u8,
    pub seq: u16,
    pub payload: Payload<MAX_PAYLOAD>,
}

impl Frame {
    /// The payload bytes actually carried.
    pub fn payload(&self) -> &[u8] {
        self.payload.as_slice()
    }
}

/// Encoding failed because the payload is larger than [`MAX_PAYLOAD`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayloadTooLong;

/// Encodes one frame into `out` and returns the number of bytes written.
pub fn encode(id: u8, seq: u16, payload: &[u8], out: &mut [u8; MAX_FRAME]) -> Result<usize, PayloadTooLong> {
    if payload.len() > MAX_PAYLOAD {
        return Err(PayloadTooLong);
    }
    let n = payload.len();
    out[0..2].copy_from_slice(&SYNC);
    out[2] = n as u8;
    out[3] = id;
    out[4..6].copy_from_slice(&seq.to_le_bytes());
    out[6..6 + n].copy_from_slice(payload);
    let crc = crc16(&out[2..6 + n]);
    out[6 + n..8 + n].copy_from_slice(&crc.to_le_bytes());
    Ok(n + OVERHEAD)
}

/// What one byte did to the decoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Nothing complete yet.
    Pending,
    /// A frame with a valid CRC completed.
    Frame(Frame),
    /// A frame completed but its CRC did not match; it was dropped.
    CrcError,
    /// A length byte above [`MAX_PAYLOAD`] was seen; the decoder resynchronised.
    BadLength,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Sync0,
    Sync1,
    Len,
    Id,
    Seq0,
    Seq1,
    Payload,
    Crc0,
    Crc1,
}

/// Byte-at-a-time frame decoder; never panics, resynchronises on the sync bytes.
#[derive(Clone, Debug)]
pub struct Decoder {
    state: State,
    frame: Frame,
    crc_lo: u8,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    pub const fn new() -> Self {
        Decoder { state: State::Sync0, frame: Frame { id: 0, seq: 0, payload: Payload::new() }, crc_lo: 0 }
    }

    /// Feeds one byte.
    pub fn push(&mut self, byte: u8) -> Event {
        match self.state {
            State::Sync0 => {
                if byte == SYNC[0] {
                    self.state = State::Sync1;
                }
            }
            State::Sync1 => {
                self.state = match byte {
                    b if b == SYNC[1] => State::Len,
                    b if b == SYNC[0] => State::Sync1,
                    _ => State::Sync0,
                };
            }
            State::Len => {
                if !self.frame.payload.start(byte as u16) {
                    self.state = if byte == SYNC[0] { State::Sync1 } else { State::Sync0 };
                    return Event::BadLength;
                }
                self.state = State::Id;
            }
            State::Id => {
                self.frame.id = byte;
                self.state = State::Seq0;
            }
            State::Seq0 => {
                self.frame.seq = byte as u16;
                self.state = State::Seq1;
            }
            State::Seq1 => {
                self.frame.seq |= (byte as u16) << 8;
                self.state = if self.frame.payload.is_empty() { State::Crc0 } else { State::Payload };
            }
            State::Payload => {
                if self.frame.payload.push(byte) {
                    self.state = State::Crc0;
                }
            }
            State::Crc0 => {
                self.crc_lo = byte;
                self.state = State::Crc1;
            }
            State::Crc1 => {
                self.state = State::Sync0;
                let received = u16::from_le_bytes([self.crc_lo, byte]);
                if received == self.expected_crc() {
                    return Event::Frame(self.frame);
                }
                return Event::CrcError;
            }
        }
        Event::Pending
    }

    fn expected_crc(&self) -> u16 {
        let seq = self.frame.seq.to_le_bytes();
        let head = [self.frame.payload.len() as u8, self.frame.id, seq[0], seq[1]];
        crc16_update(crc16(&head), self.frame.payload())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> (usize, Option<Frame>, usize) {
        let mut d = Decoder::new();
        let (mut frames, mut last, mut crc_errors) = (0, None, 0);
        for &b in bytes {
            match d.push(b) {
                Event::Frame(f) => {
                    frames += 1;
                    last = Some(f)
                }
                Event::CrcError => crc_errors += 1,
                _ => {}
            }
        }
        (frames, last, crc_errors)
    }

    #[test]
    fn known_frame_bytes() {
        let mut out = [0; MAX_FRAME];
        let n = encode(0x10, 0x0102, &[0xAB], &mut out).unwrap();
        let crc = crc16(&[1, 0x10, 0x02, 0x01, 0xAB]).to_le_bytes();
        assert_eq!(&out[..n], &[0xA5, 0x5A, 1, 0x10, 0x02, 0x01, 0xAB, crc[0], crc[1]]);
    }

    #[test]
    fn oversized_payload_is_refused() {
        let mut out = [0; MAX_FRAME];
        assert_eq!(encode(1, 0, &[0; MAX_PAYLOAD + 1], &mut out), Err(PayloadTooLong));
    }

    #[cfg_attr(kani, kani::proof)]
    #[test]
    fn round_trip_after_garbage_prefix() {
        bolero::check!().with_iterations(1000).with_type::<(Vec<u8>, u8, u16, Vec<u8>)>().for_each(|(junk, id, seq, payload)| {
            let payload = &payload[..payload.len().min(MAX_PAYLOAD)];
            let mut out = [0; MAX_FRAME];
            let n = encode(*id, *seq, payload, &mut out).unwrap();
            // Junk without sync bytes cannot start a frame.
            let mut stream: Vec<u8> = junk.iter().map(|b| if *b == SYNC[0] { 0 } else { *b }).collect();
            stream.extend_from_slice(&out[..n]);
            let (frames, last, _) = decode_all(&stream);
            assert_eq!(frames, 1);
            let f = last.unwrap();
            assert_eq!((f.id, f.seq, f.payload()), (*id, *seq, payload));
        });
    }

    #[cfg_attr(kani, kani::proof)]
    #[test]
    fn any_single_bit_flip_is_never_accepted_as_the_original() {
        bolero::check!().with_iterations(1000).with_type::<(u8, u16, Vec<u8>, u16)>().for_each(|(id, seq, payload, bit)| {
            let payload = &payload[..payload.len().min(MAX_PAYLOAD)];
            let mut out = [0; MAX_FRAME];
            let n = encode(*id, *seq, payload, &mut out).unwrap();
            let bit = *bit as usize % ((n - 2) * 8) + 16; // leave the sync bytes alone
            out[bit / 8] ^= 1 << (bit % 8);
            let (_, last, _) = decode_all(&out[..n]);
            if let Some(f) = last {
                assert!((f.id, f.seq, f.payload()) != (*id, *seq, payload), "flip {bit} accepted");
            }
        });
    }

    #[cfg_attr(kani, kani::proof)]
    #[test]
    fn arbitrary_bytes_never_panic() {
        bolero::check!().with_iterations(1000).for_each(|bytes: &[u8]| {
            decode_all(bytes);
        });
    }
}
