//! CMSIS-SVD + board overlay -> the gale-sim platform model, and the Renode
//! platform (`.repl`/`.resc`) generated from the same data, so one artefact
//! describes each chip for both engines.
//!
//! - [`Platform::load`] gives the runner the memory map, core facts and
//!   every peripheral with its registers (cached, see [`cache`]).
//! - [`repl::generate`] / [`repl::generate_resc`] emit the Renode files;
//!   [`drift`] checks the committed ones; [`repl::check`] validates the
//!   grammar we emit.
//! - [`show`] renders the memory map and register tables for users.
//!
//! See docs/platforms.md for the overlay format and ApplySVD semantics.

pub mod applysvd;
mod assemble;
pub mod cache;
pub mod drift;
mod error;
mod input;
mod model;
pub mod overlay;
pub mod repl;
pub mod show;
pub mod svd_load;
mod xml_depth;

pub use error::PlatformError;
pub use input::{MAX_FILE_BYTES, MAX_SVD_TEXT_BYTES};
pub use model::*;

use std::path::{Path, PathBuf};

/// Walks up from `start` to the directory holding both `platforms/` and `svd/`.
pub fn find_repo_root(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
    start
        .ancestors()
        .find(|d| d.join("platforms").is_dir() && d.join("svd").is_dir())
        .map(Path::to_path_buf)
}

/// Platform names: the stems of `platforms/*.toml`, sorted.
pub fn list(repo_root: &Path) -> Result<Vec<String>, PlatformError> {
    let dir = repo_root.join("platforms");
    let entries = std::fs::read_dir(&dir).map_err(|source| PlatformError::Io {
        path: dir.clone(),
        source,
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

impl Platform {
    /// Loads platform `name` from `<repo_root>/platforms/<name>.toml` and the
    /// SVD it names, using the derived-platform cache when it is current.
    pub fn load(repo_root: &Path, name: &str) -> Result<Platform, PlatformError> {
        let safe = !name.is_empty()
            && name.len() <= 64
            && !name.contains("..")
            && name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !safe {
            let known = list(repo_root).map(|l| l.join(", ")).unwrap_or_default();
            let shown: String = name
                .chars()
                .take(40)
                .map(|c| if c.is_control() { '?' } else { c })
                .collect();
            return Err(PlatformError::UnknownPlatform { name: shown, known });
        }
        let overlay_path = repo_root.join("platforms").join(format!("{name}.toml"));
        let overlay_text = match std::fs::read_to_string(&overlay_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let known = list(repo_root).map(|l| l.join(", ")).unwrap_or_default();
                return Err(PlatformError::UnknownPlatform {
                    name: name.to_string(),
                    known,
                });
            }
            Err(source) => {
                return Err(PlatformError::Io {
                    path: overlay_path,
                    source,
                })
            }
        };
        let overlay = overlay::Overlay::parse(&overlay_text, &overlay_path)?;
        let svd_path = input::resolve_in_repo(repo_root, &overlay_path, &overlay.svd)?;
        let svd_bytes = input::read_capped(&svd_path)?;
        let key = cache::key(&[overlay_text.as_bytes(), &svd_bytes]);
        let cached = cache::path(repo_root, name, key);
        if let Some(p) = cache::read(&cached) {
            return Ok(p);
        }
        let platform = Self::build(&overlay_text, &overlay_path, &svd_path)?;
        cache::write(&cached, &platform);
        Ok(platform)
    }

    /// Builds a platform from an overlay and an SVD without any cache
    /// (tests and tools that work on files outside the repository).
    pub fn build(
        overlay_text: &str,
        overlay_path: &Path,
        svd_path: &Path,
    ) -> Result<Platform, PlatformError> {
        let overlay = overlay::Overlay::parse(overlay_text, overlay_path)?;
        let text = svd_load::read_svd_text(svd_path)?;
        Self::from_texts(&overlay, overlay_path, &text, svd_path)
    }

    /// The pure SVD-text + overlay -> platform path (what the fuzz test drives).
    pub fn from_texts(
        overlay: &overlay::Overlay,
        overlay_path: &Path,
        svd_text: &str,
        svd_origin: &Path,
    ) -> Result<Platform, PlatformError> {
        let chip = svd_load::parse_svd(svd_text, svd_origin)?;
        assemble::assemble(overlay, overlay_path, chip)
    }
}

impl Platform {
    /// Decompresses this platform's SVD to `<repo>/target/gale-sim/svd/` for
    /// Renode's `ApplySVD` (which reads plain or gzip SVD only) and returns
    /// the path. Rewrites the file only when its contents differ.
    pub fn extract_svd(&self, repo_root: &Path) -> Result<PathBuf, PlatformError> {
        let svd = self.svd.to_string_lossy();
        let text =
            svd_load::read_svd_text(&input::resolve_in_repo(repo_root, &self.overlay, &svd)?)?;
        let out = repo_root.join(repl::renode_svd_path(self));
        if std::fs::read(&out).ok().as_deref() != Some(text.as_bytes()) {
            if let Some(dir) = out.parent() {
                std::fs::create_dir_all(dir).map_err(|source| PlatformError::Write {
                    path: dir.into(),
                    source,
                })?;
            }
            std::fs::write(&out, text).map_err(|source| PlatformError::Write {
                path: out.clone(),
                source,
            })?;
        }
        Ok(out)
    }
}
