//! The derived-platform cache. Parsing the RT1176 SVDs (24 MB of XML each)
//! takes seconds, so the assembled [`Platform`] is stored as JSON under
//! `<repo>/target/gale-sim/platform-cache/`, keyed by a hash of everything
//! it is derived from (overlay text, SVD bytes, this crate's format
//! version). A missing, stale or unreadable entry is simply rebuilt.

use crate::model::Platform;
use std::path::{Path, PathBuf};

/// Bump when the derivation or the `Platform` layout changes.
const FORMAT: &str = "gale-platform-cache-v4";

/// FNV-1a, 64 bit: stable across Rust versions and machines, unlike std's
/// hasher. A cache key, not a security boundary.
pub fn key(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in std::iter::once(FORMAT.as_bytes()).chain(parts.iter().copied()) {
        for &b in (part.len() as u64).to_le_bytes().iter().chain(part) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

pub fn path(repo_root: &Path, name: &str, key: u64) -> PathBuf {
    repo_root
        .join("target/gale-sim/platform-cache")
        .join(format!("{name}-{key:016x}.json"))
}

pub fn read(path: &Path) -> Option<Platform> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Best effort: a read-only checkout still works, only slower.
pub fn write(path: &Path, platform: &Platform) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(json) = serde_json::to_vec(platform) else {
        return;
    };
    // Write then rename, so concurrent loaders never see half a file.
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        std::process::id(),
        path.file_name().and_then(|f| f.to_str()).unwrap_or("p")
    ));
    if std::fs::write(&tmp, json).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
        return;
    }
    remove_stale(dir, path);
}

/// Drops this platform's entries for older inputs (`<name>-<other key>.json`).
fn remove_stale(dir: &Path, current: &Path) {
    let Some(file) = current.file_name().and_then(|f| f.to_str()) else {
        return;
    };
    let Some((name, _)) = file.rsplit_once('-') else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let f = e.file_name();
        let f = f.to_string_lossy();
        let stale = f
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|key| {
                key.len() == 16 + 5
                    && key.ends_with(".json")
                    && key[..16].bytes().all(|b| b.is_ascii_hexdigit())
            });
        if stale && f != file {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
