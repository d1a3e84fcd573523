//! Shared-memory sample mailbox from io-m4 to fmu-m7 (a seqlock).
//!
//! Layout, 52 bytes, little-endian, at [`ADDRESS`] (the last 4 KiB of
//! OCRAM2, reserved by convention on both cores):
//!
//! | off | size | field                                                   |
//! |-----|------|---------------------------------------------------------|
//! | 0   | 4    | `seq`: odd while the writer is inside, even when stable |
//! | 4   | 44   | a [`Sample`](crate::telemetry::Sample) payload          |
//! | 48  | 2    | CRC-16/CCITT-FALSE of bytes 4..48                        |
//! | 50  | 2    | zero                                                    |
//!
//! Writer: seq += 1 (odd), write payload and CRC, seq += 1 (even), then
//! put the new seq in MU TR0 if TE0 is set. Reader: read seq (retry if odd),
//! copy, re-read seq; accept if unchanged and the CRC matches.

use crate::crc::crc16;
use crate::telemetry::{Sample, SAMPLE_LEN};

/// Mailbox address in the RT1176's OCRAM2.
pub const ADDRESS: usize = 0x202F_F000;
/// Mailbox size in bytes.
pub const LEN: usize = 52;

/// The payload and CRC part (bytes 4..52) for `sample`.
pub fn body(sample: &Sample) -> [u8; LEN - 4] {
    let mut out = [0; LEN - 4];
    let mut p = [0; SAMPLE_LEN];
    sample.encode(&mut p);
    out[..SAMPLE_LEN].copy_from_slice(&p);
    out[SAMPLE_LEN..SAMPLE_LEN + 2].copy_from_slice(&crc16(&p).to_le_bytes());
    out
}

/// Why a read was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// The writer was inside (odd seq) or seq changed during the copy.
    Torn,
    /// The CRC did not match.
    Crc,
}

/// Validates a copy taken between two reads of seq.
pub fn read(seq_before: u32, body: &[u8; LEN - 4], seq_after: u32) -> Result<Sample, ReadError> {
    if seq_before % 2 == 1 || seq_before != seq_after {
        return Err(ReadError::Torn);
    }
    let p = &body[..SAMPLE_LEN];
    if crc16(p).to_le_bytes() != body[SAMPLE_LEN..SAMPLE_LEN + 2] {
        return Err(ReadError::Crc);
    }
    Sample::decode(p).ok_or(ReadError::Crc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let s = Sample { t_us: 42, source: 2, pressure_pa: 101_325, ..Default::default() };
        let b = body(&s);
        assert_eq!(read(4, &b, 4), Ok(s));
        assert_eq!(read(5, &b, 5), Err(ReadError::Torn));
        assert_eq!(read(4, &b, 6), Err(ReadError::Torn));
        let mut bad = b;
        bad[3] ^= 1;
        assert_eq!(read(4, &bad, 4), Err(ReadError::Crc));
    }
}
