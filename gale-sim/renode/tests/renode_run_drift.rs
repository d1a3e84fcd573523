//! Every image's `[package.metadata.renode]` (renode-run) is the block
//! derived from its platform, and firmware/.cargo/config.toml makes
//! renode-run the runner for the thumbv7 targets.
//! `GALE_UPDATE_RENODE_RUN=1` rewrites the blocks.

use gale_harness::images::{self, Image};
use gale_platform::Platform;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

#[test]
fn every_image_carries_the_renode_run_metadata_of_its_platform() {
    let root = root();
    let update = std::env::var_os("GALE_UPDATE_RENODE_RUN").is_some();
    let mut drift = Vec::new();
    let names = images::list(&root);
    assert!(names.len() >= 4, "{names:?}");
    for name in names {
        let image = Image::load(&root, &name).unwrap();
        let p = Platform::load(&root, &image.platform).unwrap();
        let block = gale_renode::renode_run::metadata(&p, &name);
        let text = std::fs::read_to_string(&image.manifest).unwrap();
        let want = gale_renode::renode_run::splice(&text, &block);
        if want != text {
            if update {
                std::fs::write(&image.manifest, &want).unwrap();
            } else {
                drift.push(image.manifest.display().to_string());
            }
        }
        // The block is valid TOML where it lands.
        let parsed: toml::Value = toml::from_str(&want).unwrap();
        let meta = &parsed["package"]["metadata"]["renode"];
        assert_eq!(meta["machine-name"].as_str(), Some(name.as_str()));
        assert!(meta["platform-description"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/platforms/{}.repl", p.name)));
    }
    assert!(
        drift.is_empty(),
        "renode-run metadata out of date in {drift:?}; regenerate: GALE_UPDATE_RENODE_RUN=1 cargo test --release -p gale-renode --test renode_run_drift"
    );
    let config = std::fs::read_to_string(root.join("firmware/.cargo/config.toml")).unwrap();
    assert!(config.contains("runner = \"renode-run\""), "{config}");
}
