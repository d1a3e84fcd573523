use std::fmt;
use std::path::{Path, PathBuf};

/// A problem with an input file, located by line and column, with a fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    pub message: String,
    pub help: Option<String>,
    /// The offending source line, for display.
    snippet: Option<String>,
}

impl Diagnostic {
    /// A diagnostic about the file as a whole (unreadable, empty, ...).
    pub fn file(file: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_path_buf(),
            line: None,
            column: None,
            message: message.into(),
            help: None,
            snippet: None,
        }
    }

    /// A diagnostic at `line`:`column` (1-based) of `source`.
    pub fn at(
        file: &Path,
        source: &str,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        let snippet = source
            .lines()
            .nth(line.saturating_sub(1))
            .map(str::to_string);
        Diagnostic {
            file: file.to_path_buf(),
            line: Some(line),
            column: Some(column.max(1)),
            message: message.into(),
            help: None,
            snippet,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        match (self.line, self.column) {
            (Some(l), Some(c)) => writeln!(f, "  --> {}:{l}:{c}", self.file.display())?,
            _ => writeln!(f, "  --> {}", self.file.display())?,
        }
        if let (Some(l), Some(c), Some(src)) = (self.line, self.column, &self.snippet) {
            let w = l.to_string().len();
            writeln!(f, "{:w$} |", "")?;
            writeln!(f, "{l} | {src}")?;
            writeln!(f, "{:w$} | {:>c$}", "", "^")?;
        }
        if let Some(h) = &self.help {
            writeln!(f, "  = help: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}
