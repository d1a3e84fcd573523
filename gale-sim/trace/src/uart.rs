//! Reassembles UART byte events into text lines, for expectations and for
//! the per-scenario UART text artefact.

use crate::{EventKind, Nanos, Trace};

/// One received or transmitted text line and when its terminating newline
/// (or the end of the trace) was seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UartLine {
    /// Time of the line's first byte.
    pub start: Nanos,
    /// Time of the line's last byte (the `\n`, or the last byte before the
    /// trace ended).
    pub end: Nanos,
    /// The line without `\r` / `\n`; bytes that are not printable text
    /// appear as escapes (`\x01`, see [`crate::escape_bytes`]).
    pub text: String,
    /// `false` when the trace ended before a newline.
    pub complete: bool,
}

impl Trace {
    /// The transmitted lines of `machine`'s UART `port`.
    pub fn uart_tx_lines(&self, machine: &str, port: &str) -> Vec<UartLine> {
        assemble_lines(self.events().iter().filter_map(|e| match e.kind {
            EventKind::UartTx { byte } if e.machine == machine && e.source == port => {
                Some((e.t, vec![byte]))
            }
            _ => None,
        }))
    }

    /// The semihosting console lines of `machine`.
    pub fn console_lines(&self, machine: &str) -> Vec<UartLine> {
        assemble_lines(self.events().iter().filter_map(|e| match &e.kind {
            EventKind::Console { text } if e.machine == machine => {
                Some((e.t, text.as_bytes().to_vec()))
            }
            _ => None,
        }))
    }
}

/// Splits timestamped byte chunks into lines on `\n`, dropping `\r`.
fn assemble_lines(chunks: impl Iterator<Item = (Nanos, Vec<u8>)>) -> Vec<UartLine> {
    let mut lines = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let (mut start, mut last) = (0, 0);
    for (t, bytes) in chunks {
        for b in bytes {
            if cur.is_empty() {
                start = t;
            }
            last = t;
            match b {
                b'\n' => {
                    lines.push(UartLine {
                        start,
                        end: t,
                        text: crate::escape_bytes(&cur),
                        complete: true,
                    });
                    cur.clear();
                }
                b'\r' => {}
                b => cur.push(b),
            }
        }
    }
    if !cur.is_empty() {
        lines.push(UartLine {
            start,
            end: last,
            text: crate::escape_bytes(&cur),
            complete: false,
        });
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Event;

    #[test]
    fn lines_are_split_on_newline_and_keep_times() {
        let mut t = Trace::new();
        for (i, b) in b"ab\r\ncd\nx".iter().enumerate() {
            t.push(Event::new(
                i as u64 * 10,
                "m",
                "U1",
                EventKind::UartTx { byte: *b },
            ));
        }
        t.push(Event::new(5, "m", "U2", EventKind::UartTx { byte: b'z' }));
        let l = t.uart_tx_lines("m", "U1");
        assert_eq!(l.len(), 3);
        assert_eq!(
            (l[0].text.as_str(), l[0].start, l[0].end, l[0].complete),
            ("ab", 0, 30, true)
        );
        assert_eq!((l[1].text.as_str(), l[1].start, l[1].end), ("cd", 40, 60));
        assert_eq!((l[2].text.as_str(), l[2].complete), ("x", false));
    }

    #[test]
    fn binary_bytes_in_lines_are_escapes_not_replacement_characters() {
        let mut t = Trace::new();
        for (i, b) in b"\xa5\x01ok\n".iter().enumerate() {
            t.push(Event::new(
                i as u64,
                "m",
                "U1",
                EventKind::UartTx { byte: *b },
            ));
        }
        let l = t.uart_tx_lines("m", "U1");
        assert_eq!(l[0].text, "\\xa5\\x01ok");
        assert!(!l[0].text.contains('\u{fffd}'));
    }
}
