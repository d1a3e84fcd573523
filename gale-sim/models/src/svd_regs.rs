//! ApplySVD semantics for peripherals no behavioural model claims: every
//! register the SVD describes reads its reset value until written, writes
//! are stored (read-only registers and read-only or reserved bits keep
//! their value; `oneToClear` bits clear on writing 1), and every access is
//! traced as `EventKind::Reg { name: "PERIPH.REG", .. }`. Accesses that
//! hit no register read 0, change nothing and are traced as
//! `PERIPH.+0xOFF`. Nothing here can panic on any offset or width.
//!
//! The descriptors are plain data ([`SvdRegister`]) so this crate does not
//! depend on gale-platform; the runner converts its `RegisterDesc`s.

use crate::{Access, Ctx, Peripheral};
use gale_trace::EventKind;

/// One register as the SVD describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SvdRegister {
    /// Register name (`CR`, `TCD0.SADDR`).
    pub name: String,
    /// Byte offset from the peripheral base.
    pub offset: u32,
    /// 8, 16 or 32.
    pub size_bits: u32,
    pub reset_value: u32,
    /// False for write-only registers, which read as 0.
    pub readable: bool,
    /// Bits a write changes.
    pub write_mask: u32,
    /// Bits cleared by writing 1.
    pub w1c_mask: u32,
}

struct Slot {
    reg: SvdRegister,
    bytes: u32,
    value: u32,
}

/// A register file that behaves as the SVD says, and nothing more.
pub struct SvdRegisters {
    name: String,
    size: u32,
    /// Sorted by offset, non-overlapping.
    slots: Vec<Slot>,
}

impl SvdRegisters {
    /// `registers` may come in any order. Where registers overlap (SVD
    /// alternate registers share an offset) the first one given wins.
    pub fn new(
        name: impl Into<String>,
        size: u32,
        registers: impl IntoIterator<Item = SvdRegister>,
    ) -> Self {
        let mut slots: Vec<Slot> = Vec::new();
        for reg in registers {
            let bytes = match reg.size_bits {
                8 => 1,
                16 => 2,
                _ => 4,
            };
            let (lo, hi) = (reg.offset as u64, reg.offset as u64 + bytes as u64);
            if hi > size as u64
                || slots.iter().any(|s| {
                    lo < s.reg.offset as u64 + s.bytes as u64 && (s.reg.offset as u64) < hi
                })
            {
                continue;
            }
            let value = reg.reset_value & lane_mask(bytes);
            slots.push(Slot { reg, bytes, value });
        }
        slots.sort_by_key(|s| s.reg.offset);
        SvdRegisters {
            name: name.into(),
            size,
            slots,
        }
    }

    /// Back to the SVD reset values.
    pub fn reset(&mut self) {
        for s in &mut self.slots {
            s.value = s.reg.reset_value & lane_mask(s.bytes);
        }
    }

    /// The current value of register `name` (for inspection and tests).
    pub fn value(&self, name: &str) -> Option<u32> {
        self.slots
            .iter()
            .find(|s| s.reg.name == name)
            .map(|s| s.value)
    }

    /// The slot holding byte `offset`, if any.
    fn slot_at(&self, offset: u32) -> Option<usize> {
        let i = self
            .slots
            .partition_point(|s| s.reg.offset <= offset)
            .checked_sub(1)?;
        let s = &self.slots[i];
        (offset < s.reg.offset + s.bytes).then_some(i)
    }

    /// Splits an access into runs of bytes that fall in the same register
    /// (or the same gap): (slot, first byte offset, byte count).
    fn runs(&self, offset: u32, len: u32) -> Vec<(Option<usize>, u32, u32)> {
        let mut runs: Vec<(Option<usize>, u32, u32)> = Vec::new();
        for b in 0..len {
            let Some(at) = offset.checked_add(b) else {
                break;
            };
            let slot = self.slot_at(at);
            match runs.last_mut() {
                Some(last) if last.0 == slot => last.2 += 1,
                _ => runs.push((slot, at, 1)),
            }
        }
        runs
    }

    fn reg_name(&self, slot: Option<usize>, at: u32) -> String {
        match slot {
            Some(i) => format!("{}.{}", self.name, self.slots[i].reg.name),
            None => format!("{}.+0x{at:X}", self.name),
        }
    }
}

