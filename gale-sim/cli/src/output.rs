//! How `gale-sim run` prints: which scenarios (`--filter`), how much
//! (`--quiet`), in colour or not (`--color`, `NO_COLOR`), and where the
//! JUnit report goes (`--junit`).

use clap::{Args, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Args, Clone, Debug, Default)]
pub struct RunOutput {
    /// Print only failing scenarios (with their failed checks only) and the
    /// closing summary line.
    #[arg(long, short)]
    pub quiet: bool,
    /// Run only scenarios whose name matches this regular expression (a
    /// plain substring works: `--filter imu`).
    #[arg(long, value_name = "REGEX")]
    pub filter: Option<regex::Regex>,
    /// Where to write the JUnit XML report, relative to the current folder
    /// [default: target/gale-sim/junit.xml in the project].
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Colour PASS/FAIL: `auto` colours on a terminal unless the NO_COLOR
    /// environment variable is set.
    #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,
}

#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

impl RunOutput {
    /// Whether to colour standard output.
    pub fn colour(&self) -> bool {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        match self.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => !no_color && std::io::stdout().is_terminal(),
        }
    }
}

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const BOLD_RED: &str = "\x1b[1;31m";
const RESET: &str = "\x1b[0m";

/// `text` (report lines) with PASS, ok, FAIL and ERROR coloured at the
/// start of lines and in the summary table; unchanged when `on` is false.
pub fn paint(text: &str, on: bool) -> String {
    if !on {
        return text.to_string();
    }
    text.split_inclusive('\n')
        .map(|line| {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            for (word, colour) in [
                ("PASS", GREEN),
                ("ok", GREEN),
                ("FAIL", BOLD_RED),
                ("ERROR", RED),
            ] {
                if let Some(rest) = trimmed.strip_prefix(word) {
                    if rest.starts_with(' ') {
                        return format!("{indent}{colour}{word}{RESET}{rest}");
                    }
                }
            }
            // Summary table rows: `<name>  PASS  ...`.
            for (word, colour) in [
                ("  PASS  ", GREEN),
                ("  FAIL  ", BOLD_RED),
                ("  ERROR", RED),
            ] {
                if let Some(i) = line.find(word) {
                    let w = word.trim();
                    let at = i + word.find(w).unwrap_or(0);
                    return format!("{}{colour}{w}{RESET}{}", &line[..at], &line[at + w.len()..]);
                }
            }
            line.to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_colours_verdict_words_only_when_asked() {
        let t = "PASS a  (x)\n    ok   check\n    FAIL expected: y\na  FAIL    1 s\n";
        assert_eq!(paint(t, false), t);
        let p = paint(t, true);
        assert!(p.starts_with("\x1b[32mPASS\x1b[0m a"), "{p:?}");
        assert!(p.contains("    \x1b[32mok\x1b[0m   check"), "{p:?}");
        assert!(p.contains("    \x1b[1;31mFAIL\x1b[0m expected"), "{p:?}");
        assert!(p.contains("a  \x1b[1;31mFAIL\x1b[0m    1 s"), "{p:?}");
    }
}
