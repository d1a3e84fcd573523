//! A Value Change Dump of the trace's bus lines and GPIOs, for GTKWave or
//! Surfer. Each GPIO pin is a 1-bit wire; each UART direction an 8-bit
//! vector holding the last byte (with a 1-bit strobe that pulses per byte);
//! each SPI chip select a wire (high while a transfer is on the bus in this
//! event-level view) with MOSI/MISO vectors; each I2C bus an address vector,
//! a data vector and an ACK wire. Timescale: 1 ns.

use crate::{Event, EventKind, Level, Trace};
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Clone, Copy)]
struct Var {
    id: usize,
    width: u32,
}

fn ident(mut n: usize) -> String {
    // Printable ASCII identifiers '!'..'~', as VCD allows.
    let mut s = String::new();
    loop {
        s.push((b'!' + (n % 94) as u8) as char);
        n /= 94;
        if n == 0 {
            return s;
        }
        n -= 1;
    }
}

/// Scope and signal names for one event's changes: (scope, name, width, value).
fn changes(e: &Event) -> Vec<(String, String, u32, u64)> {
    let scope = format!("{}.{}", e.machine, e.source);
    match &e.kind {
        EventKind::Gpio { pin, level } => vec![(
            scope,
            pin.replace(['.', ' '], "_"),
            1,
            (*level == Level::High) as u64,
        )],
        EventKind::UartTx { byte } => vec![
            (scope.clone(), "tx".into(), 8, *byte as u64),
            (scope, "tx_strobe".into(), 1, 1),
        ],
        EventKind::UartRx { byte } => vec![
            (scope.clone(), "rx".into(), 8, *byte as u64),
            (scope, "rx_strobe".into(), 1, 1),
        ],
        EventKind::Spi { cs, mosi, miso } => {
            let last = |v: &Vec<u8>| v.last().copied().unwrap_or(0) as u64;
            vec![
                (scope.clone(), format!("cs{cs}"), 1, 1),
                (scope.clone(), format!("cs{cs}_len"), 16, mosi.len() as u64),
                (scope.clone(), "mosi_last".into(), 8, last(mosi)),
                (scope, "miso_last".into(), 8, last(miso)),
            ]
        }
        EventKind::I2c {
            addr,
            read,
            data,
            ack,
        } => vec![
            (
                scope.clone(),
                "addr".into(),
                8,
                ((*addr as u64) << 1) | *read as u64,
            ),
            (scope.clone(), "len".into(), 16, data.len() as u64),
            (scope, "ack".into(), 1, *ack as u64),
        ],
        _ => Vec::new(),
    }
}

fn value(width: u32, v: u64, id: &str) -> String {
    if width == 1 {
        format!("{}{id}\n", v & 1)
    } else {
        format!("b{v:b} {id}\n")
    }
}

impl Trace {
    /// The VCD text. Pulses (UART strobes, SPI chip selects) return to 0 one
    /// nanosecond after their event so each byte or transfer is visible.
    pub fn to_vcd(&self) -> String {
        let mut vars: BTreeMap<(String, String), Var> = BTreeMap::new();
        for e in self.events() {
            for (scope, name, width, _) in changes(e) {
                let n = vars.len();
                vars.entry((scope, name)).or_insert(Var { id: n, width });
            }
        }
        let mut out = String::from(
            "$date gale-sim $end\n$version gale-sim trace $end\n$timescale 1ns $end\n",
        );
        let mut by_scope: BTreeMap<&str, Vec<(&str, Var)>> = BTreeMap::new();
        for ((scope, name), v) in &vars {
            by_scope.entry(scope).or_default().push((name, *v));
        }
        for (scope, vs) in &by_scope {
            let _ = writeln!(out, "$scope module {} $end", scope.replace(' ', "_"));
            for (name, v) in vs {
                let _ = writeln!(out, "$var wire {} {} {} $end", v.width, ident(v.id), name);
            }
            out.push_str("$upscope $end\n");
        }
        out.push_str("$enddefinitions $end\n#0\n$dumpvars\n");
        for v in vars.values() {
            out.push_str(&value(v.width, 0, &ident(v.id)));
        }
        out.push_str("$end\n");
        // Timestamped changes, with pulse releases, in time order.
        let mut timeline: BTreeMap<u64, Vec<(usize, u32, u64)>> = BTreeMap::new();
        for e in self.events() {
            for (scope, name, width, v) in changes(e) {
                let var = vars[&(scope, name.clone())];
                let pulse = name.ends_with("_strobe")
                    || (name.starts_with("cs") && !name.ends_with("_len"));
                timeline.entry(e.t).or_default().push((var.id, width, v));
                if pulse {
                    timeline
                        .entry(e.t + 1)
                        .or_default()
                        .push((var.id, width, 0));
                }
            }
        }
        for (t, changes) in timeline {
            let _ = writeln!(out, "#{t}");
            for (id, width, v) in changes {
                out.push_str(&value(width, v, &ident(id)));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vcd_declares_and_dumps_changes() {
        let t: Trace = [
            Event::new(
                10,
                "gust",
                "GPIOB",
                EventKind::Gpio {
                    pin: "PB0".into(),
                    level: Level::High,
                },
            ),
            Event::new(20, "gust", "USART1", EventKind::UartTx { byte: 0x41 }),
            Event::new(
                30,
                "gust",
                "GPIOB",
                EventKind::Gpio {
                    pin: "PB0".into(),
                    level: Level::Low,
                },
            ),
        ]
        .into_iter()
        .collect();
        let v = t.to_vcd();
        assert!(v.contains("$timescale 1ns $end"));
        assert!(
            v.contains("$scope module gust.GPIOB $end\n$var wire 1 ! PB0 $end"),
            "{v}"
        );
        assert!(v.contains("$var wire 8 \" tx $end"), "{v}");
        assert!(v.contains("#10\n1!\n"), "{v}");
        assert!(v.contains("#20\nb1000001 \"\n1#\n#21\n0#\n"), "{v}");
        assert!(v.contains("#30\n0!\n"), "{v}");
    }

    #[test]
    fn identifiers_are_unique_and_printable() {
        let ids: std::collections::BTreeSet<String> = (0..10_000).map(ident).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids
            .iter()
            .all(|s| s.bytes().all(|b| (b'!'..=b'~').contains(&b))));
    }
}
