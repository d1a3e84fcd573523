//! The record-file parser on files recorded from Renode (tests/data/).

use gale_renode::records::{self, exit_code};
use gale_trace::{EventKind, Level};

fn data(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn gust_alone_recording() {
    let r = records::parse("gust", &data("gust-alone.events")).unwrap();
    assert!(r.complete);
    assert_eq!(r.exit, Some((40_293_625, 0)));
    assert!(r.refused.is_none());
    let text: String = r
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::UartTx { byte } if e.source == "USART1" => Some(byte as char),
            _ => None,
        })
        .collect();
    assert!(
        text.starts_with("gust-f100 v0.1.0 boot\r\ntick 1\r\n"),
        "{text:?}"
    );
    assert!(
        text.ends_with("no heartbeat peer: failsafe on, exit\r\n"),
        "{text:?}"
    );
    let edges: Vec<(u64, &str, &str, Level)> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Gpio { pin, level } => Some((e.t, e.source.as_str(), pin.as_str(), *level)),
            _ => None,
        })
        .collect();
    assert_eq!(edges, vec![(40_127_250, "GPIOC", "PC9", Level::High)]);
    let last = r.events.last().unwrap();
    assert_eq!(
        (last.t, last.source.as_str(), &last.kind),
        (40_293_625, "semihosting", &EventKind::Exit { code: 0 })
    );
    assert!(r.events.iter().all(|e| e.machine == "gust"));
    // Times never go backwards.
    assert!(r.events.windows(2).all(|w| w[0].t <= w[1].t));
    // RTT: the defmt frames read at the 1 ms polls, and the final drain.
    assert_eq!(
        r.rtt.first().map(|(t, b)| (*t, b.len())),
        Some((1_000_000, 11))
    );
    assert_eq!(r.rtt.iter().map(|(_, b)| b.len()).sum::<usize>(), 14);
    // The last drain ran at the exit (the recorder drains RTT there).
    assert_eq!(r.rtt.last().unwrap().0, 40_293_625);
}

#[test]
fn refused_semihosting_is_a_fault_and_ends_the_records() {
    let r = records::parse("io", &data("refused.events")).unwrap();
    assert!(r.complete);
    assert_eq!(r.exit, None, "records after the refused call are dropped");
    let (t, what) = r.refused.clone().unwrap();
    assert_eq!(t, 4000);
    assert!(what.contains("0x1") && what.contains("sandbox"), "{what}");
    let kinds: Vec<&EventKind> = r.events.iter().map(|e| &e.kind).collect();
    assert_eq!(kinds.len(), 5, "{kinds:?}");
    assert_eq!(kinds[0], &EventKind::UartTx { byte: 0x41 });
    assert_eq!(kinds[1], &EventKind::UartRx { byte: 0x7e });
    assert_eq!(r.events[1].source, "LPUART2");
    let gpio = EventKind::Gpio {
        pin: "GPIO3.4".into(),
        level: Level::High,
    };
    assert_eq!(kinds[2], &gpio);
    let console = EventKind::Console {
        text: "hi\n".into(),
    };
    assert_eq!(kinds[3], &console);
    assert!(matches!(kinds[4], EventKind::Fault { .. }));
}

#[test]
fn malformed_lines_are_errors_with_line_numbers() {
    for (text, what) in [
        ("x U USART1 41", "no virtual time"),
        ("5", "no record kind"),
        ("5 U USART1 4g", "bad byte"),
        ("5 G GPIOC PC9 2", "bad level"),
        ("5 R 0", "bad hex"),
        ("5 Q", "unknown record"),
        ("5 U USART1", "unknown record"),
    ] {
        let e = records::parse("m", &format!("0 I start\n{text}\n")).unwrap_err();
        assert_eq!((e.line, e.what.as_str()), (2, what), "{text}");
    }
    let r = records::parse("m", "0 I start\n").unwrap();
    assert!(!r.complete, "no `I end`: Renode stopped early");
}

#[test]
fn exit_codes_as_the_engine_decodes_them() {
    assert_eq!(exit_code(0x18, 0x20026, 0), 0);
    assert_eq!(exit_code(0x18, 0x20023, 0), 1);
    assert_eq!(exit_code(0x20, 0x20026, 7), 7);
    assert_eq!(exit_code(0x20, 0x20023, 7), 1);
}
