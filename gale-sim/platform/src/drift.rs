//! The committed generated files (`platforms/<name>.repl`, `.resc`) must
//! equal what the generator produces now; `GALE_UPDATE_PLATFORMS=1`
//! rewrites them instead of failing.

use crate::{repl, Platform, PlatformError};
use std::path::{Path, PathBuf};

/// (repository-relative path, contents) of every generated file of `p`.
pub fn generated_files(p: &Platform) -> Vec<(PathBuf, String)> {
    vec![
        (
            PathBuf::from(format!("platforms/{}.repl", p.name)),
            repl::generate(p),
        ),
        (
            PathBuf::from(format!("platforms/{}.resc", p.name)),
            repl::generate_resc(p),
        ),
    ]
}

/// Fails with [`PlatformError::Drift`] naming the first differing line.
pub fn check(repo_root: &Path, p: &Platform) -> Result<(), PlatformError> {
    for (rel, want) in generated_files(p) {
        let path = repo_root.join(&rel);
        let have = std::fs::read_to_string(&path).map_err(|e| PlatformError::Drift {
            path: rel.clone(),
            detail: format!("cannot read it: {e}"),
        })?;
        if have != want {
            let line = have
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(have.lines().count().min(want.lines().count()));
            return Err(PlatformError::Drift {
                path: rel,
                detail: format!(
                    "first difference at line {}: committed {:?}, generated {:?}",
                    line + 1,
                    have.lines().nth(line).unwrap_or("<end>"),
                    want.lines().nth(line).unwrap_or("<end>")
                ),
            });
        }
    }
    Ok(())
}

/// Writes the generated files; returns the ones that changed.
pub fn update(repo_root: &Path, p: &Platform) -> Result<Vec<PathBuf>, PlatformError> {
    let mut changed = Vec::new();
    for (rel, want) in generated_files(p) {
        let path = repo_root.join(&rel);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            std::fs::write(&path, want).map_err(|source| PlatformError::Write {
                path: path.clone(),
                source,
            })?;
            changed.push(rel);
        }
    }
    Ok(changed)
}
