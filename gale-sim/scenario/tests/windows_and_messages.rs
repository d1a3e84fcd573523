//! Issue 14, scenario side: mistakes that were accepted (duplicate keys,
//! times after `time_limit`, inverted windows), `after` on every windowed
//! check, and failure messages that say what was seen in the window asked
//! about.

// Helpers return Diagnostic, as the crate does (see its lib.rs).
#![allow(clippy::result_large_err)]

use gale_logic::frame::{encode, MAX_FRAME};
use gale_logic::telemetry::{Sample, ID_SAMPLE, SAMPLE_LEN};
use gale_scenario::check::check;
use gale_scenario::{Diagnostic, Scenario};
use gale_trace::{Event, EventKind, Trace};
use std::path::Path;

fn parse(text: &str) -> Result<Scenario, Diagnostic> {
    Scenario::parse(Path::new("scenarios/t.yaml"), text.to_string())
}

fn err(text: &str) -> Diagnostic {
    parse(text).expect_err("scenario should be rejected")
}

const FMU: &str = "\
machines:
  fmu: { board: rt1176-cm7, image: fmu-m7 }
devices:
  imu0: { type: icm42688, bus: LPSPI1, cs: 0 }
  baro: { type: bmp388, bus: LPI2C1, address: 0x76 }
time_limit: 300ms
faults:
  - stuck: { device: imu0, at: 100ms }
expect:
  - telemetry: { port: LPUART1, field: vote, value: 0, by: 200ms }
";

#[test]
fn base_parses() {
    parse(FMU).unwrap();
}

#[test]
fn duplicate_device_key_is_an_error_at_the_second() {
    let d = err(&FMU.replace(
        "  baro:",
        "  imu0: { type: icm42688, bus: LPSPI1, cs: 1 }\n  baro:",
    ));
    assert_eq!((d.line, d.column), (Some(5), Some(3)), "{d}");
    assert!(d.message.contains("duplicate key `imu0`"), "{d}");
    assert!(d.message.contains("line 4"), "{d}");
}

#[test]
fn duplicate_top_level_and_inner_keys_are_errors() {
    let d = err(&format!("{FMU}time_limit: 1s\n"));
    assert!(d.message.contains("duplicate key `time_limit`"), "{d}");
    let d = err(&FMU.replace("cs: 0 }", "cs: 0, cs: 1 }"));
    assert_eq!(d.line, Some(4), "{d}");
}

#[test]
fn fault_after_time_limit_is_an_error() {
    let d = err(&FMU.replace("at: 100ms }", "at: 500ms }"));
    assert_eq!(d.line, Some(8), "{d}");
    assert!(d.message.contains("already ended"), "{d}");
}

#[test]
fn check_after_time_limit_is_an_error() {
    let d = err(&FMU.replace("by: 200ms", "by: 5s"));
    assert_eq!(d.line, Some(10), "{d}");
    assert!(
        d.message
            .contains("`by: 5.000000000 s` is after the end of the run"),
        "{d}"
    );
}

#[test]
fn inverted_windows_are_errors() {
    let d = err(&FMU.replace("by: 200ms", "by: 100ms, after: 200ms"));
    assert!(d.message.contains("empty window"), "{d}");
    let d = err(&FMU.replace("by: 200ms", "from: 200ms, until: 100ms"));
    assert!(d.message.contains("empty window"), "{d}");
    let uart = FMU.replace(
        "  - telemetry: { port: LPUART1, field: vote, value: 0, by: 200ms }",
        "  - uart: { port: LPUART1, line: x, after: 50ms, before: 10ms }",
    );
    let d = err(&uart);
    assert!(d.message.contains("empty window"), "{d}");
    let log = FMU.replace(
        "  - telemetry: { port: LPUART1, field: vote, value: 0, by: 200ms }",
        "  - log: { line: x, after: 50ms, before: 50ms }",
    );
    assert!(err(&log).message.contains("empty window"));
}

#[test]
fn negative_times_say_so() {
    let d = err(&FMU.replace("at: 100ms }", "at: -5ms }"));
    assert!(d.message.contains("negative times are not allowed"), "{d}");
    assert!(!d.message.contains("unknown time unit"), "{d}");
}

#[test]
fn unknown_device_type_suggests_device_types() {
    let d = err(&FMU.replace("type: bmp388", "type: bmp390"));
    assert!(d.message.contains("bmp388"), "{d}");
    let help = d.help.unwrap_or_default();
    assert!(help.contains("device types"), "{help}");
    assert!(!help.contains("expectation"), "{help}");
}

#[test]
fn every_windowed_check_accepts_after() {
    let s = parse(&FMU.replace(
        "  - telemetry: { port: LPUART1, field: vote, value: 0, by: 200ms }",
        "  - telemetry: { port: LPUART1, field: vote, value: 0, by: 200ms, after: 50ms }
  - telemetry: { port: LPUART1, field: vote, value: 0, at: 200ms, after: 50ms }
  - console: { line: x, after: 1ms, before: 2ms }
  - exit: { code: 0, after: 1ms, before: 2ms }
  - uart: { port: LPUART1, line: x, after: 1ms, before: 2ms }
  - log: { line: x, after: 1ms, before: 2ms }
  - gpio: { pin: GPIO3.4, level: high, after: 1ms, by: 2ms }",
    ))
    .unwrap();
    assert_eq!(s.def.expect.len(), 7);
}

