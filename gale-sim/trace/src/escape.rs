//! Text that is safe to print and to put in XML: bytes a terminal or an XML
//! parser cannot take are shown as escapes (`\x01`, `\xa5`, `\u{85}`), so
//! nothing is lost or replaced by U+FFFD and the original bytes can be
//! read back from the text.

use std::fmt::Write;

/// `bytes` as text: valid UTF-8 is kept (tabs included); control characters
/// and bytes that are not UTF-8 become `\xNN` (C1 controls `\u{NN}`).
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        push_escaped(&mut out, chunk.valid());
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// `text` with its control characters escaped as in [`escape_bytes`];
/// newlines and tabs are kept, so multi-line messages stay readable.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        push_escaped(&mut out, body);
        out.push_str(nl);
    }
    out
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\t' => out.push(c),
            c if (c as u32) < 0x80 && c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            // C1 controls, and the noncharacters XML 1.0 forbids.
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_bytes_become_escapes() {
        assert_eq!(escape_bytes(b"ok \x01\xa5\x7f\tz"), "ok \\x01\\xa5\\x7f\tz");
        assert_eq!(escape_bytes("µs é".as_bytes()), "µs é");
        assert_eq!(escape_bytes(&[0xc2, 0x85]), "\\u{85}");
        assert_eq!(escape_bytes(b"\x1b[31m"), "\\x1b[31m");
    }

    #[test]
    fn controls_in_text_are_escaped_but_newlines_kept() {
        assert_eq!(escape_controls("a\x00b\nc\r\n"), "a\\x00b\nc\\x0d\n");
    }
}
