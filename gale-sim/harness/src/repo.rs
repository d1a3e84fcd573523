//! Finding the project tree (firmware/, platforms/, scenarios/) from anywhere inside it.

use std::path::{Path, PathBuf};

/// The directory that holds `firmware/Cargo.toml` and `platforms/`, found
/// by walking up from `start`; falls back to this crate's own checkout.
pub fn root_from(start: &Path) -> Option<PathBuf> {
    let is_root =
        |d: &Path| d.join("firmware/Cargo.toml").is_file() && d.join("platforms").is_dir();
    let start = start.canonicalize().ok()?;
    start
        .ancestors()
        .find(|d| is_root(d))
        .map(Path::to_path_buf)
        .or_else(|| {
            let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            is_root(&built).then(|| built.canonicalize().unwrap_or(built))
        })
}

/// Where run artefacts go: `<root>/target/gale-sim/`.
pub fn artefact_root(root: &Path) -> PathBuf {
    root.join("target").join("gale-sim")
}
