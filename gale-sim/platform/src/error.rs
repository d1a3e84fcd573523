//! The one error type of this crate. Every message names the file it is
//! about (with line and column where the XML or TOML parser gives one) and
//! says how to fix the problem.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("{}: cannot read: {source}. Fix: check that the file exists (run from the repository root; `cargo xtask svd refresh` restores the SVDs)", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{}: cannot write: {source}. Fix: check permissions on the directory", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{}: not a valid xz stream ({detail}). Fix: restore the pinned file with `cargo xtask svd refresh`", path.display())]
    Decompress { path: PathBuf, detail: String },

    #[error("{}: invalid SVD: {detail}. Fix: correct the SVD at the position given, or restore the pinned file with `cargo xtask svd refresh`", path.display())]
    Svd { path: PathBuf, detail: String },

    #[error("{}: invalid overlay: {detail}", path.display())]
    Overlay { path: PathBuf, detail: String },

    #[error("{}: {detail}. Fix: in the overlay, add one of them to `peripherals.exclude`, merge them with a `[[peripherals.merge]]` entry, or set a smaller `peripherals.size.<NAME>`", path.display())]
    Overlap { path: PathBuf, detail: String },

    #[error("unknown platform `{name}` (known: {known}). Fix: use one of the known names, or add platforms/{name}.toml")]
    UnknownPlatform { name: String, known: String },

    #[error("platform `{platform}` has no peripheral `{name}`{hint}. Fix: use a name from `gale-sim platform show {platform}`")]
    UnknownPeripheral {
        platform: String,
        name: String,
        hint: String,
    },

    #[error("{}: repository root not found (no directory above {} holds both platforms/ and svd/). Fix: run from inside the gale-sim repository", path.display(), path.display())]
    NoRepoRoot { path: PathBuf },

    #[error("{}: is out of date with its generator ({detail}). Fix: run `GALE_UPDATE_PLATFORMS=1 cargo test -p gale-platform --test drift` and commit the result", path.display())]
    Drift { path: PathBuf, detail: String },
}

impl PlatformError {
    pub(crate) fn overlay(path: impl Into<PathBuf>, detail: impl Into<String>) -> Self {
        PlatformError::Overlay {
            path: path.into(),
            detail: detail.into(),
        }
    }
}
