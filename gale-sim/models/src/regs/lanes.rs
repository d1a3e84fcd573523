//! Byte lanes of a 32-bit register: how a byte or halfword access at an
//! offset inside a word maps onto the word's bits.

use crate::Access;

/// The bits of the word at `offset & !3` that an `access` at `offset`
/// touches (a word access touches all of them).
pub fn lanes(offset: u32, access: Access) -> u32 {
    let width = match access {
        Access::Word => return u32::MAX,
        Access::Half => 0xffff,
        Access::Byte => 0xff,
    };
    width << ((offset & 3) * 8)
}

/// Value of a register as seen by an access at `offset` (sub-word reads
/// return the addressed lanes in the low bits).
pub fn lane_read(value: u32, offset: u32) -> u32 {
    value >> ((offset & 3) * 8)
}

/// The register value after a write of `access` width at `offset`: bytes
/// outside the accessed lanes keep their `old` value.
pub fn lane_write(old: u32, offset: u32, access: Access, value: u32) -> u32 {
    if access == Access::Word {
        return value;
    }
    let mask = lanes(offset, access);
    (old & !mask) | ((value << ((offset & 3) * 8)) & mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_word_accesses_use_their_lanes() {
        assert_eq!(lanes(0x0d, Access::Byte), 0x0000_ff00);
        assert_eq!(lanes(0x0e, Access::Half), 0xffff_0000);
        assert_eq!(lanes(0x0c, Access::Word), u32::MAX);
        assert_eq!(
            lane_write(0x1234_5678, 0x1, Access::Byte, 0xab),
            0x1234_ab78
        );
        assert_eq!(
            lane_write(0x1234_5678, 0x2, Access::Half, 0xffff_abcd),
            0xabcd_5678
        );
        assert_eq!(lane_write(0x1234_5678, 0x0, Access::Word, 7), 7);
        assert_eq!(lane_read(0x1234_5678, 0x3) & 0xff, 0x12);
    }
}
