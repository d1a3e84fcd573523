//! Names that end up in file names (artefact folders, `uart-<machine>-*.txt`,
//! snapshot names): a safe character set, so nothing a scenario says can
//! make the runner write outside its artefact folder.

/// The longest name accepted (file systems allow 255 bytes per component;
/// the runner adds prefixes and suffixes).
pub const MAX_NAME_LEN: usize = 64;

/// Checks `name` against `[A-Za-z0-9][A-Za-z0-9._-]*`, at most
/// [`MAX_NAME_LEN`] characters, without `..`. The error says what is wrong
/// without repeating a long name.
pub fn check_file_name(name: &str) -> Result<(), String> {
    let chars = name.chars().count();
    if chars == 0 {
        return Err("is empty".into());
    }
    if chars > MAX_NAME_LEN {
        return Err(format!(
            "is {chars} characters long (at most {MAX_NAME_LEN})"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "contains {c:?} (only letters, digits, `.`, `_` and `-` are allowed)"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err("must start with a letter or digit".into());
    }
    if name.contains("..") {
        return Err("contains `..`".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names_pass_and_path_like_ones_do_not() {
        for ok in ["fmu", "fmu-imu-stuck", "rt1176.cm7", "a_b", "7"] {
            assert_eq!(check_file_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "x/../../escaped",
            "/abs",
            ".hidden",
            "a..b",
            "a b",
            "x\\y",
            "ü",
        ] {
            assert!(check_file_name(bad).is_err(), "{bad}");
        }
        assert!(check_file_name(&"a".repeat(65))
            .unwrap_err()
            .contains("65 characters"));
    }
}
