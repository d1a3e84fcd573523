//! `gale-sim size`: flash and RAM each firmware image uses, from its ELF's
//! loadable segments placed against its platform's memories.

use crate::images::Image;
use anyhow::{Context, Result};
use gale_platform::{MemoryKind, Platform};
use object::{Object, ObjectSegment};
use std::path::Path;

/// Bytes an image occupies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Loaded from non-volatile memory (code, read-only data, .data's image).
    pub flash: u64,
    /// Occupied in RAM or TCM at run time (.data, .bss, stacks the linker places).
    pub ram: u64,
}

/// Size goals per image (issue #5: gust-f100 <= 16 KiB flash, <= 4 KiB RAM).
pub fn goal(image: &str) -> Option<Usage> {
    match image {
        "gust-f100" => Some(Usage {
            flash: 16 * 1024,
            ram: 4 * 1024,
        }),
        _ => None,
    }
}

/// Measures an ELF against a platform's memory map: a segment's file bytes
/// count as flash when its load address is in flash or ROM (and, for images
/// that run from RAM or TCM, where it is loaded); its memory size counts as
/// RAM when its run address is in RAM or TCM.
pub fn measure(elf: &[u8], platform: &Platform) -> Result<Usage> {
    let file = object::File::parse(elf).context("not an ELF file")?;
    let kind_at = |addr: u64| {
        platform
            .memories
            .iter()
            .find(|m| addr >= m.base as u64 && addr < m.base as u64 + m.size as u64)
            .map(|m| m.kind)
    };
    let mut u = Usage::default();
    for seg in file.segments() {
        let (vaddr, paddr) = (
            seg.address(),
            physical_address(&file, seg.address()).unwrap_or(seg.address()),
        );
        let (filesz, memsz) = (seg.file_range().1, seg.size());
        match kind_at(paddr) {
            Some(MemoryKind::Flash | MemoryKind::Rom) => u.flash += filesz,
            Some(MemoryKind::Ram | MemoryKind::Tcm)
                if vaddr == paddr && filesz > 0 && kind_at(vaddr).is_some() =>
            {
                // A RAM-loaded image (e.g. the CM4 in TCM): its bytes are its
                // "flash" as far as a loader is concerned.
                u.flash += filesz
            }
            _ => {}
        }
        if matches!(kind_at(vaddr), Some(MemoryKind::Ram | MemoryKind::Tcm)) {
            u.ram += memsz;
        }
    }
    Ok(u)
}

/// The load (physical) address of the program header whose virtual address
/// is `vaddr`.
fn physical_address(file: &object::File, vaddr: u64) -> Option<u64> {
    use object::read::elf::{ElfFile32, ProgramHeader};
    let object::File::Elf32(elf) = file else {
        return None;
    };
    let elf: &ElfFile32 = elf;
    let endian = elf.endian();
    elf.elf_program_headers()
        .iter()
        .find(|ph| ph.p_type(endian) == object::elf::PT_LOAD && ph.p_vaddr(endian) as u64 == vaddr)
        .map(|ph| ph.p_paddr(endian) as u64)
}

/// Builds every image and prints a table; Err when a goal is exceeded.
pub fn report(root: &Path) -> Result<(String, bool)> {
    let mut out = format!(
        "{:<16} {:<12} {:>10} {:>10}  goal\n",
        "image", "platform", "flash", "ram"
    );
    let mut ok = true;
    for name in crate::images::list(root) {
        let image = Image::load(root, &name)?;
        let elf = image.build(root)?;
        let bytes =
            std::fs::read(&elf).with_context(|| format!("cannot read {}", elf.display()))?;
        let platform = Platform::load(root, &image.platform)?;
        let u = measure(&bytes, &platform)?;
        let goal_text = match goal(&name) {
            Some(g) => {
                let met = u.flash <= g.flash && u.ram <= g.ram;
                ok &= met;
                format!(
                    "flash <= {} KiB, ram <= {} KiB: {}",
                    g.flash / 1024,
                    g.ram / 1024,
                    if met { "met" } else { "NOT met" }
                )
            }
            None => String::new(),
        };
        out += &format!(
            "{:<16} {:<12} {:>8} B {:>8} B  {goal_text}\n",
            name, image.platform, u.flash, u.ram
        );
    }
    out += "ram counts what the linker places in RAM or TCM: .data, .bss, reserved buffers, and code or vectors\n";
    out += "copied there at boot and stacks where the layout reserves them (fmu-m7: ITCM code, 16 KiB DTCM stack);\n";
    out += "other images' stacks use what is left\n";
    Ok((out, ok))
}