fn frame(t0: u64, seq: u16, s: &Sample) -> Vec<Event> {
    let mut payload = [0u8; SAMPLE_LEN];
    s.encode(&mut payload);
    let mut buf = [0u8; MAX_FRAME];
    let n = encode(ID_SAMPLE, seq, &payload, &mut buf).unwrap();
    buf[..n]
        .iter()
        .enumerate()
        .map(|(i, b)| {
            Event::new(
                t0 + i as u64,
                "fmu",
                "LPUART1",
                EventKind::UartTx { byte: *b },
            )
        })
        .collect()
}

/// Frames at 10 ms (gnss_fix 0, the boot frame) and 100 ms (gnss_fix 3).
fn fix_trace() -> Trace {
    let mut t = Trace::new();
    t.extend(frame(10_000_000, 0, &Sample::default()));
    t.extend(frame(
        100_000_000,
        1,
        &Sample {
            gnss_fix: 3,
            ..Sample::default()
        },
    ));
    t
}

fn one(expect: &str) -> Scenario {
    parse(&format!(
        "machines:\n  fmu: {{ board: rt1176-cm7, image: fmu-m7 }}\ntime_limit: 300ms\nexpect:\n  - {expect}\n"
    ))
    .unwrap()
}

#[test]
fn telemetry_after_ignores_the_boot_frame() {
    // "fix lost by 150 ms" passed off the boot frame; with `after` it fails.
    let without = one("telemetry: { port: LPUART1, field: gnss_fix, value: 0, by: 150ms }");
    assert!(check(&without, &fix_trace(), 300_000_000).passed());
    let with =
        one("telemetry: { port: LPUART1, field: gnss_fix, value: 0, by: 150ms, after: 50ms }");
    let v = check(&with, &fix_trace(), 300_000_000);
    assert!(!v.passed(), "{v:?}");
    assert!(v.outcomes[0].observed.contains("3 at 0.100"), "{v:?}");
}

#[test]
fn telemetry_at_after_the_run_ended_says_so() {
    // The run stopped early (e.g. an exit) at 120 ms; the check is at 250 ms.
    let s = one("telemetry: { port: LPUART1, field: gnss_fix, value: 3, at: 250ms }");
    let v = check(&s, &fix_trace(), 120_000_000);
    assert!(!v.passed(), "{v:?}");
    let o = &v.outcomes[0].observed;
    assert!(
        o.contains("the run ended at 0.120000000 s, before 0.250000000 s"),
        "{o}"
    );
}

fn log(t: u64, level: &str, text: &str) -> Event {
    Event::new(
        t,
        "fmu",
        "rtt",
        EventKind::Log {
            level: level.to_string(),
            text: text.to_string(),
        },
    )
}

#[test]
fn log_with_the_wrong_level_says_what_was_seen() {
    let mut t = Trace::new();
    t.push(log(1_000_000, "info", "gnss: 3D fix"));
    t.push(log(2_000_000, "info", "baro ok"));
    let s = one("log: { line: 'gnss: 3D fix', level: warn }");
    let v = check(&s, &t, 300_000_000);
    let o = &v.outcomes[0].observed;
    assert!(!v.passed());
    assert!(!o.contains("no log lines at all"), "{o}");
    assert!(o.contains("[info] `gnss: 3D fix`"), "{o}");
    let s = one("log: { line: 'nothing like it', level: warn }");
    let o = check(&s, &t, 300_000_000).outcomes[0].observed.clone();
    assert!(o.contains("2 log line(s) in the window"), "{o}");
    assert!(o.contains("[info] `baro ok`"), "{o}");
}

#[test]
fn console_and_exit_windows_are_checked() {
    let mut t = Trace::new();
    for (i, b) in b"hello\n".iter().enumerate() {
        t.push(Event::new(
            1_000 + i as u64,
            "fmu",
            "semihosting",
            EventKind::Console {
                text: (*b as char).to_string(),
            },
        ));
    }
    t.push(Event::new(
        5_000,
        "fmu",
        "semihosting",
        EventKind::Exit { code: 0 },
    ));
    let s = one("console: { line: hello, after: 2us }");
    assert!(!check(&s, &t, 10_000).passed());
    let s = one("console: { line: hello, after: 1us }");
    assert!(check(&s, &t, 10_000).passed());
    let s = one("exit: { code: 0, after: 6us }");
    let v = check(&s, &t, 10_000);
    assert!(!v.passed());
    assert!(
        v.outcomes[0].observed.contains("outside the window"),
        "{v:?}"
    );
}

#[test]
fn uart_check_lists_the_lines_seen_in_its_window() {
    let mut t = Trace::new();
    for (t0, text) in [(1_000u64, "early\n"), (50_000, "late\n")] {
        for (i, b) in text.bytes().enumerate() {
            t.push(Event::new(
                t0 + i as u64,
                "fmu",
                "LPUART2",
                EventKind::UartTx { byte: b },
            ));
        }
    }
    let s = one("uart: { port: LPUART2, line: nope, after: 10us }");
    let o = check(&s, &t, 100_000).outcomes[0].observed.clone();
    assert!(
        o.starts_with("1 line(s) in the window, none matching"),
        "{o}"
    );
    assert!(o.contains("`late`") && !o.contains("`early`"), "{o}");
    let s = one("uart: { port: LPUART2, line: nope, after: 90us }");
    let o = check(&s, &t, 100_000).outcomes[0].observed.clone();
    assert!(
        o.starts_with("no lines in the window (2 outside it)"),
        "{o}"
    );
}