fn lane_mask(bytes: u32) -> u32 {
    if bytes >= 4 {
        u32::MAX
    } else {
        (1u32 << (bytes * 8)) - 1
    }
}

impl Peripheral for SvdRegisters {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> u32 {
        self.size
    }

    fn read(&mut self, offset: u32, access: Access, ctx: &mut Ctx) -> u32 {
        let mut result = 0u32;
        for (slot, at, n) in self.runs(offset, access.bytes()) {
            let part = match slot {
                Some(i) if self.slots[i].reg.readable => {
                    let s = &self.slots[i];
                    (s.value >> ((at - s.reg.offset) * 8)) & lane_mask(n)
                }
                _ => 0,
            };
            result |= part << ((at - offset) * 8);
            let name = self.reg_name(slot, at);
            ctx.emit(
                &self.name,
                EventKind::Reg {
                    name,
                    write: false,
                    value: part,
                },
            );
        }
        result
    }

    fn register_name(&self, offset: u32) -> Option<String> {
        self.slot_at(offset).map(|i| self.reg_name(Some(i), offset))
    }

    fn write(&mut self, offset: u32, access: Access, value: u32, ctx: &mut Ctx) {
        for (slot, at, n) in self.runs(offset, access.bytes()) {
            let part = (value >> ((at - offset) * 8)) & lane_mask(n);
            if let Some(i) = slot {
                let s = &mut self.slots[i];
                let shift = (at - s.reg.offset) * 8;
                let lanes = lane_mask(n) << shift;
                let v = part << shift;
                let write = s.reg.write_mask & lanes;
                let clear = s.reg.w1c_mask & lanes & v;
                s.value = ((s.value & !write) | (v & write)) & !clear;
            }
            let name = self.reg_name(slot, at);
            ctx.emit(
                &self.name,
                EventKind::Reg {
                    name,
                    write: true,
                    value: part,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IrqLines;
    use gale_trace::Trace;

    fn reg(name: &str, offset: u32, size_bits: u32, reset: u32, write_mask: u32) -> SvdRegister {
        SvdRegister {
            name: name.into(),
            offset,
            size_bits,
            reset_value: reset,
            readable: true,
            write_mask,
            w1c_mask: 0,
        }
    }

    /// An RCC-like block: CR (HSIRDY read-only), a read-only ID register,
    /// a status register with a w1c flag, two 16-bit halves and a
    /// write-only register.
    fn block() -> SvdRegisters {
        let mut sr = reg("SR", 0x08, 32, 0x0000_00C1, 0x0000_0100);
        sr.w1c_mask = 0x0000_0001;
        let mut wo = reg("KR", 0x14, 32, 0, u32::MAX);
        wo.readable = false;
        SvdRegisters::new(
            "RCC",
            0x400,
            [
                reg("CR", 0x00, 32, 0x0000_0083, 0x010D_00F9),
                reg("ID", 0x04, 32, 0x1234_5678, 0),
                sr,
                reg("LO", 0x0C, 16, 0xAAAA, 0xFFFF),
                reg("HI", 0x0E, 16, 0x5555, 0xFFFF),
                // An alternate register at CR's offset is ignored.
                reg("CR_ALT", 0x00, 32, 0xFFFF_FFFF, u32::MAX),
                wo,
            ],
        )
    }

    fn run<R>(f: impl FnOnce(&mut Ctx) -> R) -> (R, Vec<String>) {
        let mut irqs = IrqLines::default();
        let mut trace = Trace::new();
        let r = {
            let mut ctx = Ctx {
                now: 0,
                machine: "m",
                irqs: &mut irqs,
                trace: &mut trace,
            };
            f(&mut ctx)
        };
        let lines = trace
            .to_text()
            .lines()
            .map(|l| l.split_once(' ').unwrap().1.to_string())
            .collect();
        (r, lines)
    }

    #[test]
    fn reads_reset_values_and_names_the_register() {
        let mut p = block();
        let (v, t) = run(|c| (p.read(0x00, Access::Word, c), p.read(0x04, Access::Word, c)));
        assert_eq!(v, (0x83, 0x1234_5678));
        assert_eq!(
            t,
            vec![
                "m/RCC reg rd RCC.CR 0x00000083",
                "m/RCC reg rd RCC.ID 0x12345678"
            ]
        );
    }

    #[test]
    fn writes_are_stored_through_the_write_mask() {
        let mut p = block();
        let (v, t) = run(|c| {
            p.write(0x00, Access::Word, 0xFFFF_FFFF, c);
            p.read(0x00, Access::Word, c)
        });
        // HSIRDY (bit 1) and reserved bits keep their reset value.
        assert_eq!(v, 0x010D_00F9 | 0x2);
        assert_eq!(t[0], "m/RCC reg wr RCC.CR 0xffffffff");
        let (v, _) = run(|c| {
            p.write(0x00, Access::Word, 0, c);
            p.read(0x00, Access::Word, c)
        });
        assert_eq!(v, 0x2);
    }

    #[test]
    fn read_only_register_ignores_writes() {
        let mut p = block();
        let (v, t) = run(|c| {
            p.write(0x04, Access::Word, 0, c);
            p.read(0x04, Access::Word, c)
        });
        assert_eq!(v, 0x1234_5678);
        assert_eq!(t.len(), 2, "the ignored write is still traced");
    }

    #[test]
    fn one_to_clear_bits_clear_on_one() {
        let mut p = block();
        let (v, _) = run(|c| {
            p.write(0x08, Access::Word, 0x0, c);
            let a = p.read(0x08, Access::Word, c);
            p.write(0x08, Access::Word, 0x1, c);
            (a, p.read(0x08, Access::Word, c))
        });
        assert_eq!(v, (0xC1, 0xC0));
    }

    #[test]
    fn narrow_accesses_use_byte_lanes() {
        let mut p = block();
        let (v, t) = run(|c| {
            p.write(0x01, Access::Byte, 0x01, c); // CR bit 8: not writable
            p.write(0x03, Access::Byte, 0x01, c); // CR bit 24: PLLON
            (p.read(0x03, Access::Byte, c), p.read(0x00, Access::Half, c))
        });
        assert_eq!(v, (0x01, 0x0083));
        assert_eq!(p.value("CR"), Some(0x0100_0083));
        assert_eq!(t[0], "m/RCC reg wr RCC.CR 0x00000001");
    }

    #[test]
    fn word_access_across_two_halfword_registers_touches_both() {
        let mut p = block();
        let (v, t) = run(|c| {
            p.write(0x0C, Access::Word, 0x1111_2222, c);
            p.read(0x0C, Access::Word, c)
        });
        assert_eq!(v, 0x1111_2222);
        assert_eq!((p.value("LO"), p.value("HI")), (Some(0x2222), Some(0x1111)));
        assert_eq!(
            t,
            vec![
                "m/RCC reg wr RCC.LO 0x00002222",
                "m/RCC reg wr RCC.HI 0x00001111",
                "m/RCC reg rd RCC.LO 0x00002222",
                "m/RCC reg rd RCC.HI 0x00001111",
            ]
        );
    }

    #[test]
    fn unknown_offsets_read_zero_and_are_named_by_offset() {
        let mut p = block();
        let (v, t) = run(|c| {
            p.write(0x100, Access::Word, 0xdead_beef, c);
            (
                p.read(0x100, Access::Word, c),
                p.read(0x3FF, Access::Word, c),
                p.read(u32::MAX, Access::Word, c),
            )
        });
        assert_eq!(v, (0, 0, 0));
        assert_eq!(t[1], "m/RCC reg rd RCC.+0x100 0x00000000");
        assert_eq!(p.register_name(0x0e).as_deref(), Some("RCC.HI"));
        assert_eq!(p.register_name(0x100), None);
        assert_eq!(t[2], "m/RCC reg rd RCC.+0x3FF 0x00000000");
    }

    #[test]
    fn write_only_reads_zero_and_reset_restores() {
        let mut p = block();
        let (v, _) = run(|c| {
            p.write(0x14, Access::Word, 0xCCCC, c);
            p.write(0x0C, Access::Half, 0x1, c);
            p.read(0x14, Access::Word, c)
        });
        assert_eq!(v, 0);
        assert_eq!(p.value("KR"), Some(0xCCCC));
        p.reset();
        assert_eq!(
            (p.value("KR"), p.value("LO"), p.value("CR_ALT")),
            (Some(0), Some(0xAAAA), None)
        );
    }
}
