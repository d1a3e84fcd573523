//! What a run script needs from the firmware ELF: where the vector table is
//! at reset, where the RTT control block is, and where the semihosting
//! breakpoints (`BKPT 0xAB`) are.

use object::{Object, ObjectSection, ObjectSymbol, SectionFlags};
use std::path::Path;

/// Thumb encoding of `BKPT 0xAB`, the semihosting call.
const BKPT_AB: u16 = 0xBEAB;
/// ELF section flag: executable code.
const SHF_EXECINSTR: u64 = 0x4;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ElfFacts {
    /// Load address of `.vector_table` (where the core finds it at reset;
    /// a runtime that copies it to RAM links it there, but loads it here).
    pub vector_table: Option<u32>,
    /// Address of `_SEGGER_RTT`.
    pub rtt: Option<u32>,
    /// Every halfword-aligned `BKPT 0xAB` in executable sections, at its
    /// execution address. A match inside a 32-bit instruction or a literal is
    /// harmless: the hook fires only when the PC gets there.
    pub semihosting_bkpts: Vec<u32>,
}

pub fn read(path: &Path) -> anyhow::Result<ElfFacts> {
    let data = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("reading the ELF {}: {e}", path.display()))?;
    parse(&data).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

pub fn parse(data: &[u8]) -> anyhow::Result<ElfFacts> {
    let elf = object::File::parse(data)?;
    let mut facts = ElfFacts::default();
    if let Some(s) = elf.section_by_name(".vector_table") {
        let vma = s.address();
        facts.vector_table = Some(load_address(data, vma).unwrap_or(vma) as u32);
    }
    facts.rtt = elf
        .symbols()
        .find(|s| s.name() == Ok("_SEGGER_RTT"))
        .map(|s| s.address() as u32);
    for s in elf.sections() {
        let exec =
            matches!(s.flags(), SectionFlags::Elf { sh_flags } if sh_flags & SHF_EXECINSTR != 0);
        if !exec {
            continue;
        }
        let Ok(bytes) = s.data() else { continue };
        let base = s.address() as u32;
        for (i, h) in bytes.chunks_exact(2).enumerate() {
            if u16::from_le_bytes([h[0], h[1]]) == BKPT_AB {
                facts.semihosting_bkpts.push(base + 2 * i as u32);
            }
        }
    }
    facts.semihosting_bkpts.sort_unstable();
    facts.semihosting_bkpts.dedup();
    Ok(facts)
}

/// The load (physical) address of virtual address `vma`, through the
/// `PT_LOAD` segment holding it.
fn load_address(data: &[u8], vma: u64) -> Option<u64> {
    use object::elf::{FileHeader32, PT_LOAD};
    use object::read::elf::{FileHeader, ProgramHeader};
    let header = FileHeader32::<object::Endianness>::parse(data).ok()?;
    let endian = header.endian().ok()?;
    header
        .program_headers(endian, data)
        .ok()?
        .iter()
        .filter(|ph| ph.p_type(endian) == PT_LOAD)
        .find(|ph| {
            let (v, size) = (
                u64::from(ph.p_vaddr(endian)),
                u64::from(ph.p_filesz(endian)),
            );
            v <= vma && vma < v + size
        })
        .map(|ph| u64::from(ph.p_paddr(endian)) + (vma - u64::from(ph.p_vaddr(endian))))
}
