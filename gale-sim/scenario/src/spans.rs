//! Where each node of a YAML document starts, by path, so errors found after
//! deserialisation (unknown board, bad regex, ...) can still name a line.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// Maps node paths (`machines.gust.board`, `expect.0.uart`) to 1-based
/// (line, column) of the node's value.
#[derive(Debug, Default)]
pub struct SpanIndex {
    at: HashMap<String, (usize, usize)>,
    duplicates: Vec<DuplicateKey>,
}

/// A mapping key given twice: YAML loaders keep only one of the values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The key's path, dot-separated (`devices.imu0`).
    pub path: String,
    /// Where the key first appears and where it appears again (line, column).
    pub first: (usize, usize),
    pub again: (usize, usize),
}

enum Frame {
    Map {
        path: String,
        key: Option<String>,
        seen: HashMap<String, (usize, usize)>,
    },
    Seq {
        path: String,
        next: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    at: HashMap<String, (usize, usize)>,
    duplicates: Vec<DuplicateKey>,
}

fn join(parent: &str, seg: &str) -> String {
    if parent.is_empty() {
        seg.to_string()
    } else {
        format!("{parent}.{seg}")
    }
}

impl Builder {
    /// The path of the node starting now, advancing the parent's state.
    /// Returns None when the node is a mapping key.
    fn next_path(&mut self, key_text: Option<&str>) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Seq { path, next }) => {
                let p = join(path, &next.to_string());
                *next += 1;
                Some(p)
            }
            Some(Frame::Map { path, key, .. }) => match key.take() {
                Some(k) => Some(join(path, &k)),
                None => {
                    *key = Some(key_text.unwrap_or("?").to_string());
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = (mark.line(), mark.col() + 1);
        match ev {
            Event::Scalar(text, ..) => {
                if let Some(p) = self.next_path(Some(&text)) {
                    self.at.entry(p).or_insert(pos);
                } else if let Some(Frame::Map { path, seen, .. }) = self.stack.last_mut() {
                    // Remember where the key itself is, for "unknown key" style errors.
                    let kp = join(path, &text);
                    self.at.entry(format!("{kp}#key")).or_insert(pos);
                    match seen.get(&text) {
                        Some(first) => self.duplicates.push(DuplicateKey {
                            path: kp,
                            first: *first,
                            again: pos,
                        }),
                        None => {
                            seen.insert(text, pos);
                        }
                    }
                }
            }
            Event::Alias(_) => {
                if let Some(p) = self.next_path(Some("*alias")) {
                    self.at.entry(p).or_insert(pos);
                }
            }
            Event::MappingStart(..) => {
                let p = self.next_path(Some("{map}")).unwrap_or_default();
                self.at.entry(p.clone()).or_insert(pos);
                self.stack.push(Frame::Map {
                    path: p,
                    key: None,
                    seen: HashMap::new(),
                });
            }
            Event::SequenceStart(..) => {
                let p = self.next_path(Some("[seq]")).unwrap_or_default();
                self.at.entry(p.clone()).or_insert(pos);
                self.stack.push(Frame::Seq { path: p, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

impl SpanIndex {
    /// Indexes `source`; a syntax error comes back as (line, column, message).
    pub fn build(source: &str) -> Result<SpanIndex, (usize, usize, String)> {
        let mut b = Builder::default();
        let mut parser = Parser::new_from_str(source);
        parser.load(&mut b, false).map_err(|e| {
            (
                e.marker().line(),
                e.marker().col() + 1,
                e.info().to_string(),
            )
        })?;
        Ok(SpanIndex {
            at: b.at,
            duplicates: b.duplicates,
        })
    }

    /// Mapping keys given more than once, in document order.
    pub fn duplicates(&self) -> &[DuplicateKey] {
        &self.duplicates
    }

    /// Position of the node at `path`; when it does not exist, the key of
    /// its nearest existing ancestor (the document start, 1:1, at worst).
    pub fn locate(&self, path: &[&str]) -> (usize, usize) {
        if let Some(p) = self.at.get(&path.join(".")) {
            return *p;
        }
        for n in (0..path.len()).rev() {
            let ancestor = &path[..n];
            if let Some(p) = self
                .locate_key(ancestor)
                .or_else(|| self.at.get(&ancestor.join(".")).copied())
            {
                return p;
            }
        }
        (1, 1)
    }

    /// Position of the key naming the node at `path`, when it is a mapping entry.
    pub fn locate_key(&self, path: &[&str]) -> Option<(usize, usize)> {
        self.at.get(&format!("{}#key", path.join("."))).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_values_and_sequence_items() {
        let src = "a: 1\nmachines:\n  gust:\n    board: stm32f100\nexpect:\n  - uart: { port: USART1 }\n  - exit: { code: 0 }\n";
        let s = SpanIndex::build(src).unwrap();
        assert_eq!(s.locate(&["machines", "gust", "board"]), (4, 12));
        assert_eq!(s.locate(&["expect", "1", "exit", "code"]), (7, 19));
        assert_eq!(s.locate(&["expect", "0", "uart", "port"]), (6, 19));
        assert_eq!(s.locate_key(&["machines", "gust", "board"]), Some((4, 5)));
        // Unknown paths fall back to the nearest ancestor.
        assert_eq!(s.locate(&["machines", "gust", "nope"]), (3, 3));
    }

    #[test]
    fn duplicate_keys_are_recorded_with_both_positions() {
        let src = "devices:\n  imu0: { type: a }\n  imu0: { type: b }\nx: { k: 1, k: 2 }\n";
        let s = SpanIndex::build(src).unwrap();
        let d = s.duplicates();
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(
            (d[0].path.as_str(), d[0].first, d[0].again),
            ("devices.imu0", (2, 3), (3, 3))
        );
        assert_eq!(d[1].path, "x.k");
        assert!(SpanIndex::build("a: 1\nb: 2\n")
            .unwrap()
            .duplicates()
            .is_empty());
    }

    #[test]
    fn syntax_errors_are_located() {
        let (line, _col, msg) = SpanIndex::build("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(line >= 1, "{line}");
        assert!(!msg.is_empty());
    }
}
