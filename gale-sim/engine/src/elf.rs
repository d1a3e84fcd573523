//! Reading the firmware ELF: loadable segments (by load address), the vector
//! table, and the symbol table used for fault reports and RTT.

use crate::EngineError;
use object::elf::{PT_LOAD, STT_FUNC};
use object::read::elf::{ElfFile32, ProgramHeader};
use object::{Object, ObjectSection, ObjectSymbol};

/// One PT_LOAD segment's file bytes placed at its physical address (LMA).
pub(crate) struct Segment {
    pub index: usize,
    pub lma: u32,
    /// Bytes from the file; `memsz - filesz` zero bytes follow (.bss), and
    /// are zeroed at their VMA only by the firmware's own startup code.
    pub data: Vec<u8>,
    pub memsz: u32,
    pub vaddr: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct Symbol {
    pub addr: u32,
    pub size: u32,
    pub name: String,
}

pub(crate) struct Image {
    pub segments: Vec<Segment>,
    /// Load address of the `.vector_table` section (where it is at reset),
    /// if the ELF has one.
    pub vector_table: Option<u32>,
    pub symbols: Symbols,
}

/// Function symbols sorted by address, plus every named object for look-ups.
#[derive(Clone, Debug, Default)]
pub struct Symbols {
    functions: Vec<Symbol>,
    objects: Vec<Symbol>,
}

impl Symbols {
    /// The function containing `addr` (Thumb bit ignored), as `name+0xoff`.
    pub fn function_at(&self, addr: u32) -> Option<String> {
        let addr = addr & !1;
        let i = self.functions.partition_point(|s| s.addr <= addr);
        let s = self.functions.get(i.checked_sub(1)?)?;
        let off = addr - s.addr;
        if s.size != 0 && off >= s.size {
            return None;
        }
        Some(if off == 0 {
            s.name.clone()
        } else {
            format!("{}+{off:#x}", s.name)
        })
    }

    /// Address of a named data or function symbol.
    pub fn address_of(&self, name: &str) -> Option<u32> {
        self.objects
            .iter()
            .chain(&self.functions)
            .find(|s| s.name == name)
            .map(|s| s.addr & !1)
    }
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Image, EngineError> {
    let elf = ElfFile32::<object::Endianness>::parse(bytes)
        .map_err(|e| EngineError::BadElf(format!("not a 32-bit ELF ({e})")))?;
    if elf.elf_header().e_machine.get(elf.endian()) != object::elf::EM_ARM {
        return Err(EngineError::BadElf("not an ARM ELF".into()));
    }
    let endian = elf.endian();
    let mut segments = Vec::new();
    for (index, ph) in elf.elf_program_headers().iter().enumerate() {
        if ph.p_type(endian) != PT_LOAD || ph.p_memsz(endian) == 0 {
            continue;
        }
        let data = ph.data(endian, bytes).map_err(|_| {
            EngineError::BadElf(format!(
                "segment {index} points outside the file (truncated ELF?)"
            ))
        })?;
        segments.push(Segment {
            index,
            lma: ph.p_paddr(endian),
            data: data.to_vec(),
            memsz: ph.p_memsz(endian),
            vaddr: ph.p_vaddr(endian),
        });
    }
    if segments.is_empty() {
        return Err(EngineError::BadElf("no loadable (PT_LOAD) segments".into()));
    }
    // Where the vector table is at reset: its load address. A runtime that
    // copies it to RAM (imxrt-rt puts it in DTCM) links it there, but the
    // boot ROM and the core find it where it was loaded.
    let vector_table = elf.section_by_name(".vector_table").map(|s| {
        let vma = s.address() as u32;
        segments
            .iter()
            .find(|g| {
                g.data.len() as u32 >= 8
                    && g.vaddr <= vma
                    && vma - g.vaddr + 8 <= g.data.len() as u32
            })
            .map_or(vma, |g| g.lma + (vma - g.vaddr))
    });
    let mut functions = Vec::new();
    let mut objects = Vec::new();
    for sym in elf.symbols() {
        let Ok(name) = sym.name() else { continue };
        if name.is_empty() || name.starts_with('$') {
            continue;
        }
        let s = Symbol {
            addr: sym.address() as u32,
            size: sym.size() as u32,
            name: demangle(name),
        };
        let is_func = matches!(sym.flags(), object::SymbolFlags::Elf { st_info, .. } if st_info & 0xf == STT_FUNC);
        if is_func {
            functions.push(Symbol {
                addr: s.addr & !1,
                ..s
            });
        } else {
            objects.push(s);
        }
    }
    functions.sort_by_key(|s| (s.addr, std::cmp::Reverse(s.size)));
    functions.dedup_by_key(|s| s.addr);
    Ok(Image {
        segments,
        vector_table,
        symbols: Symbols { functions, objects },
    })
}

/// Strips the Rust legacy mangling hash well enough for a fault report
/// (`_ZN4core9panicking5panic17h..E` -> `core::panicking::panic`).
fn demangle(name: &str) -> String {
    let Some(rest) = name.strip_prefix("_ZN") else {
        return name.to_string();
    };
    let mut parts = Vec::new();
    let mut s = rest;
    while let Some(c) = s.chars().next() {
        if c == 'E' {
            break;
        }
        let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
        let Ok(n) = digits.parse::<usize>() else {
            return name.to_string();
        };
        let start = digits.len();
        if s.len() < start + n {
            return name.to_string();
        }
        let part = &s[start..start + n];
        s = &s[start + n..];
        if !(part.starts_with('h') && part.len() == 17 && s.starts_with('E')) {
            parts.push(
                part.replace("$LT$", "<")
                    .replace("$GT$", ">")
                    .replace("$u20$", " ")
                    .replace("..", "::"),
            );
        }
    }
    if parts.is_empty() {
        name.to_string()
    } else {
        parts.join("::")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demangles_legacy_rust_names() {
        assert_eq!(
            demangle("_ZN4core9panicking5panic17h0123456789abcdefE"),
            "core::panicking::panic"
        );
        assert_eq!(demangle("main"), "main");
    }

    #[test]
    fn function_lookup_respects_size() {
        let s = Symbols {
            functions: vec![
                Symbol {
                    addr: 0x100,
                    size: 0x10,
                    name: "a".into(),
                },
                Symbol {
                    addr: 0x200,
                    size: 4,
                    name: "b".into(),
                },
            ],
            objects: vec![],
        };
        assert_eq!(s.function_at(0x101).as_deref(), Some("a"));
        assert_eq!(s.function_at(0x108).as_deref(), Some("a+0x8"));
        assert_eq!(s.function_at(0x180), None);
        assert_eq!(s.function_at(0x50), None);
        assert_eq!(s.function_at(0x202).as_deref(), Some("b+0x2"));
    }

    #[test]
    fn rejects_non_elf() {
        assert!(matches!(parse(b"not an elf"), Err(EngineError::BadElf(_))));
    }
}
