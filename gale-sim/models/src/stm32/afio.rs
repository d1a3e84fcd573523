//! STM32F1 AFIO, alternate-function I/O and remapping (RM0041 section 7.4):
//! EVCR, MAPR, EXTICR1..4, MAPR2. Pure store/readback through each
//! register's defined bits; remaps are not applied to other models (pin
//! routing is the platform's business). MAPR.SWJ_CFG is write-only and
//! reads 0.

use crate::regs::{Reg, RegisterBlock, RegisterFile};

const MAPR: u32 = 0x04;
const EXTICR1: u32 = 0x08;
const EXTICR2: u32 = 0x0c;

/// Named as in RM0041, with their defined read/write bits.
const REGISTERS: &[Reg] = &[
    Reg::new("EVCR", 0x00).rw(0x0000_00ff),
    Reg::new("MAPR", MAPR).rw(0x0001_9fff),
    Reg::new("EXTICR1", EXTICR1).rw(0x0000_ffff),
    Reg::new("EXTICR2", EXTICR2).rw(0x0000_ffff),
    Reg::new("EXTICR3", 0x10).rw(0x0000_ffff),
    Reg::new("EXTICR4", 0x14).rw(0x0000_ffff),
    Reg::new("MAPR2", 0x1c).rw(0x0000_3fff),
];

pub struct Afio {
    regs: RegisterFile,
}

impl Afio {
    pub fn new(name: impl Into<String>) -> Self {
        Afio {
            regs: RegisterFile::new(name, 0x400, REGISTERS),
        }
    }

    /// The EXTI line `line`'s source port (0 = PA, 1 = PB, ...).
    pub fn exti_port(&self, line: u8) -> u8 {
        let reg = EXTICR1 + 4 * ((line as u32 / 4) % 4);
        ((self.regs.get(reg) >> ((line as u32 % 4) * 4)) & 0xf) as u8
    }
}

impl RegisterBlock for Afio {
    crate::register_file_in!(regs);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensors::link::tests::with_ctx;
    use crate::{Access, IrqLines, Peripheral};
    use gale_trace::Trace;

    #[test]
    fn stores_defined_bits_only() {
        let (mut irqs, mut trace) = (IrqLines::default(), Trace::new());
        let mut a = Afio::new("AFIO");
        with_ctx(&mut irqs, &mut trace, 0, |c| {
            a.write(MAPR, Access::Word, 0x0200_0001, c); // SWJ_CFG=010, SPI1_REMAP
            assert_eq!(a.read(MAPR, Access::Word, c), 1, "SWJ_CFG is write-only");
            a.write(EXTICR2, Access::Word, 0xffff_2100, c);
            assert_eq!(a.read(EXTICR2, Access::Word, c), 0x2100);
            a.write(EXTICR2 + 1, Access::Byte, 0x43, c);
            assert_eq!(a.read(EXTICR2, Access::Word, c), 0x4300);
            a.write(0x18, Access::Word, 5, c);
            assert_eq!(a.read(0x18, Access::Word, c), 0, "reserved offset");
        });
        assert_eq!(a.exti_port(6), 3);
        assert_eq!(a.exti_port(7), 4);
    }
}
