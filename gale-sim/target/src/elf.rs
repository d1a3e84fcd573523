//! What a hardware run reads from the ELF: the RTT control block's address
//! and the bytes flash must hold.

use object::{Object, ObjectSymbol};

/// The address of `_SEGGER_RTT`, if the ELF has one.
pub fn rtt_address(elf: &[u8]) -> Option<u32> {
    let file = object::File::parse(elf).ok()?;
    file.symbols()
        .find(|s| s.name() == Ok("_SEGGER_RTT"))
        .map(|s| s.address() as u32)
}

/// The loadable segments with file bytes: (load address, bytes), as
/// flashing writes them.
pub fn load_segments(elf: &[u8]) -> Result<Vec<(u32, Vec<u8>)>, String> {
    let file = object::File::parse(elf).map_err(|e| format!("not an ELF: {e}"))?;
    let object::File::Elf32(elf32) = &file else {
        return Err("not a 32-bit ELF".into());
    };
    use object::read::elf::ProgramHeader;
    let endian = elf32.endian();
    let mut out = Vec::new();
    for ph in elf32.elf_program_headers() {
        if ph.p_type(endian) != object::elf::PT_LOAD || ph.p_filesz(endian) == 0 {
            continue;
        }
        let data = ph
            .data(endian, elf32.data())
            .map_err(|_| "segment outside the file".to_string())?;
        out.push((ph.p_paddr(endian), data.to_vec()));
    }
    Ok(out)
}
