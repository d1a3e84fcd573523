//! Shared by the integration tests: the repository root and a memoised
//! platform loader (the RT1176 SVDs are large; parse each once per run).
#![allow(dead_code)]

use gale_platform::Platform;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn platform(name: &str) -> Platform {
    static CACHE: OnceLock<Mutex<HashMap<String, Platform>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(name.to_string())
        .or_insert_with(|| {
            Platform::load(&repo_root(), name).unwrap_or_else(|e| panic!("loading {name}: {e}"))
        })
        .clone()
}

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap()
}

/// Builds the `mini` test platform from (possibly modified) SVD and overlay text.
pub fn mini(svd: &str, overlay: &str) -> Result<Platform, gale_platform::PlatformError> {
    let overlay_path = fixtures().join("mini.toml");
    let o = gale_platform::overlay::Overlay::parse(overlay, &overlay_path)?;
    Platform::from_texts(&o, &overlay_path, svd, &fixtures().join("mini.svd"))
}

pub fn mini_ok() -> Platform {
    mini(&fixture_text("mini.svd"), &fixture_text("mini.toml")).unwrap_or_else(|e| panic!("{e}"))
}
