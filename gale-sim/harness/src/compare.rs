//! Comparing two runs of one scenario (the built-in engine against Renode,
//! say) stream by stream: a UART port's bytes, a machine's log lines, a GPIO
//! pin's edges, a bus's transfers. Each stream is identical, the same events
//! shifted in time (with the largest shift), or different from a first event
//! on (with both sides' events and times), or present on one side only.

use crate::runner::RunOutcome;
use gale_trace::{Event, EventKind, Nanos};
use std::collections::BTreeMap;
use std::fmt::Write;

/// How one stream compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Agreement {
    /// Same events at the same virtual times.
    Identical,
    /// Same events in the same order; times differ by up to `max_shift`.
    Shifted { max_shift: Nanos },
    /// The events differ from index `index` on; each side's event there
    /// (time and text), if it has one.
    Differs {
        index: usize,
        a: Option<(Nanos, String)>,
        b: Option<(Nanos, String)>,
    },
}

/// One stream of a comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamDiff {
    /// `machine/source kind`, e.g. `gust/USART1 uart tx`, `gust/GPIOC gpio PC9`.
    pub stream: String,
    pub a_events: usize,
    pub b_events: usize,
    pub agreement: Agreement,
}

/// The stream an event belongs to, and its payload (the event's text
/// without time, machine and source).
fn stream_of(e: &Event) -> Option<(String, String)> {
    let class = match &e.kind {
        EventKind::UartTx { .. } => "uart tx".to_string(),
        EventKind::UartRx { .. } => "uart rx".to_string(),
        EventKind::UartError { .. } => "uart error".to_string(),
        EventKind::Spi { .. } => "spi".to_string(),
        EventKind::I2c { .. } => "i2c".to_string(),
        EventKind::Gpio { pin, .. } => format!("gpio {pin}"),
        EventKind::Console { .. } => "console".to_string(),
        EventKind::Log { .. } => "log".to_string(),
        EventKind::Fault { .. } => "fault".to_string(),
        EventKind::Exit { .. } => "exit".to_string(),
        // Interrupts, register accesses and scenario markers are engine
        // internals, not observable behaviour.
        _ => return None,
    };
    let text = e.to_string();
    let payload = text.splitn(3, ' ').nth(2).unwrap_or_default().to_string();
    // Logs are one stream per machine, whichever channel carried them.
    let source = if matches!(e.kind, EventKind::Log { .. }) {
        "rtt"
    } else {
        e.source.as_str()
    };
    Some((format!("{}/{source} {class}", e.machine), payload))
}

fn streams(events: &[Event]) -> BTreeMap<String, Vec<(Nanos, String)>> {
    let mut out: BTreeMap<String, Vec<(Nanos, String)>> = BTreeMap::new();
    // GPIO streams compare as edges from the reset level (low): one engine
    // records every write that drives a pin, another only changes.
    let mut levels: BTreeMap<String, String> = BTreeMap::new();
    for e in events {
        if let Some((stream, payload)) = stream_of(e) {
            if let EventKind::Gpio { level, .. } = &e.kind {
                let level = format!("{level:?}");
                let last = levels.entry(stream.clone()).or_insert_with(|| "Low".into());
                if *last == level {
                    continue;
                }
                *last = level;
            }
            out.entry(stream).or_default().push((e.t, payload));
        }
    }
    out
}

fn agree(a: &[(Nanos, String)], b: &[(Nanos, String)]) -> Agreement {
    let mut max_shift = 0;
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        if x.1 != y.1 {
            return Agreement::Differs {
                index: i,
                a: Some(x.clone()),
                b: Some(y.clone()),
            };
        }
        max_shift = max_shift.max(x.0.abs_diff(y.0));
    }
    if a.len() != b.len() {
        let i = a.len().min(b.len());
        return Agreement::Differs {
            index: i,
            a: a.get(i).cloned(),
            b: b.get(i).cloned(),
        };
    }
    if max_shift == 0 {
        Agreement::Identical
    } else {
        Agreement::Shifted { max_shift }
    }
}

/// Compares two traces stream by stream, in stream-name order.
pub fn compare(a: &[Event], b: &[Event]) -> Vec<StreamDiff> {
    let (sa, sb) = (streams(a), streams(b));
    let mut names: Vec<&String> = sa.keys().chain(sb.keys()).collect();
    names.sort();
    names.dedup();
    let empty = Vec::new();
    names
        .into_iter()
        .map(|name| {
            let (x, y) = (
                sa.get(name).unwrap_or(&empty),
                sb.get(name).unwrap_or(&empty),
            );
            StreamDiff {
                stream: name.clone(),
                a_events: x.len(),
                b_events: y.len(),
                agreement: agree(x, y),
            }
        })
        .collect()
}

fn seconds(t: Nanos) -> String {
    format!("{}.{:09} s", t / 1_000_000_000, t % 1_000_000_000)
}

