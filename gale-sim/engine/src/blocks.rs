//! Instruction counts of translated blocks, for the virtual clock.
//!
//! Unicorn's block hook reports a block's start and size in bytes; Thumb-2
//! mixes 16- and 32-bit instructions, so the count comes from decoding the
//! instruction lengths once and caching them in a direct-mapped table keyed
//! by (address, size).

const WAYS: usize = 1 << 14;

/// `key` is address | size << 32 (one compare per look-up).
#[derive(Clone, Copy, Default)]
struct Entry {
    key: u64,
    count: u32,
}

fn key(addr: u32, size: u32) -> u64 {
    addr as u64 | (size as u64) << 32
}

pub(crate) struct BlockCounts {
    table: Box<[Entry; WAYS]>,
}

impl BlockCounts {
    pub fn new() -> Self {
        BlockCounts { table: Box::new([Entry { key: u64::MAX, count: 0 }; WAYS]) }
    }

    /// The cached count of the block at `addr` of `size` bytes, if known.
    #[inline]
    pub fn get(&self, addr: u32, size: u32) -> Option<u32> {
        let e = &self.table[((addr >> 1) as usize) & (WAYS - 1)];
        (e.key == key(addr, size)).then_some(e.count)
    }

    pub fn insert(&mut self, addr: u32, size: u32, count: u32) {
        self.table[((addr >> 1) as usize) & (WAYS - 1)] = Entry { key: key(addr, size), count };
    }

    /// Forgets everything (after code in RAM was rewritten by a reload).
    pub fn clear(&mut self) {
        self.table.iter_mut().for_each(|e| e.key = u64::MAX);
    }
}

/// Whether a Thumb halfword starts a 32-bit instruction.
#[inline]
pub(crate) fn is_thumb32(hw: u16) -> bool {
    matches!(hw >> 11, 0b11101..=0b11111)
}

/// Number of Thumb instructions in `code` (little-endian bytes of one block).
pub(crate) fn count_thumb(code: &[u8]) -> u32 {
    let mut i = 0;
    let mut n = 0;
    while i + 1 < code.len() {
        let hw = u16::from_le_bytes([code[i], code[i + 1]]);
        i += if is_thumb32(hw) { 4 } else { 2 };
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_mixed_widths() {
        // movs r0,#1 (16) ; ldr.w r1,[r2] (32: f8d2 1000) ; bx lr (16)
        let code = [0x01, 0x20, 0xd2, 0xf8, 0x00, 0x10, 0x70, 0x47];
        assert_eq!(count_thumb(&code), 3);
        assert_eq!(count_thumb(&code[..2]), 1);
    }

    #[test]
    fn cache_hits_only_on_same_size() {
        let mut c = BlockCounts::new();
        c.insert(0x100, 8, 3);
        assert_eq!(c.get(0x100, 8), Some(3));
        assert_eq!(c.get(0x100, 10), None);
        assert_eq!(c.get(0x100 + 2 * WAYS as u32, 8), None);
    }
}
