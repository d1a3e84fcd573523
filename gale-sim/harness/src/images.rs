//! Firmware images: what `image: gust-f100` in a scenario means, and
//! building it when stale (cargo decides staleness).
//!
//! An image is a board crate in `firmware/boards/<name>/` whose Cargo.toml
//! carries `[package.metadata.gale]` (`target`, `platform`, `probe-rs-chip`).

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One firmware image's metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub name: String,
    /// rustc target triple.
    pub target: String,
    /// The platform the image is built for (`platforms/<platform>.toml`).
    pub platform: String,
    /// probe-rs chip name, for hardware runs.
    pub probe_rs_chip: Option<String>,
    /// The board crate's manifest.
    pub manifest: PathBuf,
}

#[derive(Deserialize)]
struct Manifest {
    package: Package,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    gale: Option<GaleMeta>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct GaleMeta {
    target: String,
    platform: String,
    probe_rs_chip: Option<String>,
}

impl Image {
    /// Reads `firmware/boards/<name>/Cargo.toml`.
    pub fn load(root: &Path, name: &str) -> Result<Image> {
        let manifest = root.join("firmware/boards").join(name).join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).with_context(|| {
            format!(
                "no firmware image `{name}`: {} does not exist; known images: {}",
                manifest.display(),
                list(root).join(", ")
            )
        })?;
        let m: Manifest = toml::from_str(&text)
            .with_context(|| format!("{}: invalid manifest", manifest.display()))?;
        let Some(meta) = m.package.metadata.and_then(|m| m.gale) else {
            bail!(
                "{}: missing [package.metadata.gale] (target, platform, probe-rs-chip); add it so gale-sim knows how to build and run `{name}`",
                manifest.display()
            );
        };
        Ok(Image {
            name: m.package.name,
            target: meta.target,
            platform: meta.platform,
            probe_rs_chip: meta.probe_rs_chip,
            manifest,
        })
    }

    /// Where cargo puts the release ELF.
    pub fn elf_path(&self, root: &Path) -> PathBuf {
        firmware_target_dir(root)
            .join(&self.target)
            .join("release")
            .join(&self.name)
    }

    /// Builds the image in release (cargo rebuilds only what is stale) and
    /// returns the ELF path. Cargo's output is shown only on failure.
    pub fn build(&self, root: &Path) -> Result<PathBuf> {
        self.build_in(root, &firmware_target_dir(root), &[])?;
        self.checked_elf(self.elf_path(root))
    }

    /// Builds a variant of the image with cargo `features` (e.g. `replay`
    /// for hardware runs) into its own target folder
    /// `firmware/target/<variant>/`, so the normal ELF stays as it is, and
    /// returns that ELF's path.
    pub fn build_variant(&self, root: &Path, variant: &str, features: &[&str]) -> Result<PathBuf> {
        let dir = firmware_target_dir(root).join(variant);
        self.build_in(root, &dir, features)?;
        self.checked_elf(dir.join(&self.target).join("release").join(&self.name))
    }

    fn build_in(&self, root: &Path, target_dir: &Path, features: &[&str]) -> Result<()> {
        let fw = root.join("firmware/Cargo.toml");
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(root.join("firmware"))
            // A target dir inherited from an outer cargo would misplace the ELF.
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET")
            .arg("build")
            .arg("--release")
            .arg("--manifest-path")
            .arg(&fw)
            .args([
                "--package",
                &self.name,
                "--target",
                &self.target,
                "--target-dir",
            ])
            .arg(target_dir)
            .args(if features.is_empty() {
                Vec::new()
            } else {
                vec!["--features".to_string(), features.join(",")]
            })
            .output()
            .context("could not run cargo to build the firmware")?;
        if !out.status.success() {
            bail!(
                "building firmware image `{}` for {} failed:\n{}",
                self.name,
                self.target,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    fn checked_elf(&self, elf: PathBuf) -> Result<PathBuf> {
        if !elf.is_file() {
            bail!(
                "cargo built `{}` but {} is missing: is the binary named after the package?",
                self.name,
                elf.display()
            );
        }
        Ok(elf)
    }
}

fn firmware_target_dir(root: &Path) -> PathBuf {
    root.join("firmware/target")
}

/// The image names under `firmware/boards/`, sorted: the crates whose
/// manifest declares `[package.metadata.gale]` (board-support libraries
/// living beside them are not images).
pub fn list(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root.join("firmware/boards"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            std::fs::read_to_string(e.path().join("Cargo.toml"))
                .is_ok_and(|t| t.contains("[package.metadata.gale]"))
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
