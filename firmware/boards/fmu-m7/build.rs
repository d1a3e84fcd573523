//! Links fmu-m7 for FlexSPI NOR boot with imxrt-rt's runtime: boot header
//! (FCB from imxrt1170evk-fcb at 0x3000_0400, IVT and boot data at
//! 0x3000_1000), the Cortex-M vector table at 0x3000_2000, Reset and
//! `__pre_init` executed in place; `__pre_init` configures FlexRAM (the
//! fuse-default 256 KiB ITCM + 256 KiB DTCM), then copies the code to ITCM
//! and the vector table to DTCM. Everything else lives in DTCM, so OCRAM
//! stays free for the io-m4 mailbox. defmt logs from `info` up.
use imxrt_rt::{Family, Memory, RuntimeBuilder};

/// The EVK's IS25WP128: 16 MiB.
const FLASH_SIZE: usize = 16 * 1024 * 1024;

fn main() {
    let built = RuntimeBuilder::from_flexspi(Family::Imxrt1170, FLASH_SIZE)
        .text(Memory::Itcm)
        .vectors(Memory::Dtcm)
        .rodata(Memory::Dtcm)
        .data(Memory::Dtcm)
        .bss(Memory::Dtcm)
        .uninit(Memory::Dtcm)
        .stack(Memory::Dtcm)
        .stack_size(16 * 1024)
        .heap_size(0)
        .build();
    if let Err(e) = built {
        panic!("imxrt-rt could not lay out fmu-m7: {e}");
    }
    gale_build_support::link_scripts(&["imxrt-link.x", "defmt.x"]);
    gale_build_support::defmt_log("info");
}
