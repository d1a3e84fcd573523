//! A model's register values, kept against its declaration table.

use super::lanes::lanes;
use super::Reg;
use crate::Access;

/// What one write did to one register, for [`super::RegisterBlock::on_write`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Write {
    /// The register's offset (one of the model's declared offsets).
    pub reg: u32,
    /// The value before the write.
    pub old: u32,
    /// The value stored now (through the register's masks).
    pub new: u32,
    /// The written value, shifted into its lanes (0 outside them).
    pub value: u32,
    /// The bits the access covered.
    pub lanes: u32,
}

impl Write {
    /// The register's old value with the written lanes replaced, whatever
    /// its masks (what the bus put on the register).
    pub fn merged(&self) -> u32 {
        (self.old & !self.lanes) | self.value
    }
}

/// The instance name, window size, declarations and current values of one
/// peripheral's registers.
#[derive(Clone, Debug)]
pub struct RegisterFile {
    name: String,
    size: u32,
    regs: &'static [Reg],
    values: Vec<u32>,
}

impl RegisterFile {
    /// `regs` must be sorted by offset, word aligned, inside `size` and
    /// unique (checked: a bad table is a bug in the model).
    pub fn new(name: impl Into<String>, size: u32, regs: &'static [Reg]) -> Self {
        for (i, r) in regs.iter().enumerate() {
            assert!(
                r.offset % 4 == 0 && r.offset < size,
                "{}: offset {:#x} not a word inside the window",
                r.name,
                r.offset
            );
            assert!(
                i == 0 || regs[i - 1].offset < r.offset,
                "{}: register table not sorted by offset",
                r.name
            );
        }
        RegisterFile {
            name: name.into(),
            size,
            regs,
            values: regs.iter().map(|r| r.reset).collect(),
        }
    }

    /// The instance name (`USART1`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The window size in bytes.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// The model's declarations.
    pub fn declarations(&self) -> &'static [Reg] {
        self.regs
    }

    /// Every register back to its reset value.
    pub fn reset(&mut self) {
        for (v, r) in self.values.iter_mut().zip(self.regs) {
            *v = r.reset;
        }
    }

    fn index(&self, reg: u32) -> Option<usize> {
        self.regs.binary_search_by_key(&reg, |r| r.offset).ok()
    }

    fn slot(&self, reg: u32) -> usize {
        self.index(reg)
            .unwrap_or_else(|| panic!("{}: no register at {reg:#x}", self.name))
    }

    /// The stored value of the register at offset `reg` (a declared offset).
    pub fn get(&self, reg: u32) -> u32 {
        self.values[self.slot(reg)]
    }

    /// Stores `value` in the register at `reg` as the model's own state
    /// change (no write masks: status flags, counters).
    pub fn set(&mut self, reg: u32, value: u32) {
        let i = self.slot(reg);
        self.values[i] = value;
    }

    /// Sets (`on`) or clears the `bits` of the register at `reg`.
    pub fn set_bits(&mut self, reg: u32, bits: u32, on: bool) {
        let v = self.get(reg);
        self.set(reg, if on { v | bits } else { v & !bits });
    }

    /// `PERIPHERAL.REGISTER` for the register holding byte `offset`.
    pub fn register_name(&self, offset: u32) -> Option<String> {
        self.index(offset & !3)
            .map(|i| format!("{}.{}", self.name, self.regs[i].name))
    }

    /// A write of `access` width at `offset`: stores it through the
    /// register's masks and says what changed (None: no register there).
    pub fn write(&mut self, offset: u32, access: Access, value: u32) -> Option<Write> {
        let i = self.index(offset & !3)?;
        let lanes = lanes(offset, access);
        let value = if access == Access::Word {
            value
        } else {
            (value << ((offset & 3) * 8)) & lanes
        };
        let (r, old) = (&self.regs[i], self.values[i]);
        let new = r.written(old, value, lanes);
        self.values[i] = new;
        Some(Write {
            reg: r.offset,
            old,
            new,
            value,
            lanes,
        })
    }

    /// The register an access at `offset` reads (None: no register there).
    pub fn register_at(&self, offset: u32) -> Option<u32> {
        self.index(offset & !3).map(|i| self.regs[i].offset)
    }

    /// After a read of `access` width at `offset`: clears the register's
    /// read-to-clear bits in the lanes read.
    pub fn after_read(&mut self, offset: u32, access: Access) {
        if let Some(i) = self.index(offset & !3) {
            self.values[i] &= !(self.regs[i].rc & lanes(offset, access));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGS: &[Reg] = &[
        Reg::new("SR", 0x0).reset(0xc0).w0c(0x60).rc(0x01),
        Reg::new("CR1", 0xc).rw(0x3fff),
    ];

    #[test]
    fn byte_writes_land_in_their_lane() {
        let mut f = RegisterFile::new("USART1", 0x400, REGS);
        let w = f.write(0xd, Access::Byte, 0x20).unwrap();
        assert_eq!(
            (w.reg, w.old, w.new, w.value, w.lanes),
            (0xc, 0, 0x2000, 0x2000, 0xff00)
        );
        f.write(0xc, Access::Byte, 0x0c);
        assert_eq!(f.get(0xc), 0x200c, "the other lane kept");
        f.write(0xc, Access::Word, 0xffff_ffff);
        assert_eq!(f.get(0xc), 0x3fff, "reserved bits stay clear");
        assert_eq!(f.write(0x8, Access::Word, 1), None);
        assert_eq!(f.register_name(0xe).as_deref(), Some("USART1.CR1"));
        assert_eq!(f.register_name(0x4), None);
    }

    #[test]
    fn clear_on_zero_and_on_read() {
        let mut f = RegisterFile::new("USART1", 0x400, REGS);
        f.set_bits(0x0, 0x21, true);
        f.write(0x0, Access::Word, !0x40);
        assert_eq!(f.get(0x0), 0xa1, "TC (bit 6) cleared by 0, the rest kept");
        f.after_read(0x1, Access::Byte);
        assert_eq!(f.get(0x0), 0xa1, "lane 1 read: bit 0 stays");
        f.after_read(0x0, Access::Half);
        assert_eq!(f.get(0x0), 0xa0);
        f.reset();
        assert_eq!(f.get(0x0), 0xc0);
    }

    #[test]
    #[should_panic(expected = "not sorted")]
    fn unsorted_tables_are_refused() {
        const BAD: &[Reg] = &[Reg::new("B", 4), Reg::new("A", 0)];
        RegisterFile::new("X", 0x400, BAD);
    }
}