/// The per-stream table of a comparison, `a` and `b` named by their backends.
pub fn table(a: &RunOutcome, b: &RunOutcome) -> String {
    let diffs = compare(a.trace.events(), b.trace.events());
    let width = diffs
        .iter()
        .map(|d| d.stream.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let mut s = String::new();
    let verdict = |o: &RunOutcome| if o.passed() { "PASS" } else { "FAIL" };
    let _ = writeln!(
        s,
        "{}: {} {}, {} {}",
        a.name,
        a.backend,
        verdict(a),
        b.backend,
        verdict(b)
    );
    let _ = writeln!(
        s,
        "  {:width$}  {:>7}  {:>7}  agreement",
        "stream", a.backend, b.backend
    );
    for d in &diffs {
        let what = match &d.agreement {
            Agreement::Identical => "identical".to_string(),
            Agreement::Shifted { max_shift } => format!(
                "same events, shifted in time by up to {}",
                seconds(*max_shift)
            ),
            Agreement::Differs { index, a: x, b: y } => {
                let side = |v: &Option<(Nanos, String)>| match v {
                    Some((t, text)) => format!("`{text}` at {}", seconds(*t)),
                    None => "nothing".to_string(),
                };
                format!(
                    "differs from event {index}: {} {} / {} {}",
                    a.backend,
                    side(x),
                    b.backend,
                    side(y)
                )
            }
        };
        let _ = writeln!(
            s,
            "  {:width$}  {:>7}  {:>7}  {what}",
            d.stream, d.a_events, d.b_events
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(t: Nanos, b: u8) -> Event {
        Event::new(t, "m", "USART1", EventKind::UartTx { byte: b })
    }

    #[test]
    fn identical_shifted_and_different_streams_are_told_apart() {
        let a = vec![
            tx(10, b'a'),
            tx(20, b'b'),
            Event::new(
                5,
                "m",
                "rtt",
                EventKind::Log {
                    level: "info".into(),
                    text: "hi".into(),
                },
            ),
        ];
        let same = compare(&a, &a);
        assert!(
            same.iter().all(|d| d.agreement == Agreement::Identical),
            "{same:?}"
        );

        let shifted = vec![
            tx(13, b'a'),
            tx(27, b'b'),
            Event::new(
                9,
                "m",
                "defmt",
                EventKind::Log {
                    level: "info".into(),
                    text: "hi".into(),
                },
            ),
        ];
        let d = compare(&a, &shifted);
        assert_eq!(d.len(), 2, "logs from any channel are one stream: {d:?}");
        let uart = d.iter().find(|d| d.stream == "m/USART1 uart tx").unwrap();
        assert_eq!(uart.agreement, Agreement::Shifted { max_shift: 7 });
        let log = d.iter().find(|d| d.stream == "m/rtt log").unwrap();
        assert_eq!(log.agreement, Agreement::Shifted { max_shift: 4 });

        let other = vec![tx(10, b'a'), tx(20, b'c')];
        let d = compare(&a, &other);
        let uart = d.iter().find(|d| d.stream == "m/USART1 uart tx").unwrap();
        assert_eq!(
            uart.agreement,
            Agreement::Differs {
                index: 1,
                a: Some((20, "uart tx 62 'b'".into())),
                b: Some((20, "uart tx 63 'c'".into()))
            }
        );
        let log = d.iter().find(|d| d.stream == "m/rtt log").unwrap();
        assert_eq!((log.a_events, log.b_events), (1, 0));
        assert!(matches!(
            log.agreement,
            Agreement::Differs {
                index: 0,
                b: None,
                ..
            }
        ));
    }

    #[test]
    fn gpio_streams_compare_as_edges_from_the_reset_level() {
        use gale_trace::Level;
        let pin = |t, level| {
            Event::new(
                t,
                "m",
                "GPIOC",
                EventKind::Gpio {
                    pin: "PC9".into(),
                    level,
                },
            )
        };
        let writes = vec![
            pin(1, Level::Low),
            pin(5, Level::High),
            pin(6, Level::High),
            pin(9, Level::Low),
        ];
        let edges = vec![pin(5, Level::High), pin(9, Level::Low)];
        let d = compare(&writes, &edges);
        assert_eq!(d[0].agreement, Agreement::Identical, "{d:?}");
        assert_eq!((d[0].a_events, d[0].b_events), (2, 2));
    }

    #[test]
    fn a_stream_cut_short_differs_where_it_ends() {
        let a = vec![tx(10, b'a'), tx(20, b'b')];
        let d = compare(&a, &a[..1]);
        assert_eq!(
            d[0].agreement,
            Agreement::Differs {
                index: 1,
                a: Some((20, "uart tx 62 'b'".into())),
                b: None
            }
        );
    }
}
