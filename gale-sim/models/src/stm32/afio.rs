//! STM32F1 AFIO, alternate-function I/O and remapping (RM0041 section 7.4):
//! EVCR, MAPR, EXTICR1..4, MAPR2. Pure store/readback through each
//! register's defined bits; remaps are not applied to other models (pin
//! routing is the platform's business). MAPR.SWJ_CFG is write-only and
//! reads 0.

use crate::sensors::link::{lane_read, lane_write};
use crate::{Access, Ctx, Peripheral};

/// (offset, defined read/write bits), named as in RM0041.
const EVCR: (u32, u32) = (0x00, 0x0000_00ff);
const MAPR: (u32, u32) = (0x04, 0x0001_9fff);
const EXTICR1: (u32, u32) = (0x08, 0x0000_ffff);
const EXTICR2: (u32, u32) = (0x0c, 0x0000_ffff);
const EXTICR3: (u32, u32) = (0x10, 0x0000_ffff);
const EXTICR4: (u32, u32) = (0x14, 0x0000_ffff);
const MAPR2: (u32, u32) = (0x1c, 0x0000_3fff);
const REGISTERS: [(u32, u32); 7] = [EVCR, MAPR, EXTICR1, EXTICR2, EXTICR3, EXTICR4, MAPR2];

pub struct Afio {
    name: String,
    values: [u32; REGISTERS.len()],
}

impl Afio {
    pub fn new(name: impl Into<String>) -> Self {
        Afio {
            name: name.into(),
            values: [0; REGISTERS.len()],
        }
    }

    fn index(offset: u32) -> Option<usize> {
        REGISTERS.iter().position(|(o, _)| *o == offset & !3)
    }

    /// The EXTI line `line`'s source port (0 = PA, 1 = PB, ...).
    pub fn exti_port(&self, line: u8) -> u8 {
        let reg = 2 + (line as usize / 4) % 4;
        ((self.values[reg] >> ((line as u32 % 4) * 4)) & 0xf) as u8
    }
}

impl Peripheral for Afio {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> u32 {
        0x400
    }

    fn read(&mut self, offset: u32, _access: Access, _ctx: &mut Ctx) -> u32 {
        Self::index(offset).map_or(0, |i| lane_read(self.values[i], offset))
    }

    fn write(&mut self, offset: u32, access: Access, value: u32, _ctx: &mut Ctx) {
        if let Some(i) = Self::index(offset) {
            self.values[i] = lane_write(self.values[i], offset, access, value) & REGISTERS[i].1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::link::tests::with_ctx;
    use crate::IrqLines;
    use gale_trace::Trace;

    #[test]
    fn stores_defined_bits_only() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut a = Afio::new("AFIO");
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            a.write(MAPR.0, Access::Word, 0x0200_0001, c); // SWJ_CFG=010, SPI1_REMAP
            assert_eq!(a.read(MAPR.0, Access::Word, c), 1, "SWJ_CFG is write-only");
            a.write(EXTICR2.0, Access::Word, 0xffff_2100, c);
            assert_eq!(a.read(EXTICR2.0, Access::Word, c), 0x2100);
            a.write(EXTICR2.0 + 1, Access::Byte, 0x43, c);
            assert_eq!(a.read(EXTICR2.0, Access::Word, c), 0x4300);
            a.write(0x18, Access::Word, 5, c);
            assert_eq!(a.read(0x18, Access::Word, c), 0, "reserved offset");
        });
        assert_eq!(a.exti_port(6), 3);
        assert_eq!(a.exti_port(7), 4);
    }
}
