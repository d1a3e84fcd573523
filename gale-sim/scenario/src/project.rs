//! Files a scenario names (CSV signals, `elf:`) are read only from inside
//! the project tree, only if they are regular files, and only up to a size
//! cap: a scenario cannot make the runner read `/etc/shadow`,
//! `/proc/self/environ`, `/dev/zero` or a FIFO.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest input file a scenario may name.
pub const MAX_INPUT_BYTES: u64 = 16 << 20;

/// The project root above `scenario_file`: the nearest folder holding
/// `firmware/Cargo.toml` and `platforms/`. Falls back to the scenario's own
/// folder (the strictest choice) when there is none.
pub fn find_root(scenario_file: &Path) -> PathBuf {
    let abs = std::path::absolute(scenario_file).unwrap_or_else(|_| scenario_file.to_path_buf());
    let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = dir.canonicalize().unwrap_or(dir);
    dir.ancestors()
        .find(|d| d.join("firmware/Cargo.toml").is_file() && d.join("platforms").is_dir())
        .map(Path::to_path_buf)
        .unwrap_or(dir)
}

/// Resolves `named` (relative to `base`) to a file inside `root`. The error
/// names the path as written, never anything read from it.
pub fn resolve(root: &Path, base: &Path, named: &Path) -> Result<PathBuf, String> {
    if named.is_absolute() {
        return Err(format!("`{}` is an absolute path", named.display()));
    }
    let joined = base.join(named);
    let real = joined.canonicalize().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("`{}` does not exist", named.display()),
        _ => format!("cannot open `{}`: {e}", named.display()),
    })?;
    let root_real = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    if !real.starts_with(&root_real) {
        return Err(format!(
            "`{}` resolves to {}, outside the project folder {}",
            named.display(),
            real.display(),
            root_real.display()
        ));
    }
    Ok(real)
}

/// The largest firmware ELF a scenario may name (`elf:`).
pub const MAX_ELF_BYTES: u64 = 64 << 20;

/// Checks that `path` is a regular file (not a FIFO, device or folder,
/// which could block or never end) of at most `max` bytes.
pub fn check_regular(path: &Path, max: u64) -> Result<(), String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    if meta.len() > max {
        return Err(format!(
            "{} has {} bytes (at most {max})",
            path.display(),
            meta.len()
        ));
    }
    Ok(())
}

/// Reads a resolved input file: a regular file of at most [`MAX_INPUT_BYTES`].
pub fn read_text(path: &Path) -> Result<String, String> {
    check_regular(path, MAX_INPUT_BYTES)?;
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(format!(
            "{} grew past {MAX_INPUT_BYTES} bytes while being read",
            path.display()
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{} is not UTF-8 text (first bad byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}
