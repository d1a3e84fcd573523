//! Log lines from RTT up-channel 0: defmt frames decoded against the ELF's
//! defmt table (defmt-decoder), or plain text lines when the ELF has no
//! defmt table. The engine only moves bytes; decoding lives here so the
//! GPL engine crate stays free of it and a probe-rs backend can share it.

use gale_trace::{Event, EventKind, Nanos};

/// RTT bytes as read, each chunk with the virtual time it was read at.
#[derive(Default)]
pub struct Capture {
    chunks: Vec<(Nanos, Vec<u8>)>,
}

impl Capture {
    pub fn push(&mut self, t: Nanos, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.chunks.push((t, bytes));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// Bytes captured so far.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.1.len()).sum()
    }

    /// Decodes everything captured into `Log` events for `machine`. A frame
    /// is stamped with the time of the chunk that completed it. Undecodable
    /// data becomes one `Log { level: "error" }` event saying so, never a
    /// panic.
    pub fn decode(&self, machine: &str, elf: &[u8]) -> Vec<Event> {
        match defmt_decoder::Table::parse(elf) {
            Ok(Some(table)) => self.decode_defmt(machine, &table),
            Ok(None) => self.decode_text(machine),
            Err(e) => vec![Event::new(
                self.chunks.first().map(|c| c.0).unwrap_or(0),
                machine,
                "rtt",
                EventKind::Log {
                    level: "error".into(),
                    text: format!("cannot read the ELF's defmt table: {e}"),
                },
            )],
        }
    }

    fn decode_defmt(&self, machine: &str, table: &defmt_decoder::Table) -> Vec<Event> {
        let mut out = Vec::new();
        let mut dec = table.new_stream_decoder();
        for (t, bytes) in &self.chunks {
            dec.received(bytes);
            loop {
                match dec.decode() {
                    Ok(frame) => {
                        let level = frame
                            .level()
                            .map(|l| l.as_str())
                            .unwrap_or("print")
                            .to_string();
                        let text = frame.display_message().to_string();
                        out.push(Event::new(
                            *t,
                            machine,
                            "defmt",
                            EventKind::Log { level, text },
                        ));
                    }
                    Err(defmt_decoder::DecodeError::UnexpectedEof) => break,
                    Err(defmt_decoder::DecodeError::Malformed) => {
                        out.push(Event::new(
                            *t,
                            machine,
                            "defmt",
                            EventKind::Log {
                                level: "error".into(),
                                text: "malformed defmt frame (skipped)".into(),
                            },
                        ));
                        // The stream decoders resynchronise on the next frame.
                        if !table.encoding().can_recover() {
                            return out;
                        }
                    }
                }
            }
        }
        out
    }

    fn decode_text(&self, machine: &str) -> Vec<Event> {
        let mut out = Vec::new();
        let mut line = Vec::new();
        for (t, bytes) in &self.chunks {
            for &b in bytes {
                match b {
                    b'\n' => {
                        let text = String::from_utf8_lossy(&line).into_owned();
                        out.push(Event::new(
                            *t,
                            machine,
                            "rtt",
                            EventKind::Log {
                                level: "print".into(),
                                text,
                            },
                        ));
                        line.clear();
                    }
                    b'\r' => {}
                    b => line.push(b),
                }
            }
        }
        if !line.is_empty() {
            let t = self.chunks.last().map(|c| c.0).unwrap_or(0);
            out.push(Event::new(
                t,
                machine,
                "rtt",
                EventKind::Log {
                    level: "print".into(),
                    text: String::from_utf8_lossy(&line).into_owned(),
                },
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(events: &[Event]) -> Vec<(Nanos, String)> {
        events
            .iter()
            .map(|e| match &e.kind {
                EventKind::Log { text, .. } => (e.t, text.clone()),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn plain_text_lines_keep_the_time_of_their_last_chunk() {
        let mut c = Capture::default();
        c.push(10, b"hel".to_vec());
        c.push(20, Vec::new());
        c.push(30, b"lo\r\nwor".to_vec());
        c.push(40, b"ld".to_vec());
        assert_eq!(
            texts(&c.decode_text("m")),
            vec![(30, "hello".into()), (40, "world".into())]
        );
    }

    #[test]
    fn a_broken_elf_is_reported_not_panicked_on() {
        let mut c = Capture::default();
        c.push(5, vec![1, 2, 3]);
        let ev = c.decode("m", b"not an elf");
        assert_eq!(ev.len(), 1);
        assert!(
            texts(&ev)[0]
                .1
                .contains("cannot read the ELF's defmt table"),
            "{ev:?}"
        );
    }
}
