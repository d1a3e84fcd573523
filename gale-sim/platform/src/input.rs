//! Files an overlay names (`svd = ...`) are read only from inside the
//! repository, only if they are regular files, and only up to a size cap,
//! and a compressed SVD only up to a decompressed cap (an xz bomb).

use crate::PlatformError;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest SVD file read from disk (compressed or not).
pub const MAX_FILE_BYTES: u64 = 16 << 20;
/// The largest SVD text after decompression (the RT1176 SVDs are ~24 MB).
pub const MAX_SVD_TEXT_BYTES: u64 = 64 << 20;

/// Resolves the overlay's `svd = "..."` against `repo_root`: a relative
/// path that stays (symlinks followed) inside the repository.
pub fn resolve_in_repo(
    repo_root: &Path,
    overlay_path: &Path,
    named: &str,
) -> Result<PathBuf, PlatformError> {
    let bad = |why: String| {
        PlatformError::overlay(
            overlay_path,
            format!("`svd = \"{named}\"` {why}. Fix: give the path of an SVD inside the repository, relative to its root (e.g. \"svd/STM32F100xx.svd.xz\")"),
        )
    };
    if Path::new(named).is_absolute() {
        return Err(bad("is an absolute path".into()));
    }
    let real = repo_root
        .join(named)
        .canonicalize()
        .map_err(|e| bad(format!("cannot be opened ({e})")))?;
    let root = repo_root
        .canonicalize()
        .unwrap_or_else(|_| repo_root.to_path_buf());
    if !real.starts_with(&root) {
        return Err(bad(format!(
            "resolves to {}, outside the repository {}",
            real.display(),
            root.display()
        )));
    }
    Ok(real)
}

/// Reads a regular file of at most [`MAX_FILE_BYTES`].
pub fn read_capped(path: &Path) -> Result<Vec<u8>, PlatformError> {
    let io = |source: std::io::Error| PlatformError::Io {
        path: path.into(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    let refuse = |what: String| PlatformError::Svd {
        path: path.into(),
        detail: what,
    };
    if !meta.is_file() {
        return Err(refuse(
            "not a regular file (a device, FIFO or directory is never read)".into(),
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(refuse(format!(
            "{} bytes, more than the {MAX_FILE_BYTES} an SVD file may have",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(refuse(format!(
            "grew past {MAX_FILE_BYTES} bytes while being read"
        )));
    }
    Ok(bytes)
}

/// Decompresses an xz stream, refusing output past [`MAX_SVD_TEXT_BYTES`].
pub fn unxz_capped(bytes: &[u8], path: &Path) -> Result<Vec<u8>, PlatformError> {
    let mut out = Vec::new();
    xz2::read::XzDecoder::new(bytes)
        .take(MAX_SVD_TEXT_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| PlatformError::Decompress {
            path: path.into(),
            detail: e.to_string(),
        })?;
    if out.len() as u64 > MAX_SVD_TEXT_BYTES {
        return Err(PlatformError::Decompress {
            path: path.into(),
            detail: format!("it expands past {MAX_SVD_TEXT_BYTES} bytes (an xz bomb?)"),
        });
    }
    Ok(out)
}
