//! Devices, signals, faults and the richer expectations: parsing,
//! validation errors at the right line, and verdicts.

// Helpers return Diagnostic, as the crate does (see its lib.rs).
#![allow(clippy::result_large_err)]

use gale_scenario::check::check;
use gale_scenario::{DeviceKind, Diagnostic, FaultDef, FaultedSignal, Scenario};
use gale_trace::{Event, EventKind, Level, Trace};
use std::path::Path;

const FULL: &str = "\
name: imu-stuck
machines:
  fmu: { board: rt1176-cm7, image: fmu-m7 }
devices:
  imu0:
    type: icm42688
    bus: LPSPI1
    cs: 0
    signals:
      accel_z: { sum: [ { constant: 9.81 }, { noise: { stddev: 0.02, seed: 1 } } ] }
      gyro_x: { sine: { amplitude: 10, period: 100ms } }
  baro:
    type: bmp388
    bus: LPI2C1
    address: 0x76
    signals:
      pressure: { ramp: { from: 101325, to: 100000, end: 1s } }
  gnss:
    type: ublox
    bus: LPUART3
    rate_hz: 5
faults:
  - stuck: { device: imu0, signal: accel_z, value: 30.0, at: 200ms }
  - nak: { device: baro, at: 100ms, for: 50ms }
  - dropout: { device: baro, at: 300ms, for: 5ms }
  - bad_checksum: { device: gnss, at: 400ms, for: 1s }
  - spike: { device: imu0, signal: gyro_x, value: 500, at: 50ms }
time_limit: 1s
expect:
  - telemetry: { port: LPUART1, field: accel_mg.z, value: 1000, tolerance: 30, from: 250ms }
  - log: { line: 'imu0 isolated', level: warn, before: 500ms }
  - gpio: { pin: GPIO3.4, level: high, by: 700ms, after: 500ms }
";

fn parse(text: &str) -> Result<Scenario, Diagnostic> {
    Scenario::parse(Path::new("s.yaml"), text.to_string())
}

fn err(text: &str) -> Diagnostic {
    parse(text).expect_err("should be rejected")
}

#[test]
fn full_language_parses() {
    let s = parse(FULL).unwrap();
    assert_eq!(s.def.devices.len(), 3);
    assert_eq!(s.def.devices["imu0"].kind, DeviceKind::Icm42688);
    assert_eq!(s.def.faults.len(), 5);
    assert!(
        matches!(s.def.faults[2], FaultDef::Nak { .. }),
        "dropout is an alias of nak"
    );
    assert_eq!(
        s.def.faults[4].window().end(),
        51_000_000,
        "spikes default to 1ms"
    );
    assert!(s.def.faults[1].bus_fault().is_some() && s.def.faults[0].bus_fault().is_none());
}

#[test]
fn faulted_signals_apply_value_faults_in_their_windows() {
    let s = parse(FULL).unwrap();
    let base = s.def.devices["imu0"].signals["accel_z"].clone();
    let faults: Vec<&FaultDef> = s
        .def
        .faults
        .iter()
        .filter(|f| f.device() == "imu0" && f.signal() == Some("accel_z"))
        .collect();
    let f = FaultedSignal::new(base, &faults);
    assert!((f.value(100_000_000) - 9.81).abs() < 0.2);
    assert_eq!(f.value(200_000_000), 30.0);
    assert_eq!(f.value(900_000_000), 30.0);
}

#[test]
fn device_errors_point_at_the_key() {
    let d = err(&FULL.replace("    cs: 0\n", ""));
    assert!(d.message.contains("needs a chip select"), "{d}");
    assert_eq!(d.line, Some(6), "{d}");
    let d = err(&FULL.replace("      gyro_x:", "      gyro_q:"));
    assert!(
        d.message.contains("no input `gyro_q`") && d.help.as_deref().unwrap().contains("gyro_x"),
        "{d}"
    );
    let d = err(&FULL.replace("    type: bmp388", "    type: bmp999"));
    assert!(d.message.contains("unknown variant `bmp999`"), "{d}");
    assert_eq!(d.line, Some(13), "{d}");
    let d = err(&FULL.replace("    rate_hz: 5", "    rate_hz: 5\n    address: 0x10"));
    assert!(d.message.contains("not an I2C device"), "{d}");
}

#[test]
fn fault_errors_point_at_the_fault() {
    let d = err(&FULL.replace("nak: { device: baro", "nak: { device: gnss"));
    assert!(d.message.contains("does not apply to ublox"), "{d}");
    assert_eq!(d.line, Some(24), "{d}");
    let d = err(&FULL.replace("stuck: { device: imu0", "stuck: { device: imu9"));
    assert!(d.message.contains("unknown device `imu9`"), "{d}");
    assert_eq!(d.line, Some(23), "{d}");
    let d = err(&FULL.replace("at: 100ms, for: 50ms", "at: 100ms, fro: 50ms"));
    assert!(d.message.contains("unknown field `fro`"), "{d}");
}

