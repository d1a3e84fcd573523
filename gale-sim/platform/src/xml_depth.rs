//! A linear pre-scan of XML element nesting, so a document nested deep
//! enough to overflow a recursive parser's stack is refused with a message
//! instead of crashing the process.

/// Errors with the line of the first element nested deeper than `limit`.
pub fn check(text: &str, limit: usize) -> Result<(), String> {
    let b = text.as_bytes();
    let (mut i, mut depth, mut line) = (0usize, 0usize, 1usize);
    let skip_to = |from: usize, end: &[u8]| -> usize {
        b[from..]
            .windows(end.len())
            .position(|w| w == end)
            .map_or(b.len(), |p| from + p + end.len())
    };
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'<' => {
                let rest = &b[i..];
                let end = if rest.starts_with(b"<!--") {
                    skip_to(i + 4, b"-->")
                } else if rest.starts_with(b"<![CDATA[") {
                    skip_to(i + 9, b"]]>")
                } else if rest.starts_with(b"<?") {
                    skip_to(i + 2, b"?>")
                } else if rest.starts_with(b"<!") {
                    skip_to(i + 2, b">")
                } else if rest.starts_with(b"</") {
                    depth = depth.saturating_sub(1);
                    skip_to(i + 2, b">")
                } else {
                    let end = tag_end(b, i + 1);
                    if end < 2 || b[end - 2] != b'/' {
                        depth += 1;
                        if depth > limit {
                            return Err(format!("elements nest more than {limit} deep at line {line} (clusters inside clusters?); real SVDs nest about 12 deep"));
                        }
                    }
                    end
                };
                line += b[i..end.min(b.len())]
                    .iter()
                    .filter(|&&c| c == b'\n')
                    .count();
                i = end;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// The index after the `>` closing a start tag, skipping quoted values.
fn tag_end(b: &[u8], mut i: usize) -> usize {
    let mut quote = None;
    while i < b.len() {
        match (b[i], quote) {
            (q @ (b'"' | b'\''), None) => quote = Some(q),
            (c, Some(q)) if c == q => quote = None,
            (b'>', None) => return i + 1,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn counts_nesting_not_siblings() {
        assert!(check("<a><b/><b></b><!-- <c><c><c> --><![CDATA[<d><d>]]></a>", 2).is_ok());
        assert!(check("<a><b><c x='>'></c></b></a>", 3).is_ok());
        let e = check("<a>\n<b>\n<c></c></b></a>", 2).unwrap_err();
        assert!(e.contains("line 3"), "{e}");
    }
}
