//! FlexSPI NOR boot layout (boot header at 0x3000_0000, vector table image
//! at 0x3000_2000, code copied to ITCM, data in OCRAM/DTCM) from imxrt-rt,
//! plus the defmt linker script.
use imxrt_rt::{Family, RuntimeBuilder};

/// The EVK's IS25WP128: 16 MiB.
const FLASH_SIZE: usize = 16 * 1024 * 1024;

fn main() {
    RuntimeBuilder::from_flexspi(Family::Imxrt1170, FLASH_SIZE)
        .build()
        .expect("imxrt-rt: generating the linker script failed");
    println!("cargo:rustc-link-arg-bins=-Timxrt-link.x");
    println!("cargo:rustc-link-arg-bins=-Tdefmt.x");
    println!("cargo:rerun-if-changed=build.rs");
}
