//! CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no input or
//! output reflection, no final XOR. Check value for "123456789" is 0x29B1.

/// Polynomial x^16 + x^12 + x^5 + 1.
pub const POLY: u16 = 0x1021;
/// Initial register value.
pub const INIT: u16 = 0xFFFF;

/// Feeds `data` into a running CRC register `crc` and returns the new value.
pub fn crc16_update(mut crc: u16, data: &[u8]) -> u16 {
    for &byte in data {
        crc ^= (byte as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ POLY } else { crc << 1 };
        }
    }
    crc
}

/// CRC-16/CCITT-FALSE of `data`.
pub fn crc16(data: &[u8]) -> u16 {
    crc16_update(INIT, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value_matches_the_catalogue() {
        assert_eq!(crc16(b"123456789"), 0x29B1);
    }

    #[test]
    fn empty_input_is_the_initial_value() {
        assert_eq!(crc16(&[]), INIT);
    }

    #[test]
    fn incremental_update_equals_one_shot() {
        let data = b"gale telemetry frame";
        let (a, b) = data.split_at(7);
        assert_eq!(crc16_update(crc16(a), b), crc16(data));
    }

    #[test]
    fn single_bit_flip_changes_the_crc() {
        let mut data = *b"abcdefgh";
        let reference = crc16(&data);
        for i in 0..data.len() * 8 {
            data[i / 8] ^= 1 << (i % 8);
            assert_ne!(crc16(&data), reference, "bit {i}");
            data[i / 8] ^= 1 << (i % 8);
        }
    }
}
