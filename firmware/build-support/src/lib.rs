//! Shared by the images' build scripts: put the board's `memory.x` where
//! cortex-m-rt's `link.x` includes it from, and pass the linker scripts.

use std::{env, fs, path::PathBuf};

/// Writes `memory_x` to OUT_DIR/memory.x and links the binaries with
/// `-Tlink.x` plus one `-T<script>` per entry of `extra_scripts`.
pub fn link(memory_x: &[u8], extra_scripts: &[&str]) {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts"));
    let path = out.join("memory.x");
    if let Err(e) = fs::write(&path, memory_x) {
        panic!("cannot write {}: {e}", path.display());
    }
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    link_scripts(&["link.x"]);
    link_scripts(extra_scripts);
}

/// Links the binaries with one `-T<script>` per entry of `scripts` (for
/// images whose main linker script comes from elsewhere, e.g. imxrt-rt's
/// `imxrt-link.x`).
pub fn link_scripts(scripts: &[&str]) {
    println!("cargo:rerun-if-changed=build.rs");
    for script in scripts {
        println!("cargo:rustc-link-arg-bins=-T{script}");
    }
}

/// Compiles this crate's defmt log statements at `level` and above (defmt
/// keeps only `error` when DEFMT_LOG is unset). Set per crate so it holds
/// whatever directory cargo is started from.
pub fn defmt_log(level: &str) {
    println!("cargo:rustc-env=DEFMT_LOG={level}");
    println!("cargo:rerun-if-env-changed=DEFMT_LOG");
}
