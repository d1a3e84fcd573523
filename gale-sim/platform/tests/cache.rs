//! The derived-platform cache: used when current, rebuilt when any input
//! changes, old entries removed, a corrupt entry ignored.

mod common;
use common::repo_root;
use gale_platform::Platform;
use std::path::{Path, PathBuf};

fn temp_repo() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gale-platform-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["platforms", "svd"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    for f in ["platforms/stm32f100.toml", "svd/STM32F100xx.svd.xz"] {
        std::fs::copy(repo_root().join(f), dir.join(f)).unwrap();
    }
    dir
}

fn entries(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root.join("target/gale-sim/platform-cache"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn cache_is_used_rebuilt_and_pruned() {
    let root = temp_repo();
    assert!(entries(&root).is_empty());
    let p = Platform::load(&root, "stm32f100").unwrap();
    let first = entries(&root);
    assert_eq!(first.len(), 1, "{first:?}");

    // A current entry is what load returns (doctor it to prove it is read).
    let mut doctored = p.clone();
    doctored.chip = "FROM-CACHE".into();
    std::fs::write(&first[0], serde_json::to_vec(&doctored).unwrap()).unwrap();
    assert_eq!(
        Platform::load(&root, "stm32f100").unwrap().chip,
        "FROM-CACHE"
    );

    // A corrupt entry is ignored and replaced.
    std::fs::write(&first[0], b"{ not json").unwrap();
    assert_eq!(Platform::load(&root, "stm32f100").unwrap(), p);

    // Changing the overlay changes the key: rebuilt, the old entry removed.
    let overlay = root.join("platforms/stm32f100.toml");
    let text = std::fs::read_to_string(&overlay).unwrap();
    std::fs::write(
        &overlay,
        text.replace("cpu_hz = 24_000_000", "cpu_hz = 8_000_000"),
    )
    .unwrap();
    assert_eq!(
        Platform::load(&root, "stm32f100").unwrap().core.cpu_hz,
        8_000_000
    );
    let second = entries(&root);
    assert_eq!(second.len(), 1, "{second:?}");
    assert_ne!(second, first);
    let _ = std::fs::remove_dir_all(&root);
}
