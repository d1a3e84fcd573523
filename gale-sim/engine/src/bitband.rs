//! Bit-band aliases of the Cortex-M3 and M4 (ARMv7-M B3.5 "bit-banding",
//! RM0041 section 2.3.2): each word of a 32 MiB alias region stands for
//! one bit of the 1 MiB region below it.
//!
//! | alias | region |
//! | --- | --- |
//! | 0x2200_0000..0x23FF_FFFF | SRAM, 0x2000_0000..0x200F_FFFF |
//! | 0x4200_0000..0x43FF_FFFF | peripherals, 0x4000_0000..0x400F_FFFF |
//!
//! `alias = alias_base + byte_offset * 32 + bit * 4`. A read returns the
//! bit (0 or 1); a write reads the region, changes the one bit to bit 0 of
//! the written value and writes it back, through the same path a direct
//! access takes: a peripheral model sees an ordinary register read and
//! write (and the trace shows them as such), memory is read and written in
//! place. The region access has the alias access's width, at the aligned
//! unit that holds the bit (a word alias access touches the whole register,
//! as the Cortex-M3 TRM describes).
//!
//! The Cortex-M7 has no bit-band: nothing is mapped there, so an access is a
//! BusFault, as on silicon. A chip that puts something else in an alias
//! range (the i.MX RT1170 has peripherals at 0x4200_0000 in the CM4's map)
//! keeps it: an alias is mapped only where the machine leaves the whole
//! 32 MiB free. Simplifications: the read-modify-write is not locked
//! against other cores (shared memory is outside the SRAM region on the
//! modelled chips), and an alias of an address with nothing behind it reads
//! 0 and ignores writes instead of faulting.

use crate::sys::{Sys, Uc};
use crate::CoreKind;

/// Size of each alias region.
pub(crate) const ALIAS_SIZE: u32 = 0x0200_0000;

/// One alias region and the region its bits belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BitBand {
    pub alias: u32,
    pub region: u32,
}

pub(crate) const SRAM: BitBand = BitBand {
    alias: 0x2200_0000,
    region: 0x2000_0000,
};
pub(crate) const PERIPHERAL: BitBand = BitBand {
    alias: 0x4200_0000,
    region: 0x4000_0000,
};

/// The alias regions `core` implements.
pub(crate) fn aliases(core: CoreKind) -> &'static [BitBand] {
    match core {
        CoreKind::CortexM3 | CoreKind::CortexM4F => &[SRAM, PERIPHERAL],
        CoreKind::CortexM7F => &[],
    }
}

/// The alias region holding `addr`, if any.
fn alias_at(addr: u32) -> Option<BitBand> {
    [SRAM, PERIPHERAL]
        .into_iter()
        .find(|b| addr.wrapping_sub(b.alias) < ALIAS_SIZE)
}

/// For an access of `len` (1, 2 or 4) bytes at alias address `addr`: the
/// address of the aligned unit of that width in the region, and the bit
/// within it.
pub(crate) fn target(band: BitBand, addr: u32, len: usize) -> (u32, u32) {
    let off = addr - band.alias;
    let byte = band.region + off / 32;
    let bit = (off / 4) % 8;
    let len = match len {
        1 | 2 | 4 => len as u32,
        _ => 4,
    };
    let unit = byte & !(len - 1);
    (unit, (byte - unit) * 8 + bit)
}

impl Sys {
    /// Unicorn's read callback for an alias region.
    pub(crate) fn bitband_read(&mut self, uc: &mut Uc, addr: u32, len: usize) -> u32 {
        let Some(band) = alias_at(addr) else { return 0 };
        let (unit, bit) = target(band, addr, len);
        (self.region_read(uc, unit, len) >> bit) & 1
    }

    /// Unicorn's write callback for an alias region.
    pub(crate) fn bitband_write(&mut self, uc: &mut Uc, addr: u32, len: usize, value: u32) {
        let Some(band) = alias_at(addr) else { return };
        let (unit, bit) = target(band, addr, len);
        let old = self.region_read(uc, unit, len);
        let new = (old & !(1 << bit)) | ((value & 1) << bit);
        self.region_write(uc, unit, len, new);
    }

    /// Memory in place; anything else (peripheral windows, gaps) as the
    /// bus sees it.
    fn region_read(&mut self, uc: &mut Uc, addr: u32, len: usize) -> u32 {
        let mut buf = [0u8; 4];
        let len = len.min(4);
        if self.bus.find(addr).is_none() && uc.mem_read(addr as u64, &mut buf[..len]).is_ok() {
            return u32::from_le_bytes(buf);
        }
        self.periph_read(uc, addr, len)
    }

    fn region_write(&mut self, uc: &mut Uc, addr: u32, len: usize, value: u32) {
        let len = len.min(4);
        let bytes = value.to_le_bytes();
        if self.bus.find(addr).is_none() && uc.mem_write(addr as u64, &bytes[..len]).is_ok() {
            return;
        }
        self.periph_write(uc, addr, len, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_addresses_map_to_a_bit_of_the_region() {
        // RM0041 2.3.2's example: 0x2200_0000 + 0x300 * 32 + 2 * 4 is bit 2 of 0x2000_0300.
        assert_eq!(target(SRAM, 0x2200_6008, 1), (0x2000_0300, 2));
        // RCC_APB2ENR (0x4002_1018) bit 2, word access: the whole register.
        assert_eq!(target(PERIPHERAL, 0x4242_0308, 4), (0x4002_1018, 2));
        // Bit 2 of the byte at 0x4002_1019 is bit 10 of the word, bit 10 of the half.
        assert_eq!(target(PERIPHERAL, 0x4242_0328, 4), (0x4002_1018, 10));
        assert_eq!(target(PERIPHERAL, 0x4242_0328, 2), (0x4002_1018, 10));
        assert_eq!(target(PERIPHERAL, 0x4242_0328, 1), (0x4002_1019, 2));
        // The last alias word is bit 7 of the region's last byte.
        assert_eq!(target(SRAM, 0x23FF_FFFC, 4), (0x200F_FFFC, 31));
        assert_eq!(alias_at(0x2400_0000), None);
        assert_eq!(alias_at(0x43FF_FFFF), Some(PERIPHERAL));
        assert!(aliases(CoreKind::CortexM7F).is_empty());
    }
}
