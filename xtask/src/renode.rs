//! Finding Renode for the Renode backend's tests and runs.
//!
//! In order: the `RENODE` variable, `renode` on PATH, and the project's
//! shared bundle (`../shared/renode/install.sh` beside the checkout, as on
//! the project's own machines and CI), which installs itself on first use and
//! prints the launcher's path. None of these: the Renode tests are skipped
//! (reported as skipped, never as passed) and `--engine renode` says how to
//! get it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What to tell a user without Renode.
pub const HOW_TO_GET: &str = "set RENODE to the renode launcher or put renode on PATH; Renode 1.15.x or 1.16.x from renode.io";

/// The Renode launcher to use, if there is one.
pub fn locate(root: &Path) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RENODE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    if let Some(p) = on_path("renode") {
        return Some(p);
    }
    let install = root.parent()?.join("shared/renode/install.sh");
    if !install.is_file() {
        return None;
    }
    eprintln!(
        "xtask: installing the shared Renode ({})",
        install.display()
    );
    let out = Command::new("bash")
        .arg(&install)
        .stderr(Stdio::inherit())
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .map(|l| PathBuf::from(l.trim()))?;
    (out.status.success() && path.is_file()).then_some(path)
}

fn on_path(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(cmd))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .find(|p| p.is_file())
}