#[test]
fn expectation_errors_point_at_the_expectation() {
    let d = err(&FULL.replace("field: accel_mg.z", "field: accel_z"));
    assert!(
        d.message.contains("not a field of sample messages")
            && d.help.as_deref().unwrap().contains("accel_mg.z"),
        "{d}"
    );
    assert_eq!(d.line, Some(30), "{d}");
    let d = err(&FULL.replace(", from: 250ms", ""));
    assert!(d.message.contains("exactly one of `at`, `by`"), "{d}");
    let d = err(&FULL.replace("value: 1000, tolerance: 30", "tolerance: 30"));
    assert!(d.message.contains("give the bounds"), "{d}");
    let d = err(&FULL.replace("level: warn", "level: loud"));
    assert!(d.message.contains("unknown log level"), "{d}");
}

#[test]
fn csv_signals_load_relative_to_the_scenario_and_report_csv_lines() {
    let dir = std::env::temp_dir().join(format!("gale-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("p.csv"), "t,pressure\n0ms,100000\n10ms,99000\n").unwrap();
    std::fs::write(dir.join("bad.csv"), "t,pressure\n0ms,100000\n10ms,lots\n").unwrap();
    let text = FULL.replace(
        "pressure: { ramp: { from: 101325, to: 100000, end: 1s } }",
        "pressure: { csv: { file: p.csv, column: pressure } }",
    );
    let s = Scenario::parse(&dir.join("s.yaml"), text.clone()).unwrap();
    assert_eq!(
        s.def.devices["baro"].signals["pressure"].value(5_000_000),
        99_500.0
    );
    let d = Scenario::parse(&dir.join("s.yaml"), text.replace("p.csv", "bad.csv")).unwrap_err();
    assert!(d.file.ends_with("bad.csv") && d.line == Some(3), "{d}");
    let d = Scenario::parse(&dir.join("s.yaml"), text.replace("p.csv", "none.csv")).unwrap_err();
    assert!(
        d.file.ends_with("s.yaml") && d.message.contains("cannot read CSV"),
        "{d}"
    );
}

fn one_machine(expect: &str) -> Scenario {
    parse(&format!("machines:\n  gust: {{ board: stm32f100, image: gust-f100 }}\ntime_limit: 1s\nexpect:\n{expect}")).unwrap()
}

#[test]
fn gpio_checks_levels_and_deadlines() {
    let mut t = Trace::new();
    t.push(Event::new(
        100,
        "gust",
        "GPIOB",
        EventKind::Gpio {
            pin: "PB0".into(),
            level: Level::High,
        },
    ));
    t.push(Event::new(
        200,
        "gust",
        "GPIOB",
        EventKind::Gpio {
            pin: "PB0".into(),
            level: Level::Low,
        },
    ));
    let at = |ns: u64, lvl: &str| {
        check(
            &one_machine(&format!(
                "  - gpio: {{ pin: PB0, level: {lvl}, at: {ns}ns }}\n"
            )),
            &t,
            300,
        )
        .passed()
    };
    assert!(at(50, "low") && at(150, "high") && at(250, "low") && !at(150, "low"));
    let by = |after: u64, by: u64| {
        check(
            &one_machine(&format!(
                "  - gpio: {{ pin: PB0, level: high, by: {by}ns, after: {after}ns }}\n"
            )),
            &t,
            300,
        )
    };
    assert!(by(0, 100).passed());
    let v = by(0, 99);
    assert!(
        !v.passed() && v.outcomes[0].observed.contains("only at 0.000000100 s"),
        "{v:?}"
    );
    assert!(by(150, 300).passed(), "already high when the window opens");
    assert!(!by(210, 300).passed());
}

#[test]
fn log_expectations_match_level_window_and_absence() {
    let mut t = Trace::new();
    t.push(Event::new(
        10,
        "gust",
        "rtt",
        EventKind::Log {
            level: "warn".into(),
            text: "imu1 isolated".into(),
        },
    ));
    let ok = |e: &str| check(&one_machine(&format!("  - log: {e}\n")), &t, 20).passed();
    assert!(ok("{ line: 'isolated' }"));
    assert!(ok("{ line: 'isolated', level: warn, before: 11ns }"));
    assert!(!ok("{ line: 'isolated', level: error }"));
    assert!(!ok("{ line: 'isolated', after: 11ns }"));
    assert!(!ok("{ line: 'isolated', absent: true }"));
    assert!(ok("{ line: 'panic', absent: true }"));
}
