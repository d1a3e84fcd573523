//! Finding a supported Renode: `$RENODE`, else `renode` on `PATH`, checked
//! with `renode --version` under a private `TMPDIR` (Renode deletes other
//! `$TMPDIR/renode-*` folders when it starts).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Renode release series this crate generates scripts for.
pub const SUPPORTED: &[&str] = &["1.15", "1.16"];

/// A Renode launcher that answered `--version` with a supported version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Renode {
    pub exe: PathBuf,
    /// As printed, e.g. `1.15.3.27201`.
    pub version: String,
}

/// Why no usable Renode was found; `Display` says how to get one.
#[derive(Debug, thiserror::Error)]
pub enum NotFound {
    #[error(
        "Renode not found: RENODE is not set and no `renode` is on PATH.\n{}",
        how_to_get()
    )]
    Missing,
    #[error("Renode at {} does not run: {detail}\n{}", exe.display(), how_to_get())]
    DoesNotRun { exe: PathBuf, detail: String },
    #[error("Renode at {} is version {version}; supported: {}.\n{}", exe.display(), supported(), how_to_get())]
    Unsupported { exe: PathBuf, version: String },
}

fn supported() -> String {
    SUPPORTED
        .iter()
        .map(|s| format!("{s}.x"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn how_to_get() -> String {
    format!(
        "Fix: set RENODE to the `renode` launcher of Renode {} (or put `renode` on PATH). \
         Where a shared install script exists (`../shared/renode/install.sh` next to the project), \
         `RENODE=$(../shared/renode/install.sh)` installs one and prints its path; \
         otherwise get a portable Linux package from https://builds.renode.io or https://github.com/renode/renode/releases.",
        supported()
    )
}

/// `$RENODE` if set (and not empty), else `renode` on `PATH`; then checks its version.
pub fn locate() -> Result<Renode, NotFound> {
    let exe = match std::env::var_os("RENODE").filter(|v| !v.is_empty()) {
        Some(v) => PathBuf::from(v),
        None => on_path("renode").ok_or(NotFound::Missing)?,
    };
    check(&exe)
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Runs `exe --version` with a private TMPDIR and checks the version.
pub fn check(exe: &Path) -> Result<Renode, NotFound> {
    let does_not_run = |detail: String| NotFound::DoesNotRun {
        exe: exe.to_path_buf(),
        detail,
    };
    let tmp = std::env::temp_dir().join(format!("gale-renode-version-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| does_not_run(format!("{}: {e}", tmp.display())))?;
    let out = Command::new(exe)
        .arg("--version")
        .env("TMPDIR", &tmp)
        .env("RENODE_TMPDIR", &tmp)
        .output();
    let _ = std::fs::remove_dir_all(&tmp);
    let out = out.map_err(|e| does_not_run(e.to_string()))?;
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let version = parse_version(&text).ok_or_else(|| {
        does_not_run(format!(
            "`--version` printed no version (exit {:?}): {}",
            out.status.code(),
            text.trim()
        ))
    })?;
    if !is_supported(&version) {
        return Err(NotFound::Unsupported {
            exe: exe.to_path_buf(),
            version,
        });
    }
    Ok(Renode {
        exe: exe.to_path_buf(),
        version,
    })
}

/// The version in `renode --version` output: `Renode v1.15.3.27201` or
/// `Renode, version 1.15.3.27201 (...)`.
pub fn parse_version(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == '(')
        .map(|w| w.strip_prefix('v').unwrap_or(w))
        .find(|w| {
            let mut parts = w.split('.');
            parts.clone().count() >= 3
                && parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(str::to_string)
}

/// Whether `version` (`1.15.3.27201`) is in a [`SUPPORTED`] series.
pub fn is_supported(version: &str) -> bool {
    SUPPORTED.iter().any(|s| {
        version
            .strip_prefix(s)
            .is_some_and(|rest| rest.starts_with('.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            parse_version("Renode v1.15.3.27201\n").as_deref(),
            Some("1.15.3.27201")
        );
        assert_eq!(
            parse_version("Renode, version 1.16.0.1525 (abc-2025)").as_deref(),
            Some("1.16.0.1525")
        );
        assert_eq!(parse_version("no version here 1.2"), None);
        assert!(is_supported("1.15.3.27201"));
        assert!(is_supported("1.16.0"));
        assert!(!is_supported("1.14.0"));
        assert!(!is_supported("1.150.0"));
        assert!(!is_supported("1.17.0"));
    }

    #[test]
    fn a_launcher_that_does_not_run_is_reported() {
        let e = check(Path::new("/nonexistent/renode")).unwrap_err();
        assert!(matches!(e, NotFound::DoesNotRun { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains("/nonexistent/renode") && msg.contains("Fix:"),
            "{msg}"
        );
        // A program that prints no version.
        let e = check(Path::new("/bin/true")).unwrap_err();
        assert!(e.to_string().contains("printed no version"), "{e}");
    }

    #[test]
    fn not_found_says_how_to_get_it() {
        let msg = NotFound::Missing.to_string();
        assert!(
            msg.contains("RENODE") && msg.contains("PATH") && msg.contains("1.15.x, 1.16.x"),
            "{msg}"
        );
    }
}
