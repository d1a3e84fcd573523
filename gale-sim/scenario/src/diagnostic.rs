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
    /// The offending source line, for display (escaped, at most
    /// [`SNIPPET_CHARS`] characters).
    snippet: Option<String>,
}

/// The most characters of a source line a diagnostic shows.
pub const SNIPPET_CHARS: usize = 160;

/// `text` made safe to print: at most `max` characters, control and other
/// non-printable characters escaped (`\x1b`, `\u{200b}`), `…` when cut.
pub fn shown(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    if c == '\t' {
        out.push(' ');
    } else if (c as u32) < 0x20 || c == '\x7f' {
        out.push_str(&format!("\\x{:02x}", c as u32));
    } else if c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    {
        out.push_str(&format!("\\u{{{:x}}}", c as u32));
    } else {
        out.push(c);
    }
}

/// Where the caret goes under [`shown`]`(line, SNIPPET_CHARS)` for the
/// 1-based `column`: the width of the escaped text before it, or None when
/// the column lies beyond what is shown.
fn caret_offset(line: &str, column: usize) -> Option<usize> {
    if column > SNIPPET_CHARS + 1 {
        return None;
    }
    let mut prefix = String::new();
    for c in line.chars().take(column.saturating_sub(1)) {
        push_escaped(&mut prefix, c);
    }
    Some(prefix.chars().count())
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
        let snippet = snippet.map(|l| (shown(&l, SNIPPET_CHARS), caret_offset(&l, column.max(1))));
        let snippet = snippet.map(|(text, caret)| match caret {
            Some(at) => format!("{text}\n{}^", " ".repeat(at)),
            None => format!("{text}\n(column {column} is beyond the part of the line shown)"),
        });
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
        if let (Some(l), Some(src)) = (self.line, &self.snippet) {
            // No width arguments: a column over 65535 must not panic.
            let gutter = " ".repeat(l.to_string().len());
            let (text, caret) = src.split_once('\n').unwrap_or((src, ""));
            writeln!(f, "{gutter} |")?;
            writeln!(f, "{l} | {text}")?;
            writeln!(f, "{gutter} | {caret}")?;
        }
        if let Some(h) = &self.help {
            writeln!(f, "  = help: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}
